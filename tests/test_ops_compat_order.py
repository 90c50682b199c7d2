"""sort / argsort / topk / amax / amin (retroprop.ops.sorting) and prod / cumprod
(retroprop.ops.products) against PyTorch: values, indices, return types, gradients (ties and
zeros included) and finite differences."""

import numpy as np
import pytest
import torch

import retroprop as rp
from retroprop.ops import products, sorting
from tests.parity import assert_parity, check_grad

rng = np.random.default_rng(2)


def distinct(*shape):
    """Values without ties, so that every sort order is unique."""
    return rng.permutation(np.prod(shape)).reshape(shape).astype(np.float32) / 7 - 1


X = distinct(3, 5)


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_matches_torch_values_indices_and_gradient(dim, descending):
    assert_parity(
        lambda t: sorting.sort(t, dim, descending),
        lambda t: torch.sort(t, dim, descending),
        [X],
    )
    check_grad(lambda t: sorting.sort(t, dim, descending).values, [X])


def test_sort_returns_a_named_pair_and_stable_keeps_ties_in_order():
    data = np.array([2.0, 1.0, 2.0, 1.0, 3.0, 1.0], dtype=np.float32)
    out = sorting.sort(rp.tensor(data), stable=True)
    values, indices = out
    assert out.values is values and out.indices is indices
    ref = torch.sort(torch.tensor(data), stable=True)
    np.testing.assert_array_equal(indices.numpy(), ref.indices.numpy())
    down = sorting.sort(rp.tensor(data), descending=True, stable=True)
    ref = torch.sort(torch.tensor(data), descending=True, stable=True)
    np.testing.assert_array_equal(down.indices.numpy(), ref.indices.numpy())


def test_sort_puts_nan_last_ascending_and_first_descending_as_torch():
    data = np.array([1.0, np.nan, -np.inf, np.inf, 0.0], dtype=np.float32)
    for descending in (False, True):
        out = sorting.sort(rp.tensor(data), descending=descending, stable=True)
        ref = torch.sort(torch.tensor(data), descending=descending, stable=True)
        np.testing.assert_array_equal(out.indices.numpy(), ref.indices.numpy())


def test_argsort_matches_torch():
    for dim, descending in ((0, False), (1, True)):
        out = sorting.argsort(rp.tensor(X), dim, descending)
        ref = torch.argsort(torch.tensor(X), dim, descending)
        assert out.dtype == np.int64
        np.testing.assert_array_equal(out.numpy(), ref.numpy())


@pytest.mark.parametrize(
    "k, dim, largest", [(1, 1, True), (3, 1, False), (2, 0, True), (5, -1, True)]
)
def test_topk_matches_torch_values_indices_and_gradient(k, dim, largest):
    assert_parity(
        lambda t: sorting.topk(t, k, dim, largest),
        lambda t: torch.topk(t, k, dim, largest),
        [X],
    )
    check_grad(lambda t: sorting.topk(t, k, dim, largest).values, [X])


def test_topk_k_out_of_range_names_the_sizes():
    with pytest.raises(RuntimeError, match="topk: k \\(6\\)"):
        sorting.topk(rp.tensor(X), 6)


TIES = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], dtype=np.float32)


@pytest.mark.parametrize("dim", [(), 0, 1, (0, 1), -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_amax_and_amin_share_the_gradient_of_ties_as_torch(dim, keepdim):
    for name in ("amax", "amin"):
        assert_parity(
            lambda t, name=name: getattr(sorting, name)(t, dim, keepdim),
            lambda t, name=name: getattr(torch, name)(t, dim, keepdim),
            [TIES],
        )
    check_grad(lambda t: sorting.amax(t, dim, keepdim), [X])


def test_amax_of_an_empty_tensor_is_refused():
    with pytest.raises(RuntimeError, match="amax"):
        sorting.amax(rp.tensor(np.zeros((0, 3), np.float32)), 0)


ZEROS = np.array([[2.0, 0.0, 3.0, 0.5], [0.0, 1.5, 0.0, -2.0], [1.0, -1.0, 2.0, 0.5]], np.float32)


@pytest.mark.parametrize("data", [X[:, :4], ZEROS], ids=["no zeros", "zeros"])
@pytest.mark.parametrize("dim", [None, 0, 1])
def test_prod_matches_torch_including_zeros(data, dim):
    assert_parity(
        lambda t: products.prod(t, dim),
        lambda t: torch.prod(t) if dim is None else torch.prod(t, dim),
        [data],
    )
    check_grad(lambda t: products.prod(t, dim), [data])


def test_prod_keepdim_and_integer_dtype_as_torch():
    out = products.prod(rp.tensor(ZEROS), 1, keepdim=True)
    assert tuple(out.shape) == (3, 1)
    ints = np.array([[1, 2, 3], [4, 5, 6]])
    r, t = products.prod(rp.tensor(ints), 0), torch.prod(torch.tensor(ints), 0)
    assert r.dtype == np.int64 and r.tolist() == t.tolist()
    assert products.prod(rp.tensor(ints), dtype=np.float64).dtype == np.float64


@pytest.mark.parametrize("data", [X[:, :4], ZEROS], ids=["no zeros", "zeros"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumprod_matches_torch_including_zeros(data, dim):
    assert_parity(lambda t: products.cumprod(t, dim), lambda t: torch.cumprod(t, dim), [data])
    check_grad(lambda t: products.cumprod(t, dim), [data])


def test_cumprod_needs_a_dim():
    with pytest.raises(TypeError, match="cumprod: dim"):
        products.cumprod(rp.tensor(X), None)
