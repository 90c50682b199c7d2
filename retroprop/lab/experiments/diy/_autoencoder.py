"""The report's autoencoders (section 6): a TanH encoder down to a code and its mirrored
decoder of any widths, in ``retroprop.diy`` (Sigmoide output) and in ``retroprop.nn``; the
USPS one 256-100-10-100-256 trained by the report's SGD or by AdamW, for diy.autoencoder
and diy.denoise; reconstruction scores."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import retroprop.nn as nn
import retroprop.nn.functional as F
from retroprop import diy
from retroprop.lab import RunContext
from retroprop.lab.experiments.diy._common import fit_nn, predict
from retroprop.train.metrics import psnr

USPS_SIZES = (256, 100, 10)


def _widths(sizes: Sequence[int]) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The (input, output) of each Linear of the encoder and of the mirrored decoder."""
    down = list(zip(sizes[:-1], sizes[1:], strict=True))
    return down, [(b, a) for a, b in reversed(down)]


def diy_autoencoder(sizes: Sequence[int], init: str = "report") -> diy.AutoEncoder:
    """``sizes = (256, 32, 16, 10)``: encoder Linear(256, 32) TanH Linear(32, 16) TanH
    Linear(16, 10) TanH; decoder Linear(10, 16) TanH Linear(16, 32) TanH Linear(32, 256)
    Sigmoide; every Linear with ``init``."""
    down, up = _widths(sizes)
    encoder = [m for a, b in down for m in (diy.Linear(a, b, init=init), diy.TanH())]
    decoder = [m for a, b in up for m in (diy.Linear(a, b, init=init), diy.TanH())]
    return diy.AutoEncoder(diy.Sequential(*encoder), diy.Sequential(*decoder[:-1], diy.Sigmoide()))


def nn_autoencoder(sizes: Sequence[int], sigmoid: bool = False) -> nn.Sequential:
    """The same architecture in ``nn`` (PyTorch's initialisation); its output is logits, or
    probabilities with ``sigmoid``. ``model[: 2 * (len(sizes) - 1)]`` is the encoder."""
    down, up = _widths(sizes)
    layers = [m for a, b in down + up for m in (nn.Linear(a, b), nn.Tanh())]
    return nn.Sequential(*layers[:-1], *([nn.Sigmoid()] if sigmoid else []))


def train_report(
    X_in: np.ndarray, X_target: np.ndarray, init: str, config: dict[str, Any]
) -> tuple[diy.AutoEncoder, np.ndarray]:
    """The report's USPS autoencoder trained by ``SGD(model, BCELoss(), X_in, X_target, ...)``."""
    model = diy_autoencoder(USPS_SIZES, init)
    losses = diy.SGD(
        model, diy.BCELoss(), X_in, X_target, batch_size=config["batch_size"],
        max_iter=config["max_iter"], eps=config["eps"],
    )  # fmt: skip
    return model, losses


def train_nn(
    ctx: RunContext, name: str, X_in: np.ndarray, X_target: np.ndarray, config: dict[str, Any]
) -> tuple[nn.Sequential, dict[str, list[float]]]:
    """The same 256-100-10-100-256 architecture in ``nn``, logits and a binary cross-entropy
    on them, AdamW."""
    model = nn_autoencoder(USPS_SIZES)
    history = fit_nn(
        ctx, name, model, X_in.astype(np.float32), X_target.astype(np.float32),
        F.binary_cross_entropy_with_logits, epochs=config["nn_epochs"],
        batch_size=config["nn_batch_size"], lr=config["nn_lr"], seed=ctx.seed,
    )  # fmt: skip
    return model, history


def nn_reconstruct(model: nn.Module, X: np.ndarray) -> np.ndarray:
    """sigmoid of the model's logits, as float64."""
    return 1 / (1 + np.exp(-predict(model, X).astype(np.float64)))


def scores(X: np.ndarray, R: np.ndarray) -> tuple[float, float]:
    """The mean per-pixel binary cross-entropy of reconstructions R of X, and their PSNR (dB,
    pixels in [0, 1])."""
    bce = float(diy.BCELoss().forward(X, R).mean() / X.shape[1])
    return bce, float(psnr(X, R, data_range=1.0))
