"""The fast paths of retroprop/ops against plain textbook implementations kept here.

The ops take shortcuts for speed (as_strided patches and one GEMM for a convolution, gate
reordering and tanh-based sigmoids in the LSTM and GRU, dz computed in place, strided views for
pooling, in-place normalisation and softmax). Each textbook version below is written from the
definition, in float64, for clarity and not speed: loops over output positions, kernel
positions and time steps. Forward values and gradients of L = sum_k <output_k, G_k> (random
G_k) are compared; the textbook gradient comes from central finite differences of the textbook
forward, or, for the convolutions, from the adjoint of each term of their defining sum.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import pytest

import retroprop as rp
from retroprop.ops import attention as A
from retroprop.ops import conv as C
from retroprop.ops import normalization as N
from retroprop.ops import pool as P
from retroprop.ops import recurrent as R

EXACT = {"rtol": 1e-10, "atol": 1e-12}  # two exact computations of one value
NUMERIC = {"rtol": 1e-6, "atol": 1e-8}  # an exact gradient vs central differences


# ---------------------------------------------------------------------------------------------
# comparison helpers


def _tensor(a: np.ndarray, requires_grad: bool = False) -> rp.Tensor:
    return rp.Tensor(a, dtype=a.dtype, requires_grad=requires_grad)


def fast_path(
    fn: Callable[..., object], arrays: Sequence[np.ndarray], g_out: Sequence[np.ndarray]
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """retroprop's outputs of ``fn`` and the gradients of L = sum_k <out_k, g_out_k>."""
    xs = [_tensor(a, requires_grad=True) for a in arrays]
    outs = fn(*xs)
    outs = list(outs) if isinstance(outs, tuple | list) else [outs]
    loss = sum(((o * _tensor(g)).sum() for o, g in zip(outs, g_out)), start=0)
    loss.backward()
    return [o.detach().numpy() for o in outs], [x.grad.numpy() for x in xs]


def _loss(
    fn: Callable[..., object], arrays: Sequence[np.ndarray], g_out: Sequence[np.ndarray]
) -> float:
    outs = fn(*arrays)
    outs = outs if isinstance(outs, tuple | list) else [outs]
    return sum(float(np.sum(o * g)) for o, g in zip(outs, g_out))


def numerical_grads(
    fn: Callable[..., object],
    arrays: Sequence[np.ndarray],
    g_out: Sequence[np.ndarray],
    eps: float = 1e-6,
) -> list[np.ndarray]:
    """dL/da for every array, L = sum_k <fn(*arrays)_k, g_out_k>, by central differences
    (L(a + eps e_i) - L(a - eps e_i)) / (2 eps) on each entry i."""
    arrays = [a.copy() for a in arrays]
    grads = []
    for a in arrays:
        grad = np.zeros_like(a)
        for i in np.ndindex(a.shape):
            old = a[i]
            a[i] = old + eps
            up = _loss(fn, arrays, g_out)
            a[i] = old - eps
            down = _loss(fn, arrays, g_out)
            a[i] = old
            grad[i] = (up - down) / (2 * eps)
        grads.append(grad)
    return grads


def assert_all_close(got: Sequence[np.ndarray], want: Sequence[np.ndarray], what: str, tol: dict):
    assert len(got) == len(want)
    for k, (g, w) in enumerate(zip(got, want)):
        assert g.shape == w.shape, f"{what} {k}: shape {g.shape} vs textbook {w.shape}"
        np.testing.assert_allclose(g, w, err_msg=f"{what} {k}", **tol)


def check_against_textbook(
    fast: Callable[..., object],
    textbook: Callable[..., object],
    arrays: Sequence[np.ndarray],
    seed: int = 0,
) -> None:
    """Forward values equal to rounding, gradients equal to the textbook's finite differences."""
    want = textbook(*arrays)
    want = list(want) if isinstance(want, tuple | list) else [want]
    rng = np.random.default_rng(seed)
    g_out = [rng.standard_normal(w.shape) for w in want]
    outs, grads = fast_path(fast, arrays, g_out)
    assert_all_close(outs, want, "output", EXACT)
    assert_all_close(grads, numerical_grads(textbook, arrays, g_out), "gradient of input", NUMERIC)


