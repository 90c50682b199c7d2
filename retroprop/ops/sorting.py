"""Order along a dim: sort, argsort, topk, median, and the extrema amax / amin over several
dims.

``sort`` and ``topk`` return ``(values, indices)`` named tuples, as ``torch.return_types``;
their values are a selection of the input, so the gradient goes back to the selected
positions (:class:`~retroprop.ops.reduce.SelectAlongDim`). ``amax`` / ``amin`` share the
gradient evenly among the elements equal to the extremum, as PyTorch does.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from retroprop.autograd import Function
from retroprop.ops._util import norm_dim, norm_dims
from retroprop.ops.reduce import SelectAlongDim
from retroprop.tensor import Tensor

_SortResult = namedtuple("sort", ["values", "indices"])
_TopkResult = namedtuple("topk", ["values", "indices"])
_MedianResult = namedtuple("median", ["values", "indices"])


def _order(x: np.ndarray, d: int, descending: bool, stable: bool) -> np.ndarray:
    """Indices that sort ``x`` along ``d``; NaN counts as the largest value, as in PyTorch.

    Descending: a stable ascending sort of the reversed array, read backwards, puts the
    largest first and keeps equal elements in their original order.
    """
    if not descending:
        return np.argsort(x, axis=d, kind="stable" if stable else None)
    n = x.shape[d]
    return n - 1 - np.flip(np.argsort(np.flip(x, d), axis=d, kind="stable"), d)


def _select(x: Any, idx: np.ndarray, d: int) -> tuple[Any, Any]:
    values = SelectAlongDim.apply(x, indices=idx, dim=d, keepdim=True)
    return values, Tensor._wrap(idx.astype(np.int64, copy=False))


def sort(input: Any, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
    """Sort along ``dim``: ``(values, indices)`` with ``values = input.gather(dim, indices)``.

    Gradient: dL/dx at ``indices`` = dL/d(values) (a permutation of the gradient).
    """
    if input.ndim == 0:
        values, indices = _select(input.reshape(1), np.zeros(1, np.int64), 0)
        return _SortResult(values.reshape(()), indices.reshape(()))
    d = norm_dim(dim, input.ndim)
    idx = _order(np.asarray(input), d, descending, stable)
    return _SortResult(*_select(input, idx, d))


def argsort(input: Any, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
    """The int64 indices that sort ``input`` along ``dim`` (no gradient)."""
    if input.ndim == 0:
        return Tensor._wrap(np.zeros((), np.int64))
    d = norm_dim(dim, input.ndim)
    return Tensor._wrap(_order(np.asarray(input), d, descending, stable).astype(np.int64))


def topk(input: Any, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:
    """The ``k`` largest (``largest=False``: smallest) elements along ``dim``, as
    ``(values, indices)``, in order from the most extreme (always sorted here).

    Gradient: dL/dx at ``indices`` = dL/d(values), 0 elsewhere.
    """
    x = input.reshape(1) if input.ndim == 0 else input
    d = norm_dim(dim, x.ndim)
    n = x.shape[d]
    if not 0 <= k <= n:
        raise RuntimeError(
            f"topk: k ({k}) is out of range for dim {dim} of size {n} (shape {tuple(input.shape)})"
        )
    arr = np.asarray(x)
    if k < n and not (arr.dtype.kind == "f" and np.isnan(arr).any()):
        # partition first (O(n)), then sort only the k kept elements
        key = (-arr if arr.dtype.kind == "f" else -arr.astype(np.int64)) if largest else arr
        part = np.argpartition(key, k - 1, axis=d).take(np.arange(k), axis=d)
        sub = np.take_along_axis(arr, part, axis=d)
        idx = np.take_along_axis(part, _order(sub, d, largest, True), axis=d)
    else:
        idx = _order(arr, d, largest, True)
    values, indices = _select(x, idx, d)
    if input.ndim == 0:
        return _TopkResult(values.reshape(()), indices.reshape(()))
    return _TopkResult(values, indices)


def median(input: Any, dim: int | None = None, keepdim: bool = False) -> Any:
    """The median (the lower of the two middle values for an even count, as PyTorch): of all
    elements when ``dim`` is None, else ``(values, indices)`` along ``dim``.

    Gradient: to the element chosen (the one at ``indices``).
    """
    x = input.reshape(-1) if dim is None else input
    x = x.reshape(1) if x.ndim == 0 else x
    d = 0 if dim is None else norm_dim(dim, x.ndim)
    n = x.shape[d]
    if n == 0:
        raise RuntimeError(f"median: cannot take the median of an empty dim (shape {x.shape})")
    order = _order(np.asarray(x), d, False, True)
    idx = np.take(order, [(n - 1) // 2], axis=d)
    values, indices = _select(x, idx, d)
    if dim is None:
        return values.reshape(())
    if not keepdim or input.ndim == 0:
        values, indices = values.squeeze(d), indices.squeeze(d)
    if input.ndim == 0:
        values, indices = values.reshape(()), indices.reshape(())
    return _MedianResult(values, indices)


class AMax(Function):
    """y = max (or min) of x over the dims;  dy/dx_i = 1/k on the k elements of its slice
    equal to y, 0 elsewhere (ties share the gradient)."""

    def forward(
        self, x: np.ndarray, axes: Any = None, keepdim: bool = False, largest: bool = True
    ) -> np.ndarray:
        self.axes, self.keepdim = axes, keepdim
        fn = np.max if largest else np.min
        out = np.asarray(fn(x, axis=axes, keepdims=True))
        self.save_for_backward(x, out)
        return out if keepdim else np.asarray(out.squeeze(axis=axes))

    def backward(self, g: np.ndarray) -> np.ndarray:
        x, out = self.saved_values
        mask = x == out
        count = np.sum(mask, axis=self.axes, keepdims=True)
        gk = g if self.keepdim else np.asarray(g).reshape(out.shape)
        return mask * (gk / count).astype(x.dtype, copy=False)


def _amax(input: Any, dim: Any, keepdim: bool, largest: bool) -> Any:
    name = "amax" if largest else "amin"
    if isinstance(dim, bool) or not isinstance(dim, int | np.integer | tuple | list):
        raise TypeError(f"{name}: dim must be an int or a tuple of ints, got {dim!r}")
    axes = norm_dims(dim, input.ndim)
    if input.ndim == 0 or len(axes) == 0:
        axes = tuple(range(input.ndim))
    if any(input.shape[a] == 0 for a in axes) or (input.ndim and input.numel() == 0):
        raise RuntimeError(f"{name}: cannot reduce an empty tensor of shape {tuple(input.shape)}")
    return AMax.apply(input, axes=axes, keepdim=keepdim, largest=largest)


def amax(input: Any, dim: Any = (), keepdim: bool = False) -> Any:
    """Largest element over ``dim`` (an int or a tuple; ``()`` = every dim).

    Gradient: shared evenly by the elements equal to the maximum (unlike ``max(dim)``, which
    gives it all to one index).
    """
    return _amax(input, dim, keepdim, largest=True)


def amin(input: Any, dim: Any = (), keepdim: bool = False) -> Any:
    """Smallest element over ``dim`` (see :func:`amax`)."""
    return _amax(input, dim, keepdim, largest=False)
