"""The computation graph behind a tensor, as Graphviz DOT text: ``graph`` and ``render``.

Each tensor of the graph is one box: its operation (the :class:`~retroprop.autograd.Function`
that made it) or, for a leaf, its name, ``parameter``, ``leaf`` or ``constant``; its shape
and dtype; a summary of its value; and, when known, of its gradient. Arrows go from the
inputs of an operation to its output, so reading right to left is reading backpropagation::

    J = 0.5 * ((w * x + b).tanh() - y).pow(2).sum()
    dot = rp.viz.graph(J, names={"w": w, "b": b, "x": x, "y": y}, grads=True)
    rp.viz.render(dot, "neuron.svg")      # needs Graphviz's `dot`; else writes neuron.dot

Gradients shown: with ``grads=True``, dJ/d(node) for every node, computed here with
``rp.autograd.grad(..., retain_graph=True)`` (no ``.grad`` is written). Otherwise each
tensor's ``.grad``: the leaves' after ``J.backward(retain_graph=True)``, and intermediates'
only where ``retain_grad()`` was called before the backward (PyTorch's rule).
"""

from __future__ import annotations

import shutil
import subprocess
import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from retroprop import autograd
from retroprop.nn.parameter import Parameter
from retroprop.tensor import Tensor

RENDER_FORMATS = ("svg", "png", "pdf")

_FILL = {"op": "white", "parameter": "lightblue", "leaf": "lightblue", "constant": "lightgrey"}


class GraphvizNotFoundWarning(UserWarning):
    """``render`` found no ``dot`` program: it wrote the DOT text only."""


def graphviz_available() -> bool:
    """True when Graphviz's ``dot`` program is on the PATH."""
    return shutil.which("dot") is not None


def graphviz_hint(dot_path: str | Path, out: str | Path) -> str:
    """How to install Graphviz and render ``dot_path`` to ``out`` by hand."""
    fmt = Path(out).suffix.lstrip(".") or "svg"
    return (
        f"Graphviz's `dot` program is not installed, so the graph was written as DOT text "
        f"only ({dot_path}). Graphviz is a system program that pip cannot install: "
        f"`apt-get install graphviz` (Debian, Ubuntu), `brew install graphviz` (macOS) or "
        f"`conda install graphviz`; then `dot -T{fmt} {dot_path} -o {out}`."
    )


def _nested(values: object) -> str:
    if isinstance(values, list):
        return "[" + ", ".join(_nested(v) for v in values) + "]"
    return f"{values:.4g}" if isinstance(values, float) else str(values)


def summarize(array: np.ndarray, max_values: int = 6) -> str:
    """The values themselves when there are at most ``max_values``, else min / mean / max."""
    if array.size == 0:
        return "empty"
    if array.size <= max_values:
        return _nested(array.tolist())
    if array.dtype.kind == "b":
        return f"{int(array.sum())} true of {array.size}"
    return f"min {array.min():.4g}  mean {array.mean():.4g}  max {array.max():.4g}"


def _all_grads(root: Tensor, nodes: list[Tensor]) -> dict[int, np.ndarray]:
    """d(root)/d(node) for every node that takes part in the gradient (root must be a scalar)."""
    if not root.requires_grad:
        raise RuntimeError(
            "graph(grads=True): the tensor does not require grad, so it has no gradient to "
            "show (was it computed under no_grad, or from tensors without requires_grad=True?)"
        )
    if root._data.size != 1:
        raise ValueError(
            f"graph(grads=True): the tensor must be a scalar (a loss), got shape "
            f"{tuple(root.shape)}"
        )
    wanted = [t for t in nodes if t.requires_grad]
    try:
        grads = autograd.grad(root, wanted, retain_graph=True, allow_unused=True)
    except RuntimeError as e:
        raise RuntimeError(f"graph(grads=True): {e}") from e
    return {id(t): g._data for t, g in zip(wanted, grads) if g is not None}


def _kind(t: Tensor) -> str:
    if t._ctx is not None:
        return "op"
    if isinstance(t, Parameter):
        return "parameter"
    return "leaf" if t.requires_grad else "constant"


