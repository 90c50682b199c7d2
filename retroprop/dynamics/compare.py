"""How alike two sets of trajectories are: where they go, how they oscillate, whether they obey
the equations.

Three measures for judging generated series against real ones, each comparing *sets* of
series of shape ``(..., n, d)`` (leading axes: independent series, ``n`` samples of a
``d``-dimensional state), in the units of the state:

- :func:`state_kl`: the KL divergence between the binned occupation histograms of state space
  (the invariant measure: how much time the series spend where);
- :func:`spectrum_hellinger`: the Hellinger distance between the normalised mean power spectra
  of each coordinate (the time scales: oscillation periods, how fast correlations decay);
- :func:`one_step_residual`: how far each sample is from the equations' prediction from the
  one before (the dynamics itself, which neither of the others sees).

A measure's value only means something beside the same measure between two independent real
sets of the same sizes (its sampling noise), e.g. ``state_kl(real_a, generated)`` against
``state_kl(real_a, real_b)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from retroprop.dynamics.integrate import rk4_advance


def _series(name: str, arg: str, x: Any, min_samples: int = 2) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim < 2 or x.shape[-2] < min_samples or x.shape[-1] < 1:
        raise ValueError(
            f"{name}: {arg} must have shape (..., n >= {min_samples}, d), got {x.shape}"
        )
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"{name}: {arg} must hold floats, got {x.dtype}")
    return x


def state_histogram(
    series: Any, bins: int = 16, bounds: Any = None, alpha: float = 0.5
) -> np.ndarray:
    """The occupation distribution of state space: the share of all samples (every series,
    every time) in each cell of a regular grid of ``bins`` cells per coordinate, after adding
    ``alpha`` pseudo-samples to every cell (so that a cell no sample reached keeps a small
    probability and a KL divergence stays finite)::

        p_c = (count_c + alpha) / (N + alpha * bins^d)

    Args:
        series: ``(..., n, d)``.
        bins: cells per coordinate.
        bounds: ``(d, 2)`` lower and upper edges per coordinate (default: the series' own
            min and max); samples outside fall in the edge cells.
        alpha: pseudo-count per cell (0.5: the Krichevsky-Trofimov estimator).

    Returns: ``(bins,) * d`` probabilities summing to 1.
    """
    x = _series("state_histogram", "series", series, min_samples=1)
    d = x.shape[-1]
    points = x.reshape(-1, d)
    if int(bins) != bins or bins < 1:
        raise ValueError(f"state_histogram: bins must be a positive integer, got {bins!r}")
    if alpha < 0:
        raise ValueError(f"state_histogram: alpha must be >= 0, got {alpha}")
    if bounds is None:
        bounds = np.stack([points.min(0), points.max(0)], axis=1)
    bounds = np.asarray(bounds, dtype=np.float64)
    if bounds.shape != (d, 2) or not np.all(bounds[:, 1] > bounds[:, 0]):
        raise ValueError(
            f"state_histogram: bounds must be ({d}, 2) with upper > lower, got {bounds.tolist()}"
        )
    bins = int(bins)
    scaled = (points - bounds[:, 0]) / (bounds[:, 1] - bounds[:, 0]) * bins
    cell = np.clip(np.floor(scaled), 0, bins - 1).astype(np.int64)
    flat = np.ravel_multi_index(tuple(cell.T), (bins,) * d)
    counts = np.bincount(flat, minlength=bins**d).astype(np.float64) + alpha
    return (counts / counts.sum()).reshape((bins,) * d)


def state_kl(
    reference: Any, other: Any, bins: int = 16, bounds: Any = None, alpha: float = 0.5
) -> float:
    """KL(p || q) = sum_c p_c log(p_c / q_c) between the occupation histograms
    (:func:`state_histogram`) of ``reference`` (p) and ``other`` (q) on one grid.

    The grid spans ``bounds`` (default: the reference's range), so that comparisons against
    the same reference share their cells. In nats; 0 for identical histograms.

    Shape: ``(..., n, d)`` each, the same ``d``; the numbers of series and samples may differ.
    """
    p_series = _series("state_kl", "reference", reference, min_samples=1)
    q_series = _series("state_kl", "other", other, min_samples=1)
    if p_series.shape[-1] != q_series.shape[-1]:
        raise ValueError(
            f"state_kl: reference and other must have the same state dimension, got "
            f"{p_series.shape[-1]} and {q_series.shape[-1]}"
        )
    if bounds is None:
        points = p_series.reshape(-1, p_series.shape[-1])
        bounds = np.stack([points.min(0), points.max(0)], axis=1)
    p = state_histogram(p_series, bins, bounds, alpha).ravel()
    q = state_histogram(q_series, bins, bounds, alpha).ravel()
    keep = p > 0
    return float(np.sum(p[keep] * np.log(p[keep] / q[keep])))


def power_spectrum(series: Any) -> np.ndarray:
    """The mean power spectrum of each coordinate, normalised to a distribution over the
    frequencies 1..n/2 (the mean, frequency 0, is left out)::

        P_k = mean over series |sum_t w_t (x_t - mean x) e^{-2 pi i k t / n}|^2,  p_k = P_k / sum P

    with a Hann window w against leakage.

    Shape: ``(..., n, d)`` -> ``(n // 2, d)``.
    """
    x = _series("power_spectrum", "series", series, min_samples=4)
    n, d = x.shape[-2:]
    x = x.reshape(-1, n, d).astype(np.float64)
    window = np.hanning(n)[:, None]
    spectra = np.abs(np.fft.rfft((x - x.mean(axis=1, keepdims=True)) * window, axis=1)) ** 2
    power = spectra.mean(axis=0)[1 : n // 2 + 1]
    total = power.sum(axis=0)
    return power / np.where(total > 0, total, 1.0)


def hellinger(p: Any, q: Any, axis: int = 0) -> np.ndarray:
    """The Hellinger distance between distributions along ``axis``::

    H(p, q) = sqrt(1 - sum_k sqrt(p_k q_k))        (0 when equal, 1 when disjoint)
    """
    p, q = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
    if p.shape != q.shape:
        raise ValueError(f"hellinger: p and q must have the same shape, got {p.shape}, {q.shape}")
    if np.any(p < 0) or np.any(q < 0):
        raise ValueError("hellinger: p and q must be non-negative")
    overlap = np.sqrt(p * q).sum(axis=axis)
    return np.sqrt(np.clip(1.0 - overlap, 0.0, 1.0))


def spectrum_hellinger(a: Any, b: Any) -> float:
    """The Hellinger distance between the normalised power spectra (:func:`power_spectrum`)
    of two sets of series, averaged over the coordinates.

    Shape: ``(..., n, d)`` each, the same ``n`` and ``d``.
    """
    a = _series("spectrum_hellinger", "a", a, min_samples=4)
    b = _series("spectrum_hellinger", "b", b, min_samples=4)
    if a.shape[-2:] != b.shape[-2:]:
        raise ValueError(
            f"spectrum_hellinger: a and b must have the same (n, d), got {a.shape[-2:]} and "
            f"{b.shape[-2:]}"
        )
    return float(hellinger(power_spectrum(a), power_spectrum(b), axis=0).mean())


def one_step_residual(
    series: Any, f: Callable[[np.ndarray], np.ndarray], dt: float, substeps: int = 10
) -> float:
    """How far the series are from obeying dx/dt = f(x), sample to sample: each sample is
    compared with the flow of the one before, Phi_dt(x_t) (``substeps`` RK4 steps), relative
    to the motion the flow predicts::

        r = sqrt(sum (x_{t+1} - Phi_dt(x_t))^2) / sqrt(sum (Phi_dt(x_t) - x_t)^2)

    summed over every series, time and coordinate. 0 for exact trajectories (up to the
    integrator's error), about 1 or more when the samples move as the equations would not.

    Shape: ``series (..., n, d)``, ``f`` a vector field on ``(..., d)`` arrays.
    """
    x = _series("one_step_residual", "series", series).astype(np.float64)
    start, target = x[..., :-1, :], x[..., 1:, :]
    predicted = rk4_advance(f, start, dt, substeps)
    motion = np.sum((predicted - start) ** 2)
    if not motion > 0:
        raise ValueError("one_step_residual: the flow predicts no motion (all fixed points)")
    return float(np.sqrt(np.sum((target - predicted) ** 2) / motion))
