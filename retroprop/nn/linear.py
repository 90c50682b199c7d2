"""Linear (the affine map y = x W^T + b) and Identity."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from retroprop.devices import check_device
from retroprop.nn import init
from retroprop.nn.module import Module
from retroprop.nn.parameter import Parameter
from retroprop.ops.linalg import linear
from retroprop.tensor import Tensor, get_default_dtype


class Identity(Module):
    """Return the input unchanged (a placeholder, e.g. to remove a layer). Arguments are
    accepted and ignored."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Any) -> Any:
        return input


class Linear(Module):
    """y = x W^T + b.

    Args:
        in_features: size of each input's last dimension.
        out_features: size of each output's last dimension.
        bias: learn an additive bias.
        device: the CPU (``"cpu"``, ``rp.device("cpu")`` or None); any other device raises.
        dtype: dtype of the parameters (default: ``rp.get_default_dtype()``).

    Shape: input (*, in_features) -> output (*, out_features).

    Attributes:
        weight: (out_features, in_features), drawn from U(-1/sqrt(in), 1/sqrt(in)), which is
            ``kaiming_uniform_`` with ``a = sqrt(5)`` as in PyTorch.
        bias: (out_features,), drawn from U(-1/sqrt(in), 1/sqrt(in)).

    Example::

        fc = nn.Linear(20, 30)
        fc(rp.randn(128, 20)).shape   # (128, 30)
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        check_device("Linear", device)
        for name, n in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(n, int | np.integer) or n < 0:
                raise ValueError(f"Linear: {name} must be a non-negative integer, got {n!r}")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        dt = np.dtype(get_default_dtype() if dtype is None else dtype)
        self.weight = Parameter(Tensor._wrap(np.empty((out_features, in_features), dt)))
        if bias:
            self.bias = Parameter(Tensor._wrap(np.empty(out_features, dt)))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw the weight and bias again with PyTorch's default initialisation."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.in_features
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        shape = tuple(np.shape(input._data if isinstance(input, Tensor) else input))
        if not shape or shape[-1] != self.in_features:
            last = shape[-1] if shape else "none"
            raise ValueError(
                f"{self._get_name()}({self.extra_repr()}): expected an input of shape "
                f"(*, {self.in_features}), got shape {shape} (last dimension {last} != "
                f"in_features {self.in_features})"
            )
        w = self.weight.dtype
        if isinstance(input, Tensor) and input.dtype.kind != "f":
            cast = "x.float()" if w == np.float32 else f"x.to({w})"
            raise TypeError(
                f"{self._get_name()}: input must be floating point, got dtype {input.dtype}; "
                f"convert the input to the weight's dtype {w} first ({cast})"
            )
        if isinstance(input, Tensor) and input.dtype != w:
            raise TypeError(
                f"{self._get_name()}: input dtype {input.dtype} differs from the weight's {w}; "
                f"convert the input (x.to({w})) or the module (.to({input.dtype}))"
            )
        return linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )
