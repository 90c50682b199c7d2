"""lorenz.gan's evaluation: generated series against held-out real ones, in the system's units.

The held-out real series are split in two halves, A and B, and the generated ones likewise,
so that every distance compares two sets of the same size: ``state_kl/generated`` is the mean
of KL(real A || generated A) and KL(real B || generated B), ``state_kl/real_vs_real`` the mean
of KL(real A || real B) and KL(real B || real A) — the sampling noise a perfect generator
would still show. The same holds for the spectra, and for ``start_kl``, the state-space KL
of the first ``window`` samples of each series only: where the series start, which a
generator of initial states must learn (the attractor's invariant measure) and which the
whole series' KL hides once trajectories have mixed. The grid of the histograms spans the
training data's range (5 % margin each side), the same for every comparison.

``x0_distance`` asks whether each series starts on the attractor at all: the median, over
the series, of the distance from its first state to the nearest state of the training series
(every ``ATTRACTOR_STRIDE``-th sample of each); a real first state's is the floor set by that
sampling of the attractor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from retroprop.dynamics import compare, lyapunov

COORDS = ("x", "y", "z")
ATTRACTOR_STRIDE = 8


def attractor_of(train: np.ndarray) -> np.ndarray:
    """``(M, 3)``: every ``ATTRACTOR_STRIDE``-th state of each training series."""
    return train[:, ::ATTRACTOR_STRIDE].reshape(-1, train.shape[-1])


def start_distance(series: np.ndarray, attractor: np.ndarray, chunk: int = 16) -> float:
    """The median over series ``(N, n, 3)`` of min_j ||x_0 - a_j||, the distance from the
    first state to the nearest of the ``attractor`` states ``(M, 3)`` (``chunk`` series at a
    time, to bound the ``(chunk, M)`` distance matrix)."""
    starts = series[:, 0]
    nearest = [
        np.sqrt(((starts[i : i + chunk, None] - attractor[None]) ** 2).sum(-1)).min(axis=1)
        for i in range(0, len(starts), chunk)
    ]
    return float(np.median(np.concatenate(nearest)))


def bounds_of(train: np.ndarray, margin: float = 0.05) -> np.ndarray:
    """``(3, 2)``: each coordinate's range over the training series, widened by ``margin``."""
    lo, hi = train.min(axis=(0, 1)), train.max(axis=(0, 1))
    pad = margin * (hi - lo)
    return np.stack([lo - pad, hi + pad], axis=1)


def distances(
    generated: np.ndarray,
    real: np.ndarray,
    field: Callable[[np.ndarray], np.ndarray],
    config: dict[str, Any],
    bounds: np.ndarray,
    attractor: np.ndarray,
) -> dict[str, float]:
    """The state-space KL (whole series and first ``window`` samples), spectrum Hellinger,
    one-step residual and start-distance keys (module docstring)."""
    half = len(real) // 2
    if half < 1 or len(generated) < 2:
        raise ValueError(
            f"lorenz.gan: need at least 2 real and 2 generated series, got {len(real)} and "
            f"{len(generated)}"
        )
    real_a, real_b = real[:half], real[half : 2 * half]
    g_half = len(generated) // 2
    gen_a, gen_b = generated[:g_half], generated[g_half : 2 * g_half]
    bins = int(config["kl_bins"])

    def kl(p: np.ndarray, q: np.ndarray) -> float:
        return compare.state_kl(p, q, bins=bins, bounds=bounds)

    dt, substeps, w = float(config["dt"]), int(config["substeps"]), int(config["window"])
    return {
        "state_kl/generated": (kl(real_a, gen_a) + kl(real_b, gen_b)) / 2,
        "state_kl/real_vs_real": (kl(real_a, real_b) + kl(real_b, real_a)) / 2,
        "start_kl/generated": (kl(real_a[:, :w], gen_a[:, :w]) + kl(real_b[:, :w], gen_b[:, :w]))
        / 2,
        "start_kl/real_vs_real": (
            kl(real_a[:, :w], real_b[:, :w]) + kl(real_b[:, :w], real_a[:, :w])
        )
        / 2,
        "spectrum_hellinger/generated": (
            compare.spectrum_hellinger(real_a, gen_a) + compare.spectrum_hellinger(real_b, gen_b)
        )
        / 2,
        "spectrum_hellinger/real_vs_real": compare.spectrum_hellinger(real_a, real_b),
        "residual/generated": compare.one_step_residual(generated, field, dt, substeps),
        "residual/real": compare.one_step_residual(real, field, dt, substeps),
        "x0_distance/generated": start_distance(generated, attractor),
        "x0_distance/real": start_distance(real, attractor),
    }


def exponent_keys(
    name: str, generated: dict[str, np.ndarray], real: dict[str, np.ndarray]
) -> dict[str, float]:
    """``{name}/{c}/generated``, ``/real``, ``/real_std`` (the spread over the real series,
    ddof 1) and ``{name}_z/{c}`` = |generated mean - real mean| / real std, per coordinate."""
    out: dict[str, float] = {}
    for c in COORDS:
        g, r = generated[c], real[c]
        g_mean, r_mean, r_std = float(np.mean(g)), float(np.mean(r)), float(np.std(r, ddof=1))
        out[f"{name}/{c}/generated"] = g_mean
        out[f"{name}/{c}/generated_std"] = float(np.std(g, ddof=1))
        out[f"{name}/{c}/real"] = r_mean
        out[f"{name}/{c}/real_std"] = r_std
        out[f"{name}_z/{c}"] = abs(g_mean - r_mean) / r_std if r_std > 0 else float("inf")
    return out


def eckmann(series: np.ndarray, dt: float) -> dict[str, np.ndarray]:
    """The largest of the Eckmann exponents (nolds' defaults: embedding 10, matrix 4) of each
    coordinate of each series ``(N, n, 3)``, per unit of time."""
    exps = lyapunov.eckmann(series.transpose(0, 2, 1), tau=dt)  # (N, 3, matrix_dim)
    return {c: exps[:, i].max(axis=-1) for i, c in enumerate(COORDS)}


def rosenstein(series: np.ndarray, dt: float) -> dict[str, np.ndarray]:
    """Rosenstein's largest exponent (nolds' defaults) of each coordinate of each series."""
    exps = lyapunov.rosenstein(series.transpose(0, 2, 1), tau=dt)  # (N, 3)
    return {c: exps[:, i] for i, c in enumerate(COORDS)}


ESTIMATORS = {"eckmann": eckmann, "rosenstein": rosenstein}
