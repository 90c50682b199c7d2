"""Shape operations: reshape (and flatten, squeeze, unsqueeze), permute/transpose, expand,
cat, stack, split/chunk (slices along a dim) and pad.

Each one only moves elements, so its backward moves the gradient back: the inverse
reshape or permutation, a sum over broadcast dims, a slice, or a scatter-add for the padding
modes that copy one input element to several outputs.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import numpy as np

from retroprop.autograd import Function
from retroprop.ops._util import norm_dim, numpy_aliases, unbroadcast
from retroprop.tensor import Tensor


class Reshape(Function):
    """y = x with a new shape (same elements, C order);  dL/dx = dL/dy reshaped back."""

    def forward(self, x: np.ndarray, shape: tuple[int, ...] = ()) -> np.ndarray:
        self.shape = x.shape
        return x.reshape(shape)

    def backward(self, g: np.ndarray) -> np.ndarray:
        return g.reshape(self.shape)


class Permute(Function):
    """y = x with its dims reordered, y.shape[i] = x.shape[dims[i]];  dL/dx = dL/dy permuted
    by the inverse permutation."""

    def forward(self, x: np.ndarray, dims: tuple[int, ...] = ()) -> np.ndarray:
        self.inverse = tuple(np.argsort(dims))
        return np.transpose(x, dims)

    def backward(self, g: np.ndarray) -> np.ndarray:
        return np.transpose(g, self.inverse)


class Expand(Function):
    """y = x broadcast to a larger shape (a read-only view);  dL/dx = dL/dy summed over the
    broadcast dims."""

    def forward(self, x: np.ndarray, shape: tuple[int, ...] = ()) -> np.ndarray:
        self.shape = x.shape
        return np.broadcast_to(x, shape)

    def backward(self, g: np.ndarray) -> np.ndarray:
        return unbroadcast(g, self.shape)


class Narrow(Function):
    """y = x[start:stop] along dim;  dL/dx = dL/dy in that slice, 0 elsewhere."""

    def forward(self, x: np.ndarray, dim: int = 0, start: int = 0, stop: int = 0) -> np.ndarray:
        self.shape = x.shape
        self.index = (slice(None),) * dim + (slice(start, stop),)
        return x[self.index]

    def backward(self, g: np.ndarray) -> np.ndarray:
        gx = np.zeros(self.shape, dtype=g.dtype)
        gx[self.index] = g
        return gx


class Cat(Function):
    """y = [x_1, x_2, ...] joined along dim;  dL/dx_k = the k-th block of dL/dy along dim."""

    def forward(self, *xs: np.ndarray, dim: int = 0) -> np.ndarray:
        self.dim = dim
        self.bounds = np.cumsum([x.shape[dim] for x in xs])[:-1]
        self.dtypes = [x.dtype for x in xs]
        dtype = _common_dtype(xs)
        return np.concatenate([x.astype(dtype, copy=False) for x in xs], axis=dim)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        parts = np.split(g, self.bounds, axis=self.dim)
        return tuple(
            p.astype(dt, copy=False) if need else None
            for p, dt, need in zip(parts, self.dtypes, self.needs_input_grad)
        )


class Stack(Function):
    """y[..., k, ...] = x_k (a new dim);  dL/dx_k = dL/dy[..., k, ...]."""

    def forward(self, *xs: np.ndarray, dim: int = 0) -> np.ndarray:
        self.dim = dim
        self.dtypes = [x.dtype for x in xs]
        dtype = _common_dtype(xs)
        return np.stack([x.astype(dtype, copy=False) for x in xs], axis=dim)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        parts = np.moveaxis(g, self.dim, 0)
        return tuple(
            p.astype(dt, copy=False) if need else None
            for p, dt, need in zip(parts, self.dtypes, self.needs_input_grad)
        )


class ConstantPad(Function):
    """y = x surrounded by a constant (negative pads crop);  dL/dx = dL/dy at x's place,
    0 on the cropped elements."""

    def forward(
        self, x: np.ndarray, pads: tuple[tuple[int, int], ...] = (), value: float = 0.0
    ) -> np.ndarray:
        self.shape = x.shape
        self.src, self.dst, out_shape = [], [], []
        for n, (lo, hi) in zip(x.shape, pads):
            a, b = builtins.max(-lo, 0), n - builtins.max(-hi, 0)
            start = builtins.max(lo, 0)
            self.src.append(slice(a, b))
            self.dst.append(slice(start, start + builtins.max(b - a, 0)))
            out_shape.append(n + lo + hi)
        out = np.full(out_shape, value, dtype=x.dtype)
        out[tuple(self.dst)] = x[tuple(self.src)]
        return out

    def backward(self, g: np.ndarray) -> np.ndarray:
        gx = np.zeros(self.shape, dtype=g.dtype)
        gx[tuple(self.src)] = g[tuple(self.dst)]
        return gx


class IndexPad(Function):
    """y = x[idx] along each padded dim, where idx maps every output position to the input
    position it copies (reflect, replicate, circular).

    dL/dx_j = sum of dL/dy_i over the outputs i with idx[i] = j: the interior of dL/dy goes
    back one to one, then each border position adds its slice to the input it copied.
    """

    def forward(
        self, x: np.ndarray, pads: tuple[tuple[int, int], ...] = (), mode: str = "reflect"
    ) -> np.ndarray:
        self.shape, self.pads = x.shape, pads
        self.maps = [_pad_map(n, lo, hi, mode) for n, (lo, hi) in zip(x.shape, pads)]
        for axis, ((lo, hi), idx) in enumerate(zip(pads, self.maps)):
            if lo or hi:
                x = np.take(x, idx, axis=axis)
        return x

    def backward(self, g: np.ndarray) -> np.ndarray:
        for axis in reversed(range(len(self.pads))):
            lo, hi = self.pads[axis]
            if not (lo or hi):
                continue
            n, idx = self.shape[axis], self.maps[axis]
            acc = np.zeros(g.shape[:axis] + (n,) + g.shape[axis + 1 :], dtype=g.dtype)
            am, gm = np.moveaxis(acc, axis, 0), np.moveaxis(g, axis, 0)
            a, b = builtins.max(lo, 0), builtins.min(lo + n, len(idx))
            am[idx[a] : idx[a] + b - a] = gm[a:b]
            # a loop over the few padded positions (like kernel positions), not over pixels
            for j in [*range(a), *range(b, len(idx))]:
                am[idx[j]] += gm[j]
            g = acc
        return g


def _common_dtype(arrays: Sequence[np.ndarray]) -> np.dtype:
    """PyTorch's promotion for cat/stack: the widest float if any (ints never upcast a float32
    to float64), else the widest integer, else bool."""
    floats = [a.dtype for a in arrays if a.dtype.kind == "f"]
    return np.result_type(*floats) if floats else np.result_type(*(a.dtype for a in arrays))


def _ints(values: Any, name: str, what: str) -> tuple[int, ...]:
    if isinstance(values, int | np.integer):
        return (int(values),)
    try:
        out = tuple(int(v) for v in values)
    except TypeError:
        raise TypeError(f"{name}: {what} must be a sequence of ints, got {values!r}") from None
    if any(isinstance(v, bool | float) for v in values):
        raise TypeError(f"{name}: {what} must be a sequence of ints, got {values!r}")
    return out


def reshape(x: Any, shape: Sequence[int]) -> Any:
    """The same elements in a new shape (one entry may be -1: inferred).

    Example: ``rp.reshape(x, (2, -1))``.
    """
    shape = _ints(shape, "reshape", "shape")
    n = x._data.size
    unknown = [i for i, s in enumerate(shape) if s == -1]
    if len(unknown) > 1 or any(s < -1 for s in shape):
        raise RuntimeError(
            f"reshape: shape {list(shape)} may contain one -1 and otherwise non-negative sizes"
        )
    known = int(np.prod([s for s in shape if s != -1]))
    if unknown:
        if known == 0 or n % known:
            raise RuntimeError(
                f"reshape: shape {list(shape)} is invalid for input of shape {tuple(x.shape)} "
                f"(size {n})"
            )
        shape = tuple(n // known if s == -1 else s for s in shape)
    elif known != n:
        raise RuntimeError(
            f"reshape: shape {list(shape)} is invalid for input of shape {tuple(x.shape)} "
            f"(size {n})"
        )
    if tuple(shape) == tuple(x.shape):
        return x
    return Reshape.apply(x, shape=tuple(shape))


def flatten(x: Any, start_dim: int = 0, end_dim: int = -1) -> Any:
    """Merge dims ``start_dim..end_dim`` (inclusive) into one; a 0-d tensor becomes shape (1,)."""
    if x.ndim == 0:
        return reshape(x, (1,))
    s = norm_dim(start_dim, x.ndim, "start_dim")
    e = norm_dim(end_dim, x.ndim, "end_dim")
    if s > e:
        raise ValueError(f"flatten: start_dim ({start_dim}) cannot come after end_dim ({end_dim})")
    shape = x.shape
    return reshape(x, shape[:s] + (int(np.prod(shape[s : e + 1])),) + shape[e + 1 :])


def permute(x: Any, dims: Sequence[int]) -> Any:
    """Reorder the dims: ``y.shape[i] = x.shape[dims[i]]``."""
    dims = _ints(dims, "permute", "dims")
    if len(dims) != x.ndim:
        raise RuntimeError(
            f"permute: dims {list(dims)} has {len(dims)} entries, the input has {x.ndim} dims "
            f"(shape {tuple(x.shape)})"
        )
    dims = tuple(norm_dim(d, x.ndim) for d in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"permute: dims {list(dims)} repeats a dimension")
    return Permute.apply(x, dims=dims)


def transpose(x: Any, dim0: int, dim1: int) -> Any:
    """Swap two dims."""
    if x.ndim == 0:
        norm_dim(dim0, 0, "dim0")
        norm_dim(dim1, 0, "dim1")
        return x
    dims = list(range(x.ndim))
    a, b = norm_dim(dim0, x.ndim, "dim0"), norm_dim(dim1, x.ndim, "dim1")
    dims[a], dims[b] = dims[b], dims[a]
    return Permute.apply(x, dims=tuple(dims))


def expand(x: Any, shape: Sequence[int]) -> Any:
    """Broadcast size-1 dims (and new leading dims) to ``shape``; -1 keeps a dim's size.

    The result is a read-only view, as PyTorch's expanded tensors share memory.
    """
    shape = list(_ints(shape, "expand", "shape"))
    lead = len(shape) - x.ndim
    if lead < 0:
        raise RuntimeError(
            f"expand: the number of sizes ({len(shape)}) must be at least the number of dims "
            f"of the input (shape {tuple(x.shape)})"
        )
    for i, s in enumerate(shape):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"expand: size {s} is not allowed in new leading dim {i}")
            continue
        n = x.shape[i - lead]
        if s == -1:
            shape[i] = n
        elif n != 1 and s != n:
            raise RuntimeError(
                f"expand: the expanded size ({s}) must match the existing size ({n}) at "
                f"non-singleton dim {i}; target {tuple(shape)}, input {tuple(x.shape)}"
            )
    if tuple(shape) == tuple(x.shape):
        return x
    return Expand.apply(x, shape=tuple(shape))


@numpy_aliases
def squeeze(x: Any, dim: Any = None) -> Any:
    """Remove dims of size 1 (all of them, or those among ``dim``, an int or a tuple)."""
    if dim is None:
        dims = set(range(x.ndim))
    else:
        dims = {norm_dim(d, x.ndim) for d in _ints(dim, "squeeze", "dim")}
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if not (i in dims and n == 1)))


@numpy_aliases
def unsqueeze(x: Any, dim: int) -> Any:
    """Insert a dim of size 1 at position ``dim`` (in ``[-ndim - 1, ndim]``)."""
    d = norm_dim(dim, x.ndim + 1)
    return reshape(x, x.shape[:d] + (1,) + x.shape[d:])


def _tensors(tensors: Any, name: str) -> list[Any]:
    if isinstance(tensors, Tensor) or not isinstance(tensors, Sequence):
        raise TypeError(f"{name}: expected a sequence of Tensors, got {type(tensors).__name__}")
    if not tensors:
        raise ValueError(f"{name}: expected a non-empty sequence of Tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}: entry {i} is a {type(t).__name__}, expected a Tensor")
    return list(tensors)


@numpy_aliases
def cat(tensors: Sequence[Any], dim: int = 0) -> Any:
    """Join tensors along an existing dim; their other dims must match.

    Shape: (a, n_1, b), (a, n_2, b), ... -> (a, n_1 + n_2 + ..., b).
    """
    ts = _tensors(tensors, "cat")
    ref = ts[0].shape
    d = norm_dim(dim, len(ref))
    for i, t in enumerate(ts):
        if t.ndim != len(ref) or any(
            a != b for k, (a, b) in enumerate(zip(t.shape, ref)) if k != d
        ):
            raise RuntimeError(
                f"cat: sizes must match except in dim {d}; tensor 0 has shape {tuple(ref)}, "
                f"tensor {i} has shape {tuple(t.shape)}"
            )
    return Cat.apply(*ts, dim=d)


@numpy_aliases
def stack(tensors: Sequence[Any], dim: int = 0) -> Any:
    """Join same-shaped tensors along a new dim ``dim``.

    Shape: k tensors of shape (a, b) -> (k, a, b) for dim=0.
    """
    ts = _tensors(tensors, "stack")
    ref = ts[0].shape
    d = norm_dim(dim, len(ref) + 1)
    for i, t in enumerate(ts):
        if t.shape != ref:
            raise RuntimeError(
                f"stack: expects tensors of equal shape, got {tuple(ref)} at entry 0 and "
                f"{tuple(t.shape)} at entry {i}"
            )
    return Stack.apply(*ts, dim=d)


def _narrow(x: Any, dim: int, start: int, stop: int) -> Any:
    if start == 0 and stop == x.shape[dim]:
        return x
    return Narrow.apply(x, dim=dim, start=start, stop=stop)


@numpy_aliases
def split(x: Any, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple[Any, ...]:
    """Cut ``x`` along ``dim`` into pieces of ``split_size`` (the last may be smaller), or of
    the given sizes (which must add up to the dim's size)."""
    if x.ndim == 0:
        raise RuntimeError("split: expects at least a 1-dimensional tensor")
    d = norm_dim(dim, x.ndim)
    n = x.shape[d]
    if isinstance(split_size_or_sections, int | np.integer):
        size = int(split_size_or_sections)
        if size < 0 or (size == 0 and n > 0):
            raise RuntimeError(
                f"split: split_size must be positive (0 only for an empty dim), got {size}"
            )
        sizes = [builtins.min(size, n - s) for s in range(0, n, size)] if n else [0]
    else:
        sizes = list(_ints(split_size_or_sections, "split", "split_size_or_sections"))
        if builtins.sum(sizes) != n or any(s < 0 for s in sizes):
            raise RuntimeError(
                f"split: sizes {sizes} must be non-negative and sum to {n}, the size of dim {d} "
                f"of the input (shape {tuple(x.shape)})"
            )
    bounds = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    return tuple(_narrow(x, d, int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:]))


