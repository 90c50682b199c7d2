"""Learning-rate schedules: they rewrite ``group['lr']`` of an optimiser at each ``step()``.

Call ``scheduler.step()`` once per epoch (or per batch for OneCycleLR), after
``optimizer.step()``: a first ``scheduler.step()`` before any ``optimizer.step()`` warns, as
in PyTorch (it skips the schedule's first value). The values follow PyTorch's, including its
recursive forms (StepLR, ExponentialLR and CosineAnnealingLR multiply the *current* lr, so
changes made to it from outside carry on). ``state_dict()`` is JSON-friendly: numbers,
strings and lists.

    sched = StepLR(opt, step_size=30, gamma=0.1)
    for epoch in range(100):
        train(...); sched.step()
"""

from __future__ import annotations

import copy
import math
import types
import warnings
from bisect import bisect_right
from collections.abc import Callable, Iterable
from typing import Any

from retroprop.optim.optimizer import Optimizer


def _per_group(name: str, optimizer: Optimizer, value: Any) -> list[float]:
    """One value per parameter group: a list as given (checked), or a number repeated."""
    n = len(optimizer.param_groups)
    if isinstance(value, list | tuple):
        if len(value) != n:
            raise ValueError(
                f"{name} must have the same length as optimizer.param_groups. {name} has "
                f"{len(value)} values, param_groups has {n}."
            )
        return [float(v) for v in value]
    return [float(value)] * n


