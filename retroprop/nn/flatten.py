"""Flatten and Unflatten: reshape layers for use inside a Sequential."""

from __future__ import annotations

import math
from collections.abc import Sequence

from retroprop.nn.module import Module
from retroprop.ops._util import norm_dim
from retroprop.tensor import Tensor


class Flatten(Module):
    """Merge dims ``start_dim..end_dim`` into one (by default all but the batch dim).

    Shape: (N, C, H, W) -> (N, C*H*W) with the defaults.

    Example::

        nn.Sequential(nn.Conv2d(1, 8, 3), nn.Flatten(), nn.Linear(8 * 26 * 26, 10))
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim ``dim`` into ``unflattened_size`` (one entry may be -1).

    Shape: with dim=1, unflattened_size=(C, H, W): (N, C*H*W) -> (N, C, H, W).
    """

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        if not isinstance(unflattened_size, tuple | list) or not all(
            isinstance(s, int) for s in unflattened_size
        ):
            raise TypeError(
                f"Unflatten: unflattened_size must be a tuple or list of ints, got "
                f"{unflattened_size!r}"
            )
        if sum(s == -1 for s in unflattened_size) > 1:
            raise ValueError(
                f"Unflatten: at most one entry of unflattened_size may be -1, got "
                f"{tuple(unflattened_size)}"
            )
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:
        shape = tuple(input.shape)
        d = norm_dim(self.dim, len(shape), "Unflatten: dim")
        sizes = self.unflattened_size
        known = math.prod(s for s in sizes if s != -1)
        fits = (known != 0 and shape[d] % known == 0) if -1 in sizes else shape[d] == known
        if not fits:
            raise ValueError(
                f"Unflatten(dim={self.dim}, unflattened_size={self.unflattened_size}): "
                f"dimension {d} of the input of shape {shape} has size {shape[d]}, which "
                f"cannot be split into {self.unflattened_size}"
            )
        return input.reshape(shape[:d] + self.unflattened_size + shape[d + 1 :])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
