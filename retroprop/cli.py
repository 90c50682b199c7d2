"""The ``retroprop`` command line.

    retroprop demo [--epochs N] [--seed N] [--out DIR]     the main job, on generated XOR data
    retroprop lab list                                     the lab's experiments, one a line
    retroprop lab show NAME                                settings, data, numbers to beat
    retroprop lab run NAME [--quick] [--seed N | --seeds S] [--jobs J] [--max-minutes M]
                           [--resume] [--out DIR] [--SETTING VALUE ...]
    retroprop lab publish NAME [--root DIR] [--book DIR]   into the results book
    retroprop lab report [--out FILE] [--root DIR] [--include-quick]
    retroprop data download NAME [--root DIR] [--force]

Errors a user can make (bad arguments, an unknown experiment, missing data or a missing
extra) are reported in one message on stderr with a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import warnings
from pathlib import Path

LAB_EXTRA = ("matplotlib", "tqdm", "scipy", "sklearn")
INSTALL_LAB = 'pip install -e ".[lab]" (in a checkout) or pip install "retroprop[lab]"'


class CommandError(Exception):
    """A command cannot run; the message is printed on stderr (no traceback)."""


def _require(command: str, modules: tuple[str, ...]) -> None:
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise CommandError(
            f"{command} needs the lab extra ({', '.join(missing)} missing): {INSTALL_LAB}"
        )


def demo(args: argparse.Namespace) -> int:
    """Train a small MLP on four Gaussian blobs (XOR), report its test accuracy, and plot."""
    _require("retroprop demo", ("matplotlib", "tqdm"))
    import time

    import retroprop as rp
    import retroprop.nn as nn
    from retroprop import viz
    from retroprop.data.datasets import make_xor
    from retroprop.lab.runner import new_run_folder
    from retroprop.train import evaluate, fit

    out = Path(args.out) if args.out else new_run_folder(Path("runs") / "demo")
    out.mkdir(parents=True, exist_ok=True)
    rp.manual_seed(args.seed)
    train = make_xor(2000, sigma=0.4, seed=args.seed, return_X_y=True)
    val = make_xor(500, sigma=0.4, seed=args.seed + 1, return_X_y=True)
    test = make_xor(1000, sigma=0.4, seed=args.seed + 2, return_X_y=True)
    model = nn.Sequential(
        nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 2)
    )
    loss_fn = nn.CrossEntropyLoss()
    optimizer = rp.optim.Adam(model.parameters(), lr=0.01)
    print("retroprop demo: XOR of four Gaussian blobs (sigma 0.4), 2000 training points")
    print(model)
    t0 = time.perf_counter()
    history = fit(
        model,
        loss_fn,
        optimizer,
        train,
        val=val,
        epochs=args.epochs,
        batch_size=64,
        metrics=["accuracy"],
        seed=args.seed,
        verbose=1 if sys.stdout.isatty() else 2,  # bars on a terminal, else a line an epoch
    )
    seconds = time.perf_counter() - t0
    result = evaluate(model, loss_fn, test, batch_size=1000, metrics=["accuracy"])

    def p_class1(points):
        with rp.no_grad():
            return model(rp.tensor(points)).softmax(dim=1).numpy()[:, 1]

    curves = viz.learning_curves(history.history, out / "learning_curve.png", title="demo")
    boundary = viz.decision_boundary(
        p_class1, *test, out / "decision_boundary.png", title="P(class 1), test points"
    )
    print(
        f"test accuracy {result['accuracy']:.3f} on {len(test[1])} points "
        f"(trained in {seconds:.1f} s)"
    )
    print(f"wrote {curves}\nwrote {boundary}")
    return 0


def lab_list(args: argparse.Namespace) -> int:
    from retroprop.lab import all_experiments, broken

    found = all_experiments()
    width = max((len(name) for name in found), default=0)
    for name, exp in found.items():
        print(f"{name:<{width}}  {exp.description}")
    failed = broken()
    for module, why in failed.items():
        print(f"retroprop lab list: {module} failed to load: {why}", file=sys.stderr)
    return 1 if failed else 0


def lab_show(args: argparse.Namespace) -> int:
    from retroprop.lab import get
    from retroprop.lab.report import cell
    from retroprop.lab.settings import format_value, type_name

    exp = get(args.name)
    print(f"{exp.name}: {exp.description}\n")
    needs = ", ".join(
        name + (f" ({', '.join(files)})" if files else "") for name, files in exp.datasets.items()
    )
    print(f"data: {needs or 'none (generated or built in)'}\n")
    print("settings (retroprop lab run NAME --SETTING VALUE; bools: --SETTING / --no-SETTING):")
    width = max((len(k) for k in exp.config), default=0) + 2
    for key, default in exp.config.items():
        quick = f"  quick: {format_value(exp.quick[key])}" if key in exp.quick else ""
        option = f"--{key.replace('_', '-')}"
        print(f"  {option:<{width}} {type_name(default):<14} {format_value(default)}{quick}")
    if exp.metrics:
        print("\nheadline metrics (ours / the source document's / best published / target):")
        for m in exp.metrics:
            parts = [
                f"  {m.key} ({m.direction or 'shown'} is better)".replace(
                    "(equal is better)", "(must equal the target)"
                ).replace("(shown is better)", "(shown)")
            ]
            for label, ref in (("document", m.document), ("best published", m.anchor)):
                if ref is not None:
                    where = ", ".join(x for x in (ref.document, ref.note) if x)
                    parts.append(f"      {label}: {cell(ref.value)} ({where})")
            if m.target is not None:
                parts.append(f"      target: {cell(m.target)}")
            print("\n".join(parts))
    return 0


def lab_run(args: argparse.Namespace) -> int:
    _require("retroprop lab run", LAB_EXTRA)
    from retroprop import viz
    from retroprop.lab import RunPaused, get, run
    from retroprop.lab.report import headline_table, numbers_table, read_run
    from retroprop.lab.runner import parse_seeds
    from retroprop.lab.settings import parse_options

    exp = get(args.name)  # an unknown name fails here, before anything is written
    settings = parse_options(exp.name, exp.config, args.settings)
    seeds = parse_seeds(args.seeds) if args.seeds is not None else None
    out = f" --out {args.out}" if args.out else ""
    try:
        with warnings.catch_warnings():
            # one note below says it for every graph of the run
            warnings.simplefilter("ignore", viz.GraphvizNotFoundWarning)
            run_dir = run(
                args.name,
                quick=args.quick,
                seed=args.seed,
                seeds=seeds,
                settings=settings,
                out=args.out,
                resume=args.resume,
                max_minutes=args.max_minutes,
                jobs=args.jobs,
                argv=args.argv,
                verbose=1 if sys.stdout.isatty() else 2,
            )
    except RunPaused as e:
        print(
            f"{args.name}: {e}; `retroprop lab run {args.name} --resume{out}` continues it",
            file=sys.stderr,
        )
        return 0
    except KeyboardInterrupt:
        print(
            f"\ninterrupted; `retroprop lab run {args.name} --resume{out}` continues the run",
            file=sys.stderr,
        )
        return 130
    _, results = read_run(run_dir)
    print(headline_table(results) or numbers_table(results))
    if any(fig["path"].endswith(".dot") for fig in results["figures"]):
        print(
            "note: Graphviz's `dot` program is not installed, so the computation graphs were "
            "written as .dot text only. Graphviz is a system program that pip cannot install: "
            "`apt-get install graphviz` (or brew/conda); report.md says how to draw them.",
            file=sys.stderr,
        )
    print(
        f"\n{args.name}: {results['wall_time_s']:.2f} s per run; wrote {run_dir}/ (report.md, "
        "results.json, config.json, figures)"
    )
    return 0


def lab_publish(args: argparse.Namespace) -> int:
    from retroprop.lab import get, publish

    get(args.name)
    page, notes = publish(args.name, root=args.root, book=args.book, variant=args.variant)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"published {args.name} to {page}/ (and rewrote {page.parent / 'README.md'})")
    return 0


def lab_report(args: argparse.Namespace) -> int:
    from retroprop.lab import write_report

    path = write_report(args.root, args.out, include_quick=args.include_quick)
    print(f"wrote {path}")
    return 0


def data_download(args: argparse.Namespace) -> int:
    from retroprop.data.datasets import DownloadError, download

    try:
        folder = download(args.name, args.root, force=args.force)
    except (DownloadError, ValueError) as e:
        raise CommandError(str(e)) from e
    print(f"{args.name}: files in {folder}")
    return 0


def _int_at_least(low: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"expected an integer >= {low}, got {value}")
        return value

    return parse


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="retroprop",
        description="retroprop: deep learning from scratch on NumPy. Train the demo, run the "
        "lab's experiments and write their reports, fetch data sets.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "demo",
        help="train a small network on generated XOR data and plot it",
        description="Train a 2-32-32-2 tanh network on four Gaussian blobs (XOR) with Adam, "
        "print its test accuracy, and write its learning curve and decision boundary.",
    )
    p.add_argument("--epochs", type=_int_at_least(1), default=10, help="epochs (default 10)")
    p.add_argument("--seed", type=_int_at_least(0), default=0, help="random seed (default 0)")
    p.add_argument("--out", help="folder for the plots (default runs/demo/<timestamp>/)")
    p.set_defaults(func=demo)

    lab = sub.add_parser(
        "lab",
        help="the lab's experiments: list, show, run, publish, report",
        description="Run the experiments of the source documents and report our numbers "
        "beside theirs.",
    )
    lab_sub = lab.add_subparsers(dest="lab_command", required=True, metavar="ACTION")
    p = lab_sub.add_parser("list", help="the experiments, one a line: name and description")
    p.set_defaults(func=lab_list)

    p = lab_sub.add_parser(
        "show",
        help="an experiment's settings, data and the numbers to beat",
        description="Show experiment NAME: its description, the data it needs, every setting "
        "with its type, default and quick value, and its headline metrics with the source "
        "document's number, the best published one and our target.",
    )
    p.add_argument("name", metavar="NAME", help="an experiment's name (see `retroprop lab list`)")
    p.set_defaults(func=lab_show)

    p = lab_sub.add_parser(
        "run",
        help="run one experiment into runs/NAME/<timestamp>/",
        description="Run experiment NAME; write config.json, results.json, report.md and "
        "figures into OUT/runs/NAME/<timestamp>/. Every setting of the experiment is an option "
        "too, typed from its default: --lr 0.01 --epochs 5 --hidden 128,64 --no-augment "
        "(`retroprop lab show NAME` lists them).",
        allow_abbrev=False,
    )
    p.add_argument("name", metavar="NAME", help="an experiment's name (see `retroprop lab list`)")
    p.add_argument("--quick", action="store_true", help="tiny settings that run in seconds")
    p.add_argument("--seed", type=_int_at_least(0), help="random seed (default 0)")
    p.add_argument(
        "--seeds",
        metavar="S",
        help="several runs and their aggregate: a count (5: seeds 0..4) or a list (3,7,11)",
    )
    p.add_argument(
        "--jobs", type=_int_at_least(1), default=1, help="seeds run at a time (processes)"
    )
    p.add_argument(
        "--max-minutes",
        type=_positive_float,
        metavar="M",
        help="stop cleanly after the epoch that passes M minutes (--resume continues)",
    )
    p.add_argument("--out", metavar="DIR", help="folder that holds runs/ (default: here)")
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue the latest unfinished run of NAME with its saved settings",
    )
    p.set_defaults(func=lab_run)

    p = lab_sub.add_parser(
        "publish",
        help="copy the latest full run of NAME into the results book (docs/results/)",
        description="Copy the latest finished full run of NAME (one seed or a seeds "
        "aggregate) from ROOT/runs/ into BOOK/NAME/ (report.md, results.json, figures, one "
        "JSON file per seed) and rewrite BOOK/README.md. Quick runs are refused; seeds "
        "published in earlier sittings with the same settings are aggregated.",
    )
    p.add_argument("name", metavar="NAME", help="an experiment's name")
    p.add_argument("--root", metavar="DIR", default=".", help="folder that holds runs/")
    p.add_argument("--book", metavar="DIR", help="the book's folder (default ROOT/docs/results)")
    p.add_argument(
        "--variant",
        metavar="LABEL",
        help="publish to a page of its own, BOOK/NAME--LABEL, kept beside NAME's page (a run "
        "with other settings, e.g. --model conv1d) instead of replacing it",
    )
    p.set_defaults(func=lab_publish)

    p = lab_sub.add_parser(
        "report",
        help="collect the latest full run of each experiment into one Markdown page",
        description="Collect the latest full (non-quick) run of every experiment under "
        "ROOT/runs/ into one Markdown page: each experiment's table and figures.",
    )
    p.add_argument("--out", metavar="FILE", help="the page to write (default ROOT/runs/report.md)")
    p.add_argument(
        "--root", metavar="DIR", default=".", help="folder that holds runs/ (default: here)"
    )
    p.add_argument(
        "--include-quick",
        action="store_true",
        help="show an experiment's latest quick run when it has no full run (marked as quick)",
    )
    p.set_defaults(func=lab_report)

    data = sub.add_parser("data", help="data sets: download", description="Manage data sets.")
    data_sub = data.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    p = data_sub.add_parser(
        "download",
        help="fetch a data set's original files and check their sha256",
        description="Fetch data set NAME (mnist, usps, ecg5000) into the data directory "
        "($RETROPROP_DATA, else ~/.cache/retroprop). Offline, it fails at once and says "
        "which files to put where.",
    )
    p.add_argument("name", metavar="NAME", help="mnist, usps or ecg5000")
    p.add_argument("--root", metavar="DIR", help="the data directory (default $RETROPROP_DATA)")
    p.add_argument("--force", action="store_true", help="fetch files that are already present")
    p.set_defaults(func=data_download)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line on ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and getattr(args, "func", None) is not lab_run:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.settings, args.argv = extra, argv
    from retroprop.lab.registry import LabError
    from retroprop.lab.settings import SettingsError
    from retroprop.train import CheckpointError, TrainingDiverged

    try:
        return args.func(args)
    except SettingsError as e:
        print(f"retroprop {args.command}: error: {e}", file=sys.stderr)
        return 2
    except (CommandError, LabError, FileNotFoundError, TrainingDiverged, CheckpointError) as e:
        print(f"retroprop {args.command}: error: {e}", file=sys.stderr)
        return 1
    except OSError as e:  # an output folder that cannot be made or written
        where = e.filename if e.filename is not None else "the output"
        print(
            f"retroprop {args.command}: error: cannot write {where}: {e.strerror}", file=sys.stderr
        )
        return 1
    except KeyboardInterrupt:
        print(f"retroprop {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
