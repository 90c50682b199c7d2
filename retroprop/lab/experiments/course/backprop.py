"""course.backprop: activations and their derivatives, then backpropagation by hand.

Slides 002 ("Les fonctions de transfert": ReLU, sigmoid, PReLU; "calculons leurs dérivées")
and 004 ("Backprop: formules"). Part 1 plots tanh, sigmoid, ReLU and PReLU with the
derivative from its formula beside autograd's. Part 2 writes the slides' backpropagation of
a 3-layer ReLU network with a softmax cross-entropy out, in their notation (column vectors,
W of shape (out, in)):

    Y0 -> Ỹ1 = W1 Y0 + b1 -> Y1 = ReLU(Ỹ1) -> Ỹ2 -> Y2 -> Ỹ3 = W3 Y2 + b3 -> S = softmax(Ỹ3)
    L = -sum P log S
    ∂Ỹ3 = S - P,  δY_k = W_{k+1}ᵀ δỸ_{k+1},  δỸ_k = δY_k · 1_{Ỹ_k >= 0},
    δW_k = δỸ_k Y_{k-1}ᵀ,  δb_k = δỸ_k (summed over the columns, one column a point)

and compares every gradient with the engine's at each step of a gradient descent.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import retroprop as rp
import retroprop.nn as nn
import retroprop.nn.functional as F
from retroprop import viz
from retroprop.data import DataLoader, TensorDataset
from retroprop.lab import Experiment, Figure, Metric, Reference, Results, RunContext
from retroprop.lab.experiments.course._a_plot import panels, save
from retroprop.train import State

DOC_002 = "002 course slides, Les fonctions de transfert"
DOC_004 = "004 course slides, Backprop: formules"


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def activations(alpha: float) -> dict[str, tuple[Any, Any, Any]]:
    """name -> (the engine's function, the function by formula, its derivative by formula).

    tanh' = 1 - tanh^2,  sigmoid' = sigmoid (1 - sigmoid),  ReLU' = 1_{x > 0},
    PReLU' = 1 where x > 0, else alpha.
    """
    slope = rp.tensor([alpha], dtype=rp.float64)
    return {
        "tanh": (rp.tanh, np.tanh, lambda x: 1 - np.tanh(x) ** 2),
        "sigmoid": (rp.sigmoid, _sigmoid, lambda x: _sigmoid(x) * (1 - _sigmoid(x))),
        "relu": (rp.relu, lambda x: np.maximum(x, 0), lambda x: (x > 0).astype(x.dtype)),
        "prelu": (
            lambda t: F.prelu(t, slope),
            lambda x: np.where(x > 0, x, alpha * x),
            lambda x: np.where(x > 0, 1.0, alpha),
        ),
    }


def engine_derivative(fn: Any, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(f(x), f'(x)) by the engine: the gradient of sum f(x_i) is f'(x_i) elementwise."""
    t = rp.tensor(x, dtype=rp.float64, requires_grad=True)
    y = fn(t)
    (g,) = rp.autograd.grad(y.sum(), [t])
    return y.detach().numpy(), g.numpy()


def clusters(n: int, dims: int, classes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points in ``classes`` Gaussian clusters of ``dims`` dimensions (float64)."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(0, 2, size=(classes, dims))
    labels = rng.integers(0, classes, size=n)
    return centers[labels] + rng.normal(size=(n, dims)), labels


def hand_backprop(
    weights: list[np.ndarray], biases: list[np.ndarray], Y0: np.ndarray, P: np.ndarray
) -> dict[str, np.ndarray]:
    """The slides' formulas, with one column per point (Y0: (d0, N), P: (K, N) one-hot).

    Returns ``L`` and the gradients by name: ``W1..W3``, ``b1..b3`` and ``dY~1..dY~3``.
    """
    Y, pre = [Y0], []
    for k, (W, b) in enumerate(zip(weights, biases)):
        Yt = W @ Y[-1] + b[:, None]
        pre.append(Yt)
        Y.append(np.maximum(Yt, 0) if k < len(weights) - 1 else Yt)
    E = np.exp(pre[-1] - pre[-1].max(0))
    S = E / E.sum(0)
    out = {"L": -np.sum(P * np.log(S))}
    dYt = S - P  # ∂Ỹ3 = S - P
    for k in range(len(weights), 0, -1):
        out[f"dY~{k}"] = dYt
        out[f"W{k}"] = dYt @ Y[k - 1].T  # δW_k = δỸ_k Y_{k-1}ᵀ
        out[f"b{k}"] = dYt.sum(1)  # δb_k = δỸ_k, summed over the points
        if k > 1:
            dY = weights[k - 1].T @ dYt  # δY_{k-1} = W_kᵀ δỸ_k
            dYt = dY * (pre[k - 2] >= 0)  # δỸ = δY · 1_{Ỹ >= 0}
    return out


def engine_backprop(net: nn.Sequential, x: rp.Tensor, y: rp.Tensor) -> dict[str, Any]:
    """The same network and loss through the engine (one row per point), its gradients
    by the slides' names (transposed to columns) and the loss Tensor."""
    h, pre = x, []
    layers = [m for m in net if isinstance(m, nn.Linear)]
    for k, layer in enumerate(layers):
        z = layer(h)
        pre.append(z)
        h = F.relu(z) if k < len(layers) - 1 else z
    loss = F.cross_entropy(h, y, reduction="sum")
    params = [p for layer in layers for p in (layer.weight, layer.bias)]
    grads = rp.autograd.grad(loss, params + pre, retain_graph=True)
    out: dict[str, Any] = {"L": loss.item(), "loss": loss}
    for k in range(len(layers)):
        out[f"W{k + 1}"] = grads[2 * k].numpy()
        out[f"b{k + 1}"] = grads[2 * k + 1].numpy()
        out[f"dY~{k + 1}"] = grads[len(params) + k].numpy().T
    return out


def gaps(net: nn.Sequential, x: rp.Tensor, y: rp.Tensor, classes: int) -> dict[str, float]:
    """The largest |engine - hand| of each gradient at the network's current weights."""
    layers = [m for m in net if isinstance(m, nn.Linear)]
    W = [m.weight.detach().numpy() for m in layers]
    b = [m.bias.detach().numpy() for m in layers]
    P = np.eye(classes)[y.numpy()].T
    hand = hand_backprop(W, b, x.numpy().T, P)
    engine = engine_backprop(net, x, y)
    return {k if k != "L" else "loss": float(np.abs(hand[k] - engine[k]).max()) for k in hand}


def _activation_figure(alpha: float, path: Any) -> tuple[Any, dict[str, float]]:
    x = np.linspace(-4, 4, 800)  # an even count: 0, where ReLU has no derivative, is left out
    fig, axes = panels(4, 2, 3.4, 2.8)
    gap = {}
    for i, (name, (engine_fn, f, df)) in enumerate(activations(alpha).items()):
        value, slope = engine_derivative(engine_fn, x)
        gap[name] = float(max(np.abs(value - f(x)).max(), np.abs(slope - df(x)).max()))
        axes[i].plot(x, f(x), label=f"{name}(x)")
        axes[i].set_title(name if name != "prelu" else f"PReLU, alpha = {alpha}")
        axes[i].legend(fontsize=8)
        axes[4 + i].plot(x, df(x), lw=4, alpha=0.4, label="formula")
        axes[4 + i].plot(x, slope, "k--", lw=1, label="autograd")
        axes[4 + i].set_title(f"{name}'(x): largest gap {gap[name]:.1e}")
        axes[4 + i].legend(fontsize=8)
    save(fig, path, "the activations (top) and their derivatives (bottom)")
    return path, gap


def run(config: dict[str, Any], ctx: RunContext) -> Results:
    """Part 1 on a grid; part 2 along ``epochs`` full-batch gradient steps (ctx.loop, one
    step an epoch), comparing the hand formulas with the engine before each step."""
    figures, alpha = ctx.figures, config["alpha"]
    _, activation_gap = _activation_figure(alpha, figures / "activations.png")
    zero = rp.tensor([0.0], dtype=rp.float64)
    _, relu_at_zero = engine_derivative(rp.relu, zero.numpy())

    sizes = config["sizes"]
    X, labels = clusters(config["points"], sizes[0], sizes[-1], ctx.seed)
    x, y = rp.tensor(X, dtype=rp.float64), rp.tensor(labels)
    linears = [nn.Linear(a, b, dtype=rp.float64) for a, b in zip(sizes, sizes[1:])]
    # ReLU after every layer but the last: the softmax is in the loss
    net = nn.Sequential(*[m for lin in linears for m in (lin, nn.ReLU())][:-1])
    state = State(
        net=net,
        opt=rp.optim.SGD(net.parameters(), lr=config["lr"]),
        data=DataLoader(TensorDataset(x, y), batch_size=len(X)),
    )

    def step(s: State, batch: list[rp.Tensor]) -> dict[str, float]:
        xb, yb = batch
        gap = gaps(s.net, xb, yb, sizes[-1])
        s.opt.zero_grad()
        loss = F.cross_entropy(s.net(xb), yb, reduction="sum")
        loss.backward()
        s.opt.step()
        return {"loss L": loss.item(), "max gap": max(v for k, v in gap.items() if k != "loss")}

    first = gaps(net, x, y, sizes[-1])
    one = engine_backprop(net, x[:1], y[:1])
    names = {f"W{k + 1}": m.weight for k, m in enumerate(linears)}
    names.update({f"b{k + 1}": m.bias for k, m in enumerate(linears)}, L=one["loss"])
    graph = viz.render(
        viz.graph(one["loss"], names=names, grads=True, title="one point: L and dL/d(node)"),
        figures / "graph_one_point.svg",
    )
    history = ctx.loop(state, step, state.data, epochs=config["epochs"])
    last = gaps(net, x, y, sizes[-1])

    fig, axes = panels(2, 1, 5.0, 3.6)
    axes[0].plot(history["loss L"])
    axes[0].set(xlabel="step", ylabel="L", title="the loss along gradient descent")
    axes[1].semilogy(np.maximum(history["max gap"], 1e-18))
    axes[1].set(xlabel="step", title="largest |engine - hand formulas| (floored at 1e-18)")
    save(fig, figures / "training.png")

    gap_all = max(history["max gap"] + [v for k, v in last.items() if k != "loss"])
    metrics: dict[str, Any] = {
        "max_gap_vs_hand_formulas": gap_all,
        "max_gap_activation_derivatives": max(activation_gap.values()),
        **{f"gap/activation/{k}": v for k, v in activation_gap.items()},
        **{f"gap/step0/{k}": v for k, v in first.items()},
        "relu'(0): engine": float(relu_at_zero[0]),
        "relu'(0): slides' 1_{Y>=0}": 1.0,
        "initial loss L": history["loss L"][0],
        "final loss L": engine_backprop(net, x, y)["L"],
        "steps": len(history["loss L"]),
    }
    notes = (
        "**What to look at.** Top row of `activations.png`: the four transfer functions of "
        "the slides; bottom row: each derivative from its formula (thick) under autograd's "
        "(dashed). They coincide to rounding: the engine's backward of each op *is* the "
        "formula (tanh' = 1 - tanh^2, sigmoid' = sigmoid(1 - sigmoid), ReLU' = 1 on x > 0, "
        "PReLU' = alpha on x <= 0). Note what the slides ask: sigmoid' is at most 1/4, so "
        "stacking sigmoids shrinks gradients (the vanishing gradient); ReLU' is 0 or 1 and "
        "PReLU keeps a slope alpha where ReLU's units die.\n\n"
        "**The chain rule by hand.** `hand_backprop` is the slides' five formulas, with one "
        f"column per point ({config['points']} points in {sizes[-1]} clusters, layers "
        f"{sizes}). At every one of the {len(history['loss L'])} gradient steps all nine "
        "gradients (δW, δb of the three layers, and δỸ of each pre-activation) equal the "
        f"engine's to {gap_all:.1e} in float64. `graph_one_point.svg` shows the graph the "
        "engine walks backwards for one point, dL/d(node) at each node.\n\n"
        "**ReLU at 0.** The slides write the mask 1_{Ỹ >= 0}; the engine, like PyTorch, uses "
        f"1_{{Ỹ > 0}} (relu'(0) = {relu_at_zero[0]:g}). ReLU has no derivative at 0, so both "
        "are conventions; they differ only on exact zeros, which random weights never hit "
        "(a zero input or weight can).\n\n"
        "**What to change next.** `--alpha 0.01` (LeakyReLU); `--sizes 4,64,64,3`; a larger "
        "`--lr` and watch L oscillate; replace ReLU by sigmoid in `hand_backprop` (its mask "
        "becomes S(1 - S))."
    )
    return Results(
        metrics=metrics,
        figures=[
            Figure("figures/activations.png", "activations and derivatives, formula vs autograd"),
            Figure(
                graph.relative_to(ctx.run_dir).as_posix(),
                "the backward graph of one point, dL/d(node) at each node",
            ),
            Figure("figures/training.png", "loss and the hand-vs-engine gap at each step"),
        ],
        notes=notes,
        history=history.history,
        state_dict=net.state_dict(),
    )


EXPERIMENT = Experiment(
    name="course.backprop",
    description="activations and their derivatives, and the slides' hand backpropagation of "
    "a 3-layer ReLU network against the engine",
    config={"alpha": 0.25, "sizes": [4, 16, 8, 3], "points": 60, "lr": 0.01, "epochs": 100},
    quick={"epochs": 5},
    metrics=[
        Metric(
            "max_gap_vs_hand_formulas",
            "lower",
            target=1e-12,
            document=Reference(None, DOC_004, "the formulas, no numbers"),
        ),
        Metric(
            "max_gap_activation_derivatives",
            "lower",
            target=1e-12,
            document=Reference(None, DOC_002, "'calculons leurs dérivées'"),
        ),
    ],
    run=run,
)