@numpy_aliases
def chunk(x: Any, chunks: int, dim: int = 0) -> tuple[Any, ...]:
    """Split into ``chunks`` pieces of ``ceil(n / chunks)`` elements (fewer pieces if they
    run out), as ``torch.chunk``."""
    if chunks <= 0:
        raise RuntimeError(f"chunk: expects chunks to be greater than 0, got {chunks}")
    if x.ndim == 0:
        raise RuntimeError("chunk: expects at least a 1-dimensional tensor")
    d = norm_dim(dim, x.ndim)
    n = x.shape[d]
    if n == 0:
        return tuple(_narrow(x, d, 0, 0) for _ in range(chunks))
    return split(x, -(-n // chunks), d)


def _pad_map(n: int, lo: int, hi: int, mode: str) -> np.ndarray:
    """For each output position of a padded dim, the input position it copies."""
    p = np.arange(-lo, n + hi)
    if mode == "reflect":
        p = np.abs(p)
        return np.where(p > n - 1, 2 * (n - 1) - p, p)
    if mode == "replicate":
        return np.clip(p, 0, n - 1)
    return p % n


def pad(x: Any, pad: Sequence[int], mode: str = "constant", value: float = 0.0) -> Any:
    """Pad the last ``len(pad) // 2`` dims, as ``torch.nn.functional.pad``.

    Args:
        pad: ``(left, right)`` of the last dim, then of the one before, ...; negative values
            crop.
        mode: ``'constant'`` (fill with ``value``), ``'reflect'`` (mirror, edge not repeated),
            ``'replicate'`` (repeat the edge) or ``'circular'`` (wrap around).
    """
    pads = _ints(pad, "pad", "pad")
    if len(pads) % 2 or len(pads) > 2 * x.ndim:
        raise ValueError(
            f"pad: expected an even number of values, at most 2 * ndim = {2 * x.ndim}, got "
            f"{list(pads)} for input of shape {tuple(x.shape)}"
        )
    k = len(pads) // 2
    pairs = ((0, 0),) * (x.ndim - k) + tuple((pads[2 * i], pads[2 * i + 1]) for i in range(k))[::-1]
    for n, (lo, hi) in zip(x.shape, pairs):
        if n + lo + hi < 0:
            raise ValueError(
                f"pad: padding {list(pads)} gives a negative size for input of shape "
                f"{tuple(x.shape)}"
            )
    if mode == "constant":
        return ConstantPad.apply(x, pads=pairs, value=value)
    if mode not in ("reflect", "replicate", "circular"):
        raise ValueError(
            f"pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got {mode!r}"
        )
    for i, (n, (lo, hi)) in enumerate(zip(x.shape, pairs)):
        if (lo or hi) and (
            n == 0
            or (mode == "reflect" and builtins.max(lo, hi) >= n)
            or (mode == "circular" and builtins.max(lo, hi) > n)
        ):
            raise ValueError(
                f"pad: {mode} padding ({lo}, {hi}) is too large for dim {i} of size {n} "
                f"(input shape {tuple(x.shape)})"
            )
    return IndexPad.apply(x, pads=pairs, mode=mode)
