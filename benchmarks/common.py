"""What the benchmark scripts share: thread limits, alternating timing, peak memory of a
separate process per library, a cProfile view and the Markdown table.

A script defines ``LIBS`` (name -> function that builds the model from the data and returns a
``step`` closure, for a plain supervised step by :func:`sgd_step`) and calls :func:`compare`,
which measures memory in a child process per library (:func:`peak_rss_mb`), times the steps
alternately (:func:`alternate`) and prints the table (:func:`print_table`), or profiles
retroprop's step with ``--profile``.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import os
import platform
import pstats
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from importlib import metadata
from types import ModuleType
from typing import Any

import numpy as np

Step = Callable[[], object]


def parse_args(
    doc: str,
    libs: list[str],
    threads: int = 1,
    steps: int = 30,
    options: Mapping[str, Sequence[str]] | None = None,
) -> argparse.Namespace:
    """--steps, --threads, --profile, one ``--NAME`` per entry of ``options`` (its choices, the
    first the default), and the hidden --memory-of LIB used by peak_rss_mb."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--steps", type=int, default=steps, help="timed steps per library")
    ap.add_argument("--threads", type=int, default=threads, help="BLAS/torch threads")
    ap.add_argument(
        "--profile", action="store_true", help="print where retroprop's step spends its time"
    )
    for name, choices in (options or {}).items():
        ap.add_argument(f"--{name}", choices=list(choices), default=choices[0])
    ap.add_argument("--memory-of", choices=sorted(libs), help=argparse.SUPPRESS)
    return ap.parse_args()


def machine() -> str:
    """One line naming what ran: CPU, NumPy and the BLAS kernels it loaded (threadpoolctl),
    torch, the date; and a warning when OPENBLAS_CORETYPE forces other kernels."""
    from threadpoolctl import threadpool_info

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    info = threadpool_info()
    blas = [p for p in info if p.get("user_api") == "blas" and "numpy" in p["filepath"]]
    kernels = ", ".join(
        f"{p['internal_api']} {p['version']} ({p.get('architecture') or '?'} kernels)" for p in blas
    )
    line = (
        f"{cpu}, {os.cpu_count()} cores; NumPy {np.__version__} with {kernels or 'unknown BLAS'}; "
        f"torch {metadata.version('torch')}; {datetime.date.today().isoformat()}"
    )
    forced = [v for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if v in os.environ]
    if forced:
        line += f" — WARNING: {', '.join(forced)} set, NumPy runs other kernels than a user's"
    return line


def set_threads(lib: str | None, n: int) -> None:
    """Limit one library (torch, or retroprop / NumPy's BLAS), or both when None, to n threads."""
    if lib in (None, "torch"):
        import torch

        torch.set_num_threads(n)
    if lib != "torch":
        import retroprop as rp

        rp.set_num_threads(n)


def run_child(make: Callable[[], Step], lib: str, steps: int, threads: int) -> None:
    """In the process started by peak_rss_mb: build one library's step, run it, print the
    process's peak RSS in MB."""
    set_threads(lib, threads)  # imports the library
    imported = _status_mb("VmRSS")
    step = make()
    for _ in range(steps):
        step()
    print(peak_of_this_process_mb(), imported)


