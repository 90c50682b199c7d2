"""Adagrad: per-coordinate learning rates from the sum of all past squared gradients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from retroprop.optim.optimizer import Optimizer, _check


class Adagrad(Optimizer):
    r"""Adagrad (Duchi, Hazan & Singer, 2011), as PyTorch computes it.

    For each parameter ``w`` with gradient ``g`` (``-g`` when ``maximize``), at step ``t``::

        g   <- g + weight_decay * w
        s   <- s + g^2                    (s starts at initial_accumulator_value)
        w   <- w - lr / (1 + (t - 1) * lr_decay) * g / (sqrt(s) + eps)

    Args:
        params: parameters or parameter groups to optimise.
        lr: learning rate. Default: 1e-2.
        lr_decay: learning rate decay. Default: 0.
        weight_decay: L2 penalty. Default: 0.
        initial_accumulator_value: starting value of the sum of squares. Default: 0.
        eps: added to the denominator for numerical stability. Default: 1e-10.
        maximize: ascend the objective instead of descending it.

    State: ``step``, ``sum`` (s), created at construction for the parameters given then (as
    PyTorch).
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        _check(lr >= 0.0, "Adagrad", "learning rate", lr, ">= 0")
        _check(lr_decay >= 0.0, "Adagrad", "lr_decay value", lr_decay, ">= 0")
        _check(weight_decay >= 0.0, "Adagrad", "weight_decay value", weight_decay, ">= 0")
        _check(
            initial_accumulator_value >= 0.0,
            "Adagrad",
            "initial_accumulator_value value",
            initial_accumulator_value,
            ">= 0",
        )
        _check(eps >= 0.0, "Adagrad", "epsilon value", eps, ">= 0")
        defaults = {
            "lr": float(lr),
            "lr_decay": float(lr_decay),
            "eps": float(eps),
            "weight_decay": float(weight_decay),
            "initial_accumulator_value": float(initial_accumulator_value),
            "maximize": bool(maximize),
        }
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p)

    def _init_state(self, p: Any) -> None:
        # as PyTorch, the optimiser-wide initial value, even for groups that set another
        state = self.state[p]
        state["step"] = 0
        state["sum"] = np.full_like(p._data, self.defaults["initial_accumulator_value"])

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, lr_decay, eps = float(group["lr"]), float(group["lr_decay"]), float(group["eps"])
        for p, g in self._gradients(group):
            w = p._data
            if not self.state[p]:
                self._init_state(p)  # a parameter added by add_param_group
            state = self.state[p]
            state["step"] += 1
            s = state["sum"]
            tmp = np.multiply(g, g)
            s += tmp
            np.sqrt(s, out=tmp)
            tmp += eps
            np.divide(g, tmp, out=tmp)
            tmp *= lr / (1.0 + (state["step"] - 1) * lr_decay)
            w -= tmp
