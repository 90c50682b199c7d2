"""PyTorch names found in tutorials beyond issue 9's list: dot, mv, diag / diagonal / trace,
repeat_interleave, masked_select, clamp_min / clamp_max, isclose / allclose, nonzero /
argwhere / count_nonzero, and the in-place scatter_ / scatter_add_ / index_add_ /
index_fill_ (one-hot rows by scatter_). Values and gradients against torch 2.13, finite
differences in float64."""

import numpy as np
import pytest
import torch

import retroprop as rp
from tests.parity import assert_parity, check_grad

rng = np.random.default_rng(5)


def randn(*shape):
    return rng.standard_normal(shape).astype(np.float32)


X, V, W = randn(3, 4), randn(4), randn(4)
Y = randn(2, 3, 4)


@pytest.mark.parametrize(
    "fn, data",
    [
        (lambda a, b: rp.dot(a, b) if isinstance(a, rp.Tensor) else torch.dot(a, b), [V, W]),
        (lambda a, b: a.mv(b), [X, V]),
        (lambda a: a.diag(), [X]),
        (lambda a: a.diag(1), [X]),
        (lambda a: a.diag(-1), [V]),
        (lambda a: a.diag(2), [V]),
        (lambda a: a.diagonal(), [X]),
        (lambda a: a.diagonal(1, 2, 0), [Y]),
        (lambda a: a.diagonal(-1, -2, -1), [Y]),
        (lambda a: a.trace(), [X]),
        (lambda a: a.repeat_interleave(2), [X]),
        (lambda a: a.repeat_interleave(3, dim=1), [X]),
        (lambda a: a.masked_select(a > 0), [X]),
        (lambda a: a.clamp_min(0.1), [X]),
        (lambda a: a.clamp_max(-0.1), [X]),
    ],
)
def test_extra_op_matches_torch_and_finite_differences(fn, data):
    assert_parity(fn, fn, data)
    check_grad(fn, data)


def test_repeat_interleave_with_one_count_per_slice_and_masked_select_broadcast():
    counts = np.array([0, 2, 1])
    assert_parity(
        lambda a: a.repeat_interleave(rp.tensor(counts), dim=0),
        lambda a: a.repeat_interleave(torch.tensor(counts), dim=0),
        [X],
    )
    row = np.array([True, False, True, True])
    assert_parity(
        lambda a: rp.masked_select(a, rp.tensor(row)),
        lambda a: torch.masked_select(a, torch.tensor(row)),
        [X],
    )
    with pytest.raises(RuntimeError, match="repeat_interleave: 2 repeats"):
        rp.tensor(X).repeat_interleave(rp.tensor([1, 2]), dim=0)


def test_diag_trace_and_dot_refuse_wrong_shapes():
    with pytest.raises(RuntimeError, match="diag: expects"):
        rp.diag(rp.tensor(Y))
    with pytest.raises(RuntimeError, match="trace: expects a matrix"):
        rp.trace(rp.tensor(V))
    with pytest.raises(RuntimeError, match="dot: expects"):
        rp.dot(rp.tensor(V), rp.tensor(X))
    with pytest.raises(RuntimeError, match="mv: expects"):
        rp.mv(rp.tensor(X), rp.tensor(randn(3)))
    with pytest.raises(RuntimeError, match="diagonal: dim1 and dim2"):
        rp.diagonal(rp.tensor(Y), 0, 1, 1)


def test_isclose_allclose_match_torch():
    a = np.array([1.0, 2.0, np.nan, 1e-9], dtype=np.float64)
    b = np.array([1.0 + 1e-6, 2.1, np.nan, 0.0], dtype=np.float64)
    for kw in ({}, {"equal_nan": True}, {"rtol": 0.1, "atol": 0.0}):
        r = rp.isclose(rp.tensor(a, dtype=np.float64), rp.tensor(b, dtype=np.float64), **kw)
        t = torch.isclose(torch.tensor(a), torch.tensor(b), **kw)
        np.testing.assert_array_equal(r.numpy(), t.numpy())
        assert rp.allclose(rp.tensor(a[:2]), rp.tensor(b[:2]), **kw) == torch.allclose(
            torch.tensor(a[:2]), torch.tensor(b[:2]), **kw
        )


