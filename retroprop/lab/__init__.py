"""The lab: experiments from the source documents, a runner, and Markdown reports.

    retroprop lab list
    retroprop lab run course.xor [--quick] [--seed N] [--out DIR] [--epochs N] [--resume]
    retroprop lab report [--out FILE] [--include-quick]

An experiment is one module of ``retroprop/lab/experiments/`` (see
:mod:`retroprop.lab.registry`); :func:`run` writes ``runs/NAME/<timestamp>/`` and
:func:`write_report` collects the latest runs into one page. Needs the ``lab`` extra.
"""

from retroprop.lab.registry import (
    Experiment,
    Figure,
    LabError,
    Reference,
    Results,
    all_experiments,
    get,
)
from retroprop.lab.report import collect, run_markdown, write_report
from retroprop.lab.runner import run

__all__ = [
    "Experiment",
    "Figure",
    "LabError",
    "Reference",
    "Results",
    "all_experiments",
    "collect",
    "get",
    "run",
    "run_markdown",
    "write_report",
]
