"""PyTorch-style custom Functions: ``@staticmethod forward(ctx, ...)`` and ``backward(ctx, ...)``.

::

    class Exp(rp.autograd.Function):
        @staticmethod
        def forward(ctx, x):  # x is a Tensor
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):  # d/dx exp(x) = exp(x)
            (y,) = ctx.saved_tensors
            return grad * y

    y = Exp.apply(x)

The ``ctx`` is the graph node, an instance of the subclass, as for the array-style ops of
:mod:`retroprop.autograd`. The forward runs on the arguments as given (Tensors stay Tensors)
without recording; the backward gets one gradient Tensor per output, runs without recording,
and returns one gradient per argument of ``forward`` (a Tensor, an array or None; None for
non-Tensor arguments). PyTorch 2's separate ``setup_context(ctx, inputs, output)`` is accepted
too, with ``forward(*args)`` then taking no ``ctx``.

A forward that returns several Tensors is one node with several outputs, as in PyTorch: the
backward runs once, with a gradient for each output (zeros for an output that received none,
None for a non-Tensor output).
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from retroprop import autograd, grad_mode
from retroprop.autograd import Function
from retroprop.tensor import Tensor


def _has_setup_context(cls: type) -> bool:
    return inspect.getattr_static(cls, "setup_context", None) is not None


def apply_torch_style(cls: type[Function], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Run a PyTorch-style forward on ``args`` and record its node(s) when needed."""
    ctx = cls()
    ctx._non_differentiable = set()
    positions = tuple(i for i, a in enumerate(args) if isinstance(a, Tensor))
    tensors = tuple(args[i] for i in positions)
    ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
    ctx.input_shapes = tuple(t.shape for t in tensors)
    with grad_mode.no_grad():
        if _has_setup_context(cls):
            out = cls.forward(*args, **kwargs)
            cls.setup_context(ctx, args, out)
        else:
            out = cls.forward(ctx, *args, **kwargs)
    several = isinstance(out, tuple)
    outs = out if several else (out,)
    record = grad_mode.is_grad_enabled() and any(t.requires_grad for t in tensors)
    results: list[Any] = []
    meta: list[tuple[tuple[int, ...], np.dtype] | None] = []
    for o in outs:
        if isinstance(o, np.ndarray):
            o = Tensor._wrap(o)
        if not isinstance(o, Tensor):
            results.append(o)  # a non-Tensor output passes through untouched
            meta.append(None)
            continue
        differentiable = o._data.dtype.kind == "f" and id(o) not in ctx._non_differentiable
        r = Tensor._wrap(o._data, record and differentiable)
        autograd._share_version(r, tensors)
        results.append(r)
        meta.append((o.shape, o._data.dtype))
    if autograd._anomaly_mode:
        autograd._check_finite("forward", ctx, [r._data for r in results if isinstance(r, Tensor)])
    if record:
        ctx._torch_style_node = True
        ctx._positions = positions
        ctx._n_args = len(args)
        ctx._outputs = meta
        ctx.inputs = tensors
        ctx._record_versions(tensors + tuple(r for r in results if isinstance(r, Tensor)))
        for nr, r in enumerate(results):
            if isinstance(r, Tensor) and r.requires_grad:
                r._ctx, r._output_nr = ctx, nr
    else:
        ctx.saved = None
    return tuple(results) if several else results[0]


def torch_style_backward(ctx: Function, grads: tuple[Any, ...]) -> tuple[Any, ...]:
    """Call ``type(ctx).backward(ctx, *grads)`` with the outputs' gradients as Tensors (None
    for a non-Tensor output); return one array (or None) per Tensor input of the forward."""
    wrapped = [None if g is None else Tensor._wrap(g) for g in grads]
    with grad_mode.no_grad():
        returned = type(ctx).backward(ctx, *wrapped)
    if not isinstance(returned, tuple):
        returned = (returned,)
    extra = returned[ctx._n_args :]
    if len(returned) < ctx._n_args or any(r is not None for r in extra):
        raise RuntimeError(
            f"{type(ctx).__name__}.backward returned {len(returned)} gradients, expected "
            f"{ctx._n_args} (one per argument of forward, None for a non-Tensor argument)"
        )
    out = []
    for pos in ctx._positions:
        r = returned[pos]
        if r is None:
            out.append(None)
        else:
            out.append(np.asarray(r._data if isinstance(r, Tensor) else r))
    return tuple(out)
