"""Rearranging elements: flip, roll, repeat / tile / repeat_interleave, tril / triu, the
diagonals (diagonal, diag, trace), meshgrid, diff, and the dim helpers movedim, swapaxes,
narrow, select, unbind and t.

flip, narrow and select are basic slices and movedim / swapaxes / t permutations, so they are
composed from the indexing and shape ops (views, no copy). roll, repeat and the triangles get
their own Function: their backwards are a roll back, a sum over the copies, and the same mask.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from retroprop.autograd import Function
from retroprop.ops._util import norm_dim
from retroprop.ops.arithmetic import sub
from retroprop.ops.indexing import getitem
from retroprop.ops.reduce import sum as _sum
from retroprop.ops.scatter import index_select
from retroprop.ops.shape import Narrow, cat, expand, permute, reshape
from retroprop.tensor import Tensor


class Roll(Function):
    """y = x shifted cyclically by ``shifts`` along ``dims``;  dL/dx = dL/dy rolled back."""

    def forward(self, x: np.ndarray, shifts: Any = 0, dims: Any = None) -> np.ndarray:
        self.shifts, self.dims = shifts, dims
        return np.roll(x, shifts, axis=dims)

    def backward(self, g: np.ndarray) -> np.ndarray:
        back = tuple(-s for s in self.shifts) if isinstance(self.shifts, tuple) else -self.shifts
        return np.roll(g, back, axis=self.dims)


class Repeat(Function):
    """y = x tiled ``reps[k]`` times along each dim k (leading dims added first);
    dL/dx = the sum of dL/dy over the copies."""

    def forward(self, x: np.ndarray, reps: tuple[int, ...] = ()) -> np.ndarray:
        self.shape, self.reps = x.shape, reps
        return np.tile(x.reshape((1,) * (len(reps) - x.ndim) + x.shape), reps)

    def backward(self, g: np.ndarray) -> np.ndarray:
        full = (1,) * (len(self.reps) - len(self.shape)) + self.shape
        split = [v for r, n in zip(self.reps, full) for v in (r, n)]
        summed = g.reshape(split).sum(axis=tuple(range(0, 2 * len(full), 2)))
        return summed.reshape(self.shape)


class Triangle(Function):
    """y = x on and below (tril) or above (triu) the ``diagonal``-th diagonal of the last two
    dims, 0 elsewhere;  dL/dx = dL/dy times the same 0/1 mask."""

    def forward(self, x: np.ndarray, diagonal: int = 0, lower: bool = True) -> np.ndarray:
        rows, cols = x.shape[-2:]
        self.mask = (
            np.tri(rows, cols, diagonal, dtype=bool)
            if lower
            else ~np.tri(rows, cols, diagonal - 1, dtype=bool)
        )
        return np.where(self.mask, x, np.zeros((), x.dtype))

    def backward(self, g: np.ndarray) -> np.ndarray:
        return np.where(self.mask, g, np.zeros((), g.dtype))


def _diagonal_positions(n: int, offset: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols) of the ``offset``-th diagonal of length n (offset > 0: above the main)."""
    k = np.arange(n)
    return k + max(-offset, 0), k + max(offset, 0)


class Diagonal(Function):
    """y[..., k] = x[..., r_k, c_k] on the ``offset``-th diagonal of dims (dim1, dim2), that
    pair removed and the diagonal put last (a view);  dL/dx = dL/dy written back on that
    diagonal, 0 elsewhere."""

    def forward(self, x: np.ndarray, offset: int = 0, dim1: int = 0, dim2: int = 1) -> np.ndarray:
        self.shape, self.args = x.shape, (offset, dim1, dim2)
        return np.diagonal(x, offset, dim1, dim2)

    def backward(self, g: np.ndarray) -> np.ndarray:
        offset, dim1, dim2 = self.args
        gx = np.zeros(self.shape, dtype=g.dtype)
        rows, cols = _diagonal_positions(g.shape[-1], offset)
        np.moveaxis(gx, (dim1, dim2), (-2, -1))[..., rows, cols] = g
        return gx


class DiagEmbed(Function):
    """Y = the square matrix with the vector x on its ``offset``-th diagonal, 0 elsewhere;
    dL/dx = dL/dY read on that diagonal."""

    def forward(self, x: np.ndarray, offset: int = 0) -> np.ndarray:
        n = x.shape[0] + abs(offset)
        self.positions = _diagonal_positions(x.shape[0], offset)
        out = np.zeros((n, n), dtype=x.dtype)
        out[self.positions] = x
        return out

    def backward(self, g: np.ndarray) -> np.ndarray:
        return g[self.positions]


def _dims(dims: Any, ndim: int, name: str) -> tuple[int, ...]:
    values = (dims,) if isinstance(dims, int | np.integer) else tuple(dims)
    out = tuple(norm_dim(int(d), ndim, name) for d in values)
    if len(set(out)) != len(out):
        raise RuntimeError(f"{name}: dims {dims} name the same dimension more than once")
    return out


