"""Pooling and nearest resampling against PyTorch and finite differences."""

import numpy as np
import pytest
import torch.nn.functional as TF
from hypothesis import assume, given
from hypothesis import strategies as st
from parity import assert_parity, check_grad

import retroprop as rp
from retroprop.ops import pool as P

TIGHT = {"rtol": 1e-9, "atol": 1e-10}


@st.composite
def windows(draw, avg=False):
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (1, 1) if avg else (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = tuple(draw(st.integers(0, kk // 2)) for kk in k)
    size = (draw(st.integers(1, 7)), draw(st.integers(1, 7)))
    for n, kk, p, d in zip(size, k, padding, dilation):
        assume(n + 2 * p >= d * (kk - 1) + 1)
    opts = dict(kernel_size=k, stride=stride, padding=padding, ceil_mode=draw(st.booleans()))
    if not avg:
        opts["dilation"] = dilation
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)), *size)
    return shape, opts, draw(st.integers(0, 2**16))


def _data(shape, seed, ties):
    x = np.random.default_rng(seed).standard_normal(shape)
    # rounded ReLU outputs: many equal values, so the tie rule matters
    return np.maximum(x, 0).round(1) if ties else x


@given(windows(), st.booleans())
def test_max_pool2d_matches_torch_ties_included(case, ties):
    shape, opts, seed = case
    x = _data(shape, seed, ties)
    # a window that sees only padding (possible with dilation) makes PyTorch's backward
    # write out of bounds and crash; such windows give -inf
    assume(np.isfinite(P.max_pool2d(rp.Tensor(x), **opts).numpy()).all())
    assert_parity(
        lambda x: P.max_pool2d(x, **opts), lambda x: TF.max_pool2d(x, **opts), [x], **TIGHT
    )


@given(windows(avg=True), st.booleans(), st.sampled_from([None, 3]))
def test_avg_pool2d_matches_torch(case, count_include_pad, divisor_override):
    shape, opts, seed = case
    opts.update(count_include_pad=count_include_pad, divisor_override=divisor_override)
    assert_parity(
        lambda x: P.avg_pool2d(x, **opts),
        lambda x: TF.avg_pool2d(x, **opts),
        [_data(shape, seed, False)],
        **TIGHT,
    )


@given(windows(), st.booleans())
def test_pool1d_matches_torch(case, count_include_pad):
    shape, opts, seed = case
    x = _data(shape[:2] + shape[3:], seed, True)
    one = {k: v[1] if isinstance(v, tuple) else v for k, v in opts.items()}
    assume(np.isfinite(P.max_pool1d(rp.Tensor(x), **one).numpy()).all())  # as above
    assert_parity(lambda x: P.max_pool1d(x, **one), lambda x: TF.max_pool1d(x, **one), [x], **TIGHT)
    one.pop("dilation")
    one["padding"] = min(one["padding"], one["kernel_size"] // 2)
    one["count_include_pad"] = count_include_pad
    assert_parity(lambda x: P.avg_pool1d(x, **one), lambda x: TF.avg_pool1d(x, **one), [x], **TIGHT)


@given(st.integers(1, 9), st.integers(1, 9), st.integers(1, 9), st.integers(1, 9))
def test_adaptive_avg_pool_matches_torch_divisible_or_not(h, w, oh, ow):
    x = _data((2, 3, h, w), h * 10 + w, False)
    assert_parity(
        lambda x: P.adaptive_avg_pool2d(x, (oh, ow)),
        lambda x: TF.adaptive_avg_pool2d(x, (oh, ow)),
        [x],
        **TIGHT,
    )
    assert_parity(
        lambda x: P.adaptive_avg_pool1d(x[0], ow),
        lambda x: TF.adaptive_avg_pool1d(x[0], ow),
        [x],
        **TIGHT,
    )


def test_adaptive_avg_pool2d_none_keeps_a_size_and_int_means_square():
    x = _data((2, 3, 6, 5), 0, False)
    for size in [(None, 2), 3, 1]:
        assert_parity(
            lambda x, s=size: P.adaptive_avg_pool2d(x, s),
            lambda x, s=size: TF.adaptive_avg_pool2d(x, s),
            [x],
            **TIGHT,
        )


@given(
    st.integers(1, 7),
    st.integers(1, 7),
    st.one_of(
        st.tuples(st.integers(1, 15), st.integers(1, 15)).map(lambda s: {"size": s}),
        st.tuples(st.floats(0.3, 3.5), st.floats(0.3, 3.5)).map(lambda f: {"scale_factor": f}),
        st.integers(1, 4).map(lambda f: {"scale_factor": f}),
    ),
    st.booleans(),
)
def test_interpolate_nearest_matches_torch(h, w, how, recompute):
    x = _data((2, 2, h, w), h + w, False)
    if "scale_factor" in how:
        sf = how["scale_factor"]
        assume(all(n * f >= 1 for n, f in zip((h, w), sf if isinstance(sf, tuple) else (sf, sf))))
        how = dict(how, recompute_scale_factor=recompute)
    assert_parity(
        lambda x: P.interpolate(x, **how), lambda x: TF.interpolate(x, **how), [x], **TIGHT
    )


def test_interpolate_nearest_1d_matches_torch():
    x = _data((2, 3, 5), 1, False)
    for how in [{"scale_factor": 3}, {"size": 12}, {"size": 2}, {"scale_factor": 0.6}]:
        assert_parity(
            lambda x, h=how: P.interpolate(x, **h),
            lambda x, h=how: TF.interpolate(x, **h),
            [x],
            **TIGHT,
        )


def test_float32_pooling_stays_float32_and_matches_torch():
    x = _data((4, 8, 26, 26), 2, True).astype(np.float32)
    for rp_fn, torch_fn in [
        (lambda x: P.max_pool2d(x, 2), lambda x: TF.max_pool2d(x, 2)),
        (lambda x: P.avg_pool2d(x, 3, 2, 1), lambda x: TF.avg_pool2d(x, 3, 2, 1)),
        (lambda x: P.adaptive_avg_pool2d(x, 5), lambda x: TF.adaptive_avg_pool2d(x, 5)),
        (lambda x: P.interpolate(x, scale_factor=2), lambda x: TF.interpolate(x, scale_factor=2)),
    ]:
        assert_parity(rp_fn, torch_fn, [x], rtol=1e-5, atol=1e-6)


def test_unbatched_pooling_matches_torch():
    x = _data((3, 6, 7), 3, False)
    assert_parity(lambda x: P.max_pool2d(x, 3, 2, 1), lambda x: TF.max_pool2d(x, 3, 2, 1), [x])
    assert_parity(lambda x: P.avg_pool1d(x, 2), lambda x: TF.avg_pool1d(x, 2), [x])


def test_pooling_passes_gradcheck():
    x = np.random.default_rng(4).permutation(60).reshape(1, 3, 4, 5) / 10  # distinct values
    check_grad(lambda x: P.max_pool2d(x, (2, 3), stride=1, padding=1), [x])
    check_grad(lambda x: P.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False), [x])
    check_grad(lambda x: P.adaptive_avg_pool2d(x, (3, 2)), [x])
    check_grad(lambda x: P.interpolate(x, scale_factor=(1.5, 0.5)), [x])


def test_1d_pooling_passes_gradcheck():
    x = np.random.default_rng(5).permutation(42).reshape(2, 3, 7) / 10  # distinct values
    check_grad(lambda x: P.max_pool1d(x, 3, stride=2, padding=1, dilation=2, ceil_mode=True), [x])
    check_grad(lambda x: P.avg_pool1d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False), [x])
    check_grad(lambda x: P.avg_pool1d(x, 2, 1), [x])
    check_grad(lambda x: P.adaptive_avg_pool1d(x, 3), [x])
    check_grad(lambda x: P.adaptive_avg_pool1d(x, 10), [x])
    check_grad(lambda x: P.interpolate(x, size=11), [x])
    check_grad(lambda x: P.interpolate(x, scale_factor=0.5), [x])


