"""The writes into a Tensor's array, the in-place updates (names ending in ``_``) and
``t[i] = v``: a mixin of :class:`~retroprop.tensor.Tensor`.

An in-place form writes into the array and bumps the tensor's version (so that a node that
saved the old values refuses to backward through them), and is refused on a tensor that
requires grad while gradients are recorded. The indexed ones (``scatter_``, ``index_add_``,
...) compute the out-of-place op on detached inputs and write its result. This module
imports no op: those methods are bound to Tensor by :mod:`retroprop.tensor_methods`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from retroprop import grad_mode
from retroprop import random as _random

if TYPE_CHECKING:
    from retroprop.tensor import Tensor


def _array(x: Any) -> np.ndarray:
    return np.asarray(x)


def _unwrapped(x: Any) -> Any:
    """A Tensor's array; anything else as it is (NumPy then converts Python numbers)."""
    return x._data if isinstance(x, TensorInPlace) else x


def _detached(x: Any) -> Any:
    return x.detach() if isinstance(x, TensorInPlace) else x


def _random_top(dtype: np.dtype) -> int:
    """The exclusive bound of ``random_()`` without arguments, as PyTorch: floats draw from
    [0, 2^digits] (every integer there is exact: 2^24 for float32), integers from [0, max]."""
    if dtype.kind == "f":
        return 2 ** (np.finfo(dtype).nmant + 1) + 1
    if dtype.kind == "b":
        return 2
    return int(np.iinfo(dtype).max) + 1


