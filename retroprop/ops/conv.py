"""Convolutions as one matrix product: im2col, a GEMM, col2im.

A convolution of x (N, C, H, W) with a weight w (O, C/G, kh, kw) in G groups is

    y[n, o, ho, wo] = b[o] + sum_{c,i,j} w[o, c, i, j] xp[n, g C/G + c, ho sh + i dh, wo sw + j dw]

with g = o // (O/G) the group of output channel o and xp the zero-padded input. ``_im2col``
copies, for every (channel, kernel position), the input values seen by all N*P output
positions into one matrix ``cols`` (G, C/G*kh*kw, N*P), so that the whole layer is one
product per group: ``rows = w_g @ cols`` (G, O/G, N*P). Putting channels first and the batch
inside the columns (instead of one small product per sample) makes each product one large
GEMM; the price is a transpose of the rows into (N, O, Ho, Wo).

Stride 1 uses "wide" positions: output position (ho, wo) is column q = ho*Wp + wo of a row of
length L = (Ho-1)*Wp + Wo. The input seen by kernel position (i, j) is then the contiguous run
xp_flat[i dh Wp + j dw : ... + L], so im2col and col2im copy long contiguous runs instead of
short rows (NumPy is several times faster on those); the Wp - Wo columns per row that wrap
around are computed and thrown away.

Derivatives (G_rows: dL/dy laid out like ``rows``; zero in the thrown-away columns):

    dL/dw = G_rows @ cols^T,   dL/dcols = w_g^T @ G_rows,   dL/dx = col2im(dL/dcols),
    dL/db = sum of G_rows over samples and positions,

where col2im, the adjoint of im2col, adds every column entry back onto the input pixel it was
read from (one strided add per kernel position). A transposed convolution is the map
x -> dL/dx of a convolution, so its forward is col2im(w_g^T @ x_rows) and its backward runs the
convolution's forward: the same pieces, each written once. tests/test_textbook.py checks both
against the direct sums.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from retroprop.autograd import Function
from retroprop.ops._util import as_pair, int_tuple
from retroprop.tensor import Tensor

Pair = tuple[int, int]


@dataclass(frozen=True)
class _Geometry:
    """Sizes of a 2-d convolution of an (n, c, h, w) input into ``out`` positions per sample.

    ``pad`` is (top, bottom, left, right); ``out`` is (Ho, Wo).
    """

    n: int
    c: int
    h: int
    w: int
    groups: int
    kernel: Pair
    stride: Pair
    dilation: Pair
    pad: tuple[int, int, int, int]
    out: Pair

    @property
    def padded(self) -> Pair:
        t, b, l, r = self.pad
        return self.h + t + b, self.w + l + r

    @property
    def wide(self) -> bool:
        return self.stride == (1, 1)

    def positions(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Shape and strides (in elements of the padded image) of one sample's positions."""
        wp = self.padded[1]
        ho, wo = self.out
        if self.wide:
            return ((ho - 1) * wp + wo,), (1,)
        return (ho, wo), (self.stride[0] * wp, self.stride[1])


def _pad(x: np.ndarray, geo: _Geometry) -> np.ndarray:
    """x zero-padded (a contiguous array, as the strided views below require)."""
    if not any(geo.pad):
        return np.ascontiguousarray(x)
    t, _, l, _ = geo.pad
    xp = np.zeros((geo.n, geo.c, *geo.padded), dtype=x.dtype)
    xp[:, :, t : t + geo.h, l : l + geo.w] = x
    return xp


def _patches(xp: np.ndarray, geo: _Geometry, writeable: bool) -> np.ndarray:
    """The view (C, kh, kw, N, *positions) of a contiguous padded image xp (N, C, Hp, Wp):
    entry [c, i, j, n, q] is the pixel that kernel position (i, j) meets at output position q.

    Speed: hand-computed byte strides make every patch an ``as_strided`` view of xp (no copy).
    """
    hp, wp = geo.padded
    shape, steps = geo.positions()
    e = xp.itemsize
    strides = (hp * wp * e, geo.dilation[0] * wp * e, geo.dilation[1] * e, geo.c * hp * wp * e)
    return as_strided(
        xp,
        (geo.c, *geo.kernel, geo.n, *shape),
        strides + tuple(s * e for s in steps),
        writeable=writeable,
    )


def _im2col(x: np.ndarray, geo: _Geometry) -> np.ndarray:
    """cols (G, C/G*kh*kw, N*P): one copy of the strided patches.

    Speed: at stride 1 the P positions are the wide ones (module docstring): contiguous runs.
    """
    positions = geo.n * int(np.prod(geo.positions()[0]))
    return _patches(_pad(x, geo), geo, writeable=False).reshape(geo.groups, -1, positions)


