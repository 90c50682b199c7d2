"""Attention: the softmax of scaled dot products as one fused op, scaled dot-product attention
and multi-head attention built on it.

Attention lets every query position take a weighted average of the value vectors, the weights
saying how well the query matches each key::

    weights = softmax(Q K^T * scale + mask)       (..., L, S)
    output  = weights @ V                         (..., L, Ev)

The first line is :class:`AttentionWeights`, fused so that the (L, S) score matrix is made and
normalised in place and only the weights are kept for the backward; the second line is the
ordinary matrix product of :mod:`retroprop.ops.linalg`.

Masks. In ``scaled_dot_product_attention`` a boolean ``attn_mask`` is True where a query *may*
attend (PyTorch's convention for that function); in ``multi_head_attention_forward`` (and
``nn.MultiheadAttention``) a boolean ``attn_mask`` or ``key_padding_mask`` is True where it may
*not*. Float masks are added to the scores in both. A query row that may attend to nothing gets
all-zero weights (hence a zero output), as PyTorch's SDPA does, rather than NaN.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from retroprop import random as _random
from retroprop.autograd import Function
from retroprop.ops._util import unbroadcast
from retroprop.ops.arithmetic import add
from retroprop.ops.linalg import linear, matmul
from retroprop.ops.reduce import mean
from retroprop.ops.shape import chunk, permute, reshape, squeeze, unsqueeze
from retroprop.tensor import Tensor


class AttentionWeights(Function):
    """P = dropout(softmax(scale * Q K^T + M)) along the last dim, with an optional causal mask
    (query i sees keys j <= i, top-left aligned as PyTorch) and optional dropout ``D`` (the kept
    entries scaled by 1 / (1 - p)).

    With S = scale * Q K^T + M, A = softmax(S) and G = dL/dP * D:
        dL/dS = A * (G - sum_j(G * A))          (the softmax Jacobian, row by row)
        dL/dQ = scale * dL/dS @ K,   dL/dK = scale * (dL/dS)^T @ Q,   dL/dM = dL/dS,
    each summed over broadcast batch dims. A fully masked row has A = 0, so no gradient.

    Speed: one (L, S) array is scaled, masked, exponentiated and normalised in place.
    """

    def forward(
        self,
        q: np.ndarray,
        k: np.ndarray,
        mask: np.ndarray | None = None,
        scale: float = 1.0,
        causal: bool = False,
        drop: np.ndarray | None = None,
    ) -> np.ndarray:
        s = np.matmul(q, np.swapaxes(k, -1, -2))
        s *= scale
        if mask is not None:
            s += mask
        if causal:
            s[..., ~np.tril(np.ones(s.shape[-2:], dtype=bool))] = -np.inf
        top = s.max(axis=-1, keepdims=True)
        top[~np.isfinite(top)] = 0  # a fully masked row: exp(-inf) = 0 instead of NaN
        s -= top
        np.exp(s, out=s)
        total = s.sum(axis=-1, keepdims=True)
        total[total == 0] = 1
        s /= total
        self.scale = scale
        self.save_for_backward(q, k, s, drop)
        return s if drop is None else s * drop

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        q, k, a, drop = self.saved_values
        if drop is not None:
            g = g * drop
        ds = g - (g * a).sum(axis=-1, keepdims=True)
        ds *= a
        needs = self.needs_input_grad
        gq = gk = None
        if needs[0]:
            gq = unbroadcast(np.matmul(ds, k), q.shape)
            gq *= self.scale
        if needs[1]:
            gk = unbroadcast(np.matmul(np.swapaxes(ds, -1, -2), q), k.shape)
            gk *= self.scale
        return gq, gk, unbroadcast(ds, self.input_shapes[2]) if needs[2] else None


def _dropout_mask(shape: tuple[int, ...], p: float, dtype: np.dtype) -> np.ndarray:
    """Kept entries 1 / (1 - p), dropped ones 0, from ``rp.random.default_generator``."""
    keep = _random.default_generator.random(shape, dtype=np.float32) >= p
    mask = keep.astype(dtype)
    mask *= 1.0 / (1.0 - p) if p < 1 else 0.0
    return mask


def _tensor(x: Any) -> Any:
    if x is None or isinstance(x, Tensor):
        return x
    return Tensor(x, dtype=x.dtype) if isinstance(x, np.ndarray) else Tensor(x)


def _mask_array(name: str, arg: str, mask: Any, dtype: np.dtype, attend: bool) -> Any:
    """A float mask to add to the scores: a float Tensor as it is; a boolean one as 0 where
    attention is allowed and -inf elsewhere (``attend``: True marks allowed positions)."""
    m = _tensor(mask)
    if m.dtype == np.bool_:
        allowed = m._data if attend else ~m._data
        return Tensor._wrap(np.where(allowed, 0.0, -np.inf).astype(dtype))
    if m.dtype != dtype:
        raise TypeError(
            f"{name}: {arg} must be bool or have the query's dtype {dtype}, got {m.dtype}"
        )
    return m


def _scores_shape(q: Any, k: Any) -> tuple[int, ...]:
    """The shape of Q K^T: the broadcast batch dims, then (L, S)."""
    return np.broadcast_shapes(q.shape[:-1], k.shape[:-2] + (1,)) + (k.shape[-2],)


def _attention(q: Any, k: Any, mask: Any, scale: float, causal: bool, dropout_p: float) -> Any:
    """The attention weights (..., L, S) with the mask, causality and dropout applied."""
    drop = _dropout_mask(_scores_shape(q, k), dropout_p, q.dtype) if dropout_p > 0 else None
    return AttentionWeights.apply(q, k, mask, scale=scale, causal=causal, drop=drop)


def scaled_dot_product_attention(
    query: Any,
    key: Any,
    value: Any,
    attn_mask: Any = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
) -> Any:
    """``softmax(query @ key^T * scale + mask) @ value``, as ``F.scaled_dot_product_attention``.

    Args:
        query, key, value: (..., L, E), (..., S, E), (..., S, Ev); batch dims broadcast.
        attn_mask: broadcastable to (..., L, S). Boolean: True where the query may attend.
            Float: added to the scores (e.g. -inf to forbid); it may require grad.
        dropout_p: probability of dropping each attention weight (apply it only in training:
            this function does not know the mode).
        is_causal: forbid query i to see keys j > i (top-left aligned when L != S); do not
            combine with ``attn_mask``.
        scale: default ``1 / sqrt(E)``.

    Shape: output (..., L, Ev).
    """
    name = "scaled_dot_product_attention"
    for arg, t in (("query", query), ("key", key), ("value", value)):
        if t.ndim < 2 or t.dtype.kind != "f":
            raise ValueError(
                f"{name}: {arg} must be a floating tensor with at least 2 dims (..., length, "
                f"features), got shape {tuple(t.shape)} and dtype {t.dtype}"
            )
    if not query.dtype == key.dtype == value.dtype:
        raise TypeError(
            f"{name}: query, key and value must have one dtype, got {query.dtype}, "
            f"{key.dtype}, {value.dtype}"
        )
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise ValueError(
            f"{name}: expected query (..., L, E), key (..., S, E), value (..., S, Ev); got "
            f"{tuple(query.shape)}, {tuple(key.shape)}, {tuple(value.shape)}"
        )
    try:
        np.broadcast_shapes(query.shape[:-2], key.shape[:-2], value.shape[:-2])
    except ValueError:
        raise ValueError(
            f"{name}: the batch dims of query {tuple(query.shape)}, key {tuple(key.shape)} and "
            f"value {tuple(value.shape)} do not broadcast"
        ) from None
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"{name}: dropout_p must be in [0, 1], got {dropout_p}")
    if attn_mask is not None:
        if is_causal:
            raise ValueError(f"{name}: pass attn_mask or is_causal=True, not both")
        attn_mask = _mask_array(name, "attn_mask", attn_mask, query.dtype, attend=True)
        scores = _scores_shape(query, key)
        try:
            fits = np.broadcast_shapes(scores, attn_mask.shape) == scores
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(
                f"{name}: attn_mask of shape {tuple(attn_mask.shape)} does not broadcast to "
                f"the scores' shape {scores} (..., L, S)"
            )
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    weights = _attention(query, key, attn_mask, scale, is_causal, dropout_p)
    return matmul(weights, value)


def _check_mha(
    query: Any,
    key: Any,
    value: Any,
    embed_dim: int,
    num_heads: int,
    key_padding_mask: Any,
    attn_mask: Any,
) -> bool:
    """Check the shapes (PyTorch's rules); return whether the input is batched."""
    name = "multi_head_attention_forward"
    if query.ndim not in (2, 3):
        raise ValueError(
            f"{name}: query must be (L, E) unbatched or (L, N, E) batched, got shape "
            f"{tuple(query.shape)}"
        )
    batched = query.ndim == 3
    if key.ndim != query.ndim or value.ndim != query.ndim:
        raise ValueError(
            f"{name}: key and value must have as many dims as query ({query.ndim}), got shapes "
            f"{tuple(key.shape)} and {tuple(value.shape)}"
        )
    if query.shape[-1] != embed_dim:
        raise ValueError(
            f"{name}: query of shape {tuple(query.shape)} does not end in embed_dim {embed_dim}"
        )
    if key.shape[:-1] != value.shape[:-1] or (batched and key.shape[1] != query.shape[1]):
        raise ValueError(
            f"{name}: key {tuple(key.shape)} and value {tuple(value.shape)} must share their "
            f"(S, N) dims, and N must match query {tuple(query.shape)}"
        )
    n = query.shape[1] if batched else 1
    if key_padding_mask is not None:
        want = (n, key.shape[0]) if batched else (key.shape[0],)
        if tuple(key_padding_mask.shape) != want:
            raise ValueError(
                f"{name}: key_padding_mask must have shape {want} (batch, source length), got "
                f"{tuple(key_padding_mask.shape)}"
            )
    if attn_mask is not None:
        lengths = (query.shape[0], key.shape[0])
        if tuple(attn_mask.shape) not in (lengths, (n * num_heads,) + lengths):
            raise ValueError(
                f"{name}: attn_mask must have shape {lengths} or {(n * num_heads,) + lengths} "
                f"(batch * num_heads, L, S), got {tuple(attn_mask.shape)}"
            )
    return batched


def multi_head_attention_forward(
    query: Any,
    key: Any,
    value: Any,
    embed_dim_to_check: int,
    num_heads: int,
    in_proj_weight: Any,
    in_proj_bias: Any,
    bias_k: Any,
    bias_v: Any,
    add_zero_attn: bool,
    dropout_p: float,
    out_proj_weight: Any,
    out_proj_bias: Any,
    training: bool = True,
    key_padding_mask: Any = None,
    need_weights: bool = True,
    attn_mask: Any = None,
    use_separate_proj_weight: bool = False,
    q_proj_weight: Any = None,
    k_proj_weight: Any = None,
    v_proj_weight: Any = None,
    static_k: Any = None,
    static_v: Any = None,
    average_attn_weights: bool = True,
    is_causal: bool = False,
) -> tuple[Any, Any]:
    """Multi-head attention with PyTorch's arguments (sequence-first layout).

    Each head h attends with its own projections of the inputs::

        Q = query W_q^T + b_q,  K = key W_k^T + b_k,  V = value W_v^T + b_v   (split in H heads)
        head_h = softmax(Q_h K_h^T / sqrt(E / H) + mask) V_h
        output = concat(head_1 .. head_H) W_o^T + b_o

    Args:
        query, key, value: (L, N, E), (S, N, kdim), (S, N, vdim); or unbatched (L, E), ...
        in_proj_weight: (3E, E) holding W_q, W_k, W_v (unless ``use_separate_proj_weight``,
            then ``q_proj_weight`` (E, E), ``k_proj_weight`` (E, kdim), ``v_proj_weight``).
        in_proj_bias: (3E,) or None.
        key_padding_mask: (N, S); boolean True marks keys to ignore; float is added.
        attn_mask: (L, S) or (N * H, L, S); boolean True marks pairs that may NOT attend.
        dropout_p: dropout on the attention weights, only when ``training``.
        need_weights: also return the attention weights, averaged over heads
            (``average_attn_weights``: (N, L, S)) or not ((N, H, L, S)).
        is_causal: a hint that ``attn_mask`` is the causal mask; the mask is required and used.

    ``bias_k``, ``bias_v``, ``add_zero_attn``, ``static_k`` and ``static_v`` are not supported
    (pass None / False).

    Returns: (output (L, N, E), weights or None).
    """
    name = "multi_head_attention_forward"
    if bias_k is not None or bias_v is not None or add_zero_attn:
        raise ValueError(f"{name}: bias_k, bias_v and add_zero_attn are not supported")
    if static_k is not None or static_v is not None:
        raise ValueError(f"{name}: static_k and static_v are not supported")
    if is_causal and attn_mask is None:
        raise RuntimeError(
            f"{name}: is_causal=True needs attn_mask (it is only a hint that the mask is "
            "causal); build one with nn.generate_square_subsequent_mask"
        )
    embed_dim = embed_dim_to_check
    if num_heads <= 0 or embed_dim % num_heads:
        raise ValueError(
            f"{name}: embed_dim {embed_dim} must be divisible by num_heads {num_heads}"
        )
    key_padding_mask, attn_mask = _tensor(key_padding_mask), _tensor(attn_mask)
    batched = _check_mha(query, key, value, embed_dim, num_heads, key_padding_mask, attn_mask)
    if not batched:
        query, key, value = unsqueeze(query, 1), unsqueeze(key, 1), unsqueeze(value, 1)
        if key_padding_mask is not None:
            key_padding_mask = unsqueeze(key_padding_mask, 0)

    if use_separate_proj_weight:
        w_q, w_k, w_v = q_proj_weight, k_proj_weight, v_proj_weight
    else:
        w_q, w_k, w_v = chunk(in_proj_weight, 3)
    b_q, b_k, b_v = (None,) * 3 if in_proj_bias is None else chunk(in_proj_bias, 3)
    length, n, _ = query.shape
    source = key.shape[0]
    head_dim = embed_dim // num_heads

    def heads(x: Any, w: Any, b: Any) -> Any:
        """(T, N, in) -> projected and split into heads, (N, H, T, head_dim)."""
        y = reshape(linear(x, w, b), (x.shape[0], n, num_heads, head_dim))
        return permute(y, (1, 2, 0, 3))

    q, k, v = heads(query, w_q, b_q), heads(key, w_k, b_k), heads(value, w_v, b_v)

    mask = None
    if attn_mask is not None:
        mask = _mask_array(name, "attn_mask", attn_mask, query.dtype, attend=False)
        if mask.ndim == 3:
            mask = reshape(mask, (n, num_heads, length, source))
    if key_padding_mask is not None:
        pad = _mask_array(name, "key_padding_mask", key_padding_mask, query.dtype, attend=False)
        pad = reshape(pad, (n, 1, 1, source))
        mask = pad if mask is None else add(mask, pad)

    p = dropout_p if training else 0.0
    weights = _attention(q, k, mask, 1.0 / math.sqrt(head_dim), False, p)
    out = permute(matmul(weights, v), (2, 0, 1, 3))  # (L, N, H, head_dim)
    out = linear(reshape(out, (length, n, embed_dim)), out_proj_weight, out_proj_bias)
    if not need_weights:
        return (out if batched else squeeze(out, 1)), None
    if average_attn_weights:
        weights = mean(weights, 1)
    if not batched:
        out, weights = squeeze(out, 1), squeeze(weights, 0)
    return out, weights
