"""course.fgsm: adversarial examples by the fast gradient sign method on MNIST.

Slides 004, "Suite": "Ex: adversarial examples" (the TensorFlow tutorial on FGSM). Goodfellow,
Shlens & Szegedy (2015) move each pixel of an image x by ε in the direction that increases
the classifier's loss the fastest under a max-norm budget:

    x_adv = clip(x + ε sign(∇_x L(f(x), y)), 0, 1)

The gradient with respect to the *input* comes from ``rp.autograd.grad(loss, [x])``; the
weights are left alone. We train a classifier on the shared loop, then measure its test
accuracy on x_adv as ε grows, beside the same budget spent on random signs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import retroprop as rp
import retroprop.nn as nn
import retroprop.nn.functional as F
from retroprop import viz
from retroprop.data import DataLoader, TensorDataset
from retroprop.data.datasets import MNIST
from retroprop.lab import Experiment, Figure, Metric, Reference, Results, RunContext
from retroprop.lab.experiments.course._a_plot import panels, save
from retroprop.train import State

DOC = "004 course slides, Suite: adversarial examples (TensorFlow's FGSM tutorial)"
PAPER = "Goodfellow, Shlens & Szegedy 2015"


def classifier(kind: str) -> nn.Sequential:
    """An MLP (784-256-10) or a small CNN, both on (N, 1, 28, 28) images in [0, 1]."""
    if kind == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    return nn.Sequential(
        nn.Conv2d(1, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 4 * 4, 10),
    )  # fmt: skip


def fgsm(net: nn.Module, x: np.ndarray, y: np.ndarray, eps: float) -> np.ndarray:
    """clip(x + eps sign(dL/dx), 0, 1), L the summed cross-entropy of the batch."""
    t = rp.tensor(x, requires_grad=True)
    loss = F.cross_entropy(net(t), rp.tensor(y), reduction="sum")
    (g,) = rp.autograd.grad(loss, [t])
    return np.clip(x + eps * np.sign(g.numpy()), 0, 1).astype(x.dtype)


def accuracy(net: nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    with rp.no_grad():
        return float((net(rp.tensor(x)).numpy().argmax(1) == y).mean())


def predict(net: nn.Module, x: np.ndarray) -> np.ndarray:
    with rp.no_grad():
        return net(rp.tensor(x)).numpy().argmax(1)


def run(config: dict[str, Any], ctx: RunContext) -> Results:
    """Train (ctx.loop), then attack the test set batch by batch at every ε."""
    x, y = MNIST(train=True).arrays
    x_test, y_test = MNIST(train=False).arrays
    if config["n_train"]:
        x, y = x[: config["n_train"]], y[: config["n_train"]]
    if config["n_test"]:
        x_test, y_test = x_test[: config["n_test"]], y_test[: config["n_test"]]
    net = classifier(config["model"])
    state = State(
        net=net,
        opt=rp.optim.Adam(net.parameters(), lr=config["lr"]),
        data=DataLoader(
            TensorDataset(x, y), batch_size=config["batch_size"], shuffle=True, seed=ctx.seed
        ),
    )

    def step(s: State, batch: list[rp.Tensor]) -> dict[str, float]:
        s.opt.zero_grad()
        loss = F.cross_entropy(s.net(batch[0]), batch[1])
        loss.backward()
        s.opt.step()
        return {"loss": loss.item()}

    history = ctx.loop(
        state, step, state.data, epochs=config["epochs"],
        evaluate=lambda s: {"test_accuracy": accuracy(s.net, x_test, y_test)},
    )  # fmt: skip
    net.eval()
    rng = np.random.default_rng(ctx.seed + 1)
    chunks = range(0, len(x_test), 1000)
    metrics: dict[str, Any] = {"clean test accuracy": accuracy(net, x_test, y_test)}
    attacked: dict[float, np.ndarray] = {}
    fgsm_acc, random_acc = [], []
    for eps in config["eps"]:
        adv = np.concatenate(
            [fgsm(net, x_test[i : i + 1000], y_test[i : i + 1000], eps) for i in chunks]
        )
        noise = np.clip(x_test + eps * rng.choice([-1.0, 1.0], x_test.shape), 0, 1).astype(
            x_test.dtype
        )
        attacked[eps] = adv
        fgsm_acc.append(accuracy(net, adv, y_test))
        random_acc.append(accuracy(net, noise, y_test))
        metrics[f"accuracy/eps={eps:g}"] = fgsm_acc[-1]
        metrics[f"accuracy_random_sign/eps={eps:g}"] = random_acc[-1]

    fig, axes = panels(1, 1, 5.5, 4.0)
    axes[0].plot(config["eps"], fgsm_acc, "o-", label="FGSM: ε sign(∇_x L)")
    axes[0].plot(config["eps"], random_acc, "s--", label="random signs, same ε")
    axes[0].set(
        xlabel="ε (max change of a pixel, pixels in [0, 1])", ylabel="test accuracy", ylim=(0, 1.02)
    )
    axes[0].legend(fontsize=8)
    save(fig, ctx.figures / "accuracy_vs_eps.png", f"{config['model']} on MNIST under attack")

    show = [e for e in config["eps"] if e > 0][:: max(1, len(config["eps"]) // 3)][:3]
    picks = np.arange(8)
    images, titles = [x_test[picks, 0]], [f"{d} (label)" for d in y_test[picks]]
    for eps in show:
        pred = predict(net, attacked[eps][picks])
        images.append(attacked[eps][picks, 0])
        titles += [f"ε={eps:g}: {p}" for p in pred]
    viz.image_grid(
        np.concatenate(images),
        ctx.figures / "examples.png",
        ncols=8,
        titles=titles,
        title="clean test images, then FGSM images with the predicted digit",
    )

    e_half = next((e for e, a in zip(config["eps"], fgsm_acc) if a < 0.5), None)
    notes = (
        f"A {config['model']} trained {config['epochs']} epochs with Adam (lr {config['lr']}) "
        f"on {len(x)} MNIST images reaches {metrics['clean test accuracy']:.4f} on "
        f"{len(x_test)} test images. FGSM moves every pixel by ε, a change the eye barely "
        "notices at small ε (see `examples.png`), in the direction of sign(∇_x L) computed "
        "by `rp.autograd.grad(loss, [x])`: the accuracy falls below one half from ε = "
        f"{e_half if e_half is not None else 'never (in this range)'}; random signs of the "
        "same size hardly change it.\n\n"
        "**What to look at.** The two curves: the damage is not the noise's size but its "
        "direction. A ReLU network is close to linear in its input, so a change ε sign(w) "
        "moves a logit by ε ||w||_1, which adds up over 784 pixels (Goodfellow et al.'s "
        "linearity explanation): that is why tiny, aligned perturbations fool it.\n\n"
        "**What to change next.** `--model cnn`; train on adversarial examples (add "
        "`fgsm(net, x, y, eps)` batches to the step: adversarial training); attack with "
        "several small steps instead of one (the iterative method, PGD) and watch the "
        "accuracy fall faster."
    )
    return Results(
        metrics=metrics,
        figures=[
            Figure("figures/accuracy_vs_eps.png", "test accuracy against ε, FGSM vs random signs"),
            Figure("figures/examples.png", "test images and their FGSM versions, with predictions"),
        ],
        notes=notes,
        history=history.history,
        state_dict=net.state_dict(),
    )


EXPERIMENT = Experiment(
    name="course.fgsm",
    description="adversarial examples by the fast gradient sign method (rp.autograd.grad) on "
    "an MNIST classifier: accuracy as ε grows",
    config={
        "model": "mlp",
        "epochs": 5,
        "lr": 1e-3,
        "batch_size": 128,
        "n_train": 0,
        "n_test": 0,
        "eps": [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3],
    },
    quick={"epochs": 2, "n_train": 2000, "n_test": 500, "lr": 3e-3},
    data=("mnist",),
    metrics=[
        Metric(
            "accuracy/eps=0", "higher", target=0.97, document=Reference(None, DOC, "no numbers")
        ),
        Metric("accuracy/eps=0.1", None, document=Reference(None, DOC, "no numbers")),
        Metric(
            "accuracy/eps=0.25",
            None,
            document=Reference(None, DOC, "no numbers"),
            anchor=Reference(0.106, PAPER, "maxout network on MNIST, ε = 0.25: 89.4% error"),
        ),
    ],
    run=run,
)
