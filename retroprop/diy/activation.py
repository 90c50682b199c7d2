"""Activation modules of the report: TanH (alias Tanh), Sigmoide (alias Sigmoid), SoftMax,
LogSoftMax, Threshold and ReLU (a Threshold at 0, as the report derives it).

Each runs one op of ``retroprop.ops.activation``; the derivative is the op's backward.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from retroprop.autograd import Function
from retroprop.diy.module import Module, check_array, check_delta, engine_backward, engine_forward
from retroprop.ops import activation as ops


class _Activation(Module):
    """A parameter-free module that applies one engine op elementwise or along a dim."""

    function: type[Function]

    def _options(self) -> dict[str, Any]:
        return {}

    def forward(self, X: np.ndarray) -> np.ndarray:
        check_array(f"{type(self).__name__}.forward", "X", X)
        return engine_forward(self.function, X, **self._options())

    def backward_delta(self, input: np.ndarray, delta: np.ndarray) -> np.ndarray:
        where = f"{type(self).__name__}.backward_delta"
        check_array(where, "input", input)
        check_delta(where, delta, input.shape)
        (gx,) = engine_backward(self.function, (input,), delta, (True,), **self._options())
        return gx

    def __repr__(self) -> str:
        options = ", ".join(f"{k}={v!r}" for k, v in self._options().items())
        return f"{type(self).__name__}({options})"


class TanH(_Activation):
    """y = tanh(x);  dy/dx = 1 - tanh(x)^2."""

    function = ops.Tanh


Tanh = TanH


class Sigmoide(_Activation):
    """y = 1 / (1 + e^-x);  dy/dx = y (1 - y)."""

    function = ops.Sigmoid


Sigmoid = Sigmoide


def _check_dim(name: str, dim: Any) -> int:
    if not isinstance(dim, int | np.integer):
        raise TypeError(f"{name}: dim must be an integer, got {dim!r}")
    return int(dim)


class SoftMax(_Activation):
    """y_i = e^(x_i - max x) / sum_j e^(x_j - max x) along ``dim`` (each row by default);
    dy_i/dx_j = y_i (1[i = j] - y_j).

    Args:
        dim: the dimension whose entries sum to one (the classes).
    """

    function = ops.Softmax

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = _check_dim("SoftMax", dim)

    def _options(self) -> dict[str, Any]:
        return {"dim": self.dim}


class LogSoftMax(_Activation):
    """y_i = x_i - log sum_j e^(x_j) along ``dim``;  dy_i/dx_j = 1[i = j] - softmax(x)_j.

    Args:
        dim: the dimension of the classes.
    """

    function = ops.LogSoftmax

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = _check_dim("LogSoftMax", dim)

    def _options(self) -> dict[str, Any]:
        return {"dim": self.dim}


class Threshold(_Activation):
    """y = x if x > threshold else value;  dy/dx = 1 if x > threshold else 0.

    Args:
        threshold: the value to exceed.
        value: what replaces the entries at or below ``threshold``.
    """

    function = ops.Threshold

    def __init__(self, threshold: float, value: float) -> None:
        super().__init__()
        self.threshold, self.value = float(threshold), float(value)

    def _options(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "value": self.value}


class ReLU(Threshold):
    """y = max(x, 0): ``Threshold(0, 0)``;  dy/dx = 1 if x > 0 else 0."""

    def __init__(self) -> None:
        super().__init__(0.0, 0.0)

    def __repr__(self) -> str:
        return "ReLU()"
