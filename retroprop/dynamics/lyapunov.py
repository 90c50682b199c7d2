"""Lyapunov exponents: the full spectrum from the equations (Benettin), and the largest one or
a few from a single scalar series (Rosenstein, Eckmann), vectorised over many series.

The series estimators follow ``nolds`` 0.6.2 step for step, with its defaults, so that the
two can be compared on the same series; they return exponents per sample unless ``tau``
(the sampling interval) is given, as nolds does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from retroprop.dynamics.integrate import rk4_step


@dataclass
class Spectrum:
    """``exponents (M, d)``: one spectrum per trajectory, largest first; ``times (K,)`` and
    ``history (K, M, d)``: the running estimates after each re-orthonormalisation."""

    exponents: np.ndarray
    times: np.ndarray
    history: np.ndarray


def benettin(
    field: Callable[[np.ndarray], np.ndarray],
    jacobian: Callable[[np.ndarray], np.ndarray],
    x0: np.ndarray,
    h: float,
    duration: float,
    transient: float = 10.0,
    every: int = 10,
) -> Spectrum:
    """The Lyapunov spectrum by Benettin's method (Benettin et al., 1980; Shimada & Nagashima).

    The state and d tangent vectors Q are integrated together by RK4 with step ``h``::

        dx/dt = f(x),    dQ/dt = J(x) Q

    and every ``every`` steps Q is re-orthonormalised, ``Q R = qr(Q)``; the exponents are
    ``lambda_i = sum log R_ii / t``. A ``transient`` first lets the state reach the attractor
    and Q align with the Lyapunov vectors (its growth is not counted). Every initial
    condition is integrated at once.

    Args:
        field: ``f(x)`` for states ``(M, d)``; jacobian: ``J(x)`` -> ``(M, d, d)``.
        x0: ``(M, d)`` initial conditions (or ``(d,)`` for one).

    Returns: :class:`Spectrum`; the sum of the exponents is the mean divergence of f.
    """
    x = np.atleast_2d(np.asarray(x0, dtype=np.float64))
    if not (h > 0 and duration > 0 and transient >= 0 and every >= 1):
        raise ValueError(
            f"benettin: need h > 0, duration > 0, transient >= 0, every >= 1; got {h}, "
            f"{duration}, {transient}, {every}"
        )
    m, d = x.shape
    state = np.concatenate([x[:, :, None], np.broadcast_to(np.eye(d), (m, d, d))], axis=2)

    def tangent(s: np.ndarray) -> np.ndarray:
        return np.concatenate(
            [field(s[:, :, 0])[:, :, None], jacobian(s[:, :, 0]) @ s[:, :, 1:]], 2
        )

    def renormalise(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        q, r = np.linalg.qr(s[:, :, 1:])
        signs = np.sign(np.diagonal(r, axis1=1, axis2=2))
        s = np.concatenate([s[:, :, :1], q * signs[:, None, :]], 2)
        return s, np.log(np.abs(np.diagonal(r, axis1=1, axis2=2)))

    for _ in range(int(np.ceil(transient / h / every))):
        for _ in range(every):
            state = rk4_step(tangent, state, h)
        state, _ = renormalise(state)
    total = np.zeros((m, d))
    times, history = [], []
    n_blocks = max(1, int(round(duration / h / every)))
    for k in range(1, n_blocks + 1):
        for _ in range(every):
            state = rk4_step(tangent, state, h)
        state, growth = renormalise(state)
        total += growth
        times.append(k * every * h)
        history.append(total / times[-1])
    return Spectrum(history[-1], np.array(times), np.array(history))


# ---- from one scalar series ---------------------------------------------------------------
def _as_series(name: str, data: np.ndarray, min_len: int) -> np.ndarray:
    data = np.asarray(data, dtype=np.float64)
    if data.ndim < 1 or data.shape[-1] < min_len:
        raise ValueError(f"{name}: need series of at least {min_len} samples, got {data.shape}")
    return data


def delay_embedding(data: np.ndarray, emb_dim: int, lag: int = 1) -> np.ndarray:
    """Vectors ``[x_i, x_{i+lag}, ..., x_{i+(emb_dim-1) lag}]``: ``(n,)`` -> ``(m, emb_dim)``
    with ``m = n - (emb_dim - 1) lag``."""
    m = data.shape[-1] - (emb_dim - 1) * lag
    if m < 1:
        raise ValueError(
            f"delay_embedding: {data.shape[-1]} samples cannot be embedded in {emb_dim} "
            f"dimensions with lag {lag}"
        )
    return data[..., np.arange(m)[:, None] + lag * np.arange(emb_dim)]


def mean_period(data: np.ndarray) -> int:
    """``ceil(1 / mean frequency)`` in samples, the mean frequency weighted by the power
    spectrum (the FFT of the series padded to 2n - 1, DC left out): nolds' ``min_tsep``."""
    n = data.size
    power = np.abs(np.fft.rfft(data, 2 * n - 1)) ** 2
    freqs = np.fft.rfftfreq(2 * n - 1)
    return int(np.ceil(1.0 / (np.sum(freqs[1:] * power[1:]) / np.sum(power[1:]))))


