"""diy.multiclass: the report's section 5, USPS digits with Linear(256, 128) TanH
Linear(128, 64) TanH Linear(64, 10) SoftMax and a cross-entropy, in the report's own code.

``net = Sequential(Linear(input, 128), TanH(), Linear(128, 64), TanH(), Linear(64, output),
SoftMax())``, ``loss = CrossEntropyLoss()`` and ``SGD(net, loss, X, Y, batch_size=100,
max_iter=200)`` on float64 arrays, as the report writes them, with the report's second
initialisation (``init="uniform"``) and eps chosen on a validation split. Then better choices
through ``retroprop.nn``: the same architecture with PyTorch's initialisation, logits and
AdamW; and a small CNN (``test_accuracy_best``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

import retroprop.nn as nn
import retroprop.nn.functional as F
from retroprop import viz
from retroprop.diy import SGD, CrossEntropyLoss, Linear, Sequential, SoftMax, TanH
from retroprop.lab import Experiment, Figure, Metric, Reference, Results, RunContext
from retroprop.lab.experiments.diy._common import (
    DOC,
    confusion_figure,
    fit_nn,
    predict,
    usps,
    usps_cnn,
)


def run(config: dict[str, Any], ctx: RunContext) -> Results:
    X, y, Xt, yt = usps(config["n_train"], config["n_test"])
    input, output = X.shape[1], 10
    # the report's code, as it writes it
    init = config["init"]
    net = Sequential(
        Linear(input, 128, init=init), TanH(), Linear(128, 64, init=init), TanH(),
        Linear(64, output, init=init), SoftMax(),
    )  # fmt: skip
    loss = CrossEntropyLoss()
    losses = SGD(
        net, loss, X, y, batch_size=config["batch_size"], max_iter=config["max_iter"],
        eps=config["eps"],
    )  # fmt: skip
    pred = net.forward(Xt).argmax(axis=1)
    metrics: dict[str, Any] = {"test_accuracy": float((pred == yt).mean())}
    confusion_figure(
        yt, pred, ctx.figures / "confusion_diy.png",
        f"the report's network: test accuracy {metrics['test_accuracy']:.3f}",
    )  # fmt: skip

    mlp = nn.Sequential(
        nn.Linear(input, 128), nn.Tanh(), nn.Linear(128, 64), nn.Tanh(), nn.Linear(64, output)
    )
    h_mlp = fit_nn(
        ctx, "mlp", mlp, X.astype(np.float32), y, F.cross_entropy, epochs=config["nn_epochs"],
        batch_size=config["nn_batch_size"], lr=config["nn_lr"], seed=ctx.seed,
        weight_decay=config["weight_decay"],
    )  # fmt: skip
    metrics["test_accuracy/nn_same_architecture"] = float(
        (predict(mlp, Xt).argmax(axis=1) == yt).mean()
    )
    images, images_test = X.reshape(-1, 1, 16, 16), Xt.reshape(-1, 1, 16, 16)
    cnn = usps_cnn()
    h_cnn = fit_nn(
        ctx, "cnn", cnn, images.astype(np.float32), y, F.cross_entropy,
        epochs=config["cnn_epochs"], batch_size=config["nn_batch_size"], lr=config["nn_lr"],
        seed=ctx.seed, weight_decay=config["weight_decay"],
    )  # fmt: skip
    pred_cnn = predict(cnn, images_test).argmax(axis=1)
    metrics["test_accuracy_best"] = float((pred_cnn == yt).mean())
    confusion_figure(
        yt, pred_cnn, ctx.figures / "confusion_cnn.png",
        f"nn CNN: test accuracy {metrics['test_accuracy_best']:.3f}",
    )  # fmt: skip
    history = {
        "loss (diy, summed over a batch of 100)": losses.tolist(),
        "loss (nn MLP)": h_mlp["loss"],
        "loss (nn CNN)": h_cnn["loss"],
    }
    viz.learning_curves(
        {"loss (diy), per sample": (losses / config["batch_size"]).tolist(),
         "loss (nn MLP)": h_mlp["loss"], "loss (nn CNN)": h_cnn["loss"]},
        ctx.figures / "loss.png", title="training cross-entropy per sample", logy=True,
    )  # fmt: skip
    notes = (
        f"USPS: the 7291 training digits, tested on the 2007 test digits (pixels in [-1, 1] "
        "as in the files; float64 for the DIY code). The report's network and protocol "
        "(section 5), its code unchanged: `Sequential(Linear(input, 128), TanH(), "
        "Linear(128, 64), TanH(), Linear(64, output), SoftMax())`, `loss = "
        f"CrossEntropyLoss()`, `SGD(net, loss, X, Y, batch_size={config['batch_size']}, "
        f"max_iter={config['max_iter']}, eps={config['eps']})`, every Linear with "
        f'init="{init}" (the gradient is that of the loss summed over the batch). The '
        "report gives no eps and found the result sensitive to the initialisation (0.82). "
        "The initialisation and eps were chosen on a validation split, the last 1000 "
        "training digits, after training on the other 6291 (seed 0, 200 iterations): the "
        "report's U(-1, 1) with eps 0.01 reached 0.945 there (and 0.906 on the test set "
        'in the previous full run); init="uniform" (U(+-1/sqrt(input)), the report\'s other '
        "initialisation) 0.977 with eps 0.003, 0.967 with 0.01, and diverged with 0.03. "
        "Before the clamped log of `CE`, the U(-1, 1) network's history went to nan.\n\n"
        "Better choices through `retroprop.nn`: `test_accuracy/nn_same_architecture` is the "
        "same 256-128-64-10 TanH network with PyTorch's initialisation, a cross-entropy on "
        f"logits and AdamW (lr {config['nn_lr']}, weight decay {config['weight_decay']}, "
        f"cosine schedule, {config['nn_epochs']} epochs of batches of "
        f"{config['nn_batch_size']}); `test_accuracy_best` a small CNN (two 3x3 convolution "
        f"blocks of 16 and 32 channels, dropout 0.3, {config['cnn_epochs']} epochs). The seed "
        "decides the initialisations and the batch order; no setting was chosen on the test "
        "set."
    )
    return Results(
        metrics=metrics,
        figures=[
            Figure("figures/confusion_diy.png", "the report's network: test confusion matrix"),
            Figure("figures/confusion_cnn.png", "the nn CNN: test confusion matrix"),
            Figure("figures/loss.png", "training losses"),
        ],
        notes=notes,
        history=history,
        state_dict={"cnn": cnn.state_dict()},
    )


EXPERIMENT = Experiment(
    name="diy.multiclass",
    description="the DIY report's USPS network (SoftMax + CrossEntropyLoss) in its own code, "
    "then nn's MLP and CNN",
    config={
        "n_train": 0,
        "n_test": 0,
        "batch_size": 100,
        "max_iter": 200,
        "init": "uniform",
        "eps": 0.003,
        "nn_epochs": 30,
        "cnn_epochs": 12,
        "nn_batch_size": 64,
        "nn_lr": 0.002,
        "weight_decay": 0.0001,
    },  # fmt: skip
    quick={"n_train": 500, "n_test": 200, "max_iter": 3, "nn_epochs": 1, "cnn_epochs": 1},
    data=("usps",),
    metrics=[
        Metric(
            "test_accuracy",
            "higher",
            target=0.93,
            document=Reference(0.82, DOC, "section 5, USPS, maxIter=200, batch_size=100"),
        ),
        Metric(
            "test_accuracy_best",
            "higher",
            target=0.95,
            anchor=Reference(0.975, "Simard et al. 1993", "tangent distance, 2.5 % test error"),
        ),
        Metric("test_accuracy/nn_same_architecture", "higher"),
    ],  # fmt: skip
    run=run,
)
