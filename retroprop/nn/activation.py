"""Activation layers: ReLU, LeakyReLU, PReLU, ELU, SELU, GELU, Tanh, Sigmoid, Softplus,
Threshold, Hardtanh, Softmax, LogSoftmax.

Each wraps the function of the same name in :mod:`retroprop.nn.functional`; only PReLU has a
parameter. ``inplace=True`` is accepted for PyTorch compatibility and shown in the repr, but
the output is always a new tensor.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from retroprop.devices import check_device
from retroprop.nn import functional as F
from retroprop.nn import init
from retroprop.nn.module import Module
from retroprop.nn.parameter import Parameter
from retroprop.tensor import Tensor, get_default_dtype


def _number(module: str, arg: str, value: Any) -> float:
    """``value`` as a Python number (NumPy scalars would upcast float32 inputs), or an error
    naming the module and the argument when it is not a real number."""
    real = int | float | np.integer | np.floating
    if isinstance(value, bool) or not isinstance(value, real):
        raise TypeError(
            f"{module}: {arg} must be a real number, got {value!r} of type {type(value).__name__}"
        )
    return value.item() if isinstance(value, np.generic) else value


def _dim(module: str, dim: Any) -> int | None:
    if dim is not None and (isinstance(dim, bool) or not isinstance(dim, int | np.integer)):
        raise TypeError(f"{module}: dim must be an int or None, got {dim!r}")
    return None if dim is None else int(dim)


def _inplace(inplace: bool, sep: str = ", ") -> str:
    return f"{sep}inplace=True" if inplace else ""


class ReLU(Module):
    """``max(x, 0)``, elementwise.  Shape: any -> the same."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.relu(input)

    def extra_repr(self) -> str:
        return _inplace(self.inplace, "")


class LeakyReLU(Module):
    """``x`` where x > 0, else ``negative_slope * x``."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = _number("LeakyReLU", "negative_slope", negative_slope)
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}{_inplace(self.inplace)}"


class PReLU(Module):
    """``x`` where x > 0, else ``a * x`` with a learned slope ``a``.

    Args:
        num_parameters: 1 (one slope for all) or the number of channels C (dim 1 of the input).
        init: the initial slope.

    Shape: input (N, C, *) or any shape when num_parameters is 1 -> the same.

    Attributes:
        weight: the slopes, shape (num_parameters,), filled with ``init``.
    """

    def __init__(
        self, num_parameters: int = 1, init: float = 0.25, device: Any = None, dtype: Any = None
    ) -> None:
        check_device(type(self).__name__, device)
        super().__init__()
        if not isinstance(num_parameters, int | np.integer) or num_parameters < 1:
            raise ValueError(
                f"PReLU: num_parameters must be a positive integer, got {num_parameters!r}"
            )
        self.num_parameters = int(num_parameters)
        self.init = _number("PReLU", "init", init)
        dt = np.dtype(get_default_dtype() if dtype is None else dtype)
        self.weight = Parameter(Tensor._wrap(np.empty(self.num_parameters, dt)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Set every slope back to ``init``."""
        init.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class ELU(Module):
    """``x`` where x > 0, else ``alpha * (exp(x) - 1)``."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = _number("ELU", "alpha", alpha)
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.elu(input, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}{_inplace(self.inplace)}"


class SELU(Module):
    """``scale * elu(x, alpha)`` with scale = 1.0507..., alpha = 1.6732...: a stack of these
    keeps activations near mean 0 and variance 1 (with LeCun-normal weights)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.selu(input)

    def extra_repr(self) -> str:
        return _inplace(self.inplace, "")


class GELU(Module):
    """``x * Phi(x)``, Phi the standard normal CDF; ``approximate='tanh'`` for the tanh form."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Tanh(Module):
    """Hyperbolic tangent, elementwise."""

    def forward(self, input: Tensor) -> Tensor:
        return F.tanh(input)


class Sigmoid(Module):
    """``1 / (1 + exp(-x))``, elementwise."""

    def forward(self, input: Tensor) -> Tensor:
        return F.sigmoid(input)


class Softplus(Module):
    """``log(1 + exp(beta x)) / beta``, and ``x`` where ``beta x > threshold``."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = _number("Softplus", "beta", beta)
        self.threshold = _number("Softplus", "threshold", threshold)

    def forward(self, input: Tensor) -> Tensor:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Threshold(Module):
    """``x`` where ``x > threshold``, else ``value``."""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold = _number("Threshold", "threshold", threshold)
        self.value = _number("Threshold", "value", value)
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.threshold(input, self.threshold, self.value)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}{_inplace(self.inplace)}"


class Hardtanh(Module):
    """``x`` clipped to ``[min_val, max_val]``."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        min_val = _number("Hardtanh", "min_val", min_val)
        max_val = _number("Hardtanh", "max_val", max_val)
        if min_val > max_val:
            raise ValueError(
                f"Hardtanh: min_val ({min_val}) must not be greater than max_val ({max_val})"
            )
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.hardtanh(input, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace(self.inplace)}"


class Softmax(Module):
    """``exp(x) / sum(exp(x))`` along ``dim``: each slice along ``dim`` sums to 1.

    Without ``dim`` it warns and picks PyTorch's dim (deprecated there too): 0 for 0-d, 1-d
    and 3-d inputs, else 1.
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = _dim("Softmax", dim)

    def forward(self, input: Tensor) -> Tensor:
        return F.softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """``x - log(sum(exp(x)))`` along ``dim``: log-probabilities, e.g. for NLLLoss."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = _dim("LogSoftmax", dim)

    def forward(self, input: Tensor) -> Tensor:
        return F.log_softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
