"""The functional interface, as ``torch.nn.functional``::

    import retroprop.nn.functional as F
    loss = F.cross_entropy(F.linear(F.relu(x), w, b), labels)

Each function is an entry point to an op of :mod:`retroprop.ops`, where its forward and its
derivative are written; this file only adds PyTorch's argument names. Grouped by family.

``inplace=True`` is accepted where PyTorch has it (``F.relu(x, inplace=True)``, common in
model code) but the result is always a new tensor: retroprop has no in-place autograd ops.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from retroprop import random as _random
from retroprop.ops import activation as _act
from retroprop.ops.activation import gelu, prelu, sigmoid, softplus, tanh
from retroprop.ops.arithmetic import clamp as _clamp
from retroprop.ops.arithmetic import div as _div
from retroprop.ops.arithmetic import mul as _mul
from retroprop.ops.indexing import one_hot
from retroprop.ops.linalg import linear
from retroprop.ops.loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_embedding_loss,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    multi_margin_loss,
    nll_loss,
    smooth_l1_loss,
)
from retroprop.ops.shape import pad
from retroprop.tensor import Tensor

__all__ = [
    # linear
    "linear",
    # activations
    "relu",
    "leaky_relu",
    "prelu",
    "elu",
    "selu",
    "gelu",
    "tanh",
    "sigmoid",
    "softplus",
    "threshold",
    "hardtanh",
    "softmax",
    "log_softmax",
    # dropout
    "dropout",
    # losses
    "cross_entropy",
    "nll_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "mse_loss",
    "l1_loss",
    "huber_loss",
    "smooth_l1_loss",
    "kl_div",
    "hinge_embedding_loss",
    "multi_margin_loss",
    # shapes and encodings
    "pad",
    "one_hot",
    "normalize",
]


# ---- activations -----------------------------------------------------------------------------


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(input, 0)``, elementwise."""
    return _act.relu(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``input`` where positive, else ``negative_slope * input``."""
    return _act.leaky_relu(input, negative_slope)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``input`` where positive, else ``alpha * (exp(input) - 1)``."""
    return _act.elu(input, alpha)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """``1.0507 * elu(input, alpha=1.6733)``: self-normalising."""
    return _act.selu(input)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``input`` where ``input > threshold``, else ``value``."""
    return _act.threshold(input, threshold, value)


def hardtanh(
    input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
) -> Tensor:
    """``input`` clipped to ``[min_val, max_val]``."""
    return _act.hardtanh(input, min_val, max_val)


def softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:
    """``exp(input) / sum(exp(input))`` along ``dim`` (required); ``dtype`` casts first."""
    return _act.softmax(input if dtype is None else input.to(dtype), dim)


def log_softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:
    """``input - log(sum(exp(input)))`` along ``dim`` (required); ``dtype`` casts first."""
    return _act.log_softmax(input if dtype is None else input.to(dtype), dim)


# ---- dropout ---------------------------------------------------------------------------------


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the others by ``1 / (1 - p)``
    (inverted dropout: the expected value is unchanged, so evaluation needs no rescaling).

    The mask comes from ``rp.random.default_generator`` (seed it with ``rp.manual_seed``);
    the gradient is the same mask. Identity when ``training`` is False or ``p`` is 0.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: probability p must be in [0, 1], got {p}")
    if not training or p == 0:
        return input
    if input.dtype.kind != "f":
        raise TypeError(f"dropout: expected a floating point input, got dtype {input.dtype}")
    keep = _random.default_generator.random(input.shape, dtype=np.float32) >= p
    mask = keep.astype(input.dtype)
    mask *= 1.0 / (1.0 - p) if p < 1 else 0.0
    return _mul(input, Tensor._wrap(mask))


# ---- shapes and encodings --------------------------------------------------------------------


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """``input / max(||input||_p, eps)``, the norm taken along ``dim``: unit vectors."""
    return _div(input, _clamp(input.norm(p, dim, keepdim=True), min=eps))


# ---- convolution, pooling, resampling (see retroprop.ops.conv and retroprop.ops.pool) --------

from retroprop.ops.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d  # noqa: E402
from retroprop.ops.pool import (  # noqa: E402
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    avg_pool1d,
    avg_pool2d,
    interpolate,
    max_pool1d,
    max_pool2d,
)

__all__ += [
    "conv1d",
    "conv2d",
    "conv_transpose1d",
    "conv_transpose2d",
    "max_pool1d",
    "max_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "interpolate",
]


# ---- normalisation, embedding, channel dropout (see retroprop.ops.normalization, .embedding)

from retroprop.ops.embedding import embedding  # noqa: E402
from retroprop.ops.normalization import batch_norm, group_norm, layer_norm  # noqa: E402


def dropout2d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """Zero whole channels: each (sample, channel) pair is dropped with probability ``p`` and
    the kept ones are scaled by ``1 / (1 - p)``; the gradient is the same mask.

    Shape: input (N, C, H, W), or (N, C, L) (channel-wise 1-D dropout, as PyTorch does).
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout2d: probability p must be in [0, 1], got {p}")
    if input.ndim not in (3, 4):
        raise ValueError(
            f"dropout2d: expected an input of shape (N, C, H, W) or (N, C, L), got shape "
            f"{tuple(input.shape)}"
        )
    if not training or p == 0:
        return input
    keep = _random.default_generator.random(input.shape[:2], dtype=np.float32) >= p
    mask = keep.astype(input.dtype).reshape(input.shape[:2] + (1,) * (input.ndim - 2))
    mask *= 1.0 / (1.0 - p) if p < 1 else 0.0
    return _mul(input, Tensor._wrap(mask))


__all__ += ["batch_norm", "layer_norm", "group_norm", "embedding", "dropout2d"]


# ---- attention (see retroprop.ops.attention) -------------------------------------------------

from retroprop.ops.attention import (  # noqa: E402
    multi_head_attention_forward,
    scaled_dot_product_attention,
)

__all__ += ["scaled_dot_product_attention", "multi_head_attention_forward"]


# ---- composed: bilinear forms, similarities, pixel shuffles (see retroprop.nn.composed) -----

from retroprop.nn.composed import (  # noqa: E402
    bilinear,
    cosine_similarity,
    pairwise_distance,
    pixel_shuffle,
    pixel_unshuffle,
)

__all__ += [
    "bilinear",
    "cosine_similarity",
    "pairwise_distance",
    "pixel_shuffle",
    "pixel_unshuffle",
]
