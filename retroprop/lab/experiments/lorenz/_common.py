"""What lorenz.simulate, lorenz.identify and lorenz.lyapunov share: the system and its
sampling from the settings, measurement noise, the checks on an identified model, tables
and figures.

The system is always the settings' (sigma, rho, beta, x0); nothing here knows the classic
values. Every random draw comes from the run's seed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from retroprop.dynamics import (
    benettin,
    lorenz,
    lorenz_jacobian,
    polynomial_features,
    polynomial_jacobian,
    trajectory,
)

DOCUMENT = "000 Lorenz slides"
SYSTEM = {"sigma": 10.0, "rho": 28.0, "beta": 8 / 3, "x0": [-8.0, 7.0, 27.0]}
CLASSIC = (10.0, 28.0, 8 / 3)  # only to say, in a report, whether the run is the classic one


def parameters(config: dict[str, Any]) -> np.ndarray:
    """(sigma, rho, beta) of the run."""
    return np.array([float(config["sigma"]), float(config["rho"]), float(config["beta"])])


def is_classic(config: dict[str, Any]) -> bool:
    return bool(np.allclose(parameters(config), CLASSIC))


def field(config: dict[str, Any]) -> tuple[Callable, Callable]:
    """The run's Lorenz field and its Jacobian, on ``(..., 3)`` arrays."""
    sigma, rho, beta = parameters(config)
    return (
        functools.partial(lorenz, sigma=sigma, rho=rho, beta=beta),
        functools.partial(lorenz_jacobian, sigma=sigma, rho=rho, beta=beta),
    )


def start(config: dict[str, Any], name: str) -> np.ndarray:
    x0 = np.asarray(config["x0"], dtype=np.float64)
    if x0.shape != (3,):
        raise ValueError(f"{name}: x0 must have 3 values, got {config['x0']}")
    return x0


def substeps(dt: float, h: float) -> int:
    """RK4 steps per sampling interval so that no step exceeds ``h``."""
    return max(1, int(np.ceil(dt / h - 1e-9)))


def sample(
    f: Callable,
    x0: np.ndarray,
    dts: Sequence[float],
    duration: float,
    transient: float,
    h: float,
) -> dict[float, np.ndarray]:
    """One trajectory from ``x0`` after a transient, sampled at each dt for ``duration``.

    The finest dt is integrated with steps of at most ``h``; a coarser dt that is a whole
    multiple of it is read off the same trajectory (the same samples, fewer of them), any
    other is integrated on its own. Returns ``{dt: (n, 3)}`` with ``n = duration / dt + 1``.
    """
    dts = sorted(float(d) for d in dts)
    base = dts[0]
    xs = trajectory(f, x0, base, int(round(duration / base)) + 1, transient, substeps(base, h))
    out = {}
    for dt in dts:
        ratio = dt / base
        if abs(ratio - round(ratio)) < 1e-9:
            out[dt] = xs[:: int(round(ratio))]
        else:
            n = int(round(duration / dt)) + 1
            out[dt] = trajectory(f, x0, dt, n, transient, substeps(dt, h))
    if not all(np.isfinite(x).all() for x in out.values()):
        raise ValueError("lorenz: the trajectory blew up; check sigma, rho, beta and the step h")
    return out


def noisy(x: np.ndarray, percent: float, rng: np.random.Generator) -> np.ndarray:
    """``x`` plus Gaussian noise of ``percent`` % of each coordinate's standard deviation."""
    if percent == 0:
        return x
    return x + rng.standard_normal(x.shape) * (percent / 100.0) * x.std(axis=0)


def key(kind: str, method: str, dt: float, noise: float) -> str:
    """The issue's metric keys: ``kind/method/dt=0.001/noise=0``."""
    return f"{kind}/{method}/dt={dt:g}/noise={noise:g}"


