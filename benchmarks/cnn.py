"""One training step of a small MNIST CNN (SGD, cross-entropy), batch 64 of 1x28x28, float32:
retroprop vs PyTorch in one run, alternating, same thread count.

    Conv2d(1,32,3) ReLU MaxPool2 Conv2d(32,64,3) ReLU MaxPool2 Flatten
    Linear(1600,128) ReLU Linear(128,10)

    python benchmarks/cnn.py [--steps 30] [--threads 2] [--profile]

Prints a Markdown table of median ms/step and the ratio to PyTorch, then each library's peak
memory (peak RSS of a separate process that builds the model and runs steps). ``--profile``
prints instead where retroprop's step spends its time (cProfile, sorted by own time).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

BATCH = 64
LR = 0.01


def make_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """A batch of images and labels, and the parameters in state_dict order."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCH, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, BATCH)
    shapes = [((32, 1, 3, 3), 9), ((64, 32, 3, 3), 288), ((128, 1600), 1600), ((10, 128), 128)]
    params = []
    for shape, fan_in in shapes:
        bound = 1 / np.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, shape).astype(np.float32))
        params.append(rng.uniform(-bound, bound, shape[0]).astype(np.float32))
    return x, y, params


def retroprop_step(x: np.ndarray, y: np.ndarray, params: list[np.ndarray]):
    import retroprop as rp
    import retroprop.nn as nn
    import retroprop.nn.functional as F

    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(), nn.Linear(128, 10),
    )  # fmt: skip
    model.load_state_dict(dict(zip(model.state_dict(), params)))
    opt = rp.optim.SGD(model.parameters(), lr=LR)
    xt, yt = rp.tensor(x), rp.tensor(y)

    def step() -> None:
        opt.zero_grad()
        loss = F.cross_entropy(model(xt), yt)
        loss.backward()
        opt.step()

    return step


def torch_step(x: np.ndarray, y: np.ndarray, params: list[np.ndarray]):
    import torch
    from torch import nn

    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(), nn.Linear(128, 10),
    )  # fmt: skip
    model.load_state_dict(
        {k: torch.from_numpy(p.copy()) for k, p in zip(model.state_dict(), params)}
    )
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def step() -> None:
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(xt), yt)
        loss.backward()
        opt.step()

    return step


LIBS = {"retroprop": retroprop_step, "torch": torch_step}


def set_threads(lib: str | None, n: int) -> None:
    """Limit the library (both when None) to n threads."""
    if lib in (None, "torch"):
        import torch

        torch.set_num_threads(n)
    if lib in (None, "retroprop"):
        import retroprop as rp

        rp.set_num_threads(n)


def peak_rss_mb(lib: str, steps: int, threads: int) -> float:
    """Run ``steps`` steps of one library in a fresh process and return its peak RSS."""
    cmd = [sys.executable, __file__, "--memory-of", lib, "--steps", str(steps)]
    out = subprocess.run(cmd + ["--threads", str(threads)], capture_output=True, text=True,
                         check=True)  # fmt: skip
    return float(out.stdout.strip().splitlines()[-1])


def profile(step, steps: int) -> None:
    for _ in range(3):
        step()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(steps):
        step()
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(25)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--memory-of", choices=sorted(LIBS), help=argparse.SUPPRESS)
    args = ap.parse_args()

    x, y, params = make_data()
    if args.memory_of:
        set_threads(args.memory_of, args.threads)
        step = LIBS[args.memory_of](x, y, params)
        for _ in range(args.steps):
            step()
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        return
    if args.profile:
        set_threads("retroprop", args.threads)
        profile(retroprop_step(x, y, params), args.steps)
        return
    # before this process grows: a child's peak RSS counts its parent's size at the fork
    mem = {name: peak_rss_mb(name, 10, args.threads) for name in LIBS}
    set_threads(None, args.threads)
    steps = {name: make(x, y, params) for name, make in LIBS.items()}
    for step in steps.values():  # warm-up
        for _ in range(3):
            step()
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(args.steps):
        for name, step in steps.items():
            t0 = time.perf_counter()
            step()
            times[name].append((time.perf_counter() - t0) * 1e3)
    med = {name: statistics.median(t) for name, t in times.items()}
    print(f"CNN on 1x28x28, batch {BATCH}, float32, {args.threads} thread(s), "
          f"{args.steps} alternating steps")  # fmt: skip
    print()
    print("| library | median ms/step | ratio to torch | peak RSS (MB) | RSS ratio to torch |")
    print("|---|---|---|---|---|")
    for name in steps:
        print(
            f"| {name} | {med[name]:.2f} | {med[name] / med['torch']:.2f} | {mem[name]:.0f} | "
            f"{mem[name] / mem['torch']:.2f} |"
        )


if __name__ == "__main__":
    main()
