"""Writing by index: index_select, scatter / scatter_add, index_add, masked_fill, and the
boolean selection masked_select.

Each is the adjoint of a selection: where the forward writes ``src`` at indexed positions,
the backward reads the gradient at those positions (a gather) for ``src``, and passes the
rest to ``input`` (all of it for the additive forms, only the positions not overwritten for
``scatter``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from retroprop.autograd import Function
from retroprop.ops._util import norm_dim
from retroprop.ops.arithmetic import where
from retroprop.ops.indexing import getitem
from retroprop.ops.shape import expand
from retroprop.tensor import Tensor


def _coords(index: np.ndarray, dim: int) -> tuple[np.ndarray, ...]:
    """NumPy coordinates of the positions ``index`` names: along ``dim`` its values, along
    every other dim k the position k itself (``out[index[i][j]][j]`` for dim 0)."""
    coords = []
    for k, n in enumerate(index.shape):
        if k == dim:
            coords.append(index)
        else:
            shape = [1] * index.ndim
            shape[k] = n
            coords.append(np.arange(n).reshape(shape))
    return tuple(coords)


def _window(index: np.ndarray) -> tuple[slice, ...]:
    """The leading block of ``src`` that pairs with ``index`` (src may be larger)."""
    return tuple(slice(0, n) for n in index.shape)


class IndexSelect(Function):
    """y = x[..., index, ...] along ``dim``;  dL/dx = dL/dy added back at ``index`` (summed
    where an index repeats)."""

    def forward(self, x: np.ndarray, index: np.ndarray, dim: int = 0) -> np.ndarray:
        self.shape, self.dim = x.shape, dim
        self.save_for_backward(index)
        return np.take(x, index, axis=dim)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray, None]:
        (index,) = self.saved_values
        gx = np.zeros(self.shape, dtype=g.dtype)
        np.add.at(np.moveaxis(gx, self.dim, 0), index, np.moveaxis(g, self.dim, 0))
        return gx, None


class Scatter(Function):
    """y = x, then y[index[i][j]][j] = src[i][j] (dim 0);  dL/dx = dL/dy with 0 at the
    written positions, dL/dsrc[i][j] = dL/dy[index[i][j]][j] (0 outside index's block)."""

    def forward(
        self, x: np.ndarray, index: np.ndarray, src: np.ndarray, dim: int = 0
    ) -> np.ndarray:
        coords = _coords(index, dim)
        self.save_for_backward(index)
        self.dim, self.src_shape = dim, src.shape
        out = x.copy()
        out[coords] = np.broadcast_to(src, index.shape) if src.ndim == 0 else src[_window(index)]
        return out

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, None, np.ndarray | None]:
        (index,) = self.saved_values
        coords = _coords(index, self.dim)
        gx = gs = None
        if self.needs_input_grad[0]:
            gx = g.copy()
            gx[coords] = 0
        if self.needs_input_grad[2]:
            gs = np.zeros(self.src_shape, dtype=g.dtype)
            if gs.ndim == 0:
                gs = np.asarray(g[coords].sum(), dtype=g.dtype)
            else:
                gs[_window(index)] = g[coords]
        return gx, None, gs


class ScatterAdd(Function):
    """y = x, then y[index[i][j]][j] += src[i][j] (dim 0);  dL/dx = dL/dy,
    dL/dsrc[i][j] = dL/dy[index[i][j]][j]."""

    def forward(
        self, x: np.ndarray, index: np.ndarray, src: np.ndarray, dim: int = 0
    ) -> np.ndarray:
        self.save_for_backward(index)
        self.dim, self.src_shape = dim, src.shape
        src = src[_window(index)]
        if x.dtype.kind != "f":
            out = x.copy()
            np.add.at(out, _coords(index, dim), src)
            return out
        # a float scatter-add is a weighted bincount on flat positions (several times faster
        # than np.add.at)
        flat = np.ravel_multi_index(np.broadcast_arrays(*_coords(index, dim)), x.shape)
        added = np.bincount(flat.ravel(), weights=src.ravel(), minlength=x.size)
        return x + added.reshape(x.shape).astype(x.dtype, copy=False)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, None, np.ndarray | None]:
        (index,) = self.saved_values
        gs = None
        if self.needs_input_grad[2]:
            gs = np.zeros(self.src_shape, dtype=g.dtype)
            gs[_window(index)] = g[_coords(index, self.dim)]
        return g if self.needs_input_grad[0] else None, None, gs


class IndexAdd(Function):
    """y = x, then y[..., index[i], ...] += alpha src[..., i, ...] along ``dim``;
    dL/dx = dL/dy,  dL/dsrc = alpha dL/dy[..., index, ...]."""

    def forward(
        self, x: np.ndarray, index: np.ndarray, src: np.ndarray, dim: int = 0, alpha: float = 1
    ) -> np.ndarray:
        self.save_for_backward(index)
        self.dim, self.alpha = dim, alpha
        out = x.copy()
        np.add.at(np.moveaxis(out, dim, 0), index, np.moveaxis(src * alpha, dim, 0))
        return out

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, None, np.ndarray | None]:
        (index,) = self.saved_values
        gs = np.take(g, index, axis=self.dim) * self.alpha if self.needs_input_grad[2] else None
        return g if self.needs_input_grad[0] else None, None, gs


def _index_array(index: Any, name: str) -> Any:
    idx = np.asarray(index)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{name}: index must be an int64 tensor, got dtype {idx.dtype}")
    return Tensor._wrap(idx.astype(np.int64, copy=False))


