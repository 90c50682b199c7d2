"""PixelShuffle and PixelUnshuffle: trade channels for resolution and back (their math:
:func:`F.pixel_shuffle`, :func:`F.pixel_unshuffle`)."""

from __future__ import annotations

from retroprop.nn.composed import pixel_shuffle, pixel_unshuffle
from retroprop.nn.module import Module
from retroprop.tensor import Tensor


class PixelShuffle(Module):
    """(*, C r^2, H, W) -> (*, C, H r, W r), ``r = upscale_factor``: the upsampling step of a
    sub-pixel convolution (a convolution to ``C r^2`` channels, then this)."""

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """(*, C, H r, W r) -> (*, C r^2, H, W), ``r = downscale_factor``: the inverse of
    :class:`PixelShuffle`."""

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"
