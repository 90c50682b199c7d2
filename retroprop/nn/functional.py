"""The functional interface, as ``torch.nn.functional``::

    import retroprop.nn.functional as F
    loss = F.cross_entropy(F.linear(F.relu(x), w, b), labels)

Each function is an entry point to an op of :mod:`retroprop.ops`, where its forward and its
derivative are written; this file only adds PyTorch's argument names. Grouped by family.

``inplace=True`` is accepted where PyTorch has it (``F.relu(x, inplace=True)``, common in
model code) but the result is always a new tensor: retroprop has no in-place autograd ops.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from retroprop import random as _random
from retroprop.ops import activation as _act
from retroprop.ops import loss as _loss
from retroprop.ops.activation import gelu, prelu, sigmoid, softplus, tanh
from retroprop.ops.arithmetic import clamp as _clamp
from retroprop.ops.arithmetic import div as _div
from retroprop.ops.arithmetic import mul as _mul
from retroprop.ops.indexing import one_hot
from retroprop.ops.linalg import linear
from retroprop.ops.loss import hinge_embedding_loss, multi_margin_loss
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


def _get_softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    """PyTorch's implicit choice of a softmax dim (deprecated there, so it warns): 0 for 0-d,
    1-d and 3-d inputs (a 3-d input read as (C, H, W)), else 1 (the channels of (N, C, ...))."""
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to "
        f"include dim=X as an argument.",
        UserWarning,
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> Tensor:
    """``exp(input) / sum(exp(input))`` along ``dim``; ``dtype`` casts first. Without ``dim``
    it warns and picks PyTorch's dim (0 for 0-d, 1-d and 3-d inputs, else 1)."""
    if dim is None:
        dim = _get_softmax_dim("softmax", input.ndim, _stacklevel)
    return _act.softmax(input if dtype is None else input.to(dtype), dim)


