"""Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d modules against PyTorch's."""

import math

import numpy as np
import pytest
import torch

import retroprop as rp
import retroprop.nn as nn
import retroprop.nn.functional as F

CASES = [
    ("Conv1d", (3, 6, 3), dict(stride=2, padding=1), (2, 3, 11)),
    ("Conv1d", (4, 6, 4), dict(padding="same", dilation=2, groups=2, bias=False), (2, 4, 9)),
    ("Conv2d", (1, 32, 3), {}, (4, 1, 28, 28)),
    (
        "Conv2d",
        (4, 6, (3, 2)),
        dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2),
        (2, 4, 9, 8),
    ),
    ("Conv2d", (3, 5, 4), dict(padding="valid", bias=False), (2, 3, 7, 6)),
    ("ConvTranspose1d", (4, 6, 3), dict(stride=2, padding=1, output_padding=1), (2, 4, 5)),
    ("ConvTranspose2d", (8, 3, 4), dict(stride=2, padding=1), (2, 8, 5, 5)),
    (
        "ConvTranspose2d",
        (4, 6, (3, 2)),
        dict(stride=(2, 3), output_padding=(1, 2), groups=2, dilation=(1, 2), bias=False),
        (2, 4, 4, 3),
    ),
]


def _pair(name, args, kwargs):
    """The same layer in both libraries, torch's parameters copied into retroprop's."""
    torch.manual_seed(0)
    t = getattr(torch.nn, name)(*args, **kwargs).double()
    r = getattr(nn, name)(*args, **kwargs, dtype=np.float64)
    r.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    return r, t


