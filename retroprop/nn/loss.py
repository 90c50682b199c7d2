"""Loss layers: MSELoss, L1Loss, HuberLoss, SmoothL1Loss, BCELoss, BCEWithLogitsLoss,
CrossEntropyLoss, NLLLoss, KLDivLoss, HingeEmbeddingLoss, MultiMarginLoss.

Each holds its options and calls the function of the same name in
:mod:`retroprop.nn.functional` as ``loss(input, target)``. Weights are buffers (in
``state_dict`` when given, moved by ``.to(dtype)``), as in PyTorch. ``reduction`` is one of
``'mean'`` (default), ``'sum'`` and ``'none'``.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from retroprop.nn import functional as F
from retroprop.nn.module import Module
from retroprop.tensor import Tensor

_REDUCTIONS = ("mean", "sum", "none")


def _real(loss: str, arg: str, value: Any) -> float:
    """``value`` as a Python number (NumPy scalars would upcast float32 inputs), or an error
    naming the loss and the argument when it is not a real number."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(
            f"{loss}: {arg} must be a real number, got {value!r} of type {type(value).__name__}"
        )
    return value.item() if isinstance(value, np.generic) else value


def _index(loss: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(
            f"{loss}: ignore_index must be an int, got {value!r} of type {type(value).__name__}"
        )
    return int(value)


def _buffer(value: Any) -> Tensor | None:
    return value if value is None or isinstance(value, Tensor) else Tensor(value)


class _Loss(Module):
    """Base of the losses: checks and keeps ``reduction``.

    Options other than the first meaningful ones are keyword-only: PyTorch's positional
    slots there are the deprecated ``size_average`` and ``reduce``. Old code passes those by
    keyword (``nn.BCELoss(size_average=False)``): every loss accepts them so, warns as
    PyTorch does, and reads them as a ``reduction`` (``reduce=False``: 'none', else
    ``size_average=False``: 'sum').
    """

    _reductions = _REDUCTIONS

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is not None:
            cls.__init__ = _legacy_reduction(init)

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in self._reductions:
            raise ValueError(
                f"{type(self).__name__}: reduction must be one of "
                f"{', '.join(map(repr, self._reductions))}, got {reduction!r}"
            )
        self.reduction = reduction


def _legacy_reduction(init: Any) -> Any:
    """``init`` taking PyTorch's deprecated ``size_average=`` / ``reduce=`` keywords too."""

    @functools.wraps(init)
    def wrapped(self: _Loss, *args: Any, size_average: Any = None, reduce: Any = None, **kw: Any):
        if size_average is not None or reduce is not None:
            name = type(self).__name__
            kw["reduction"] = F._reduction(name, size_average, reduce, kw.get("reduction", "mean"))
        init(self, *args, **kw)

    return wrapped


_Loss.__init__ = _legacy_reduction(_Loss.__init__)  # type: ignore[method-assign]


class _WeightedLoss(_Loss):
    """A loss with an optional ``weight`` buffer."""

    def __init__(self, weight: Any = None, *, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self.register_buffer("weight", _buffer(weight))


class MSELoss(_Loss):
    """Mean squared error: ``(input - target)^2``, reduced.  Shape: input and target (*)."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error: ``|input - target|``, reduced.  Shape: input and target (*)."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class HuberLoss(_Loss):
    """``d^2 / 2`` where ``|d| <= delta``, else ``delta (|d| - delta / 2)``, d = input - target.

    Quadratic near the target, linear (robust to outliers) beyond ``delta``.
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = _real("HuberLoss", "delta", delta)
        if self.delta <= 0:
            raise ValueError(f"HuberLoss: delta must be positive, got {delta}")

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.huber_loss(input, target, self.reduction, self.delta)


class SmoothL1Loss(_Loss):
    """``d^2 / (2 beta)`` where ``|d| < beta``, else ``|d| - beta / 2``, d = input - target;
    HuberLoss(delta=beta) / beta."""

    def __init__(self, *, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.beta = _real("SmoothL1Loss", "beta", beta)
        if self.beta < 0:
            raise ValueError(f"SmoothL1Loss: beta must be non-negative, got {beta}")

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class BCELoss(_WeightedLoss):
    """Binary cross entropy of probabilities: ``-w (t log p + (1 - t) log(1 - p))``.

    Args:
        weight: broadcasts to the input's shape (e.g. one weight per sample).

    Prefer BCEWithLogitsLoss on raw scores (no sigmoid layer): it is numerically exact.
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        F._check_probability_target("BCELoss", target)
        return F.binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """Binary cross entropy of ``sigmoid(input)``, computed stably from the logits:
    ``-w (pos_weight t log sigmoid(x) + (1 - t) log(1 - sigmoid(x)))``.

    Args:
        weight: broadcasts to the input's shape.
        pos_weight: weight of the positive examples, e.g. one per class (C,) = negatives /
            positives of that class to balance them.
    """

    def __init__(
        self, weight: Any = None, *, reduction: str = "mean", pos_weight: Any = None
    ) -> None:
        super().__init__(weight, reduction=reduction)
        self.register_buffer("pos_weight", _buffer(pos_weight))

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy_with_logits(
            input, target, self.weight, reduction=self.reduction, pos_weight=self.pos_weight
        )


class CrossEntropyLoss(_WeightedLoss):
    """Cross entropy of ``softmax(input)`` (over dim 1) against class indices or
    probabilities, in one fused op (see :func:`retroprop.nn.functional.cross_entropy`).

    Args:
        weight: one weight per class, shape (C,).
        ignore_index: targets of this class count for nothing.
        reduction: 'mean' divides by the total weight of the counted targets.
        label_smoothing: mix the target with the uniform distribution, by this fraction.

    Shape: input (N, C) or (N, C, d1, ...) or (C,); target (N,) / (N, d1, ...) / () of int64
    indices, or the input's shape of probabilities.

    Example::

        criterion = nn.CrossEntropyLoss()
        loss = criterion(model(x), labels)
    """

    def __init__(
        self,
        weight: Any = None,
        *,
        ignore_index: int = -100,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(weight, reduction=reduction)
        self.ignore_index = _index("CrossEntropyLoss", ignore_index)
        self.label_smoothing = _real("CrossEntropyLoss", "label_smoothing", label_smoothing)
        if not 0.0 <= self.label_smoothing <= 1.0:
            raise ValueError(
                f"CrossEntropyLoss: label_smoothing must be in [0, 1], got {label_smoothing}"
            )

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.cross_entropy(
            input,
            target,
            self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of log-probabilities: ``-weight[y] * input[n, y]``.
    LogSoftmax then NLLLoss is CrossEntropyLoss. Same shapes and options as CrossEntropyLoss
    with class indices."""

    def __init__(
        self, weight: Any = None, *, ignore_index: int = -100, reduction: str = "mean"
    ) -> None:
        super().__init__(weight, reduction=reduction)
        self.ignore_index = _index("NLLLoss", ignore_index)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.nll_loss(
            input, target, self.weight, ignore_index=self.ignore_index, reduction=self.reduction
        )


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence ``sum target (log target - input)``, input being
    log-probabilities (target too if ``log_target``). Use ``reduction='batchmean'`` for the
    KL divergence per sample; 'mean' averages over every element."""

    _reductions = _REDUCTIONS + ("batchmean",)

    def __init__(self, *, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__(reduction=reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class HingeEmbeddingLoss(_Loss):
    """``input`` where target = 1, ``max(0, margin - input)`` where target = -1: pulls
    similar pairs' distances down and pushes dissimilar ones beyond ``margin``."""

    def __init__(self, margin: float = 1.0, *, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self.margin = _real("HingeEmbeddingLoss", "margin", margin)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.hinge_embedding_loss(input, target, self.margin, reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """Multi-class hinge loss ``sum_{j != y} w_y max(0, margin - x_y + x_j)^p / C``.

    Args:
        p: 1 or 2.
        margin: the score gap wanted between the target class and each other class.
        weight: one weight per class, shape (C,).

    Shape: input (N, C) or (C,); target (N,) or () of int64 class indices.
    """

    def __init__(
        self, p: int = 1, margin: float = 1.0, weight: Any = None, *, reduction: str = "mean"
    ) -> None:
        super().__init__(weight, reduction=reduction)
        if p not in (1, 2):
            raise ValueError(f"MultiMarginLoss: p must be 1 or 2, got {p}")
        self.p = p
        self.margin = _real("MultiMarginLoss", "margin", margin)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.multi_margin_loss(
            input, target, self.p, self.margin, self.weight, reduction=self.reduction
        )
