"""The report's USPS autoencoder 256-100-10-100-256 (TanH, Sigmoide output, BCE), trained by
its SGD, and the same architecture in ``retroprop.nn`` with AdamW, for diy.autoencoder and
diy.denoise; reconstruction scores."""

from __future__ import annotations

from typing import Any

import numpy as np

import retroprop.nn as nn
import retroprop.nn.functional as F
from retroprop import diy
from retroprop.lab import RunContext
from retroprop.lab.experiments.diy._common import fit_nn, predict
from retroprop.train.metrics import psnr


def report_autoencoder(init: str) -> diy.AutoEncoder:
    """Encoder Linear(256, 100) TanH Linear(100, 10) TanH, decoder Linear(10, 100) TanH
    Linear(100, 256) Sigmoide, every Linear with ``init``."""
    encoder = diy.Sequential(
        diy.Linear(256, 100, init=init), diy.TanH(), diy.Linear(100, 10, init=init), diy.TanH()
    )
    decoder = diy.Sequential(
        diy.Linear(10, 100, init=init), diy.TanH(), diy.Linear(100, 256, init=init),
        diy.Sigmoide(),
    )  # fmt: skip
    return diy.AutoEncoder(encoder, decoder)


def train_report(
    X_in: np.ndarray, X_target: np.ndarray, init: str, config: dict[str, Any]
) -> tuple[diy.AutoEncoder, np.ndarray]:
    """The report's autoencoder trained by ``SGD(model, BCELoss(), X_in, X_target, ...)``."""
    model = report_autoencoder(init)
    losses = diy.SGD(
        model, diy.BCELoss(), X_in, X_target, batch_size=config["batch_size"],
        max_iter=config["max_iter"], eps=config["eps"],
    )  # fmt: skip
    return model, losses


def train_nn(
    ctx: RunContext, name: str, X_in: np.ndarray, X_target: np.ndarray, config: dict[str, Any]
) -> tuple[nn.Sequential, dict[str, list[float]]]:
    """The same 256-100-10-100-256 architecture in ``nn`` (PyTorch's initialisation), logits
    and a binary cross-entropy on them, AdamW."""
    model = nn.Sequential(
        nn.Linear(256, 100), nn.Tanh(), nn.Linear(100, 10), nn.Tanh(),
        nn.Linear(10, 100), nn.Tanh(), nn.Linear(100, 256),
    )  # fmt: skip
    history = fit_nn(
        ctx, name, model, X_in.astype(np.float32), X_target.astype(np.float32),
        F.binary_cross_entropy_with_logits, epochs=config["nn_epochs"],
        batch_size=config["nn_batch_size"], lr=config["nn_lr"], seed=ctx.seed,
    )  # fmt: skip
    return model, history


def nn_reconstruct(model: nn.Module, X: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-predict(model, X).astype(np.float64)))


def scores(X: np.ndarray, R: np.ndarray) -> tuple[float, float]:
    """The mean per-pixel binary cross-entropy of reconstructions R of X, and their PSNR (dB,
    pixels in [0, 1])."""
    bce = float(diy.BCELoss().forward(X, R).mean() / X.shape[1])
    return bce, float(psnr(X, R, data_range=1.0))
