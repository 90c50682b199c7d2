"""Callbacks: code that ``fit`` runs at fixed points of training (Keras's protocol).

Order of the calls::

    on_train_begin(logs)
    for each epoch:  on_epoch_begin(epoch, logs)
                     on_batch_end(batch, logs)        once per batch
                     on_epoch_end(epoch, logs)        after validation and the scheduler step
    on_train_end(logs)                                when the run ends normally or stops early

``epoch`` and ``batch`` count from 0. Batch logs: ``{'loss': the batch's loss, 'size': its
number of samples}``; epoch logs: the epoch's entry of the history (``loss``, the metrics,
``val_loss``, the ``val_`` metrics). Before ``on_train_begin``, fit gives each callback the
``model``, the ``optimizer`` and the ``history`` (:meth:`Callback.set_context`). A callback
stops training after the current epoch by setting ``self.stop_training = True``.

A callback with state that must survive a resume returns it from ``state_dict()`` (saved in
fit's checkpoints) and takes it back in ``load_state_dict()`` (called after
``on_train_begin``, so resetting there is harmless).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from retroprop import io
from retroprop.nn.module import Module

_HIGHER_IS_BETTER = ("acc", "f1", "precision", "recall", "psnr")


class Callback:
    """Base class: override the hooks you need (each does nothing here)."""

    model: Module | None = None
    optimizer: Any = None
    history: Any = None
    stop_training: bool = False

    def set_context(self, model: Module, optimizer: Any, history: Any) -> None:
        """Called by fit before ``on_train_begin``: what the callback may look at or change."""
        self.model = model
        self.optimizer = optimizer
        self.history = history
        self.stop_training = False

    def on_train_begin(self, logs: dict[str, Any]) -> None:
        """Before the first epoch (also when resuming)."""

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any]) -> None:
        """Before the first batch of ``epoch``."""

    def on_batch_end(self, batch: int, logs: dict[str, Any]) -> None:
        """After the optimiser step of ``batch``; logs: ``loss`` and ``size`` of the batch."""

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        """After ``epoch``'s validation; logs: the epoch's losses and metrics."""

    def on_train_end(self, logs: dict[str, Any]) -> None:
        """After the last epoch, or after a callback stopped training."""

    def state_dict(self) -> dict[str, Any]:
        """What a resumed run needs to continue this callback (default: nothing)."""
        return {}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore :meth:`state_dict`."""


def _resolve_mode(owner: str, mode: str, monitor: str) -> str:
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{owner}: mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode != "auto":
        return mode
    return "max" if any(word in monitor for word in _HIGHER_IS_BETTER) else "min"


def _monitored(owner: str, monitor: str, logs: Mapping[str, Any]) -> float:
    if monitor not in logs:
        raise KeyError(
            f"{owner}: the monitored quantity {monitor!r} is not in the epoch's logs "
            f"{sorted(logs)} (pass val= to fit for the 'val_' ones)"
        )
    return float(logs[monitor])


class EarlyStopping(Callback):
    """Stop training when a monitored quantity has stopped improving.

    A value improves on the best so far when it is lower by more than ``min_delta`` (mode
    'min') or higher by more than ``min_delta`` (mode 'max'). After ``patience`` epochs in
    a row without improvement, training stops.

    Args:
        monitor: a key of the epoch logs. Default: 'val_loss'.
        min_delta: the smallest change that counts as an improvement.
        patience: epochs without improvement to tolerate.
        mode: 'min', 'max' or 'auto' ('max' for accuracies, F1, precision, recall, PSNR).
        baseline: a value to beat: until it is beaten, epochs count as without improvement.
        restore_best_weights: when stopping, put back the weights of the best epoch.

    After training, ``stopped_epoch`` is the epoch (from 0) at which it stopped (-1 if it
    did not) and ``best_epoch`` the epoch of the best value.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0.0,
        patience: int = 0,
        mode: str = "auto",
        baseline: float | None = None,
        restore_best_weights: bool = False,
    ) -> None:
        if patience < 0:
            raise ValueError(f"EarlyStopping: patience must be >= 0, got {patience}")
        self.monitor = monitor
        self.min_delta = abs(float(min_delta))
        self.patience = int(patience)
        self.mode = _resolve_mode("EarlyStopping", mode, monitor)
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self._reset()

    def _reset(self) -> None:
        self.wait = 0
        self.stopped_epoch = -1
        self.best_epoch = -1
        worst = math.inf if self.mode == "min" else -math.inf
        self.best = worst if self.baseline is None else float(self.baseline)
        self.best_weights: dict[str, np.ndarray] | None = None

    def _improves(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_train_begin(self, logs: dict[str, Any]) -> None:
        self._reset()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        value = _monitored("EarlyStopping", self.monitor, logs)
        if self._improves(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_weights = {k: v._data.copy() for k, v in self.model.state_dict().items()}
            return
        self.wait += 1
        if self.wait > self.patience:
            self.stop_training = True
            self.stopped_epoch = epoch
            if self.best_weights is not None:
                self.model.load_state_dict(self.best_weights)

    def state_dict(self) -> dict[str, Any]:
        return {
            "wait": self.wait,
            "best": self.best,
            "best_epoch": self.best_epoch,
            "stopped_epoch": self.stopped_epoch,
            "best_weights": self.best_weights,
        }

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        self.wait = int(state_dict["wait"])
        self.best = float(state_dict["best"])
        self.best_epoch = int(state_dict["best_epoch"])
        self.stopped_epoch = int(state_dict["stopped_epoch"])
        weights = state_dict["best_weights"]
        self.best_weights = (
            None if weights is None else {k: np.asarray(v) for k, v in weights.items()}
        )


class ModelCheckpoint(Callback):
    """Save the model's weights (its state_dict, with ``rp.save``) at the end of epochs.

    Args:
        filepath: the file to write; may contain ``{epoch}`` (counting from 1) and the keys of
            the epoch logs, e.g. ``'ckpt/{epoch:02d}-{val_loss:.3f}.safetensors'``.
        monitor: the quantity compared when ``save_best_only``. Default: 'val_loss'.
        save_best_only: save only when ``monitor`` reaches a new best.
        mode: 'min', 'max' or 'auto' (as :class:`EarlyStopping`).

    For a checkpoint to resume training from, pass ``checkpoint_dir`` to ``fit`` instead:
    it also holds the optimiser, the scheduler, the random generators and the history.
    Load a saved file with ``model.load_state_dict(rp.load(path))``.
    """

    def __init__(
        self,
        filepath: str | os.PathLike,
        monitor: str = "val_loss",
        save_best_only: bool = False,
        mode: str = "auto",
    ) -> None:
        self.filepath = os.fspath(filepath)
        self.monitor = monitor
        self.save_best_only = save_best_only
        self.mode = _resolve_mode("ModelCheckpoint", mode, monitor)
        self.best = math.inf if self.mode == "min" else -math.inf
        self.last_saved: str | None = None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        if self.save_best_only:
            value = _monitored("ModelCheckpoint", self.monitor, logs)
            better = value < self.best if self.mode == "min" else value > self.best
            if not better:
                return
            self.best = value
        try:
            path = self.filepath.format(epoch=epoch + 1, **logs)
        except (KeyError, IndexError, ValueError) as e:
            raise ValueError(
                f"ModelCheckpoint: cannot fill filepath {self.filepath!r} with epoch and the "
                f"logs {sorted(logs)}: {e!r}"
            ) from None
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        io.save(self.model.state_dict(), path)
        self.last_saved = path

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "last_saved": self.last_saved}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        self.best = float(state_dict["best"])
        self.last_saved = state_dict["last_saved"]
