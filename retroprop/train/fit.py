"""fit: the supervised case of the shared training loop, in the spirit of Keras.

One epoch: for each batch ``(x, y)``: ``optimizer.zero_grad()``,
``loss = loss_fn(model(x), y)``, ``loss.backward()``, ``optimizer.step()``. Then the metrics
on all the epoch's samples, validation (``model.eval()`` under ``no_grad``), the scheduler's
step, the history's new entry, the callbacks' ``on_epoch_end``, and the checkpoint
``<checkpoint_dir>/last.safetensors``. All of it runs on :func:`retroprop.train.loop`, whose
checkpoints hold the weights, the optimiser, the scheduler, the loaders, the history, the
callbacks' states and retroprop's global generator: a resumed run ends with the same bits as
a run that was never interrupted.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from retroprop.autograd import no_grad
from retroprop.data import DataLoader, Dataset, TensorDataset
from retroprop.nn.module import Module
from retroprop.optim.lr_scheduler import ReduceLROnPlateau
from retroprop.tensor import Tensor
from retroprop.train.callbacks import Callback
from retroprop.train.history import History, TrainingDiverged
from retroprop.train.loop import CHECKPOINT_NAME, loop
from retroprop.train.metrics import MetricFn, get_metric
from retroprop.train.progress import SILENT, resolve_verbose
from retroprop.train.state import State

__all__ = ["CHECKPOINT_NAME", "History", "TrainingDiverged", "evaluate", "fit"]

DEFAULT_BATCH_SIZE = 32


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
    if not isinstance(loss, Tensor) or loss._data.size != 1:
        what = f"a Tensor of shape {loss.shape}" if isinstance(loss, Tensor) else type(loss)
        raise TypeError(f"fit: loss_fn must return a scalar Tensor, got {what}")
    return float(loss.item())


def _output_array(out: Any) -> np.ndarray:
    if not isinstance(out, Tensor):
        raise TypeError(
            f"fit: metrics need the model to return one Tensor, got {type(out).__name__}"
        )
    return out._data


def _metric_logs(
    metrics: Sequence[tuple[str, MetricFn]], targets: list[np.ndarray], outputs: list[np.ndarray]
) -> dict[str, float]:
    if not metrics:
        return {}
    y_true, y_pred = np.concatenate(targets), np.concatenate(outputs)
    return {name: float(fn(y_true, y_pred)) for name, fn in metrics}


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
                    targets.append(y._data)
                    outputs.append(_output_array(out))
    finally:
        model.train(was_training)
    if count == 0:
        raise ValueError("evaluate: the data gave no batch (is it empty?)")
    return {"loss": total / count, **_metric_logs(metrics, targets, outputs)}


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
    mode = resolve_verbose(verbose)
    metric_fns = [get_metric(m) for m in metrics]
    train_loader = _as_loader("fit", train, batch_size, train=True, seed=seed, arg="train")
    val_loader = None if val is None else _as_loader("fit", val, batch_size, False, None, "val")
    model.train()
    state = State(model=model, optimizer=optimizer, train=train_loader)
    if scheduler is not None:
        state.scheduler = scheduler
    if val_loader is not None:
        state.val = val_loader
    # the epoch's targets and outputs, for metrics computed on all its samples at its end
    targets: list[np.ndarray] = []
    outputs: list[np.ndarray] = []

    def train_step(state: State, batch: Any) -> dict[str, float]:
        x, y = _unpack(batch)
        optimizer.zero_grad()
        out = model(x)
        loss = loss_fn(out, y)
        value = _loss_value(loss)
        if not math.isfinite(value):
            return {"loss": value}  # the loop stops before the bad gradient reaches the weights
        loss.backward()
        optimizer.step()
        if not metric_fns:
            return {"loss": value}
        targets.append(y.numpy())
        outputs.append(_output_array(out))
        if mode == SILENT:
            return {"loss": value}
        # per-batch values for the progress bar; the epoch's logs are computed on all samples
        return {"loss": value, **{n: float(fn(targets[-1], outputs[-1])) for n, fn in metric_fns}}

    def end_of_epoch_metrics(state: State) -> dict[str, float]:
        logs = _metric_logs(metric_fns, targets, outputs)
        targets.clear()
        outputs.clear()
        if val_loader is not None:
            val_logs = _evaluate(model, loss_fn, val_loader, metric_fns)
            logs.update({f"val_{k}": v for k, v in val_logs.items()})
        return logs

    def step_scheduler(state: State, epoch: int, logs: dict[str, float]) -> None:
        if isinstance(scheduler, ReduceLROnPlateau):
            scheduler.step(logs.get("val_loss", logs["loss"]))
        elif scheduler is not None:
            scheduler.step()

    return loop(
        state,
        train_step,
        train_loader,
        epochs=epochs,
        evaluate=end_of_epoch_metrics,
        on_epoch_end=step_scheduler,
        callbacks=callbacks,
        model=model,
        optimizer=optimizer,
        checkpoint_dir=checkpoint_dir,
        resume=resume,
        seed=seed,
        verbose=mode,
        owner="fit",
    )
