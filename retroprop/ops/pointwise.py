"""More elementwise functions: square, reciprocal, rsqrt, expm1, log2, log10, erf, erfinv,
logaddexp, lerp, addcmul / addcdiv, clamp_min / clamp_max, nan_to_num, and the rounding
family floor / ceil / round / trunc / frac.

Each is one Function whose backward is the local derivative times the incoming gradient.
The rounding functions are piecewise constant: their derivative is 0 (where it exists), as in
PyTorch, except ``frac(x) = x - trunc(x)`` whose derivative is 1.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from retroprop.autograd import Function
from retroprop.ops import arithmetic as ar
from retroprop.ops._util import operands, unbroadcast
from retroprop.ops.arithmetic import _floating, _promote
from retroprop.ops.special import _erfc_continued_fraction as _erfc_cf
from retroprop.ops.special import erf as _erf
from retroprop.tensor import Tensor

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


class Square(Function):
    """z = x^2;  dz/dx = 2x."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.save_for_backward(x)
        return x * x

    def backward(self, g: np.ndarray) -> np.ndarray:
        (x,) = self.saved_values
        return g * 2 * x


class Reciprocal(Function):
    """z = 1/x;  dz/dx = -1/x^2 = -z^2."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            out = np.reciprocal(x)
        self.save_for_backward(out)
        return out

    def backward(self, g: np.ndarray) -> np.ndarray:
        (out,) = self.saved_values
        return -g * out * out


class Rsqrt(Function):
    """z = x^(-1/2);  dz/dx = -x^(-3/2) / 2 = -z^3 / 2."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            out = 1 / np.sqrt(x)
        self.save_for_backward(out)
        return out

    def backward(self, g: np.ndarray) -> np.ndarray:
        (out,) = self.saved_values
        return -0.5 * g * out * out * out


class Expm1(Function):
    """z = e^x - 1 (accurate near 0);  dz/dx = e^x = z + 1."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        out = np.expm1(x)
        self.save_for_backward(out)
        return out

    def backward(self, g: np.ndarray) -> np.ndarray:
        (out,) = self.saved_values
        return g * (out + 1)


class LogBase(Function):
    """z = log_b x = ln x / ln b (b = 2 or 10);  dz/dx = 1 / (x ln b)."""

    def forward(self, x: np.ndarray, base: int = 2) -> np.ndarray:
        self.save_for_backward(x)
        self.base = base
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log2(x) if base == 2 else np.log10(x)

    def backward(self, g: np.ndarray) -> np.ndarray:
        (x,) = self.saved_values
        return g / (x * x.dtype.type(math.log(self.base)))


class Erf(Function):
    """z = erf(x) = 2/sqrt(pi) int_0^x e^(-t^2) dt;  dz/dx = 2/sqrt(pi) e^(-x^2)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.save_for_backward(x)
        return _erf(x)

    def backward(self, g: np.ndarray) -> np.ndarray:
        (x,) = self.saved_values
        return g * (_TWO_OVER_SQRT_PI * np.exp(-x * x)).astype(x.dtype, copy=False)


