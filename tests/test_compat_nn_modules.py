"""Transformer, TransformerDecoderLayer, TransformerDecoder, Bilinear, CosineSimilarity,
PairwiseDistance, PixelShuffle and PixelUnshuffle against torch 2.13: torch's weights copied
into ours through the state_dict (same keys), then outputs, input gradients and every
parameter's gradient compared; float64 finite differences for the composed functions."""

import numpy as np
import pytest
import torch
from parity import assert_parity, check_grad

import retroprop as rp
import retroprop.nn.composed as C
from retroprop.nn.bilinear import Bilinear
from retroprop.nn.distance import CosineSimilarity, PairwiseDistance
from retroprop.nn.pixelshuffle import PixelShuffle, PixelUnshuffle
from retroprop.nn.transformer import generate_square_subsequent_mask
from retroprop.nn.transformer_decoder import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
)


def _load_from_torch(r, t):
    assert list(r.state_dict()) == list(t.state_dict())
    r.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})


def _compare(r, t, inputs, kwargs=None, rtol=1e-9, atol=1e-10):
    """Forward, gradients of every input and of every parameter, on the same arrays."""
    kwargs = kwargs or {}
    rx = [rp.Tensor(x, dtype=x.dtype, requires_grad=True) for x in inputs]
    tx = [torch.tensor(x, requires_grad=True) for x in inputs]
    tkw = {k: None if v is None else torch.tensor(v) for k, v in kwargs.items()}
    rkw = {k: None if v is None else rp.Tensor(v, dtype=v.dtype) for k, v in kwargs.items()}
    ro, to = r(*rx, **rkw), t(*tx, **tkw)
    np.testing.assert_allclose(ro.detach().numpy(), to.detach().numpy(), rtol=rtol, atol=atol)
    g = np.random.default_rng(0).standard_normal(ro.shape)
    ro.backward(rp.Tensor(g, dtype=g.dtype))
    to.backward(torch.tensor(g))
    for i, (a, b) in enumerate(zip(rx, tx)):
        np.testing.assert_allclose(
            a.grad.numpy(), b.grad.numpy(), rtol=rtol * 10, atol=atol * 10, err_msg=f"input {i}"
        )
    tparams = dict(t.named_parameters())
    assert [n for n, _ in r.named_parameters()] == list(tparams)
    for name, p in r.named_parameters():
        np.testing.assert_allclose(
            p.grad.numpy(), tparams[name].grad.numpy(), rtol=rtol * 10, atol=atol * 10, err_msg=name
        )


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_decoder_layer_matches_torch_with_causal_and_padding_masks(norm_first, batch_first):
    kw = dict(dim_feedforward=6, batch_first=batch_first, norm_first=norm_first, dropout=0.0)
    torch.manual_seed(0)
    t = torch.nn.TransformerDecoderLayer(4, 2, **kw).double()
    r = TransformerDecoderLayer(4, 2, dtype=rp.float64, **kw)
    _load_from_torch(r, t)
    rng = np.random.default_rng(1)
    n, tl, sl = 2, 3, 5
    shape = lambda length: (n, length, 4) if batch_first else (length, n, 4)  # noqa: E731
    tgt, mem = rng.standard_normal(shape(tl)), rng.standard_normal(shape(sl))
    pad = np.zeros((n, sl), bool)
    pad[1, -2:] = True
    masks = dict(
        tgt_mask=generate_square_subsequent_mask(tl, rp.float64).numpy(),
        memory_key_padding_mask=pad,
    )
    _compare(r, t, [tgt, mem], masks)


def test_decoder_stack_copies_the_layer_and_applies_the_final_norm():
    torch.manual_seed(1)
    tl = torch.nn.TransformerDecoderLayer(4, 2, dim_feedforward=5, dropout=0.0).double()
    t = torch.nn.TransformerDecoder(tl, 2, norm=torch.nn.LayerNorm(4).double())
    rl = TransformerDecoderLayer(4, 2, dim_feedforward=5, dropout=0.0, dtype=rp.float64)
    r = TransformerDecoder(rl, 2, norm=rp.nn.LayerNorm(4, dtype=rp.float64))
    _load_from_torch(r, t)
    assert r.layers[0].linear1.weight is not r.layers[1].linear1.weight
    rng = np.random.default_rng(2)
    _compare(r, t, [rng.standard_normal((3, 2, 4)), rng.standard_normal((4, 2, 4))])


@pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")
@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_matches_torch_in_training_without_dropout(batch_first):
    kw = dict(
        d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=12,
        dropout=0.0, batch_first=batch_first, activation="gelu",
    )  # fmt: skip
    torch.manual_seed(2)
    t = torch.nn.Transformer(**kw).double()
    r = Transformer(dtype=rp.float64, **kw)
    _load_from_torch(r, t)
    rng = np.random.default_rng(3)
    src = rng.standard_normal((2, 5, 8) if batch_first else (5, 2, 8))
    tgt = rng.standard_normal((2, 4, 8) if batch_first else (4, 2, 8))
    mask = Transformer.generate_square_subsequent_mask(4, rp.float64).numpy()
    _compare(r, t, [src, tgt], {"tgt_mask": mask})


@pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")
def test_transformer_unbatched_input_matches_torch():
    torch.manual_seed(3)
    kw = dict(d_model=4, nhead=1, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=4)
    t = torch.nn.Transformer(dropout=0.0, **kw).double()
    r = Transformer(dropout=0.0, dtype=rp.float64, **kw)
    _load_from_torch(r, t)
    rng = np.random.default_rng(4)
    _compare(r, t, [rng.standard_normal((3, 4)), rng.standard_normal((2, 4))])