def _randn(rng: np.random.Generator, *shapes: tuple[int, ...], scale: float = 1.0):
    return [scale * rng.standard_normal(s) for s in shapes]


# ---------------------------------------------------------------------------------------------
# convolutions by their defining sums
#
# Both convolutions are sums of terms y[n, Y] += w[W] * x[n, X], listed once as index triples
# (Y, W, X). The derivative of each term is the product rule: it sends g[n, Y] * w[W] to
# dL/dx[n, X] and sum_n g[n, Y] * x[n, X] to dL/dw[W] (so dL/dx is a scatter-add).


def _inside(r: int, q: int, h: int, w: int) -> bool:
    return 0 <= r < h and 0 <= q < w


def conv_terms(x_shape, w_shape, stride, pads, dilation, groups):
    """Output shape and terms of y[n, o, yy, xx] = sum_{c,i,j} w[o, c, i, j]
    x[n, g C/G + c, s yy + d i - p, s xx + d j - p] (zero outside x), g = o // (O/G);
    ``pads`` is ((top, bottom), (left, right))."""
    n, _, h, w = x_shape
    o_all, c_group, kh, kw = w_shape
    (sh, sw), (dh, dw) = stride, dilation
    (top, bottom), (left, right) = pads
    ho = (h + top + bottom - dh * (kh - 1) - 1) // sh + 1
    wo = (w + left + right - dw * (kw - 1) - 1) // sw + 1
    terms = []
    for o in range(o_all):
        g = o // (o_all // groups)
        for yy in range(ho):
            for xx in range(wo):
                for c in range(c_group):
                    for i in range(kh):
                        for j in range(kw):
                            r, q = sh * yy + dh * i - top, sw * xx + dw * j - left
                            if _inside(r, q, h, w):
                                terms.append(((o, yy, xx), (o, c, i, j), (g * c_group + c, r, q)))
    return (n, o_all, ho, wo), terms


def conv_transpose_terms(x_shape, w_shape, stride, padding, output_padding, dilation, groups):
    """Output shape and terms of the transposed convolution: every input pixel scatters the
    kernel times its value, y[n, g O/G + o, s yy + d i - p, s xx + d j - p] +=
    x[n, c, yy, xx] w[c, o, i, j], g = c // (C/G)."""
    n, c_all, hi, wi = x_shape
    _, o_group, kh, kw = w_shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    h = (hi - 1) * sh - 2 * ph + dh * (kh - 1) + output_padding[0] + 1
    w = (wi - 1) * sw - 2 * pw + dw * (kw - 1) + output_padding[1] + 1
    terms = []
    for c in range(c_all):
        g = c // (c_all // groups)
        for yy in range(hi):
            for xx in range(wi):
                for o in range(o_group):
                    for i in range(kh):
                        for j in range(kw):
                            r, q = sh * yy + dh * i - ph, sw * xx + dw * j - pw
                            if _inside(r, q, h, w):
                                terms.append(((g * o_group + o, r, q), (c, o, i, j), (c, yy, xx)))
    return (n, o_group * groups, h, w), terms


def apply_terms(terms, y_shape, x, w, b):
    """y = b + sum over the terms of w[W] * x[:, X]."""
    y = np.zeros(y_shape)
    for yi, wi, xi in terms:
        y[(slice(None), *yi)] += w[wi] * x[(slice(None), *xi)]
    if b is not None:
        y += b[:, None, None]
    return y


