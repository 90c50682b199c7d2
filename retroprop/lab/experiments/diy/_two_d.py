"""The 2-D problems of the report's sections 3 and 4 (gen_arti's blobs, XOR, checkerboard):
train/test draws, the accuracy of a DIY or ``nn`` network, the Bayes accuracy, and the
decision-boundary figure."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np

import retroprop.nn as nn
import retroprop.nn.functional as F
from retroprop import diy, viz
from retroprop.data.datasets import make_blobs2, make_checkerboard, make_xor
from retroprop.lab import RunContext
from retroprop.lab.experiments.diy._common import fit_nn, predict

MAKERS = {"separable": make_blobs2, "xor": make_xor, "checkerboard": make_checkerboard}


def draw(kind: str, n: int, sigma: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points of ``kind`` (labels 0/1) from the generator seeded with ``seed``; sigma is
    the clouds' standard deviation (not used by the checkerboard)."""
    kwargs = {} if kind == "checkerboard" else {"sigma": sigma}
    X, y = MAKERS[kind](n, seed=seed, return_X_y=True, **kwargs)
    return X.astype(np.float64), y


def split(kind: str, n_train: int, n_test: int, sigma: float, seed: int) -> tuple[np.ndarray, ...]:
    """A training and a test draw, both decided by ``seed``."""
    return (*draw(kind, n_train, sigma, 2 * seed), *draw(kind, n_test, sigma, 2 * seed + 1))


def bayes_accuracy(kind: str, sigma: float) -> float:
    """The best accuracy any classifier can reach on clouds of standard deviation sigma at
    (+-1, +-1): Phi(sqrt(2)/sigma) for the two blobs; (1 - q)^2 + q^2 with q = Phi(-1/sigma)
    for XOR, whose Bayes rule is sign(x1 x2)."""
    phi = lambda z: 0.5 * math.erfc(-z / math.sqrt(2))  # noqa: E731
    if kind == "separable":
        return phi(math.sqrt(2) / sigma)
    q = phi(-1 / sigma)
    return (1 - q) ** 2 + q**2


def diy_accuracy(net: diy.Module, X: np.ndarray, y: np.ndarray, threshold: float = 0.5) -> float:
    """The share of points on their label's side of ``threshold`` (0.5 after a Sigmoide, 0
    after a TanH with -1/+1 targets)."""
    return float(((net.forward(X)[:, 0] > threshold) == (y == 1)).mean())


def fit_mlp(
    ctx: RunContext, name: str, X: np.ndarray, y: np.ndarray, hidden: list[int], config: dict
) -> tuple[nn.Sequential, dict[str, list[float]]]:
    """An ``nn`` ReLU MLP (X's features)-hidden-1 on logits, BCE-with-logits, AdamW on the
    shared loop."""
    sizes = [X.shape[1], *hidden]
    layers: list[nn.Module] = []
    for a, b in zip(sizes, sizes[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    model = nn.Sequential(*layers, nn.Linear(sizes[-1], 1))
    history = fit_nn(
        ctx, name, model, X.astype(np.float32), y[:, None].astype(np.float32),
        F.binary_cross_entropy_with_logits, epochs=config["nn_epochs"],
        batch_size=config["nn_batch_size"], lr=config["nn_lr"], seed=ctx.seed,
        weight_decay=config.get("nn_weight_decay", 0.0),
    )  # fmt: skip
    return model, history


def nn_accuracy(model: nn.Module, X: np.ndarray, y: np.ndarray) -> float:
    return float(((predict(model, X)[:, 0] > 0) == (y == 1)).mean())


def boundary(
    score: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    path: Path,
    title: str,
    threshold: float = 0.5,
) -> Path:
    """The regions the network gives each class, with the test points on top."""
    return viz.decision_boundary(score, X, y, path, threshold=threshold, title=title)


def fourier_features(X: np.ndarray, B: np.ndarray) -> np.ndarray:
    """[sin(2 pi X B), cos(2 pi X B)]: random Fourier features (Tancik et al. 2020), which let
    an MLP fit high-frequency functions such as a checkerboard. B: (2, n_frequencies)."""
    Z = 2 * np.pi * X @ B
    return np.concatenate([np.sin(Z), np.cos(Z)], axis=1)
