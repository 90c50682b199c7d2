"""Identify a Lorenz-type system from one sampled trajectory, by any of the methods by name.

``identify(method, x, dt)`` returns the coefficient matrix on the degree-2 library and the
(sigma, rho, beta) it implies. The regression methods work on centred finite differences of
the samples, with the library's columns scaled to unit standard deviation for the penalised
ones (so one ``alpha`` means the same for every term); the others need no derivative.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from retroprop.dynamics.lasso import lasso_admm, lasso_ista, lasso_lars, ridge
from retroprop.dynamics.library import (
    energy_preserving_constraints,
    lorenz_coefficients,
    lorenz_known_parameter,
    lorenz_parameters,
    polynomial_features,
)
from retroprop.dynamics.parametric import galerkin, jaya_powell, lorenz_residual_loss, rk4_fit
from retroprop.dynamics.sindy import centred_difference, stlsq, weak_sindy

METHODS = (
    "lasso_ista",
    "lasso_admm",
    "lasso_lars",
    "ridge",
    "galerkin",
    "jaya_powell",
    "stlsq",
    "weak_sindy",
    "rk4_fit",
)


@dataclass
class Options:
    """The methods' settings (none refers to a particular system).

    alpha: LASSO penalty on standardised terms (scikit-learn's scaling); ridge_alpha: ridge's,
    as ``(1/2n)|r|^2 + (ridge_alpha/2)|w|^2``; threshold: STLSQ / weak SINDy / Galerkin cut on
    |coefficient|; known: the parameter Galerkin is given (its true value is passed in
    ``known_value``); bounds: Jaya's box for each parameter; p0: rk4_fit's start;
    h_max: the largest integration step (rk4_fit's substeps, weak SINDy's nodes between
    samples); half_width, power: weak SINDy's test functions; seed: Jaya's draws.
    """

    alpha: float = 1e-3
    ridge_alpha: float = 1e-6
    threshold: float = 0.1
    known: str = "sigma"
    known_value: float = float("nan")
    bounds: tuple[float, float] = (0.0, 100.0)
    p0: tuple[float, float, float] = (5.0, 15.0, 1.0)
    h_max: float = 0.004
    half_width: int = 4
    power: int = 4
    refine: int = 50
    seed: int = 0


@dataclass
class Identified:
    """What a method found: ``coefficients`` (10, 3), ``parameters`` (sigma, rho, beta),
    and the wall time of the fit."""

    coefficients: np.ndarray
    parameters: np.ndarray
    seconds: float


def _standardised(method, theta: np.ndarray, dxdt: np.ndarray, alpha: float) -> np.ndarray:
    scale = theta.std(axis=0)
    scale[scale == 0] = 1.0  # the constant column stays as it is
    return method(theta / scale, dxdt, alpha) / scale[:, None]


def identify(method: str, x: np.ndarray, dt: float, options: Options | None = None) -> Identified:
    """Fit the degree-2 model dx/dt = Theta(x) Xi to the samples ``x (n, 3)`` taken ``dt``
    apart, by ``method`` (one of :data:`METHODS`)."""
    if method not in METHODS:
        raise ValueError(f"identify: unknown method {method!r}; expected one of {METHODS}")
    x = np.asarray(x, np.float64)
    if x.ndim != 2 or x.shape[1] != 3:
        raise ValueError(f"identify: x must be (n, 3) samples, got {x.shape}")
    o = options or Options()
    began = time.perf_counter()
    mid, dxdt = x[1:-1], centred_difference(x, dt)
    theta = polynomial_features(mid)
    if method in ("lasso_ista", "lasso_admm", "lasso_lars"):
        solver = {"lasso_ista": lasso_ista, "lasso_admm": lasso_admm, "lasso_lars": lasso_lars}
        xi = _standardised(solver[method], theta, dxdt, o.alpha)
    elif method == "ridge":
        xi = _standardised(ridge, theta, dxdt, o.ridge_alpha * theta.shape[0])
    elif method == "stlsq":
        xi = stlsq(theta, dxdt, threshold=o.threshold)
    elif method == "galerkin":
        c_known, d_known = lorenz_known_parameter(o.known, o.known_value)
        c_energy = energy_preserving_constraints()
        c = np.vstack([c_energy, c_known])
        d = np.concatenate([np.zeros(len(c_energy)), d_known])
        xi = galerkin(theta, dxdt, c, d, threshold=o.threshold)
    elif method == "weak_sindy":
        points = max(1, int(np.ceil(dt / o.h_max - 1e-9)))
        xi = weak_sindy(
            x, dt, o.half_width, o.power, threshold=o.threshold, points=points, refine=o.refine
        )
    else:
        if method == "jaya_powell":
            lo, hi = o.bounds
            params = jaya_powell(lorenz_residual_loss(mid, dxdt), [lo] * 3, [hi] * 3, seed=o.seed)
        else:
            substeps = max(1, int(np.ceil(dt / o.h_max - 1e-9)))
            params, _ = rk4_fit(x, dt, o.p0, substeps=substeps)
        xi = lorenz_coefficients(*params)
    seconds = time.perf_counter() - began
    return Identified(xi, lorenz_parameters(xi), seconds)
