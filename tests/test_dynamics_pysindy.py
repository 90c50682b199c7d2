"""retroprop.dynamics against pysindy 2.1 (the reference SINDy implementation): the same STLSQ
on the same library and derivatives gives the same coefficients, on both Lorenz systems, with
and without noise, including cases where the threshold prunes terms over several rounds."""

import functools

import numpy as np
import pytest

from retroprop.dynamics import centred_difference, lorenz, polynomial_features, stlsq, trajectory

ps = pytest.importorskip("pysindy", minversion="2.1")

SYSTEMS = {
    "classic": (10.0, 28.0, 8 / 3, [-8.0, 7.0, 27.0]),
    "other": (16.0, 45.92, 4.0, [9.89, 19.47, 14.76]),
}


@functools.cache
def _series(system: str, dt: float) -> np.ndarray:
    sigma, rho, beta, x0 = SYSTEMS[system]
    f = functools.partial(lorenz, sigma=sigma, rho=rho, beta=beta)
    n = int(round(10.0 / dt)) + 1
    return trajectory(f, np.array([x0]), dt=dt, n_samples=n, transient=1.0, substeps=10)[0]


def _pysindy_stlsq(theta, dxdt, threshold, alpha):
    opt = ps.STLSQ(threshold=threshold, alpha=alpha, max_iter=20, unbias=True)
    opt.fit(theta, dxdt)
    return opt.coef_.T


@pytest.mark.parametrize("system", sorted(SYSTEMS))
@pytest.mark.parametrize(
    "dt,noise,threshold",
    [(0.001, 0.0, 0.1), (0.01, 0.01, 0.1), (0.01, 0.05, 0.5), (0.05, 0.0, 0.2)],
)
def test_stlsq_equals_pysindy(system, dt, noise, threshold):
    x = _series(system, dt)
    x = x + noise * x.std(0) * np.random.default_rng(0).standard_normal(x.shape)
    theta, dxdt = polynomial_features(x[1:-1]), centred_difference(x, dt)
    ours = stlsq(theta, dxdt, threshold=threshold, alpha=0.05)
    ref = _pysindy_stlsq(theta, dxdt, threshold, 0.05)
    np.testing.assert_array_equal(ours != 0, ref != 0)
    np.testing.assert_allclose(ours, ref, rtol=1e-7, atol=1e-9 * np.abs(ref).max())


def test_stlsq_equals_pysindy_when_pruning_takes_several_rounds():
    rng = np.random.default_rng(5)
    theta = rng.standard_normal((200, 10))
    xi = np.zeros((10, 2))
    xi[[0, 3, 7], 0] = [1.0, 0.25, -0.12]
    xi[[1, 2, 9], 1] = [-2.0, 0.15, 0.3]
    y = theta @ xi + 0.05 * rng.standard_normal((200, 2))
    ours = stlsq(theta, y, threshold=0.2, alpha=0.05)
    ref = _pysindy_stlsq(theta, y, 0.2, 0.05)
    np.testing.assert_array_equal(ours != 0, ref != 0)
    np.testing.assert_allclose(ours, ref, rtol=1e-8, atol=1e-12)