def terms_adjoint(terms, x, w, g):
    """dL/dx, dL/dw, dL/db of L = <y, g> for y = apply_terms(...), term by term."""
    gx, gw = np.zeros_like(x), np.zeros_like(w)
    for yi, wi, xi in terms:
        gy = g[(slice(None), *yi)]
        gx[(slice(None), *xi)] += gy * w[wi]
        gw[wi] += gy @ x[(slice(None), *xi)]
    return gx, gw, g.sum(axis=(0, 2, 3))


def check_bilinear(fast, y_shape, terms, x, w, b, seed=0):
    """Forward and gradients of a convolution against its terms (exact: no differences)."""
    want = apply_terms(terms, y_shape, x, w, b)
    g = np.random.default_rng(seed).standard_normal(want.shape)
    arrays = [x, w] if b is None else [x, w, b]
    outs, grads = fast_path(fast, arrays, [g])
    assert_all_close(outs, [want], "output", EXACT)
    assert_all_close(grads, list(terms_adjoint(terms, x, w, g))[: len(arrays)], "gradient", EXACT)


def test_textbook_convolution_gradient_is_right_by_finite_differences():
    rng = np.random.default_rng(0)
    x, w, b = _randn(rng, (2, 4, 4, 3), (2, 2, 2, 2), (2,))
    shape, terms = conv_terms(x.shape, w.shape, (2, 1), ((1, 0), (1, 1)), (1, 2), 2)
    g = rng.standard_normal(shape)
    assert_all_close(
        terms_adjoint(terms, x, w, g),
        numerical_grads(lambda *a: apply_terms(terms, shape, *a), [x, w, b], [g]),
        "gradient of input",
        NUMERIC,
    )


CONV_CASES = {
    # name: (x shape, w shape, stride, padding, dilation, groups)
    "stride 1 (wide rows)": ((2, 3, 5, 6), (4, 3, 3, 2), (1, 1), (0, 0), (1, 1), 1),
    "stride 1, padding": ((2, 3, 5, 4), (2, 3, 3, 3), (1, 1), (1, 2), (1, 1), 1),
    "stride 2x1, padding": ((2, 2, 6, 5), (3, 2, 3, 2), (2, 1), (1, 0), (1, 1), 1),
    "stride 2, dilation 2": ((1, 2, 7, 7), (2, 2, 2, 3), (2, 2), (1, 1), (2, 2), 1),
    "groups 2, dilation": ((2, 4, 6, 5), (4, 2, 2, 2), (1, 1), (1, 0), (2, 1), 2),
    "depthwise, stride 3": ((2, 3, 7, 6), (3, 1, 3, 3), (3, 2), (1, 1), (1, 1), 3),
}


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("case", CONV_CASES.values(), ids=CONV_CASES.keys())
def test_conv2d_equals_the_direct_sum_over_channels_and_kernel_positions(case, bias):
    x_shape, w_shape, stride, padding, dilation, groups = case
    rng = np.random.default_rng(1)
    x, w, b = _randn(rng, x_shape, w_shape, (w_shape[0],))
    b = b if bias else None
    pads = tuple((p, p) for p in padding)
    shape, terms = conv_terms(x_shape, w_shape, stride, pads, dilation, groups)
    opts = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    check_bilinear(lambda *a: C.conv2d(*a, **opts), shape, terms, x, w, b)


def test_conv2d_same_padding_pads_more_after_than_before_for_an_even_kernel():
    rng = np.random.default_rng(2)
    x, w, b = _randn(rng, (2, 2, 5, 4), (3, 2, 2, 4), (3,))
    shape, terms = conv_terms(x.shape, w.shape, (1, 1), ((0, 1), (1, 2)), (1, 1), 1)
    assert shape[2:] == x.shape[2:]
    check_bilinear(lambda *a: C.conv2d(*a, padding="same"), shape, terms, x, w, b)


