"""course.xor: the course's Exercice 2, a 2-2-1 tanh network on XOR from given weights.

Slides "Deep Learning - Un cours qui dérive !" (source document 002), Exercice 2 "Maîtrise
du gradient": minimise the model on the four XOR points, from the slides' initial weights.
The network is h = tanh(W1 x + b1), s = tanh(W2 h + b2) and the loss
J = 1/2 sum_k (s_k - y_k)^2 over the four points (one gradient step per pass).

Index convention (as tests/test_course_exercises.py and docs/diy.md): w^(l)_{j,i} is the
weight from unit i of layer l-1 to unit j of layer l, the only reading in which the slides'
two second-layer weights feed one output; row j of each matrix is neuron j, nn.Linear's
(out, in) layout. The slides draw no biases and give no learning rate: we train the network
as drawn (no biases), then with biases starting at 0, both with learning rate 0.1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

import retroprop as rp
import retroprop.nn as nn
from retroprop import viz
from retroprop.lab import Experiment, Figure, Metric, Reference, Results, RunContext

DOCUMENT = "002 course slides, Exercice 2"
# the slide's table: y then (x_1, x_2)
X = [[-1.0, -1.0], [-1.0, 1.0], [1.0, 1.0], [1.0, -1.0]]
Y = [0.0, 1.0, 0.0, 1.0]
W1_SLIDES = [[0.5, -0.3], [0.7, -0.1]]  # w^(1)_{1,1}, w^(1)_{1,2} / w^(1)_{2,1}, w^(1)_{2,2}
W2_SLIDES = [[0.2, -0.1]]  # w^(2)_{1,1}, w^(2)_{1,2}
SLIDE_NAMES = {"0.weight": "W1", "0.bias": "b1", "2.weight": "W2", "2.bias": "b2"}


def network(bias: bool, bias_init: float = 0.0) -> nn.Sequential:
    """The slides' 2-2-1 tanh network in float64, with their weights."""
    net = nn.Sequential(
        nn.Linear(2, 2, bias=bias, dtype=rp.float64),
        nn.Tanh(),
        nn.Linear(2, 1, bias=bias, dtype=rp.float64),
        nn.Tanh(),
    )
    with rp.no_grad():
        net[0].weight.data[...] = W1_SLIDES
        net[2].weight.data[...] = W2_SLIDES
        if bias:
            net[0].bias.data[...] = bias_init
            net[2].bias.data[...] = bias_init
    return net


def loss(net: nn.Sequential) -> tuple[rp.Tensor, rp.Tensor, rp.Tensor, rp.Tensor]:
    """``(x, y, s, J)`` on the four points: s = net(x) and J = 1/2 sum (s - y)^2."""
    x = rp.tensor(X, dtype=rp.float64)
    y = rp.tensor(Y, dtype=rp.float64)
    s = net(x).reshape(-1)
    return x, y, s, 0.5 * ((s - y) ** 2).sum()


def gradient_by_hand(net: nn.Sequential) -> dict[str, np.ndarray]:
    """Backpropagation written out, on the four points at once (a row per point):

    A = X W1^T + b1,  H = tanh(A),  s = tanh(H W2^T + b2)
    delta2 = (s - y) (1 - s^2)          dJ/dW2 = delta2^T H,   dJ/db2 = sum_k delta2
    delta1 = (delta2 W2) * (1 - H^2)    dJ/dW1 = delta1^T X,   dJ/db1 = sum_k delta1

    Returns the gradients by the slides' names (W1, b1, W2, b2).
    """
    x, y = np.array(X), np.array(Y)[:, None]
    W1, W2 = net[0].weight.detach().numpy(), net[2].weight.detach().numpy()
    b1 = net[0].bias.detach().numpy() if net[0].bias is not None else 0.0
    b2 = net[2].bias.detach().numpy() if net[2].bias is not None else 0.0
    H = np.tanh(x @ W1.T + b1)
    s = np.tanh(H @ W2.T + b2)
    delta2 = (s - y) * (1 - s * s)
    delta1 = (delta2 @ W2) * (1 - H * H)
    return {"W1": delta1.T @ x, "b1": delta1.sum(0), "W2": delta2.T @ H, "b2": delta2.sum(0)}


def accuracy(s: np.ndarray) -> float:
    """The share of points whose output is on their target's side of 1/2."""
    return float(((s > 0.5) == (np.array(Y) > 0.5)).mean())


def train(net: nn.Sequential, lr: float, epochs: int) -> dict[str, list[float]]:
    """Full-batch gradient descent; the history of J and accuracy, one entry a step."""
    params = list(net.parameters())
    history: dict[str, list[float]] = {"loss J": [], "accuracy": []}
    for _ in range(epochs):
        for p in params:
            p.grad = None
        _, _, s, J = loss(net)
        J.backward()
        history["loss J"].append(J.item())
        history["accuracy"].append(accuracy(s.detach().numpy()))
        with rp.no_grad():
            for p in params:
                p -= lr * p.grad
    return history


def _graph(net: nn.Sequential, path: Path, title: str) -> Path:
    x, y, s, J = loss(net)
    names = {SLIDE_NAMES[key]: p for key, p in net.named_parameters()}
    names.update(x=x, y=y, s=s, J=J)
    dot = viz.graph(J, names=names, grads=True, max_values=8, title=title)
    return viz.render(dot, path)


