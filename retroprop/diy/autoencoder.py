"""AutoEncoder: an encoder that compresses and a decoder that reconstructs, chained."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from retroprop.diy.module import Module
from retroprop.diy.sequential import Sequential


class AutoEncoder(Sequential):
    """``decoder(encoder(X))``, trained to give back X (a Sequential of the two parts).

    Args:
        encoder: module mapping (batch, d) to the code (batch, k), usually k < d.
        decoder: module mapping the code back to (batch, d).

    Example (the report's USPS architecture)::

        encoder = Sequential(Linear(256, 100), TanH(), Linear(100, 10), TanH())
        decoder = Sequential(Linear(10, 100), TanH(), Linear(100, 256), Sigmoide())
        model = AutoEncoder(encoder, decoder)
    """

    def __init__(self, encoder: Module, decoder: Module) -> None:
        super().__init__(OrderedDict(encoder=encoder, decoder=decoder))
        self.encoder, self.decoder = encoder, decoder

    def encode(self, X: np.ndarray) -> np.ndarray:
        """The code of X (e.g. for clustering or a 2-D view)."""
        return self.encoder.forward(X)

    def decode(self, Z: np.ndarray) -> np.ndarray:
        """The reconstruction from a code Z."""
        return self.decoder.forward(Z)
