"""Markdown reports: one run's ``report.md``, and the page that collects every experiment.

A run's folder holds ``config.json`` and ``results.json`` (written by the runner); everything
here is rebuilt from those two files, so a report can be written again at any time, even for
an experiment that no longer exists.

    retroprop lab report --out docs/lab_results.md
"""

from __future__ import annotations

import json
import math
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from retroprop.lab.registry import NAME_PATTERN, all_experiments

RUN_FOLDER = re.compile(r"^\d{8}-\d{6}(-\d+)?$")


def run_folders(base: Path) -> list[Path]:
    """The run folders of one experiment (``runs/NAME/<timestamp>[-k]``), oldest first."""
    if not base.is_dir():
        return []
    found = [d for d in base.iterdir() if d.is_dir() and RUN_FOLDER.match(d.name)]

    # "20250102-101500-2" is the second run started in that second
    return sorted(found, key=lambda d: (d.name[:15], int(d.name[16:] or 1)))


def read_run(run_dir: Path) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """``(config, results)`` of a finished run; None while it has no results.json."""
    try:
        config = json.loads((run_dir / "config.json").read_text(encoding="utf-8"))
        results = json.loads((run_dir / "results.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return config, results


def _cell(value: Any) -> str:
    if value is None:
        return "not given"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.5g}"
    return str(value).replace("|", "\\|")


def metrics_table(metrics: dict[str, Any], source: dict[str, dict[str, Any]]) -> str:
    """Our numbers beside the source document's: one row per metric."""
    rows = ["| metric | ours | source document | document, note |", "|---|---|---|---|"]
    for name in [*metrics, *(k for k in source if k not in metrics)]:
        ref = source.get(name)
        ours = _cell(metrics[name]) if name in metrics else "—"
        theirs = _cell(ref["value"]) if ref else "—"
        where = ", ".join(x for x in (ref["document"], ref["note"]) if x) if ref else ""
        rows.append(f"| {_cell(name)} | {ours} | {theirs} | {where.replace('|', '/')} |")
    return "\n".join(rows)


def _figure(fig: dict[str, str], prefix: str) -> str:
    path = f"{prefix}{fig['path']}"
    if path.endswith(".dot"):
        return (
            f"*{fig['caption']}*: [{Path(path).name}]({path}) — DOT text; Graphviz was not "
            f"installed when this ran (`apt-get install graphviz`, then "
            f"`dot -Tsvg {Path(path).name} -o {Path(path).stem}.svg`)."
        )
    return f"![{fig['caption']}]({path})\n\n*{fig['caption']}*"


def run_markdown(run_dir: Path, level: int = 1, prefix: str = "") -> str:
    """The report of one finished run; figure links get ``prefix`` (the way to the run)."""
    read = read_run(run_dir)
    if read is None:
        raise FileNotFoundError(f"run_markdown: {run_dir} has no results.json (unfinished run)")
    config, results = read
    h = "#" * level
    quick = " (quick run: tiny settings, not the experiment's numbers)" if config["quick"] else ""
    parts = [
        f"{h} {results['experiment']}{quick}",
        results["description"],
        f"Run `{run_dir.name}`, seed {config['seed']}, {results['wall_time_s']:.2f} s, "
        f"retroprop {results['retroprop']}. Settings: "
        + ", ".join(f"`{k}={v}`" for k, v in config.items() if k not in ("seed", "quick"))
        + ".",
        metrics_table(results["metrics"], results["source"]),
    ]
    if results["notes"]:
        parts.append(results["notes"].strip())
    if results["figures"]:
        parts.append(f"{h}# Figures")
        parts.extend(_figure(fig, prefix) for fig in results["figures"])
    return "\n\n".join(parts) + "\n"


def collect(
    root: str | os.PathLike[str] = ".", include_quick: bool = False, out_dir: Path | None = None
) -> str:
    """One Markdown page with the latest full run of every experiment under ``root/runs``.

    Args:
        root: the folder holding ``runs/`` (the ``--out`` given to ``lab run``).
        include_quick: show an experiment's latest quick run when it has no full run.
        out_dir: the folder the page will be written to (figure links are relative to it).
    """
    runs = Path(root) / "runs"
    out_dir = Path(out_dir) if out_dir is not None else runs
    names = set(all_experiments())
    if runs.is_dir():
        names |= {d.name for d in runs.iterdir() if d.is_dir() and NAME_PATTERN.match(d.name)}
    stamp = datetime.now().strftime("%Y-%m-%d %H:%M")
    page = [
        "# retroprop lab report",
        f"The latest full run of each experiment under `{runs}`, collected on {stamp}. "
        "Each table puts our number beside the source document's.",
    ]
    missing = []
    for name in sorted(names):
        finished = [(d, r) for d in run_folders(runs / name) if (r := read_run(d)) is not None]
        full = [d for d, (config, _) in finished if not config["quick"]]
        quick = [d for d, (config, _) in finished if config["quick"]]
        chosen = full[-1] if full else (quick[-1] if include_quick and quick else None)
        if chosen is None:
            why = (
                "only quick runs so far (left out; `--include-quick` shows them)"
                if quick
                else f"not run yet: `retroprop lab run {name}`"
            )
            missing.append(f"- `{name}`: {why}")
            continue
        prefix = Path(os.path.relpath(chosen, out_dir)).as_posix() + "/"
        page.append(run_markdown(chosen, level=2, prefix=prefix).strip())
    if missing:
        page.append("## Not in this report\n\n" + "\n".join(missing))
    return "\n\n".join(page) + "\n"


def write_report(
    root: str | os.PathLike[str] = ".",
    out: str | os.PathLike[str] | None = None,
    include_quick: bool = False,
) -> Path:
    """Write :func:`collect`'s page to ``out`` (default ``root/runs/report.md``)."""
    path = Path(out) if out is not None else Path(root) / "runs" / "report.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(collect(root, include_quick, path.parent), encoding="utf-8")
    return path
