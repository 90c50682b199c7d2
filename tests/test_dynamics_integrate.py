"""RK4 integration and the Lorenz field: scipy's DOP853 as the oracle, gradients by gradcheck."""

import functools

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import retroprop as rp
from retroprop.dynamics import lorenz, lorenz_jacobian, rk4, rk4_advance, rk4_step, trajectory

SYSTEMS = [(10.0, 28.0, 8 / 3), (16.0, 45.92, 4.0)]


def _dop853(params, x0, t_eval):
    sigma, rho, beta = params
    sol = solve_ivp(
        lambda t, s: lorenz(s, sigma, rho, beta),
        (0.0, t_eval[-1]),
        x0,
        method="DOP853",
        t_eval=t_eval,
        rtol=1e-13,
        atol=1e-13,
    )
    return sol.y.T


@pytest.mark.parametrize("params", SYSTEMS)
def test_rk4_matches_dop853_on_many_initial_conditions(params):
    rng = np.random.default_rng(0)
    x0 = rng.uniform(-10, 10, size=(4, 3)) + np.array([0.0, 0.0, 25.0])
    f = functools.partial(lorenz, sigma=params[0], rho=params[1], beta=params[2])
    xs = rk4(f, x0, dt=0.01, n_samples=101, substeps=40)  # h = 2.5e-4 up to t = 1
    assert xs.shape == (4, 101, 3)
    t = np.linspace(0.0, 1.0, 101)
    ref = np.stack([_dop853(params, x0[i], t) for i in range(4)])
    err = np.abs(xs - ref).max()
    scale = np.abs(ref).max()
    assert err / scale < 1e-8, f"max error {err:.2e} (scale {scale:.1f})"


def test_rk4_error_is_fourth_order():
    f = functools.partial(lorenz, sigma=10.0, rho=28.0, beta=8 / 3)
    x0 = np.array([1.0, 2.0, 20.0])
    ref = _dop853((10.0, 28.0, 8 / 3), x0, np.array([0.0, 0.5]))[-1]
    errors = [np.abs(rk4_advance(f, x0, 0.5, n) - ref).max() for n in (50, 100)]
    assert 14 < errors[0] / errors[1] < 18  # 2^4 = 16 when the step halves


def test_trajectory_discards_the_transient():
    f = functools.partial(lorenz, sigma=10.0, rho=28.0, beta=8 / 3)
    x0 = np.array([1.0, 1.0, 1.0])
    xs = trajectory(f, x0, dt=0.01, n_samples=5, transient=2.0, substeps=4)
    ref = _dop853((10.0, 28.0, 8 / 3), x0, np.array([0.0, 2.0, 2.01, 2.02, 2.03, 2.04]))[1:]
    np.testing.assert_allclose(xs, ref, rtol=0, atol=1e-6)


def test_lorenz_field_and_jacobian():
    s = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(lorenz(s, 10.0, 28.0, 2.0), [10.0, 23.0, -4.0])
    jac = lorenz_jacobian(s, 10.0, 28.0, 2.0)
    eps = 1e-6
    fd = np.stack(
        [
            (lorenz(s + eps * e, 10.0, 28.0, 2.0) - lorenz(s - eps * e, 10.0, 28.0, 2.0))
            / (2 * eps)
            for e in np.eye(3)
        ],
        axis=-1,
    )
    np.testing.assert_allclose(jac, fd, atol=1e-7)


def test_per_trajectory_parameters_broadcast():
    f = functools.partial(lorenz, sigma=np.array([10.0, 16.0]), rho=28.0, beta=2.0)
    x0 = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    d = f(x0)
    np.testing.assert_allclose(d[:, 0], [10.0, 16.0])


def test_gradients_flow_through_the_integrator():
    x0 = rp.tensor([[1.0, 2.0, 20.0], [-3.0, -1.0, 15.0]], dtype=rp.float64, requires_grad=True)
    params = [rp.tensor(v, dtype=rp.float64, requires_grad=True) for v in (10.0, 28.0, 8 / 3)]

    def run(x0, sigma, rho, beta):
        f = functools.partial(lorenz, sigma=sigma, rho=rho, beta=beta)
        return rk4(f, x0, dt=0.02, n_samples=6, substeps=2)

    out = run(x0, *params)
    assert isinstance(out, rp.Tensor) and out.shape == (2, 6, 3)
    np.testing.assert_allclose(
        out.detach().numpy(), run(x0.detach().numpy(), 10.0, 28.0, 8 / 3), rtol=1e-13
    )
    assert rp.autograd.gradcheck(run, [x0, *params], eps=1e-6, atol=1e-6, rtol=1e-5)


def test_rk4_step_on_tensor_state_with_float_parameters():
    x = rp.tensor([1.0, 2.0, 3.0], dtype=rp.float64, requires_grad=True)
    f = functools.partial(lorenz, sigma=10.0, rho=28.0, beta=2.0)
    y = rk4_step(f, x, 0.01)
    y.sum().backward()
    assert x.grad is not None and x.grad.shape == (3,)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"dt": 0.0}, "dt must be > 0"),
        ({"substeps": 0}, "substeps"),
        ({"n_samples": 0}, "n_samples"),
    ],
)
def test_bad_arguments_are_refused(kwargs, match):
    f = functools.partial(lorenz, sigma=10.0, rho=28.0, beta=2.0)
    args = {"dt": 0.1, "n_samples": 3, "substeps": 1, **kwargs}
    with pytest.raises(ValueError, match=match):
        rk4(f, np.ones(3), **args)


def test_lorenz_refuses_wrong_state_size():
    with pytest.raises(ValueError, match=r"lorenz: state must have shape \(\.\.\., 3\)"):
        lorenz(np.ones((2, 4)), 10.0, 28.0, 2.0)
