"""Pooling layers: MaxPool1d/2d, AvgPool1d/2d, AdaptiveAvgPool1d/2d (PyTorch's arguments).

The math lives in :mod:`retroprop.ops.pool`; the layers hold the options.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from retroprop.nn.module import Module
from retroprop.ops.pool import adaptive_avg_pool, avg_pool, max_pool
from retroprop.tensor import Tensor

Size = int | Sequence[int]


def _single(value: Size) -> tuple[int, ...]:
    return (value,) if isinstance(value, int) else tuple(value)


class _MaxPoolNd(Module):
    nd: int

    def __init__(
        self,
        kernel_size: Size,
        stride: Size | None = None,
        padding: Size = 0,
        dilation: Size = 1,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.dilation = dilation
        self.ceil_mode = ceil_mode

    def forward(self, input: Tensor) -> Tensor:
        return max_pool(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            self.ceil_mode,
            nd=self.nd,
            name=f"{self._get_name()}({self.extra_repr()})",
        )

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class MaxPool1d(_MaxPoolNd):
    """Max over sliding windows of (N, C, L); padding counts as -inf.

    Args:
        kernel_size: window size. stride: step (default kernel_size). padding: on both sides,
            at most half the window. dilation: spacing of the window's elements.
        ceil_mode: round the output size up (a last, partial window).

    Shape: (N, C, L) or (C, L) -> (N, C, L_out),
    L_out = (L + 2 padding - dilation (kernel_size - 1) - 1) // stride + 1.

    The gradient of each window goes to its first maximum, as in PyTorch.
    """

    nd = 1


class MaxPool2d(_MaxPoolNd):
    """Max over sliding windows of (N, C, H, W); padding counts as -inf.

    Args as :class:`MaxPool1d`, each an int or a pair.

    Shape: (N, C, H, W) or (C, H, W) -> (N, C, H_out, W_out),
    H_out = (H + 2 padding - dilation (kernel_size - 1) - 1) // stride + 1 (same for W).

    The gradient of each window goes to its first maximum (row-major), as in PyTorch.

    Example::

        nn.MaxPool2d(2)(rp.randn(64, 32, 26, 26)).shape   # (64, 32, 13, 13)
    """

    nd = 2


class _AvgPoolNd(Module):
    """Shared by AvgPool1d and AvgPool2d: the options and the call. AvgPool1d stores its sizes
    as 1-tuples and takes no divisor_override (it stays None)."""

    nd: int

    def __init__(
        self,
        kernel_size: Size,
        stride: Size | None = None,
        padding: Size = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return avg_pool(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
            nd=self.nd,
            name=f"{self._get_name()}({self.extra_repr()})",
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPoolNd):
    """Mean over sliding windows of (N, C, L).

    Args:
        kernel_size: window size. stride: step (default kernel_size). padding: zeros on both
            sides, at most half the window. ceil_mode: round the output size up.
        count_include_pad: count the zero padding in each window's divisor.

    Shape: (N, C, L) or (C, L) -> (N, C, L_out), L_out = (L + 2 padding - kernel_size) //
    stride + 1.
    """

    nd = 1

    def __init__(
        self,
        kernel_size: Size,
        stride: Size | None = None,
        padding: Size = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        # stored as 1-tuples, as PyTorch's AvgPool1d does
        super().__init__(
            _single(kernel_size),
            _single(kernel_size if stride is None else stride),
            _single(padding),
            ceil_mode,
            count_include_pad,
        )


class AvgPool2d(_AvgPoolNd):
    """Mean over sliding windows of (N, C, H, W).

    Args as :class:`AvgPool1d`, each size an int or a pair, plus divisor_override: divide
    every window's sum by this instead of its element count.

    Shape: (N, C, H, W) or (C, H, W) -> (N, C, H_out, W_out),
    H_out = (H + 2 padding - kernel_size) // stride + 1 (same for W).
    """

    nd = 2


class _AdaptiveAvgPoolNd(Module):
    nd: int

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return adaptive_avg_pool(
            input, self.output_size, nd=self.nd, name=f"{self._get_name()}({self.extra_repr()})"
        )

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """Average (N, C, L) over output_size bins: bin i covers [floor(i L / out),
    ceil((i + 1) L / out)), as in PyTorch.

    Shape: (N, C, L) or (C, L) -> (N, C, output_size).
    """

    nd = 1


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """Average (N, C, H, W) over an output_size grid of bins (bins as AdaptiveAvgPool1d along
    each axis; None keeps that axis's size).

    Shape: (N, C, H, W) or (C, H, W) -> (N, C, out_h, out_w).

    Example::

        nn.AdaptiveAvgPool2d(1)(rp.randn(8, 64, 7, 7)).shape   # (8, 64, 1, 1)
    """

    nd = 2
