"""Activations composed from existing ops (their derivatives follow by the chain rule):
silu, mish, logsigmoid, relu6, hardsigmoid, hardswish, softsign, tanhshrink, softshrink,
hardshrink, celu, glu, softmin. Reached as ``F.silu``, ``F.mish``, ...; the layers are in
:mod:`retroprop.nn.activation_composed`.
"""

from __future__ import annotations

import warnings
from typing import Any

from retroprop.ops.activation import elu, hardtanh, sigmoid, softmax, softplus, tanh
from retroprop.ops.arithmetic import clamp
from retroprop.ops.shape import chunk
from retroprop.tensor import Tensor


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * sigmoid(x)`` (SiLU, a.k.a. swish)."""
    return input * sigmoid(input)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))`` (Misra, 2019)."""
    return input * tanh(softplus(input))


def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(x)) = -softplus(-x)``, computed in that stable form."""
    return -softplus(-input)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(x, 0), 6)``."""
    return hardtanh(input, 0.0, 6.0)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``relu6(x + 3) / 6``: 0 below -3, 1 above 3, linear between."""
    return hardtanh(input + 3.0, 0.0, 6.0) / 6.0


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * relu6(x + 3) / 6`` (MobileNetV3)."""
    return input * hardsigmoid(input)


def softsign(input: Tensor) -> Tensor:
    """``x / (1 + |x|)``."""
    return input / (input.abs() + 1.0)


def tanhshrink(input: Tensor) -> Tensor:
    """``x - tanh(x)``."""
    return input - tanh(input)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, 0 between:
    ``x - clamp(x, -lambd, lambd)``."""
    if lambd < 0:
        raise ValueError(f"softshrink: lambd must be >= 0, got {lambd}")
    return input - clamp(input, -lambd, lambd)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x`` where ``|x| > lambd``, else 0 (the gradient is the same mask)."""
    keep = Tensor._wrap((input.abs() > lambd).numpy().astype(input.dtype))
    return input * keep


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``max(0, x) + min(0, alpha (exp(x / alpha) - 1))`` = ``alpha * elu(x / alpha)``."""
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0")
    return elu(input / alpha, 1.0) * alpha


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: ``a * sigmoid(b)``, ``a`` and ``b`` the halves of ``input`` along
    ``dim`` (whose size must be even)."""
    if input.shape[dim] % 2:
        raise RuntimeError(
            f"glu: halving only works on an even dimension; dim {dim} of shape "
            f"{tuple(input.shape)} has size {input.shape[dim]}"
        )
    a, b = chunk(input, 2, dim)
    return a * sigmoid(b)


def softmin(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> Tensor:
    """``softmax(-x)`` along ``dim``; without ``dim`` it warns and picks PyTorch's dim (0 for
    0-d, 1-d and 3-d inputs, else 1), as :func:`softmax`."""
    if dim is None:
        warnings.warn(
            "Implicit dimension choice for softmin has been deprecated. Change the call to "
            "include dim=X as an argument.",
            UserWarning,
            stacklevel=_stacklevel,
        )
        dim = 0 if input.ndim in (0, 1, 3) else 1
    x = input if dtype is None else input.to(dtype)
    return softmax(-x, dim)