@pytest.mark.parametrize("stride, padding, dilation", [(1, 1, 1), (2, 0, 1), (2, 1, 3)])
def test_conv1d_equals_the_direct_sum(stride, padding, dilation):
    rng = np.random.default_rng(3)
    x, w, b = _randn(rng, (2, 4, 9), (2, 2, 3), (2,))
    shape, terms = conv_terms(
        (2, 4, 1, 9), (2, 2, 1, 3), (1, stride), ((0, 0), (padding, padding)), (1, dilation), 2
    )
    opts = {"stride": stride, "padding": padding, "dilation": dilation, "groups": 2}
    want = apply_terms(terms, shape, x[:, :, None], w[:, :, None], b)[:, :, 0]
    g = rng.standard_normal(want.shape)
    outs, grads = fast_path(lambda *a: C.conv1d(*a, **opts), [x, w, b], [g])
    gx, gw, gb = terms_adjoint(terms, x[:, :, None], w[:, :, None], g[:, :, None])
    assert_all_close(outs, [want], "output", EXACT)
    assert_all_close(grads, [gx[:, :, 0], gw[:, :, 0], gb], "gradient", EXACT)


TRANSPOSE_CASES = {
    # name: (x shape, w shape, stride, padding, output_padding, dilation, groups)
    "stride 1": ((2, 3, 4, 3), (3, 2, 3, 2), (1, 1), (0, 0), (0, 0), (1, 1), 1),
    "stride 2, padding, output_padding": (
        (2, 2, 3, 4), (2, 3, 3, 3), (2, 2), (1, 1), (1, 0), (1, 1), 1,
    ),
    "stride 3x2, dilation": ((1, 2, 3, 3), (2, 2, 2, 3), (3, 2), (0, 1), (0, 1), (2, 1), 1),
    "groups 2": ((2, 4, 3, 3), (4, 1, 2, 2), (2, 1), (0, 0), (1, 0), (1, 2), 2),
    "output_padding < dilation": ((1, 2, 3, 2), (2, 1, 2, 2), (1, 1), (0, 0), (1, 1), (2, 2), 1),
}  # fmt: skip


@pytest.mark.parametrize("case", TRANSPOSE_CASES.values(), ids=TRANSPOSE_CASES.keys())
def test_conv_transpose2d_equals_the_scatter_add_of_every_input_pixel(case):
    x_shape, w_shape, stride, padding, out_pad, dilation, groups = case
    rng = np.random.default_rng(4)
    x, w, b = _randn(rng, x_shape, w_shape, (w_shape[1] * groups,))
    shape, terms = conv_transpose_terms(
        x_shape, w_shape, stride, padding, out_pad, dilation, groups
    )
    opts = {
        "stride": stride, "padding": padding, "output_padding": out_pad, "dilation": dilation,
        "groups": groups,
    }  # fmt: skip
    check_bilinear(lambda *a: C.conv_transpose2d(*a, **opts), shape, terms, x, w, b)


def test_conv_transpose1d_equals_the_scatter_add():
    rng = np.random.default_rng(5)
    x, w, b = _randn(rng, (2, 2, 5), (2, 3, 3), (3,))
    shape, terms = conv_transpose_terms(
        (2, 2, 1, 5), (2, 3, 1, 3), (1, 2), (0, 1), (0, 1), (1, 1), 1
    )
    want = apply_terms(terms, shape, x[:, :, None], w[:, :, None], b)[:, :, 0]
    g = rng.standard_normal(want.shape)
    outs, grads = fast_path(
        lambda *a: C.conv_transpose1d(*a, stride=2, padding=1, output_padding=1), [x, w, b], [g]
    )
    gx, gw, gb = terms_adjoint(terms, x[:, :, None], w[:, :, None], g[:, :, None])
    assert_all_close(outs, [want], "output", EXACT)
    assert_all_close(grads, [gx[:, :, 0], gw[:, :, 0], gb], "gradient", EXACT)


# ---------------------------------------------------------------------------------------------
# recurrent layers, one step at a time, PyTorch's gate order


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def rnn_step(x, h, w_ih, w_hh, b_ih, b_hh, nonlinearity):
    """h' = act(W_ih x + b_ih + W_hh h + b_hh)."""
    z = x @ w_ih.T + h @ w_hh.T
    if b_ih is not None:
        z = z + b_ih + b_hh
    return np.tanh(z) if nonlinearity == "tanh" else np.maximum(z, 0.0)


