"""course.iris_numpy: the course's pure-NumPy network on iris, beside the same in retroprop.

Slides 004, "Implémentation python (sans tensorflow, pytorch etc)": 0/ load iris, one-hot
the labels; 1/ dense layers x -> W x + b created by ``weights = 0.1*np.random.rand(n_output,
n_input)``, ``biases = np.zeros((n_output, 1))``, sizes 4, 32, 16, 3 with ReLU; 2/ iterate:
sampling, forward pass, backpropagation, SGD step — with the slides' formulas (∂Ỹ = S - P
for softmax + cross-entropy, δỸ = δY · 1_{Ỹ >= 0} for ReLU, δY = Wᵀ δỸ, δW = δỸ Yᵀ,
δb = δỸ for a linear layer).

``NumpyMLP`` is that code, one column per sample. The same network is built with
``nn.Linear`` layers holding the same initial weights and trained with ``rp.optim.SGD`` on
the same samples in the same order; after every step the weights of the two are compared.
The slides suggest the scikit-learn wines next: ``--dataset wine`` (standardised: its raw
features go up to 1680).
"""

from __future__ import annotations

from typing import Any

import numpy as np

import retroprop as rp
import retroprop.nn as nn
import retroprop.nn.functional as F
from retroprop import viz
from retroprop.data import DataLoader, TensorDataset
from retroprop.data.datasets import load_iris, load_wine
from retroprop.lab import Experiment, Figure, Metric, Reference, Results, RunContext
from retroprop.lab.experiments.course._a_plot import panels, save
from retroprop.train import State
from retroprop.train.metrics import confusion_matrix

DOC = "004 course slides, Implémentation python (iris)"


