"""System identification: the library, the LASSO solvers against scikit-learn, STLSQ, weak
SINDy, Galerkin, Jaya-Powell and the RK4 fit on the classic and a non-classic Lorenz system."""

import functools

import numpy as np
import pytest
from scipy.optimize import minimize
from sklearn.linear_model import Lasso, LassoLars, Ridge
from sklearn.preprocessing import PolynomialFeatures

from retroprop.dynamics import (
    METHODS,
    Options,
    centred_difference,
    energy_preserving_constraints,
    feature_names,
    galerkin,
    identify,
    jaya,
    jaya_powell,
    lasso_admm,
    lasso_ista,
    lasso_lars,
    lorenz,
    lorenz_coefficients,
    lorenz_jacobian,
    lorenz_known_parameter,
    lorenz_parameters,
    lorenz_residual_loss,
    polynomial_features,
    polynomial_model,
    powell,
    ridge,
    rk4_fit,
    stlsq,
    trajectory,
    weak_form,
    weak_sindy,
    weak_weights,
)

SYSTEMS = np.array([[10.0, 28.0, 8 / 3], [16.0, 45.92, 4.0]])


@functools.cache
def _data():
    """Both systems at once (per-trajectory parameters): dt = 0.001 for 2 time units and
    dt = 0.1 for 20, integrated with steps 4 and 40 times finer than the sampling."""
    x0 = np.array([[-8.0, 7.0, 27.0], [9.89, 19.47, 14.76]])
    f = functools.partial(lorenz, sigma=SYSTEMS[:, 0], rho=SYSTEMS[:, 1], beta=SYSTEMS[:, 2])
    fine = trajectory(f, x0, dt=0.001, n_samples=2001, transient=1.0, substeps=4)
    coarse = trajectory(f, x0, dt=0.1, n_samples=201, transient=1.0, substeps=40)
    return fine, coarse


def _rmse(params, i):
    return float(np.sqrt(np.mean((np.asarray(params) - SYSTEMS[i]) ** 2)))


# ---- the library ----------------------------------------------------------------------
def test_polynomial_features_match_sklearn_and_name_the_terms():
    x = np.random.default_rng(0).standard_normal((7, 3))
    ref = PolynomialFeatures(2).fit_transform(x)
    np.testing.assert_allclose(polynomial_features(x), ref, rtol=1e-14)
    assert feature_names() == ["1", "x", "y", "z", "x^2", "x y", "x z", "y^2", "y z", "z^2"]


@pytest.mark.parametrize("i", [0, 1])
def test_lorenz_coefficients_reproduce_the_field_and_its_parameters(i):
    x = np.random.default_rng(1).standard_normal((5, 3)) * 10
    xi = lorenz_coefficients(*SYSTEMS[i])
    np.testing.assert_allclose(polynomial_features(x) @ xi, lorenz(x, *SYSTEMS[i]), rtol=1e-13)
    np.testing.assert_allclose(lorenz_parameters(xi), SYSTEMS[i], rtol=1e-15)


def test_polynomial_model_is_lorenz_with_its_jacobian():
    x = np.random.default_rng(6).standard_normal((4, 3)) * 10
    field, jacobian = polynomial_model(lorenz_coefficients(*SYSTEMS[1]))
    np.testing.assert_allclose(field(x), lorenz(x, *SYSTEMS[1]), rtol=1e-13)
    np.testing.assert_allclose(jacobian(x), lorenz_jacobian(x, *SYSTEMS[1]), atol=1e-12)
    cubic = np.random.default_rng(7).standard_normal((20, 3))
    eps, point = 1e-6, np.array([0.3, -1.2, 2.0])
    f3, j3 = polynomial_model(cubic, degree=3)
    fd = np.stack([(f3(point + eps * e) - f3(point - eps * e)) / (2 * eps) for e in np.eye(3)], -1)
    np.testing.assert_allclose(j3(point), fd, atol=1e-7)


def test_lorenz_quadratic_terms_conserve_energy_and_a_random_model_does_not():
    c = energy_preserving_constraints()
    assert c.shape == (10, 30)
    np.testing.assert_allclose(c @ lorenz_coefficients(*SYSTEMS[1]).reshape(-1, order="F"), 0)
    xi = np.random.default_rng(2).standard_normal((10, 3))
    assert np.abs(c @ xi.reshape(-1, order="F")).max() > 0.1


def test_known_parameter_rows_fix_that_parameter():
    c, d = lorenz_known_parameter("rho", 45.92)
    np.testing.assert_allclose(c @ lorenz_coefficients(*SYSTEMS[1]).reshape(-1, order="F"), d)
    with pytest.raises(ValueError, match="lorenz_known_parameter: name"):
        lorenz_known_parameter("gamma", 1.0)