def gru_step(x, h, w_ih, w_hh, b_ih, b_hh):
    """r = sigma(W_ir x + b_ir + W_hr h + b_hr), z = sigma(W_iz x + b_iz + W_hz h + b_hz),
    n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = (1 - z) * n + z * h."""
    w_ir, w_iz, w_in = np.split(w_ih, 3)
    w_hr, w_hz, w_hn = np.split(w_hh, 3)
    b_ir, b_iz, b_in = np.split(b_ih, 3) if b_ih is not None else (0.0, 0.0, 0.0)
    b_hr, b_hz, b_hn = np.split(b_hh, 3) if b_hh is not None else (0.0, 0.0, 0.0)
    r = sigmoid(x @ w_ir.T + b_ir + h @ w_hr.T + b_hr)
    z = sigmoid(x @ w_iz.T + b_iz + h @ w_hz.T + b_hz)
    n = np.tanh(x @ w_in.T + b_in + r * (h @ w_hn.T + b_hn))
    return (1 - z) * n + z * h


def lstm_step(x, h, c, w_ih, w_hh, b_ih, b_hh):
    """i, f, g, o = sigma, sigma, tanh, sigma of W_i* x + b_i* + W_h* h + b_h* (in that order
    in the weights); c' = f * c + i * g, h' = o * tanh(c')."""
    pre = x @ w_ih.T + h @ w_hh.T
    if b_ih is not None:
        pre = pre + b_ih + b_hh
    a_i, a_f, a_g, a_o = np.split(pre, 4, axis=-1)
    i, f, g, o = sigmoid(a_i), sigmoid(a_f), np.tanh(a_g), sigmoid(a_o)
    c_new = f * c + i * g
    return o * np.tanh(c_new), c_new


def run_sequence(step, x, states, reverse):
    """(outputs (T, B, H), final states) of ``step`` over x (T, B, I), from t = 0 or from
    t = T - 1 backwards; outputs[t] is the hidden state after reading x[t]."""
    t_all = len(x)
    outputs = [None] * t_all
    for t in reversed(range(t_all)) if reverse else range(t_all):
        new = step(x[t], *states)
        states = new if isinstance(new, tuple) else (new,)
        outputs[t] = states[0]
    return np.stack(outputs), states


def _recurrent_arrays(seed, gates, n_states, bias, scale, t=4, b=2, i=3, h=3):
    rng = np.random.default_rng(seed)
    shapes = [(t, b, i)] + [(b, h)] * n_states + [(gates * h, i), (gates * h, h)]
    shapes += [(gates * h,), (gates * h,)] if bias else []
    arrays = _randn(rng, *shapes)
    return [a * scale if k > n_states else a for k, a in enumerate(arrays)]


def _split_weights(w, bias):
    return (*w, None, None) if not bias else tuple(w)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("bias", [True, False])
