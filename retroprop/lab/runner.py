"""Run an experiment into its own folder: ``runs/NAME/<timestamp>/``, for one seed or many.

One seed: the folder gets ``config.json`` (the settings, ``seed``, ``quick``), whatever the
experiment writes (``figures/``, ``checkpoints/``), ``model.safetensors`` when it returns a
state_dict, then ``results.json`` (metrics, headline declarations, notes, figures, history,
provenance, wall time) and ``report.md``. A folder without ``results.json`` is unfinished:
``resume=True`` continues it in place.

Several seeds: the folder gets ``config.json`` with the list ``seeds``, one ordinary run
folder ``seed-<k>/`` per seed (run in turn, or ``jobs`` at a time in separate processes with
the threads split between them), and, once all have finished, the aggregate ``results.json``
(means in ``metrics``, sample std in ``metrics_std``, each seed's in ``per_seed``) and its
``report.md``.
"""

from __future__ import annotations

import json
import math
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from datetime import datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np

import retroprop as rp
from retroprop.lab.context import RunContext, RunPaused
from retroprop.lab.provenance import provenance
from retroprop.lab.registry import Experiment, LabError, Results, get
from retroprop.lab.report import read_run, run_folders, run_markdown

MODEL_FILE = "model.safetensors"


def write_json(path: Path, value: Any) -> None:
    """Write JSON atomically (a temporary file renamed over ``path``)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(value, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def json_number(value: Any) -> Any:
    """A metric as a JSON value: NumPy scalars as Python numbers, NaN and inf as None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list | tuple):
        return [json_number(v) for v in value]
    return value


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


def check_data(exp: Experiment) -> None:
    """FileNotFoundError naming each missing file of the data sets ``exp`` needs, and where
    to put it, before anything is written."""
    from retroprop.data.datasets.download import SOURCES, require_files

    for name, files in exp.datasets.items():
        wanted = files if files is not None else [f.name for f in SOURCES[name].files]
        require_files(name, wanted, where=f"{exp.name} needs the {name} data set")


def _seed_folder(run_dir: Path, seed: int) -> Path:
    return run_dir / f"seed-{seed}"


def run_one(
    exp: Experiment,
    config: dict[str, Any],
    run_dir: Path,
    *,
    resume: bool = False,
    max_minutes: float | None = None,
    argv: list[str] | None = None,
    verbose: int | str = "auto",
) -> Path:
    """One seed of ``exp`` with ``config`` (which holds ``seed`` and ``quick``) in ``run_dir``.

    Raises RunPaused when the time budget ran out (the folder stays unfinished).
    """
    if not resume or not (run_dir / "config.json").is_file():
        run_dir.mkdir(parents=True, exist_ok=True)
        write_json(run_dir / "config.json", {"experiment": exp.name, **config})
    rp.manual_seed(config["seed"])
    ctx = RunContext(
        run_dir=run_dir,
        seed=config["seed"],
        quick=config["quick"],
        resume=resume,
        max_minutes=max_minutes,
        verbose=verbose,
    )
    started = datetime.now().isoformat(timespec="seconds")
    t0 = time.perf_counter()
    settings = {k: v for k, v in config.items() if k != "experiment"}
    results = exp.run(settings, ctx)
    wall = time.perf_counter() - t0
    if not isinstance(results, Results):
        raise TypeError(f"{exp.name}: run must return a Results, got {type(results).__name__}")
    for fig in results.figures:
        if not (run_dir / fig.path).is_file():
            raise RuntimeError(f"{exp.name}: figure {fig.path} was not written in {run_dir}")
    missing = [m.key for m in exp.metrics if m.key not in results.metrics]
    if missing:
        raise RuntimeError(f"{exp.name}: run returned no value for headline metrics {missing}")
    if results.state_dict:
        rp.save(results.state_dict, run_dir / MODEL_FILE)
    record = {
        "experiment": exp.name,
        "description": exp.description,
        "started": started,
        "finished": datetime.now().isoformat(timespec="seconds"),
        "wall_time_s": wall,
        "quick": config["quick"],
        "seeds": [config["seed"]],
        "config": {k: v for k, v in settings.items() if k not in ("seed", "quick")},
        "metrics": {k: json_number(v) for k, v in results.metrics.items()},
        "headline": [asdict(m) for m in exp.metrics],
        "notes": results.notes,
        "figures": [asdict(fig) for fig in results.figures],
        "history": {k: json_number(list(v)) for k, v in results.history.items()},
        "model": MODEL_FILE if results.state_dict else None,
        "provenance": provenance(argv),
    }
    write_json(run_dir / "results.json", record)  # from now on the run counts as finished
    (run_dir / "report.md").write_text(run_markdown(run_dir), encoding="utf-8")
    return run_dir


