"""Parametrizations: make a module's ``weight`` a function of other tensors, as
``torch.nn.utils.parametrize``.

After ``register_parametrization(module, "weight", P)``, the unconstrained tensor lives in
``module.parametrizations.weight.original`` and every read of ``module.weight`` computes
``P(original)``, so the gradient reaches ``original`` through ``P`` and the optimiser updates
``original``. The state_dict keys are PyTorch's (``parametrizations.weight.original``, and
``parametrizations.weight.0.<buffer>`` for the state of ``P``), so files load both ways.

How: the module's class is replaced by a subclass (``ParametrizedLinear``, ...) with a
property named ``weight``; the property reads ``module.parametrizations["weight"]()``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from retroprop.autograd import no_grad
from retroprop.nn.containers import ModuleDict, ModuleList
from retroprop.nn.module import Module
from retroprop.nn.parameter import Parameter
from retroprop.tensor import Tensor

_cache_enabled = 0
_cache: dict[tuple[int, str], Tensor] = {}


@contextlib.contextmanager
def cached() -> Iterator[None]:
    """Inside the block, each parametrized tensor is computed once and reused (e.g. a
    spectral-normalised weight read at every step of a recurrent loop)."""
    global _cache_enabled
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache.clear()


def _register_tensor(module: Module, name: str, tensor: Tensor) -> None:
    if isinstance(tensor, Parameter):
        module.register_parameter(name, tensor)
    else:
        module.register_buffer(name, tensor)


def _set_value(target: Tensor, value: Any) -> None:
    """Give ``target`` the values of ``value`` while keeping the object (optimisers hold it)."""
    array = value._data if isinstance(value, Tensor) else np.asarray(value)
    target._data = array.astype(target.dtype, copy=True)
    target._version[0] += 1


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor (``module.parametrizations[name]``), applied in
    order, and the unconstrained tensor: ``original``, or ``original0``, ``original1``, ...
    when the first parametrization's ``right_inverse`` returns several tensors.

    Args:
        modules: the parametrizations (modules whose ``forward`` maps the original(s) to
            the tensor; an optional ``right_inverse`` maps a tensor back to the original(s)).
        original: the parameter or buffer being parametrized.
        unsafe: skip the check that the parametrization keeps the shape and dtype.
    """

    def __init__(self, modules: Sequence[Module], original: Tensor, unsafe: bool = False) -> None:
        super().__init__(modules)
        self.unsafe = unsafe
        shape, dtype = original.shape, original.dtype
        new: Any = original
        with no_grad():
            for module in list(self)[::-1]:
                if hasattr(module, "right_inverse"):
                    new = module.right_inverse(new)
        if isinstance(new, Tensor):
            if new.dtype != original.dtype:
                raise ValueError(
                    f"register_parametrization: right_inverse changed the dtype from "
                    f"{original.dtype} to {new.dtype}"
                )
            self.is_tensor, self.ntensors = True, 1
            if new is not original:
                _set_value(original, new)
            _register_tensor(self, "original", original)
        elif isinstance(new, Sequence) and all(isinstance(t, Tensor) for t in new):
            self.is_tensor, self.ntensors = False, len(new)
            for i, t in enumerate(new):
                if isinstance(original, Parameter):
                    t = Parameter(t.detach(), requires_grad=original.requires_grad)
                _register_tensor(self, f"original{i}", t)
        else:
            raise ValueError(
                f"register_parametrization: right_inverse must return a Tensor or a sequence of "
                f"Tensors, got {type(new).__name__}"
            )
        if not unsafe:
            _check_same(self(), shape, dtype, "parametrization")

    def right_inverse(self, value: Tensor) -> None:
        """Set the original(s) so that the parametrized tensor equals ``value`` (this is what
        ``module.weight = value`` does)."""
        with no_grad():
            for module in list(self)[::-1]:
                if not hasattr(module, "right_inverse"):
                    raise RuntimeError(
                        f"parametrization {type(module).__name__} does not implement right_inverse"
                    )
                value = module.right_inverse(value)
            if self.is_tensor:
                _set_value(self.original, value)
            else:
                for i, t in enumerate(value):
                    _set_value(getattr(self, f"original{i}"), t)

    def forward(self) -> Tensor:
        modules = list(self)
        if self.is_tensor:
            x = modules[0](self.original)
        else:
            x = modules[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for module in modules[1:]:
            x = module(x)
        return x


def _check_same(x: Any, shape: tuple[int, ...], dtype: Any, what: str) -> None:
    if not isinstance(x, Tensor):
        raise ValueError(f"register_parametrization: a {what} must return a Tensor, got {x!r}")
    if x.dtype != dtype or x.shape != shape:
        raise ValueError(
            f"register_parametrization: the {what} changes the tensor from shape "
            f"{tuple(shape)} and dtype {dtype} to {tuple(x.shape)} and {x.dtype}; pass "
            "unsafe=True if that is intended"
        )


def _inject_property(module: Module, name: str) -> None:
    def get(self: Module) -> Tensor:
        parametrization = self.parametrizations[name]
        if not _cache_enabled:
            return parametrization()
        key = (id(self), name)
        if key not in _cache:
            _cache[key] = parametrization()
        return _cache[key]

    def set_(self: Module, value: Tensor) -> None:
        self.parametrizations[name].right_inverse(value)

    setattr(type(module), name, property(get, set_))


def register_parametrization(
    module: Module, tensor_name: str, parametrization: Module, *, unsafe: bool = False
) -> Module:
    """Make ``module.<tensor_name>`` the output of ``parametrization`` applied to the tensor's
    unconstrained original; register again on the same name to chain parametrizations.

    Args:
        module: the module owning the parameter or buffer.
        tensor_name: its name, e.g. ``"weight"``.
        parametrization: a Module; ``forward(original) -> tensor``, optional
            ``right_inverse(tensor) -> original`` (identity when absent).
        unsafe: allow the parametrization to change the shape or dtype.

    Example::

        class Symmetric(nn.Module):
            def forward(self, X):
                return X.triu() + X.triu(1).transpose(-1, -2)

        register_parametrization(layer, "weight", Symmetric())
    """
    if not isinstance(parametrization, Module):
        raise TypeError(
            f"register_parametrization: parametrization must be a Module, got "
            f"{type(parametrization).__name__}"
        )
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        if not unsafe:
            current = getattr(module, tensor_name)
            _check_same(
                parametrization(current), current.shape, current.dtype, "new parametrization"
            )
        plist = module.parametrizations[tensor_name]
        plist.append(parametrization)
        plist.unsafe |= unsafe
    elif tensor_name in module._parameters or tensor_name in module._buffers:
        original = getattr(module, tensor_name)
        if original is None:
            raise ValueError(
                f"register_parametrization: {type(module).__name__}.{tensor_name} is None"
            )
        plist = ParametrizationList([parametrization], original, unsafe=unsafe)
        delattr(module, tensor_name)
        if not is_parametrized(module):
            cls = type(module)
            module.__class__ = type(f"Parametrized{cls.__name__}", (cls,), {})
            module.parametrizations = ModuleDict()
        _inject_property(module, tensor_name)
        module.parametrizations[tensor_name] = plist
    else:
        raise ValueError(
            f"register_parametrization: {type(module).__name__} has no parameter, buffer or "
            f"parametrized tensor named {tensor_name!r}"
        )
    return module


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Whether ``module`` has a parametrization (on ``tensor_name``, or on any tensor)."""
    parametrizations = module._modules.get("parametrizations")
    if not isinstance(parametrizations, ModuleDict):
        return False
    return len(parametrizations) > 0 if tensor_name is None else tensor_name in parametrizations


def remove_parametrizations(
    module: Module, tensor_name: str, leave_parametrized: bool = True
) -> Module:
    """Undo the parametrizations of ``module.<tensor_name>``: it becomes a plain parameter
    (or buffer) again, holding the current parametrized value (``leave_parametrized``) or the
    original. The Parameter object is kept where possible, so an optimiser still holds it."""
    if not is_parametrized(module, tensor_name):
        raise ValueError(
            f"remove_parametrizations: {type(module).__name__} has no parametrization on "
            f"{tensor_name!r}"
        )
    plist = module.parametrizations[tensor_name]
    if plist.is_tensor:
        original = plist.original
        if leave_parametrized:
            with no_grad():
                _set_value(original, getattr(module, tensor_name))
    elif leave_parametrized:
        with no_grad():
            value = getattr(module, tensor_name)
        requires_grad = plist.original0.requires_grad
        original = Parameter(value, requires_grad) if requires_grad else value
    else:
        raise ValueError(
            "remove_parametrizations: leave_parametrized=False is impossible for a tensor "
            "parametrized by several originals"
        )
    delattr(type(module), tensor_name)
    del module.parametrizations[tensor_name]
    _register_tensor(module, tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = type(module).__bases__[0]
    return module
