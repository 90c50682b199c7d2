"""``rp.accelerator``: PyTorch's device-neutral accelerator queries, for a CPU-only library.

PyTorch's examples now pick their device with
``torch.accelerator.current_accelerator() if torch.accelerator.is_available() else "cpu"``;
here there is no accelerator, so those lines choose the CPU, as on a machine without a GPU.
"""

from __future__ import annotations

from retroprop.devices import device, not_on_cpu


def is_available() -> bool:
    """False: retroprop computes on the CPU only."""
    return False


def device_count() -> int:
    """0: there is no accelerator."""
    return 0


def current_accelerator(check_available: bool = False) -> device | None:
    """None: there is no accelerator (the CPU is not one, as in PyTorch)."""
    return None


def current_device_index() -> int:
    """PyTorch's error for a machine without an accelerator."""
    raise not_on_cpu("accelerator.current_device_index", "accelerator")


def synchronize(device: object = None) -> None:
    """Nothing to wait for: every retroprop operation has finished when it returns."""
