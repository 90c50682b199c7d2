"""``rp.backends``: PyTorch's backend switches, for scripts that set or query them.

``mps.is_available()`` and ``cudnn.is_available()`` are False; the flags scripts set
(``cudnn.benchmark``, ``cudnn.deterministic``, ``cuda.matmul.allow_tf32``, ...) are plain
attributes that change nothing: NumPy on the CPU is deterministic and has no such modes.
"""

from retroprop.backends import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mps"]
