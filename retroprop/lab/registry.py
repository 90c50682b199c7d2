"""What an experiment declares, and the registry that finds them all.

An experiment is one module in ``retroprop/lab/experiments/`` that defines ``EXPERIMENT``,
an :class:`Experiment`. Adding an experiment is adding that one file: the registry imports
every module of the folder (``pkgutil``) the first time it is asked.

    EXPERIMENT = Experiment(
        name="diy.usps",
        description="the DIY report's multi-class network on USPS digits",
        source={"test accuracy": Reference(0.82, "003 DIY report, USPS multi-class")},
        config={"lr": 0.1, "epochs": 50},
        quick={"epochs": 2},
        run=run,                 # run(config, run_dir, resume) -> Results
    )
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


class LabError(RuntimeError):
    """A lab command cannot go on: unknown experiment, nothing to resume, bad settings."""


@dataclass(frozen=True)
class Reference:
    """A number from a source document, for the report's "source" column.

    ``value`` is None where the document gives no number for that metric; ``note`` says
    why, or how the document's number was obtained.
    """

    value: float | int | str | None
    document: str
    note: str = ""


@dataclass(frozen=True)
class Figure:
    """A figure a run wrote: ``path`` relative to the run's folder, and its caption."""

    path: str
    caption: str


@dataclass
class Results:
    """What an experiment's ``run`` returns to the runner.

    Attributes:
        metrics: our numbers, by name (the report's rows; the source's numbers are matched
            by the same names).
        state_dict: the trained model's ``state_dict`` (or a dict of them), saved as the
            run's checkpoint with ``rp.save``.
        figures: the figures written under the run's folder.
        notes: Markdown paragraphs for the report (what the numbers mean).
        history: per-epoch series (losses, metrics), kept in results.json.
    """

    metrics: dict[str, Any]
    state_dict: dict[str, Any]
    figures: list[Figure] = field(default_factory=list)
    notes: str = ""
    history: dict[str, list[float]] = field(default_factory=dict)


@dataclass(frozen=True)
class Experiment:
    """One experiment of the lab.

    Attributes:
        name: ``family.name``, e.g. ``course.xor``.
        description: one line, shown by ``retroprop lab list``.
        source: the source document's numbers, by metric name.
        config: the default settings (JSON values); ``epochs`` is what ``--epochs`` sets.
        quick: the settings that ``--quick`` overrides (seconds on tiny data).
        run: ``run(config, run_dir, resume) -> Results``; it writes its figures under
            ``run_dir`` and, when ``resume`` is true, continues from the checkpoints it left
            there (experiments that do not checkpoint start again, from the same seed).
    """

    name: str
    description: str
    source: dict[str, Reference]
    config: dict[str, Any]
    quick: dict[str, Any]
    run: Callable[[dict[str, Any], Path, bool], Results]

    def __post_init__(self) -> None:
        if not NAME_PATTERN.match(self.name):
            raise ValueError(
                f"Experiment: name must look like 'family.name' (lowercase letters, digits, "
                f"underscores), got {self.name!r}"
            )
        unknown = sorted(set(self.quick) - set(self.config))
        if unknown:
            raise ValueError(
                f"Experiment {self.name}: quick overrides settings that config lacks: {unknown}"
            )

    def settings(self, quick: bool = False, **overrides: Any) -> dict[str, Any]:
        """The config of a run: the defaults, then the quick overrides, then ``overrides``."""
        config = dict(self.config)
        if quick:
            config.update(self.quick)
        for key, value in overrides.items():
            if key not in config:
                raise LabError(
                    f"{self.name} has no setting {key!r}; its settings are {sorted(config)}"
                )
            config[key] = value
        return config


_REGISTRY: dict[str, Experiment] = {}


def _discover() -> dict[str, Experiment]:
    found: dict[str, Experiment] = {}
    package = importlib.import_module("retroprop.lab.experiments")
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        exp = getattr(module, "EXPERIMENT", None)
        if not isinstance(exp, Experiment):
            raise TypeError(
                f"{module.__name__}: an experiment module must define EXPERIMENT = "
                f"Experiment(...), got {type(exp).__name__}"
            )
        if exp.name in found:
            raise ValueError(f"two experiments are named {exp.name!r} ({module.__name__})")
        found[exp.name] = exp
    return dict(sorted(found.items()))


def all_experiments() -> dict[str, Experiment]:
    """Every experiment of ``retroprop/lab/experiments/``, by name, sorted."""
    if not _REGISTRY:
        _REGISTRY.update(_discover())
    return dict(_REGISTRY)


def get(name: str) -> Experiment:
    """The experiment called ``name``; :class:`LabError` listing the names if there is none."""
    found = all_experiments()
    if name not in found:
        close = difflib.get_close_matches(name, list(found), n=3)
        hint = f" Did you mean {' or '.join(close)}?" if close else ""
        raise LabError(
            f"unknown experiment {name!r}.{hint} Known: {', '.join(found)} "
            "(`retroprop lab list` describes them)"
        )
    return found[name]
