"""Sampling from tensors of probabilities: multinomial (categorical draws) and bernoulli.

Both draw from retroprop's one seedable generator (``rp.manual_seed``) unless a NumPy
``Generator`` is passed; the draws are not differentiable.

* With replacement, ``multinomial`` inverts each row's cumulative distribution: the rows'
  CDFs, shifted by their row number, form one increasing array, so a single
  ``searchsorted`` serves every row.
* Without replacement it uses the Gumbel-top-k trick: the k largest of
  ``log w_i + G_i`` (G_i standard Gumbel) are distributed as k successive draws without
  replacement with probabilities proportional to ``w``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from retroprop import random as _random
from retroprop.tensor import Tensor


def _rng(generator: Any) -> np.random.Generator:
    if generator is None:
        return _random.default_generator
    if isinstance(generator, np.random.Generator):
        return generator
    raise TypeError(f"generator must be None or a numpy Generator, got {type(generator).__name__}")


def multinomial(
    input: Any, num_samples: int, replacement: bool = False, *, generator: Any = None
) -> Any:
    """Draw ``num_samples`` category indices per row with probabilities proportional to the
    row's non-negative weights.

    Shape: input (n,) or (rows, n) -> int64 (num_samples,) or (rows, num_samples).
    """
    w = np.asarray(input)
    if w.ndim not in (1, 2) or w.dtype.kind != "f":
        raise RuntimeError(
            f"multinomial: input must be a 1-D or 2-D floating tensor, got shape {w.shape} "
            f"and dtype {w.dtype}"
        )
    rows = w.reshape(-1, w.shape[-1]).astype(np.float64)
    n = rows.shape[1]
    if not np.isfinite(rows).all() or (rows < 0).any():
        raise RuntimeError("multinomial: probabilities must be finite and non-negative")
    if (rows.sum(axis=1) <= 0).any():
        raise RuntimeError("multinomial: every row of probabilities must have a positive sum")
    if num_samples <= 0:
        raise RuntimeError(f"multinomial: num_samples must be positive, got {num_samples}")
    if not replacement and num_samples > n:
        raise RuntimeError(
            f"multinomial: cannot draw {num_samples} samples without replacement from {n} "
            "categories"
        )
    rng = _rng(generator)
    r = rows.shape[0]
    if replacement:
        cdf = np.cumsum(rows, axis=1)
        cdf /= cdf[:, -1:]
        cdf[:, -1] = 1.0
        offset = np.arange(r)[:, None]
        u = rng.random((r, num_samples))
        flat = np.searchsorted((cdf + offset).ravel(), (u + offset).ravel(), side="right")
        # side="right" skips the empty CDF step of a category of weight 0
        idx = flat.reshape(r, num_samples) - offset * n
    else:
        with np.errstate(divide="ignore"):
            keys = np.log(rows) - np.log(-np.log(rng.random(rows.shape)))
        part = np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
        if (np.take_along_axis(rows, part, axis=1) == 0).any():
            raise RuntimeError(
                f"multinomial: fewer than {num_samples} categories have a positive weight"
            )
        idx = part
    return Tensor._wrap(idx.astype(np.int64).reshape(w.shape[:-1] + (num_samples,)))


def bernoulli(input: Any, p: float | None = None, *, generator: Any = None) -> Any:
    """1 with probability ``input`` (or ``p`` when given) and 0 otherwise, elementwise, in
    the input's dtype."""
    probs = np.asarray(input)
    q = probs if p is None else np.full(probs.shape, p)
    if q.size and (np.min(q) < 0 or np.max(q) > 1):
        raise RuntimeError("bernoulli: probabilities must be in [0, 1]")
    draw = _rng(generator).random(probs.shape) < q
    dtype = probs.dtype if probs.dtype.kind == "f" else np.float32
    return Tensor._wrap(draw.astype(dtype))
