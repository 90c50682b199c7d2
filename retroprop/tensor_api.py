"""The rest of PyTorch's Tensor methods, as a mixin of :class:`retroprop.tensor.Tensor`.

Each method is the function of the same name in :mod:`retroprop.ops` with ``self`` as its
first argument (the ops are imported inside the methods, as tensor.py does, because they
import the Tensor). The factories ``new_*`` and the in-place forms (names ending in ``_``)
are in :mod:`retroprop.tensor_inplace`, the mixin this one builds on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from retroprop.tensor_inplace import TensorInPlace, _size

if TYPE_CHECKING:
    from retroprop.tensor import Tensor


class TensorAPI(TensorInPlace):
    """Methods mirroring ``torch.Tensor``'s: math, comparisons, sorting, rearranging and
    indexed writes. See each op's module for the derivatives."""

    # ---- elementwise math (retroprop.ops.pointwise) -------------------------------------
    def square(self: Tensor) -> Tensor:
        from retroprop.ops import pointwise

        return pointwise.square(self)

    def reciprocal(self: Tensor) -> Tensor:
        from retroprop.ops import pointwise

        return pointwise.reciprocal(self)

    def rsqrt(self: Tensor) -> Tensor:
        from retroprop.ops import pointwise

        return pointwise.rsqrt(self)

    def expm1(self: Tensor) -> Tensor:
        from retroprop.ops import pointwise

        return pointwise.expm1(self)

    def log2(self: Tensor) -> Tensor:
        from retroprop.ops import pointwise

        return pointwise.log2(self)

    def log10(self: Tensor) -> Tensor:
        from retroprop.ops import pointwise

        return pointwise.log10(self)

    def erf(self: Tensor) -> Tensor:
        from retroprop.ops import pointwise

        return pointwise.erf(self)

    def erfinv(self: Tensor) -> Tensor:
        from retroprop.ops import pointwise

        return pointwise.erfinv(self)

    def logaddexp(self: Tensor, other: Any) -> Tensor:
        from retroprop.ops import pointwise

        return pointwise.logaddexp(self, other)

    def lerp(self: Tensor, end: Any, weight: Any) -> Tensor:
        from retroprop.ops import pointwise

        return pointwise.lerp(self, end, weight)

    def addcmul(self: Tensor, tensor1: Any, tensor2: Any, *, value: float = 1) -> Tensor:
        from retroprop.ops import pointwise

        return pointwise.addcmul(self, tensor1, tensor2, value=value)

    def addcdiv(self: Tensor, tensor1: Any, tensor2: Any, *, value: float = 1) -> Tensor:
        from retroprop.ops import pointwise

        return pointwise.addcdiv(self, tensor1, tensor2, value=value)

    def clamp_min(self: Tensor, min: float) -> Tensor:
        from retroprop.ops import pointwise

        return pointwise.clamp_min(self, min)

    def clamp_max(self: Tensor, max: float) -> Tensor:
        from retroprop.ops import pointwise

        return pointwise.clamp_max(self, max)

    def nan_to_num(
        self: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
    ) -> Tensor:
        from retroprop.ops import pointwise

        return pointwise.nan_to_num(self, nan, posinf, neginf)

    def floor(self: Tensor) -> Tensor:
        from retroprop.ops import pointwise

        return pointwise.floor(self)

    def ceil(self: Tensor) -> Tensor:
        from retroprop.ops import pointwise

        return pointwise.ceil(self)

    def round(self: Tensor, *, decimals: int = 0) -> Tensor:
        from retroprop.ops import pointwise

        return pointwise.round(self, decimals=decimals)

    def trunc(self: Tensor) -> Tensor:
        from retroprop.ops import pointwise

        return pointwise.trunc(self)

    def frac(self: Tensor) -> Tensor:
        from retroprop.ops import pointwise

        return pointwise.frac(self)

    def where(self: Tensor, condition: Any, other: Any) -> Tensor:
        """``where(condition, self, other)``: self where the condition holds, else other."""
        from retroprop.ops.arithmetic import where

        return where(condition, self, other)

    # ---- trigonometry and remainders (retroprop.ops.trig, retroprop.ops.remainder) --------
    def tan(self: Tensor) -> Tensor:
        from retroprop.ops import trig

        return trig.tan(self)

    def asin(self: Tensor) -> Tensor:
        from retroprop.ops import trig

        return trig.asin(self)

    def acos(self: Tensor) -> Tensor:
        from retroprop.ops import trig

        return trig.acos(self)

    def atan(self: Tensor) -> Tensor:
        from retroprop.ops import trig

        return trig.atan(self)

    def atan2(self: Tensor, other: Any) -> Tensor:
        from retroprop.ops import trig

        return trig.atan2(self, other)

    def sinh(self: Tensor) -> Tensor:
        from retroprop.ops import trig

        return trig.sinh(self)

    def cosh(self: Tensor) -> Tensor:
        from retroprop.ops import trig

        return trig.cosh(self)

    def asinh(self: Tensor) -> Tensor:
        from retroprop.ops import trig

        return trig.asinh(self)

    def acosh(self: Tensor) -> Tensor:
        from retroprop.ops import trig

        return trig.acosh(self)

    def atanh(self: Tensor) -> Tensor:
        from retroprop.ops import trig

        return trig.atanh(self)

    def remainder(self: Tensor, other: Any) -> Tensor:
        from retroprop.ops import remainder

        return remainder.remainder(self, other)

    def fmod(self: Tensor, other: Any) -> Tensor:
        from retroprop.ops import remainder

        return remainder.fmod(self, other)

    def floor_divide(self: Tensor, other: Any) -> Tensor:
        from retroprop.ops import remainder

        return remainder.floor_divide(self, other)

    def __mod__(self: Tensor, other: Any) -> Tensor:
        from retroprop.ops import remainder

        return remainder.remainder(self, other)

    def __rmod__(self: Tensor, other: Any) -> Tensor:
        from retroprop.ops import remainder

        return remainder.remainder(other, self)

    def __floordiv__(self: Tensor, other: Any) -> Tensor:
        from retroprop.ops import remainder

        return remainder.floor_divide(self, other)

    def __rfloordiv__(self: Tensor, other: Any) -> Tensor:
        from retroprop.ops import remainder

        return remainder.floor_divide(other, self)

    # ---- comparisons and logic (retroprop.ops.logic) ------------------------------------
    def eq(self: Tensor, other: Any) -> Tensor:
        from retroprop.ops import logic

        return logic.eq(self, other)

    def ne(self: Tensor, other: Any) -> Tensor:
        from retroprop.ops import logic

        return logic.ne(self, other)

    def lt(self: Tensor, other: Any) -> Tensor:
        from retroprop.ops import logic

        return logic.lt(self, other)

    def le(self: Tensor, other: Any) -> Tensor:
        from retroprop.ops import logic

        return logic.le(self, other)

    def gt(self: Tensor, other: Any) -> Tensor:
        from retroprop.ops import logic

        return logic.gt(self, other)

    def ge(self: Tensor, other: Any) -> Tensor:
        from retroprop.ops import logic

        return logic.ge(self, other)

    def equal(self: Tensor, other: Any) -> bool:
        from retroprop.ops import logic

        return logic.equal(self, other)

    def logical_and(self: Tensor, other: Any) -> Tensor:
        from retroprop.ops import logic

        return logic.logical_and(self, other)

    def logical_or(self: Tensor, other: Any) -> Tensor:
        from retroprop.ops import logic

        return logic.logical_or(self, other)

    def logical_xor(self: Tensor, other: Any) -> Tensor:
        from retroprop.ops import logic

        return logic.logical_xor(self, other)

    def logical_not(self: Tensor) -> Tensor:
        from retroprop.ops import logic

        return logic.logical_not(self)

    def isnan(self: Tensor) -> Tensor:
        from retroprop.ops import logic

        return logic.isnan(self)

    def isinf(self: Tensor) -> Tensor:
        from retroprop.ops import logic

        return logic.isinf(self)

    def isfinite(self: Tensor) -> Tensor:
        from retroprop.ops import logic

        return logic.isfinite(self)

    def isclose(
        self: Tensor, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
    ) -> Tensor:
        from retroprop.ops import logic

        return logic.isclose(self, other, rtol, atol, equal_nan)

    def allclose(
        self: Tensor, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
    ) -> bool:
        from retroprop.ops import logic

        return logic.allclose(self, other, rtol, atol, equal_nan)

    def nonzero(self: Tensor, *, as_tuple: bool = False) -> Any:
        from retroprop.ops import logic

        return logic.nonzero(self, as_tuple=as_tuple)

    def argwhere(self: Tensor) -> Tensor:
        from retroprop.ops import logic

        return logic.argwhere(self)

    def count_nonzero(self: Tensor, dim: Any = None) -> Tensor:
        from retroprop.ops import logic

        return logic.count_nonzero(self, dim)

    def all(self: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
        from retroprop.ops import logic

        return logic.all(self, dim, keepdim)

    def any(self: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
        from retroprop.ops import logic

        return logic.any(self, dim, keepdim)

    # ---- products, extrema and order (ops.products, ops.sorting) ------------------------
    def prod(
        self: Tensor, dim: int | None = None, keepdim: bool = False, *, dtype: Any = None
    ) -> Tensor:
        from retroprop.ops import products

        return products.prod(self, dim, keepdim, dtype=dtype)

    def cumprod(self: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
        from retroprop.ops import products

        return products.cumprod(self, dim, dtype=dtype)

    def amax(self: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
        from retroprop.ops import sorting

        return sorting.amax(self, dim, keepdim)

    def amin(self: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
        from retroprop.ops import sorting

        return sorting.amin(self, dim, keepdim)

    def sort(self: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Any:
        from retroprop.ops import sorting

        return sorting.sort(self, dim, descending, stable)

    def argsort(
        self: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False
    ) -> Tensor:
        from retroprop.ops import sorting

        return sorting.argsort(self, dim, descending, stable)

    def topk(self: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:
        from retroprop.ops import sorting

        return sorting.topk(self, k, dim, largest, sorted)

    def median(self: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
        from retroprop.ops import sorting

        return sorting.median(self, dim, keepdim)

    def unique(
        self: Tensor,
        sorted: bool = True,
        return_inverse: bool = False,
        return_counts: bool = False,
        dim: int | None = None,
    ) -> Any:
        from retroprop.ops import counting

        return counting.unique(self, sorted, return_inverse, return_counts, dim)

    def bincount(self: Tensor, weights: Any = None, minlength: int = 0) -> Tensor:
        from retroprop.ops import counting

        return counting.bincount(self, weights, minlength)

    # ---- matrix products (retroprop.ops.matrix) -----------------------------------------
    def mm(self: Tensor, mat2: Any) -> Tensor:
        from retroprop.ops import matrix

        return matrix.mm(self, mat2)

    def bmm(self: Tensor, mat2: Any) -> Tensor:
        from retroprop.ops import matrix

        return matrix.bmm(self, mat2)

    def addmm(self: Tensor, mat1: Any, mat2: Any, *, beta: float = 1, alpha: float = 1) -> Tensor:
        from retroprop.ops import matrix

        return matrix.addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def outer(self: Tensor, vec2: Any) -> Tensor:
        from retroprop.ops import matrix

        return matrix.outer(self, vec2)

    def dot(self: Tensor, tensor: Any) -> Tensor:
        from retroprop.ops import matrix

        return matrix.dot(self, tensor)

    def mv(self: Tensor, vec: Any) -> Tensor:
        from retroprop.ops import matrix

        return matrix.mv(self, vec)

    # ---- rearranging (retroprop.ops.rearrange) ------------------------------------------
    def tril(self: Tensor, diagonal: int = 0) -> Tensor:
        from retroprop.ops import rearrange

        return rearrange.tril(self, diagonal)

    def triu(self: Tensor, diagonal: int = 0) -> Tensor:
        from retroprop.ops import rearrange

        return rearrange.triu(self, diagonal)

    def flip(self: Tensor, *dims: Any) -> Tensor:
        from retroprop.ops import rearrange

        return rearrange.flip(self, _size(dims))

    def roll(self: Tensor, shifts: Any, dims: Any = None) -> Tensor:
        from retroprop.ops import rearrange

        return rearrange.roll(self, shifts, dims)

    def repeat(self: Tensor, *repeats: Any) -> Tensor:
        from retroprop.ops import rearrange

        return rearrange.repeat(self, *repeats)

    def tile(self: Tensor, *dims: Any) -> Tensor:
        from retroprop.ops import rearrange

        return rearrange.tile(self, _size(dims))

    def repeat_interleave(self: Tensor, repeats: Any, dim: int | None = None) -> Tensor:
        from retroprop.ops import rearrange

        return rearrange.repeat_interleave(self, repeats, dim)

    def diagonal(self: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
        from retroprop.ops import rearrange

        return rearrange.diagonal(self, offset, dim1, dim2)

    def diag(self: Tensor, diagonal: int = 0) -> Tensor:
        from retroprop.ops import rearrange

        return rearrange.diag(self, diagonal)

    def trace(self: Tensor) -> Tensor:
        from retroprop.ops import rearrange

        return rearrange.trace(self)

    def diff(
        self: Tensor, n: int = 1, dim: int = -1, prepend: Any = None, append: Any = None
    ) -> Tensor:
        from retroprop.ops import rearrange

        return rearrange.diff(self, n, dim, prepend, append)

    def movedim(self: Tensor, source: Any, destination: Any) -> Tensor:
        from retroprop.ops import rearrange

        return rearrange.movedim(self, source, destination)

    def swapaxes(self: Tensor, axis0: int, axis1: int) -> Tensor:
        from retroprop.ops import rearrange

        return rearrange.swapaxes(self, axis0, axis1)

    def swapdims(self: Tensor, dim0: int, dim1: int) -> Tensor:
        from retroprop.ops import rearrange

        return rearrange.swapaxes(self, dim0, dim1)

    def narrow(self: Tensor, dim: int, start: int, length: int) -> Tensor:
        from retroprop.ops import rearrange

        return rearrange.narrow(self, dim, start, length)

    def select(self: Tensor, dim: int, index: int) -> Tensor:
        from retroprop.ops import rearrange

        return rearrange.select(self, dim, index)

    def unbind(self: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
        from retroprop.ops import rearrange

        return rearrange.unbind(self, dim)

    # ---- indexed writes (retroprop.ops.scatter) -----------------------------------------
    def index_select(self: Tensor, dim: int, index: Any) -> Tensor:
        from retroprop.ops import scatter

        return scatter.index_select(self, dim, index)

    def scatter(
        self: Tensor,
        dim: int,
        index: Any,
        src: Any = None,
        *,
        value: Any = None,
        reduce: str | None = None,
    ) -> Tensor:
        from retroprop.ops import scatter

        return scatter.scatter(self, dim, index, src, value=value, reduce=reduce)

    def scatter_add(self: Tensor, dim: int, index: Any, src: Any) -> Tensor:
        from retroprop.ops import scatter

        return scatter.scatter_add(self, dim, index, src)

    def index_add(self: Tensor, dim: int, index: Any, source: Any, *, alpha: float = 1) -> Tensor:
        from retroprop.ops import scatter

        return scatter.index_add(self, dim, index, source, alpha=alpha)

    def masked_fill(self: Tensor, mask: Any, value: Any) -> Tensor:
        from retroprop.ops import scatter

        return scatter.masked_fill(self, mask, value)

    def masked_select(self: Tensor, mask: Any) -> Tensor:
        from retroprop.ops import scatter

        return scatter.masked_select(self, mask)

    # ---- sampling (retroprop.ops.sampling) ----------------------------------------------
    def multinomial(
        self: Tensor, num_samples: int, replacement: bool = False, *, generator: Any = None
    ) -> Tensor:
        from retroprop.ops import sampling

        return sampling.multinomial(self, num_samples, replacement, generator=generator)

    def bernoulli(self: Tensor, p: float | None = None, *, generator: Any = None) -> Tensor:
        from retroprop.ops import sampling

        return sampling.bernoulli(self, p, generator=generator)
