"""Elementwise arithmetic: + - * / ** neg, exp log log1p sqrt abs sign sin cos, clamp,
maximum minimum where, casts and comparisons.

Binary ops broadcast like NumPy; their backward sums the gradient back to each input's
shape (:func:`unbroadcast`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from retroprop.autograd import Function
from retroprop.ops._util import operands, unbroadcast
from retroprop.ops.logic import nonzero
from retroprop.tensor import Tensor, get_default_dtype


def _promote(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An integer or bool array next to a float array takes the float's dtype, and a 0-d float
    array next to one with dims takes its dtype (PyTorch's promotion rules)."""
    ka, kb = a.dtype.kind, b.dtype.kind
    if ka == "f" and kb != "f":
        return a, b.astype(a.dtype)
    if kb == "f" and ka != "f":
        return a.astype(b.dtype), b
    if ka == "f" and a.dtype != b.dtype:
        # as PyTorch: a 0-d tensor does not decide the dtype next to a tensor with dims
        if a.ndim == 0 and b.ndim > 0:
            return a.astype(b.dtype), b
        if b.ndim == 0 and a.ndim > 0:
            return a, b.astype(a.dtype)
    return a, b


class Add(Function):
    """z = a + b;  dz/da = 1, dz/db = 1."""

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.shapes = (a.shape, b.shape)
        a, b = _promote(a, b)
        return a + b

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        sa, sb = self.shapes
        return (
            unbroadcast(g, sa) if self.needs_input_grad[0] else None,
            unbroadcast(g, sb) if self.needs_input_grad[1] else None,
        )


class Sub(Function):
    """z = a - b;  dz/da = 1, dz/db = -1."""

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.shapes = (a.shape, b.shape)
        a, b = _promote(a, b)
        return a - b

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        sa, sb = self.shapes
        return (
            unbroadcast(g, sa) if self.needs_input_grad[0] else None,
            -unbroadcast(g, sb) if self.needs_input_grad[1] else None,
        )


class Mul(Function):
    """z = a * b;  dz/da = b, dz/db = a."""

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        a, b = _promote(a, b)
        self.save_for_backward(a, b)
        return a * b

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        a, b = self.saved_values
        return (
            unbroadcast(g * b, a.shape) if self.needs_input_grad[0] else None,
            unbroadcast(g * a, b.shape) if self.needs_input_grad[1] else None,
        )


class Div(Function):
    """z = a / b;  dz/da = 1/b, dz/db = -a/b^2."""

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        a, b = _promote(a, b)
        if a.dtype.kind != "f":
            a = a.astype(get_default_dtype())
            b = b.astype(get_default_dtype())
        self.save_for_backward(a, b)
        return a / b

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        a, b = self.saved_values
        gb = g / b
        return (
            unbroadcast(gb, a.shape) if self.needs_input_grad[0] else None,
            unbroadcast(-gb * a / b, b.shape) if self.needs_input_grad[1] else None,
        )


