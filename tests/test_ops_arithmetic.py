"""Elementwise arithmetic (retroprop.ops.arithmetic) and the matrix products of
retroprop.ops.linalg (matmul, linear, einsum) against PyTorch: values, gradients over
broadcast shapes, finite differences, dtype rules, kinks (clamp bounds, ties, |0|), and
bad inputs."""

import operator

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import retroprop as rp
from retroprop.ops.linalg import linear
from tests.parity import assert_parity, check_grad

rng = np.random.default_rng(0)


def randn(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def positive(*shape, dtype=np.float32):
    return rng.uniform(0.5, 2.0, shape).astype(dtype)


pairs = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)

BINARY = {
    "add": (operator.add, operator.add),
    "sub": (operator.sub, operator.sub),
    "mul": (operator.mul, operator.mul),
    "div": (operator.truediv, operator.truediv),
    "pow": (operator.pow, operator.pow),
    "maximum": (rp.maximum, torch.maximum),
    "minimum": (rp.minimum, torch.minimum),
}


@pytest.mark.parametrize("name", list(BINARY))
@given(shapes=pairs)
def test_binary_ops_match_torch_over_broadcast_shapes(name, shapes):
    (sa, sb), _ = shapes
    rp_fn, torch_fn = BINARY[name]
    a = positive(*sa) if name == "pow" else randn(*sa)
    b = positive(*sb) if name in ("div", "pow") else randn(*sb)
    assert_parity(rp_fn, torch_fn, [a, b], rtol=1e-5, atol=1e-5)


def test_non_broadcastable_shapes_raise():
    with pytest.raises(ValueError, match="could not be broadcast"):
        rp.ones(2, 3) + rp.ones(4)
    with pytest.raises(ValueError, match="could not be broadcast"):
        rp.maximum(rp.ones(2, 3), rp.ones(2))


def test_functional_forms_match_operators():
    a, b = randn(2, 3), positive(3)
    for name in ("add", "sub", "mul", "div", "pow"):
        assert_parity(getattr(rp, name), getattr(torch, name), [np.abs(a) + 0.5, b], rtol=1e-5)


UNARY = {
    "neg": (rp.neg, torch.neg, randn),
    "exp": (rp.exp, torch.exp, randn),
    "log": (rp.log, torch.log, positive),
    "log1p": (rp.log1p, torch.log1p, positive),
    "sqrt": (rp.sqrt, torch.sqrt, positive),
    "abs": (rp.abs, torch.abs, randn),
    "sign": (rp.sign, torch.sign, randn),
    "sin": (rp.sin, torch.sin, randn),
    "cos": (rp.cos, torch.cos, randn),
}


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_ops_match_torch_and_gradcheck(name):
    rp_fn, torch_fn, make = UNARY[name]
    assert_parity(rp_fn, torch_fn, [make(3, 4)])
    assert_parity(lambda t: getattr(t, name)(), lambda t: getattr(t, name)(), [make(5)])
    check_grad(rp_fn, [make(2, 3, dtype=np.float64)])


def test_abs_has_zero_gradient_at_zero_like_torch():
    assert_parity(rp.abs, torch.abs, [np.array([-1.0, 0.0, 2.0], np.float32)])


def test_binary_ops_gradcheck_with_broadcasting():
    a, b = rng.standard_normal((2, 3)), rng.uniform(0.5, 2.0, (3,))
    for fn in (rp.add, rp.sub, rp.mul, rp.div, rp.maximum, rp.minimum):
        check_grad(fn, [a, b])
    check_grad(rp.pow, [np.abs(a) + 0.5, b])
    check_grad(lambda x: 2.0 / x - x**3 + 1.5**x, [b])


def test_clamp_passes_gradient_one_at_its_bounds_like_torch():
    x = np.array([-2.0, -1.0, 0.0, 1.0, 2.0], np.float32)
    assert_parity(lambda t: t.clamp(-1.0, 1.0), lambda t: t.clamp(-1.0, 1.0), [x])
    assert_parity(lambda t: rp.clamp(t, min=0.0), lambda t: torch.clamp(t, min=0.0), [x])
    assert_parity(lambda t: rp.clip(t, max=-1.0), lambda t: torch.clip(t, max=-1.0), [x])
    check_grad(lambda t: t.clamp(-0.5, 0.5), [np.array([-1.3, 0.2, 0.7])])


def test_clamp_without_bounds_raises():
    with pytest.raises(ValueError, match="clamp: at least one of min and max"):
        rp.ones(2).clamp()


def test_maximum_minimum_split_gradient_on_ties_like_torch():
    a = np.array([1.0, 2.0, 3.0], np.float32)
    b = np.array([1.0, 5.0, 3.0], np.float32)
    assert_parity(rp.maximum, torch.maximum, [a, b])
    assert_parity(rp.minimum, torch.minimum, [a, b])