def _t(*shape, dtype=np.float32):
    return rp.Tensor(np.zeros(shape, dtype), dtype=dtype)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: P.max_pool2d(_t(8, 8), 2), ValueError, r"4-d .* got shape \(8, 8\)"),
        (lambda: P.max_pool2d(_t(1, 1, 3, 3), 2, padding=2), ValueError, "at most half"),
        (lambda: P.max_pool2d(_t(1, 1, 3, 3), 4), ValueError, r"too small .*output size \(0, 0\)"),
        (lambda: P.max_pool1d(_t(1, 2, 5), 0), ValueError, "kernel_size must be >= 1"),
        (lambda: P.avg_pool2d(_t(1, 1, 4, 4), (2, 2, 2)), ValueError, "kernel_size must be"),
        (lambda: P.avg_pool2d(_t(1, 1, 4, 4), 2, divisor_override=0), ValueError, "zero"),
        (
            lambda: P.max_pool2d(rp.Tensor(np.zeros((1, 1, 4, 4), np.int64)), 2),
            ValueError,
            "floating",
        ),
        (lambda: P.adaptive_avg_pool2d(_t(1, 1, 4, 4), (0, 2)), ValueError, "positive"),
        (lambda: P.avg_pool1d(_t(1, 2, 5), 2, padding=2), ValueError, "at most half"),
        (lambda: P.adaptive_avg_pool1d(_t(2, 2, 4, 4), 2), ValueError, r"3-d .*\(2, 2, 4, 4\)"),
        (lambda: P.adaptive_avg_pool2d(_t(1, 1, 4, 4), (1, 2, 3)), ValueError, "2 ints"),
        (
            lambda: P.interpolate(_t(1, 1, 4, 4), scale_factor=2, mode="bilinear"),
            ValueError,
            "only mode='nearest'",
        ),
        (lambda: P.interpolate(_t(1, 1, 4, 4)), ValueError, "exactly one of size"),
        (lambda: P.interpolate(_t(1, 1, 4, 4), size=3, scale_factor=2), ValueError, "exactly one"),
        (lambda: P.interpolate(_t(1, 1, 4, 4), scale_factor=0.1), ValueError, "empty output"),
        (
            lambda: P.interpolate(_t(1, 4, 4), size=3, align_corners=True),
            ValueError,
            "align_corners",
        ),
        (lambda: P.interpolate(np.zeros((1, 1, 4)), size=3), TypeError, "Tensor"),
    ],
)
def test_bad_inputs_raise_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
