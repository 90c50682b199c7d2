"""Adadelta: step sizes from running averages of squared gradients and squared updates."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from retroprop.optim.optimizer import Optimizer, _check


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler, 2012), as PyTorch computes it.

    For each parameter ``w`` with gradient ``g`` (``-g`` when ``maximize``)::

        g   <- g + weight_decay * w
        v   <- rho * v + (1 - rho) * g^2
        d   <- sqrt(u + eps) / sqrt(v + eps) * g
        u   <- rho * u + (1 - rho) * d^2
        w   <- w - lr * d

    The ratio of root mean squares gives the update the units of ``w``, so ``lr`` = 1 works.

    Args:
        params: parameters or parameter groups to optimise.
        lr: scale of the update. Default: 1.0.
        rho: decay rate of the running averages. Default: 0.9.
        eps: added inside the square roots for numerical stability. Default: 1e-6.
        weight_decay: L2 penalty. Default: 0.
        maximize: ascend the objective instead of descending it.

    State: ``step``, ``square_avg`` (v), ``acc_delta`` (u).
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        *,
        maximize: bool = False,
    ) -> None:
        _check(lr >= 0.0, "Adadelta", "learning rate", lr, ">= 0")
        _check(0.0 <= rho <= 1.0, "Adadelta", "rho value", rho, "in [0, 1]")
        _check(eps >= 0.0, "Adadelta", "epsilon value", eps, ">= 0")
        _check(weight_decay >= 0.0, "Adadelta", "weight_decay value", weight_decay, ">= 0")
        defaults = {
            "lr": float(lr),
            "rho": float(rho),
            "eps": float(eps),
            "weight_decay": float(weight_decay),
            "maximize": bool(maximize),
        }
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, rho, eps = float(group["lr"]), float(group["rho"]), float(group["eps"])
        for p, g in self._gradients(group):
            w = p._data
            state = self._step_state(p, "square_avg", "acc_delta")
            v, u = state["square_avg"], state["acc_delta"]
            tmp = np.multiply(g, g)
            tmp *= 1.0 - rho
            v *= rho
            v += tmp
            np.add(v, eps, out=tmp)
            np.sqrt(tmp, out=tmp)
            d = np.add(u, eps)
            np.sqrt(d, out=d)
            d /= tmp
            d *= g
            np.multiply(d, d, out=tmp)
            tmp *= 1.0 - rho
            u *= rho
            u += tmp
            d *= lr
            w -= d