def _rosenstein_lag(data, emb_dim, min_tsep, trajectory_len, min_neighbors) -> int:
    """The first lag where the autocorrelation falls below (1 - 1/e) of its peak, or where
    too few vectors would remain to find ``min_neighbors`` neighbours."""
    n = data.size
    f = np.fft.rfft(data, 2 * n - 1)
    acorr = np.roll(np.fft.irfft(f * np.conj(f)), n - 1)
    eps = acorr[n - 1] * (1 - 1.0 / np.e)
    lags = np.arange(1, n)
    upper = np.concatenate([acorr[n:], [np.inf]])[: n - 1]  # acorr[n - 1 + lag]
    drops = (upper < eps) | (acorr[n - 1 - lags] < eps)
    remaining = n - ((emb_dim - 1) * lags + trajectory_len + 2 * min_tsep + 1)
    stop = drops | (np.maximum(remaining, 0) < min_neighbors)
    return int(lags[np.argmax(stop)]) if stop.any() else n - 1


def rosenstein(
    data: np.ndarray,
    emb_dim: int = 10,
    lag: int | None = None,
    min_tsep: int | None = None,
    tau: float = 1.0,
    min_neighbors: int = 20,
    trajectory_len: int = 20,
) -> np.ndarray:
    """The largest Lyapunov exponent by Rosenstein et al. (1993), as ``nolds.lyap_r``.

    Delay-embed the series (lag: where the autocorrelation drops below 1 - 1/e); pair each
    vector with its nearest neighbour at least ``min_tsep`` samples away (default: the mean
    period); average ``log |X_{i+k} - X_{j+k}|`` over pairs for k < ``trajectory_len``; the
    slope of that curve by least squares (nolds' ``fit='poly'``), over ``tau``.

    Shape: ``(..., n)`` -> ``(...)``; each series gets its own lag and min_tsep.
    """
    data = _as_series("rosenstein", data, 2 * trajectory_len)
    flat = data.reshape(-1, data.shape[-1])
    out = np.array(
        [_rosenstein_one(s, emb_dim, lag, min_tsep, min_neighbors, trajectory_len) for s in flat]
    )
    return out.reshape(data.shape[:-1]) / tau


def _rosenstein_one(data, emb_dim, lag, min_tsep, min_neighbors, trajectory_len) -> float:
    n = data.size
    if min_tsep is None:
        min_tsep = min(mean_period(data), int(0.25 * n))
    if lag is None:
        lag = _rosenstein_lag(data, emb_dim, min_tsep, trajectory_len, min_neighbors)
    orbit = delay_embedding(data, emb_dim, lag)
    m = orbit.shape[0]
    ntraj = m - trajectory_len + 1
    if ntraj < 2 * min_tsep + 2:
        raise ValueError(
            f"rosenstein: {n} samples give {ntraj} trajectories; min_tsep={min_tsep} needs "
            f"at least {2 * min_tsep + 2}"
        )
    heads = orbit[:ntraj]
    nearest = np.empty(ntraj, dtype=np.int64)
    idx = np.arange(ntraj)
    for start in range(0, ntraj, 128):  # rows of the distance matrix, a block at a time
        rows = idx[start : start + 128]
        dist = np.sqrt(np.sum((heads[rows, None, :] - heads[None, :, :]) ** 2, axis=-1))
        dist[np.abs(rows[:, None] - idx[None, :]) <= min_tsep] = np.inf
        nearest[rows] = np.argmin(dist, axis=1)
    steps = np.arange(trajectory_len)
    gaps = np.linalg.norm(orbit[idx[:, None] + steps] - orbit[nearest[:, None] + steps], axis=-1)
    with np.errstate(divide="ignore"):
        logs = np.where(gaps > 0, np.log(np.where(gaps > 0, gaps, 1.0)), np.nan)
    curve = np.nanmean(logs, axis=0)
    ok = np.isfinite(curve)
    return float(np.polyfit(steps[ok], curve[ok], 1)[0])


