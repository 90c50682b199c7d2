"""Weight initialisation (``nn.init``): fill a tensor in place, without recording a graph.

The scaled schemes keep the variance of activations (or of gradients) roughly constant
from layer to layer:

* Xavier/Glorot (tanh, sigmoid): ``Var(W) = gain^2 * 2 / (fan_in + fan_out)``;
* Kaiming/He (ReLU family): ``Var(W) = gain^2 / fan``, with fan = fan_in or fan_out.

A uniform law ``U(-bound, bound)`` has variance ``bound^2 / 3``, hence ``bound = sqrt(3) * std``.
Random numbers come from ``retroprop.random.default_generator`` (``rp.manual_seed``).
"""

from __future__ import annotations

import math

import numpy as np

from retroprop import random as _random
from retroprop.autograd import no_grad
from retroprop.tensor import Tensor

_LINEAR_GAINS = (
    "linear",
    "identity",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
)


def _fill(name: str, tensor: Tensor, values: np.ndarray | float) -> Tensor:
    """Copy ``values`` into ``tensor`` in place (cast to its dtype), outside the graph."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"init.{name}: expected a Tensor, got {type(tensor).__name__}")
    with no_grad():
        return tensor.copy_(np.asarray(values).astype(tensor.dtype, copy=False))


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity (PyTorch's table).

    linear/conv/sigmoid: 1, tanh: 5/3, relu: sqrt(2), leaky_relu: sqrt(2 / (1 + slope^2))
    (slope ``param``, default 0.01), selu: 3/4.
    """
    if nonlinearity in _LINEAR_GAINS:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, int | float) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """Fans of a weight of shape (out, in, *kernel): (in * prod(kernel), out * prod(kernel))."""
    if tensor.ndim < 2:
        raise ValueError(
            f"init: fan in and fan out can not be computed for a tensor with fewer than 2 "
            f"dimensions (got shape {tuple(tensor.shape)})"
        )
    receptive_field = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def _fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"init: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fill with values drawn from U(a, b)."""
    if a > b:
        raise ValueError(f"init.uniform_: expected a <= b, got a={a}, b={b}")
    return _fill("uniform_", tensor, _random.default_generator.uniform(a, b, tensor.shape))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fill with values drawn from N(mean, std^2)."""
    if std < 0:
        raise ValueError(f"init.normal_: expected std >= 0, got {std}")
    return _fill("normal_", tensor, _random.default_generator.normal(mean, std, tensor.shape))


def trunc_normal_(
    tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0
) -> Tensor:
    """Fill with N(mean, std^2) restricted to [a, b] (draws outside are redrawn).

    The interval must hold at least 1% of the normal law, so that redrawing ends quickly.
    """
    if not a < b or std <= 0:
        raise ValueError(
            f"init.trunc_normal_: expected a < b and std > 0, got a={a}, b={b}, std={std}"
        )

    def cdf(x: float) -> float:
        return 0.5 * (1 + math.erf((x - mean) / (std * math.sqrt(2))))

    if cdf(b) - cdf(a) < 0.01:
        raise ValueError(
            f"init.trunc_normal_: [a, b] = [{a}, {b}] holds less than 1% of N({mean}, {std}^2)"
        )
    rng = _random.default_generator
    values = rng.normal(mean, std, tensor.shape)
    outside = (values < a) | (values > b)
    # each round redraws the rejected values at once; few rounds are needed
    while outside.any():
        values[outside] = rng.normal(mean, std, int(outside.sum()))
        outside = (values < a) | (values > b)
    return _fill("trunc_normal_", tensor, values)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``."""
    return _fill("constant_", tensor, val)


def zeros_(tensor: Tensor) -> Tensor:
    return _fill("zeros_", tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    return _fill("ones_", tensor, 1.0)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot uniform: U(-a, a) with ``a = gain * sqrt(6 / (fan_in + fan_out))``."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = math.sqrt(3.0) * gain * math.sqrt(2.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot normal: N(0, std^2) with ``std = gain * sqrt(2 / (fan_in + fan_out))``."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def kaiming_uniform_(
    tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"
) -> Tensor:
    """He uniform: U(-bound, bound) with ``bound = sqrt(3) * gain / sqrt(fan)``.

    Args:
        a: negative slope of the leaky_relu that follows (used in the gain).
        mode: ``"fan_in"`` keeps the forward variance, ``"fan_out"`` the backward one.
        nonlinearity: name given to :func:`calculate_gain`.
    """
    if tensor.numel() == 0:  # nothing to fill (e.g. Linear(0, n))
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return uniform_(tensor, -math.sqrt(3.0) * std, math.sqrt(3.0) * std)


def kaiming_normal_(
    tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"
) -> Tensor:
    """He normal: N(0, std^2) with ``std = gain / sqrt(fan)`` (arguments as kaiming_uniform_)."""
    if tensor.numel() == 0:  # nothing to fill (e.g. Linear(0, n))
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std)


def orthogonal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """A (semi-)orthogonal matrix times ``gain``, viewed as (shape[0], prod(shape[1:])).

    Q comes from the QR factorisation of a Gaussian matrix; multiplying each column of Q by
    the sign of R's diagonal makes the law uniform over orthogonal matrices.
    """
    if tensor.ndim < 2:
        raise ValueError(
            f"init.orthogonal_: only tensors with 2 or more dimensions are supported, got "
            f"shape {tuple(tensor.shape)}"
        )
    rows = tensor.shape[0]
    if tensor.numel() == 0:
        return tensor
    cols = tensor.numel() // rows
    flat = _random.default_generator.standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill("orthogonal_", tensor, gain * q.reshape(tensor.shape))
