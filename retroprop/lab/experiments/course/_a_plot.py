"""Figures of the course lessons of part A (backprop ... fgsm): a matplotlib figure on the
Agg canvas (no window, no pyplot state) and its saving, for plots that rp.viz lacks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def panels(
    ncols: int = 1, nrows: int = 1, width: float = 5.0, height: float = 4.0
) -> tuple[Figure, np.ndarray]:
    """A figure of ``nrows x ncols`` panels, each ``width x height`` inches; axes as a flat
    array."""
    fig = Figure(figsize=(width * ncols, height * nrows), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for ax in axes.flat:
        ax.grid(alpha=0.3)
    return fig, axes.reshape(-1)


def save(fig: Figure, path: Path, title: str | None = None) -> Path:
    """Write ``fig`` as a PNG at ``path`` (folders created) and return the path."""
    if title:
        fig.suptitle(title)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    return path


def series(ax: Any, x: Any, curves: dict[str, Any], **style: Any) -> None:
    """One line per curve, with a legend."""
    for name, y in curves.items():
        ax.plot(x, y, label=name, **style)
    ax.legend(fontsize=8)
