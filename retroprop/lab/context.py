"""RunContext: what the runner gives an experiment's ``run(config, ctx)``.

``ctx.run_dir`` is the run's folder and ``ctx.figures`` its ``figures/`` folder (created);
``ctx.loop(...)`` is :func:`retroprop.train.loop` with the run's checkpoints, resume and time
budget filled in, so an experiment that trains resumes bitwise after a kill and stops cleanly
after ``--max-minutes``.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from retroprop.train import History, State, loop


class RunPaused(Exception):  # noqa: N818 - a pause, not an error
    """The time budget (``--max-minutes``) ran out; ``lab run NAME --resume`` continues."""


@dataclass
class RunContext:
    """The run an experiment is in.

    Attributes:
        run_dir: the run's folder (``runs/NAME/<timestamp>[/seed-K]``).
        seed: the run's seed (also ``config['seed']``; ``rp.manual_seed`` was called with it).
        quick: whether these are the quick settings.
        resume: whether this continues an interrupted run in the same folder.
        max_minutes: the run's time budget in minutes, or None.
        checkpoint_minutes: how often ``loop`` checkpoints within an epoch.
        verbose: the loop's display (0 silent, 1 bars, 2 a line an epoch).
    """

    run_dir: Path
    seed: int
    quick: bool = False
    resume: bool = False
    max_minutes: float | None = None
    checkpoint_minutes: float = 10.0
    verbose: int | str = "auto"
    _started: float = field(default_factory=time.monotonic, repr=False)
    _loops: set[str] = field(default_factory=set, repr=False)

    @property
    def figures(self) -> Path:
        """``run_dir/figures``, created on first use."""
        folder = self.run_dir / "figures"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def minutes_left(self) -> float | None:
        """What remains of the time budget (None without one)."""
        if self.max_minutes is None:
            return None
        return max(0.0, self.max_minutes - (time.monotonic() - self._started) / 60)

    def loop(
        self, state: State, step: Any, data: Any, *, name: str = "train", **kw: Any
    ) -> History:
        """Train with :func:`retroprop.train.loop` under this run's checkpoints and budget.

        Args:
            state, step, data: as for :func:`retroprop.train.loop`.
            name: the checkpoint's subfolder (``checkpoints/<name>/``); give each loop of a
                run its own name when an experiment trains several models in turn.
            **kw: the loop's other arguments (``epochs``, ``evaluate``, ``eval_every``,
                ``on_epoch_end``, ``callbacks``, ...).

        Raises:
            RunPaused: the time budget ran out; the checkpoint is kept for ``--resume``.
        """
        if name in self._loops:
            raise ValueError(f"RunContext.loop: a loop named {name!r} already ran in this run")
        self._loops.add(name)
        for reserved in ("checkpoint_dir", "resume", "max_minutes"):
            if reserved in kw:
                raise ValueError(f"RunContext.loop: {reserved} is set by the run; leave it out")
        kw.setdefault("checkpoint_minutes", self.checkpoint_minutes)
        kw.setdefault("verbose", self.verbose)
        history = loop(
            state,
            step,
            data,
            checkpoint_dir=self.run_dir / "checkpoints" / name,
            resume=self.resume,
            max_minutes=self.minutes_left(),
            **kw,
        )
        if history.stop_reason == "max_minutes":
            print(
                f"time budget of {self.max_minutes:g} min spent after epoch {len(history)}",
                file=sys.stderr,
            )
            raise RunPaused(f"paused after epoch {len(history)} (--max-minutes)")
        return history