def largest_exponents(
    xis: np.ndarray, starts: np.ndarray, h: float, duration: float, transient: float
) -> tuple[np.ndarray, np.ndarray]:
    """Benettin's largest exponent of each model ``xis (K, 10, 3)`` from the same starting
    points ``(M, 3)`` (common starts make the models' estimates comparable): mean and
    standard error over the starts, each ``(K,)``. All K * M run at once."""
    k, m = len(xis), len(starts)
    f, jac = models(xis, repeat=m)
    with np.errstate(all="ignore"):
        spectrum = benettin(
            f, jac, np.tile(starts, (k, 1)), h=h, duration=duration, transient=transient
        )
    first = spectrum.exponents[:, 0].reshape(k, m)
    return first.mean(axis=1), first.std(axis=1) / np.sqrt(m)


def models(xis: np.ndarray, repeat: int = 1) -> tuple[Callable, Callable]:
    """Field and Jacobian of K quadratic models at once: ``xis (K, 10, 3)``; states
    ``(K * repeat, 3)``, rows grouped by model (``repeat`` starting points each)."""
    rows = np.repeat(np.asarray(xis, dtype=np.float64), repeat, axis=0)

    def f(x: np.ndarray) -> np.ndarray:
        return np.einsum("kt,ktj->kj", polynomial_features(x), rows)

    def jac(x: np.ndarray) -> np.ndarray:
        return np.einsum("kti,ktj->kji", polynomial_jacobian(x), rows)

    return f, jac


def attractor_checks(
    xis: np.ndarray, x_start: np.ndarray, h: float, duration: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Do the models ``xis (K, 10, 3)`` behave like the first one (the true system)?

    All K are run at once for ``duration`` from ``x_start``. Over the second half of the run
    (after each model's own transient), a model passes when it stays bounded (finite, within
    10x the true run's largest |coordinate|), switches lobes (x changes sign at least half
    as often as in the true run, and at least once) and has each coordinate's standard
    deviation within 25 % of the true run's. Returns ``(ok, bounded, switches, worst std
    ratio)``, each ``(K,)``, and the trajectories ``(K, n, 3)``.
    """
    f, _ = models(xis)
    n = int(round(duration / 0.01)) + 1
    starts = np.broadcast_to(x_start, (len(xis), 3)).copy()
    with np.errstate(all="ignore"):
        xs = trajectory(f, starts, 0.01, n, 0.0, substeps(0.01, h))
        half = xs[:, n // 2 :]
        size = np.nan_to_num(np.abs(xs), nan=np.inf).max(axis=(1, 2))
        bounded = np.isfinite(xs).all(axis=(1, 2)) & (size < 10 * size[0])
        switches = np.count_nonzero(np.diff(np.sign(half[..., 0]), axis=1) != 0, axis=1)
        ratio = half.std(axis=1) / half[0].std(axis=0)
        worst = np.take_along_axis(ratio, np.argmax(np.abs(np.log(ratio)), 1)[:, None], 1)[:, 0]
    lobes = switches >= max(1, switches[0] // 2)
    ok = bounded & lobes & np.all((ratio > 0.8) & (ratio < 1.25), axis=1)
    return ok, bounded, np.where(bounded, switches, 0), np.where(bounded, worst, np.nan), xs


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table; floats with 4 significant digits (3 in scientific notation)."""

    def cell(v: Any) -> str:
        if v is None:
            return "—"
        if isinstance(v, bool):
            return "yes" if v else "no"
        if isinstance(v, float):
            if not np.isfinite(v):
                return "—"
            return f"{v:.3g}" if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e4) else f"{v:.4g}"
        return str(v)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


# ---- figures ---------------------------------------------------------------------------
def figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save(fig: Figure, path: Path, title: str | None = None) -> Path:
    if title:
        fig.suptitle(title)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    return path


def attractor(ax: Any, xs: np.ndarray, **style: Any) -> None:
    """The trajectory ``(n, 3)`` as a 3-D line on a ``projection='3d'`` axes."""
    ax.plot(xs[:, 0], xs[:, 1], xs[:, 2], lw=style.pop("lw", 0.4), **style)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_zlabel("z")
