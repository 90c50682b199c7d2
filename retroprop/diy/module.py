"""The DIY protocol: ``Module`` and ``Loss`` on plain NumPy arrays, with no graph.

A module does not remember its forward: the backward methods receive the module's input
again, and the gradient of the loss with respect to the module's output, ``delta``:

* ``backward_update_gradient(input, delta)`` adds dL/d(parameters) to ``_gradient``;
* ``backward_delta(input, delta)`` returns dL/d(input), the ``delta`` of the module before.

No derivative is written here: each module runs an engine :class:`~retroprop.autograd.Function`
(``retroprop.ops``) on arrays with :func:`engine_forward` / :func:`engine_backward`, so the
DIY library and ``retroprop.nn`` share every formula.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from retroprop.autograd import Function


def engine_forward(function: type[Function], *arrays: np.ndarray, **options: Any) -> np.ndarray:
    """The output of the engine's ``function`` on NumPy arrays (no graph is recorded)."""
    return function().forward(*arrays, **options)


def engine_backward(
    function: type[Function],
    arrays: Sequence[np.ndarray | None],
    delta: np.ndarray,
    needs: Sequence[bool],
    **options: Any,
) -> tuple[np.ndarray | None, ...]:
    """The vector-Jacobian products ``delta^T d function / d arrays[i]`` for each ``needs[i]``.

    One node of the engine is built by hand (what ``Function.apply`` does when it records a
    graph): forward on ``arrays`` to save what the backward reads, then backward on ``delta``.
    One entry per array: None where ``needs`` is False or the array is None (an absent bias,
    passed as None as to the op).
    """
    fn = function()
    fn.input_shapes = tuple(None if a is None else a.shape for a in arrays)
    fn.needs_input_grad = tuple(bool(k) and a is not None for k, a in zip(needs, arrays))
    fn.forward(*arrays, **options)
    grads = fn.backward(delta)
    return grads if isinstance(grads, tuple) else (grads,)


def check_array(where: str, name: str, value: Any, ndim: int | None = None) -> np.ndarray:
    """``value`` itself if it is a floating-point NumPy array (of ``ndim`` dims), else raise."""
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{where}: {name} must be a NumPy array, got {type(value).__name__}")
    if value.dtype.kind != "f":
        raise TypeError(
            f"{where}: {name} must be a floating-point array, got dtype {value.dtype} "
            f"(use {name}.astype(np.float32) or np.float64)"
        )
    if ndim is not None and value.ndim != ndim:
        raise ValueError(f"{where}: {name} must have {ndim} dimensions, got shape {value.shape}")
    return value


def parameter_dtype(where: str, dtype: Any) -> np.dtype:
    """The parameters' dtype: float64 unless ``dtype`` says otherwise, as the report's NumPy
    arrays (``np.random.rand`` gives float64)."""
    dt = np.dtype(np.float64 if dtype is None else dtype)
    if dt.kind != "f":
        raise TypeError(f"{where}: dtype must be a floating dtype (float32, float64), got {dt}")
    return dt


def promote(*arrays: np.ndarray | None) -> tuple[np.ndarray | None, ...]:
    """The arrays in their common NumPy dtype (``np.result_type``: float32 with float64 gives
    float64), as NumPy's own arithmetic would mix them; None entries stay None."""
    dtype = np.result_type(*(a for a in arrays if a is not None))
    return tuple(None if a is None else a.astype(dtype, copy=False) for a in arrays)


def check_delta(where: str, delta: Any, shape: tuple[int, ...]) -> np.ndarray:
    """``delta`` if it is a float array of the module's output ``shape``, else raise."""
    check_array(where, "delta", delta)
    if delta.shape != shape:
        raise ValueError(
            f"{where}: delta must have the shape of the module's output {shape}, got {delta.shape}"
        )
    return delta


class Module:
    """Base class of the DIY modules.

    Attributes:
        _parameters: the learned array (None for a module without parameters).
        _gradient: dL/d(_parameters), accumulated by ``backward_update_gradient``.

    Subclasses write ``forward``, ``backward_delta`` and, when they have parameters,
    ``backward_update_gradient``.
    """

    def __init__(self) -> None:
        self._parameters: np.ndarray | None = None
        self._gradient: np.ndarray | None = None

    def zero_grad(self) -> None:
        """Set the accumulated gradient back to zero."""
        if self._gradient is not None:
            self._gradient[...] = 0

    def forward(self, X: np.ndarray) -> np.ndarray:
        """The module's output for the batch ``X``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement forward")

    def update_parameters(self, gradient_step: float = 1e-3) -> None:
        """One gradient step: ``_parameters -= gradient_step * _gradient``."""
        if self._parameters is not None:
            self._parameters -= float(gradient_step) * self._gradient

    def backward_update_gradient(self, input: np.ndarray, delta: np.ndarray) -> None:
        """Add dL/d(_parameters) to ``_gradient`` (nothing to do without parameters).

        Args:
            input: the input given to ``forward``.
            delta: dL/d(output), of the output's shape.
        """

    def backward_delta(self, input: np.ndarray, delta: np.ndarray) -> np.ndarray:
        """dL/d(input) from ``delta`` = dL/d(output): the delta of the module before."""
        raise NotImplementedError(f"{type(self).__name__} does not implement backward_delta")


class Loss:
    """Base class of the DIY losses.

    ``forward(y, yhat)`` returns one loss per sample, shape (batch,); ``backward(y, yhat)``
    returns the gradient of their sum with respect to ``yhat``, of ``yhat``'s shape: the
    ``delta`` that starts the network's backward pass.
    """

    def forward(self, y: np.ndarray, yhat: np.ndarray) -> np.ndarray:
        """The loss of each sample, shape (batch,)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement forward")

    def backward(self, y: np.ndarray, yhat: np.ndarray) -> np.ndarray:
        """d(sum of the per-sample losses)/d(yhat), of ``yhat``'s shape."""
        raise NotImplementedError(f"{type(self).__name__} does not implement backward")
