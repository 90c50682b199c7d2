"""Reductions: sum, mean, max/min (whole tensor or along a dim, with indices), var, std, norm,
logsumexp, argmax/argmin and cumsum.

``dim`` is None (every dim), an int or a sequence of ints, negative dims counting from the
end. The backward of a reduction broadcasts the gradient back over the reduced dims
(:func:`_expand`), multiplied by the local derivative.
"""

from __future__ import annotations

import builtins
from collections import namedtuple
from typing import Any

import numpy as np

from retroprop.autograd import Function
from retroprop.ops import arithmetic
from retroprop.ops._util import norm_dim, norm_dims, numpy_aliases
from retroprop.tensor import Tensor, get_default_dtype

# (values, indices) pairs, as torch.return_types.max / torch.return_types.min
_MaxResult = namedtuple("max", ["values", "indices"])
_MinResult = namedtuple("min", ["values", "indices"])


def _axes(x: np.ndarray, dim: Any, name: str) -> tuple[int, ...] | None:
    """Normalise ``dim`` for NumPy: None reduces everything (so does ``()``, as in PyTorch)."""
    if isinstance(dim, bool) or not (
        dim is None or isinstance(dim, int | np.integer | tuple | list)
    ):
        raise TypeError(f"{name}: dim must be None, an int or a sequence of ints, got {dim!r}")
    axes = norm_dims(dim, x.ndim)
    if axes is None or len(axes) == 0 or x.ndim == 0:
        return None
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"{name}: dim {dim} names the same dimension more than once")
    return axes


def _count(shape: tuple[int, ...], axes: tuple[int, ...] | None) -> int:
    """Number of elements reduced into each output element."""
    if axes is None:
        return int(np.prod(shape))
    return int(np.prod([shape[a] for a in axes]))


def _expand(g: np.ndarray, shape: tuple[int, ...], axes: Any, keepdim: bool) -> np.ndarray:
    """Broadcast the gradient of a reduction back to the input's shape (a read-only view)."""
    if not keepdim:
        g = g.reshape((1,) * len(shape)) if axes is None else np.expand_dims(g, axes)
    return np.broadcast_to(g, shape)


def _keep(axes: tuple[int, ...] | None, ndim: int) -> tuple[int, ...]:
    return tuple(range(ndim)) if axes is None else axes


def _floating(x: Any, name: str) -> None:
    if x.dtype.kind != "f":
        raise TypeError(f"{name}: expected a floating point tensor, got dtype {x.dtype}")


class Sum(Function):
    """y = sum of x over the dims;  dy/dx_i = 1 (the gradient is broadcast back)."""

    def forward(self, x: np.ndarray, axes: Any = None, keepdim: bool = False) -> np.ndarray:
        self.shape, self.axes, self.keepdim = x.shape, axes, keepdim
        dtype = np.int64 if x.dtype.kind in "biu" else None
        return np.asarray(np.sum(x, axis=axes, keepdims=keepdim, dtype=dtype))

    def backward(self, g: np.ndarray) -> np.ndarray:
        return _expand(g, self.shape, self.axes, self.keepdim)


class Mean(Function):
    """y = sum of x over the dims / N;  dy/dx_i = 1/N."""

    def forward(self, x: np.ndarray, axes: Any = None, keepdim: bool = False) -> np.ndarray:
        self.shape, self.axes, self.keepdim = x.shape, axes, keepdim
        return np.asarray(np.mean(x, axis=axes, keepdims=keepdim))

    def backward(self, g: np.ndarray) -> np.ndarray:
        n = _count(self.shape, self.axes)
        return _expand(g / n, self.shape, self.axes, self.keepdim)


class Extremum(Function):
    """y = max (or min) of all elements;  dy/dx_i = 1/k on the k elements equal to y, else 0.

    Ties share the gradient evenly, as PyTorch's full reduction does.
    """

    def forward(self, x: np.ndarray, largest: bool = True) -> np.ndarray:
        out = np.asarray(x.max() if largest else x.min())
        self.save_for_backward(x, out)
        return out

    def backward(self, g: np.ndarray) -> np.ndarray:
        x, out = self.saved_values
        mask = x == out
        return mask * (g / np.count_nonzero(mask)).astype(x.dtype)


class SelectAlongDim(Function):
    """y = x at ``indices`` along ``dim`` (the values of max/min with a dim).

    dy/dx = 1 at the selected index of each slice, 0 elsewhere.
    """

    def forward(self, x: np.ndarray, *, indices: np.ndarray, dim: int, keepdim: bool) -> np.ndarray:
        self.shape, self.dim, self.keepdim = x.shape, dim, keepdim
        self.save_for_backward(indices)
        out = np.take_along_axis(x, indices, axis=dim)
        return out if keepdim else out.squeeze(dim)

    def backward(self, g: np.ndarray) -> np.ndarray:
        (indices,) = self.saved_values
        gx = np.zeros(self.shape, dtype=g.dtype)
        np.put_along_axis(gx, indices, g if self.keepdim else np.expand_dims(g, self.dim), self.dim)
        return gx


