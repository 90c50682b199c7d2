"""Distances and similarities between two batches of vectors: CosineSimilarity and
PairwiseDistance (their math: :func:`F.cosine_similarity`, :func:`F.pairwise_distance`)."""

from __future__ import annotations

from retroprop.nn.composed import cosine_similarity, pairwise_distance
from retroprop.nn.module import Module
from retroprop.tensor import Tensor


class CosineSimilarity(Module):
    """``x1 . x2 / (max(||x1||, eps) * max(||x2||, eps))`` along ``dim``.

    Args:
        dim: the dimension of the vectors. Default: 1.
        eps: lower bound on each norm (no division by zero). Default: 1e-8.

    Shape: x1 and x2 broadcastable, e.g. (N, D) and (N, D) -> (N,).
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return cosine_similarity(x1, x2, self.dim, self.eps)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, eps={self.eps}"


class PairwiseDistance(Module):
    """``||x1 - x2 + eps||_p`` along the last dimension.

    Args:
        p: the norm's order. Default: 2.
        eps: added to the difference (keeps the norm differentiable at 0). Default: 1e-6.
        keepdim: keep the reduced dimension. Default: False.

    Shape: x1 and x2 broadcastable (N, D) -> (N,).
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)

    def extra_repr(self) -> str:
        return f"p={self.norm}, eps={self.eps}, keepdim={self.keepdim}"
