"""MultiheadAttention: the parameters of multi-head attention (PyTorch's names and layouts);
the computation is :func:`retroprop.ops.attention.multi_head_attention_forward`."""

from __future__ import annotations

from typing import Any

import numpy as np

from retroprop.devices import check_device
from retroprop.nn import init
from retroprop.nn.linear import Linear
from retroprop.nn.module import Module
from retroprop.nn.parameter import Parameter
from retroprop.ops.attention import multi_head_attention_forward
from retroprop.ops.shape import transpose
from retroprop.tensor import Tensor, get_default_dtype


class MultiheadAttention(Module):
    """Multi-head attention (Vaswani et al., 2017): H heads, each attending with its own
    projections of the queries, keys and values, their outputs concatenated and projected::

        head_h = softmax((q W_q,h^T)(k W_k,h^T)^T / sqrt(E / H) + mask) (v W_v,h^T)
        output = concat(head_1, ..., head_H) W_o^T + b_o

    Args:
        embed_dim: E, the model's width (query features and output features).
        num_heads: H; each head works on E / H features, so H must divide E.
        dropout: dropout probability on the attention weights (training only).
        bias: learn the biases of the input and output projections.
        add_bias_kv, add_zero_attn: not supported (must be False).
        kdim, vdim: features of key and value (default E); when either differs from E the
            projections are separate parameters ``q_proj_weight``, ``k_proj_weight``,
            ``v_proj_weight`` instead of the stacked ``in_proj_weight`` (3E, E).
        batch_first: inputs and output are (N, L, E) instead of (L, N, E).

    Parameters (PyTorch's state_dict keys): ``in_proj_weight`` (3E, E) with Glorot-uniform
    values, ``in_proj_bias`` (3E,) zeros, ``out_proj.weight`` (E, E), ``out_proj.bias`` zeros.

    Forward:
        ``forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
        average_attn_weights=True, is_causal=False)`` -> ``(output, weights or None)``.
        ``key_padding_mask`` (N, S) and ``attn_mask`` (L, S) or (N * H, L, S): a boolean True
        means "do NOT attend"; a float mask is added to the scores. ``is_causal`` is a hint
        that ``attn_mask`` is causal (the mask is required). The weights are (N, L, S)
        averaged over heads, or (N, H, L, S). A query that may attend to no key gets zero
        weights and outputs ``out_proj.bias`` (PyTorch gives that with ``need_weights=False``,
        and NaN with ``need_weights=True``).

    Shape: query (L, N, E), key (S, N, kdim), value (S, N, vdim) -> (L, N, E); batch first
    (N, L, E), ...; unbatched (L, E), (S, kdim), (S, vdim) -> (L, E).

    Example::

        mha = nn.MultiheadAttention(64, 8, batch_first=True)
        out, weights = mha(x, x, x)   # self-attention, x (N, L, 64)
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        check_device(type(self).__name__, device)
        super().__init__()
        for arg, n in (("embed_dim", embed_dim), ("num_heads", num_heads)):
            if not isinstance(n, int | np.integer) or n <= 0:
                raise ValueError(f"MultiheadAttention: {arg} must be a positive integer, got {n!r}")
        if embed_dim % num_heads:
            raise ValueError(
                f"MultiheadAttention: embed_dim ({embed_dim}) must be divisible by num_heads "
                f"({num_heads})"
            )
        if add_bias_kv or add_zero_attn:
            raise ValueError("MultiheadAttention: add_bias_kv and add_zero_attn are not supported")
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"MultiheadAttention: dropout must be in [0, 1], got {dropout}")
        self.embed_dim = int(embed_dim)
        self.kdim = self.embed_dim if kdim is None else int(kdim)
        self.vdim = self.embed_dim if vdim is None else int(vdim)
        self._qkv_same_embed_dim = self.kdim == self.embed_dim and self.vdim == self.embed_dim
        self.num_heads = int(num_heads)
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = self.embed_dim // self.num_heads
        dt = np.dtype(get_default_dtype() if dtype is None else dtype)
        e = self.embed_dim

        def weight(*shape: int) -> Parameter:
            return Parameter(Tensor._wrap(np.empty(shape, dt)))

        if self._qkv_same_embed_dim:
            self.in_proj_weight = weight(3 * e, e)
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = weight(e, e)
            self.k_proj_weight = weight(e, self.kdim)
            self.v_proj_weight = weight(e, self.vdim)
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = weight(3 * e)
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(e, e, bias=bias, dtype=dt)
        self.bias_k = self.bias_v = None
        self.add_zero_attn = False
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """Glorot-uniform projections, zero biases (the output weight keeps Linear's init)."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Tensor | None = None,
        need_weights: bool = True,
        attn_mask: Tensor | None = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        for arg, t in (("query", query), ("key", key), ("value", value)):
            if not isinstance(t, Tensor) or t.dtype != self.out_proj.weight.dtype:
                raise TypeError(
                    f"MultiheadAttention: {arg} must be a Tensor of the parameters' dtype "
                    f"{self.out_proj.weight.dtype}, got {getattr(t, 'dtype', type(t).__name__)}"
                )
        batched = query.ndim == 3
        if self.batch_first and batched:
            query, key, value = (transpose(t, 0, 1) for t in (query, key, value))
        output, weights = multi_head_attention_forward(
            query,
            key,
            value,
            self.embed_dim,
            self.num_heads,
            self.in_proj_weight,
            self.in_proj_bias,
            None,
            None,
            False,
            self.dropout,
            self.out_proj.weight,
            self.out_proj.bias,
            training=self.training,
            key_padding_mask=key_padding_mask,
            need_weights=need_weights,
            attn_mask=attn_mask,
            use_separate_proj_weight=not self._qkv_same_embed_dim,
            q_proj_weight=self.q_proj_weight,
            k_proj_weight=self.k_proj_weight,
            v_proj_weight=self.v_proj_weight,
            average_attn_weights=average_attn_weights,
            is_causal=is_causal,
        )
        if self.batch_first and batched:
            output = transpose(output, 0, 1)
        return output, weights

    def extra_repr(self) -> str:
        extra = "" if self._qkv_same_embed_dim else f", kdim={self.kdim}, vdim={self.vdim}"
        return (
            f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, dropout={self.dropout}"
            f"{extra}, batch_first={self.batch_first}"
        )
