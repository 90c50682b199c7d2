"""Embedding lookup: rows of a weight matrix picked by integer indices."""

from __future__ import annotations

from typing import Any

import numpy as np

from retroprop.autograd import Function
from retroprop.tensor import Tensor


class Embedding(Function):
    """y[..., :] = W[idx[...], :].

    dL/dW[k] = sum of dL/dy[...] over the positions where idx == k: a scatter-add
    (``np.add.at`` adds repeated indices instead of overwriting them). The row
    ``padding_idx``, if given, gets no gradient.
    """

    def forward(self, weight: np.ndarray, idx: np.ndarray, padding_idx: int | None) -> np.ndarray:
        self.save_for_backward(idx)
        self.padding_idx = padding_idx
        self.weight_shape = weight.shape
        return weight[idx]

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, None]:
        (idx,) = self.saved_values
        gw = np.zeros(self.weight_shape, dtype=g.dtype)
        np.add.at(gw, idx.reshape(-1), g.reshape(-1, self.weight_shape[1]))
        if self.padding_idx is not None:
            gw[self.padding_idx] = 0
        return gw, None


def check_padding_idx(name: str, padding_idx: Any, num_embeddings: int) -> int | None:
    """``padding_idx`` as a row in [0, num_embeddings): a negative one counts from the end.

    Raises ValueError naming ``name`` when it is outside [-num_embeddings, num_embeddings).
    The Embedding layer calls this at construction, ``embedding`` on every call.
    """
    if padding_idx is None:
        return None
    n = num_embeddings
    if not -n <= padding_idx < n:
        raise ValueError(
            f"{name}: padding_idx={padding_idx} must be within num_embeddings ({n}), i.e. in "
            f"[{-n}, {n - 1}]"
        )
    return int(padding_idx) % n


def embedding(input: Any, weight: Any, padding_idx: int | None = None) -> Any:
    """Look up the rows of ``weight`` at the integer indices ``input``.

    Args:
        input: integer indices in [0, num_embeddings), any shape.
        weight: (num_embeddings, embedding_dim).
        padding_idx: a row (negative counts from the end) that receives no gradient.

    Shape: input (*) -> output (*, embedding_dim).
    """
    idx = input if isinstance(input, Tensor) else Tensor(input)
    if weight.ndim != 2:
        raise ValueError(
            f"embedding: weight must be (num_embeddings, embedding_dim), got shape "
            f"{tuple(weight.shape)}"
        )
    if idx.dtype.kind not in "iu":
        raise TypeError(f"embedding: expected integer indices, got dtype {idx.dtype}")
    n = weight.shape[0]
    if idx.numel() and (idx._data.min() < 0 or idx._data.max() >= n):
        bad = idx._data[(idx._data < 0) | (idx._data >= n)].reshape(-1)[0]
        raise IndexError(
            f"embedding: index {bad} is out of range for an embedding of {n} rows "
            f"(expected indices in [0, {n - 1}])"
        )
    padding_idx = check_padding_idx("embedding", padding_idx, n)
    return Embedding.apply(weight, idx, padding_idx=padding_idx)
