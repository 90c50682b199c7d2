"""What an experiment declares, and the registry that finds them all.

An experiment is one module of a family package ``retroprop/lab/experiments/<family>/``
(``course``, ``diy``, ``lorenz``, ``ssl_gan``) that defines ``EXPERIMENT``. The registry
imports every module of every family the first time it is asked; modules whose names start
with ``_`` are the family's helpers, not experiments. A module that fails to import is
listed in :func:`broken` with its error, and hides no other experiment.

    EXPERIMENT = Experiment(
        name="diy.multiclass",
        description="the DIY report's multi-class network on USPS digits",
        config={"lr": 0.1, "epochs": 50, "hidden": [128, 64]},   # each a --option
        quick={"epochs": 2},                                     # what --quick overrides
        data=("usps",),                                          # checked before a run
        metrics=[Metric("test_accuracy", "higher", target=0.93,
                        document=Reference(0.82, "003 DIY report", "section 4"))],
        run=run,                                                 # run(config, ctx) -> Results
    )
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
import re
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from retroprop.lab.settings import type_name

if TYPE_CHECKING:
    from retroprop.lab.context import RunContext

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
DIRECTIONS = ("higher", "lower", "equal", None)
# set by the runner or the command line, so no experiment may name a setting so
RUNNER_OPTIONS = {"seed", "seeds", "quick", "jobs", "max_minutes", "resume", "out"}


class LabError(RuntimeError):
    """A lab command cannot go on: unknown experiment, nothing to resume, bad settings."""


@dataclass(frozen=True)
class Reference:
    """A number from elsewhere: a source document's, or the best published one we know.

    ``value`` is None where the document gives no number; ``document`` names the document
    (or the paper, as a citation); ``note`` says where in it, or how the number was obtained.
    """

    value: float | int | str | None
    document: str
    note: str = ""


@dataclass(frozen=True)
class Metric:
    """A headline metric of an experiment: the report shows ours beside these.

    Args:
        key: the key in ``results.json``'s ``metrics``.
        direction: ``'higher'`` or ``'lower'`` is better, ``'equal'`` (must equal the
            target, within ``tolerance``), or None (a number to show, not to rank).
        document: the source document's number.
        anchor: the best published number we know, with its citation.
        target: our target; ``met`` compares ours with it in ``direction``.
        tolerance: for ``'equal'``.
    """

    key: str
    direction: str | None = "higher"
    document: Reference | None = None
    anchor: Reference | None = None
    target: float | None = None
    tolerance: float = 0.0

    def __post_init__(self) -> None:
        if self.direction not in DIRECTIONS:
            raise ValueError(
                f"Metric {self.key!r}: direction must be 'higher', 'lower', 'equal' or None, "
                f"got {self.direction!r}"
            )
        if self.target is not None and self.direction is None:
            raise ValueError(f"Metric {self.key!r}: a target needs a direction")

    def met(self, value: Any) -> bool | None:
        """Whether ``value`` meets the target (None without a target or a number)."""
        if self.target is None or isinstance(value, bool) or not isinstance(value, int | float):
            return None
        if self.direction == "higher":
            return value >= self.target
        if self.direction == "lower":
            return value <= self.target
        return abs(value - self.target) <= self.tolerance


@dataclass(frozen=True)
class Figure:
    """A figure a run wrote: ``path`` relative to the run's folder, and its caption."""

    path: str
    caption: str


