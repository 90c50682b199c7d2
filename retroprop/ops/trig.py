"""Trigonometric and hyperbolic functions beyond sin / cos: tan, asin, acos, atan, atan2,
sinh, cosh, asinh, acosh, atanh. Each backward is the textbook derivative."""

from __future__ import annotations

from typing import Any

import numpy as np

from retroprop.autograd import Function
from retroprop.ops._util import operands, unbroadcast
from retroprop.ops.arithmetic import _floating, _promote

# name -> (forward, derivative as a function of x and of the output y)
_UNARY = {
    "tan": (np.tan, lambda x, y: 1 + y * y),
    "asin": (np.arcsin, lambda x, y: 1 / np.sqrt(1 - x * x)),
    "acos": (np.arccos, lambda x, y: -1 / np.sqrt(1 - x * x)),
    "atan": (np.arctan, lambda x, y: 1 / (1 + x * x)),
    "sinh": (np.sinh, lambda x, y: np.cosh(x)),
    "cosh": (np.cosh, lambda x, y: np.sinh(x)),
    "asinh": (np.arcsinh, lambda x, y: 1 / np.sqrt(x * x + 1)),
    "acosh": (np.arccosh, lambda x, y: 1 / np.sqrt(x * x - 1)),
    "atanh": (np.arctanh, lambda x, y: 1 / (1 - x * x)),
}


class Unary(Function):
    """y = f(x) for f in tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh;
    dy/dx = tan: 1 + tan^2 x,  asin: 1/sqrt(1 - x^2),  acos: -1/sqrt(1 - x^2),
    atan: 1/(1 + x^2),  sinh: cosh x,  cosh: sinh x,  asinh: 1/sqrt(x^2 + 1),
    acosh: 1/sqrt(x^2 - 1),  atanh: 1/(1 - x^2)."""

    def forward(self, x: np.ndarray, name: str = "tan") -> np.ndarray:
        self.name = name
        with np.errstate(invalid="ignore", divide="ignore"):
            out = _UNARY[name][0](x)
        self.save_for_backward(x, out)
        return out

    def backward(self, g: np.ndarray) -> np.ndarray:
        x, out = self.saved_values
        with np.errstate(invalid="ignore", divide="ignore"):
            return g * _UNARY[self.name][1](x, out)


class Atan2(Function):
    """z = atan2(a, b), the angle of the point (b, a);
    dz/da = b / (a^2 + b^2),  dz/db = -a / (a^2 + b^2)."""

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        a, b = _promote(a, b)
        self.save_for_backward(a, b)
        return np.arctan2(a, b)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        a, b = self.saved_values
        r2 = a * a + b * b
        needs = self.needs_input_grad
        ga = unbroadcast(g * b / r2, a.shape) if needs[0] else None
        gb = unbroadcast(-g * a / r2, b.shape) if needs[1] else None
        return ga, gb


def _unary(name: str, input: Any) -> Any:
    return Unary.apply(_floating(input), name=name)


def tan(input: Any) -> Any:
    """Tangent."""
    return _unary("tan", input)


def asin(input: Any) -> Any:
    """Inverse sine, on [-1, 1]."""
    return _unary("asin", input)


def acos(input: Any) -> Any:
    """Inverse cosine, on [-1, 1]."""
    return _unary("acos", input)


def atan(input: Any) -> Any:
    """Inverse tangent."""
    return _unary("atan", input)


def sinh(input: Any) -> Any:
    """Hyperbolic sine."""
    return _unary("sinh", input)


def cosh(input: Any) -> Any:
    """Hyperbolic cosine."""
    return _unary("cosh", input)


def asinh(input: Any) -> Any:
    """Inverse hyperbolic sine."""
    return _unary("asinh", input)


def acosh(input: Any) -> Any:
    """Inverse hyperbolic cosine, on [1, inf)."""
    return _unary("acosh", input)


def atanh(input: Any) -> Any:
    """Inverse hyperbolic tangent, on (-1, 1)."""
    return _unary("atanh", input)


def atan2(input: Any, other: Any) -> Any:
    """The angle of the point (other, input) in (-pi, pi]."""
    a, b = operands(input, other)
    return Atan2.apply(_floating(a), _floating(b))