class TensorInPlace:
    """The in-place updates of ``torch.Tensor`` (``add_``, ``copy_``, ``scatter_``, ...) and
    ``t[i] = v``."""

    # ---- in-place updates ---------------------------------------------------------------
    def _check_inplace(self: Tensor, name: str) -> None:
        if self.requires_grad and grad_mode.is_grad_enabled():
            raise RuntimeError(
                f"{name}: a tensor that requires grad (shape {tuple(self.shape)}) cannot be "
                "modified in place while gradients are recorded; wrap it in "
                "rp.no_grad() or use the out-of-place operation"
            )

    def _inplace(self: Tensor, name: str, fn: Any, *args: Any) -> Tensor:
        """``fn(self, *args)``, a NumPy ufunc, written into this tensor's array."""
        self._check_inplace(name)
        arrays = [_unwrapped(a) for a in args]
        fn(self._data, *arrays, out=self._data, casting="same_kind")
        self._version[0] += 1
        return self

    def _assign(self: Tensor, name: str, values: Any) -> Tensor:
        self._check_inplace(name)
        self._data[...] = values
        self._version[0] += 1
        return self

    def add_(self: Tensor, other: Any, alpha: float = 1.0) -> Tensor:
        if alpha != 1.0:
            other = _array(other) * alpha
        return self._inplace("add_", np.add, other)

    def sub_(self: Tensor, other: Any, alpha: float = 1.0) -> Tensor:
        if alpha != 1.0:
            other = _array(other) * alpha
        return self._inplace("sub_", np.subtract, other)

    def mul_(self: Tensor, other: Any) -> Tensor:
        return self._inplace("mul_", np.multiply, other)

    def div_(self: Tensor, other: Any) -> Tensor:
        return self._inplace("div_", np.true_divide, other)

    def clamp_(self: Tensor, min: float | None = None, max: float | None = None) -> Tensor:
        lo = -np.inf if min is None else min
        hi = np.inf if max is None else max
        return self._inplace("clamp_", np.clip, lo, hi)

    def addcmul_(self: Tensor, tensor1: Any, tensor2: Any, *, value: float = 1) -> Tensor:
        """``self += value * tensor1 * tensor2``."""
        return self._inplace("addcmul_", np.add, value * _array(tensor1) * _array(tensor2))

    def addcdiv_(self: Tensor, tensor1: Any, tensor2: Any, *, value: float = 1) -> Tensor:
        """``self += value * tensor1 / tensor2``."""
        return self._inplace("addcdiv_", np.add, value * _array(tensor1) / _array(tensor2))

    def lerp_(self: Tensor, end: Any, weight: Any) -> Tensor:
        """``self += weight * (end - self)``."""
        x = _array(self)
        return self._inplace("lerp_", np.add, _array(weight) * (_array(end) - x))

    def sqrt_(self: Tensor) -> Tensor:
        return self._inplace("sqrt_", np.sqrt)

    def abs_(self: Tensor) -> Tensor:
        return self._inplace("abs_", np.abs)

    def exp_(self: Tensor) -> Tensor:
        return self._inplace("exp_", np.exp)

    def neg_(self: Tensor) -> Tensor:
        return self._inplace("neg_", np.negative)

    def pow_(self: Tensor, exponent: Any) -> Tensor:
        return self._inplace("pow_", np.power, exponent)

    def __iadd__(self: Tensor, other: Any) -> Tensor:
        return self.add_(other)

    def __isub__(self: Tensor, other: Any) -> Tensor:
        return self.sub_(other)

    def __imul__(self: Tensor, other: Any) -> Tensor:
        return self.mul_(other)

    def __itruediv__(self: Tensor, other: Any) -> Tensor:
        return self.div_(other)

    # ---- fills and copies ---------------------------------------------------------------
    def zero_(self: Tensor) -> Tensor:
        return self.fill_(0)

    def fill_(self: Tensor, value: float) -> Tensor:
        return self._assign("fill_", value)

    def copy_(self: Tensor, src: Any) -> Tensor:
        return self._assign("copy_", np.asarray(_unwrapped(src)))

    def uniform_(self: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
        return self.copy_(_random.default_generator.uniform(a, b, self.shape))

    def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
        return self.copy_(_random.default_generator.normal(mean, std, self.shape))

    def random_(self: Tensor, low: int = 0, high: int | None = None) -> Tensor:
        """Integers drawn uniformly from [low, high) (``random_(high)`` from [0, high)), as
        ``torch.Tensor.random_(from, to)``; without bounds, [0, 2^24) for float32."""
        if high is None:
            low, high = (0, low) if low else (0, _random_top(self._data.dtype))
        return self.copy_(_random.default_generator.integers(low, high, self.shape))

    def bernoulli_(self: Tensor, p: Any = 0.5, *, generator: Any = None) -> Tensor:
        """Fill with 1 (probability ``p``, a number or a tensor) or 0."""
        probs = self.new_tensor(np.broadcast_to(_array(p), self.shape), dtype=np.float64)
        return self._assign("bernoulli_", _array(probs.bernoulli(generator=generator)))

    # ---- indexed writes -----------------------------------------------------------------
    def __setitem__(self: Tensor, index: Any, value: Any) -> None:
        self._check_inplace("__setitem__")
        self._data[_unwrapped(index)] = _unwrapped(value)
        self._version[0] += 1

    def masked_fill_(self: Tensor, mask: Any, value: Any) -> Tensor:
        m = _array(mask)
        if m.dtype != np.bool_:
            raise TypeError(f"masked_fill_: mask must be a bool tensor, got dtype {m.dtype}")
        return self._assign("masked_fill_", np.where(m, _array(value), _array(self)))

    def index_fill_(self: Tensor, dim: int, index: Any, value: Any) -> Tensor:
        """Write ``value`` in the slices ``index`` along ``dim``."""
        self._check_inplace("index_fill_")
        d = dim % max(self.ndim, 1)
        np.moveaxis(_array(self), d, 0)[_array(index)] = _array(value)
        self._version[0] += 1
        return self

    def scatter_(
        self: Tensor,
        dim: int,
        index: Any,
        src: Any = None,
        *,
        value: Any = None,
        reduce: str | None = None,
    ) -> Tensor:
        """In-place :meth:`scatter` (``x.scatter_(1, labels, 1)`` writes one-hot rows)."""
        out = self.detach().scatter(dim, index, _detached(src), value=value, reduce=reduce)
        return self._assign("scatter_", _array(out))

    def scatter_add_(self: Tensor, dim: int, index: Any, src: Any) -> Tensor:
        out = self.detach().scatter_add(dim, index, _detached(src))
        return self._assign("scatter_add_", _array(out))

    def index_add_(self: Tensor, dim: int, index: Any, source: Any, *, alpha: float = 1) -> Tensor:
        out = self.detach().index_add(dim, index, _detached(source), alpha=alpha)
        return self._assign("index_add_", _array(out))
