"""The Transformer decoder and the whole encoder-decoder model: TransformerDecoderLayer
(masked self-attention, cross-attention to the encoder's output, a feed-forward network, each
in a residual block), TransformerDecoder (a stack of them) and Transformer (an encoder stack
and a decoder stack, as in Vaswani et al., 2017). Submodule names are PyTorch's, so
state_dicts load both ways. The encoder side is :mod:`retroprop.nn.transformer`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from retroprop.devices import check_device
from retroprop.nn import init
from retroprop.nn.attention import MultiheadAttention
from retroprop.nn.containers import ModuleList
from retroprop.nn.dropout import Dropout
from retroprop.nn.linear import Linear
from retroprop.nn.module import Module
from retroprop.nn.normalization import LayerNorm
from retroprop.nn.transformer import (
    _ACTIVATIONS,
    TransformerEncoder,
    TransformerEncoderLayer,
    generate_square_subsequent_mask,
)
from retroprop.tensor import Tensor


def _activation(owner: str, activation: str | Callable[[Tensor], Tensor]) -> Callable:
    if isinstance(activation, str):
        if activation not in _ACTIVATIONS:
            raise ValueError(
                f"{owner}: activation should be 'relu' or 'gelu' (or a callable), got "
                f"{activation!r}"
            )
        return _ACTIVATIONS[activation]
    return activation


class TransformerDecoderLayer(Module):
    """Self-attention on the target, attention to the encoder's output (``memory``), then a
    position-wise feed-forward network, each in a residual block::

        post-norm (default):   x = norm1(x + SA(x));  x = norm2(x + CA(x, m));  x = norm3(x + FF(x))
        pre-norm (norm_first): x = x + SA(norm1(x));  x = x + CA(norm2(x), m);  x = x + FF(norm3(x))

    with SA(x) = dropout1(self_attn(x, x, x)), CA(x, m) = dropout2(multihead_attn(x, m, m))
    and FF(x) = dropout3(linear2(dropout(activation(linear1(x))))).

    Args:
        d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first,
            norm_first, bias, dtype: as :class:`~retroprop.nn.TransformerEncoderLayer`.

    Forward: ``forward(tgt, memory, tgt_mask=None, memory_mask=None,
    tgt_key_padding_mask=None, memory_key_padding_mask=None, tgt_is_causal=False,
    memory_is_causal=False)``; the masks as in :class:`MultiheadAttention` (boolean True
    means "do not attend"), ``tgt_mask`` (T, T) usually the causal mask.

    Shape: tgt (T, N, E), memory (S, N, E) -> (T, N, E); (N, T, E), (N, S, E) with
    ``batch_first``; unbatched (T, E), (S, E) -> (T, E).
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
        attention = dict(dropout=dropout, bias=bias, batch_first=batch_first, dtype=dtype)
        self.self_attn = MultiheadAttention(d_model, nhead, **attention)
        self.multihead_attn = MultiheadAttention(d_model, nhead, **attention)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        norm = dict(eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm1, self.norm2, self.norm3 = (LayerNorm(d_model, **norm) for _ in range(3))
        self.dropout1, self.dropout2, self.dropout3 = (Dropout(dropout) for _ in range(3))
        self.activation = _activation("TransformerDecoderLayer", activation)

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Tensor:
        x = tgt
        sa = (tgt_mask, tgt_key_padding_mask, tgt_is_causal)
        ca = (memory_mask, memory_key_padding_mask, memory_is_causal)
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), *sa)
            x = x + self._mha_block(self.norm2(x), memory, *ca)
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, *sa))
            x = self.norm2(x + self._mha_block(x, memory, *ca))
            x = self.norm3(x + self._ff_block(x))
        return x

    def _sa_block(self, x: Tensor, mask: Any, padding: Any, is_causal: bool) -> Tensor:
        out, _ = self.self_attn(
            x, x, x, attn_mask=mask, key_padding_mask=padding, need_weights=False,
            is_causal=is_causal,
        )  # fmt: skip
        return self.dropout1(out)

    def _mha_block(self, x: Tensor, mem: Tensor, mask: Any, padding: Any, causal: bool) -> Tensor:
        out, _ = self.multihead_attn(
            x, mem, mem, attn_mask=mask, key_padding_mask=padding, need_weights=False,
            is_causal=causal,
        )  # fmt: skip
        return self.dropout2(out)

    def _ff_block(self, x: Tensor) -> Tensor:
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerDecoder(Module):
    """A stack of ``num_layers`` copies of ``decoder_layer`` (independent parameters, named
    ``layers.0``, ``layers.1``, ...), each attending to the same ``memory``, then an optional
    final ``norm``.

    Forward: ``forward(tgt, memory, tgt_mask=None, memory_mask=None,
    tgt_key_padding_mask=None, memory_key_padding_mask=None, tgt_is_causal=None,
    memory_is_causal=False)``, passed to every layer.
    """

    def __init__(self, decoder_layer: Module, num_layers: int, norm: Module | None = None) -> None:
        super().__init__()
        if not isinstance(num_layers, int | np.integer) or num_layers < 1:
            raise ValueError(
                f"TransformerDecoder: num_layers must be a positive integer, got {num_layers!r}"
            )
        self.layers = ModuleList(copy.deepcopy(decoder_layer) for _ in range(num_layers))
        self.num_layers = int(num_layers)
        self.norm = norm

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        output = tgt
        for layer in self.layers:
            output = layer(
                output,
                memory,
                tgt_mask=tgt_mask,
                memory_mask=memory_mask,
                tgt_key_padding_mask=tgt_key_padding_mask,
                memory_key_padding_mask=memory_key_padding_mask,
                tgt_is_causal=bool(tgt_is_causal),
                memory_is_causal=memory_is_causal,
            )
        return output if self.norm is None else self.norm(output)


