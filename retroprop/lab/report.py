"""Markdown reports: one run's ``report.md`` (one seed or an aggregate), and the page that
collects every experiment's latest full run.

Everything here is rebuilt from a run folder's ``config.json`` and ``results.json``, so a
report can be written again at any time, even for an experiment that no longer exists.
"""

from __future__ import annotations

import json
import math
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from retroprop.lab.registry import NAME_PATTERN, Metric, Reference, all_experiments

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


def cell(value: Any) -> str:
    """A value as a table cell."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.5g}"
    if isinstance(value, list):
        return "[" + ", ".join(cell(v) for v in value) + "]"
    return str(value).replace("|", "\\|").replace("\n", " ")


def ours(results: dict[str, Any], key: str) -> str:
    """Our value of ``key``: the number, or ``mean ± std (n seeds)`` for an aggregate."""
    value = results["metrics"].get(key)
    n = len(results["seeds"])
    std = results.get("metrics_std", {}).get(key)
    if n > 1 and std is not None:
        return f"{cell(value)} ± {cell(std)} ({n} seeds)"
    return cell(value)


def metric_from_dict(entry: dict[str, Any]) -> Metric:
    """A headline declaration of results.json back as a Metric."""
    refs = {k: Reference(**entry[k]) if entry.get(k) else None for k in ("document", "anchor")}
    return Metric(**{**entry, **refs})


def headline_table(results: dict[str, Any]) -> str:
    """Ours beside the document's, the best published (anchor) and our target, met or not."""
    metrics = [metric_from_dict(e) for e in results.get("headline", [])]
    if not metrics:
        return ""
    rows = [
        "| metric | ours | source document | best published | target | met |",
        "|---|---|---|---|---|---|",
    ]
    sources = []
    for m in metrics:
        target = "—"
        if m.target is not None:
            sign = {"higher": "≥ ", "lower": "≤ ", "equal": "= "}[m.direction]
            target = sign + cell(m.target)
        met = m.met(results["metrics"].get(m.key))
        refs = []
        for label, ref in (("document", m.document), ("best published", m.anchor)):
            if ref is not None:
                where = ", ".join(x for x in (ref.document, ref.note) if x)
                refs.append(f"{label}: {where}")
        if refs:
            sources.append(f"- `{m.key}`: " + "; ".join(refs))
        doc = cell(m.document.value) if m.document else "—"
        anchor = cell(m.anchor.value) if m.anchor else "—"
        verdict = "—" if met is None else ("met" if met else "**not met**")
        rows.append(
            f"| {cell(m.key)} | {ours(results, m.key)} | {doc} | {anchor} | {target} | {verdict} |"
        )
    return "\n".join(rows) + ("\n\n" + "\n".join(sources) if sources else "")


def numbers_table(results: dict[str, Any]) -> str:
    """Every metric of the run (for an aggregate: mean ± std, min, max and each seed's)."""
    if len(results["seeds"]) > 1:
        rows = ["| metric | mean ± std | min | max | per seed |", "|---|---|---|---|---|"]
        for key in results["metrics"]:
            low = results.get("metrics_min", {}).get(key)
            high = results.get("metrics_max", {}).get(key)
            per = cell(results["per_seed"][key])
            rows.append(
                f"| {cell(key)} | {ours(results, key)} | {cell(low)} | {cell(high)} | {per} |"
            )
        return "\n".join(rows)
    rows = ["| metric | value |", "|---|---|"]
    rows += [f"| {cell(k)} | {cell(v)} |" for k, v in results["metrics"].items()]
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


def provenance_line(results: dict[str, Any]) -> str:
    """When, where and with what code the numbers were made."""
    p = results.get("provenance", {})
    commit = p.get("commit")
    code = "unknown commit" if commit is None else f"commit {commit[:10]}"
    if p.get("dirty"):
        code += " (with uncommitted changes)"
    kernel = ", ".join(f"{b['library']} {b['version']} {b['kernel']}" for b in p.get("blas", []))
    return (
        f"{results['finished'][:10]}, {p.get('cpu', '?')} ({p.get('threads', '?')} threads, "
        f"BLAS {kernel or '?'}), retroprop {p.get('retroprop', '?')}, NumPy "
        f"{p.get('numpy', '?')}, {code}."
    )


def results_markdown(results: dict[str, Any], title: str, level: int = 1, prefix: str = "") -> str:
    """The report of a results.json record; figure links get ``prefix``."""
    h = "#" * level
    quick = " (quick run: tiny settings, not the experiment's numbers)" if results["quick"] else ""
    seeds = results["seeds"]
    who = f"seed {seeds[0]}" if len(seeds) == 1 else f"seeds {', '.join(map(str, seeds))}"
    settings = ", ".join(f"`{k}={v}`" for k, v in results["config"].items())
    parts = [
        f"{h} {results['experiment']}{quick}",
        results["description"],
        f"{title}, {who}, {results['wall_time_s']:.1f} s per run. Settings: {settings}.",
        "Made " + provenance_line(results),
    ]
    headline = headline_table(results)
    if headline:
        parts += [f"{h}# Headline", headline]
    parts += [f"{h}# All numbers", numbers_table(results)]
    if results["notes"]:
        parts.append(results["notes"].strip())
    if results["figures"]:
        fig_seed = results.get("figures_from_seed")
        parts.append(f"{h}# Figures" + (f" (seed {fig_seed})" if len(seeds) > 1 else ""))
        parts.extend(_figure(fig, prefix) for fig in results["figures"])
    return "\n\n".join(parts) + "\n"


def run_markdown(run_dir: Path, level: int = 1, prefix: str = "") -> str:
    """The report of one finished run folder (figures of an aggregate: its first seed's)."""
    read = read_run(run_dir)
    if read is None:
        raise FileNotFoundError(f"run_markdown: {run_dir} has no results.json (unfinished run)")
    _, results = read
    if len(results["seeds"]) > 1:
        prefix = f"{prefix}seed-{results['figures_from_seed']}/"
    return results_markdown(results, f"Run `{run_dir.name}`", level, prefix)


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
        full = [d for d, (_, res) in finished if not res["quick"]]
        quick = [d for d, (_, res) in finished if res["quick"]]
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