@pytest.mark.parametrize(("name", "args", "kwargs", "shape"), CASES)
def test_module_matches_torch_forward_and_gradients_of_input_and_parameters(
    name, args, kwargs, shape
):
    r, t = _pair(name, args, kwargs)
    x = np.random.default_rng(0).standard_normal(shape)
    rx = rp.Tensor(x, dtype=np.float64, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    ry, ty = r(rx), t(tx)
    np.testing.assert_allclose(ry.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = np.random.default_rng(1).standard_normal(ty.shape)
    ry.backward(rp.Tensor(g, dtype=np.float64))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(rx.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    rparams, tparams = dict(r.named_parameters()), dict(t.named_parameters())
    assert rparams.keys() == tparams.keys()
    for k, p in rparams.items():
        np.testing.assert_allclose(p.grad.numpy(), tparams[k].grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("name", "args", "kwargs", "shape"), CASES)
def test_state_dict_keys_shapes_and_repr_match_torch_and_load_both_ways(name, args, kwargs, shape):
    r = getattr(nn, name)(*args, **kwargs)
    t = getattr(torch.nn, name)(*args, **kwargs)
    rsd, tsd = r.state_dict(), t.state_dict()
    assert list(rsd) == list(tsd)
    assert all(tuple(rsd[k].shape) == tuple(tsd[k].shape) for k in rsd)
    assert rsd["weight"].dtype == np.float32
    assert repr(r) == repr(t)
    t.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in rsd.items()})
    x = np.random.default_rng(2).standard_normal(shape).astype(np.float32)
    np.testing.assert_allclose(
        r(rp.tensor(x)).detach().numpy(),
        t(torch.from_numpy(x)).detach().numpy(),
        rtol=1e-4,
        atol=1e-5,
    )


@pytest.mark.parametrize(
    ("layer", "fan_in"),
    [
        (nn.Conv2d(16, 32, 3), 16 * 9),
        (nn.Conv1d(8, 4, 5, groups=2), 4 * 5),
        (nn.ConvTranspose2d(16, 8, 4, groups=2), 4 * 16),
    ],
)
def test_default_init_is_uniform_within_one_over_sqrt_fan_in(layer, fan_in):
    bound = 1 / math.sqrt(fan_in)
    w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    # uniform on [-bound, bound]: the extremes are reached and the variance is bound^2 / 3
    assert np.abs(w).max() > 0.9 * bound
    assert abs(w.var() - bound**2 / 3) < 0.2 * bound**2 / 3


def test_conv_transpose2d_output_size_picks_output_padding_as_torch():
    r, t = _pair("ConvTranspose2d", (4, 2, 3), dict(stride=2, padding=1))
    x = np.random.default_rng(3).standard_normal((1, 4, 5, 5))
    for size in [(9, 9), (10, 9), [1, 2, 10, 10]]:
        ry = r(rp.Tensor(x, dtype=np.float64), output_size=size)
        ty = t(torch.tensor(x), output_size=size)
        np.testing.assert_allclose(ry.detach().numpy(), ty.detach().numpy(), rtol=1e-10)
    with pytest.raises(ValueError, match="valid sizes along this axis range from 9 to 10"):
        r(rp.Tensor(x, dtype=np.float64), output_size=(11, 9))


def test_float64_module_passes_gradcheck():
    conv = nn.Conv2d(2, 2, 2, stride=2, padding=1, dtype=np.float64)
    x = rp.Tensor(
        np.random.default_rng(4).standard_normal((1, 2, 3, 3)), dtype=np.float64, requires_grad=True
    )
    assert rp.autograd.gradcheck(
        lambda x, w, b: nn.functional.conv2d(x, w, b, stride=2, padding=1),
        [x, conv.weight, conv.bias],
    )


@pytest.mark.parametrize(
    ("make", "shape", "error", "match"),
    [
        (
            lambda: nn.Conv2d(3, 8, 3),
            (2, 4, 8, 8),
            ValueError,
            r"Conv2d\(3, 8, .*expected input of shape \(N, 3, \.\.\.\).*got 4 channels",
        ),
        (lambda: nn.Conv2d(3, 8, 3), (8, 8), ValueError, r"Conv2d\(3, 8.*got shape \(8, 8\)"),
        (
            lambda: nn.Conv2d(3, 8, 5),
            (1, 3, 4, 9),
            ValueError,
            r"Conv2d.*kernel size \(5, 5\).*larger than the padded input size \(4, 9\)",
        ),
        (lambda: nn.Conv1d(3, 8, 3), (1, 3, 8, 8), ValueError, r"Conv1d.*3-d"),
        (
            lambda: nn.ConvTranspose2d(3, 8, 3),
            (1, 2, 5, 5),
            ValueError,
            r"ConvTranspose2d\(3, 8.*got 2 channels",
        ),
        (
            lambda: nn.Conv2d(3, 8, 3, groups=2),
            None,
            ValueError,
            r"Conv2d: in_channels \(3\) must be divisible by groups \(2\)",
        ),
        (
            lambda: nn.Conv2d(3, 8, 3, stride=2, padding="same"),
            None,
            ValueError,
            "padding='same' is not supported for strided convolutions",
        ),
        (lambda: nn.Conv2d(3, 8, 3, padding_mode="reflect"), None, ValueError, "padding_mode"),
        (lambda: nn.ConvTranspose2d(3, 8, 3, padding="same"), None, ValueError, "padding"),
        (lambda: nn.Conv2d(3, 0, 3), None, ValueError, "out_channels must be a positive int"),
        (lambda: nn.Conv2d(3, 8, (3, 3, 3)), None, ValueError, "kernel_size"),
        (
            lambda: nn.Conv2d(3, 4, 0),
            None,
            ValueError,
            r"Conv2d: kernel_size must be >= 1, got 0",
        ),
        (
            lambda: nn.Conv1d(3, 4, 3, stride=0),
            None,
            ValueError,
            r"Conv1d: stride must be >= 1, got 0",
        ),
        (
            lambda: nn.ConvTranspose2d(3, 4, 3, dilation=(1, 0)),
            None,
            ValueError,
            r"ConvTranspose2d: dilation must be >= 1, got \(1, 0\)",
        ),
        (
            lambda: nn.Conv2d(3, 4, 3, padding=-1),
            None,
            ValueError,
            r"Conv2d: padding must be >= 0, got -1",
        ),
        (
            lambda: nn.ConvTranspose1d(3, 4, 3, stride=2, output_padding=-1),
            None,
            ValueError,
            r"ConvTranspose1d: output_padding must be >= 0, got -1",
        ),
        (
            lambda: nn.Conv2d(4, 6, 3, groups=4),
            None,
            ValueError,
            r"Conv2d: out_channels \(6\) must be divisible by groups \(4\)",
        ),
        (lambda: nn.Conv2d(-3, 4, 3), None, ValueError, r"in_channels must be a positive int"),
    ],
)
def test_bad_layers_and_inputs_raise_errors_naming_the_layer(make, shape, error, match):
    with pytest.raises(error, match=match):
        layer = make()
        layer(rp.zeros(*shape))


def _zeros(*shape):
    return rp.zeros(*shape, dtype=rp.float32)


@pytest.mark.parametrize(
    ("make", "call", "message"),
    [
        (
            lambda: nn.Conv2d(3, 8, 3, groups=2),
            lambda: F.conv_transpose2d(_zeros(1, 3, 5, 5), _zeros(3, 4, 3, 3), groups=2),
            r"in_channels \(3\) must be divisible by groups \(2\)",
        ),
        (
            lambda: nn.Conv2d(4, 8, 3, groups=0),
            lambda: F.conv2d(_zeros(1, 4, 8, 8), _zeros(8, 4, 3, 3), groups=0),
            "groups must be a positive int, got 0",
        ),
        (
            lambda: nn.Conv2d(3, 8, 3, padding="full"),
            lambda: F.conv2d(_zeros(1, 3, 8, 8), _zeros(8, 3, 3, 3), padding="full"),
            "padding must be 'valid', 'same', an int or ints, got 'full'",
        ),
        (
            lambda: nn.Conv1d(3, 8, 3, stride=2, padding="same"),
            lambda: F.conv1d(_zeros(1, 3, 8), _zeros(8, 3, 3), stride=2, padding="same"),
            r"padding='same' is not supported for strided convolutions \(stride=\(2,\)\)",
        ),
        (
            lambda: nn.ConvTranspose2d(3, 8, 3, padding="same"),
            lambda: F.conv_transpose2d(_zeros(1, 3, 5, 5), _zeros(3, 8, 3, 3), padding="same"),
            "padding must be an int or 2 ints, got 'same'",
        ),
        (
            lambda: nn.Conv2d(3, 8, 3, dilation=(1, 0)),
            lambda: F.conv2d(_zeros(1, 3, 8, 8), _zeros(8, 3, 3, 3), dilation=(1, 0)),
            r"dilation must be >= 1, got \(1, 0\)",
        ),
    ],
)
def test_argument_checks_raise_in_the_layer_at_construction_and_in_F_at_each_call(
    make, call, message
):
    """One check serves both: the layer raises when built, naming its class (as PyTorch, but
    for a transposed layer's string padding, which PyTorch refuses only at the call); the
    function raises on the call, naming itself; the same message follows the name."""
    with pytest.raises(ValueError, match=rf"^[A-Z][A-Za-z0-9]+: {message}"):
        make()
    with pytest.raises(ValueError, match=rf"^[a-z_0-9]+: {message}"):
        call()


def test_output_padding_is_checked_at_the_call_as_in_pytorch():
    torch.nn.ConvTranspose2d(4, 2, 3, output_padding=1)  # PyTorch builds it too
    layer = nn.ConvTranspose2d(4, 2, 3, output_padding=1)
    with pytest.raises(
        ValueError, match=r"ConvTranspose2d\(4, 2, .*output_padding \(1, 1\) must be smaller"
    ):
        layer(_zeros(1, 4, 5, 5))
