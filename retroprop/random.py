"""The one seedable source of random numbers (``rp.manual_seed``)."""

from __future__ import annotations

from typing import Any

import numpy as np

default_generator: np.random.Generator = np.random.default_rng(0)


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the global generator used by every random op, initialiser and layer."""
    global default_generator
    if not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"manual_seed: seed must be a non-negative integer, got {seed!r}")
    default_generator.bit_generator.state = np.random.PCG64(int(seed)).state
    return default_generator


def get_rng_state() -> dict[str, Any]:
    """The generator's state as a JSON-serialisable dict (for checkpoints)."""
    return default_generator.bit_generator.state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore a state returned by :func:`get_rng_state`."""
    default_generator.bit_generator.state = state


def seed() -> int:
    """Seed the generator from the OS entropy and return that seed."""
    s = int(np.random.SeedSequence().entropy % (2**63))
    manual_seed(s)
    return s
