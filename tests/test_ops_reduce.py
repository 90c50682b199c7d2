"""Reductions (retroprop.ops.reduce) against PyTorch: values, dtypes, gradients (ties and
zeros included), finite differences, and errors for bad dims and dtypes."""

import numpy as np
import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

import retroprop as rp
from tests.parity import assert_parity, check_grad

rng = np.random.default_rng(0)


def randn(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


@st.composite
def shape_and_dim(draw, max_dims=4):
    """A shape and a dim argument for it: None, an int (maybe negative) or a tuple of ints."""
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=max_dims)))
    n = len(shape)
    dim = draw(
        st.one_of(
            st.none(),
            st.integers(-n, n - 1),
            st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True).map(tuple),
        )
    )
    return shape, dim


@given(shape_and_dim(), st.booleans())
def test_sum_and_mean_match_torch_over_shapes_dims_keepdim(sd, keepdim):
    shape, dim = sd
    x = randn(*shape)
    for name in ("sum", "mean"):
        assert_parity(
            lambda t, name=name: getattr(rp, name)(t, dim, keepdim),
            lambda t, name=name: getattr(torch, name)(t, keepdim=keepdim, dim=dim),
            [x],
        )


@given(shape_and_dim(max_dims=3), st.booleans(), st.sampled_from([0, 1, 2]))
def test_var_and_std_match_torch_for_each_correction(sd, keepdim, correction):
    shape, dim = sd
    x = randn(*shape)
    n = x.size if dim is None else int(np.prod([shape[d] for d in np.atleast_1d(dim)]))
    assume(n > correction)  # with no degrees of freedom both give inf/nan
    for name in ("var", "std"):
        assert_parity(
            lambda t, name=name: getattr(rp, name)(t, dim, correction, keepdim),
            lambda t, name=name: getattr(torch, name)(
                t, correction=correction, keepdim=keepdim, dim=dim
            ),
            [x],
            rtol=1e-4,
            atol=1e-5,
        )


def test_var_method_accepts_unbiased_flag_like_torch():
    x = randn(3, 5)
    assert_parity(lambda t: t.var(1, unbiased=False), lambda t: t.var(1, unbiased=False), [x])
    assert_parity(lambda t: t.std(0, keepdim=True), lambda t: t.std(0, keepdim=True), [x])


def test_std_of_constant_input_has_zero_gradient_like_torch():
    assert_parity(lambda t: t.std(1), lambda t: t.std(1), [np.ones((2, 3), np.float32)])


def test_sum_of_integer_and_bool_tensors_is_int64():
    assert rp.tensor([1, 2, 3]).sum().dtype == np.int64
    assert rp.tensor([True, True, False]).sum().item() == 2
    assert rp.tensor(np.array([1, 2], np.int32), dtype=np.int32).sum().dtype == np.int64
    assert rp.sum(rp.tensor([[1, 2], [3, 4]]), 0).tolist() == [4, 6]


def test_sum_over_empty_dim_tuple_reduces_everything_as_torch():
    x = randn(2, 3)
    assert_parity(lambda t: t.sum(()), lambda t: t.sum(()), [x])


def test_reductions_of_a_0d_tensor_accept_dim_0_and_minus_1():
    x = np.array(2.5, np.float32)
    assert_parity(lambda t: t.sum(0), lambda t: t.sum(0), [x])
    assert_parity(lambda t: t.mean(-1, keepdim=True), lambda t: t.mean(-1, keepdim=True), [x])
    assert_parity(lambda t: t.max(0), lambda t: t.max(0), [x])
    assert_parity(lambda t: t.cumsum(0), lambda t: t.cumsum(0), [x])


def test_reductions_gradcheck_in_float64():
    x = rng.standard_normal((3, 4))
    check_grad(lambda t: t.sum((0, 1)), [x])
    check_grad(lambda t: t.mean(1, keepdim=True), [x])
    check_grad(lambda t: t.var(0), [x])
    check_grad(lambda t: t.std(1, correction=0), [x])
    check_grad(lambda t: rp.logsumexp(t, 1), [x])
    check_grad(lambda t: rp.cumsum(t, 0), [x])
    check_grad(lambda t: rp.max(t, 1).values, [x])
    check_grad(lambda t: rp.min(t, 0, keepdim=True).values, [x])
    check_grad(lambda t: rp.max(t), [x])
    for p in (1, 2, 3, float("inf"), float("-inf")):
        check_grad(lambda t, p=p: rp.norm(t, p, 1), [x])


