"""Gradient clipping, as ``torch.nn.utils``: rescale all gradients together when their joint
norm is too large (``clip_grad_norm_``), or clamp each entry (``clip_grad_value_``). Both act
in place on ``p.grad`` after ``backward()`` and before ``optimizer.step()``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from retroprop.tensor import Tensor


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p.grad for p in params if p.grad is not None]


def _vector_norm(x: np.ndarray, p: float) -> np.ndarray:
    """``(sum |x|^p)^(1/p)`` over all entries (inf: max |x|, -inf: min |x|, 0: count), in
    ``x``'s dtype."""
    a = np.abs(x.reshape(-1))
    if p == np.inf:
        return a.max(initial=0)
    if p == -np.inf:
        return a.min(initial=np.inf)
    if p == 0:
        return np.asarray(np.count_nonzero(a), dtype=x.dtype)
    if p == 2:
        return np.sqrt(a @ a)
    return np.sum(a**p) ** (1 / p)


def _norm_type(name: str, norm_type: Any) -> float:
    if isinstance(norm_type, str) and norm_type in ("inf", "-inf"):
        return float(norm_type)
    if isinstance(norm_type, bool) or not isinstance(norm_type, int | float | np.number):
        raise ValueError(f"{name}: norm_type must be a number or inf, got {norm_type!r}")
    return float(norm_type)


def get_total_norm(
    tensors: Tensor | Iterable[Tensor],
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """The ``norm_type``-norm of all the tensors' entries taken together, i.e. the norm of
    the vector of their individual norms. ``foreach`` is accepted and ignored."""
    p = _norm_type("get_total_norm", norm_type)
    arrays = [t._data for t in ([tensors] if isinstance(tensors, Tensor) else tensors)]
    if not arrays:
        return Tensor._wrap(np.asarray(0.0, dtype=np.float32))
    total = _vector_norm(np.stack([_vector_norm(a, p) for a in arrays]), p)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the "
            "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    return Tensor._wrap(np.asarray(total))


def clip_grads_with_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    total_norm: Tensor,
    foreach: bool | None = None,
) -> None:
    """Scale every gradient by ``min(1, max_norm / (total_norm + 1e-6))``, in place."""
    grads = _grads(parameters)
    if not grads:
        return
    total = np.asarray(total_norm._data if isinstance(total_norm, Tensor) else total_norm)
    coef = np.minimum(float(max_norm) / (total + 1e-6), 1.0)
    # an infinite norm gives coef 0 and inf * 0 = NaN gradients, as in PyTorch (pass
    # error_if_nonfinite=True to clip_grad_norm_ to raise instead)
    with np.errstate(invalid="ignore"):
        for g in grads:
            g._data *= coef.astype(g.dtype)
            g._version[0] += 1


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Rescale the gradients so that their joint norm is at most ``max_norm``:
    ``g <- g * min(1, max_norm / (total_norm + 1e-6))``, the direction of the joint gradient
    unchanged. Used to keep exploding gradients (recurrent nets) from wrecking a step.

    Args:
        parameters: a Tensor or an iterable of Tensors (those without ``.grad`` are skipped).
        max_norm: the largest allowed norm.
        norm_type: p of the p-norm (``float('inf')`` for the largest entry).
        error_if_nonfinite: raise a RuntimeError when the total norm is NaN or inf.
        foreach: accepted for PyTorch compatibility.

    Returns: the total norm of the gradients before clipping (a 0-d Tensor).

    Example::

        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        optimizer.step()
    """
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    total = get_total_norm(_grads(params), norm_type, error_if_nonfinite)
    clip_grads_with_norm_(params, max_norm, total)
    return total


def clip_grad_value_(
    parameters: Tensor | Iterable[Tensor], clip_value: float, foreach: bool | None = None
) -> None:
    """Clamp every gradient entry to ``[-clip_value, clip_value]``, in place."""
    if not isinstance(clip_value, int | float | np.number) or isinstance(clip_value, bool):
        raise ValueError(f"clip_grad_value_: clip_value must be a number, got {clip_value!r}")
    c = float(clip_value)
    for g in _grads(parameters):
        np.clip(g._data, -c, c, out=g._data)
        g._version[0] += 1