class LRScheduler:
    """Base class of the schedules: subclasses implement :meth:`get_lr`.

    Args:
        optimizer: the optimiser whose learning rates are scheduled.
        last_epoch: index of the last epoch; -1 (default) starts the schedule, another value
            resumes it (the groups must then hold their ``'initial_lr'``).

    The constructor records each group's ``'initial_lr'`` (its lr) as ``base_lrs`` and takes
    the first step, to epoch 0.
    """

    _is_initial = False

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__}: {type(optimizer).__name__} is not an Optimizer"
            )
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"{type(self).__name__}: param 'initial_lr' is not specified in "
                        f"param_groups[{i}] when resuming scheduler with last_epoch >= 0 "
                        f"(last_epoch={last_epoch}); load the optimizer's state first"
                    )
        self.base_lrs = [float(group["initial_lr"]) for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        """The constructor's step, to epoch 0 (SequentialLR repeats it on its first schedule)."""
        self._step_count = 0
        self._is_initial = True
        self.step()
        self._is_initial = False

    def _go_to(self, epoch: int) -> None:
        """Jump to ``epoch`` (``step(epoch)``; SequentialLR's restart at 0): the schedule's
        closed form when it has one, else ``get_lr()``."""
        self.last_epoch = epoch
        closed = getattr(self, "_get_closed_form_lr", None)
        for group, lr in zip(self.optimizer.param_groups, closed() if closed else self.get_lr()):
            group["lr"] = float(lr)
        self._last_lr = self._current_lrs()

    def get_lr(self) -> list[float]:
        """The learning rate of each group at epoch ``self.last_epoch``."""
        raise NotImplementedError

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the last ``step()``, one per group."""
        return list(self._last_lr)

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch and write the new learning rates into the optimiser.

        ``step(epoch)`` (deprecated in PyTorch, and warned as there) jumps to ``epoch``
        through the schedule's closed form instead.
        """
        if self._step_count == 1 and not getattr(self.optimizer, "_opt_called", False):
            warnings.warn(
                "Detected call of `lr_scheduler.step()` before `optimizer.step()`. Call them "
                "in the opposite order: `optimizer.step()` before `lr_scheduler.step()`; "
                "otherwise the first value of the learning rate schedule is skipped (as in "
                "PyTorch 1.1.0 and later).",
                UserWarning,
                stacklevel=2,
            )
        self._step_count += 1
        if epoch is not None:
            warnings.warn(
                "The epoch parameter in `scheduler.step()` was not necessary and is being "
                "deprecated where possible. Please use `scheduler.step()` to step the "
                "scheduler. During the deprecation, if epoch is different from None, the "
                "closed form is used instead of the new chainable form, where available.",
                UserWarning,
                stacklevel=2,
            )
            self._go_to(epoch)
            return
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = float(lr)
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _current_lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """Every attribute except the optimiser (numbers, strings and lists)."""
        return {k: copy.deepcopy(v) for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the attributes saved by :meth:`state_dict`."""
        self.__dict__.update(copy.deepcopy(state_dict))


class LambdaLR(LRScheduler):
    """``lr = base_lr * lr_lambda(epoch)``.

    Args:
        optimizer: the optimiser.
        lr_lambda: a function of the epoch giving a factor, or a list of them (one per group).
        last_epoch: see :class:`LRScheduler`.

    As PyTorch, ``state_dict()`` does not save plain functions (it stores None for them; a
    callable object is saved as its ``__dict__``): recreate the scheduler with the same
    lambdas before loading.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | list[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        n = len(optimizer.param_groups)
        if isinstance(lr_lambda, list | tuple):
            if len(lr_lambda) != n:
                raise ValueError(f"LambdaLR: Expected {n} lr_lambdas, but got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * n
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [base * f(self.last_epoch) for f, base in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self) -> dict[str, Any]:
        """As the base class, with ``lr_lambdas``: None for functions, an object's ``__dict__``."""
        state = {
            k: copy.deepcopy(v)
            for k, v in self.__dict__.items()
            if k not in ("optimizer", "lr_lambdas")
        }
        state["lr_lambdas"] = [
            None if isinstance(f, types.FunctionType) else copy.deepcopy(f.__dict__)
            for f in self.lr_lambdas
        ]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)
        saved_lambdas = state.pop("lr_lambdas")
        super().load_state_dict(state)
        for f, saved in zip(self.lr_lambdas, saved_lambdas):
            if saved is not None:
                f.__dict__.update(copy.deepcopy(saved))


class StepLR(LRScheduler):
    """Multiply the lr by ``gamma`` every ``step_size`` epochs.

    ``lr = base_lr * gamma ** (epoch // step_size)`` (applied to the current lr, recursively).

    Args:
        optimizer: the optimiser.
        step_size: period of the decay, in epochs.
        gamma: multiplicative factor. Default: 0.1.
        last_epoch: see :class:`LRScheduler`.
    """

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        if not isinstance(step_size, int) or step_size < 1:
            raise ValueError(f"StepLR: step_size must be a positive integer, got {step_size}")
        self.step_size = step_size
        self.gamma = float(gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    """Multiply the lr by ``gamma`` at each epoch listed in ``milestones``.

    ``lr = base_lr * gamma ** (number of milestones <= epoch)``; a milestone listed twice
    counts twice.

    Args:
        optimizer: the optimiser.
        milestones: epoch indices (increasing).
        gamma: multiplicative factor. Default: 0.1.
        last_epoch: see :class:`LRScheduler`.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        milestones: Iterable[int],
        gamma: float = 0.1,
        last_epoch: int = -1,
    ) -> None:
        self.milestones = sorted(int(m) for m in milestones)
        self.gamma = float(gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        hits = self.milestones.count(self.last_epoch)
        if hits == 0:
            return self._current_lrs()
        return [lr * self.gamma**hits for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        hits = bisect_right(self.milestones, self.last_epoch)
        return [base * self.gamma**hits for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Multiply the lr by ``gamma`` every epoch: ``lr = base_lr * gamma ** epoch``.

    Args:
        optimizer: the optimiser.
        gamma: multiplicative factor.
        last_epoch: see :class:`LRScheduler`.
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = float(gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma**self.last_epoch for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    r"""Cosine annealing from the base lr down to ``eta_min`` over ``T_max`` epochs.

    ``lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2``

    computed, as PyTorch, by the recursion::

        lr_t = eta_min + (lr_{t-1} - eta_min) * (1 + cos(pi t / T)) / (1 + cos(pi (t-1) / T))

    which equals the closed form when nothing else changes the lr. Past ``T_max`` the lr
    climbs back up (a period of ``2 T_max``), as PyTorch's.

    Args:
        optimizer: the optimiser.
        T_max: number of epochs of the descent.
        eta_min: the lowest lr. Default: 0.
        last_epoch: see :class:`LRScheduler`.
    """

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        if T_max <= 0:
            raise ValueError(f"CosineAnnealingLR: T_max must be positive, got {T_max}")
        self.T_max = T_max
        self.eta_min = float(eta_min)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        t, T, low = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._current_lrs()
        if self._step_count == 1 and t > 0:
            return [
                low + (base - low) * (1 + math.cos(t * math.pi / T)) / 2 for base in self.base_lrs
            ]
        if (t - 1 - T) % (2 * T) == 0:
            # at the bottom of the cosine: the recursion's ratio would divide by zero
            return [
                lr + (base - low) * (1 - math.cos(math.pi / T)) / 2
                for base, lr in zip(self.base_lrs, self._current_lrs())
            ]
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return [ratio * (lr - low) + low for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        cos = (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
        return [self.eta_min + (base - self.eta_min) * cos for base in self.base_lrs]


class InverseTimeLR(LRScheduler):
    r"""Inverse-time decay: ``lr_n = base_lr / (1 + decay * n) ** power``.

    With ``decay=1`` and ``power=1`` (the defaults) this is the ``lr_0 / (n + 1)`` schedule
    under which SGD converges on convex problems: for ``1/2 < power <= 1`` the step sizes
    satisfy the Robbins–Monro conditions ``sum lr_n = inf`` and ``sum lr_n^2 < inf`` (they
    shrink enough to average out the gradient noise, but not so fast that the iterates stop
    before the optimum). PyTorch has no such class (``LambdaLR`` with the same formula gives
    the same values).

    Args:
        optimizer: the optimiser.
        decay: how fast the lr shrinks. Default: 1.0.
        power: exponent of the decay. Default: 1.0.
        last_epoch: see :class:`LRScheduler`.
    """

    def __init__(
        self, optimizer: Optimizer, decay: float = 1.0, power: float = 1.0, last_epoch: int = -1
    ) -> None:
        if decay < 0:
            raise ValueError(f"InverseTimeLR: decay must be >= 0, got {decay}")
        if power <= 0:
            raise ValueError(f"InverseTimeLR: power must be > 0, got {power}")
        self.decay = float(decay)
        self.power = float(power)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        factor = (1.0 + self.decay * self.last_epoch) ** self.power
        return [base / factor for base in self.base_lrs]


class ReduceLROnPlateau(LRScheduler):
    """Multiply the lr by ``factor`` when a metric has stopped improving for a while.

    ``step(metric)`` after each evaluation. A value is an improvement when it beats the best
    so far by the threshold: ``a < best * (1 - threshold)`` (mode 'min', threshold_mode 'rel'),
    ``a < best - threshold`` ('min', 'abs'), and the mirror images for 'max'. After more than
    ``patience`` epochs without improvement, ``lr <- max(lr * factor, min_lr)`` (skipped when
    the change is below ``eps``), then ``cooldown`` epochs pass before counting again.

    Args:
        optimizer: the optimiser.
        mode: 'min' (a loss) or 'max' (an accuracy). Default: 'min'.
        factor: multiplicative factor, < 1. Default: 0.1.
        patience: epochs without improvement tolerated. Default: 10.
        threshold: the margin of an improvement. Default: 1e-4.
        threshold_mode: 'rel' or 'abs'. Default: 'rel'.
        cooldown: epochs to wait after a reduction. Default: 0.
        min_lr: lower bound on the lr, one number or one per group. Default: 0.
        eps: smallest change of lr worth making. Default: 1e-8.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | list[float] = 0,
        eps: float = 1e-8,
    ) -> None:
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau: Factor should be < 1.0, got {factor}")
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"ReduceLROnPlateau: {type(optimizer).__name__} is not an Optimizer")
        if mode not in ("min", "max"):
            raise ValueError(
                f"ReduceLROnPlateau: mode {mode!r} is unknown (expected 'min' or 'max')"
            )
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(
                f"ReduceLROnPlateau: threshold mode {threshold_mode!r} is unknown "
                "(expected 'rel' or 'abs')"
            )
        self.optimizer = optimizer
        self.factor = float(factor)
        self.min_lrs = _per_group("min_lr", optimizer, min_lr)
        self.patience = patience
        self.cooldown = cooldown
        self.eps = float(eps)
        self.mode = mode
        self.threshold = float(threshold)
        self.threshold_mode = threshold_mode
        self.last_epoch = 0
        self._last_lr = self._current_lrs()
        self.best = math.inf if mode == "min" else -math.inf
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def step(self, metrics: Any) -> None:  # type: ignore[override]
        """Record the metric of one more epoch and reduce the lr if it has plateaued."""
        current = float(metrics)
        self.last_epoch += 1
        if self._is_better(current):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during the cooldown do not count
        if self.num_bad_epochs > self.patience:
            for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
                old = float(group["lr"])
                new = max(old * self.factor, min_lr)
                if old - new > self.eps:
                    group["lr"] = new
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = self._current_lrs()

    def _is_better(self, a: float) -> bool:
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < self.best * (1.0 - self.threshold)
        if self.mode == "min":
            return a < self.best - self.threshold
        if self.threshold_mode == "rel":
            return a > self.best * (self.threshold + 1.0)
        return a > self.best + self.threshold


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin, 2019): warm up to ``max_lr``, then anneal far below.

    Two phases (the default): from ``max_lr / div_factor`` up to ``max_lr`` over the first
    ``pct_start`` of the steps, then down to ``max_lr / div_factor / final_div_factor``. With
    ``three_phase``, the descent first returns to the initial lr symmetrically, and only then
    goes to the minimum. Each phase interpolates by a half cosine (``anneal_strategy='cos'``)
    or a straight line. When ``cycle_momentum``, the momentum (SGD, RMSprop) or beta1 (Adam)
    moves the opposite way between ``max_momentum`` and ``base_momentum``.

    Call ``step()`` after every batch; ``total_steps`` (or ``epochs * steps_per_epoch``)
    steps are allowed.

    Args:
        optimizer: the optimiser.
        max_lr: the peak lr, one number or one per group.
        total_steps: number of steps of the cycle.
        epochs, steps_per_epoch: give ``total_steps = epochs * steps_per_epoch`` instead.
        pct_start: fraction of the steps spent increasing the lr. Default: 0.3.
        anneal_strategy: 'cos' or 'linear'. Default: 'cos'.
        cycle_momentum: cycle the momentum inversely to the lr. Default: True.
        base_momentum: the lowest momentum (at the lr's peak). Default: 0.85.
        max_momentum: the highest momentum. Default: 0.95.
        div_factor: initial lr = max_lr / div_factor. Default: 25.
        final_div_factor: minimum lr = initial lr / final_div_factor. Default: 1e4.
        three_phase: use the three-phase schedule. Default: False.
        last_epoch: see :class:`LRScheduler`.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | list[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.85,
        max_momentum: float | list[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"OneCycleLR: {type(optimizer).__name__} is not an Optimizer")
        if total_steps is not None:
            if not isinstance(total_steps, int) or total_steps <= 0:
                raise ValueError(
                    f"OneCycleLR: Expected positive integer total_steps, but got {total_steps}"
                )
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            for name, value in (("epochs", epochs), ("steps_per_epoch", steps_per_epoch)):
                if not isinstance(value, int) or value <= 0:
                    raise ValueError(
                        f"OneCycleLR: Expected positive integer {name}, but got {value}"
                    )
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError(
                "OneCycleLR: You must define either total_steps OR (epochs AND steps_per_epoch)"
            )
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
            raise ValueError(
                f"OneCycleLR: Expected float between 0 and 1 pct_start, but got {pct_start}"
            )
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                "OneCycleLR: anneal_strategy must be one of 'cos' or 'linear', instead got "
                f"{anneal_strategy}"
            )
        self.anneal_strategy = anneal_strategy
        # each phase: the step where it ends and the group keys of its start and end values
        up = float(pct_start * self.total_steps) - 1
        if three_phase:
            self.phases = [
                [up, "initial_lr", "max_lr", "max_momentum", "base_momentum"],
                [2 * up, "max_lr", "initial_lr", "base_momentum", "max_momentum"],
                [self.total_steps - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"],
            ]
        else:
            self.phases = [
                [up, "initial_lr", "max_lr", "max_momentum", "base_momentum"],
                [self.total_steps - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"],
            ]
        max_lrs = _per_group("max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for lr, group in zip(max_lrs, optimizer.param_groups):
                group["initial_lr"] = lr / div_factor
                group["max_lr"] = lr
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError(
                    f"OneCycleLR: optimizer must support momentum or beta1 with `cycle_momentum` "
                    f"option enabled ({type(optimizer).__name__} has neither)"
                )
            self.use_beta1 = "betas" in optimizer.defaults
            highs = _per_group("max_momentum", optimizer, max_momentum)
            lows = _per_group("base_momentum", optimizer, base_momentum)
            if last_epoch == -1:
                for high, low, group in zip(highs, lows, optimizer.param_groups):
                    self._set_momentum(group, high)
                    group["max_momentum"] = high
                    group["base_momentum"] = low
        super().__init__(optimizer, last_epoch)

    def _set_momentum(self, group: dict[str, Any], value: float) -> None:
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        t = self.last_epoch
        if t > self.total_steps:
            raise ValueError(
                f"OneCycleLR: Tried to step {t} times. The specified number of total steps is "
                f"{self.total_steps}"
            )
        lrs = []
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, (end, lr0, lr1, mom0, mom1) in enumerate(self.phases):
                if t <= end or i == len(self.phases) - 1:
                    pct = (t - start) / (end - start)
                    lrs.append(self._anneal(group[lr0], group[lr1], pct))
                    if self.cycle_momentum:
                        self._set_momentum(group, self._anneal(group[mom0], group[mom1], pct))
                    break
                start = end
        return lrs


# schedules with files of their own, importable from here as from torch.optim.lr_scheduler
from retroprop.optim.lr_compose import ChainedScheduler, SequentialLR  # noqa: E402
from retroprop.optim.lr_warmup import (  # noqa: E402
    ConstantLR,
    CosineAnnealingWarmRestarts,
    LinearLR,
    PolynomialLR,
)

__all__ = [
    "ChainedScheduler",
    "ConstantLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "ExponentialLR",
    "InverseTimeLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "OneCycleLR",
    "PolynomialLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "StepLR",
]
