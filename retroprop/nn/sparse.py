"""Embedding: a lookup table of learned vectors, one row per index (word, item, class)."""

from __future__ import annotations

from typing import Any

import numpy as np

from retroprop.autograd import no_grad
from retroprop.devices import check_device
from retroprop.nn import functional as F
from retroprop.nn import init
from retroprop.nn.module import Module
from retroprop.nn.parameter import Parameter
from retroprop.ops.embedding import check_padding_idx
from retroprop.tensor import Tensor, get_default_dtype


class Embedding(Module):
    """y[..., :] = weight[input[...], :].

    The gradient of ``weight`` is a scatter-add of the output gradient into the looked-up
    rows (a row looked up twice gets both contributions); the row ``padding_idx`` gets none,
    so it stays at its value (zeros at initialisation) and can stand for "no token".

    Args:
        num_embeddings: number of rows (the size of the vocabulary).
        embedding_dim: length of each vector.
        padding_idx: a row (negative counts from the end) that is zero and never trained.
        dtype: dtype of the weight (default: ``rp.get_default_dtype()``).

    Attributes:
        weight: (num_embeddings, embedding_dim), drawn from N(0, 1) as in PyTorch.

    Shape: input (*) of integers in [0, num_embeddings) -> output (*, embedding_dim).

    Example::

        emb = nn.Embedding(10, 3, padding_idx=0)
        emb(rp.tensor([[1, 2, 0]])).shape   # (1, 3, 3)
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        check_device(type(self).__name__, device)
        super().__init__()
        for name, n in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if not isinstance(n, int | np.integer) or n < 0:
                raise ValueError(f"Embedding: {name} must be a non-negative integer, got {n!r}")
        self.num_embeddings = int(num_embeddings)
        self.embedding_dim = int(embedding_dim)
        self.padding_idx = check_padding_idx("Embedding", padding_idx, self.num_embeddings)
        dt = np.dtype(get_default_dtype() if dtype is None else dtype)
        self.weight = Parameter(Tensor._wrap(np.empty((num_embeddings, embedding_dim), dt)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw the weight from N(0, 1) and zero the padding row."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx] = 0.0

    @classmethod
    def from_pretrained(
        cls, embeddings: Tensor, freeze: bool = True, padding_idx: int | None = None
    ) -> Embedding:
        """An Embedding whose weight is a copy of ``embeddings`` (num_embeddings, dim), frozen
        (no gradient) unless ``freeze=False``."""
        if embeddings.ndim != 2:
            raise ValueError(
                f"Embedding.from_pretrained: expected a 2-D tensor, got shape "
                f"{tuple(embeddings.shape)}"
            )
        rows, dim = embeddings.shape
        emb = cls(rows, dim, padding_idx=padding_idx, dtype=embeddings.dtype)
        with no_grad():
            emb.weight.copy_(embeddings)
        emb.weight.requires_grad_(not freeze)
        return emb

    def forward(self, input: Tensor) -> Tensor:
        return F.embedding(input, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        pad = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{pad}"
