"""``rp.backends``: PyTorch's backend switches, for scripts that set or query them.

``mps.is_available()`` and ``cudnn.is_available()`` are False; the flags scripts set
(``cudnn.benchmark``, ``cudnn.deterministic``, ``cuda.matmul.allow_tf32``, ...) are plain
attributes that change nothing: NumPy on the CPU is deterministic and has no such modes.
The top-level switches of the same kind (``rp.use_deterministic_algorithms``,
``rp.set_float32_matmul_precision``, ``rp.compile``) are here too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from retroprop.backends import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mps"]

_deterministic = False
_matmul_precision = "highest"


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Accepted and recorded: every retroprop operation is already deterministic."""
    global _deterministic
    _deterministic = bool(mode)


def are_deterministic_algorithms_enabled() -> bool:
    return _deterministic


def set_float32_matmul_precision(precision: str) -> None:
    """Accepted and recorded (``"highest"``, ``"high"``, ``"medium"``): float32 matrix
    products are always computed in float32 by NumPy's BLAS."""
    global _matmul_precision
    if precision not in ("highest", "high", "medium"):
        raise ValueError(
            f"set_float32_matmul_precision: expected 'highest', 'high' or 'medium', "
            f"got {precision!r}"
        )
    _matmul_precision = precision


def get_float32_matmul_precision() -> str:
    return _matmul_precision


def compile(model: Callable[..., Any] | None = None, **options: Any) -> Any:
    """``torch.compile``: there is no compiler here, so the module or function comes back
    unchanged (``@rp.compile`` and ``rp.compile(options...)(fn)`` work too)."""
    if model is None:
        return lambda fn: fn
    return model