# ---- penalised regression against scikit-learn ----------------------------------------
@pytest.fixture(scope="module")
def regression():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((120, 8))
    x[:, 1] += 0.8 * x[:, 0]  # correlated columns, as in a polynomial library
    w = np.zeros((8, 3))
    w[[0, 2], 0], w[[1, 5, 7], 1], w[[3], 2] = [1.5, -2.0], [1.0, 0.5, -0.7], [3.0]
    return x, x @ w + 0.1 * rng.standard_normal((120, 3))


@pytest.mark.parametrize("alpha", [0.003, 0.05, 0.4])
@pytest.mark.parametrize("solver", [lasso_ista, lasso_admm, lasso_lars])
def test_lasso_solvers_match_sklearn(regression, solver, alpha):
    x, y = regression
    cd = np.stack(
        [
            Lasso(alpha=alpha, fit_intercept=False, tol=1e-14, max_iter=100_000).fit(x, c).coef_
            for c in y.T
        ],
        1,
    )
    lars = np.stack([LassoLars(alpha=alpha, fit_intercept=False).fit(x, c).coef_ for c in y.T], 1)
    w = solver(x, y, alpha)
    np.testing.assert_allclose(w, cd, atol=1e-8)
    np.testing.assert_allclose(w, lars, atol=1e-8)
    np.testing.assert_array_equal(solver(x, y[:, 0], alpha).shape, (8,))


def test_plain_ista_converges_to_the_same_solution(regression):
    x, y = regression
    np.testing.assert_allclose(
        lasso_ista(x, y, 0.05, fista=False), lasso_ista(x, y, 0.05), atol=1e-8
    )


def test_lasso_lars_is_exact_on_the_lorenz_library():
    x = _data()[0][1][::2]
    theta, dxdt = polynomial_features(x[1:-1]), centred_difference(x, 0.002)
    ts = theta / np.r_[1.0, theta[:, 1:].std(0)]
    ref = lasso_admm(ts, dxdt, 0.01)
    np.testing.assert_allclose(lasso_lars(ts, dxdt, 0.01), ref, rtol=1e-5, atol=1e-5)


def test_ridge_matches_sklearn(regression):
    x, y = regression
    ref = Ridge(alpha=2.5, fit_intercept=False).fit(x, y).coef_.T
    np.testing.assert_allclose(ridge(x, y, 2.5), ref, rtol=1e-10)


@pytest.mark.parametrize("solver", [lasso_ista, lasso_admm, lasso_lars, ridge])
def test_regressions_refuse_bad_inputs(solver):
    with pytest.raises(ValueError, match=f"{solver.__name__}: alpha"):
        solver(np.ones((4, 2)), np.ones(4), -1.0)
    with pytest.raises(ValueError, match=f"{solver.__name__}: Y must have 4 rows"):
        solver(np.ones((4, 2)), np.ones(3), 0.1)


# ---- derivative-based and weak SINDy ---------------------------------------------------
def test_centred_difference_is_exact_on_quadratics():
    t = np.linspace(0, 1, 11)[:, None]
    np.testing.assert_allclose(centred_difference(3 * t**2 + t, 0.1), 6 * t[1:-1] + 1)
    with pytest.raises(ValueError, match="centred_difference: need"):
        centred_difference(np.ones((2, 3)), 0.1)


def test_stlsq_recovers_a_sparse_model_exactly():
    rng = np.random.default_rng(3)
    theta = rng.standard_normal((50, 6))
    xi = np.array([[0, 2.0], [1.5, 0], [0, 0], [0, -0.7], [0.3, 0], [0, 0]])
    est = stlsq(theta, theta @ xi + 1e-3 * rng.standard_normal((50, 2)), threshold=0.1)
    np.testing.assert_array_equal(est != 0, xi != 0)
    np.testing.assert_allclose(est, xi, atol=2e-3)


def test_stlsq_on_lorenz_at_fine_sampling():
    x = _data()[0][0]
    xi = stlsq(polynomial_features(x[1:-1]), centred_difference(x, 0.001))
    assert (xi != 0).sum() == 7
    assert _rmse(lorenz_parameters(xi), 0) <= 2e-3


@pytest.mark.parametrize("m", [1, 3, 5])
def test_weak_weights_integrate_by_parts_exactly_on_polynomials(m):
    c, a = weak_weights(m, power=4, dt=0.01)
    t = np.arange(-m, m + 1) * 0.01
    for k in range(2 * m + 1):
        assert abs(a @ t**k - c @ (k * t ** max(k - 1, 0))) < 1e-12
    if m == 1:  # the shortest window is the centred difference
        np.testing.assert_allclose(a / c[1], [-50.0, 0.0, 50.0])


@pytest.mark.parametrize("i", [0, 1])
def test_weak_sindy_at_fine_sampling_is_exact(i):
    xi = weak_sindy(_data()[0][i], 0.001)
    assert (xi != 0).sum() == 7
    assert _rmse(lorenz_parameters(xi), i) <= 1e-8


