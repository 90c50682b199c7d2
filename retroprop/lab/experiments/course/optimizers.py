"""course.optimizers: the slides' "change the optimiser" exercise, seven optimisers on one CNN.

Slides 004, "Réseaux convolutifs: CNN", A faire 1/: "changer d'algorithme: regarder la doc
Keras / optimizers, e.g. prendre SGD, Adamax, RMSProp, etc. Mot clé: adadelta". One small
CNN (conv 3x3 8 - ReLU - maxpool 2 - conv 3x3 16 - ReLU - maxpool 2 - dense 10) on MNIST
digits, trained from the same initial weights on the same batches in the same order by SGD,
SGD with momentum, Nesterov, Adam, Adamax, RMSprop and Adadelta, each with its usual
learning rate (PyTorch's defaults for the adaptive ones; our choices for SGD).
"""

from __future__ import annotations

from typing import Any

import numpy as np

import retroprop as rp
from retroprop import nn
from retroprop.data import DataLoader, TensorDataset
from retroprop.lab import Experiment, Figure, Metric, Reference, Results, RunContext
from retroprop.lab.experiments.course._b_common import (
    SLIDES,
    accuracy,
    classify_step,
    curves,
    mnist,
    smooth,
)
from retroprop.train import State

NAMES = ("sgd", "momentum", "nesterov", "adam", "adamax", "rmsprop", "adadelta")


def cnn() -> nn.Sequential:
    """The lesson's CNN for 1x28x28 images: 5,258 parameters (80 + 1,168 + 4,010)."""
    return nn.Sequential(
        nn.Conv2d(1, 8, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 10),
    )


def optimizer(name: str, params: Any, config: dict[str, Any]) -> rp.optim.Optimizer:
    """The optimiser ``name`` with the learning rate ``config['lr_' + name]``."""
    lr = config[f"lr_{name}"]
    if name == "sgd":
        return rp.optim.SGD(params, lr=lr)
    if name in ("momentum", "nesterov"):
        return rp.optim.SGD(params, lr=lr, momentum=0.9, nesterov=name == "nesterov")
    return {
        "adam": rp.optim.Adam,
        "adamax": rp.optim.Adamax,
        "rmsprop": rp.optim.RMSprop,
        "adadelta": rp.optim.Adadelta,
    }[name](params, lr=lr)


def run(config: dict[str, Any], ctx: RunContext) -> Results:
    """Train one copy of the CNN per optimiser (a loop each, named after it)."""
    x, y, x_test, y_test = mnist(config["n_train"], config["n_test"], config["seed"])
    data = TensorDataset(x, y)
    rp.manual_seed(config["seed"])
    initial = cnn().state_dict()
    metrics: dict[str, Any] = {"parameters": sum(p.numel() for p in cnn().parameters())}
    losses, history = {}, {}
    for name in NAMES:
        model = cnn()
        model.load_state_dict(initial)
        s = State(
            model=model,
            opt=optimizer(name, model.parameters(), config),
            data=DataLoader(
                data, batch_size=config["batch_size"], shuffle=True, seed=config["seed"]
            ),
            losses=[],
        )
        h = ctx.loop(
            s,
            classify_step,
            s.data,
            epochs=config["epochs"],
            evaluate=lambda s: {"test_accuracy": accuracy(s.model, x_test, y_test)},
            name=name,
        )
        metrics[f"test_accuracy/{name}"] = h["test_accuracy"][-1]
        metrics[f"final_loss/{name}"] = float(np.mean(s.losses[-50:]))
        losses[name] = s.losses
        history.update({f"{k}/{name}": v for k, v in h.history.items()})

    steps = len(next(iter(losses.values())))
    curves(
        {f"{n} (lr {config['lr_' + n]:g})": smooth(v, 20) for n, v in losses.items()},
        ctx.figures / "losses.png",
        title=f"the same CNN, seven optimisers ({steps} updates of {config['batch_size']})",
        xlabel="update",
        ylabel="training loss (running mean of 20 batches)",
        logy=True,
    )
    ranked = sorted(NAMES, key=lambda n: -metrics[f"test_accuracy/{n}"])
    table = ", ".join(f"{n} {metrics[f'test_accuracy/{n}']:.4f}" for n in ranked)
    notes = (
        f"The CNN ({metrics['parameters']} parameters) starts from the same weights and sees "
        f"the same {len(x)} training images in the same order for every optimiser "
        f"({config['epochs']} epochs, batches of {config['batch_size']}); test accuracy on "
        f"{len(x_test)} test images. Ranked: {table}.\n\n"
        "What to look at: the curves of losses.png and the ranking above. Plain SGD uses "
        "one learning rate for every weight and no memory of past gradients; momentum and "
        "Nesterov average the gradients over ~1/(1 - 0.9) = 10 updates; Adam, Adamax and "
        "RMSprop divide each weight's step by a running size of its gradients, so their "
        "first updates are already large; Adadelta has no learning rate of its own (lr = 1 "
        "just rescales its ratio of running averages). Which wins after a few epochs "
        "depends on the learning rates chosen, not only on the method.\n\n"
        "What to change next: the learning rates (`--lr_sgd 0.2`, `--lr_adam 0.01`): a "
        "ranking of optimisers is a ranking at given learning rates, and a well-tuned SGD "
        "with momentum often catches up with Adam given more epochs (`--epochs 10`). "
        "Full run: about 7 minutes on one core (one BLAS thread)."
    )
    return Results(
        metrics=metrics,
        figures=[Figure("figures/losses.png", "training loss of the seven optimisers")],
        notes=notes,
        history=history,
    )


EXPERIMENT = Experiment(
    name="course.optimizers",
    description="the slides' 'change the optimiser' exercise: seven optimisers, one CNN on MNIST",
    config={
        "n_train": 30000,
        "n_test": 0,
        "epochs": 5,
        "batch_size": 64,
        "lr_sgd": 0.05,
        "lr_momentum": 0.01,
        "lr_nesterov": 0.01,
        "lr_adam": 1e-3,
        "lr_adamax": 2e-3,
        "lr_rmsprop": 1e-3,
        "lr_adadelta": 1.0,
    },
    quick={"n_train": 256, "n_test": 200, "epochs": 1},
    data=("mnist",),
    metrics=[
        Metric(
            "test_accuracy/adam",
            "higher",
            target=0.97,
            document=Reference(None, SLIDES, "CNN exercise, A faire 1/: no result given"),
        ),
        *(Metric(f"test_accuracy/{n}", "higher") for n in NAMES if n != "adam"),
    ],
    run=run,
)
