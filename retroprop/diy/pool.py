"""The report's parameter-free CNN layers on channels-last inputs: MaxPool1D, AvgPool1D,
MaxPool2D and Flatten.

The pools run the engine's ``MaxPool`` / ``AvgPool`` ops (channels-first) on transposed
views; Flatten runs the engine's ``Reshape``. No derivative is written here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from retroprop.autograd import Function
from retroprop.diy.conv import channels_first, channels_last, check_size
from retroprop.diy.module import Module, check_array, check_delta, engine_backward, engine_forward
from retroprop.ops import pool
from retroprop.ops.shape import Reshape


class _Pool(Module):
    """Pooling over ``nd`` spatial dims of a channels-last input, windows of k_size with a step
    of stride, no padding."""

    nd: int
    function: type[Function]

    def __init__(self, k_size: int, stride: int | None = None) -> None:
        super().__init__()
        name = type(self).__name__
        self.k_size = check_size(name, "k_size", k_size)
        self.stride = self.k_size if stride is None else check_size(name, "stride", stride)

    def _options(self, where: str, X: Any) -> dict[str, Any]:
        """Check X (batch, *spatial, chan) and describe its windows for the engine's op."""
        check_array(where, "input", X, ndim=self.nd + 2)
        if min(X.shape[1:-1]) < self.k_size:
            raise ValueError(
                f"{where}: the input's spatial size {X.shape[1:-1]} is smaller than the window "
                f"k_size={self.k_size} (input shape {X.shape}, channels last)"
            )
        windows = pool._windows(
            where, channels_first(X), self.k_size, self.stride, 0, 1, False, self.nd
        )
        options: dict[str, Any] = {"windows": windows}
        if self.function is pool.AvgPool:
            options["divisor"] = np.asarray(self.k_size**self.nd, dtype=X.dtype)
        return options

    def _output_shape(self, X: np.ndarray) -> tuple[int, ...]:
        spatial = tuple((n - self.k_size) // self.stride + 1 for n in X.shape[1:-1])
        return (X.shape[0], *spatial, X.shape[-1])

    def forward(self, X: np.ndarray) -> np.ndarray:
        options = self._options(f"{type(self).__name__}.forward", X)
        return channels_last(engine_forward(self.function, channels_first(X), **options))

    def backward_delta(self, input: np.ndarray, delta: np.ndarray) -> np.ndarray:
        where = f"{type(self).__name__}.backward_delta"
        options = self._options(where, input)
        check_delta(where, delta, self._output_shape(input))
        (gx,) = engine_backward(
            self.function, (channels_first(input),), channels_first(delta), (True,), **options
        )
        return channels_last(gx)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(k_size={self.k_size}, stride={self.stride})"


class MaxPool1D(_Pool):
    """y[n, t, c] = max_{i < k_size} X[n, t stride + i, c], the report's ``MaxPool1D``.

    The backward sends each delta to its window's (first) maximum.

    Args:
        k_size: window length.
        stride: step between two windows (default: k_size).

    Shape: X (batch, length, chan) -> (batch, (length - k_size) // stride + 1, chan).
    """

    nd = 1
    function = pool.MaxPool


class AvgPool1D(_Pool):
    """y[n, t, c] = (1 / k_size) sum_{i < k_size} X[n, t stride + i, c], the report's
    ``AvgPool1D``. The backward shares each delta equally over its window.

    Args and shape as :class:`MaxPool1D`.
    """

    nd = 1
    function = pool.AvgPool


class MaxPool2D(_Pool):
    """y[n, h, w, c] = max_{i, j < k_size} X[n, h stride + i, w stride + j, c], the report's
    ``MaxPool2D`` (square windows).

    Args:
        k_size: window height and width.
        stride: step between two windows along both axes (default: k_size).

    Shape: X (batch, height, width, chan) -> (batch, height_out, width_out, chan),
    size_out = (size - k_size) // stride + 1.
    """

    nd = 2
    function = pool.MaxPool


class Flatten(Module):
    """(batch, d1, d2, ...) -> (batch, d1 d2 ...), row-major: with channels last, the
    channels of a position are adjacent. The backward reshapes delta back.

    Example::

        Flatten().forward(np.zeros((20, 7, 7, 32), np.float32)).shape   # (20, 1568)
    """

    def _shape(self, where: str, X: Any) -> tuple[int, int]:
        check_array(where, "input", X)
        if X.ndim < 1:
            raise ValueError(f"{where}: input must have a batch dimension, got shape {X.shape}")
        return (X.shape[0], int(np.prod(X.shape[1:])))

    def forward(self, X: np.ndarray) -> np.ndarray:
        return engine_forward(Reshape, X, shape=self._shape("Flatten.forward", X))

    def backward_delta(self, input: np.ndarray, delta: np.ndarray) -> np.ndarray:
        shape = self._shape("Flatten.backward_delta", input)
        check_delta("Flatten.backward_delta", delta, shape)
        (gx,) = engine_backward(Reshape, (input,), delta, (True,), shape=shape)
        return gx

    def __repr__(self) -> str:
        return "Flatten()"
