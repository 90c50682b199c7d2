"""nn.init: the gain table and fans against PyTorch, the statistics of every initialiser
(mean, std, bounds; torch draws the reference samples), orthogonality, in-place behaviour."""

import math

import numpy as np
import pytest
import torch

import retroprop as rp
import retroprop.nn as nn
from retroprop.nn import init

NAMES = ["linear", "conv1d", "conv2d", "conv_transpose2d", "sigmoid", "tanh", "relu", "selu"]


@pytest.mark.parametrize("name", NAMES)
def test_calculate_gain_matches_torch(name):
    assert init.calculate_gain(name) == pytest.approx(torch.nn.init.calculate_gain(name))


@pytest.mark.parametrize("param", [None, 0.2, 1, 0.0])
def test_calculate_gain_leaky_relu_slope_matches_torch(param):
    expected = torch.nn.init.calculate_gain("leaky_relu", param)
    assert init.calculate_gain("leaky_relu", param) == pytest.approx(expected)


def test_calculate_gain_rejects_unknown_names_and_bad_slopes():
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", True)


@pytest.mark.parametrize("shape", [(3, 5), (8, 4, 3), (16, 3, 5, 5), (2, 0)])
def test_fans_match_torch(shape):
    expected = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert init._calculate_fan_in_and_fan_out(rp.zeros(*shape)) == expected


def test_fans_need_two_dimensions():
    with pytest.raises(ValueError, match=r"fewer than 2 dimensions \(got shape \(5,\)\)"):
        init._calculate_fan_in_and_fan_out(rp.zeros(5))


def _stats_match(rp_fill, torch_fill, shape=(256, 128, 3), bounded=False):
    """Fill a large tensor with both libraries and compare mean, std and range."""
    rp.manual_seed(0)
    torch.manual_seed(0)
    r = rp.zeros(*shape)
    t = torch.empty(shape)
    assert rp_fill(r) is r
    torch_fill(t)
    a, b = r.numpy(), t.numpy()
    assert a.dtype == np.float32
    scale = b.std()
    assert abs(a.mean() - b.mean()) < 0.02 * scale + 1e-7
    np.testing.assert_allclose(a.std(), b.std(), rtol=0.02)
    if bounded:
        assert np.abs(a).max() <= np.abs(b).max() * 1.001
        assert np.abs(a).max() > 0.99 * np.abs(b).max()


def test_uniform_and_normal():
    _stats_match(lambda x: init.uniform_(x, -2, 3), lambda x: torch.nn.init.uniform_(x, -2, 3))
    _stats_match(lambda x: init.normal_(x, 1.5, 0.3), lambda x: torch.nn.init.normal_(x, 1.5, 0.3))
    with pytest.raises(ValueError, match="expected a <= b"):
        init.uniform_(rp.zeros(2), 1, 0)
    with pytest.raises(ValueError, match="std >= 0"):
        init.normal_(rp.zeros(2), 0, -1)


@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_xavier_matches_torch(gain):
    _stats_match(
        lambda x: init.xavier_uniform_(x, gain),
        lambda x: torch.nn.init.xavier_uniform_(x, gain),
        bounded=True,
    )
    _stats_match(
        lambda x: init.xavier_normal_(x, gain), lambda x: torch.nn.init.xavier_normal_(x, gain)
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"a": math.sqrt(5)},
        {"mode": "fan_out", "nonlinearity": "relu"},
        {"a": 0.1, "mode": "fan_in", "nonlinearity": "leaky_relu"},
        {"nonlinearity": "tanh"},
    ],
)
def test_kaiming_matches_torch(kwargs):
    _stats_match(
        lambda x: init.kaiming_uniform_(x, **kwargs),
        lambda x: torch.nn.init.kaiming_uniform_(x, **kwargs),
        bounded=True,
    )
    _stats_match(
        lambda x: init.kaiming_normal_(x, **kwargs),
        lambda x: torch.nn.init.kaiming_normal_(x, **kwargs),
    )


def test_kaiming_rejects_bad_mode_and_skips_empty_tensors():
    with pytest.raises(ValueError, match="mode must be 'fan_in' or 'fan_out', got 'fan_avg'"):
        init.kaiming_uniform_(rp.zeros(3, 3), mode="fan_avg")
    empty = rp.zeros(0, 3)
    assert init.kaiming_normal_(empty) is empty


def test_trunc_normal_respects_bounds_and_matches_torch():
    _stats_match(
        lambda x: init.trunc_normal_(x, 0.5, 2.0, -1.0, 1.5),
        lambda x: torch.nn.init.trunc_normal_(x, 0.5, 2.0, -1.0, 1.5),
    )
    r = init.trunc_normal_(rp.zeros(10000), std=0.02, a=-0.04, b=0.04)
    assert r.numpy().min() >= -0.04 and r.numpy().max() <= 0.04
    with pytest.raises(ValueError, match="expected a < b"):
        init.trunc_normal_(rp.zeros(3), a=1.0, b=-1.0)
    with pytest.raises(ValueError, match="less than 1%"):
        init.trunc_normal_(rp.zeros(3), a=5.0, b=6.0)


def test_constant_zeros_ones():
    x = rp.zeros(2, 3, dtype=rp.float64)
    assert init.constant_(x, 0.25) is x and x.dtype == np.float64
    np.testing.assert_array_equal(x.numpy(), 0.25)
    np.testing.assert_array_equal(init.ones_(x).numpy(), 1.0)
    np.testing.assert_array_equal(init.zeros_(x).numpy(), 0.0)
    with pytest.raises(TypeError, match=r"init.zeros_: expected a Tensor, got ndarray"):
        init.zeros_(np.ones(3))


@pytest.mark.parametrize("shape", [(6, 6), (4, 9), (9, 4), (8, 2, 3, 3)])
def test_orthogonal_gives_orthonormal_rows_or_columns(shape):
    w = init.orthogonal_(rp.zeros(*shape, dtype=rp.float64), gain=2.0).numpy()
    m = w.reshape(shape[0], -1)
    gram = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
    np.testing.assert_allclose(gram, 4.0 * np.eye(len(gram)), atol=1e-10)
    with pytest.raises(ValueError, match="2 or more dimensions"):
        init.orthogonal_(rp.zeros(3))


def test_orthogonal_sign_fix_makes_the_law_uniform():
    # without the sign fix, QR's R has a positive diagonal and Q's diagonal is biased
    diag = np.stack(
        [init.orthogonal_(rp.zeros(3, 3, dtype=rp.float64)).numpy()[0, 0] for _ in range(400)]
    )
    assert abs(diag.mean()) < 0.1


def test_init_runs_in_place_on_parameters_without_recording_a_graph():
    p = nn.Parameter(rp.zeros(4, 4))
    version = p._version[0]
    assert init.xavier_normal_(p) is p
    assert p.is_leaf and p.requires_grad and p._version[0] == version + 1


def test_init_is_reproducible_with_manual_seed():
    rp.manual_seed(7)
    a = init.kaiming_uniform_(rp.zeros(5, 5)).numpy().copy()
    rp.manual_seed(7)
    np.testing.assert_array_equal(init.kaiming_uniform_(rp.zeros(5, 5)).numpy(), a)
