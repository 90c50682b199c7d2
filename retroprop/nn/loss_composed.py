"""Loss layers whose math is composed from other ops in :mod:`retroprop.nn.composed_loss`:
MarginRankingLoss, SoftMarginLoss, CosineEmbeddingLoss, TripletMarginLoss,
MultiLabelSoftMarginLoss, PoissonNLLLoss (PyTorch's arguments; ``reduction`` keyword-only
as in :mod:`retroprop.nn.loss`)."""

from __future__ import annotations

from retroprop.nn import composed_loss as C
from retroprop.nn.loss import _Loss, _WeightedLoss
from retroprop.tensor import Tensor


class MarginRankingLoss(_Loss):
    """``max(0, -y (x1 - x2) + margin)``.  Shape: x1, x2, y (N,) or ()."""

    def __init__(self, margin: float = 0.0, *, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        return C.margin_ranking_loss(input1, input2, target, self.margin, self.reduction)


class SoftMarginLoss(_Loss):
    """``log(1 + exp(-y x))`` for labels +-1.  Shape: input and target (*)."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return C.soft_margin_loss(input, target, self.reduction)


class CosineEmbeddingLoss(_Loss):
    """``1 - cos(x1, x2)`` for y = 1, ``max(0, cos - margin)`` for y = -1.
    Shape: x1, x2 (N, D) or (D,); y (N,) or ()."""

    def __init__(self, margin: float = 0.0, *, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        return C.cosine_embedding_loss(input1, input2, target, self.margin, self.reduction)


class TripletMarginLoss(_Loss):
    """``max(d(a, p) - d(a, n) + margin, 0)``, d the p-norm distance.
    Shape: anchor, positive, negative (N, D) or (D,)."""

    def __init__(
        self,
        margin: float = 1.0,
        p: float = 2.0,
        eps: float = 1e-6,
        swap: bool = False,
        *,
        reduction: str = "mean",
    ) -> None:
        super().__init__(reduction=reduction)
        self.margin, self.p, self.eps, self.swap = margin, p, eps, swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return C.triplet_margin_loss(
            anchor, positive, negative, self.margin, self.p, self.eps, self.swap, self.reduction
        )


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """One binary cross entropy of logits per class, averaged over the classes.
    Shape: input and target (N, C); weight (C,)."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return C.multilabel_soft_margin_loss(input, target, self.weight, self.reduction)


class PoissonNLLLoss(_Loss):
    """Poisson negative log-likelihood (see :func:`F.poisson_nll_loss`).  Shape: (*)."""

    def __init__(
        self,
        log_input: bool = True,
        full: bool = False,
        *,
        eps: float = 1e-8,
        reduction: str = "mean",
    ) -> None:
        super().__init__(reduction=reduction)
        self.log_input, self.full, self.eps = log_input, full, eps

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return C.poisson_nll_loss(
            input, target, self.log_input, self.full, self.eps, self.reduction
        )
