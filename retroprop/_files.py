"""Atomic file writes: a temporary file beside the target, flushed and fsync'ed, then renamed.

A crash or an error at any point leaves the previous target intact (and no temporary file).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def write_temp(
    folder: str | os.PathLike[str], write: Callable[[BinaryIO], None], name: str
) -> Path:
    """Create a hidden temporary file in ``folder``, fill it with ``write(f)``, flush it to disk.

    The file gets the usual permissions (umask), unlike ``tempfile.mkstemp``'s 0600.
    """
    tmp = Path(folder) / f".{name}.{uuid.uuid4().hex[:12]}.tmp"
    try:
        with open(tmp, "xb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def commit(tmp: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """Rename ``tmp`` over ``target`` and make the rename itself durable."""
    os.replace(tmp, target)
    if os.name == "posix":
        fd = os.open(os.path.dirname(os.path.abspath(target)), os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    path = Path(path)
    tmp = write_temp(path.parent, lambda f: f.write(data), path.name)
    try:
        commit(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
