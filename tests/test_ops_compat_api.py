"""The PyTorch names of issue 9 as ``rp.NAME`` functions and Tensor methods: each method gives
what torch's does (values, dtypes, gradients), the factories ``new_*``, the in-place updates,
std_mean / var_mean, and the random draws multinomial / bernoulli (statistics)."""

import numpy as np
import pytest
import torch

import retroprop as rp
from tests.parity import assert_parity, check_grad

rng = np.random.default_rng(4)


def randn(*shape):
    return rng.standard_normal(shape).astype(np.float32)


X = randn(3, 4)
POS = np.abs(X) + 0.5
FUNCTIONS = str.split(
    "square mm bmm addmm outer t masked_fill where tril triu flip roll tile prod cumprod amax "
    "amin topk sort argsort unbind movedim swapaxes swapdims narrow select index_select "
    "scatter scatter_add index_add floor ceil round trunc frac reciprocal rsqrt lerp "
    "logaddexp erf erfinv expm1 log2 log10 addcmul addcdiv isnan isinf isfinite nan_to_num "
    "all any eq ne lt le gt ge equal logical_and logical_or logical_xor logical_not std_mean "
    "var_mean multinomial bernoulli"
)
METHODS = str.split(
    "square mm bmm addmm outer t masked_fill masked_fill_ where tril triu flip roll repeat "
    "tile prod cumprod amax amin topk sort argsort unbind movedim swapaxes swapdims narrow "
    "select index_select scatter scatter_add index_add floor ceil round trunc frac reciprocal "
    "rsqrt lerp logaddexp erf erfinv expm1 log2 log10 addcmul addcdiv isnan isinf isfinite "
    "nan_to_num all any eq ne lt le gt ge equal logical_and logical_or logical_xor "
    "logical_not new_zeros new_ones new_full new_empty new_tensor type_as view_as contiguous "
    "detach_ multinomial bernoulli bernoulli_ uniform_ normal_ addcmul_ addcdiv_ lerp_ sqrt_ "
    "clamp_ abs_ exp_ neg_ pow_"
)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_is_exported_like_torch(name):
    assert callable(getattr(rp, name)) and callable(getattr(torch, name))


@pytest.mark.parametrize("name", METHODS)
def test_method_exists_like_torch(name):
    assert callable(getattr(rp.Tensor, name)) and callable(getattr(torch.Tensor, name))


@pytest.mark.parametrize(
    "call, data",
    [
        (lambda t: t.square(), [X]),
        (lambda t: t.reciprocal(), [POS]),
        (lambda t: t.rsqrt(), [POS]),
        (lambda t: t.expm1(), [X]),
        (lambda t: t.log2(), [POS]),
        (lambda t: t.log10(), [POS]),
        (lambda t: t.erf(), [X]),
        (lambda t: t.erfinv(), [np.tanh(X)]),
        (lambda t: t.frac(), [X * 3]),
        (lambda t: t.floor(), [X * 3]),
        (lambda t: t.round(decimals=1), [X * 3]),
        (lambda t: t.nan_to_num(), [X]),
        (lambda t, o: t.logaddexp(o), [X, POS]),
        (lambda t, o: t.lerp(o, 0.25), [X, POS]),
        (lambda t, o: t.where(t > 0, o), [X, POS]),
        (lambda t: t.prod(1), [X]),
        (lambda t: t.prod(), [X]),
        (lambda t: t.cumprod(0), [X]),
        (lambda t: t.amax(0), [X]),
        (lambda t: t.amin((0, 1), keepdim=True), [X]),
        (lambda t: t.sort(descending=True), [X]),
        (lambda t: t.topk(2), [X]),
        (lambda t: t.tril(), [X]),
        (lambda t: t.triu(1), [X]),
        (lambda t: t.flip(0), [X]),
        (lambda t: t.flip(0, 1), [X]),
        (lambda t: t.roll(1, 1), [X]),
        (lambda t: t.repeat(2, 3), [X]),
        (lambda t: t.tile(2), [X]),
        (lambda t: t.movedim(0, 1), [X]),
        (lambda t: t.swapaxes(0, 1), [X]),
        (lambda t: t.narrow(1, 1, 2), [X]),
        (lambda t: t.select(0, 1), [X]),
        (lambda t: t.unbind(1), [X]),
        (lambda t, o: t.mm(o), [X, randn(4, 2)]),
        (lambda t, o: t.outer(o), [X[0].copy(), X[1].copy()]),
        (lambda t, a, b: t.addmm(a, b, alpha=0.5), [randn(3, 2), X, randn(4, 2)]),
        (lambda t: t.masked_fill(t < 0, 0.0), [X]),
        (lambda t, i: t.index_select(1, i), [X, np.array([0, 0, 3])]),
        (lambda t, i, s: t.scatter_add(0, i, s), [X, np.array([[2, 0, 0, 1]]), randn(1, 4)]),
        (lambda t, i, s: t.index_add(1, i, s), [X, np.array([1, 1]), randn(3, 2)]),
    ],
)
def test_method_matches_torch(call, data):
    assert_parity(call, call, [np.asarray(d) for d in data], rtol=1e-4, atol=1e-5)


