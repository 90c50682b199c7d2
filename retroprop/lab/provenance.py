"""Where a run's numbers come from: the code's commit, the libraries, the BLAS, the machine."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_info

import retroprop as rp

_BLAS_SETTINGS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS")
_SOURCE = Path(rp.__file__).resolve().parent.parent


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(_SOURCE), *args], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout if out.returncode == 0 else None


def git_state() -> dict[str, Any]:
    """``{'commit': sha or None, 'dirty': bool or None}`` of the checkout retroprop runs from.

    ``dirty`` counts changes to tracked files of the library only (``retroprop/``): run
    folders and notes elsewhere in the checkout do not make a run's code unknown.
    """
    commit = _git("rev-parse", "HEAD")
    if commit is None:
        return {"commit": None, "dirty": None}
    status = _git("status", "--porcelain", "--untracked-files=no", "--", "retroprop")
    return {"commit": commit.strip(), "dirty": bool(status and status.strip())}


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``), else what ``platform`` says."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas() -> list[dict[str, Any]]:
    """The BLAS libraries NumPy uses: library, version, kernel (architecture), threads."""
    return [
        {
            "library": p.get("internal_api"),
            "version": p.get("version"),
            "kernel": p.get("architecture"),
            "threads": p.get("num_threads"),
        }
        for p in threadpool_info()
        if p.get("user_api") == "blas"
    ]


def provenance(argv: list[str] | None = None) -> dict[str, Any]:
    """Everything results.json records about how and where a run ran."""
    return {
        "command": " ".join(["retroprop", *argv]) if argv is not None else " ".join(sys.argv),
        **git_state(),
        "retroprop": rp.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "blas": blas(),
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "threads": rp.get_num_threads(),
        "machine": f"{platform.system()} {platform.machine()}",
        "env": {k: os.environ[k] for k in _BLAS_SETTINGS if k in os.environ},
    }