def run(config: dict[str, Any], ctx: RunContext) -> Results:
    """Train the network without, then with biases; a few milliseconds a step, so no
    checkpoints: a resumed run starts again and, being deterministic, ends the same."""
    run_dir, figures = ctx.run_dir, ctx.figures
    lr, epochs = config["lr"], config["epochs"]
    metrics: dict[str, Any] = {}
    histories, outputs, state, graphs = {}, {}, {}, []
    for bias in (False, True):
        tag = "with biases" if bias else "without biases"
        net = network(bias, config["bias_init"])
        metrics["initial W1"] = str(net[0].weight.detach().numpy().tolist())
        metrics["initial W2"] = str(net[2].weight.detach().numpy().tolist())
        file = figures / f"graph_{tag.replace(' ', '_')}.svg"
        graphs.append(_graph(net, file, f"Exercice 2 {tag}, step 0: J and dJ/d(node)"))
        _, _, _, J = loss(net)
        J.backward()
        hand = gradient_by_hand(net)
        error = max(
            float(np.abs(p.grad.numpy() - hand[SLIDE_NAMES[key]]).max())
            for key, p in net.named_parameters()
        )
        history = train(net, lr, epochs)
        with rp.no_grad():
            _, _, s, J = loss(net)
        s = s.numpy()
        right = [i for i, a in enumerate(history["accuracy"]) if a == 1.0]
        metrics[f"{tag}: J at step 0"] = history["loss J"][0]
        metrics[f"{tag}: step 0 largest gap, engine vs hand gradient"] = error
        metrics[f"{tag}: lowest J"] = min(history["loss J"] + [J.item()])
        metrics[f"{tag}: final J"] = J.item()
        metrics[f"{tag}: final outputs s"] = "[" + ", ".join(f"{v:.3g}" for v in s) + "]"
        metrics[f"{tag}: accuracy"] = accuracy(s)
        metrics[f"{tag}: steps until all 4 right"] = right[0] if right else "never"
        histories[tag] = history
        outputs[tag] = net
        state[tag.replace(" ", "_")] = net.state_dict()

    viz.learning_curves(
        {f"loss J {tag}": h["loss J"] for tag, h in histories.items()},
        figures / "loss.png",
        title=f"2-2-1 tanh network on XOR, learning rate {lr}",
        xlabel="step",
        logy=True,
    )
    figure_list = [
        *(
            Figure(g.relative_to(run_dir).as_posix(), f"the graph of J at step 0 {tag}")
            for g, tag in zip(graphs, histories)
        ),
        Figure("figures/loss.png", "J along gradient descent, without and with biases"),
    ]
    for tag, net in outputs.items():
        file = f"figures/boundary_{tag.replace(' ', '_')}.png"

        def predict(points: np.ndarray, net: nn.Sequential = net) -> np.ndarray:
            with rp.no_grad():
                return net(rp.tensor(points, dtype=rp.float64)).numpy().reshape(-1)

        viz.decision_boundary(
            predict,
            np.array(X),
            np.array(Y),
            run_dir / file,
            title=f"output s {tag} after {epochs} steps (black: s = 1/2)",
        )
        figure_list.append(Figure(file, f"what the network outputs {tag}"))

    with rp.no_grad():
        a = outputs["without biases"](rp.tensor([[-1.0, 1.0]], dtype=rp.float64)).item()
    notes = (
        "**Without biases the network cannot fit XOR, whatever its weights.** tanh is odd "
        "and there is no constant term, so the network is odd: f(-x) = -f(x). The XOR points "
        "come in opposite pairs with *equal* targets: (-1,-1) and (1,1) both 0, (-1,1) and "
        "(1,-1) both 1. With a = f(-1,1) and b = f(-1,-1), the other two outputs are -a and "
        "-b, so J = 1/2 (b^2 + b^2) + 1/2 ((a - 1)^2 + (-a - 1)^2) = 1 + a^2 + b^2 >= 1. At "
        "most one of the two target-1 points can be above 1/2 (accuracy at most 3/4), and "
        "the best J, 1, needs every output at 0: gradient descent goes there (here "
        f"a = {a:.2e} at the end), accuracy 1/2.\n\n"
        "**With biases the symmetry is broken and the network fits XOR** from the same "
        "weights (biases starting at 0): see the final J and outputs above. The first "
        "gradients of both networks equal the backpropagation written out by hand "
        "(delta2 = (s - y)(1 - s^2), delta1 = delta2 W2 (1 - h^2)) to rounding error."
    )
    return Results(
        metrics=metrics,
        state_dict=state,
        figures=figure_list,
        notes=notes,
        history={f"{k}: {tag}": v for tag, h in histories.items() for k, v in h.items()},
    )


EXPERIMENT = Experiment(
    name="course.xor",
    description="Exercice 2 of the course slides: a 2-2-1 tanh network on XOR, without and "
    "with biases",
    metrics=[
        Metric(
            "with biases: accuracy",
            "higher",
            target=1.0,
            document=Reference(None, DOCUMENT, "the slides give no result"),
        ),
        Metric("without biases: lowest J", "higher", target=1.0),  # the bound J >= 1
        Metric(
            "initial W1",
            None,
            document=Reference(str(W1_SLIDES), DOCUMENT, "w^(1)_{j,i}, row j = hidden unit j"),
        ),
        Metric(
            "initial W2",
            None,
            document=Reference(str(W2_SLIDES), DOCUMENT, "w^(2)_{1,1}, w^(2)_{1,2}"),
        ),
    ],
    config={"lr": 0.1, "epochs": 1500, "bias_init": 0.0},
    quick={"epochs": 200},
    run=run,
)
