"""fit: the training loop, in the spirit of Keras, with checkpoints and bitwise resume.

One epoch: ``model.train()``; for each batch ``(x, y)``: ``optimizer.zero_grad()``,
``loss = loss_fn(model(x), y)``, ``loss.backward()``, ``optimizer.step()``. Then validation
(``model.eval()`` under ``no_grad``), the scheduler's step, the history's new entry, the
callbacks' ``on_epoch_end``, and the checkpoint ``<checkpoint_dir>/last.safetensors``.

Reproducibility: a resumed run restores the weights, the optimiser, the scheduler, the
history, the callbacks' states, retroprop's global generator (dropout, noise) and the train
loader's shuffling generator as they were at the end of the last completed epoch, so it
ends with the same bits as a run that was never interrupted.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from retroprop import random as _random
from retroprop.autograd import no_grad
from retroprop.data import DataLoader, Dataset, TensorDataset
from retroprop.nn.module import Module
from retroprop.optim.lr_scheduler import ReduceLROnPlateau
from retroprop.tensor import Tensor
from retroprop.train.callbacks import Callback
from retroprop.train.checkpoint import load_checkpoint, restore_callbacks, save_checkpoint
from retroprop.train.metrics import MetricFn, get_metric
from retroprop.train.progress import SILENT, Progress, resolve_verbose

CHECKPOINT_NAME = "last.safetensors"
DEFAULT_BATCH_SIZE = 32


class History:
    """Per-epoch losses and metrics of a run, as Keras's.

    ``history.history`` maps each name (``'loss'``, ``'accuracy'``, ``'val_loss'``, ...) to
    the list of its values, one per epoch; ``history.epoch`` lists the epochs (from 0).
    ``history['loss']`` is ``history.history['loss']``.
    """

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def append(self, epoch: int, logs: Mapping[str, float]) -> None:
        """Record the logs of ``epoch``."""
        self.epoch.append(int(epoch))
        for key, value in logs.items():
            self.history.setdefault(key, []).append(float(value))

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
        """``{'epoch': [...], 'history': {name: [...]}}`` (plain lists, JSON-friendly)."""
        return {"epoch": list(self.epoch), "history": {k: list(v) for k, v in self.history.items()}}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Replace the contents by a :meth:`state_dict`."""
        self.epoch = [int(e) for e in state_dict["epoch"]]
        self.history = {k: [float(x) for x in v] for k, v in state_dict["history"].items()}

    @classmethod
    def from_state_dict(cls, state_dict: Mapping[str, Any]) -> History:
        """A History holding a :meth:`state_dict`."""
        history = cls()
        history.load_state_dict(state_dict)
        return history


