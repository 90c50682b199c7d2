"""What the semi-supervised GAN experiments share in their reports: per-epoch accuracies,
timings, the figures (samples, curves, confusion matrix, a PCA of D's features) and the
protocol paragraph."""

from __future__ import annotations

from typing import Any

import numpy as np

import retroprop as rp
from retroprop import viz
from retroprop.lab import Figure, RunContext
from retroprop.lab.experiments.ssl_gan._data import Split
from retroprop.lab.experiments.ssl_gan._models import features, predict
from retroprop.lab.experiments.ssl_gan._train import samples
from retroprop.train import State

DOCUMENT = "001 SSL-GAN report"
PAPER = "Salimans et al. 2016, Improved techniques for training GANs"


def log_epochs(config: dict[str, Any], epochs: int) -> list[int]:
    """The epochs whose accuracy is reported: the configured ones that were run, and the last."""
    return sorted({k for k in config["log_epochs"] if 0 < k <= epochs} | {epochs})


def accuracy_metrics(
    history: dict[str, list[float]], epochs: list[int], split: Split
) -> dict[str, Any]:
    """test_accuracy (D's weight average, last epoch), test_errors, the raw D's accuracy, the
    validation accuracy, and accuracy_at_epoch/{k}."""
    acc = history["test_accuracy"]
    out: dict[str, Any] = {
        "test_accuracy": acc[-1],
        "test_errors": int(round((1.0 - acc[-1]) * len(split.y_test))),
        "test_accuracy/raw": history["test_accuracy/raw"][-1],
    }
    if "val_accuracy" in history:
        out["val_accuracy"] = history["val_accuracy"][-1]
    for k in epochs:
        out[f"accuracy_at_epoch/{k}"] = acc[k - 1]
    return out


def timing_metrics(state: State, epochs: int, steps_per_epoch: int) -> dict[str, float]:
    """epoch_s (training steps only, summed over sessions), ms_per_step, and wall_s (training
    and evaluation, summed over sessions)."""
    return {
        "epoch_s": state.seconds / epochs,
        "ms_per_step": 1e3 * state.seconds / (epochs * steps_per_epoch),
        "wall_s": state.seconds + state.eval_seconds,
    }


def save_samples(state: State, ctx: RunContext, epoch: int) -> None:
    """64 of G's digits of the fixed z after ``epoch`` (1-based), tiled 8 x 8 in one image."""
    tiles = samples(state)[:64].reshape(8, 8, 28, 28).transpose(0, 2, 1, 3).reshape(224, 224)
    viz.image_grid(
        tiles[None],
        ctx.figures / f"samples_epoch{epoch:03d}.png",
        ncols=1,
        title=f"epoch {epoch}",
    )


def figures(
    state: State,
    ctx: RunContext,
    split: Split,
    history: dict[str, list[float]],
    image_shape: tuple,
    sample_epochs: list[int],
) -> list[Figure]:
    """Curves, samples, confusion matrix and a PCA of D's features of test images."""
    out = []
    losses = {k: v for k, v in history.items() if k.startswith("loss")}
    viz.learning_curves(losses, ctx.figures / "losses.png", title="losses per epoch")
    accuracy = {k: v for k, v in history.items() if "accuracy" in k}
    viz.learning_curves(accuracy, ctx.figures / "accuracy.png", title="accuracy per epoch")
    out += [
        Figure("figures/losses.png", "D's supervised and unsupervised losses, G's loss"),
        Figure(
            "figures/accuracy.png",
            "test and validation accuracy of D's weight average and of D itself, per epoch",
        ),
    ]
    for k in sample_epochs:
        out.append(Figure(f"figures/samples_epoch{k:03d}.png", f"G's digits after epoch {k}"))
    x_test = split.x_test.reshape(-1, *image_shape)
    pred = predict(state.disc_avg, x_test)
    matrix = np.zeros((10, 10), np.int64)
    np.add.at(matrix, (split.y_test, pred), 1)
    viz.confusion_matrix(matrix, ctx.figures / "confusion.png", title="test confusion matrix")
    out.append(Figure("figures/confusion.png", "test confusion matrix of D's weight average"))
    n = min(2000, len(x_test))
    model = state.disc_avg
    model.eval()
    with rp.no_grad():
        f = features(model)(rp.tensor(x_test[:n])).numpy().reshape(n, -1)
    model.train()
    f = f - f.mean(0)
    _, _, vt = np.linalg.svd(f, full_matrices=False)
    viz.scatter(
        f @ vt[:2].T,
        ctx.figures / "features_pca.png",
        labels=split.y_test[:n],
        title="D's last hidden layer on test images (PCA)",
        axis_labels=["PC 1", "PC 2"],
    )
    out.append(
        Figure("figures/features_pca.png", "D's features of 2,000 test images, coloured by digit")
    )
    return out


def protocol(split: Split, config: dict[str, Any]) -> str:
    return (
        f"**Protocol.** MNIST from `RETROPROP_DATA` (60k train / 10k test). Label draw "
        f"`seed={config['seed']}`: one permutation of the training images decides "
        f"the validation set (the first `n_val`, never trained on) and the labelled set (the "
        f"first `per_class` of each digit among the rest); {split.describe()}. Nothing was "
        f"tuned on the test set: it is only reported (each epoch, for the curves). "
        f"`test_accuracy` is the accuracy of the exponential moving average of D's weights "
        f"(decay `ema_decay`) after the last epoch; `/raw` is D itself."
    )
