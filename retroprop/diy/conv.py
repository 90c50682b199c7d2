"""The report's convolutions on channels-last inputs: Conv1D and Conv2D.

The report lays out a sequence as (batch, length, chan_in) and an image as
(batch, height, width, chan_in), and stores the kernel as (k_size, chan_in, chan_out) or
(k_size, k_size, chan_in, chan_out). The engine's ``Convolution`` op (im2col, one GEMM,
col2im) works channels-first with PyTorch's (chan_out, chan_in, k...) weight. Each module
transposes its arrays into the engine's layout (views), runs the op's forward or backward,
and transposes the results back: no derivative is written here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from retroprop import random
from retroprop.diy.linear import BiasedModule
from retroprop.diy.module import (
    check_array,
    check_delta,
    engine_backward,
    engine_forward,
    parameter_dtype,
    promote,
)
from retroprop.ops.conv import Convolution


def check_size(name: str, arg: str, value: Any) -> int:
    """``value`` as an int if it is a positive integer, else raise naming ``name`` and ``arg``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value <= 0:
        raise ValueError(f"{name}: {arg} must be a positive integer, got {value!r}")
    return int(value)


def channels_first(X: np.ndarray) -> np.ndarray:
    """(batch, *spatial, chan) -> (batch, chan, *spatial), a view."""
    return np.moveaxis(X, -1, 1)


def channels_last(Y: np.ndarray) -> np.ndarray:
    """(batch, chan, *spatial) -> (batch, *spatial, chan), a view."""
    return np.moveaxis(Y, 1, -1)