class TrainingDiverged(RuntimeError):
    """The loss (or a weight) became NaN or infinite: fit stopped without saving anything.

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


class _Diverged(Exception):
    """Raised inside an epoch; fit turns it into a TrainingDiverged with the context."""

    def __init__(self, what: str, value: float, batch: int | None) -> None:
        self.what, self.value, self.batch = what, value, batch


def _as_loader(
    owner: str, data: Any, batch_size: int | None, train: bool, seed: int | None, arg: str
) -> DataLoader:
    """A DataLoader over ``data`` (a DataLoader, a Dataset or an ``(X, y)`` pair)."""
    if isinstance(data, DataLoader):
        if batch_size is not None:
            raise ValueError(
                f"{owner}: batch_size={batch_size} was given with a DataLoader as {arg}; the "
                f"loader's own batch_size ({data.batch_size}) is used, leave batch_size=None"
            )
        return data
    if isinstance(data, tuple | list) and len(data) == 2:
        if not all(isinstance(a, Tensor | np.ndarray) for a in data):
            raise TypeError(
                f"{owner}: {arg} as a pair must be (inputs, targets) arrays or Tensors, got "
                f"({type(data[0]).__name__}, {type(data[1]).__name__})"
            )
        data = TensorDataset(*data)
    if not isinstance(data, Dataset):
        raise TypeError(
            f"{owner}: {arg} must be a Dataset, a DataLoader or an (inputs, targets) pair, got "
            f"{type(data).__name__}"
        )
    size = DEFAULT_BATCH_SIZE if batch_size is None else batch_size
    if not train:
        # never shuffled; a fixed seed keeps its construction from drawing on rp's generator
        return DataLoader(data, batch_size=size, seed=0)
    if seed is None:
        return DataLoader(data, batch_size=size, shuffle=True)
    # a child stream of the seed: independent of the global generator seeded with it
    child = np.random.SeedSequence(seed).spawn(1)[0]
    return DataLoader(data, batch_size=size, shuffle=True, generator=np.random.default_rng(child))


def _unpack(batch: Any) -> tuple[Any, Tensor]:
    if not (isinstance(batch, tuple | list) and len(batch) == 2):
        raise TypeError(
            f"fit: each batch must be an (inputs, targets) pair, got "
            f"{type(batch).__name__}"
            + (f" of length {len(batch)}" if isinstance(batch, tuple | list) else "")
        )
    if not isinstance(batch[1], Tensor):
        raise TypeError(
            f"fit: the targets of a batch must be a Tensor, got {type(batch[1]).__name__}"
        )
    return batch[0], batch[1]


def _loss_value(loss: Any) -> float:
    if not isinstance(loss, Tensor) or loss.data.size != 1:
        what = f"a Tensor of shape {loss.shape}" if isinstance(loss, Tensor) else type(loss)
        raise TypeError(f"fit: loss_fn must return a scalar Tensor, got {what}")
    return float(loss.item())


def _output_array(out: Any) -> np.ndarray:
    if not isinstance(out, Tensor):
        raise TypeError(
            f"fit: metrics need the model to return one Tensor, got {type(out).__name__}"
        )
    return out.data


def _metric_logs(
    metrics: Sequence[tuple[str, MetricFn]], targets: list[np.ndarray], outputs: list[np.ndarray]
) -> dict[str, float]:
    if not metrics:
        return {}
    y_true, y_pred = np.concatenate(targets), np.concatenate(outputs)
    return {name: float(fn(y_true, y_pred)) for name, fn in metrics}


def _train_epoch(
    model: Module,
    loss_fn: Callable[[Any, Any], Tensor],
    optimizer: Any,
    loader: DataLoader,
    metrics: Sequence[tuple[str, MetricFn]],
    callbacks: Sequence[Callback],
    progress: Progress,
) -> dict[str, float]:
    total, count = 0.0, 0
    running = dict.fromkeys((name for name, _ in metrics), 0.0)
    targets: list[np.ndarray] = []
    outputs: list[np.ndarray] = []
    for b, batch in enumerate(loader):
        x, y = _unpack(batch)
        optimizer.zero_grad()
        out = model(x)
        loss = loss_fn(out, y)
        value = _loss_value(loss)
        if not math.isfinite(value):
            raise _Diverged("the loss", value, b)
        loss.backward()
        optimizer.step()
        n = len(y)
        total, count = total + value * n, count + n
        if metrics:
            targets.append(y.data)
            outputs.append(_output_array(out))
        for cb in callbacks:
            cb.on_batch_end(b, {"loss": value, "size": n})
        if progress.mode != SILENT:
            # running means of per-batch values: exact for the loss and the accuracy, an
            # approximation for the others, which the epoch's logs compute on all samples
            for name, fn in metrics:
                running[name] += float(fn(targets[-1], outputs[-1])) * n
            progress.batch_end(
                {"loss": total / count, **{k: v / count for k, v in running.items()}}
            )
    if count == 0:
        raise ValueError("fit: the training data gave no batch (is it empty?)")
    return {"loss": total / count, **_metric_logs(metrics, targets, outputs)}


def evaluate(
    model: Module,
    loss_fn: Callable[[Any, Any], Tensor],
    data: Any,
    *,
    batch_size: int | None = None,
    metrics: Sequence[str | MetricFn] = (),
) -> dict[str, float]:
    """The mean loss and the metrics of ``model`` on ``data``, in eval mode, without gradients.

    Args:
        model: the model (its training mode is put back afterwards).
        loss_fn: ``loss_fn(model(x), y)`` -> scalar Tensor, a mean over the batch.
        data: a Dataset, a DataLoader or an ``(X, y)`` pair.
        batch_size: for a Dataset or a pair (default 32).
        metrics: names (``'accuracy'``, ``'f1'``, ...) or callables ``(y_true, y_pred)``.

    Returns ``{'loss': ..., 'accuracy': ..., ...}``.

    Example::

        evaluate(model, nn.CrossEntropyLoss(), (X_test, y_test), metrics=["accuracy"])
    """
    loader = _as_loader("evaluate", data, batch_size, train=False, seed=None, arg="data")
    metric_fns = [get_metric(m) for m in metrics]
    return _evaluate(model, loss_fn, loader, metric_fns)


def _evaluate(
    model: Module,
    loss_fn: Callable[[Any, Any], Tensor],
    loader: DataLoader,
    metrics: Sequence[tuple[str, MetricFn]],
) -> dict[str, float]:
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    targets: list[np.ndarray] = []
    outputs: list[np.ndarray] = []
    try:
        with no_grad():
            for batch in loader:
                x, y = _unpack(batch)
                out = model(x)
                n = len(y)
                total, count = total + _loss_value(loss_fn(out, y)) * n, count + n
                if metrics:
                    targets.append(y.data)
                    outputs.append(_output_array(out))
    finally:
        model.train(was_training)
    if count == 0:
        raise ValueError("evaluate: the data gave no batch (is it empty?)")
    return {"loss": total / count, **_metric_logs(metrics, targets, outputs)}


def _first_non_finite(model: Module) -> float | None:
    """A NaN or infinite value among the model's parameters, or None when all are finite."""
    for p in model.parameters():
        bad = p.data[~np.isfinite(p.data)]
        if bad.size:
            return float(bad[0])
    return None


