"""MNIST for the semi-supervised protocol of issue 12: the labelled images drawn by the seed,
the rest of the training split without labels, an optional validation set, the test set."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from retroprop.data.datasets import MNIST


@dataclass
class Split:
    """The arrays of one label draw (images flat, float32 in [0, 1]; labels int64)."""

    x_lab: np.ndarray
    y_lab: np.ndarray
    x_unl: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    def describe(self) -> str:
        return (
            f"{len(self.x_lab)} labelled images ({len(self.x_lab) // 10} per class), "
            f"{len(self.x_unl)} unlabelled (the labelled ones included), "
            f"{len(self.x_val)} validation, {len(self.x_test)} test"
        )


@cache
def _mnist(train: bool) -> tuple[np.ndarray, np.ndarray]:
    """A split's images (flat, read-only: every draw indexes them) and labels, read once."""
    x, y = MNIST(train=train, flatten=True).arrays
    x.flags.writeable = y.flags.writeable = False
    return x, y


def load(
    seed: int, per_class: int = 10, n_val: int = 1000, n_train: int = 0, n_test: int = 0
) -> Split:
    """The split of label draw ``seed``.

    One permutation of the 60,000 training images, drawn by ``seed``, decides everything: its
    first ``n_val`` images are the validation set (kept out of training altogether), and among
    the others the first ``per_class`` of each digit are the labelled set; all the others,
    labelled ones included, form the unlabelled set (as in the paper's code). ``n_train`` and
    ``n_test`` (0: all) cut the training pool and the test set for quick runs.
    """
    (x, y), (x_test, y_test) = _mnist(True), _mnist(False)
    order = np.random.default_rng(seed).permutation(len(x))
    val, pool = order[:n_val], order[n_val:]
    if n_train:
        pool = pool[:n_train]
    labelled = np.concatenate([pool[y[pool] == k][:per_class] for k in range(10)])
    if n_test:
        x_test, y_test = x_test[:n_test], y_test[:n_test]
    return Split(x[labelled], y[labelled], x[pool], x[val], y[val], x_test, y_test)


def random_shift(x: np.ndarray, rng: np.random.Generator, max_shift: int) -> np.ndarray:
    """Each image moved by its own random whole-pixel offset in [-max_shift, max_shift] along
    each axis, the uncovered border filled with 0 (background); same shape as ``x``."""
    if max_shift == 0:
        return x
    images = x.reshape(-1, 28, 28)
    p = max_shift
    windows = sliding_window_view(np.pad(images, ((0, 0), (p, p), (p, p))), (28, 28), (1, 2))
    dy, dx = rng.integers(0, 2 * p + 1, (2, len(images)))
    return windows[np.arange(len(images)), dy, dx].reshape(x.shape)
