"""Pooling and nearest-neighbour resampling on (N, C, L) and (N, C, H, W) inputs.

Max and average pooling loop over the kernel positions (i, j), never over pixels: the inputs
met by kernel position (i, j) in every window form one strided view of the padded input,
``xp[:, :, i dh :: sh, j dw :: sw]`` (cropped to the output size). So the max is a running
``np.maximum`` over kh*kw views and the average a sum of kh*kw views; their backwards write
the output gradient back through the same views. A 1-d input is a height-1 image.

Adaptive average pooling and nearest upsampling act on each spatial axis separately.
tests/test_textbook.py checks every op against a loop over its windows, bins or pixels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from retroprop.autograd import Function
from retroprop.ops._util import as_pair, int_tuple
from retroprop.tensor import Tensor

Pair = tuple[int, int]


@dataclass(frozen=True)
class _Windows:
    """The pooling windows over a 4-d input of ``shape``; ``out`` is the output size."""

    shape: tuple[int, int, int, int]
    kernel: Pair
    stride: Pair
    padding: Pair
    dilation: Pair
    out: Pair

    @property
    def after(self) -> Pair:
        """Padding after each axis: ``padding``, or what the last window needs in ceil mode."""
        h, w = self.shape[2:]
        return tuple(  # type: ignore[return-value]
            max(0, (o - 1) * s + d * (k - 1) + 1 - p - n)
            for n, p, k, s, d, o in zip(
                (h, w), self.padding, self.kernel, self.stride, self.dilation, self.out
            )
        )

    @property
    def padded_shape(self) -> tuple[int, int, int, int]:
        (t, l), (b, r), (n, c, h, w) = self.padding, self.after, self.shape
        return n, c, t + h + b, l + w + r

    def pad(self, x: np.ndarray, fill: float) -> np.ndarray:
        """x padded with ``fill`` (x itself when there is nothing to pad)."""
        if self.padded_shape == self.shape:
            return x
        xp = np.full(self.padded_shape, fill, x.dtype)
        self.crop(xp)[...] = x
        return xp

    def crop(self, xp: np.ndarray) -> np.ndarray:
        """The inverse of ``pad``: the input's pixels of a padded array."""
        (t, l), (h, w) = self.padding, self.shape[2:]
        return xp[:, :, t : t + h, l : l + w]

    def views(self, xp: np.ndarray) -> list[np.ndarray]:
        """For each kernel position (i, j), row-major: the view of the pixels it meets.

        Speed: one strided view per kernel position stands in for a loop over the windows.
        """
        (kh, kw), (sh, sw), (dh, dw), (oh, ow) = self.kernel, self.stride, self.dilation, self.out
        return [
            xp[
                :,
                :,
                i * dh : i * dh + sh * (oh - 1) + 1 : sh,
                j * dw : j * dw + sw * (ow - 1) + 1 : sw,
            ]
            for i in range(kh)
            for j in range(kw)
        ]

    @property
    def overlap(self) -> bool:
        """Whether two windows can share a pixel (else a backward can write instead of add)."""
        return any(s < d * (k - 1) + 1 for k, s, d in zip(self.kernel, self.stride, self.dilation))


def _as_4d(x: np.ndarray) -> np.ndarray:
    return x[:, :, None] if x.ndim == 3 else x