def test_comparison_and_logic_methods_match_torch():
    a, b = rp.tensor(X), torch.tensor(X)
    for name in ("eq", "ne", "lt", "le", "gt", "ge"):
        np.testing.assert_array_equal(getattr(a, name)(0.1).numpy(), getattr(b, name)(0.1).numpy())
    for name in ("isnan", "isinf", "isfinite", "logical_not"):
        np.testing.assert_array_equal(getattr(a, name)().numpy(), getattr(b, name)().numpy())
    assert a.gt(0).all(1).tolist() == b.gt(0).all(1).tolist()
    assert a.gt(0).any().item() == b.gt(0).any().item()
    assert a.logical_and(a > 0).tolist() == b.logical_and(b > 0).tolist()
    assert a.argsort(0).tolist() == b.argsort(0).tolist()
    assert a.equal(rp.tensor(X.copy()))


def test_sort_and_topk_results_unpack_and_name_their_fields():
    values, indices = rp.tensor(X).sort(0)
    ref = torch.tensor(X).sort(0)
    np.testing.assert_array_equal(indices.numpy(), ref.indices.numpy())
    top = rp.topk(rp.tensor(X), 3, dim=0)
    ref = torch.topk(torch.tensor(X), 3, dim=0)
    np.testing.assert_allclose(top.values.numpy(), ref.values.numpy())
    np.testing.assert_array_equal(top.indices.numpy(), ref.indices.numpy())


@pytest.mark.parametrize("name", ["std_mean", "var_mean"])
@pytest.mark.parametrize(
    "dim, correction, keepdim", [(None, 1, False), (1, 0, True), ((0, 1), 1, False)]
)
def test_std_mean_and_var_mean_match_torch(name, dim, correction, keepdim):
    kw = {"correction": correction, "keepdim": keepdim}
    assert_parity(
        lambda t: getattr(rp, name)(t, dim, **kw),
        lambda t: getattr(torch, name)(t, dim, **kw),
        [X],
        rtol=1e-4,
    )
    check_grad(lambda t: getattr(rp, name)(t, dim, **kw)[0], [X])


def test_new_factories_take_the_dtype_of_the_tensor_as_torch():
    for dtype, tdtype in ((np.float64, torch.float64), (np.int64, torch.int64)):
        a = rp.tensor(np.zeros(2), dtype=dtype)
        b = torch.zeros(2, dtype=tdtype)
        for r, t in (
            (a.new_zeros(2, 3), b.new_zeros(2, 3)),
            (a.new_ones((3,)), b.new_ones((3,))),
            (a.new_full((2,), 7), b.new_full((2,), 7)),
            (a.new_tensor([1, 2]), b.new_tensor([1, 2])),
            (a.new_empty(4).zero_(), b.new_empty(4).zero_()),
        ):
            assert r.dtype == t.numpy().dtype and tuple(r.shape) == tuple(t.shape)
            np.testing.assert_array_equal(r.numpy(), t.numpy())
    w = rp.tensor(X).new_zeros(2, dtype=np.float64, requires_grad=True)
    assert w.requires_grad and w.dtype == np.float64 and w.is_leaf


def test_new_tensor_copies_and_leaves_the_graph():
    src = rp.tensor(X, requires_grad=True)
    out = src.new_tensor(src)
    assert not out.requires_grad
    np.asarray(out)[0, 0] = 100.0
    assert float(src[0, 0].detach()) != 100.0


def test_type_as_view_as_contiguous_detach_():
    a = rp.tensor([1, 2, 3])
    assert a.type_as(rp.tensor([1.0], dtype=np.float64)).dtype == np.float64
    assert rp.tensor(X).view_as(rp.tensor(X.reshape(-1))).shape == (12,)
    assert a.contiguous() is a
    y = rp.tensor(X, requires_grad=True) * 2
    assert y.detach_() is y and not y.requires_grad and y.grad_fn is None


