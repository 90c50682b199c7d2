"""Module: the base class of every layer and model.

A Module owns three ordered dictionaries filled by plain attribute assignment:

* ``_parameters``: the :class:`Parameter` objects assigned to it (``self.weight = Parameter(..)``);
* ``_buffers``: state that is saved but not learned (``register_buffer``, e.g. running means);
* ``_modules``: its sub-modules (``self.fc = Linear(..)``).

Everything else (``parameters()``, ``state_dict()``, ``train()``, ``to()``, the printed tree)
walks these dictionaries recursively; the dotted names (``"0.fc.weight"``) are PyTorch's.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

from retroprop import devices
from retroprop.autograd import no_grad
from retroprop.nn.parameter import Parameter
from retroprop.tensor import Tensor

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class RemovableHandle:
    """Returned by ``register_forward_hook``; ``handle.remove()`` unregisters the hook.

    Also a context manager: the hook is removed when the ``with`` block ends.
    """

    _ids = itertools.count()

    def __init__(self, hooks: dict[int, Callable[..., Any]]) -> None:
        self._hooks = hooks
        self.id = next(RemovableHandle._ids)

    def remove(self) -> None:
        self._hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def _addindent(text: str, spaces: int) -> str:
    """Indent every line of ``text`` but the first (for nested module reprs)."""
    first, *rest = text.split("\n")
    return "\n".join([first] + [" " * spaces + line for line in rest])


class Module:
    """Base class of layers and models: subclass it, assign layers in ``__init__``, write
    ``forward``, and call the module like a function.

    Example::

        class MLP(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(784, 128)
                self.fc2 = nn.Linear(128, 10)

            def forward(self, x):
                return self.fc2(self.fc1(x).relu())
    """

    training: bool

    def __init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "training", True)
        set_(self, "_parameters", OrderedDict())
        set_(self, "_buffers", OrderedDict())
        set_(self, "_non_persistent_buffers", set())
        set_(self, "_modules", OrderedDict())
        set_(self, "_forward_pre_hooks", OrderedDict())
        set_(self, "_forward_hooks", OrderedDict())

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run the forward pre-hooks, ``forward``, then the forward hooks.

        NumPy arrays among the arguments become Tensors first (see :meth:`_from_numpy`), so
        ``module(array)`` works for every module.
        """
        if any(isinstance(a, np.ndarray) for a in itertools.chain(args, kwargs.values())):
            args, kwargs = self._from_numpy(args, kwargs)
        for hook in list(self._forward_pre_hooks.values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        output = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            result = hook(self, args, output)
            if result is not None:
                output = result
        return output

    def _from_numpy(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """The arguments with each ndarray made a Tensor: a floating array takes the dtype of
        the module's first floating parameter or buffer (the default dtype, float32, for a
        module without one), so float64 NumPy data feeds a float32 model; integer arrays
        become int64 and boolean arrays stay boolean, as ``rp.Tensor`` makes them."""
        floating = (
            t.dtype
            for t in itertools.chain(self.parameters(), self.buffers())
            if t is not None and t.dtype.kind == "f"
        )
        dtype = next(floating, None)

        def convert(a: Any) -> Any:
            if isinstance(a, np.ndarray) and dtype is not None and a.dtype.kind == "f":
                return Tensor(a, dtype=dtype)
            return Tensor(a) if isinstance(a, np.ndarray) else a

        return tuple(convert(a) for a in args), {k: convert(v) for k, v in kwargs.items()}

    # ---- registration ----------------------------------------------------------------
    def _check_name(self, kind: str, name: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
        if name == "" or "." in name:
            raise KeyError(f'{kind} name can\'t be empty or contain ".", got "{name}"')

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or ``None``, a declared but absent parameter such as a bias)."""
        self._check_name("parameter", name)
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                "(nn.Parameter or None required)"
            )
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add state that is not learned. Persistent buffers are part of ``state_dict``."""
        self._check_name("buffer", name)
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                "(Tensor or None required)"
            )
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a sub-module under ``name`` (same as assigning ``self.name = module``)."""
        self._check_name("module", name)
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        if module is not None and not isinstance(module, Module):
            raise TypeError(
                f"cannot assign '{type(module).__name__}' object to module '{name}' "
                "(nn.Module or None required)"
            )
        self._modules[name] = module

    register_module = add_module

    def _discard(self, name: str, keep: dict[str, Any]) -> None:
        """Forget ``name`` everywhere but in ``keep`` (where it keeps its position)."""
        self.__dict__.pop(name, None)
        for store in (self._parameters, self._buffers, self._modules):
            if store is not keep:
                store.pop(name, None)
        self._non_persistent_buffers.discard(name)

    def __setattr__(self, name: str, value: Any) -> None:
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            self._check_name("parameters", name)
            self._discard(name, keep=self._parameters)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                    "(nn.Parameter or None expected)"
                )
            params[name] = None
        elif isinstance(value, Module):
            self._check_name("module", name)
            self._discard(name, keep=self._modules)
            self._modules[name] = value
        elif params is not None and name in self._modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as child module '{name}' "
                    "(nn.Module or None expected)"
                )
            self._modules[name] = None
        elif params is not None and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                    "(Tensor or None expected)"
                )
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        # only called when normal lookup fails: look in the three dictionaries
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        extra = list(self._parameters) + list(self._buffers) + list(self._modules)
        return sorted(set(super().__dir__()) | set(extra))

    # ---- traversal -------------------------------------------------------------------
    def named_modules(
        self, memo: set[int] | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """``(dotted name, module)`` for this module (name ``prefix``) and all below it."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            sub = prefix + ("." if prefix else "") + name
            yield from module.named_modules(memo, sub, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        seen: set[int] = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self) -> Iterator[Module]:
        for _, module in self.named_children():
            yield module

    def _named_members(
        self, store: str, prefix: str, recurse: bool, remove_duplicate: bool
    ) -> Iterator[tuple[str, Any]]:
        modules = (
            self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
            if recurse
            else [(prefix, self)]
        )
        seen: set[int] = set()
        for module_prefix, module in modules:
            for name, value in getattr(module, store).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield module_prefix + ("." if module_prefix else "") + name, value

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """``(dotted name, parameter)`` pairs; a parameter shared by two layers comes once."""
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def get_submodule(self, target: str) -> Module:
        """The module at dotted path ``target`` (``""`` is this module)."""
        module = self
        for part in target.split(".") if target else []:
            child = module._modules.get(part)
            if child is None:
                raise AttributeError(
                    f"get_submodule: {type(module).__name__} has no submodule '{part}' "
                    f"(looking for '{target}')"
                )
            module = child
        return module

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at dotted path ``target``, e.g. ``"0.weight"``."""
        path, _, name = target.rpartition(".")
        module = self.get_submodule(path)
        if module._parameters.get(name) is None:
            raise AttributeError(
                f"get_parameter: {type(module).__name__} has no parameter '{name}' "
                f"(looking for '{target}')"
            )
        return module._parameters[name]

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at dotted path ``target``, e.g. ``"bn.running_mean"``."""
        path, _, name = target.rpartition(".")
        module = self.get_submodule(path)
        if module._buffers.get(name) is None:
            raise AttributeError(
                f"get_buffer: {type(module).__name__} has no buffer '{name}' "
                f"(looking for '{target}')"
            )
        return module._buffers[name]

    # ---- state -----------------------------------------------------------------------
    def _save_to_state_dict(
        self, destination: dict[str, Any], prefix: str, keep_vars: bool
    ) -> None:
        """Put this module's own parameters and persistent buffers into ``destination``."""
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers:
                destination[prefix + name] = b if keep_vars else b.detach()

    def state_dict(
        self,
        *,
        destination: dict[str, Any] | None = None,
        prefix: str = "",
        keep_vars: bool = False,
    ) -> OrderedDict[str, Tensor]:
        """Every parameter and persistent buffer under its dotted name (PyTorch's keys).

        The tensors share memory with the module's (detached unless ``keep_vars``).
        """
        if destination is None:
            destination = OrderedDict()
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(
                    destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars
                )
        return destination

    def _load_from_state_dict(
        self,
        state_dict: Mapping[str, Any],
        prefix: str,
        missing_keys: list[str],
        unexpected_keys: list[str],
        error_msgs: list[str],
    ) -> None:
        """Copy this module's own entries of ``state_dict`` (keys ``prefix + name``).

        Override it to adapt old checkpoints (add a missing buffer, rename a key) before
        calling ``super()._load_from_state_dict``.
        """
        local = {n: p for n, p in self._parameters.items() if p is not None}
        local.update(
            (n, b)
            for n, b in self._buffers.items()
            if b is not None and n not in self._non_persistent_buffers
        )
        for name, target in local.items():
            key = prefix + name
            if key not in state_dict:
                missing_keys.append(key)
                continue
            value = state_dict[key]
            if not hasattr(value, "__array__"):
                error_msgs.append(
                    f'While copying the parameter named "{key}", expected a Tensor or an '
                    f"array from the checkpoint but received {type(value).__name__}"
                )
                continue
            array = np.asarray(value)
            if array.shape != target.shape:
                error_msgs.append(
                    f"size mismatch for {key}: copying a param with shape {array.shape} from "
                    f"checkpoint, the shape in current model is {tuple(target.shape)}."
                )
                continue
            with no_grad():
                target.copy_(array.astype(target.dtype, copy=False))
        for key in state_dict:
            if key.startswith(prefix):
                head = key[len(prefix) :].split(".", 1)[0]
                if head not in self._modules and head not in local:
                    unexpected_keys.append(key)

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> Any:
        """Copy ``state_dict``'s values (Tensors or arrays) into the parameters and buffers
        in place, cast to their dtypes.

        With ``strict``, missing and unexpected keys raise a RuntimeError that lists them;
        otherwise they are returned as ``(missing_keys, unexpected_keys)``. Shape mismatches
        always raise.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(
                f"load_state_dict: expected a mapping of names to tensors, got "
                f"{type(state_dict).__name__}"
            )
        missing: list[str] = []
        unexpected: list[str] = []
        errors: list[str] = []

        def load(module: Module, sub: Mapping[str, Any], prefix: str) -> None:
            module._load_from_state_dict(sub, prefix, missing, unexpected, errors)
            for name, child in module._modules.items():
                if child is not None:
                    child_prefix = prefix + name + "."
                    child_sub = {k: v for k, v in sub.items() if k.startswith(child_prefix)}
                    load(child, child_sub, child_prefix)

        load(self, state_dict, "")
        if strict:
            listed = [
                f"{what} key(s) in state_dict: " + ", ".join(f'"{k}"' for k in keys) + "."
                for what, keys in (("Missing", missing), ("Unexpected", unexpected))
                if keys
            ]
            errors = listed + errors
        if errors:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                + "\n\t".join(errors)
            )
        return IncompatibleKeys(missing, unexpected)

    # ---- mode, gradients, dtype ------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Set training mode (dropout active, batch statistics) on this module and below."""
        if not isinstance(mode, bool):
            raise ValueError(f"train: mode is expected to be a bool, got {mode!r}")
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> Module:
        """Evaluation mode: same as ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients: to ``None`` (the default), or to zeros in place."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad.zero_()

    def to(self, *args: Any, device: Any = None, dtype: Any = None,
           non_blocking: bool = False) -> Module:  # fmt: skip
        """Convert floating parameters and buffers to ``dtype``, in place.

        The Parameter objects stay the same, so an optimiser built earlier still holds them.
        As ``torch.nn.Module.to``: ``to(dtype)``, ``to(device)``, ``to(device, dtype)``,
        ``to(tensor)`` (its dtype). The device can only be the CPU (see ``rp.device``).
        """
        for arg in args:
            if devices.is_device(arg):
                device = arg
                continue
            if dtype is not None:
                raise TypeError(f"{type(self).__name__}.to: dtype given twice ({args}, {dtype})")
            dtype = arg.dtype if isinstance(arg, Tensor) else arg
        devices.check_device(f"{type(self).__name__}.to", device)
        if dtype is None:
            return self
        dt = np.dtype(dtype)
        if dt.kind != "f":
            raise TypeError(
                f"{type(self).__name__}.to only accepts floating point dtypes, got {dt}"
            )
        for t in itertools.chain(self.parameters(), self.buffers()):
            if t.dtype.kind == "f" and t.dtype != dt:
                t._data = t._data.astype(dt)
                t._version[0] += 1
                if t.grad is not None:
                    t.grad._data = t.grad._data.astype(dt)
        return self

    def float(self) -> Module:
        return self.to(np.float32)

    def double(self) -> Module:
        return self.to(np.float64)

    def cpu(self) -> Module:
        return self

    def cuda(self, device: Any = None) -> Module:
        """Refused: retroprop runs on the CPU only."""
        raise devices.not_on_cpu(f"{type(self).__name__}.cuda", "cuda")

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every sub-module (children first) and then on this module."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ---- hooks -----------------------------------------------------------------------
    def register_forward_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """``hook(module, args)`` runs before ``forward``; it may return new args."""
        handle = RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle.id] = hook
        return handle

    def register_forward_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """``hook(module, args, output)`` runs after ``forward``; it may return a new output."""
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = hook
        return handle

    # ---- printing ----------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's line (e.g. its sizes)."""
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [
            f"({name}): " + _addindent(repr(module), 2) for name, module in self._modules.items()
        ]
        lines = extra_lines + child_lines
        if not child_lines and len(extra_lines) <= 1:
            return f"{self._get_name()}({extra})"
        return f"{self._get_name()}(\n  " + "\n  ".join(lines) + "\n)"
