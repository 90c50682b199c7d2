"""Regularising noise layers, active only in training mode: Dropout, Dropout1d, Dropout2d,
Dropout3d and GaussianNoise. In evaluation mode (``model.eval()``) each is the identity.

The random numbers come from ``rp.random.default_generator`` (seed with ``rp.manual_seed``).
"""

from __future__ import annotations

import numpy as np

from retroprop import random as _random
from retroprop.nn import functional as F
from retroprop.nn.module import Module
from retroprop.tensor import Tensor


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(
                f"{type(self).__name__}: dropout probability has to be between 0 and 1, but got {p}"
            )
        self.p = p
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero each element with probability ``p`` in training and scale the kept ones by
    ``1 / (1 - p)`` (inverted dropout: no rescaling is needed in evaluation).

    Args:
        p: probability of zeroing an element.
        inplace: accepted for PyTorch compatibility; the output is always a new tensor.

    Shape: any -> the same.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training)


class Dropout2d(_DropoutNd):
    """Zero whole channels with probability ``p`` in training (one draw per sample and
    channel) and scale the kept ones by ``1 / (1 - p)``: neighbouring pixels of a feature
    map are strongly correlated, so dropping single pixels would hardly regularise.

    Shape: (N, C, H, W) or (N, C, L) -> the same.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout2d(input, self.p, self.training)


class Dropout1d(_DropoutNd):
    """Zero whole channels of 1-d feature maps, as :class:`Dropout2d`.

    Shape: (N, C, L) or (C, L) -> the same.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout1d(input, self.p, self.training)


class Dropout3d(_DropoutNd):
    """Zero whole channels of 3-d feature maps, as :class:`Dropout2d`.

    Shape: (N, C, D, H, W) or (C, D, H, W) -> the same.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout3d(input, self.p, self.training)


class GaussianNoise(Module):
    """Add N(0, std^2) noise to every element in training; the identity in evaluation.

    y = x + std * eps,  eps ~ N(0, 1);  dy/dx = 1. Used e.g. on the inputs of a GAN's
    discriminator (Salimans et al., 2016) to keep it from becoming too sure too soon.

    Args:
        std: standard deviation of the noise (>= 0).

    Shape: any -> the same.
    """

    def __init__(self, std: float = 0.1) -> None:
        super().__init__()
        if not std >= 0:
            raise ValueError(f"GaussianNoise: std must be >= 0, got {std}")
        self.std = std

    def forward(self, input: Tensor) -> Tensor:
        if not self.training or self.std == 0:
            return input
        if input.dtype.kind != "f":
            raise TypeError(f"GaussianNoise: expected a floating point input, got {input.dtype}")
        draw = np.float64 if input.dtype == np.float64 else np.float32
        noise = _random.default_generator.standard_normal(input.shape, dtype=draw)
        noise *= self.std
        return input + Tensor._wrap(noise.astype(input.dtype, copy=False))

    def extra_repr(self) -> str:
        return f"std={self.std}"
