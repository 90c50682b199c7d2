"""Reverse-mode automatic differentiation: the Function protocol and the graph walk.

Every differentiable operation is a subclass of :class:`Function` with two methods that
work on plain NumPy arrays:

* ``forward(self, *arrays, **options) -> ndarray`` computes the output (or a tuple of
  outputs) and keeps the arrays the backward needs with ``self.save_for_backward(...)``;
  options that are not arrays (a stride, a flag) are plain attributes of ``self``;
* ``backward(self, *grads) -> tuple`` receives dL/d(output), one per output (zeros for an
  output that received no gradient), and returns dL/d(input) for each input, in order
  (``None`` where an input needs no gradient). Its docstring states the derivative.

An absent optional input (a layer without bias) is passed as ``None``, as in PyTorch: the
forward receives None and the backward returns None for it.

``Function.apply(*inputs, **options)`` runs the forward and, when gradients are enabled and
an input requires one, records the node in the graph. :func:`backward` walks the graph once
in reverse topological order (iteratively: no recursion limit on deep graphs).

PyTorch's style is accepted too: a subclass whose ``forward`` and ``backward`` are
``@staticmethod``s taking a ``ctx`` first (``ctx.save_for_backward``, ``ctx.saved_tensors``,
``ctx.needs_input_grad``, ``ctx.mark_non_differentiable``) is called with ``F.apply(...)`` on
Tensors; see :func:`_apply_torch_style`. The node is then the ``ctx``.

Higher-order gradients are not supported: a backward works on arrays, so the gradient it
returns has no graph of its own.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from retroprop import grad_mode
from retroprop.grad_mode import (  # noqa: F401  (rp.autograd.no_grad, as torch.autograd)
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from retroprop.tensor import Tensor, as_tensor

_anomaly_mode = False


class detect_anomaly(contextlib.ContextDecorator):
    """Raise at the first operation whose forward or backward produces NaN or inf.

    The error names the operation and the shapes of its inputs, so the culprit is found
    at once instead of at the loss, many steps later.
    """

    def __enter__(self) -> None:
        global _anomaly_mode
        self.prev = _anomaly_mode
        _anomaly_mode = True

    def __exit__(self, *exc: object) -> None:
        global _anomaly_mode
        _anomaly_mode = self.prev


def _check_finite(where: str, fn: Function, arrays: Sequence[np.ndarray | None]) -> None:
    for a in arrays:
        if a is not None and a.dtype.kind == "f" and not np.isfinite(a).all():
            shapes = ", ".join(str(s if s is None else tuple(s)) for s in fn.input_shapes)
            what = "NaN" if np.isnan(a).any() else "inf"
            raise RuntimeError(
                f"detect_anomaly: {type(fn).__name__} produced {what} in its {where} "
                f"(input shapes {shapes}, output shape {tuple(a.shape)})"
            )


class Function:
    """Base class of differentiable operations (one instance per call: it is the graph node).

    Subclasses implement ``forward`` and ``backward`` on NumPy arrays, or as PyTorch's
    static methods on a ``ctx`` (see the module docstring and
    :mod:`retroprop.custom_function`). ``self.needs_input_grad`` tells the backward which
    gradients are wanted.
    """

    inputs: tuple[Tensor | None, ...]
    needs_input_grad: tuple[bool, ...]
    input_shapes: tuple[tuple[int, ...] | None, ...]
    _torch_style_node = False  # set on the ctx of a PyTorch-style call
    # (shape, dtype) of each output when there are several (None for a non-Tensor output of
    # a PyTorch-style forward); None for the usual single output
    _outputs: list[tuple[tuple[int, ...], np.dtype] | None] | None = None

    def __init__(self) -> None:
        self.saved: tuple[Any, ...] | None = ()
        self._freed = False
        self._versions: list[tuple[Any, int, np.ndarray]] = []

    def forward(self, *args: Any, **kwargs: Any) -> np.ndarray:
        raise NotImplementedError

    def backward(self, *grads: np.ndarray) -> tuple[np.ndarray | None, ...] | np.ndarray | None:
        raise NotImplementedError

    def save_for_backward(self, *values: Any) -> None:
        """Keep the arrays that the backward will read (``self.saved_values``): they are
        checked against in-place changes and freed after the backward."""
        self.saved = values

    @property
    def saved_values(self) -> tuple[Any, ...]:
        if self._freed:
            raise self._freed_error()
        return self.saved

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """What ``save_for_backward`` kept (PyTorch's name; the same as ``saved_values``)."""
        return self.saved_values

    def mark_non_differentiable(self, *outputs: Tensor) -> None:
        """PyTorch style: these outputs of ``forward`` get no gradient (indices, masks)."""
        self._non_differentiable = {id(t) for t in outputs}

    def name(self) -> str:
        """The node's name, as ``grad_fn.name()``."""
        return type(self).__name__

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        """One ``(node, output_nr)`` pair for each input, as PyTorch's
        ``grad_fn.next_functions``: the input's ``grad_fn`` and which of its outputs the input
        is, an :class:`AccumulateGrad` for a leaf that requires grad, or None for a constant
        (or an absent input)."""
        return tuple((_node_of(t), getattr(t, "_output_nr", 0)) for t in self.inputs)

    def _backward(self, grads: tuple[np.ndarray, ...]) -> Any:
        """Call the backward in the node's style (the graph walk's single entry point)."""
        if self._torch_style_node:
            # retroprop.custom_function extends this module (it imports Function), so the
            # PyTorch-style path is imported when first used, not at the top
            from retroprop.custom_function import torch_style_backward

            return torch_style_backward(self, grads)
        return self.backward(*grads)

    @classmethod
    def _is_torch_style(cls) -> bool:
        return isinstance(inspect.getattr_static(cls, "forward"), staticmethod)

    def _freed_error(self) -> RuntimeError:
        return RuntimeError(
            f"{type(self).__name__}: trying to backward through the graph a second time; "
            "its saved values were freed after the first backward. Pass "
            "retain_graph=True to the first backward() if you need to call it twice."
        )

    @classmethod
    def apply(cls, *inputs: Any, **kwargs: Any) -> Any:
        """Run the forward on the inputs' arrays and record the node when needed.

        A PyTorch-style subclass gets its arguments as given, Tensors included (see
        :func:`retroprop.custom_function.apply_torch_style`).
        """
        if cls._is_torch_style():
            from retroprop.custom_function import apply_torch_style  # see _backward

            return apply_torch_style(cls, inputs, kwargs)
        fn = cls()
        tensors = tuple(None if x is None else as_tensor(x) for x in inputs)
        present = tuple(t for t in tensors if t is not None)
        arrays = tuple(None if t is None else t._data for t in tensors)
        fn.input_shapes = tuple(None if a is None else a.shape for a in arrays)
        out = fn.forward(*arrays, **kwargs)
        outs = out if isinstance(out, tuple) else (out,)
        if _anomaly_mode:
            _check_finite("forward", fn, outs)
        requires_grad = grad_mode._grad_enabled and any(t.requires_grad for t in present)
        results = tuple(Tensor._wrap(o, requires_grad) for o in outs)
        for r in results:
            _share_version(r, present)
        if requires_grad:
            fn.inputs = tensors
            fn.needs_input_grad = tuple(t is not None and t.requires_grad for t in tensors)
            for r in results:
                r._ctx = fn
            if isinstance(out, tuple):
                fn._outputs = [(o.shape, o.dtype) for o in outs]
                for nr, r in enumerate(results):
                    r._output_nr = nr
            fn._record_versions(present + results)
        else:
            fn.saved = None
        return results if isinstance(out, tuple) else results[0]

    def _record_versions(self, tensors: Sequence[Tensor]) -> None:
        """Remember the version of every tensor whose memory the saved values may reference."""
        # PyTorch-style nodes save Tensors: their arrays are what may change in place
        arrays = (getattr(s, "_data", s) for s in self.saved)
        saved = [s for s in arrays if isinstance(s, np.ndarray)]
        if not saved:
            return
        for t in tensors:
            if any(np.may_share_memory(t._data, s) for s in saved):
                self._versions.append((t._version, t._version[0], t._data))

    def _check_versions(self) -> None:
        for box, version, data in self._versions:
            if box[0] != version:
                raise RuntimeError(
                    f"{type(self).__name__}: a tensor of shape {tuple(data.shape)} that its "
                    f"backward needs was modified by an in-place operation (it is at version "
                    f"{box[0]}, expected {version}). Use an out-of-place operation instead, "
                    "e.g. x = x + 1 rather than x += 1."
                )

    def _release(self) -> None:
        self.saved = None
        self._freed = True
        self._versions = []


def _share_version(result: Tensor, inputs: Sequence[Tensor]) -> None:
    """A view (reshape, slice, transpose, ...) shares its base's version counter, as in
    PyTorch: an in-place change through either is seen by nodes that saved the other."""
    for t in inputs:
        if np.may_share_memory(result._data, t._data):
            result._version = t._version
            return


def Variable(data: Any, requires_grad: bool = False, volatile: bool = False) -> Tensor:
    """``torch.autograd.Variable`` (merged into Tensor in PyTorch 0.4): the tensor itself, or
    with ``requires_grad=True`` a new leaf sharing its memory, as PyTorch does."""
    t = as_tensor(data)
    return Tensor._wrap(t._data, True) if requires_grad else t


class AccumulateGrad:
    """The node a leaf's gradient flows into (in ``next_functions``), as in PyTorch.

    ``variable`` is the leaf; there is one such node per leaf.
    """

    next_functions: tuple[tuple[Any, int], ...] = ()

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"

    def __repr__(self) -> str:
        return f"<AccumulateGrad of a leaf of shape {tuple(self.variable.shape)}>"


def _node_of(t: Tensor | None) -> Any:
    if t is None:
        return None
    if t._ctx is not None:
        return t._ctx
    if not t.requires_grad:
        return None
    if t._accumulator is None:
        t._accumulator = AccumulateGrad(t)
    return t._accumulator


class RemovableHandle:
    """Returned by ``register_hook``: ``handle.remove()`` takes the hook away."""

    def __init__(self, hooks: dict[int, Callable[..., Any]], key: int) -> None:
        self._hooks = hooks
        self._key = key

    def remove(self) -> None:
        self._hooks.pop(self._key, None)


def _run_hooks(node: Tensor, g: np.ndarray) -> np.ndarray:
    """Hand the finished gradient of ``node`` to its hooks; a hook may return a replacement."""
    for hook in list(node._hooks.values()):
        new = hook(Tensor._wrap(g))
        if new is None:
            continue
        arr = new._data if isinstance(new, Tensor) else np.asarray(new)
        if arr.shape != g.shape:
            raise RuntimeError(
                f"register_hook: a hook returned a gradient of shape {arr.shape} for a tensor "
                f"of shape {g.shape}"
            )
        g = np.array(arr, dtype=node._data.dtype, copy=True)
    return g


def _toposort(roots: Sequence[Tensor], constants: bool = False) -> list[Tensor]:
    """Tensors reachable from ``roots``, each once, inputs before outputs (a depth-first
    post-order; one ``seen`` set for all roots keeps it topological over their union).

    Only tensors that take part in the gradient, unless ``constants`` (for drawing the graph).
    """
    order: list[Tensor] = []
    seen: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False) for root in reversed(roots)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        # mark a node when it is expanded, not when it is pushed: a node pushed by one
        # consumer may be reached again through a deeper path (x / x.norm()), and must then
        # be finished before that path's nodes
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        if node._ctx is not None:
            stack.extend(
                (p, False)
                for p in reversed(node._ctx.inputs)
                if p is not None and (constants or p.requires_grad) and id(p) not in seen
            )
    return order


