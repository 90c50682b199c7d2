"""lorenz.gan's figures: images, series, 3-D attractors and exponent histograms, generated
beside real."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from retroprop import viz
from retroprop.lab.experiments.lorenz._gan_eval import COORDS
from retroprop.train import History


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    return path


def _to_unit(images: np.ndarray) -> np.ndarray:
    """Scaled images in [-1, 1] -> RGB in [0, 1]."""
    return np.clip((images + 1.0) / 2.0, 0.0, 1.0)


def images(generated: np.ndarray, real: np.ndarray, path: Path, n: int = 8) -> Path:
    """The first ``n`` real images (top row) above ``n`` generated ones (bottom), (N, 3, 32, 32)
    in [-1, 1]: red x, green y, blue z."""
    n = min(n, len(generated), len(real))
    grid = np.concatenate([_to_unit(real[:n]), _to_unit(generated[:n])])
    titles = ["real"] * n + ["generated"] * n
    return viz.image_grid(
        grid, path, ncols=n, titles=titles, title="series as 32x32 images (R = x, G = y, B = z)"
    )


def series(
    generated: np.ndarray, real: np.ndarray, dt: float, path: Path, n: int = 3, steps: int = 300
) -> Path:
    """x, y, z against time for the first ``steps`` samples of ``n`` real and ``n`` generated
    series, one panel per coordinate and set."""
    fig = _figure(12.0, 7.0)
    t = dt * np.arange(min(steps, real.shape[1]))
    for j, (name, xs) in enumerate((("real", real), ("generated", generated))):
        for i, c in enumerate(COORDS):
            ax = fig.add_subplot(3, 2, 2 * i + j + 1)
            for k in range(min(n, len(xs))):
                ax.plot(t, xs[k, : len(t), i], linewidth=0.8)
            ax.set_ylabel(c)
            ax.grid(alpha=0.3)
            if i == 0:
                ax.set_title(f"{name} series")
            if i == 2:
                ax.set_xlabel("t")
    return _save(fig, path)


def attractors(generated: np.ndarray, real: np.ndarray, path: Path, n: int = 4) -> Path:
    """The 3-D paths of ``n`` real and ``n`` generated series, side by side."""
    fig = _figure(11.0, 5.0)
    for j, (name, xs) in enumerate((("real", real), ("generated", generated))):
        ax = fig.add_subplot(1, 2, j + 1, projection="3d")
        for k in range(min(n, len(xs))):
            ax.plot(xs[k, :, 0], xs[k, :, 1], xs[k, :, 2], linewidth=0.4, alpha=0.8)
        ax.set_title(f"{name}: {min(n, len(xs))} series")
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.set_zlabel("z")
    return _save(fig, path)


def histograms(
    name: str, generated: dict[str, np.ndarray], real: dict[str, np.ndarray], path: Path
) -> Path:
    """Histograms of an estimator's exponent over the generated and real series, per
    coordinate."""
    fig = _figure(12.0, 3.6)
    for i, c in enumerate(COORDS):
        ax = fig.add_subplot(1, 3, i + 1)
        both = np.concatenate([generated[c], real[c]])
        edges = np.histogram_bin_edges(both[np.isfinite(both)], bins=30)
        ax.hist(real[c], bins=edges, alpha=0.6, label="real")
        ax.hist(generated[c], bins=edges, alpha=0.6, label="generated")
        ax.set_title(f"{name}, {c}")
        ax.set_xlabel("exponent (1 / time)")
        ax.grid(alpha=0.3)
        ax.legend()
    return _save(fig, path)


def training(history: History, path: Path) -> Path:
    """D's and G's losses and D's output on generated samples per epoch (left), and the
    distances to the held-out series at each evaluation, generated beside real-vs-real
    (right)."""
    fig = _figure(12.0, 4.0)
    for i, (keys, styles) in enumerate(
        (
            (("loss_d", "loss_g", "d_of_fake"), ("-",)),
            (
                ("state_kl", "start_kl", "spectrum_hellinger", "residual", "x0_distance"),
                ("-", ":", ":"),
            ),
        )
    ):
        ax = fig.add_subplot(1, 2, i + 1)
        for key in keys:
            kinds = ("",) if i == 0 else ("/generated", "/real_vs_real", "/real")
            for kind, style in zip(kinds, styles):
                if key + kind in history:
                    epochs = np.array(history.epochs_of(key + kind)) + 1
                    ax.plot(epochs, history[key + kind], style, label=key + kind)
        if i == 1:
            ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    return _save(fig, path)