def eckmann(
    data: np.ndarray,
    emb_dim: int = 10,
    matrix_dim: int = 4,
    min_nb: int | None = None,
    min_tsep: int = 0,
    tau: float = 1.0,
) -> np.ndarray:
    """``matrix_dim`` Lyapunov exponents by Eckmann et al. (1986), as ``nolds.lyap_e``.

    In the delay embedding of dimension ``emb_dim``, with ``m = (emb_dim - 1) /
    (matrix_dim - 1)``, the map from the neighbourhood of each vector X_i (its ``min_nb``
    nearest, Chebyshev distance, default ``min(2 matrix_dim, matrix_dim + 4)``) to that of
    X_{i+m} is fitted by least squares as a companion matrix T_i on
    ``[x_i, x_{i+m}, ..., x_{i+(matrix_dim-1)m}]``; then ``Q_i R_i = qr(T_i Q_{i-1})`` for
    i = 0, 1, 2, ... and ``lambda = mean log diag R / (m tau)``.

    The T_i are chained for consecutive i although each advances m samples (as nolds does):
    on coarsely sampled series the result is not the largest exponent of the flow; compare
    it only with the same estimator on series of the same length and sampling.

    Shape: ``(..., n)`` -> ``(..., matrix_dim)``. Vectorised over series; of several
    neighbours at exactly the same distance only ``min_nb`` are kept (nolds keeps all).
    """
    if (emb_dim - 1) % (matrix_dim - 1) != 0:
        raise ValueError(
            f"eckmann: emb_dim - 1 ({emb_dim - 1}) must be divisible by matrix_dim - 1 "
            f"({matrix_dim - 1})"
        )
    m = (emb_dim - 1) // (matrix_dim - 1)
    k = min(2 * matrix_dim, matrix_dim + 4) if min_nb is None else min_nb
    data = _as_series("eckmann", data, emb_dim + m + 2 * min_tsep + k + 1)
    flat = data.reshape(-1, data.shape[-1])
    n = flat.shape[1]
    count = n - m - emb_dim + 1  # orbit vectors that can be followed matrix_dim * m samples
    neighbours = np.stack(
        [_chebyshev_neighbours(s[: n - m], emb_dim, count, k, min_tsep) for s in flat]
    )  # (S, count, k)
    i = np.arange(count)
    cols = m * np.arange(matrix_dim)
    series = np.arange(flat.shape[0])[:, None, None]
    base = flat[series, i[None, :, None] + cols]  # (S, count, matrix_dim)
    near = flat[series[..., None], neighbours[..., None] + cols]  # (S, count, k, matrix_dim)
    x = near - base[:, :, None, :]
    beta = flat[series, neighbours + matrix_dim * m] - flat[:, i + matrix_dim * m][:, :, None]
    coef = (np.linalg.pinv(x) @ beta[..., None])[..., 0]  # (S, count, matrix_dim)
    q = np.broadcast_to(np.eye(matrix_dim), (flat.shape[0], matrix_dim, matrix_dim))
    total = np.zeros((flat.shape[0], matrix_dim))
    counts = np.zeros_like(total)
    shift = np.eye(matrix_dim, k=1)
    for t in range(count):
        companion = np.broadcast_to(shift, q.shape).copy()
        companion[:, -1, :] = coef[:, t]
        q, r = np.linalg.qr(companion @ q)
        diag = np.diagonal(r, axis1=1, axis2=2)
        q = q * np.where(diag < 0, -1.0, 1.0)[:, None, :]
        size = np.abs(diag)
        positive = size > 0
        total += np.log(np.where(positive, size, 1.0))
        counts += positive
    exponents = np.where(counts > 0, total / np.maximum(counts, 1), np.inf) / (tau * m)
    return exponents.reshape(*data.shape[:-1], matrix_dim)


def _chebyshev_neighbours(data, emb_dim, count, k, min_tsep) -> np.ndarray:
    """For each of the first ``count`` orbit vectors, the ``k`` nearest others (Chebyshev),
    excluding those within ``min_tsep`` samples in time. Shape ``(count, k)``."""
    orbit = delay_embedding(data, emb_dim)
    idx = np.arange(orbit.shape[0])
    out = np.empty((count, k), dtype=np.int64)
    for start in range(0, count, 128):
        rows = idx[start : min(start + 128, count)]
        dist = np.abs(orbit[rows, None, :] - orbit[None, :, :]).max(axis=-1)
        dist[np.abs(rows[:, None] - idx[None, :]) <= min_tsep] = np.inf
        dist[np.arange(rows.size), rows] = np.inf
        part = np.argpartition(dist, k - 1, axis=1)[:, :k]
        order = np.argsort(np.take_along_axis(dist, part, axis=1), axis=1, kind="stable")
        out[rows] = np.take_along_axis(part, order, axis=1)
    return out
