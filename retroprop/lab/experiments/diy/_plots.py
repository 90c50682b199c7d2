"""Figures of the DIY experiments that ``rp.viz`` lacks: reconstruction errors of two groups
as histograms beside a threshold, and ROC curves. A matplotlib figure on the Agg canvas (no
window, no pyplot state), saved as a PNG."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def _axes(width: float = 6.0, height: float = 4.0) -> tuple[Figure, object]:
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.grid(alpha=0.3)
    return fig, ax


def _save(fig: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    return path


def error_histograms(
    errors: Mapping[str, np.ndarray], threshold: float, path: Path, title: str, xlabel: str
) -> Path:
    """One histogram per group of ``errors`` (shared bins), and the threshold as a line."""
    fig, ax = _axes()
    values = np.concatenate([np.asarray(e, dtype=float) for e in errors.values()])
    bins = np.linspace(values.min(), values.max(), 40)
    for name, e in errors.items():
        ax.hist(e, bins=bins, alpha=0.6, label=f"{name} ({len(e)})")
    ax.axvline(threshold, color="black", linestyle="--", label=f"threshold {threshold:.4f}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("beats")
    ax.legend(fontsize=8)
    ax.set_title(title)
    return _save(fig, path)


def roc_curves(curves: Mapping[str, tuple[np.ndarray, np.ndarray, float]], path: Path) -> Path:
    """ROC curves: for each name, (false positive rates, true positive rates, area)."""
    fig, ax = _axes(5.0, 5.0)
    for name, (fpr, tpr, auc) in curves.items():
        ax.plot(fpr, tpr, label=f"{name}: AUC {auc:.3f}")
    ax.plot([0, 1], [0, 1], color="gray", linestyle=":", label="chance")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title("ROC on the test beats")
    return _save(fig, path)
