"""PyTorch's argument names and ``out=`` for the top-level functions (``rp.add``, ``rp.matmul``).

The ops of :mod:`retroprop.ops` name their operands after the math (``x``, ``a``, ``b``,
``cond``); PyTorch calls them ``input``, ``other``, ``exponent``, ``condition``.
:func:`torch_names` wraps an op so that both spellings work, and adds what PyTorch has on it:

* ``out=``: the result is written into the given tensor (resized when its shape differs) and
  that tensor is returned. As in PyTorch, a result that requires grad is refused;
* ``dtype=`` (reductions, softmax): the input is cast first, as ``torch.sum(x, dtype=...)``;
* ``alpha=`` (``add``, ``sub``): ``input + alpha * other``.

``rp.matmul(input=a, other=b)``, ``rp.add(x, y, alpha=2)``, ``rp.exp(x, out=buf)``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from retroprop.tensor import Tensor, as_tensor

_TORCH_NAME = {"x": "input", "a": "input", "b": "other", "cond": "condition"}


def write_out(name: str, out: Any, result: Any) -> Tensor:
    """PyTorch's ``out=``: copy ``result`` into ``out`` (resized if needed) and return ``out``."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}: out must be a Tensor, got {type(out).__name__}")
    if not isinstance(result, Tensor):
        raise TypeError(f"{name}: out= is only for a single Tensor result")
    if result.requires_grad:
        raise RuntimeError(
            f"{name}(out=...): functions with out= arguments don't support automatic "
            "differentiation, but the result requires grad; call it under rp.no_grad() or "
            "drop out="
        )
    if out.shape == result.shape:
        out.copy_(result)
    else:
        out._check_inplace(name)
        out._data = result._data.astype(out.dtype, copy=True)
        out._version[0] += 1
    return out


def torch_names(
    fn: Callable[..., Any],
    *,
    rename: dict[str, str] | None = None,
    out: bool = True,
    dtype: bool = False,
    alpha: bool = False,
) -> Callable[..., Any]:
    """``fn`` accepting PyTorch's keyword names (and ``out=``, ``dtype=``, ``alpha=``).

    Args:
        fn: an op whose parameters use retroprop's names (``x``, ``a``, ``b``, ``cond``).
        rename: PyTorch names for parameters beyond the usual ones (``{"b": "exponent"}``).
        out: accept ``out=``.
        dtype: accept ``dtype=``, casting the first argument before the call.
        alpha: accept ``alpha=``, scaling the second argument (``add``, ``sub``).
    """
    params = list(inspect.signature(fn).parameters)
    names = {**_TORCH_NAME, **(rename or {})}
    to_ours = {names[p]: p for p in params if p in names}

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        target = kwargs.pop("out", None) if out else None
        cast = kwargs.pop("dtype", None) if dtype else None
        scale = kwargs.pop("alpha", 1) if alpha else 1
        for theirs, ours in to_ours.items():
            if theirs in kwargs:
                if ours in kwargs:
                    raise TypeError(f"{fn.__name__}: got both {theirs}= and {ours}=")
                kwargs[ours] = kwargs.pop(theirs)
        if cast is not None:
            args, kwargs = _map_arg(params, 0, args, kwargs, lambda v: as_tensor(v).to(cast))
        if scale != 1:
            args, kwargs = _map_arg(params, 1, args, kwargs, lambda v: v * np.asarray(scale))
        result = fn(*args, **kwargs)
        return result if target is None else write_out(fn.__name__, target, result)

    return wrapper


def _map_arg(
    params: list[str], i: int, args: tuple[Any, ...], kwargs: dict[str, Any], f: Callable
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Apply ``f`` to the ``i``-th argument, given by position or by name."""
    if len(args) > i:
        return args[:i] + (f(args[i]),) + args[i + 1 :], kwargs
    if params[i] in kwargs:
        kwargs[params[i]] = f(kwargs[params[i]])
    return args, kwargs
