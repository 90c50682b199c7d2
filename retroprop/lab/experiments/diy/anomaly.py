"""diy.anomaly: the report's section 6.3, ECG5000 heartbeats, normal (class 1) against
abnormal (classes 2-5), by an autoencoder 140-32-16-8-16-32-140 trained on normal beats only;
a beat whose mean absolute reconstruction error reaches a threshold is called abnormal.

The report's network and loss through ``retroprop.diy`` (``MAELoss``, its ``SGD``), then the
same architecture in ``retroprop.nn`` with AdamW. The threshold is chosen on the training
normals only: their mean error plus one standard deviation, as in the TensorFlow tutorial the
report follows (for ``nn``, on training normals held out of its training).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score, roc_curve

import retroprop.nn.functional as F
from retroprop import diy, viz
from retroprop.data.datasets import ECG5000, data_root
from retroprop.lab import Experiment, Figure, Metric, Reference, Results, RunContext
from retroprop.lab.experiments.diy import _plots
from retroprop.lab.experiments.diy._autoencoder import diy_autoencoder, nn_autoencoder
from retroprop.lab.experiments.diy._common import DOC, fit_nn, predict
from retroprop.train.metrics import confusion_matrix

SIZES = (140, 32, 16, 8)


def split(seed: int, train_fraction: float) -> tuple[np.ndarray, ...]:
    """X_train (normal beats only), X_test, y_test (1 = normal, as the report labels them)
    and the split's description. With ECG5000_TEST.txt present: every normal beat of TRAIN,
    tested on TEST. Otherwise the 500 TRAIN beats: a share ``train_fraction`` of the normals,
    drawn by ``seed``, for training; the other normals and every abnormal beat for the test."""
    X, y = ECG5000(binary=True).arrays
    X, normal = X.astype(np.float64), y == 0
    if (data_root() / "ecg5000" / ECG5000.FILES["test"]).is_file():
        Xt, yt = ECG5000(split="test", binary=True).arrays
        what = f"the archive's split: the {normal.sum()} normal TRAIN beats, the TEST file"
        return X[normal], Xt.astype(np.float64), (yt == 0).astype(np.int64), what
    order = np.random.default_rng(seed).permutation(np.flatnonzero(normal))
    n = int(round(train_fraction * len(order)))
    test = np.concatenate([order[n:], np.flatnonzero(~normal)])
    what = (
        f"the 500 TRAIN beats only (the TEST file is not in the data folder): {n} of the "
        f"{len(order)} normal beats, drawn by the seed, for training; the other "
        f"{len(order) - n} normal and all {(~normal).sum()} abnormal beats for the test"
    )
    return X[order[:n]], X[test], normal[test].astype(np.int64), what


def scores(errors: np.ndarray, threshold: float, y: np.ndarray) -> dict[str, float]:
    """Accuracy, precision, recall and F1 of "normal when the error is below the threshold",
    normal being the positive class (as the report); the ROC AUC of -error."""
    pred = errors < threshold
    tp = float((pred & (y == 1)).sum())
    precision, recall = tp / max(pred.sum(), 1), tp / max((y == 1).sum(), 1)
    return {
        "accuracy": float((pred == (y == 1)).mean()),
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / max(precision + recall, 1e-12),
        "roc_auc": float(roc_auc_score(y, -errors)),
    }


def run(config: dict[str, Any], ctx: RunContext) -> Results:
    X, Xt, yt, what = split(ctx.seed, config["train_fraction"])
    lo, hi = X.min(), X.max()  # min-max scaling fitted on the training beats (Sigmoide output)
    X, Xt = (X - lo) / (hi - lo), (Xt - lo) / (hi - lo)
    model = diy_autoencoder(SIZES, init=config["init"])
    losses = diy.SGD(
        model, diy.MAELoss(), X, X, batch_size=config["batch_size"],
        max_iter=config["max_iter"], eps=config["eps"],
    )  # fmt: skip
    # nn: a share of the training normals is held out to set the threshold on errors of
    # beats it did not learn from (training errors are optimistic)
    n_cal = int(round(config["nn_calibration"] * len(X)))
    order = np.random.default_rng(ctx.seed + 1).permutation(len(X))
    fit, calibration = X[order[n_cal:]], X[order[:n_cal]]
    net = nn_autoencoder(SIZES, sigmoid=True)
    h = fit_nn(
        ctx, "nn", net, fit.astype(np.float32), fit.astype(np.float32), F.l1_loss,
        epochs=config["nn_epochs"], batch_size=config["nn_batch_size"], lr=config["nn_lr"],
        seed=ctx.seed,
    )  # fmt: skip
    reconstruct = {
        "diy": (model.forward, X),
        "nn": (lambda A: predict(net, A).astype(np.float64), calibration),
    }
    metrics: dict[str, Any] = {}
    curves, figures = {}, []
    for tag, (forward, normals) in reconstruct.items():
        suffix = "" if tag == "diy" else "/nn"
        train_err = np.abs(forward(normals) - normals).mean(axis=1)
        errors = np.abs(forward(Xt) - Xt).mean(axis=1)
        threshold = float(train_err.mean() + train_err.std())
        for key, value in scores(errors, threshold, yt).items():
            metrics[key + suffix] = value
        metrics["threshold" + suffix] = threshold
        fpr, tpr, _ = roc_curve(yt, -errors)
        curves[tag] = (fpr, tpr, metrics["roc_auc" + suffix])
        name = "the report's network (diy)" if tag == "diy" else "nn, AdamW"
        matrix = confusion_matrix(yt, (errors < threshold).astype(np.int64), num_classes=2)
        viz.confusion_matrix(
            matrix, ctx.figures / f"confusion_{tag}.png", labels=["abnormal", "normal"],
            title=f"{name}: accuracy {metrics['accuracy' + suffix]:.3f}",
        )  # fmt: skip
        _plots.error_histograms(
            {"normal test beats": errors[yt == 1], "abnormal test beats": errors[yt == 0]},
            threshold, ctx.figures / f"errors_{tag}.png", f"{name}: reconstruction errors",
            "mean absolute error of the beat",
        )  # fmt: skip
        figures += [
            Figure(f"figures/confusion_{tag}.png", f"{name}: test confusion matrix"),
            Figure(f"figures/errors_{tag}.png", f"{name}: test errors and the threshold"),
        ]
    _plots.roc_curves(curves, ctx.figures / "roc.png")
    R = model.forward(Xt)
    first = [int(np.flatnonzero(yt == 1)[0]), int(np.flatnonzero(yt == 0)[0])]
    viz.time_series(
        np.stack([Xt[first[0]], R[first[0]], Xt[first[1]], R[first[1]]], axis=1),
        ctx.figures / "beats.png", stacked=False, xlabel="sample",
        labels=["normal beat", "its reconstruction", "abnormal beat", "its reconstruction"],
        title="test beats and the report's network's reconstructions (figures 28-29)",
    )  # fmt: skip
    figures += [
        Figure("figures/roc.png", "ROC curves (normal = positive, score = -error)"),
        Figure("figures/beats.png", "a normal and an abnormal test beat, reconstructed"),
    ]
    notes = (
        f"Split: {what}; {len(X)} training and {len(Xt)} test beats. Beats scaled to [0, 1] "
        "by the training beats' minimum and maximum (the report's decoder ends in a "
        "Sigmoide). The report's network `Sequential(Linear(140, 32), TanH(), Linear(32, 16), "
        "TanH(), Linear(16, 8), TanH())` and its mirror ending in `Sigmoide()`, "
        f'init="{config["init"]}", trained on normal beats only by `SGD(model, MAELoss(), X, '
        f"X, batch_size={config['batch_size']}, max_iter={config['max_iter']}, "
        f"eps={config['eps']})`. The threshold is the training normals' mean error plus one "
        "standard deviation, chosen on them alone; a test beat whose error is below it is "
        "called normal. As in the report, normal is the positive class: precision is the "
        "share of normal beats among those called normal, recall the share of normal beats "
        "called normal. The report (on the tutorial's 4998-beat set, its own split) got "
        "accuracy 0.943, precision 0.994, recall 0.904. `/nn`: the same architecture in "
        f"`retroprop.nn` with AdamW (lr {config['nn_lr']}, cosine schedule, "
        f"{config['nn_epochs']} epochs of batches of {config['nn_batch_size']}), the same "
        f"loss and threshold rule, but trained on {len(fit)} of the training normals and "
        f"thresholded on the errors of the other {n_cal} (held out: errors on the beats it "
        "learnt from are optimistic, and a threshold set on them calls too many normal "
        "test beats abnormal). The seed draws the split, the held-out beats and the "
        "initialisations."
    )
    history = {"loss (diy, summed over a batch)": losses.tolist(), "loss (nn)": h["loss"]}
    return Results(metrics=metrics, figures=figures, notes=notes, history=history)


EXPERIMENT = Experiment(
    name="diy.anomaly",
    description="the DIY report's ECG5000 anomaly detector: an autoencoder trained on normal "
    "beats, thresholded reconstruction error; then nn with AdamW",
    config={
        "train_fraction": 0.6,
        "init": "report",
        "batch_size": 10,
        "max_iter": 200,
        "eps": 0.001,
        "nn_calibration": 0.2,
        "nn_epochs": 300,
        "nn_batch_size": 16,
        "nn_lr": 0.003,
    },  # fmt: skip
    quick={"max_iter": 5, "nn_epochs": 3},
    data={"ecg5000": ["ECG5000_TRAIN.txt"]},
    metrics=[
        Metric(
            "accuracy",
            "higher",
            target=0.96,
            document=Reference(0.943, DOC, "section 6.3, test set"),
        ),
        Metric("precision", "higher", target=0.99, document=Reference(0.994, DOC, "section 6.3")),
        Metric("recall", "higher", document=Reference(0.904, DOC, "section 6.3")),
        Metric("f1", "higher"),
        Metric("roc_auc", "higher"),
        Metric("accuracy/nn", "higher", target=0.96),
        Metric("precision/nn", "higher", target=0.99),
    ],  # fmt: skip
    run=run,
)
