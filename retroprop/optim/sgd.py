"""Stochastic gradient descent, with optional momentum (heavy ball or Nesterov)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from retroprop.optim.optimizer import Optimizer, _check


class SGD(Optimizer):
    r"""Stochastic gradient descent (PyTorch's formulation of momentum).

    For each parameter ``w`` with gradient ``g`` (``-g`` when ``maximize``)::

        g   <- g + weight_decay * w
        b   <- g                                   at the first step (momentum > 0)
        b   <- momentum * b + (1 - dampening) * g  afterwards
        g   <- g + momentum * b   (nesterov)   or   g <- b   (plain momentum)
        w   <- w - lr * g

    Args:
        params: parameters or parameter groups to optimise.
        lr: learning rate. Default: 1e-3.
        momentum: momentum factor. Default: 0.
        dampening: dampening of the momentum. Default: 0.
        weight_decay: L2 penalty. Default: 0.
        nesterov: Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``).
        maximize: ascend the objective instead of descending it.

    State: ``momentum_buffer`` (when momentum > 0).

    Example::

        opt = rp.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        _check(lr >= 0.0, "SGD", "learning rate", lr, ">= 0")
        _check(momentum >= 0.0, "SGD", "momentum value", momentum, ">= 0")
        _check(weight_decay >= 0.0, "SGD", "weight_decay value", weight_decay, ">= 0")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(
                "SGD: Nesterov momentum requires a momentum and zero dampening, got "
                f"momentum={momentum}, dampening={dampening}"
            )
        defaults = {
            "lr": float(lr),
            "momentum": float(momentum),
            "dampening": float(dampening),
            "weight_decay": float(weight_decay),
            "nesterov": bool(nesterov),
            "maximize": bool(maximize),
        }
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = float(group["lr"])
        momentum = float(group["momentum"])
        dampening = float(group["dampening"])
        nesterov = group["nesterov"]
        for p, g in self._gradients(group):
            w = p._data
            if momentum != 0:
                state = self.state[p]
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = state["momentum_buffer"] = np.array(g, dtype=w.dtype)
                else:
                    buf *= momentum
                    if dampening == 0:
                        buf += g
                    else:
                        buf += (1.0 - dampening) * g
                g = g + momentum * buf if nesterov else buf
            w -= lr * g
