"""Matrix products: matmul (batched, vectors included) and the fused affine map of Linear."""

from __future__ import annotations

from typing import Any

import numpy as np

from retroprop.autograd import Function
from retroprop.ops._util import operands, unbroadcast


class MatMul(Function):
    """Z = A @ B (NumPy/PyTorch matmul semantics, batch dims broadcast).

    dL/dA = dL/dZ @ B^T,  dL/dB = A^T @ dL/dZ, summed over broadcast batch dims.
    A 1-D A is treated as a row (1, n) and a 1-D B as a column (n, 1), then squeezed.
    """

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if a.ndim == 0 or b.ndim == 0:
            raise RuntimeError(
                f"matmul: both arguments need at least 1 dimension, got shapes {a.shape} "
                f"and {b.shape}"
            )
        if a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
            raise RuntimeError(
                f"matmul: shapes {a.shape} and {b.shape} cannot be multiplied "
                f"({a.shape[-1]} != {b.shape[-2 if b.ndim > 1 else 0]})"
            )
        self.save_for_backward(a, b)
        return np.matmul(a, b)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        a, b = self.saved_values
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        if a.ndim == 1:
            g = np.expand_dims(g, -2)
        if b.ndim == 1:
            g = np.expand_dims(g, -1)
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = unbroadcast(np.matmul(g, np.swapaxes(b2, -1, -2)), a2.shape).reshape(a.shape)
        if self.needs_input_grad[1]:
            gb = unbroadcast(np.matmul(np.swapaxes(a2, -1, -2), g), b2.shape).reshape(b.shape)
        return ga, gb


class Linear(Function):
    """y = x W^T + b, with W of shape (out, in) as PyTorch stores it.

    dL/dx = dL/dy W,  dL/dW = (dL/dy)^T x,  dL/db = sum over rows of dL/dy.
    Leading dims of x are flattened so that each gradient is one matrix product.
    """

    def forward(self, x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
        self.save_for_backward(x, w)
        y = x @ w.T
        if b is not None:
            y += b
        return y

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        x, w = self.saved_values
        needs = self.needs_input_grad
        gx = (g @ w) if needs[0] else None
        g2 = g.reshape(-1, g.shape[-1])
        gw = (g2.T @ x.reshape(-1, x.shape[-1])) if needs[1] else None
        if len(needs) == 2:
            return gx, gw
        gb = g2.sum(axis=0) if needs[2] else None
        return gx, gw, gb


def matmul(a: Any, b: Any) -> Any:
    """Matrix product with PyTorch's ``matmul`` semantics."""
    return MatMul.apply(*operands(a, b))


def linear(x: Any, weight: Any, bias: Any = None) -> Any:
    """``x @ weight.T + bias`` in one node (weight of shape (out, in)).

    Shape: x (*, in), weight (out, in), bias (out,) -> (*, out).
    """
    xs, ws = tuple(x.shape), tuple(weight.shape)
    if len(ws) != 2 or not xs or xs[-1] != ws[1]:
        raise ValueError(
            f"linear: input of shape {xs} does not match weight of shape {ws} "
            f"(expected input (*, {ws[-1] if ws else '?'}))"
        )
    if bias is None:
        return Linear.apply(x, weight)
    if tuple(bias.shape) != (ws[0],):
        raise ValueError(f"linear: bias of shape {tuple(bias.shape)}, expected ({ws[0]},)")
    return Linear.apply(x, weight, bias)
