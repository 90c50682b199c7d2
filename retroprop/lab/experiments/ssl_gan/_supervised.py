"""Supervised training on the labelled images alone, on the shared loop (the baselines)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

import retroprop as rp
import retroprop.nn.functional as F
from retroprop import nn
from retroprop.data import DataLoader, TensorDataset
from retroprop.lab import RunContext
from retroprop.lab.experiments.ssl_gan._data import Split, random_shift
from retroprop.lab.experiments.ssl_gan._models import init_from_data_, predict, trainable
from retroprop.train import State


def train(
    ctx: RunContext,
    name: str,
    model: nn.Sequential,
    x: np.ndarray,
    y: np.ndarray,
    split: Split,
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    beta1: float = 0.9,
    repeats: int = 1,
    max_shift: int = 0,
    decay: bool = False,
    data_init: bool = False,
    eval_every: int = 1,
    seed: int = 0,
) -> dict[str, Any]:
    """Train ``model`` by cross-entropy on (x, y) with Adam, as loop ``name`` of the run.

    Args:
        repeats: the images repeated this many times per epoch (more steps per epoch, for
            fewer epochs and checkpoints).
        max_shift: random translations of up to this many pixels (augmentation; 0: none).
        decay: the learning rate falls linearly to 0 over the run.
        data_init: the data-dependent initialisation of the weight-normalised layers first.

    Returns ``{"history", "test_by_epoch" (1-based epoch -> test accuracy), "test_accuracy",
    "val_accuracy", "epoch_s", "wall_s"}``.
    """
    shape = x.shape[1:]
    if data_init:
        init_from_data_(model, x)
    data = DataLoader(
        TensorDataset(np.tile(x, (repeats,) + (1,) * len(shape)), np.tile(y, repeats)),
        batch_size=batch_size,
        shuffle=True,
        seed=seed,
    )
    state = State(
        model=model,
        opt=rp.optim.Adam(trainable(model), lr=lr, betas=(beta1, 0.999)),
        data=data,
        shifts=np.random.default_rng([seed, 3]),
        t=0,
        seconds=0.0,
        eval_seconds=0.0,
    )
    total = epochs * len(data)

    def step(state: State, batch: Any) -> dict[str, float]:
        t0 = time.perf_counter()
        xb, yb = batch
        if max_shift:
            xb = rp.tensor(random_shift(xb.numpy(), state.shifts, max_shift))
        if decay:
            for group in state.opt.param_groups:
                group["lr"] = lr * (total - state.t) / total
        loss = F.cross_entropy(state.model(xb), yb)
        state.opt.zero_grad()
        loss.backward()
        state.opt.step()
        state.t += 1
        state.seconds += time.perf_counter() - t0
        return {"loss": loss.item()}

    def evaluate(state: State) -> dict[str, float]:
        t0 = time.perf_counter()
        test = predict(state.model, split.x_test.reshape(-1, *shape))
        out = {"test_accuracy": float((test == split.y_test).mean())}
        if len(split.x_val):
            val = predict(state.model, split.x_val.reshape(-1, *shape))
            out["val_accuracy"] = float((val == split.y_val).mean())
        state.eval_seconds += time.perf_counter() - t0
        return out

    logged = ctx.loop(
        state, step, data, name=name, epochs=epochs, evaluate=evaluate, eval_every=eval_every
    )
    history = logged.history
    tested = [e + 1 for e in logged.epochs_of("test_accuracy")]
    return {
        "history": history,
        "test_by_epoch": dict(zip(tested, history["test_accuracy"])),
        "test_accuracy": history["test_accuracy"][-1],
        "val_accuracy": history.get("val_accuracy", [float("nan")])[-1],
        "epoch_s": state.seconds / epochs,
        "wall_s": state.seconds + state.eval_seconds,
    }
