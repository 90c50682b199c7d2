"""The semi-supervised GAN's library pieces: minibatch discrimination (parity with the same
layer written in torch, gradcheck, errors), the K+1-class unsupervised loss and feature
matching (parity, gradcheck, errors), and the data-dependent init of weight norm."""

import numpy as np
import pytest
import torch
from parity import assert_parity, check_grad

import retroprop as rp
import retroprop.nn as nn
from retroprop.nn.gan import minibatch_discrimination
from retroprop.nn.utils.parametrizations import weight_norm, weight_norm_init_


def torch_minibatch_discrimination(x, t):
    """Salimans et al. (2016), section 3.2, written in torch."""
    a, b, c = t.shape
    m = (x @ t.reshape(a, b * c)).reshape(-1, b, c)
    l1 = (m[:, None] - m[None]).abs().sum(3)
    return torch.cat([x, torch.exp(-l1).sum(1)], 1)


def test_minibatch_discrimination_matches_torch():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 8)).astype(np.float32)
    t = (0.3 * rng.standard_normal((8, 4, 3))).astype(np.float32)
    assert_parity(minibatch_discrimination, torch_minibatch_discrimination, [x, t])


def test_minibatch_discrimination_layer_uses_its_weight_and_shapes():
    rp.manual_seed(0)
    layer = nn.MinibatchDiscrimination(8, 4, 3)
    assert layer.weight.shape == (8, 4, 3)
    x = np.random.default_rng(1).standard_normal((5, 8)).astype(np.float32)
    out = layer(rp.tensor(x)).detach()
    assert out.shape == (5, 12)
    want = torch_minibatch_discrimination(
        torch.tensor(x), torch.tensor(layer.weight.detach().numpy())
    )
    np.testing.assert_allclose(out.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)
    # a sample's score with itself is 1, so identical samples score N per kernel
    same = layer(rp.tensor(np.repeat(x[:1], 5, 0))).detach().numpy()[:, 8:]
    np.testing.assert_allclose(same, 5.0, rtol=1e-6)


def test_minibatch_discrimination_gradcheck():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 5))
    t = 0.3 * rng.standard_normal((5, 3, 2))
    check_grad(minibatch_discrimination, [x, t])


def test_minibatch_discrimination_rejects_bad_inputs():
    with pytest.raises(ValueError, match="weight must be a Tensor of shape"):
        minibatch_discrimination(rp.randn(4, 5), rp.randn(6, 3, 2))
    with pytest.raises(ValueError, match="2-D floating point"):
        nn.MinibatchDiscrimination(5, 3)(rp.randn(4, 5, 1))
    with pytest.raises(ValueError, match="kernel_dims must be a positive integer"):
        nn.MinibatchDiscrimination(5, 3, 0)


def torch_unsupervised(real, fake, a=1.0):
    lz_r, lz_f = torch.logsumexp(real, 1), torch.logsumexp(fake, 1)
    softplus = torch.nn.functional.softplus
    # -a log D - (1 - a) log(1 - D) with D = sigmoid(log Z)
    ls = torch.nn.functional.logsigmoid
    return (-a * ls(lz_r) - (1 - a) * ls(-lz_r)).mean() + softplus(lz_f).mean()


@pytest.mark.parametrize("real_label", [1.0, 0.9])
def test_ssl_unsupervised_loss_matches_torch(real_label):
    rng = np.random.default_rng(3)
    real = (3 * rng.standard_normal((7, 10))).astype(np.float32)
    fake = (3 * rng.standard_normal((5, 10))).astype(np.float32)
    assert_parity(
        lambda r, f: nn.ssl_unsupervised_loss(r, f, real_label),
        lambda r, f: torch_unsupervised(r, f, real_label),
        [real, fake],
    )


def test_ssl_unsupervised_loss_gradcheck():
    rng = np.random.default_rng(4)
    check_grad(
        lambda r, f: nn.ssl_unsupervised_loss(r, f, 0.9),
        [rng.standard_normal((4, 3)), rng.standard_normal((3, 3))],
    )


def test_ssl_unsupervised_loss_rejects_bad_inputs():
    with pytest.raises(ValueError, match="same number of classes"):
        nn.ssl_unsupervised_loss(rp.randn(4, 10), rp.randn(4, 9))
    with pytest.raises(ValueError, match="real_label must be in"):
        nn.ssl_unsupervised_loss(rp.randn(4, 10), rp.randn(4, 10), 0.0)
    with pytest.raises(TypeError, match="real_logits must be a Tensor"):
        nn.ssl_unsupervised_loss(np.zeros((4, 10)), rp.randn(4, 10))


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_feature_matching_loss_matches_torch(reduction):
    rng = np.random.default_rng(5)
    real = rng.standard_normal((6, 9)).astype(np.float32)
    fake = rng.standard_normal((4, 9)).astype(np.float32)
    reduce = torch.mean if reduction == "mean" else torch.sum
    assert_parity(
        lambda r, f: nn.feature_matching_loss(r, f, reduction),
        lambda r, f: reduce((r.mean(0) - f.mean(0)) ** 2),
        [real, fake],
    )


def test_feature_matching_loss_gradcheck_and_errors():
    rng = np.random.default_rng(6)
    check_grad(nn.feature_matching_loss, [rng.standard_normal((4, 3)), rng.standard_normal((2, 3))])
    with pytest.raises(ValueError, match="same number of features"):
        nn.feature_matching_loss(rp.randn(4, 3), rp.randn(4, 2))
    with pytest.raises(ValueError, match="reduction must be"):
        nn.feature_matching_loss(rp.randn(4, 3), rp.randn(4, 3), "none")


@pytest.mark.parametrize("kind", ["linear", "conv2d"])
def test_weight_norm_init_standardises_each_unit(kind):
    rp.manual_seed(0)
    rng = np.random.default_rng(7)
    if kind == "linear":
        layer, x, axes = nn.Linear(12, 5), rng.uniform(0, 1, (64, 12)), (0,)
        tlayer = torch.nn.Linear(12, 5)
    else:
        layer, x, axes = nn.Conv2d(2, 3, 3), rng.uniform(0, 1, (8, 2, 6, 6)), (0, 2, 3)
        tlayer = torch.nn.Conv2d(2, 3, 3)
    x = x.astype(np.float32)
    tlayer.load_state_dict({k: torch.tensor(v.numpy()) for k, v in layer.state_dict().items()})
    weight_norm(layer)
    out = weight_norm_init_(layer, rp.tensor(x), init_scale=0.5).numpy()
    np.testing.assert_allclose(out.mean(axes), 0.0, atol=1e-5)
    np.testing.assert_allclose(out.std(axes), 0.5, rtol=1e-4)
    # the same initialisation done by hand on torch's layer: y' = (y - mu) * 0.5 / s
    with torch.no_grad():
        y = tlayer(torch.tensor(x))
        mu, s = y.mean(axes, keepdim=True), y.std(axes, keepdim=True, unbiased=False)
        want = (y - mu) * 0.5 / s
    np.testing.assert_allclose(out, want.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(layer(rp.tensor(x)).detach().numpy(), out, rtol=1e-6)


def test_weight_norm_init_rejects_layers_without_weight_norm():
    with pytest.raises(ValueError, match="weight_norm_init_: expected a layer with weight_norm"):
        weight_norm_init_(nn.Linear(3, 2), rp.randn(4, 3))
    with pytest.raises(ValueError, match="init_scale must be > 0"):
        weight_norm_init_(weight_norm(nn.Linear(3, 2)), rp.randn(4, 3), init_scale=0)