def _quote(*lines: str) -> str:
    """A DOT string of ``lines`` (quotes and backslashes escaped, lines joined by \\n)."""
    escaped = (line.replace("\\", "\\\\").replace('"', '\\"') for line in lines)
    return '"' + "\\n".join(escaped) + '"'


def graph(
    tensor: Tensor,
    *,
    names: Mapping[str, Tensor] | None = None,
    grads: bool = False,
    max_values: int = 6,
    title: str | None = None,
) -> str:
    """The computation graph behind ``tensor`` as Graphviz DOT text.

    Args:
        tensor: the output (usually a scalar loss).
        names: labels for tensors of the graph, e.g. ``dict(model.named_parameters())`` or
            ``{"x": x, "loss": J}``.
        grads: compute and show d(tensor)/d(node) for every node (``tensor`` must be a
            scalar whose graph was not freed: build it, or call ``backward`` with
            ``retain_graph=True``). Without it, each tensor's ``.grad`` is shown when set.
        max_values: show the values themselves up to this many elements, else min/mean/max.
        title: a caption drawn under the graph.

    Returns:
        The DOT text; :func:`render` turns it into an SVG or PNG file.
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"graph: expected a Tensor, got {type(tensor).__name__}")
    label_of = {id(t): name for name, t in (names or {}).items()}
    nodes = autograd.iter_graph(tensor)
    computed = _all_grads(tensor, nodes) if grads else {}
    ids = {id(t): f"t{i}" for i, t in enumerate(nodes)}

    lines = [
        "digraph retroprop {",
        "  rankdir=LR;",
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=8];',
    ]
    if title:
        lines.append(f"  label={_quote(title)}; labelloc=b; fontname=Helvetica;")
    for t in nodes:
        kind = _kind(t)
        head = type(t._ctx).__name__ if kind == "op" else kind
        name = label_of.get(id(t))
        text = [f"{name}: {head}" if name else head]
        text.append(f"{tuple(t.shape)} {t.dtype}")
        text.append(f"value {summarize(t._data, max_values)}")
        if id(t) in computed:
            text.append(f"grad {summarize(computed[id(t)], max_values)}")
        elif t.grad is not None:
            text.append(f"grad {summarize(t.grad._data, max_values)}")
        attrs = f"label={_quote(*text)}, fillcolor={_FILL[kind]}"
        if t is tensor:
            attrs += ", penwidth=2"
        lines.append(f"  {ids[id(t)]} [{attrs}];")
    for t in nodes:
        if t._ctx is None:
            continue
        inputs = t._ctx.inputs
        for position, parent in enumerate(inputs, start=1):
            if parent is None:  # an absent optional input (a layer without bias)
                continue
            # the argument's position matters for x - y, x / y, x @ W
            label = f" [label={position}]" if len(inputs) > 1 else ""
            lines.append(f"  {ids[id(parent)]} -> {ids[id(t)]}{label};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(dot: str, path: str | Path, format: str | None = None) -> Path:
    """Write ``dot`` beside ``path`` (as ``.dot``) and draw it to ``path`` with Graphviz.

    Args:
        dot: DOT text, e.g. from :func:`graph`.
        path: the picture to write, e.g. ``"graph.svg"``.
        format: ``'svg'``, ``'png'`` or ``'pdf'`` (default: ``path``'s suffix, else svg).

    Returns:
        ``path`` when Graphviz's ``dot`` is installed. Without it, the ``.dot`` file's path,
        with a :class:`GraphvizNotFoundWarning` that says how to install Graphviz.
    """
    path = Path(path)
    fmt = (format or path.suffix.lstrip(".") or "svg").lower()
    if fmt not in RENDER_FORMATS:
        raise ValueError(f"render: format must be one of {RENDER_FORMATS}, got {fmt!r}")
    out = path if path.suffix else path.with_suffix("." + fmt)
    dot_path = out.with_suffix(".dot")
    dot_path.parent.mkdir(parents=True, exist_ok=True)
    dot_path.write_text(dot, encoding="utf-8")
    exe = shutil.which("dot")
    if exe is None:
        warnings.warn(graphviz_hint(dot_path, out), GraphvizNotFoundWarning, stacklevel=2)
        return dot_path
    done = subprocess.run(
        [exe, f"-T{fmt}", str(dot_path), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"render: Graphviz's dot failed on {dot_path}: {done.stderr.strip()}")
    return out
