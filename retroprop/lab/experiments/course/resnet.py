"""course.resnet: a deep plain network against the same network with skip connections.

Slides 004: "ResNet ('residual network' 2015): pour mieux calculer le gradient, AVEC des
couches qui sautent, améliore l'apprentissage", and on the MNIST example "A faire: tester
avec une couche qui saute un niveau (cf. Resnet)". Two networks on MNIST with the same
layers and the same initial weights: an input layer 784 -> width, ``depth`` hidden layers
f_k(h) = W_k sigma(h) + b_k, and a head 10 <- sigma(h). The plain network chains them,
h <- f_k(h); the residual one adds a skip around each, h <- h + f_k(h) (the pre-activation
block of He et al. 2016, "Identity mappings in deep residual networks").
"""

from __future__ import annotations

from typing import Any

import numpy as np

import retroprop as rp
import retroprop.nn.functional as F
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

ACTIVATIONS = {"sigmoid": F.sigmoid, "tanh": F.tanh, "relu": F.relu}


class DeepNet(nn.Module):
    """784 -> width, ``depth`` layers width -> width with or without skips, -> 10."""

    def __init__(self, depth: int, width: int, residual: bool, activation: str) -> None:
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"DeepNet: activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}"
            )
        self.inp = nn.Linear(784, width)
        self.layers = nn.ModuleList(nn.Linear(width, width) for _ in range(depth))
        self.head = nn.Linear(width, 10)
        self.residual = residual
        self.act = ACTIVATIONS[activation]

    def forward(self, x: rp.Tensor) -> rp.Tensor:
        h = self.inp(x)
        for layer in self.layers:
            h = h + layer(self.act(h)) if self.residual else layer(self.act(h))
        return self.head(self.act(h))


def layer_gradients(model: DeepNet, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """||dL/dW_k|| (Frobenius) of each hidden layer k for the mean cross-entropy on (x, y)."""
    model.train()
    model.zero_grad()
    F.cross_entropy(model(rp.tensor(x)), rp.tensor(y)).backward()
    norms = np.array([float(np.linalg.norm(layer.weight.grad.numpy())) for layer in model.layers])
    model.zero_grad()
    return norms


def run(config: dict[str, Any], ctx: RunContext) -> Results:
    """Gradient norms at initialisation, then the two networks trained the same way."""
    x, y, x_test, y_test = mnist(config["n_train"], config["n_test"], config["seed"], flatten=True)
    probe = slice(0, 512)
    rp.manual_seed(config["seed"])
    depth, width, act = config["depth"], config["width"], config["activation"]
    initial = DeepNet(depth, width, False, act).state_dict()
    metrics: dict[str, Any] = {}
    grads, losses, history = {}, {}, {}
    for kind in ("plain", "resnet"):
        model = DeepNet(depth, width, kind == "resnet", act)
        model.load_state_dict(initial)
        g0 = layer_gradients(model, x[probe], y[probe])
        s = State(
            model=model,
            opt=rp.optim.SGD(model.parameters(), lr=config["lr"], momentum=0.9),
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
            evaluate=lambda s: {"test_accuracy": accuracy(s.model, x_test, y_test)},
            name=kind,
        )
        g1 = layer_gradients(model, x[probe], y[probe])
        grads[f"{kind}, at initialisation"] = g0
        grads[f"{kind}, after training"] = g1
        metrics[f"grad_ratio/{kind}"] = float(g0[0] / g0[-1])
        metrics[f"grad_ratio_trained/{kind}"] = float(g1[0] / g1[-1])
        metrics[f"test_accuracy/{kind}"] = h["test_accuracy"][-1]
        metrics[f"final_loss/{kind}"] = float(np.mean(s.losses[-50:]))
        losses[kind] = smooth(s.losses, 20)
        history.update({f"{k}/{kind}": v for k, v in h.history.items()})

    layers = {k: np.arange(1, depth + 1) for k in grads}
    curves(
        {k: np.maximum(v, 1e-300) for k, v in grads.items()},
        ctx.figures / "gradient_norms.png",
        title=f"||dL/dW_k|| of the {depth} hidden layers ({act}, width {width})",
        xlabel="hidden layer k (1 = next to the input)",
        ylabel="gradient norm",
        logy=True,
        x=layers,
    )
    curves(
        losses,
        ctx.figures / "losses.png",
        title=f"training loss, {depth} hidden layers, plain vs residual",
        xlabel="update",
        ylabel="cross-entropy (running mean of 20 batches)",
        logy=True,
    )
    notes = (
        f"Both networks have the same {depth + 2} layers (width {width}, {act}) and start "
        f"from the same weights; SGD with momentum 0.9, learning rate {config['lr']}, "
        f"{config['epochs']} epochs of {len(x)} training images in batches of "
        f"{config['batch_size']}, tested on {len(x_test)} test images. grad_ratio is "
        "||dL/dW|| of the first hidden layer over that of the last one, at initialisation "
        "on 512 training images.\n\n"
        "What to look at: gradient_norms.png. In the plain network the gradient is "
        f"multiplied, layer after layer on its way back, by W_k^T and by sigma' (at most "
        f"1/4 for the sigmoid): it shrinks geometrically, by {metrics['grad_ratio/plain']:.1e} "
        "from the last hidden layer to the first — the vanishing gradient. The first layers "
        "then barely move and the network learns slowly or not at all. With skips, "
        "dh_{k}/dh_{k-1} = I + df_k/dh: the identity carries the gradient back unchanged, "
        f"and the ratio is {metrics['grad_ratio/resnet']:.2f}.\n\n"
        "What to change next: `--activation relu` or `--activation tanh` (the vanishing is "
        "milder, but the plain network's signal still shrinks at PyTorch's default "
        "initialisation); `--depth 5` (the plain network trains too); `--depth 50`. Full "
        "run: about 1 to 2 minutes."
    )
    return Results(
        metrics=metrics,
        figures=[
            Figure("figures/gradient_norms.png", "gradient norm per hidden layer, log scale"),
            Figure("figures/losses.png", "training loss of the two networks"),
        ],
        notes=notes,
        history=history,
    )


EXPERIMENT = Experiment(
    name="course.resnet",
    description="a deep plain network vs the same depth with skip connections: the vanishing "
    "gradient",
    config={
        "depth": 20,
        "width": 64,
        "activation": "sigmoid",
        "n_train": 20000,
        "n_test": 0,
        "epochs": 5,
        "batch_size": 64,
        "lr": 0.05,
    },
    quick={"n_train": 512, "n_test": 200, "epochs": 1, "depth": 10},
    data=("mnist",),
    metrics=[
        Metric(
            "test_accuracy/resnet",
            "higher",
            target=0.95,
            document=Reference(None, SLIDES, "ResNet slide: 'améliore l'apprentissage', no number"),
        ),
        Metric("test_accuracy/plain", "higher"),
        Metric("grad_ratio/plain", None),
        Metric("grad_ratio/resnet", None),
    ],
    run=run,
)
