"""Activation layers whose math is composed from other ops in
:mod:`retroprop.nn.composed_activation`: SiLU, Mish, LogSigmoid, ReLU6, Hardsigmoid,
Hardswish, Softsign, Tanhshrink, Softshrink, Hardshrink, CELU, GLU, Softmin, Softmax2d."""

from __future__ import annotations

from retroprop.nn import composed_activation as C
from retroprop.nn.module import Module
from retroprop.ops.activation import softmax
from retroprop.tensor import Tensor


class _Pointwise(Module):
    """A parameter-free elementwise activation; ``inplace`` is accepted (a new tensor is
    always returned)."""

    _fn = staticmethod(C.silu)

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return type(self)._fn(input)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class SiLU(_Pointwise):
    """``x * sigmoid(x)``."""


class Mish(_Pointwise):
    """``x * tanh(softplus(x))``."""

    _fn = staticmethod(C.mish)


class ReLU6(_Pointwise):
    """``min(max(x, 0), 6)``."""

    _fn = staticmethod(C.relu6)


class Hardsigmoid(_Pointwise):
    """``relu6(x + 3) / 6``."""

    _fn = staticmethod(C.hardsigmoid)


class Hardswish(_Pointwise):
    """``x * relu6(x + 3) / 6``."""

    _fn = staticmethod(C.hardswish)


class LogSigmoid(Module):
    """``log(sigmoid(x))``."""

    def forward(self, input: Tensor) -> Tensor:
        return C.logsigmoid(input)


class Softsign(Module):
    """``x / (1 + |x|)``."""

    def forward(self, input: Tensor) -> Tensor:
        return C.softsign(input)


class Tanhshrink(Module):
    """``x - tanh(x)``."""

    def forward(self, input: Tensor) -> Tensor:
        return C.tanhshrink(input)


class Softshrink(Module):
    """``x -/+ lambd`` outside ``[-lambd, lambd]``, 0 inside."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        return C.softshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class Hardshrink(Softshrink):
    """``x`` outside ``[-lambd, lambd]``, 0 inside."""

    def forward(self, input: Tensor) -> Tensor:
        return C.hardshrink(input, self.lambd)


class CELU(Module):
    """``max(0, x) + min(0, alpha (exp(x / alpha) - 1))``."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return C.celu(input, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class GLU(Module):
    """``a * sigmoid(b)`` for the two halves ``a``, ``b`` of the input along ``dim``."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return C.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmin(Module):
    """``softmax(-x)`` along ``dim`` (without ``dim``: PyTorch's implicit choice, warned)."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return C.softmin(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax2d(Module):
    """Softmax over the channels of each position: dim -3 of (N, C, H, W) or (C, H, W)."""

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim not in (3, 4):
            raise ValueError(
                f"Softmax2d: expected a 3-d or 4-d input, got shape {tuple(input.shape)}"
            )
        return softmax(input, -3)
