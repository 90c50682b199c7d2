"""InstanceNorm1d/2d/3d: each channel of each sample normalised over its positions
(Ulyanov et al., 2016; style transfer's normalisation); the math is :func:`F.instance_norm`."""

from __future__ import annotations

from typing import Any

import numpy as np

from retroprop.devices import check_device
from retroprop.nn import init
from retroprop.nn.composed import instance_norm
from retroprop.nn.module import Module
from retroprop.nn.parameter import Parameter
from retroprop.tensor import Tensor, get_default_dtype


class _InstanceNorm(Module):
    """``y = (x - mean) / sqrt(var + eps) * weight + bias`` per sample and channel.

    Args:
        num_features: C, the number of channels.
        eps: added to the variance. Default: 1e-5.
        momentum: accepted for PyTorch compatibility (running statistics are not kept).
        affine: learn a per-channel ``weight`` (ones) and ``bias`` (zeros). Default: False.
        track_running_stats: must be False (PyTorch's default).
        dtype: dtype of the parameters.
        bias: with ``affine``, learn the bias too. Default: True.
    """

    _dims = 1

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        check_device(type(self).__name__, device)
        super().__init__()
        name = type(self).__name__
        if track_running_stats:
            raise ValueError(
                f"{name}: track_running_stats=True is not supported (PyTorch's default is "
                f"False: the statistics of each instance are used in training and evaluation)"
            )
        if isinstance(num_features, bool) or not isinstance(num_features, int) or num_features < 1:
            raise ValueError(
                f"{name}: num_features must be a positive integer, got {num_features!r}"
            )
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = False
        dt = np.dtype(get_default_dtype() if dtype is None else dtype)
        if affine:
            self.weight = Parameter(init.ones_(Tensor._wrap(np.empty(num_features, dt))))
        else:
            self.register_parameter("weight", None)
        if affine and bias:
            self.bias = Parameter(init.zeros_(Tensor._wrap(np.empty(num_features, dt))))
        else:
            self.register_parameter("bias", None)

    def forward(self, input: Tensor) -> Tensor:
        batched = self._dims + 2
        if input.ndim not in (batched - 1, batched):
            raise ValueError(
                f"{type(self).__name__}: expected a {batched - 1}-d (unbatched) or {batched}-d "
                f"input, got shape {tuple(input.shape)}"
            )
        channels = input.shape[-self._dims - 1]
        if channels != self.num_features:
            raise ValueError(
                f"{type(self).__name__}: expected {self.num_features} channels, got shape "
                f"{tuple(input.shape)}"
            )
        if input.ndim == batched:
            return instance_norm(input, weight=self.weight, bias=self.bias, eps=self.eps)
        out = instance_norm(input.unsqueeze(0), weight=self.weight, bias=self.bias, eps=self.eps)
        return out.squeeze(0)

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of (N, C, L) or (C, L) inputs."""


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of (N, C, H, W) or (C, H, W) inputs."""

    _dims = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation of (N, C, D, H, W) or (C, D, H, W) inputs."""

    _dims = 3
