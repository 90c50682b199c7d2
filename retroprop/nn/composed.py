"""Functions composed from existing ops, with no derivative of their own (the chain rule
through the ops gives it at no extra cost): bilinear, cosine_similarity, pairwise_distance,
pixel_shuffle, pixel_unshuffle, instance_norm. Reached as ``F.bilinear``, ...
"""

from __future__ import annotations

from typing import Any

import numpy as np

from retroprop.ops.arithmetic import clamp
from retroprop.ops.linalg import matmul
from retroprop.ops.normalization import group_norm
from retroprop.ops.shape import expand, permute, reshape
from retroprop.tensor import Tensor


def _tensor(name: str, arg: str, x: Any) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: {arg} must be a Tensor, got {type(x).__name__}")
    return x


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y_o = sum_ij x1_i W_oij x2_j + b_o``: one bilinear form per output feature.

    Computed as a matmul of ``x1`` with W laid out as (in1, out * in2), then a product with
    ``x2`` summed over j, so the gradient is that of matmul, mul and sum.

    Shape: input1 (*, in1), input2 (*, in2), weight (out, in1, in2), bias (out,) ->
    (*, out).
    """
    x1, x2 = _tensor("bilinear", "input1", input1), _tensor("bilinear", "input2", input2)
    if weight.ndim != 3 or x1.shape[-1:] != weight.shape[1:2] or x2.shape[-1:] != weight.shape[2:]:
        raise ValueError(
            f"bilinear: expected input1 (*, in1), input2 (*, in2) and weight (out, in1, in2), "
            f"got shapes {tuple(x1.shape)}, {tuple(x2.shape)} and {tuple(weight.shape)}"
        )
    if x1.shape[:-1] != x2.shape[:-1]:
        raise ValueError(
            f"bilinear: input1 and input2 must have the same leading dimensions, got shapes "
            f"{tuple(x1.shape)} and {tuple(x2.shape)}"
        )
    out, in1, in2 = weight.shape
    lead = x1.shape[:-1]
    w = reshape(permute(weight, (1, 0, 2)), (in1, out * in2))
    xw = reshape(matmul(reshape(x1, (-1, in1)), w), (-1, out, in2))
    y = (xw * reshape(x2, (-1, 1, in2))).sum(-1)
    if bias is not None:
        y = y + bias
    return reshape(y, (*lead, out))


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """``x1 . x2 / (max(||x1||, eps) * max(||x2||, eps))`` along ``dim`` (inputs broadcast).

    Shape: x1 and x2 broadcastable -> their broadcast shape without ``dim``.
    """
    x1 = _tensor("cosine_similarity", "x1", x1)
    x2 = _tensor("cosine_similarity", "x2", x2)
    try:
        shape = np.broadcast_shapes(x1.shape, x2.shape)
    except ValueError:
        raise ValueError(
            f"cosine_similarity: x1 and x2 must broadcast, got shapes {tuple(x1.shape)} and "
            f"{tuple(x2.shape)}"
        ) from None
    # the norms are taken after broadcasting, as PyTorch (a broadcast dim counts its copies)
    x1, x2 = expand(x1, shape), expand(x2, shape)
    n1 = clamp(x1.norm(2, dim, keepdim=True), min=eps)
    n2 = clamp(x2.norm(2, dim, keepdim=True), min=eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(
    x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Tensor:
    """``||x1 - x2 + eps||_p`` along the last dimension (``eps`` keeps the norm
    differentiable where x1 = x2).

    Shape: x1 and x2 broadcastable (*, D) -> (*) (or (*, 1) with ``keepdim``).
    """
    x1 = _tensor("pairwise_distance", "x1", x1)
    x2 = _tensor("pairwise_distance", "x2", x2)
    return (x1 - x2 + eps).norm(p, -1, keepdim=keepdim)


def _check_factor(name: str, r: Any) -> int:
    if isinstance(r, bool) or not isinstance(r, int) or r < 1:
        raise ValueError(f"{name}: the factor must be a positive integer, got {r!r}")
    return r


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """Rearrange (*, C r^2, H, W) into (*, C, H r, W r): channel ``c r^2 + i r + j`` becomes
    the pixel offset (i, j) of channel c (sub-pixel convolution, Shi et al., 2016).
    """
    x, r = _tensor("pixel_shuffle", "input", input), _check_factor("pixel_shuffle", upscale_factor)
    if x.ndim < 3 or x.shape[-3] % (r * r):
        raise ValueError(
            f"pixel_shuffle: expected an input (*, C * {r}^2, H, W) whose channel count is "
            f"divisible by upscale_factor^2 = {r * r}, got shape {tuple(x.shape)}"
        )
    *lead, c, h, w = x.shape
    k = len(lead)
    y = reshape(x, (*lead, c // (r * r), r, r, h, w))
    y = permute(y, (*range(k), k, k + 3, k + 1, k + 4, k + 2))
    return reshape(y, (*lead, c // (r * r), h * r, w * r))


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """The inverse of :func:`pixel_shuffle`: (*, C, H r, W r) -> (*, C r^2, H, W)."""
    x = _tensor("pixel_unshuffle", "input", input)
    r = _check_factor("pixel_unshuffle", downscale_factor)
    if x.ndim < 3 or x.shape[-2] % r or x.shape[-1] % r:
        raise ValueError(
            f"pixel_unshuffle: expected an input (*, C, H, W) with H and W divisible by "
            f"downscale_factor = {r}, got shape {tuple(x.shape)}"
        )
    *lead, c, h, w = x.shape
    k = len(lead)
    y = reshape(x, (*lead, c, h // r, r, w // r, r))
    y = permute(y, (*range(k), k, k + 2, k + 4, k + 1, k + 3))
    return reshape(y, (*lead, c * r * r, h // r, w // r))


def instance_norm(
    input: Tensor,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Instance normalisation: each channel of each sample normalised over its positions,
    ``y = (x - mean) / sqrt(var + eps) * weight + bias`` (biased var): group normalisation
    with one channel per group, whose op gives the derivative.

    Running statistics are not supported (``running_mean``/``running_var`` must be None and
    ``use_input_stats`` True), as PyTorch's default ``track_running_stats=False``.

    Shape: input (N, C, *) ; weight, bias (C,).
    """
    x = _tensor("instance_norm", "input", input)
    if running_mean is not None or running_var is not None or not use_input_stats:
        raise ValueError(
            "instance_norm: running statistics are not supported (use_input_stats must be "
            "True and running_mean/running_var None)"
        )
    if x.ndim < 3:
        raise ValueError(
            f"instance_norm: expected an input of shape (N, C, *) with at least one position "
            f"dim, got shape {tuple(x.shape)}"
        )
    return group_norm(x, x.shape[1], weight, bias, eps)