def _col2im(cols: np.ndarray, geo: _Geometry) -> np.ndarray:
    """Adjoint of im2col: dx[pixel] = sum of the cols entries read from that pixel.

    Speed: one vectorised strided add per kernel position, not a scatter-add of each entry.
    Within one position no two entries share a pixel, so ``+=`` through the view is exact.
    """
    xp = np.zeros((geo.n, geo.c, *geo.padded), dtype=cols.dtype)
    view = _patches(xp, geo, writeable=True)
    src = cols.reshape(view.shape)
    for i in range(geo.kernel[0]):
        for j in range(geo.kernel[1]):
            view[:, i, j] += src[:, i, j]
    t, _, l, _ = geo.pad
    return xp[:, :, t : t + geo.h, l : l + geo.w]


def _rows_to_output(rows: np.ndarray, geo: _Geometry, bias: np.ndarray | None) -> np.ndarray:
    """rows (G, O/G, N*P) -> y (N, O, Ho, Wo): the bias added to rows in place (a fast
    contiguous add), then one copy that transposes and drops the wide columns.

    Speed: an ``as_strided`` view with hand-computed byte strides drops the wide columns.
    """
    if bias is not None:
        rows += bias.reshape(rows.shape[0], rows.shape[1], 1)
    o = rows.shape[0] * rows.shape[1]
    shape, _ = geo.positions()
    r = rows.reshape(o, geo.n, *shape)
    if geo.wide:
        e = r.itemsize
        r = as_strided(
            r, (o, geo.n, *geo.out), (geo.n * shape[0] * e, shape[0] * e, geo.padded[1] * e, e)
        )
    return np.ascontiguousarray(r.transpose(1, 0, 2, 3))


