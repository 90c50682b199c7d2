"""rp.viz: the computation graph as DOT text (values, gradients), its rendering, and the
plotting helpers (each writes a PNG)."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import retroprop as rp
from retroprop import viz


def node_label(dot: str, name: str) -> str:
    """The label of the node whose first line starts with ``name``."""
    match = re.search(r'label="(' + re.escape(name) + r'[^"]*)"', dot)
    assert match, f"no node {name!r} in\n{dot}"
    return match.group(1)


def small_graph():
    a = rp.tensor([1.0, 2.0], requires_grad=True)
    b = rp.tensor([3.0, 4.0], requires_grad=True)
    c = a * b
    d = (c - 1.0).sum()
    return a, b, c, d


def test_graph_lists_each_op_with_shape_and_values():
    a, b, c, d = small_graph()
    dot = viz.graph(d, names={"a": a, "b": b, "c": c, "d": d})
    assert dot.startswith("digraph") and dot.rstrip().endswith("}")
    assert node_label(dot, "a: leaf") == "a: leaf\\n(2,) float32\\nvalue [1, 2]"
    assert node_label(dot, "c: Mul") == "c: Mul\\n(2,) float32\\nvalue [3, 8]"
    assert "Sub\\n(2,) float32\\nvalue [2, 7]" in dot
    assert node_label(dot, "d: Sum") == "d: Sum\\n() float32\\nvalue 9"
    assert "constant\\n() float32\\nvalue 1" in dot
    assert "grad" not in dot  # no backward yet
    # 6 tensors (a, b, c, the constant 1, c - 1, d) and 5 edges; Mul's inputs are numbered
    assert len(re.findall(r"^\s+t\d+ \[label=", dot, re.M)) == 6
    assert len(re.findall(r"->", dot)) == 5
    assert len(re.findall(r"-> \S+ \[label=[12]\]", dot)) == 4


def test_graph_of_a_layer_without_bias_draws_only_its_present_inputs():
    layer = rp.nn.Linear(3, 2, bias=False)
    loss = layer(rp.randn(4, 3)).sum()
    dot = viz.graph(loss, grads=True)
    assert dot.count("->") == 3  # x and W into Linear, Linear into sum


def test_graph_shows_leaf_gradients_after_backward_and_retained_ones():
    a, b, c, d = small_graph()
    c.retain_grad()
    d.backward(retain_graph=True)
    dot = viz.graph(d, names={"a": a, "b": b, "c": c})
    assert node_label(dot, "a: leaf").endswith("grad [3, 4]")  # dd/da = b
    assert node_label(dot, "b: leaf").endswith("grad [1, 2]")  # dd/db = a
    assert node_label(dot, "c: Mul").endswith("grad [1, 1]")  # retain_grad()
    assert 'Sub\\n(2,) float32\\nvalue [2, 7]"' in dot  # not retained: no grad line


def test_graph_grads_true_computes_every_intermediate_without_writing_grad():
    x = rp.tensor([0.5, -1.0, 2.0], dtype=rp.float64, requires_grad=True)
    h = x.tanh()
    loss = (h * h).sum()
    dot = viz.graph(loss, names={"x": x, "h": h}, grads=True)
    (gx, gh) = rp.autograd.grad(loss, [x, h], retain_graph=True)
    assert node_label(dot, "h: Tanh").endswith("grad " + viz.summarize(gh.numpy()))
    assert node_label(dot, "x: leaf").endswith("grad " + viz.summarize(gx.numpy()))
    np.testing.assert_allclose(gh.numpy(), 2 * np.tanh(x.detach().numpy()))
    assert x.grad is None and h.grad is None
    loss.backward()  # the graph was kept: a backward still works afterwards
    np.testing.assert_allclose(x.grad.numpy(), gx.numpy())


def test_graph_summarizes_large_tensors_and_marks_parameters():
    layer = rp.nn.Linear(3, 4)
    out = layer(rp.ones(5, 3)).sum()
    dot = viz.graph(out, names=dict(layer.named_parameters()))
    w = layer.weight.detach().numpy()
    assert node_label(dot, "weight: parameter").endswith(
        f"value min {w.min():.4g}  mean {w.mean():.4g}  max {w.max():.4g}"
    )
    assert "Linear\\n(5, 4) float32" in dot
    assert "fillcolor=lightblue" in dot and "fillcolor=lightgrey" in dot


def test_summarize_shows_values_or_min_mean_max():
    assert viz.summarize(np.array(2.5)) == "2.5"
    assert viz.summarize(np.array([[1, 2], [3, 4]])) == "[[1, 2], [3, 4]]"
    assert viz.summarize(np.arange(10.0)) == "min 0  mean 4.5  max 9"
    assert viz.summarize(np.arange(10.0), max_values=10).startswith("[0, 1, 2")
    assert viz.summarize(np.zeros(0)) == "empty"


def test_graph_escapes_quotes_in_names_and_titles():
    x = rp.tensor(1.0, requires_grad=True)
    dot = viz.graph(x * 2, names={'say "x"': x}, title='a "title"')
    assert 'say \\"x\\": leaf' in dot and 'label="a \\"title\\""' in dot


def test_graph_rejects_bad_input():
    with pytest.raises(TypeError, match="graph: expected a Tensor"):
        viz.graph(np.ones(3))
    x = rp.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="must be a scalar"):
        viz.graph(x * 2, grads=True)
    with pytest.raises(RuntimeError, match="does not require grad"):
        viz.graph(rp.tensor(1.0) * 2, grads=True)
    loss = (x * x).sum()
    loss.backward()  # frees the graph
    with pytest.raises(RuntimeError, match="graph\\(grads=True\\).*retain_graph=True"):
        viz.graph(loss, grads=True)


def test_render_without_graphviz_writes_dot_and_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    _, _, _, d = small_graph()
    dot = viz.graph(d)
    with pytest.warns(viz.GraphvizNotFoundWarning, match="apt-get install graphviz"):
        written = viz.render(dot, tmp_path / "g.svg")
    assert written == tmp_path / "g.dot"
    assert written.read_text() == dot
    assert not (tmp_path / "g.svg").exists()


@pytest.mark.skipif(not viz.graphviz_available(), reason="Graphviz's dot is not installed")
@pytest.mark.parametrize("fmt, magic", [("svg", b"<?xml"), ("png", b"\x89PNG")])
def test_render_with_graphviz_draws_the_picture(tmp_path, fmt, magic):
    _, _, _, d = small_graph()
    written = viz.render(viz.graph(d, grads=True), tmp_path / f"g.{fmt}")
    assert written == tmp_path / f"g.{fmt}"
    assert written.read_bytes().startswith(magic)
    assert (tmp_path / "g.dot").is_file()


def test_render_rejects_unknown_format(tmp_path):
    with pytest.raises(ValueError, match="render: format must be one of"):
        viz.render("digraph {}", tmp_path / "g.jpg")


# ---- plots -----------------------------------------------------------------------------------


def assert_png(path: Path, expected: Path) -> None:
    """A PNG file at the expected place with some drawing in it (not a blank image)."""
    import matplotlib.image

    assert path == expected and path.read_bytes()[:4] == b"\x89PNG"
    pixels = matplotlib.image.imread(path)
    assert pixels.ndim == 3 and pixels.std() > 0.01


def test_plot_helpers_write_pngs(tmp_path):
    rng = np.random.default_rng(0)
    X = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, 1.0], [1.0, -1.0]])
    y = np.array([0, 1, 0, 1])
    made = {
        "curves": viz.learning_curves(
            {"loss": [1.0, 0.5, 0.2], "val_loss": [1.1, 0.6, 0.4], "accuracy": [0.5, 0.7, 0.9]},
            tmp_path / "curves.png",
            logy=True,
        ),
        "scores": viz.decision_boundary(
            lambda p: 0.5 - 0.5 * np.tanh(3 * p[:, 0] * p[:, 1]), X, y, tmp_path / "scores.png"
        ),
        "classes": viz.decision_boundary(
            lambda p: np.stack([p[:, 0] * p[:, 1], -p[:, 0] * p[:, 1]], 1),
            rp.tensor(X),
            y,
            tmp_path / "classes.png",
        ),
        "curve1d": viz.decision_boundary(
            lambda p: np.tanh(p[:, 0]), np.array([-1.0, 0.5, 2.0]), [0, 1, 1], tmp_path / "c.png"
        ),
        "grid": viz.image_grid(rng.random((10, 1, 8, 8)), tmp_path / "grid.png", ncols=5),
        "rgb": viz.image_grid(rng.random((3, 8, 8, 3)), tmp_path / "rgb.png"),
        "recon": viz.reconstructions(
            rng.random((4, 8, 8)), rng.random((4, 8, 8)), tmp_path / "r.png"
        ),
        "confusion": viz.confusion_matrix([[5, 1], [2, 7]], tmp_path / "cm.png", normalize=True),
        "scatter2": viz.scatter(rng.random((30, 2)), tmp_path / "s2.png", labels=np.arange(30) % 3),
        "scatter3": viz.scatter(rng.random((30, 3)), tmp_path / "s3.png"),
        "series": viz.time_series(
            rng.random((50, 3)), tmp_path / "ts.png", labels=["x", "y", "z"], stacked=True
        ),
    }
    names = ["curves", "scores", "classes", "c", "grid", "rgb", "r", "cm", "s2", "s3", "ts"]
    for path, name in zip(made.values(), names):
        assert_png(path, tmp_path / f"{name}.png")


def test_plot_helpers_reject_bad_input(tmp_path):
    with pytest.raises(ValueError, match="learning_curves: history is empty"):
        viz.learning_curves({}, tmp_path / "a.png")
    with pytest.raises(ValueError, match="must end in .png"):
        viz.learning_curves({"loss": [1.0]}, tmp_path / "a.svg")
    with pytest.raises(ValueError, match="decision_boundary: expected X"):
        viz.decision_boundary(lambda p: p[:, 0], np.zeros((4, 3)), np.zeros(4), tmp_path / "b.png")
    with pytest.raises(ValueError, match="image_grid: expected images"):
        viz.image_grid(np.zeros((2, 5, 8, 8)), tmp_path / "c.png")
    with pytest.raises(ValueError, match="reconstructions: originals and reconstructions"):
        viz.reconstructions(np.zeros((2, 8, 8)), np.zeros((2, 4, 4)), tmp_path / "d.png")
    with pytest.raises(ValueError, match="confusion_matrix: expected a square"):
        viz.confusion_matrix(np.zeros((2, 3)), tmp_path / "e.png")
    with pytest.raises(ValueError, match="scatter: expected points"):
        viz.scatter(np.zeros((5, 4)), tmp_path / "f.png")
    with pytest.raises(ValueError, match="time_series: t has 3 values for 5 steps"):
        viz.time_series(np.zeros(5), tmp_path / "g.png", t=[0, 1, 2])


def test_core_imports_without_matplotlib_and_plots_say_how_to_install():
    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "import retroprop as rp\n"
        "x = rp.tensor(2.0, requires_grad=True)\n"
        "assert 'Mul' in rp.viz.graph(x * 3, grads=True)\n"
        "try:\n"
        "    rp.viz.learning_curves({'loss': [1.0]}, 'never.png')\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=root, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert 'pip install "retroprop[lab]"' in done.stdout
