"""One training step of an MLP 784-1000-500-10 (ReLU, cross-entropy, SGD), batch 128, float32:
retroprop vs PyTorch vs a hand-written NumPy step, in one run, alternating, same threads.

    python benchmarks/mlp.py [--steps 30] [--threads 1] [--profile]

Prints a Markdown table of median ms/step, the ratios, and each library's peak memory (peak RSS
of a separate process that builds the model and runs steps). ``--profile`` prints instead
where retroprop's step spends its time (cProfile, own time).
"""

from __future__ import annotations

import numpy as np
from common import compare, sgd_step

SIZES = (784, 1000, 500, 10)
BATCH = 128
LR = 0.01


def make_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], BATCH)
    weights = []
    for i, o in zip(SIZES[:-1], SIZES[1:]):
        bound = 1 / np.sqrt(i)
        weights.append(rng.uniform(-bound, bound, (o, i)).astype(np.float32))
        weights.append(rng.uniform(-bound, bound, o).astype(np.float32))
    return x, y, weights


def build(nn):
    """The MLP from a library's ``nn`` (retroprop's and torch's share the API)."""
    layers = []
    for i, o in zip(SIZES[:-1], SIZES[1:]):
        layers += [nn.Linear(i, o), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def retroprop_step(x: np.ndarray, y: np.ndarray, weights: list[np.ndarray]):
    import retroprop as rp

    return sgd_step(rp, build(rp.nn), weights, "cross_entropy", x, y, LR)


def torch_step(x: np.ndarray, y: np.ndarray, weights: list[np.ndarray]):
    import torch

    return sgd_step(torch, build(torch.nn), weights, "cross_entropy", x, y, LR)


def numpy_step(x: np.ndarray, y: np.ndarray, weights: list[np.ndarray]):
    """The same step written by hand: the floor for any NumPy library."""
    w = [a.copy() for a in weights]
    n = len(y)

    def step() -> None:
        acts = [x]
        h = x
        for k in range(0, len(w), 2):
            h = h @ w[k].T
            h += w[k + 1]
            if k + 2 < len(w):
                np.maximum(h, 0, out=h)
            acts.append(h)
        z = acts[-1]
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(n), y] -= 1
        g = p / n
        for k in range(len(w) - 2, -1, -2):
            a = acts[k // 2]
            gw = g.T @ a
            gb = g.sum(axis=0)
            if k > 0:
                g = g @ w[k]
                g *= a > 0
            w[k] -= LR * gw
            w[k + 1] -= LR * gb

    return step


LIBS = {"retroprop": retroprop_step, "torch": torch_step, "numpy": numpy_step}


def main() -> None:
    compare(
        __doc__,
        __file__,
        LIBS,
        make_data(),
        f"MLP 784-1000-500-10, batch {BATCH}, float32, {{threads}} thread(s), "
        "{steps} alternating steps",
        baselines=("torch", "numpy"),
    )


if __name__ == "__main__":
    main()
