"""The results book, ``docs/results/``: published full runs, one page per experiment.

``publish(NAME)`` takes the latest finished full run of NAME (one seed or a seeds aggregate)
and writes ``docs/results/NAME/``:

* ``seeds/seed-<k>.json``: each published seed's results.json (seeds published in other
  sittings with the same settings are kept; a run with other settings replaces them);
* ``figures/``: the run's PNG (and SVG) figures, each at most ~300 KB;
* ``results.json`` and ``report.md``: the aggregate of every seed on the page.

Then it rewrites ``docs/results/README.md``, one row per experiment with its headline metric.
Quick runs are refused; no checkpoint or data is copied.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from retroprop.lab.registry import LabError
from retroprop.lab.report import (
    cell,
    metric_from_dict,
    ours,
    read_run,
    results_markdown,
    run_folders,
)
from retroprop.lab.runner import aggregate, write_json

MAX_FIGURE_BYTES = 300_000
FIGURE_TYPES = (".png", ".svg")


def _latest_full(name: str, root: Path) -> Path:
    folders = [d for d in run_folders(root / "runs" / name) if read_run(d) is not None]
    full = [d for d in folders if not read_run(d)[1]["quick"]]
    if not full:
        why = "only quick runs, which are never published" if folders else "no finished run"
        raise LabError(
            f"nothing to publish: {name} has {why} under {root / 'runs' / name}; "
            f"`retroprop lab run {name}` makes a full run"
        )
    return full[-1]


def _shrink_png(source: Path, target: Path) -> bool:
    """Copy a PNG, downscaled until it weighs at most MAX_FIGURE_BYTES; False if it cannot."""
    from PIL import Image

    with Image.open(source) as image:
        image.load()
        scale = 1.0
        while scale > 0.2:
            scale *= 0.8
            size = (max(1, int(image.width * scale)), max(1, int(image.height * scale)))
            image.resize(size, Image.LANCZOS).save(target, optimize=True)
            if target.stat().st_size <= MAX_FIGURE_BYTES:
                return True
    target.unlink()
    return False


def _copy_figures(figures: list[dict[str, str]], source: Path, page: Path) -> list[dict]:
    shutil.rmtree(page / "figures", ignore_errors=True)
    kept = []
    for fig in figures:
        src = source / fig["path"]
        if src.suffix.lower() not in FIGURE_TYPES or not src.is_file():
            continue
        dst = page / fig["path"]
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.stat().st_size <= MAX_FIGURE_BYTES:
            shutil.copyfile(src, dst)
        elif src.suffix.lower() != ".png" or not _shrink_png(src, dst):
            continue
        kept.append(fig)
    return kept


def _settings_key(record: dict[str, Any]) -> str:
    return json.dumps(record["config"], sort_keys=True)


def publish(
    name: str, root: str | Path = ".", book: str | Path | None = None, variant: str | None = None
) -> tuple[Path, list[str]]:
    """Publish the latest full run of ``name`` under ``root/runs`` into the book.

    Args:
        name: the experiment.
        root: the folder holding ``runs/``.
        book: the book's folder (default ``root/docs/results``).
        variant: a label (lower-case letters, digits, ``_``, ``-``) that gives the run its own
            page ``NAME--variant``, beside the experiment's page instead of replacing it: a
            run with other settings worth keeping (``--model conv1d``, say).

    Returns the experiment's page folder and notes on what was replaced or left out.
    """
    if variant is not None and not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", variant):
        raise LabError(
            f"publish: variant must be lower-case letters, digits, '_' or '-', got {variant!r}"
        )
    root = Path(root)
    book = Path(book) if book is not None else root / "docs" / "results"
    chosen = _latest_full(name, root)
    _, results = read_run(chosen)
    seeds = results["seeds"]
    if len(seeds) > 1:
        records = [read_run(chosen / f"seed-{s}")[1] for s in seeds]
        figure_dir = chosen / f"seed-{results['figures_from_seed']}"
    else:
        records, figure_dir = [results], chosen
    page = book / (f"{name}--{variant}" if variant else name)
    seed_dir = page / "seeds"
    seed_dir.mkdir(parents=True, exist_ok=True)
    notes = []
    published = {p: json.loads(p.read_text(encoding="utf-8")) for p in seed_dir.glob("*.json")}
    other = [p for p, r in published.items() if _settings_key(r) != _settings_key(records[0])]
    if other:
        for p in other:
            p.unlink()
        notes.append(f"replaced {len(other)} seed(s) published with other settings")
    for record in records:
        write_json(seed_dir / f"seed-{record['seeds'][0]}.json", record)
    everything = [
        json.loads(p.read_text(encoding="utf-8"))
        for p in sorted(seed_dir.glob("seed-*.json"), key=lambda p: int(p.stem[5:]))
    ]
    summary = aggregate(everything) if len(everything) > 1 else dict(everything[0])
    kept = _copy_figures(records[0]["figures"], figure_dir, page)
    left_out = [f["path"] for f in records[0]["figures"] if f not in kept]
    if left_out:
        notes.append(f"figures left out (not PNG/SVG, or over 300 KB): {', '.join(left_out)}")
    summary["figures"] = kept
    summary["figures_from_seed"] = records[0]["seeds"][0]
    if variant:
        summary["variant"] = variant
    write_json(page / "results.json", summary)
    title = (
        f"Published from `{chosen.name}`"
        + (f", variant `{variant}`" if variant else "")
        + (
            f" and earlier sittings ({len(everything)} seeds in all)"
            if len(everything) > len(records)
            else ""
        )
    )
    (page / "report.md").write_text(results_markdown(summary, title), encoding="utf-8")
    write_index(book)
    return page, notes


def _label(results: dict[str, Any]) -> str:
    variant = results.get("variant")
    return results["experiment"] + (f" ({variant})" if variant else "")


def write_index(book: Path) -> Path:
    """Rewrite ``book/README.md``: one row per published experiment."""
    rows = [
        "# The results book",
        "Every experiment of the lab that has a published full run: its headline metric (the "
        "first it declares), ours beside the source document's and the best published "
        "number we know, and whether our target is met. Each page holds the whole table, "
        "the notes and the figures; `retroprop lab publish NAME` adds or updates a page.",
        "| experiment | headline metric | ours | source document | best published | target "
        "| wall time per run | date | machine |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for page in sorted(p for p in book.iterdir() if (p / "results.json").is_file()):
        results = json.loads((page / "results.json").read_text(encoding="utf-8"))
        headline = results.get("headline") or [{"key": next(iter(results["metrics"]), "")}]
        h = headline[0]

        metric = metric_from_dict(h) if "direction" in h else None
        key = h["key"]
        doc = cell(metric.document.value) if metric and metric.document else "—"
        anchor = cell(metric.anchor.value) if metric and metric.anchor else "—"
        met = metric.met(results["metrics"].get(key)) if metric else None
        target = "—" if met is None else ("met" if met else "**not met**")
        cpu = results.get("provenance", {}).get("cpu", "?")
        rows.append(
            f"| [{_label(results)}]({page.name}/report.md) | `{key}` | {ours(results, key)} "
            f"| {doc} | {anchor} | {target} | {results['wall_time_s']:.0f} s "
            f"| {results['finished'][:10]} | {cpu} |"
        )
    path = book / "README.md"
    path.write_text("\n\n".join(rows[:2]) + "\n\n" + "\n".join(rows[2:]) + "\n", encoding="utf-8")
    return path
