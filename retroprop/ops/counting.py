"""Counting values: unique (with inverse indices and counts) and bincount. Their results are
integer or value tensors outside the graph (counting has no derivative)."""

from __future__ import annotations

from typing import Any

import numpy as np

from retroprop.ops._util import norm_dim
from retroprop.tensor import Tensor


def unique(
    input: Any,
    sorted: bool = True,
    return_inverse: bool = False,
    return_counts: bool = False,
    dim: int | None = None,
) -> Any:
    """The distinct values (sorted; with ``dim``, the distinct slices along it), and on
    request the int64 index of each element's value (``return_inverse``) and how often each
    value occurs (``return_counts``)."""
    x = np.asarray(input)
    axis = None if dim is None else norm_dim(dim, x.ndim)
    values, inverse, counts = np.unique(x, return_inverse=True, return_counts=True, axis=axis)
    out = [Tensor._wrap(values)]
    if return_inverse:
        shape = x.shape if axis is None else (x.shape[axis],)
        out.append(Tensor._wrap(inverse.reshape(shape).astype(np.int64)))
    if return_counts:
        out.append(Tensor._wrap(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(input: Any, weights: Any = None, minlength: int = 0) -> Any:
    """How often each value 0, 1, ..., max occurs in a 1-D non-negative int tensor (the sum of
    ``weights`` at those positions when given)."""
    x = np.asarray(input)
    if x.ndim != 1 or x.dtype.kind not in "iu" or (x.size and x.min() < 0):
        raise RuntimeError(
            f"bincount: expects a 1-D tensor of non-negative ints, got shape {x.shape} and "
            f"dtype {x.dtype}"
        )
    if weights is None:
        return Tensor._wrap(np.bincount(x, minlength=minlength).astype(np.int64))
    w = np.asarray(weights)
    return Tensor._wrap(np.bincount(x, weights=w, minlength=minlength).astype(w.dtype))
