"""One training step of a normalisation layer alone (forward, MSE to a fixed target, backward,
SGD on its affine weight and bias), float32: retroprop vs PyTorch in one run, alternating,
same thread count. Each layer sees about a million numbers, as in a mid-sized network:

    --layer batch   BatchNorm2d(64) on (64, 64, 16, 16), training mode (batch statistics)
    --layer group   GroupNorm(8, 64) on (64, 64, 16, 16)
    --layer layer   LayerNorm(256) on (32, 128, 256), a transformer's activations

    python benchmarks/norms.py [--layer batch] [--steps 30] [--threads 2] [--profile]

Prints a Markdown table of median ms/step and the ratio to PyTorch, then each library's peak
memory (peak RSS of a separate process that builds the layer and runs steps).
"""

from __future__ import annotations

import numpy as np
from common import compare, sgd_step

LR = 0.01
LAYERS = {
    # name: (input shape, title, how to build it from a library's nn)
    "batch": ((64, 64, 16, 16), "BatchNorm2d(64)", lambda nn: nn.BatchNorm2d(64)),
    "group": ((64, 64, 16, 16), "GroupNorm(8, 64)", lambda nn: nn.GroupNorm(8, 64)),
    "layer": ((32, 128, 256), "LayerNorm(256)", lambda nn: nn.LayerNorm(256)),
}


def make_data(layer: str) -> tuple[str, np.ndarray, np.ndarray, list[np.ndarray]]:
    """The layer's name, an input, a target of the same shape, and its weight and bias."""
    shape = LAYERS[layer][0]
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    y = rng.standard_normal(shape).astype(np.float32)
    features = shape[1] if layer != "layer" else shape[-1]
    weight = rng.uniform(0.5, 1.5, features).astype(np.float32)
    bias = rng.uniform(-0.5, 0.5, features).astype(np.float32)
    return layer, x, y, [weight, bias]


def _step(lib, layer: str, x: np.ndarray, y: np.ndarray, params: list[np.ndarray]):
    model = LAYERS[layer][2](lib.nn)
    state = dict(zip(["weight", "bias"], params))
    state.update({k: v.numpy() for k, v in model.state_dict().items() if k not in state})
    return sgd_step(lib, model, state, "mse_loss", x, y, LR)


def retroprop_step(layer: str, x: np.ndarray, y: np.ndarray, params: list[np.ndarray]):
    import retroprop as rp

    return _step(rp, layer, x, y, params)


def torch_step(layer: str, x: np.ndarray, y: np.ndarray, params: list[np.ndarray]):
    import torch

    return _step(torch, layer, x, y, params)


LIBS = {"retroprop": retroprop_step, "torch": torch_step}


def main() -> None:
    compare(
        __doc__,
        __file__,
        LIBS,
        make_data,
        lambda layer: (
            f"{LAYERS[layer][1]} on {LAYERS[layer][0]}, forward + MSE + backward + SGD, "
            "float32, {threads} thread(s), {steps} alternating steps"
        ),
        options={"layer": list(LAYERS)},
    )


if __name__ == "__main__":
    main()
