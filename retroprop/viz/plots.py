"""Plotting helpers shared by the lab's experiments: each draws one PNG and returns its path.

They use matplotlib's object interface with the Agg canvas (no window, no global pyplot
state, safe on a machine without a display). Arrays may be NumPy arrays or Tensors.

    rp.viz.learning_curves({"loss": history["loss"]}, "runs/x/loss.png")
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

try:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
except ImportError as e:  # pragma: no cover - depends on the installation
    raise ImportError(
        "retroprop.viz's plots need matplotlib, part of the lab extra: "
        'pip install "retroprop[lab]" (or pip install -e ".[lab]" in a checkout)'
    ) from e


def _array(x: Any, name: str, where: str) -> np.ndarray:
    data = getattr(x, "_data", x)
    try:
        return np.asarray(data)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{where}: {name} must be array-like, got {type(x).__name__}") from e


def _figure(width: float = 6.0, height: float = 4.0) -> Figure:
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Figure, path: str | Path) -> Path:
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"plots: the figure path must end in .png, got {str(path)!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    return path


def learning_curves(
    history: Mapping[str, Sequence[float]],
    path: str | Path,
    *,
    title: str | None = None,
    xlabel: str = "epoch",
    logy: bool = False,
) -> Path:
    """One line per series of ``history`` (e.g. ``fit``'s ``{"loss": [...], "val_loss": ...}``).

    Series whose name contains ``loss`` share the left panel; the others (accuracy, ...)
    get a right panel. ``logy`` puts the losses on a log scale.
    """
    if not history:
        raise ValueError("learning_curves: history is empty; expected {name: [values]}")
    losses = {k: v for k, v in history.items() if "loss" in k.lower()}
    others = {k: v for k, v in history.items() if k not in losses}
    panels = [p for p in (losses, others) if p]
    fig = _figure(6.0 * len(panels), 4.0)
    for i, series in enumerate(panels):
        ax = fig.add_subplot(1, len(panels), i + 1)
        for name, values in series.items():
            v = _array(values, name, "learning_curves").astype(float).reshape(-1)
            ax.plot(np.arange(1, v.size + 1), v, label=name)
        ax.set_xlabel(xlabel)
        if logy and series is losses:
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    return _save(fig, path)


def decision_boundary(
    predict: Callable[[np.ndarray], Any],
    X: Any,
    y: Any,
    path: str | Path,
    *,
    threshold: float = 0.5,
    title: str | None = None,
    resolution: int = 200,
    margin: float = 0.5,
) -> Path:
    """The regions a classifier assigns to each class, with the labelled points on top.

    Args:
        predict: maps an ``(M, d)`` float array to either class scores ``(M, K)`` (the class
            is the argmax), integer labels ``(M,)``, or one float score ``(M,)`` whose
            boundary is drawn at ``threshold``.
        X: points ``(N, 2)``, or ``(N,)`` / ``(N, 1)`` for a 1-D input (then the score is
            drawn as a curve over x, and the points at their labels).
        y: labels ``(N,)``.
    """
    X = _array(X, "X", "decision_boundary")
    y = _array(y, "y", "decision_boundary").reshape(-1)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2 or X.shape[1] not in (1, 2) or X.shape[0] != y.shape[0]:
        raise ValueError(
            f"decision_boundary: expected X of shape (N, 2) or (N,) and y of shape (N,), got "
            f"X {X.shape} and y {y.shape}"
        )
    fig = _figure()
    ax = fig.add_subplot()
    lo, hi = X.min(0) - margin, X.max(0) + margin
    if X.shape[1] == 1:
        grid = np.linspace(lo[0], hi[0], resolution)
        score = _array(predict(grid[:, None].astype(X.dtype)), "predict(x)", "decision_boundary")
        ax.plot(grid, score.reshape(resolution, -1), label="model")
        ax.axhline(threshold, color="grey", linestyle="--", linewidth=1, label=f"{threshold}")
        ax.scatter(X[:, 0], y, c=y, cmap="coolwarm", edgecolors="k", zorder=3, label="data")
        ax.set_xlabel("x")
        ax.legend()
    else:
        gx, gy = np.meshgrid(
            np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
        )
        points = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(X.dtype)
        out = _array(predict(points), "predict(points)", "decision_boundary")
        if out.ndim == 2 and out.shape[1] > 1:
            out = out.argmax(1)
        out = out.reshape(gx.shape)
        if out.dtype.kind == "f":
            filled = ax.contourf(gx, gy, out, levels=20, cmap="coolwarm", alpha=0.6)
            fig.colorbar(filled, ax=ax)
            ax.contour(gx, gy, out, levels=[threshold], colors="k", linewidths=1.5)
        else:
            ax.contourf(
                gx, gy, out, levels=np.arange(out.max() + 2) - 0.5, cmap="coolwarm", alpha=0.4
            )
        ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolors="k", s=25)
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    return _save(fig, path)


def image_grid(
    images: Any,
    path: str | Path,
    *,
    ncols: int = 8,
    titles: Sequence[str] | None = None,
    cmap: str = "gray",
    title: str | None = None,
) -> Path:
    """Images side by side, ``ncols`` a row.

    Shape: ``(N, H, W)``, ``(N, 1, H, W)``, ``(N, 3, H, W)`` (NCHW) or ``(N, H, W, 3)``.
    """
    imgs = _array(images, "images", "image_grid")
    shape = imgs.shape
    if imgs.ndim == 4 and imgs.shape[1] in (1, 3):
        imgs = imgs.transpose(0, 2, 3, 1)
    if imgs.ndim == 4 and imgs.shape[-1] == 1:
        imgs = imgs[..., 0]
    if imgs.ndim not in (3, 4) or (imgs.ndim == 4 and imgs.shape[-1] != 3) or len(imgs) == 0:
        raise ValueError(
            f"image_grid: expected images of shape (N, H, W), (N, C, H, W) or (N, H, W, 3) "
            f"with N > 0, got {shape}"
        )
    if titles is not None and len(titles) != len(imgs):
        raise ValueError(f"image_grid: {len(titles)} titles for {len(imgs)} images")
    n = len(imgs)
    cols = min(ncols, n)
    rows = -(-n // cols)
    fig = _figure(1.3 * cols, 1.3 * rows + (0.4 if title else 0.0))
    for i in range(n):
        ax = fig.add_subplot(rows, cols, i + 1)
        ax.imshow(imgs[i], cmap=cmap if imgs.ndim == 3 else None)
        ax.set_axis_off()
        if titles is not None:
            ax.set_title(titles[i], fontsize=8)
    if title:
        fig.suptitle(title)
    return _save(fig, path)


def reconstructions(
    originals: Any, reconstructed: Any, path: str | Path, *, n: int = 8, title: str | None = None
) -> Path:
    """The first ``n`` originals (top row) above their reconstructions (bottom row)."""
    a = _array(originals, "originals", "reconstructions")[:n]
    b = _array(reconstructed, "reconstructed", "reconstructions")[:n]
    if a.shape != b.shape:
        raise ValueError(
            f"reconstructions: originals and reconstructions differ in shape: {a.shape} vs "
            f"{b.shape}"
        )
    titles = ["original"] * len(a) + ["reconstruction"] * len(b)
    return image_grid(np.concatenate([a, b]), path, ncols=len(a), titles=titles, title=title)


def confusion_matrix(
    matrix: Any,
    path: str | Path,
    *,
    labels: Sequence[str] | None = None,
    normalize: bool = False,
    title: str | None = None,
) -> Path:
    """A confusion matrix ``(K, K)``: row = true class, column = predicted class.

    ``normalize`` divides each row by its total (the recall of each class on the diagonal).
    """
    m = _array(matrix, "matrix", "confusion_matrix").astype(float)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ValueError(f"confusion_matrix: expected a square (K, K) matrix, got {m.shape}")
    if normalize:
        m = m / np.maximum(m.sum(1, keepdims=True), 1e-12)
    k = m.shape[0]
    names = list(labels) if labels is not None else [str(i) for i in range(k)]
    if len(names) != k:
        raise ValueError(f"confusion_matrix: {len(names)} labels for a {k}x{k} matrix")
    fig = _figure(1.0 + 0.5 * k, 0.8 + 0.5 * k)
    ax = fig.add_subplot()
    shown = ax.imshow(m, cmap="Blues")
    fig.colorbar(shown, ax=ax)
    ax.set_xticks(range(k), names)
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if k <= 20:
        for i in range(k):
            for j in range(k):
                text = f"{m[i, j]:.2f}" if normalize else f"{m[i, j]:.0f}"
                color = "white" if m[i, j] > m.max() / 2 else "black"
                ax.text(j, i, text, ha="center", va="center", fontsize=7, color=color)
    if title:
        ax.set_title(title)
    return _save(fig, path)


def scatter(
    points: Any,
    path: str | Path,
    *,
    labels: Any = None,
    title: str | None = None,
    axis_labels: Sequence[str] | None = None,
) -> Path:
    """A 2-D or 3-D scatter plot of ``points`` ``(N, 2)`` or ``(N, 3)``, coloured by ``labels``
    ``(N,)`` (e.g. t-SNE codes by class, or a Lorenz trajectory)."""
    p = _array(points, "points", "scatter")
    if p.ndim != 2 or p.shape[1] not in (2, 3):
        raise ValueError(f"scatter: expected points of shape (N, 2) or (N, 3), got {p.shape}")
    c = None if labels is None else _array(labels, "labels", "scatter").reshape(-1)
    if c is not None and c.shape[0] != p.shape[0]:
        raise ValueError(f"scatter: {c.shape[0]} labels for {p.shape[0]} points")
    fig = _figure(6.0, 5.0)
    ax = fig.add_subplot(projection="3d" if p.shape[1] == 3 else None)
    shown = ax.scatter(*p.T, c=c, cmap="tab10" if c is not None else None, s=6)
    if c is not None and np.unique(c).size <= 20:
        ax.legend(*shown.legend_elements(), fontsize=7, loc="best")
    names = list(axis_labels) if axis_labels is not None else ["x", "y", "z"][: p.shape[1]]
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    if p.shape[1] == 3:
        ax.set_zlabel(names[2])
    if title:
        ax.set_title(title)
    return _save(fig, path)


def time_series(
    series: Any,
    path: str | Path,
    *,
    t: Any = None,
    labels: Sequence[str] | None = None,
    stacked: bool = False,
    title: str | None = None,
    xlabel: str = "t",
) -> Path:
    """Curves over time: ``series`` ``(T,)`` or ``(T, D)`` (D curves), against ``t`` ``(T,)``
    (default 0, 1, ...). ``stacked`` gives each curve its own panel (e.g. Lorenz x, y, z)."""
    s = _array(series, "series", "time_series").astype(float)
    if s.ndim == 1:
        s = s[:, None]
    if s.ndim != 2 or s.shape[0] == 0:
        raise ValueError(f"time_series: expected series of shape (T,) or (T, D), got {s.shape}")
    time = np.arange(s.shape[0]) if t is None else _array(t, "t", "time_series").reshape(-1)
    if time.shape[0] != s.shape[0]:
        raise ValueError(f"time_series: t has {time.shape[0]} values for {s.shape[0]} steps")
    names = list(labels) if labels is not None else [f"{i}" for i in range(s.shape[1])]
    if len(names) != s.shape[1]:
        raise ValueError(f"time_series: {len(names)} labels for {s.shape[1]} curves")
    panels = s.shape[1] if stacked else 1
    fig = _figure(8.0, 2.0 * panels + 1.0)
    axes = [fig.add_subplot(panels, 1, i + 1) for i in range(panels)]
    for i in range(s.shape[1]):
        ax = axes[i if stacked else 0]
        ax.plot(time, s[:, i], label=names[i], linewidth=1)
        ax.grid(alpha=0.3)
        if stacked:
            ax.set_ylabel(names[i])
    if not stacked and labels is not None:
        axes[0].legend()
    axes[-1].set_xlabel(xlabel)
    if title:
        axes[0].set_title(title)
    return _save(fig, path)