class MaxPool(Function):
    """y = max of each window (padding counts as -inf).

    dL/dx[p] = sum of dL/dy over the windows whose first maximum (in row-major order, as
    PyTorch breaks ties) is at input pixel p.

    Speed: a running ``np.maximum`` over the kh*kw strided views, not a max of each window.
    """

    def forward(self, x: np.ndarray, *, windows: _Windows) -> np.ndarray:
        views = windows.views(windows.pad(_as_4d(x), -np.inf))
        best = views[0].copy()
        # the kernel position of the running maximum: a later one wins only if strictly larger
        index = np.zeros(best.shape, np.min_scalar_type(len(views) - 1))
        for p, v in enumerate(views[1:], start=1):
            larger = v > best
            np.maximum(best, v, out=best)
            np.maximum(index, larger * index.dtype.type(p), out=index)
        self.save_for_backward(index, windows)
        return best if x.ndim == 4 else best[:, :, 0]

    def backward(self, g: np.ndarray) -> np.ndarray:
        index, windows = self.saved_values
        g4 = _as_4d(g)
        gxp = np.zeros(windows.padded_shape, g.dtype)
        for p, view in enumerate(windows.views(gxp)):
            if windows.overlap:
                view += g4 * (index == p)
            else:
                np.multiply(g4, index == p, out=view)
        return windows.crop(gxp).reshape(self.input_shapes[0])


class AvgPool(Function):
    """y = (sum of each window) / divisor, the divisor per output position given.

    dL/dx[p] = sum over the windows containing pixel p of dL/dy / divisor.

    Speed: a sum of the kh*kw strided views instead of a mean per window.
    """

    def forward(self, x: np.ndarray, *, windows: _Windows, divisor: np.ndarray) -> np.ndarray:
        views = windows.views(windows.pad(_as_4d(x), 0.0))
        total = views[0].copy()
        for v in views[1:]:
            total += v
        total /= divisor
        self.save_for_backward(windows, divisor)
        return total if x.ndim == 4 else total[:, :, 0]

    def backward(self, g: np.ndarray) -> np.ndarray:
        windows, divisor = self.saved_values
        share = _as_4d(g) / divisor
        gxp = np.zeros(windows.padded_shape, g.dtype)
        for view in windows.views(gxp):
            if windows.overlap:
                view += share
            else:
                view[...] = share
        return windows.crop(gxp).reshape(self.input_shapes[0])


def _separable(x: np.ndarray, mh: np.ndarray, mw: np.ndarray) -> np.ndarray:
    """mh @ x @ mw^T on the last two axes of x (N, C, H, W), as two large matrix products."""
    n, c, h, w = x.shape
    t = (x.reshape(-1, w) @ mw.T).reshape(n, c, h, -1)
    t = t.transpose(0, 1, 3, 2).reshape(-1, h) @ mh.T
    return np.ascontiguousarray(t.reshape(n, c, -1, mh.shape[0]).transpose(0, 1, 3, 2))


class AdaptiveAvgPool(Function):
    """y = A_h x A_w^T, where row i of A (out, in) averages the input bin
    [floor(i in / out), ceil((i + 1) in / out)) as PyTorch's bins.

    The map is linear, so dL/dx = A_h^T (dL/dy) A_w.

    Speed: two averaging matrices (two large GEMMs) stand in for a mean per bin.
    """

    def forward(self, x: np.ndarray, *, out: Pair) -> np.ndarray:
        x4 = _as_4d(x)
        mh, mw = (_bins(n, o, x.dtype) for n, o in zip(x4.shape[2:], out))
        self.save_for_backward(mh, mw)
        y = _separable(x4, mh, mw)
        return y if x.ndim == 4 else y[:, :, 0]

    def backward(self, g: np.ndarray) -> np.ndarray:
        mh, mw = self.saved_values
        return _separable(_as_4d(g), mh.T, mw.T).reshape(self.input_shapes[0])


