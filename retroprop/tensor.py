"""The Tensor: a NumPy array, its gradient, and its place in the computation graph.

``Tensor._data`` is the NumPy array (``t.numpy()`` hands it out), ``t.data`` is a detached
Tensor sharing that memory (as in PyTorch: ``w.data -= lr * w.grad.data``), ``.grad``
is a Tensor (or None) filled by ``backward()``, and ``._ctx`` is the :class:`Function` node
that produced the tensor (None for a leaf). Operators and methods delegate to the ops in
:mod:`retroprop.ops`, where each derivative is written once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from retroprop import autograd, devices
from retroprop.ops._util import numpy_aliases
from retroprop.tensor_api import TensorAPI

float32 = np.float32
float64 = np.float64
float16 = np.float16
int64 = np.int64
int32 = np.int32
bool_ = np.bool_

_default_dtype: type = np.float32


def get_default_dtype() -> type:
    """The dtype given to floating inputs when no ``dtype=`` is passed (float32)."""
    return _default_dtype


def set_default_dtype(dtype: Any) -> None:
    """Set the default floating dtype (float32 or float64)."""
    global _default_dtype
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"set_default_dtype: expected a floating dtype, got {dt}")
    _default_dtype = dt.type


_KEEP_KIND = (np.ndarray, np.generic)  # arrays keep their integer or bool dtype in Tensor(...)


def _constructor_array(args: tuple[Any, ...], dtype: Any) -> np.ndarray:
    """The array of ``Tensor(*args)``: sizes for none or several Python ints, else data."""
    if all(type(a) is int for a in args):  # type(True) is bool, not int
        return np.zeros(args if args else (0,), dtype or _default_dtype)
    if len(args) != 1:
        raise TypeError(
            f"Tensor: expected one data argument or integer sizes, got {len(args)} arguments "
            f"of types {[type(a).__name__ for a in args]}"
        )
    data = args[0]
    arr = _as_array(data, dtype)
    if dtype is None and arr.dtype.kind in "biu" and not isinstance(data, _KEEP_KIND):
        arr = arr.astype(_default_dtype)  # torch.Tensor's legacy rule: always floating
    return arr


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """``data`` as a Tensor, sharing its memory when no conversion is needed.

    A Tensor of the wanted dtype is returned as is; an array keeps its memory when its dtype
    is kept. Floats become the default dtype (float32), integers int64, unless ``dtype`` says.
    """
    devices.check_device("as_tensor", device)
    if isinstance(data, Tensor):
        return data if dtype is None or np.dtype(dtype) == data.dtype else data.to(dtype)
    return Tensor._wrap(_as_array(data, dtype))


def _as_array(data: Any, dtype: Any = None) -> np.ndarray:
    """Convert ``data`` to an array: floats -> default dtype, ints -> int64, bools stay."""
    if isinstance(data, Tensor):
        data = data._data
    arr = np.asarray(data)
    if dtype is not None:
        return arr.astype(dtype, copy=False)
    kind = arr.dtype.kind
    if kind == "f":
        return arr.astype(_default_dtype, copy=False)
    if kind in "iu":
        return arr.astype(np.int64, copy=False)
    if kind == "b":
        return arr
    raise TypeError(f"Tensor: unsupported data of dtype {arr.dtype}")


class Tensor(TensorAPI):
    """An n-dimensional array with reverse-mode automatic differentiation.

    Args:
        data: array-like. Floats become the default dtype (float32), and so do Python
            numbers and lists of any kind (``rp.Tensor([1, 2])`` is float32, as
            ``torch.Tensor``); an integer or bool NumPy array keeps int64 / bool.
            Two or more Python integers are sizes, as in PyTorch: ``rp.Tensor(2, 3)`` is a
            (2, 3) tensor (of zeros; PyTorch leaves the values undefined), one integer too
            (``rp.Tensor(5)`` is 5 zeros, for ``nn.Parameter(rp.Tensor(out_features))``);
            ``rp.Tensor()`` is empty. For a number write ``rp.tensor(5.0)``.
        requires_grad: record operations on this tensor so ``backward`` can reach it.
        dtype: force a dtype.
        device: the CPU (``"cpu"`` or None); any other device is refused.

    Example::

        x = rp.Tensor(np.ones(3), requires_grad=True)
        (x * x).sum().backward()   # x.grad == 2 * x
    """

    __array_priority__ = 1000  # ndarray <op> Tensor defers to Tensor's reflected operator
    _hooks: dict[int, Any] | None = None  # register_hook's, on the few tensors that have some
    _accumulator: Any = None  # the AccumulateGrad node of a leaf, made when first asked for
    _output_nr = 0  # which output of its grad_fn this tensor is (nodes may have several)

    def __init__(
        self, *data: Any, requires_grad: bool = False, dtype: Any = None, device: Any = None
    ) -> None:
        devices.check_device("Tensor", device)
        self._data = _constructor_array(data, dtype)
        self.grad: Tensor | None = None
        self._ctx: autograd.Function | None = None
        self._retains_grad = False
        self._version = [0]
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _wrap(cls, data: np.ndarray, requires_grad: bool = False) -> Tensor:
        """Make a tensor around an array without any dtype conversion (for ops)."""
        t = cls.__new__(cls)
        t._data = data if isinstance(data, np.ndarray) else np.asarray(data)
        t.grad = None
        t._ctx = None
        t._retains_grad = False
        t._version = [0]
        t.requires_grad = requires_grad
        return t

    # ---- basic properties -------------------------------------------------------------
    @property
    def data(self) -> Tensor:
        """A tensor sharing this one's memory, cut from the graph (``requires_grad`` False).

        As in PyTorch, changes made through it are invisible to autograd (it has its own
        version counter): ``w.data -= lr * w.grad.data`` updates ``w`` in place.
        """
        return Tensor._wrap(self._data)

    @data.setter
    def data(self, value: Any) -> None:
        """``t.data = other`` makes ``t`` use ``other``'s array (a Tensor or array-like)."""
        if isinstance(value, Tensor):
            self._data = value._data
        elif isinstance(value, np.ndarray):
            self._data = value
        else:
            self._data = _as_array(value)

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    def size(self, dim: int | None = None) -> tuple[int, ...] | int:
        return self._data.shape if dim is None else self._data.shape[dim]

    def numel(self) -> int:
        return self._data.size

    nelement = numel

    def ndimension(self) -> int:
        return self._data.ndim

    def element_size(self) -> int:
        """Bytes per element (4 for float32)."""
        return self._data.itemsize

    @property
    def itemsize(self) -> int:
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        return self._data.nbytes

    def is_contiguous(self, memory_format: Any = None) -> bool:
        """True when the array is C-contiguous (a transpose is not, as in PyTorch)."""
        return bool(self._data.flags.c_contiguous)

    def data_ptr(self) -> int:
        """The address of the first element (equal for tensors sharing memory from the start)."""
        return int(self._data.__array_interface__["data"][0])

    def share_memory_(self) -> Tensor:
        """Nothing to do in one process: the tensor itself."""
        return self

    @property
    def device(self) -> devices.device:
        """Always ``device(type='cpu')``."""
        return devices.CPU

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def is_cpu(self) -> bool:
        return True

    @property
    def is_xpu(self) -> bool:
        return False

    @property
    def is_mps(self) -> bool:
        return False

    @property
    def is_meta(self) -> bool:
        return False

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    @property
    def grad_fn(self) -> autograd.Function | None:
        return self._ctx

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self._data)

    def __repr__(self) -> str:
        body = np.array2string(self._data, separator=", ", prefix="tensor(")
        extra = ""
        if self._data.dtype not in (np.float32, np.int64, np.bool_):
            extra += f", dtype={self._data.dtype}"
        if self._ctx is not None:
            extra += f", grad_fn=<{type(self._ctx).__name__}>"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    def __format__(self, spec: str) -> str:
        """``f"{loss:.4f}"`` formats a one-element tensor as its number, as PyTorch."""
        if self._data.ndim == 0:
            return format(self._data.item(), spec)
        if spec:
            raise TypeError(
                f"unsupported format string {spec!r} for a Tensor of shape {tuple(self.shape)}; "
                "only 0-d tensors format as numbers (use .item())"
            )
        return repr(self)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        return self._data if dtype is None else self._data.astype(dtype)

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of a tensor with {self._data.size} values is ambiguous"
            )
        return bool(self._data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self._data)

    def __hash__(self) -> int:
        return id(self)

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def numpy(self) -> np.ndarray:
        """The underlying array (shared memory, as ``torch.Tensor.numpy``)."""
        if self.requires_grad:
            raise RuntimeError(
                "numpy(): can't call numpy() on a tensor that requires grad; use "
                "tensor.detach().numpy()"
            )
        return self._data

    def tolist(self) -> Any:
        return self._data.tolist()

    def item(self) -> float | int | bool:
        if self._data.size != 1:
            raise ValueError(
                f"item(): only a tensor with one element can be converted to a Python "
                f"scalar, got shape {tuple(self.shape)}"
            )
        return self._data.item()

    # ---- dtype and graph -------------------------------------------------------------
    def to(self, *args: Any, **kwargs: Any) -> Tensor:
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
            from retroprop.ops.arithmetic import Cast

            return Cast.apply(self, dtype=dt)
        return self.clone() if copy else self

    def type(self, dtype: Any = None) -> Any:
        """Without an argument, the type's name (``'retroprop.FloatTensor'``); else a cast."""
        if dtype is None:
            from retroprop.dtypes import tensor_type_name

            return tensor_type_name(self._data.dtype)
        from retroprop.dtypes import dtype_of_type

        return self.to(dtype_of_type(dtype))

    def type_as(self, other: Tensor) -> Tensor:
        """Cast to ``other``'s dtype."""
        return self.to(other.dtype)

    def cpu(self) -> Tensor:
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> Tensor:
        """Refused: retroprop runs on the CPU only."""
        raise devices.not_on_cpu("cuda", "cuda")

    def pin_memory(self) -> Tensor:
        """Nothing to pin without a GPU: the tensor itself."""
        return self

    def is_pinned(self) -> bool:
        return False

    def float(self) -> Tensor:
        return self.to(np.float32)

    def double(self) -> Tensor:
        return self.to(np.float64)

    def long(self) -> Tensor:
        return self.to(np.int64)

    def int(self) -> Tensor:
        return self.to(np.int32)

    def bool(self) -> Tensor:
        return self.to(np.bool_)

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def detach(self) -> Tensor:
        """A tensor sharing the same data, cut from the graph."""
        t = Tensor._wrap(self._data)
        t._version = self._version
        return t

    def clone(self) -> Tensor:
        from retroprop.ops.arithmetic import Clone

        return Clone.apply(self)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if requires_grad and self._data.dtype.kind != "f":
            raise RuntimeError(
                f"requires_grad_: only floating point tensors can require gradients, "
                f"got dtype {self._data.dtype}"
            )
        if not requires_grad and self._ctx is not None:
            raise RuntimeError(
                "requires_grad_(False): only leaf tensors can change requires_grad; use .detach()"
            )
        self.requires_grad = requires_grad
        return self

    def register_hook(self, hook: Any) -> autograd.RemovableHandle:
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

    def retain_grad(self) -> None:
        """Keep this intermediate tensor's gradient in ``.grad`` after backward."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: the tensor does not require grad")
        self._retains_grad = True

    def backward(
        self, gradient: Any = None, retain_graph: bool = False, create_graph: bool = False
    ) -> None:
        """Accumulate the gradient of this tensor into the leaves' ``.grad``.

        Args:
            gradient: dL/d(self), required unless the tensor has one element.
            retain_graph: keep the graph so that backward can run through it again.
        """
        autograd.backward(self, gradient, retain_graph, create_graph)

    def _accumulate_grad(self, g: np.ndarray) -> None:
        """Add ``g`` (an array nothing else holds) to ``.grad``."""
        if self.grad is None:
            self.grad = Tensor._wrap(g)
        else:
            self.grad = Tensor._wrap(self.grad._data + g)

    # ---- in-place operations ---------------------------------------------------------
    def _check_inplace(self, name: str) -> None:
        if self.requires_grad and autograd.is_grad_enabled():
            raise RuntimeError(
                f"{name}: a tensor that requires grad (shape {tuple(self.shape)}) cannot be "
                "modified in place while gradients are recorded; wrap it in "
                "rp.no_grad() or use the out-of-place operation"
            )

    def _inplace(self, name: str, fn: Any, *args: Any) -> Tensor:
        self._check_inplace(name)
        arrays = [a._data if isinstance(a, Tensor) else a for a in args]
        fn(self._data, *arrays, out=self._data, casting="same_kind")
        self._version[0] += 1
        return self

    def add_(self, other: Any, alpha: float = 1.0) -> Tensor:
        if alpha != 1.0:
            other = (other._data if isinstance(other, Tensor) else np.asarray(other)) * alpha
        return self._inplace("add_", np.add, other)

    def sub_(self, other: Any, alpha: float = 1.0) -> Tensor:
        if alpha != 1.0:
            other = (other._data if isinstance(other, Tensor) else np.asarray(other)) * alpha
        return self._inplace("sub_", np.subtract, other)

    def mul_(self, other: Any) -> Tensor:
        return self._inplace("mul_", np.multiply, other)

    def div_(self, other: Any) -> Tensor:
        return self._inplace("div_", np.true_divide, other)

    def clamp_(self, min: float | None = None, max: float | None = None) -> Tensor:
        lo = -np.inf if min is None else min
        hi = np.inf if max is None else max
        return self._inplace("clamp_", np.clip, lo, hi)

    def zero_(self) -> Tensor:
        return self.fill_(0)

    def fill_(self, value: float) -> Tensor:
        self._check_inplace("fill_")
        self._data[...] = value
        self._version[0] += 1
        return self

    def copy_(self, src: Any) -> Tensor:
        self._check_inplace("copy_")
        src = src._data if isinstance(src, Tensor) else np.asarray(src)
        self._data[...] = src
        self._version[0] += 1
        return self

    def uniform_(self, a: float = 0.0, b: float = 1.0) -> Tensor:
        from retroprop.random import default_generator

        return self.copy_(default_generator.uniform(a, b, self.shape))

    def normal_(self, mean: float = 0.0, std: float = 1.0) -> Tensor:
        from retroprop.random import default_generator

        return self.copy_(default_generator.normal(mean, std, self.shape))

    def random_(self, low: int = 0, high: int | None = None) -> Tensor:
        """Integers drawn uniformly from [low, high) (``random_(high)`` from [0, high)), as
        ``torch.Tensor.random_(from, to)``; without bounds, [0, 2^24) for float32."""
        from retroprop.random import default_generator

        if high is None:
            low, high = (0, low) if low else (0, _random_top(self._data.dtype))
        return self.copy_(default_generator.integers(low, high, self.shape))

    def __iadd__(self, other: Any) -> Tensor:
        return self.add_(other)

    def __isub__(self, other: Any) -> Tensor:
        return self.sub_(other)

    def __imul__(self, other: Any) -> Tensor:
        return self.mul_(other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self.div_(other)

    def __setitem__(self, index: Any, value: Any) -> None:
        self._check_inplace("__setitem__")
        if isinstance(index, Tensor):
            index = index._data
        self._data[index] = value._data if isinstance(value, Tensor) else value
        self._version[0] += 1

    # ---- operators (see retroprop.ops.arithmetic) ------------------------------------
    def __add__(self, other: Any) -> Tensor:
        return _ar.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return _ar.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return _ar.sub(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _ar.sub(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return _ar.mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return _ar.mul(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return _ar.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _ar.div(other, self)

    def __pow__(self, other: Any) -> Tensor:
        return _ar.pow(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return _ar.pow(other, self)

    def __neg__(self) -> Tensor:
        return _ar.neg(self)

    def __abs__(self) -> Tensor:
        return _ar.abs(self)

    def __matmul__(self, other: Any) -> Tensor:
        return _la.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _la.matmul(other, self)

    def __lt__(self, other: Any) -> Tensor:
        return _ar.compare(np.less, self, other)

    def __le__(self, other: Any) -> Tensor:
        return _ar.compare(np.less_equal, self, other)

    def __gt__(self, other: Any) -> Tensor:
        return _ar.compare(np.greater, self, other)

    def __ge__(self, other: Any) -> Tensor:
        return _ar.compare(np.greater_equal, self, other)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _ar.compare(np.equal, self, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _ar.compare(np.not_equal, self, other)

    def __invert__(self) -> Tensor:
        if self._data.dtype != np.bool_:
            raise TypeError(f"~ is defined for bool tensors, got {self._data.dtype}")
        return Tensor._wrap(~self._data)

    def __and__(self, other: Any) -> Tensor:
        return Tensor._wrap(self._data & _data(other))

    def __or__(self, other: Any) -> Tensor:
        return Tensor._wrap(self._data | _data(other))

    def __getitem__(self, index: Any) -> Tensor:
        return _ix.getitem(self, index)

    # ---- elementwise math --------------------------------------------------------------
    def add(self, other: Any, alpha: float = 1.0) -> Tensor:
        return _ar.add(self, other if alpha == 1.0 else _ar.mul(other, alpha))

    def sub(self, other: Any, alpha: float = 1.0) -> Tensor:
        return _ar.sub(self, other if alpha == 1.0 else _ar.mul(other, alpha))

    def mul(self, other: Any) -> Tensor:
        return _ar.mul(self, other)

    def div(self, other: Any) -> Tensor:
        return _ar.div(self, other)

    def pow(self, exponent: Any) -> Tensor:
        return _ar.pow(self, exponent)

    def neg(self) -> Tensor:
        return _ar.neg(self)

    def exp(self) -> Tensor:
        return _ar.exp(self)

    def log(self) -> Tensor:
        return _ar.log(self)

    def log1p(self) -> Tensor:
        return _ar.log1p(self)

    def sqrt(self) -> Tensor:
        return _ar.sqrt(self)

    def abs(self) -> Tensor:
        return _ar.abs(self)

    def sign(self) -> Tensor:
        return _ar.sign(self)

    def sin(self) -> Tensor:
        return _ar.sin(self)

    def cos(self) -> Tensor:
        return _ar.cos(self)

    def clamp(self, min: float | None = None, max: float | None = None) -> Tensor:
        return _ar.clamp(self, min, max)

    clip = clamp

    def maximum(self, other: Any) -> Tensor:
        return _ar.maximum(self, other)

    def minimum(self, other: Any) -> Tensor:
        return _ar.minimum(self, other)

    def matmul(self, other: Any) -> Tensor:
        return _la.matmul(self, other)

    # ---- activations (see retroprop.ops.activation) ------------------------------------
    def relu(self) -> Tensor:
        return _act.relu(self)

    def tanh(self) -> Tensor:
        return _act.tanh(self)

    def sigmoid(self) -> Tensor:
        return _act.sigmoid(self)

    @numpy_aliases
    def softmax(self, dim: int | None = None, *, dtype: Any = None) -> Tensor:
        x = self if dtype is None else self.to(dtype)  # dtype= casts first, as PyTorch
        return _act.softmax(x, dim)

    @numpy_aliases
    def log_softmax(self, dim: int | None = None, *, dtype: Any = None) -> Tensor:
        x = self if dtype is None else self.to(dtype)  # dtype= casts first, as PyTorch
        return _act.log_softmax(x, dim)

    # ---- reductions (see retroprop.ops.reduce); NumPy's axis=/keepdims= are accepted -------
    @numpy_aliases
    def sum(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        x = self if dtype is None else self.to(dtype)  # dtype= casts first, as PyTorch
        return _red.sum(x, dim, keepdim)

    @numpy_aliases
    def mean(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        x = self if dtype is None else self.to(dtype)  # dtype= casts first, as PyTorch
        return _red.mean(x, dim, keepdim)

    @numpy_aliases
    def max(self, dim: Any = None, keepdim: bool = False) -> Any:
        return _red.max(self, dim, keepdim)

    @numpy_aliases
    def min(self, dim: Any = None, keepdim: bool = False) -> Any:
        return _red.min(self, dim, keepdim)

    @numpy_aliases
    def var(self, dim: Any = None, unbiased: bool = True, keepdim: bool = False, *,
            correction: int | None = None) -> Tensor:  # fmt: skip
        corr = correction if correction is not None else int(unbiased)
        return _red.var(self, dim, corr, keepdim)

    @numpy_aliases
    def std(self, dim: Any = None, unbiased: bool = True, keepdim: bool = False, *,
            correction: int | None = None) -> Tensor:  # fmt: skip
        corr = correction if correction is not None else int(unbiased)
        return _red.std(self, dim, corr, keepdim)

    @numpy_aliases
    def norm(self, p: float = 2, dim: Any = None, keepdim: bool = False) -> Tensor:
        return _red.norm(self, p, dim, keepdim)

    @numpy_aliases
    def logsumexp(self, dim: Any, keepdim: bool = False) -> Tensor:
        return _red.logsumexp(self, dim, keepdim)

    @numpy_aliases
    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return _red.argmax(self, dim, keepdim)

    @numpy_aliases
    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return _red.argmin(self, dim, keepdim)

    @numpy_aliases
    def cumsum(self, dim: int | None = None, *, dtype: Any = None) -> Tensor:
        x = self if dtype is None else self.to(dtype)  # dtype= casts first, as PyTorch
        return _red.cumsum(x, dim)

    # ---- shapes (see retroprop.ops.shape and retroprop.ops.indexing) --------------------
    def reshape(self, *shape: Any) -> Tensor:
        return _sh.reshape(self, _shape_arg(shape))

    def view(self, *shape: Any) -> Tensor:
        return _sh.reshape(self, _shape_arg(shape))

    def view_as(self, other: Tensor) -> Tensor:
        return _sh.reshape(self, other.shape)

    def reshape_as(self, other: Tensor) -> Tensor:
        return _sh.reshape(self, other.shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        return _sh.flatten(self, start_dim, end_dim)

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        return _sh.transpose(self, dim0, dim1)

    def t(self) -> Tensor:
        if self.ndim > 2:
            raise RuntimeError(f"t(): expects a tensor with <= 2 dims, got {self.ndim}")
        return self if self.ndim < 2 else _sh.transpose(self, 0, 1)

    @property
    def T(self) -> Tensor:
        return _sh.permute(self, tuple(range(self.ndim))[::-1])

    def permute(self, *dims: Any) -> Tensor:
        return _sh.permute(self, _shape_arg(dims))

    def expand(self, *shape: Any) -> Tensor:
        return _sh.expand(self, _shape_arg(shape))

    def expand_as(self, other: Tensor) -> Tensor:
        return _sh.expand(self, other.shape)

    @numpy_aliases
    def squeeze(self, dim: Any = None) -> Tensor:
        return _sh.squeeze(self, dim)

    @numpy_aliases
    def unsqueeze(self, dim: int) -> Tensor:
        return _sh.unsqueeze(self, dim)

    @numpy_aliases
    def split(self, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
        return _sh.split(self, split_size_or_sections, dim)

    @numpy_aliases
    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        return _sh.chunk(self, chunks, dim)

    def gather(self, dim: int, index: Tensor) -> Tensor:
        return _ix.gather(self, dim, index)


def _data(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else x


def _random_top(dtype: np.dtype) -> int:
    """The exclusive bound of ``random_()`` without arguments, as PyTorch: floats draw from
    [0, 2^digits] (every integer there is exact: 2^24 for float32), integers from [0, max]."""
    if dtype.kind == "f":
        return 2 ** (np.finfo(dtype).nmant + 1) + 1
    if dtype.kind == "b":
        return 2
    return int(np.iinfo(dtype).max) + 1


def is_tensor(obj: Any) -> bool:
    """True for a retroprop Tensor (``torch.is_tensor``)."""
    return isinstance(obj, Tensor)


def is_floating_point(t: Tensor) -> bool:
    return t.is_floating_point()


def numel(t: Tensor) -> int:
    return t.numel()


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


def _shape_arg(shape: Sequence[Any]) -> tuple[int, ...]:
    """Accept ``f(2, 3)`` and ``f((2, 3))`` as PyTorch does."""
    if len(shape) == 1 and isinstance(shape[0], tuple | list):
        shape = shape[0]
    return tuple(int(s) for s in shape)


from retroprop.ops import activation as _act  # noqa: E402
from retroprop.ops import arithmetic as _ar  # noqa: E402
from retroprop.ops import indexing as _ix  # noqa: E402
from retroprop.ops import linalg as _la  # noqa: E402
from retroprop.ops import reduce as _red  # noqa: E402
from retroprop.ops import shape as _sh  # noqa: E402
