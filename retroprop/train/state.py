"""State: everything a training run holds, so that a checkpoint can save all of it.

A run's models, optimisers, schedules, data loaders, random generators, buffers and counters
are attributes of one ``State``; :meth:`State.state_dict` saves each by its kind:

=============================================  =============================================
attribute                                      saved as
=============================================  =============================================
Module, Optimizer, scheduler, DataLoader,      its ``state_dict()`` (restored in place by
anything with ``state_dict``/``load_state_dict``  ``load_state_dict``)
``numpy.random.Generator``                     its bit generator's state
Tensor, ``numpy.ndarray``                      the array (copied back in place)
None, bool, int, float, str, lists/dicts/tuples  the value (set again)
of those
Dataset                                        not saved: fixed data, rebuilt by ``build``
=============================================  =============================================

Anything else is refused when the first checkpoint is written, naming the attribute.

Example::

    state = State(G=G, D=D, opt_g=Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999)),
                  opt_d=Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999)),
                  data=DataLoader(images, batch_size=64, shuffle=True, seed=0),
                  noise=np.random.default_rng(1), steps=0)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from retroprop.data import Dataset
from retroprop.tensor import Tensor

_JSON = (type(None), bool, int, float, str)


def _is_plain(value: Any) -> bool:
    if isinstance(value, _JSON):
        return True
    if isinstance(value, list | tuple):
        return all(_is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in value.items())
    return False


def _kind(name: str, value: Any) -> str | None:
    """How attribute ``name`` is saved; None for what is not saved (fixed data)."""
    if isinstance(value, Dataset):
        return None
    if isinstance(value, np.random.Generator):
        return "generator"
    if isinstance(value, Tensor):
        return "tensor"
    if isinstance(value, np.ndarray):
        return "array"
    if callable(getattr(value, "state_dict", None)) and callable(
        getattr(value, "load_state_dict", None)
    ):
        return "state_dict"
    if _is_plain(value):
        return "value"
    raise TypeError(
        f"State: attribute {name!r} ({type(value).__name__}) cannot be checkpointed; keep "
        f"models, optimisers, schedulers, DataLoaders, numpy Generators, arrays, Tensors and "
        f"JSON values in the State, fixed data in a Dataset, and anything else outside it"
    )


class State:
    """The attributes of a training run (see the module docstring for what is saved).

    Args:
        **items: the run's parts by name, e.g. ``model=..., opt=..., data=...``; more can be
            set as attributes later (``state.ema = ...``).
    """

    def __init__(self, **items: Any) -> None:
        for name, value in items.items():
            setattr(self, name, value)

    def __repr__(self) -> str:
        parts = ", ".join(f"{k}={type(v).__name__}" for k, v in vars(self).items())
        return f"State({parts})"

    def items(self) -> list[tuple[str, Any]]:
        """``(name, value)`` of every attribute, in the order they were set."""
        return list(vars(self).items())

    def state_dict(self) -> dict[str, Any]:
        """``{'kinds': {name: kind}, 'values': {name: saved}}`` for every saved attribute."""
        kinds: dict[str, str] = {}
        values: dict[str, Any] = {}
        for name, value in vars(self).items():
            kind = _kind(name, value)
            if kind is None:
                continue
            kinds[name] = kind
            if kind == "generator":
                values[name] = value.bit_generator.state
            elif kind == "tensor":
                values[name] = value.detach().numpy().copy()
            elif kind == "array":
                values[name] = value.copy()
            elif kind == "state_dict":
                values[name] = value.state_dict()
            else:
                values[name] = value
        return {"kinds": kinds, "values": values}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore a :meth:`state_dict` into this State's attributes, in place.

        The State must have been built as the saved one (same attribute names and kinds);
        a missing or extra attribute raises ValueError naming it.
        """
        kinds, values = state_dict["kinds"], state_dict["values"]
        ours = {name: _kind(name, value) for name, value in vars(self).items()}
        ours = {name: kind for name, kind in ours.items() if kind is not None}
        if set(ours) != set(kinds):
            raise ValueError(
                f"State.load_state_dict: the checkpoint holds {sorted(kinds)}, this State "
                f"holds {sorted(ours)}; build the State as for the saved run"
            )
        for name, kind in kinds.items():
            if ours[name] != kind:
                raise ValueError(
                    f"State.load_state_dict: {name!r} was saved as a {kind}, this State holds "
                    f"a {ours[name]}"
                )
            target, saved = getattr(self, name), values[name]
            if kind == "generator":
                target.bit_generator.state = saved
            elif kind in ("tensor", "array"):
                array = target.detach().numpy() if kind == "tensor" else target
                saved = saved.numpy() if isinstance(saved, Tensor) else np.asarray(saved)
                if array.shape != saved.shape:
                    raise ValueError(
                        f"State.load_state_dict: {name!r} has shape {array.shape}, the "
                        f"checkpoint's has shape {saved.shape}"
                    )
                np.copyto(array, saved)
            elif kind == "state_dict":
                target.load_state_dict(saved)
            else:
                setattr(self, name, saved)
