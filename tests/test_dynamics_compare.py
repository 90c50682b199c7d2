"""retroprop.dynamics.compare: state-space KL, spectrum Hellinger distance, one-step residual."""

from functools import partial

import numpy as np
import pytest
from scipy.stats import entropy

from retroprop.dynamics import integrate
from retroprop.dynamics.compare import (
    hellinger,
    one_step_residual,
    power_spectrum,
    spectrum_hellinger,
    state_histogram,
    state_kl,
)

FIELD = partial(integrate.lorenz, sigma=10.0, rho=28.0, beta=8 / 3)


@pytest.fixture(scope="module")
def lorenz_sets():
    rng = np.random.default_rng(0)
    x0 = np.array([1.0, 1.0, 20.0]) + rng.normal(size=(24, 3))
    xs = integrate.trajectory(FIELD, x0, dt=0.1, n_samples=256, transient=20.0, substeps=10)
    return xs[:12], xs[12:]


def test_state_histogram_matches_numpy_histogramdd():
    rng = np.random.default_rng(1)
    pts = rng.normal(size=(5, 40, 3))
    bounds = np.array([[-2.0, 2.0], [-3.0, 3.0], [-2.5, 2.5]])
    got = state_histogram(pts, bins=4, bounds=bounds, alpha=0.0)
    clipped = np.clip(pts.reshape(-1, 3), bounds[:, 0], bounds[:, 1] - 1e-12)
    want, _ = np.histogramdd(clipped, bins=4, range=bounds)
    np.testing.assert_allclose(got, want / want.sum())


def test_state_kl_is_scipy_entropy_of_smoothed_histograms():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(300, 2)), rng.normal(0.5, 1.2, size=(200, 2))
    bounds = np.array([[-3.0, 3.0], [-3.0, 3.0]])
    p = state_histogram(a, 8, bounds, 0.5).ravel()
    q = state_histogram(b, 8, bounds, 0.5).ravel()
    assert state_kl(a, b, bins=8, bounds=bounds) == pytest.approx(entropy(p, q), rel=1e-12)


def test_state_kl_zero_for_the_same_set_and_grows_with_a_shift(lorenz_sets):
    real_a, real_b = lorenz_sets
    assert state_kl(real_a, real_a) == pytest.approx(0.0, abs=1e-12)
    between = state_kl(real_a, real_b)
    shifted = state_kl(real_a, real_b + np.array([5.0, 0.0, 0.0]))
    assert 0 < between < shifted


def test_state_kl_refuses_other_dimensions():
    with pytest.raises(ValueError, match="state_kl: .*same state dimension"):
        state_kl(np.zeros((4, 10, 3)), np.zeros((4, 10, 2)))
    with pytest.raises(ValueError, match="state_histogram: bounds"):
        state_histogram(np.zeros((10, 2)), bounds=[[0, 1], [1, 0]])


def test_power_spectrum_peaks_at_the_sine_frequency():
    t = np.arange(256)
    series = np.stack([np.sin(2 * np.pi * 16 * t / 256), np.cos(2 * np.pi * 40 * t / 256)], -1)
    p = power_spectrum(series[None])
    assert p.shape == (128, 2)
    np.testing.assert_allclose(p.sum(0), 1.0)
    assert p[:, 0].argmax() + 1 == 16 and p[:, 1].argmax() + 1 == 40


def test_hellinger_bounds():
    p = np.array([0.5, 0.5, 0.0, 0.0])
    assert hellinger(p, p) == pytest.approx(0.0, abs=1e-12)
    assert hellinger(p, p[::-1]) == pytest.approx(1.0)
    # H^2 = 1 - sum sqrt(pq): for [1,0] vs [1/2,1/2], 1 - sqrt(1/2)
    assert hellinger([1.0, 0.0], [0.5, 0.5]) == pytest.approx(np.sqrt(1 - np.sqrt(0.5)))
    with pytest.raises(ValueError, match="hellinger: p and q must have the same shape"):
        hellinger([1.0], [0.5, 0.5])


def test_spectrum_hellinger_small_between_real_sets_large_for_noise(lorenz_sets):
    real_a, real_b = lorenz_sets
    noise = np.random.default_rng(3).normal(size=real_b.shape) * real_b.std((0, 1))
    between, to_noise = spectrum_hellinger(real_a, real_b), spectrum_hellinger(real_a, noise)
    assert between < 0.15 < to_noise
    with pytest.raises(ValueError, match="spectrum_hellinger: a and b must have the same"):
        spectrum_hellinger(real_a, real_b[..., :100, :])


def test_one_step_residual_zero_on_trajectories_large_on_shuffles(lorenz_sets):
    real, _ = lorenz_sets
    assert one_step_residual(real, FIELD, dt=0.1, substeps=10) < 1e-10
    other = partial(integrate.lorenz, sigma=10.0, rho=35.0, beta=8 / 3)
    assert one_step_residual(real, other, dt=0.1) > 0.1
    shuffled = np.random.default_rng(4).permuted(real, axis=1)
    assert one_step_residual(shuffled, FIELD, dt=0.1) > 1.0
    with pytest.raises(ValueError, match="one_step_residual: series must have shape"):
        one_step_residual(real[:, :1], FIELD, dt=0.1)
    with pytest.raises(TypeError, match="one_step_residual: series must hold floats"):
        one_step_residual(np.ones((3, 10, 3), dtype=np.int64), FIELD, dt=0.1)
