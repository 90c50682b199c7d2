"""Factories: tensor, zeros, ones, full, eye, arange, linspace, rand, randn, randint, *_like."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from retroprop import random as _random
from retroprop.tensor import Tensor, get_default_dtype


def _size(name: str, size: Sequence[Any]) -> tuple[int, ...]:
    """The dimensions of ``size`` (given as ``*size`` or one sequence) as Python ints."""
    if len(size) == 1 and isinstance(size[0], tuple | list):
        size = size[0]
    for s in size:
        # bool is an int subclass, but torch rejects it as a size, and so do we
        if isinstance(s, bool | np.bool_) or not isinstance(s, int | np.integer):
            raise TypeError(
                f"{name}: size must be a sequence of integers, got {tuple(size)!r} "
                f"(element {s!r} of type {type(s).__name__})"
            )
    out = tuple(int(s) for s in size)
    if any(s < 0 for s in out):
        raise ValueError(f"{name}: negative dimension in size {out}")
    return out


def _float(dtype: Any) -> Any:
    return get_default_dtype() if dtype is None else dtype


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor copied from ``data`` (floats -> float32 unless ``dtype`` says otherwise)."""
    if isinstance(data, Tensor):
        data = data._data
    return Tensor(np.array(data, copy=True), requires_grad=requires_grad, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array`` and keeping its dtype (as ``torch.from_numpy``)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected an ndarray, got {type(array).__name__}")
    return Tensor._wrap(array)


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``; sizes must be integers."""
    return Tensor(np.zeros(_size("zeros", size), _float(dtype)), requires_grad, dtype=_float(dtype))


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones: ``ones(2, 3)`` or ``ones((2, 3))``; sizes must be integers."""
    return Tensor(np.ones(_size("ones", size), _float(dtype)), requires_grad, dtype=_float(dtype))


def full(size: Sequence[int], fill_value: float, dtype: Any = None,
         requires_grad: bool = False) -> Tensor:  # fmt: skip
    """A tensor of ``size`` filled with the number ``fill_value`` (a Python or NumPy scalar or a
    0-d tensor). The dtype follows the value, as in PyTorch: bool, int64 or the default float."""
    value = np.asarray(fill_value._data if isinstance(fill_value, Tensor) else fill_value)
    if value.ndim != 0 or value.dtype.kind not in "biuf":
        raise TypeError(
            f"full: fill_value must be a real number, got {fill_value!r} "
            f"of type {type(fill_value).__name__}"
        )
    if dtype is None:
        dtype = {"b": np.bool_, "f": get_default_dtype()}.get(value.dtype.kind, np.int64)
    return Tensor(np.full(_size("full", (size,)), value, dtype), requires_grad, dtype=dtype)


def empty(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return zeros(*size, dtype=dtype, requires_grad=requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.eye(n, m, dtype=_float(dtype)), requires_grad, dtype=_float(dtype))


def arange(start: float, end: float | None = None, step: float = 1, dtype: Any = None,
           requires_grad: bool = False) -> Tensor:  # fmt: skip
    """Integers give int64 (as PyTorch), any float argument gives float32."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError(f"arange: step must be non-zero, got step={step!r}")
    arr = np.arange(start, end, step)
    return Tensor(arr, requires_grad, dtype=dtype)


def linspace(start: float, end: float, steps: int, dtype: Any = None,
             requires_grad: bool = False) -> Tensor:  # fmt: skip
    return Tensor(np.linspace(start, end, steps), requires_grad, dtype=_float(dtype))


def rand(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) from the global generator."""
    data = _random.default_generator.random(_size("rand", size), dtype=np.float64)
    return Tensor(data, requires_grad, dtype=_float(dtype))


def randn(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from the global generator."""
    data = _random.default_generator.standard_normal(_size("randn", size))
    return Tensor(data, requires_grad, dtype=_float(dtype))


def randint(
    low: int, high: int | None = None, size: Sequence[int] = (), dtype: Any = None
) -> Tensor:
    """Integers in [low, high) (or [0, low) when ``high`` is omitted), int64 by default."""
    if high is None:
        low, high = 0, low
    if high <= low:
        raise ValueError(f"randint: expected low < high, got low={low}, high={high}")
    data = _random.default_generator.integers(low, high, _size("randint", (size,)))
    return Tensor(data, dtype=dtype or np.int64)


def randperm(n: int) -> Tensor:
    return Tensor(_random.default_generator.permutation(n))


def zeros_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return zeros(t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def ones_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return ones(t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def full_like(t: Tensor, fill_value: float, dtype: Any = None,
              requires_grad: bool = False) -> Tensor:  # fmt: skip
    return full(t.shape, fill_value, dtype=dtype or t.dtype, requires_grad=requires_grad)


def rand_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return rand(t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def randn_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return randn(t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)