def log_softmax(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> Tensor:
    """``input - log(sum(exp(input)))`` along ``dim``; ``dtype`` casts first. Without ``dim``
    it warns and picks PyTorch's dim, as :func:`softmax`."""
    if dim is None:
        dim = _get_softmax_dim("log_softmax", input.ndim, _stacklevel)
    return _act.log_softmax(input if dtype is None else input.to(dtype), dim)


# ---- losses (see retroprop.ops.loss; here: PyTorch's promotions and checks) -------------------


def _promote(input: Any, target: Any) -> tuple[Any, Any]:
    """An integer or boolean side takes the floating dtype of the other, as PyTorch's type
    promotion does (``mse_loss(float32 prediction, int64 labels)`` is float32)."""
    if isinstance(input, Tensor) and isinstance(target, Tensor):
        if input.dtype.kind == "f" and target.dtype.kind in "iub":
            target = target.to(input.dtype)
        elif target.dtype.kind == "f" and input.dtype.kind in "iub":
            input = input.to(target.dtype)
    return input, target


def _reduction(name: str, size_average: Any, reduce: Any, reduction: str) -> str:
    """PyTorch's deprecated ``size_average`` / ``reduce`` read as a ``reduction``, with
    PyTorch's warning: ``reduce=False`` is ``'none'``, else ``size_average=False`` is
    ``'sum'``, else ``'mean'``; both left out keeps ``reduction``."""
    if size_average is None and reduce is None:
        return reduction
    warnings.warn(
        f"{name}: size_average and reduce args will be deprecated, please use "
        "reduction='sum' instead.",
        UserWarning,
        stacklevel=3,
    )
    if reduce is not None and not reduce:
        return "none"
    return "sum" if size_average is not None and not size_average else "mean"


def mse_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Squared error ``(input - target)^2``, reduced; an integer target is promoted."""
    reduction = _reduction("mse_loss", size_average, reduce, reduction)
    return _loss.mse_loss(*_promote(input, target), reduction=reduction)


def l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Absolute error ``|input - target|``, reduced; an integer target is promoted."""
    reduction = _reduction("l1_loss", size_average, reduce, reduction)
    return _loss.l1_loss(*_promote(input, target), reduction=reduction)


def huber_loss(
    input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0
) -> Tensor:
    """Huber loss (quadratic within ``delta``, linear beyond); an integer target is promoted."""
    return _loss.huber_loss(*_promote(input, target), reduction=reduction, delta=delta)


def smooth_l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """Smooth L1 loss (``huber_loss(delta=beta) / beta``); an integer target is promoted."""
    reduction = _reduction("smooth_l1_loss", size_average, reduce, reduction)
    return _loss.smooth_l1_loss(*_promote(input, target), reduction=reduction, beta=beta)


def _check_probability_target(name: str, target: Any) -> None:
    """PyTorch's check of a binary cross entropy's target: every element in [0, 1]."""
    values = target.detach().numpy() if isinstance(target, Tensor) else np.asarray(target)
    if values.size and not (values.min() >= 0 and values.max() <= 1):
        raise ValueError(
            f"{name}: all elements of target should be between 0 and 1, got values in "
            f"[{values.min()}, {values.max()}]"
        )


def binary_cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``-weight * (t log p + (1 - t) log(1 - p))`` for probabilities ``p = input``; the
    target must lie in [0, 1] as well (PyTorch refuses other targets)."""
    _check_probability_target("binary_cross_entropy", target)
    reduction = _reduction("binary_cross_entropy", size_average, reduce, reduction)
    return _loss.binary_cross_entropy(input, target, weight, reduction=reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """Binary cross entropy of ``sigmoid(input)``, computed stably from the logits."""
    reduction = _reduction("binary_cross_entropy_with_logits", size_average, reduce, reduction)
    return _loss.binary_cross_entropy_with_logits(
        input, target, weight, reduction=reduction, pos_weight=pos_weight
    )


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """``-sum_c w_c q_c log softmax(input)_c`` for class indices or probabilities ``q``."""
    reduction = _reduction("cross_entropy", size_average, reduce, reduction)
    return _loss.cross_entropy(
        input,
        target,
        weight,
        ignore_index=ignore_index,
        reduction=reduction,
        label_smoothing=label_smoothing,
    )


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``-w_y input_y`` for log-probabilities ``input`` and class indices ``y``."""
    reduction = _reduction("nll_loss", size_average, reduce, reduction)
    return _loss.nll_loss(input, target, weight, ignore_index=ignore_index, reduction=reduction)


def kl_div(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """``target * (log target - input)`` for log-probabilities ``input``, reduced."""
    reduction = _reduction("kl_div", size_average, reduce, reduction)
    return _loss.kl_div(input, target, reduction=reduction, log_target=log_target)


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

    Shape: input (N, C, H, W), or (N, C, L) (channel-wise 1-D dropout, as PyTorch does), or
    (N, C) with PyTorch's deprecation warning (each element is a channel).
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout2d: probability p must be in [0, 1], got {p}")
    if input.ndim == 2:
        # PyTorch reads (N, C) as channels without extent: each element is dropped alone
        warnings.warn(
            "dropout2d: Received a 2-D input to dropout2d, which is deprecated and will "
            "result in an error in a future release. To retain the behavior and silence this "
            "warning, please use dropout instead.",
            UserWarning,
            stacklevel=2,
        )
    elif input.ndim not in (3, 4):
        raise ValueError(
            f"dropout2d: expected an input of shape (N, C, H, W) or (N, C, L), got shape "
            f"{tuple(input.shape)}"
        )
    return _drop_channels(input, p, training)


def _drop_channels(input: Tensor, p: float, training: bool) -> Tensor:
    """Zero each (sample, channel) slice of (N, C, *) with probability ``p``, scale the rest."""
    if not training or p == 0:
        return input
    keep = _random.default_generator.random(input.shape[:2], dtype=np.float32) >= p
    mask = keep.astype(input.dtype).reshape(input.shape[:2] + (1,) * (input.ndim - 2))
    mask *= 1.0 / (1.0 - p) if p < 1 else 0.0
    return _mul(input, Tensor._wrap(mask))


def _channel_dropout(name: str, input: Tensor, p: float, training: bool, dims: int) -> Tensor:
    """Dropout of whole channels of a ``dims``-d feature map, batched (N, C, *) or not."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{name}: probability p must be in [0, 1], got {p}")
    if input.ndim not in (dims + 1, dims + 2):
        raise ValueError(
            f"{name}: expected a {dims + 1}-d (unbatched) or {dims + 2}-d (batched) input, got "
            f"shape {tuple(input.shape)}"
        )
    if input.ndim == dims + 1 and training and p > 0:
        return _drop_channels(input.unsqueeze(0), p, training).squeeze(0)
    return _drop_channels(input, p, training)


def dropout1d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """Zero whole channels of (N, C, L) or (C, L) inputs, as :func:`dropout2d`."""
    return _channel_dropout("dropout1d", input, p, training, 1)


def dropout3d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) inputs, as :func:`dropout2d`."""
    return _channel_dropout("dropout3d", input, p, training, 3)


__all__ += [
    "batch_norm", "layer_norm", "group_norm", "embedding", "dropout1d", "dropout2d", "dropout3d"
]  # fmt: skip


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
    instance_norm,
    pairwise_distance,
    pixel_shuffle,
    pixel_unshuffle,
)

__all__ += [
    "bilinear",
    "cosine_similarity",
    "instance_norm",
    "pairwise_distance",
    "pixel_shuffle",
    "pixel_unshuffle",
]


# ---- composed activations (see retroprop.nn.composed_activation) ----------------------------

from retroprop.nn.composed_activation import (  # noqa: E402
    celu,
    glu,
    hardshrink,
    hardsigmoid,
    hardswish,
    logsigmoid,
    mish,
    relu6,
    silu,
    softmin,
    softshrink,
    softsign,
    tanhshrink,
)

__all__ += [
    "celu",
    "glu",
    "hardshrink",
    "hardsigmoid",
    "hardswish",
    "logsigmoid",
    "mish",
    "relu6",
    "silu",
    "softmin",
    "softshrink",
    "softsign",
    "tanhshrink",
]


# ---- composed losses (see retroprop.nn.composed_loss) ---------------------------------------

from retroprop.nn.composed_loss import (  # noqa: E402
    cosine_embedding_loss,
    margin_ranking_loss,
    multilabel_soft_margin_loss,
    poisson_nll_loss,
    soft_margin_loss,
    triplet_margin_loss,
)

__all__ += [
    "cosine_embedding_loss",
    "margin_ranking_loss",
    "multilabel_soft_margin_loss",
    "poisson_nll_loss",
    "soft_margin_loss",
    "triplet_margin_loss",
]
