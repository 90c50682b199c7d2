"""Comparisons, logical ops, NaN tests and all / any (retroprop.ops.logic) against PyTorch:
values, dtypes and shapes, and the dim arguments of all / any."""

import numpy as np
import pytest
import torch

import retroprop as rp
from retroprop.ops import logic

rng = np.random.default_rng(1)
A = rng.integers(-2, 3, (3, 4)).astype(np.float32)
B = rng.integers(-2, 3, (1, 4)).astype(np.float32)


def same(r, t):
    assert r.dtype == np.bool_ and tuple(r.shape) == tuple(t.shape)
    np.testing.assert_array_equal(r.numpy(), t.numpy())


@pytest.mark.parametrize("name", ["eq", "ne", "lt", "le", "gt", "ge"])
def test_comparison_matches_torch_with_broadcast_and_scalars(name):
    fn, ref = getattr(logic, name), getattr(torch, name)
    same(fn(rp.tensor(A), rp.tensor(B)), ref(torch.tensor(A), torch.tensor(B)))
    same(fn(rp.tensor(A), 0.0), ref(torch.tensor(A), 0.0))
    ints = A.astype(np.int64)
    same(fn(rp.tensor(ints), 1), ref(torch.tensor(ints), 1))


def test_comparison_of_a_tensor_that_requires_grad_is_outside_the_graph():
    x = rp.tensor(A, requires_grad=True)
    out = logic.gt(x, 0)
    assert not out.requires_grad and out.grad_fn is None


@pytest.mark.parametrize("name", ["logical_and", "logical_or", "logical_xor"])
def test_binary_logical_matches_torch_on_numbers_and_bools(name):
    fn, ref = getattr(logic, name), getattr(torch, name)
    same(fn(rp.tensor(A), rp.tensor(B)), ref(torch.tensor(A), torch.tensor(B)))
    same(fn(rp.tensor(A > 0), rp.tensor(B < 0)), ref(torch.tensor(A > 0), torch.tensor(B < 0)))


def test_logical_not_matches_torch():
    same(logic.logical_not(rp.tensor(A)), torch.logical_not(torch.tensor(A)))


def test_isnan_isinf_isfinite_match_torch():
    data = np.array([1.0, np.nan, np.inf, -np.inf, 0.0], dtype=np.float32)
    for name in ("isnan", "isinf", "isfinite"):
        same(getattr(logic, name)(rp.tensor(data)), getattr(torch, name)(torch.tensor(data)))
    same(logic.isnan(rp.tensor([1, 2])), torch.isnan(torch.tensor([1, 2])))


@pytest.mark.parametrize("dim", [None, 0, 1, -1, (0, 1)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_all_and_any_match_torch_over_dims(dim, keepdim):
    data = np.array([[True, False, True], [True, True, True]])
    for name in ("all", "any"):
        ref_fn = getattr(torch, name)
        ref = ref_fn(torch.tensor(data)) if dim is None and not keepdim else None
        if ref is None:
            ref = ref_fn(
                torch.tensor(data), dim=dim if dim is not None else (0, 1), keepdim=keepdim
            )
        same(getattr(logic, name)(rp.tensor(data), dim, keepdim), ref)


def test_all_and_any_of_numbers_test_for_nonzero():
    same(logic.all(rp.tensor(A)), torch.all(torch.tensor(A)))
    same(logic.any(rp.tensor(A), 1), torch.any(torch.tensor(A), 1))


def test_all_with_a_bad_dim_names_the_function():
    with pytest.raises(TypeError, match="all: dim"):
        logic.all(rp.tensor(A), dim=1.5)
    with pytest.raises(IndexError):
        logic.any(rp.tensor(A), dim=5)


def test_equal_is_a_python_bool():
    assert logic.equal(rp.tensor(A), rp.tensor(A.copy())) is True
    assert logic.equal(rp.tensor(A), rp.tensor(A[:1])) is False
    assert torch.equal(torch.tensor(A), torch.tensor(A.copy())) is True
