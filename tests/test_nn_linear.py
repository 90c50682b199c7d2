"""Linear (parity with torch.nn.Linear, gradcheck, default init, errors), Identity, Flatten
and Unflatten."""

import math

import numpy as np
import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

import retroprop as rp
import retroprop.nn as nn
from tests.parity import assert_parity


def _copy_linear(r: nn.Linear, dtype) -> torch.nn.Linear:
    t = torch.nn.Linear(r.in_features, r.out_features, bias=r.bias is not None)
    with torch.no_grad():
        t.weight.copy_(torch.from_numpy(r.weight.detach().numpy()))
        if r.bias is not None:
            t.bias.copy_(torch.from_numpy(r.bias.detach().numpy()))
    return t.to(torch.float64 if dtype == np.float64 else torch.float32)


@given(
    lead=st.lists(st.integers(1, 3), min_size=0, max_size=2),
    sizes=st.tuples(st.integers(1, 5), st.integers(1, 5)),
    bias=st.booleans(),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_linear_matches_torch_forward_and_gradients(lead, sizes, bias, dtype):
    rp.manual_seed(0)
    n_in, n_out = sizes
    r = nn.Linear(n_in, n_out, bias=bias, dtype=dtype)
    t = _copy_linear(r, dtype)
    x = np.random.default_rng(len(lead)).standard_normal((*lead, n_in)).astype(dtype)
    assert_parity(lambda a: r(a), lambda a: t(a), [x])
    tol = 1e-5 if dtype == np.float32 else 1e-10
    for rp_p, t_p in zip(r.parameters(), t.parameters()):
        assert rp_p.grad.dtype == dtype
        np.testing.assert_allclose(rp_p.grad.numpy(), t_p.grad.numpy(), rtol=tol, atol=tol)


def test_linear_gradcheck_in_float64_for_input_weight_and_bias():
    rp.manual_seed(0)
    lin = nn.Linear(4, 3, dtype=rp.float64)
    x = rp.randn(2, 5, 4, dtype=rp.float64, requires_grad=True)
    assert rp.autograd.gradcheck(lambda x, w, b: lin(x), [x, lin.weight, lin.bias])


def test_linear_default_init_follows_torch():
    rp.manual_seed(0)
    lin = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w, b = lin.weight.detach().numpy(), lin.bias.detach().numpy()
    assert lin.weight.shape == (300, 400) and lin.bias.shape == (300,)
    assert w.dtype == np.float32 and b.dtype == np.float32
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert np.abs(b).max() <= bound
    # U(-bound, bound) has standard deviation bound / sqrt(3); torch's own weights agree
    torch.manual_seed(0)
    t_std = torch.nn.Linear(400, 300).weight.std().item()
    np.testing.assert_allclose(w.std(), bound / math.sqrt(3), rtol=0.02)
    np.testing.assert_allclose(w.std(), t_std, rtol=0.02)
    assert abs(w.mean()) < 0.01 * bound
    old = w.copy()
    lin.reset_parameters()
    assert (
        not np.array_equal(old, lin.weight.detach().numpy())
        and np.abs(lin.weight.detach().numpy()).max() <= bound
    )


def test_linear_without_bias_and_with_zero_inputs():
    lin = nn.Linear(3, 2, bias=False)
    assert lin.bias is None and [n for n, _ in lin.named_parameters()] == ["weight"]
    assert lin(rp.ones(5, 3)).shape == (5, 2)
    empty = nn.Linear(0, 2)
    np.testing.assert_array_equal(
        empty(rp.zeros(4, 0)).detach().numpy(), np.broadcast_to(empty.bias.detach().numpy(), (4, 2))
    )


def test_linear_repr_matches_torch():
    assert repr(nn.Linear(3, 4)) == repr(torch.nn.Linear(3, 4))
    assert repr(nn.Linear(3, 4, bias=False)) == repr(torch.nn.Linear(3, 4, bias=False))


def test_linear_rejects_wrong_last_dim_naming_module_sizes_and_shape():
    lin = nn.Linear(3, 2)
    with pytest.raises(ValueError) as err:
        lin(rp.ones(5, 4))
    msg = str(err.value)
    assert "Linear(in_features=3" in msg and "(5, 4)" in msg and "4 != in_features 3" in msg
    with pytest.raises(ValueError, match=r"got shape \(\)"):
        lin(rp.tensor(1.0))


def test_linear_rejects_dtype_mismatch_instead_of_upcasting():
    with pytest.raises(TypeError, match="input dtype float64 differs from the weight's float32"):
        nn.Linear(3, 2)(rp.ones(1, 3, dtype=rp.float64))


def test_linear_rejects_integer_input_asking_for_a_float_one():
    with pytest.raises(TypeError, match=r"Linear: input must be floating point, got dtype int64"):
        nn.Linear(3, 2)(rp.tensor([[1, 2, 3]]))
    with pytest.raises(TypeError, match=r"Linear: .*got dtype bool.*\(x\.float\(\)\)"):
        nn.Linear(3, 2)(rp.ones(1, 3) > 0)
    with pytest.raises(TypeError, match=r"int64; .* weight's dtype float64 first \(x\.to\(float64"):
        nn.Linear(3, 2, dtype=rp.float64)(rp.tensor([[1, 2, 3]]))


def test_linear_rejects_bad_sizes():
    with pytest.raises(ValueError, match="in_features must be a non-negative integer"):
        nn.Linear(-1, 2)
    with pytest.raises(ValueError, match="out_features"):
        nn.Linear(2, 2.5)


def test_identity_returns_its_input_and_ignores_arguments():
    x = rp.randn(2, 3)
    assert nn.Identity(54, unused="x")(x) is x
    assert repr(nn.Identity()) == repr(torch.nn.Identity())


@given(data=st.data())
def test_flatten_matches_torch(data):
    shape = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=4))
    n = len(shape)
    start, end = data.draw(st.integers(-n, n - 1)), data.draw(st.integers(-n, n - 1))
    assume(start % n <= end % n)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    r, t = nn.Flatten(start, end), torch.nn.Flatten(start, end)
    assert_parity(lambda a: r(a), lambda a: t(a), [x])
    assert repr(r) == repr(t)


def test_unflatten_matches_torch_and_accepts_minus_one():
    x = np.random.default_rng(0).standard_normal((2, 12, 3)).astype(np.float32)
    for size in [(3, 4), (2, -1, 3), [12]]:
        r, t = nn.Unflatten(1, size), torch.nn.Unflatten(1, size)
        assert_parity(lambda a, r=r: r(a), lambda a, t=t: t(a), [x])
    r, t = nn.Unflatten(-1, (3, 1)), torch.nn.Unflatten(-1, (3, 1))
    assert_parity(lambda a: r(a), lambda a: t(a), [x])
    assert repr(r) == repr(t)


def test_unflatten_rejects_bad_sizes():
    with pytest.raises(
        ValueError, match=r"dimension 1 of the input of shape \(2, 12\) has size 12"
    ):
        nn.Unflatten(1, (5, 2))(rp.ones(2, 12))
    with pytest.raises(ValueError, match="cannot be split"):
        nn.Unflatten(1, (5, -1))(rp.ones(2, 12))
    with pytest.raises(TypeError, match="tuple or list of ints"):
        nn.Unflatten(1, 12)
    with pytest.raises(ValueError, match="at most one entry"):
        nn.Unflatten(1, (-1, -1))
    with pytest.raises(IndexError, match="out of range"):
        nn.Unflatten(3, (2, 6))(rp.ones(2, 12))
