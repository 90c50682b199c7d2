"""Losses composed from existing ops (the chain rule through the ops gives their gradients):
margin_ranking_loss, soft_margin_loss, cosine_embedding_loss, triplet_margin_loss,
multilabel_soft_margin_loss, poisson_nll_loss. Reached as ``F.<name>``; the layers are in
:mod:`retroprop.nn.loss_composed`. ``reduction`` is ``'mean'``, ``'sum'`` or ``'none'``.
"""

from __future__ import annotations

import math

import numpy as np

from retroprop.nn.composed import pairwise_distance
from retroprop.ops.activation import relu, softplus
from retroprop.ops.arithmetic import minimum
from retroprop.tensor import Tensor

_REDUCTIONS = ("mean", "sum", "none")


def _reduce(name: str, loss: Tensor, reduction: str) -> Tensor:
    if reduction not in _REDUCTIONS:
        raise ValueError(
            f"{name}: reduction must be one of 'mean', 'sum', 'none', got {reduction!r}"
        )
    if reduction == "none":
        return loss
    return loss.mean() if reduction == "mean" else loss.sum()


def _float_like(target: Tensor, like: Tensor) -> Tensor:
    """An integer or boolean target (labels +-1, 0/1) in the input's dtype."""
    return target.to(like.dtype) if target.dtype != like.dtype else target


def margin_ranking_loss(
    input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0, reduction: str = "mean"
) -> Tensor:
    """``max(0, -y (x1 - x2) + margin)``: x1 should rank above x2 when y = 1, below when -1."""
    y = _float_like(target, input1)
    return _reduce("margin_ranking_loss", relu(-y * (input1 - input2) + margin), reduction)


def soft_margin_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """``log(1 + exp(-y x))`` for labels y = +-1 (the logistic loss)."""
    y = _float_like(target, input)
    return _reduce("soft_margin_loss", softplus(-y * input), reduction)


def cosine_embedding_loss(
    input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0, reduction: str = "mean"
) -> Tensor:
    """``1 - cos(x1, x2)`` where y = 1, ``max(0, cos(x1, x2) - margin)`` where y = -1, with
    ``cos = x1 . x2 / sqrt((||x1||^2 + 1e-12) (||x2||^2 + 1e-12))`` along the last dim (as
    PyTorch)."""
    dot = (input1 * input2).sum(-1)
    norms = ((input1 * input1).sum(-1) + 1e-12) * ((input2 * input2).sum(-1) + 1e-12)
    cos = dot / norms.sqrt()
    y = _float_like(target, input1)
    positive = (y > 0).to(cos.dtype)
    negative = (y < 0).to(cos.dtype)
    loss = positive * (1.0 - cos) + negative * relu(cos - margin)
    return _reduce("cosine_embedding_loss", loss, reduction)


def triplet_margin_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    margin: float = 1.0,
    p: float = 2.0,
    eps: float = 1e-6,
    swap: bool = False,
    reduction: str = "mean",
) -> Tensor:
    """``max(d(a, p) - d(a, n) + margin, 0)`` with ``d`` the p-norm distance of
    :func:`pairwise_distance`; ``swap`` uses ``min(d(a, n), d(p, n))`` (Balntas et al.)."""
    d_ap = pairwise_distance(anchor, positive, p, eps)
    d_an = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_an = minimum(d_an, pairwise_distance(positive, negative, p, eps))
    return _reduce("triplet_margin_loss", relu(d_ap - d_an + margin), reduction)


def multilabel_soft_margin_loss(
    input: Tensor, target: Tensor, weight: Tensor | None = None, reduction: str = "mean"
) -> Tensor:
    """``-mean_c [y_c log sigmoid(x_c) + (1 - y_c) log sigmoid(-x_c)] w_c`` per sample: one
    binary cross entropy per class, averaged over the classes (the last dim)."""
    y = _float_like(target, input)
    loss = y * softplus(-input) + (1.0 - y) * softplus(input)
    if weight is not None:
        loss = loss * weight
    return _reduce("multilabel_soft_margin_loss", loss.mean(-1), reduction)


def poisson_nll_loss(
    input: Tensor,
    target: Tensor,
    log_input: bool = True,
    full: bool = False,
    eps: float = 1e-8,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of ``target ~ Poisson(rate)``, without the constant log(y!):
    ``exp(x) - y x`` for ``log_input`` (x = log rate), else ``x - y log(x + eps)``. ``full``
    adds Stirling's ``y log y - y + log(2 pi y) / 2`` where y > 1."""
    y = _float_like(target, input)
    loss = input.exp() - y * input if log_input else input - y * (input + eps).log()
    if full:
        # Stirling's term depends on the target only: a constant for the gradient
        yv = y.detach().numpy()
        safe = np.maximum(yv, 1.0)
        term = np.where(yv > 1, yv * np.log(safe) - yv + 0.5 * np.log(2 * math.pi * safe), 0.0)
        loss = loss + Tensor._wrap(term.astype(loss.dtype))
    return _reduce("poisson_nll_loss", loss, reduction)