def test_transformer_init_is_glorot_on_every_matrix():
    rp.manual_seed(0)
    r = Transformer(d_model=16, nhead=2, num_encoder_layers=1, num_decoder_layers=1)
    w = (
        r.decoder.layers[0].linear1.weight.detach().numpy()
    )  # (2048, 16): Glorot bound sqrt(6 / 2064)
    bound = np.sqrt(6 / (16 + 2048))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound


def test_transformer_refuses_mismatched_batch_and_width():
    r = Transformer(d_model=4, nhead=1, num_encoder_layers=1, num_decoder_layers=1)
    with pytest.raises(RuntimeError, match="batch sizes of src and tgt"):
        r(rp.randn(3, 2, 4), rp.randn(3, 5, 4))
    with pytest.raises(RuntimeError, match="d_model = 4"):
        r(rp.randn(3, 2, 4), rp.randn(3, 2, 6))
    with pytest.raises(ValueError, match="activation"):
        TransformerDecoderLayer(4, 1, activation="tanh")


def test_bilinear_matches_torch_with_and_without_bias():
    for bias in (True, False):
        torch.manual_seed(4)
        t = torch.nn.Bilinear(3, 4, 5, bias=bias).double()
        r = Bilinear(3, 4, 5, bias=bias, dtype=rp.float64)
        _load_from_torch(r, t)
        rng = np.random.default_rng(5)
        _compare(r, t, [rng.standard_normal((2, 6, 3)), rng.standard_normal((2, 6, 4))])


def test_bilinear_init_bound_and_bad_shapes():
    rp.manual_seed(0)
    r = Bilinear(16, 3, 400)
    assert r.weight.shape == (400, 16, 3) and r.weight.dtype == np.float32
    assert 0.24 < np.abs(r.weight.detach().numpy()).max() <= 0.25
    with pytest.raises(ValueError, match=r"input2 \(\*, in2\)"):
        r(rp.randn(2, 16), rp.randn(2, 4))
    with pytest.raises(ValueError, match="leading dimensions"):
        r(rp.randn(2, 16), rp.randn(3, 3))


def test_bilinear_gradcheck():
    rng = np.random.default_rng(6)
    arrays = [rng.standard_normal(s) for s in ((3, 2), (3, 4), (5, 2, 4), (5,))]
    check_grad(C.bilinear, arrays)


@pytest.mark.parametrize("dim", [1, -1, 0])
def test_cosine_similarity_matches_torch_with_broadcasting(dim):
    rng = np.random.default_rng(7)
    a, b = rng.standard_normal((4, 5, 3)), rng.standard_normal((1, 5, 3))
    assert_parity(
        lambda x, y: CosineSimilarity(dim)(x, y),
        lambda x, y: torch.nn.CosineSimilarity(dim)(x, y),
        [a, b],
        rtol=1e-10,
        atol=1e-12,
    )
    check_grad(lambda x, y: C.cosine_similarity(x, y, dim), [a, b])


def test_cosine_similarity_of_a_zero_vector_is_zero_as_torch():
    x = np.zeros((2, 3), np.float32)
    y = np.ones((2, 3), np.float32)
    got = C.cosine_similarity(rp.Tensor(x), rp.Tensor(y)).numpy()
    want = torch.nn.functional.cosine_similarity(torch.tensor(x), torch.tensor(y)).numpy()
    np.testing.assert_array_equal(got, want)
    assert got.dtype == np.float32


@pytest.mark.parametrize("p,keepdim", [(2.0, False), (1.0, True), (3.0, False)])
def test_pairwise_distance_matches_torch(p, keepdim):
    rng = np.random.default_rng(8)
    a, b = rng.standard_normal((4, 6)), rng.standard_normal((4, 6))
    assert_parity(
        lambda x, y: PairwiseDistance(p, keepdim=keepdim)(x, y),
        lambda x, y: torch.nn.PairwiseDistance(p, keepdim=keepdim)(x, y),
        [a, b],
        rtol=1e-10,
        atol=1e-12,
    )
    check_grad(lambda x, y: C.pairwise_distance(x, y, p, keepdim=keepdim), [a, b])


@pytest.mark.parametrize("shape,r", [((2, 8, 3, 2), 2), ((1, 2, 18, 2, 3), 3), ((9, 1, 1), 3)])
def test_pixel_shuffle_matches_torch_and_unshuffle_inverts_it(shape, r):
    x = np.random.default_rng(9).standard_normal(shape).astype(np.float32)
    assert_parity(lambda t: PixelShuffle(r)(t), lambda t: torch.nn.PixelShuffle(r)(t), [x])
    y = torch.nn.functional.pixel_shuffle(torch.tensor(x), r).numpy()
    assert_parity(lambda t: PixelUnshuffle(r)(t), lambda t: torch.nn.PixelUnshuffle(r)(t), [y])
    back = C.pixel_unshuffle(C.pixel_shuffle(rp.Tensor(x), r), r)
    np.testing.assert_array_equal(back.detach().numpy(), x)


def test_pixel_shuffle_refuses_bad_channel_counts_and_factors():
    with pytest.raises(ValueError, match=r"divisible by upscale_factor\^2 = 4"):
        C.pixel_shuffle(rp.randn(1, 6, 2, 2), 2)
    with pytest.raises(ValueError, match="divisible by downscale_factor = 2"):
        C.pixel_unshuffle(rp.randn(1, 1, 3, 4), 2)
    with pytest.raises(ValueError, match="positive integer"):
        C.pixel_shuffle(rp.randn(1, 4, 2, 2), 0)
