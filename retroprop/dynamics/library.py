"""The candidate terms of a sparse model dx/dt = Theta(x) Xi, and the Lorenz system in them.

The library is every monomial of degree <= ``degree`` in the state variables, ordered as
scikit-learn's ``PolynomialFeatures`` orders them: ``1, x, y, z, x^2, x y, x z, y^2, y z, z^2``
for three variables and degree 2 (10 terms). A model is a coefficient matrix ``Xi`` of shape
``(n_terms, n_vars)``: column ``j`` holds the coefficients of ``dx_j/dt``.
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations_with_replacement

import numpy as np


def monomials(n_vars: int, degree: int) -> list[tuple[int, ...]]:
    """The exponent tuples of the library's terms, in order (``(0, 0, 0)`` is the constant)."""
    if n_vars < 1 or degree < 0:
        raise ValueError(f"monomials: need n_vars >= 1 and degree >= 0, got {n_vars}, {degree}")
    terms = []
    for d in range(degree + 1):
        for combo in combinations_with_replacement(range(n_vars), d):
            counts = Counter(combo)
            terms.append(tuple(counts.get(i, 0) for i in range(n_vars)))
    return terms


def polynomial_features(x: np.ndarray, degree: int = 2) -> np.ndarray:
    """Theta(x): every monomial of degree <= ``degree`` of the last axis of ``x``.

    Shape: ``(..., n_vars)`` -> ``(..., n_terms)``; 10 terms for 3 variables and degree 2.
    """
    x = np.asarray(x)
    if x.ndim < 1:
        raise ValueError("polynomial_features: x must have a variables axis, got a scalar")
    columns = []
    for powers in monomials(x.shape[-1], degree):
        term = np.ones(x.shape[:-1], dtype=x.dtype if x.dtype.kind == "f" else np.float64)
        for i, p in enumerate(powers):
            if p:
                term = term * x[..., i] ** p
        columns.append(term)
    return np.stack(columns, axis=-1)


def polynomial_jacobian(x: np.ndarray, degree: int = 2) -> np.ndarray:
    """dTheta/dx: the derivative of every library term with respect to every variable.

    Shape: ``(..., n_vars)`` -> ``(..., n_terms, n_vars)``; the Jacobian of the model
    ``Theta(x) Xi`` is ``einsum('...ti,tj->...ji', polynomial_jacobian(x), Xi)``.
    """
    x = np.asarray(x, dtype=np.float64)
    n_vars = x.shape[-1]
    out = np.zeros((*x.shape[:-1], len(monomials(n_vars, degree)), n_vars))
    for t, powers in enumerate(monomials(n_vars, degree)):
        for i, p in enumerate(powers):
            if p:
                term = p * x[..., i] ** (p - 1)
                for j, q in enumerate(powers):
                    if j != i and q:
                        term = term * x[..., j] ** q
                out[..., t, i] = term
    return out


def polynomial_model(xi: np.ndarray, degree: int = 2):
    """The field ``f(x) = Theta(x) Xi`` and its Jacobian ``J(x)`` (``(..., d, d)``) of a
    coefficient matrix, ready for :func:`~retroprop.dynamics.integrate.trajectory` and
    :func:`~retroprop.dynamics.lyapunov.benettin`."""
    xi = np.asarray(xi, dtype=np.float64)

    def field(x: np.ndarray) -> np.ndarray:
        return polynomial_features(x, degree) @ xi

    def jacobian(x: np.ndarray) -> np.ndarray:
        return np.einsum("...ti,tj->...ji", polynomial_jacobian(x, degree), xi)

    return field, jacobian


def feature_names(variables: str | list[str] = "xyz", degree: int = 2) -> list[str]:
    """Readable names of the terms, e.g. ``['1', 'x', 'y', 'z', 'x^2', 'x y', ...]``."""
    names = list(variables)
    out = []
    for powers in monomials(len(names), degree):
        parts = [n if p == 1 else f"{n}^{p}" for n, p in zip(names, powers) if p]
        out.append(" ".join(parts) if parts else "1")
    return out


