"""Linear: the affine map ``y = X W + b`` with the report's (input, output) weight layout, and
BiasedModule, the weight-and-bias bookkeeping it shares with the convolutions."""

from __future__ import annotations

from typing import Any

import numpy as np

from retroprop import random
from retroprop.diy.module import Module, check_array, check_delta, engine_backward, engine_forward
from retroprop.ops.linalg import Linear as LinearFunction
from retroprop.tensor import get_default_dtype


class BiasedModule(Module):
    """A module whose parameters are a weight and an optional additive bias.

    Attributes (beside ``_parameters``, the weight, and ``_gradient``, dL/d_parameters):
        _bias: the bias, or None.  _gradient_bias: dL/d_bias, or None.

    ``zero_grad`` and ``update_parameters`` treat the bias as they treat the weight.
    """

    def __init__(self, weight: np.ndarray, bias: np.ndarray | None) -> None:
        super().__init__()
        self._parameters = weight
        self._gradient = np.zeros_like(weight)
        self._bias = bias
        self._gradient_bias = None if bias is None else np.zeros_like(bias)

    def zero_grad(self) -> None:
        super().zero_grad()
        if self._gradient_bias is not None:
            self._gradient_bias[...] = 0

    def update_parameters(self, gradient_step: float = 1e-3) -> None:
        super().update_parameters(gradient_step)
        if self._bias is not None:
            self._bias -= float(gradient_step) * self._gradient_bias


class Linear(BiasedModule):
    """y = X W + b, W of shape (input, output): ``nn.Linear``'s weight transposed.

    The engine's ``Linear`` op (weight (out, in)) computes it on ``W.T``, a view; its
    gradient (out, in) is transposed back. Initialisation as in the report:
    ``2 * (rand(input, output) - 0.5)``, i.e. U(-1, 1), and the bias drawn the same way
    (the report does not say how it drew the bias).

    Args:
        input: number of input features.
        output: number of output features.
        bias: learn an additive bias.
        dtype: dtype of the parameters (default: ``rp.get_default_dtype()``).

    Attributes:
        _parameters: W, (input, output).  _gradient: dL/dW, (input, output).
        _bias: b, (output,), or None.  _gradient_bias: dL/db, (output,), or None.

    Shape: X (batch, input) -> (batch, output).

    Example::

        layer = Linear(2, 4)
        layer.forward(np.zeros((8, 2), np.float32)).shape   # (8, 4)
    """

    def __init__(self, input: int, output: int, bias: bool = True, dtype: Any = None) -> None:
        for name, n in (("input", input), ("output", output)):
            if not isinstance(n, int | np.integer) or n <= 0:
                raise ValueError(f"Linear: {name} must be a positive integer, got {n!r}")
        self.input, self.output = int(input), int(output)
        dt = np.dtype(get_default_dtype() if dtype is None else dtype)
        rng = random.default_generator
        W = (2 * (rng.random((self.input, self.output)) - 0.5)).astype(dt)
        b = (2 * (rng.random(self.output) - 0.5)).astype(dt) if bias else None
        super().__init__(W, b)

    def _check_input(self, where: str, X: Any) -> np.ndarray:
        check_array(where, "input", X, ndim=2)
        if X.shape[1] != self.input:
            raise ValueError(
                f"{where}: expected an input of shape (batch, {self.input}), got {X.shape}"
            )
        if X.dtype != self._parameters.dtype:
            raise TypeError(
                f"{where}: input has dtype {X.dtype} but the parameters have dtype "
                f"{self._parameters.dtype}; convert one of them"
            )
        return X

    def forward(self, X: np.ndarray) -> np.ndarray:
        self._check_input("Linear.forward", X)
        return engine_forward(LinearFunction, X, self._parameters.T, self._bias)

    def backward_update_gradient(self, input: np.ndarray, delta: np.ndarray) -> None:
        """_gradient += X^T delta (the engine's dL/dW^T = delta^T X, transposed);
        _gradient_bias += sum of delta's rows."""
        self._check_input("Linear.backward_update_gradient", input)
        check_delta("Linear.backward_update_gradient", delta, (input.shape[0], self.output))
        _, gw, gb = engine_backward(
            LinearFunction,
            (input, self._parameters.T, self._bias),
            delta,
            (False, True, self._bias is not None),
        )
        self._gradient += gw.T
        if gb is not None:
            self._gradient_bias += gb

    def backward_delta(self, input: np.ndarray, delta: np.ndarray) -> np.ndarray:
        """dL/dX = delta W^T."""
        self._check_input("Linear.backward_delta", input)
        check_delta("Linear.backward_delta", delta, (input.shape[0], self.output))
        (gx, *_) = engine_backward(
            LinearFunction,
            (input, self._parameters.T, self._bias),
            delta,
            (True, False, False),
        )
        return gx

    def __repr__(self) -> str:
        return f"Linear(input={self.input}, output={self.output}, bias={self._bias is not None})"
