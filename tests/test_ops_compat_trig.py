"""Trigonometric / hyperbolic functions (retroprop.ops.trig), remainders and the % and //
operators (retroprop.ops.remainder), median (retroprop.ops.sorting) and unique / bincount
(retroprop.ops.counting) against torch 2.13: values, gradients, finite differences."""

import numpy as np
import pytest
import torch

import retroprop as rp
from tests.parity import assert_parity, check_grad

rng = np.random.default_rng(6)
X = rng.uniform(-0.9, 0.9, (3, 4)).astype(np.float32)
BIG = (np.abs(X) + 1.1).astype(np.float32)


@pytest.mark.parametrize(
    "name, data",
    [
        ("tan", X),
        ("asin", X),
        ("acos", X),
        ("atan", X * 3),
        ("sinh", X * 3),
        ("cosh", X * 3),
        ("asinh", X * 3),
        ("acosh", BIG),
        ("atanh", X),
    ],
)
def test_function_and_method_match_torch_and_finite_differences(name, data):
    assert_parity(getattr(rp, name), getattr(torch, name), [data], rtol=1e-5, atol=1e-5)
    assert_parity(lambda t: getattr(t, name)(), lambda t: getattr(t, name)(), [data], rtol=1e-5)
    check_grad(getattr(rp, name), [data])


def test_atan2_matches_torch_in_every_quadrant():
    a = np.array([1.0, 1.0, -1.0, -1.0, 0.5], np.float32)
    b = np.array([1.0, -1.0, 1.0, -1.0, 2.0], np.float32)
    assert_parity(rp.atan2, torch.atan2, [a, b])
    check_grad(rp.atan2, [a, b])


A = np.array([5.5, -5.5, 7.1, -7.25, 3.2], np.float32)  # away from the jumps at a = k b
B = np.array([2.0, 2.0, -3.0, -2.0, 1.5], np.float32)


@pytest.mark.parametrize("name", ["remainder", "fmod", "floor_divide"])
def test_remainders_match_torch_with_signs(name):
    grad = None if name != "floor_divide" else [False, False]
    assert_parity(getattr(rp, name), getattr(torch, name), [A, B], grad=grad)
    if name != "floor_divide":
        check_grad(getattr(rp, name), [A, B])


def test_mod_and_floordiv_operators_match_torch_and_python():
    r, t = rp.tensor(A), torch.tensor(A)
    np.testing.assert_allclose((r % 2).numpy(), (t % 2).numpy())
    np.testing.assert_allclose((r // 2).numpy(), (t // 2).numpy())
    np.testing.assert_allclose((10 % rp.tensor(B)).numpy(), (10 % torch.tensor(B)).numpy())
    ints = rp.tensor([7, -7, 8])
    assert (ints % 3).tolist() == [7 % 3, -7 % 3, 8 % 3] and (ints % 3).dtype == np.int64
    assert (ints // 2).tolist() == [3, -4, 4]
    x = rp.tensor(A, requires_grad=True)
    (x // 2).sum().backward()
    assert not np.any(x.grad.numpy())


@pytest.mark.parametrize("dim, keepdim", [(None, False), (0, False), (1, True), (-1, False)])
def test_median_matches_torch_values_indices_and_gradient(dim, keepdim):
    data = rng.permutation(24).reshape(4, 6).astype(np.float32)  # distinct, even counts
    if dim is None:
        assert_parity(rp.median, torch.median, [data])
    else:
        assert_parity(
            lambda t: rp.median(t, dim, keepdim), lambda t: torch.median(t, dim, keepdim), [data]
        )
    check_grad(lambda t: rp.median(t) if dim is None else t.median(dim, keepdim).values, [data])


def test_unique_matches_torch_with_inverse_and_counts():
    data = np.array([[3, 1, 3], [2, 1, 1]])
    ours = rp.unique(rp.tensor(data), return_inverse=True, return_counts=True)
    ref = torch.unique(torch.tensor(data), return_inverse=True, return_counts=True)
    for o, r in zip(ours, ref):
        assert o.tolist() == r.tolist()
    rows = np.array([[1, 2], [0, 5], [1, 2]])
    assert rp.tensor(rows).unique(dim=0).tolist() == torch.tensor(rows).unique(dim=0).tolist()


def test_bincount_matches_torch_with_weights_and_minlength():
    data = np.array([0, 2, 2, 5])
    w = np.array([0.5, 1.0, 2.0, -1.0])
    assert rp.bincount(rp.tensor(data)).tolist() == torch.bincount(torch.tensor(data)).tolist()
    r = rp.tensor(data).bincount(rp.tensor(w, dtype=np.float64), minlength=8)
    t = torch.tensor(data).bincount(torch.tensor(w), minlength=8)
    assert r.dtype == np.float64
    np.testing.assert_allclose(r.numpy(), t.numpy())
    with pytest.raises(RuntimeError, match="bincount"):
        rp.bincount(rp.tensor([-1, 2]))