def _run_backward(
    roots: Sequence[Tensor],
    grads: Sequence[np.ndarray],
    retain_graph: bool,
    wanted: Sequence[Tensor] | None = None,
) -> list[np.ndarray | None]:
    """Propagate ``grads`` from ``roots`` to the leaves, outputs before inputs.

    Without ``wanted``, gradients accumulate in the leaves' (and retained tensors') ``.grad``.
    With ``wanted``, nothing is written and the gradients of those tensors are returned.
    """
    sums = _GradSums()
    for root, g in zip(roots, grads):
        sums.add(root, g)
    # arrays already handed out as a .grad; their bases, see _store
    handed_out = {id(_base(g)) for g in grads}
    position = {id(t): i for i, t in enumerate(wanted)} if wanted is not None else {}
    results: list[np.ndarray | None] = [None] * len(position)

    order = _toposort(roots)
    siblings = _OutputGrads(order)
    for node in reversed(order):
        g = sums.pop(node)
        if g is not None:
            if node._hooks:
                g = _run_hooks(node, g)
            if wanted is not None:
                if id(node) in position:
                    results[position[id(node)]] = g
            elif node._ctx is None or node._retains_grad:
                _store(node, g, handed_out)
        fn = node._ctx
        if fn is None:
            continue
        if fn._outputs is None:
            grads = None if g is None else (g,)
        else:
            grads = siblings.collect(fn, node._output_nr, g)
        if grads is None:
            continue
        for parent, pg in zip(fn.inputs, _input_grads(fn, grads, retain_graph)):
            if pg is not None:
                sums.add(parent, pg)
    return results


