"""Run every benchmark and rewrite its tables in benchmarks/README.md.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/run_all.py [--threads 1,2]
        [--only mlp,cnn] [--steps N] [--dry-run]

Each table in README.md sits between two markers naming the command that produced it,

    <!-- bench: cnn.py --threads 2 -->
    ...the table and its Machine line...
    <!-- /bench -->

and this script runs exactly those commands (each in a fresh process, one after the other, so
that no two benchmarks share the cores) and replaces what is between the markers with their
output. The prose around the tables is written by hand: read the new ratios before keeping it.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
README = HERE / "README.md"
BLOCK = re.compile(r"(<!-- bench: (?P<cmd>[^>]*?) -->\n)(?P<body>.*?)(<!-- /bench -->)", re.S)


def blocks(text: str) -> list[str]:
    """The commands of README.md's benchmark blocks, in order ("cnn.py --threads 2", ...)."""
    return [m["cmd"] for m in BLOCK.finditer(text)]


def run(cmd: str, steps: int | None) -> str:
    """The output of one benchmark command, run from this folder with this Python."""
    argv = [sys.executable, *cmd.split()] + (["--steps", str(steps)] if steps else [])
    out = subprocess.run(argv, cwd=HERE, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"run_all: `{cmd}` failed (exit {out.returncode}):\n{out.stderr}")
    return out.stdout.strip() + "\n"


def rewrite(text: str, outputs: dict[str, str]) -> str:
    """README.md's text with each block whose command is in ``outputs`` replaced."""

    def body(m: re.Match) -> str:
        if m["cmd"] not in outputs:
            return m.group(0)
        return f"{m.group(1)}\n{outputs[m['cmd']].strip()}\n\n{m.group(4)}"

    return BLOCK.sub(body, text)


def _threads(cmd: str) -> str:
    m = re.search(r"--threads (\d+)", cmd)
    if m is None:
        raise SystemExit(f"run_all: the README block `{cmd}` must name its --threads")
    return m[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", default="1,2", help="thread counts to run (default 1,2)")
    ap.add_argument("--only", default="", help="scripts to run, e.g. cnn,lstm (default all)")
    ap.add_argument("--steps", type=int, help="timed steps, overriding each script's default")
    ap.add_argument("--dry-run", action="store_true", help="print the tables, leave README.md")
    args = ap.parse_args()
    threads = {t.strip() for t in args.threads.split(",")}
    only = {s.strip().removesuffix(".py") for s in args.only.split(",") if s.strip()}
    text = README.read_text()
    chosen = [
        cmd
        for cmd in blocks(text)
        if _threads(cmd) in threads and (not only or cmd.split()[0].removesuffix(".py") in only)
    ]
    if not chosen:
        raise SystemExit(f"run_all: no block of {README} matches --threads/--only")
    outputs = {}
    for cmd in chosen:
        t0 = time.perf_counter()
        outputs[cmd] = run(cmd, args.steps)
        print(outputs[cmd], f"({cmd}: {time.perf_counter() - t0:.0f} s)\n", flush=True)
    if not args.dry_run:
        README.write_text(rewrite(README.read_text(), outputs))
        print(f"rewrote {len(outputs)} tables in {README}")


if __name__ == "__main__":
    main()
