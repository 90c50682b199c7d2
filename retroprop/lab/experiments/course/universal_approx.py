"""course.universal_approx: one hidden sigmoid layer approximating a 1-D function.

Slides 002, "Théorème d'approximation universelle" (Cybenko 1989, Theorem 2): for any
continuous sigmoidal σ, the sums G(x) = sum_{j=1..N} α_j σ(y_j x + θ_j) are dense in C(I_n):
for every continuous f and ε > 0 some G has |G(x) - f(x)| < ε on the whole interval. Slides
004 ("Questions théoriques: expressivité ... approximation de fonction arbitraire 1D") show
the same on a curve. The lesson fits G (with an output bias) of growing width N to a
function on [-1, 1] by least squares on a grid, with L-BFGS, and measures the largest error
on a finer grid, the ε of the theorem.

Each hidden unit is a smooth step of height α_j at x = -θ_j / y_j whose steepness is y_j;
we start the steps spread over the interval (centres uniform in [-1, 1], steepness
``steepness``), the natural reading of the theorem's proof.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import retroprop as rp
import retroprop.nn as nn
import retroprop.nn.functional as F
from retroprop.data import DataLoader, TensorDataset
from retroprop.lab import Experiment, Figure, Metric, Reference, Results, RunContext
from retroprop.lab.experiments.course._a_plot import panels, save
from retroprop.train import State

DOC = "002 course slides, Théorème d'approximation universelle"
TARGETS = {
    "sines": lambda x: np.sin(2 * np.pi * x) + 0.5 * np.cos(5 * np.pi * x),
    "abs": np.abs,  # continuous, with a kink
    "step": np.sign,  # not continuous: outside the theorem
}


def network(width: int, steepness: float, rng: np.random.Generator) -> nn.Sequential:
    """G(x) = sum_j α_j σ(y_j x + θ_j) + b, its steps spread over [-1, 1] (float64)."""
    net = nn.Sequential(
        nn.Linear(1, width, dtype=rp.float64),
        nn.Sigmoid(),
        nn.Linear(width, 1, dtype=rp.float64),
    )
    centres = rng.uniform(-1, 1, width)
    slopes = steepness * rng.choice([-1.0, 1.0], width)
    with rp.no_grad():
        net[0].weight.copy_(rp.tensor(slopes[:, None], dtype=rp.float64))
        net[0].bias.copy_(rp.tensor(-slopes * centres, dtype=rp.float64))
    return net


def fit_width(
    width: int, config: dict[str, Any], data: dict[str, np.ndarray], ctx: RunContext
) -> tuple[nn.Sequential, Any]:
    """Least squares on the training grid with L-BFGS, ``epochs`` calls of ``max_iter``."""
    net = network(width, config["steepness"], np.random.default_rng([ctx.seed, width]))
    x, y = (
        rp.tensor(data["x"][:, None], dtype=rp.float64),
        rp.tensor(data["y"][:, None], dtype=rp.float64),
    )
    state = State(
        net=net,
        opt=rp.optim.LBFGS(
            net.parameters(),
            max_iter=config["max_iter"],
            history_size=50,
            line_search_fn="strong_wolfe",
        ),
        data=DataLoader(TensorDataset(x, y), batch_size=len(x)),
    )

    def step(s: State, batch: list[rp.Tensor]) -> dict[str, float]:
        xb, yb = batch

        def closure() -> rp.Tensor:
            s.opt.zero_grad()
            loss = F.mse_loss(s.net(xb), yb)
            loss.backward()
            return loss

        s.opt.step(closure)
        with rp.no_grad():
            return {"mse": F.mse_loss(s.net(xb), yb).item()}

    history = ctx.loop(state, step, state.data, epochs=config["epochs"], name=f"width={width}")
    return net, history


def run(config: dict[str, Any], ctx: RunContext) -> Results:
    """Fit each width, then the largest error on a grid ten times finer."""
    f = TARGETS[config["target"]]
    x_train = np.linspace(-1, 1, config["points"])
    x_test = np.linspace(-1, 1, 10 * config["points"] + 1)
    data = {"x": x_train, "y": f(x_train)}
    metrics: dict[str, Any] = {}
    fits, histories = {}, {}
    for width in config["widths"]:
        net, history = fit_width(width, config, data, ctx)
        with rp.no_grad():
            g = net(rp.tensor(x_test[:, None], dtype=rp.float64)).numpy()[:, 0]
        err = np.abs(g - f(x_test))
        metrics[f"max_error/width={width}"] = float(err.max())
        metrics[f"rmse/width={width}"] = float(np.sqrt(np.mean(err**2)))
        fits[width], histories[width] = (net, g), history

    widths = config["widths"]
    fig, axes = panels(3, 1, 4.6, 3.8)
    axes[0].plot(x_test, f(x_test), "k", lw=3, alpha=0.3, label=f"f ({config['target']})")
    for width in widths:
        axes[0].plot(x_test, fits[width][1], lw=1, label=f"N = {width}")
    axes[0].set(xlabel="x", title="G(x) for each width N")
    axes[0].legend(fontsize=7)
    axes[1].loglog(
        widths, [metrics[f"max_error/width={w}"] for w in widths], "o-", label="max |G - f|"
    )
    axes[1].loglog(widths, [metrics[f"rmse/width={w}"] for w in widths], "s--", label="RMS error")
    axes[1].set(xlabel="width N (hidden units)", title="the error against the width")
    axes[1].legend(fontsize=8)
    show = widths[min(len(widths) - 1, len(widths) // 2)]
    net = fits[show][0]
    with rp.no_grad():
        h = net[1](net[0](rp.tensor(x_test[:, None], dtype=rp.float64))).numpy()
    alpha = net[2].weight.detach().numpy()[0]
    for j in range(show):
        axes[2].plot(x_test, alpha[j] * h[:, j], lw=0.8)
    axes[2].plot(x_test, fits[show][1], "k", lw=2, label="G = sum + b")
    axes[2].set(xlabel="x", title=f"N = {show}: the terms α_j σ(y_j x + θ_j)")
    axes[2].legend(fontsize=8)
    save(fig, ctx.figures / "universal_approx.png")

    best = widths[-1]
    lowest = min(widths, key=lambda w: metrics[f"max_error/width={w}"])
    notes = (
        f"Target `{config['target']}` on [-1, 1], least squares on {config['points']} grid "
        f"points by L-BFGS ({config['epochs']} x {config['max_iter']} iterations), the error "
        f"measured on {len(x_test)} points. The largest error falls from "
        f"{metrics[f'max_error/width={widths[0]}']:.3g} with N = {widths[0]} to "
        f"{metrics[f'max_error/width={best}']:.3g} with N = {best}; the smallest is "
        f"{metrics[f'max_error/width={lowest}']:.3g}, with N = {lowest}.\n\n"
        "**What to look at.** Left: a few units give a coarse staircase; more units follow "
        "the curve. Right: the target is built from shifted, scaled sigmoid steps — the "
        "theorem's sum, term by term. Middle: the error shrinks with N, but the theorem says "
        "only that *some* G of each accuracy exists, not how many units it takes, nor that "
        "gradient training finds it (the curve flattens when the optimiser, not the width, "
        "is the limit).\n\n"
        "**Why several layers then? (the slides' question)** Width alone is enough in "
        "principle, but the number of units may grow very fast with the accuracy and the "
        "dimension; composing layers builds functions (many oscillations, products) with far "
        "fewer parameters than one wide layer.\n\n"
        "**What to change next.** `--target abs` (a kink: the error concentrates at 0); "
        "`--target step` (discontinuous, outside the theorem: the largest error stays near 1 "
        "around the jump whatever N); `--steepness 1` (nearly linear steps to start); "
        "`--widths 1,2,3,4`."
    )
    return Results(
        metrics=metrics,
        figures=[
            Figure(
                "figures/universal_approx.png", "fits, error against width, the terms of one fit"
            )
        ],
        notes=notes,
        history={f"mse/width={w}": h["mse"] for w, h in histories.items()},
        state_dict={f"width={w}": fits[w][0].state_dict() for w in widths},
    )


EXPERIMENT = Experiment(
    name="course.universal_approx",
    description="one hidden sigmoid layer approximating a 1-D function as the width grows "
    "(Cybenko's theorem)",
    config={
        "target": "sines",
        "widths": [1, 2, 4, 8, 16, 32, 64],
        "points": 400,
        "steepness": 10.0,
        "epochs": 50,
        "max_iter": 40,
    },
    quick={"widths": [2, 8, 64], "epochs": 3},
    metrics=[
        Metric(
            "max_error/width=64",
            "lower",
            target=0.01,
            document=Reference(None, DOC, "some width reaches any ε > 0; no numbers"),
        ),
        Metric("max_error/width=8", "lower"),
        Metric("max_error/width=2", "lower"),
    ],
    run=run,
)
