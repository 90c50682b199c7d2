"""Penalised least squares for sparse regression: LASSO by three solvers, and ridge.

Every LASSO solver minimises scikit-learn's objective, column by column of ``Y``::

    (1 / 2n) ||y - X w||^2 + alpha ||w||_1          (n = number of rows of X)

and takes ``X (n, p)`` and ``Y (n,)`` or ``(n, k)``, returning ``W (p,)`` or ``(p, k)``
(no intercept: put a column of ones in ``X``). The solvers agree with each other and with
scikit-learn's ``Lasso``/``LassoLars(fit_intercept=False)`` to the tolerance asked.
"""

from __future__ import annotations

import numpy as np


def _as_2d(name: str, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"{name}: X must be 2-d (n, p), got shape {x.shape}")
    vector = y.ndim == 1
    y = y[:, None] if vector else y
    if y.ndim != 2 or y.shape[0] != x.shape[0]:
        raise ValueError(f"{name}: Y must have {x.shape[0]} rows like X, got shape {y.shape}")
    return x, y, vector


def _check_alpha(name: str, alpha: float) -> None:
    if not alpha >= 0:
        raise ValueError(f"{name}: alpha must be >= 0, got {alpha}")


def lasso_optimality(gram: np.ndarray, xty: np.ndarray, w: np.ndarray, alpha: float) -> float:
    """The largest violation of the LASSO optimality conditions at ``w``.

    With ``g = (X^T X w - X^T y) / n``: ``g_j = -alpha sign(w_j)`` where ``w_j != 0``, and
    ``|g_j| <= alpha`` where ``w_j = 0``. Zero exactly at the solution.
    """
    g = gram @ w - xty
    violation = np.where(w != 0, np.abs(g + alpha * np.sign(w)), np.maximum(np.abs(g) - alpha, 0))
    return float(violation.max())


def soft_threshold(v: np.ndarray, t: float | np.ndarray) -> np.ndarray:
    """The proximal map of ``t |.|``: ``sign(v) max(|v| - t, 0)``."""
    return np.sign(v) * np.maximum(np.abs(v) - t, 0.0)


def lasso_ista(
    x: np.ndarray,
    y: np.ndarray,
    alpha: float,
    fista: bool = True,
    max_iter: int = 100_000,
    tol: float = 1e-10,
) -> np.ndarray:
    """LASSO by iterative shrinkage-thresholding (ISTA), accelerated (FISTA) by default.

    With ``L`` the largest eigenvalue of ``X^T X / n`` (the gradient's Lipschitz constant)::

        w <- soft_threshold(v - (1/L) X^T (X v - y) / n,  alpha / L)
        FISTA: t' = (1 + sqrt(1 + 4 t^2)) / 2,  v = w + (t - 1) / t' (w - w_previous)

    with the momentum restarted whenever it points uphill (O'Donoghue & Candes, 2015).
    Stops when :func:`lasso_optimality` is below ``tol * max|X^T y / n|``.
    """
    x, y, vector = _as_2d("lasso_ista", x, y)
    _check_alpha("lasso_ista", alpha)
    n = x.shape[0]
    gram, xty = x.T @ x / n, x.T @ y / n
    lipschitz = np.linalg.eigvalsh(gram)[-1]
    scale = max(np.abs(xty).max(), 1e-300)
    w = np.zeros((x.shape[1], y.shape[1]))
    v, t = w.copy(), np.ones(y.shape[1])
    for _ in range(max_iter):
        w_new = soft_threshold(v - (gram @ v - xty) / lipschitz, alpha / lipschitz)
        step = w_new - w
        if fista:
            uphill = np.sum((v - w_new) * step, axis=0) > 0
            t = np.where(uphill, 1.0, t)
            t_new = (1.0 + np.sqrt(1.0 + 4.0 * t * t)) / 2.0
            v = w_new + ((t - 1.0) / t_new) * step
            t = t_new
        else:
            v = w_new
        w = w_new
        if lasso_optimality(gram, xty, w, alpha) <= tol * scale:
            break
    return w[:, 0] if vector else w