def test_weak_form_alone_fails_at_coarse_sampling_and_refinement_fixes_it():
    x = _data()[1][0]
    plain = weak_sindy(x, 0.1)
    refined = weak_sindy(x, 0.1, points=10, refine=10)
    assert _rmse(lorenz_parameters(refined), 0) <= 0.05
    assert _rmse(lorenz_parameters(refined), 0) < _rmse(lorenz_parameters(plain), 0) / 100
    assert (refined != 0).sum() == 7


def test_weak_form_refuses_short_series():
    with pytest.raises(ValueError, match="weak_form: need at least 9 samples"):
        weak_form(np.ones((5, 3)), 0.1, half_width=4)


# ---- parametric fits -------------------------------------------------------------------
def test_galerkin_satisfies_its_constraints_exactly():
    x = _data()[0][0]
    theta, dxdt = polynomial_features(x[1:-1]), centred_difference(x, 0.001)
    c_known, d_known = lorenz_known_parameter("sigma", 10.0)
    c = np.vstack([energy_preserving_constraints(), c_known])
    d = np.r_[np.zeros(10), d_known]
    xi = galerkin(theta, dxdt, c, d, threshold=0.1)
    np.testing.assert_allclose(c @ xi.reshape(-1, order="F"), d, atol=1e-9)
    assert lorenz_parameters(xi)[0] == pytest.approx(10.0, abs=1e-9)
    assert (xi != 0).sum() == 7 and _rmse(lorenz_parameters(xi), 0) < 2e-3


def test_jaya_finds_the_minimum_of_a_shifted_bowl():
    best = jaya(lambda p: ((p - [1.0, 4.0, 7.0]) ** 2).sum(-1), [0] * 3, [10] * 3, n_iter=300)
    np.testing.assert_allclose(best, [1.0, 4.0, 7.0], atol=1e-3)
    with pytest.raises(ValueError, match="jaya: need 1-d bounds"):
        jaya(lambda p: p.sum(-1), [1.0], [0.0])


@pytest.mark.parametrize("x0", [[-1.2, 1.0], [2.0, -1.0, 0.5]])
def test_powell_reaches_scipys_minimum(x0):
    def rosen(x):
        return float(np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))

    ref = minimize(rosen, x0, method="Powell", options={"xtol": 1e-12, "ftol": 1e-14}).x
    np.testing.assert_allclose(powell(rosen, np.array(x0)), ref, atol=1e-5)


def test_lorenz_residual_loss_is_the_mean_squared_residual():
    x = np.random.default_rng(4).standard_normal((30, 3)) * 8
    dxdt = lorenz(x, *SYSTEMS[0]) + np.random.default_rng(5).standard_normal((30, 3))
    p = np.array([[9.0, 27.0, 2.0], [16.0, 45.92, 4.0]])
    direct = [np.mean(np.sum((dxdt - lorenz(x, *q)) ** 2, -1)) for q in p]
    np.testing.assert_allclose(lorenz_residual_loss(x, dxdt)(p), direct, rtol=1e-12)


@pytest.mark.parametrize("i", [0, 1])
def test_jaya_powell_recovers_parameters_from_exact_derivatives(i):
    x = _data()[1][i]
    est = jaya_powell(lorenz_residual_loss(x, lorenz(x, *SYSTEMS[i])), [0] * 3, [100] * 3)
    assert _rmse(est, i) < 1e-6


@pytest.mark.parametrize("i", [0, 1])
def test_rk4_fit_through_autograd_from_a_poor_start(i):
    fine, coarse = _data()
    est, info = rk4_fit(fine[i][:1001], 0.001, (5.0, 15.0, 1.0), substeps=2)
    assert _rmse(est, i) <= 1e-8, est
    est, info = rk4_fit(coarse[i][:101], 0.1, (5.0, 15.0, 1.0), substeps=25)
    assert _rmse(est, i) <= 1e-4, est
    assert info["evaluations"] > 3 and info["loss"] < 1e-6


def test_rk4_fit_refuses_a_single_sample():
    with pytest.raises(ValueError, match="rk4_fit: x must be"):
        rk4_fit(np.ones((1, 3)), 0.1, (1.0, 1.0, 1.0))


# ---- by name ---------------------------------------------------------------------------
def test_identify_runs_every_method_and_lorenz_is_found_at_fine_sampling():
    x = _data()[0][0]
    for method in METHODS:
        found = identify(method, x, 0.001, Options(known_value=10.0, refine=2))
        assert found.coefficients.shape == (10, 3) and found.seconds >= 0
        assert _rmse(found.parameters, 0) < 0.1, method
    with pytest.raises(ValueError, match="identify: unknown method 'sindy'"):
        identify("sindy", x, 0.001)