@pytest.mark.parametrize("name", ["max", "min"])
def test_full_max_min_share_gradient_among_ties_like_torch(name):
    x = np.array([[1.0, 3.0, 3.0], [3.0, -1.0, 0.0]], np.float32)
    x = x if name == "max" else -x
    assert_parity(lambda t: getattr(t, name)(), lambda t: getattr(t, name)(), [x])
    assert_parity(lambda t: getattr(rp, name)(t), lambda t: getattr(torch, name)(t), [x])


@given(shape_and_dim(max_dims=3), st.booleans(), st.sampled_from(["max", "min"]))
def test_max_min_along_dim_return_values_and_indices_like_torch(sd, keepdim, name):
    shape, dim = sd
    if not isinstance(dim, int):
        dim = -1
    x = rng.permutation(int(np.prod(shape))).reshape(shape).astype(np.float32)  # no ties
    assert_parity(
        lambda t: getattr(rp, name)(t, dim, keepdim),
        lambda t: getattr(torch, name)(t, dim, keepdim),
        [x],
    )


def test_max_along_dim_is_a_named_pair_with_int64_indices_outside_the_graph():
    x = rp.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]], requires_grad=True)
    values, indices = x.max(dim=1)
    res = x.max(dim=1)
    assert res.values is not None and res.indices.tolist() == [1, 0]
    assert indices.dtype == np.int64 and not indices.requires_grad
    assert values.tolist() == [5.0, 7.0]
    np.testing.assert_array_equal(rp.min(x, 0).indices.numpy(), [0, 1, 0])


def test_max_with_a_tensor_second_argument_is_elementwise_maximum():
    a, b = randn(3), randn(3)
    assert_parity(lambda s, t: rp.max(s, t), lambda s, t: torch.max(s, t), [a, b])
    assert_parity(lambda s, t: rp.min(s, t), lambda s, t: torch.min(s, t), [a, b])


def test_max_of_integer_tensor_keeps_dtype():
    x = rp.tensor([[3, 9], [4, 1]])
    assert x.max().item() == 9 and x.max().dtype == np.int64
    assert x.min(1).values.tolist() == [3, 1]


@pytest.mark.parametrize("p", [2, 1, 3, 0.5, float("inf"), float("-inf"), 0, "fro"])
def test_norm_matches_torch_for_each_p(p):
    x = randn(3, 4)
    x[0, 1] = 0.0
    assert_parity(lambda t: rp.norm(t, p), lambda t: torch.norm(t, p), [x], rtol=1e-4)
    if p != "fro":
        assert_parity(
            lambda t: t.norm(p, dim=1, keepdim=True),
            lambda t: t.norm(p, dim=1, keepdim=True),
            [x],
            rtol=1e-4,
        )


def test_norm_gradient_is_zero_at_the_zero_vector_like_torch():
    z = np.zeros((2, 3), np.float32)
    for p in (2, 3):
        assert_parity(lambda t, p=p: t.norm(p, dim=1), lambda t, p=p: t.norm(p, dim=1), [z])


def test_norm_inf_shares_gradient_among_ties_like_torch():
    x = np.array([1.0, -3.0, 3.0, 2.0], np.float32)
    assert_parity(lambda t: rp.norm(t, float("inf")), lambda t: torch.norm(t, float("inf")), [x])


@given(shape_and_dim(max_dims=3), st.booleans())
def test_logsumexp_matches_torch(sd, keepdim):
    shape, dim = sd
    dim = -1 if dim is None else dim
    x = randn(*shape) * 5
    assert_parity(
        lambda t: rp.logsumexp(t, dim, keepdim),
        lambda t: torch.logsumexp(t, dim, keepdim),
        [x],
        rtol=1e-5,
        atol=1e-5,
    )