def _check_bounds(idx: np.ndarray, size: int, d: int, name: str) -> None:
    if idx.size and (idx.min() < -size or idx.max() >= size):
        bad = idx.min() if idx.min() < -size else idx.max()
        raise IndexError(f"{name}: index {bad} is out of bounds for dim {d} with size {size}")


def index_select(input: Any, dim: int, index: Any) -> Any:
    """The slices of ``input`` at the positions ``index`` (1-D) along ``dim``."""
    idx = _index_array(index, "index_select")
    if idx.ndim > 1:
        raise IndexError(f"index_select: index must be 0-D or 1-D, got shape {tuple(idx.shape)}")
    x = input.reshape(1) if input.ndim == 0 else input
    d = norm_dim(dim, x.ndim)
    _check_bounds(np.asarray(idx), x.shape[d], d, "index_select")
    out = IndexSelect.apply(x, idx.reshape(-1), dim=d)
    return out.reshape(()) if input.ndim == 0 else out


def _scatter_args(input: Any, dim: int, index: Any, name: str) -> tuple[int, Any]:
    idx = _index_array(index, name)
    a = np.asarray(idx)
    if a.ndim != input.ndim:
        raise RuntimeError(
            f"{name}: index (shape {a.shape}) must have as many dims as the input (shape "
            f"{tuple(input.shape)})"
        )
    d = norm_dim(dim, input.ndim)
    for k, (m, n) in enumerate(zip(a.shape, input.shape)):
        if k != d and m > n:
            raise RuntimeError(
                f"{name}: index shape {a.shape} is larger than input shape {tuple(input.shape)} "
                f"at dim {k}"
            )
    _check_bounds(a, input.shape[d], d, name)
    return d, idx


def scatter(
    input: Any,
    dim: int,
    index: Any,
    src: Any = None,
    *,
    value: Any = None,
    reduce: str | None = None,
) -> Any:
    """A copy of ``input`` with ``src[i][j]`` written at ``[index[i][j]][j]`` (dim 0; likewise
    for every dim). ``src`` may be a tensor or a number (or pass ``value=``);
    ``reduce='add'`` is :func:`scatter_add`. Where an index repeats, one of the values wins."""
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter: pass src (a tensor) or value (a number)")
    if reduce is not None:
        if reduce != "add":
            raise ValueError(f"scatter: reduce must be None or 'add', got {reduce!r}")
        return scatter_add(input, dim, index, src)
    d, idx = _scatter_args(input, dim, index, "scatter")
    if not isinstance(src, Tensor):
        src = Tensor._wrap(np.asarray(src, dtype=input.dtype))
    return Scatter.apply(input, idx, src, dim=d)


def scatter_add(input: Any, dim: int, index: Any, src: Any) -> Any:
    """A copy of ``input`` with ``src[i][j]`` added at ``[index[i][j]][j]`` (dim 0);
    repeated indices accumulate."""
    d, idx = _scatter_args(input, dim, index, "scatter_add")
    return ScatterAdd.apply(input, idx, src, dim=d)


def index_add(input: Any, dim: int, index: Any, source: Any, *, alpha: float = 1) -> Any:
    """A copy of ``input`` with ``alpha * source[..., i, ...]`` added to the slice
    ``index[i]`` along ``dim``; repeated indices accumulate."""
    idx = _index_array(index, "index_add")
    d = norm_dim(dim, input.ndim)
    _check_bounds(np.asarray(idx), input.shape[d], d, "index_add")
    if tuple(source.shape) != tuple(input.shape[:d]) + (idx.numel(),) + tuple(input.shape[d + 1 :]):
        raise RuntimeError(
            f"index_add: source of shape {tuple(source.shape)} does not match input "
            f"{tuple(input.shape)} with {idx.numel()} indices along dim {d}"
        )
    return IndexAdd.apply(input, idx.reshape(-1), source, dim=d, alpha=alpha)


def masked_fill(input: Any, mask: Any, value: Any) -> Any:
    """A copy of ``input`` with ``value`` where the bool ``mask`` (broadcast to the input's
    shape) is true. Gradient: to ``input`` where the mask is false; a 0-d tensor ``value``
    gets the sum of the rest."""
    m = np.asarray(mask)
    if m.dtype != np.bool_:
        raise TypeError(f"masked_fill: mask must be a bool tensor, got dtype {m.dtype}")
    if np.broadcast_shapes(m.shape, tuple(input.shape)) != tuple(input.shape):
        raise RuntimeError(
            f"masked_fill: mask of shape {m.shape} does not broadcast to the input's shape "
            f"{tuple(input.shape)}"
        )
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(
                f"masked_fill: value must be a number or a 0-d tensor, got shape "
                f"{tuple(value.shape)}"
            )
        if value.dtype != input.dtype:
            value = value.to(input.dtype)
    else:
        value = Tensor._wrap(np.asarray(value).astype(input.dtype))
    return where(Tensor._wrap(m), value, input)


def masked_select(input: Any, mask: Any) -> Any:
    """The elements of ``input`` where the bool ``mask`` is true (both broadcast to one shape),
    as a 1-D tensor; the gradient goes back to those positions (composed from indexing)."""
    m = np.asarray(mask)
    if m.dtype != np.bool_:
        raise TypeError(f"masked_select: mask must be a bool tensor, got dtype {m.dtype}")
    shape = np.broadcast_shapes(m.shape, tuple(input.shape))
    x = input if tuple(input.shape) == shape else expand(input, shape)
    return getitem(x, Tensor._wrap(np.broadcast_to(m, shape)))
