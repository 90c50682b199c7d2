"""Sparse identification of dx/dt = Theta(x) Xi (SINDy): from finite differences, or from the
weak (integral) form, which needs no derivative of the data.
"""

from __future__ import annotations

import numpy as np

from retroprop.dynamics.integrate import rk4_advance
from retroprop.dynamics.library import polynomial_features


def centred_difference(x: np.ndarray, dt: float) -> np.ndarray:
    """Second-order centred differences along the time axis (axis -2)::

        dx/dt (t_i) ~= (x_{i+1} - x_{i-1}) / (2 dt)        (error dt^2 x''' / 6)

    Shape: ``(..., n, d)`` -> ``(..., n - 2, d)``, aligned with ``x[..., 1:-1, :]``.
    """
    x = np.asarray(x)
    if x.ndim < 2 or x.shape[-2] < 3:
        raise ValueError(f"centred_difference: need (..., n >= 3, d) samples, got {x.shape}")
    if not dt > 0:
        raise ValueError(f"centred_difference: dt must be > 0, got {dt}")
    return (x[..., 2:, :] - x[..., :-2, :]) / (2.0 * dt)


def stlsq(
    theta: np.ndarray,
    dxdt: np.ndarray,
    threshold: float = 0.1,
    alpha: float = 0.05,
    max_iter: int = 20,
) -> np.ndarray:
    """Sequentially thresholded least squares (Brunton, Proctor & Kutz, 2016), as pysindy's
    ``STLSQ`` with ``unbias=True``.

    Repeat: ridge regression ``min ||dxdt_j - Theta_S xi||^2 + alpha ||xi||^2`` on the
    support S of each equation, then drop the terms with ``|xi| < threshold``; stop when the
    support no longer changes. Finally refit each support by plain least squares.

    Shape: ``theta (n, p)``, ``dxdt (n, k)`` -> ``Xi (p, k)``.
    """
    theta, dxdt = np.asarray(theta, np.float64), np.asarray(dxdt, np.float64)
    if theta.ndim != 2 or dxdt.ndim != 2 or theta.shape[0] != dxdt.shape[0]:
        raise ValueError(
            f"stlsq: expected theta (n, p) and dxdt (n, k), got {theta.shape} and {dxdt.shape}"
        )
    if threshold < 0 or alpha < 0:
        raise ValueError(f"stlsq: threshold and alpha must be >= 0, got {threshold}, {alpha}")
    p, k = theta.shape[1], dxdt.shape[1]
    support = np.ones((p, k), dtype=bool)
    xi = np.zeros((p, k))
    for _ in range(max_iter):
        xi = _fit_supports(theta, dxdt, support, alpha)
        new = support & (np.abs(xi) >= threshold)
        if (new == support).all():
            break
        support = new
    return _fit_supports(theta, dxdt, support & (np.abs(xi) >= threshold), 0.0)


def _fit_supports(theta: np.ndarray, y: np.ndarray, support: np.ndarray, alpha: float):
    xi = np.zeros(support.shape)
    gram, rhs = theta.T @ theta, theta.T @ y
    for j in range(y.shape[1]):
        s = support[:, j]
        if s.any():
            a = gram[np.ix_(s, s)] + alpha * np.eye(int(s.sum()))
            xi[s, j] = np.linalg.lstsq(a, rhs[s, j], rcond=None)[0]
    return xi