class _OutputGrads:
    """The gradients of the outputs of nodes with several outputs (LSTMSequence's trajectory
    and final cell state, say), held until the walk reaches the last of a node's outputs; its
    backward then runs once with all of them, zeros for an output that received none (as
    PyTorch's materialize_grads). The reversed topological order reaches every output of a
    node after all of that output's consumers, and before the node's inputs."""

    def __init__(self, order: list[Tensor]) -> None:
        self.left: dict[int, int] = {}
        for t in order:
            if t._ctx is not None and t._ctx._outputs is not None:
                self.left[id(t._ctx)] = self.left.get(id(t._ctx), 0) + 1
        self.grads: dict[int, list[np.ndarray | None]] = {}

    def collect(self, fn: Function, nr: int, g: np.ndarray | None) -> tuple[Any, ...] | None:
        slots = self.grads.setdefault(id(fn), [None] * len(fn._outputs))
        slots[nr] = g
        self.left[id(fn)] -= 1
        if self.left[id(fn)]:
            return None
        del self.grads[id(fn)]
        if all(s is None for s in slots):
            return None
        return tuple(
            np.zeros(*meta) if s is None and meta is not None else s
            for s, meta in zip(slots, fn._outputs)
        )


class _GradSums:
    """The gradient flowing into each tensor, summed over its consumers.

    Aliasing rule: the first gradient to arrive may be an array the walk does not own (an
    upstream gradient passed through unchanged, a view of it, or the same array that add's
    backward gives to both inputs), so it is stored as is and never written to; the second
    arrival allocates the sum, which the walk then owns and adds later arrivals into in place.
    """

    def __init__(self) -> None:
        self.grads: dict[int, np.ndarray] = {}
        self.owned: set[int] = set()

    def add(self, t: Tensor, g: np.ndarray) -> None:
        key = id(t)
        if key not in self.grads:
            self.grads[key] = g
        elif key in self.owned:
            self.grads[key] += g
        else:
            self.grads[key] = self.grads[key] + g
            self.owned.add(key)

    def pop(self, t: Tensor) -> np.ndarray | None:
        return self.grads.pop(id(t), None)


