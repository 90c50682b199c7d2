"""Dropout, Dropout2d and GaussianNoise: statistics of the noise, exact results with an
injected generator, gradients, identity in evaluation mode, errors."""

import numpy as np
import pytest
import torch

import retroprop as rp
import retroprop.nn as nn
import retroprop.nn.functional as F


class FixedGenerator:
    """Stands in for rp.random.default_generator and returns prepared draws."""

    def __init__(self, uniform=None, normal=None):
        self.uniform, self.normal = uniform, normal

    def random(self, shape, dtype=np.float64):
        assert tuple(shape) == self.uniform.shape
        return self.uniform.astype(dtype)

    def standard_normal(self, shape, dtype=np.float64):
        assert tuple(shape) == self.normal.shape
        return self.normal.astype(dtype)


def test_dropout_with_injected_mask_zeroes_and_rescales(monkeypatch):
    rng = np.random.default_rng(0)
    u = rng.random((4, 5))
    monkeypatch.setattr(rp.random, "default_generator", FixedGenerator(uniform=u))
    x = rp.tensor(rng.standard_normal((4, 5)), requires_grad=True)
    y = nn.Dropout(0.4)(x)
    mask = (u.astype(np.float32) >= 0.4) / np.float32(0.6)
    np.testing.assert_allclose(y.detach().numpy(), x.detach().numpy() * mask, rtol=1e-6)
    assert y.dtype == np.float32
    g = rng.standard_normal((4, 5)).astype(np.float32)
    y.backward(rp.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), g * mask, rtol=1e-6)


def test_dropout2d_with_injected_mask_drops_whole_channels(monkeypatch):
    rng = np.random.default_rng(1)
    u = rng.random((3, 4))
    monkeypatch.setattr(rp.random, "default_generator", FixedGenerator(uniform=u))
    x = rp.tensor(rng.standard_normal((3, 4, 2, 5)), requires_grad=True)
    y = nn.Dropout2d(0.5)(x)
    mask = ((u.astype(np.float32) >= 0.5) * np.float32(2.0))[:, :, None, None]
    np.testing.assert_allclose(y.detach().numpy(), x.detach().numpy() * mask, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.broadcast_to(mask, x.shape), rtol=1e-6)


def test_gaussian_noise_with_injected_draws_adds_std_times_noise(monkeypatch):
    rng = np.random.default_rng(2)
    eps = rng.standard_normal((6, 3))
    monkeypatch.setattr(rp.random, "default_generator", FixedGenerator(normal=eps))
    x = rp.tensor(rng.standard_normal((6, 3)), requires_grad=True)
    y = nn.GaussianNoise(0.3)(x)
    np.testing.assert_allclose(
        y.detach().numpy(), x.detach().numpy() + 0.3 * eps.astype(np.float32), rtol=1e-6
    )
    assert y.dtype == np.float32
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((6, 3), np.float32))


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_statistics(p):
    rp.manual_seed(3)
    y = nn.Dropout(p)(rp.ones(200, 500)).numpy()
    assert abs((y == 0).mean() - p) < 0.01
    np.testing.assert_allclose(y[y != 0], 1 / (1 - p), rtol=1e-6)
    assert abs(y.mean() - 1) < 0.03


def test_dropout2d_statistics_per_channel():
    rp.manual_seed(4)
    y = nn.Dropout2d(0.3)(rp.ones(100, 40, 3, 3)).numpy()
    per_channel = y.reshape(100, 40, 9)
    assert np.all(per_channel.min(axis=2) == per_channel.max(axis=2))  # whole channels
    assert abs((per_channel[:, :, 0] == 0).mean() - 0.3) < 0.03
    y3 = nn.Dropout2d(0.3)(rp.ones(50, 40, 7)).numpy()  # (N, C, L): channel-wise 1-D dropout
    assert np.all(y3.min(axis=2) == y3.max(axis=2))


def test_gaussian_noise_statistics_and_float64():
    rp.manual_seed(5)
    x = rp.zeros(400, 500, dtype=np.float64)
    y = nn.GaussianNoise(0.2)(x)
    assert y.dtype == np.float64
    assert abs(y.numpy().mean()) < 0.002
    assert abs(y.numpy().std() - 0.2) < 0.002


def test_noise_layers_are_identity_in_eval_and_with_zero_rate():
    x = rp.randn(4, 3, 2, 2)
    for layer in (nn.Dropout(0.5), nn.Dropout2d(0.5), nn.GaussianNoise(1.0)):
        assert layer.eval()(x) is x
    assert nn.Dropout(0.0)(x) is x
    assert nn.GaussianNoise(0.0)(x) is x


def test_full_dropout_gives_zeros_like_torch():
    x = np.ones((3, 4, 2), np.float32)
    np.testing.assert_array_equal(
        nn.Dropout(1.0)(rp.tensor(x)).numpy(), torch.nn.Dropout(1.0)(torch.tensor(x)).numpy()
    )
    np.testing.assert_array_equal(F.dropout2d(rp.tensor(x), 1.0).numpy(), np.zeros_like(x))


def test_dropout_is_reproducible_with_manual_seed():
    x = rp.randn(10, 10)
    rp.manual_seed(6)
    a = nn.Dropout(0.5)(x).numpy()
    rp.manual_seed(6)
    b = nn.Dropout(0.5)(x).numpy()
    np.testing.assert_array_equal(a, b)


def test_reprs_match_torch():
    assert repr(nn.Dropout(0.2)) == repr(torch.nn.Dropout(0.2))
    assert repr(nn.Dropout2d()) == repr(torch.nn.Dropout2d())
    assert repr(nn.GaussianNoise(0.1)) == "GaussianNoise(std=0.1)"


def test_noise_layers_reject_bad_arguments():
    with pytest.raises(ValueError, match="Dropout: dropout probability has to be between 0 and 1"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match="Dropout2d: dropout probability"):
        nn.Dropout2d(-0.1)
    with pytest.raises(ValueError, match="GaussianNoise: std must be >= 0"):
        nn.GaussianNoise(-1.0)
    with pytest.raises(ValueError, match=r"dropout2d: expected an input of shape \(N, C, H, W\)"):
        nn.Dropout2d()(rp.randn(5))  # a 2-D input warns, as in torch
    with pytest.raises(TypeError, match="GaussianNoise: expected a floating point input"):
        nn.GaussianNoise(0.1)(rp.tensor([1, 2]))
