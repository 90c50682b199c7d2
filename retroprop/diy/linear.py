"""Linear: the affine map ``y = X W + b`` with the report's (input, output) weight layout, and
BiasedModule, the weight-and-bias bookkeeping it shares with the convolutions."""

from __future__ import annotations

from typing import Any

import numpy as np

from retroprop import random
from retroprop.diy.module import (
    Module,
    check_array,
    check_delta,
    engine_backward,
    engine_forward,
    parameter_dtype,
    promote,
)
from retroprop.ops.linalg import Linear as LinearFunction


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


INITS = ("report", "uniform")


class Linear(BiasedModule):
    """y = X W + b, W of shape (input, output): ``nn.Linear``'s weight transposed.

    The engine's ``Linear`` op (weight (out, in)) computes it on ``W.T``, a view; its
    gradient (out, in) is transposed back. Inputs of another float dtype than the
    parameters are promoted as NumPy does (float32 with float64 computes in float64); the
    delta returned to the module before has that module's output dtype.

    The report's two initialisations (its section 6.1 compares them):

    * ``init="report"`` (default): ``2 * (rand(input, output) - 0.5)``, i.e. U(-1, 1); the
      bias is drawn the same way (the report does not say how it drew the bias);
    * ``init="uniform"``: U(-1/sqrt(input), 1/sqrt(input)), the report's "uniform"
      initialisation and ``nn.Linear``'s default, for the weight and the bias.

    Args:
        input: number of input features.
        output: number of output features.
        bias: learn an additive bias.
        init: ``"report"`` or ``"uniform"``, as above.
        dtype: dtype of the parameters (default float64, the report's NumPy arrays).

    Attributes:
        _parameters: W, (input, output).  _gradient: dL/dW, (input, output).
        _bias: b, (output,), or None.  _gradient_bias: dL/db, (output,), or None.

    Shape: X (batch, input) -> (batch, output).

    Example::

        layer = Linear(2, 4, init="uniform")
        layer.forward(np.zeros((8, 2))).shape   # (8, 4)
    """

    def __init__(
        self, input: int, output: int, bias: bool = True, init: str = "report", dtype: Any = None
    ) -> None:
        for name, n in (("input", input), ("output", output)):
            if isinstance(n, bool) or not isinstance(n, int | np.integer) or n <= 0:
                raise ValueError(f"Linear: {name} must be a positive integer, got {n!r}")
        if init not in INITS:
            raise ValueError(f"Linear: init must be one of {INITS}, got {init!r}")
        self.input, self.output, self.init = int(input), int(output), init
        dt = parameter_dtype("Linear", dtype)
        bound = 1.0 if init == "report" else 1 / np.sqrt(self.input)
        rng = random.default_generator
        W = (bound * 2 * (rng.random((self.input, self.output)) - 0.5)).astype(dt)
        b = (bound * 2 * (rng.random(self.output) - 0.5)).astype(dt) if bias else None
        super().__init__(W, b)

    def _arrays(self, where: str, X: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """X, W^T and b, checked and promoted to their common dtype."""
        check_array(where, "input", X, ndim=2)
        if X.shape[1] != self.input:
            raise ValueError(
                f"{where}: expected an input of shape (batch, {self.input}), got {X.shape}"
            )
        X, W, b = promote(X, self._parameters, self._bias)
        return X, W.T, b

    def forward(self, X: np.ndarray) -> np.ndarray:
        return engine_forward(LinearFunction, *self._arrays("Linear.forward", X))

    def backward_update_gradient(self, input: np.ndarray, delta: np.ndarray) -> None:
        """_gradient += X^T delta (the engine's dL/dW^T = delta^T X, transposed);
        _gradient_bias += sum of delta's rows."""
        where = "Linear.backward_update_gradient"
        arrays = self._arrays(where, input)
        check_delta(where, delta, (input.shape[0], self.output))
        _, gw, gb = engine_backward(
            LinearFunction,
            arrays,
            delta.astype(arrays[0].dtype, copy=False),
            (False, True, self._bias is not None),
        )
        self._gradient += gw.T
        if gb is not None:
            self._gradient_bias += gb

    def backward_delta(self, input: np.ndarray, delta: np.ndarray) -> np.ndarray:
        """dL/dX = delta W^T, in the input's dtype."""
        arrays = self._arrays("Linear.backward_delta", input)
        check_delta("Linear.backward_delta", delta, (input.shape[0], self.output))
        (gx, *_) = engine_backward(
            LinearFunction,
            arrays,
            delta.astype(arrays[0].dtype, copy=False),
            (True, False, False),
        )
        return gx.astype(input.dtype, copy=False)

    def __repr__(self) -> str:
        return (
            f"Linear(input={self.input}, output={self.output}, bias={self._bias is not None}, "
            f"init={self.init!r})"
        )