class _Conv(BiasedModule):
    """A convolution over ``nd`` spatial dims of a channels-last input (the report's layout).

    Attributes:
        _parameters: the kernel, (k_size,) * nd + (chan_in, chan_out).
        _gradient: dL/d_parameters, same shape.
        _bias: (chan_out,) or None.  _gradient_bias: dL/d_bias or None.
    """

    nd: int

    def __init__(
        self,
        k_size: int,
        chan_in: int,
        chan_out: int,
        stride: int = 1,
        bias: bool = True,
        dtype: Any = None,
    ) -> None:
        name = type(self).__name__
        self.k_size = check_size(name, "k_size", k_size)
        self.chan_in = check_size(name, "chan_in", chan_in)
        self.chan_out = check_size(name, "chan_out", chan_out)
        self.stride = check_size(name, "stride", stride)
        dt = parameter_dtype(name, dtype)
        # the report's conclusion: uniform(-bound, bound, (k_size, chan_in, chan_out)) with
        # bound = 1/sqrt(chan_in k_size), PyTorch's default; it says nothing of the bias or
        # of Conv2D: the same bound for the bias, fan_in = chan_in k_size^2 in 2-d, as PyTorch
        bound = 1 / np.sqrt(self.chan_in * self.k_size**self.nd)
        rng = random.default_generator
        W = (bound * (2 * rng.random(self.weight_shape) - 1)).astype(dt)
        b = (bound * (2 * rng.random(self.chan_out) - 1)).astype(dt) if bias else None
        super().__init__(W, b)

    @property
    def weight_shape(self) -> tuple[int, ...]:
        """The report's kernel layout: (k_size,) * nd + (chan_in, chan_out)."""
        return (self.k_size,) * self.nd + (self.chan_in, self.chan_out)

    def _options(self) -> dict[str, Any]:
        stride = (1, self.stride) if self.nd == 1 else (self.stride, self.stride)
        return {"stride": stride, "pad": (0, 0, 0, 0), "dilation": (1, 1), "groups": 1}

    def _engine_weight(self, where: str) -> np.ndarray:
        """The kernel in the engine's layout (chan_out, chan_in, k...), a view."""
        W = self._parameters
        if W.shape != self.weight_shape:
            raise ValueError(
                f"{where}: _parameters must have the shape (k_size, ..., chan_in, chan_out) "
                f"{self.weight_shape}, got {W.shape}"
            )
        return W.transpose(self.nd + 1, self.nd, *range(self.nd))

    def _output_shape(self, X: np.ndarray) -> tuple[int, ...]:
        spatial = tuple((n - self.k_size) // self.stride + 1 for n in X.shape[1:-1])
        return (X.shape[0], *spatial, self.chan_out)

    def _check_input(self, where: str, X: Any) -> np.ndarray:
        check_array(where, "input", X, ndim=self.nd + 2)
        layout = "(batch, length, chan_in)" if self.nd == 1 else "(batch, height, width, chan_in)"
        if X.shape[-1] != self.chan_in:
            raise ValueError(
                f"{where}: expected a channels-last input {layout} with chan_in={self.chan_in}, "
                f"got shape {X.shape}"
            )
        if min(X.shape[1:-1]) < self.k_size:
            raise ValueError(
                f"{where}: the input's spatial size {X.shape[1:-1]} is smaller than the kernel "
                f"k_size={self.k_size} (input shape {X.shape})"
            )
        return X

    def _arrays(self, where: str, X: np.ndarray) -> tuple[np.ndarray | None, ...]:
        """X channels-first, the kernel in the engine's layout and the bias, checked and
        promoted to their common dtype (as NumPy mixes float32 and float64)."""
        self._check_input(where, X)
        return promote(channels_first(X), self._engine_weight(where), self._bias)

    def forward(self, X: np.ndarray) -> np.ndarray:
        arrays = self._arrays(f"{type(self).__name__}.forward", X)
        return channels_last(engine_forward(Convolution, *arrays, **self._options()))

    def backward_update_gradient(self, input: np.ndarray, delta: np.ndarray) -> None:
        """_gradient += dL/dW (the engine's G_rows cols^T, transposed to the report's layout);
        _gradient_bias += the sum of delta over the batch and the positions."""
        where = f"{type(self).__name__}.backward_update_gradient"
        arrays = self._arrays(where, input)
        check_delta(where, delta, self._output_shape(input))
        needs = (False, True, self._bias is not None)
        delta = channels_first(delta).astype(arrays[0].dtype, copy=False)
        _, gw, gb = engine_backward(Convolution, arrays, delta, needs, **self._options())
        self._gradient += gw.transpose(*range(2, self.nd + 2), 1, 0)
        if gb is not None:
            self._gradient_bias += gb

    def backward_delta(self, input: np.ndarray, delta: np.ndarray) -> np.ndarray:
        """dL/dX: the engine's col2im(W^T G_rows), back in the channels-last layout and the
        input's dtype."""
        where = f"{type(self).__name__}.backward_delta"
        arrays = self._arrays(where, input)
        check_delta(where, delta, self._output_shape(input))
        needs = (True, False, False)
        delta = channels_first(delta).astype(arrays[0].dtype, copy=False)
        gx, *_ = engine_backward(Convolution, arrays, delta, needs, **self._options())
        return channels_last(gx).astype(input.dtype, copy=False)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(k_size={self.k_size}, chan_in={self.chan_in}, "
            f"chan_out={self.chan_out}, stride={self.stride}, bias={self._bias is not None})"
        )


class Conv1D(_Conv):
    """1-d convolution of a channels-last sequence, the report's ``Conv1D``:

        y[n, t, o] = b[o] + sum_{i, c} W[i, c, o] X[n, t stride + i, c]

    (no padding). ``_parameters`` is ``nn.Conv1d``'s weight transposed by (2, 1, 0).
    Initialisation (the report's conclusion, PyTorch's default): U(-1/sqrt(chan_in k_size),
    +1/sqrt(chan_in k_size)) for the kernel and the bias.

    Args:
        k_size: kernel length.
        chan_in: input channels.
        chan_out: output channels.
        stride: step between two windows.
        bias: learn an additive bias per output channel.
        dtype: dtype of the parameters (default float64, as the report's arrays).

    Shape: X (batch, length, chan_in) -> (batch, (length - k_size) // stride + 1, chan_out).

    Example (the report's iris model)::

        Sequential(Conv1D(2, 1, 16), MaxPool1D(2, 2), Flatten(), Linear(16, 3), SoftMax())
    """

    nd = 1


class Conv2D(_Conv):
    """2-d convolution of a channels-last image, the report's ``Conv2D``:

        y[n, h, w, o] = b[o] + sum_{i, j, c} W[i, j, c, o] X[n, h stride + i, w stride + j, c]

    (square kernel, no padding). ``_parameters`` is ``nn.Conv2d``'s weight transposed by
    (2, 3, 1, 0). Initialised as :class:`Conv1D`, with fan_in = chan_in k_size^2.

    Args:
        k_size: kernel height and width.
        chan_in: input channels.
        chan_out: output channels.
        stride: step between two windows, along both axes.
        bias: learn an additive bias per output channel.
        dtype: dtype of the parameters (default float64, as the report's arrays).

    Shape: X (batch, height, width, chan_in) -> (batch, height_out, width_out, chan_out),
    size_out = (size - k_size) // stride + 1.

    Example (the report's USPS model on 16x16 images)::

        Sequential(Conv2D(3, 1, 32), MaxPool2D(2, 2), Flatten(), Linear(1568, 100), ReLU(),
                   Linear(100, 10), SoftMax())
    """

    nd = 2
