"""One training step of an LSTM regressor: LSTM(32 -> 128) over 50 steps, batch 32, a Linear
head on the last hidden state, MSE loss, SGD, float32: retroprop vs PyTorch in one run,
alternating, same threads.

    python benchmarks/lstm.py [--steps 30] [--threads 1]

Prints median ms/step and the ratio, then each library's peak memory (peak RSS of a separate
process that builds the model and runs steps).
"""

from __future__ import annotations

import numpy as np
from common import compare, sgd_step

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


def build(nn):
    """The regressor from a library's ``nn`` (retroprop's and torch's share the API)."""

    class Regressor(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = nn.LSTM(INPUT, HIDDEN, batch_first=True)
            self.head = nn.Linear(HIDDEN, OUT)

        def forward(self, x):
            _, (h_n, _) = self.lstm(x)
            return self.head(h_n[-1])

    return Regressor()


def retroprop_step(x: np.ndarray, y: np.ndarray, weights: dict[str, np.ndarray]):
    import retroprop as rp

    return sgd_step(rp, build(rp.nn), weights, "mse_loss", x, y, LR)


def torch_step(x: np.ndarray, y: np.ndarray, weights: dict[str, np.ndarray]):
    import torch

    return sgd_step(torch, build(torch.nn), weights, "mse_loss", x, y, LR)


LIBS = {"retroprop": retroprop_step, "torch": torch_step}


def main() -> None:
    compare(
        __doc__,
        __file__,
        LIBS,
        make_data(),
        f"LSTM {INPUT}->{HIDDEN}, sequence {SEQ}, batch {BATCH}, Linear head + MSE, SGD, "
        "float32, {threads} thread(s), {steps} alternating steps",
    )


if __name__ == "__main__":
    main()
