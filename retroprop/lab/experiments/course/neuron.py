"""course.neuron: the course's Exercice 1, one tanh neuron on six points.

Slides "Deep Learning - Un cours qui dérive !" (source document 002), Exercice 1
"rétropropagation en milieu simple": f(x) = tanh(x), compute tanh' and minimise the model
iteratively on six (x, y) points. The model is s = tanh(w x + b) and the loss
J = 1/2 sum_k (s_k - y_k)^2, summed over the six points (one gradient step per pass over
them). The slides give neither the initial values nor the learning rate: we start from
w = 0.5, b = 0 with a learning rate of 0.1 (the choices of tests/test_course_exercises.py
and docs/diy.md). A point counts as well classified when s is on its target's side of 1/2.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import retroprop as rp
from retroprop import viz
from retroprop.lab import Experiment, Figure, Metric, Reference, Results, RunContext

DOCUMENT = "002 course slides, Exercice 1"
# the slide's table: y then x
X = [-1.2, 0.3, -0.1, 0.0, -0.4, 0.7]
Y = [0.0, 1.0, 0.0, 1.0, 0.0, 1.0]


def loss(w: rp.Tensor, b: rp.Tensor) -> tuple[rp.Tensor, rp.Tensor, rp.Tensor, rp.Tensor]:
    """``(x, y, s, J)``: s = tanh(w x + b) on the six points, J = 1/2 sum (s - y)^2."""
    x = rp.tensor(X, dtype=rp.float64)
    y = rp.tensor(Y, dtype=rp.float64)
    s = (w * x + b).tanh()
    return x, y, s, 0.5 * ((s - y) ** 2).sum()


def gradient_by_hand(w: float, b: float) -> tuple[float, float]:
    """The chain rule with tanh' = 1 - tanh^2, for s_k = tanh(w x_k + b):

    dJ/dw = sum_k (s_k - y_k) (1 - s_k^2) x_k,   dJ/db = sum_k (s_k - y_k) (1 - s_k^2).
    """
    x, y = np.array(X), np.array(Y)
    s = np.tanh(w * x + b)
    delta = (s - y) * (1 - s * s)
    return float((delta * x).sum()), float(delta.sum())


def accuracy(s: np.ndarray) -> float:
    """The share of points whose output is on their target's side of 1/2."""
    return float(((s > 0.5) == (np.array(Y) > 0.5)).mean())


def run(config: dict[str, Any], ctx: RunContext) -> Results:
    """Gradient descent from (w0, b0); a few milliseconds a step, so no checkpoints: a
    resumed run starts again and, being deterministic, ends the same."""
    run_dir, figures = ctx.run_dir, ctx.figures
    w = rp.tensor(config["w0"], dtype=rp.float64, requires_grad=True)
    b = rp.tensor(config["b0"], dtype=rp.float64, requires_grad=True)

    x, y, _, J = loss(w, b)
    dot = viz.graph(
        J,
        names={"w": w, "b": b, "x": x, "y": y, "J": J},
        grads=True,
        title="Exercice 1, step 0: J = 1/2 sum (tanh(w x + b) - y)^2 and dJ/d(node)",
    )
    graph_file = viz.render(dot, figures / "graph_step0.svg")
    J0 = J.item()
    J.backward()
    hand_w, hand_b = gradient_by_hand(config["w0"], config["b0"])
    hand_error = max(abs(w.grad.item() - hand_w), abs(b.grad.item() - hand_b))

    history: dict[str, list[float]] = {"loss J": [], "accuracy": [], "w": [], "b": []}
    lr = config["lr"]
    for _ in range(config["epochs"]):
        w.grad = b.grad = None
        _, _, s, J = loss(w, b)
        J.backward()
        history["loss J"].append(J.item())
        history["accuracy"].append(accuracy(s.detach().numpy()))
        history["w"].append(w.item())
        history["b"].append(b.item())
        with rp.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
    w.grad = b.grad = None
    _, _, s, J = loss(w, b)
    J.backward()
    s = s.detach().numpy()
    misclassified = [xk for xk, sk, yk in zip(X, s, Y) if (sk > 0.5) != (yk > 0.5)]

    viz.learning_curves(
        {k: history[k] for k in ("loss J", "accuracy")},
        figures / "loss.png",
        title=f"tanh neuron, learning rate {lr}",
    )
    w_end, b_end = w.item(), b.item()
    viz.decision_boundary(
        lambda grid: np.tanh(w_end * grid[:, 0] + b_end),
        np.array(X),
        np.array(Y),
        figures / "fit.png",
        title=f"s = tanh({w_end:.4f} x + {b_end:.4f}) after {config['epochs']} steps",
    )
    metrics = {
        "points": len(X),
        "J at step 0": J0,
        "dJ/dw at step 0": hand_w,
        "dJ/db at step 0": hand_b,
        "step 0: largest gap, engine vs hand gradient": hand_error,
        "final J": J.item(),
        "final w": w_end,
        "final b": b_end,
        "final gradient norm": float(np.hypot(w.grad.item(), b.grad.item())),
        "accuracy": accuracy(s),
        "misclassified x": ", ".join(f"{v:g}" for v in misclassified) or "none",
    }
    notes = (
        f"Gradient descent from w = {config['w0']}, b = {config['b0']} with learning rate "
        f"{lr} (the slides give none of these; our choices). The engine's first gradients "
        f"equal the hand formulas dJ/dw = sum (s - y)(1 - s^2) x and dJ/db = sum (s - y)"
        f"(1 - s^2) to {hand_error:.1e}.\n\n"
        "Run to convergence (300 steps) this reaches the least-squares minimum w* = 0.7307, "
        "b* = 0.6595, J* = 0.3714 (tests/test_course_exercises.py checks it against a grid "
        "over [-10, 10]^2). There x = -0.1, whose target is 0, gets s = 0.527 > 1/2: the "
        "squared loss counts every distance to the targets, and a neuron that put x = -0.1 "
        "below 1/2 would push x = -0.4 and x = -1.2 (also target 0) towards -1, past their "
        "target, costing more than it saves. So 5 of the 6 points end on "
        "the right side of 1/2, although a neuron that separates all six exists "
        "(w = 10, b = 1): minimising the squared error is not maximising accuracy."
    )
    return Results(
        metrics=metrics,
        state_dict={"w": w.detach(), "b": b.detach()},
        figures=[
            Figure(
                graph_file.relative_to(run_dir).as_posix(),
                "the graph of J at step 0, each node with its value and dJ/d(node)",
            ),
            Figure("figures/loss.png", "J and accuracy along gradient descent"),
            Figure("figures/fit.png", "the fitted neuron over x, with the six points"),
        ],
        notes=notes,
        history=history,
    )


EXPERIMENT = Experiment(
    name="course.neuron",
    description="Exercice 1 of the course slides: one tanh neuron fitted to six points",
    config={"w0": 0.5, "b0": 0.0, "lr": 0.1, "epochs": 300},
    quick={"epochs": 30},
    metrics=[
        Metric(
            "final J",
            "lower",
            document=Reference(None, DOCUMENT, "the slides ask to minimise J; no result given"),
        ),
        Metric("accuracy", "higher", document=Reference(None, DOCUMENT, "no result given")),
        Metric("points", "equal", target=6, document=Reference(6, DOCUMENT, "the slide's table")),
        Metric("step 0: largest gap, engine vs hand gradient", "lower", target=1e-12),
    ],
    run=run,
)