@given(shapes=mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3))
def test_where_matches_torch_and_gives_no_gradient_to_the_condition(shapes):
    sc, sa, sb = shapes.input_shapes
    cond = rng.random(sc) > 0.5
    assert_parity(
        lambda a, b: rp.where(rp.tensor(cond), a, b),
        lambda a, b: torch.where(torch.tensor(cond), a, b),
        [randn(*sa), randn(*sb)],
    )


def test_where_gradcheck_with_broadcasting():
    cond = rp.tensor(np.array([[True], [False], [True]]))
    check_grad(
        lambda a, b: rp.where(cond, a, b),
        [randn(3, 4, dtype=np.float64), randn(4, dtype=np.float64)],
    )


def test_where_with_scalars_and_a_non_bool_condition():
    x = randn(4)
    assert_parity(
        lambda t: rp.where(t > 0, t, 0.0),
        lambda t: torch.where(t > 0, t, 0.0),
        [x],
    )
    with pytest.raises(TypeError, match="where: condition must be a bool tensor, got dtype"):
        rp.where(rp.tensor([1, 0]), rp.ones(2), rp.zeros(2))


def test_python_scalars_keep_float32_and_promote_integers():
    x = rp.ones(3)
    assert (x + 1.5).dtype == np.float32 and (2.0 * x).dtype == np.float32
    assert (x**2.0).dtype == np.float32 and (1.0 / x).dtype == np.float32
    assert (x * np.float64(2.0)).dtype == np.float32
    assert (np.float64(2.0) * x).dtype == np.float32
    ints = rp.tensor([1, 2, 3])
    assert ints.dtype == np.int64
    assert (ints + 1).dtype == np.int64 and (ints * 2).dtype == np.int64
    assert (ints + 0.5).dtype == np.float32
    assert (ints / 2).dtype == np.float32 and (ints / ints).dtype == np.float32
    assert (ints + x).dtype == np.float32
    d = rp.ones(2, dtype=np.float64)
    assert (d + 1.0).dtype == np.float64 and (d * rp.ones(2)).dtype == np.float64


def test_mixed_float32_float64_promotes_like_torch_with_gradients_in_each_dtype():
    assert_parity(operator.mul, operator.mul, [randn(3), randn(3, dtype=np.float64)])


@pytest.mark.parametrize(
    "op", [operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne]
)
def test_comparisons_give_bool_tensors_outside_the_graph(op):
    a, b = randn(2, 3), randn(3)
    b[0] = a[0, 0]
    r = op(rp.tensor(a, requires_grad=True), rp.tensor(b))
    assert r.dtype == np.bool_ and not r.requires_grad
    np.testing.assert_array_equal(r.numpy(), op(torch.tensor(a), torch.tensor(b)).numpy())
    assert op(rp.tensor(a), 0.0).dtype == np.bool_


def test_bool_operators():
    a, b = rp.tensor([True, False, True]), rp.tensor([True, True, False])
    assert (a & b).tolist() == [True, False, False]
    assert (a | b).tolist() == [True, True, True]
    assert (~a).tolist() == [False, True, False]
    with pytest.raises(TypeError, match="~ is defined for bool tensors"):
        ~rp.ones(2)


def test_casts_between_floats_carry_gradients_and_to_int_cuts_the_graph():
    assert_parity(lambda t: t.double() * 2, lambda t: t.double() * 2, [randn(3)])
    assert_parity(lambda t: t.float() * 2, lambda t: t.float() * 2, [randn(3, dtype=np.float64)])
    x = rp.tensor([1.7, -2.2], requires_grad=True)
    assert x.float() is x
    n = x.long()
    assert n.dtype == np.int64 and n.tolist() == [1, -2] and not n.requires_grad


def test_clone_is_a_copy_with_gradient():
    assert_parity(lambda t: t.clone() * t, lambda t: t.clone() * t, [randn(4)])
    x = rp.ones(2)
    y = x.clone()
    y.data[0] = 5.0
    assert x.numpy()[0] == 1.0


MATMUL_SHAPES = [
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((3,), (3, 4)),
    ((2, 3), (3, 4)),
    ((5, 2, 3), (3, 4)),
    ((2, 3), (5, 3, 4)),
    ((1, 2, 3), (5, 3, 2)),
    ((2, 1, 2, 3), (3, 3, 1)),
    ((4,), (2, 4, 3)),
    ((2, 2, 4), (4,)),
]


