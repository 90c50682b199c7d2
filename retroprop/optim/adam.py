"""Adam and AdamW: adaptive moment estimation, with L2 or decoupled weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from retroprop.optim.optimizer import Optimizer, _check


def _check_betas(owner: str, betas: tuple[float, float]) -> tuple[float, float]:
    if len(betas) != 2:
        raise ValueError(f"{owner}: betas must be a pair (beta1, beta2), got {betas}")
    for i, beta in enumerate(betas):
        _check(0.0 <= beta < 1.0, owner, f"beta parameter at index {i}", beta, "in [0, 1)")
    return float(betas[0]), float(betas[1])


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015), as PyTorch computes it.

    For each parameter ``w`` with gradient ``g`` (``-g`` when ``maximize``), at step ``t``::

        w   <- w * (1 - lr * weight_decay)     if decoupled_weight_decay (AdamW)
        g   <- g + weight_decay * w            otherwise (L2 penalty)
        m   <- beta1 * m + (1 - beta1) * g
        v   <- beta2 * v + (1 - beta2) * g^2
        v_max <- max(v_max, v)                 if amsgrad (then v_max replaces v below)
        w   <- w - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
        w   <- w - lr / (1 - beta1^t) * m / sqrt(v / (1 - beta2^t) + eps)    if eps_inside_sqrt

    Args:
        params: parameters or parameter groups to optimise.
        lr: learning rate. Default: 1e-3.
        betas: decay rates of the first and second moment estimates. Default: (0.9, 0.999).
        eps: added to the denominator for numerical stability. Default: 1e-8.
        weight_decay: weight decay coefficient. Default: 0.
        amsgrad: use the maximum of the past second moments (Reddi et al., 2018).
        maximize: ascend the objective instead of descending it.
        decoupled_weight_decay: shrink the weights directly instead of adding an L2 term to
            the gradient (this is AdamW).
        eps_inside_sqrt: add ``eps`` to the bias-corrected second moment under the square
            root, as the original Theano code of Salimans et al. (2016) does, instead of to
            its root; then ``eps`` bounds the step by ``lr * |m_hat| / sqrt(eps)``. Default: off
            (and then absent from the parameter groups, as in PyTorch's state_dict).

    State: ``step``, ``exp_avg`` (m), ``exp_avg_sq`` (v), ``max_exp_avg_sq`` (amsgrad).
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
        eps_inside_sqrt: bool = False,
    ) -> None:
        name = type(self).__name__
        _check(lr >= 0.0, name, "learning rate", lr, ">= 0")
        _check(eps >= 0.0, name, "epsilon value", eps, ">= 0")
        betas = _check_betas(name, betas)
        _check(weight_decay >= 0.0, name, "weight_decay value", weight_decay, ">= 0")
        defaults = {
            "lr": float(lr),
            "betas": betas,
            "eps": float(eps),
            "weight_decay": float(weight_decay),
            "amsgrad": bool(amsgrad),
            "maximize": bool(maximize),
            "decoupled_weight_decay": bool(decoupled_weight_decay),
        }
        if eps_inside_sqrt:  # only then, so that the default state_dict is PyTorch's
            defaults["eps_inside_sqrt"] = True
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, eps = float(group["lr"]), float(group["eps"])
        beta1, beta2 = (float(b) for b in group["betas"])
        weight_decay = float(group["weight_decay"])
        amsgrad = group["amsgrad"]
        decoupled = group["decoupled_weight_decay"]
        inside = group.get("eps_inside_sqrt", False)
        buffers = ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if amsgrad else ())
        for p, g in self._gradients(group, l2=not decoupled):
            w = p._data
            state = self._step_state(p, *buffers)
            t = state["step"]
            m, v = state["exp_avg"], state["exp_avg_sq"]
            if decoupled and weight_decay != 0:
                w *= 1.0 - lr * weight_decay
            # one scratch array serves every intermediate below
            tmp = np.subtract(g, m)
            tmp *= 1.0 - beta1
            m += tmp  # m + (1 - beta1)(g - m) = beta1 m + (1 - beta1) g
            np.multiply(g, g, out=tmp)
            tmp *= 1.0 - beta2
            v *= beta2
            v += tmp
            if amsgrad:
                v = np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            if inside:
                np.divide(v, 1.0 - beta2**t, out=tmp)
                tmp += eps
                np.sqrt(tmp, out=tmp)
            else:
                np.sqrt(v, out=tmp)
                tmp /= (1.0 - beta2**t) ** 0.5
                tmp += eps
            np.divide(m, tmp, out=tmp)
            tmp *= lr / (1.0 - beta1**t)
            w -= tmp


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter, 2019).

    The weights shrink by ``lr * weight_decay`` of themselves at every step, apart from the
    adaptive gradient step, instead of an L2 term entering the moment estimates::

        w <- w * (1 - lr * weight_decay),  then the Adam step

    Args: as :class:`Adam`, with ``weight_decay`` defaulting to 1e-2.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
        )
