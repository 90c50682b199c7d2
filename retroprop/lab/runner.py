"""Run one experiment into its own folder: ``runs/NAME/<timestamp>/``.

The folder gets, in this order:

* ``config.json``: the settings (the experiment's defaults, ``--quick``'s overrides,
  ``--epochs``), with ``seed`` and ``quick``;
* whatever the experiment writes while it runs (figures, per-epoch checkpoints);
* ``checkpoint.safetensors``: the trained model's ``state_dict`` (``rp.save``);
* ``results.json``: the numbers, the source's numbers, the figures, the history and the
  wall time. A folder without it is an unfinished run, which ``resume=True`` continues;
* ``report.md``: our numbers beside the source document's, the notes and the figures
  (built from the two JSON files, see :mod:`retroprop.lab.report`).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import retroprop as rp
from retroprop.lab.registry import Experiment, LabError, Results, get
from retroprop.lab.report import read_run, run_folders, run_markdown

CHECKPOINT = "checkpoint.safetensors"


def _write_json(path: Path, value: Any) -> None:
    """Write JSON atomically (a temporary file renamed over ``path``)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(value, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def new_run_folder(base: Path) -> Path:
    """``base/<YYYYmmdd-HHMMSS>``, with ``-2``, ``-3``, ... when that second is taken."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    base.mkdir(parents=True, exist_ok=True)
    k = 1
    while True:
        folder = base / (stamp if k == 1 else f"{stamp}-{k}")
        try:
            folder.mkdir()
            return folder
        except FileExistsError:
            k += 1


def _unfinished(exp: Experiment, base: Path) -> Path:
    folders = run_folders(base)
    if not folders:
        raise LabError(f"nothing to resume: {exp.name} has no run in {base}")
    last = folders[-1]
    if read_run(last) is not None:
        raise LabError(
            f"nothing to resume: the latest run of {exp.name} ({last}) finished; "
            f"`retroprop lab run {exp.name}` starts a new one"
        )
    if not (last / "config.json").is_file():
        raise LabError(f"cannot resume {last}: it has no config.json")
    return last


def run(
    name: str,
    *,
    quick: bool = False,
    seed: int | None = None,
    out: str | os.PathLike[str] | None = None,
    epochs: int | None = None,
    resume: bool = False,
) -> Path:
    """Run experiment ``name`` and return its folder ``out/runs/NAME/<timestamp>``.

    Args:
        name: an experiment's name (``retroprop lab list``).
        quick: the experiment's quick settings (seconds, tiny data).
        seed: seeds ``rp.manual_seed`` and the experiment (default 0).
        out: the folder that holds ``runs/`` (default: the current folder).
        epochs: override the experiment's ``epochs`` setting.
        resume: continue the latest run of ``name`` if it did not finish, with its saved
            settings (``quick``, ``seed`` and ``epochs`` must then be left out).

    Raises:
        LabError: unknown experiment, bad settings, or nothing to resume.
    """
    exp = get(name)
    base = Path(out if out is not None else ".") / "runs" / exp.name
    if resume:
        if quick or seed is not None or epochs is not None:
            raise LabError(
                "resume continues a run with its saved settings: leave out quick, seed and "
                "epochs (--quick, --seed, --epochs)"
            )
        run_dir = _unfinished(exp, base)
        config = json.loads((run_dir / "config.json").read_text(encoding="utf-8"))
    else:
        if epochs is not None and (isinstance(epochs, bool) or epochs < 1):
            raise LabError(f"epochs must be a positive integer, got {epochs}")
        if seed is not None and (isinstance(seed, bool) or seed < 0):
            raise LabError(f"seed must be a non-negative integer, got {seed}")
        overrides = {} if epochs is None else {"epochs": int(epochs)}
        config = exp.settings(quick, **overrides)
        config["seed"] = 0 if seed is None else int(seed)
        config["quick"] = bool(quick)
        run_dir = new_run_folder(base)
        _write_json(run_dir / "config.json", config)

    rp.manual_seed(config["seed"])
    started = datetime.now().isoformat(timespec="seconds")
    t0 = time.perf_counter()
    results = exp.run(dict(config), run_dir, resume)
    wall = time.perf_counter() - t0
    if not isinstance(results, Results):
        raise TypeError(f"{exp.name}: run must return a Results, got {type(results).__name__}")
    for fig in results.figures:
        if not (run_dir / fig.path).is_file():
            raise RuntimeError(f"{exp.name}: figure {fig.path} was not written in {run_dir}")

    rp.save(results.state_dict, run_dir / CHECKPOINT)
    record = {
        "experiment": exp.name,
        "description": exp.description,
        "retroprop": rp.__version__,
        "started": started,
        "wall_time_s": wall,
        "metrics": results.metrics,
        "source": {k: asdict(ref) for k, ref in exp.source.items()},
        "notes": results.notes,
        "figures": [asdict(fig) for fig in results.figures],
        "checkpoint": CHECKPOINT,
        "history": results.history,
    }
    _write_json(run_dir / "results.json", record)  # from now on the run counts as finished
    (run_dir / "report.md").write_text(run_markdown(run_dir), encoding="utf-8")
    return run_dir
