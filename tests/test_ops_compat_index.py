"""Indexed writes (retroprop.ops.scatter), rearrangements (retroprop.ops.rearrange) and the
named matrix products (retroprop.ops.matrix) against PyTorch: values, gradients, finite
differences and the errors for bad shapes and indices."""

import numpy as np
import pytest
import torch

import retroprop as rp
from retroprop.ops import matrix, rearrange, scatter
from tests.parity import assert_parity, check_grad

rng = np.random.default_rng(3)


def randn(*shape):
    return rng.standard_normal(shape).astype(np.float32)


X = randn(3, 4)
Y = randn(2, 3, 4)


def test_index_select_matches_torch_with_repeated_indices():
    idx = np.array([3, 0, 3])
    for dim in (0, 1):
        i = idx[idx < X.shape[dim]]
        assert_parity(
            lambda a, j, dim=dim: scatter.index_select(a, dim, j),
            lambda a, j, dim=dim: torch.index_select(a, dim, j),
            [X, i],
        )
        check_grad(lambda a, j, dim=dim: scatter.index_select(a, dim, j), [X, i])
    with pytest.raises(IndexError, match="index_select: index 7"):
        scatter.index_select(rp.tensor(X), 1, rp.tensor([7]))


@pytest.mark.parametrize("dim", [0, 1])
def test_scatter_add_matches_torch_with_repeated_indices(dim):
    idx = rng.integers(0, X.shape[dim], (2, 3))
    src = randn(2, 3)
    assert_parity(
        lambda a, i, s: scatter.scatter_add(a, dim, i, s),
        lambda a, i, s: torch.scatter_add(a, dim, i, s),
        [X, idx, src],
    )
    check_grad(lambda a, i, s: scatter.scatter_add(a, dim, i, s), [X, idx, src])


def test_scatter_matches_torch_for_a_tensor_and_a_value():
    idx = np.array([[0, 2, 1, 3], [2, 0, 3, 1]])  # a permutation per row: no index repeats
    src = randn(2, 4)
    assert_parity(
        lambda a, i, s: scatter.scatter(a, 1, i, s),
        lambda a, i, s: torch.scatter(a, 1, i, s),
        [X, idx, src],
    )
    check_grad(lambda a, i, s: scatter.scatter(a, 1, i, s), [X, idx, src])
    assert_parity(
        lambda a, i: scatter.scatter(a, 1, i, value=-1.0),
        lambda a, i: torch.scatter(a, 1, i, value=-1.0),
        [X, idx],
    )


def test_scatter_reduce_add_and_bad_index_shapes():
    idx = np.array([[0, 1, 0]])
    src = randn(1, 3)
    out = scatter.scatter(rp.tensor(X), 0, rp.tensor(idx), rp.tensor(src), reduce="add")
    with pytest.warns(UserWarning, match="deprecated"):
        ref = torch.tensor(X).scatter(0, torch.tensor(idx), torch.tensor(src), reduce="add")
    np.testing.assert_allclose(out.numpy(), ref.numpy())
    with pytest.raises(RuntimeError, match="scatter: index"):
        scatter.scatter(rp.tensor(X), 0, rp.tensor([0, 1]), rp.tensor(src))
    with pytest.raises(IndexError, match="out of bounds"):
        scatter.scatter_add(rp.tensor(X), 0, rp.tensor([[5]]), rp.tensor(src))


def test_index_add_matches_torch_with_alpha_and_repeats():
    idx = np.array([2, 0, 2])
    src = randn(3, 4)
    assert_parity(
        lambda a, i, s: scatter.index_add(a, 0, i, s, alpha=2.5),
        lambda a, i, s: torch.index_add(a, 0, i, s, alpha=2.5),
        [X, idx, src],
    )
    check_grad(lambda a, i, s: scatter.index_add(a, 0, i, s), [X, idx, src])
    with pytest.raises(RuntimeError, match="index_add: source"):
        scatter.index_add(rp.tensor(X), 0, rp.tensor(idx), rp.tensor(randn(2, 4)))


def test_masked_fill_matches_torch_with_a_broadcast_mask_and_a_tensor_value():
    mask = np.array([True, False, True, False])
    assert_parity(
        lambda a: scatter.masked_fill(a, rp.tensor(mask), -np.inf),
        lambda a: a.masked_fill(torch.tensor(mask), -np.inf),
        [X],
    )
    value = np.array(0.5, dtype=np.float32)
    assert_parity(
        lambda a, v: scatter.masked_fill(a, rp.tensor(mask), v),
        lambda a, v: a.masked_fill(torch.tensor(mask), v),
        [X, value],
    )
    check_grad(lambda a: scatter.masked_fill(a, rp.tensor(X > 0), 0.0), [X])
    with pytest.raises(TypeError, match="masked_fill: mask"):
        scatter.masked_fill(rp.tensor(X), rp.tensor(X), 0.0)


@pytest.mark.parametrize("diagonal", [-1, 0, 2])
def test_tril_and_triu_match_torch_on_batches(diagonal):
    for name in ("tril", "triu"):
        assert_parity(
            lambda a, name=name: getattr(rearrange, name)(a, diagonal),
            lambda a, name=name: getattr(torch, name)(a, diagonal),
            [Y],
        )
    check_grad(lambda a: rearrange.tril(a, diagonal), [Y])
    with pytest.raises(RuntimeError, match="tril: input must have at least 2 dims"):
        rearrange.tril(rp.tensor(X[0]))


