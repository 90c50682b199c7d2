"""Lyapunov exponents: Benettin's spectrum on the classic system, and the series estimators
against nolds 0.6.2 on the same series with the same (default) parameters."""

import functools
import importlib.resources
import sys
import types
import warnings

import numpy as np
import pytest

from retroprop.dynamics import (
    benettin,
    delay_embedding,
    eckmann,
    lorenz,
    lorenz_jacobian,
    mean_period,
    rosenstein,
    trajectory,
)


def _nolds():
    """nolds 0.6.2 imports setuptools' pkg_resources, gone from setuptools >= 81; it only
    uses ``resource_stream`` to read its bundled data sets, which this shim provides."""
    if "pkg_resources" not in sys.modules:
        shim = types.ModuleType("pkg_resources")
        shim.resource_stream = lambda module, name: (
            importlib.resources.files(module.rpartition(".")[0]).joinpath(name).open("rb")
        )
        sys.modules["pkg_resources"] = shim
    return pytest.importorskip("nolds")


@functools.cache
def _series(dt, n):
    f = functools.partial(lorenz, sigma=10.0, rho=28.0, beta=8 / 3)
    x = trajectory(f, np.array([1.0, 1.0, 1.0]), dt, n, transient=20.0, substeps=round(dt / 0.0025))
    return x.T  # (3, n)


def test_benettin_spectrum_of_the_classic_system():
    sigma, rho, beta = 10.0, 28.0, 8 / 3
    f = functools.partial(lorenz, sigma=sigma, rho=rho, beta=beta)
    jac = functools.partial(lorenz_jacobian, sigma=sigma, rho=rho, beta=beta)
    x0 = np.random.default_rng(0).uniform(-15, 15, (100, 3)) + [0, 0, 25]
    spectrum = benettin(f, jac, x0, h=0.01, duration=50.0, transient=5.0)
    mean = spectrum.exponents.mean(0)
    assert spectrum.exponents.shape == (100, 3) and spectrum.history.shape[1:] == (100, 3)
    assert mean[0] == pytest.approx(0.906, abs=0.01)
    assert abs(mean[1]) < 0.01
    assert mean[2] == pytest.approx(-14.57, abs=0.03)
    # the exponents add up to the divergence of the field, -(sigma + 1 + beta)
    np.testing.assert_allclose(spectrum.exponents.sum(1), -(sigma + 1 + beta), atol=1e-3)
    np.testing.assert_allclose(spectrum.history[-1], spectrum.exponents)


def test_benettin_on_a_linear_system_gives_its_eigenvalues():
    a = np.array([[0.5, 1.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, -3.0]])
    spectrum = benettin(
        lambda x: x @ a.T,
        lambda x: np.broadcast_to(a, (*x.shape[:-1], 3, 3)),
        np.ones((2, 3)),
        h=0.01,
        duration=20.0,
        transient=1.0,
    )
    np.testing.assert_allclose(spectrum.exponents, [[0.5, -1.0, -3.0]] * 2, atol=0.01)


def test_benettin_refuses_a_bad_step():
    with pytest.raises(ValueError, match="benettin: need h > 0"):
        benettin(lambda x: x, lambda x: x, np.ones((1, 3)), h=0.0, duration=1.0)


def test_delay_embedding_and_mean_period():
    emb = delay_embedding(np.arange(6.0), 3, lag=2)
    np.testing.assert_array_equal(emb, [[0, 2, 4], [1, 3, 5]])
    t = np.arange(400)
    assert mean_period(np.sin(2 * np.pi * t / 25)) in (25, 26)  # ceil, after padding leakage
    with pytest.raises(ValueError, match="delay_embedding"):
        delay_embedding(np.arange(3.0), 5)


@pytest.mark.parametrize(("dt", "n"), [(0.1, 1000), (0.01, 1500)])
def test_rosenstein_matches_nolds(dt, n):
    nolds = _nolds()
    ours = rosenstein(_series(dt, n), tau=dt)  # all three coordinates at once
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = [nolds.lyap_r(s, tau=dt, fit="poly") for s in _series(dt, n)]
    np.testing.assert_allclose(ours, ref, rtol=0.05)


@pytest.mark.parametrize(("dt", "n"), [(0.1, 1000), (0.01, 1500)])
def test_eckmann_matches_nolds(dt, n):
    nolds = _nolds()
    ours = eckmann(_series(dt, n), tau=dt)
    assert ours.shape == (3, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = np.array([nolds.lyap_e(s, tau=dt) for s in _series(dt, n)])
    np.testing.assert_allclose(ours[:, 0], ref[:, 0], rtol=0.05)
    np.testing.assert_allclose(ours, ref, rtol=0.05, atol=0.05 * np.abs(ref).max())


def test_eckmann_refuses_incompatible_dimensions():
    with pytest.raises(ValueError, match="emb_dim - 1 .* divisible by matrix_dim - 1"):
        eckmann(np.ones(500), emb_dim=10, matrix_dim=3)
    with pytest.raises(ValueError, match="eckmann: need series of at least"):
        eckmann(np.ones(10))