def _erf_residual(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """erf(x) - y, float64. Beyond |x| = 2 (|y| > 0.995) it is computed as
    sign(y) ((1 - |y|) - erfc(|x|)): 1 - |y| is exact there and erfc keeps its relative
    precision, where erf(x) - y would lose the digits that fix x."""
    out = _erf(x) - y
    far = np.flatnonzero(np.abs(x) >= 2.0)
    xf, yf = x.ravel()[far], y.ravel()[far]
    out.ravel()[far] = np.sign(yf) * ((1 - np.abs(yf)) - _erfc_cf(np.abs(xf), 20))
    return out


def _erfinv(y: np.ndarray) -> np.ndarray:
    """erf^-1(y): Winitzki's closed form (relative error ~2e-3) refined by Halley steps for
    f(x) = erf(x) - y, in float64. With f' = 2/sqrt(pi) e^(-x^2) and f'' = -2x f', Halley's
    x <- x - 2 f f' / (2 f'^2 - f f'') becomes x <- x - u / (1 + x u), u = f / f'; each step
    cubes the error, so two reach float64 precision. erfinv(+-1) = +-inf, |y| > 1 gives NaN."""
    y64 = y.astype(np.float64)
    a = 0.147
    with np.errstate(divide="ignore", invalid="ignore"):
        ln = np.log1p(-y64 * y64)
        t = 2 / (math.pi * a) + ln / 2
        x = np.copysign(np.sqrt(np.sqrt(t * t - ln / a) - t), y64)
        inside = np.abs(y64) < 1
        xi = np.where(inside, x, 0.0)
        for _ in range(2):
            u = _erf_residual(xi, y64) / (_TWO_OVER_SQRT_PI * np.exp(-xi * xi))
            xi = xi - u / (1 + xi * u)
        out = np.where(inside, xi, np.where(np.abs(y64) == 1, np.copysign(np.inf, y64), np.nan))
    return out.astype(y.dtype)


class Erfinv(Function):
    """z = erf^-1(x) on (-1, 1);  dz/dx = 1 / erf'(z) = sqrt(pi)/2 e^(z^2)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        out = _erfinv(x)
        self.save_for_backward(out)
        return out

    def backward(self, g: np.ndarray) -> np.ndarray:
        (out,) = self.saved_values
        with np.errstate(over="ignore"):
            return g * (np.exp(out * out) / _TWO_OVER_SQRT_PI).astype(out.dtype, copy=False)


class LogAddExp(Function):
    """z = log(e^a + e^b) = m + log(e^(a-m) + e^(b-m)), m = max(a, b) (no overflow);
    dz/da = e^(a-z) = sigmoid(a - b), dz/db = e^(b-z)."""

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        a, b = _promote(a, b)
        out = np.logaddexp(a, b)
        self.save_for_backward(a, b, out)
        return out

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        a, b, out = self.saved_values
        needs = self.needs_input_grad
        with np.errstate(invalid="ignore"):
            ga = unbroadcast(g * np.exp(a - out), a.shape) if needs[0] else None
            gb = unbroadcast(g * np.exp(b - out), b.shape) if needs[1] else None
        return ga, gb


class Lerp(Function):
    """z = a + w (b - a);  dz/da = 1 - w, dz/db = w, dz/dw = b - a."""

    def forward(self, a: np.ndarray, b: np.ndarray, w: np.ndarray) -> np.ndarray:
        a, b = _promote(a, b)
        w = w.astype(a.dtype, copy=False)
        self.save_for_backward(a, b, w)
        return a + w * (b - a)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        a, b, w = self.saved_values
        needs = self.needs_input_grad
        ga = unbroadcast(g * (1 - w), a.shape) if needs[0] else None
        gb = unbroadcast(g * w, b.shape) if needs[1] else None
        gw = unbroadcast(g * (b - a), w.shape) if needs[2] else None
        return ga, gb, gw


class NanToNum(Function):
    """z = x with NaN, +inf and -inf replaced by numbers;  dz/dx = 1 where x is finite, else 0."""

    def forward(
        self,
        x: np.ndarray,
        nan: float = 0.0,
        posinf: float | None = None,
        neginf: float | None = None,
    ) -> np.ndarray:
        self.save_for_backward(np.isfinite(x))
        return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    def backward(self, g: np.ndarray) -> np.ndarray:
        (finite,) = self.saved_values
        return g * finite


class Rounding(Function):
    """z = floor / ceil / round (half to even) / trunc of x;  dz/dx = 0 (piecewise constant)."""

    def forward(self, x: np.ndarray, how: str = "floor", decimals: int = 0) -> np.ndarray:
        if how == "round":
            return np.round(x, decimals)
        return getattr(np, how)(x)

    def backward(self, g: np.ndarray) -> np.ndarray:
        return np.zeros_like(g)


class Frac(Function):
    """z = x - trunc(x) (keeps the sign of x);  dz/dx = 1."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x - np.trunc(x)

    def backward(self, g: np.ndarray) -> np.ndarray:
        return g


def square(input: Any) -> Any:
    """``input ** 2`` elementwise (integers stay integers, as in PyTorch)."""
    return Square.apply(input)


def reciprocal(input: Any) -> Any:
    """``1 / input`` elementwise; integers give float32."""
    return Reciprocal.apply(_floating(input))


def rsqrt(input: Any) -> Any:
    """``1 / sqrt(input)`` elementwise; integers give float32."""
    return Rsqrt.apply(_floating(input))


def expm1(input: Any) -> Any:
    """``exp(input) - 1``, accurate for small inputs."""
    return Expm1.apply(_floating(input))


def log2(input: Any) -> Any:
    """Base-2 logarithm."""
    return LogBase.apply(_floating(input), base=2)


def log10(input: Any) -> Any:
    """Base-10 logarithm."""
    return LogBase.apply(_floating(input), base=10)


def erf(input: Any) -> Any:
    """The error function ``2/sqrt(pi) int_0^x exp(-t^2) dt``."""
    return Erf.apply(_floating(input))


def erfinv(input: Any) -> Any:
    """The inverse error function on (-1, 1): ``erf(erfinv(y)) = y``; +-1 give +-inf."""
    return Erfinv.apply(_floating(input))


def logaddexp(input: Any, other: Any) -> Any:
    """``log(exp(input) + exp(other))`` without overflow."""
    a, b = operands(input, other)
    return LogAddExp.apply(_floating(a), _floating(b))


def lerp(input: Any, end: Any, weight: Any) -> Any:
    """Linear interpolation ``input + weight * (end - input)``; ``weight`` a number or tensor."""
    a, b = operands(input, end)
    if a.dtype.kind != "f" or b.dtype.kind != "f":
        raise TypeError(f"lerp: expected floating tensors, got {a.dtype} and {b.dtype}")
    w = weight if isinstance(weight, Tensor) else Tensor(np.asarray(weight, dtype=a.dtype))
    return Lerp.apply(a, b, w)


def addcmul(input: Any, tensor1: Any, tensor2: Any, *, value: float = 1) -> Any:
    """``input + value * tensor1 * tensor2`` (composed from mul and add)."""
    return ar.add(input, ar.mul(ar.mul(tensor1, tensor2), value))


def addcdiv(input: Any, tensor1: Any, tensor2: Any, *, value: float = 1) -> Any:
    """``input + value * tensor1 / tensor2`` (composed from div, mul and add)."""
    return ar.add(input, ar.mul(ar.div(tensor1, tensor2), value))


def clamp_min(input: Any, min: float) -> Any:
    """``clamp(input, min=min)``."""
    return ar.clamp(input, min=min)


def clamp_max(input: Any, max: float) -> Any:
    """``clamp(input, max=max)``."""
    return ar.clamp(input, max=max)


def nan_to_num(
    input: Any, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
) -> Any:
    """Replace NaN by ``nan`` and +-inf by ``posinf`` / ``neginf`` (default: the dtype's
    largest / lowest finite value)."""
    return NanToNum.apply(input, nan=nan, posinf=posinf, neginf=neginf)


def _round_kind(input: Any, how: str, decimals: int = 0) -> Any:
    x = input if isinstance(input, Tensor) else Tensor(input)
    if x.dtype.kind != "f":
        if decimals:
            raise TypeError(f"round: decimals= needs a floating tensor, got dtype {x.dtype}")
        return Tensor._wrap(np.asarray(x).copy())
    return Rounding.apply(x, how=how, decimals=decimals)


def floor(input: Any) -> Any:
    """Largest integer <= input (as a float of the input's dtype); gradient 0."""
    return _round_kind(input, "floor")


def ceil(input: Any) -> Any:
    """Smallest integer >= input; gradient 0."""
    return _round_kind(input, "ceil")


def trunc(input: Any) -> Any:
    """Integer part, rounded toward 0; gradient 0."""
    return _round_kind(input, "trunc")


def round(input: Any, *, decimals: int = 0) -> Any:
    """Round half to even (as PyTorch and NumPy) to ``decimals`` places; gradient 0."""
    return _round_kind(input, "round", decimals)


def frac(input: Any) -> Any:
    """Fractional part ``input - trunc(input)`` (its sign is the input's); gradient 1."""
    x = input if isinstance(input, Tensor) else Tensor(input)
    if x.dtype.kind != "f":
        raise TypeError(f"frac: expected a floating tensor, got dtype {x.dtype}")
    return Frac.apply(x)
