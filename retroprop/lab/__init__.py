"""The lab: experiments from the source documents, their runs, reports and the results book.

    retroprop lab list                      the experiments (and any that failed to load)
    retroprop lab show NAME                 its settings, data, and the numbers to beat
    retroprop lab run NAME [--quick] [--seed N | --seeds 5] [--jobs 2] [--max-minutes M]
                          [--resume] [--out DIR] [--SETTING VALUE ...]
    retroprop lab publish NAME              copy the latest full run into docs/results/
    retroprop lab report                    every experiment's latest full run, one page

An experiment is one module of a family package ``retroprop/lab/experiments/<family>/``
(see :mod:`retroprop.lab.registry`); it builds, steps (on :func:`retroprop.train.loop`
through :meth:`RunContext.loop`), evaluates and reports. Needs the ``lab`` extra.
"""

from retroprop.lab.book import publish, write_index
from retroprop.lab.context import RunContext, RunPaused
from retroprop.lab.registry import (
    Experiment,
    Figure,
    LabError,
    Metric,
    Reference,
    Results,
    all_experiments,
    broken,
    get,
)
from retroprop.lab.report import collect, run_markdown, write_report
from retroprop.lab.runner import run

__all__ = [
    "Experiment",
    "Figure",
    "LabError",
    "Metric",
    "Reference",
    "Results",
    "RunContext",
    "RunPaused",
    "all_experiments",
    "broken",
    "collect",
    "get",
    "publish",
    "run",
    "run_markdown",
    "write_index",
    "write_report",
]
