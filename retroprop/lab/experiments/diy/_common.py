"""What the DIY experiments share: the report's name, USPS as the report reads it, a
``retroprop.nn`` model trained on the shared loop, and the confusion-matrix figure."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import retroprop as rp
import retroprop.nn as nn
from retroprop import viz
from retroprop.data import DataLoader, TensorDataset
from retroprop.data.datasets import USPS
from retroprop.lab import RunContext
from retroprop.train import State
from retroprop.train.metrics import confusion_matrix

DOC = "003 DIY report"


def usps(n_train: int = 0, n_test: int = 0, rescale: bool = False) -> tuple[np.ndarray, ...]:
    """USPS as float64 rows of 256 pixels (the report's NumPy arrays): X_train, y_train,
    X_test, y_test (7291 / 2007 digits, or the first ``n_train`` / ``n_test`` when > 0).
    Pixels in [-1, 1] as in the files, or [0, 1] with ``rescale``."""
    Xtr, ytr = USPS(train=True, flatten=True, rescale=rescale).arrays
    Xte, yte = USPS(train=False, flatten=True, rescale=rescale).arrays
    Xtr, ytr = Xtr[: n_train or None].astype(np.float64), ytr[: n_train or None]
    Xte, yte = Xte[: n_test or None].astype(np.float64), yte[: n_test or None]
    return Xtr, ytr, Xte, yte


def fit_nn(
    ctx: RunContext,
    name: str,
    model: nn.Module,
    X: np.ndarray,
    y: np.ndarray,
    loss: Callable[[rp.Tensor, rp.Tensor], rp.Tensor],
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    seed: int,
    weight_decay: float = 0.0,
    evaluate: Callable[[State], dict[str, float]] | None = None,
    augment: Callable[[np.ndarray, np.random.Generator], np.ndarray] | None = None,
) -> dict[str, list[float]]:
    """Train ``model`` with AdamW (cosine-annealed learning rate) on the shared loop,
    minibatches of (X, y) shuffled by ``seed``; the loop's per-epoch history. ``augment``
    maps each input batch (an array) to a randomly altered one, with a generator seeded by
    ``seed`` and kept in the loop's state."""
    opt = rp.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    sched = rp.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(epochs, 1))
    data = DataLoader(TensorDataset(X, y), batch_size=batch_size, shuffle=True, seed=seed)
    rng = np.random.default_rng(seed + 1)
    state = State(model=model, opt=opt, sched=sched, data=data, rng=rng)

    def step(s: State, batch: Any) -> dict[str, float]:
        xb, yb = batch
        if augment is not None:
            xb = rp.tensor(augment(xb.numpy(), s.rng))
        s.model.train()
        s.opt.zero_grad()
        value = loss(s.model(xb), yb)
        value.backward()
        s.opt.step()
        return {"loss": value.item()}

    def on_epoch_end(s: State, epoch: int, logs: dict[str, float]) -> None:
        s.sched.step()

    history = ctx.loop(
        state, step, data, epochs=epochs, evaluate=evaluate, on_epoch_end=on_epoch_end, name=name
    )
    return history.history


def shift_digits(X: np.ndarray, rng: np.random.Generator, background: float = -1.0) -> np.ndarray:
    """Each (1, 16, 16) image of X moved by -1, 0 or +1 pixel in each direction (drawn per
    image), the uncovered border filled with ``background``: a data augmentation."""
    n, _, h, w = X.shape
    padded = np.pad(X, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=background)
    rows = rng.integers(0, 3, n)[:, None] + np.arange(h)
    cols = rng.integers(0, 3, n)[:, None] + np.arange(w)
    return padded[np.arange(n)[:, None, None], 0, rows[:, :, None], cols[:, None, :]][:, None]


def predict(model: nn.Module, X: np.ndarray, dtype: Any = rp.float32) -> np.ndarray:
    """The model's outputs on X in eval mode, without a graph, as an array."""
    model.eval()
    with rp.no_grad():
        return model(rp.tensor(X, dtype=dtype)).numpy()


def confusion_figure(y: np.ndarray, pred: np.ndarray, path: Path, title: str) -> Path:
    """The 10-class confusion matrix of labels ``pred`` against ``y`` (rows: true class)."""
    matrix = confusion_matrix(y, pred, num_classes=10)
    return viz.confusion_matrix(matrix, path, title=title)


def usps_cnn() -> nn.Sequential:
    """A small CNN for 16x16 digits (NCHW): two 3x3 convolution blocks (16, 32 channels, ReLU,
    2x2 max-pooling), dropout, a 128-unit hidden layer and 10 logits."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.3), nn.Linear(32 * 4 * 4, 128), nn.ReLU(),
        nn.Linear(128, 10),
    )  # fmt: skip


def accuracy_evaluator(
    X: np.ndarray, y: np.ndarray, key: str = "val_accuracy"
) -> Callable[[State], dict[str, float]]:
    """``evaluate(state)`` for the shared loop: the model's accuracy on (X, y)."""

    def evaluate(state: State) -> dict[str, float]:
        return {key: float((predict(state.model, X).argmax(axis=1) == y).mean())}

    return evaluate
