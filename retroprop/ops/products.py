"""Products of elements: prod (over all elements or one dim) and the running product cumprod.

Dividing by x to get "the product of the others" breaks at zeros, so the backwards avoid it:
prod multiplies exclusive running products from both ends, and cumprod treats the first zero
of each slice apart (after it, every running product is 0).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from retroprop.autograd import Function
from retroprop.ops._util import norm_dim


def _exclusive_cumprod(x: np.ndarray, d: int, reverse: bool = False) -> np.ndarray:
    """e_i = prod_{j < i} x_j along ``d`` (``reverse``: prod_{j > i} x_j)."""
    if reverse:
        return np.flip(_exclusive_cumprod(np.flip(x, d), d), d)
    shifted = np.concatenate(
        [np.ones_like(x.take([0], axis=d)), x.take(range(x.shape[d] - 1), d)], d
    )
    return np.cumprod(shifted, axis=d)


class Prod(Function):
    """y = prod_i x_i along ``dim``;  dy/dx_i = prod_{j != i} x_j, which is y / x_i when no
    x is 0, and otherwise the product of the exclusive running products from the left and
    from the right (exact with zeros)."""

    def forward(self, x: np.ndarray, dim: int = 0, keepdim: bool = False) -> np.ndarray:
        self.dim, self.keepdim = dim, keepdim
        out = np.asarray(np.prod(x, axis=dim, keepdims=True))
        self.save_for_backward(x, out)
        return out if keepdim else out.squeeze(dim)

    def backward(self, g: np.ndarray) -> np.ndarray:
        x, out = self.saved_values
        d = self.dim
        g = g if self.keepdim else np.expand_dims(g, d)
        if np.all(x != 0):
            return g * (out / x)
        return g * (_exclusive_cumprod(x, d) * _exclusive_cumprod(x, d, reverse=True))


class CumProd(Function):
    """y_i = prod_{j <= i} x_j along ``dim``;  dL/dx_j = sum_{i >= j} g_i prod_{k <= i, k != j} x_k.

    Before the first zero of a slice this is (reversed cumsum of g y)_j / x_j; at the first
    zero z it is the reversed cumsum of g y' at z, y' the running product with x_z set to 1;
    after z it is 0 (every such product still holds the zero x_z).
    """

    def forward(self, x: np.ndarray, dim: int = 0) -> np.ndarray:
        self.dim = dim
        out = np.cumprod(x, axis=dim)
        self.save_for_backward(x, out)
        return out

    def backward(self, g: np.ndarray) -> np.ndarray:
        x, out = self.saved_values
        d = self.dim

        def rev_cumsum(a: np.ndarray) -> np.ndarray:
            return np.flip(np.cumsum(np.flip(a, d), axis=d), d)

        zero = x == 0
        if not zero.any():
            return rev_cumsum(g * out) / x
        pos = np.arange(x.shape[d]).reshape([-1 if k == d else 1 for k in range(x.ndim)])
        has_zero = zero.any(axis=d, keepdims=True)
        first = np.where(has_zero, np.argmax(zero, axis=d, keepdims=True), x.shape[d])
        with np.errstate(divide="ignore", invalid="ignore"):
            before = np.where(pos < first, rev_cumsum(g * out) / np.where(zero, 1, x), 0)
        ones = np.where(pos == first, np.ones_like(x), x)
        at = np.where(pos == first, rev_cumsum(g * np.cumprod(ones, axis=d)), 0)
        return (before + at).astype(x.dtype, copy=False)


def _dtype_cast(input: Any, dtype: Any) -> Any:
    if dtype is not None:
        return input.to(dtype)
    if input.dtype.kind in "biu":
        return input.to(np.int64)
    return input


def prod(input: Any, dim: int | None = None, keepdim: bool = False, *, dtype: Any = None) -> Any:
    """Product of all elements (``dim=None``), or along one dim. Integers multiply in int64.

    Example: ``rp.prod(x, 1, keepdim=True)``.
    """
    x = _dtype_cast(input, dtype)
    if dim is None:
        out = Prod.apply(x.reshape(-1), dim=0, keepdim=False)
        return out.reshape((1,) * x.ndim) if keepdim else out
    if isinstance(dim, bool) or not isinstance(dim, int | np.integer):
        raise TypeError(f"prod: dim must be an int (a single dimension), got {dim!r}")
    d = norm_dim(int(dim), x.ndim)
    if x.ndim == 0:
        return Prod.apply(x.reshape(1), dim=0, keepdim=False).reshape(())
    return Prod.apply(x, dim=d, keepdim=keepdim)


def cumprod(input: Any, dim: int, *, dtype: Any = None) -> Any:
    """Running product along ``dim``: ``y_i = x_0 x_1 ... x_i``. Integers multiply in int64."""
    if dim is None or isinstance(dim, bool) or not isinstance(dim, int | np.integer):
        raise TypeError(f"cumprod: dim must be an int, got {dim!r}")
    x = _dtype_cast(input, dtype)
    d = norm_dim(int(dim), x.ndim)
    if x.ndim == 0:
        return CumProd.apply(x.reshape(1), dim=0).reshape(())
    return CumProd.apply(x, dim=d)
