"""Matrix products: matmul (batched, vectors included), the fused affine map of Linear, and
einsum."""

from __future__ import annotations

import math
import string
from collections import Counter
from typing import Any

import numpy as np

from retroprop.autograd import Function
from retroprop.ops._util import operands, unbroadcast
from retroprop.tensor import Tensor


class MatMul(Function):
    """Z = A @ B (NumPy/PyTorch matmul semantics, batch dims broadcast).

    dL/dA = dL/dZ @ B^T,  dL/dB = A^T @ dL/dZ, summed over broadcast batch dims.
    A 1-D A is treated as a row (1, n) and a 1-D B as a column (n, 1), then squeezed.
    """

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if a.ndim == 0 or b.ndim == 0:
            raise RuntimeError(
                f"matmul: both arguments need at least 1 dimension, got shapes {a.shape} "
                f"and {b.shape}"
            )
        if a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
            raise RuntimeError(
                f"matmul: shapes {a.shape} and {b.shape} cannot be multiplied "
                f"({a.shape[-1]} != {b.shape[-2 if b.ndim > 1 else 0]})"
            )
        if a.dtype != b.dtype and a.dtype.kind == "f" and b.dtype.kind == "f":
            raise RuntimeError(
                f"matmul: expected both operands to have the same dtype, got {a.dtype} and "
                f"{b.dtype} (convert one with .float() or .double())"
            )
        self.save_for_backward(a, b)
        return np.matmul(a, b)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        a, b = self.saved_values
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        # restore the dims squeezed from vector operands: the column first, so that a
        # vector-vector product (g of shape ()) becomes (1, 1)
        if b.ndim == 1:
            g = np.expand_dims(g, -1)
        if a.ndim == 1:
            g = np.expand_dims(g, -2)
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = unbroadcast(np.matmul(g, np.swapaxes(b2, -1, -2)), a2.shape).reshape(a.shape)
        if self.needs_input_grad[1]:
            gb = unbroadcast(np.matmul(np.swapaxes(a2, -1, -2), g), b2.shape).reshape(b.shape)
        return ga, gb


