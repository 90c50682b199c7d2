"""Pictures: the computation graph behind a tensor, and the lab's plots.

``graph`` and ``render`` need nothing beyond the core (Graphviz's ``dot`` program draws the
picture when it is installed). The plots need matplotlib (the ``lab`` extra); they are
imported on first use, so ``import retroprop`` works without it.

    dot = rp.viz.graph(loss, grads=True)
    rp.viz.render(dot, "loss.svg")
    rp.viz.learning_curves({"loss": losses}, "loss.png")
"""

from importlib import import_module
from typing import Any

from retroprop.viz.graph import (
    GraphvizNotFoundWarning,
    graph,
    graphviz_available,
    graphviz_hint,
    render,
    summarize,
)

PLOTS = (
    "confusion_matrix",
    "decision_boundary",
    "image_grid",
    "learning_curves",
    "reconstructions",
    "scatter",
    "time_series",
)


def __getattr__(name: str) -> Any:
    # the plots import matplotlib: load them when one is first asked for
    if name in PLOTS or name == "plots":
        plots = import_module("retroprop.viz.plots")
        return plots if name == "plots" else getattr(plots, name)
    raise AttributeError(f"module 'retroprop.viz' has no attribute {name!r}")


__all__ = [
    "GraphvizNotFoundWarning",
    "graph",
    "graphviz_available",
    "graphviz_hint",
    "render",
    "summarize",
    *PLOTS,
]
