"""The Optimizer base class: parameter groups, per-parameter state, zero_grad, state_dict.

An optimiser holds ``param_groups`` — a list of dicts, each with its ``'params'`` (a list of
Tensors) and its hyper-parameters (``'lr'``, ``'momentum'``, ...) — and ``state``, a dict that
maps a parameter to what the update rule remembers about it (moment estimates as NumPy arrays
of the parameter's shape and dtype, a step count). ``step()`` runs the rule of each subclass on
every parameter that has a gradient, writing into the parameter's array (``p._data``) in
place: the array keeps its identity and dtype, so anything holding it (a module, a view) sees
the new values.

``state_dict()`` has PyTorch's structure::

    {'state': {0: {'step': 3, 'exp_avg': ndarray, ...}, 1: {...}},
     'param_groups': [{'lr': 0.001, ..., 'params': [0, 1]}]}

where parameters are numbered in the order of the groups. Arrays are copies (a snapshot);
everything else is a JSON-friendly scalar or list.
"""

from __future__ import annotations

import copy
import functools
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from retroprop.autograd import enable_grad
from retroprop.tensor import Tensor


def _check(ok: bool, owner: str, what: str, value: Any, expected: str) -> None:
    """Raise PyTorch's ``Invalid <what>: <value>`` error, prefixed by the optimiser's name."""
    if not ok:
        raise ValueError(f"{owner}: Invalid {what}: {value} (expected {expected})")


def _records_step(step: Callable[..., Any]) -> Callable[..., Any]:
    """``step`` that first notes it ran (the schedulers warn when they step before it)."""

    @functools.wraps(step)
    def recorded(self: Optimizer, *args: Any, **kwargs: Any) -> Any:
        self._opt_called = True
        return step(self, *args, **kwargs)

    return recorded