@dataclass
class Results:
    """What an experiment's ``run`` returns to the runner.

    Attributes:
        metrics: our numbers by key (JSON numbers, strings or bools); the headline metrics'
            keys must be among them.
        figures: the figures written under the run's folder.
        notes: Markdown paragraphs for the report (what the numbers mean, the protocol).
        history: per-epoch series (losses, metrics), kept in results.json.
        state_dict: the trained model's ``state_dict`` (or a dict of them), saved as the
            run's ``model.safetensors``; empty for experiments without a model.
    """

    metrics: dict[str, Any]
    figures: list[Figure] = field(default_factory=list)
    notes: str = ""
    history: dict[str, list[float]] = field(default_factory=dict)
    state_dict: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Experiment:
    """One experiment of the lab.

    Attributes:
        name: ``family.name``, e.g. ``course.xor``.
        description: one line, shown by ``retroprop lab list``.
        config: the default settings; each is an option of ``lab run`` typed from its
            default (the runner's own options, such as ``seed``, may not be declared).
        quick: the settings that ``--quick`` overrides (seconds on tiny data).
        run: ``run(config, ctx) -> Results``; ``ctx`` is the :class:`RunContext`.
        metrics: the headline metrics, the first one being the book's headline.
        data: the data sets it reads: names (``'mnist'``) or a mapping name -> the files it
            needs (``{'ecg5000': ['ECG5000_TRAIN.txt']}``).
    """

    name: str
    description: str
    config: dict[str, Any]
    quick: dict[str, Any]
    run: Callable[[dict[str, Any], RunContext], Results]
    metrics: tuple[Metric, ...] | list[Metric] = ()
    data: tuple[str, ...] | Mapping[str, list[str] | None] = ()

    def __post_init__(self) -> None:
        if not NAME_PATTERN.match(self.name):
            raise ValueError(
                f"Experiment: name must look like 'family.name' (lowercase letters, digits, "
                f"underscores), got {self.name!r}"
            )
        reserved = sorted(RUNNER_OPTIONS & set(self.config))
        if reserved:
            raise ValueError(f"Experiment {self.name}: {reserved} are set by the runner")
        for key, value in self.config.items():
            try:
                type_name(value)
            except TypeError as e:
                raise ValueError(f"Experiment {self.name}: setting {key!r}: {e}") from None
        unknown = sorted(set(self.quick) - set(self.config))
        if unknown:
            raise ValueError(
                f"Experiment {self.name}: quick overrides settings that config lacks: {unknown}"
            )
        keys = [m.key for m in self.metrics]
        if len(set(keys)) != len(keys):
            raise ValueError(f"Experiment {self.name}: a headline metric is declared twice")
        object.__setattr__(self, "metrics", tuple(self.metrics))

    @property
    def datasets(self) -> dict[str, list[str] | None]:
        """The data sets it needs: name -> files (None: all of the set's files)."""
        if isinstance(self.data, Mapping):
            return dict(self.data)
        return dict.fromkeys(self.data)

    def settings(self, quick: bool = False, **overrides: Any) -> dict[str, Any]:
        """The config of a run: the defaults, then the quick overrides, then ``overrides``."""
        config = dict(self.config)
        if quick:
            config.update(self.quick)
        for key, value in overrides.items():
            if key not in config:
                close = difflib.get_close_matches(key, list(config), n=3)
                hint = f" Did you mean {', '.join(close)}?" if close else ""
                raise LabError(
                    f"{self.name} has no setting {key!r}.{hint} Its settings: "
                    f"{', '.join(sorted(config))}"
                )
            config[key] = value
        return config


_REGISTRY: dict[str, Experiment] = {}
_BROKEN: dict[str, str] = {}


def _modules() -> list[str]:
    package = importlib.import_module("retroprop.lab.experiments")
    names = []
    for family in pkgutil.iter_modules(package.__path__):
        if not family.ispkg or family.name.startswith("_"):
            continue
        sub = importlib.import_module(f"{package.__name__}.{family.name}")
        names += [
            f"{sub.__name__}.{info.name}"
            for info in pkgutil.iter_modules(sub.__path__)
            if not info.name.startswith("_")
        ]
    return names


def _discover() -> tuple[dict[str, Experiment], dict[str, str]]:
    found: dict[str, Experiment] = {}
    broken: dict[str, str] = {}
    for module_name in _modules():
        try:
            module = importlib.import_module(module_name)
        except Exception as e:  # noqa: BLE001 - any import failure is reported, not raised
            last = traceback.extract_tb(e.__traceback__)[-1]
            broken[module_name] = f"{type(e).__name__}: {e} ({last.filename}:{last.lineno})"
            continue
        exp = getattr(module, "EXPERIMENT", None)
        if not isinstance(exp, Experiment):
            broken[module_name] = (
                f"defines no EXPERIMENT = Experiment(...) (got {type(exp).__name__}); helper "
                f"modules' names start with '_'"
            )
        elif exp.name in found:
            broken[module_name] = f"a second experiment named {exp.name!r}"
        else:
            found[exp.name] = exp
    return dict(sorted(found.items())), broken


def all_experiments() -> dict[str, Experiment]:
    """Every experiment of ``retroprop/lab/experiments/<family>/``, by name, sorted."""
    if not _REGISTRY and not _BROKEN:
        found, broken = _discover()
        _REGISTRY.update(found)
        _BROKEN.update(broken)
    return dict(_REGISTRY)


def broken() -> dict[str, str]:
    """The experiment modules that could not be loaded, with why."""
    all_experiments()
    return dict(_BROKEN)


def get(name: str) -> Experiment:
    """The experiment called ``name``; :class:`LabError` listing the names if there is none."""
    found = all_experiments()
    if name not in found:
        close = difflib.get_close_matches(name, list(found), n=3)
        hint = f" Did you mean {' or '.join(close)}?" if close else ""
        failed = [m for m in _BROKEN if m.rsplit(".", 2)[-2:] == name.split(".")]
        why = f" Its module failed to load: {_BROKEN[failed[0]]}" if failed else ""
        raise LabError(
            f"unknown experiment {name!r}.{hint}{why} Known: {', '.join(found)} "
            "(`retroprop lab list` describes them)"
        )
    return found[name]
