"""Factories: tensor, zeros, ones, full, eye, arange, linspace, rand, randn, randint, *_like.

Every factory takes PyTorch's keywords: ``dtype=``, ``device=`` (the CPU only; see
:mod:`retroprop.devices`), ``requires_grad=``, and ``generator=`` for the random ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from retroprop import random as _random
from retroprop.devices import check_device
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


def _rng(name: str, generator: Any) -> np.random.Generator:
    """The generator to draw from: ``generator=`` (a ``numpy.random.Generator``) or the global."""
    if generator is None:
        return _random.default_generator
    if not isinstance(generator, np.random.Generator):
        raise TypeError(
            f"{name}: generator must be a numpy.random.Generator or None, got "
            f"{type(generator).__name__}"
        )
    return generator


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:  # fmt: skip
    """A new tensor copied from ``data`` (floats -> float32 unless ``dtype`` says otherwise)."""
    check_device("tensor", device)
    if isinstance(data, Tensor):
        data = data._data
    return Tensor(np.array(data, copy=True), requires_grad=requires_grad, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array`` and keeping its dtype (as ``torch.from_numpy``)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected an ndarray, got {type(array).__name__}")
    return Tensor._wrap(array)


def zeros(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``; sizes must be integers."""
    check_device("zeros", device)
    arr = np.zeros(_size("zeros", size), _float(dtype))
    return Tensor(arr, requires_grad=requires_grad, dtype=_float(dtype))


def ones(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones: ``ones(2, 3)`` or ``ones((2, 3))``; sizes must be integers."""
    check_device("ones", device)
    arr = np.ones(_size("ones", size), _float(dtype))
    return Tensor(arr, requires_grad=requires_grad, dtype=_float(dtype))


def full(size: Sequence[int], fill_value: float, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:  # fmt: skip
    """A tensor of ``size`` filled with the number ``fill_value`` (a Python or NumPy scalar or a
    0-d tensor). The dtype follows the value, as in PyTorch: bool, int64 or the default float."""
    check_device("full", device)
    value = np.asarray(fill_value._data if isinstance(fill_value, Tensor) else fill_value)
    if value.ndim != 0 or value.dtype.kind not in "biuf":
        raise TypeError(
            f"full: fill_value must be a real number, got {fill_value!r} "
            f"of type {type(fill_value).__name__}"
        )
    if dtype is None:
        dtype = {"b": np.bool_, "f": get_default_dtype()}.get(value.dtype.kind, np.int64)
    return Tensor(
        np.full(_size("full", (size,)), value, dtype), requires_grad=requires_grad, dtype=dtype
    )


def empty(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
          memory_format: Any = None) -> Tensor:  # fmt: skip
    """Zeros (PyTorch leaves the values undefined; zeros are one choice of them)."""
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, device: Any = None,
        requires_grad: bool = False) -> Tensor:  # fmt: skip
    check_device("eye", device)
    return Tensor(
        np.eye(n, m, dtype=_float(dtype)), requires_grad=requires_grad, dtype=_float(dtype)
    )


def arange(start: float, end: float | None = None, step: float = 1, dtype: Any = None,
           device: Any = None, requires_grad: bool = False) -> Tensor:  # fmt: skip
    """Integers give int64 (as PyTorch), any float argument gives float32."""
    check_device("arange", device)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError(f"arange: step must be non-zero, got step={step!r}")
    arr = np.arange(*(_number(v) for v in (start, end, step)))
    return Tensor(arr, requires_grad=requires_grad, dtype=dtype)


def linspace(start: float, end: float, steps: int, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:  # fmt: skip
    check_device("linspace", device)
    arr = np.linspace(start, end, steps)
    return Tensor(arr, requires_grad=requires_grad, dtype=_float(dtype))


def rand(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
         generator: Any = None) -> Tensor:  # fmt: skip
    """Uniform samples in [0, 1) from the global generator (or ``generator``)."""
    check_device("rand", device)
    data = _rng("rand", generator).random(_size("rand", size), dtype=np.float64)
    return Tensor(data, requires_grad=requires_grad, dtype=_float(dtype))


def randn(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
          generator: Any = None) -> Tensor:  # fmt: skip
    """Standard normal samples from the global generator (or ``generator``)."""
    check_device("randn", device)
    data = _rng("randn", generator).standard_normal(_size("randn", size))
    return Tensor(data, requires_grad=requires_grad, dtype=_float(dtype))


def randint(low: Any = None, high: Any = None, size: Sequence[int] | None = None, *,
            dtype: Any = None, device: Any = None, requires_grad: bool = False,
            generator: Any = None) -> Tensor:  # fmt: skip
    """Integers in [low, high), int64 by default: ``randint(low, high, size)`` or, as PyTorch,
    ``randint(high, size)`` (from 0), with any of them as keywords (``randint(10, size=(3,))``,
    ``randint(high=10, size=(3,))``)."""
    check_device("randint", device)
    if size is None:
        if not isinstance(high, tuple | list):
            raise TypeError(
                f"randint: size is missing; call randint(high, size) or randint(low, high, size), "
                f"got low={low!r}, high={high!r}"
            )
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    if high is None:
        raise TypeError(f"randint: high is missing; call randint(high, size), got size={size!r}")
    if low is None:
        low = 0
    if high <= low:
        raise ValueError(f"randint: expected low < high, got low={low}, high={high}")
    data = _rng("randint", generator).integers(low, high, _size("randint", (size,)))
    return Tensor(data, requires_grad=requires_grad, dtype=dtype or np.int64)


def randperm(n: int, *, dtype: Any = None, device: Any = None, requires_grad: bool = False,
             generator: Any = None) -> Tensor:  # fmt: skip
    """A random permutation of 0 .. n-1 (int64)."""
    check_device("randperm", device)
    perm = _rng("randperm", generator).permutation(n)
    return Tensor(perm, requires_grad=requires_grad, dtype=dtype or np.int64)


def _like(name: str, t: Tensor, dtype: Any, device: Any) -> Any:
    check_device(name, device)
    return dtype or t.dtype


def zeros_like(t: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False,
              memory_format: Any = None) -> Tensor:  # fmt: skip
    return zeros(t.shape, dtype=_like("zeros_like", t, dtype, device), requires_grad=requires_grad)


def ones_like(t: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False,
              memory_format: Any = None) -> Tensor:  # fmt: skip
    return ones(t.shape, dtype=_like("ones_like", t, dtype, device), requires_grad=requires_grad)


def full_like(t: Tensor, fill_value: float, dtype: Any = None, device: Any = None,
              requires_grad: bool = False, memory_format: Any = None) -> Tensor:  # fmt: skip
    dt = _like("full_like", t, dtype, device)
    return full(t.shape, fill_value, dtype=dt, requires_grad=requires_grad)


def empty_like(t: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False,
               memory_format: Any = None) -> Tensor:  # fmt: skip
    """Zeros of ``t``'s shape and dtype (PyTorch leaves the values undefined)."""
    return zeros(t.shape, dtype=_like("empty_like", t, dtype, device), requires_grad=requires_grad)


def _number(v: Any) -> Any:
    """A Python number from a number or a one-element tensor (``arange(t.size(0))``)."""
    return v.item() if isinstance(v, Tensor) else v


def rand_like(t: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False,
              memory_format: Any = None) -> Tensor:  # fmt: skip
    return rand(t.shape, dtype=_like("rand_like", t, dtype, device), requires_grad=requires_grad)


def randn_like(t: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False,
               memory_format: Any = None) -> Tensor:  # fmt: skip
    return randn(t.shape, dtype=_like("randn_like", t, dtype, device), requires_grad=requires_grad)
