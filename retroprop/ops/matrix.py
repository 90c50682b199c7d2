"""The named matrix products of PyTorch: mm, bmm, addmm, outer, dot, mv.

Each is :func:`~retroprop.ops.linalg.matmul` (or a broadcast product) with the shape checks
of its name, so the derivative is matmul's (dL/dA = G B^T, dL/dB = A^T G).
"""

from __future__ import annotations

from typing import Any

from retroprop.ops import arithmetic as ar
from retroprop.ops.linalg import matmul
from retroprop.ops.shape import reshape


def _check(name: str, a: Any, b: Any, ndim: int) -> None:
    if a.ndim != ndim or b.ndim != ndim:
        raise RuntimeError(
            f"{name}: expects two {ndim}-D tensors, got shapes {tuple(a.shape)} and "
            f"{tuple(b.shape)}"
        )
    if ndim == 3 and a.shape[0] != b.shape[0]:
        raise RuntimeError(f"{name}: batch sizes differ: {tuple(a.shape)} and {tuple(b.shape)}")
    if a.shape[-1] != b.shape[-2]:
        raise RuntimeError(
            f"{name}: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be multiplied "
            f"({a.shape[-1]} != {b.shape[-2]})"
        )


def mm(input: Any, mat2: Any) -> Any:
    """Matrix product of two 2-D tensors: (n, m) @ (m, p) -> (n, p)."""
    _check("mm", input, mat2, 2)
    return matmul(input, mat2)


def bmm(input: Any, mat2: Any) -> Any:
    """Batched matrix product: (b, n, m) @ (b, m, p) -> (b, n, p), no broadcasting."""
    _check("bmm", input, mat2, 3)
    return matmul(input, mat2)


def addmm(input: Any, mat1: Any, mat2: Any, *, beta: float = 1, alpha: float = 1) -> Any:
    """``beta * input + alpha * (mat1 @ mat2)``; ``input`` broadcasts to (n, p).

    With ``beta = 0`` the input is ignored (NaN in it does not propagate), as in PyTorch.
    """
    _check("addmm", mat1, mat2, 2)
    prod = matmul(mat1, mat2)
    if alpha != 1:
        prod = ar.mul(prod, alpha)
    if beta == 0:
        return prod
    return ar.add(input if beta == 1 else ar.mul(input, beta), prod)


def outer(input: Any, vec2: Any) -> Any:
    """Outer product of two vectors: ``out[i, j] = input[i] * vec2[j]``."""
    if input.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(
            f"outer: expects two 1-D tensors, got shapes {tuple(input.shape)} and "
            f"{tuple(vec2.shape)}"
        )
    return ar.mul(reshape(input, (-1, 1)), reshape(vec2, (1, -1)))


def dot(input: Any, tensor: Any) -> Any:
    """Inner product of two vectors of the same length (a 0-d tensor)."""
    if input.ndim != 1 or tensor.ndim != 1 or input.shape != tensor.shape:
        raise RuntimeError(
            f"dot: expects two 1-D tensors of the same length, got shapes {tuple(input.shape)} "
            f"and {tuple(tensor.shape)}"
        )
    return matmul(input, tensor)


def mv(input: Any, vec: Any) -> Any:
    """Matrix-vector product: (n, m) @ (m,) -> (n,)."""
    if input.ndim != 2 or vec.ndim != 1 or input.shape[1] != vec.shape[0]:
        raise RuntimeError(
            f"mv: expects a matrix (n, m) and a vector (m,), got shapes {tuple(input.shape)} "
            f"and {tuple(vec.shape)}"
        )
    return matmul(input, vec)