class NumpyMLP:
    """The slides' network in NumPy: ``weights[k]`` (out, in), ``biases[k]`` (out, 1)."""

    def __init__(self, sizes: list[int], rng: np.random.Generator) -> None:
        self.weights = [0.1 * rng.random((n_out, n_in)) for n_in, n_out in zip(sizes, sizes[1:])]
        self.biases = [np.zeros((n_out, 1)) for n_out in sizes[1:]]

    def forward(self, X: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
        """X: (d, B), a column per sample. Returns the layers' inputs Y_k, the
        pre-activations Ỹ_k and the softmax S."""
        Y, pre = [X], []
        for k, (W, b) in enumerate(zip(self.weights, self.biases)):
            Yt = W @ Y[-1] + b
            pre.append(Yt)
            if k < len(self.weights) - 1:
                Y.append(np.maximum(0, Yt))
        E = np.exp(pre[-1] - pre[-1].max(0))
        return Y, pre, E / E.sum(0)

    def step(self, X: np.ndarray, P: np.ndarray, lr: float) -> float:
        """One SGD step on the batch's mean cross-entropy; returns that loss."""
        Y, pre, S = self.forward(X)
        B = X.shape[1]
        loss = -np.sum(P * np.log(S)) / B
        dYt = (S - P) / B  # ∂Ỹ = S - P, for the mean over the batch
        for k in range(len(self.weights) - 1, -1, -1):
            dW = dYt @ Y[k].T  # δW = δỸ Yᵀ
            db = dYt.sum(1, keepdims=True)  # δb = δỸ, summed over the samples
            if k > 0:
                dYt = (self.weights[k].T @ dYt) * (pre[k - 1] >= 0)  # δY = Wᵀ δỸ, ReLU mask
            self.weights[k] -= lr * dW
            self.biases[k] -= lr * db
        return float(loss)


def engine_copy(mlp: NumpyMLP) -> nn.Sequential:
    """The same network as nn.Linear layers (float64), holding the same weights."""
    layers: list[nn.Module] = []
    for W, b in zip(mlp.weights, mlp.biases):
        linear = nn.Linear(W.shape[1], W.shape[0], dtype=rp.float64)
        with rp.no_grad():
            linear.weight.copy_(rp.tensor(W, dtype=rp.float64))
            linear.bias.copy_(rp.tensor(b[:, 0], dtype=rp.float64))
        layers += [linear, nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def load(config: dict[str, Any], seed: int) -> dict[str, np.ndarray]:
    """The data set, split by class (``test_fraction`` of each class held out) by ``seed``."""
    x, y = (load_iris if config["dataset"] == "iris" else load_wine)(return_X_y=True)
    x = x.astype(np.float64)
    rng = np.random.default_rng(seed)
    test = np.concatenate(
        [
            rng.permutation(np.flatnonzero(y == c))[
                : round(config["test_fraction"] * (y == c).sum())
            ]
            for c in np.unique(y)
        ]
    )
    train = np.setdiff1d(np.arange(len(y)), test)
    if config["dataset"] == "wine":  # standardise with the training split's statistics
        x = (x - x[train].mean(0)) / x[train].std(0)
    return {"x": x[train], "y": y[train], "x_test": x[test], "y_test": y[test]}


def weight_gap(mlp: NumpyMLP, net: nn.Sequential) -> float:
    """The largest |NumPy weight - engine weight| over every weight and bias."""
    linears = [m for m in net if isinstance(m, nn.Linear)]
    return max(
        max(
            float(np.abs(W - lin.weight.detach().numpy()).max()),
            float(np.abs(b[:, 0] - lin.bias.detach().numpy()).max()),
        )
        for W, b, lin in zip(mlp.weights, mlp.biases, linears)
    )


def run(config: dict[str, Any], ctx: RunContext) -> Results:
    """Both networks in lock-step on the shared loop; the NumPy weights live in the State."""
    data = load(config, ctx.seed)
    classes = int(data["y"].max()) + 1
    sizes = [data["x"].shape[1], *config["hidden"], classes]
    mlp = NumpyMLP(sizes, np.random.default_rng(ctx.seed))
    net = engine_copy(mlp)
    arrays = {f"np_W{k}": W for k, W in enumerate(mlp.weights)}
    arrays.update({f"np_b{k}": b for k, b in enumerate(mlp.biases)})
    state = State(
        net=net,
        opt=rp.optim.SGD(net.parameters(), lr=config["lr"]),
        data=DataLoader(
            TensorDataset(rp.tensor(data["x"], dtype=rp.float64), rp.tensor(data["y"])),
            batch_size=config["batch_size"],
            shuffle=True,
            seed=ctx.seed,
        ),
        worst=0.0,  # the largest weight gap seen after any step
        **arrays,  # the NumPy network's weights: saved and restored in place with the State
    )

    def step(s: State, batch: list[rp.Tensor]) -> dict[str, float]:
        xb, yb = batch
        P = np.eye(classes)[yb.numpy()].T
        loss_np = mlp.step(xb.numpy().T, P, config["lr"])
        s.opt.zero_grad()
        loss = F.cross_entropy(s.net(xb), yb)
        loss.backward()
        s.opt.step()
        s.worst = max(s.worst, weight_gap(mlp, s.net))
        return {"loss numpy": loss_np, "loss retroprop": loss.item()}

    def evaluate(s: State) -> dict[str, float]:
        with rp.no_grad():
            logits = s.net(rp.tensor(data["x_test"], dtype=rp.float64)).numpy()
        numpy_pred = mlp.forward(data["x_test"].T)[2].argmax(0)
        return {
            "test_accuracy": float((logits.argmax(1) == data["y_test"]).mean()),
            "test_accuracy numpy": float((numpy_pred == data["y_test"]).mean()),
            "max_weight_diff": s.worst,
        }

    history = ctx.loop(state, step, state.data, epochs=config["epochs"], evaluate=evaluate)
    with rp.no_grad():
        train_pred = net(rp.tensor(data["x"], dtype=rp.float64)).numpy().argmax(1)
        test_pred = net(rp.tensor(data["x_test"], dtype=rp.float64)).numpy().argmax(1)

    fig, axes = panels(2, 1, 5.0, 3.6)
    axes[0].plot(history["loss numpy"], lw=4, alpha=0.4, label="NumPy (slides)")
    axes[0].plot(history["loss retroprop"], "k--", lw=1, label="retroprop")
    axes[0].set(xlabel="epoch", ylabel="mean cross-entropy", title="training loss", yscale="log")
    axes[0].legend(fontsize=8)
    axes[1].semilogy(np.maximum(history["max_weight_diff"], 1e-18))
    axes[1].set(xlabel="epoch", title="largest |W_numpy - W_retroprop| so far (floor 1e-18)")
    save(fig, ctx.figures / "training.png", f"{config['dataset']}, network {sizes}")
    viz.confusion_matrix(
        confusion_matrix(data["y_test"], test_pred, num_classes=classes),
        ctx.figures / "confusion.png",
        title=f"test set ({len(test_pred)} samples)",
    )
    metrics = {
        "max_weight_diff": history["max_weight_diff"][-1],
        "test_accuracy": float((test_pred == data["y_test"]).mean()),
        "test_accuracy numpy": history["test_accuracy numpy"][-1],
        "train_accuracy": float((train_pred == data["y"]).mean()),
        "final loss numpy": history["loss numpy"][-1],
        "final loss retroprop": history["loss retroprop"][-1],
        "steps": config["epochs"] * len(state.data),
        "train / test samples": f"{len(data['y'])} / {len(data['y_test'])}",
    }
    notes = (
        f"{config['dataset']} ({metrics['train / test samples']} samples, "
        f"{round(100 * config['test_fraction'])}% of each class held out by the seed), "
        f"network {sizes} with ReLU, the slides' "
        f"initialisation (0.1 U[0, 1) weights, zero biases), SGD with learning rate "
        f"{config['lr']} on batches of {config['batch_size']}, {config['epochs']} epochs "
        f"({metrics['steps']} steps). After every step the NumPy weights and retroprop's "
        f"agree to {metrics['max_weight_diff']:.1e}: the engine computes exactly the slides' "
        "formulas, in another order of floating-point operations.\n\n"
        "**What to look at.** The two loss curves lie on each other; the gap stays at "
        "rounding level instead of growing (SGD does not amplify rounding noise here). The "
        "confusion matrix shows where the errors are: setosa is separable, versicolor and "
        "virginica overlap.\n\n"
        "**Two details of the slides' code.** The weights start all positive (0.1 rand, not "
        "centred): on positive measurements every unit starts active, which is why this "
        "network trains at all from such an init; centred random weights are the usual "
        "choice. The ReLU mask 1_{Ỹ >= 0} and the engine's 1_{Ỹ > 0} differ only on exact "
        "zeros, which never occur here.\n\n"
        "**What to change next.** `--dataset wine` (the slides' suggestion); `--batch_size "
        "16`; `--hidden 8` ; `--lr 0.1` (watch the loss jump)."
    )
    return Results(
        metrics=metrics,
        figures=[
            Figure("figures/training.png", "both losses and the weight gap along training"),
            Figure("figures/confusion.png", "confusion matrix of the test set"),
        ],
        notes=notes,
        history=history.history,
        state_dict=net.state_dict(),
    )


EXPERIMENT = Experiment(
    name="course.iris_numpy",
    description="the course's pure-NumPy 4-32-16-3 ReLU network on iris beside the same "
    "network in retroprop: same weights, same updates",
    config={
        "dataset": "iris",
        "hidden": [32, 16],
        "lr": 0.01,
        "batch_size": 1,
        "epochs": 100,
        "test_fraction": 0.2,
    },
    quick={"epochs": 3},
    metrics=[
        Metric(
            "max_weight_diff",
            "lower",
            target=1e-10,
            document=Reference(None, DOC, "the code, no numbers"),
        ),
        Metric("test_accuracy", "higher", document=Reference(None, DOC, "no result given")),
    ],
    run=run,
)