def lasso_admm(
    x: np.ndarray,
    y: np.ndarray,
    alpha: float,
    rho: float | None = None,
    max_iter: int = 100_000,
    tol: float = 1e-10,
) -> np.ndarray:
    """LASSO by the alternating direction method of multipliers (Boyd et al., 2011, 6.4).

    Split ``w = z`` and iterate, with the scaled dual ``u``::

        w <- (X^T X / n + rho I)^-1 (X^T y / n + rho (z - u))
        z <- soft_threshold(w + u, alpha / rho)
        u <- u + w - z

    ``rho`` defaults to the mean eigenvalue of ``X^T X / n`` and is rebalanced (x2 or /2)
    when the primal and dual residuals differ by more than 10x. Stops when
    :func:`lasso_optimality` of ``z`` is below ``tol * max|X^T y / n|``; returns ``z``
    (exactly sparse).
    """
    x, y, vector = _as_2d("lasso_admm", x, y)
    _check_alpha("lasso_admm", alpha)
    n, p = x.shape
    gram, xty = x.T @ x / n, x.T @ y / n
    rho = float(np.trace(gram) / p) if rho is None else float(rho)
    scale = max(np.abs(xty).max(), 1e-300)
    if not rho > 0:
        raise ValueError(f"lasso_admm: rho must be > 0, got {rho}")
    inverse = np.linalg.inv(gram + rho * np.eye(p))
    z = np.zeros((p, y.shape[1]))
    u = np.zeros_like(z)
    for _ in range(max_iter):
        w = inverse @ (xty + rho * (z - u))
        z_old = z
        z = soft_threshold(w + u, alpha / rho)
        u = u + w - z
        if lasso_optimality(gram, xty, z, alpha) <= tol * scale:
            break
        primal = np.abs(w - z).max()
        dual = rho * np.abs(z - z_old).max()
        if primal > 10 * dual or dual > 10 * primal:
            factor = 2.0 if primal > dual else 0.5
            rho *= factor
            u /= factor  # the scaled dual is y / rho
            inverse = np.linalg.inv(gram + rho * np.eye(p))
    return z[:, 0] if vector else z


def lasso_lars(x: np.ndarray, y: np.ndarray, alpha: float, max_steps: int = 500) -> np.ndarray:
    """LASSO by least-angle regression with the lasso modification (Efron et al., 2004).

    Follows the solution path ``w(lam)`` of ``(1/2)||y - X w||^2 + lam |w|_1`` from
    ``lam = max|X^T y|`` (where w = 0) down to ``lam = n alpha``. On the active set A, with
    signs s, ``X_A^T (y - X_A w_A) = lam s``, so ``w_A`` moves along ``(X_A^T X_A)^-1 s``
    as lam decreases; a variable joins when its correlation reaches lam, and leaves when its
    coefficient crosses zero. The end point is solved exactly on the final active set.
    """
    x, y, vector = _as_2d("lasso_lars", x, y)
    _check_alpha("lasso_lars", alpha)
    w = np.stack(
        [_lars_path(x, y[:, j], alpha * x.shape[0], max_steps) for j in range(y.shape[1])], 1
    )
    return w[:, 0] if vector else w


def _lars_path(x: np.ndarray, y: np.ndarray, lam_end: float, max_steps: int) -> np.ndarray:
    p = x.shape[1]
    corr = x.T @ y
    lam = np.abs(corr).max()
    if lam <= lam_end:
        return np.zeros(p)
    first = int(np.argmax(np.abs(corr)))
    signs = {first: float(np.sign(corr[first]))}
    # the last event's variable sits on its boundary at lam; along the next (linear) segment
    # it cannot cross the same boundary again, so that event is excluded exactly
    last = (first, "join")
    for _ in range(max_steps):
        active = list(signs)
        u, v = _active_line(x[:, active], y, np.array([signs[j] for j in active]))
        b = x.T @ (x[:, active] @ v)
        a = x.T @ (y - x[:, active] @ u)  # corr_j(l) = a_j + l b_j along this segment
        best, event = lam_end, None
        for k, j in enumerate(active):
            if last != (j, "join") and v[k] != 0 and best < u[k] / v[k] < lam:
                best, event = u[k] / v[k], (j, 0.0)  # its coefficient reaches zero
        for j in range(p):
            if j in signs:
                continue
            for sign in (1.0, -1.0):  # its correlation reaches sign * l
                if last == (j, sign) or abs(sign - b[j]) < 1e-15:
                    continue
                level = a[j] / (sign - b[j])
                if best < level < lam:
                    best, event = level, (j, sign)
        lam = best
        if event is None:
            break
        j, sign = event
        if sign:
            signs[j] = sign
            last = (j, "join")
        else:
            last = (j, signs.pop(j))
    active = list(signs)
    u, v = _active_line(x[:, active], y, np.array([signs[j] for j in active]))
    w = np.zeros(p)
    w[active] = u - lam_end * v
    return w


def _active_line(xa: np.ndarray, y: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """On the active set, ``X_A^T (y - X_A w) = l s`` gives ``w = u - l v`` with
    ``u = X_A^+ y`` and ``v = (X_A^T X_A)^-1 s``, both through a QR of X_A (X_A = QR,
    X_A^T X_A = R^T R), which squares no condition number."""
    q, r = np.linalg.qr(xa)
    u = np.linalg.solve(r, q.T @ y)
    v = np.linalg.solve(r, np.linalg.solve(r.T, s))
    return u, v


def ridge(x: np.ndarray, y: np.ndarray, alpha: float) -> np.ndarray:
    """Ridge regression, scikit-learn's ``Ridge(fit_intercept=False)`` objective::

    ||y - X w||^2 + alpha ||w||^2   ->   w = (X^T X + alpha I)^-1 X^T y
    """
    x, y, vector = _as_2d("ridge", x, y)
    _check_alpha("ridge", alpha)
    w = np.linalg.solve(x.T @ x + alpha * np.eye(x.shape[1]), x.T @ y)
    return w[:, 0] if vector else w