def test_logsumexp_does_not_overflow_and_handles_all_minus_inf():
    x = np.array([[1000.0, 1000.0], [-1000.0, -1001.0]], np.float32)
    assert_parity(lambda t: t.logsumexp(1), lambda t: t.logsumexp(1), [x])
    out = rp.logsumexp(rp.tensor([[-np.inf, -np.inf]]), 1)
    assert out.tolist() == [-np.inf]


def test_logsumexp_of_integers_is_float32_like_torch():
    out = rp.logsumexp(rp.tensor([0, 1, 2]), 0)
    ref = torch.logsumexp(torch.tensor([0, 1, 2]), 0)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.item(), ref.item(), rtol=1e-6)


@given(shape_and_dim(max_dims=3), st.booleans(), st.sampled_from(["argmax", "argmin"]))
def test_argmax_argmin_match_torch(sd, keepdim, name):
    shape, dim = sd
    dim = dim if dim is None or isinstance(dim, int) else dim[0]
    x = rng.permutation(int(np.prod(shape))).reshape(shape).astype(np.float32)
    r = getattr(rp, name)(rp.tensor(x), dim, keepdim)
    t = getattr(torch, name)(torch.tensor(x), dim, keepdim)
    assert r.dtype == np.int64 and not r.requires_grad
    assert r.shape == tuple(t.shape)
    np.testing.assert_array_equal(r.numpy(), t.numpy())


@given(shape_and_dim(max_dims=3))
def test_cumsum_matches_torch(sd):
    shape, dim = sd
    dim = dim if isinstance(dim, int) else 0
    assert_parity(lambda t: t.cumsum(dim), lambda t: t.cumsum(dim), [randn(*shape)])


def test_cumsum_of_integers_stays_int64():
    out = rp.tensor([True, True, False, True]).cumsum(0)
    assert out.dtype == np.int64 and out.tolist() == [1, 2, 2, 3]


def test_float64_inputs_stay_float64():
    x = randn(2, 3, dtype=np.float64)
    for fn in (rp.sum, rp.mean, rp.var, rp.std, rp.norm, rp.max):
        assert fn(rp.tensor(x, dtype=np.float64)).dtype == np.float64
    assert rp.logsumexp(rp.tensor(x, dtype=np.float64), 0).dtype == np.float64


def test_out_of_range_dim_raises_index_error():
    x = rp.ones(2, 3)
    for fn in (rp.sum, rp.mean, rp.var, rp.std, rp.argmax, rp.cumsum):
        with pytest.raises(IndexError, match=r"dim out of range.*got 2"):
            fn(x, 2)
    with pytest.raises(IndexError, match="got -3"):
        rp.max(x, -3)
    with pytest.raises(IndexError, match="got 5"):
        rp.logsumexp(x, (0, 5))


def test_bad_reduction_arguments_raise_clear_errors():
    x = rp.ones(2, 3)
    with pytest.raises(RuntimeError, match="more than once"):
        rp.sum(x, (1, -1))
    with pytest.raises(TypeError, match="max: dim must be an int"):
        rp.max(x, (0, 1))
    with pytest.raises(TypeError, match="sum: dim must be"):
        rp.sum(x, 1.0)
    with pytest.raises(TypeError, match="mean: .*got int64"):
        rp.tensor([1, 2]).mean()
    with pytest.raises(TypeError, match="norm: expected a floating point tensor"):
        rp.norm(rp.tensor([1, 2]))
    with pytest.raises(ValueError, match="norm: p must be"):
        rp.norm(x, "nuc")
    with pytest.raises(TypeError, match="cumsum: dim must be an int"):
        x.cumsum()
    with pytest.raises(TypeError, match="logsumexp: dim"):
        rp.logsumexp(x, None)
    with pytest.raises(RuntimeError, match="max: cannot reduce an empty tensor"):
        rp.zeros(0).max()
    with pytest.raises(IndexError, match="size 0"):
        rp.zeros(2, 0).min(1)
    with pytest.raises(RuntimeError, match="argmax: cannot reduce an empty"):
        rp.zeros(0).argmax()
