"""Normalisation layers as fused Functions: batch_norm, layer_norm, group_norm.

Each standardises x over a set of m elements, x_hat = (x - mean) / sqrt(var + eps) with the
biased variance, then applies an affine map y = w * x_hat + b. Writing the whole thing as
one node (instead of a chain of mean, sub, pow, div, mul, add) keeps one saved array and
gives the classic closed-form backward:

    dL/dx_hat = dL/dy * w
    dL/dx     = (1 / sqrt(var + eps)) * (dL/dx_hat - mean(dL/dx_hat)
                                         - x_hat * mean(dL/dx_hat * x_hat))
    dL/dw     = sum of dL/dy * x_hat,    dL/db = sum of dL/dy

the means running over the m elements that share one mean and variance, and the sums over
every axis that w and b are broadcast along. In evaluation mode BatchNorm's mean and variance
are constants (the running statistics), so dL/dx = dL/dy * w / sqrt(running_var + eps).

Every sum is a matrix-vector product with a vector of ones: BLAS does it about 5x faster
than ``np.sum`` on float32. tests/test_textbook.py checks each op against its formula.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from retroprop.autograd import Function


def _rowsum(a: np.ndarray) -> np.ndarray:
    """Sum over the last axis, as ``a @ ones`` (speed: BLAS, not ``np.sum``)."""
    flat = a.reshape(-1, a.shape[-1])
    return (flat @ np.ones(flat.shape[1], a.dtype)).reshape(a.shape[:-1])


def _colsum(a: np.ndarray) -> np.ndarray:
    """Sum over the first axis, as ``ones @ a`` (speed: BLAS, not ``np.sum``)."""
    return np.ones(a.shape[0], a.dtype) @ a


def _channel_sum(a: np.ndarray) -> np.ndarray:
    """Sum of an (N, C, L) array over N and L: one value per channel."""
    return _colsum(a[:, :, 0] if a.shape[2] == 1 else _rowsum(a))


def _standardize_rows(x: np.ndarray, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """x_hat and 1 / sqrt(var + eps) of each row of a 2-D array.

    Speed: x_hat is first x - mean, then scaled in place (one array, no temporaries).
    """
    n = x.shape[1]
    x_hat = x - (_rowsum(x) / n)[:, None]
    inv_std = 1.0 / np.sqrt(_rowsum(np.square(x_hat)) / n + eps)
    x_hat *= inv_std[:, None]
    return x_hat, inv_std


def _standardize_rows_backward(
    g_hat: np.ndarray, x_hat: np.ndarray, inv_std: np.ndarray
) -> np.ndarray:
    """dL/dx = inv_std * (g_hat - mean(g_hat) - x_hat * mean(g_hat * x_hat)), per row.

    Speed: the terms are subtracted and scaled in place in one array.
    """
    n = g_hat.shape[1]
    gx = x_hat * (_rowsum(g_hat * x_hat) / n)[:, None]
    np.subtract(g_hat, gx, out=gx)
    gx -= (_rowsum(g_hat) / n)[:, None]
    gx *= inv_std[:, None]
    return gx


class _Affine(Function):
    """Shared part of the normalisations: the optional affine map after x_hat.

    Inputs are ``x``, ``weight`` and ``bias``, either of the last two None when absent.
    """

    @staticmethod
    def _unpack(
        w: np.ndarray | None, b: np.ndarray | None, shape: tuple[int, ...]
    ) -> tuple[np.ndarray | None, np.ndarray | None]:
        """The weight and bias (or None), reshaped to ``shape`` to broadcast against x."""
        return (None if w is None else w.reshape(shape), None if b is None else b.reshape(shape))

    def _affine(self, x_hat: np.ndarray, w: np.ndarray | None, b: np.ndarray | None) -> np.ndarray:
        y = x_hat * w if w is not None else x_hat.copy()
        if b is not None:
            y += b
        return y

    def _param_grads(
        self, gw: Callable[[], np.ndarray], gb: Callable[[], np.ndarray]
    ) -> list[np.ndarray | None]:
        """The gradients of the weight and bias, computed only if needed: dL/dw =
        sum(dL/dy * x_hat), dL/db = sum(dL/dy) over the axes they broadcast on."""
        needs = self.needs_input_grad
        return [gw() if needs[1] else None, gb() if needs[2] else None]


class BatchNorm(_Affine):
    """Batch normalisation over every axis but the channel axis 1 (see the module docstring),
    on x viewed as (N, C, L).

    In training mode the batch statistics normalise x and, when running statistics are
    given, update them in place: running = (1 - momentum) * running + momentum * batch
    (the unbiased variance m / (m - 1) * var for running_var). In evaluation mode the
    running statistics normalise x.

    Speed: x_hat is scaled in place and the backward builds dL/dx in place in one array.
    """

    def forward(
        self,
        x: np.ndarray,
        weight: np.ndarray | None,
        bias: np.ndarray | None,
        *,
        running_mean: np.ndarray | None,
        running_var: np.ndarray | None,
        training: bool,
        momentum: float,
        eps: float,
    ) -> np.ndarray:
        self.training = training
        x3 = x.reshape(x.shape[0], x.shape[1], -1)
        m = x3.shape[0] * x3.shape[2]
        if training:
            mean = _channel_sum(x3) / m
            x_hat = x3 - mean[:, None]
            var = _channel_sum(np.square(x_hat)) / m
            inv_std = 1.0 / np.sqrt(var + eps)
            x_hat *= inv_std[:, None]
            if running_mean is not None and running_var is not None:
                running_mean *= 1.0 - momentum
                running_mean += momentum * mean
                running_var *= 1.0 - momentum
                running_var += (momentum * m / (m - 1)) * var
        else:
            inv_std = 1.0 / np.sqrt(running_var + eps)
            x_hat = (x3 - running_mean[:, None]) * inv_std[:, None]
        w, b = self._unpack(weight, bias, (-1, 1))
        self.save_for_backward(x_hat, inv_std, w)
        return self._affine(x_hat, w, b).reshape(x.shape)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        """dL/dx = w * inv_std * (g - sum(g) / m - x_hat * sum(g * x_hat) / m) in training
        (the module docstring's formula with w per channel taken out of the means), and
        dL/dx = g * w * inv_std in evaluation. The two sums are also dL/db and dL/dw."""
        x_hat, inv_std, w = self.saved_values
        g3 = g.reshape(x_hat.shape)
        m = x_hat.shape[0] * x_hat.shape[2]
        sum_g = _channel_sum(g3)
        sum_gx = _channel_sum(g3 * x_hat)
        gx = None
        if self.needs_input_grad[0]:
            scale = (inv_std[:, None] * w) if w is not None else inv_std[:, None]
            if self.training:
                gx = x_hat * (sum_gx / m)[:, None]
                np.subtract(g3, gx, out=gx)
                gx -= (sum_g / m)[:, None]
                gx *= scale
            else:
                gx = g3 * scale
            gx = gx.reshape(g.shape)
        return (gx, *self._param_grads(lambda: sum_gx, lambda: sum_g))


class LayerNorm(_Affine):
    """Normalisation over the last ``n`` axes of each sample, on x viewed as (rows, D);
    w and b have those axes' shape (D values, elementwise)."""

    def forward(
        self, x: np.ndarray, weight: np.ndarray | None, bias: np.ndarray | None, *, n: int,
        eps: float,
    ) -> np.ndarray:  # fmt: skip
        self.norm_shape = x.shape[x.ndim - n :]
        d = math.prod(self.norm_shape)
        x_hat, inv_std = _standardize_rows(x.reshape(-1, d), eps)
        w, b = self._unpack(weight, bias, (d,))
        self.save_for_backward(x_hat, inv_std, w)
        return self._affine(x_hat, w, b).reshape(x.shape)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        """dL/dx by the formula of the module docstring, means over each row."""
        x_hat, inv_std, w = self.saved_values
        g2 = g.reshape(x_hat.shape)
        gx = None
        if self.needs_input_grad[0]:
            g_hat = g2 * w if w is not None else g2
            gx = _standardize_rows_backward(g_hat, x_hat, inv_std).reshape(g.shape)
        shape = self.norm_shape
        return (
            gx,
            *self._param_grads(
                lambda: _colsum(g2 * x_hat).reshape(shape), lambda: _colsum(g2).reshape(shape)
            ),
        )


class GroupNorm(_Affine):
    """Normalisation of each sample over groups of C / G channels (and all their positions);
    w and b are per channel. x of shape (N, C, *) is viewed as (N * G, C / G * prod(*)) for
    the statistics and as (N, C, prod(*)) for the affine map."""

    def forward(
        self, x: np.ndarray, weight: np.ndarray | None, bias: np.ndarray | None, *,
        num_groups: int, eps: float,
    ) -> np.ndarray:  # fmt: skip
        n, c = x.shape[:2]
        x_hat, inv_std = _standardize_rows(x.reshape(n * num_groups, -1), eps)
        x_hat = x_hat.reshape(n, c, -1)
        w, b = self._unpack(weight, bias, (-1, 1))
        self.save_for_backward(x_hat, inv_std, w)
        return self._affine(x_hat, w, b).reshape(x.shape)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        """dL/dx by the formula of the module docstring, means over each (sample, group)."""
        x_hat, inv_std, w = self.saved_values
        g3 = g.reshape(x_hat.shape)
        rows = len(inv_std)
        gx = None
        if self.needs_input_grad[0]:
            g_hat = g3 * w if w is not None else g3
            gx = _standardize_rows_backward(
                g_hat.reshape(rows, -1), x_hat.reshape(rows, -1), inv_std
            ).reshape(g.shape)
        return (
            gx,
            *self._param_grads(lambda: _channel_sum(g3 * x_hat), lambda: _channel_sum(g3)),
        )


def _check_affine(
    name: str, x: Any, weight: Any, bias: Any, shape: tuple[int, ...], what: str
) -> None:
    """Check the optional weight and bias against ``shape`` and the input's dtype."""
    if x.dtype.kind != "f":
        raise TypeError(f"{name}: expected a floating point input, got dtype {x.dtype}")
    for arg, p in (("weight", weight), ("bias", bias)):
        if p is None:
            continue
        if tuple(p.shape) != shape:
            raise ValueError(
                f"{name}: {arg} of shape {tuple(p.shape)} does not match {what} {shape}"
            )
        if p.dtype != x.dtype:
            raise TypeError(f"{name}: {arg} has dtype {p.dtype} but the input has {x.dtype}")


def batch_norm(
    input: Any,
    running_mean: Any,
    running_var: Any,
    weight: Any = None,
    bias: Any = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Any:
    """Batch normalisation of ``input`` (N, C, *) per channel, as ``torch.nn.functional``.

    y = (x - mean) / sqrt(var + eps) * weight + bias, with the batch's mean and biased
    variance when ``training`` (updating ``running_mean`` / ``running_var`` in place with
    ``momentum`` if they are given) and the running statistics otherwise.

    Shape: input (N, C) or (N, C, *); running stats, weight, bias (C,).
    """
    if input.ndim < 2:
        raise ValueError(
            f"batch_norm: expected an input of shape (N, C, *), got shape {tuple(input.shape)}"
        )
    c = input.shape[1]
    _check_affine("batch_norm", input, weight, bias, (c,), "the channels")
    for arg, r in (("running_mean", running_mean), ("running_var", running_var)):
        if r is None:
            continue
        if tuple(r.shape) != (c,):
            raise ValueError(
                f"batch_norm: {arg} of shape {tuple(r.shape)} does not match the {c} channels "
                f"of the input of shape {tuple(input.shape)}"
            )
        if r.dtype != input.dtype:
            raise TypeError(
                f"batch_norm: {arg} has dtype {r.dtype} but the input has {input.dtype}"
            )
    if training and input.numel() // max(c, 1) <= 1:
        raise ValueError(
            f"batch_norm: expected more than 1 value per channel when training, got input of "
            f"shape {tuple(input.shape)}"
        )
    if not training and (running_mean is None or running_var is None):
        raise ValueError("batch_norm: running_mean and running_var are needed when not training")
    out = BatchNorm.apply(
        input,
        weight,
        bias,
        running_mean=None if running_mean is None else running_mean._data,
        running_var=None if running_var is None else running_var._data,
        training=training,
        momentum=float(momentum),
        eps=float(eps),
    )
    if training:
        for r in (running_mean, running_var):
            if r is not None:
                r._version[0] += 1
    return out


def layer_norm(
    input: Any,
    normalized_shape: int | Sequence[int],
    weight: Any = None,
    bias: Any = None,
    eps: float = 1e-5,
) -> Any:
    """Layer normalisation over the trailing dims ``normalized_shape`` of each sample.

    y = (x - mean) / sqrt(var + eps) * weight + bias, mean and biased var over those dims.

    Shape: input (*, *normalized_shape); weight, bias normalized_shape.
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape
    shape = tuple(int(n) for n in shape)
    n = len(shape)
    if n == 0 or input.ndim < n or tuple(input.shape[input.ndim - n :]) != shape:
        raise ValueError(
            f"layer_norm: given normalized_shape={list(shape)}, expected an input of shape "
            f"(*, {', '.join(map(str, shape))}), got shape {tuple(input.shape)}"
        )
    _check_affine("layer_norm", input, weight, bias, shape, "normalized_shape")
    return LayerNorm.apply(input, weight, bias, n=n, eps=float(eps))


def check_groups(name: str, channels: int, num_groups: Any, what: str) -> None:
    """GroupNorm's one check: num_groups a positive int that divides the channels (called
    by nn.GroupNorm at construction and by group_norm on every call)."""
    if (
        not isinstance(num_groups, int | np.integer)
        or isinstance(num_groups, bool)
        or num_groups < 1
    ):
        raise ValueError(f"{name}: num_groups must be a positive integer, got {num_groups!r}")
    if channels % num_groups:
        raise ValueError(
            f"{name}: {what} ({channels}) can not be split into num_groups={num_groups} groups "
            "(must be divisible by num_groups)"
        )


def group_norm(
    input: Any, num_groups: int, weight: Any = None, bias: Any = None, eps: float = 1e-5
) -> Any:
    """Group normalisation: the channels of each sample split into ``num_groups`` groups, each
    normalised over its channels and positions, then a per-channel affine map.

    Shape: input (N, C, *) with C divisible by num_groups; weight, bias (C,).
    """
    if input.ndim < 2:
        raise ValueError(
            f"group_norm: expected an input of shape (N, C, *), got shape {tuple(input.shape)}"
        )
    c = input.shape[1]
    check_groups("group_norm", c, num_groups, f"the channels of the input {tuple(input.shape)}")
    _check_affine("group_norm", input, weight, bias, (c,), "the channels")
    return GroupNorm.apply(input, weight, bias, num_groups=int(num_groups), eps=float(eps))