class Linear(Function):
    """y = x W^T + b, with W of shape (out, in) as PyTorch stores it.

    dL/dx = dL/dy W,  dL/dW = (dL/dy)^T x,  dL/db = sum over rows of dL/dy.
    Leading dims of x are flattened so that each gradient is one matrix product.
    """

    def forward(self, x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
        self.save_for_backward(x, w)
        # one 2-D product: NumPy's batched matmul (3-D @ 2-D) is many times slower
        rows = math.prod(x.shape[:-1])
        y = (x.reshape(rows, x.shape[-1]) @ w.T).reshape(*x.shape[:-1], w.shape[0])
        if b is not None:
            y += b
        return y

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        x, w = self.saved_values
        needs = self.needs_input_grad
        rows = math.prod(x.shape[:-1])
        g2 = g.reshape(rows, g.shape[-1])
        gx = (g2 @ w).reshape(x.shape) if needs[0] else None
        gw = (g2.T @ x.reshape(rows, x.shape[-1])) if needs[1] else None
        gb = g2.sum(axis=0) if needs[2] else None
        return gx, gw, gb


def matmul(a: Any, b: Any) -> Any:
    """Matrix product with PyTorch's ``matmul`` semantics."""
    return MatMul.apply(*operands(a, b))


def linear(x: Any, weight: Any, bias: Any = None) -> Any:
    """``x @ weight.T + bias`` in one node (weight of shape (out, in)).

    Shape: x (*, in), weight (out, in), bias (out,) -> (*, out).
    """
    xs, ws = tuple(x.shape), tuple(weight.shape)
    if len(ws) != 2 or not xs or xs[-1] != ws[1]:
        raise ValueError(
            f"linear: input of shape {xs} does not match weight of shape {ws} "
            f"(expected input (*, {ws[-1] if ws else '?'}))"
        )
    if bias is not None and tuple(bias.shape) != (ws[0],):
        raise ValueError(f"linear: bias of shape {tuple(bias.shape)}, expected ({ws[0]},)")
    return Linear.apply(x, weight, bias)


class Einsum(Function):
    """Z = einsum(equation, X_1, ..., X_n): a sum over the labels that are not in the output of
    products of the operands' elements.

    dL/dX_k = einsum(out, the other operands -> subscripts of X_k)(dL/dZ, X_j for j != k);
    e.g. for 'ij,jk->ik', dL/dA = einsum('ik,jk->ij', G, B). A label only in X_k (summed
    away) gets a broadcast gradient; a label repeated in X_k (a diagonal) gets its gradient
    written on that diagonal, zeros elsewhere.
    """

    def forward(
        self, *xs: np.ndarray, subs: tuple[str, ...] = (), out: str = "", sizes: Any = None
    ) -> np.ndarray:
        self.subs, self.out, self.sizes = subs, out, sizes
        self.shapes = [x.shape for x in xs]
        xs = tuple(x.reshape([sizes[c] for c in s]) for x, s in zip(xs, subs))
        self.save_for_backward(*xs)
        return _einsum(",".join(subs) + "->" + out, *xs)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        xs = self.saved_values
        grads: list[np.ndarray | None] = []
        for k, (sub, shape) in enumerate(zip(self.subs, self.shapes)):
            if not self.needs_input_grad[k]:
                grads.append(None)
                continue
            others = [s for j, s in enumerate(self.subs) if j != k]
            labels = "".join(dict.fromkeys(sub))  # distinct labels, in order
            seen = set(self.out).union(*others)
            keep = "".join(c for c in labels if c in seen)
            gk = _einsum(
                ",".join([self.out, *others]) + "->" + keep,
                g,
                *(x for j, x in enumerate(xs) if j != k),
            )
            # labels summed only inside X_k: dZ/dX_k does not depend on them -> broadcast
            gk = np.broadcast_to(
                gk.reshape([self.sizes[c] if c in seen else 1 for c in labels]),
                [self.sizes[c] for c in labels],
            )
            if len(labels) < len(sub):
                full = np.zeros([self.sizes[c] for c in sub], dtype=g.dtype)
                np.einsum(sub + "->" + labels, full)[...] = gk  # the diagonal, as a view
                gk = full
            grads.append(np.ascontiguousarray(gk).reshape(shape))
        return tuple(grads)


def _einsum(equation: str, *xs: np.ndarray) -> np.ndarray:
    # with two or more operands let NumPy pick the order and use BLAS for the contractions
    return np.asarray(np.einsum(equation, *xs, optimize=len(xs) > 1))


def _parse_einsum(
    equation: str, shapes: list[tuple[int, ...]]
) -> tuple[list[str], str, dict[str, int]]:
    """Subscripts per operand (``...`` replaced by spare letters), the output subscript and
    the size of each label; broadcast labels (size 1 where another operand has n) are dropped
    from the operand that has size 1."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    ins = lhs.split(",")
    if len(ins) != len(shapes):
        raise ValueError(
            f"einsum: equation {equation!r} names {len(ins)} operands, got {len(shapes)}"
        )
    if "->" in rhs or any(not (c.isascii() and (c.isalpha() or c in ".,")) for c in lhs + rhs):
        raise ValueError(f"einsum: invalid equation {equation!r} (use letters, ',', '->', '...')")
    spare = [c for c in string.ascii_letters if c not in eq]
    n_ell = 0
    for s, shape in zip(ins, shapes):
        explicit = len(s.replace("...", ""))
        if "." in s.replace("...", "", 1) or ("..." not in s and explicit != len(shape)):
            raise ValueError(
                f"einsum: subscripts {s!r} do not match an operand with {len(shape)} dims "
                f"(shape {shape}) in {equation!r}"
            )
        if "..." in s:
            if explicit > len(shape):
                raise ValueError(f"einsum: {s!r} has more labels than dims (shape {shape})")
            n_ell = max(n_ell, len(shape) - explicit)
    ell = "".join(spare[:n_ell])
    subs = [
        s.replace("...", ell[n_ell - (len(shape) - len(s) + 3) :]) for s, shape in zip(ins, shapes)
    ]
    if arrow:
        if "." in rhs.replace("...", "", 1):
            raise ValueError(f"einsum: invalid output subscripts {rhs!r}")
        out = rhs.replace("...", ell)
    else:
        counts = Counter("".join(ins))
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c != "."))
    sizes: dict[str, int] = {}
    for k, (s, shape) in enumerate(zip(subs, shapes)):
        for c, n in zip(s, shape):
            if len({m for d, m in zip(s, shape) if d == c}) > 1:
                raise ValueError(
                    f"einsum: repeated label {c!r} of operand {k} needs equal sizes (shape {shape})"
                )
            if sizes.get(c, 1) != 1 and n not in (1, sizes[c]):
                raise ValueError(
                    f"einsum: label {c!r} has size {n} in operand {k} but {sizes[c]} elsewhere "
                    f"(shapes {shapes}, equation {equation!r})"
                )
            sizes[c] = max(n, sizes.get(c, 1))
    for c in out:
        if out.count(c) > 1:
            raise ValueError(f"einsum: output label {c!r} appears more than once in {equation!r}")
        if c not in sizes:
            raise ValueError(f"einsum: output label {c!r} is not in any operand of {equation!r}")
    subs = ["".join(c for c, n in zip(s, shape) if n == sizes[c]) for s, shape in zip(subs, shapes)]
    return subs, out, sizes


def einsum(equation: str, *operands: Any) -> Any:
    """Einstein summation, as ``torch.einsum``: ``einsum('ij,jk->ik', a, b)`` is ``a @ b``.

    Explicit (``'->'``) and implicit forms (the output is the labels used once, sorted), ``...``
    for broadcast batch dims, repeated labels (``'ii->i'``: a diagonal), size-1 broadcasting.
    """
    if len(operands) == 1 and isinstance(operands[0], list | tuple):
        operands = tuple(operands[0])
    xs = [x if isinstance(x, Tensor) else Tensor(x) for x in operands]
    if not xs:
        raise ValueError("einsum: expected at least one operand")
    if len({x.dtype for x in xs}) > 1:
        raise TypeError(f"einsum: operands must have one dtype, got {[str(x.dtype) for x in xs]}")
    subs, out, sizes = _parse_einsum(equation, [tuple(x.shape) for x in xs])
    return Einsum.apply(*xs, subs=tuple(subs), out=out, sizes=sizes)
