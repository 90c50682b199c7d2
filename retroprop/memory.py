"""Keep freed memory in the process for reuse, instead of handing it back to the OS.

A training step allocates and frees the same large arrays (activations, im2col buffers,
gradients) again and again. By default glibc returns big blocks to the operating system when
they are freed (``mmap`` above a threshold, heap trimming), and the next step pays a page
fault for every page it touches again: thousands per step, a large part of a convolution
network's step time on a CPU. Raising glibc's mmap and trim thresholds keeps that memory in
the process, as PyTorch's own allocator does.

``import retroprop`` calls :func:`keep_freed_memory` once, unless the environment variable
``RETROPROP_KEEP_FREED_MEMORY`` is ``0``. The change is process-wide, and does nothing where
the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_THRESHOLD = 1 << 30  # 1 GiB: arrays below it come from (and return to) the heap


def keep_freed_memory() -> bool:
    """Ask glibc to keep freed blocks below 1 GiB for reuse; True when it took effect."""
    if os.name != "posix":
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(mallopt(_M_MMAP_THRESHOLD, _THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, _THRESHOLD)
    )


if os.environ.get("RETROPROP_KEEP_FREED_MEMORY", "1") != "0":
    keep_freed_memory()
