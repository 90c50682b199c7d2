"""Training checkpoints: everything a run needs to continue bitwise, in ONE safetensors file.

The file (written by ``rp.save``, atomically: a crash or a kill mid-write leaves the previous
checkpoint intact) holds the dict::

    {'format': 'retroprop.train.checkpoint', 'version': 1,
     'epoch': completed epochs, 'stop_training': bool,
     'model': state_dict, 'optimizer': state_dict | None, 'scheduler': state_dict | None,
     'rng': retroprop's global generator state (rp.get_rng_state()),
     'loaders': {name: DataLoader.state_dict()},      # each loader's shuffling generator
     'history': History.state_dict() | None,
     'callbacks': [{'class': class name, 'state': callback.state_dict()}, ...]}

The weights are safetensors tensors named ``model.<key>`` (the optimiser's moments
``optimizer.state.<i>.<name>``); the rest lives in the header's JSON metadata.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from retroprop import io
from retroprop import random as _random
from retroprop.nn.module import Module

FORMAT = "retroprop.train.checkpoint"
VERSION = 1
LOOP_VERSION = 2  # written by retroprop.train.loop (and fit): the whole State, by name


def _from_loop(ckpt: dict[str, Any]) -> dict[str, Any]:
    """A loop checkpoint seen as a version-1 one: the State's ``model``, ``optimizer`` and
    ``scheduler`` attributes (the names fit gives them) at the top, the rest kept."""
    values = ckpt["state"]["values"]
    return {
        **ckpt,
        "model": values.get("model", {}),
        "optimizer": values.get("optimizer"),
        "scheduler": values.get("scheduler"),
    }


def save_checkpoint(
    path: str | os.PathLike,
    *,
    model: Module,
    optimizer: Any = None,
    scheduler: Any = None,
    loaders: Mapping[str, Any] | None = None,
    epoch: int = 0,
    history: Any = None,
    callbacks: Sequence[Any] = (),
    stop_training: bool = False,
) -> None:
    """Write a training checkpoint to ``path`` (atomically).

    Args:
        path: the file to write (e.g. ``'ckpt/last.safetensors'``); its folder must exist.
        model: the model (its state_dict is saved).
        optimizer, scheduler: saved through their ``state_dict()`` when given.
        loaders: DataLoaders by name, e.g. ``{'train': loader}``: their shuffling state.
        epoch: the number of completed epochs.
        history: a :class:`~retroprop.train.History` (or anything with ``state_dict()``).
        callbacks: callbacks whose ``state_dict()`` is saved (with their class names).
        stop_training: whether a callback had stopped the run.

    The global generator's state (``rp.get_rng_state()``) is always saved.
    """
    if not isinstance(model, Module):
        raise TypeError(f"save_checkpoint: model must be an nn.Module, got {type(model).__name__}")
    state = {
        "format": FORMAT,
        "version": VERSION,
        "epoch": int(epoch),
        "stop_training": bool(stop_training),
        "model": dict(model.state_dict()),
        "optimizer": None if optimizer is None else optimizer.state_dict(),
        "scheduler": None if scheduler is None else scheduler.state_dict(),
        "rng": _random.get_rng_state(),
        "loaders": {name: loader.state_dict() for name, loader in (loaders or {}).items()},
        "history": None if history is None else history.state_dict(),
        "callbacks": [{"class": type(cb).__name__, "state": cb.state_dict()} for cb in callbacks],
    }
    io.save(state, path)


def restore_callbacks(callbacks: Sequence[Any], saved: Sequence[Mapping[str, Any]]) -> None:
    """Give each callback the saved state of the callback of its class at the same rank.

    A callback with no saved counterpart (added since) keeps its state; a saved non-empty
    state that no callback takes raises ValueError, since the run could not continue as it was.
    """
    pending: dict[str, list[Any]] = {}
    for entry in saved:
        pending.setdefault(entry["class"], []).append(entry["state"])
    for cb in callbacks:
        states = pending.get(type(cb).__name__)
        if states:
            cb.load_state_dict(states.pop(0))
    lost = [name for name, states in pending.items() for state in states if state]
    if lost:
        raise ValueError(
            f"load_checkpoint: the checkpoint holds the state of callbacks {lost} that no given "
            f"callback takes; pass the interrupted run's callbacks"
        )


def _restore(what: str, target: Any, saved: Any, path: str) -> None:
    if target is None:
        return
    if saved is None:
        raise ValueError(f"load_checkpoint: {path!r} holds no {what} state, but a {what} was given")
    target.load_state_dict(saved)


def load_checkpoint(
    path: str | os.PathLike,
    *,
    model: Module | None = None,
    optimizer: Any = None,
    scheduler: Any = None,
    loaders: Mapping[str, Any] | None = None,
    callbacks: Sequence[Any] = (),
    restore_rng: bool = True,
) -> dict[str, Any]:
    """Read a checkpoint written by :func:`save_checkpoint` and restore what is given.

    Args:
        path: the checkpoint file.
        model, optimizer, scheduler: loaded in place when given (built as for the saved run).
        loaders: DataLoaders by name, as saved.
        callbacks: callbacks to restore (see :func:`restore_callbacks`).
        restore_rng: also restore retroprop's global generator.

    Returns the checkpoint's dict (``epoch``, ``history``, ... as described in the module
    docstring), e.g. to rebuild a History with ``History.from_state_dict(ckpt['history'])``.

    Example::

        ckpt = load_checkpoint("runs/mnist/last.safetensors", model=model)
        print("trained for", ckpt["epoch"], "epochs")
    """
    path = os.fspath(path)
    state = io.load(path)
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise ValueError(
            f"load_checkpoint: {path!r} is not a retroprop training checkpoint (written by "
            f"save_checkpoint or fit(checkpoint_dir=...)); for plain weights use "
            f"model.load_state_dict(rp.load(path))"
        )
    if state.get("version") == LOOP_VERSION:
        state = _from_loop(state)
    elif state.get("version") != VERSION:
        raise ValueError(
            f"load_checkpoint: {path!r} has checkpoint version {state.get('version')!r}, this "
            f"retroprop reads versions {VERSION} and {LOOP_VERSION}"
        )
    if model is not None:
        model.load_state_dict(state["model"])
    _restore("optimizer", optimizer, state["optimizer"], path)
    _restore("scheduler", scheduler, state["scheduler"], path)
    for name, loader in (loaders or {}).items():
        if name not in state["loaders"]:
            raise ValueError(
                f"load_checkpoint: {path!r} holds the state of the loaders "
                f"{sorted(state['loaders'])}, not of {name!r}"
            )
        loader.load_state_dict(state["loaders"][name])
    if callbacks:
        restore_callbacks(callbacks, state["callbacks"])
    if restore_rng:
        _random.set_rng_state(state["rng"])
    return state
