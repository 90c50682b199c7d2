"""Activations (retroprop.ops.activation) and erf (retroprop.ops.special): PyTorch parity of
values and gradients, PyTorch's subgradients at the kinks, finite differences, bad inputs."""

import numpy as np
import pytest
import scipy.special
import torch
import torch.nn.functional as tF
from hypothesis import given
from hypothesis import strategies as st
from parity import assert_parity, check_grad

import retroprop as rp
from retroprop.ops import activation as A
from retroprop.ops.special import erf

# name -> (retroprop function, torch function), same arguments
ELEMENTWISE = {
    "relu": (A.relu, torch.relu),
    "leaky_relu": (lambda x: A.leaky_relu(x, 0.2), lambda x: tF.leaky_relu(x, 0.2)),
    "elu": (lambda x: A.elu(x, 0.7), lambda x: tF.elu(x, 0.7)),
    "selu": (A.selu, tF.selu),
    "gelu": (A.gelu, tF.gelu),
    "gelu_tanh": (
        lambda x: A.gelu(x, approximate="tanh"),
        lambda x: tF.gelu(x, approximate="tanh"),
    ),
    "tanh": (A.tanh, torch.tanh),
    "sigmoid": (A.sigmoid, torch.sigmoid),
    "softplus": (A.softplus, tF.softplus),
    "softplus_beta": (
        lambda x: A.softplus(x, beta=2.0, threshold=3.0),
        lambda x: tF.softplus(x, beta=2.0, threshold=3.0),
    ),
    "threshold": (lambda x: A.threshold(x, 0.3, -2.0), lambda x: tF.threshold(x, 0.3, -2.0)),
    "hardtanh": (A.hardtanh, tF.hardtanh),
    "hardtanh_bounds": (
        lambda x: A.hardtanh(x, -0.5, 2.0),
        lambda x: tF.hardtanh(x, -0.5, 2.0),
    ),
}


def _data(shape, dtype=np.float32, seed=0):
    return (np.random.default_rng(seed).standard_normal(shape) * 2).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_matches_torch(name, dtype):
    rp_fn, torch_fn = ELEMENTWISE[name]
    assert_parity(rp_fn, torch_fn, [_data((4, 5, 3), dtype)])


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_gradcheck(name):
    x = _data((3, 4), np.float64, seed=1)
    x[np.abs(x) < 0.1] += 0.3  # keep finite differences away from the kinks at 0
    x[np.abs(np.abs(x) - 1) < 0.1] += 0.3  # and hardtanh's at +-1
    x[np.abs(x - 0.3) < 0.1] += 0.3  # and threshold's at 0.3
    check_grad(ELEMENTWISE[name][0], [x])


KINKS = np.array([-1.0, -0.5, 0.0, 0.3, 0.5, 1.0, 2.0, 1.5], dtype=np.float64)


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_subgradient_at_kinks_is_torchs(name):
    rp_fn, torch_fn = ELEMENTWISE[name]
    assert_parity(rp_fn, torch_fn, [KINKS], rtol=1e-7, atol=1e-12)


def test_relu_gradient_at_zero_is_zero():
    x = rp.tensor([0.0, -0.0, 1.0], requires_grad=True)
    A.relu(x).backward(rp.tensor([1.0, 1.0, 1.0]))
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 1.0])


def test_prelu_matches_torch_per_channel_and_shared():
    x = _data((4, 3, 5))
    assert_parity(A.prelu, tF.prelu, [x, np.array([0.1, 0.25, -0.3], dtype=np.float32)])
    assert_parity(A.prelu, tF.prelu, [x, np.array([0.25], dtype=np.float32)])
    assert_parity(A.prelu, tF.prelu, [_data((6, 3)), np.array([0.1, 0.2, 0.3], np.float32)])
    assert_parity(A.prelu, tF.prelu, [_data((6,)), np.array([0.2], np.float32)])