def _store(node: Tensor, g: np.ndarray, handed_out: set[int]) -> None:
    """Accumulate ``g`` into ``node.grad``, copying it when its memory is already some other
    tensor's ``.grad`` (or read-only): changing one ``.grad`` in place (clip_grad_norm_) must
    never change another's."""
    base = _base(g)
    if id(base) in handed_out or not g.flags.writeable:
        node._accumulate_grad(g.copy())
    else:
        handed_out.add(id(base))
        node._accumulate_grad(g)


def _input_grads(fn: Function, grads: tuple[Any, ...], retain_graph: bool) -> tuple[Any, ...]:
    """Call ``fn``'s backward on its outputs' gradients and check what it returns: one
    gradient (or None) per input, each of its input's shape and dtype. Frees the node's saved
    values unless ``retain_graph``."""
    fn._check_versions()
    in_grads = fn._backward(grads)
    if not isinstance(in_grads, tuple):
        in_grads = (in_grads,)
    if len(in_grads) != len(fn.inputs):
        raise RuntimeError(
            f"{type(fn).__name__}.backward returned {len(in_grads)} gradients for "
            f"{len(fn.inputs)} inputs"
        )
    if _anomaly_mode:
        _check_finite("backward", fn, in_grads)
    if not retain_graph:
        fn._release()
    checked = []
    for parent, pg in zip(fn.inputs, in_grads):
        if pg is None or parent is None or not parent.requires_grad:
            checked.append(None)
            continue
        if pg.shape != parent._data.shape:
            raise RuntimeError(
                f"{type(fn).__name__}.backward returned a gradient of shape "
                f"{pg.shape} for an input of shape {parent._data.shape}"
            )
        if pg.dtype != parent._data.dtype:
            # mixed-precision ops (float32 * float64) compute in the wider dtype; the
            # gradient of an input has the input's dtype, as in PyTorch
            pg = pg.astype(parent._data.dtype)
        checked.append(pg)
    return tuple(checked)


def _base(a: np.ndarray) -> np.ndarray:
    """The array that owns ``a``'s memory (``a`` itself when it is not a view)."""
    return a if a.base is None else a.base


def backward(
    tensor: Tensor, gradient: Any = None, retain_graph: bool = False, create_graph: bool = False
) -> None:
    """Accumulate d(tensor)/d(leaf) into every leaf's ``.grad`` (see ``Tensor.backward``)."""
    _no_create_graph("backward", create_graph)
    if not tensor.requires_grad:
        raise RuntimeError(
            "backward: the tensor does not require grad and has no grad_fn (was it computed "
            "under no_grad, or from tensors without requires_grad=True?)"
        )
    if gradient is None:
        if tensor._data.size != 1:
            raise RuntimeError(
                f"backward: grad can be implicitly created only for scalar outputs, but the "
                f"tensor has shape {tuple(tensor.shape)}; pass gradient= of that shape"
            )
        g = np.ones_like(tensor._data)
    else:
        g = gradient._data if isinstance(gradient, Tensor) else np.asarray(gradient)
        if g.shape != tensor._data.shape:
            raise RuntimeError(
                f"backward: gradient has shape {g.shape} but the tensor has shape "
                f"{tuple(tensor.shape)}"
            )
        g = g.astype(tensor._data.dtype, copy=False)
    _run_backward([tensor], [g], retain_graph)