@pytest.mark.parametrize(
    "rp_fn, torch_fn",
    [
        (lambda a: rearrange.flip(a, (0, 2)), lambda a: torch.flip(a, (0, 2))),
        (lambda a: rearrange.flip(a, -1), lambda a: torch.flip(a, (-1,))),
        (lambda a: rearrange.roll(a, (1, -2), (0, 2)), lambda a: torch.roll(a, (1, -2), (0, 2))),
        (lambda a: rearrange.roll(a, 5), lambda a: torch.roll(a, 5)),
        (lambda a: rearrange.roll(a, 2, 1), lambda a: torch.roll(a, 2, 1)),
        (lambda a: rearrange.repeat(a, 2, 1, 3), lambda a: a.repeat(2, 1, 3)),
        (lambda a: rearrange.repeat(a, (1, 2, 2, 1)), lambda a: a.repeat(1, 2, 2, 1)),
        (lambda a: rearrange.tile(a, (2,)), lambda a: torch.tile(a, (2,))),
        (lambda a: rearrange.movedim(a, 0, -1), lambda a: torch.movedim(a, 0, -1)),
        (
            lambda a: rearrange.movedim(a, (0, 1), (2, 0)),
            lambda a: torch.movedim(a, (0, 1), (2, 0)),
        ),
        (lambda a: rearrange.swapaxes(a, 0, 2), lambda a: torch.swapaxes(a, 0, 2)),
        (lambda a: rearrange.swapdims(a, -1, 1), lambda a: torch.swapdims(a, -1, 1)),
        (lambda a: rearrange.narrow(a, 2, 1, 2), lambda a: torch.narrow(a, 2, 1, 2)),
        (lambda a: rearrange.narrow(a, 1, -2, 2), lambda a: torch.narrow(a, 1, -2, 2)),
        (lambda a: rearrange.select(a, 1, -1), lambda a: torch.select(a, 1, -1)),
        (lambda a: rearrange.unbind(a, 1), lambda a: torch.unbind(a, 1)),
        (lambda a: rearrange.unbind(a), lambda a: torch.unbind(a)),
    ],
)
def test_rearrangement_matches_torch_and_finite_differences(rp_fn, torch_fn):
    assert_parity(rp_fn, torch_fn, [Y])
    check_grad(lambda a: _first(rp_fn(a)), [Y])


def _first(out):
    return out[0] if isinstance(out, tuple) else out


def test_rearrangement_errors_name_the_function():
    t = rp.tensor(Y)
    with pytest.raises(RuntimeError, match="repeat: number of repeats"):
        rearrange.repeat(t, 2, 2)
    with pytest.raises(RuntimeError, match="narrow"):
        rearrange.narrow(t, 2, 3, 2)
    with pytest.raises(IndexError, match="select: index 3"):
        rearrange.select(t, 1, 3)
    with pytest.raises(RuntimeError, match="roll: shifts"):
        rearrange.roll(t, (1, 2), 0)
    with pytest.raises(RuntimeError, match="t: expects"):
        rearrange.t(t)


def test_t_matches_torch():
    assert_parity(rearrange.t, torch.t, [X])
    assert_parity(rearrange.t, torch.t, [X[0]])


A, B, C = randn(3, 4), randn(4, 5), randn(5)


def test_mm_bmm_outer_match_torch():
    assert_parity(matrix.mm, torch.mm, [A, B])
    check_grad(matrix.mm, [A, B])
    batch = randn(2, 4, 3)
    assert_parity(matrix.bmm, torch.bmm, [Y, batch])
    check_grad(matrix.bmm, [Y, batch])
    assert_parity(matrix.outer, torch.outer, [C, A[0].copy()])
    check_grad(matrix.outer, [C, A[0].copy()])


@pytest.mark.parametrize("beta, alpha", [(1, 1), (0.5, 2.0), (0, 1)])
def test_addmm_matches_torch_with_a_broadcast_input(beta, alpha):
    assert_parity(
        lambda c, a, b: matrix.addmm(c, a, b, beta=beta, alpha=alpha),
        lambda c, a, b: torch.addmm(c, a, b, beta=beta, alpha=alpha),
        [C, A, B],
        grad=[beta != 0, True, True],  # beta = 0: torch gives the input a zero grad, we none
    )
    check_grad(lambda c, a, b: matrix.addmm(c, a, b, beta=beta, alpha=alpha), [C, A, B])


def test_addmm_with_beta_zero_ignores_nan_in_the_input_as_torch():
    nan = np.full(5, np.nan, np.float32)
    out = matrix.addmm(rp.tensor(nan), rp.tensor(A), rp.tensor(B), beta=0)
    ref = torch.addmm(torch.tensor(nan), torch.tensor(A), torch.tensor(B), beta=0)
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-5)


def test_matrix_products_refuse_wrong_ranks_and_sizes():
    with pytest.raises(RuntimeError, match="mm: expects two 2-D"):
        matrix.mm(rp.tensor(Y), rp.tensor(B))
    with pytest.raises(RuntimeError, match="bmm: batch sizes differ"):
        matrix.bmm(rp.tensor(Y), rp.tensor(randn(3, 4, 2)))
    with pytest.raises(RuntimeError, match=r"\(4 != 5\)"):
        matrix.mm(rp.tensor(A), rp.tensor(randn(5, 2)))
    with pytest.raises(RuntimeError, match="outer: expects two 1-D"):
        matrix.outer(rp.tensor(A), rp.tensor(C))


def test_scatter_add_of_integers_matches_torch():
    base = np.arange(12).reshape(3, 4)
    idx = np.array([[0, 2, 2, 1], [0, 0, 1, 1]])
    src = np.arange(8).reshape(2, 4) * 10
    out = scatter.scatter_add(rp.tensor(base), 0, rp.tensor(idx), rp.tensor(src))
    ref = torch.scatter_add(torch.tensor(base), 0, torch.tensor(idx), torch.tensor(src))
    assert out.dtype == np.int64 and out.tolist() == ref.tolist()
