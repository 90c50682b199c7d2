"""loop: the one training loop — the caller writes a *step*, the loop owns everything else.

As Keras's overridable ``train_step`` or Lightning's ``training_step``, the caller gives three
functions and the loop runs them::

    state = build(config)                  # a State: models, optimisers, data, generators
    history = loop(state, step, state.data, epochs=20, evaluate=evaluate)

    step(state, batch) -> {"loss_d": ..., "loss_g": ...}   # one update; numbers to log
    evaluate(state) -> {"val_accuracy": ...}               # every ``eval_every`` epochs

One epoch is one pass over ``data`` (a DataLoader). The loop keeps, per epoch, the mean of
every number ``step`` logs (weighted by the batch's size), adds what ``evaluate`` returns,
shows a progress bar with ETA, runs the callbacks, and writes the checkpoint
``<checkpoint_dir>/last.safetensors`` atomically at the end of each epoch and every
``checkpoint_minutes`` within one. The checkpoint holds the whole :class:`State` (every model,
optimiser, schedule, loader and generator), retroprop's global generator, the epoch, the
batch, the epoch's running sums, the history and the callbacks' states: a run killed at any
point and resumed with ``resume=True`` ends bitwise identical to one never interrupted.

Stops: the epochs are done; a callback sets ``stop_training``; ``max_minutes`` have passed at
the end of an epoch (``history.stop_reason == 'max_minutes'``: resume continues); a logged
number or a weight becomes NaN or infinite (:class:`TrainingDiverged`, the last good
checkpoint kept).
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from retroprop import io
from retroprop import random as _random
from retroprop.data import DataLoader
from retroprop.nn.module import Module
from retroprop.tensor import Tensor
from retroprop.train.callbacks import Callback
from retroprop.train.checkpoint import FORMAT, LOOP_VERSION, restore_callbacks
from retroprop.train.history import History, TrainingDiverged
from retroprop.train.progress import SILENT, Progress, resolve_verbose
from retroprop.train.state import State

CHECKPOINT_NAME = "last.safetensors"


Step = Callable[[State, Any], Mapping[str, float]]
Evaluate = Callable[[State], Mapping[str, float]]


class CheckpointError(ValueError):
    """A checkpoint cannot be resumed: damaged, truncated, or of another run."""


class _Diverged(Exception):
    """Raised inside an epoch; the loop turns it into a TrainingDiverged with the context."""

    def __init__(self, what: str, value: float, batch: int | None) -> None:
        self.what, self.value, self.batch = what, value, batch


def _numbers(owner: str, where: str, logs: Any) -> dict[str, float]:
    if not isinstance(logs, Mapping):
        raise TypeError(
            f"{owner}: {where} must return a dict of numbers, got {type(logs).__name__}"
        )
    out = {}
    for key, value in logs.items():
        if isinstance(value, Tensor):
            value = value.item()
        try:
            out[str(key)] = float(value)
        except (TypeError, ValueError):
            raise TypeError(
                f"{owner}: {where} logged {key!r} = {value!r}; logged values must be numbers"
            ) from None
    return out


def _batch_weight(batch: Any) -> int:
    """The number of samples in ``batch`` (its first array's length), 1 if it has none."""
    first = batch[0] if isinstance(batch, tuple | list) and batch else batch
    shape = getattr(first, "shape", None)
    return int(shape[0]) if shape else 1


def _first_non_finite(state: State) -> float | None:
    """A NaN or infinite value among the parameters of the State's models, or None."""
    for _, value in state.items():
        if isinstance(value, Module):
            for p in value.parameters():
                array = p.detach().numpy()
                bad = array[~np.isfinite(array)]
                if bad.size:
                    return float(bad[0])
    return None


def _what(key: str) -> str:
    return {"loss": "the loss", "val_loss": "the validation loss"}.get(key, f"{key!r}")


def read_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """The dict of a loop checkpoint; CheckpointError naming the file when it is not one."""
    path = os.fspath(path)
    try:
        ckpt = io.load(path)
    except ValueError as e:
        raise CheckpointError(f"the checkpoint {path!r} is damaged or truncated: {e}") from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise CheckpointError(f"{path!r} is not a retroprop training checkpoint")
    if ckpt.get("version") != LOOP_VERSION:
        raise CheckpointError(
            f"{path!r} has checkpoint version {ckpt.get('version')!r}; the training loop "
            f"resumes version {LOOP_VERSION}"
        )
    return ckpt


def loop(
    state: State,
    step: Step,
    data: DataLoader,
    *,
    epochs: int,
    evaluate: Evaluate | None = None,
    eval_every: int = 1,
    on_epoch_end: Callable[[State, int, dict[str, float]], None] | None = None,
    callbacks: Sequence[Callback] = (),
    model: Module | None = None,
    optimizer: Any = None,
    checkpoint_dir: str | os.PathLike | None = None,
    resume: bool = False,
    checkpoint_minutes: float | None = None,
    max_minutes: float | None = None,
    seed: int | None = None,
    verbose: bool | int | str = "auto",
    owner: str = "loop",
) -> History:
    """Run ``step`` over ``data`` for ``epochs`` epochs and return the :class:`History`.

    Args:
        state: the run's :class:`State` (what ``build(config)`` returns).
        step: ``step(state, batch) -> dict`` of numbers: one update (zero_grad, forward,
            backward, optimiser steps — as many models and optimisers as it likes).
        data: the training DataLoader; one epoch is one pass over it.
        epochs: the epoch to end at (a resumed run continues up to it).
        evaluate: ``evaluate(state) -> dict`` of metrics, after every ``eval_every``-th
            epoch and the last; its values join the epoch's logs (and win over the step's
            means of the same name).
        on_epoch_end: ``on_epoch_end(state, epoch, logs)`` after evaluation, before the
            history and the checkpoint: step per-epoch schedules here.
        callbacks: :class:`~retroprop.train.Callback` objects; they get ``model`` and
            ``optimizer`` (for EarlyStopping's weights, say) and the State as ``cb.state``.
        checkpoint_dir: the folder of ``last.safetensors`` (None: no checkpoints).
        resume: continue from ``checkpoint_dir``'s checkpoint when there is one.
        checkpoint_minutes: also checkpoint within an epoch when this many minutes have
            passed since the last checkpoint.
        max_minutes: stop after the epoch during which this many minutes (of this call)
            have passed; ``history.stop_reason`` is then ``'max_minutes'``.
        seed: ``rp.manual_seed(seed)`` before a fresh start (a resume restores the generator).
        verbose: ``'auto'`` (bars on a terminal), 1 (bars), 2 (a line an epoch) or 0.
        owner: the name the messages start with (``fit`` passes its own).

    Raises:
        TrainingDiverged: a logged number, an evaluated loss or a weight became NaN or inf.
        KeyboardInterrupt: after printing where the last checkpoint is.
    """
    if not isinstance(state, State):
        raise TypeError(
            f"{owner}: state must be a retroprop.train.State, got {type(state).__name__}"
        )
    if not isinstance(data, DataLoader):
        raise TypeError(f"{owner}: data must be a DataLoader, got {type(data).__name__}")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"{owner}: epochs must be a non-negative integer, got {epochs!r}")
    if isinstance(eval_every, bool) or not isinstance(eval_every, int) or eval_every < 1:
        raise ValueError(f"{owner}: eval_every must be a positive integer, got {eval_every!r}")
    for name, value in (("checkpoint_minutes", checkpoint_minutes), ("max_minutes", max_minutes)):
        if value is not None and not value >= 0:
            raise ValueError(f"{owner}: {name} must be >= 0 or None, got {value!r}")
    for cb in callbacks:
        if not isinstance(cb, Callback):
            raise TypeError(
                f"{owner}: callbacks must be retroprop.train.Callback objects, got "
                f"{type(cb).__name__}"
            )
    if resume and checkpoint_dir is None:
        raise ValueError(f"{owner}: resume=True needs checkpoint_dir, the checkpoint's folder")
    callbacks = list(callbacks)
    path = None
    if checkpoint_dir is not None:
        os.makedirs(checkpoint_dir, exist_ok=True)
        path = os.path.join(os.fspath(checkpoint_dir), CHECKPOINT_NAME)

    history = History()
    start, start_batch, stopped, saved = 0, 0, False, None
    sums: dict[str, float] = {}
    count = 0
    if resume and os.path.isfile(path):
        saved = read_checkpoint(path)
        try:
            state.load_state_dict(saved["state"])
            data.load_state_dict(saved["loaders"]["train"])
        except (KeyError, TypeError, ValueError) as e:
            raise CheckpointError(f"cannot resume from {path!r}: {e}") from None
        start, start_batch = saved["epoch"], saved["batch"]
        stopped = saved["stop_training"]
        sums, count = dict(saved["sums"]), saved["count"]
        history.load_state_dict(saved["history"])
    elif seed is not None:
        _random.manual_seed(seed)

    def save(epoch: int, batch: int) -> None:
        if path is None:
            return
        io.save(
            {
                "format": FORMAT,
                "version": LOOP_VERSION,
                "epoch": epoch,
                "batch": batch,
                "stop_training": stopped,
                "sums": dict(sums),
                "count": count,
                "state": state.state_dict(),
                "loaders": {"train": data.state_dict()},
                "rng": _random.get_rng_state(),
                "history": history.state_dict(),
                "callbacks": [
                    {"class": type(cb).__name__, "state": cb.state_dict()} for cb in callbacks
                ],
            },
            path,
        )

    for cb in callbacks:
        cb.set_context(model, optimizer, history)
        cb.state = state
        cb.on_train_begin({})
    if saved is not None:
        # after on_train_begin, which may reset a callback or draw random numbers
        restore_callbacks(callbacks, saved["callbacks"])
        _random.set_rng_state(saved["rng"])

    mode = resolve_verbose(verbose)
    progress = Progress(mode, epochs, len(data), start)
    t0 = last_save = time.monotonic()
    done = start  # epochs completed and checkpointed
    epoch = start
    try:
        for epoch in range(start, epochs):
            if stopped:
                break
            if start_batch == 0:
                for cb in callbacks:
                    cb.on_epoch_begin(epoch, {})
            progress.epoch_begin(epoch)
            b = start_batch
            for batch in data:
                logs = _numbers(owner, "step", step(state, batch))
                for key, value in logs.items():
                    if not math.isfinite(value):
                        raise _Diverged(_what(key), value, b)
                n = _batch_weight(batch)
                for key, value in logs.items():
                    sums[key] = sums.get(key, 0.0) + value * n
                count += n
                for cb in callbacks:
                    cb.on_batch_end(b, {**logs, "size": n})
                b += 1
                if mode != SILENT:
                    progress.batch_end({k: v / count for k, v in sums.items()})
                if (
                    checkpoint_minutes is not None
                    and b < len(data)
                    and time.monotonic() - last_save >= 60 * checkpoint_minutes
                ):
                    save(epoch, b)
                    last_save = time.monotonic()
            start_batch = 0
            if count == 0:
                raise ValueError(f"{owner}: the training data gave no batch (is it empty?)")
            epoch_logs = {k: v / count for k, v in sums.items()}
            if evaluate is not None and ((epoch + 1) % eval_every == 0 or epoch + 1 == epochs):
                metrics = _numbers(owner, "evaluate", evaluate(state))
                for key, value in metrics.items():
                    if key.endswith("loss") and not math.isfinite(value):
                        raise _Diverged(_what(key), value, None)
                epoch_logs.update(metrics)
            bad = _first_non_finite(state)
            if bad is not None:
                raise _Diverged("a weight", bad, None)
            if on_epoch_end is not None:
                on_epoch_end(state, epoch, epoch_logs)
            history.append(epoch, epoch_logs)
            for cb in callbacks:
                cb.on_epoch_end(epoch, epoch_logs)
            stopped = any(cb.stop_training for cb in callbacks)
            sums, count = {}, 0
            save(epoch + 1, 0)
            last_save = time.monotonic()
            done = epoch + 1
            progress.epoch_end(epoch, epoch_logs)
            out_of_time = max_minutes is not None and time.monotonic() - t0 >= 60 * max_minutes
            if out_of_time and not stopped and done < epochs:
                history.stop_reason = "max_minutes"
                return history
    except _Diverged as d:
        progress.close()
        kept = (
            f"the last good checkpoint (epoch {done}) is kept in {path}"
            if path is not None and done > 0
            else "no checkpoint was written"
            if path is not None
            else "no checkpoint (checkpoint_dir was not given)"
        )
        where = f"epoch {epoch + 1}" + ("" if d.batch is None else f", batch {d.batch + 1}")
        raise TrainingDiverged(
            f"{owner}: training diverged: {d.what} became {d.value} at {where}; {kept}. Try a "
            f"lower learning rate, check the data for NaN/inf, or clip the gradients.",
            epoch=epoch,
            batch=d.batch,
            value=d.value,
            history=history,
            checkpoint=path if path is not None and done > 0 else None,
        ) from None
    except KeyboardInterrupt:
        progress.close()
        print(_interrupted(owner, epoch, epochs, done, path, checkpoint_dir), file=sys.stderr)
        raise
    finally:
        progress.close()
    if stopped:
        history.stop_reason = "callback"
    for cb in callbacks:
        cb.on_train_end({})
    return history


def _interrupted(
    owner: str, epoch: int, epochs: int, done: int, path: str | None, folder: Any
) -> str:
    head = f"{owner}: interrupted during epoch {epoch + 1}/{epochs}."
    if path is None:
        return f"{head} No checkpoint: pass checkpoint_dir= to be able to resume."
    if done == 0:
        return f"{head} No epoch was completed, so no epoch-end checkpoint was written."
    return (
        f"{head} The checkpoint of epoch {done} is kept in {path}. To continue, run the same "
        f"{owner}(...) again with checkpoint_dir={os.fspath(folder)!r} and resume=True."
    )