def _pair(data):
    return rp.tensor(data.copy()), torch.tensor(data.copy())


@pytest.mark.parametrize(
    "call",
    [
        lambda t, o: t.addcmul_(o, o, value=0.5),
        lambda t, o: t.addcdiv_(o, o.abs() + 1, value=-2),
        lambda t, o: t.lerp_(o, 0.3),
        lambda t, o: t.abs_().sqrt_(),
        lambda t, o: t.clamp_(-0.5, 0.5),
        lambda t, o: t.exp_().neg_().pow_(2),
        lambda t, o: t.masked_fill_(o > 0, 1.5),
    ],
)
def test_in_place_update_matches_torch_and_bumps_the_version(call):
    (a, b), (oa, ob) = _pair(X), _pair(POS - 1)
    array = np.asarray(a)
    version = a._version[0]
    assert call(a, oa) is a
    call(b, ob)
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-6)
    assert np.asarray(a) is array and a._version[0] > version


def test_in_place_update_of_a_tensor_that_requires_grad_is_refused():
    w = rp.tensor(X, requires_grad=True)
    with pytest.raises(RuntimeError, match="addcmul_"):
        w.addcmul_(w, w)
    with rp.no_grad():
        w.addcmul_(rp.tensor(X), rp.tensor(X), value=2)
    np.testing.assert_allclose(w.detach().numpy(), X + 2 * X * X, rtol=1e-6)


def test_multinomial_with_replacement_follows_the_weights():
    rp.manual_seed(0)
    w = rp.tensor([[1.0, 0.0, 3.0], [0.0, 2.0, 2.0]])
    draws = rp.multinomial(w, 20000, replacement=True)
    assert draws.dtype == np.int64 and tuple(draws.shape) == (2, 20000)
    freq = np.stack([np.bincount(r, minlength=3) / 20000 for r in draws.numpy()])
    np.testing.assert_allclose(freq, [[0.25, 0, 0.75], [0, 0.5, 0.5]], atol=0.015)
    assert freq[0, 1] == 0 and freq[1, 0] == 0


def test_multinomial_without_replacement_gives_distinct_categories_first_by_weight():
    rp.manual_seed(1)
    w = rp.tensor([0.7, 0.2, 0.1, 0.0])
    firsts = np.array([rp.multinomial(w, 3).tolist() for _ in range(3000)])
    assert all(len(set(row)) == 3 and 3 not in row for row in firsts)
    freq = np.bincount(firsts[:, 0], minlength=4) / len(firsts)
    np.testing.assert_allclose(freq, [0.7, 0.2, 0.1, 0.0], atol=0.03)
    with pytest.raises(RuntimeError, match="without replacement"):
        rp.multinomial(w, 5)
    with pytest.raises(RuntimeError, match="fewer than 4"):
        rp.multinomial(w, 4)
    with pytest.raises(RuntimeError, match="non-negative"):
        rp.multinomial(rp.tensor([0.5, -0.1]), 1)


def test_multinomial_draws_are_seeded():
    w = rp.tensor([0.2, 0.3, 0.5])
    rp.manual_seed(5)
    a = rp.multinomial(w, 10, True).tolist()
    rp.manual_seed(5)
    assert rp.multinomial(w, 10, True).tolist() == a


def test_bernoulli_matches_its_probabilities_and_dtype():
    rp.manual_seed(2)
    p = rp.tensor(np.linspace(0, 1, 5, dtype=np.float32)).repeat(4000, 1)
    draws = rp.bernoulli(p)
    assert draws.dtype == np.float32 and set(np.unique(draws.numpy())) <= {0.0, 1.0}
    np.testing.assert_allclose(draws.numpy().mean(0), np.linspace(0, 1, 5), atol=0.02)
    half = rp.zeros(20000, dtype=np.float64).bernoulli_(0.3)
    assert half.dtype == np.float64 and abs(half.numpy().mean() - 0.3) < 0.015
    with pytest.raises(RuntimeError, match="bernoulli"):
        rp.bernoulli(rp.tensor([1.5]))


def test_uniform_and_normal_fill_in_place_with_their_statistics():
    rp.manual_seed(3)
    u = rp.zeros(20000).uniform_(-2, 4)
    assert u.numpy().min() >= -2 and u.numpy().max() < 4
    assert abs(u.numpy().mean() - 1) < 0.05
    n = rp.zeros(20000, dtype=np.float64).normal_(1.0, 3.0)
    assert n.dtype == np.float64
    assert abs(n.numpy().mean() - 1) < 0.1 and abs(n.numpy().std() - 3) < 0.1