def _triangle(input: Any, diagonal: int, lower: bool) -> Any:
    if input.ndim < 2:
        name = "tril" if lower else "triu"
        raise RuntimeError(
            f"{name}: input must have at least 2 dims, got shape {tuple(input.shape)}"
        )
    return Triangle.apply(input, diagonal=int(diagonal), lower=lower)


def tril(input: Any, diagonal: int = 0) -> Any:
    """The lower triangle of the last two dims (``diagonal`` > 0 keeps diagonals above)."""
    return _triangle(input, diagonal, lower=True)


def triu(input: Any, diagonal: int = 0) -> Any:
    """The upper triangle of the last two dims (``diagonal`` > 0 drops diagonals too)."""
    return _triangle(input, diagonal, lower=False)


def flip(input: Any, dims: Sequence[int] | int) -> Any:
    """Reverse the order of the elements along ``dims`` (a view)."""
    axes = _dims(dims, max(input.ndim, 1), "flip")
    if input.ndim == 0:
        return getitem(input, ())
    return getitem(
        input, tuple(slice(None, None, -1) if k in axes else slice(None) for k in range(input.ndim))
    )


def roll(input: Any, shifts: int | Sequence[int], dims: int | Sequence[int] | None = None) -> Any:
    """Shift the elements cyclically by ``shifts`` along ``dims`` (the flattened tensor when
    None, as PyTorch)."""
    if dims is None:
        if not isinstance(shifts, int | np.integer):
            raise RuntimeError(f"roll: without dims, shifts must be one int, got {shifts!r}")
        return reshape(Roll.apply(reshape(input, (-1,)), shifts=int(shifts), dims=0), input.shape)
    s = (shifts,) if isinstance(shifts, int | np.integer) else tuple(shifts)
    d = _dims(dims, max(input.ndim, 1), "roll")
    if len(s) != len(d):
        raise RuntimeError(f"roll: shifts {shifts} and dims {dims} must have the same length")
    return Roll.apply(input, shifts=tuple(int(v) for v in s), dims=d)


def repeat(input: Any, *repeats: Any) -> Any:
    """``Tensor.repeat``: tile the tensor ``repeats[k]`` times along dim k; ``repeats`` may
    have more entries than the tensor has dims (new leading dims), not fewer."""
    reps = (
        tuple(repeats[0]) if len(repeats) == 1 and isinstance(repeats[0], tuple | list) else repeats
    )
    reps = tuple(int(r) for r in reps)
    if len(reps) < input.ndim:
        raise RuntimeError(
            f"repeat: number of repeats ({len(reps)}) can not be smaller than the number of "
            f"dims of the tensor ({input.ndim}, shape {tuple(input.shape)})"
        )
    if any(r < 0 for r in reps):
        raise RuntimeError(f"repeat: repeats must be non-negative, got {reps}")
    return Repeat.apply(input, reps=reps)


def tile(input: Any, dims: Sequence[int]) -> Any:
    """As :func:`repeat`, but fewer ``dims`` than the tensor's are padded with leading 1s."""
    reps = tuple(int(r) for r in dims)
    return repeat(input, (1,) * (input.ndim - len(reps)) + reps)


