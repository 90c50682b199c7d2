"""TransformerEncoderLayer and TransformerEncoder (parity with torch through state_dicts in
both directions: post-norm and pre-norm, relu and gelu, batch_first, masks; gradients of the
input and every parameter; dropout in training) and the causal mask helper."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import retroprop as rp
import retroprop.nn as nn
import retroprop.nn.functional as F


def _load_from_torch(r, t):
    r.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})


def _compare(r, t, x, rtol=1e-9, atol=1e-10, **masks):
    """Forward, input gradient and parameter gradients of two modules on the same array."""
    rx = rp.Tensor(x, dtype=x.dtype, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    tmasks = {k: None if m is None else torch.tensor(m) for k, m in masks.items()}
    ro, to = r(rx, **masks), t(tx, **tmasks)
    np.testing.assert_allclose(ro.detach().numpy(), to.detach().numpy(), rtol=rtol, atol=atol)
    g = np.random.default_rng(0).standard_normal(ro.shape).astype(x.dtype)
    ro.backward(rp.Tensor(g, dtype=g.dtype))
    to.backward(torch.tensor(g))
    np.testing.assert_allclose(rx.grad.numpy(), tx.grad.numpy(), rtol=rtol * 10, atol=atol * 10)
    tparams = dict(t.named_parameters())
    names = [name for name, _ in r.named_parameters()]
    assert names == list(tparams)
    for name, p in r.named_parameters():
        np.testing.assert_allclose(
            p.grad.numpy(), tparams[name].grad.numpy(), rtol=rtol * 10, atol=atol * 10, err_msg=name
        )


@given(
    norm_first=st.booleans(),
    activation=st.sampled_from(["relu", "gelu"]),
    batch_first=st.booleans(),
    masks=st.sampled_from(["none", "causal", "padding", "both"]),
    sizes=st.tuples(st.integers(1, 4), st.integers(1, 3)),
)
def test_encoder_layer_matches_torch_in_eval_mode(
    norm_first, activation, batch_first, masks, sizes
):
    length, n = sizes
    kw = dict(
        dim_feedforward=6, activation=activation, batch_first=batch_first, norm_first=norm_first
    )
    torch.manual_seed(length)
    t = torch.nn.TransformerEncoderLayer(4, 2, **kw).double().eval()
    r = nn.TransformerEncoderLayer(4, 2, dtype=rp.float64, **kw).eval()
    _load_from_torch(r, t)
    rng = np.random.default_rng(length * 3 + n)
    x = rng.standard_normal((n, length, 4) if batch_first else (length, n, 4))
    src_mask = nn.generate_square_subsequent_mask(length, rp.float64).numpy()
    padding = rng.random((n, length)) < 0.4
    padding[:, 0] = False  # keep one key per sample
    _compare(
        r,
        t,
        x,
        src_mask=src_mask if masks in ("causal", "both") else None,
        src_key_padding_mask=padding if masks in ("padding", "both") else None,
    )


def test_encoder_layer_without_bias_and_with_a_callable_activation_matches_torch():
    torch.manual_seed(0)
    t = torch.nn.TransformerEncoderLayer(
        6, 3, 8, dropout=0.0, bias=False, activation=torch.nn.functional.gelu
    )
    r = nn.TransformerEncoderLayer(6, 3, 8, dropout=0.0, bias=False, activation=F.gelu)
    _load_from_torch(r, t)
    x = np.random.default_rng(1).standard_normal((5, 2, 6)).astype(np.float32)
    # training mode with dropout 0 is deterministic too
    _compare(r, t, x, rtol=1e-4, atol=1e-5)
    assert r(rp.Tensor(x)).dtype == np.float32


@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_in_eval_mode_passes_gradcheck_for_input_and_parameters(norm_first):
    rp.manual_seed(0)
    r = nn.TransformerEncoderLayer(4, 2, 6, activation="gelu", norm_first=norm_first)
    r = r.double().eval()
    params = list(r.parameters())
    assert params and all(p.dtype == np.float64 for p in params)
    mask = nn.generate_square_subsequent_mask(3, rp.float64)
    padding = rp.tensor(np.array([[False, False, True], [False, False, False]]))
    x = rp.Tensor(
        np.random.default_rng(5).standard_normal((3, 2, 4)), dtype=np.float64, requires_grad=True
    )
    assert rp.autograd.gradcheck(
        lambda x, *_: r(x, src_mask=mask, src_key_padding_mask=padding), [x, *params]
    )


def test_encoder_layer_state_dict_loads_into_torch():
    r = nn.TransformerEncoderLayer(8, 2, 16, norm_first=True)
    t = torch.nn.TransformerEncoderLayer(8, 2, 16, norm_first=True)
    assert list(r.state_dict()) == list(t.state_dict())
    t.load_state_dict({k: torch.tensor(v.numpy()) for k, v in r.state_dict().items()})
    r.eval()
    t.eval()
    x = np.random.default_rng(2).standard_normal((3, 2, 8)).astype(np.float32)
    with torch.no_grad():
        expected = t(torch.tensor(x)).numpy()
    np.testing.assert_allclose(r(rp.Tensor(x)).detach().numpy(), expected, rtol=1e-4, atol=1e-5)


def test_encoder_layer_dropout_acts_only_in_training():
    rp.manual_seed(0)
    r = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.5)
    x = rp.randn(3, 2, 4)
    a, b = r(x), r(x)
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())
    r.eval()
    np.testing.assert_array_equal(r(x).detach().numpy(), r(x).detach().numpy())


def test_encoder_stack_matches_torch_and_copies_are_independent():
    torch.manual_seed(3)
    layer = torch.nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, norm_first=True)
    t = torch.nn.TransformerEncoder(layer, 2, norm=torch.nn.LayerNorm(4)).double()
    with torch.no_grad():  # make the copies differ, as after training
        for p in t.layers[1].parameters():
            p.add_(0.1 * torch.randn_like(p))
    r = nn.TransformerEncoder(
        nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, norm_first=True, dtype=rp.float64),
        2,
        norm=nn.LayerNorm(4, dtype=rp.float64),
    )
    assert list(r.state_dict()) == list(t.state_dict())
    _load_from_torch(r, t)
    assert r.layers[0].linear1.weight is not r.layers[1].linear1.weight
    x = np.random.default_rng(4).standard_normal((5, 2, 4))
    mask = nn.generate_square_subsequent_mask(5, rp.float64).numpy()
    _compare(r, t, x, mask=mask, is_causal=True)


def test_generate_square_subsequent_mask_matches_torch():
    for n in (0, 1, 4):
        expected = torch.nn.Transformer.generate_square_subsequent_mask(n).numpy()
        m = nn.generate_square_subsequent_mask(n)
        assert m.dtype == np.float32
        np.testing.assert_array_equal(m.numpy(), expected)
    assert nn.generate_square_subsequent_mask(3, rp.float64).dtype == np.float64
    with pytest.raises(ValueError, match="sz must be a non-negative integer"):
        nn.generate_square_subsequent_mask(-1)


def test_encoder_rejects_bad_arguments():
    with pytest.raises(ValueError, match="activation should be 'relu' or 'gelu'"):
        nn.TransformerEncoderLayer(4, 2, activation="tanh")
    with pytest.raises(ValueError, match="divisible by num_heads"):
        nn.TransformerEncoderLayer(6, 4)
    with pytest.raises(ValueError, match="num_layers must be a positive integer"):
        nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2), 0)
    r = nn.TransformerEncoderLayer(4, 2)
    with pytest.raises(ValueError, match=r"attn_mask must have shape \(3, 3\)"):
        r(rp.randn(3, 2, 4), src_mask=np.zeros((2, 2), np.float32))
    with pytest.raises(RuntimeError, match="is_causal=True needs attn_mask"):
        r(rp.randn(3, 2, 4), is_causal=True)
