"""One training step of an LSTM regressor: LSTM(32 -> 128) over 50 steps, batch 32, a Linear
head on the last hidden state, MSE loss, SGD, float32: retroprop vs PyTorch in one run,
alternating, same threads.

    python benchmarks/lstm.py [--steps 30] [--threads 1]

Prints median ms/step and the ratio, then each library's peak memory (peak RSS of a separate
process that builds the model and runs steps).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

INPUT, HIDDEN, SEQ, BATCH, OUT = 32, 128, 50, 32, 1
LR = 0.01


def make_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCH, SEQ, INPUT)).astype(np.float32)
    y = rng.standard_normal((BATCH, OUT)).astype(np.float32)
    bound = 1 / np.sqrt(HIDDEN)
    shapes = {
        "lstm.weight_ih_l0": (4 * HIDDEN, INPUT),
        "lstm.weight_hh_l0": (4 * HIDDEN, HIDDEN),
        "lstm.bias_ih_l0": (4 * HIDDEN,),
        "lstm.bias_hh_l0": (4 * HIDDEN,),
        "head.weight": (OUT, HIDDEN),
        "head.bias": (OUT,),
    }
    weights = {k: rng.uniform(-bound, bound, s).astype(np.float32) for k, s in shapes.items()}
    return x, y, weights


def retroprop_step(x: np.ndarray, y: np.ndarray, weights: dict[str, np.ndarray]):
    import retroprop as rp
    import retroprop.nn as nn
    import retroprop.nn.functional as F

    class Regressor(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = nn.LSTM(INPUT, HIDDEN, batch_first=True)
            self.head = nn.Linear(HIDDEN, OUT)

        def forward(self, x: rp.Tensor) -> rp.Tensor:
            _, (h_n, _) = self.lstm(x)
            return self.head(h_n[-1])

    model = Regressor()
    model.load_state_dict(weights)
    opt = rp.optim.SGD(model.parameters(), lr=LR)
    xt, yt = rp.tensor(x), rp.tensor(y)

    def step() -> None:
        opt.zero_grad()
        loss = F.mse_loss(model(xt), yt)
        loss.backward()
        opt.step()

    return step


def torch_step(x: np.ndarray, y: np.ndarray, weights: dict[str, np.ndarray]):
    import torch

    class Regressor(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = torch.nn.LSTM(INPUT, HIDDEN, batch_first=True)
            self.head = torch.nn.Linear(HIDDEN, OUT)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            _, (h_n, _) = self.lstm(x)
            return self.head(h_n[-1])

    model = Regressor()
    model.load_state_dict({k: torch.from_numpy(w.copy()) for k, w in weights.items()})
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def step() -> None:
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(xt), yt)
        loss.backward()
        opt.step()

    return step


LIBS = {"retroprop": retroprop_step, "torch": torch_step}


def set_threads(n: int) -> None:
    import torch

    import retroprop as rp

    rp.set_num_threads(n)
    torch.set_num_threads(n)


def peak_of_this_process_mb() -> float:
    """Peak RSS since this program started. ru_maxrss would also count the parent's memory
    that the child had before exec (the parent has both libraries loaded), so read the
    kernel's high-water mark of the current address space where there is one."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_rss_mb(lib: str, steps: int, threads: int) -> float:
    """Run ``steps`` steps of one library in a fresh process and return its peak RSS."""
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--memory-of",
            lib,
            "--steps",
            str(steps),
            "--threads",
            str(threads),
        ],  # fmt: skip
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--memory-of", choices=sorted(LIBS), help=argparse.SUPPRESS)
    args = ap.parse_args()

    x, y, weights = make_data()
    if args.memory_of:
        if args.memory_of == "torch":
            import torch

            torch.set_num_threads(args.threads)
        else:
            import retroprop as rp

            rp.set_num_threads(args.threads)
        step = LIBS[args.memory_of](x, y, weights)
        for _ in range(args.steps):
            step()
        print(peak_of_this_process_mb())
        return

    set_threads(args.threads)
    steps = {name: make(x, y, weights) for name, make in LIBS.items()}
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
    mem = {name: peak_rss_mb(name, 10, args.threads) for name in steps}
    print(f"LSTM {INPUT}->{HIDDEN}, sequence {SEQ}, batch {BATCH}, Linear head + MSE, SGD, "
          f"float32, {args.threads} thread(s), {args.steps} alternating steps")  # fmt: skip
    print()
    print("| library | median ms/step | ratio to torch | peak RSS (MB) | RSS ratio to torch |")
    print("|---|---|---|---|---|")
    for name in steps:
        print(
            f"| {name} | {med[name]:.2f} | {med[name] / med['torch']:.2f} | "
            f"{mem[name]:.0f} | {mem[name] / mem['torch']:.2f} |"
        )


if __name__ == "__main__":
    main()
