"""RMSprop: divide the gradient by a running root mean square of its recent values."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from retroprop.optim.optimizer import Optimizer, _check


class RMSprop(Optimizer):
    r"""RMSprop (Hinton's lecture 6e), as PyTorch computes it.

    For each parameter ``w`` with gradient ``g`` (``-g`` when ``maximize``)::

        g   <- g + weight_decay * w
        v   <- alpha * v + (1 - alpha) * g^2
        a   <- alpha * a + (1 - alpha) * g          if centered
        d   <- sqrt(v - a^2) + eps   if centered,   sqrt(v) + eps   otherwise
        b   <- momentum * b + g / d,  w <- w - lr * b     if momentum > 0
        w   <- w - lr * g / d                             otherwise

    Args:
        params: parameters or parameter groups to optimise.
        lr: learning rate. Default: 1e-2.
        alpha: smoothing constant of the running mean of g^2. Default: 0.99.
        eps: added to the denominator for numerical stability. Default: 1e-8.
        weight_decay: L2 penalty. Default: 0.
        momentum: momentum factor. Default: 0.
        centered: normalise by an estimate of the variance of g instead of its second moment.
        maximize: ascend the objective instead of descending it.

    State: ``step``, ``square_avg`` (v), ``momentum_buffer`` (b, when momentum > 0),
    ``grad_avg`` (a, when centered).
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        _check(lr >= 0.0, "RMSprop", "learning rate", lr, ">= 0")
        _check(eps >= 0.0, "RMSprop", "epsilon value", eps, ">= 0")
        _check(momentum >= 0.0, "RMSprop", "momentum value", momentum, ">= 0")
        _check(weight_decay >= 0.0, "RMSprop", "weight_decay value", weight_decay, ">= 0")
        _check(alpha >= 0.0, "RMSprop", "alpha value", alpha, ">= 0")
        defaults = {
            "lr": float(lr),
            "alpha": float(alpha),
            "eps": float(eps),
            "weight_decay": float(weight_decay),
            "momentum": float(momentum),
            "centered": bool(centered),
            "maximize": bool(maximize),
        }
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, alpha, eps = float(group["lr"]), float(group["alpha"]), float(group["eps"])
        momentum, centered = float(group["momentum"]), group["centered"]
        buffers = ("square_avg",) + (("momentum_buffer",) if momentum > 0 else ())
        buffers += ("grad_avg",) if centered else ()
        for p, g in self._gradients(group):
            w = p._data
            state = self._step_state(p, *buffers)
            v = state["square_avg"]
            tmp = np.multiply(g, g)
            tmp *= 1.0 - alpha
            v *= alpha
            v += tmp
            if centered:
                a = state["grad_avg"]
                np.subtract(g, a, out=tmp)
                tmp *= 1.0 - alpha
                a += tmp  # a + (1 - alpha)(g - a) = alpha a + (1 - alpha) g
                np.multiply(a, a, out=tmp)
                np.subtract(v, tmp, out=tmp)
                np.sqrt(tmp, out=tmp)
            else:
                np.sqrt(v, out=tmp)
            tmp += eps
            np.divide(g, tmp, out=tmp)
            if momentum > 0:
                b = state["momentum_buffer"]
                b *= momentum
                b += tmp
                w -= lr * b
            else:
                tmp *= lr
                w -= tmp