def aggregate(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The seeds' ``results.json`` records as one: per numeric metric the mean in
    ``metrics``, the sample std (ddof 1; None for one seed) in ``metrics_std``, ``min``,
    ``max``, and each seed's value in ``per_seed``; other values kept when all seeds agree."""
    seeds = [r["seeds"][0] for r in records]
    keys = list(dict.fromkeys(k for r in records for k in r["metrics"]))
    metrics, std, low, high, per_seed = {}, {}, {}, {}, {}
    for key in keys:
        values = [r["metrics"].get(key) for r in records]
        per_seed[key] = values
        numeric = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
        if numeric and len(numeric) == len(values):
            a = np.asarray(numeric, dtype=np.float64)
            metrics[key] = float(a.mean())
            std[key] = float(a.std(ddof=1)) if len(a) > 1 else None
            low[key], high[key] = float(a.min()), float(a.max())
        else:
            metrics[key] = values[0] if all(v == values[0] for v in values) else "varies"
    first = records[0]
    return {
        **{k: first[k] for k in ("experiment", "description", "quick", "config", "headline")},
        "seeds": seeds,
        "started": min(r["started"] for r in records),
        "finished": max(r["finished"] for r in records),
        "wall_time_s": float(np.mean([r["wall_time_s"] for r in records])),
        "wall_time_total_s": float(np.sum([r["wall_time_s"] for r in records])),
        "metrics": metrics,
        "metrics_std": std,
        "metrics_min": low,
        "metrics_max": high,
        "per_seed": per_seed,
        "notes": first["notes"],
        "figures": first["figures"],
        "figures_from_seed": seeds[0],
        "provenance": first["provenance"],
    }


def _worker(
    name: str,
    config: dict[str, Any],
    run_dir: str,
    resume: bool,
    max_minutes: float | None,
    threads: int,
    argv: list[str] | None,
) -> str:
    """One seed in a separate process (``--jobs``), on ``threads`` BLAS threads."""
    rp.set_num_threads(threads)
    try:
        run_one(
            get(name), config, Path(run_dir), resume=resume, max_minutes=max_minutes,
            argv=argv, verbose=0,
        )  # fmt: skip
    except RunPaused:
        return "paused"
    return "done"


def _run_seeds(
    exp: Experiment,
    config: dict[str, Any],
    run_dir: Path,
    seeds: list[int],
    *,
    resume: bool,
    jobs: int,
    max_minutes: float | None,
    argv: list[str] | None,
    verbose: int | str,
) -> Path:
    deadline = None if max_minutes is None else time.monotonic() + 60 * max_minutes
    todo = []
    for seed in seeds:
        folder = _seed_folder(run_dir, seed)
        if read_run(folder) is None:
            todo.append((seed, folder, resume and (folder / "config.json").is_file()))
    paused = False
    if jobs > 1 and len(todo) > 1:
        threads = max(1, (os.cpu_count() or 1) // jobs)
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
            futures = [
                pool.submit(
                    _worker,
                    exp.name,
                    {**config, "seed": seed},
                    str(folder),
                    again,
                    max_minutes,
                    threads,
                    argv,
                )  # fmt: skip
                for seed, folder, again in todo
            ]
            paused = any(f.result() == "paused" for f in futures)
    else:
        for seed, folder, again in todo:
            left = None if deadline is None else max(0.0, (deadline - time.monotonic()) / 60)
            if left is not None and left == 0.0:
                paused = True
                break
            try:
                run_one(
                    exp, {**config, "seed": seed}, folder, resume=again, max_minutes=left,
                    argv=argv, verbose=verbose,
                )  # fmt: skip
            except RunPaused:
                paused = True
                break
    if paused:
        raise RunPaused(f"{run_dir}: seeds left unfinished (--max-minutes)")
    records = [read_run(_seed_folder(run_dir, s))[1] for s in seeds]
    write_json(run_dir / "results.json", aggregate(records))
    (run_dir / "report.md").write_text(run_markdown(run_dir), encoding="utf-8")
    return run_dir


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
    try:
        config = json.loads((last / "config.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise LabError(
            f"cannot resume {last}: its config.json is missing or broken ({e})"
        ) from None
    if config.get("experiment") != exp.name:
        raise LabError(
            f"cannot resume {last}: it is a run of {config.get('experiment')!r}, not {exp.name}"
        )
    return last


def parse_seeds(text: str) -> list[int]:
    """``'5'`` -> [0, 1, 2, 3, 4]; ``'3,7,11'`` -> [3, 7, 11]."""
    try:
        seeds = [int(t) for t in text.split(",")] if "," in text else list(range(int(text)))
    except ValueError:
        raise LabError(f"--seeds takes a count (5) or a list (3,7,11), got {text!r}") from None
    if not seeds or any(s < 0 for s in seeds) or len(set(seeds)) != len(seeds):
        raise LabError(f"--seeds must give distinct non-negative seeds, got {text!r}")
    return seeds


def run(
    name: str,
    *,
    quick: bool = False,
    seed: int | None = None,
    seeds: list[int] | None = None,
    settings: dict[str, Any] | None = None,
    out: str | os.PathLike[str] | None = None,
    resume: bool = False,
    max_minutes: float | None = None,
    jobs: int = 1,
    argv: list[str] | None = None,
    verbose: int | str = "auto",
) -> Path:
    """Run experiment ``name`` and return its folder ``out/runs/NAME/<timestamp>``.

    Args:
        name: an experiment's name (``retroprop lab list``).
        quick: the experiment's quick settings (seconds, tiny data).
        seed: the seed of a one-seed run (default 0).
        seeds: several seeds: one run each, then their aggregate.
        settings: overrides of the experiment's settings, by key.
        out: the folder that holds ``runs/`` (default: the current folder).
        resume: continue the latest unfinished run of ``name`` with its saved settings
            (``quick``, ``seed(s)`` and ``settings`` must then be left out).
        max_minutes: stop cleanly after the epoch during which this many minutes passed.
        jobs: seeds run at a time, in separate processes.
        argv: the command line, for results.json.
        verbose: the training loop's display.

    Raises:
        LabError: unknown experiment, bad settings, or nothing to resume.
        RunPaused: the time budget ran out; ``resume=True`` continues.
        FileNotFoundError: a data file the experiment needs is missing.
    """
    exp = get(name)
    base = Path(out if out is not None else ".") / "runs" / exp.name
    if jobs < 1:
        raise LabError(f"--jobs must be a positive integer, got {jobs}")
    if max_minutes is not None and not max_minutes > 0:
        raise LabError(f"--max-minutes must be positive, got {max_minutes}")
    check_data(exp)
    if resume:
        if quick or seed is not None or seeds is not None or settings:
            raise LabError(
                "resume continues a run with its saved settings: leave out --quick, --seed, "
                "--seeds and the experiment's options"
            )
        run_dir = _unfinished(exp, base)
        config = json.loads((run_dir / "config.json").read_text(encoding="utf-8"))
        config.pop("experiment")
        run_seeds = config.pop("seeds", None)
    else:
        if seed is not None and seeds is not None:
            raise LabError("give --seed or --seeds, not both")
        if seed is not None and (isinstance(seed, bool) or seed < 0):
            raise LabError(f"seed must be a non-negative integer, got {seed}")
        config = exp.settings(quick, **(settings or {}))
        config["quick"] = bool(quick)
        run_seeds = list(seeds) if seeds is not None and len(seeds) > 1 else None
        if run_seeds is None:
            config["seed"] = seeds[0] if seeds else (0 if seed is None else int(seed))
        base.mkdir(parents=True, exist_ok=True)
        run_dir = new_run_folder(base)
        if run_seeds is not None:
            write_json(
                run_dir / "config.json", {"experiment": exp.name, **config, "seeds": run_seeds}
            )
    if run_seeds is not None:
        return _run_seeds(
            exp, config, run_dir, run_seeds, resume=resume, jobs=jobs, max_minutes=max_minutes,
            argv=argv, verbose=verbose,
        )  # fmt: skip
    return run_one(
        exp, config, run_dir, resume=resume, max_minutes=max_minutes, argv=argv, verbose=verbose
    )
