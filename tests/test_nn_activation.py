"""Activation layers (retroprop.nn.activation) and the functional namespace
(retroprop.nn.functional): PyTorch parity of outputs, gradients, reprs and parameters;
dropout's statistics and mask; bad arguments."""

import numpy as np
import pytest
import torch
import torch.nn.functional as tF
from parity import assert_parity, check_grad

import retroprop as rp
import retroprop.nn as nn
import retroprop.nn.functional as F

# (class name, constructor args): the same in both libraries
LAYERS = [
    ("ReLU", ()),
    ("ReLU", (True,)),
    ("LeakyReLU", ()),
    ("LeakyReLU", (0.2, True)),
    ("ELU", ()),
    ("ELU", (0.5,)),
    ("SELU", ()),
    ("SELU", (True,)),
    ("GELU", ()),
    ("GELU", ("tanh",)),
    ("Tanh", ()),
    ("Sigmoid", ()),
    ("Softplus", ()),
    ("Softplus", (2, 1.5)),
    ("Threshold", (0.1, 20)),
    ("Threshold", (-0.5, 0.0, True)),
    ("Hardtanh", ()),
    ("Hardtanh", (-2, 0.5)),
    ("Softmax", (1,)),
    ("LogSoftmax", (-1,)),
    ("PReLU", ()),
]


def _x(shape=(4, 3, 5), dtype=np.float32, seed=0):
    return (np.random.default_rng(seed).standard_normal(shape) * 2).astype(dtype)


@pytest.mark.parametrize("name,args", LAYERS, ids=[f"{n}{a}" for n, a in LAYERS])
def test_layer_matches_torch(name, args):
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    # torch's in-place layers need a non-leaf input
    assert_parity(ours, lambda t: theirs(t.clone()), [_x()])


@pytest.mark.parametrize("name,args", LAYERS, ids=[f"{n}{a}" for n, a in LAYERS])
def test_layer_gradcheck(name, args):
    x = _x((2, 3), np.float64, seed=1)
    x[np.abs(x) < 0.2] += 0.5  # away from the kinks at 0
    x[np.abs(np.abs(x) - 0.5) < 0.1] += 0.3  # and at +-0.5
    x[np.abs(np.abs(x) - 1) < 0.1] += 0.3  # and at +-1
    layer = getattr(nn, name)(*args).double()
    check_grad(layer, [x])


def test_prelu_weight_gradient_matches_torch():
    x = _x((5, 3, 4))
    ours, theirs = nn.PReLU(3, init=0.1), torch.nn.PReLU(3, init=0.1)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor([0.1, -0.2, 0.3]))
    ours.weight.data[...] = [0.1, -0.2, 0.3]
    g = _x((5, 3, 4), seed=1)
    ours(rp.tensor(x)).backward(rp.tensor(g))
    theirs(torch.tensor(x)).backward(torch.tensor(g))
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-5)


def test_prelu_parameter_state_and_dtype():
    layer = nn.PReLU(4, init=0.3)
    assert [n for n, _ in layer.named_parameters()] == ["weight"]
    np.testing.assert_array_equal(layer.weight.detach().numpy(), np.full(4, 0.3, np.float32))
    assert list(layer.state_dict()) == list(torch.nn.PReLU(4).state_dict())
    assert nn.PReLU(dtype=np.float64).weight.dtype == np.float64
    layer.weight.data[...] = 1.0
    layer.reset_parameters()
    assert np.all(layer.weight.detach().numpy() == np.float32(0.3))


def test_softmax_layer_without_dim_warns_and_picks_torchs_dim():
    assert repr(nn.Softmax()) == repr(torch.nn.Softmax())
    x = np.arange(6.0).reshape(2, 3)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        out = nn.Softmax()(rp.tensor(x))
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        want = torch.nn.Softmax()(torch.tensor(x, dtype=torch.float32))
    np.testing.assert_allclose(out.numpy(), want.numpy(), rtol=1e-6)


def test_layer_bad_arguments():
    with pytest.raises(ValueError, match="GELU: approximate must be 'none' or 'tanh', got 'fast'"):
        nn.GELU("fast")
    with pytest.raises(ValueError, match=r"Hardtanh: min_val \(2\) must not be greater"):
        nn.Hardtanh(2, 1)
    with pytest.raises(ValueError, match="PReLU: num_parameters must be a positive integer"):
        nn.PReLU(0)
    with pytest.raises(ValueError, match="prelu: weight must have 1 or 3"):
        nn.PReLU(4)(rp.zeros(2, 3))


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: nn.LeakyReLU("a"), r"LeakyReLU: negative_slope must be a real number, got 'a'"),
        (lambda: nn.LeakyReLU(True), r"LeakyReLU: negative_slope .*got True of type bool"),
        (lambda: nn.ELU(alpha=None), r"ELU: alpha must be a real number, got None"),
        (lambda: nn.PReLU(init="0.1"), r"PReLU: init must be a real number, got '0.1'"),
        (lambda: nn.Softplus(beta=[1]), r"Softplus: beta must be a real number, got \[1\]"),
        (lambda: nn.Softplus(threshold="x"), r"Softplus: threshold must be a real number"),
        (lambda: nn.Threshold(0.1, "0"), r"Threshold: value must be a real number, got '0'"),
        (lambda: nn.Threshold(1j, 0.0), r"Threshold: threshold must be a real number, got 1j"),
        (lambda: nn.Hardtanh("-1"), r"Hardtanh: min_val must be a real number, got '-1'"),
        (lambda: nn.Softmax(dim=1.0), r"Softmax: dim must be an int or None, got 1.0"),
        (lambda: nn.LogSoftmax(dim="1"), r"LogSoftmax: dim must be an int or None, got '1'"),
    ],
)
def test_non_numeric_hyper_parameters_fail_at_construction(make, match):
    with pytest.raises(TypeError, match=match):
        make()


