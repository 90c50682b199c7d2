"""What a training run records (History) and how it fails (TrainingDiverged)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class History:
    """Per-epoch losses and metrics of a run, as Keras's.

    ``history.history`` maps each name (``'loss'``, ``'accuracy'``, ``'val_loss'``, ...) to
    the list of its values; ``history.epoch`` lists the epochs (from 0). A value logged at
    every epoch has one entry per epoch; one logged on a cadence (an evaluation every k
    epochs) has one entry per epoch it was logged at, listed in ``history.epochs_of(name)``.
    ``history['loss']`` is ``history.history['loss']``.

    ``stop_reason`` says why the run ended early: None (it ran all its epochs),
    ``'callback'`` (a callback stopped it) or ``'max_minutes'`` (its time budget ran out; a
    resumed run continues it).
    """

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []
        self._epochs_of: dict[str, list[int]] = {}
        self.stop_reason: str | None = None

    def append(self, epoch: int, logs: Mapping[str, float]) -> None:
        """Record the logs of ``epoch``."""
        self.epoch.append(int(epoch))
        for key, value in logs.items():
            self.history.setdefault(key, []).append(float(value))
            self._epochs_of.setdefault(key, []).append(int(epoch))

    def epochs_of(self, key: str) -> list[int]:
        """The epochs at which ``key`` was logged (all of them for a per-epoch value)."""
        if key not in self.history:
            raise KeyError(f"History: no {key!r}; recorded: {sorted(self.history)}")
        return list(self._epochs_of[key])

    def __getitem__(self, key: str) -> list[float]:
        if key not in self.history:
            raise KeyError(f"History: no {key!r}; recorded: {sorted(self.history)}")
        return self.history[key]

    def __contains__(self, key: object) -> bool:
        return key in self.history

    def __len__(self) -> int:
        return len(self.epoch)

    def __repr__(self) -> str:
        return f"History(epochs={len(self)}, keys={list(self.history)})"

    def state_dict(self) -> dict[str, Any]:
        """``{'epoch': [...], 'history': {name: [...]}, 'epochs_of': {name: [...]}}``."""
        return {
            "epoch": list(self.epoch),
            "history": {k: list(v) for k, v in self.history.items()},
            "epochs_of": {k: list(v) for k, v in self._epochs_of.items()},
        }

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Replace the contents by a :meth:`state_dict`."""
        self.epoch = [int(e) for e in state_dict["epoch"]]
        self.history = {k: [float(x) for x in v] for k, v in state_dict["history"].items()}
        saved = state_dict.get("epochs_of")
        self._epochs_of = (
            {k: [int(e) for e in v] for k, v in saved.items()}
            if saved is not None
            else {k: list(self.epoch) for k in self.history}
        )

    @classmethod
    def from_state_dict(cls, state_dict: Mapping[str, Any]) -> History:
        """A History holding a :meth:`state_dict`."""
        history = cls()
        history.load_state_dict(state_dict)
        return history


class TrainingDiverged(RuntimeError):
    """The loss (or a weight) became NaN or infinite: training stopped without saving it.

    Attributes: ``epoch`` and ``batch`` (from 0; ``batch`` is None when the weights or the
    validation loss were the first to go bad), ``value`` (the bad value), ``history`` (the
    completed epochs) and ``checkpoint`` (the path of the last good checkpoint, or None).
    """

    def __init__(
        self,
        message: str,
        *,
        epoch: int,
        batch: int | None,
        value: float,
        history: History,
        checkpoint: str | None,
    ) -> None:
        super().__init__(message)
        self.epoch = epoch
        self.batch = batch
        self.value = value
        self.history = history
        self.checkpoint = checkpoint
