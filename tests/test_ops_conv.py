"""conv1d, conv2d, conv_transpose1d, conv_transpose2d against PyTorch and finite differences."""

import numpy as np
import pytest
import torch.nn.functional as TF
from hypothesis import assume, given
from hypothesis import strategies as st
from parity import assert_parity, check_grad

import retroprop as rp
from retroprop.ops import conv as C

TIGHT = {"rtol": 1e-9, "atol": 1e-10}


def _arrays(seed, *shapes, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


@st.composite
def conv2d_cases(draw):
    groups = draw(st.integers(1, 2))
    cin, cout = groups * draw(st.integers(1, 3)), groups * draw(st.integers(1, 3))
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    size = (draw(st.integers(1, 8)), draw(st.integers(1, 8)))
    for n, kk, p, d in zip(size, k, padding, dilation):
        assume(n + 2 * p >= d * (kk - 1) + 1)
    n = draw(st.integers(1, 3))
    opts = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    shapes = ((n, cin, *size), (cout, cin // groups, *k), (cout,))
    return shapes, opts, draw(st.integers(0, 2**16))


@given(conv2d_cases())
def test_conv2d_matches_torch_for_random_shapes_strides_paddings_dilations_groups(case):
    shapes, opts, seed = case
    assert_parity(
        lambda x, w, b: C.conv2d(x, w, b, **opts),
        lambda x, w, b: TF.conv2d(x, w, b, **opts),
        _arrays(seed, *shapes),
        **TIGHT,
    )


@given(conv2d_cases())
def test_conv_transpose2d_matches_torch_for_random_shapes(case):
    (x_shape, w_shape, _), opts, seed = case
    rng = np.random.default_rng(seed)
    stride, dilation = opts["stride"], opts["dilation"]
    out_pad = tuple(int(rng.integers(0, max(s, d))) for s, d in zip(stride, dilation))
    groups = opts["groups"]
    # a transposed weight is (C_in, C_out/groups, kh, kw): reuse the conv's (C_out, C_in/g)
    cin = w_shape[0]
    cout = w_shape[1] * groups
    spatial = x_shape[2:]
    padding = tuple(
        min(p, (n - 1) * s + d * (k - 1)) // 2
        for p, n, s, d, k in zip(opts["padding"], spatial, stride, dilation, w_shape[2:])
    )
    kw = dict(
        stride=stride, padding=padding, output_padding=out_pad, groups=groups, dilation=dilation
    )
    assert_parity(
        lambda x, w, b: C.conv_transpose2d(x, w, b, **kw),
        lambda x, w, b: TF.conv_transpose2d(x, w, b, **kw),
        _arrays(seed, (x_shape[0], cin, *spatial), w_shape, (cout,)),
        **TIGHT,
    )


@given(
    st.integers(1, 3),
    st.integers(1, 2),
    st.integers(1, 4),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(0, 2),
    st.integers(1, 2),
    st.integers(0, 2**16),
)
def test_conv1d_and_conv_transpose1d_match_torch(n, groups, length, k, stride, pad, dil, seed):
    length += dil * (k - 1)
    cin, cout = 2 * groups, 3 * groups
    opts = dict(stride=stride, padding=pad, dilation=dil, groups=groups)
    arrays = _arrays(seed, (n, cin, length), (cout, 2, k), (cout,))
    assert_parity(
        lambda x, w, b: C.conv1d(x, w, b, **opts),
        lambda x, w, b: TF.conv1d(x, w, b, **opts),
        arrays,
        **TIGHT,
    )
    pad = min(pad, ((length - 1) * stride + dil * (k - 1)) // 2)
    topts = dict(
        stride=stride, padding=pad, output_padding=max(stride, dil) - 1, groups=groups, dilation=dil
    )
    arrays = _arrays(seed, (n, cout, length), (cout, 2, k), (2 * groups,))
    assert_parity(
        lambda x, w, b: C.conv_transpose1d(x, w, b, **topts),
        lambda x, w, b: TF.conv_transpose1d(x, w, b, **topts),
        arrays,
        **TIGHT,
    )


@pytest.mark.parametrize(
    ("kernel", "stride", "padding", "groups", "size"),
    [
        (4, 2, 1, 1, (8, 8)),
        (4, 2, 1, 2, (7, 9)),
        ((4, 3), (2, 1), (2, 1), 1, (9, 6)),
        (2, 2, 0, 1, (5, 5)),
        ((6, 2), (3, 2), (1, 0), 2, (10, 7)),
    ],
)
def test_dcgan_like_strided_convolutions_match_torch(kernel, stride, padding, groups, size):
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    opts = dict(stride=stride, padding=padding, groups=groups)
    arrays = _arrays(11, (2, 2 * groups, *size), (3 * groups, 2, kh, kw), (3 * groups,))
    assert_parity(
        lambda x, w, b: C.conv2d(x, w, b, **opts),
        lambda x, w, b: TF.conv2d(x, w, b, **opts),
        arrays,
        **TIGHT,
    )
    arrays = _arrays(12, (2, 3 * groups, *size), (3 * groups, 2, kh, kw), (2 * groups,))
    assert_parity(
        lambda x, w, b: C.conv_transpose2d(x, w, b, **opts),
        lambda x, w, b: TF.conv_transpose2d(x, w, b, **opts),
        arrays,
        **TIGHT,
    )


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
@pytest.mark.parametrize("kernel", [(3, 3), (2, 4), (1, 5)])
@pytest.mark.parametrize("dilation", [1, 2])
def test_conv2d_same_and_valid_padding_match_torch_even_kernels_included(kernel, dilation):
    arrays = _arrays(1, (2, 3, 7, 10), (4, 3, *kernel), (4,))
    for padding in ("same", "valid"):
        assert_parity(
            lambda x, w, b, p=padding: C.conv2d(x, w, b, padding=p, dilation=dilation),
            lambda x, w, b, p=padding: TF.conv2d(x, w, b, padding=p, dilation=dilation),
            arrays,
            **TIGHT,
        )


def test_conv1d_same_padding_matches_torch():
    arrays = _arrays(2, (2, 3, 9), (4, 3, 4))
    assert_parity(
        lambda x, w: C.conv1d(x, w, padding="same", dilation=2),
        lambda x, w: TF.conv1d(x, w, padding="same", dilation=2),
        arrays,
        **TIGHT,
    )


def test_float32_convolutions_stay_float32_and_match_torch():
    arrays = _arrays(3, (4, 3, 12, 12), (8, 3, 3, 3), (8,), dtype=np.float32)
    assert_parity(
        lambda x, w, b: C.conv2d(x, w, b, padding=1),
        lambda x, w, b: TF.conv2d(x, w, b, padding=1),
        arrays,
        rtol=1e-4,
        atol=1e-5,
    )
    arrays = _arrays(4, (4, 8, 6, 6), (8, 3, 4, 4), (3,), dtype=np.float32)
    assert_parity(
        lambda x, w, b: C.conv_transpose2d(x, w, b, stride=2, padding=1),
        lambda x, w, b: TF.conv_transpose2d(x, w, b, stride=2, padding=1),
        arrays,
        rtol=1e-4,
        atol=1e-5,
    )


def test_unbatched_inputs_match_torch():
    arrays = _arrays(5, (3, 6, 7), (4, 3, 2, 3), (4,))
    assert_parity(
        lambda x, w, b: C.conv2d(x, w, b, stride=2),
        lambda x, w, b: TF.conv2d(x, w, b, stride=2),
        arrays,
        **TIGHT,
    )
    arrays = _arrays(6, (4, 5), (4, 2, 3))
    assert_parity(
        lambda x, w: C.conv_transpose1d(x, w, stride=2),
        lambda x, w: TF.conv_transpose1d(x, w, stride=2),
        arrays,
        **TIGHT,
    )


def test_only_the_needed_gradients_are_computed():
    x, w = _arrays(7, (2, 3, 5, 5), (4, 3, 3, 3))
    xt = rp.Tensor(x, dtype=np.float64)
    wt = rp.Tensor(w, dtype=np.float64, requires_grad=True)
    C.conv2d(xt, wt).sum().backward()
    assert xt.grad is None
    np.testing.assert_allclose(
        wt.grad.numpy(),
        np.broadcast_to(
            np.lib.stride_tricks.sliding_window_view(x, (3, 3), axis=(2, 3)).sum(axis=(0, 2, 3)),
            w.shape,
        ),
    )


def test_conv2d_and_conv_transpose2d_pass_gradcheck():
    x, w, b = _arrays(8, (2, 4, 5, 4), (2, 2, 3, 2), (2,))
    check_grad(
        lambda x, w, b: C.conv2d(x, w, b, stride=(2, 1), padding=1, dilation=(1, 2), groups=2),
        [x, w, b],
    )
    x, w, b = _arrays(9, (1, 2, 3, 3), (2, 3, 3, 2), (3,))
    check_grad(
        lambda x, w, b: C.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
        [x, w, b],
    )


def test_conv1d_passes_gradcheck():
    x, w, b = _arrays(10, (2, 2, 6), (3, 2, 3), (3,))
    check_grad(lambda x, w, b: C.conv1d(x, w, b, stride=2, padding=2, dilation=2), [x, w, b])


def test_conv_transpose1d_passes_gradcheck():
    x, w, b = _arrays(11, (2, 4, 5), (4, 3, 3), (6,))
    check_grad(
        lambda x, w, b: C.conv_transpose1d(
            x, w, b, stride=2, padding=1, output_padding=1, groups=2, dilation=2
        ),
        [x, w, b],
    )


def _t(*shape, dtype=np.float32):
    return rp.Tensor(np.zeros(shape, dtype), dtype=dtype)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda: C.conv2d(_t(1, 3, 8, 8), _t(4, 3, 3, 3), stride=2, padding="same"),
            ValueError,
            "padding='same' is not supported for strided convolutions",
        ),
        (lambda: C.conv2d(_t(3, 8), _t(4, 3, 3, 3)), ValueError, r"4-d .* got shape \(3, 8\)"),
        (lambda: C.conv2d(_t(1, 2, 8, 8), _t(4, 3, 3, 3)), ValueError, "got 2 channels"),
        (
            lambda: C.conv2d(_t(1, 3, 2, 8), _t(4, 3, 3, 3)),
            ValueError,
            r"kernel size \(3, 3\) .* larger than the padded input size \(2, 8\)",
        ),
        (
            lambda: C.conv2d(_t(1, 4, 8, 8), _t(3, 2, 3, 3), groups=2),
            ValueError,
            r"out_channels \(3\) must be divisible by groups \(2\)",
        ),
        (
            lambda: C.conv2d(_t(1, 3, 8, 8), _t(4, 3, 3, 3), padding="full"),
            ValueError,
            "padding must be",
        ),
        (lambda: C.conv2d(_t(1, 3, 8, 8), _t(4, 3, 3, 3), stride=0), ValueError, "stride"),
        (
            lambda: C.conv2d(_t(1, 3, 8, 8), _t(4, 3, 3, 3, dtype=np.float64)),
            TypeError,
            "float32, weight float64",
        ),
        (lambda: C.conv2d(_t(1, 3, 8, 8), _t(4, 3, 3, 3), _t(3)), ValueError, r"bias .*\(4,\)"),
        (lambda: C.conv2d(np.zeros((1, 3, 8, 8)), _t(4, 3, 3, 3)), TypeError, "Tensor"),
        (lambda: C.conv1d(_t(1, 3, 8), _t(4, 3, 3, 3)), ValueError, "weight must have 3 dims"),
        (
            lambda: C.conv_transpose2d(_t(1, 4, 5, 5), _t(4, 2, 3, 3), stride=2, output_padding=2),
            ValueError,
            "output_padding",
        ),
        (lambda: C.conv_transpose2d(_t(1, 3, 5, 5), _t(4, 2, 3, 3)), ValueError, "got 3 channels"),
        (
            lambda: C.conv_transpose2d(_t(1, 3, 5, 5), _t(3, 2, 3, 3), groups=2),
            ValueError,
            r"in_channels \(3\) must be divisible by groups \(2\)",
        ),
        (
            lambda: C.conv_transpose1d(_t(1, 4, 1), _t(4, 2, 1), padding=1),
            ValueError,
            "output size",
        ),
    ],
)
def test_bad_inputs_raise_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
