"""The ``retroprop`` command line.

    retroprop demo [--epochs N] [--seed N] [--out DIR]     the main job, on generated XOR data
    retroprop lab list                                     the lab's experiments, one a line
    retroprop lab run NAME [--quick] [--seed N] [--out DIR] [--epochs N] [--resume]
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
    from retroprop.lab import all_experiments

    found = all_experiments()
    width = max(len(name) for name in found)
    for name, exp in found.items():
        print(f"{name:<{width}}  {exp.description}")
    return 0


def lab_run(args: argparse.Namespace) -> int:
    _require("retroprop lab run", LAB_EXTRA)
    from retroprop import viz
    from retroprop.lab import get, run
    from retroprop.lab.report import metrics_table, read_run

    get(args.name)  # an unknown name fails here, before anything is written
    try:
        with warnings.catch_warnings():
            # one note below says it for every graph of the run
            warnings.simplefilter("ignore", viz.GraphvizNotFoundWarning)
            run_dir = run(
                args.name,
                quick=args.quick,
                seed=args.seed,
                out=args.out,
                epochs=args.epochs,
                resume=args.resume,
            )
    except KeyboardInterrupt:
        out = f" --out {args.out}" if args.out else ""
        print(
            f"\ninterrupted; `retroprop lab run {args.name} --resume{out}` continues the run",
            file=sys.stderr,
        )
        return 130
    _, results = read_run(run_dir)
    print(metrics_table(results["metrics"], results["source"]))
    if any(fig["path"].endswith(".dot") for fig in results["figures"]):
        print(
            "note: Graphviz's `dot` program is not installed, so the computation graphs were "
            "written as .dot text only. Graphviz is a system program that pip cannot install: "
            "`apt-get install graphviz` (or brew/conda); report.md says how to draw them.",
            file=sys.stderr,
        )
    print(
        f"\n{args.name}: {results['wall_time_s']:.2f} s; wrote {run_dir}/ (report.md, "
        "results.json, config.json, checkpoint, figures)"
    )
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
        help="the lab's experiments: list, run, report",
        description="Run the experiments of the source documents and report our numbers "
        "beside theirs.",
    )
    lab_sub = lab.add_subparsers(dest="lab_command", required=True, metavar="ACTION")
    p = lab_sub.add_parser("list", help="the experiments, one a line: name and description")
    p.set_defaults(func=lab_list)

    p = lab_sub.add_parser(
        "run",
        help="run one experiment into runs/NAME/<timestamp>/",
        description="Run experiment NAME; write config.json, results.json, report.md, a "
        "checkpoint and figures into OUT/runs/NAME/<timestamp>/.",
    )
    p.add_argument("name", metavar="NAME", help="an experiment's name (see `retroprop lab list`)")
    p.add_argument("--quick", action="store_true", help="tiny settings that run in seconds")
    p.add_argument("--seed", type=_int_at_least(0), help="random seed (default 0)")
    p.add_argument("--out", metavar="DIR", help="folder that holds runs/ (default: here)")
    p.add_argument("--epochs", type=_int_at_least(1), help="override the experiment's epochs")
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue the latest unfinished run of NAME with its saved settings",
    )
    p.set_defaults(func=lab_run)

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
    args = build_parser().parse_args(argv)
    from retroprop.lab.registry import LabError
    from retroprop.train import TrainingDiverged

    try:
        return args.func(args)
    except (CommandError, LabError, FileNotFoundError, TrainingDiverged) as e:
        print(f"retroprop {args.command}: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"retroprop {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