def fit(
    model: Module,
    loss_fn: Callable[[Any, Any], Tensor],
    optimizer: Any,
    train: Any,
    *,
    val: Any = None,
    epochs: int,
    batch_size: int | None = None,
    metrics: Sequence[str | MetricFn] = (),
    callbacks: Sequence[Callback] = (),
    scheduler: Any = None,
    checkpoint_dir: str | os.PathLike | None = None,
    resume: bool = False,
    seed: int | None = None,
    verbose: bool | int | str = "auto",
) -> History:
    """Train ``model`` for ``epochs`` epochs and return its :class:`History`.

    Args:
        model: an ``nn.Module``; its output goes to ``loss_fn`` and to the metrics.
        loss_fn: ``loss_fn(output, target)`` -> scalar Tensor, a mean over the batch
            (e.g. ``nn.CrossEntropyLoss()``).
        optimizer: an ``rp.optim`` optimiser over the model's parameters.
        train: a Dataset, a DataLoader or an ``(X, y)`` pair of arrays or Tensors (fit then
            builds a shuffling DataLoader).
        val: validation data, same forms (never shuffled); adds ``val_loss`` and the
            ``val_`` metrics to the history.
        epochs: the epoch to end at (a resumed run continues up to it).
        batch_size: for a Dataset or a pair (default 32); must be None with a DataLoader.
        metrics: names (``'accuracy'``, ``'precision'``, ``'recall'``, ``'f1'``, ``'psnr'``)
            or callables ``(y_true, y_pred) -> float`` on NumPy arrays (``y_pred``: the model's
            outputs), computed on all the epoch's samples.
        callbacks: :class:`~retroprop.train.Callback` objects.
        scheduler: a learning-rate schedule, stepped once per epoch after validation;
            ``ReduceLROnPlateau`` gets ``val_loss`` (``loss`` without ``val``). Schedules
            meant per batch (OneCycleLR) are stepped from a callback's ``on_batch_end``.
        checkpoint_dir: folder of the checkpoint ``last.safetensors``, written atomically at
            the end of each epoch (see :mod:`retroprop.train.checkpoint`).
        resume: continue from ``checkpoint_dir``'s checkpoint when there is one (else start
            afresh, so the same call both starts and resumes a run). Build the model,
            optimiser, scheduler and callbacks as for the interrupted run, and pass the same
            seed and data: the run then ends bitwise identical to an uninterrupted one.
        seed: seeds ``rp.manual_seed(seed)`` and the shuffling of a loader fit builds (a
            DataLoader passed in keeps its own generator).
        verbose: ``'auto'`` (progress bars when stdout is a terminal, else silent), 1 (bars),
            2 (one line per epoch) or 0 (silent).

    Raises:
        TrainingDiverged: the loss, the validation loss or a weight became NaN or infinite;
            the last good checkpoint is kept (never overwritten by bad weights).
        KeyboardInterrupt: after Ctrl-C, once it has printed (to stderr) where the last
            completed epoch's checkpoint is and how to resume.

    ``on_train_end`` runs when training ends normally or a callback stops it.

    Example::

        history = fit(model, nn.CrossEntropyLoss(), rp.optim.Adam(model.parameters()),
                      (X, y), val=(X_val, y_val), epochs=10, metrics=["accuracy"],
                      checkpoint_dir="ckpt", resume=True, seed=0)
    """
    if not isinstance(model, Module):
        raise TypeError(f"fit: model must be an nn.Module, got {type(model).__name__}")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"fit: epochs must be a non-negative integer, got {epochs!r}")
    for cb in callbacks:
        if not isinstance(cb, Callback):
            raise TypeError(
                f"fit: callbacks must be retroprop.train.Callback objects, got {type(cb).__name__}"
            )
    if resume and checkpoint_dir is None:
        raise ValueError("fit: resume=True needs checkpoint_dir, the folder of the checkpoint")
    mode = resolve_verbose(verbose)
    metric_fns = [get_metric(m) for m in metrics]
    if seed is not None:
        _random.manual_seed(seed)
    train_loader = _as_loader("fit", train, batch_size, train=True, seed=seed, arg="train")
    val_loader = None if val is None else _as_loader("fit", val, batch_size, False, None, "val")
    loaders = (
        {"train": train_loader}
        if val_loader is None
        else {"train": train_loader, "val": val_loader}
    )
    callbacks = list(callbacks)

    path = None
    if checkpoint_dir is not None:
        os.makedirs(checkpoint_dir, exist_ok=True)
        path = os.path.join(os.fspath(checkpoint_dir), CHECKPOINT_NAME)
    history = History()
    start, stopped, saved = 0, False, None
    if resume and os.path.isfile(path):
        saved = load_checkpoint(
            path, model=model, optimizer=optimizer, scheduler=scheduler, loaders=loaders,
            restore_rng=False,
        )  # fmt: skip
        start, stopped = saved["epoch"], saved["stop_training"]
        if saved["history"] is not None:
            history.load_state_dict(saved["history"])
    done = start  # epochs completed and checkpointed

    for cb in callbacks:
        cb.set_context(model, optimizer, history)
        cb.on_train_begin({})
    if saved is not None:
        # after on_train_begin, which may reset a callback or draw random numbers
        restore_callbacks(callbacks, saved["callbacks"])
        _random.set_rng_state(saved["rng"])

    progress = Progress(mode, epochs, len(train_loader), start)
    epoch = start
    try:
        for epoch in range(start, epochs):
            if stopped:
                break
            model.train()
            for cb in callbacks:
                cb.on_epoch_begin(epoch, {})
            progress.epoch_begin(epoch)
            logs = _train_epoch(
                model, loss_fn, optimizer, train_loader, metric_fns, callbacks, progress
            )
            if val_loader is not None:
                val_logs = _evaluate(model, loss_fn, val_loader, metric_fns)
                logs.update({f"val_{k}": v for k, v in val_logs.items()})
                if not math.isfinite(logs["val_loss"]):
                    raise _Diverged("the validation loss", logs["val_loss"], None)
            bad = _first_non_finite(model)
            if bad is not None:
                raise _Diverged("a weight", bad, None)
            if isinstance(scheduler, ReduceLROnPlateau):
                scheduler.step(logs.get("val_loss", logs["loss"]))
            elif scheduler is not None:
                scheduler.step()
            history.append(epoch, logs)
            for cb in callbacks:
                cb.on_epoch_end(epoch, logs)
            stopped = any(cb.stop_training for cb in callbacks)
            if path is not None:
                save_checkpoint(
                    path, model=model, optimizer=optimizer, scheduler=scheduler,
                    loaders=loaders, epoch=epoch + 1, history=history, callbacks=callbacks,
                    stop_training=stopped,
                )  # fmt: skip
            done = epoch + 1
            progress.epoch_end(epoch, logs)
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
            f"fit: training diverged: {d.what} became {d.value} at {where}; {kept}. Try a "
            f"lower learning rate, check the data for NaN/inf, or clip the gradients.",
            epoch=epoch,
            batch=d.batch,
            value=d.value,
            history=history,
            checkpoint=path if path is not None and done > 0 else None,
        ) from None
    except KeyboardInterrupt:
        progress.close()
        print(_interrupted_message(epoch, epochs, done, path, checkpoint_dir), file=sys.stderr)
        raise
    finally:
        progress.close()
    for cb in callbacks:
        cb.on_train_end({})
    return history


def _interrupted_message(
    epoch: int, epochs: int, done: int, path: str | None, checkpoint_dir: Any
) -> str:
    head = f"fit: interrupted during epoch {epoch + 1}/{epochs}."
    if path is None:
        return f"{head} No checkpoint: pass checkpoint_dir= to fit to be able to resume."
    if done == 0:
        return f"{head} No epoch was completed, so no checkpoint was written."
    return (
        f"{head} The checkpoint of epoch {done} is kept in {path}. To continue, run the "
        f"same fit(...) again with checkpoint_dir={os.fspath(checkpoint_dir)!r} and resume=True."
    )