class Var(Function):
    """v = sum (x - m)^2 / (N - c),  m = mean of x;  dv/dx = 2 (x - m) / (N - c).

    The terms through m cancel because sum (x - m) = 0.
    """

    def forward(
        self, x: np.ndarray, axes: Any = None, correction: int = 1, keepdim: bool = False
    ) -> np.ndarray:
        self.axes, self.keepdim = axes, keepdim
        self.dof = builtins.max(_count(x.shape, axes) - correction, 0)
        self.save_for_backward(x)
        d = x - x.mean(axis=axes, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(np.sum(d * d, axis=axes, keepdims=keepdim) / self.dof)

    def backward(self, g: np.ndarray) -> np.ndarray:
        (x,) = self.saved_values
        d = x - x.mean(axis=self.axes, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            return _expand(g * 2 / self.dof, x.shape, self.axes, self.keepdim) * d


class Std(Function):
    """s = sqrt(var(x));  ds/dx = (x - m) / ((N - c) s), taken as 0 where s = 0 (as PyTorch)."""

    def forward(
        self, x: np.ndarray, axes: Any = None, correction: int = 1, keepdim: bool = False
    ) -> np.ndarray:
        self.axes, self.keepdim = axes, keepdim
        self.dof = builtins.max(_count(x.shape, axes) - correction, 0)
        d = x - x.mean(axis=axes, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.sqrt(np.sum(d * d, axis=axes, keepdims=keepdim) / self.dof)
        self.save_for_backward(x, out)
        return np.asarray(out)

    def backward(self, g: np.ndarray) -> np.ndarray:
        x, out = self.saved_values
        d = x - x.mean(axis=self.axes, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(out == 0, 0, g / (out * self.dof)).astype(x.dtype)
        return _expand(scale, x.shape, self.axes, self.keepdim) * d


class Norm(Function):
    """y = (sum |x|^p)^(1/p) over the dims (p = inf: max |x|, p = -inf: min |x|, p = 0: count).

    dy/dx = sign(x) |x|^(p-1) / y^(p-1)   (p = 2: x / y, p = 1: sign(x));
    p = +-inf: sign(x) / k on the k elements with |x| = y;  p = 0: 0.
    The gradient is 0 where x = 0 or y = 0, as PyTorch.
    """

    def forward(
        self, x: np.ndarray, p: float = 2.0, axes: Any = None, keepdim: bool = False
    ) -> np.ndarray:
        self.p, self.axes, self.keepdim = p, axes, keepdim
        a = np.abs(x)
        if p == np.inf:
            out = a.max(axis=axes, keepdims=keepdim)
        elif p == -np.inf:
            out = a.min(axis=axes, keepdims=keepdim)
        elif p == 0:
            out = np.count_nonzero(x, axis=axes, keepdims=keepdim).astype(x.dtype)
        elif p == 1:
            out = a.sum(axis=axes, keepdims=keepdim)
        elif p == 2:
            out = np.sqrt(np.sum(x * x, axis=axes, keepdims=keepdim))
        else:
            out = np.sum(a**p, axis=axes, keepdims=keepdim) ** (1 / p)
        out = np.asarray(out)
        self.save_for_backward(x, out)
        return out

    def backward(self, g: np.ndarray) -> np.ndarray:
        x, out = self.saved_values
        p, shape = self.p, x.shape
        if p == 0:
            return np.zeros_like(x)
        if p == 1:
            return _expand(g, shape, self.axes, self.keepdim) * np.sign(x)
        y = _expand(out, shape, self.axes, self.keepdim)
        if np.isinf(p):
            mask = np.abs(x) == y
            k = np.sum(mask, axis=self.axes, keepdims=True).astype(x.dtype)
            return _expand(g, shape, self.axes, self.keepdim) * np.sign(x) * mask / k
        with np.errstate(divide="ignore", invalid="ignore"):
            if p == 2:
                scale = np.where(out == 0, 0, g / out).astype(x.dtype)
                return _expand(scale, shape, self.axes, self.keepdim) * x
            # x = 0 contributes 0 even for p < 1, where |x|^(p-1) is infinite
            local = np.where(x == 0, 0, np.sign(x) * np.abs(x) ** (p - 1) / y ** (p - 1))
            return _expand(g, shape, self.axes, self.keepdim) * local


class LogSumExp(Function):
    """y = log sum exp(x) = m + log sum exp(x - m), m = max x (no overflow);  dy/dx = exp(x - y)."""

    def forward(self, x: np.ndarray, axes: Any = None, keepdim: bool = False) -> np.ndarray:
        self.axes, self.keepdim = axes, keepdim
        m = x.max(axis=axes, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)  # all -inf (or inf) slices: keep exp(x - m) defined
        with np.errstate(divide="ignore"):
            out = np.log(np.sum(np.exp(x - m), axis=axes, keepdims=True)) + m
        self.save_for_backward(x, out)
        return out if keepdim else np.asarray(out.squeeze(axis=axes))

    def backward(self, g: np.ndarray) -> np.ndarray:
        x, out = self.saved_values
        g = g if self.keepdim else np.expand_dims(g, _keep(self.axes, x.ndim))
        return g * np.exp(x - out)


class CumSum(Function):
    """y_i = sum_{j <= i} x_j along dim;  dL/dx_j = sum_{i >= j} dL/dy_i (a reversed cumsum)."""

    def forward(self, x: np.ndarray, dim: int = 0) -> np.ndarray:
        self.dim = dim
        dtype = np.int64 if x.dtype.kind in "biu" else None
        return np.cumsum(x, axis=dim, dtype=dtype)

    def backward(self, g: np.ndarray) -> np.ndarray:
        flipped = np.flip(g, self.dim)
        return np.flip(np.cumsum(flipped, axis=self.dim), self.dim)


@numpy_aliases
def sum(x: Any, dim: Any = None, keepdim: bool = False) -> Any:
    """Sum over ``dim`` (all dims when None). Integer and bool tensors sum to int64.

    Example: ``rp.sum(x, dim=(0, 2), keepdim=True)``.
    """
    return Sum.apply(x, axes=_axes(x._data, dim, "sum"), keepdim=keepdim)


@numpy_aliases
def mean(x: Any, dim: Any = None, keepdim: bool = False) -> Any:
    """Arithmetic mean over ``dim`` (all dims when None); floating tensors only, as PyTorch."""
    if x.dtype.kind != "f":
        raise TypeError(
            f"mean: could not infer output dtype; input dtype must be floating point, got {x.dtype}"
        )
    return Mean.apply(x, axes=_axes(x._data, dim, "mean"), keepdim=keepdim)


def _extremum(x: Any, dim: Any, keepdim: bool, largest: bool) -> Any:
    name = "max" if largest else "min"
    if isinstance(dim, Tensor):
        return arithmetic.maximum(x, dim) if largest else arithmetic.minimum(x, dim)
    if dim is None:
        if x._data.size == 0:
            raise RuntimeError(
                f"{name}: cannot reduce an empty tensor of shape {tuple(x.shape)} without a "
                "dim; pass dim="
            )
        out = Extremum.apply(x, largest=largest)
        return out.reshape((1,) * x.ndim) if keepdim else out
    if isinstance(dim, bool) or not isinstance(dim, int | np.integer):
        raise TypeError(f"{name}: dim must be an int (a single dimension), got {dim!r}")
    d = norm_dim(int(dim), x.ndim)
    data = x._data.reshape(1) if x.ndim == 0 else x._data
    if data.shape[d] == 0:
        raise IndexError(f"{name}: cannot reduce dim {dim} of size 0 (shape {tuple(x.shape)})")
    idx = (np.argmax if largest else np.argmin)(data, axis=d, keepdims=True)
    values = SelectAlongDim.apply(
        x.reshape(1) if x.ndim == 0 else x,
        indices=idx,
        dim=d,
        keepdim=keepdim and x.ndim > 0,
    )
    if x.ndim == 0:
        values = values.reshape(())
        idx = idx.reshape(())
    elif not keepdim:
        idx = idx.squeeze(d)
    result = _MaxResult if largest else _MinResult
    return result(values, Tensor._wrap(idx.astype(np.int64, copy=False)))


@numpy_aliases
def max(x: Any, dim: Any = None, keepdim: bool = False) -> Any:
    """Largest element (dim None: a scalar tensor), or ``(values, indices)`` along an int dim.

    A tensor as second argument gives the elementwise maximum, as ``torch.max(x, other)``.
    Gradient: shared evenly by ties for the full reduction; to the returned index with a dim.
    """
    return _extremum(x, dim, keepdim, largest=True)


@numpy_aliases
def min(x: Any, dim: Any = None, keepdim: bool = False) -> Any:
    """Smallest element, or ``(values, indices)`` along an int dim (see :func:`max`)."""
    return _extremum(x, dim, keepdim, largest=False)


@numpy_aliases
def var(x: Any, dim: Any = None, correction: int = 1, keepdim: bool = False) -> Any:
    """Variance ``sum (x - mean)^2 / (N - correction)``; correction=1 is unbiased (default)."""
    _floating(x, "var")
    return Var.apply(x, axes=_axes(x._data, dim, "var"), correction=correction, keepdim=keepdim)


@numpy_aliases
def std(x: Any, dim: Any = None, correction: int = 1, keepdim: bool = False) -> Any:
    """Standard deviation ``sqrt(var(x, dim, correction))``."""
    _floating(x, "std")
    return Std.apply(x, axes=_axes(x._data, dim, "std"), correction=correction, keepdim=keepdim)


@numpy_aliases
def norm(x: Any, p: float | str = 2, dim: Any = None, keepdim: bool = False) -> Any:
    """Vector p-norm ``(sum |x|^p)^(1/p)`` over ``dim`` (all elements when None).

    Args:
        p: a number, ``inf``/``-inf`` (max/min of |x|) or ``'fro'`` (same as 2).
    """
    _floating(x, "norm")
    if p == "fro":
        p = 2
    if isinstance(p, str) or not isinstance(p, int | float | np.integer | np.floating):
        raise ValueError(f"norm: p must be a number, inf or 'fro', got {p!r}")
    return Norm.apply(x, p=float(p), axes=_axes(x._data, dim, "norm"), keepdim=keepdim)


@numpy_aliases
def logsumexp(x: Any, dim: Any, keepdim: bool = False) -> Any:
    """``log(sum(exp(x)))`` over ``dim``, computed without overflow. Integers give float32."""
    if dim is None:
        raise TypeError("logsumexp: dim must be an int or a tuple of ints, got None")
    if x.dtype.kind != "f":
        x = x.to(get_default_dtype())
    return LogSumExp.apply(x, axes=_axes(x._data, dim, "logsumexp"), keepdim=keepdim)


def _arg(x: Any, dim: Any, keepdim: bool, largest: bool) -> Any:
    name = "argmax" if largest else "argmin"
    fn = np.argmax if largest else np.argmin
    if x._data.size == 0:
        raise RuntimeError(f"{name}: cannot reduce an empty tensor of shape {tuple(x.shape)}")
    if dim is None:
        idx = np.asarray(fn(x._data), dtype=np.int64)
        return Tensor._wrap(idx.reshape((1,) * x.ndim) if keepdim else idx)
    if isinstance(dim, bool) or not isinstance(dim, int | np.integer):
        raise TypeError(f"{name}: dim must be None or an int, got {dim!r}")
    d = norm_dim(int(dim), x.ndim)
    if x.ndim == 0:
        return Tensor._wrap(np.zeros((), dtype=np.int64))
    return Tensor._wrap(fn(x._data, axis=d, keepdims=keepdim).astype(np.int64, copy=False))


@numpy_aliases
def argmax(x: Any, dim: int | None = None, keepdim: bool = False) -> Any:
    """Index (int64, no gradient) of the largest element, flattened when ``dim`` is None."""
    return _arg(x, dim, keepdim, largest=True)


@numpy_aliases
def argmin(x: Any, dim: int | None = None, keepdim: bool = False) -> Any:
    """Index (int64, no gradient) of the smallest element, flattened when ``dim`` is None."""
    return _arg(x, dim, keepdim, largest=False)


@numpy_aliases
def cumsum(x: Any, dim: int) -> Any:
    """Running sum along ``dim`` (required, as in PyTorch). Integers accumulate in int64."""
    if dim is None or isinstance(dim, bool) or not isinstance(dim, int | np.integer):
        raise TypeError(f"cumsum: dim must be an int, got {dim!r}")
    d = norm_dim(int(dim), x.ndim)
    if x.ndim == 0:
        return CumSum.apply(x.reshape(1), dim=0).reshape(())
    return CumSum.apply(x, dim=d)


@numpy_aliases
def var_mean(
    x: Any, dim: Any = None, *, correction: int = 1, keepdim: bool = False
) -> tuple[Any, Any]:
    """``(var(x, dim, correction, keepdim), mean(x, dim, keepdim))``, as ``torch.var_mean``."""
    return var(x, dim, correction, keepdim), mean(x, dim, keepdim)


@numpy_aliases
def std_mean(
    x: Any, dim: Any = None, *, correction: int = 1, keepdim: bool = False
) -> tuple[Any, Any]:
    """``(std(x, dim, correction, keepdim), mean(x, dim, keepdim))``, as ``torch.std_mean``."""
    return std(x, dim, correction, keepdim), mean(x, dim, keepdim)
