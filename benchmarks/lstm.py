"""One training step of an LSTM regressor: LSTM(32 -> 128) over 50 steps, batch 32, a Linear
head on the last hidden state, MSE loss, SGD, float32: retroprop vs PyTorch in one run,
alternating, same threads.

    python benchmarks/lstm.py [--steps 30] [--threads 1]

Prints median ms/step and the ratio, then each library's peak memory (peak RSS of a separate
process that builds the model and runs steps).
"""

from __future__ import annotations

import numpy as np
from common import compare

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
