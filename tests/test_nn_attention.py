"""Scaled dot-product attention (parity with torch's F.scaled_dot_product_attention: masks,
causality, scale, broadcasting, dropout; gradcheck) and MultiheadAttention (parity with
torch.nn.MultiheadAttention through its state_dict: self/cross attention, batch_first, masks,
weights; init; errors)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st

import retroprop as rp
import retroprop.nn as nn
import retroprop.nn.functional as F
from tests.parity import assert_parity, check_grad


def _qkv(rng, batch, length, source, e, ev, dtype=np.float64):
    return [
        rng.standard_normal((*batch, n, d)).astype(dtype)
        for n, d in ((length, e), (source, e), (source, ev))
    ]


# ---- scaled_dot_product_attention ----------------------------------------------------------


@given(
    batch=st.lists(st.integers(1, 3), min_size=0, max_size=2),
    length=st.integers(1, 5),
    source=st.integers(1, 5),
    e=st.integers(1, 6),
    ev=st.integers(1, 4),
    mask=st.sampled_from(["none", "bool", "float", "causal"]),
    scale=st.sampled_from([None, 0.3]),
)
def test_sdpa_matches_torch(batch, length, source, e, ev, mask, scale):
    rng = np.random.default_rng(length * 7 + source)
    arrays = _qkv(rng, batch, length, source, e, ev)
    causal = mask == "causal"
    if mask == "bool":
        arrays.append(rng.random((length, source)) > 0.3)
    elif mask == "float":
        arrays.append(rng.standard_normal((length, source)))

    def run(lib):
        def fn(q, k, v, m=None):
            return lib(q, k, v, attn_mask=m, is_causal=causal, scale=scale)

        return fn

    assert_parity(
        run(F.scaled_dot_product_attention),
        run(TF.scaled_dot_product_attention),
        arrays,
        rtol=1e-9,
        atol=1e-10,
    )


def test_sdpa_float32_keeps_dtype_and_matches_torch():
    arrays = _qkv(np.random.default_rng(0), (2, 3), 4, 6, 8, 5, np.float32)
    assert_parity(F.scaled_dot_product_attention, TF.scaled_dot_product_attention, arrays)


def test_sdpa_bool_mask_true_means_attend_and_fully_masked_rows_give_zeros_like_torch():
    rng = np.random.default_rng(1)
    arrays = _qkv(rng, (2,), 4, 5, 3, 2)
    mask = rng.random((2, 4, 5)) > 0.5
    mask[0, 2] = False  # query 2 of sample 0 may attend to nothing
    assert_parity(
        F.scaled_dot_product_attention,
        TF.scaled_dot_product_attention,
        [*arrays, mask],
        rtol=1e-9,
        atol=1e-10,
    )
    q, k, v = (rp.Tensor(a, dtype=a.dtype) for a in arrays)
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    assert np.all(out.numpy()[0, 2] == 0)
    # only the allowed keys matter: changing a masked value changes nothing
    v2 = v.numpy().copy()
    v2[1, ~mask[1, 1]] += 100.0
    out2 = F.scaled_dot_product_attention(q, k, rp.Tensor(v2, dtype=v2.dtype), attn_mask=mask)
    np.testing.assert_allclose(out2.numpy()[1, 1], out.numpy()[1, 1])


def test_sdpa_causal_is_top_left_aligned_and_gradient_of_float_mask_matches_torch():
    rng = np.random.default_rng(2)
    arrays = _qkv(rng, (3,), 3, 5, 4, 2)
    tril = np.tril(np.ones((3, 5), bool))
    a = F.scaled_dot_product_attention(*(rp.Tensor(x) for x in arrays), is_causal=True)
    b = F.scaled_dot_product_attention(*(rp.Tensor(x) for x in arrays), attn_mask=tril)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    float_mask = rng.standard_normal((3, 3, 5))
    assert_parity(
        F.scaled_dot_product_attention,
        TF.scaled_dot_product_attention,
        [*arrays, float_mask],
        rtol=1e-9,
        atol=1e-10,
    )


def test_sdpa_broadcasts_batch_dims_like_torch():
    rng = np.random.default_rng(3)
    q = rng.standard_normal((2, 3, 4, 5))
    k = rng.standard_normal((3, 6, 5))
    v = rng.standard_normal((1, 1, 6, 2))
    assert_parity(
        F.scaled_dot_product_attention,
        TF.scaled_dot_product_attention,
        [q, k, v],
        rtol=1e-9,
        atol=1e-10,
    )


def test_sdpa_gradcheck_in_float64_with_a_float_mask_and_with_dropout():
    rng = np.random.default_rng(4)
    arrays = [*_qkv(rng, (2,), 3, 4, 2, 3), rng.standard_normal((3, 4))]
    check_grad(lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m), arrays)

    def dropped(q, k, v):
        rp.manual_seed(5)  # the same dropout mask at every evaluation
        return F.scaled_dot_product_attention(q, k, v, dropout_p=0.4, is_causal=True)

    check_grad(dropped, arrays[:3])


def test_sdpa_dropout_zeroes_weights_and_rescales_the_others():
    rng = np.random.default_rng(6)
    q, k, v = (rp.Tensor(a) for a in _qkv(rng, (2,), 4, 5, 3, 3, np.float32))
    p = 0.3
    rp.manual_seed(7)
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=p)
    rp.manual_seed(7)
    keep = rp.random.default_generator.random((2, 4, 5), dtype=np.float32) >= p
    weights = TF.softmax(torch.tensor(q.numpy() @ k.numpy().swapaxes(-1, -2) / np.sqrt(3)), -1)
    expected = (weights.numpy() * keep / (1 - p)) @ v.numpy()
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-6)
    assert out.dtype == np.float32
    all_dropped = F.scaled_dot_product_attention(q, k, v, dropout_p=1.0)
    np.testing.assert_array_equal(all_dropped.numpy(), 0)


def test_sdpa_rejects_bad_inputs():
    q, k, v = (rp.Tensor(a) for a in _qkv(np.random.default_rng(0), (2,), 3, 4, 5, 2, np.float32))
    sdpa = F.scaled_dot_product_attention
    with pytest.raises(ValueError, match=r"scaled_dot_product_attention.*\(2, 4, 5\)"):
        sdpa(q, k, rp.Tensor(np.zeros((2, 3, 2), np.float32)))
    with pytest.raises(ValueError, match="query"):
        sdpa(q, rp.Tensor(np.zeros((2, 4, 4), np.float32)), v)
    with pytest.raises(ValueError, match="at least 2 dims"):
        sdpa(rp.Tensor(np.zeros(5, np.float32)), k, v)
    with pytest.raises(ValueError, match="do not broadcast"):
        sdpa(rp.Tensor(np.zeros((3, 3, 5), np.float32)), k, v)
    with pytest.raises(ValueError, match=r"attn_mask of shape \(3, 3\)"):
        sdpa(q, k, v, attn_mask=np.ones((3, 3), bool))
    with pytest.raises(TypeError, match="attn_mask must be bool or have the query's dtype"):
        sdpa(q, k, v, attn_mask=np.zeros((3, 4)))
    with pytest.raises(TypeError, match="attn_mask"):
        sdpa(q, k, v, attn_mask=np.zeros((3, 4), np.int64))
    with pytest.raises(ValueError, match="not both"):
        sdpa(q, k, v, attn_mask=np.ones((3, 4), bool), is_causal=True)
    with pytest.raises(ValueError, match="dropout_p"):
        sdpa(q, k, v, dropout_p=1.5)
    with pytest.raises(TypeError, match="one dtype"):
        sdpa(q, k, v.double())


# ---- MultiheadAttention -----------------------------------------------------------------------


def _pair(embed_dim, num_heads, **kw):
    """A torch MultiheadAttention and a retroprop one with the same float64 parameters."""
    torch.manual_seed(embed_dim * 10 + num_heads)
    t = torch.nn.MultiheadAttention(embed_dim, num_heads, **kw).double()
    for p in t.parameters():  # biases are zero-initialised: give them values
        torch.nn.init.uniform_(p, -0.5, 0.5)
    r = nn.MultiheadAttention(embed_dim, num_heads, dtype=rp.float64, **kw)
    r.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    return t, r


def _compare(t, r, inputs, grads, **kw):
    """Run both modules on the same arrays; compare outputs, input and parameter gradients."""
    tin = [torch.tensor(a, requires_grad=g) for a, g in zip(inputs, grads)]
    rin = [rp.Tensor(a, dtype=a.dtype, requires_grad=g) for a, g in zip(inputs, grads)]
    if len(inputs) == 1:  # self-attention: the same tensor as query, key and value
        tin, rin = tin * 3, rin * 3
    tkw = {k: None if v is None else torch.tensor(v) for k, v in kw.items() if "mask" in k}
    to, tw = t(*tin, **{**kw, **tkw})
    ro, rw = r(*rin, **kw)
    assert ro.shape == to.shape
    np.testing.assert_allclose(ro.detach().numpy(), to.detach().numpy(), rtol=1e-9, atol=1e-10)
    assert (rw is None) == (tw is None)
    rng = np.random.default_rng(0)
    go = rng.standard_normal(ro.shape)
    loss_r, loss_t = (ro * rp.Tensor(go, dtype=go.dtype)).sum(), (to * torch.tensor(go)).sum()
    if rw is not None:
        assert rw.shape == tw.shape
        np.testing.assert_allclose(rw.detach().numpy(), tw.detach().numpy(), rtol=1e-9, atol=1e-10)
        gw = rng.standard_normal(rw.shape)
        loss_r = loss_r + (rw * rp.Tensor(gw, dtype=gw.dtype)).sum()
        loss_t = loss_t + (tw * torch.tensor(gw)).sum()
    loss_r.backward()
    loss_t.backward()
    for a, b in zip(rin, tin):
        if b.requires_grad:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-8, atol=1e-10)
    tparams = dict(t.named_parameters())
    for name, p in r.named_parameters():
        np.testing.assert_allclose(
            p.grad.numpy(), tparams[name].grad.numpy(), rtol=1e-8, atol=1e-10, err_msg=name
        )


@given(
    heads=st.sampled_from([(4, 1), (4, 2), (6, 3)]),
    lengths=st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3)),
    batch_first=st.booleans(),
    need_weights=st.booleans(),
    average=st.booleans(),
    bias=st.booleans(),
)
def test_mha_self_attention_matches_torch(heads, lengths, batch_first, need_weights, average, bias):
    e, h = heads
    length, _, n = lengths
    t, r = _pair(e, h, batch_first=batch_first, bias=bias)
    x = np.random.default_rng(length).standard_normal(
        (n, length, e) if batch_first else (length, n, e)
    )
    _compare(t, r, [x], [True], need_weights=need_weights, average_attn_weights=average)


@given(
    lengths=st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3)),
    batch_first=st.booleans(),
    mask=st.sampled_from(["bool", "float"]),
    mask_3d=st.booleans(),
    kdims=st.sampled_from([(None, None), (3, 5)]),
)
def test_mha_cross_attention_with_masks_matches_torch(lengths, batch_first, mask, mask_3d, kdims):
    length, source, n = lengths
    e, h = 4, 2
    kdim, vdim = kdims
    t, r = _pair(e, h, batch_first=batch_first, kdim=kdim, vdim=vdim)
    rng = np.random.default_rng(length * 5 + source)

    def seq(n_steps, d):
        return rng.standard_normal((n, n_steps, d) if batch_first else (n_steps, n, d))

    inputs = [seq(length, e), seq(source, kdim or e), seq(source, vdim or e)]
    attn_shape = (n * h, length, source) if mask_3d else (length, source)
    if mask == "bool":
        attn_mask = rng.random(attn_shape) < 0.3
        padding = rng.random((n, source)) < 0.3
        attn_mask[..., 0] = padding[:, 0] = False  # every query keeps one key: no NaN in torch
    else:
        attn_mask = rng.standard_normal(attn_shape)
        padding = rng.standard_normal((n, source))
    _compare(t, r, inputs, [True, True, True], attn_mask=attn_mask, key_padding_mask=padding)


def test_mha_unbatched_input_and_float32_match_torch():
    t, r = _pair(6, 2)
    rng = np.random.default_rng(9)
    q, kv = rng.standard_normal((3, 6)), rng.standard_normal((5, 6))
    _compare(
        t, r, [q, kv, kv], [True, True, True], key_padding_mask=np.array([0, 0, 1, 0, 1], bool)
    )
    t.float()
    r.float()
    x = rng.standard_normal((4, 2, 6)).astype(np.float32)
    to, tw = t(*[torch.tensor(x)] * 3)
    ro, rw = r(*[rp.Tensor(x)] * 3)
    assert ro.dtype == np.float32 and rw.dtype == np.float32
    np.testing.assert_allclose(ro.detach().numpy(), to.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(rw.detach().numpy(), tw.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_mha_fully_padded_sample_gives_the_bias_like_torch_without_weights():
    t, r = _pair(4, 2)
    x = np.random.default_rng(3).standard_normal((3, 2, 4))
    pad = np.array([[True, True, True], [False, True, False]])
    to, _ = t(*[torch.tensor(x)] * 3, key_padding_mask=torch.tensor(pad), need_weights=False)
    ro, _ = r(*[rp.Tensor(x, dtype=x.dtype)] * 3, key_padding_mask=pad, need_weights=False)
    np.testing.assert_allclose(ro.detach().numpy(), to.detach().numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(
        ro.detach().numpy()[:, 0], np.broadcast_to(r.out_proj.bias.detach().numpy(), (3, 4))
    )


def test_mha_is_causal_is_a_hint_that_needs_the_mask():
    t, r = _pair(4, 1)
    x = rp.Tensor(np.random.default_rng(1).standard_normal((5, 2, 4)), dtype=rp.float64)
    mask = nn.generate_square_subsequent_mask(5, dtype=rp.float64)
    a, _ = r(x, x, x, attn_mask=mask, is_causal=True, need_weights=False)
    b, _ = r(x, x, x, attn_mask=mask)
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy())
    tx = torch.tensor(x.numpy())
    to, _ = t(tx, tx, tx, attn_mask=torch.tensor(mask.numpy()), is_causal=True, need_weights=False)
    np.testing.assert_allclose(a.detach().numpy(), to.detach().numpy(), rtol=1e-9, atol=1e-12)
    with pytest.raises(RuntimeError, match="is_causal=True needs attn_mask"):
        r(x, x, x, is_causal=True)


def test_mha_state_dict_keys_and_init_follow_torch():
    for kw in ({}, {"kdim": 3, "vdim": 5}, {"bias": False}):
        t = torch.nn.MultiheadAttention(8, 2, **kw)
        r = nn.MultiheadAttention(8, 2, **kw)
        assert list(r.state_dict()) == list(t.state_dict())
        for (name, a), b in zip(r.state_dict().items(), t.state_dict().values()):
            assert tuple(a.shape) == tuple(b.shape), name
        t.load_state_dict({k: torch.tensor(v.numpy()) for k, v in r.state_dict().items()})
    r = nn.MultiheadAttention(64, 4)
    bound = np.sqrt(6 / (64 + 192))
    w = r.in_proj_weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert np.all(r.in_proj_bias.detach().numpy() == 0) and np.all(
        r.out_proj.bias.detach().numpy() == 0
    )
    assert r.head_dim == 16 and r.batch_first is False


def test_mha_gradcheck_in_float64_through_the_functional_form():
    rng = np.random.default_rng(11)
    e, h = 4, 2
    arrays = [
        rng.standard_normal((3, 2, e)),
        rng.standard_normal((2, 2, e)),
        rng.standard_normal((3 * e, e)),
        rng.standard_normal(3 * e),
        rng.standard_normal((e, e)),
        rng.standard_normal(e),
    ]
    mask = np.array([[False, True], [False, False]])

    def fn(q, kv, w_in, b_in, w_out, b_out):
        out, weights = F.multi_head_attention_forward(
            q,
            kv,
            kv,
            e,
            h,
            w_in,
            b_in,
            None,
            None,
            False,
            0.0,
            w_out,
            b_out,
            key_padding_mask=mask,
        )
        return out.sum() + (weights * weights).sum()

    check_grad(fn, arrays)


def test_mha_dropout_acts_only_in_training():
    r = nn.MultiheadAttention(4, 2, dropout=1.0)
    x = rp.randn(3, 2, 4)
    out, weights = r(x, x, x)
    np.testing.assert_allclose(
        out.detach().numpy(), np.broadcast_to(r.out_proj.bias.detach().numpy(), (3, 2, 4))
    )
    assert np.all(weights.detach().numpy() == 0)
    r.eval()
    _, weights = r(x, x, x)
    np.testing.assert_allclose(weights.detach().numpy().sum(-1), 1, rtol=1e-6)


def test_mha_rejects_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match=r"embed_dim \(6\) must be divisible by num_heads \(4\)"):
        nn.MultiheadAttention(6, 4)
    with pytest.raises(ValueError, match="add_bias_kv"):
        nn.MultiheadAttention(4, 2, add_bias_kv=True)
    with pytest.raises(ValueError, match="positive"):
        nn.MultiheadAttention(4, 0)
    r = nn.MultiheadAttention(4, 2)
    x = rp.randn(3, 2, 4)
    with pytest.raises(ValueError, match=r"query of shape \(3, 2, 5\)"):
        r(rp.randn(3, 2, 5), x, x)
    with pytest.raises(ValueError, match=r"query must be \(L, E\)"):
        r(rp.randn(1, 3, 2, 4), x, x)
    with pytest.raises(ValueError, match=r"key_padding_mask must have shape \(2, 3\)"):
        r(x, x, x, key_padding_mask=np.zeros((3, 2), bool))
    with pytest.raises(ValueError, match=r"attn_mask must have shape \(3, 3\) or \(4, 3, 3\)"):
        r(x, x, x, attn_mask=np.zeros((2, 3, 3), bool))
    with pytest.raises(TypeError, match="attn_mask"):
        r(x, x, x, attn_mask=np.zeros((3, 3), np.int64))
    with pytest.raises(TypeError, match="dtype float32"):
        r(x.double(), x, x)
    with pytest.raises(ValueError, match="share their"):
        r(x, rp.randn(3, 2, 4), rp.randn(4, 2, 4))
