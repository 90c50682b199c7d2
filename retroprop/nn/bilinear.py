"""Bilinear: ``y = x1^T A x2 + b``, one bilinear form per output feature."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from retroprop.devices import check_device
from retroprop.nn import init
from retroprop.nn.composed import bilinear
from retroprop.nn.module import Module
from retroprop.nn.parameter import Parameter
from retroprop.tensor import Tensor, get_default_dtype


class Bilinear(Module):
    """``y_o = sum_ij x1_i W_oij x2_j + b_o``.

    Args:
        in1_features, in2_features: sizes of the two inputs' last dimensions.
        out_features: size of the output's last dimension.
        bias: learn an additive bias.
        dtype: dtype of the parameters (default: ``rp.get_default_dtype()``).

    Attributes:
        weight: (out_features, in1_features, in2_features), drawn from U(-k, k) with
            k = 1 / sqrt(in1_features), as PyTorch.
        bias: (out_features,), from the same distribution.

    Shape: input1 (*, in1_features), input2 (*, in2_features) -> (*, out_features).

    Example: ``nn.Bilinear(20, 30, 40)(rp.randn(128, 20), rp.randn(128, 30)).shape``
    is (128, 40).
    """

    def __init__(
        self,
        in1_features: int,
        in2_features: int,
        out_features: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        check_device(type(self).__name__, device)
        super().__init__()
        sizes = (in1_features, in2_features, out_features)
        for name, n in zip(("in1_features", "in2_features", "out_features"), sizes):
            if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
                raise ValueError(f"Bilinear: {name} must be a non-negative integer, got {n!r}")
        self.in1_features, self.in2_features, self.out_features = (int(n) for n in sizes)
        dt = np.dtype(get_default_dtype() if dtype is None else dtype)
        shape = (self.out_features, self.in1_features, self.in2_features)
        self.weight = Parameter(Tensor._wrap(np.empty(shape, dt)))
        if bias:
            self.bias = Parameter(Tensor._wrap(np.empty(self.out_features, dt)))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw the weight and bias from U(-1/sqrt(in1), 1/sqrt(in1))."""
        bound = 1 / math.sqrt(self.in1_features) if self.in1_features > 0 else 0.0
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )
