"""Loss functions, each one fused Function: its backward gives dL/d(input) (and dL/d(target)
where PyTorch has it) in one step, without a graph of small ops behind it.

Every Function computes its loss terms l_i and reduces them with :func:`_reduce` (its backward
with :func:`_reduce_backward`): ``'none'`` keeps the terms, ``'sum'`` adds them, ``'mean'``
divides the sum by a denominator D -- the number of terms, except for the class-index losses
(cross_entropy, nll_loss), whose D is the total weight of the non-ignored targets, as PyTorch
does, and kl_div's ``'batchmean'``, whose D is the batch size. The public functions below
check the arguments (the reduction among them) once, before the Function runs. Class weights
and ``pos_weight`` are constants: they get no gradient. The stable log-softmax, softplus and
sigmoid are those of :mod:`retroprop.ops.activation`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from retroprop.autograd import Function
from retroprop.ops.activation import _log_softmax, _sigmoid, _softplus
from retroprop.tensor import Tensor

_REDUCTIONS = ("mean", "sum", "none")


def _reduce(loss: np.ndarray, reduction: str, denominator: Any = None) -> np.ndarray:
    """L = l ('none'), sum_i l_i ('sum') or sum_i l_i / D ('mean', 'batchmean') of the loss
    terms l; D = ``denominator``, by default the number of terms."""
    if reduction == "none":
        return loss
    total = loss.sum()
    if reduction == "sum":
        return np.asarray(total, dtype=loss.dtype)
    d = loss.size if denominator is None else denominator
    with np.errstate(invalid="ignore", divide="ignore"):  # every target ignored: NaN, as torch
        return np.asarray(total / d, dtype=loss.dtype)


def _reduce_backward(
    g: np.ndarray, reduction: str, shape: tuple[int, ...], denominator: Any = None
) -> np.ndarray:
    """dL/dl_i from g, the gradient of the reduced loss L: g reshaped to ``shape`` ('none'),
    g broadcast ('sum') or g / D (the means; D = ``denominator``, by default the number of
    terms, prod(shape))."""
    if reduction == "none":
        return g.reshape(shape)
    if reduction == "sum":
        return g
    return g / (math.prod(shape) if denominator is None else denominator)


def _class_weights(weight: np.ndarray | None, ndim: int) -> np.ndarray | int:
    """Class weights shaped to broadcast along dim 1 of an (N, C, d1, ...) array; 1 if none."""
    return 1 if weight is None else weight.reshape((-1,) + (1,) * (ndim - 2))


# ---- class-index targets: cross entropy and negative log-likelihood ----------------------


def _batched(x: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An unbatched input (C,) with its target becomes a batch of one."""
    return (x[None], target[None]) if x.ndim == 1 else (x, target)


def _sample_shape(x: np.ndarray) -> tuple[int, ...]:
    """The shape of one loss per sample: (N, d1, ...) for an input (N, C, d1, ...)."""
    return x.shape[:1] + x.shape[2:] if x.ndim >= 2 else ()


def _terms_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    """(N, 1, d1, ...) for a batched input (N, C, d1, ...): one loss term per sample, laid
    out to broadcast along the class dim."""
    return shape[:1] + (1,) + shape[2:]


def _picked(
    target: np.ndarray, ignore_index: int, weight: np.ndarray | None, dtype: np.dtype
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For targets of shape (N, d1, ...): where each counts (not ignore_index), the index
    (N, 1, d1, ...) of its class (0 where ignored) and its weight w[y] (0 where ignored)."""
    valid = target != ignore_index
    idx = np.where(valid, target, 0)
    coef = valid.astype(dtype) if weight is None else np.where(valid, weight[idx], 0)
    return valid, idx[:, None], coef.astype(dtype, copy=False)


class CrossEntropy(Function):
    """loss_n = -sum_c q_nc log softmax(x_n)_c, with the softmax over the classes (dim 1).

    The target distribution q is, for a class index y_n (eps the label smoothing, w the
    class weights, all 1 by default), q_nc = (1 - eps) w_y [c = y_n] + (eps / C) w_c
    (0 for an ignored target); for class probabilities p_n, q_nc = w_c ((1 - eps) p_nc + eps/C).

    dloss_n/dx_n = (sum_c q_nc) softmax(x_n) - q_n   (softmax - onehot with no weights or
    smoothing);  dloss_n/dp_nc = -(1 - eps) w_c log softmax(x_n)_c.
    """

    def forward(
        self,
        x: np.ndarray,
        target: np.ndarray,
        weight: np.ndarray | None = None,
        ignore_index: int = -100,
        label_smoothing: float = 0.0,
        reduction: str = "mean",
    ) -> np.ndarray:
        x2, t2 = _batched(x, target)
        logp = _log_softmax(x2, 1)
        eps, n_classes = label_smoothing, x2.shape[1]
        wc = _class_weights(weight, x2.ndim)
        self.eps, self.reduction = eps, reduction
        self.soft = target.dtype.kind == "f"
        if self.soft:  # class probabilities
            q = wc * (t2 * (1 - eps) + eps / n_classes) if eps else wc * t2
            loss = -(q * logp).sum(axis=1)
            self.save_for_backward(logp, weight, q)
            self.denominator = loss.size
        else:
            valid, idx, coef = _picked(t2, ignore_index, weight, x.dtype)
            # select rather than multiply by the 0 weight: an ignored row may hold -inf
            loss = -coef * np.where(valid, np.take_along_axis(logp, idx, axis=1)[:, 0], 0)
            if eps:
                smooth = np.where(valid, -(wc * logp).sum(axis=1), 0)
                loss = (1 - eps) * loss + (eps / n_classes) * smooth
            self.save_for_backward(logp, weight, valid, idx, coef)
            self.denominator = coef.sum()
        return _reduce(loss.reshape(_sample_shape(x)), reduction, self.denominator)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        eps = self.eps
        logp, weight = self.saved_values[:2]
        ge = _reduce_backward(g, self.reduction, _terms_shape(logp.shape), self.denominator)
        gx = gt = None
        if self.soft:
            q = self.saved_values[2]
            if self.needs_input_grad[0]:
                gx = (q.sum(axis=1, keepdims=True) * np.exp(logp) - q) * ge
            if self.needs_input_grad[1]:
                gt = -(1 - eps) * _class_weights(weight, logp.ndim) * logp * ge
                gt = gt.reshape(self.input_shapes[1])
        elif self.needs_input_grad[0]:
            valid, idx, coef = self.saved_values[2:]
            softmax = np.exp(logp)
            a = ((1 - eps) * coef[:, None]) * ge  # weight of the one-hot part of q
            gx = softmax * a
            if eps:
                n_classes = logp.shape[1]
                b = ((eps / n_classes) * valid[:, None]) * ge  # weight of the uniform part
                total_w = n_classes if weight is None else weight.sum()
                gx += softmax * (b * total_w) - b * _class_weights(weight, logp.ndim)
            np.put_along_axis(gx, idx, np.take_along_axis(gx, idx, axis=1) - a, axis=1)
        if gx is not None:
            gx = gx.reshape(self.input_shapes[0])
        return gx, gt


class NLLLoss(Function):
    """loss_n = -w_y x_n,y for class index y = y_n (0 if y_n == ignore_index), x log-probs;
    dloss_n/dx_n,c = -w_y [c = y]."""

    def forward(
        self,
        x: np.ndarray,
        target: np.ndarray,
        weight: np.ndarray | None = None,
        ignore_index: int = -100,
        reduction: str = "mean",
    ) -> np.ndarray:
        x2, t2 = _batched(x, target)
        valid, idx, coef = _picked(t2, ignore_index, weight, x.dtype)
        loss = -coef * np.where(valid, np.take_along_axis(x2, idx, axis=1)[:, 0], 0)
        self.save_for_backward(idx, coef)
        self.shape2, self.reduction, self.denominator = x2.shape, reduction, coef.sum()
        return _reduce(loss.reshape(_sample_shape(x)), reduction, self.denominator)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, None]:
        idx, coef = self.saved_values
        ge = _reduce_backward(g, self.reduction, _terms_shape(self.shape2), self.denominator)
        gx = np.zeros(self.shape2, dtype=coef.dtype)
        np.put_along_axis(gx, idx, -coef[:, None] * ge, axis=1)
        return gx.reshape(self.input_shapes[0]), None


class MultiMargin(Function):
    """loss_n = sum_{j != y} w_y max(0, margin - x_y + x_j)^p / C  (y = y_n, p = 1 or 2);
    with h_j = margin - x_y + x_j:  dloss/dx_j = w_y p h_j^(p-1) / C where h_j > 0 (j != y),
    dloss/dx_y = -sum over the other j of dloss/dx_j."""

    def forward(
        self,
        x: np.ndarray,
        target: np.ndarray,
        p: int = 1,
        margin: float = 1.0,
        weight: np.ndarray | None = None,
        reduction: str = "mean",
    ) -> np.ndarray:
        x2, t2 = _batched(x, target)
        idx = t2[:, None]
        h = margin - np.take_along_axis(x2, idx, axis=1) + x2
        np.put_along_axis(h, idx, 0, axis=1)  # the target's own class does not count
        h = np.maximum(h, 0)
        wy = (1 if weight is None else weight[t2][:, None]) / x2.shape[1]
        loss = ((h if p == 1 else h * h) * wy).sum(axis=1)
        self.save_for_backward(h, idx, wy)
        self.p, self.reduction = p, reduction
        return _reduce(loss.reshape(_sample_shape(x)), reduction)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, None]:
        h, idx, wy = self.saved_values
        ge = _reduce_backward(g, self.reduction, _terms_shape(h.shape))
        gx = ((h > 0) if self.p == 1 else 2 * h) * (wy * ge)
        np.put_along_axis(gx, idx, -gx.sum(axis=1, keepdims=True), axis=1)
        return gx.reshape(self.input_shapes[0]), None


# ---- binary targets ------------------------------------------------------------------------


class ClampedLog(Function):
    """z = max(log p, -100), the log of BCELoss, for a loss on probabilities that may be 0
    (the DIY report's CE after a SoftMax); dz/dp = 1 / max(p, 1e-12), BCELoss's clamp of
    the denominator, so the derivative is finite for every p >= 0 in float32 too."""

    def forward(self, p: np.ndarray) -> np.ndarray:
        self.save_for_backward(p)
        with np.errstate(divide="ignore"):
            return np.maximum(np.log(p), -100)

    def backward(self, g: np.ndarray) -> np.ndarray:
        (p,) = self.saved_values
        return g / np.maximum(p, 1e-12)


class BinaryCrossEntropy(Function):
    """loss = -w (t log p + (1 - t) log(1 - p)), each log clamped to >= -100 (as PyTorch);
    dloss/dp = w (p - t) / max(p (1 - p), 1e-12),  dloss/dt = w (log(1 - p) - log p)."""

    def forward(
        self,
        p: np.ndarray,
        t: np.ndarray,
        weight: np.ndarray | None = None,
        reduction: str = "mean",
    ) -> np.ndarray:
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(p), -100)
            log_1mp = np.maximum(np.log1p(-p), -100)
        loss = -(t * log_p + (1 - t) * log_1mp)
        if weight is not None:
            loss *= weight
        self.save_for_backward(p, t, weight)
        self.reduction = reduction
        return _reduce(loss, reduction)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        p, t, weight = self.saved_values
        ge = _reduce_backward(g, self.reduction, p.shape)
        if weight is not None:
            ge = ge * weight
        gp = gt = None
        if self.needs_input_grad[0]:
            gp = ge * (p - t) / np.maximum(p * (1 - p), 1e-12)
        if self.needs_input_grad[1]:
            with np.errstate(divide="ignore"):
                gt = ge * (np.log1p(-p) - np.log(p))
        return gp, gt


class BinaryCrossEntropyWithLogits(Function):
    """loss = w ((1 - t) softplus(x) + pw t softplus(-x)), which is
    -w (pw t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))) computed without overflow;
    with L = 1 + (pw - 1) t:  dloss/dx = w (L sigmoid(x) - pw t),
    dloss/dt = w ((pw - 1) softplus(-x) - x)  (pw = pos_weight, 1 by default)."""

    def forward(
        self,
        x: np.ndarray,
        t: np.ndarray,
        weight: np.ndarray | None = None,
        pos_weight: np.ndarray | None = None,
        reduction: str = "mean",
    ) -> np.ndarray:
        # (1 - t) softplus(x) + pw t softplus(-x) = (1 - t) x + L softplus(-x)
        sp_neg = _softplus(-x)
        if pos_weight is None:
            loss = (1 - t) * x + sp_neg
        else:
            loss = (1 - t) * x + (1 + (pos_weight - 1) * t) * sp_neg
        if weight is not None:
            loss = loss * weight
        self.save_for_backward(x, t, weight, pos_weight)
        self.reduction = reduction
        return _reduce(loss, reduction)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        x, t, weight, pw = self.saved_values
        ge = _reduce_backward(g, self.reduction, x.shape)
        if weight is not None:
            ge = ge * weight
        gx = gt = None
        if self.needs_input_grad[0]:
            sig = _sigmoid(x)
            gx = ge * (sig - t if pw is None else (1 + (pw - 1) * t) * sig - pw * t)
        if self.needs_input_grad[1]:
            gt = ge * (-x if pw is None else (pw - 1) * _softplus(-x) - x)
        return gx, gt


# ---- regression ----------------------------------------------------------------------------


def _both(fn: Function, gx: np.ndarray) -> tuple[np.ndarray | None, ...]:
    """For losses of d = x - t: dL/dx = gx and dL/dt = -gx."""
    return (gx if fn.needs_input_grad[0] else None, -gx if fn.needs_input_grad[1] else None)


class MSE(Function):
    """loss = (x - t)^2;  dloss/dx = 2 (x - t) = -dloss/dt."""

    def forward(self, x: np.ndarray, t: np.ndarray, reduction: str = "mean") -> np.ndarray:
        d = x - t
        self.save_for_backward(d)
        self.reduction = reduction
        return _reduce(d * d, reduction)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        (d,) = self.saved_values
        return _both(self, 2 * _reduce_backward(g, self.reduction, d.shape) * d)


class L1(Function):
    """loss = |x - t|;  dloss/dx = sign(x - t) = -dloss/dt (0 where x = t)."""

    def forward(self, x: np.ndarray, t: np.ndarray, reduction: str = "mean") -> np.ndarray:
        d = x - t
        self.save_for_backward(d)
        self.reduction = reduction
        return _reduce(np.abs(d), reduction)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        (d,) = self.saved_values
        return _both(self, _reduce_backward(g, self.reduction, d.shape) * np.sign(d))


class Huber(Function):
    """loss = h(d) / s, with d = x - t and Huber's h(d) = d^2 / 2 where |d| <= delta, else
    delta (|d| - delta / 2);  dloss/dx = clip(d, -delta, delta) / s = -dloss/dt.

    s (``divisor``) is 1 for huber_loss. smooth_l1_loss with beta > 0 is this with delta = s =
    beta (PyTorch's identity): d^2 / (2 beta) inside, |d| - beta / 2 beyond, slope
    clip(d / beta, -1, 1).
    """

    def forward(
        self,
        x: np.ndarray,
        t: np.ndarray,
        delta: float = 1.0,
        reduction: str = "mean",
        divisor: float = 1.0,
    ) -> np.ndarray:
        d = x - t
        ad = np.abs(d)
        self.save_for_backward(d)
        self.delta, self.reduction, self.divisor = delta, reduction, divisor
        linear = ad - delta / 2
        if delta != divisor:  # smooth_l1's slope beta / beta = 1 costs no multiply
            linear *= delta / divisor
        return _reduce(np.where(ad <= delta, (0.5 / divisor) * d * d, linear), reduction)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        (d,) = self.saved_values
        delta, s = self.delta, self.divisor
        # clip(d / s, -delta / s, delta / s): SmoothL1's slope is then exactly +-1 beyond beta
        slope = np.clip(d, -delta, delta) if s == 1 else np.clip(d / s, -delta / s, delta / s)
        return _both(self, _reduce_backward(g, self.reduction, d.shape) * slope)


# ---- distributions and margins -------------------------------------------------------------


class KLDiv(Function):
    """loss = t (log t - x) (0 where t = 0), x = log q the input log-probabilities;
    with log_target, t holds log-probabilities: loss = e^t (t - x).
    dloss/dx = -t (-e^t);  dloss/dt = log t + 1 - x  (e^t (t - x + 1)).
    'batchmean' divides the sum by the batch size (dim 0): the true KL divergence per sample."""

    def forward(
        self, x: np.ndarray, t: np.ndarray, reduction: str = "mean", log_target: bool = False
    ) -> np.ndarray:
        if log_target:
            loss = np.exp(t) * (t - x)
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                loss = np.where(t == 0, 0, t * np.log(t)) - t * x
        self.save_for_backward(x, t)
        self.reduction, self.log_target = reduction, log_target
        self.denominator = len(x) if reduction == "batchmean" and x.ndim else x.size
        return _reduce(loss, reduction, self.denominator)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        x, t = self.saved_values
        ge = _reduce_backward(g, self.reduction, x.shape, self.denominator)
        gx = gt = None
        if self.log_target:
            pt = np.exp(t)
            gx = -ge * pt if self.needs_input_grad[0] else None
            gt = ge * pt * (t - x + 1) if self.needs_input_grad[1] else None
        else:
            gx = -ge * t if self.needs_input_grad[0] else None
            if self.needs_input_grad[1]:
                with np.errstate(divide="ignore"):
                    gt = ge * (np.log(t) + 1 - x)
        return gx, gt


class HingeEmbedding(Function):
    """loss = x where t = 1, max(0, margin - x) where t = -1 (both terms for other t);
    dloss/dx = 1 where t = 1, -1 where t = -1 and x <= margin (the kink passes, as PyTorch)."""

    def forward(
        self, x: np.ndarray, t: np.ndarray, margin: float = 1.0, reduction: str = "mean"
    ) -> np.ndarray:
        hinge = np.where(t != 1, np.maximum(margin - x, 0), 0)
        self.save_for_backward(x, t)
        self.margin, self.reduction = margin, reduction
        return _reduce(hinge + np.where(t != -1, x, 0), reduction)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray, None]:
        x, t = self.saved_values
        ge = _reduce_backward(g, self.reduction, x.shape)
        slope = (t != -1).astype(x.dtype) - ((t != 1) & (x <= self.margin))
        return ge * slope, None


# ---- public functions: argument checks, then one Function -----------------------------------


def _tensor(x: Any) -> Any:
    return x if isinstance(x, Tensor) else Tensor(x)


def _check(name: str, input: Any, reduction: str, allowed: tuple[str, ...] = _REDUCTIONS) -> None:
    """Every loss's first checks, the only ones of the reduction: a floating input and one of
    the ``allowed`` reductions, which ``_reduce`` and ``_reduce_backward`` then trust."""
    if input.dtype.kind != "f":
        raise TypeError(f"{name}: input must be floating point, got dtype {input.dtype}")
    if reduction not in allowed:
        raise ValueError(
            f"{name}: reduction must be one of {', '.join(map(repr, allowed))}, got {reduction!r}"
        )


def _same_shape_target(name: str, input: Any, target: Any) -> Any:
    """A floating target of the input's shape, cast (differentiably) to the input's dtype."""
    target = _tensor(target)
    if target.dtype.kind != "f":
        raise TypeError(f"{name}: target must be floating point, got dtype {target.dtype}")
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"{name}: target of shape {tuple(target.shape)} does not match input of shape "
            f"{tuple(input.shape)}; they must be the same"
        )
    return target.to(input.dtype)


def _constant(
    name: str, arg: str, value: Any, input: Any, shape: tuple[int, ...] | None = None
) -> np.ndarray | None:
    """A weight as an array of the input's dtype: of ``shape`` if given, else broadcastable
    to the input's shape without enlarging it."""
    if value is None:
        return None
    arr = np.asarray(getattr(value, "_data", value))
    ok = arr.shape == shape if shape is not None else _broadcasts_to(arr.shape, input.shape)
    if not ok:
        want = f"shape {shape}" if shape is not None else f"a shape broadcastable to {input.shape}"
        raise ValueError(f"{name}: {arg} must have {want}, got {arr.shape}")
    return arr.astype(input.dtype, copy=False)


def _broadcasts_to(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    try:
        return np.broadcast_shapes(shape, target) == tuple(target)
    except ValueError:
        return False


def _n_classes(name: str, input: Any) -> int:
    if input.ndim == 0:
        raise ValueError(
            f"{name}: input must have a class dim, of shape (C,), (N, C) or (N, C, d1, ...); "
            "got a 0-d input"
        )
    return input.shape[1] if input.ndim >= 2 else input.shape[0]


def _index_target(name: str, input: Any, target: Any, ignore_index: int | None) -> Any:
    """Check class indices: integer dtype, shape (N, d1, ...) for input (N, C, d1, ...)."""
    n_classes = _n_classes(name, input)
    expected = (input.shape[0],) + tuple(input.shape[2:]) if input.ndim >= 2 else ()
    if target.dtype.kind not in "iu":
        raise TypeError(
            f"{name}: target of class indices must have an integer dtype (int64), got "
            f"{target.dtype} (target shape {tuple(target.shape)}, input shape "
            f"{tuple(input.shape)})"
        )
    if tuple(target.shape) != expected:
        raise ValueError(
            f"{name}: target of shape {tuple(target.shape)} does not match input of shape "
            f"{tuple(input.shape)}: class indices must have shape {expected}"
        )
    t = target._data
    bad = (t < 0) | (t >= n_classes)
    if ignore_index is not None:
        bad &= t != ignore_index
    if bad.any():
        also = "" if ignore_index is None else f", or ignore_index={ignore_index}"
        raise ValueError(
            f"{name}: target class {int(t[bad].flat[0])} is out of range for {n_classes} "
            f"classes (expected 0 <= target < {n_classes}{also})"
        )
    return target


def cross_entropy(
    input: Any,
    target: Any,
    weight: Any = None,
    *,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Any:
    """Cross entropy between softmax(input) over dim 1 and the target, in one fused node.

    loss_n = -sum_c w_c q_nc log softmax(x_n)_c, where q_n is the one-hot vector of the
    class index y_n, or the given class probabilities, smoothed to (1 - eps) q + eps / C.

    Args:
        input: unnormalised scores (logits).
        target: class indices (int64) or class probabilities (float, the input's shape).
        weight: a weight per class, shape (C,).
        ignore_index: class index whose targets count for nothing (indices only).
        reduction: 'mean' (divided by the total weight of the counted targets for class
            indices, by the number of samples for probabilities), 'sum' or 'none'.
        label_smoothing: eps in [0, 1].

    Shape: input (C,), (N, C) or (N, C, d1, ...); target () / (N,) / (N, d1, ...) for
    indices, or the input's shape; output () or, with 'none', the target's sample shape.

    Example: ``loss = cross_entropy(model(x), labels)``.
    """
    name = "cross_entropy"
    _check(name, input, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{name}: label_smoothing must be in [0, 1], got {label_smoothing}")
    w = _constant(name, "weight", weight, input, (_n_classes(name, input),))
    target = _tensor(target)
    if target.dtype.kind == "f" and tuple(target.shape) == tuple(input.shape):
        target = target.to(input.dtype)
    else:
        target = _index_target(name, input, target, ignore_index)
    return CrossEntropy.apply(
        input,
        target,
        weight=w,
        ignore_index=ignore_index,
        label_smoothing=label_smoothing,
        reduction=reduction,
    )


def nll_loss(
    input: Any,
    target: Any,
    weight: Any = None,
    *,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Any:
    """Negative log-likelihood: ``-weight[y] * input[n, y]`` for log-probabilities ``input``.

    ``nll_loss(log_softmax(x, 1), y)`` equals ``cross_entropy(x, y)``. Same shapes, weight,
    ignore_index and weighted mean as :func:`cross_entropy` with class indices.
    """
    name = "nll_loss"
    _check(name, input, reduction)
    w = _constant(name, "weight", weight, input, (_n_classes(name, input),))
    target = _index_target(name, input, _tensor(target), ignore_index)
    return NLLLoss.apply(input, target, weight=w, ignore_index=ignore_index, reduction=reduction)


def binary_cross_entropy(
    input: Any, target: Any, weight: Any = None, *, reduction: str = "mean"
) -> Any:
    """``-weight * (t log p + (1 - t) log(1 - p))`` for probabilities p = input in [0, 1].

    Each log is clamped to >= -100, so p = 0 or 1 gives a large finite loss. Prefer
    :func:`binary_cross_entropy_with_logits` on raw scores: it is exact where this is not.
    weight broadcasts to the input's shape.
    """
    name = "binary_cross_entropy"
    _check(name, input, reduction)
    target = _same_shape_target(name, input, target)
    p = input._data
    if not np.all((p >= 0) & (p <= 1)):
        raise ValueError(
            f"{name}: all elements of input must be probabilities in [0, 1], got values in "
            f"[{np.nanmin(p)}, {np.nanmax(p)}]{' and NaN' if np.isnan(p).any() else ''}"
        )
    w = _constant(name, "weight", weight, input)
    return BinaryCrossEntropy.apply(input, target, weight=w, reduction=reduction)


def binary_cross_entropy_with_logits(
    input: Any,
    target: Any,
    weight: Any = None,
    *,
    reduction: str = "mean",
    pos_weight: Any = None,
) -> Any:
    """Binary cross entropy of ``sigmoid(input)``, computed stably from the logits.

    loss = -weight * (pos_weight * t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))).

    Args:
        weight: broadcasts to the input's shape (e.g. one weight per sample).
        pos_weight: weight of the positive term, broadcast along the last dims, e.g. one per
            class of shape (C,) for a multi-label input (N, C).
    """
    name = "binary_cross_entropy_with_logits"
    _check(name, input, reduction)
    target = _same_shape_target(name, input, target)
    w = _constant(name, "weight", weight, input)
    pw = _constant(name, "pos_weight", pos_weight, input)
    return BinaryCrossEntropyWithLogits.apply(
        input, target, weight=w, pos_weight=pw, reduction=reduction
    )


def mse_loss(input: Any, target: Any, *, reduction: str = "mean") -> Any:
    """Squared error ``(input - target)^2``, elementwise, then reduced."""
    _check("mse_loss", input, reduction)
    return MSE.apply(input, _same_shape_target("mse_loss", input, target), reduction=reduction)


def l1_loss(input: Any, target: Any, *, reduction: str = "mean") -> Any:
    """Absolute error ``|input - target|``, elementwise, then reduced."""
    _check("l1_loss", input, reduction)
    return L1.apply(input, _same_shape_target("l1_loss", input, target), reduction=reduction)


def huber_loss(input: Any, target: Any, reduction: str = "mean", delta: float = 1.0) -> Any:
    """Squared error ``d^2 / 2`` for ``|d| <= delta``, linear ``delta (|d| - delta / 2)``
    beyond (d = input - target): robust to outliers."""
    _check("huber_loss", input, reduction)
    if not delta > 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    target = _same_shape_target("huber_loss", input, target)
    return Huber.apply(input, target, delta=delta, reduction=reduction)


def smooth_l1_loss(input: Any, target: Any, *, reduction: str = "mean", beta: float = 1.0) -> Any:
    """``d^2 / (2 beta)`` for ``|d| < beta``, ``|d| - beta / 2`` beyond (d = input - target);
    ``huber_loss(delta=beta) / beta``, and l1_loss when beta = 0."""
    _check("smooth_l1_loss", input, reduction)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    target = _same_shape_target("smooth_l1_loss", input, target)
    if beta == 0:
        return L1.apply(input, target, reduction=reduction)
    return Huber.apply(input, target, delta=beta, reduction=reduction, divisor=beta)


def kl_div(input: Any, target: Any, *, reduction: str = "mean", log_target: bool = False) -> Any:
    """Kullback-Leibler divergence ``sum target (log target - input)``, ``input`` being
    log-probabilities (and ``target`` too if ``log_target``).

    reduction='batchmean' (sum / batch size) gives the true KL divergence per sample; 'mean'
    averages over every element, as PyTorch does.
    """
    name = "kl_div"
    _check(name, input, reduction, _REDUCTIONS + ("batchmean",))
    target = _same_shape_target(name, input, target)
    return KLDiv.apply(input, target, reduction=reduction, log_target=log_target)


def hinge_embedding_loss(
    input: Any, target: Any, margin: float = 1.0, *, reduction: str = "mean"
) -> Any:
    """``input`` where target = 1, ``max(0, margin - input)`` where target = -1 (input is
    typically a distance between two embeddings)."""
    name = "hinge_embedding_loss"
    _check(name, input, reduction)
    target = _tensor(target)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"{name}: target of shape {tuple(target.shape)} does not match input of shape "
            f"{tuple(input.shape)}; they must be the same"
        )
    return HingeEmbedding.apply(input, target, margin=margin, reduction=reduction)


def multi_margin_loss(
    input: Any,
    target: Any,
    p: int = 1,
    margin: float = 1.0,
    weight: Any = None,
    *,
    reduction: str = "mean",
) -> Any:
    """Multi-class hinge loss: ``sum_{j != y} w_y max(0, margin - x_y + x_j)^p / C``.

    Shape: input (N, C) or (C,); target (N,) or () of class indices; weight (C,).
    """
    name = "multi_margin_loss"
    _check(name, input, reduction)
    if p not in (1, 2):
        raise ValueError(f"{name}: p must be 1 or 2, got {p}")
    if input.ndim not in (1, 2):
        raise ValueError(f"{name}: input must have shape (N, C) or (C,), got {tuple(input.shape)}")
    w = _constant(name, "weight", weight, input, (_n_classes(name, input),))
    target = _index_target(name, input, _tensor(target), None)
    return MultiMargin.apply(input, target, p=p, margin=margin, weight=w, reduction=reduction)
