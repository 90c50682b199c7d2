"""course.regularization: overfitting on a small training set, then weight decay, dropout and
batch norm.

Slides 004, "Autres éléments d'architecture: régularisation": against overfitting, "dans la
fonction loss: loss regularization L2: weight decay ...; dans les couches: dropout
(composantes mises à 0 aléatoirement), batch norm". One MLP 784-512-512-10 (ReLU) trained
on a small sample of MNIST until it knows it by heart, four times from the same initial
weights and batches: as it is, with weight decay (an L2 term, lambda/2 ||w||^2, in SGD's
gradient), with dropout before each hidden layer's successor, and with batch normalisation
after each hidden linear layer. The gap is train accuracy minus test accuracy.
"""

from __future__ import annotations

from typing import Any

import retroprop as rp
from retroprop import nn
from retroprop.data import DataLoader, TensorDataset
from retroprop.lab import Experiment, Figure, Metric, Reference, Results, RunContext
from retroprop.lab.experiments.course._b_common import (
    SLIDES,
    accuracy,
    classify_step,
    figure,
    mnist,
)
from retroprop.train import State

VARIANTS = ("none", "weight_decay", "dropout", "batchnorm")


def mlp(variant: str, hidden: int, dropout: float) -> nn.Sequential:
    """784-hidden-hidden-10 with ReLU, and the variant's layers (the Linear layers are the
    same in all four, so they share their initial weights)."""
    layers: list[nn.Module] = []
    for k, n_in in enumerate((784, hidden)):
        if variant == "dropout" and k > 0:
            layers.append(nn.Dropout(dropout))
        layers.append(nn.Linear(n_in, hidden))
        if variant == "batchnorm":
            layers.append(nn.BatchNorm1d(hidden))
        layers.append(nn.ReLU())
    if variant == "dropout":
        layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(hidden, 10))
    return nn.Sequential(*layers)


def linear_weights(model: nn.Sequential) -> list[dict[str, Any]]:
    return [m.state_dict() for m in model if isinstance(m, nn.Linear)]


def run(config: dict[str, Any], ctx: RunContext) -> Results:
    """Train the four variants (a loop each) and measure train and test accuracy."""
    x, y, x_test, y_test = mnist(config["n_train"], config["n_test"], config["seed"], flatten=True)
    rp.manual_seed(config["seed"])
    initial = linear_weights(mlp("none", config["hidden"], config["dropout"]))
    metrics: dict[str, Any] = {}
    history: dict[str, list[float]] = {}
    curves: dict[str, tuple[list[int], list[float], list[float]]] = {}

    def evaluate(s: State) -> dict[str, float]:
        return {
            "train_accuracy": accuracy(s.model, x, y),
            "test_accuracy": accuracy(s.model, x_test, y_test),
        }

    for variant in VARIANTS:
        model = mlp(variant, config["hidden"], config["dropout"])
        for layer, weights in zip((m for m in model if isinstance(m, nn.Linear)), initial):
            layer.load_state_dict(weights)
        decay = config["weight_decay"] if variant == "weight_decay" else 0.0
        s = State(
            model=model,
            opt=rp.optim.SGD(model.parameters(), lr=config["lr"], momentum=0.9, weight_decay=decay),
            data=DataLoader(
                TensorDataset(x, y),
                batch_size=config["batch_size"],
                shuffle=True,
                seed=config["seed"],
            ),
            losses=[],
        )
        h = ctx.loop(
            s,
            classify_step,
            s.data,
            epochs=config["epochs"],
            evaluate=evaluate,
            eval_every=config["eval_every"],
            name=variant,
        )
        train_acc, test_acc = h["train_accuracy"][-1], h["test_accuracy"][-1]
        metrics[f"gap/{variant}"] = train_acc - test_acc
        metrics[f"train_accuracy/{variant}"] = train_acc
        metrics[f"test_accuracy/{variant}"] = test_acc
        epochs = [e + 1 for e in h.epochs_of("test_accuracy")]
        curves[variant] = (epochs, h["train_accuracy"], h["test_accuracy"])
        history.update({f"{k}/{variant}": v for k, v in h.history.items()})

    fig = figure(7, 4.5)
    ax = fig.add_subplot()
    for (variant, (ep, train, test)), color in zip(curves.items(), ("C0", "C1", "C2", "C3")):
        ax.plot(ep, train, color=color, linestyle="--", label=f"{variant}: train")
        ax.plot(ep, test, color=color, label=f"{variant}: test")
    ax.set(
        title=f"{len(x)} training images: train (dashed) and test (solid) accuracy",
        xlabel="epoch",
        ylabel="accuracy",
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    fig.savefig(ctx.figures / "accuracy.png")

    best = min(VARIANTS, key=lambda v: metrics[f"gap/{v}"])
    notes = (
        f"MLP 784-{config['hidden']}-{config['hidden']}-10 on {len(x)} training images "
        f"drawn by the seed, tested on {len(x_test)} test images; SGD, momentum 0.9, learning "
        f"rate {config['lr']}, batches of {config['batch_size']}, {config['epochs']} epochs, "
        f"the same initial weights and batch order for all four. Weight decay "
        f"{config['weight_decay']}, dropout p = {config['dropout']}. Accuracies in eval mode "
        "(no dropout, batch norm with its running statistics).\n\n"
        "What to look at: accuracy.png. Without regularisation the training accuracy "
        f"reaches {metrics['train_accuracy/none']:.3f} while the test accuracy stops at "
        f"{metrics['test_accuracy/none']:.3f}: the network has learnt its "
        f"{len(x)} images by heart, not the digits (gap {metrics['gap/none']:.3f}). The "
        f"smallest gap here is {best}'s ({metrics[f'gap/{best}']:.3f}). A smaller gap is "
        "worth having only if the test accuracy does not drop: compare the test columns "
        "too.\n\n"
        "What to change next: `--n_train 10000` (more data is the best regulariser: the gap "
        "shrinks for all), `--weight_decay 0.005`, `--dropout 0.2`. Full run: about 2 "
        "minutes."
    )
    return Results(
        metrics=metrics,
        figures=[Figure("figures/accuracy.png", "train and test accuracy of the four variants")],
        notes=notes,
        history=history,
    )


EXPERIMENT = Experiment(
    name="course.regularization",
    description="overfitting a small MNIST sample, then weight decay, dropout and batch norm",
    config={
        "n_train": 1000,
        "n_test": 0,
        "hidden": 512,
        "epochs": 60,
        "eval_every": 5,
        "batch_size": 50,
        "lr": 0.02,
        "weight_decay": 1e-3,
        "dropout": 0.5,
    },
    quick={"n_train": 200, "n_test": 200, "hidden": 64, "epochs": 3, "eval_every": 1},
    data=("mnist",),
    metrics=[
        Metric(
            "gap/none",
            None,
            document=Reference(None, SLIDES, "régularisation slide: no number"),
        ),
        Metric("gap/weight_decay", "lower"),
        Metric("gap/dropout", "lower"),
        Metric("gap/batchnorm", "lower"),
        *(Metric(f"test_accuracy/{v}", "higher") for v in VARIANTS),
    ],
    run=run,
)