class Pow(Function):
    """z = a ** b;  dz/da = b a^(b-1),  dz/db = a^b log(a) (taken as 0 where a = 0)."""

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        a, b = _promote(a, b)
        out = np.power(a, b)
        self.save_for_backward(a, b, out)
        return out

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        a, b, out = self.saved_values
        ga = gb = None
        if self.needs_input_grad[0]:
            # b a^(b-1), taken as 0 where b = 0 (a^-1 is inf at a = 0), as PyTorch
            with np.errstate(divide="ignore", invalid="ignore"):
                da = np.where(b == 0, 0, b * np.power(a, b - 1)).astype(g.dtype, copy=False)
            ga = unbroadcast(g * da, a.shape)
        if self.needs_input_grad[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                loga = np.where(a > 0, np.log(np.where(a > 0, a, 1)), 0).astype(out.dtype)
            gb = unbroadcast(g * out * loga, b.shape)
        return ga, gb


class Neg(Function):
    """z = -x;  dz/dx = -1."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return -x

    def backward(self, g: np.ndarray) -> np.ndarray:
        return -g


class Exp(Function):
    """z = e^x;  dz/dx = e^x = z."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        out = np.exp(x)
        self.save_for_backward(out)
        return out

    def backward(self, g: np.ndarray) -> np.ndarray:
        (out,) = self.saved_values
        return g * out


class Log(Function):
    """z = log x;  dz/dx = 1/x."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.save_for_backward(x)
        return np.log(x)

    def backward(self, g: np.ndarray) -> np.ndarray:
        (x,) = self.saved_values
        return g / x


class Log1p(Function):
    """z = log(1 + x);  dz/dx = 1/(1 + x)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.save_for_backward(x)
        return np.log1p(x)

    def backward(self, g: np.ndarray) -> np.ndarray:
        (x,) = self.saved_values
        return g / (1 + x)


class Sqrt(Function):
    """z = sqrt(x);  dz/dx = 1 / (2 sqrt(x))."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        out = np.sqrt(x)
        self.save_for_backward(out)
        return out

    def backward(self, g: np.ndarray) -> np.ndarray:
        (out,) = self.saved_values
        return g / (2 * out)


class Abs(Function):
    """z = |x|;  dz/dx = sign(x) (0 at x = 0, as PyTorch)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.save_for_backward(x)
        return np.abs(x)

    def backward(self, g: np.ndarray) -> np.ndarray:
        (x,) = self.saved_values
        return g * np.sign(x)


class Sign(Function):
    """z = sign(x);  dz/dx = 0 everywhere it exists."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.sign(x)

    def backward(self, g: np.ndarray) -> np.ndarray:
        return np.zeros_like(g)


class Sin(Function):
    """z = sin x;  dz/dx = cos x."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.save_for_backward(x)
        return np.sin(x)

    def backward(self, g: np.ndarray) -> np.ndarray:
        (x,) = self.saved_values
        return g * np.cos(x)


class Cos(Function):
    """z = cos x;  dz/dx = -sin x."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.save_for_backward(x)
        return np.cos(x)

    def backward(self, g: np.ndarray) -> np.ndarray:
        (x,) = self.saved_values
        return -g * np.sin(x)


class Clamp(Function):
    """z = min(max(x, lo), hi);  dz/dx = 1 where lo <= x <= hi (bounds included), else 0."""

    def forward(
        self, x: np.ndarray, lo: float | None = None, hi: float | None = None
    ) -> np.ndarray:
        self.save_for_backward(x)
        self.bounds = (lo, hi)
        return np.clip(x, lo, hi).astype(x.dtype, copy=False)

    def backward(self, g: np.ndarray) -> np.ndarray:
        (x,) = self.saved_values
        lo, hi = self.bounds
        mask = np.ones(x.shape, dtype=bool)
        if lo is not None:
            mask &= x >= lo
        if hi is not None:
            mask &= x <= hi
        return g * mask


class Maximum(Function):
    """z = max(a, b);  the gradient goes to the larger input, split in half on ties."""

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        a, b = _promote(a, b)
        self.save_for_backward(a, b)
        return np.maximum(a, b)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        a, b = self.saved_values
        return _split_by(g, a > b, a == b, a.shape, b.shape, self.needs_input_grad)


class Minimum(Function):
    """z = min(a, b);  the gradient goes to the smaller input, split in half on ties."""

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        a, b = _promote(a, b)
        self.save_for_backward(a, b)
        return np.minimum(a, b)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        a, b = self.saved_values
        return _split_by(g, a < b, a == b, a.shape, b.shape, self.needs_input_grad)


def _split_by(
    g: np.ndarray,
    first: np.ndarray,
    tie: np.ndarray,
    sa: tuple[int, ...],
    sb: tuple[int, ...],
    needs: tuple[bool, ...],
) -> tuple[np.ndarray | None, ...]:
    wa = first + 0.5 * tie
    ga = unbroadcast(g * wa.astype(g.dtype), sa) if needs[0] else None
    gb = unbroadcast(g * (1 - wa).astype(g.dtype), sb) if needs[1] else None
    return ga, gb


class Where(Function):
    """z = cond ? a : b;  dz/da = cond, dz/db = not cond (cond gets no gradient)."""

    def forward(self, cond: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        a, b = _promote(a, b)
        self.save_for_backward(cond)
        self.shapes = (a.shape, b.shape)
        return np.where(cond, a, b)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        (cond,) = self.saved_values
        sa, sb = self.shapes
        zero = np.zeros((), dtype=g.dtype)
        ga = unbroadcast(np.where(cond, g, zero), sa) if self.needs_input_grad[1] else None
        gb = unbroadcast(np.where(cond, zero, g), sb) if self.needs_input_grad[2] else None
        return None, ga, gb


class Cast(Function):
    """z = x converted to another floating dtype;  dz/dx = 1 (cast back)."""

    def forward(self, x: np.ndarray, dtype: Any = np.float32) -> np.ndarray:
        self.src = x.dtype
        return x.astype(dtype)

    def backward(self, g: np.ndarray) -> np.ndarray:
        return g.astype(self.src)


class Clone(Function):
    """z = a copy of x;  dz/dx = 1."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x.copy()

    def backward(self, g: np.ndarray) -> np.ndarray:
        return g


def _floating(x: Any) -> Any:
    """An integer or bool tensor as the default float dtype (PyTorch's exp(int) is float32)."""
    t = x if isinstance(x, Tensor) else Tensor(x)
    return t if t.dtype.kind == "f" else Tensor._wrap(t._data.astype(get_default_dtype()))


def add(a: Any, b: Any) -> Any:
    """``a + b``, broadcast (a Python number next to a floating tensor takes its dtype); see
    :class:`Add`."""
    return Add.apply(*operands(a, b))


def sub(a: Any, b: Any) -> Any:
    """``a - b``, broadcast; see :class:`Sub`."""
    return Sub.apply(*operands(a, b))


def mul(a: Any, b: Any) -> Any:
    """``a * b``, broadcast; see :class:`Mul`."""
    return Mul.apply(*operands(a, b))


def div(a: Any, b: Any) -> Any:
    """``a / b`` (true division), broadcast; see :class:`Div`."""
    return Div.apply(*operands(a, b))


def pow(a: Any, b: Any) -> Any:
    """``a ** b``, broadcast; see :class:`Pow`."""
    return Pow.apply(*operands(a, b))


def neg(x: Any) -> Any:
    """``-x``; see :class:`Neg`."""
    return Neg.apply(x)


def exp(x: Any) -> Any:
    """``e^x`` elementwise (integers give float32); see :class:`Exp`."""
    return Exp.apply(_floating(x))


def log(x: Any) -> Any:
    """Natural logarithm elementwise (integers give float32); see :class:`Log`."""
    return Log.apply(_floating(x))


def log1p(x: Any) -> Any:
    """``log(1 + x)``, accurate for small x; see :class:`Log1p`."""
    return Log1p.apply(_floating(x))


def sqrt(x: Any) -> Any:
    """Square root elementwise (integers give float32); see :class:`Sqrt`."""
    return Sqrt.apply(_floating(x))


def abs(x: Any) -> Any:
    """``|x|`` elementwise; see :class:`Abs`."""
    return Abs.apply(x)


def sign(x: Any) -> Any:
    """-1, 0 or 1 by the sign of each element; its gradient is 0."""
    return Sign.apply(x)


def sin(x: Any) -> Any:
    """Sine elementwise (radians); see :class:`Sin`."""
    return Sin.apply(_floating(x))


def cos(x: Any) -> Any:
    """Cosine elementwise (radians); see :class:`Cos`."""
    return Cos.apply(_floating(x))


def clamp(x: Any, min: float | None = None, max: float | None = None) -> Any:
    """Clamp to ``[min, max]``; the gradient passes where ``min <= x <= max``.

    An integer tensor clamped with a float bound becomes floating, as in PyTorch.
    """
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    if any(isinstance(v, float) for v in (min, max)):
        x = _floating(x)
    return Clamp.apply(x, lo=min, hi=max)


clip = clamp


def maximum(a: Any, b: Any) -> Any:
    """The larger of ``a`` and ``b``, elementwise and broadcast; see :class:`Maximum`."""
    return Maximum.apply(*operands(a, b))


def minimum(a: Any, b: Any) -> Any:
    """The smaller of ``a`` and ``b``, elementwise and broadcast; see :class:`Minimum`."""
    return Minimum.apply(*operands(a, b))


def where(condition: Any, input: Any = None, other: Any = None) -> Any:
    """Elementwise ``input`` where ``condition`` is true, else ``other``.

    With the condition alone, the positions where it holds, as ``nonzero(as_tuple=True)``.
    """
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    if input is None or other is None:
        raise TypeError("where: pass both input and other, or the condition alone")
    a, b = operands(input, other)
    c = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if c.dtype != np.bool_:
        raise TypeError(f"where: condition must be a bool tensor, got dtype {c.dtype}")
    return Where.apply(Tensor._wrap(c), a, b)