def _no_create_graph(where: str, create_graph: bool) -> None:
    if create_graph:
        raise NotImplementedError(
            f"{where}(create_graph=True): higher-order gradients are not supported; a backward "
            "works on NumPy arrays, so the gradient it returns has no graph of its own"
        )


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool = False,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """Gradients of ``sum(outputs * grad_outputs)`` with respect to ``inputs``.

    Unlike ``backward``, nothing is written into ``.grad``. Example (an adversarial step)::

        (g,) = rp.autograd.grad(loss, [x])
    """
    _no_create_graph("grad", create_graph)
    outs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    ins = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outs)
    elif isinstance(grad_outputs, Tensor | np.ndarray):
        grad_outputs = [grad_outputs]
    gs = []
    for o, go in zip(outs, grad_outputs):
        if not o.requires_grad:
            raise RuntimeError("grad: an output does not require grad (no graph to differentiate)")
        if go is None:
            if o._data.size != 1:
                raise RuntimeError(
                    f"grad: grad_outputs must be given for the non-scalar output of shape "
                    f"{tuple(o.shape)}"
                )
            gs.append(np.ones_like(o._data))
        else:
            gs.append(np.asarray(go._data if isinstance(go, Tensor) else go, dtype=o._data.dtype))
    for t in ins:
        if not t.requires_grad:
            raise RuntimeError(f"grad: an input of shape {tuple(t.shape)} does not require grad")
    res = _run_backward(outs, gs, retain_graph, wanted=ins)
    out: list[Tensor | None] = []
    for t, r in zip(ins, res):
        if r is None and not allow_unused:
            raise RuntimeError(
                f"grad: an input of shape {tuple(t.shape)} was not used to compute the "
                "outputs; pass allow_unused=True to get None for it"
            )
        out.append(None if r is None else Tensor._wrap(np.array(r, copy=True), False))
    return tuple(out)


def gradcheck(
    fn: Callable[..., Tensor],
    inputs: Sequence[Tensor],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Compare analytic gradients with central finite differences, in float64.

    For a random projection ``v`` of the output, checks that
    ``d<v, fn(x)>/dx_i  ~=  (<v, fn(x + eps e_i)> - <v, fn(x - eps e_i)>) / (2 eps)``
    for every element of every input that requires grad.
    """
    for i, x in enumerate(inputs):
        if x.requires_grad and x.dtype != np.float64:
            raise TypeError(
                f"gradcheck: input {i} has dtype {x.dtype}; finite differences need float64 "
                "(use .double())"
            )
    for x in inputs:
        x._data = np.ascontiguousarray(x._data)
    rng = np.random.default_rng(0)
    out = fn(*inputs)
    v = rng.standard_normal(out.shape)

    def project() -> float:
        with no_grad():
            return float(np.sum(fn(*inputs)._data * v))

    analytic = grad([out], [x for x in inputs if x.requires_grad], [Tensor(v)], allow_unused=True)
    k = 0
    for i, x in enumerate(inputs):
        if not x.requires_grad:
            continue
        a = analytic[k]._data if analytic[k] is not None else np.zeros_like(x._data)
        k += 1
        num = np.zeros_like(x._data)
        flat = x._data.reshape(-1)
        nflat = num.reshape(-1)
        for j in range(flat.size):
            old = flat[j]
            flat[j] = old + eps
            fp = project()
            flat[j] = old - eps
            fm = project()
            flat[j] = old
            nflat[j] = (fp - fm) / (2 * eps)
        if not np.allclose(a, num, atol=atol, rtol=rtol):
            if raise_exception:
                err = np.abs(a - num).max()
                raise RuntimeError(
                    f"gradcheck: input {i} (shape {x._data.shape}): analytic and numerical "
                    f"gradients differ by up to {err:.3g}\nanalytic:\n{a}\nnumerical:\n{num}"
                )
            return False
    return True


def iter_graph(root: Tensor) -> list[Tensor]:
    """Every tensor of the graph behind ``root``, constants included, inputs first."""
    return _toposort([root], constants=True)
