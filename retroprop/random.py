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


class Generator(np.random.Generator):
    """PyTorch's ``torch.Generator``: a seedable source of its own, for ``generator=``
    arguments (``random_split(ds, [0.8, 0.2], generator=rp.Generator().manual_seed(42))``).

    It *is* a ``numpy.random.Generator`` (a subclass, on PCG64), so every ``generator=`` of
    retroprop takes either, and NumPy's methods work on it. Its state is NumPy's bit-generator
    dict rather than PyTorch's byte tensor, so states do not carry between the two libraries.
    """

    _DEFAULT_SEED = 67280421310721  # torch.Generator's default seed

    def __init__(self, device: Any = "cpu") -> None:
        from retroprop.devices import check_device

        check_device("Generator", device)
        super().__init__(np.random.PCG64(self._DEFAULT_SEED))
        self._initial_seed = self._DEFAULT_SEED
        self.device = "cpu"

    def manual_seed(self, seed: int) -> Generator:
        """Reseed this generator (as ``np.random.default_rng(seed)``) and return it."""
        if not isinstance(seed, int | np.integer) or seed < 0:
            raise ValueError(
                f"Generator.manual_seed: seed must be a non-negative integer, got {seed!r}"
            )
        self.bit_generator.state = np.random.PCG64(int(seed)).state
        self._initial_seed = int(seed)
        return self

    def seed(self) -> int:
        """Reseed from the OS entropy; return the seed."""
        s = int(np.random.SeedSequence().entropy % (2**63))
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        """The seed given last to :meth:`manual_seed` (or the default)."""
        return self._initial_seed

    def get_state(self) -> dict[str, Any]:
        """The bit generator's state (a JSON-serialisable dict)."""
        return self.bit_generator.state

    def set_state(self, state: dict[str, Any]) -> Generator:
        """Restore a state from :meth:`get_state`; return this generator."""
        self.bit_generator.state = state
        return self
