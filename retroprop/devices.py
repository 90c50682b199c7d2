"""The one device retroprop has: the CPU (NumPy), named as PyTorch names devices.

``rp.device("cpu")``, ``tensor.device`` and every ``device=`` argument accept the CPU in any of
PyTorch's spellings (``"cpu"``, ``"cpu:0"``, ``rp.device("cpu")``, ``None``). Any other device
(``"cuda"``, ``"mps"``, ...) raises :func:`not_on_cpu`'s error, the same everywhere, when it is
used; ``rp.device("cuda")`` itself only names it, as ``torch.device("cuda")`` does on a machine
without a GPU.
"""

from __future__ import annotations

from typing import Any

_KNOWN = ("cpu", "cuda", "mps", "xpu", "meta", "hip", "xla", "ipu", "hpu", "mtia", "privateuseone")


def not_on_cpu(where: str, what: Any) -> RuntimeError:
    """The error for any device but the CPU (``.cuda()``, ``device="cuda"``, ``.to("mps")``)."""
    return RuntimeError(
        f"{where}: retroprop runs on the CPU only (it computes with NumPy), so device {what!r} "
        "is not available; use device='cpu' or leave the device out "
        "(rp.cuda.is_available() is False)"
    )


class device:
    """A device name, as ``torch.device``: only ``device("cpu")`` (index None or 0) exists;
    ``device("cuda")`` can be named (and compared, printed, its ``index`` read) but any tensor,
    module or factory given it raises the CPU-only error.

    Args:
        type: ``"cpu"``, ``"cpu:0"``, or another ``device``.
        index: the device index (0 or None for the CPU).

    Example::

        dev = rp.device("cuda" if rp.cuda.is_available() else "cpu")  # device(type='cpu')
    """

    __slots__ = ("type", "index")

    def __init__(self, type: str | device, index: int | None = None) -> None:
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        if not isinstance(type, str):
            raise TypeError(f"device: expected a string such as 'cpu', got {type!r}")
        name, _, idx = type.partition(":")
        if idx:
            if index is not None:
                raise ValueError(f"device: index given twice, in {type!r} and index={index}")
            if not idx.isdigit():
                raise ValueError(f"device: invalid device string {type!r}")
            index = int(idx)
        if name not in _KNOWN:
            raise RuntimeError(f"device: unknown device type {name!r} in {type!r}")
        if index is not None and (not isinstance(index, int) or index < 0):
            raise RuntimeError(f"device: index must be a non-negative integer, got {index!r}")
        if name == "cpu" and index not in (None, 0):
            raise RuntimeError(f"device: there is one CPU device (index 0), got cpu:{index}")
        self.type = name
        self.index = index

    def __repr__(self) -> str:
        idx = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{idx})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            try:
                other = device(other)
            except (RuntimeError, ValueError):
                return False
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))


CPU = device("cpu")


def check_device(where: str, dev: Any) -> None:
    """Accept the CPU however it is named (or None); refuse any other device clearly."""
    if dev is None:
        return
    if isinstance(dev, device):
        if dev.type != "cpu":
            raise not_on_cpu(where, str(dev))
        return
    if isinstance(dev, int) and not isinstance(dev, bool):
        # torch reads a bare integer as an accelerator index
        raise not_on_cpu(where, dev)
    if not isinstance(dev, str):
        raise TypeError(f"{where}: device must be a string or rp.device, got {dev!r}")
    name = dev.partition(":")[0]
    if name != "cpu":
        if name in _KNOWN:
            raise not_on_cpu(where, dev)
        raise RuntimeError(f"{where}: unknown device {dev!r}")
    device(dev)


def is_device(value: Any) -> bool:
    """True for a device given as an ``rp.device`` or a device string (``"cpu"``, ``"cuda:1"``)."""
    if isinstance(value, device):
        return True
    return isinstance(value, str) and value.partition(":")[0] in _KNOWN


def set_default_device(dev: Any) -> None:
    """As ``torch.set_default_device``: the CPU is accepted (it is the default), others refused."""
    check_device("set_default_device", dev)


def get_default_device() -> device:
    """The device new tensors live on: always the CPU."""
    return CPU
