"""PyTorch's dtype names and legacy tensor types, on NumPy's dtypes.

A retroprop dtype is a NumPy scalar type (``rp.float32 is np.float32``), so ``t.dtype ==
rp.float32`` and ``np.zeros(3, rp.float64)`` both work. PyTorch's short names are aliases:
``rp.float``/``rp.double``/``rp.half``, ``rp.long``/``rp.int``/``rp.short``, ``rp.bool``.

The legacy types ``rp.FloatTensor``, ``rp.DoubleTensor``, ``rp.LongTensor``, ``rp.IntTensor``,
``rp.BoolTensor`` build a tensor of their dtype, from data (``rp.LongTensor([1, 2])``) or a
size (``rp.FloatTensor(2, 3)``, zeros here), and answer ``isinstance`` by dtype, as in PyTorch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from retroprop.tensor import Tensor

float16 = half = np.float16
float32 = np.float32
float64 = double = np.float64
int8 = np.int8
uint8 = np.uint8
int16 = short = np.int16
int32 = np.int32
int64 = long = np.int64
bool_ = np.bool_
finfo = np.finfo  # rp.finfo(rp.float32).eps, as torch.finfo
iinfo = np.iinfo

# rp.float, rp.int and rp.bool (names of Python builtins) are bound in retroprop/__init__.py


class _LegacyType(type):
    """``isinstance(t, rp.FloatTensor)`` is True for a float32 Tensor, as in PyTorch."""

    dtype: type

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype


class _LegacyTensor(metaclass=_LegacyType):
    dtype: type = np.float32

    def __new__(cls, *args: Any) -> Tensor:  # type: ignore[misc]
        if args and all(isinstance(a, int | np.integer) and not isinstance(a, bool) for a in args):
            return Tensor._wrap(np.zeros(tuple(int(a) for a in args), cls.dtype))
        if len(args) != 1:
            raise TypeError(
                f"{cls.__name__}: expected data or integer sizes, got {len(args)} arguments"
            )
        data = args[0]
        if isinstance(data, Tensor):
            return data.to(cls.dtype)
        return Tensor._wrap(np.array(data, dtype=cls.dtype))


class FloatTensor(_LegacyTensor):
    """A float32 tensor from data or sizes (``rp.FloatTensor([1, 2])``, ``FloatTensor(2, 3)``)."""

    dtype = np.float32


class DoubleTensor(_LegacyTensor):
    """A float64 tensor from data or sizes."""

    dtype = np.float64


class HalfTensor(_LegacyTensor):
    """A float16 tensor from data or sizes."""

    dtype = np.float16


class LongTensor(_LegacyTensor):
    """An int64 tensor from data or sizes (class indices: ``rp.LongTensor([0, 2])``)."""

    dtype = np.int64


class IntTensor(_LegacyTensor):
    """An int32 tensor from data or sizes."""

    dtype = np.int32


class ByteTensor(_LegacyTensor):
    """A uint8 tensor from data or sizes."""

    dtype = np.uint8


class BoolTensor(_LegacyTensor):
    """A bool tensor from data or sizes."""

    dtype = np.bool_


_LEGACY = (FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor, ByteTensor, BoolTensor)


def tensor_type_name(dtype: Any) -> str:
    """``t.type()``: the legacy type's name of a dtype, e.g. ``'retroprop.FloatTensor'``."""
    for cls in _LEGACY:
        if np.dtype(cls.dtype) == np.dtype(dtype):
            return f"retroprop.{cls.__name__}"
    return f"retroprop.Tensor[{np.dtype(dtype)}]"


def dtype_of_type(value: Any) -> Any:
    """The dtype meant by ``t.type(value)``: a dtype, a legacy type (``rp.LongTensor``) or its
    name (``'torch.FloatTensor'``, ``'retroprop.LongTensor'``)."""
    if isinstance(value, type) and issubclass(value, _LegacyTensor):
        return value.dtype
    if not isinstance(value, str):
        return value
    short = value.rsplit(".", 1)[-1]
    for cls in _LEGACY:
        if cls.__name__ == short:
            return cls.dtype
    raise TypeError(f"type: unknown tensor type {value!r}")
