"""diy.nonlinear: the report's section 3, Linear(2, 2) TanH Linear(2, 1) Sigmoide on
linearly separable data and on XOR, in the report's own protocol.

Section 3 trains on the whole data set at each step ("on utilise toute la taille des
données"): the separable set with the report's ``Optim`` written out (one ``optim.step(X,
Y)`` an iteration), XOR with ``SGD(net, MSELoss(), X, Y, batch_size=len(X), max_iter)``.
Then what a better choice does: an ``nn`` ReLU MLP with 16 hidden units, logits and a
binary cross-entropy, AdamW on minibatches.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from retroprop import diy
from retroprop.lab import Experiment, Figure, Metric, Reference, Results, RunContext
from retroprop.lab.experiments.diy import _two_d
from retroprop.lab.experiments.diy._common import DOC, predict


def report_net() -> diy.Sequential:
    """The report's ``Linear(2, 2), TanH(), Linear(2, 1), Sigmoide()``, U(-1, 1) weights."""
    return diy.Sequential(diy.Linear(2, 2), diy.TanH(), diy.Linear(2, 1), diy.Sigmoide())


def run(config: dict[str, Any], ctx: RunContext) -> Results:
    sigma, n_train, n_test = config["sigma"], config["n_train"], config["n_test"]
    metrics: dict[str, Any] = {}
    history: dict[str, list[float]] = {}
    figures = []
    for kind in ("separable", "xor"):
        X, y, Xt, yt = _two_d.split(kind, n_train, n_test, sigma, ctx.seed)
        Y = y[:, None].astype(np.float64)
        net = report_net()
        if kind == "separable":  # the report's Optim, one full-batch step an iteration
            optim = diy.Optim(net, diy.MSELoss(), eps=config["eps"])
            losses = [optim.step(X, Y) for _ in range(config["max_iter"])]
        else:  # the report's SGD, on the whole set at each step as in its section 3
            losses = diy.SGD(
                net, diy.MSELoss(), X, Y, batch_size=len(X), max_iter=config["max_iter"],
                eps=config["eps"],
            ).tolist()  # fmt: skip
        history[f"{kind} loss (diy)"] = [float(v) for v in losses]
        metrics[f"{kind}_test_accuracy"] = _two_d.diy_accuracy(net, Xt, yt)
        metrics[f"{kind}_train_accuracy"] = _two_d.diy_accuracy(net, X, y)
        model, h = _two_d.fit_mlp(ctx, kind, X, y, [config["nn_hidden"]], config)
        history[f"{kind} loss (nn)"] = h["loss"]
        metrics[f"{kind}_test_accuracy/nn"] = _two_d.nn_accuracy(model, Xt, yt)
        metrics[f"{kind}_bayes_accuracy"] = _two_d.bayes_accuracy(kind, sigma)
        for tag, key, score, threshold in (
            ("diy", "", lambda p, net=net: net.forward(p)[:, 0], 0.5),
            ("nn", "/nn", lambda p, m=model: predict(m, p)[:, 0], 0.0),
        ):
            file = f"figures/{kind}_{tag}.png"
            name = "the report's 2-2-1 net" if tag == "diy" else "nn 2-16-1 ReLU, Adam"
            accuracy = metrics[f"{kind}_test_accuracy{key}"]
            title = f"{kind}, {name}: test accuracy {accuracy:.3f}"
            _two_d.boundary(score, Xt, yt, ctx.run_dir / file, title, threshold)
            figures.append(Figure(file, f"{kind}: decision boundary of {name}, test points"))
    notes = (
        f"Data: `make_blobs2` and `make_xor` (the course's gen_arti types 0 and 1), clouds at "
        f"(+-1, +-1) of standard deviation sigma = {sigma}; {n_train} training and {n_test} "
        "test points, both drawn from the seed. (gen_arti itself reads sigma as a variance: "
        "sigma = 0.4 there means a standard deviation of 0.63, where no classifier beats "
        f"{_two_d.bayes_accuracy('xor', 0.4**0.5):.3f} on XOR -- below this issue's target; "
        "we take 0.4 as the standard deviation.) `*_bayes_accuracy` is the best any "
        "classifier can do.\n\n"
        "The report's network, `Linear(2, 2), TanH(), Linear(2, 1), Sigmoide()` with its U(-1, "
        f"1) initialisation and an MSELoss on 0/1 targets, trained on the whole training set "
        f"at each of {config['max_iter']} steps of eps = {config['eps']} (the gradient of the "
        "summed loss): the separable set by the report's `Optim.step` in a loop, XOR by its "
        "`SGD(net, loss, X, Y, batch_size=len(X), max_iter)`. On XOR two hidden units are "
        "the fewest that can work, and from some initialisations gradient descent settles in "
        "the minimum that solves three clouds of four (an accuracy near 0.7): "
        'the report\'s "sensitive to initialisation". The `/nn` numbers: 16 ReLU units, logits '
        f"and a binary cross-entropy, AdamW (lr {config['nn_lr']}, cosine schedule, "
        f"{config['nn_epochs']} epochs of batches of {config['nn_batch_size']}), to set "
        "against the Bayes accuracy."
    )
    return Results(metrics=metrics, figures=figures, notes=notes, history=history)


EXPERIMENT = Experiment(
    name="diy.nonlinear",
    description="the DIY report's 2-2-1 TanH/Sigmoide network on separable and XOR data, in "
    "its own Optim/SGD protocol, then an nn MLP",
    config={
        "sigma": 0.4,
        "n_train": 1000,
        "n_test": 1000,
        "max_iter": 1000,
        "eps": 0.01,
        "nn_hidden": 16,
        "nn_epochs": 60,
        "nn_batch_size": 50,
        "nn_lr": 0.01,
    },  # fmt: skip
    quick={"n_train": 200, "n_test": 200, "max_iter": 100, "nn_epochs": 3},
    metrics=[
        Metric(
            "separable_test_accuracy",
            "higher",
            target=0.99,
            document=Reference("separates", DOC, "section 3.2.1, figure 3"),
        ),
        Metric(
            "xor_test_accuracy",
            "higher",
            target=0.95,
            document=Reference("separates", DOC, "section 3.2.2, figure 4 (training data)"),
        ),
        Metric("separable_test_accuracy/nn", "higher", target=0.99),
        Metric("xor_test_accuracy/nn", "higher", target=0.95),
        Metric("xor_bayes_accuracy", None),
    ],  # fmt: skip
    run=run,
)
