"""Small helpers shared by the ops: broadcasting in backward, operand conversion, dims."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from retroprop.tensor import Tensor, as_tensor


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` back to ``shape``: the adjoint of NumPy broadcasting.

    If ``y = broadcast(x)`` then ``dL/dx = sum of dL/dy over the broadcast axes``.
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(
        i + extra for i, n in enumerate(shape) if n == 1 and grad.shape[i + extra] != 1
    )
    g = grad.sum(axis=axes, keepdims=True) if axes else grad
    return g.reshape(shape)


def operands(a: Any, b: Any) -> tuple[Any, Any]:
    """Turn Python scalars and arrays into Tensors, matching the other operand's dtype.

    A Python float next to a float32 tensor stays float32 (no silent upcast).
    """
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        return a, b
    if isinstance(a, Tensor):
        return a, _constant(b, a)
    if isinstance(b, Tensor):
        return _constant(a, b), b
    return as_tensor(a), as_tensor(b)


def _constant(value: Any, like: Any) -> Any:
    arr = np.asarray(value)
    if arr.dtype.kind == "f" or (arr.dtype.kind in "iub" and like.dtype.kind == "f"):
        dtype = like.dtype if like.dtype.kind == "f" else None
        return Tensor(arr, dtype=dtype)
    return Tensor(arr)


def norm_dim(dim: int, ndim: int, name: str = "dim") -> int:
    """Map a possibly negative ``dim`` into ``[0, ndim)``, with a clear error."""
    if not -max(ndim, 1) <= dim < max(ndim, 1):
        raise IndexError(
            f"{name} out of range: expected a value in [{-max(ndim, 1)}, {max(ndim, 1) - 1}], "
            f"got {dim}"
        )
    return dim % max(ndim, 1)


def norm_dims(dim: Any, ndim: int) -> tuple[int, ...] | None:
    """``None`` (all dims), an int or a sequence of ints -> a sorted tuple of dims."""
    if dim is None:
        return None
    if isinstance(dim, int | np.integer):
        return (norm_dim(int(dim), ndim),)
    return tuple(sorted(norm_dim(int(d), ndim) for d in dim))


def int_tuple(value: Any, nd: int, name: str, arg: str, minimum: int) -> tuple[int, ...]:
    """An int or a sequence of nd ints -> a tuple of nd ints, each >= minimum (the sizes,
    strides and paddings of the convolutions and pools)."""
    values = (value,) * nd if isinstance(value, int | np.integer) else tuple(value)
    if len(values) != nd or not all(isinstance(v, int | np.integer) for v in values):
        raise ValueError(f"{name}: {arg} must be an int or {nd} ints, got {value!r}")
    if any(v < minimum for v in values):
        raise ValueError(f"{name}: {arg} must be >= {minimum}, got {value!r}")
    return tuple(int(v) for v in values)


def as_pair(values: tuple[int, ...], fill: int) -> tuple[int, int]:
    """1 or 2 per-axis values -> (height, width): a 1-d input is an image of height 1, whose
    height axis takes ``fill``."""
    return (fill, values[0]) if len(values) == 1 else (values[0], values[1])


F = TypeVar("F", bound=Callable[..., Any])


def numpy_aliases(fn: F) -> F:
    """Let ``fn`` take NumPy's ``axis=`` / ``keepdims=`` for PyTorch's ``dim=`` / ``keepdim=``."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        for numpy_name, torch_name in (("axis", "dim"), ("keepdims", "keepdim")):
            if numpy_name in kwargs:
                if torch_name in kwargs:
                    raise TypeError(
                        f"{fn.__name__}: pass either {torch_name}= or {numpy_name}=, not both"
                    )
                kwargs[torch_name] = kwargs.pop(numpy_name)
        return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
