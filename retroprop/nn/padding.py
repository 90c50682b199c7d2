"""Padding layers (PyTorch's names): ZeroPad, ConstantPad, ReflectionPad, ReplicationPad and
CircularPad in 1-d, 2-d and 3-d. Each pads the last 1, 2 or 3 dims with :func:`F.pad`.

``padding`` is an int (every side) or a tuple ``(left, right[, top, bottom[, front,
back]])`` listing the last dim first, as ``F.pad``.
"""

from __future__ import annotations

from typing import Any

from retroprop.nn.module import Module
from retroprop.ops.shape import pad
from retroprop.tensor import Tensor


class _PadNd(Module):
    """Pad the last ``_dims`` dims with ``_mode`` (and ``value`` for constant padding)."""

    _dims = 1
    _mode = "constant"

    def __init__(self, padding: int | tuple[int, ...], value: float = 0.0) -> None:
        super().__init__()
        n = 2 * self._dims
        if isinstance(padding, int):
            padding = (padding,) * n
        padding = tuple(padding)
        if len(padding) != n or not all(isinstance(p, int) for p in padding):
            raise ValueError(
                f"{type(self).__name__}: padding must be an int or a tuple of {n} ints, got "
                f"{padding!r}"
            )
        self.padding = padding
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        if self._mode != "constant" and input.ndim not in (self._dims + 1, self._dims + 2):
            raise ValueError(
                f"{type(self).__name__}: expected a {self._dims + 1}-d (unbatched) or "
                f"{self._dims + 2}-d (batched) input, got shape {tuple(input.shape)}"
            )
        return pad(input, self.padding, self._mode, self.value)

    def extra_repr(self) -> str:
        return f"{self.padding}"


def _constant_repr(self: Any) -> str:
    return f"padding={self.padding}, value={self.value}"


class ZeroPad1d(_PadNd):
    """Pad the last dim with zeros."""

    def __init__(self, padding: int | tuple[int, int]) -> None:
        super().__init__(padding, 0.0)


class ZeroPad2d(ZeroPad1d):
    """Pad the last two dims with zeros."""

    _dims = 2


class ZeroPad3d(ZeroPad1d):
    """Pad the last three dims with zeros."""

    _dims = 3


class ConstantPad1d(_PadNd):
    """Pad the last dim with ``value``."""

    extra_repr = _constant_repr

    def __init__(self, padding: int | tuple[int, int], value: float) -> None:
        super().__init__(padding, value)


class ConstantPad2d(ConstantPad1d):
    """Pad the last two dims with ``value``."""

    _dims = 2


class ConstantPad3d(ConstantPad1d):
    """Pad the last three dims with ``value``."""

    _dims = 3


class ReflectionPad1d(ZeroPad1d):
    """Mirror the last dim at its edges (the edge itself not repeated)."""

    _mode = "reflect"


class ReflectionPad2d(ReflectionPad1d):
    """Mirror the last two dims at their edges."""

    _dims = 2


class ReflectionPad3d(ReflectionPad1d):
    """Mirror the last three dims at their edges."""

    _dims = 3


class ReplicationPad1d(ZeroPad1d):
    """Repeat the edge values of the last dim."""

    _mode = "replicate"


class ReplicationPad2d(ReplicationPad1d):
    """Repeat the edge values of the last two dims."""

    _dims = 2


class ReplicationPad3d(ReplicationPad1d):
    """Repeat the edge values of the last three dims."""

    _dims = 3


class CircularPad1d(ZeroPad1d):
    """Wrap the last dim around."""

    _mode = "circular"


class CircularPad2d(CircularPad1d):
    """Wrap the last two dims around."""

    _dims = 2


class CircularPad3d(CircularPad1d):
    """Wrap the last three dims around."""

    _dims = 3
