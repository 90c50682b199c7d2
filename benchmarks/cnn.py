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

import numpy as np
from common import compare, sgd_step

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


def build(nn):
    """The CNN from a library's ``nn`` (retroprop's and torch's share the API)."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(), nn.Linear(128, 10),
    )  # fmt: skip


def retroprop_step(x: np.ndarray, y: np.ndarray, params: list[np.ndarray]):
    import retroprop as rp

    return sgd_step(rp, build(rp.nn), params, "cross_entropy", x, y, LR)


def torch_step(x: np.ndarray, y: np.ndarray, params: list[np.ndarray]):
    import torch

    return sgd_step(torch, build(torch.nn), params, "cross_entropy", x, y, LR)


LIBS = {"retroprop": retroprop_step, "torch": torch_step}


def main() -> None:
    compare(
        __doc__,
        __file__,
        LIBS,
        make_data(),
        f"CNN on 1x28x28, batch {BATCH}, float32, {{threads}} thread(s), "
        "{steps} alternating steps",
    )


if __name__ == "__main__":
    main()
