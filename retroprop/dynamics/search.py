"""Derivative-free minimisers in NumPy: the Jaya population search and Powell's method."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

_GOLD = 0.3819660112501051  # (3 - sqrt(5)) / 2


def jaya(
    f: Callable[[np.ndarray], np.ndarray],
    lower: np.ndarray,
    upper: np.ndarray,
    pop_size: int = 20,
    n_iter: int = 200,
    seed: int = 0,
) -> np.ndarray:
    """Jaya (Rao, 2016): every candidate moves towards the best and away from the worst::

        x' = x + r1 (best - |x|) - r2 (worst - |x|),    r1, r2 ~ U[0, 1) per coordinate

    clipped to the box, and kept only if it improves. No hyper-parameter but the population.

    Args:
        f: vectorised objective, ``(pop, dim) -> (pop,)``.
        lower, upper: the search box, shape ``(dim,)``.

    Returns: the best point found, shape ``(dim,)``.
    """
    lower, upper = np.asarray(lower, np.float64), np.asarray(upper, np.float64)
    if lower.shape != upper.shape or lower.ndim != 1 or not (lower < upper).all():
        raise ValueError(f"jaya: need 1-d bounds with lower < upper, got {lower}, {upper}")
    if pop_size < 2:
        raise ValueError(f"jaya: pop_size must be >= 2, got {pop_size}")
    rng = np.random.default_rng(seed)
    pop = lower + rng.random((pop_size, lower.size)) * (upper - lower)
    fit = f(pop)
    for _ in range(n_iter):
        best, worst = pop[np.argmin(fit)], pop[np.argmax(fit)]
        r1, r2 = rng.random((2, *pop.shape))
        cand = np.clip(pop + r1 * (best - np.abs(pop)) - r2 * (worst - np.abs(pop)), lower, upper)
        fc = f(cand)
        better = fc < fit
        pop[better], fit[better] = cand[better], fc[better]
    return pop[np.argmin(fit)].copy()


def powell(
    f: Callable[[np.ndarray], float],
    x0: np.ndarray,
    xtol: float = 1e-12,
    ftol: float = 1e-15,
    max_iter: int = 200,
) -> np.ndarray:
    """Powell's conjugate-direction method (Powell, 1964), with Brent line searches.

    Each sweep minimises ``f`` along each direction in turn; the net displacement of the
    sweep then replaces the direction of largest decrease, unless Powell's test says that
    would make the set degenerate. Stops when a sweep lowers ``f`` by less than
    ``ftol`` relatively.
    """
    x = np.asarray(x0, np.float64).copy()
    dirs = np.eye(x.size)
    fx = f(x)
    for _ in range(max_iter):
        x_start, f_start = x.copy(), fx
        drop, k_drop = 0.0, 0
        for k in range(x.size):
            t, f_new = _line_min(f, x, dirs[k], fx, xtol)
            if fx - f_new > drop:
                drop, k_drop = fx - f_new, k
            x, fx = x + t * dirs[k], f_new
        if 2.0 * (f_start - fx) <= ftol * (abs(f_start) + abs(fx)) + 1e-300:
            break
        new_dir = x - x_start
        f_ext = f(x + new_dir)
        if f_ext < f_start:
            gain = 2.0 * (f_start - 2.0 * fx + f_ext) * (f_start - fx - drop) ** 2
            if gain < drop * (f_start - f_ext) ** 2:
                t, fx = _line_min(f, x, new_dir, fx, xtol)
                x = x + t * new_dir
                dirs[k_drop], dirs[-1] = dirs[-1], new_dir
    return x


def _line_min(f, x, d, fx, xtol, max_iter=200):
    """Minimise ``t -> f(x + t d)``: bracket by golden expansion, then Brent's method."""

    def g(t):
        return f(x + t * d)

    a, b, fa, fb = 0.0, 1.0, fx, g(1.0)
    if fb > fa:
        a, b, fa, fb = b, a, fb, fa
    c = b + 1.618033988749895 * (b - a)
    fc = g(c)
    for _ in range(100):  # grow until f rises again: a minimum lies between a and c
        if fc >= fb:
            break
        a, b, fa, fb = b, c, fb, fc
        c = b + 1.618033988749895 * (b - a)
        fc = g(c)
    lo, hi = min(a, c), max(a, c)
    t = w = v = b
    ft = fw = fv = fb
    step = prev = 0.0
    for _ in range(max_iter):
        mid = 0.5 * (lo + hi)
        tol = xtol * abs(t) + 1e-15
        if abs(t - mid) <= 2 * tol - 0.5 * (hi - lo):
            break
        parabolic = False
        if abs(prev) > tol:  # try the parabola through t, w, v
            r = (t - w) * (ft - fv)
            q = (t - v) * (ft - fw)
            p = (t - v) * q - (t - w) * r
            q = 2.0 * (q - r)
            p, q = (-p, -q) if q > 0 else (p, q)
            q = abs(q)
            if abs(p) < abs(0.5 * q * prev) and q * (lo - t) < p < q * (hi - t):
                prev, step = step, p / q
                parabolic = True
        if not parabolic:  # golden section into the larger part
            prev = (hi - t) if t < mid else (lo - t)
            step = _GOLD * prev
        u = t + (step if abs(step) >= tol else np.copysign(tol, step))
        fu = g(u)
        if fu <= ft:
            lo, hi = (t, hi) if u >= t else (lo, t)
            v, fv, w, fw, t, ft = w, fw, t, ft, u, fu
        else:
            lo, hi = (lo, u) if u >= t else (u, hi)
            if fu <= fw or w == t:
                v, fv, w, fw = w, fw, u, fu
            elif fu <= fv or v in (t, w):
                v, fv = u, fu
    return (t, ft) if ft <= fx else (0.0, fx)