def peak_of_this_process_mb() -> float:
    """Peak RSS of this process's own address space, in MB.

    ``ru_maxrss`` would also count the parent's memory that the child had before ``exec``;
    the kernel's high-water mark ``VmHWM`` starts afresh at ``exec``, so read it where it
    exists.
    """
    hwm = _status_mb("VmHWM")
    return hwm if hwm == hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _status_mb(field: str) -> float:
    """A memory field of /proc/self/status in MB (NaN where there is no /proc)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def peak_rss_mb(
    script: str, lib: str, steps: int, threads: int, extra: Sequence[str] = ()
) -> tuple[float, float]:
    """Peak RSS (MB) of a fresh ``python script --memory-of lib [extra]`` running ``steps``
    steps, and its RSS once the library was imported (so that peak - imported is what training
    used).

    Called before this process imports the libraries, so that a child's memory never
    includes theirs (see :func:`peak_of_this_process_mb`).
    """
    cmd = [sys.executable, script, "--memory-of", lib, "--steps", str(steps)]
    cmd += ["--threads", str(threads), *extra]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    peak, imported = out.stdout.strip().splitlines()[-1].split()
    return float(peak), float(imported)


def alternate(
    steps: dict[str, Step], n: int, threads: int = 1, warmup: int = 3
) -> dict[str, float]:
    """Median ms per step of each library, timing them in turn, n rounds after a warm-up.

    With several threads, a library's idle worker threads keep spinning for a while after its
    last parallel call (OpenBLAS ~0.1 s), stealing cores from the next library's step. So each
    turn then first pauses, runs one untimed step to wake the library's own threads, and
    times the next one.
    """
    for step in steps.values():
        for _ in range(warmup):
            step()
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(n):
        for name, step in steps.items():
            if threads > 1:
                time.sleep(0.3)
                step()
            t0 = time.perf_counter()
            step()
            times[name].append((time.perf_counter() - t0) * 1e3)
    return {name: statistics.median(t) for name, t in times.items()}


def profile(step: Step, n: int, top: int = 30) -> None:
    """cProfile of n steps after a warm-up, sorted by own time (tottime)."""
    for _ in range(3):
        step()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(n):
        step()
    prof.disable()
    stats = pstats.Stats(prof)
    stats.sort_stats("tottime").print_stats(top)
    by_file: dict[str, float] = {}
    for (path, _, _), (_, _, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        key = path.split("retroprop/", 1)[-1] if "retroprop/" in path else "other"
        by_file[key] = by_file.get(key, 0.0) + own
    total = sum(by_file.values())
    print("own time by file (ms/step, share):")
    for key, own in sorted(by_file.items(), key=lambda kv: -kv[1])[:12]:
        print(f"  {key:40s} {own / n * 1e3:8.1f}  {own / total:6.1%}")


def print_table(
    title: str,
    med: dict[str, float],
    mem: dict[str, tuple[float, float]],
    baselines: tuple[str, ...] = ("torch",),
) -> None:
    """A Markdown table: median ms/step and its ratio to each baseline; peak RSS, and the part
    of it above the RSS right after importing the library (the training's own memory), with
    its ratio to torch's."""
    print(title)
    print()
    ratios = "".join(f" ratio to {b} |" for b in baselines)
    print(
        f"| library | median ms/step |{ratios} peak RSS (MB) | peak above import (MB) |"
        " ratio to torch |"
    )
    print("|---" * (5 + len(baselines)) + "|")
    torch_use = mem["torch"][0] - mem["torch"][1]
    for name in med:
        r = "".join(f" {med[name] / med[b]:.2f} |" for b in baselines)
        peak, imported = mem[name]
        use = peak - imported
        print(f"| {name} | {med[name]:.2f} |{r} {peak:.0f} | {use:.0f} | {use / torch_use:.2f} |")


def sgd_step(
    lib: ModuleType,
    model: Any,
    params: Mapping[str, np.ndarray] | Sequence[np.ndarray],
    loss: str,
    x: np.ndarray,
    y: np.ndarray,
    lr: float,
) -> Step:
    """Load ``params`` into ``model`` and return the step to time: zero the gradients, forward,
    ``lib.nn.functional.<loss>``, backward, one SGD update.

    ``lib`` is the ``retroprop`` or the ``torch`` module: the two spell all of this alike, but
    for how a NumPy array becomes a tensor. ``params`` holds the arrays by state_dict key, or
    as a list in state_dict order.
    """
    if not isinstance(params, Mapping):
        params = dict(zip(model.state_dict(), params))
    if lib.__name__ == "torch":
        params = {k: lib.from_numpy(p.copy()) for k, p in params.items()}
        xt, yt = lib.from_numpy(x), lib.from_numpy(y)
    else:
        xt, yt = lib.tensor(x), lib.tensor(y)
    model.load_state_dict(params)
    opt = lib.optim.SGD(model.parameters(), lr=lr)
    loss_fn = getattr(lib.nn.functional, loss)

    def step() -> None:
        opt.zero_grad()
        loss_fn(model(xt), yt).backward()
        opt.step()

    return step


def compare(
    doc: str,
    script: str,
    libs: dict[str, Callable[..., Step]],
    data: tuple[object, ...] | Callable[..., tuple[object, ...]],
    title: str | Callable[..., str],
    steps: int = 30,
    memory_steps: int = 10,
    baselines: tuple[str, ...] = ("torch",),
    check: Callable[[dict[str, Step]], None] | None = None,
    options: Mapping[str, Sequence[str]] | None = None,
) -> None:
    """The whole benchmark: parse the arguments, then measure, time and print (or profile).

    ``title`` may use ``{threads}``, ``{steps}`` and each option's name; ``check`` receives the
    built steps before timing (e.g. to compare the libraries' first losses). With ``options``
    (name -> choices, see :func:`parse_args`), ``data`` and ``title`` may be functions of their
    values.
    """
    args = parse_args(doc, list(libs), threads=1, steps=steps, options=options)
    chosen = {name: getattr(args, name) for name in options or {}}
    if callable(data):
        data = data(**chosen)
    if callable(title):
        title = title(**chosen)
    if args.memory_of:
        make = libs[args.memory_of]
        run_child(lambda: make(*data), args.memory_of, args.steps, args.threads)
        return
    if args.profile:
        set_threads("retroprop", args.threads)
        profile(libs["retroprop"](*data), args.steps)
        return
    extra = [f"--{k}={v}" for k, v in chosen.items()]
    mem = {name: peak_rss_mb(script, name, memory_steps, args.threads, extra) for name in libs}
    set_threads(None, args.threads)
    built = {name: make(*data) for name, make in libs.items()}
    if check is not None:
        check(built)
    med = alternate(built, args.steps, args.threads)
    print_table(title.format(threads=args.threads, steps=args.steps, **chosen), med, mem, baselines)
    print()
    print(f"Machine: {machine()}")
