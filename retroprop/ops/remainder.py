"""Remainders and floor division: remainder (Python's %), fmod (C's), floor_divide (//).

remainder(a, b) = a - b floor(a / b) is piecewise a - k b, so its derivatives are 1 and
-floor(a / b); fmod uses trunc instead of floor; floor_divide is piecewise constant
(derivative 0), as in PyTorch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from retroprop.autograd import Function
from retroprop.ops._util import operands, unbroadcast
from retroprop.ops.arithmetic import _promote


class Remainder(Function):
    """z = a - b k with k = floor(a / b) (remainder: the sign of b) or trunc(a / b) (fmod:
    the sign of a);  dz/da = 1, dz/db = -k."""

    def forward(self, a: np.ndarray, b: np.ndarray, python: bool = True) -> np.ndarray:
        a, b = _promote(a, b)
        self.python = python
        self.save_for_backward(a, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.remainder(a, b) if python else np.fmod(a, b)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        a, b = self.saved_values
        needs = self.needs_input_grad
        with np.errstate(divide="ignore", invalid="ignore"):
            k = np.floor(a / b) if self.python else np.trunc(a / b)
        ga = unbroadcast(g, a.shape) if needs[0] else None
        gb = unbroadcast(-g * k, b.shape) if needs[1] else None
        return ga, gb


class FloorDivide(Function):
    """z = floor(a / b);  dz/da = dz/db = 0 (piecewise constant)."""

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        a, b = _promote(a, b)
        self.shapes = (a.shape, b.shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.floor_divide(a, b)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        sa, sb = self.shapes
        needs = self.needs_input_grad
        zero_a = np.zeros(sa, g.dtype) if needs[0] else None
        return zero_a, np.zeros(sb, g.dtype) if needs[1] else None


def remainder(input: Any, other: Any) -> Any:
    """Python's ``a % b`` (the result has the sign of ``b``)."""
    return Remainder.apply(*operands(input, other), python=True)


def fmod(input: Any, other: Any) -> Any:
    """C's ``fmod`` (the result has the sign of ``a``)."""
    return Remainder.apply(*operands(input, other), python=False)


def floor_divide(input: Any, other: Any) -> Any:
    """``floor(a / b)``, as Python's ``a // b``."""
    return FloorDivide.apply(*operands(input, other))
