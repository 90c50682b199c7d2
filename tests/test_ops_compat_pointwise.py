"""Elementwise functions of issue 9 (retroprop.ops.pointwise) against PyTorch: values, dtypes
and gradients, finite differences in float64, edge values and bad inputs."""

import numpy as np
import pytest
import torch

import retroprop as rp
from retroprop.ops import pointwise as pw
from tests.parity import assert_parity, check_grad

rng = np.random.default_rng(0)


def randn(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


X = randn(3, 4)
POS = np.abs(randn(3, 4)) + 0.2
UNIT = np.tanh(randn(3, 4)).astype(np.float32) * 0.95


@pytest.mark.parametrize(
    "name, data",
    [
        ("square", X),
        ("reciprocal", POS),
        ("rsqrt", POS),
        ("expm1", X),
        ("log2", POS),
        ("log10", POS),
        ("erf", X),
        ("erfinv", UNIT),
        ("frac", X * 3),
    ],
)
def test_unary_function_matches_torch_and_finite_differences(name, data):
    assert_parity(getattr(pw, name), getattr(torch, name), [data], rtol=1e-4, atol=1e-5)
    check_grad(getattr(pw, name), [data])


@pytest.mark.parametrize("name", ["floor", "ceil", "trunc", "round"])
def test_rounding_matches_torch_with_a_zero_gradient(name):
    data = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -1.2, 3.7], dtype=np.float32)
    assert_parity(getattr(pw, name), getattr(torch, name), [data])
    x = rp.tensor(data, requires_grad=True)
    getattr(pw, name)(x).sum().backward()
    assert x.grad is not None and not np.any(x.grad.numpy())


def test_round_with_decimals_matches_torch():
    data = np.array([1.2345, -2.5551, 0.125, 10.05], dtype=np.float64)
    np.testing.assert_allclose(
        pw.round(rp.tensor(data), decimals=2).numpy(),
        torch.round(torch.tensor(data), decimals=2).numpy(),
    )


def test_rounding_an_integer_tensor_keeps_it():
    t = rp.tensor([1, -2, 3])
    for name in ("floor", "ceil", "trunc", "round"):
        out = getattr(pw, name)(t)
        assert out.dtype == np.int64 and out.tolist() == [1, -2, 3]


def test_integer_inputs_become_float32_as_torch():
    ints = np.array([1, 2, 4])
    for name in ("reciprocal", "rsqrt", "expm1", "log2", "log10", "erf"):
        out = getattr(pw, name)(rp.tensor(ints))
        ref = getattr(torch, name)(torch.tensor(ints))
        assert out.dtype == np.float32
        np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-6)
    assert pw.square(rp.tensor(ints)).dtype == np.int64


def test_erfinv_matches_torch_to_float64_precision_up_to_the_edges():
    near_one = 1 - np.logspace(-15, -1, 30)
    y = np.concatenate(
        [[-1.0, 1.0, 1.5, -1.5, 0.0], near_one, -near_one, np.linspace(-0.99, 0.99, 99)]
    )
    out = pw.erfinv(rp.tensor(y, dtype=np.float64)).numpy()
    ref = torch.erfinv(torch.tensor(y)).numpy()
    np.testing.assert_allclose(out, ref, rtol=1e-13)
    grid = np.linspace(-0.99, 0.99, 101)
    back = pw.erf(pw.erfinv(rp.tensor(grid, dtype=np.float64))).numpy()
    np.testing.assert_allclose(back, grid, rtol=1e-13, atol=1e-15)


def test_logaddexp_matches_torch_with_broadcast_and_large_values():
    a = randn(3, 1) * 50
    b = randn(1, 4) * 50
    assert_parity(pw.logaddexp, torch.logaddexp, [a, b], rtol=1e-5, atol=1e-4)
    check_grad(pw.logaddexp, [randn(3, 1), randn(1, 4)])
    big = pw.logaddexp(rp.tensor([1000.0]), rp.tensor([1000.0])).item()
    assert big == pytest.approx(1000 + np.log(2))


def test_lerp_matches_torch_for_scalar_and_tensor_weights():
    a, b = randn(2, 3), randn(2, 3)
    assert_parity(lambda x, y: pw.lerp(x, y, 0.3), lambda x, y: torch.lerp(x, y, 0.3), [a, b])
    w = rng.random((1, 3)).astype(np.float32)
    assert_parity(pw.lerp, torch.lerp, [a, b, w])
    check_grad(pw.lerp, [a, b, w])
    with pytest.raises(TypeError, match="lerp"):
        pw.lerp(rp.tensor([1, 2]), rp.tensor([3, 4]), 0.5)


def test_nan_to_num_matches_torch_and_blocks_the_gradient_at_replaced_values():
    data = np.array([1.0, np.nan, np.inf, -np.inf, -2.0], dtype=np.float32)
    for kw in ({}, {"nan": 1.5, "posinf": 9.0, "neginf": -9.0}):
        assert_parity(
            lambda t, kw=kw: pw.nan_to_num(t, **kw),
            lambda t, kw=kw: torch.nan_to_num(t, **kw),
            [data],
        )
    x = rp.tensor(data, requires_grad=True)
    pw.nan_to_num(x).sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 0.0, 0.0, 1.0]


def test_frac_of_an_integer_tensor_is_refused():
    with pytest.raises(TypeError, match="frac"):
        pw.frac(rp.tensor([1, 2]))


def test_float64_keeps_its_dtype():
    for name in ("square", "reciprocal", "expm1", "erf", "floor"):
        assert getattr(pw, name)(rp.tensor(X, dtype=np.float64)).dtype == np.float64


@pytest.mark.parametrize("name", ["addcmul", "addcdiv"])
def test_addcmul_and_addcdiv_match_torch(name):
    a, b, c = randn(3, 1), randn(1, 4), POS
    fn, ref = getattr(pw, name), getattr(torch, name)
    assert_parity(
        lambda x, y, z: fn(x, y, z, value=-0.5), lambda x, y, z: ref(x, y, z, value=-0.5), [a, b, c]
    )
    check_grad(lambda x, y, z: fn(x, y, z, value=2), [a, b, c])