class Transformer(Module):
    """The encoder-decoder Transformer: ``memory = encoder(src)``, ``out = decoder(tgt,
    memory)``, each stack ending with a LayerNorm. The output has no final projection (add
    a Linear to a vocabulary yourself).

    Args:
        d_model: model width E. Default: 512.
        nhead: attention heads. Default: 8.
        num_encoder_layers, num_decoder_layers: depths of the stacks. Default: 6 and 6.
        dim_feedforward, dropout, activation, layer_norm_eps, batch_first, norm_first, bias,
            dtype: passed to every layer (see :class:`TransformerEncoderLayer`).
        custom_encoder, custom_decoder: modules replacing the default stacks.

    All weight matrices (parameters with more than one dimension) are drawn Glorot-uniform,
    as PyTorch's ``Transformer._reset_parameters``.

    Forward: ``forward(src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
    src_key_padding_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None,
    src_is_causal=None, tgt_is_causal=None, memory_is_causal=False)``.

    Shape: src (S, N, E), tgt (T, N, E) -> (T, N, E); batch first (N, S, E), (N, T, E) ->
    (N, T, E); unbatched (S, E), (T, E) -> (T, E).

    Example::

        model = nn.Transformer(d_model=32, nhead=4, batch_first=True)
        mask = nn.Transformer.generate_square_subsequent_mask(tgt.shape[1])
        out = model(src, tgt, tgt_mask=mask, tgt_is_causal=True)
    """

    def __init__(
        self,
        d_model: int = 512,
        nhead: int = 8,
        num_encoder_layers: int = 6,
        num_decoder_layers: int = 6,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable[[Tensor], Tensor] = "relu",
        custom_encoder: Module | None = None,
        custom_decoder: Module | None = None,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        check_device(type(self).__name__, device)
        super().__init__()
        activation = _activation("Transformer", activation)
        layer = dict(
            dim_feedforward=dim_feedforward, dropout=dropout, activation=activation,
            layer_norm_eps=layer_norm_eps, batch_first=batch_first, norm_first=norm_first,
            bias=bias, dtype=dtype,
        )  # fmt: skip
        norm = dict(eps=layer_norm_eps, bias=bias, dtype=dtype)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            enc = TransformerEncoderLayer(d_model, nhead, **layer)
            self.encoder = TransformerEncoder(enc, num_encoder_layers, LayerNorm(d_model, **norm))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            dec = TransformerDecoderLayer(d_model, nhead, **layer)
            self.decoder = TransformerDecoder(dec, num_decoder_layers, LayerNorm(d_model, **norm))
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)

    generate_square_subsequent_mask = staticmethod(generate_square_subsequent_mask)

    def forward(
        self,
        src: Tensor,
        tgt: Tensor,
        src_mask: Tensor | None = None,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        src_is_causal: bool | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        batch = 0 if self.batch_first else 1
        if src.ndim == 3 and src.shape[batch] != tgt.shape[batch]:
            raise RuntimeError(
                f"Transformer: the batch sizes of src and tgt must be equal, got src shape "
                f"{tuple(src.shape)} and tgt shape {tuple(tgt.shape)} (batch_first="
                f"{self.batch_first})"
            )
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError(
                f"Transformer: the feature sizes of src and tgt must equal d_model = "
                f"{self.d_model}, got src shape {tuple(src.shape)} and tgt shape "
                f"{tuple(tgt.shape)}"
            )
        memory = self.encoder(
            src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal
        )
        return self.decoder(
            tgt,
            memory,
            tgt_mask=tgt_mask,
            memory_mask=memory_mask,
            tgt_key_padding_mask=tgt_key_padding_mask,
            memory_key_padding_mask=memory_key_padding_mask,
            tgt_is_causal=tgt_is_causal,
            memory_is_causal=memory_is_causal,
        )
