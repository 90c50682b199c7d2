"""What the course lessons of part B share: MNIST subsets, a classifier's training step and
accuracy, and a plot of several curves on one set of axes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure

import retroprop as rp
import retroprop.nn.functional as F
from retroprop import nn
from retroprop.data.datasets import MNIST
from retroprop.train import State

SLIDES = "004 course slides"


def mnist(
    n_train: int, n_test: int, seed: int, flatten: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(x_train, y_train, x_test, y_test)``: ``n_train`` training images drawn by ``seed``
    (0: all 60,000) and the first ``n_test`` test images (0: all 10,000); pixels in [0, 1]."""
    x, y = MNIST(train=True, flatten=flatten).arrays
    x_test, y_test = MNIST(train=False, flatten=flatten).arrays
    if n_train:
        pick = np.random.default_rng(seed).permutation(len(x))[:n_train]
        x, y = x[pick], y[pick]
    if n_test:
        x_test, y_test = x_test[:n_test], y_test[:n_test]
    return x, y, x_test, y_test


def classify_step(s: State, batch: tuple[rp.Tensor, rp.Tensor]) -> dict[str, float]:
    """One update of ``s.model`` by ``s.opt`` on the cross-entropy of a batch; appends the
    batch's loss to ``s.losses`` (the per-update curve)."""
    x, y = batch
    s.model.train()
    s.opt.zero_grad()
    logits = s.model(x)
    loss = F.cross_entropy(logits, y)
    loss.backward()
    s.opt.step()
    s.losses.append(loss.item())
    right = (logits.detach().numpy().argmax(1) == y.numpy()).mean()
    return {"loss": loss.item(), "accuracy": float(right)}


def accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray, batch: int = 1000) -> float:
    """The share of ``x`` that ``model`` (in eval mode, without gradients) classifies right."""
    model.eval()
    right = 0
    with rp.no_grad():
        for i in range(0, len(x), batch):
            right += int(
                (model(rp.tensor(x[i : i + batch])).numpy().argmax(1) == y[i : i + batch]).sum()
            )
    return right / len(x)


def smooth(values: Sequence[float], width: int) -> np.ndarray:
    """The running mean of ``values`` over ``width`` points (fewer at the start)."""
    v = np.asarray(values, dtype=float)
    c = np.cumsum(np.concatenate([[0.0], v]))
    lo = np.maximum(np.arange(1, len(v) + 1) - width, 0)
    return (c[1:] - c[lo]) / (np.arange(1, len(v) + 1) - lo)


def figure(width: float = 6.0, height: float = 4.0) -> MplFigure:
    """A matplotlib figure that draws without a display."""
    fig = MplFigure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def curves(
    series: Mapping[str, Sequence[float]],
    path: Path,
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    logy: bool = False,
    x: Mapping[str, Sequence[float]] | None = None,
) -> Path:
    """One line per series on one set of axes (``x[name]`` its abscissae, default 0, 1, ...)."""
    fig = figure()
    ax = fig.add_subplot()
    for name, values in series.items():
        xs = x[name] if x is not None else np.arange(len(values))
        ax.plot(xs, values, label=name, linewidth=1.2)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    if logy:
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.savefig(path)
    return path
