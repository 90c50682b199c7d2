"""Fits that know the model's form: constrained (Galerkin) regression, Jaya-Powell on the
Lorenz equations, and a direct fit of the parameters through the RK4 integrator.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from retroprop.dynamics.integrate import lorenz, rk4_advance
from retroprop.dynamics.search import jaya, powell
from retroprop.tensor import Tensor


def galerkin(
    theta: np.ndarray,
    dxdt: np.ndarray,
    c: np.ndarray,
    d: np.ndarray,
    threshold: float = 0.0,
    max_iter: int = 20,
) -> np.ndarray:
    """Constrained sparse Galerkin regression (Loiseau & Brunton, 2018)::

        min sum_j ||dxdt_j - Theta xi_j||^2   subject to   C vec(Xi) = d

    solved through its KKT system (columns of Theta scaled to unit norm first); then, as in
    STLSQ, coefficients with ``|xi| < threshold`` are pinned to zero (extra constraint rows)
    and the problem solved again, until the support settles. ``vec(Xi)`` stacks the columns
    of Xi. Typical constraints: :func:`~retroprop.dynamics.library.energy_preserving_constraints`
    and a known parameter (:func:`~retroprop.dynamics.library.lorenz_known_parameter`).

    Shape: ``theta (n, p)``, ``dxdt (n, k)``, ``c (m, p k)``, ``d (m,)`` -> ``Xi (p, k)``.
    """
    theta, dxdt = np.asarray(theta, np.float64), np.asarray(dxdt, np.float64)
    n, p = theta.shape
    k = dxdt.shape[1]
    c, d = np.atleast_2d(np.asarray(c, np.float64)), np.asarray(d, np.float64).reshape(-1)
    if c.shape != (d.size, p * k) or dxdt.shape[0] != n:
        raise ValueError(
            f"galerkin: expected theta (n, p), dxdt (n, k), c (m, {p * k}), d (m,); got "
            f"{theta.shape}, {dxdt.shape}, {c.shape}, {d.shape}"
        )
    scale = np.linalg.norm(theta, axis=0)
    scale[scale == 0] = 1.0
    ts = theta / scale
    hessian = np.kron(np.eye(k), ts.T @ ts)
    rhs = (ts.T @ dxdt).reshape(-1, order="F")
    cs = c / np.tile(scale, k)  # C vec(Xi) = C diag(1/s) vec(Xi_scaled)
    zero = np.zeros(p * k, dtype=bool)
    xi = np.zeros(p * k)
    for _ in range(max_iter):
        pins = np.eye(p * k)[zero]
        a = np.vstack([cs, pins])
        kkt = np.block([[hessian, a.T], [a, np.zeros((a.shape[0], a.shape[0]))]])
        sol = np.linalg.lstsq(kkt, np.concatenate([rhs, d, np.zeros(pins.shape[0])]), rcond=None)
        xi = np.where(zero, 0.0, sol[0][: p * k] / np.tile(scale, k))
        new = zero | (np.abs(xi) < threshold)
        if (new == zero).all():
            break
        zero = new
    return xi.reshape(p, k, order="F")


def lorenz_residual_loss(x: np.ndarray, dxdt: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """The mean squared residual of the Lorenz equations, as a function of the parameters::

        L(sigma, rho, beta) = mean |dxdt - lorenz(x; sigma, rho, beta)|^2

    Each equation is linear in its parameter (``r_j = e_j - p_j u_j``), so L is computed
    exactly from six moments; the function accepts any batch of parameter vectors
    ``(..., 3) -> (...)``.
    """
    x, dxdt = np.asarray(x, np.float64), np.asarray(dxdt, np.float64)
    u = np.stack([x[:, 1] - x[:, 0], x[:, 0], -x[:, 2]], 1)
    e = dxdt - np.stack([0 * x[:, 0], -x[:, 1] - x[:, 0] * x[:, 2], x[:, 0] * x[:, 1]], 1)
    ee, eu, uu = (e * e).mean(0), (e * u).mean(0), (u * u).mean(0)

    def loss(params: np.ndarray) -> np.ndarray:
        params = np.asarray(params, np.float64)
        return (ee - 2 * params * eu + params * params * uu).sum(-1)

    return loss


def jaya_powell(
    loss: Callable[[np.ndarray], np.ndarray],
    lower: Sequence[float],
    upper: Sequence[float],
    pop_size: int = 20,
    n_iter: int = 100,
    seed: int = 0,
) -> np.ndarray:
    """Jaya's population search over the box, then Powell's method from its best point
    (the hybrid of Shan et al. / the document): the global search finds the basin, the local
    one polishes it.

    Args:
        loss: vectorised objective ``(..., dim) -> (...)``, e.g. :func:`lorenz_residual_loss`.
    """
    start = jaya(loss, np.asarray(lower), np.asarray(upper), pop_size, n_iter, seed)
    return powell(lambda p: float(loss(p)), start)


def rk4_fit(
    x: np.ndarray,
    dt: float,
    p0: Sequence[float],
    field: Callable[..., Any] = lorenz,
    substeps: int = 1,
    max_iter: int = 200,
    tolerance_grad: float = 1e-14,
) -> tuple[np.ndarray, dict[str, float]]:
    """Fit a model's parameters by the one-step prediction error through RK4::

        L(p) = mean_k sum_j ((RK4_dt(x_k; p) - x_{k+1})_j / (dt s_j))^2

    where ``RK4_dt`` takes ``substeps`` RK4 steps over each sampling interval and ``s_j`` is
    the standard deviation of coordinate j. The integrator runs on retroprop Tensors, so
    ``dL/dp`` comes from autograd through every stage; L-BFGS with a strong-Wolfe line search
    minimises L. Each interval is integrated on its own, so chaos does not blow the
    prediction up, however coarse the sampling, as long as RK4 is accurate over dt.

    Args:
        x: samples ``(n, d)`` taken ``dt`` apart.
        p0: starting parameters, e.g. ``(5, 15, 1)`` for Lorenz.
        field: ``field(state, *params)``, written with operations Tensors support.

    Returns: the parameters, and ``{'loss', 'evaluations', 'seconds'}``.
    """
    import retroprop as rp

    x = np.asarray(x, np.float64)
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError(f"rk4_fit: x must be (n >= 2, d) samples, got {x.shape}")
    start, target = x[:-1], x[1:]
    weight = 1.0 / (dt * x.std(axis=0))
    params = [rp.tensor(float(v), dtype=rp.float64, requires_grad=True) for v in p0]
    opt = rp.optim.LBFGS(
        params,
        max_iter=max_iter,
        max_eval=max_iter * 2,
        tolerance_grad=tolerance_grad,
        tolerance_change=0.0,
        history_size=20,
        line_search_fn="strong_wolfe",
    )
    evaluations = 0

    def objective() -> Tensor:
        f = functools.partial(_apply, field, params)
        residual = (rk4_advance(f, start, dt, substeps) - target) * weight
        return (residual * residual).sum(dim=-1).mean()

    def closure() -> Tensor:
        nonlocal evaluations
        evaluations += 1
        opt.zero_grad()
        loss = objective()
        loss.backward()
        return loss

    began = time.perf_counter()
    opt.step(closure)
    with rp.no_grad():
        final = float(objective())
    fitted = np.array([float(p.detach()) for p in params])
    return fitted, {
        "loss": final,
        "evaluations": float(evaluations),
        "seconds": time.perf_counter() - began,
    }


def _apply(field: Callable[..., Any], params: Sequence[Tensor], state: Any) -> Any:
    return field(state, *params)
