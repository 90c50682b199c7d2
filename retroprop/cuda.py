"""``rp.cuda``: PyTorch's CUDA queries answered for a CPU-only library.

So that the usual ``device = "cuda" if rp.cuda.is_available() else "cpu"`` and seeding lines
run unchanged: queries say there is no GPU, seeding and cache calls do nothing, and anything that
would need a GPU raises the CPU-only error of :mod:`retroprop.devices`.
"""

from __future__ import annotations

from retroprop.devices import not_on_cpu


def is_available() -> bool:
    """False: retroprop computes on the CPU only."""
    return False


def device_count() -> int:
    """0: there is no CUDA device."""
    return 0


def is_initialized() -> bool:
    return False


def manual_seed(seed: int) -> None:
    """Does nothing (there is no GPU generator), as torch does without a GPU."""


def manual_seed_all(seed: int) -> None:
    """Does nothing (there is no GPU generator), as torch does without a GPU."""


def empty_cache() -> None:
    """Does nothing: there is no GPU memory to release."""


def current_device() -> int:
    raise not_on_cpu("cuda.current_device", "cuda")


def synchronize(device: object = None) -> None:
    raise not_on_cpu("cuda.synchronize", "cuda")


def get_device_name(device: object = None) -> str:
    raise not_on_cpu("cuda.get_device_name", "cuda")
