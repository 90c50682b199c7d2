"""Normalisation layers: BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm.

The math (a fused forward and its closed-form backward) is in
:mod:`retroprop.ops.normalization`; these modules hold the learned scale and shift and, for
batch normalisation, the running statistics as buffers with PyTorch's state_dict keys
(``weight``, ``bias``, ``running_mean``, ``running_var``, ``num_batches_tracked``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from retroprop.autograd import no_grad
from retroprop.devices import check_device
from retroprop.nn import functional as F
from retroprop.nn import init
from retroprop.nn.module import Module
from retroprop.nn.parameter import Parameter
from retroprop.ops.normalization import check_groups
from retroprop.tensor import Tensor, get_default_dtype


def _positive_int(layer: str, name: str, n: Any) -> int:
    if not isinstance(n, int | np.integer) or isinstance(n, bool) or n < 1:
        raise ValueError(f"{layer}: {name} must be a positive integer, got {n!r}")
    return int(n)


def _affine(module: Module, shape: tuple[int, ...], weight: bool, bias: bool, dt: Any) -> None:
    """Register ``weight`` (ones) and ``bias`` (zeros) of ``shape``, or None when absent."""
    if weight:
        module.weight = Parameter(Tensor._wrap(np.ones(shape, dt)))
    else:
        module.register_parameter("weight", None)
    if bias:
        module.bias = Parameter(Tensor._wrap(np.zeros(shape, dt)))
    else:
        module.register_parameter("bias", None)


def _reset_affine(module: Module) -> None:
    """Set ``weight`` back to ones and ``bias`` to zeros (those present)."""
    if module.weight is not None:
        init.ones_(module.weight)
    if module.bias is not None:
        init.zeros_(module.bias)


class _BatchNorm(Module):
    """Shared by BatchNorm1d and BatchNorm2d; subclasses set ``_ranks`` (allowed input ranks)."""

    _ranks: tuple[int, ...]
    _shapes: str

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        check_device(type(self).__name__, device)
        super().__init__()
        name = type(self).__name__
        self.num_features = _positive_int(name, "num_features", num_features)
        if momentum is not None and not 0.0 <= momentum <= 1.0:
            raise ValueError(f"{name}: momentum must be in [0, 1] or None, got {momentum}")
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        dt = np.dtype(get_default_dtype() if dtype is None else dtype)
        _affine(self, (self.num_features,), affine, affine and bias, dt)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor._wrap(np.zeros(self.num_features, dt)))
            self.register_buffer("running_var", Tensor._wrap(np.ones(self.num_features, dt)))
            self.register_buffer("num_batches_tracked", Tensor._wrap(np.array(0, np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batch seen."""
        if self.track_running_stats:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1.0)
                self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """Reset the running statistics, the scale to 1 and the shift to 0."""
        self.reset_running_stats()
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:
        """Normalise with the batch statistics in training (updating the running ones), with
        the running statistics in evaluation (batch statistics if they are not tracked)."""
        if input.ndim not in self._ranks or input.shape[1] != self.num_features:
            raise ValueError(
                f"{self._get_name()}({self.num_features}): expected an input of shape "
                f"{self._shapes} with C = {self.num_features}, got shape {tuple(input.shape)}"
            )
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            with no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked.item())
        use_batch = self.training or self.running_mean is None
        update = not self.training or self.track_running_stats
        return F.batch_norm(
            input,
            self.running_mean if update else None,
            self.running_var if update else None,
            self.weight,
            self.bias,
            use_batch,
            factor,
            self.eps,
        )

    def _load_from_state_dict(self, state_dict: Mapping[str, Any], prefix: str, *args: Any) -> None:
        # checkpoints written before num_batches_tracked existed: count 0 batches, as PyTorch
        key = prefix + "num_batches_tracked"
        if self.track_running_stats and key not in state_dict:
            state_dict = {**state_dict, key: np.array(0, np.int64)}
        super()._load_from_state_dict(state_dict, prefix, *args)

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) inputs, per channel C.

    y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias, with the mean and biased variance
    of the batch (over N and L) in training, and the running estimates in evaluation:
    running = (1 - momentum) * running + momentum * batch statistic (the unbiased variance
    for running_var); ``momentum=None`` gives the cumulative average over all batches.

    Args:
        num_features: C.
        eps: added to the variance for stability.
        momentum: weight of the new batch in the running statistics, or None.
        affine: learn ``weight`` (ones) and, if ``bias``, ``bias`` (zeros) of shape (C,).
        track_running_stats: keep running statistics (buffers); without them the batch
            statistics are used in evaluation too.
        bias: (keyword only) learn the shift when ``affine``.

    Shape: (N, C) or (N, C, L) -> the same.
    """

    _ranks = (2, 3)
    _shapes = "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) images per channel C (statistics over N, H, W).

    Arguments and behaviour as :class:`BatchNorm1d`.  Shape: (N, C, H, W) -> the same.
    """

    _ranks = (4,)
    _shapes = "(N, C, H, W)"


class LayerNorm(Module):
    """Normalisation of each sample over its last dims ``normalized_shape``.

    y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias, the mean and biased variance taken
    over those dims, ``weight`` and ``bias`` of shape ``normalized_shape`` (elementwise).

    Args:
        normalized_shape: an int (the last dim) or the shape of the last dims.
        eps: added to the variance.
        elementwise_affine: learn ``weight`` (ones) and, if ``bias``, ``bias`` (zeros).
        bias: learn the shift (only with ``elementwise_affine``).

    Shape: (*, *normalized_shape) -> the same.
    """

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        check_device(type(self).__name__, device)
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape
        self.normalized_shape = tuple(
            _positive_int("LayerNorm", "normalized_shape", n) for n in shape
        )
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        dt = np.dtype(get_default_dtype() if dtype is None else dtype)
        _affine(self, self.normalized_shape, elementwise_affine, elementwise_affine and bias, dt)

    def reset_parameters(self) -> None:
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"
        )


class GroupNorm(Module):
    """Group normalisation: the C channels of each sample split into ``num_groups`` groups,
    each normalised over its channels and positions, then ``weight * x_hat + bias`` per
    channel. Independent of the batch size (Wu and He, 2018).

    Args:
        num_groups: G, a divisor of C.
        num_channels: C.
        eps: added to the variance.
        affine: learn ``weight`` (ones) and, if ``bias`` (keyword only), ``bias`` (zeros),
            of shape (C,).

    Shape: (N, C, *) -> the same.
    """

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        check_device(type(self).__name__, device)
        super().__init__()
        self.num_channels = _positive_int("GroupNorm", "num_channels", num_channels)
        check_groups("GroupNorm", self.num_channels, num_groups, "num_channels")
        self.num_groups = int(num_groups)
        self.eps = eps
        self.affine = affine
        dt = np.dtype(get_default_dtype() if dtype is None else dtype)
        _affine(self, (self.num_channels,), affine, affine and bias, dt)

    def reset_parameters(self) -> None:
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim < 2 or input.shape[1] != self.num_channels:
            raise ValueError(
                f"GroupNorm({self.num_groups}, {self.num_channels}): expected an input of "
                f"shape (N, {self.num_channels}, *), got shape {tuple(input.shape)}"
            )
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.bias is not None}"
        )
