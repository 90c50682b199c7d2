"""Warm-up and decay schedules: LinearLR, ConstantLR, PolynomialLR, CosineAnnealingWarmRestarts.

The values are PyTorch's, through the same recursive forms: each step multiplies the
*current* lr by the ratio of two consecutive closed-form values, so a change made to the lr
from outside (another scheduler in a :class:`~retroprop.optim.lr_scheduler.ChainedScheduler`)
carries on. ``_get_closed_form_lr`` gives the value at ``last_epoch`` from the base lrs; a
:class:`~retroprop.optim.lr_scheduler.SequentialLR` uses it to restart a schedule.
"""

from __future__ import annotations

import math

from retroprop.optim.lr_scheduler import LRScheduler
from retroprop.optim.optimizer import Optimizer


def _positive_int(owner: str, name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive integer, got {value!r}")
    return value


class LinearLR(LRScheduler):
    """Scale the lr by a factor going linearly from ``start_factor`` to ``end_factor`` over
    ``total_iters`` steps, then keep it::

        lr_t = base_lr * (start + (end - start) * min(t, total_iters) / total_iters)

    A usual warm-up: ``LinearLR(opt, start_factor=0.01, total_iters=500)``.

    Args:
        optimizer: the optimiser.
        start_factor: factor at step 0, in (0, 1]. Default: 1/3.
        end_factor: factor from step ``total_iters`` on, in [0, 1]. Default: 1.
        total_iters: number of steps of the ramp. Default: 5.
        last_epoch: see :class:`LRScheduler`.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        if not 0.0 < start_factor <= 1.0:
            raise ValueError(f"LinearLR: start_factor must lie in (0, 1], got {start_factor}")
        if not 0.0 <= end_factor <= 1.0:
            raise ValueError(f"LinearLR: end_factor must lie in [0, 1], got {end_factor}")
        self.start_factor = float(start_factor)
        self.end_factor = float(end_factor)
        self.total_iters = _positive_int("LinearLR", "total_iters", total_iters)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        t, a, b, n = self.last_epoch, self.start_factor, self.end_factor, self.total_iters
        if t == 0:
            return [lr * a for lr in self._current_lrs()]
        if self._is_initial or t > n:
            return self._current_lrs()
        # factor(t) / factor(t - 1), factor(t) = a + (b - a) t / n
        ratio = 1.0 + (b - a) / (n * a + (t - 1) * (b - a))
        return [lr * ratio for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        t, a, b, n = self.last_epoch, self.start_factor, self.end_factor, self.total_iters
        return [base * (a + (b - a) * min(n, t) / n) for base in self.base_lrs]


class ConstantLR(LRScheduler):
    """Scale the lr by ``factor`` for the first ``total_iters`` steps, then restore it::

        lr_t = base_lr * factor   (t < total_iters);   base_lr   (t >= total_iters)

    Args:
        optimizer: the optimiser.
        factor: the factor, in [0, 1]. Default: 1/3.
        total_iters: number of scaled steps. Default: 5.
        last_epoch: see :class:`LRScheduler`.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        factor: float = 1.0 / 3,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        if not 0.0 <= factor <= 1.0:
            raise ValueError(f"ConstantLR: factor must lie in [0, 1], got {factor}")
        self.factor = float(factor)
        self.total_iters = _positive_int("ConstantLR", "total_iters", total_iters)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0:
            return [lr * self.factor for lr in self._current_lrs()]
        if self.last_epoch != self.total_iters:
            return self._current_lrs()
        return [lr / self.factor for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        done = self.last_epoch >= self.total_iters
        return [base * (1.0 if done else self.factor) for base in self.base_lrs]


class PolynomialLR(LRScheduler):
    """Polynomial decay to zero in ``total_iters`` steps, then zero::

        lr_t = base_lr * (1 - min(t, total_iters) / total_iters) ** power

    Args:
        optimizer: the optimiser.
        total_iters: number of steps of the decay. Default: 5.
        power: the exponent (1: linear decay). Default: 1.
        last_epoch: see :class:`LRScheduler`.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        total_iters: int = 5,
        power: float = 1.0,
        last_epoch: int = -1,
    ) -> None:
        self.total_iters = _positive_int("PolynomialLR", "total_iters", total_iters)
        self.power = float(power)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        t, n = self.last_epoch, self.total_iters
        if self._is_initial or t > n:
            return self._current_lrs()
        ratio = ((1.0 - t / n) / (1.0 - (t - 1) / n)) ** self.power
        return [lr * ratio for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        t, n = self.last_epoch, self.total_iters
        return [base * (1.0 - min(n, t) / n) ** self.power for base in self.base_lrs]


class CosineAnnealingWarmRestarts(LRScheduler):
    r"""Cosine annealing with warm restarts (SGDR, Loshchilov & Hutter, 2017)::

        lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2

    where ``T_cur`` counts the steps since the last restart and the i-th period lasts
    ``T_i = T_0 * T_mult ** i`` steps; at a restart the lr jumps back to ``base_lr``.

    ``step()`` advances one step; ``step(epoch)`` jumps to a (possibly fractional) epoch, for
    per-batch updates ``sched.step(epoch + i / len(loader))``.

    Args:
        optimizer: the optimiser.
        T_0: length of the first period (a positive integer).
        T_mult: growth factor of the periods (an integer >= 1). Default: 1.
        eta_min: the lowest lr. Default: 0.
        last_epoch: see :class:`LRScheduler`.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        T_0: int,
        T_mult: int = 1,
        eta_min: float = 0.0,
        last_epoch: int = -1,
    ) -> None:
        self.T_0 = _positive_int("CosineAnnealingWarmRestarts", "T_0", T_0)
        self.T_mult = _positive_int("CosineAnnealingWarmRestarts", "T_mult", T_mult)
        if isinstance(eta_min, bool) or not isinstance(eta_min, int | float):
            raise ValueError(
                f"CosineAnnealingWarmRestarts: eta_min must be a number, got {eta_min!r}"
            )
        self.T_i = self.T_0
        self.eta_min = float(eta_min)
        self.T_cur: float = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        cos = (1.0 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
        return [self.eta_min + (base - self.eta_min) * cos for base in self.base_lrs]

    def step(self, epoch: float | None = None) -> None:  # type: ignore[override]
        """Advance one step, or go to ``epoch`` (fractional epochs allowed)."""
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:
                self.T_cur %= self.T_i
                self.T_i *= self.T_mult
        elif epoch < 0:
            raise ValueError(f"CosineAnnealingWarmRestarts: epoch must be >= 0, got {epoch}")
        elif epoch < self.T_0:
            self.T_i, self.T_cur = self.T_0, epoch
        elif self.T_mult == 1:
            self.T_cur = epoch % self.T_0
        else:
            # the number of whole periods before epoch: T_0 (T_mult^n - 1) / (T_mult - 1) <= epoch
            n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
            self.T_cur = epoch - self.T_0 * (self.T_mult**n - 1) / (self.T_mult - 1)
            self.T_i = self.T_0 * self.T_mult**n
        self._step_count += 1
        self.last_epoch = math.floor(epoch)
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = float(lr)
        self._last_lr = self._current_lrs()
