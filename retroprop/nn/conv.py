"""Convolution layers: Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d (PyTorch's layouts).

The math (im2col, one matrix product, col2im) lives in :mod:`retroprop.ops.conv`; these
modules hold the weight and bias. Their arguments are checked when they are built, by the
same ``conv_args`` that the functions call on every call, so both raise the same errors.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from retroprop.devices import check_device
from retroprop.nn import init
from retroprop.nn.module import Module
from retroprop.nn.parameter import Parameter
from retroprop.ops._util import int_tuple
from retroprop.ops.conv import conv_args, convolution, convolution_transpose
from retroprop.tensor import Tensor, get_default_dtype


class _ConvNd(Module):
    """Shared state of the convolution layers: sizes, weight, bias and their initialisation."""

    nd: int
    transposed: bool

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int],
        padding: str | int | Sequence[int],
        dilation: int | Sequence[int],
        output_padding: int | Sequence[int],
        groups: int,
        bias: bool,
        padding_mode: str,
        dtype: Any,
    ) -> None:
        super().__init__()
        layer = type(self).__name__
        for arg, n in (("in_channels", in_channels), ("out_channels", out_channels)):
            if not isinstance(n, int | np.integer) or n < 1:
                raise ValueError(f"{layer}: {arg} must be a positive int, got {n!r}")
        nd = self.nd
        args = conv_args(
            layer, nd, stride, padding, dilation, groups, output_padding,
            transposed=self.transposed, in_channels=in_channels, out_channels=out_channels,
        )  # fmt: skip
        if padding_mode != "zeros":
            raise ValueError(
                f"{layer}: only padding_mode='zeros' is implemented, got {padding_mode!r}"
            )
        self.in_channels = int(in_channels)
        self.out_channels = int(out_channels)
        self.kernel_size = int_tuple(kernel_size, nd, layer, "kernel_size", 1)
        self.stride = args.stride
        self.padding = args.padding
        self.dilation = args.dilation
        self.output_padding = args.output_padding
        self.groups = args.groups
        self.padding_mode = padding_mode
        if self.transposed:
            shape = (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
        else:
            shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
        dt = np.dtype(get_default_dtype() if dtype is None else dtype)
        self.weight = Parameter(Tensor._wrap(np.empty(shape, dt)))
        if bias:
            self.bias = Parameter(Tensor._wrap(np.empty(self.out_channels, dt)))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: weight kaiming_uniform_(a=sqrt(5)), i.e. U(+-1/sqrt(fan_in)),
        and bias U(+-1/sqrt(fan_in)), fan_in = weight.shape[1] * prod(kernel_size)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
            bound = 1 / math.sqrt(fan_in)
            init.uniform_(self.bias, -bound, bound)

    def _name(self) -> str:
        return f"{self._get_name()}({self.extra_repr()})"

    def extra_repr(self) -> str:
        s = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0,) * self.nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self.nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self.nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s


class _Conv(_ConvNd):
    transposed = False

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int] = 1,
        padding: str | int | Sequence[int] = 0,
        dilation: int | Sequence[int] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        check_device(type(self).__name__, device)
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            0,
            groups,
            bias,
            padding_mode,
            dtype,
        )

    def forward(self, input: Tensor) -> Tensor:
        return convolution(
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            self.dilation,
            self.groups,
            nd=self.nd,
            name=self._name(),
        )


class Conv1d(_Conv):
    """1-d convolution (cross-correlation) over (N, C_in, L).

    y[n, o, l] = b[o] + sum_{c, k} w[o, c, k] x_pad[n, g(o) C_in/groups + c, l stride + k dilation]

    Args:
        in_channels, out_channels: channels of the input and output.
        kernel_size, stride, padding, dilation: ints or 1-tuples; padding may be 'valid' or
            'same' (stride 1).
        groups: split the channels into groups convolved separately.
        bias: learn an additive bias per output channel.
        padding_mode: only 'zeros'.
        dtype: of the parameters (default ``rp.get_default_dtype()``).

    Shape: (N, C_in, L) or (C_in, L) -> (N, C_out, L_out),
    L_out = (L + 2 padding - dilation (kernel_size - 1) - 1) // stride + 1.

    Attributes: weight (C_out, C_in/groups, kernel_size), bias (C_out,), both drawn from
    U(+-1/sqrt(C_in/groups * kernel_size)) as in PyTorch.
    """

    nd = 1


class Conv2d(_Conv):
    """2-d convolution (cross-correlation) over (N, C_in, H, W).

    y[n, o, h, w] = b[o] + sum_{c, i, j} weight[o, c, i, j] x_pad[n, g(o) C_in/groups + c,
    h sh + i dh, w sw + j dw]

    Args:
        in_channels, out_channels: channels of the input and output.
        kernel_size, stride, padding, dilation: ints or pairs; padding may be 'valid' or
            'same' (stride 1 only).
        groups: split the channels into groups convolved separately.
        bias: learn an additive bias per output channel.
        padding_mode: only 'zeros'.
        dtype: of the parameters (default ``rp.get_default_dtype()``).

    Shape: (N, C_in, H, W) or (C_in, H, W) -> (N, C_out, H_out, W_out),
    H_out = (H + 2 padding - dilation (kernel_size - 1) - 1) // stride + 1 (same for W).

    Attributes: weight (C_out, C_in/groups, kh, kw), bias (C_out,), both drawn from
    U(+-1/sqrt(C_in/groups * kh * kw)) as in PyTorch.

    Example::

        conv = nn.Conv2d(1, 32, 3)
        conv(rp.randn(64, 1, 28, 28)).shape   # (64, 32, 26, 26)
    """

    nd = 2


class _ConvTranspose(_ConvNd):
    transposed = True

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int] = 1,
        padding: int | Sequence[int] = 0,
        output_padding: int | Sequence[int] = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: int | Sequence[int] = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        check_device(type(self).__name__, device)
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            output_padding,
            groups,
            bias,
            padding_mode,
            dtype,
        )

    def forward(self, input: Tensor, output_size: Sequence[int] | None = None) -> Tensor:
        """Args: output_size: the wanted spatial size (or full shape); it picks the
        output_padding among the sizes this stride allows."""
        output_padding = self.output_padding
        if output_size is not None:
            output_padding = self._output_padding(input, output_size)
        return convolution_transpose(
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            output_padding,
            self.groups,
            self.dilation,
            nd=self.nd,
            name=self._name(),
        )

    def _output_padding(self, input: Tensor, output_size: Sequence[int]) -> tuple[int, ...]:
        nd = self.nd
        size = tuple(int(s) for s in output_size)[-nd:]
        if len(size) != nd or input.ndim < nd:
            raise ValueError(
                f"{self._name()}: output_size must have {nd} (or {nd + 2}) entries, got "
                f"{tuple(output_size)}"
            )
        spatial = tuple(input.shape[-nd:])
        pads = []
        for n, want, k, s, p, d in zip(
            spatial, size, self.kernel_size, self.stride, self.padding, self.dilation
        ):
            smallest = (n - 1) * s - 2 * p + d * (k - 1) + 1
            if not smallest <= want < smallest + max(s, d):
                raise ValueError(
                    f"{self._name()}: requested an output size of {size}, but valid sizes "
                    f"along this axis range from {smallest} to {smallest + max(s, d) - 1} "
                    f"(for an input of shape {tuple(input.shape)})"
                )
            pads.append(want - smallest)
        return tuple(pads)


class ConvTranspose1d(_ConvTranspose):
    """1-d transposed convolution over (N, C_in, L): the gradient of Conv1d with respect to
    its input, used to upsample.

    Args as :class:`Conv1d`, plus output_padding (extra size added on one side of the
    output, smaller than stride or dilation). padding is an int or a 1-tuple.

    Shape: (N, C_in, L) -> (N, C_out, L_out),
    L_out = (L - 1) stride - 2 padding + dilation (kernel_size - 1) + output_padding + 1.

    Attributes: weight (C_in, C_out/groups, kernel_size), bias (C_out,), both drawn from
    U(+-1/sqrt(C_out/groups * kernel_size)) as in PyTorch.
    """

    nd = 1


class ConvTranspose2d(_ConvTranspose):
    """2-d transposed convolution over (N, C_in, H, W): the gradient of Conv2d with respect
    to its input, used to upsample (e.g. a DCGAN generator).

    Args as :class:`Conv2d`, plus output_padding (extra rows/columns added on one side of the
    output, smaller than stride or dilation). padding is an int or a pair.

    Shape: (N, C_in, H, W) -> (N, C_out, H_out, W_out),
    H_out = (H - 1) stride - 2 padding + dilation (kh - 1) + output_padding + 1.

    Attributes: weight (C_in, C_out/groups, kh, kw), bias (C_out,), both drawn from
    U(+-1/sqrt(C_out/groups * kh * kw)) as in PyTorch.

    Example::

        up = nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1)
        up(rp.randn(8, 64, 16, 16)).shape   # (8, 32, 32, 32)
    """

    nd = 2
