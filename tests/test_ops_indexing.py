"""Indexing (retroprop.ops.indexing) against PyTorch: basic and advanced ``x[index]`` (repeated
indices accumulate their gradients), bool masks, gather, one_hot; finite differences; bad
indices."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st

import retroprop as rp
from retroprop.ops.indexing import one_hot
from tests.parity import assert_parity, check_grad

rng = np.random.default_rng(0)


def randn(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


BASIC = [
    1,
    -1,
    slice(None),
    slice(1, None),
    (0, 1),
    (slice(None), 2),
    (Ellipsis, 1),
    (None, 0, Ellipsis, None),
    (1, slice(None, 2), -1),
    (),
]


@pytest.mark.parametrize("index", BASIC, ids=repr)
def test_basic_indexing_matches_torch(index):
    assert_parity(lambda t: t[index], lambda t: t[index], [randn(4, 3, 5)])


def test_negative_step_slices_reverse_like_numpy():
    """PyTorch has no negative steps; the reference is torch.flip."""
    x = randn(4, 3)
    assert_parity(lambda t: t[::-1], lambda t: t.flip(0), [x])
    assert_parity(lambda t: t[:, 2:0:-2], lambda t: t.flip(1)[:, 0:1], [x])


ADVANCED = [
    [0, 2, 2, 0],
    [[1, 1], [0, 3]],
    ([0, 1, 1], [2, 2, 0]),
    (slice(None), [2, 0, 2]),
    (Ellipsis, [1, -1, 1]),
    ([3, 3], slice(1, None), [0, 4]),
    (1, [2, 0, 2]),
    ([-1, -4, -1],),
]


@pytest.mark.parametrize("index", ADVANCED, ids=repr)
def test_advanced_indexing_accumulates_repeated_indices_like_torch(index):
    def as_torch(i):
        return torch.tensor(i) if isinstance(i, list) else i

    tindex = tuple(as_torch(i) for i in index) if isinstance(index, tuple) else as_torch(index)
    assert_parity(lambda t: t[index], lambda t: t[tindex], [randn(4, 3, 5)])


@given(
    st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple),
    st.lists(st.integers(0, 5), min_size=0, max_size=8),
)
def test_row_lookup_with_int64_tensor_matches_torch(rows, idx):
    """``x[idx]`` with an int64 tensor: the embedding lookup and its scatter-add backward."""
    n = 6
    x = randn(n, *rows)
    index = np.array(idx, dtype=np.int64)
    assert_parity(lambda t, i: t[i], lambda t, i: t[i], [x, index])


def test_lookup_with_a_2d_index_tensor_and_negative_rows():
    x = randn(5, 3)
    index = np.array([[0, -1, 4], [4, 2, 0]])
    assert_parity(lambda t, i: t[i], lambda t, i: t[i], [x, index])


def test_bool_masks_from_tensors_and_arrays_match_torch():
    x = randn(3, 4)
    mask = x > 0
    assert_parity(lambda t: t[rp.tensor(mask)], lambda t: t[torch.tensor(mask)], [x])
    assert_parity(lambda t: t[mask], lambda t: t[torch.tensor(mask)], [x])
    rows = np.array([True, False, True])
    assert_parity(lambda t: t[rows, 1:], lambda t: t[torch.tensor(rows), 1:], [x])


def test_index_with_a_0d_int_tensor_is_like_an_int():
    x = randn(4, 3)
    assert_parity(lambda t: t[rp.tensor(2)], lambda t: t[torch.tensor(2)], [x])


def test_getitem_gradcheck_in_float64():
    x = rng.standard_normal((4, 3))
    check_grad(lambda t: t[1:, ::2], [x])
    check_grad(lambda t: t[[0, 0, 3, 0]], [x])
    check_grad(lambda t: t[[1, 1, 2], [0, 0, 2]], [x])
    check_grad(lambda t: t[:, [2, 2]], [x])
    check_grad(lambda t: t[x > 0], [x])


@given(st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple), st.data())
def test_gather_matches_torch(shape, data):
    n = len(shape)
    dim = data.draw(st.integers(-n, n - 1))
    d = dim % n
    index_shape = tuple(
        data.draw(st.integers(1, 5)) if k == d else data.draw(st.integers(1, s))
        for k, s in enumerate(shape)
    )
    index = rng.integers(0, shape[d], index_shape)
    assert_parity(
        lambda t, i: rp.gather(t, dim, i),
        lambda t, i: torch.gather(t, dim, i),
        [randn(*shape), index],
    )


def test_gather_method_and_gradcheck():
    x = rng.standard_normal((3, 4))
    index = np.array([[0, 0, 3], [1, 1, 1]])
    assert_parity(lambda t, i: t.gather(1, i), lambda t, i: t.gather(1, i), [x, index])
    check_grad(lambda t: t.gather(1, rp.tensor(index)), [x])
    check_grad(lambda t: t.gather(0, rp.tensor([[2, 2, 0, 1]])), [x])


def test_gather_errors():
    x = rp.ones(3, 4)
    with pytest.raises(IndexError, match="gather: index 4 is out of bounds for dim 1 with size 4"):
        x.gather(1, rp.tensor([[4]]))
    with pytest.raises(IndexError, match="gather: index -1 is out of bounds"):
        x.gather(0, rp.tensor([[-1]]))
    with pytest.raises(TypeError, match="gather: index must be an int64 tensor, got dtype float32"):
        x.gather(0, rp.tensor([[0.0]]))
    with pytest.raises(
        RuntimeError, match=r"gather: index \(shape \(2,\)\) must have as many dims"
    ):
        x.gather(0, rp.tensor([0, 1]))
    with pytest.raises(RuntimeError, match="larger than input shape"):
        x.gather(0, rp.zeros(1, 5).long())
    with pytest.raises(IndexError, match="got 2"):
        x.gather(2, rp.tensor([[0]]))


@pytest.mark.parametrize("num_classes", [-1, 5])
def test_one_hot_matches_torch(num_classes):
    labels = np.array([[0, 3], [1, 3]])
    r = one_hot(rp.tensor(labels), num_classes)
    t = TF.one_hot(torch.tensor(labels), num_classes)
    assert r.dtype == np.int64 and r.shape == tuple(t.shape)
    np.testing.assert_array_equal(r.numpy(), t.numpy())


def test_one_hot_errors():
    with pytest.raises(RuntimeError, match="smaller than num_classes=3, got 3"):
        one_hot(rp.tensor([0, 3]), 3)
    with pytest.raises(RuntimeError, match="non-negative, got -1"):
        one_hot(rp.tensor([0, -1]), 3)
    with pytest.raises(RuntimeError, match="empty tensor"):
        one_hot(rp.tensor(np.zeros(0, np.int64)))
    with pytest.raises(TypeError, match="int64 tensor, got dtype float32"):
        one_hot(rp.tensor([0.0, 1.0]))


def test_bad_indices_raise_clear_errors():
    x = rp.ones(3, 4)
    with pytest.raises(IndexError, match=r"getitem: .*index 3 is out of bounds.*\(3, 4\)"):
        x[3]
    with pytest.raises(IndexError, match="getitem: .*out of bounds"):
        x[[0, 5]]
    with pytest.raises(IndexError, match="getitem: .*too many indices"):
        x[0, 0, 0]
    with pytest.raises(IndexError, match="integer or bool, got dtype float32"):
        x[rp.tensor([0.0])]
    with pytest.raises(IndexError, match="getitem: indices must be ints"):
        x[1.5]
    with pytest.raises(IndexError, match="getitem: .*boolean index did not match"):
        x[np.array([True, False])]