def test_nonzero_argwhere_count_nonzero_match_torch():
    data = np.array([[0, 1, 0], [2, 0, 3]])
    r, t = rp.tensor(data), torch.tensor(data)
    assert r.nonzero().tolist() == t.nonzero().tolist() and r.nonzero().dtype == np.int64
    assert [x.tolist() for x in r.nonzero(as_tuple=True)] == [
        x.tolist() for x in t.nonzero(as_tuple=True)
    ]
    assert rp.argwhere(r).tolist() == torch.argwhere(t).tolist()
    assert rp.count_nonzero(r).item() == torch.count_nonzero(t).item()
    assert rp.count_nonzero(r, 0).tolist() == torch.count_nonzero(t, 0).tolist()
    assert tuple(rp.tensor(np.zeros((2, 2))).nonzero().shape) == (0, 2)


def test_scatter_in_place_writes_one_hot_rows_as_torch():
    labels = np.array([[2], [0], [3]])
    ours = rp.zeros(3, 4).scatter_(1, rp.tensor(labels), 1)
    ref = torch.zeros(3, 4).scatter_(1, torch.tensor(labels), 1)
    np.testing.assert_array_equal(ours.numpy(), ref.numpy())


def test_in_place_index_writes_match_torch_and_bump_the_version():
    idx = np.array([[0, 2, 1, 0]])
    src = randn(1, 4)
    cases = [
        (lambda t, i, s: t.scatter_add_(0, i, s), idx),
        (lambda t, i, s: t.scatter_(0, i, s), idx),
        (lambda t, i, s: t.index_add_(0, i, s.expand(2, 4), alpha=2), np.array([2, 2])),
        (lambda t, i, s: t.index_fill_(1, i, -1.0), np.array([0, 3])),
    ]
    for call, index in cases:
        a, b = rp.tensor(X.copy()), torch.tensor(X.copy())
        version = a._version[0]
        assert call(a, rp.tensor(index), rp.tensor(src)) is a
        call(b, torch.tensor(index), torch.tensor(src))
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)
        assert a._version[0] == version + 1
    w = rp.tensor(X, requires_grad=True)
    with pytest.raises(RuntimeError, match="scatter_"):
        w.scatter_(0, rp.tensor(idx), rp.tensor(src))


def test_where_takes_torchs_argument_names_and_the_condition_alone():
    cond = X > 0
    ours = rp.where(condition=rp.tensor(cond), input=rp.tensor(X), other=0.0)
    ref = torch.where(condition=torch.tensor(cond), input=torch.tensor(X), other=0.0)
    np.testing.assert_allclose(ours.numpy(), ref.numpy())
    positions = rp.where(rp.tensor(cond))
    assert [p.tolist() for p in positions] == [p.tolist() for p in torch.where(torch.tensor(cond))]
    with pytest.raises(TypeError, match="where: pass both"):
        rp.where(rp.tensor(cond), rp.tensor(X))


@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid_matches_torch_with_gradients(indexing):
    a, b, c = randn(3), randn(2), randn(4)
    assert_parity(
        lambda *t: rp.meshgrid(*t, indexing=indexing),
        lambda *t: torch.meshgrid(*t, indexing=indexing),
        [a, b, c],
    )
    check_grad(lambda x, y: rp.meshgrid(x, y, indexing=indexing)[1], [a, b])


@pytest.mark.parametrize("n, dim", [(1, -1), (2, 1), (1, 0)])
def test_diff_matches_torch_with_prepend_and_append(n, dim):
    assert_parity(lambda t: t.diff(n, dim), lambda t: t.diff(n, dim), [X])
    check_grad(lambda t: rp.diff(t, n, dim), [X])
    edge = X[:, :1] if dim != 0 else X[:1]
    assert_parity(
        lambda t, p: rp.diff(t, n, dim, prepend=p, append=p),
        lambda t, p: torch.diff(t, n, dim, prepend=p, append=p),
        [X, edge.copy()],
    )
