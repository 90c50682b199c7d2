"""Indexing: ``x[index]`` (basic and advanced, as NumPy and PyTorch), gather, one_hot.

The backward of a selection puts each output gradient back where its element came from.
An element selected several times (repeated integer indices) receives the sum of its
gradients: a scatter-add, done with ``np.bincount`` on flat positions where they are cheap
to compute and ``np.add.at`` otherwise.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from retroprop.autograd import Function
from retroprop.ops._util import norm_dim
from retroprop.tensor import Tensor


class GetItem(Function):
    """y = x[index];  dL/dx = dL/dy scattered back to the indexed positions (summed where an
    integer index repeats a position), 0 elsewhere."""

    def forward(self, x: np.ndarray, index: tuple[Any, ...] = ()) -> np.ndarray:
        self.shape, self.index = x.shape, index
        try:
            return x[index]
        except IndexError as e:
            raise IndexError(f"getitem: {e} (tensor of shape {x.shape})") from None

    def backward(self, g: np.ndarray) -> np.ndarray:
        index = self.index
        arrays = [i for i in index if isinstance(i, np.ndarray) and i.dtype.kind in "iu"]
        if not arrays:
            # basic slicing and bool masks select each element at most once
            gx = np.zeros(self.shape, dtype=g.dtype)
            gx[index] = g
            return gx
        rest = [i for i in index if i is not arrays[0]]
        if index[0] is arrays[0] and all(
            i is Ellipsis or (isinstance(i, slice) and i == slice(None)) for i in rest
        ):
            # x[rows] (the embedding lookup): scatter-add whole rows with one bincount
            n = self.shape[0]
            rows = np.where(arrays[0] < 0, arrays[0] + n, arrays[0]).reshape(-1, 1)
            width = int(np.prod(self.shape[1:]))
            return _scatter_add(rows * width + np.arange(width), g, self.shape)
        gx = np.zeros(self.shape, dtype=g.dtype)
        np.add.at(gx, index, g)
        return gx


class Gather(Function):
    """y[i][j] = x[index[i][j]][j] (dim = 0; likewise for any dim), as ``torch.gather``.

    dL/dx[k][j] = sum of dL/dy[i][j] over the i with index[i][j] = k (a scatter-add).
    """

    def forward(self, x: np.ndarray, index: np.ndarray, dim: int = 0) -> np.ndarray:
        self.shape, self.dim = x.shape, dim
        self.save_for_backward(index)
        window = tuple(slice(None) if d == dim else slice(0, n) for d, n in enumerate(index.shape))
        return np.take_along_axis(x[window], index, axis=dim)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray, None]:
        (index,) = self.saved_values
        strides = np.cumprod((1,) + self.shape[:0:-1])[::-1]
        flat = index * strides[self.dim]
        for d, n in enumerate(index.shape):
            if d != self.dim:
                shape = [1] * index.ndim
                shape[d] = n
                flat = flat + (np.arange(n) * strides[d]).reshape(shape)
        return _scatter_add(flat, g, self.shape), None


def _scatter_add(flat: np.ndarray, g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """An array of ``shape`` whose flat element k is the sum of ``g`` where ``flat == k``."""
    size = int(np.prod(shape))
    out = np.bincount(flat.reshape(-1), weights=g.reshape(-1), minlength=size)
    return out.astype(g.dtype, copy=False).reshape(shape)


def _index_part(i: Any) -> Any:
    """One entry of an index: Tensors and lists become arrays, which must hold ints or bools."""
    if isinstance(i, Tensor):
        i = i._data
    elif isinstance(i, list):
        i = np.asarray(i) if i else np.zeros(0, dtype=np.int64)
    if isinstance(i, np.ndarray) and i.dtype.kind not in "biu":
        raise IndexError(
            f"getitem: tensors used as indices must be integer or bool, got dtype {i.dtype}"
        )
    if isinstance(i, float | np.floating):
        raise IndexError(f"getitem: indices must be ints, slices, None, ... or tensors, got {i!r}")
    return i


def getitem(x: Any, index: Any) -> Any:
    """``x[index]`` with NumPy/PyTorch semantics: ints, slices, None, ``...``, integer arrays,
    lists or int64 tensors (advanced indexing), bool masks."""
    parts = index if isinstance(index, tuple) else (index,)
    return GetItem.apply(x, index=tuple(_index_part(i) for i in parts))


def gather(x: Any, dim: int, index: Any) -> Any:
    """Values of ``x`` along ``dim`` at ``index``: ``y[i][j] = x[index[i][j]][j]`` for dim 0.

    Shape: ``index`` has the input's number of dims, and no dim (other than ``dim``) larger
    than the input's; the output has the shape of ``index``.
    """
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"gather: index must be an int64 tensor, got dtype {idx.dtype}")
    if x.ndim == 0 or idx.ndim != x.ndim:
        raise RuntimeError(
            f"gather: index (shape {idx.shape}) must have as many dims as the input (shape "
            f"{tuple(x.shape)}), at least 1"
        )
    d = norm_dim(dim, x.ndim)
    for k, (a, b) in enumerate(zip(idx.shape, x.shape)):
        if k != d and a > b:
            raise RuntimeError(
                f"gather: index shape {idx.shape} is larger than input shape "
                f"{tuple(x.shape)} at dim {k} (only dim {d} may differ)"
            )
    if idx.size and (idx.min() < 0 or idx.max() >= x.shape[d]):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise IndexError(f"gather: index {bad} is out of bounds for dim {d} with size {x.shape[d]}")
    return Gather.apply(x, Tensor._wrap(idx.astype(np.int64, copy=False)), dim=d)


def one_hot(t: Any, num_classes: int = -1) -> Any:
    """Integer labels of shape (*) -> int64 one-hot vectors of shape (*, num_classes).

    ``num_classes=-1`` takes ``max(t) + 1``. As ``torch.nn.functional.one_hot``.
    """
    labels = t._data if isinstance(t, Tensor) else np.asarray(t)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"one_hot: labels must be an int64 tensor, got dtype {labels.dtype}")
    if num_classes == -1:
        if labels.size == 0:
            raise RuntimeError(
                "one_hot: cannot infer the number of classes from an empty tensor; pass num_classes"
            )
        num_classes = int(labels.max()) + 1
    if labels.size and labels.min() < 0:
        raise RuntimeError(f"one_hot: labels must be non-negative, got {int(labels.min())}")
    if labels.size and labels.max() >= num_classes:
        raise RuntimeError(
            f"one_hot: labels must be smaller than num_classes={num_classes}, got "
            f"{int(labels.max())}"
        )
    return Tensor._wrap((labels[..., None] == np.arange(num_classes)).astype(np.int64))