def movedim(input: Any, source: int | Sequence[int], destination: int | Sequence[int]) -> Any:
    """Move the dims ``source`` to the positions ``destination``, the others keeping their
    order."""
    n = input.ndim
    src, dst = _dims(source, n, "movedim"), _dims(destination, n, "movedim")
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: source {source} and destination {destination} differ in length"
        )
    order = [k for k in range(n) if k not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(input, tuple(order))


def swapaxes(input: Any, axis0: int, axis1: int) -> Any:
    """Exchange two dims (``transpose``)."""
    n = input.ndim
    a, b = norm_dim(axis0, n, "axis0"), norm_dim(axis1, n, "axis1")
    order = list(range(n))
    order[a], order[b] = b, a
    return permute(input, tuple(order))


def swapdims(input: Any, dim0: int, dim1: int) -> Any:
    """Exchange two dims (``transpose``)."""
    return swapaxes(input, dim0, dim1)


def narrow(input: Any, dim: int, start: int, length: int) -> Any:
    """The slice ``start : start + length`` along ``dim`` (a negative start counts from the
    end)."""
    d = norm_dim(dim, input.ndim)
    n = input.shape[d]
    s = int(start) + n if int(start) < 0 else int(start)
    if not 0 <= s <= n or length < 0 or s + length > n:
        raise RuntimeError(
            f"narrow: start ({start}) + length ({length}) exceeds dimension size ({n}) of dim {d}"
        )
    return Narrow.apply(input, dim=d, start=s, stop=s + int(length))


def select(input: Any, dim: int, index: int) -> Any:
    """The slice at position ``index`` along ``dim``, that dim removed (``x[:, index]``)."""
    d = norm_dim(dim, input.ndim)
    n = input.shape[d]
    if not -n <= int(index) < n:
        raise IndexError(f"select: index {index} out of range for dim {d} of size {n}")
    return getitem(input, (slice(None),) * d + (int(index),))


def unbind(input: Any, dim: int = 0) -> tuple[Any, ...]:
    """The slices along ``dim``, that dim removed, as a tuple."""
    d = norm_dim(dim, input.ndim)
    return tuple(select(input, d, i) for i in range(input.shape[d]))


def t(input: Any) -> Any:
    """The transpose of a matrix (a tensor of at most 2 dims is returned as is when 0-d/1-d)."""
    if input.ndim > 2:
        raise RuntimeError(f"t: expects a tensor with <= 2 dims, got {input.ndim}")
    return input if input.ndim < 2 else permute(input, (1, 0))


def diagonal(input: Any, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Any:
    """The ``offset``-th diagonal of the dims (dim1, dim2), as a last dim (a view)."""
    n = input.ndim
    d1, d2 = norm_dim(dim1, n, "dim1"), norm_dim(dim2, n, "dim2")
    if d1 == d2:
        raise RuntimeError(f"diagonal: dim1 and dim2 cannot be the same dim ({dim1}, {dim2})")
    return Diagonal.apply(input, offset=int(offset), dim1=d1, dim2=d2)


def diag(input: Any, diagonal: int = 0) -> Any:
    """A vector -> the square matrix with it on the ``diagonal``-th diagonal; a matrix -> that
    diagonal as a vector."""
    if input.ndim == 1:
        return DiagEmbed.apply(input, offset=int(diagonal))
    if input.ndim == 2:
        return Diagonal.apply(input, offset=int(diagonal), dim1=0, dim2=1)
    raise RuntimeError(f"diag: expects a 1-D or 2-D tensor, got shape {tuple(input.shape)}")


def trace(input: Any) -> Any:
    """Sum of the main diagonal of a matrix."""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expects a matrix, got shape {tuple(input.shape)}")
    return _sum(diag(input))


def repeat_interleave(input: Any, repeats: Any, dim: int | None = None) -> Any:
    """Repeat each element (each slice along ``dim``; of the flattened tensor when None)
    ``repeats`` times, a number or one count per element: ``[a, b] -> [a, a, b, b]``.

    Composed from index_select, so the gradient sums over the copies."""
    x = reshape(input, (-1,)) if dim is None else input
    d = 0 if dim is None else norm_dim(dim, x.ndim)
    counts = np.asarray(repeats)
    if counts.dtype.kind not in "iu" or counts.ndim > 1 or (counts < 0).any():
        raise RuntimeError(f"repeat_interleave: repeats must be non-negative ints, got {repeats!r}")
    if counts.ndim == 1 and counts.shape[0] != x.shape[d]:
        raise RuntimeError(
            f"repeat_interleave: {counts.shape[0]} repeats for a dim of size {x.shape[d]}"
        )
    index = np.repeat(np.arange(x.shape[d]), counts)
    return index_select(x, d, Tensor._wrap(index.astype(np.int64)))


def meshgrid(*tensors: Any, indexing: str = "ij") -> tuple[Any, ...]:
    """Coordinate grids from 1-D tensors: output k holds tensors[k] broadcast along every
    dim (``indexing='ij'``: dim k; ``'xy'``: the first two swapped, as NumPy's default).

    Composed from reshape and expand, so each gradient sums over the broadcast dims."""
    if len(tensors) == 1 and isinstance(tensors[0], list | tuple):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    if any(t.ndim > 1 for t in tensors):
        raise RuntimeError("meshgrid: expects 0-D or 1-D tensors")
    sizes = [int(t.numel()) for t in tensors]
    n = len(tensors)
    order = list(range(n))
    if indexing == "xy" and n >= 2:
        order[0], order[1] = 1, 0
    shape = tuple(sizes[order[k]] for k in range(n))
    out = []
    for i, t in enumerate(tensors):
        view = [1] * n
        view[order.index(i)] = sizes[i]
        out.append(expand(reshape(t, tuple(view)), shape))
    return tuple(out)


def diff(input: Any, n: int = 1, dim: int = -1, prepend: Any = None, append: Any = None) -> Any:
    """The ``n``-th forward difference ``x[i + 1] - x[i]`` along ``dim``, after joining
    ``prepend`` / ``append`` (composed from cat, slices and sub)."""
    d = norm_dim(dim, input.ndim)
    parts = [p for p in (prepend, input, append) if p is not None]
    x = cat(parts, d) if len(parts) > 1 else input
    for _ in range(n):
        size = x.shape[d]
        if size == 0:
            break
        later = Narrow.apply(x, dim=d, start=1, stop=size)
        x = sub(later, Narrow.apply(x, dim=d, start=0, stop=size - 1))
    return x