def test_prelu_kink_and_gradcheck():
    w = np.array([0.1, 0.25, -0.3])
    assert_parity(A.prelu, tF.prelu, [np.array([[0.0, -1.0, 2.0], [1.0, 0.0, -2.0]]), w])
    x = _data((2, 3, 2), np.float64)
    x[np.abs(x) < 0.1] = 0.5
    check_grad(A.prelu, [x, w])


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
@given(
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=4),
    data=st.data(),
)
def test_softmax_matches_torch_any_dim(fn, shape, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = _data(tuple(shape), seed=len(shape) + dim)
    assert_parity(
        lambda t: getattr(A, fn)(t, dim), lambda t: getattr(torch, fn)(t, dim), [x], atol=1e-6
    )


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_softmax_gradcheck(fn):
    check_grad(lambda t: getattr(A, fn)(t, 1), [_data((3, 4, 2), np.float64)])


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_softmax_of_0d_input_as_torch(fn):
    assert_parity(
        lambda t: getattr(A, fn)(t, 0), lambda t: getattr(torch, fn)(t, 0), [np.float32(3.0)]
    )


def test_softmax_methods_on_tensor():
    x = _data((2, 5))
    assert_parity(lambda t: t.softmax(-1), lambda t: t.softmax(-1), [x])
    assert_parity(lambda t: t.log_softmax(dim=0), lambda t: t.log_softmax(dim=0), [x])
    assert_parity(lambda t: t.relu(), lambda t: t.relu(), [x])
    assert_parity(lambda t: t.tanh(), lambda t: t.tanh(), [x])
    assert_parity(lambda t: t.sigmoid(), lambda t: t.sigmoid(), [x])


def test_extreme_inputs_stay_finite_and_match_torch():
    x = np.array([-1e4, -100.0, -30.0, 0.0, 30.0, 100.0, 1e4], dtype=np.float32)
    for name in ("sigmoid", "softplus", "softplus_beta", "elu", "selu", "gelu", "tanh"):
        rp_fn, torch_fn = ELEMENTWISE[name]
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            assert_parity(rp_fn, torch_fn, [x])
    big = np.array([[1e4, 0.0, -1e4], [1e30, 1e30, 1.0]], dtype=np.float32)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert_parity(lambda t: A.softmax(t, 1), lambda t: torch.softmax(t, 1), [big])
        assert_parity(lambda t: A.log_softmax(t, 1), lambda t: torch.log_softmax(t, 1), [big])


def test_sigmoid_is_accurate_in_the_far_tail():
    y = A.sigmoid(rp.tensor([-80.0, -20.0])).numpy()
    np.testing.assert_allclose(y, np.exp([-80.0, -20.0]), rtol=1e-6)


def test_erf_matches_scipy_to_dtype_precision():
    x = np.concatenate(
        [np.linspace(-7, 7, 20001), np.geomspace(1e-30, 30, 2000), -np.geomspace(1e-20, 1, 200)]
    )
    for dtype, rtol in ((np.float64, 2e-15), (np.float32, 3e-7)):
        xs = x.astype(dtype)
        y = erf(xs)
        assert y.dtype == dtype
        np.testing.assert_allclose(y, scipy.special.erf(xs.astype(np.float64)), rtol=rtol, atol=0)


def test_erf_special_values():
    y = erf(np.array([np.inf, -np.inf, np.nan, 0.0, -0.0]))
    np.testing.assert_array_equal(y[:2], [1.0, -1.0])
    assert np.isnan(y[2]) and y[3] == 0 and np.signbit(y[4])
    assert erf(np.array([1, 2])).dtype == np.float32
    assert erf(np.array([0.5], dtype=np.float16)).dtype == np.float16


def test_softmax_needs_dim():
    with pytest.raises(TypeError, match=r"softmax: dim is required.*\(2, 3\)"):
        A.softmax(rp.zeros(2, 3))
    with pytest.raises(TypeError, match="log_softmax: dim is required"):
        rp.zeros(2, 3).log_softmax()
    with pytest.raises(IndexError, match="dim out of range"):
        A.softmax(rp.zeros(2, 3), 2)


@pytest.mark.parametrize(
    "call",
    [
        lambda x: A.sigmoid(x),
        lambda x: A.gelu(x),
        lambda x: A.softmax(x, 0),
        lambda x: A.elu(x),
        lambda x: A.hardtanh(x),
    ],
)
def test_integer_input_is_rejected(call):
    with pytest.raises(TypeError, match="expected a floating point input, got dtype int64"):
        call(rp.tensor([1, 2, 3]))


def test_bad_arguments():
    x = rp.zeros(2, 3, 4)
    with pytest.raises(ValueError, match=r"prelu: weight must have 1 or 3 .*got weight of shape"):
        A.prelu(x, rp.zeros(4))
    with pytest.raises(ValueError, match="prelu"):
        A.prelu(rp.zeros(5), rp.zeros(5))
    with pytest.raises(TypeError, match="prelu: weight dtype float64 differs from input dtype"):
        A.prelu(x, rp.zeros(3, dtype=np.float64))
    with pytest.raises(ValueError, match="gelu: approximate must be 'none' or 'tanh', got 'erf'"):
        A.gelu(x, approximate="erf")
    with pytest.raises(ValueError, match=r"hardtanh: min_val \(1\) must not be greater"):
        A.hardtanh(x, 1, 0)
    with pytest.raises(ValueError, match="softplus: beta must be non-zero"):
        A.softplus(x, beta=0)
