"""lorenz.gan's evaluation: generated series against held-out real ones, in the system's units.

The held-out real series are split in two halves, A and B, and the generated ones likewise,
so that every distance compares two sets of the same size: ``state_kl/generated`` is the mean
of KL(real A || generated A) and KL(real B || generated B), ``state_kl/real_vs_real`` the mean
of KL(real A || real B) and KL(real B || real A) — the sampling noise a perfect generator
would still show. The same holds for the spectra. The grid of the histograms spans the
training data's range (5 % margin each side), the same for every comparison.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from retroprop.dynamics import compare, lyapunov

COORDS = ("x", "y", "z")


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
) -> dict[str, float]:
    """The state-space KL, spectrum Hellinger and one-step residual keys (module docstring)."""
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

    dt, substeps = float(config["dt"]), int(config["substeps"])
    return {
        "state_kl/generated": (kl(real_a, gen_a) + kl(real_b, gen_b)) / 2,
        "state_kl/real_vs_real": (kl(real_a, real_b) + kl(real_b, real_a)) / 2,
        "spectrum_hellinger/generated": (
            compare.spectrum_hellinger(real_a, gen_a) + compare.spectrum_hellinger(real_b, gen_b)
        )
        / 2,
        "spectrum_hellinger/real_vs_real": compare.spectrum_hellinger(real_a, real_b),
        "residual/generated": compare.one_step_residual(generated, field, dt, substeps),
        "residual/real": compare.one_step_residual(real, field, dt, substeps),
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