def test_rnn_sequence_equals_the_step_by_step_recurrence(nonlinearity, reverse, bias):
    arrays = _recurrent_arrays(6, 1, 1, bias, 0.6)

    def fast(x, h0, *w):
        return R.rnn_sequence(
            x, h0, *_split_weights(w, bias), nonlinearity=nonlinearity, reverse=reverse
        )

    def textbook(x, h0, *w):
        w_ih, w_hh, b_ih, b_hh = _split_weights(w, bias)

        def step(x_t, h):
            return rnn_step(x_t, h, w_ih, w_hh, b_ih, b_hh, nonlinearity)

        out, (h_t,) = run_sequence(step, x, (h0,), reverse)
        return out, h_t

    check_against_textbook(fast, textbook, arrays)


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("scale", [0.6, 3.0], ids=["moderate", "saturated"])
def test_gru_sequence_equals_the_step_by_step_recurrence(reverse, bias, scale):
    arrays = _recurrent_arrays(7, 3, 1, bias, scale)

    def fast(x, h0, *w):
        return R.gru_sequence(x, h0, *_split_weights(w, bias), reverse=reverse)

    def textbook(x, h0, *w):
        params = _split_weights(w, bias)
        out, (h_t,) = run_sequence(lambda x_t, h: gru_step(x_t, h, *params), x, (h0,), reverse)
        return out, h_t

    check_against_textbook(fast, textbook, arrays)


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("scale", [0.6, 3.0], ids=["moderate", "saturated"])
def test_lstm_sequence_equals_the_step_by_step_recurrence(reverse, bias, scale):
    arrays = _recurrent_arrays(8, 4, 2, bias, scale)

    def fast(x, h0, c0, *w):
        return R.lstm_sequence(x, h0, c0, *_split_weights(w, bias), reverse=reverse)

    def textbook(x, h0, c0, *w):
        params = _split_weights(w, bias)
        out, (h_t, c_t) = run_sequence(
            lambda x_t, h, c: lstm_step(x_t, h, c, *params), x, (h0, c0), reverse
        )
        return out, h_t, c_t

    check_against_textbook(fast, textbook, arrays)


# ---------------------------------------------------------------------------------------------
# pooling and nearest resampling, window by window


