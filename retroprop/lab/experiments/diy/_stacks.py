"""The report's autoencoders of any widths: a TanH encoder down to a code and its mirrored
decoder, in ``retroprop.diy`` (Sigmoide output, as the report) and in ``retroprop.nn``."""

from __future__ import annotations

from collections.abc import Sequence

import retroprop.nn as nn
from retroprop import diy


def _widths(sizes: Sequence[int]) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The (input, output) of each Linear of the encoder and of the mirrored decoder."""
    down = list(zip(sizes[:-1], sizes[1:], strict=True))
    return down, [(b, a) for a, b in reversed(down)]


def diy_autoencoder(sizes: Sequence[int], init: str = "report") -> diy.AutoEncoder:
    """``sizes = (256, 32, 16, 10)``: encoder Linear(256, 32) TanH Linear(32, 16) TanH
    Linear(16, 10) TanH; decoder Linear(10, 16) TanH Linear(16, 32) TanH Linear(32, 256)
    Sigmoide; every Linear with ``init``."""
    down, up = _widths(sizes)
    encoder = [m for a, b in down for m in (diy.Linear(a, b, init=init), diy.TanH())]
    decoder = [m for a, b in up for m in (diy.Linear(a, b, init=init), diy.TanH())]
    return diy.AutoEncoder(diy.Sequential(*encoder), diy.Sequential(*decoder[:-1], diy.Sigmoide()))


def nn_autoencoder(sizes: Sequence[int], sigmoid: bool = False) -> nn.Sequential:
    """The same architecture in ``nn`` (PyTorch's initialisation); its output is logits, or
    probabilities with ``sigmoid``. ``model[: 2 * (len(sizes) - 1)]`` is the encoder."""
    down, up = _widths(sizes)
    layers = [m for a, b in down + up for m in (nn.Linear(a, b), nn.Tanh())]
    return nn.Sequential(*layers[:-1], *([nn.Sigmoid()] if sigmoid else []))