def test_numpy_scalar_hyper_parameters_keep_float32_outputs():
    x = rp.tensor(_x((3, 4)))
    for layer in (nn.LeakyReLU(np.float64(0.2)), nn.ELU(np.float64(0.5)), nn.Softmax(np.int64(1))):
        assert layer(x).dtype == np.float32
    assert repr(nn.LeakyReLU(np.float64(0.2))) == repr(torch.nn.LeakyReLU(0.2))


# ---- the functional namespace -------------------------------------------------------------


def _t(f, values):
    """A float32 tensor of the library that ``f`` (our F or torch's) belongs to."""
    values = np.asarray(values, dtype=np.float32)
    return torch.tensor(values) if f is tF else rp.tensor(values)


@pytest.mark.parametrize(
    "call",
    [
        lambda f, x: f.relu(x, inplace=True),
        lambda f, x: f.leaky_relu(x, 0.3, True),
        lambda f, x: f.elu(x, 0.4, inplace=True),
        lambda f, x: f.selu(x, inplace=True),
        lambda f, x: f.threshold(x, 0.2, -1.0, True),
        lambda f, x: f.hardtanh(x, -0.5, 0.5, True),
        lambda f, x: f.gelu(x, approximate="tanh"),
        lambda f, x: f.softplus(x, 2.0, 5.0),
        lambda f, x: f.prelu(x, _t(f, [0.1, 0.2, 0.3])),
        lambda f, x: f.tanh(x),
        lambda f, x: f.sigmoid(x),
        lambda f, x: f.softmax(x, 1, dtype=torch.float64 if f is tF else np.float64),
        lambda f, x: f.log_softmax(x, dim=-1),
        lambda f, x: f.normalize(x),
        lambda f, x: f.normalize(x, p=1.0, dim=-1, eps=0.5),
        lambda f, x: f.pad(x, (1, 2)),
        lambda f, x: f.linear(x, _t(f, np.ones((2, 5))), _t(f, np.arange(2.0))),
    ],
)
def test_functional_matches_torch(call):
    assert_parity(lambda x: call(F, x), lambda x: call(tF, x.clone()), [_x()])


def test_functional_inplace_flag_leaves_input_alone():
    x = rp.tensor([-1.0, 2.0])
    y = F.relu(x, inplace=True)
    np.testing.assert_array_equal(y.numpy(), [0.0, 2.0])
    np.testing.assert_array_equal(x.numpy(), [-1.0, 2.0])


def test_normalize_gradcheck_and_zero_vector():
    check_grad(lambda x: F.normalize(x, dim=0), [_x((3, 4), np.float64)])
    assert_parity(F.normalize, tF.normalize, [np.zeros((2, 3), np.float32)])


def test_one_hot_is_exported():
    np.testing.assert_array_equal(
        F.one_hot(rp.tensor([0, 2]), 3).numpy(), tF.one_hot(torch.tensor([0, 2]), 3).numpy()
    )


def test_dropout_statistics_and_scaling():
    rp.manual_seed(0)
    x = rp.ones(200, 500)
    y = F.dropout(x, p=0.3).numpy()
    assert y.dtype == np.float32
    assert abs((y == 0).mean() - 0.3) < 0.01
    np.testing.assert_allclose(np.unique(y), [0.0, 1 / 0.7], rtol=1e-6)
    assert abs(y.mean() - 1.0) < 0.02  # inverted dropout keeps the expectation


def test_dropout_mask_comes_from_the_seeded_generator():
    x = rp.tensor(np.arange(1.0, 13.0).reshape(3, 4), requires_grad=True)
    rp.manual_seed(7)
    y = F.dropout(x, p=0.4)
    expected_keep = np.random.default_rng(7).random((3, 4), dtype=np.float32) >= 0.4
    np.testing.assert_allclose(
        y.detach().numpy(), np.where(expected_keep, x.detach().numpy() / 0.6, 0), rtol=1e-6
    )
    y.backward(rp.ones(3, 4))
    np.testing.assert_allclose(x.grad.numpy(), expected_keep / 0.6, rtol=1e-6)
    rp.manual_seed(7)
    np.testing.assert_array_equal(F.dropout(x, p=0.4).detach().numpy(), y.detach().numpy())


def test_dropout_edge_cases():
    x = rp.randn(3, 4, dtype=np.float64)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    y = F.dropout(x, 1.0)
    assert y.dtype == np.float64 and not np.any(y.numpy())
    with pytest.raises(ValueError, match=r"dropout: probability p must be in \[0, 1\], got 1.5"):
        F.dropout(x, 1.5)
    with pytest.raises(TypeError, match="dropout: expected a floating point input"):
        F.dropout(rp.tensor([1, 2]), 0.5)
