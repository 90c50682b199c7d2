"""Adamax: Adam with the infinity norm in place of the second moment."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from retroprop.optim.adam import _check_betas
from retroprop.optim.optimizer import Optimizer, _check


class Adamax(Optimizer):
    r"""Adamax (Kingma & Ba, 2015, section 7), as PyTorch computes it.

    For each parameter ``w`` with gradient ``g`` (``-g`` when ``maximize``), at step ``t``::

        g   <- g + weight_decay * w
        m   <- beta1 * m + (1 - beta1) * g
        u   <- max(beta2 * u, |g| + eps)
        w   <- w - lr / (1 - beta1^t) * m / u

    Args:
        params: parameters or parameter groups to optimise.
        lr: learning rate. Default: 2e-3.
        betas: decay rates of the first moment and of the infinity norm. Default: (0.9, 0.999).
        eps: added to |g| for numerical stability. Default: 1e-8.
        weight_decay: L2 penalty. Default: 0.
        maximize: ascend the objective instead of descending it.

    State: ``step``, ``exp_avg`` (m), ``exp_inf`` (u).
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        *,
        maximize: bool = False,
    ) -> None:
        _check(lr >= 0.0, "Adamax", "learning rate", lr, ">= 0")
        _check(eps >= 0.0, "Adamax", "epsilon value", eps, ">= 0")
        betas = _check_betas("Adamax", betas)
        _check(weight_decay >= 0.0, "Adamax", "weight_decay value", weight_decay, ">= 0")
        defaults = {
            "lr": float(lr),
            "betas": betas,
            "eps": float(eps),
            "weight_decay": float(weight_decay),
            "maximize": bool(maximize),
        }
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, eps = float(group["lr"]), float(group["eps"])
        beta1, beta2 = (float(b) for b in group["betas"])
        for p, g in self._gradients(group):
            w = p._data
            state = self._step_state(p, "exp_avg", "exp_inf")
            m, u = state["exp_avg"], state["exp_inf"]
            tmp = np.subtract(g, m)
            tmp *= 1.0 - beta1
            m += tmp  # m + (1 - beta1)(g - m) = beta1 m + (1 - beta1) g
            np.abs(g, out=tmp)
            tmp += eps
            u *= beta2
            np.maximum(u, tmp, out=u)
            np.divide(m, u, out=tmp)
            tmp *= lr / (1.0 - beta1 ** state["step"])
            w -= tmp