@pytest.mark.parametrize(("sa", "sb"), MATMUL_SHAPES)
def test_matmul_matches_torch_for_vector_batched_and_broadcast_shapes(sa, sb):
    assert_parity(operator.matmul, operator.matmul, [randn(*sa), randn(*sb)], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(("sa", "sb"), MATMUL_SHAPES[::3])
def test_matmul_gradcheck(sa, sb):
    check_grad(rp.matmul, [rng.standard_normal(sa), rng.standard_normal(sb)])


def test_matmul_with_a_float64_array_on_the_left():
    x = randn(3, 2)
    out = np.ones((2, 3)) @ rp.tensor(x)
    np.testing.assert_allclose(out.numpy(), np.ones((2, 3)) @ x, rtol=1e-6)


def test_matmul_bad_shapes_raise():
    with pytest.raises(RuntimeError, match=r"matmul: shapes \(2, 3\) and \(2, 4\) cannot"):
        rp.ones(2, 3) @ rp.ones(2, 4)
    with pytest.raises(RuntimeError, match=r"matmul: shapes \(3,\) and \(4,\)"):
        rp.ones(3) @ rp.ones(4)
    with pytest.raises(RuntimeError, match="at least 1 dimension"):
        rp.matmul(rp.tensor(2.0), rp.ones(2))


@pytest.mark.parametrize("x_shape", [(4,), (5, 4), (2, 3, 4)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(x_shape, bias):
    arrays = [randn(*x_shape), randn(3, 4)] + ([randn(3)] if bias else [])
    assert_parity(linear, torch.nn.functional.linear, arrays, rtol=1e-5, atol=1e-5)
    check_grad(linear, [a.astype(np.float64) for a in arrays])


def test_linear_bad_shapes_raise():
    with pytest.raises(ValueError, match=r"linear: input of shape \(2, 5\) does not match"):
        linear(rp.ones(2, 5), rp.ones(3, 4))
    with pytest.raises(ValueError, match=r"linear: bias of shape \(4,\), expected \(3,\)"):
        linear(rp.ones(2, 4), rp.ones(3, 4), rp.ones(4))


EINSUM = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
    ("i,i->", [(4,), (4,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("ij", [(2, 3)]),
    ("ji", [(2, 3)]),
    ("ij,k->ik", [(2, 3), (4,)]),
    ("ij,jk->i", [(2, 3), (3, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("iij,j->i", [(3, 3, 2), (2,)]),
    ("Ba,aB", [(2, 3), (3, 2)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),
    ("...ij,...jk", [(3, 4), (2, 4, 2)]),
    ("...i->i", [(2, 3, 4)]),
    ("ij,kj->ik", [(2, 1), (3, 4)]),
    ("b i, b j -> b i j", [(2, 3), (2, 4)]),
]


@pytest.mark.parametrize(("equation", "shapes"), EINSUM, ids=[e for e, _ in EINSUM])
def test_einsum_matches_torch(equation, shapes):
    arrays = [randn(*s) for s in shapes]
    assert_parity(
        lambda *ts: rp.einsum(equation, *ts),
        lambda *ts: torch.einsum(equation, *ts),
        arrays,
        rtol=1e-5,
        atol=1e-5,
    )


@pytest.mark.parametrize(
    ("equation", "shapes"),
    [EINSUM[i] for i in (0, 3, 10, 12, 13, 15, 17, 20)],
    ids=[EINSUM[i][0] for i in (0, 3, 10, 12, 13, 15, 17, 20)],
)
def test_einsum_gradcheck(equation, shapes):
    check_grad(lambda *ts: rp.einsum(equation, *ts), [rng.standard_normal(s) for s in shapes])


def test_einsum_takes_operands_as_a_list_and_keeps_dtypes():
    a, b = rp.ones(2, 3, dtype=np.float64), rp.ones(3, dtype=np.float64)
    assert rp.einsum("ij,j->i", [a, b]).dtype == np.float64
    out = rp.einsum("i,i", rp.tensor([1, 2]), rp.tensor([3, 4]))
    assert out.dtype == np.int64 and out.item() == 11


def test_einsum_bad_inputs_raise():
    a, b = rp.ones(2, 3), rp.ones(3, 4)
    with pytest.raises(ValueError, match="einsum: equation 'ij,jk->ik' names 2 operands, got 1"):
        rp.einsum("ij,jk->ik", a)
    with pytest.raises(ValueError, match=r"label 'j' has size 4 in operand 1 but 3"):
        rp.einsum("ij,jk->ik", a, rp.ones(4, 2))
    with pytest.raises(ValueError, match=r"subscripts 'ijk' do not match an operand with 2 dims"):
        rp.einsum("ijk->i", a)
    with pytest.raises(ValueError, match="output label 'j' appears more than once"):
        rp.einsum("ij->jj", a)
    with pytest.raises(ValueError, match="output label 'k' is not in any operand"):
        rp.einsum("ij->k", a)
    with pytest.raises(ValueError, match="invalid equation"):
        rp.einsum("i1,jk", a, b)
    with pytest.raises(ValueError, match="repeated label 'i' of operand 0 needs equal sizes"):
        rp.einsum("ii->i", a)
    with pytest.raises(TypeError, match="operands must have one dtype"):
        rp.einsum("ij,jk", a, rp.ones(3, 4, dtype=np.float64))