def _output_to_rows(y: np.ndarray, geo: _Geometry) -> np.ndarray:
    """y (N, O, Ho, Wo) -> rows (G, O/G, N*P), the adjoint of ``_rows_to_output``.

    Speed: at stride 1, y goes into the wide rows through a hand-strided ``as_strided`` view.
    """
    o = y.shape[1]
    yt = y.transpose(1, 0, 2, 3)
    if not geo.wide:
        return np.ascontiguousarray(yt).reshape(geo.groups, o // geo.groups, -1)
    length = geo.positions()[0][0]
    rows = np.zeros((o, geo.n, length), dtype=y.dtype)
    e = rows.itemsize
    view = as_strided(
        rows, (o, geo.n, *geo.out), (geo.n * length * e, length * e, geo.padded[1] * e, e)
    )
    view[...] = yt
    return rows.reshape(geo.groups, o // geo.groups, -1)


def _correlate_adjoint(rows: np.ndarray, wg: np.ndarray, geo: _Geometry) -> np.ndarray:
    """dL/dx of the convolution, from dL/dy laid out as rows: col2im(w_g^T @ rows)."""
    return _col2im(wg.transpose(0, 2, 1) @ rows, geo)


def _weight_grad(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """dL/dw = G_rows @ cols^T per group, reshaped to the weight's shape."""
    return (rows @ cols.transpose(0, 2, 1)).reshape(shape)


def _as_2d(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A 1-d convolution is a 2-d one on a height-1 image (views, no copy)."""
    if x.ndim == 3:
        return x[:, :, None], w[:, :, None]
    return x, w


class Convolution(Function):
    """y = conv(x, w) + b (PyTorch's cross-correlation) on (N, C, L) or (N, C, H, W) inputs.

    dL/dx = col2im(w_g^T G_rows),  dL/dw = G_rows cols^T,  dL/db = sum_{n, positions} dL/dy
    (see the module docstring for the layout).

    Speed: im2col and one GEMM per group stand in for the direct sum over (c, i, j).
    """

    def forward(
        self,
        x: np.ndarray,
        w: np.ndarray,
        b: np.ndarray | None = None,
        *,
        stride: Pair,
        pad: tuple[int, int, int, int],
        dilation: Pair,
        groups: int,
    ) -> np.ndarray:
        x4, w4 = _as_2d(x, w)
        n, c, h, wd = x4.shape
        o, _, kh, kw = w4.shape
        out = (
            _out_size(h + pad[0] + pad[1], kh, stride[0], dilation[0]),
            _out_size(wd + pad[2] + pad[3], kw, stride[1], dilation[1]),
        )
        geo = _Geometry(n, c, h, wd, groups, (kh, kw), stride, dilation, pad, out)
        wg = w4.reshape(groups, o // groups, -1)
        cols = _im2col(x4, geo)
        y = _rows_to_output(wg @ cols, geo, b)
        self.save_for_backward(cols, wg, geo)
        return y if x.ndim == 4 else y[:, :, 0]

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        cols, wg, geo = self.saved_values
        needs = self.needs_input_grad
        rows = _output_to_rows(g.reshape(g.shape[:2] + geo.out), geo)
        gx = gw = None
        if needs[0]:
            gx = _correlate_adjoint(rows, wg, geo).reshape(self.input_shapes[0])
        if needs[1]:
            gw = _weight_grad(rows, cols, self.input_shapes[1])
        gb = rows.sum(axis=2).reshape(-1) if needs[2] else None
        return gx, gw, gb


class ConvolutionTranspose(Function):
    """y = conv_transpose(x, w) + b: the input-gradient map of a convolution, w (C_in, C_out/G, k).

    Forward: y = col2im(w_g^T @ x_rows) (+ b). It is linear in x and w, so
    dL/dx = conv(dL/dy, w)  (the convolution's forward),
    dL/dw = x_rows @ im2col(dL/dy)^T,  dL/db = sum_{n, pixels} dL/dy.

    Speed: one GEMM per group and col2im, not a scatter of each input pixel times the kernel.
    """

    def forward(
        self,
        x: np.ndarray,
        w: np.ndarray,
        b: np.ndarray | None = None,
        *,
        stride: Pair,
        pad: tuple[int, int, int, int],
        output_padding: Pair,
        dilation: Pair,
        groups: int,
    ) -> np.ndarray:
        x4, w4 = _as_2d(x, w)
        n, cin, hi, wi = x4.shape
        _, cog, kh, kw = w4.shape
        h = (hi - 1) * stride[0] - pad[0] - pad[1] + dilation[0] * (kh - 1) + output_padding[0] + 1
        wd = (wi - 1) * stride[1] - pad[2] - pad[3] + dilation[1] * (kw - 1)
        wd += output_padding[1] + 1
        geo = _Geometry(n, cog * groups, h, wd, groups, (kh, kw), stride, dilation, pad, (hi, wi))
        wg = w4.reshape(groups, cin // groups, -1)
        rows = _output_to_rows(x4, geo)
        y = _correlate_adjoint(rows, wg, geo)
        if b is not None:
            y = y + b[:, None, None]
        self.save_for_backward(rows, wg, geo)
        return y if x.ndim == 4 else y[:, :, 0]

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        rows, wg, geo = self.saved_values
        needs = self.needs_input_grad
        g4 = g.reshape(g.shape[:2] + (geo.h, geo.w))
        cols = _im2col(g4, geo)
        gx = gw = None
        if needs[0]:  # the convolution's forward
            gx = _rows_to_output(wg @ cols, geo, None).reshape(self.input_shapes[0])
        if needs[1]:
            gw = _weight_grad(rows, cols, self.input_shapes[1])
        gb = g4.sum(axis=(0, 2, 3)) if needs[2] else None
        return gx, gw, gb


def _out_size(padded: int, kernel: int, stride: int, dilation: int) -> int:
    return (padded - dilation * (kernel - 1) - 1) // stride + 1


@dataclass(frozen=True)
class ConvArgs:
    """A convolution's hyper-parameters, checked: one int per spatial axis for stride,
    dilation, output_padding and padding (or padding 'valid' / 'same'), and groups."""

    stride: tuple[int, ...]
    padding: str | tuple[int, ...]
    dilation: tuple[int, ...]
    output_padding: tuple[int, ...]
    groups: int


def conv_args(
    name: str,
    nd: int,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: Any,
    output_padding: Any = 0,
    *,
    transposed: bool = False,
    in_channels: int | None = None,
    out_channels: int | None = None,
) -> ConvArgs:
    """Check and normalise the arguments of an ``nd``-d (transposed) convolution.

    groups must be a positive int dividing each channel count given; stride and dilation
    are ints >= 1, padding and output_padding ints >= 0 (an int or nd of them). A
    convolution's padding may also be 'valid' (0) or 'same' (the output as large as the
    input), which PyTorch allows for stride 1 only; a transposed convolution's may not.
    The layers call this at construction with both channel counts, the functions on every
    call with the one the weight fixes. Raises ValueError naming ``name``, the argument and
    the value.
    """
    if not isinstance(groups, int | np.integer) or groups < 1:
        raise ValueError(f"{name}: groups must be a positive int, got {groups!r}")
    for arg, n in (("in_channels", in_channels), ("out_channels", out_channels)):
        if n is not None and n % groups:
            raise ValueError(f"{name}: {arg} ({n}) must be divisible by groups ({groups})")
    s = int_tuple(stride, nd, name, "stride", 1)
    d = int_tuple(dilation, nd, name, "dilation", 1)
    if isinstance(padding, str) and not transposed:
        if padding not in ("valid", "same"):
            raise ValueError(
                f"{name}: padding must be 'valid', 'same', an int or ints, got {padding!r}"
            )
        if padding == "same" and any(v != 1 for v in s):
            raise ValueError(
                f"{name}: padding='same' is not supported for strided convolutions (stride={s})"
            )
        p: str | tuple[int, ...] = padding
    else:
        p = int_tuple(padding, nd, name, "padding", 0)
    op = int_tuple(output_padding, nd, name, "output_padding", 0)
    return ConvArgs(s, p, d, op, int(groups))


def _check_operands(name: str, x: Any, w: Any, b: Any, nd: int) -> bool:
    """Validate types, ranks and dtypes; True when x is unbatched (C, *spatial)."""
    for arg, t in (("input", x), ("weight", w), ("bias", b)):
        if t is not None and not isinstance(t, Tensor):
            raise TypeError(f"{name}: {arg} must be a Tensor, got {type(t).__name__}")
    if w.ndim != nd + 2:
        raise ValueError(f"{name}: weight must have {nd + 2} dims, got shape {tuple(w.shape)}")
    if x.ndim not in (nd + 1, nd + 2):
        raise ValueError(
            f"{name}: expected a {nd + 2}-d (batched) or {nd + 1}-d (unbatched) input, got "
            f"shape {tuple(x.shape)}"
        )
    if x.dtype.kind != "f" or x.dtype != w.dtype or (b is not None and b.dtype != w.dtype):
        dtypes = f"input {x.dtype}, weight {w.dtype}" + (
            f", bias {b.dtype}" if b is not None else ""
        )
        raise TypeError(
            f"{name}: input, weight and bias must share one floating dtype, got {dtypes}"
        )
    return x.ndim == nd + 1


def _checked_call(
    name: str,
    nd: int,
    transposed: bool,
    input: Any,
    weight: Any,
    bias: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: Any,
    output_padding: Any = 0,
) -> tuple[Any, bool, ConvArgs]:
    """The checks every call of a convolution or a transposed convolution makes: operands,
    arguments, input channels and bias shape. Returns the batched input, whether it was
    unbatched, and the arguments.

    A convolution's weight is (C_out, C_in/groups, *k), a transposed one's (C_in,
    C_out/groups, *k): its first dim is the channel count that groups must divide."""
    unbatched = _check_operands(name, input, weight, bias, nd)
    first, second = weight.shape[0], weight.shape[1]
    args = conv_args(
        name, nd, stride, padding, dilation, groups, output_padding, transposed=transposed,
        in_channels=first if transposed else None, out_channels=None if transposed else first,
    )  # fmt: skip
    c_in, c_out = (first, second * args.groups) if transposed else (second * args.groups, first)
    x = input.unsqueeze(0) if unbatched else input
    if x.shape[1] != c_in:
        raise ValueError(
            f"{name}: expected input of shape (N, {c_in}, ...) to match weight of shape "
            f"{tuple(weight.shape)} with groups={args.groups}, but got {x.shape[1]} channels "
            f"(input shape {tuple(input.shape)})"
        )
    if bias is not None and tuple(bias.shape) != (c_out,):
        raise ValueError(f"{name}: bias must have shape ({c_out},), got {tuple(bias.shape)}")
    return x, unbatched, args


def convolution(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
    *,
    nd: int = 2,
    name: str = "conv2d",
) -> Any:
    """Shared body of conv1d/conv2d (``name`` is used in error messages, e.g. by the modules).

    padding='same' pads d (k - 1) per axis, the odd one (if any) at the end, as PyTorch."""
    x, unbatched, a = _checked_call(
        name, nd, False, input, weight, bias, stride, padding, dilation, groups
    )
    k = tuple(weight.shape[2:])
    if a.padding == "valid":
        pads = [(0, 0)] * nd
    elif a.padding == "same":
        pads = [
            (di * (ki - 1) // 2, di * (ki - 1) - di * (ki - 1) // 2)
            for di, ki in zip(a.dilation, k)
        ]
    else:
        pads = [(p, p) for p in a.padding]
    spatial = tuple(x.shape[2:])
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(spatial, pads))
    dilated = tuple(di * (ki - 1) + 1 for di, ki in zip(a.dilation, k))
    if any(dk > p for dk, p in zip(dilated, padded)):
        raise ValueError(
            f"{name}: kernel size {dilated} (after dilation) is larger than the padded input "
            f"size {padded} (input shape {tuple(input.shape)}, padding {tuple(pads)})"
        )
    pad4 = (0, 0, *pads[0]) if nd == 1 else (*pads[0], *pads[1])
    y = Convolution.apply(
        x, weight, bias, stride=as_pair(a.stride, 1), pad=pad4, dilation=as_pair(a.dilation, 1),
        groups=a.groups,
    )  # fmt: skip
    return y.squeeze(0) if unbatched else y


def convolution_transpose(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
    *,
    nd: int = 2,
    name: str = "conv_transpose2d",
) -> Any:
    """Shared body of conv_transpose1d/2d (``name`` is used in error messages).

    output_padding picks one of the max(stride, dilation) input sizes that a convolution maps
    to the same output size, so it must be smaller than the stride or the dilation."""
    x, unbatched, a = _checked_call(
        name, nd, True, input, weight, bias, stride, padding, dilation, groups, output_padding
    )
    s, p, d, op = a.stride, a.padding, a.dilation, a.output_padding
    if any(o >= si and o >= di for o, si, di in zip(op, s, d)):
        raise ValueError(
            f"{name}: output_padding {op} must be smaller than either stride {s} or dilation {d}"
        )
    k = tuple(weight.shape[2:])
    size = tuple(
        (n - 1) * si - 2 * pi + di * (ki - 1) + oi + 1
        for n, si, pi, di, ki, oi in zip(x.shape[2:], s, p, d, k, op)
    )
    if any(n < 1 for n in size):
        raise ValueError(
            f"{name}: the output size {size} is too small (input shape {tuple(input.shape)}, "
            f"weight shape {tuple(weight.shape)}, stride {s}, padding {p})"
        )
    pad4 = (0, 0, p[0], p[0]) if nd == 1 else (p[0], p[0], p[1], p[1])
    y = ConvolutionTranspose.apply(
        x,
        weight,
        bias,
        stride=as_pair(s, 1),
        pad=pad4,
        output_padding=as_pair(op, 0),
        dilation=as_pair(d, 1),
        groups=a.groups,
    )
    return y.squeeze(0) if unbatched else y


def conv1d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Any:
    """1-d convolution (cross-correlation) as ``torch.nn.functional.conv1d``.

    Shape: input (N, C_in, L) or (C_in, L), weight (C_out, C_in/groups, k), bias (C_out,)
    -> (N, C_out, L_out), L_out = (L + 2 padding - dilation (k - 1) - 1) // stride + 1.
    ``padding`` may be 'valid' or 'same' (stride 1 only).
    """
    return convolution(input, weight, bias, stride, padding, dilation, groups, nd=1, name="conv1d")


def conv2d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Any:
    """2-d convolution (cross-correlation) as ``torch.nn.functional.conv2d``.

    y[n, o] = b[o] + sum_{c, i, j} w[o, c, i, j] x_pad[n, c, ho s + i d, wo s + j d]
    Shape: input (N, C_in, H, W) or (C_in, H, W), weight (C_out, C_in/groups, kh, kw),
    bias (C_out,) -> (N, C_out, H_out, W_out). ``padding`` may be 'valid' or 'same'.
    """
    return convolution(input, weight, bias, stride, padding, dilation, groups, nd=2, name="conv2d")


def conv_transpose1d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Any:
    """1-d transposed convolution as ``torch.nn.functional.conv_transpose1d``.

    Shape: input (N, C_in, L), weight (C_in, C_out/groups, k) -> (N, C_out, L_out),
    L_out = (L - 1) stride - 2 padding + dilation (k - 1) + output_padding + 1.
    """
    return convolution_transpose(
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
        nd=1,
        name="conv_transpose1d",
    )


def conv_transpose2d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Any:
    """2-d transposed convolution as ``torch.nn.functional.conv_transpose2d``.

    Shape: input (N, C_in, H, W), weight (C_in, C_out/groups, kh, kw) -> (N, C_out, H_out, W_out),
    H_out = (H - 1) stride - 2 padding + dilation (kh - 1) + output_padding + 1.
    """
    return convolution_transpose(
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
        nd=2,
        name="conv_transpose2d",
    )
