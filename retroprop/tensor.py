"""The Tensor: a NumPy array, its gradient, and its place in the computation graph.

``Tensor._data`` is the NumPy array (``t.numpy()`` hands it out), ``t.data`` is a detached
Tensor sharing that memory (as in PyTorch: ``w.data -= lr * w.grad.data``), ``.grad``
is a Tensor (or None) filled by ``backward()``, and ``._ctx`` is the :class:`Function` node
that produced the tensor (None for a leaf).

This module imports neither the ops nor autograd: they import ``Tensor``. The methods that
are ops (``t + u``, ``t.exp()``, ``t.sum()``, ``t.view(...)``, ``t.to(dtype)``,
``t.backward()``, ...) are bound to the class by :mod:`retroprop.tensor_methods`, which
``retroprop/__init__.py`` imports first; the in-place writes are the mixin
:class:`~retroprop.tensor_inplace.TensorInPlace`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from retroprop import devices
from retroprop.tensor_inplace import TensorInPlace

if TYPE_CHECKING:
    from retroprop.autograd import Function

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


class Tensor(TensorInPlace):
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
        self._ctx: Function | None = None
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
    def grad_fn(self) -> Function | None:
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

    # ---- factories (new_*) ------------------------------------------------------------
    def _new(self, values: np.ndarray, device: Any, requires_grad: bool) -> Tensor:
        out = Tensor._wrap(values)
        if device is not None:
            out = out.to(device)
        return out.requires_grad_(True) if requires_grad else out

    def new_zeros(
        self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
    ) -> Tensor:
        """Zeros of ``size``, with this tensor's dtype unless ``dtype`` is given."""
        return self._new(np.zeros(_sizes(size), dtype or self.dtype), device, requires_grad)

    def new_ones(
        self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
    ) -> Tensor:
        """Ones of ``size``, with this tensor's dtype unless ``dtype`` is given."""
        return self._new(np.ones(_sizes(size), dtype or self.dtype), device, requires_grad)

    def new_empty(
        self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
    ) -> Tensor:
        """An uninitialised tensor of ``size`` (zeros here), with this tensor's dtype."""
        return self.new_zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)

    def new_full(
        self,
        size: Any,
        fill_value: Any,
        *,
        dtype: Any = None,
        device: Any = None,
        requires_grad: bool = False,
    ) -> Tensor:
        """``fill_value`` everywhere in ``size``, with this tensor's dtype unless ``dtype``."""
        values = np.full(_sizes((size,)), fill_value, dtype or self.dtype)
        return self._new(values, device, requires_grad)

    def new_tensor(
        self,
        data: Any,
        *,
        dtype: Any = None,
        device: Any = None,
        requires_grad: bool = False,
    ) -> Tensor:
        """A copy of ``data`` (cut from any graph), with this tensor's dtype unless ``dtype``."""
        values = np.array(np.asarray(data), dtype=dtype or self.dtype)
        return self._new(values, device, requires_grad)

    # ---- dtype, device, layout (``to`` and ``type`` are in retroprop.tensor_methods) -----
    def type_as(self, other: Tensor) -> Tensor:
        """Cast to ``other``'s dtype."""
        return self.to(other.dtype)

    def cpu(self) -> Tensor:
        return self

    def contiguous(self, memory_format: Any = None) -> Tensor:
        """Itself: every op here accepts any memory layout."""
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

    # ---- the graph (``backward`` and ``register_hook`` are in retroprop.tensor_methods) ----
    def detach(self) -> Tensor:
        """A tensor sharing the same data, cut from the graph."""
        t = Tensor._wrap(self._data)
        t._version = self._version
        return t

    def detach_(self) -> Tensor:
        """Cut this tensor from the graph in place: it becomes a leaf that needs no grad."""
        self._ctx = None
        self.requires_grad = False
        return self

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

    def retain_grad(self) -> None:
        """Keep this intermediate tensor's gradient in ``.grad`` after backward."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: the tensor does not require grad")
        self._retains_grad = True

    def _accumulate_grad(self, g: np.ndarray) -> None:
        """Add ``g`` (an array nothing else holds) to ``.grad``."""
        if self.grad is None:
            self.grad = Tensor._wrap(g)
        else:
            self.grad = Tensor._wrap(self.grad._data + g)

    # ---- logical operators on bool tensors ----------------------------------------------
    def __invert__(self) -> Tensor:
        if self._data.dtype != np.bool_:
            raise TypeError(f"~ is defined for bool tensors, got {self._data.dtype}")
        return Tensor._wrap(~self._data)

    def __and__(self, other: Any) -> Tensor:
        return Tensor._wrap(self._data & _data(other))

    def __or__(self, other: Any) -> Tensor:
        return Tensor._wrap(self._data | _data(other))


def _data(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else x


def _sizes(sizes: tuple[Any, ...]) -> tuple[int, ...]:
    """``f(2, 3)`` and ``f((2, 3))``, as PyTorch's ``view``, ``expand``, ``new_zeros``, ...
    accept both."""
    if len(sizes) == 1 and isinstance(sizes[0], tuple | list):
        sizes = tuple(sizes[0])
    return tuple(int(s) for s in sizes)


def is_tensor(obj: Any) -> bool:
    """True for a retroprop Tensor (``torch.is_tensor``)."""
    return isinstance(obj, Tensor)


def is_floating_point(t: Tensor) -> bool:
    return t.is_floating_point()


def numel(t: Tensor) -> int:
    return t.numel()
