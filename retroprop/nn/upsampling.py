"""Upsample: nearest-neighbour resizing (the math is in :mod:`retroprop.ops.pool`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from retroprop.nn.module import Module
from retroprop.ops.pool import upsample_nearest
from retroprop.tensor import Tensor


class Upsample(Module):
    """Resize (N, C, L) or (N, C, H, W) to ``size`` or by ``scale_factor``; mode 'nearest'.

    y[..., i, j] = x[..., floor(i / scale_h), floor(j / scale_w)], as PyTorch.

    Args:
        size: output spatial size (int or tuple), or
        scale_factor: multiplier of the spatial size (float or tuple); output size
            floor(size * scale_factor).
        mode: only 'nearest'.
        recompute_scale_factor: use in/out sizes instead of scale_factor for the indices.

    Example::

        nn.Upsample(scale_factor=2)(rp.randn(1, 3, 16, 16)).shape   # (1, 3, 32, 32)
    """

    def __init__(
        self,
        size: int | Sequence[int] | None = None,
        scale_factor: float | Sequence[float] | None = None,
        mode: str = "nearest",
        align_corners: bool | None = None,
        recompute_scale_factor: bool | None = None,
    ) -> None:
        super().__init__()
        self.size = size
        if isinstance(scale_factor, tuple | list):
            self.scale_factor: Any = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        return upsample_nearest(
            input,
            self.size,
            self.scale_factor,
            self.mode,
            self.align_corners,
            self.recompute_scale_factor,
            name=f"{self._get_name()}({self.extra_repr()})",
        )

    def extra_repr(self) -> str:
        if self.scale_factor is not None:
            info = f"scale_factor={self.scale_factor!r}"
        else:
            info = f"size={self.size!r}"
        return info + f", mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """Nearest-neighbour upsampling of (N, C, H, W) inputs: ``Upsample(size, scale_factor,
    mode='nearest')`` under PyTorch's older name."""

    def __init__(
        self,
        size: int | Sequence[int] | None = None,
        scale_factor: float | Sequence[float] | None = None,
    ) -> None:
        super().__init__(size, scale_factor, mode="nearest")