class Optimizer:
    """Base class of the optimisers.

    Args:
        params: an iterable of Tensors, or of dicts (parameter groups) each with a
            ``'params'`` entry and optional hyper-parameters overriding ``defaults``.
        defaults: the hyper-parameters of the groups that do not set them.

    Subclasses implement ``_update_group(group)``: the update of every parameter of one group
    that has a gradient.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # a subclass's own step() (LBFGS, a user's optimiser) records its calls too
        super().__init_subclass__(**kwargs)
        if "step" in vars(cls):
            cls.step = _records_step(vars(cls)["step"])  # type: ignore[method-assign]

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        name = type(self).__name__
        if isinstance(params, Tensor):
            raise TypeError(
                f"{name}: params argument given to the optimizer should be an iterable of "
                "Tensors or dicts, but got a Tensor (wrap it in a list)"
            )
        self.defaults = defaults
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if not groups:
            raise ValueError(f"{name}: optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines) + "\n)"

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters (with its own hyper-parameters) to ``param_groups``.

        Useful to start training layers that were frozen. Missing hyper-parameters take the
        optimiser's defaults.
        """
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(
                f"{name}.add_param_group: param_group must be a dict, got "
                f"{type(param_group).__name__}"
            )
        if "params" not in param_group:
            raise ValueError(f"{name}.add_param_group: the param_group has no 'params' entry")
        params = param_group["params"]
        if isinstance(params, set):
            raise TypeError(
                f"{name}: optimizer parameters need to be organized in ordered collections, "
                "but the ordering of tensors in sets will change between runs. Please use a "
                "list instead."
            )
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"{name}: optimizer can only optimize Tensors, but one of the params is "
                    f"{type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError(f"{name}: can't optimize a non-leaf Tensor")
        ids = [id(p) for p in params]
        if len(set(ids)) != len(ids):
            warnings.warn(
                f"{name}: a parameter group contains the same parameter more than once",
                stacklevel=2,
            )
        taken = {id(p) for g in self.param_groups for p in g["params"]}
        if not taken.isdisjoint(ids):
            raise ValueError(f"{name}: some parameters appear in more than one parameter group")
        group = {**self.defaults, **param_group, "params": params}
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: ``p.grad = None`` (default) or a new array of zeros.

        A gradient array may be shared with another tensor, so it is replaced, never zeroed in
        place.
        """
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    g = p.grad._data
                    p.grad = None if set_to_none else Tensor(np.zeros_like(g), dtype=g.dtype)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; return ``closure()`` if given.

        Args:
            closure: a function that recomputes the loss (and its gradients) and returns it;
                it runs with gradients enabled, before the update.
        """
        self._opt_called = True
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            self._update_group(group)
            # the arrays changed in place: a graph that saved them must not reuse them
            for p in group["params"]:
                if p.grad is not None:
                    p._version[0] += 1
        return loss

    def _update_group(self, group: dict[str, Any]) -> None:
        raise NotImplementedError

    def _step_state(self, p: Tensor, *buffers: str) -> dict[str, Any]:
        """``p``'s state for this step: on the first, ``step`` 0 and a zero array like ``p`` for
        each name in ``buffers`` (PyTorch's state names); then ``step`` counted up by one."""
        state = self.state[p]
        if not state:
            state["step"] = 0
            for name in buffers:
                state[name] = np.zeros_like(p._data)
        state["step"] += 1
        return state

    # ---- saving and restoring ---------------------------------------------------------
    def _gradients(self, group: dict[str, Any], l2: bool = True) -> Iterator[tuple[Tensor, Any]]:
        """Each parameter of ``group`` that has a gradient, with the gradient every rule starts
        from: ``-g`` when ``maximize``, plus ``weight_decay * w`` (the L2 penalty's gradient)
        when ``l2`` (AdamW decays the weights itself and passes ``l2=False``)."""
        weight_decay = float(group.get("weight_decay", 0.0))
        maximize = group.get("maximize", False)
        for p in group["params"]:
            if p.grad is None:
                continue
            g = p.grad._data
            if maximize:
                g = np.negative(g)
            if l2 and weight_decay != 0:
                g = g + weight_decay * p._data
            yield p, g

    def state_dict(self) -> dict[str, Any]:
        """The optimiser's state and hyper-parameters, parameters replaced by their index.

        Returns ``{'state': {index: {key: array or number}}, 'param_groups': [...]}``; arrays
        are copies, so the dict is a snapshot that later steps do not change.
        """
        index = {}
        groups = []
        for group in self.param_groups:
            packed = _hyperparameters(group)
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {}
        for p, s in self.state.items():
            if id(p) in index:
                state[index[id(p)]] = {
                    k: v.copy() if isinstance(v, np.ndarray) else v for k, v in s.items()
                }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (for an optimiser over the same parameters).

        Hyper-parameters come from the saved groups; state arrays are copied into the
        parameters' dtype. Index keys may be strings (as after a JSON round trip), and arrays
        may be NumPy arrays, Tensors or anything ``np.asarray`` accepts.
        """
        name = type(self).__name__
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: loaded state dict has a different number of parameter "
                f"groups ({len(saved_groups)}) than the optimizer ({len(self.param_groups)})"
            )
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: loaded state dict contains a parameter group that "
                    f"doesn't match the size of optimizer's group: group {i} has "
                    f"{len(saved['params'])} parameters in the state dict, "
                    f"{len(group['params'])} in the optimizer"
                )
        by_index = {
            int(k): p
            for saved, group in zip(saved_groups, self.param_groups)
            for k, p in zip(saved["params"], group["params"])
        }
        state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for k, values in state_dict["state"].items():
            if int(k) not in by_index:
                raise ValueError(
                    f"{name}.load_state_dict: the state of parameter {k} belongs to no "
                    "parameter group"
                )
            p = by_index[int(k)]
            state[p] = {key: _load_value(name, k, key, v, p) for key, v in values.items()}
        self.state = state
        self.param_groups = [
            {**_hyperparameters(saved), "params": group["params"]}
            for saved, group in zip(saved_groups, self.param_groups)
        ]


def _hyperparameters(group: dict[str, Any]) -> dict[str, Any]:
    """A copy of a group's entries except its parameters."""
    return copy.deepcopy({k: v for k, v in group.items() if k != "params"})


def _load_value(owner: str, index: Any, key: str, value: Any, p: Tensor) -> Any:
    """A saved state entry as the update rules need it: ``step`` an int, arrays like ``p``."""
    if key == "step":
        return int(np.asarray(value).item())
    if isinstance(value, bool | int | float) or value is None:
        return value
    array = np.asarray(value).astype(p._data.dtype)
    if array.shape != p._data.shape:
        raise ValueError(
            f"{owner}.load_state_dict: state '{key}' of parameter {index} has shape "
            f"{array.shape}, but the parameter has shape {p._data.shape}"
        )
    return array
