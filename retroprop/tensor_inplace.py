"""PyTorch's Tensor factories ``new_*``, the conversions ``contiguous`` / ``detach_``, and the
in-place updates (names ending in ``_``): a mixin under :class:`~retroprop.tensor_api.TensorAPI`.

The in-place forms write into the tensor's array and bump its version, like the in-place
methods of tensor.py, and are refused on a tensor that requires grad while gradients are
recorded. The indexed ones (``scatter_``, ``index_add_``, ...) compute the out-of-place op on
detached inputs and write its result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from retroprop.tensor import Tensor


def _array(x: Any) -> np.ndarray:
    return np.asarray(x)


def _detached(x: Any) -> Any:
    from retroprop.tensor import Tensor

    return x.detach() if isinstance(x, Tensor) else x


def _size(size: tuple[Any, ...]) -> tuple[int, ...]:
    """``f(2, 3)`` and ``f((2, 3))`` as PyTorch's ``new_zeros`` accepts both."""
    if len(size) == 1 and isinstance(size[0], tuple | list):
        size = tuple(size[0])
    return tuple(int(s) for s in size)


class TensorInPlace:
    """``new_zeros`` / ``new_ones`` / ``new_full`` / ``new_empty`` / ``new_tensor``,
    ``contiguous``, ``detach_`` and the in-place updates of ``torch.Tensor``."""

    # ---- factories and conversions ------------------------------------------------------
    def _new(self: Tensor, values: np.ndarray, device: Any, requires_grad: bool) -> Tensor:
        from retroprop.tensor import Tensor

        out = Tensor._wrap(values)
        if device is not None:
            out = out.to(device)
        return out.requires_grad_(True) if requires_grad else out

    def new_zeros(
        self: Tensor, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
    ) -> Tensor:
        """Zeros of ``size``, with this tensor's dtype unless ``dtype`` is given."""
        return self._new(np.zeros(_size(size), dtype or self.dtype), device, requires_grad)

    def new_ones(
        self: Tensor, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
    ) -> Tensor:
        """Ones of ``size``, with this tensor's dtype unless ``dtype`` is given."""
        return self._new(np.ones(_size(size), dtype or self.dtype), device, requires_grad)

    def new_empty(
        self: Tensor, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
    ) -> Tensor:
        """An uninitialised tensor of ``size`` (zeros here), with this tensor's dtype."""
        return self.new_zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)

    def new_full(
        self: Tensor,
        size: Any,
        fill_value: Any,
        *,
        dtype: Any = None,
        device: Any = None,
        requires_grad: bool = False,
    ) -> Tensor:
        """``fill_value`` everywhere in ``size``, with this tensor's dtype unless ``dtype``."""
        values = np.full(_size((size,)), fill_value, dtype or self.dtype)
        return self._new(values, device, requires_grad)

    def new_tensor(
        self: Tensor,
        data: Any,
        *,
        dtype: Any = None,
        device: Any = None,
        requires_grad: bool = False,
    ) -> Tensor:
        """A copy of ``data`` (cut from any graph), with this tensor's dtype unless ``dtype``."""
        values = np.array(_array(data), dtype=dtype or self.dtype)
        return self._new(values, device, requires_grad)

    def contiguous(self: Tensor, memory_format: Any = None) -> Tensor:
        """Itself: every op here accepts any memory layout."""
        return self

    def detach_(self: Tensor) -> Tensor:
        """Cut this tensor from the graph in place: it becomes a leaf that needs no grad."""
        self._ctx = None
        self.requires_grad = False
        return self

    # ---- in-place updates ---------------------------------------------------------------
    def _assign(self: Tensor, name: str, values: Any) -> Tensor:
        self._check_inplace(name)
        _array(self)[...] = values
        self._version[0] += 1
        return self

    def masked_fill_(self: Tensor, mask: Any, value: Any) -> Tensor:
        m = _array(mask)
        if m.dtype != np.bool_:
            raise TypeError(f"masked_fill_: mask must be a bool tensor, got dtype {m.dtype}")
        return self._assign("masked_fill_", np.where(m, _array(value), _array(self)))

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
        from retroprop.ops import scatter

        out = scatter.scatter(self.detach(), dim, index, _detached(src), value=value, reduce=reduce)
        return self._assign("scatter_", _array(out))

    def scatter_add_(self: Tensor, dim: int, index: Any, src: Any) -> Tensor:
        from retroprop.ops import scatter

        out = scatter.scatter_add(self.detach(), dim, index, _detached(src))
        return self._assign("scatter_add_", _array(out))

    def index_add_(self: Tensor, dim: int, index: Any, source: Any, *, alpha: float = 1) -> Tensor:
        from retroprop.ops import scatter

        out = scatter.index_add(self.detach(), dim, index, _detached(source), alpha=alpha)
        return self._assign("index_add_", _array(out))

    def index_fill_(self: Tensor, dim: int, index: Any, value: Any) -> Tensor:
        """Write ``value`` in the slices ``index`` along ``dim``."""
        self._check_inplace("index_fill_")
        d = dim % max(self.ndim, 1)
        np.moveaxis(_array(self), d, 0)[_array(index)] = _array(value)
        self._version[0] += 1
        return self

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

    def bernoulli_(self: Tensor, p: Any = 0.5, *, generator: Any = None) -> Tensor:
        """Fill with 1 (probability ``p``, a number or a tensor) or 0."""
        from retroprop.ops import sampling

        draw = sampling.bernoulli(
            np.broadcast_to(_array(p), self.shape).astype(np.float64), generator=generator
        )
        return self._assign("bernoulli_", _array(draw))
