"""The Transformer encoder: TransformerEncoderLayer (self-attention and a feed-forward
network, each wrapped in a residual connection and layer normalisation), TransformerEncoder
(a stack of them) and the causal mask helper. Submodule names are PyTorch's, so state_dicts
load both ways."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from retroprop.devices import check_device
from retroprop.nn import functional as F
from retroprop.nn.attention import MultiheadAttention
from retroprop.nn.containers import ModuleList
from retroprop.nn.dropout import Dropout
from retroprop.nn.linear import Linear
from retroprop.nn.module import Module
from retroprop.nn.normalization import LayerNorm
from retroprop.tensor import Tensor, get_default_dtype


def generate_square_subsequent_mask(sz: int, dtype: Any = None) -> Tensor:
    """The causal mask of a sequence of length ``sz``: 0 on and below the diagonal, -inf above
    it, so that position i attends only to positions j <= i (as
    ``torch.nn.Transformer.generate_square_subsequent_mask``).

    Example: ``layer(x, src_mask=generate_square_subsequent_mask(x.shape[0]), is_causal=True)``.
    """
    if not isinstance(sz, int | np.integer) or sz < 0:
        raise ValueError(
            f"generate_square_subsequent_mask: sz must be a non-negative integer, got {sz!r}"
        )
    dt = np.dtype(get_default_dtype() if dtype is None else dtype)
    return Tensor._wrap(np.triu(np.full((sz, sz), -np.inf, dtype=dt), k=1))


_ACTIVATIONS = {"relu": F.relu, "gelu": F.gelu}


class TransformerEncoderLayer(Module):
    """Self-attention then a position-wise feed-forward network, each in a residual block::

        post-norm (default):  x = norm1(x + SA(x));         x = norm2(x + FF(x))
        pre-norm (norm_first): x = x + SA(norm1(x));        x = x + FF(norm2(x))

    with SA(x) = dropout1(self_attn(x, x, x)) and FF(x) = dropout2(linear2(dropout(
    activation(linear1(x))))). Pre-norm trains more stably in deep stacks (Xiong et al., 2020).

    Args:
        d_model: width of the input and output features.
        nhead: number of attention heads (must divide ``d_model``).
        dim_feedforward: width of the hidden layer of the feed-forward network.
        dropout: dropout probability (attention weights and the three dropout layers).
        activation: ``'relu'``, ``'gelu'`` or a callable (e.g. ``F.gelu``).
        layer_norm_eps: eps of both LayerNorms.
        batch_first: inputs are (N, L, E) instead of (L, N, E).
        norm_first: pre-norm instead of post-norm.
        bias: biases in the linear and normalisation layers.

    Forward: ``forward(src, src_mask=None, src_key_padding_mask=None, is_causal=False)``, the
    masks as in :class:`MultiheadAttention` (boolean True means "do not attend").

    Shape: (L, N, E), (N, L, E) with ``batch_first``, or (L, E) -> the same.
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable[[Tensor], Tensor] = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        check_device(type(self).__name__, device)
        super().__init__()
        if isinstance(activation, str):
            if activation not in _ACTIVATIONS:
                raise ValueError(
                    f"TransformerEncoderLayer: activation should be 'relu' or 'gelu' (or a "
                    f"callable), got {activation!r}"
                )
            activation = _ACTIVATIONS[activation]
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, dtype=dtype
        )
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = activation

    def forward(
        self,
        src: Tensor,
        src_mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        is_causal: bool = False,
    ) -> Tensor:
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _sa_block(self, x: Tensor, mask: Any, key_padding_mask: Any, is_causal: bool) -> Tensor:
        out, _ = self.self_attn(
            x,
            x,
            x,
            attn_mask=mask,
            key_padding_mask=key_padding_mask,
            need_weights=False,
            is_causal=is_causal,
        )
        return self.dropout1(out)

    def _ff_block(self, x: Tensor) -> Tensor:
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoder(Module):
    """A stack of ``num_layers`` copies of ``encoder_layer`` (independent parameters, named
    ``layers.0``, ``layers.1``, ...), then an optional final ``norm``.

    Args:
        encoder_layer: the layer to copy (e.g. a :class:`TransformerEncoderLayer`).
        num_layers: how many copies.
        norm: applied to the last layer's output (usual with ``norm_first`` layers).
        enable_nested_tensor, mask_check: accepted for PyTorch compatibility (they only
            select PyTorch's inference fast path, which changes no result here).

    Forward: ``forward(src, mask=None, src_key_padding_mask=None, is_causal=None)``.
    """

    def __init__(
        self,
        encoder_layer: Module,
        num_layers: int,
        norm: Module | None = None,
        enable_nested_tensor: bool = True,
        mask_check: bool = True,
    ) -> None:
        super().__init__()
        if not isinstance(num_layers, int | np.integer) or num_layers < 1:
            raise ValueError(
                f"TransformerEncoder: num_layers must be a positive integer, got {num_layers!r}"
            )
        self.layers = ModuleList(copy.deepcopy(encoder_layer) for _ in range(num_layers))
        self.num_layers = int(num_layers)
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check

    def forward(
        self,
        src: Tensor,
        mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        is_causal: bool | None = None,
    ) -> Tensor:
        output = src
        for layer in self.layers:
            output = layer(
                output,
                src_mask=mask,
                src_key_padding_mask=src_key_padding_mask,
                is_causal=bool(is_causal),
            )
        return output if self.norm is None else self.norm(output)
