"""The Tensor's methods that are ops, bound to :class:`~retroprop.tensor.Tensor` in one place.

Dependencies point one way: :mod:`retroprop.tensor` (the array, its gradient, its graph node,
the in-place writes) imports no op; :mod:`retroprop.autograd` and every module of
:mod:`retroprop.ops` import ``Tensor``; this module imports them all and binds ``t.exp()`` to
``ops.arithmetic.exp``, ``t + u`` to ``ops.arithmetic.add``, ``t.backward()`` to
``autograd.backward``, ... (as PyTorch's ``torch/_tensor.py`` completes the C ``TensorBase``).
``retroprop/__init__.py`` imports it before anything else, so a Tensor always has them.

:class:`TensorMethods` reads as the list of that API: most methods *are* their op
(``exp = arithmetic.exp``, so ``t.exp()`` calls ``exp(t)``); the ~35 whose PyTorch spelling
differs from the op's (``t.view(2, 3)``, ``t.sum(dtype=...)``, ``2 - t``) are short methods
that call it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from retroprop import autograd, devices, dtypes
from retroprop.ops import (
    activation,
    arithmetic,
    counting,
    indexing,
    linalg,
    logic,
    matrix,
    pointwise,
    products,
    rearrange,
    reduce,
    sampling,
    sorting,
    trig,
)

# renamed, so that no module shares a name with a method in TensorMethods' body (remainder,
# scatter) or with an argument (view(*shape))
from retroprop.ops import remainder as remainder_ops
from retroprop.ops import scatter as scatter_ops
from retroprop.ops import shape as shape_ops
from retroprop.ops._util import numpy_aliases
from retroprop.tensor import Tensor, _sizes


def _reflected(op: Callable[[Any, Any], Tensor]) -> Callable[[Tensor, Any], Tensor]:
    """The operator with the tensor on the right: ``2 - t`` calls ``t.__rsub__(2)``, which is
    ``sub(2, t)``."""

    def reflected(self: Tensor, other: Any) -> Tensor:
        return op(other, self)

    reflected.__doc__ = f"``{op.__name__}(other, self)``: the tensor is the right operand."
    return reflected


def _to_args(t: Tensor, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, Any, bool]:
    """(dtype, device, copy) from ``Tensor.to``'s positional and keyword forms."""
    dtype, device = kwargs.pop("dtype", None), kwargs.pop("device", None)
    copy = bool(kwargs.pop("copy", False))
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to: unexpected keyword arguments {sorted(kwargs)}")
    for a in args:
        if isinstance(a, Tensor):
            dtype = a.dtype
        elif devices.is_device(a):
            device = a
        elif isinstance(a, bool):
            continue  # to(dtype, non_blocking) passes a bool
        else:
            try:
                np.dtype(a)
            except TypeError:
                raise TypeError(
                    f"to: expected a dtype, a device or a Tensor, got {a!r} for a tensor of "
                    f"shape {tuple(t.shape)}"
                ) from None
            dtype = a
    return dtype, device, copy