def _bins(size: int, out: int, dtype: np.dtype) -> np.ndarray:
    """The (out, size) averaging matrix of adaptive pooling."""
    i = np.arange(out)
    start = (i * size) // out
    stop = -((-(i + 1) * size) // out)
    j = np.arange(size)
    inside = (j >= start[:, None]) & (j < stop[:, None])
    return (inside / (stop - start)[:, None]).astype(dtype)


class UpsampleNearest(Function):
    """y[..., i, j] = x[..., rows[i], cols[j]] (non-decreasing source indices).

    dL/dx[..., a, b] = sum of dL/dy[..., i, j] over rows[i] = a and cols[j] = b: one
    ``np.add.reduceat`` per axis over the runs of equal source indices.

    Speed: those two reductions stand in for a scatter-add of every output pixel.
    """

    def forward(self, x: np.ndarray, *, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        self.save_for_backward(rows, cols)
        y = _as_4d(x)[:, :, rows[:, None], cols]
        return y if x.ndim == 4 else y[:, :, 0]

    def backward(self, g: np.ndarray) -> np.ndarray:
        rows, cols = self.saved_values
        shape = self.input_shapes[0]
        h, w = (shape[2], shape[3]) if len(shape) == 4 else (1, shape[2])
        gx = _sum_runs(_sum_runs(_as_4d(g), cols, w, 3), rows, h, 2)
        return gx.reshape(self.input_shapes[0])


def _sum_runs(g: np.ndarray, index: np.ndarray, size: int, axis: int) -> np.ndarray:
    """Adjoint of ``take(x, index, axis)`` for a non-decreasing index: sum each run of g."""
    starts = np.flatnonzero(np.diff(index, prepend=-1))
    sums = np.add.reduceat(g, starts, axis=axis)
    if len(starts) == size:
        return sums
    shape = list(g.shape)
    shape[axis] = size
    out = np.zeros(shape, g.dtype)
    target = [slice(None)] * g.ndim
    target[axis] = index[starts]
    out[tuple(target)] = sums
    return out


def _unbatched(name: str, x: Any, nd: int) -> bool:
    """Check that x is a floating (N, C, *spatial) or (C, *spatial) Tensor; True for the latter."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(x).__name__}")
    ranks = (nd + 1, nd + 2)
    if x.ndim not in ranks or x.dtype.kind != "f":
        what = " or ".join(f"{r}-d" for r in ranks)
        raise ValueError(
            f"{name}: expected a floating {what} input, got shape {tuple(x.shape)} and "
            f"dtype {x.dtype}"
        )
    return x.ndim == nd + 1


def _windows(
    name: str,
    x: Any,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    ceil_mode: bool,
    nd: int,
) -> _Windows:
    k = int_tuple(kernel_size, nd, name, "kernel_size", 1)
    s = k if stride is None or stride == [] else int_tuple(stride, nd, name, "stride", 1)
    p = int_tuple(padding, nd, name, "padding", 0)
    d = int_tuple(dilation, nd, name, "dilation", 1)
    if any(pi > ki // 2 for pi, ki in zip(p, k)):
        raise ValueError(f"{name}: padding {p} must be at most half of kernel_size {k}")
    out = tuple(
        _pool_size(n, ki, si, pi, di, ceil_mode)
        for n, ki, si, pi, di in zip(x.shape[2:], k, s, p, d)
    )
    if any(o < 1 for o in out):
        raise ValueError(
            f"{name}: input of shape {tuple(x.shape)} is too small for kernel_size {k}, "
            f"stride {s}, padding {p}, dilation {d} (output size {out})"
        )
    shape = tuple(x.shape) if nd == 2 else (*x.shape[:2], 1, x.shape[2])
    return _Windows(
        shape, as_pair(k, 1), as_pair(s, 1), as_pair(p, 0), as_pair(d, 1), as_pair(out, 1)
    )


def _pool_size(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output size; in ceil mode the last window must start inside the input
    or the left padding."""
    span = size + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def max_pool(
    input: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    *,
    nd: int = 2,
    name: str = "max_pool2d",
) -> Any:
    """Shared body of max_pool1d/2d (``name`` is used in error messages)."""
    unbatched = _unbatched(name, input, nd)
    if unbatched:
        input = input.unsqueeze(0)
    windows = _windows(name, input, kernel_size, stride, padding, dilation, ceil_mode, nd)
    y = MaxPool.apply(input, windows=windows)
    return y.squeeze(0) if unbatched else y


def avg_pool(
    input: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
    *,
    nd: int = 2,
    name: str = "avg_pool2d",
) -> Any:
    """Shared body of avg_pool1d/2d (``name`` is used in error messages)."""
    unbatched = _unbatched(name, input, nd)
    if unbatched:
        input = input.unsqueeze(0)
    windows = _windows(name, input, kernel_size, stride, padding, 1, ceil_mode, nd)
    if divisor_override is not None:
        if divisor_override == 0:
            raise ValueError(f"{name}: divisor_override must not be zero")
        divisor = np.asarray(divisor_override, dtype=input.dtype)
    else:
        h, w = windows.shape[2:]
        dh, dw = (
            _window_counts(n, k, s, p, o, count_include_pad)
            for n, k, s, p, o in zip(
                (h, w), windows.kernel, windows.stride, windows.padding, windows.out
            )
        )
        divisor = np.outer(dh, dw).astype(input.dtype)
    y = AvgPool.apply(input, windows=windows, divisor=divisor)
    return y.squeeze(0) if unbatched else y


def _window_counts(size: int, k: int, s: int, p: int, out: int, include_pad: bool) -> np.ndarray:
    """Elements per window along one axis, as PyTorch counts them: padding included but not
    the ceil-mode overhang, or only the input's own pixels."""
    start = np.arange(out) * s - p
    stop = np.minimum(start + k, size + p)
    if include_pad:
        return stop - start
    return np.minimum(stop, size) - np.maximum(start, 0)


def adaptive_avg_pool(
    input: Any, output_size: Any, *, nd: int = 2, name: str = "adaptive_avg_pool2d"
) -> Any:
    """Shared body of adaptive_avg_pool1d/2d (``name`` is used in error messages)."""
    unbatched = _unbatched(name, input, nd)
    if unbatched:
        input = input.unsqueeze(0)
    single = output_size is None or isinstance(output_size, int | np.integer)
    sizes = (output_size,) * nd if single else tuple(output_size)
    if len(sizes) != nd:
        raise ValueError(f"{name}: output_size must be an int or {nd} ints, got {output_size!r}")
    out = tuple(n if o is None else o for n, o in zip(input.shape[2:], sizes))
    if any(not isinstance(o, int | np.integer) or o < 1 for o in out):
        raise ValueError(f"{name}: output_size must be positive ints, got {output_size!r}")
    y = AdaptiveAvgPool.apply(input, out=as_pair(tuple(int(o) for o in out), 1))
    return y.squeeze(0) if unbatched else y


def _nearest_index(size: int, out: int, scale: float | None) -> np.ndarray:
    """PyTorch's nearest source index floor(dst * in/out), computed in float32 as it does."""
    dst = np.arange(out)
    if out == size:
        return dst
    if out == 2 * size:
        return dst >> 1
    step = np.float32(1.0 / scale) if scale else np.float32(size) / np.float32(out)
    src = np.floor(dst.astype(np.float32) * step).astype(np.int64)
    return np.minimum(src, size - 1)


def interpolate(
    input: Any,
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
) -> Any:
    """Resize (N, C, L) or (N, C, H, W) as ``torch.nn.functional.interpolate``; mode 'nearest'.

    y[..., i, j] = x[..., floor(i in_h / out_h), floor(j in_w / out_w)] (with 1/scale_factor
    in place of in/out when scale_factor is given and recompute_scale_factor is not True).
    """
    return upsample_nearest(
        input, size, scale_factor, mode, align_corners, recompute_scale_factor, name="interpolate"
    )


def upsample_nearest(
    input: Any,
    size: Any,
    scale_factor: Any,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    *,
    name: str = "interpolate",
) -> Any:
    """Shared body of interpolate and nn.Upsample (``name`` is used in error messages)."""
    if mode != "nearest":
        raise ValueError(f"{name}: only mode='nearest' is implemented, got mode={mode!r}")
    if align_corners is not None:
        raise ValueError(
            f"{name}: align_corners can only be set with interpolating modes, "
            "not with mode='nearest'"
        )
    _unbatched(name, input, 2)  # (N, C, L) or (N, C, H, W)
    nd = input.ndim - 2
    if (size is None) == (scale_factor is None):
        raise ValueError(
            f"{name}: give exactly one of size and scale_factor, got size={size!r}, "
            f"scale_factor={scale_factor!r}"
        )
    in_sizes = tuple(input.shape[2:])
    if size is not None:
        out = int_tuple(size, nd, name, "size", 1)
        scales: tuple[float | None, ...] = (None,) * nd
    else:
        single = isinstance(scale_factor, int | float)
        factors = (scale_factor,) * nd if single else tuple(scale_factor)
        if len(factors) != nd or any(f <= 0 for f in factors):
            raise ValueError(
                f"{name}: scale_factor must be a positive number or {nd} of them, "
                f"got {scale_factor!r}"
            )
        out = tuple(int(math.floor(n * float(f))) for n, f in zip(in_sizes, factors))
        scales = (None,) * nd if recompute_scale_factor else tuple(float(f) for f in factors)
        if any(o < 1 for o in out):
            raise ValueError(
                f"{name}: scale_factor {scale_factor!r} gives an empty output "
                f"{out} for input shape {tuple(input.shape)}"
            )
    index = [_nearest_index(n, o, s) for n, o, s in zip(in_sizes, out, scales)]
    rows = index[0] if nd == 2 else np.zeros(1, np.int64)
    return UpsampleNearest.apply(input, rows=rows, cols=index[-1])


def max_pool1d(
    input: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
) -> Any:
    """Max over sliding windows of (N, C, L), as ``torch.nn.functional.max_pool1d``.

    L_out = (L + 2 padding - dilation (k - 1) - 1) // stride + 1 (rounded up in ceil_mode);
    stride defaults to kernel_size; padding counts as -inf.
    """
    return max_pool(
        input, kernel_size, stride, padding, dilation, ceil_mode, nd=1, name="max_pool1d"
    )


def max_pool2d(
    input: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
) -> Any:
    """Max over sliding windows of (N, C, H, W), as ``torch.nn.functional.max_pool2d``.

    The gradient goes to the first maximum of each window (row-major), as in PyTorch.
    """
    return max_pool(
        input, kernel_size, stride, padding, dilation, ceil_mode, nd=2, name="max_pool2d"
    )


def avg_pool1d(
    input: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Any:
    """Mean over sliding windows of (N, C, L), as ``torch.nn.functional.avg_pool1d``."""
    return avg_pool(
        input, kernel_size, stride, padding, ceil_mode, count_include_pad, nd=1, name="avg_pool1d"
    )


def avg_pool2d(
    input: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Any:
    """Mean over sliding windows of (N, C, H, W), as ``torch.nn.functional.avg_pool2d``.

    y = window sum / divisor; the divisor counts the zero padding when count_include_pad,
    or is divisor_override when given.
    """
    return avg_pool(
        input,
        kernel_size,
        stride,
        padding,
        ceil_mode,
        count_include_pad,
        divisor_override,
        nd=2,
        name="avg_pool2d",
    )


def adaptive_avg_pool1d(input: Any, output_size: Any) -> Any:
    """Average over output_size bins of (N, C, L), as PyTorch's adaptive_avg_pool1d."""
    return adaptive_avg_pool(input, output_size, nd=1, name="adaptive_avg_pool1d")


def adaptive_avg_pool2d(input: Any, output_size: Any) -> Any:
    """Average over (out_h, out_w) bins of (N, C, H, W), as PyTorch's adaptive_avg_pool2d.

    Bin i along an axis of size n covers [floor(i n / out), ceil((i + 1) n / out)); None in
    output_size keeps that axis's size.
    """
    return adaptive_avg_pool(input, output_size, nd=2, name="adaptive_avg_pool2d")