def pool_size(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's documented output size; in ceil mode the last window must start inside the
    input or the left padding."""
    span = (n + 2 * p - d * (k - 1) - 1) / s
    out = (math.ceil(span) if ceil_mode else math.floor(span)) + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def max_pool2d_direct(x, kernel, stride, padding, dilation, ceil_mode):
    """y[n, c, yy, xx] = max over (i, j) of x[n, c, s yy + d i - p, s xx + d j - p], the
    positions outside x left out (padding counts as -inf)."""
    n, c, h, w = x.shape
    ho, wo = (pool_size(*a, ceil_mode) for a in zip((h, w), kernel, stride, padding, dilation))
    y = np.full((n, c, ho, wo), -np.inf)
    for yy in range(ho):
        for xx in range(wo):
            for i in range(kernel[0]):
                for j in range(kernel[1]):
                    r = stride[0] * yy + dilation[0] * i - padding[0]
                    q = stride[1] * xx + dilation[1] * j - padding[1]
                    if _inside(r, q, h, w):
                        y[:, :, yy, xx] = np.maximum(y[:, :, yy, xx], x[:, :, r, q])
    return y


def avg_pool2d_direct(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor):
    """y[n, c, yy, xx] = (sum of the window's pixels of x) / divisor, the divisor being the
    window's size inside the padded input (count_include_pad) or inside x, unless given."""
    n, c, h, w = x.shape
    ho, wo = (pool_size(*a, 1, ceil_mode) for a in zip((h, w), kernel, stride, padding))
    y = np.zeros((n, c, ho, wo))
    for yy in range(ho):
        for xx in range(wo):
            total, count_padded, count_inside = 0.0, 0, 0
            for i in range(kernel[0]):
                for j in range(kernel[1]):
                    r, q = stride[0] * yy + i - padding[0], stride[1] * xx + j - padding[1]
                    if -padding[0] <= r < h + padding[0] and -padding[1] <= q < w + padding[1]:
                        count_padded += 1
                    if _inside(r, q, h, w):
                        total = total + x[:, :, r, q]
                        count_inside += 1
            count = count_padded if count_include_pad else count_inside
            y[:, :, yy, xx] = total / (divisor or count)
    return y


POOL_CASES = {
    # name: (x shape, kernel, stride, padding, dilation, ceil_mode)
    "2x2 stride 2": ((2, 2, 6, 6), (2, 2), (2, 2), (0, 0), (1, 1), False),
    "3x3 stride 1, padding (overlapping)": ((2, 2, 5, 4), (3, 3), (1, 1), (1, 1), (1, 1), False),
    "3x2 stride 2x1, ceil mode": ((1, 3, 6, 5), (3, 2), (2, 1), (1, 0), (1, 1), True),
    "dilation 2": ((2, 2, 7, 6), (2, 3), (1, 2), (0, 1), (2, 1), False),
}


@pytest.mark.parametrize("case", POOL_CASES.values(), ids=POOL_CASES.keys())
def test_max_pool2d_equals_the_max_of_each_window(case):
    shape, kernel, stride, padding, dilation, ceil_mode = case
    # continuous random values: no ties, so the maximum is differentiable
    x = np.random.default_rng(9).standard_normal(shape)
    opts = (kernel, stride, padding, dilation, ceil_mode)
    check_against_textbook(
        lambda x: P.max_pool2d(x, *opts), lambda x: max_pool2d_direct(x, *opts), [x]
    )


def test_max_pool1d_equals_the_max_of_each_window():
    x = np.random.default_rng(10).standard_normal((2, 3, 9))
    check_against_textbook(
        lambda x: P.max_pool1d(x, 3, 2, 1, 2, True),
        lambda x: max_pool2d_direct(x[:, :, None], (1, 3), (1, 2), (0, 1), (1, 2), True)[:, :, 0],
        [x],
    )


@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize("divisor", [None, 5])
@pytest.mark.parametrize("case", POOL_CASES.values(), ids=POOL_CASES.keys())
def test_avg_pool2d_equals_the_mean_of_each_window(case, count_include_pad, divisor):
    shape, kernel, stride, padding, _, ceil_mode = case
    x = np.random.default_rng(11).standard_normal(shape)
    opts = (kernel, stride, padding, ceil_mode, count_include_pad)
    check_against_textbook(
        lambda x: P.avg_pool2d(x, *opts, divisor_override=divisor),
        lambda x: avg_pool2d_direct(x, *opts, divisor),
        [x],
    )


def adaptive_avg_pool2d_direct(x, out):
    """y[..., a, b] = mean of x[..., rows, cols] over the bins [floor(a H / out_h),
    ceil((a + 1) H / out_h)) x (the same along W)."""
    h, w = x.shape[2:]
    y = np.zeros(x.shape[:2] + tuple(out))
    for a in range(out[0]):
        for b in range(out[1]):
            r0, r1 = (a * h) // out[0], math.ceil((a + 1) * h / out[0])
            q0, q1 = (b * w) // out[1], math.ceil((b + 1) * w / out[1])
            y[:, :, a, b] = x[:, :, r0:r1, q0:q1].mean(axis=(2, 3))
    return y


@pytest.mark.parametrize("out", [(3, 2), (4, 5), (1, 1)])
def test_adaptive_avg_pool2d_equals_the_mean_of_each_bin(out):
    x = np.random.default_rng(12).standard_normal((2, 2, 7, 5))
    check_against_textbook(
        lambda x: P.adaptive_avg_pool2d(x, out), lambda x: adaptive_avg_pool2d_direct(x, out), [x]
    )


def nearest_direct(x, out):
    """y[..., a, b] = x[..., floor(a H / out_h), floor(b W / out_w)]."""
    h, w = x.shape[2:]
    y = np.zeros(x.shape[:2] + tuple(out))
    for a in range(out[0]):
        for b in range(out[1]):
            y[:, :, a, b] = x[:, :, (a * h) // out[0], (b * w) // out[1]]
    return y


@pytest.mark.parametrize("out", [(5, 7), (6, 8), (2, 3)])
def test_nearest_interpolation_copies_the_nearest_source_pixel(out):
    x = np.random.default_rng(13).standard_normal((2, 2, 3, 4))
    check_against_textbook(
        lambda x: P.interpolate(x, size=out), lambda x: nearest_direct(x, out), [x]
    )


# ---------------------------------------------------------------------------------------------
# normalisation and attention, from their formulas


def standardize(x, axes, eps):
    """(x - mean) / sqrt(var + eps), mean and biased variance over ``axes``."""
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + eps)


@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_equals_the_formula(affine):
    rng = np.random.default_rng(14)
    x, w, b = _randn(rng, (2, 3, 2, 4), (2, 4), (2, 4))

    def textbook(x, *wb):
        y = standardize(x, (2, 3), 1e-5)
        return y * wb[0] + wb[1] if wb else y

    check_against_textbook(
        lambda x, *wb: N.layer_norm(x, (2, 4), *wb), textbook, [x, w, b] if affine else [x]
    )


@pytest.mark.parametrize("affine", [True, False])
def test_group_norm_equals_the_formula(affine):
    rng = np.random.default_rng(15)
    x, w, b = _randn(rng, (2, 6, 3, 2), (6,), (6,))

    def textbook(x, *wb):
        y = standardize(x.reshape(len(x), 3, -1), (2,), 1e-5).reshape(x.shape)
        return y * wb[0][:, None, None] + wb[1][:, None, None] if wb else y

    check_against_textbook(
        lambda x, *wb: N.group_norm(x, 3, *wb), textbook, [x, w, b] if affine else [x]
    )


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_equals_the_formula_and_updates_the_running_statistics(training):
    rng = np.random.default_rng(16)
    x, w, b = _randn(rng, (4, 3, 5), (3,), (3,))
    mean0, var0 = rng.standard_normal(3), rng.uniform(0.5, 2.0, 3)

    def textbook(x, w, b):
        if training:
            y = standardize(x, (0, 2), 1e-5)
        else:
            y = (x - mean0[:, None]) / np.sqrt(var0[:, None] + 1e-5)
        return y * w[:, None] + b[:, None]

    def fast(x, w, b):
        stats = _tensor(mean0.copy()), _tensor(var0.copy())
        return N.batch_norm(x, *stats, w, b, training=training, momentum=0.1)

    check_against_textbook(fast, textbook, [x, w, b])
    running = _tensor(mean0.copy()), _tensor(var0.copy())
    N.batch_norm(_tensor(x), *running, _tensor(w), _tensor(b), training=training, momentum=0.1)
    m = x.shape[0] * x.shape[2]
    batch_mean, batch_var = x.mean(axis=(0, 2)), x.var(axis=(0, 2)) * m / (m - 1)
    want = (
        (0.9 * mean0 + 0.1 * batch_mean, 0.9 * var0 + 0.1 * batch_var)
        if training
        else (mean0, var0)
    )
    assert_all_close([r.numpy() for r in running], list(want), "running statistic", EXACT)


def attention_direct(q, k, v, mask, scale, causal):
    """out[b, i] = sum_j a_j v[b, j] with a = softmax_j(scale q[b, i] . k[b, j] + mask[i, j]),
    keys j > i left out when causal; one query at a time."""
    out = np.zeros(q.shape[:-1] + v.shape[-1:])
    for b in range(q.shape[0]):
        for i in range(q.shape[1]):
            s = scale * (k[b] @ q[b, i]) + (mask[i] if mask is not None else 0.0)
            if causal:
                s = s[: i + 1]
            a = np.exp(s - s.max())
            a /= a.sum()
            out[b, i] = a @ v[b, : len(a)]
    return out


@pytest.mark.parametrize("kind", ["plain", "float mask", "causal"])
def test_scaled_dot_product_attention_equals_the_softmax_average_query_by_query(kind):
    rng = np.random.default_rng(17)
    q, k, v, mask = _randn(rng, (2, 4, 3), (2, 4, 3), (2, 4, 2), (4, 4))
    causal = kind == "causal"
    arrays = [q, k, v, mask] if kind == "float mask" else [q, k, v]

    def fast(q, k, v, mask=None):
        return A.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=causal, scale=0.7)

    def textbook(q, k, v, mask=None):
        return attention_direct(q, k, v, mask, 0.7, causal)

    check_against_textbook(fast, textbook, arrays)