class TensorMethods:
    """The methods of :class:`~retroprop.tensor.Tensor` that are ops, autograd or dtypes;
    copied onto Tensor below, so this class itself is never instantiated."""

    # ---- conversions (retroprop.ops.arithmetic's Cast and Clone, retroprop.dtypes) ----------
    def to(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        """Cast, as ``torch.Tensor.to``: ``to(dtype)``, ``to(device)``, ``to(device, dtype)``,
        ``to(other)`` (its dtype), ``to(dtype=..., device=...)``; ``copy=True`` copies.

        Casts between floating dtypes are differentiable. The device can only be the CPU.
        """
        dtype, device, copy = _to_args(self, args, kwargs)
        devices.check_device("to", device)
        if dtype is not None and np.dtype(dtype) != self._data.dtype:
            dt = np.dtype(dtype)
            if dt.kind != "f" or self._data.dtype.kind != "f":
                return Tensor._wrap(self._data.astype(dt))
            return arithmetic.Cast.apply(self, dtype=dt)
        return self.clone() if copy else self

    def type(self: Tensor, dtype: Any = None) -> Any:
        """Without an argument, the type's name (``'retroprop.FloatTensor'``); else a cast."""
        if dtype is None:
            return dtypes.tensor_type_name(self._data.dtype)
        return self.to(dtypes.dtype_of_type(dtype))

    def clone(self: Tensor) -> Tensor:
        """A copy of the array; the gradient flows back to this tensor."""
        return arithmetic.Clone.apply(self)

    # ---- the graph (retroprop.autograd) -------------------------------------------------
    def backward(
        self: Tensor, gradient: Any = None, retain_graph: bool = False, create_graph: bool = False
    ) -> None:
        """Accumulate the gradient of this tensor into the leaves' ``.grad``.

        Args:
            gradient: dL/d(self), required unless the tensor has one element.
            retain_graph: keep the graph so that backward can run through it again.
        """
        autograd.backward(self, gradient, retain_graph, create_graph)

    def register_hook(self: Tensor, hook: Any) -> autograd.RemovableHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed, before it is used.

        The hook gets the gradient as a Tensor and may return a replacement (a Tensor or array
        of the same shape) or None. For a leaf the hook runs before ``.grad`` accumulates.
        Returns a handle whose ``remove()`` takes the hook away.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "register_hook: cannot register a hook on a tensor that doesn't require gradient"
            )
        if self._hooks is None:
            self._hooks = {}
        key = len(self._hooks) and max(self._hooks) + 1
        self._hooks[key] = hook
        return autograd.RemovableHandle(self._hooks, key)

    # ---- operators (ops.arithmetic, ops.linalg, ops.remainder, ops.logic, ops.indexing) ----
    __add__ = arithmetic.add
    __radd__ = _reflected(arithmetic.add)
    __sub__ = arithmetic.sub
    __rsub__ = _reflected(arithmetic.sub)
    __mul__ = arithmetic.mul
    __rmul__ = _reflected(arithmetic.mul)
    __truediv__ = arithmetic.div
    __rtruediv__ = _reflected(arithmetic.div)
    __pow__ = arithmetic.pow
    __rpow__ = _reflected(arithmetic.pow)
    __matmul__ = linalg.matmul
    __rmatmul__ = _reflected(linalg.matmul)
    __mod__ = remainder_ops.remainder
    __rmod__ = _reflected(remainder_ops.remainder)
    __floordiv__ = remainder_ops.floor_divide
    __rfloordiv__ = _reflected(remainder_ops.floor_divide)
    __neg__ = arithmetic.neg
    __abs__ = arithmetic.abs
    __lt__ = logic.lt
    __le__ = logic.le
    __gt__ = logic.gt
    __ge__ = logic.ge
    __eq__ = logic.eq
    __ne__ = logic.ne
    __getitem__ = indexing.getitem

    # ---- elementwise math (ops.arithmetic, ops.pointwise, ops.trig, ops.remainder) --------
    def add(self: Tensor, other: Any, alpha: float = 1.0) -> Tensor:
        """``self + alpha * other`` (:func:`retroprop.ops.arithmetic.add`)."""
        return arithmetic.add(self, other if alpha == 1.0 else arithmetic.mul(other, alpha))

    def sub(self: Tensor, other: Any, alpha: float = 1.0) -> Tensor:
        """``self - alpha * other`` (:func:`retroprop.ops.arithmetic.sub`)."""
        return arithmetic.sub(self, other if alpha == 1.0 else arithmetic.mul(other, alpha))

    def mul(self: Tensor, other: Any) -> Tensor:
        """``self * other`` (:func:`retroprop.ops.arithmetic.mul`)."""
        return arithmetic.mul(self, other)

    def div(self: Tensor, other: Any) -> Tensor:
        """``self / other`` (:func:`retroprop.ops.arithmetic.div`)."""
        return arithmetic.div(self, other)

    def pow(self: Tensor, exponent: Any) -> Tensor:
        """``self ** exponent`` (:func:`retroprop.ops.arithmetic.pow`)."""
        return arithmetic.pow(self, exponent)

    def maximum(self: Tensor, other: Any) -> Tensor:
        """The larger of ``self`` and ``other``, elementwise (ops.arithmetic)."""
        return arithmetic.maximum(self, other)

    def minimum(self: Tensor, other: Any) -> Tensor:
        """The smaller of ``self`` and ``other``, elementwise (ops.arithmetic)."""
        return arithmetic.minimum(self, other)

    def where(self: Tensor, condition: Any, other: Any) -> Tensor:
        """``where(condition, self, other)``: self where the condition holds, else other."""
        return arithmetic.where(condition, self, other)

    neg = arithmetic.neg
    exp = arithmetic.exp
    log = arithmetic.log
    log1p = arithmetic.log1p
    sqrt = arithmetic.sqrt
    abs = arithmetic.abs
    sign = arithmetic.sign
    sin = arithmetic.sin
    cos = arithmetic.cos
    clamp = arithmetic.clamp
    clip = arithmetic.clip
    square = pointwise.square
    reciprocal = pointwise.reciprocal
    rsqrt = pointwise.rsqrt
    expm1 = pointwise.expm1
    log2 = pointwise.log2
    log10 = pointwise.log10
    erf = pointwise.erf
    erfinv = pointwise.erfinv
    logaddexp = pointwise.logaddexp
    lerp = pointwise.lerp
    addcmul = pointwise.addcmul
    addcdiv = pointwise.addcdiv
    clamp_min = pointwise.clamp_min
    clamp_max = pointwise.clamp_max
    nan_to_num = pointwise.nan_to_num
    floor = pointwise.floor
    ceil = pointwise.ceil
    round = pointwise.round
    trunc = pointwise.trunc
    frac = pointwise.frac
    tan = trig.tan
    asin = trig.asin
    acos = trig.acos
    atan = trig.atan
    atan2 = trig.atan2
    sinh = trig.sinh
    cosh = trig.cosh
    asinh = trig.asinh
    acosh = trig.acosh
    atanh = trig.atanh
    remainder = remainder_ops.remainder
    fmod = remainder_ops.fmod
    floor_divide = remainder_ops.floor_divide

    # ---- activations (ops.activation); dtype= casts first, as PyTorch --------------------
    relu = activation.relu
    tanh = activation.tanh
    sigmoid = activation.sigmoid

    @numpy_aliases
    def softmax(self: Tensor, dim: int | None = None, *, dtype: Any = None) -> Tensor:
        """:func:`retroprop.ops.activation.softmax` along ``dim``."""
        return activation.softmax(self if dtype is None else self.to(dtype), dim)

    @numpy_aliases
    def log_softmax(self: Tensor, dim: int | None = None, *, dtype: Any = None) -> Tensor:
        """:func:`retroprop.ops.activation.log_softmax` along ``dim``."""
        return activation.log_softmax(self if dtype is None else self.to(dtype), dim)

    # ---- reductions (ops.reduce, ops.products, ops.sorting); NumPy's axis=/keepdims= too ---
    @numpy_aliases
    def sum(self: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        """:func:`retroprop.ops.reduce.sum` over ``dim`` (all dims when None)."""
        return reduce.sum(self if dtype is None else self.to(dtype), dim, keepdim)

    @numpy_aliases
    def mean(self: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        """:func:`retroprop.ops.reduce.mean` over ``dim`` (all dims when None)."""
        return reduce.mean(self if dtype is None else self.to(dtype), dim, keepdim)

    @numpy_aliases
    def cumsum(self: Tensor, dim: int | None = None, *, dtype: Any = None) -> Tensor:
        """:func:`retroprop.ops.reduce.cumsum` along ``dim``."""
        return reduce.cumsum(self if dtype is None else self.to(dtype), dim)

    @numpy_aliases
    def var(self: Tensor, dim: Any = None, unbiased: bool = True, keepdim: bool = False, *,
            correction: int | None = None) -> Tensor:  # fmt: skip
        """:func:`retroprop.ops.reduce.var`; ``unbiased`` is ``correction`` 1 or 0."""
        corr = correction if correction is not None else int(unbiased)
        return reduce.var(self, dim, corr, keepdim)

    @numpy_aliases
    def std(self: Tensor, dim: Any = None, unbiased: bool = True, keepdim: bool = False, *,
            correction: int | None = None) -> Tensor:  # fmt: skip
        """:func:`retroprop.ops.reduce.std`; ``unbiased`` is ``correction`` 1 or 0."""
        corr = correction if correction is not None else int(unbiased)
        return reduce.std(self, dim, corr, keepdim)

    max = reduce.max
    min = reduce.min
    norm = reduce.norm
    logsumexp = reduce.logsumexp
    argmax = reduce.argmax
    argmin = reduce.argmin
    prod = products.prod
    cumprod = products.cumprod
    amax = sorting.amax
    amin = sorting.amin

    # ---- comparisons and logic (ops.logic) ----------------------------------------------
    eq = logic.eq
    ne = logic.ne
    lt = logic.lt
    le = logic.le
    gt = logic.gt
    ge = logic.ge
    equal = logic.equal
    logical_and = logic.logical_and
    logical_or = logic.logical_or
    logical_xor = logic.logical_xor
    logical_not = logic.logical_not
    isnan = logic.isnan
    isinf = logic.isinf
    isfinite = logic.isfinite
    isclose = logic.isclose
    allclose = logic.allclose
    nonzero = logic.nonzero
    argwhere = logic.argwhere
    count_nonzero = logic.count_nonzero
    all = logic.all
    any = logic.any

    # ---- shapes (ops.shape); sizes as f(2, 3) or f((2, 3)) ------------------------------
    def reshape(self: Tensor, *shape: Any) -> Tensor:
        """:func:`retroprop.ops.shape.reshape` (``view`` is the same: any array can be viewed)."""
        return shape_ops.reshape(self, _sizes(shape))

    view = reshape

    def reshape_as(self: Tensor, other: Tensor) -> Tensor:
        """``reshape(other.shape)`` (``view_as`` is the same)."""
        return shape_ops.reshape(self, other.shape)

    view_as = reshape_as

    def permute(self: Tensor, *dims: Any) -> Tensor:
        """:func:`retroprop.ops.shape.permute`: dim i of the result is dim ``dims[i]``."""
        return shape_ops.permute(self, _sizes(dims))

    def expand(self: Tensor, *shape: Any) -> Tensor:
        """:func:`retroprop.ops.shape.expand`: size-1 dims broadcast to ``shape``."""
        return shape_ops.expand(self, _sizes(shape))

    def expand_as(self: Tensor, other: Tensor) -> Tensor:
        """``expand(other.shape)``."""
        return shape_ops.expand(self, other.shape)

    def t(self: Tensor) -> Tensor:
        """The transpose of a matrix; a 0-d or 1-d tensor as it is."""
        if self.ndim > 2:
            raise RuntimeError(f"t(): expects a tensor with <= 2 dims, got {self.ndim}")
        return self if self.ndim < 2 else shape_ops.transpose(self, 0, 1)

    @property
    def T(self: Tensor) -> Tensor:
        """The dims in reverse order (``permute(ndim - 1, ..., 0)``)."""
        return shape_ops.permute(self, tuple(range(self.ndim))[::-1])

    flatten = shape_ops.flatten
    transpose = shape_ops.transpose
    squeeze = shape_ops.squeeze
    unsqueeze = shape_ops.unsqueeze
    split = shape_ops.split
    chunk = shape_ops.chunk

    # ---- rearranging (ops.rearrange) ----------------------------------------------------
    def flip(self: Tensor, *dims: Any) -> Tensor:
        """:func:`retroprop.ops.rearrange.flip` along ``dims``."""
        return rearrange.flip(self, _sizes(dims))

    def tile(self: Tensor, *dims: Any) -> Tensor:
        """:func:`retroprop.ops.rearrange.tile`: ``dims[i]`` copies along dim i."""
        return rearrange.tile(self, _sizes(dims))

    tril = rearrange.tril
    triu = rearrange.triu
    roll = rearrange.roll
    repeat = rearrange.repeat
    repeat_interleave = rearrange.repeat_interleave
    diagonal = rearrange.diagonal
    diag = rearrange.diag
    trace = rearrange.trace
    diff = rearrange.diff
    movedim = rearrange.movedim
    swapaxes = rearrange.swapaxes
    swapdims = rearrange.swapdims
    narrow = rearrange.narrow
    select = rearrange.select
    unbind = rearrange.unbind

    # ---- indexing and indexed writes (ops.indexing, ops.scatter) ------------------------
    gather = indexing.gather
    index_select = scatter_ops.index_select
    scatter = scatter_ops.scatter
    scatter_add = scatter_ops.scatter_add
    index_add = scatter_ops.index_add
    masked_fill = scatter_ops.masked_fill
    masked_select = scatter_ops.masked_select

    # ---- matrix products (ops.linalg, ops.matrix) ---------------------------------------
    def matmul(self: Tensor, other: Any) -> Tensor:
        """``self @ other`` (:func:`retroprop.ops.linalg.matmul`)."""
        return linalg.matmul(self, other)

    mm = matrix.mm
    bmm = matrix.bmm
    addmm = matrix.addmm
    outer = matrix.outer
    dot = matrix.dot
    mv = matrix.mv

    # ---- order, counting, sampling (ops.sorting, ops.counting, ops.sampling) ------------
    sort = sorting.sort
    argsort = sorting.argsort
    topk = sorting.topk
    median = sorting.median
    unique = counting.unique
    bincount = counting.bincount
    multinomial = sampling.multinomial
    bernoulli = sampling.bernoulli


# every class body holds __module__, __dict__, __doc__, ... (an empty one shows which); and
# Python sets __hash__ = None in a class that defines __eq__: Tensor keeps its own hash
_CLASS_ATTRIBUTES = {*vars(type("Empty", (), {})), "__hash__"}
for _name, _method in vars(TensorMethods).items():
    if _name not in _CLASS_ATTRIBUTES:
        setattr(Tensor, _name, _method)
