"""Shape operations (retroprop.ops.shape) against PyTorch: reshape, flatten, permute,
transpose, expand, squeeze/unsqueeze, cat, stack, split, chunk, pad; finite differences;
bad inputs."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st

import retroprop as rp
from retroprop.ops.shape import expand, pad
from tests.parity import assert_parity, check_grad

rng = np.random.default_rng(0)


def randn(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


shapes = st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple)


@given(shapes, st.data())
def test_reshape_matches_torch_including_minus_one(shape, data):
    x = randn(*shape)
    target = list(data.draw(st.permutations(shape)))
    if data.draw(st.booleans()):
        target[data.draw(st.integers(0, len(target) - 1))] = -1
    assert_parity(lambda t: rp.reshape(t, target), lambda t: torch.reshape(t, target), [x])
    assert_parity(lambda t: t.view(*target), lambda t: t.view(*target), [x])


def test_reshape_to_the_same_shape_and_of_a_0d_tensor():
    assert_parity(lambda t: t.reshape(2, 3), lambda t: t.reshape(2, 3), [randn(2, 3)])
    assert_parity(lambda t: t.reshape(1, 1), lambda t: t.reshape(1, 1), [randn()])


@given(shapes, st.data())
def test_flatten_matches_torch(shape, data):
    n = len(shape)
    start = data.draw(st.integers(-n, n - 1))
    end = data.draw(st.integers(start % n, n - 1))
    assert_parity(
        lambda t: rp.flatten(t, start, end), lambda t: torch.flatten(t, start, end), [randn(*shape)]
    )


def test_flatten_of_a_0d_tensor_gives_one_element():
    assert_parity(lambda t: t.flatten(), lambda t: t.flatten(), [randn()])


@given(shapes, st.data())
def test_permute_and_transpose_match_torch(shape, data):
    x = randn(*shape)
    dims = data.draw(st.permutations(range(len(shape))))
    assert_parity(lambda t: t.permute(*dims), lambda t: t.permute(*dims), [x])
    d0 = data.draw(st.integers(-len(shape), len(shape) - 1))
    d1 = data.draw(st.integers(-len(shape), len(shape) - 1))
    assert_parity(lambda t: rp.transpose(t, d0, d1), lambda t: torch.transpose(t, d0, d1), [x])


def test_t_and_T_reverse_the_dims():
    assert_parity(lambda t: t.T, lambda t: t.permute(2, 1, 0), [randn(2, 3, 4)])
    assert_parity(lambda t: t.t(), lambda t: t.t(), [randn(2, 3)])


@pytest.mark.parametrize(
    ("shape", "target"),
    [((3, 1), (3, 4)), ((1, 4), (2, 5, 4)), ((2, 1, 3), (-1, 4, -1)), ((3,), (2, -1)), ((), (3,))],
)
def test_expand_matches_torch_and_sums_gradient_over_broadcast_dims(shape, target):
    assert_parity(lambda t: t.expand(*target), lambda t: t.expand(*target), [randn(*shape)])


def test_expand_as_matches_torch():
    assert_parity(
        lambda a, b: a.expand_as(b) * b, lambda a, b: a.expand_as(b) * b, [randn(1, 3), randn(2, 3)]
    )


@pytest.mark.parametrize("dim", [None, 0, -1, 1, (0, 2), (0, 1, 2)])
def test_squeeze_matches_torch(dim):
    x = randn(1, 3, 1)
    assert_parity(
        lambda t: rp.squeeze(t, dim), lambda t: t.squeeze(*([] if dim is None else [dim])), [x]
    )


@pytest.mark.parametrize("dim", [0, 1, 2, -1, -3])
def test_unsqueeze_matches_torch(dim):
    assert_parity(lambda t: t.unsqueeze(dim), lambda t: t.unsqueeze(dim), [randn(2, 3)])


@given(st.lists(st.integers(0, 3), min_size=1, max_size=4), st.integers(-3, 2))
def test_cat_matches_torch_over_sizes_and_dims(sizes, dim):
    base = [2, 3, 2]
    arrays = []
    for n in sizes:
        shape = list(base)
        shape[dim] = n
        arrays.append(randn(*shape))
    assert_parity(lambda *ts: rp.cat(ts, dim), lambda *ts: torch.cat(ts, dim), arrays)


def test_cat_promotes_dtypes_like_torch_and_casts_gradients_back():
    a32, a64 = randn(2, 3), randn(2, 2, dtype=np.float64)
    assert_parity(lambda a, b: rp.cat([a, b], 1), lambda a, b: torch.cat([a, b], 1), [a32, a64])
    ints = np.arange(4).reshape(2, 2)
    assert_parity(lambda a, b: rp.cat([a, b], 1), lambda a, b: torch.cat([a, b], 1), [a32, ints])
    out = rp.cat([rp.tensor([1, 2]), rp.tensor([True])])
    assert out.dtype == np.int64 and out.tolist() == [1, 2, 1]


@given(st.integers(1, 4), st.integers(-3, 2))
def test_stack_matches_torch(k, dim):
    arrays = [randn(2, 3) for _ in range(k)]
    assert_parity(lambda *ts: rp.stack(ts, dim), lambda *ts: torch.stack(ts, dim), arrays)


@pytest.mark.parametrize("split_size", [1, 2, 3, 5, [1, 4], [2, 0, 3], [5]])
def test_split_matches_torch(split_size):
    x = randn(3, 5)
    assert_parity(lambda t: t.split(split_size, 1), lambda t: t.split(split_size, 1), [x])
    assert_parity(
        lambda t: rp.split(t, split_size, -1), lambda t: torch.split(t, split_size, -1), [x]
    )


@pytest.mark.parametrize(("n", "chunks"), [(6, 3), (5, 4), (6, 4), (7, 2), (2, 5), (1, 1)])
def test_chunk_sizes_and_gradients_match_torch(n, chunks):
    x = randn(2, n)
    assert_parity(lambda t: t.chunk(chunks, 1), lambda t: t.chunk(chunks, 1), [x])
    assert_parity(lambda t: rp.chunk(t.T, chunks), lambda t: torch.chunk(t.T, chunks), [x])


def test_chunk_and_split_of_an_empty_dim_match_torch():
    e = rp.zeros(0)
    assert [t.shape for t in rp.chunk(e, 3)] == [
        tuple(t.shape) for t in torch.chunk(torch.zeros(0), 3)
    ]
    assert [t.shape for t in rp.split(e, 2)] == [(0,)]


@pytest.mark.parametrize(
    ("mode", "pads"),
    [
        ("constant", (1, 2)),
        ("constant", (2, 0, 1, 3)),
        ("constant", (-1, 2, 1, -1)),
        ("reflect", (2, 1)),
        ("reflect", (1, 2, 2, 1)),
        ("replicate", (3, 1, 0, 2)),
        ("replicate", (-1, 1)),
        ("circular", (3, 1, 1, 2)),
    ],
)
def test_pad_matches_torch_for_each_mode(mode, pads):
    x = randn(2, 3, 4)
    assert_parity(lambda t: pad(t, pads, mode), lambda t: TF.pad(t, pads, mode), [x])


def test_constant_pad_uses_the_value_and_keeps_dtype():
    x = randn(2, 2)
    assert_parity(
        lambda t: pad(t, (1, 1), value=-2.5), lambda t: TF.pad(t, (1, 1), value=-2.5), [x]
    )
    assert pad(rp.tensor([[1, 2]]), (0, 1)).dtype == np.int64


def test_shape_ops_gradcheck_in_float64():
    x = rng.standard_normal((2, 3, 4))
    check_grad(lambda t: t.reshape(4, -1), [x])
    check_grad(lambda t: t.permute(2, 0, 1), [x])
    check_grad(lambda t: expand(t[:, :1], (5, 2, 3, 4)), [x])
    check_grad(lambda t: rp.squeeze(t[:1], 0), [x])
    check_grad(lambda a, b: rp.cat([a, b, a], 2), [x, rng.standard_normal((2, 3, 1))])
    check_grad(lambda a, b: rp.stack([a, b], 1), [x, rng.standard_normal((2, 3, 4))])
    check_grad(lambda t: rp.split(t, [1, 3], 2)[1].sum() * rp.split(t, 3, 2)[0], [x])
    for mode in ("constant", "reflect", "replicate", "circular"):
        check_grad(lambda t, mode=mode: pad(t, (3, 2, 1, 2), mode), [x])


def test_reshape_errors_name_both_shapes():
    x = rp.ones(2, 3)
    with pytest.raises(
        RuntimeError, match=r"shape \[4, 2\] is invalid for input of shape \(2, 3\)"
    ):
        x.reshape(4, 2)
    with pytest.raises(RuntimeError, match=r"shape \[4, -1\] is invalid for input of shape"):
        x.reshape(4, -1)
    with pytest.raises(RuntimeError, match="one -1"):
        x.reshape(-1, -1)
    with pytest.raises(TypeError, match="reshape: shape must be a sequence of ints"):
        rp.reshape(x, None)


def test_bad_dims_raise_clear_errors():
    x = rp.ones(2, 3)
    with pytest.raises(IndexError, match="got 2"):
        x.transpose(0, 2)
    with pytest.raises(RuntimeError, match="repeats a dimension"):
        x.permute(1, -1)
    with pytest.raises(RuntimeError, match="permute: dims .* has 3 entries"):
        x.permute(0, 1, 2)
    with pytest.raises(ValueError, match="start_dim .* cannot come after end_dim"):
        rp.ones(2, 3, 4).flatten(2, 1)
    with pytest.raises(IndexError, match="got 3"):
        x.unsqueeze(3)
    with pytest.raises(IndexError, match="got -3"):
        x.squeeze(-3)


def test_expand_errors():
    x = rp.ones(2, 3)
    with pytest.raises(
        RuntimeError, match=r"expanded size \(4\) must match the existing size \(3\)"
    ):
        x.expand(2, 4)
    with pytest.raises(RuntimeError, match="at least the number of dims"):
        x.expand(3)
    with pytest.raises(RuntimeError, match="not allowed in new leading dim"):
        x.expand(-1, 2, 3)


def test_cat_and_stack_errors():
    a, b = rp.ones(2, 3), rp.ones(2, 2)
    with pytest.raises(RuntimeError, match=r"cat: sizes must match except in dim 0.*\(2, 2\)"):
        rp.cat([a, b])
    with pytest.raises(RuntimeError, match="cat: sizes must match"):
        rp.cat([a, rp.ones(2, 3, 1)], 0)
    with pytest.raises(ValueError, match="non-empty"):
        rp.cat([])
    with pytest.raises(TypeError, match="sequence of Tensors, got Tensor"):
        rp.cat(a)
    with pytest.raises(TypeError, match="entry 1 is a ndarray"):
        rp.stack([a, np.ones((2, 3))])
    with pytest.raises(RuntimeError, match=r"stack: expects tensors of equal shape.*\(2, 2\)"):
        rp.stack([a, b])
    with pytest.raises(IndexError, match="got 3"):
        rp.stack([a, a], 3)


def test_split_chunk_and_pad_errors():
    x = rp.ones(2, 5)
    with pytest.raises(RuntimeError, match=r"sizes \[1, 1\] must be non-negative and sum to 5"):
        x.split([1, 1], 1)
    with pytest.raises(RuntimeError, match="split_size must be positive"):
        x.split(0)
    with pytest.raises(RuntimeError, match="chunks to be greater than 0, got 0"):
        x.chunk(0)
    with pytest.raises(ValueError, match="even number of values"):
        pad(x, (1, 2, 3))
    with pytest.raises(ValueError, match="at most 2 \\* ndim"):
        pad(x, (1, 1, 1, 1, 1, 1))
    with pytest.raises(ValueError, match=r"reflect padding \(5, 0\) is too large for dim 1"):
        pad(x, (5, 0), "reflect")
    with pytest.raises(ValueError, match="mode must be"):
        pad(x, (1, 1), "edge")
    with pytest.raises(ValueError, match="negative size"):
        pad(x, (-3, -3))
