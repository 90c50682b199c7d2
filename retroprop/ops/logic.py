"""Comparisons (isclose / allclose too), logical operations, NaN / inf tests, the boolean
reductions all / any, and the positions of nonzero elements (nonzero, argwhere, count_nonzero).

Their results are bool tensors, outside the graph: a comparison has no derivative.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from retroprop.ops._util import norm_dims, numpy_aliases, operands
from retroprop.tensor import Tensor


def _array(x: Any) -> np.ndarray:
    return np.asarray(x)


def _bool(values: Any) -> Any:
    return Tensor._wrap(np.asarray(values, dtype=np.bool_))


def _compare(op: Any, a: Any, b: Any) -> Any:
    """A comparison ``op(a, b)`` (a NumPy ufunc), broadcast: a bool tensor."""
    a, b = operands(a, b)
    return Tensor._wrap(op(a._data, b._data))


def eq(input: Any, other: Any) -> Any:
    """``input == other`` elementwise (broadcast), a bool tensor."""
    return _compare(np.equal, input, other)


def ne(input: Any, other: Any) -> Any:
    """``input != other`` elementwise."""
    return _compare(np.not_equal, input, other)


def lt(input: Any, other: Any) -> Any:
    """``input < other`` elementwise."""
    return _compare(np.less, input, other)


def le(input: Any, other: Any) -> Any:
    """``input <= other`` elementwise."""
    return _compare(np.less_equal, input, other)


def gt(input: Any, other: Any) -> Any:
    """``input > other`` elementwise."""
    return _compare(np.greater, input, other)


def ge(input: Any, other: Any) -> Any:
    """``input >= other`` elementwise."""
    return _compare(np.greater_equal, input, other)


def equal(input: Any, other: Any) -> bool:
    """True when both tensors have the same shape and the same elements (a Python bool)."""
    a, b = _array(input), _array(other)
    return a.shape == b.shape and bool(np.array_equal(a, b))


def logical_and(input: Any, other: Any) -> Any:
    """Elementwise AND of the truth values (nonzero is true)."""
    return _bool(np.logical_and(_array(input), _array(other)))


def logical_or(input: Any, other: Any) -> Any:
    """Elementwise OR of the truth values."""
    return _bool(np.logical_or(_array(input), _array(other)))


def logical_xor(input: Any, other: Any) -> Any:
    """Elementwise XOR of the truth values."""
    return _bool(np.logical_xor(_array(input), _array(other)))


def logical_not(input: Any) -> Any:
    """Elementwise NOT of the truth values."""
    return _bool(np.logical_not(_array(input)))


def isnan(input: Any) -> Any:
    """True where the element is NaN."""
    return _bool(np.isnan(_array(input)))


def isinf(input: Any) -> Any:
    """True where the element is +inf or -inf."""
    return _bool(np.isinf(_array(input)))


def isfinite(input: Any) -> Any:
    """True where the element is neither NaN nor infinite."""
    return _bool(np.isfinite(_array(input)))


def _reduce_bool(fn: Any, name: str, input: Any, dim: Any, keepdim: bool) -> Any:
    x = _array(input)
    if isinstance(dim, bool) or not (
        dim is None or isinstance(dim, int | np.integer | tuple | list)
    ):
        raise TypeError(f"{name}: dim must be None, an int or a tuple of ints, got {dim!r}")
    axes = norm_dims(dim, x.ndim) if x.ndim else None
    return _bool(fn(x, axis=axes, keepdims=keepdim))


@numpy_aliases
def all(input: Any, dim: Any = None, keepdim: bool = False) -> Any:
    """True when every element (along ``dim``, all when None) is nonzero."""
    return _reduce_bool(np.all, "all", input, dim, keepdim)


@numpy_aliases
def any(input: Any, dim: Any = None, keepdim: bool = False) -> Any:
    """True when some element (along ``dim``, all when None) is nonzero."""
    return _reduce_bool(np.any, "any", input, dim, keepdim)


def isclose(
    input: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Any:
    """``|input - other| <= atol + rtol |other|`` elementwise (NaN equal to NaN if asked)."""
    return _bool(np.isclose(_array(input), _array(other), rtol, atol, equal_nan))


def allclose(
    input: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> bool:
    """True when :func:`isclose` holds everywhere (a Python bool)."""
    return bool(np.allclose(_array(input), _array(other), rtol, atol, equal_nan))


def nonzero(input: Any, *, as_tuple: bool = False) -> Any:
    """Positions of the nonzero elements: an int64 (count, ndim) tensor, or with
    ``as_tuple=True`` one 1-D index tensor per dim (NumPy's ``nonzero``)."""
    x = np.atleast_1d(_array(input)) if as_tuple else _array(input)
    where = np.nonzero(x)
    if as_tuple:
        return tuple(Tensor._wrap(w.astype(np.int64)) for w in where)
    return Tensor._wrap(np.stack(where, axis=1).astype(np.int64).reshape(-1, x.ndim))


def argwhere(input: Any) -> Any:
    """``nonzero(input)``: the (count, ndim) positions of the nonzero elements."""
    return nonzero(input)


def count_nonzero(input: Any, dim: Any = None) -> Any:
    """Number of nonzero elements (along ``dim``), int64."""
    x = _array(input)
    axes = norm_dims(dim, x.ndim) if x.ndim else None
    return Tensor._wrap(np.asarray(np.count_nonzero(x, axis=axes), dtype=np.int64))