def _index(powers: tuple[int, ...], degree: int = 2) -> int:
    return monomials(len(powers), degree).index(powers)


def lorenz_coefficients(sigma: float, rho: float, beta: float) -> np.ndarray:
    """The Lorenz system as a (10, 3) coefficient matrix on the degree-2 library::

    dx/dt = -sigma x + sigma y,   dy/dt = rho x - y - x z,   dz/dt = x y - beta z
    """
    xi = np.zeros((10, 3))
    x, y, z = _index((1, 0, 0)), _index((0, 1, 0)), _index((0, 0, 1))
    xi[x, 0], xi[y, 0] = -sigma, sigma
    xi[x, 1], xi[y, 1], xi[_index((1, 0, 1)), 1] = rho, -1.0, -1.0
    xi[_index((1, 1, 0)), 2], xi[z, 2] = 1.0, -beta
    return xi


def lorenz_parameters(xi: np.ndarray) -> np.ndarray:
    """(sigma, rho, beta) read off a (10, 3) coefficient matrix: sigma is the mean of the
    ``y`` and ``-x`` coefficients of dx/dt, rho the ``x`` coefficient of dy/dt, beta minus the
    ``z`` coefficient of dz/dt."""
    xi = np.asarray(xi)
    if xi.shape != (10, 3):
        raise ValueError(f"lorenz_parameters: expected a (10, 3) matrix, got {xi.shape}")
    x, y, z = _index((1, 0, 0)), _index((0, 1, 0)), _index((0, 0, 1))
    return np.array([(xi[y, 0] - xi[x, 0]) / 2, xi[x, 1], -xi[z, 2]])


def energy_preserving_constraints(n_vars: int = 3, degree: int = 2) -> np.ndarray:
    """Rows ``C`` with ``C @ vec(Xi) = 0`` iff the quadratic terms conserve the energy.

    The quadratic part Q(x) of a model conserves |x|^2 / 2 when ``sum_i x_i Q_i(x) = 0``
    for every x (Lorenz's does: ``y (-x z) + z (x y) = 0``): the cubic polynomial vanishes
    when the coefficients of each cubic monomial add up to zero. ``vec(Xi)`` stacks the
    columns of Xi (``Xi.reshape(-1, order='F')``).
    """
    terms = monomials(n_vars, degree)
    quadratic = [k for k, p in enumerate(terms) if sum(p) == 2]
    rows: dict[tuple[int, ...], np.ndarray] = {}
    for i in range(n_vars):
        for k in quadratic:
            cubic = tuple(p + (j == i) for j, p in enumerate(terms[k]))
            rows.setdefault(cubic, np.zeros(len(terms) * n_vars))[i * len(terms) + k] += 1.0
    return np.array([rows[c] for c in sorted(rows)])


def lorenz_known_parameter(name: str, value: float) -> tuple[np.ndarray, np.ndarray]:
    """Constraint rows ``(C, d)``, ``C @ vec(Xi) = d``, fixing one Lorenz parameter.

    ``sigma``: the ``x`` and ``y`` coefficients of dx/dt are ``-sigma`` and ``sigma``;
    ``rho``: the ``x`` coefficient of dy/dt; ``beta``: the ``z`` coefficient of dz/dt is ``-beta``.
    """
    x, y, z = _index((1, 0, 0)), _index((0, 1, 0)), _index((0, 0, 1))
    entries = {
        "sigma": [(x, 0, -value), (y, 0, value)],
        "rho": [(x, 1, value)],
        "beta": [(z, 2, -value)],
    }
    if name not in entries:
        raise ValueError(
            f"lorenz_known_parameter: name must be 'sigma', 'rho' or 'beta', got {name!r}"
        )
    c = np.zeros((len(entries[name]), 30))
    d = np.zeros(len(entries[name]))
    for row, (term, eq, v) in enumerate(entries[name]):
        c[row, eq * 10 + term] = 1.0
        d[row] = v
    return c, d