def weak_weights(half_width: int, power: int, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """Discrete test-function weights ``(c, a)`` on the 2m + 1 samples of a window.

    ``c_i = phi(u_i) dt`` with ``phi(u) = (1 - u^2)^power``, ``u_i = i / m`` (the trapezoidal
    weights of phi, which vanishes at the window's ends), and ``a`` makes discrete integration
    by parts exact for every polynomial of degree <= 2m::

        sum_i a_i x(t_i) = sum_i c_i x'(t_i)        whenever deg x <= 2m

    (a Vandermonde system in u). The continuous weak form has ``a_i = -phi'(t_i) dt``; these
    weights are its exact discrete counterpart, so the weak-form residual of smooth data is
    O((omega dt)^(2m+1)) instead of the quadrature error of a few-sample window.
    """
    m = int(half_width)
    u = np.arange(-m, m + 1) / m
    c = (1.0 - u * u) ** power * dt
    degrees = np.arange(2 * m + 1)
    vandermonde = u[None, :] ** degrees[:, None]
    derivatives = degrees[:, None] * u[None, :] ** np.maximum(degrees[:, None] - 1, 0)
    a = np.linalg.solve(vandermonde, derivatives @ c / (m * dt))
    return c, a


def weak_form(
    x: np.ndarray,
    dt: float,
    half_width: int = 4,
    power: int = 4,
    stride: int = 1,
    degree: int = 2,
) -> tuple[np.ndarray, np.ndarray]:
    """The weak form of dx/dt = Theta(x) Xi on short windows: ``(G, b)`` with ``G Xi ~= b``.

    For a test function ``phi_k`` supported on the 2m + 1 samples around ``t_k``
    (m = ``half_width``, weights of :func:`weak_weights`), integration by parts turns
    ``int phi_k x' dt = int phi_k Theta(x) dt Xi`` into::

        b_k = sum_i a_i x(t_{k+i}),     G_k = sum_i c_i Theta(x(t_{k+i}))

    No derivative of the data is taken (noise is averaged over the window). Windows are
    centred every ``stride`` samples.

    Shape: ``x (n, d)`` -> ``G (K, n_terms)``, ``b (K, d)``.
    """
    x = np.asarray(x, np.float64)
    if x.ndim != 2:
        raise ValueError(f"weak_form: x must be (n, d), got {x.shape}")
    if half_width < 1 or power < 1 or stride < 1:
        raise ValueError(
            f"weak_form: half_width, power and stride must be >= 1, got "
            f"{half_width}, {power}, {stride}"
        )
    if not dt > 0:
        raise ValueError(f"weak_form: dt must be > 0, got {dt}")
    m = int(half_width)
    if x.shape[0] < 2 * m + 1:
        raise ValueError(f"weak_form: need at least {2 * m + 1} samples, got {x.shape[0]}")
    c, a = weak_weights(m, power, dt)
    windows = np.arange(m, x.shape[0] - m, stride)[:, None] + np.arange(-m, m + 1)
    theta = polynomial_features(x, degree)
    return np.einsum("w,kwp->kp", c, theta[windows]), np.einsum("w,kwd->kd", a, x[windows])


def densify(x: np.ndarray, dt: float, xi: np.ndarray, points: int, degree: int = 2):
    """Fill each sampling interval with ``points - 1`` states predicted by the model ``xi``.

    Between samples x_k and x_{k+1}, at ``t_k + s dt`` (s in [0, 1)), the state is the blend
    ``(1 - s) F_s(x_k) + s B_{1-s}(x_{k+1})`` of the model integrated forward from x_k and
    backward from x_{k+1} (RK4, 4 steps per new interval): it passes through every sample,
    and is the true trajectory when the model is the true one.

    Shape: ``(n, d)`` -> ``((n - 1) points + 1, d)``, spacing ``dt / points``.
    """
    h = dt / points

    def field(s: np.ndarray) -> np.ndarray:
        return polynomial_features(s, degree) @ xi

    def reverse(s: np.ndarray) -> np.ndarray:
        return -field(s)

    forward, backward = [x[:-1]], [x[1:]]
    for _ in range(points - 1):
        forward.append(rk4_advance(field, forward[-1], h, 4))
        backward.append(rk4_advance(reverse, backward[-1], h, 4))
    # forward[j] is at s = j / points; backward[j] at s = 1 - j / points
    ahead = np.stack(forward, 1)
    behind = np.stack([x[:-1], *backward[:0:-1]], 1)
    s = (np.arange(points) / points)[None, :, None]
    segments = (1 - s) * ahead + s * behind
    return np.concatenate([segments.reshape(-1, x.shape[1]), x[-1:]], 0)


def weak_sindy(
    x: np.ndarray,
    dt: float,
    half_width: int = 4,
    power: int = 4,
    stride: int = 1,
    threshold: float = 0.1,
    alpha: float = 0.0,
    degree: int = 2,
    points: int = 1,
    refine: int = 0,
    tol: float = 1e-10,
) -> np.ndarray:
    """Weak SINDy (Messenger & Bortz, 2021): :func:`stlsq` on the :func:`weak_form` system.

    With coarse samples (dt comparable to the system's time scales) no quadrature of the
    samples alone is accurate. ``refine`` > 0 then iterates: :func:`densify` the data with
    the current model (``points`` nodes per interval), rebuild the weak form on the dense
    nodes and fit again, until the coefficients move less than ``tol``: a fixed point where
    the model and its own quadrature agree with the data.

    Shape: ``x (n, d)`` -> ``Xi (n_terms, d)``.
    """
    g, b = weak_form(x, dt, half_width, power, stride, degree)
    xi = stlsq(g, b, threshold=threshold, alpha=alpha)
    if points < 1 or refine < 0:
        raise ValueError(f"weak_sindy: need points >= 1, refine >= 0, got {points}, {refine}")
    for _ in range(refine if points > 1 else 0):
        dense = densify(x, dt, xi, points, degree)
        g, b = weak_form(dense, dt / points, half_width, power, stride, degree)
        xi_new = stlsq(g, b, threshold=threshold, alpha=alpha)
        moved = np.abs(xi_new - xi).max()
        xi = xi_new
        if moved < tol:
            break
    return xi
