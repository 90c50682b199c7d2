"""Schedules made of other schedules: SequentialLR (one after the other, switching at
milestones) and ChainedScheduler (all at once, their factors multiplying).

Both save the states of the schedules they hold in their own ``state_dict()``, under
``'_schedulers'``, as PyTorch does.
"""

from __future__ import annotations

import copy
from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

from retroprop.optim.lr_scheduler import LRScheduler, ReduceLROnPlateau
from retroprop.optim.optimizer import Optimizer


def _check_schedulers(owner: str, schedulers: Sequence[Any], optimizer: Optimizer) -> None:
    if len(schedulers) < 1:
        raise ValueError(f"{owner}: expected at least one scheduler, got none")
    for i, s in enumerate(schedulers):
        if not hasattr(s, "optimizer"):
            raise TypeError(
                f"{owner}: the scheduler at index {i} ({type(s).__name__}) has no optimizer"
            )
        if isinstance(s, ReduceLROnPlateau):
            raise ValueError(
                f"{owner}: ReduceLROnPlateau (index {i}) is not supported: its step() needs "
                "the metric"
            )
        if s.optimizer is not optimizer:
            raise ValueError(
                f"{owner}: every scheduler must belong to the same optimizer; the scheduler "
                f"at index {i} ({type(s).__name__}) has another one"
            )


class _Composite(LRScheduler):
    """State handling shared by the composite schedules."""

    _schedulers: list[Any]

    def state_dict(self) -> dict[str, Any]:
        """Own attributes (not the optimiser) and ``'_schedulers'``: each one's state_dict."""
        state = {
            k: copy.deepcopy(v)
            for k, v in self.__dict__.items()
            if k not in ("optimizer", "_schedulers")
        }
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)
        inner = state.pop("_schedulers")
        self.__dict__.update(copy.deepcopy(state))
        for s, saved in zip(self._schedulers, inner):
            s.load_state_dict(saved)


class SequentialLR(_Composite):
    """Run ``schedulers[0]`` until ``milestones[0]``, then ``schedulers[1]`` (restarted at its
    epoch 0) until ``milestones[1]``, and so on. A warm-up then a decay::

        warm = LinearLR(opt, start_factor=0.1, total_iters=5)
        decay = CosineAnnealingLR(opt, T_max=95)
        sched = SequentialLR(opt, [warm, decay], milestones=[5])

    Creating the inner schedulers stepped them once each: that step is undone, the lrs are
    reset to ``'initial_lr'`` and only the first scheduler takes its initial step.

    Args:
        optimizer: the optimiser every scheduler belongs to.
        schedulers: the schedules, in order.
        milestones: ``len(schedulers) - 1`` increasing step indices of the switches.
        last_epoch: see :class:`LRScheduler`.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        schedulers: Sequence[LRScheduler],
        milestones: Sequence[int],
        last_epoch: int = -1,
    ) -> None:
        _check_schedulers("SequentialLR", schedulers, optimizer)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                f"SequentialLR: expected len(schedulers) - 1 = {len(schedulers) - 1} "
                f"milestones, got {len(milestones)}"
            )
        self._schedulers = list(schedulers)
        self._milestones = [int(m) for m in milestones]
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        for s in self._schedulers:
            _undo_step(s)
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def step(self) -> None:
        """Step the scheduler of the current stage (restarting it at a milestone)."""
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._go_to(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()


def _undo_step(scheduler: Any) -> None:
    """Take back the step a scheduler's constructor took (recursively through composites)."""
    if hasattr(scheduler, "_schedulers"):
        for s in scheduler._schedulers:
            _undo_step(s)
    elif hasattr(scheduler, "last_epoch"):
        scheduler.last_epoch -= 1


class ChainedScheduler(_Composite):
    """Step every scheduler of ``schedulers`` at each ``step()``: as each one multiplies the
    current lr by its own factor, their effects compose (e.g. a ConstantLR warm-up over an
    ExponentialLR decay).

    Args:
        schedulers: the schedules, all on the same optimiser.
        optimizer: that optimiser (default: the first scheduler's).
    """

    def __init__(
        self, schedulers: Sequence[LRScheduler], optimizer: Optimizer | None = None
    ) -> None:
        if len(schedulers) < 1:
            raise ValueError("ChainedScheduler: expected at least one scheduler, got none")
        optimizer = optimizer or schedulers[0].optimizer
        _check_schedulers("ChainedScheduler", schedulers, optimizer)
        self._schedulers = list(schedulers)
        self.optimizer = optimizer
        self._last_lr = self._current_lrs()

    def step(self) -> None:
        """Step every scheduler, in order."""
        for s in self._schedulers:
            s.step()
        self._last_lr = self._current_lrs()
