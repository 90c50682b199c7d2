"""diy.linear: the report's section 2, Linear(1, 1) with an MSELoss against scikit-learn's
LinearRegression on make_regression data (100 samples, 1 feature, noise 30).

The report's code: ``model = Linear(1, 1)`` trained by ``SGD(model, MSELoss(), X, Y,
batch_size, max_iter)`` on scikit-learn's float64 arrays, as they come. Full-batch gradient
descent on the summed squared error is a contraction towards the least-squares line, so it
reaches scikit-learn's coefficients to rounding error; then ``nn.Linear`` with L-BFGS, the
better choice for a quadratic loss, in a few iterations.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure as MplFigure
from sklearn.datasets import make_regression
from sklearn.linear_model import LinearRegression

import retroprop as rp
import retroprop.nn as nn
import retroprop.nn.functional as F
from retroprop import diy
from retroprop.lab import Experiment, Figure, Metric, Reference, Results, RunContext
from retroprop.lab.experiments.diy._common import DOC


def _lbfgs(X: np.ndarray, Y: np.ndarray, iterations: int) -> nn.Linear:
    """nn.Linear(1, 1) in float64 fitted by L-BFGS on the mean squared error."""
    model = nn.Linear(1, 1, dtype=rp.float64)
    x, y = rp.tensor(X, dtype=rp.float64), rp.tensor(Y, dtype=rp.float64)
    opt = rp.optim.LBFGS(model.parameters(), lr=1.0, max_iter=iterations)

    def closure() -> rp.Tensor:
        opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        return loss

    opt.step(closure)
    return model


def _plot(X, Y, lines: dict[str, tuple[float, float]], path) -> None:
    fig = MplFigure(figsize=(6, 4))
    ax = fig.add_subplot()
    ax.scatter(X[:, 0], Y[:, 0], s=10, color="grey", label="make_regression (noise 30)")
    grid = np.linspace(X.min(), X.max(), 2)
    for (label, (w, b)), style in zip(lines.items(), ("-", "--", ":")):
        ax.plot(grid, w * grid + b, style, linewidth=2, label=f"{label}: y = {w:.3f} x + {b:.3f}")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend(fontsize=8)
    ax.set_title("the least-squares line, three ways")
    fig.tight_layout()
    fig.savefig(path)


def run(config: dict[str, Any], ctx: RunContext) -> Results:
    X, y = make_regression(
        n_samples=config["n_samples"], n_features=1, noise=config["noise"], random_state=ctx.seed
    )
    Y = y[:, None]
    sk = LinearRegression().fit(X, y)
    coef, intercept = float(sk.coef_[0]), float(sk.intercept_)

    model = diy.Linear(1, 1)  # the report's code, on float64 arrays as they come
    history = diy.SGD(
        model, diy.MSELoss(), X, Y, batch_size=len(X), max_iter=config["max_iter"],
        eps=config["eps"],
    )  # fmt: skip
    w, b = float(model._parameters[0, 0]), float(model._bias[0])
    best = _lbfgs(X, Y, config["lbfgs_iterations"])
    w_nn, b_nn = float(best.weight.detach().numpy()[0, 0]), float(best.bias.detach().numpy()[0])

    _plot(
        X, Y,
        {"scikit-learn": (coef, intercept), "diy Linear(1, 1) + SGD": (w, b),
         "nn.Linear + L-BFGS": (w_nn, b_nn)},
        ctx.figures / "lines.png",
    )  # fmt: skip
    metrics = {
        "coef_rel_diff": abs(w - coef) / abs(coef),
        "intercept_abs_diff": abs(b - intercept),
        "coef_rel_diff/nn_lbfgs": abs(w_nn - coef) / abs(coef),
        "intercept_abs_diff/nn_lbfgs": abs(b_nn - intercept),
        "sklearn_coef": coef,
        "sklearn_intercept": intercept,
        "diy_coef": w,
        "diy_intercept": b,
        "final_mse": float(history[-1]) / len(X),
    }
    notes = (
        f"make_regression(n_samples={config['n_samples']}, n_features=1, "
        f"noise={config['noise']}, random_state=seed): float64 arrays given to the DIY code "
        "as they come. The DIY model is the report's `Linear(1, 1)` (its U(-1, 1) "
        "initialisation) trained by `SGD(model, MSELoss(), X, Y, "
        f"batch_size={config['n_samples']}, max_iter={config['max_iter']}, "
        f"eps={config['eps']})`: full-batch gradient descent on "
        "the summed squared error. Its Hessian is 2 sum x_i^2 (about 2n), so a step "
        "eps < 1/n contracts to the least-squares solution geometrically, and the gap to "
        "scikit-learn's closed form (`coef_rel_diff`, `intercept_abs_diff`) is rounding "
        'error: the report\'s "the two lines coincide", in numbers. `nn.Linear` with L-BFGS '
        f"({config['lbfgs_iterations']} iterations at most) is the better tool for a "
        "quadratic loss: the same line with no step size to choose."
    )
    return Results(
        metrics=metrics,
        figures=[Figure("figures/lines.png", "the data and the three fitted lines")],
        notes=notes,
        history={"loss": [float(v) for v in history]},
    )


EXPERIMENT = Experiment(
    name="diy.linear",
    description="the DIY report's Linear(1, 1) + MSELoss against scikit-learn's LinearRegression",
    config={"n_samples": 100, "noise": 30.0, "max_iter": 300, "eps": 0.004, "lbfgs_iterations": 50},
    quick={"max_iter": 100},
    metrics=[
        Metric(
            "coef_rel_diff",
            "lower",
            target=1e-3,
            document=Reference("lines coincide", DOC, "section 2, figures 1-2"),
        ),
        Metric("intercept_abs_diff", "lower"),
        Metric("coef_rel_diff/nn_lbfgs", "lower", target=1e-3),
    ],
    run=run,
)
