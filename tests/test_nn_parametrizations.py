"""spectral_norm and weight_norm (parity with torch.nn.utils.parametrizations through their
state_dicts: forward in eval and train mode, the power iteration on u and v, gradients of the
originals; gradcheck) and the parametrize mechanism (registration, chaining, assignment,
caching, removal, errors)."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import retroprop as rp
import retroprop.nn as nn
from retroprop.nn.utils import parametrize
from retroprop.nn.utils.parametrizations import spectral_norm, weight_norm

tparam = torch.nn.utils.parametrizations


def _layers(kind):
    """The same layer in both libraries, float64, with torch's weights copied."""
    torch.manual_seed(0)
    make = {
        "linear": (lambda: torch.nn.Linear(5, 3), lambda: nn.Linear(5, 3)),
        "conv2d": (lambda: torch.nn.Conv2d(2, 4, 3), lambda: nn.Conv2d(2, 4, 3)),
        "conv1d": (lambda: torch.nn.Conv1d(3, 2, 2), lambda: nn.Conv1d(3, 2, 2)),
        "convT2d": (
            lambda: torch.nn.ConvTranspose2d(3, 2, 2),
            lambda: nn.ConvTranspose2d(3, 2, 2),
        ),
    }[kind]
    t, r = make[0]().double(), make[1]().double()
    r.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    return t, r


def _input(kind, rng):
    shape = {
        "linear": (4, 5),
        "conv2d": (2, 2, 5, 5),
        "conv1d": (2, 3, 6),
        "convT2d": (2, 3, 3, 3),
    }[kind]
    return rng.standard_normal(shape)


def _compare_step(r, t, x, original_names):
    """Forward of both modules, then the gradients of the input and the originals."""
    rx, tx = rp.Tensor(x, dtype=x.dtype, requires_grad=True), torch.tensor(x, requires_grad=True)
    ro, to = r(rx), t(tx)
    np.testing.assert_allclose(ro.detach().numpy(), to.detach().numpy(), rtol=1e-9, atol=1e-10)
    g = np.random.default_rng(1).standard_normal(ro.shape)
    ro.backward(rp.Tensor(g, dtype=g.dtype))
    to.backward(torch.tensor(g))
    np.testing.assert_allclose(rx.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-10)
    for name in original_names:
        np.testing.assert_allclose(
            r.get_parameter(name).grad.numpy(),
            t.get_parameter(name).grad.numpy(),
            rtol=1e-8,
            atol=1e-10,
            err_msg=name,
        )


# ---- spectral_norm ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["linear", "conv2d", "conv1d", "convT2d"])
@pytest.mark.parametrize("n_power_iterations", [1, 3])
def test_spectral_norm_matches_torch_in_train_and_eval_mode(kind, n_power_iterations):
    t, r = _layers(kind)
    tparam.spectral_norm(t, n_power_iterations=n_power_iterations)
    spectral_norm(r, n_power_iterations=n_power_iterations)
    assert type(r).__name__ == "Parametrized" + type(r).__bases__[0].__name__
    assert list(r.state_dict()) == list(t.state_dict())
    # torch's u and v (its random start, after its power iterations) are loaded as well
    r.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    rng = np.random.default_rng(2)
    originals = ["parametrizations.weight.original", "bias"]
    for _ in range(2):  # train mode: a power iteration per forward, then the same sigma
        _compare_step(r, t, _input(kind, rng), originals)
        for buf in ("_u", "_v"):
            np.testing.assert_allclose(
                r.parametrizations.weight[0].get_buffer(buf).numpy(),
                getattr(t.parametrizations.weight[0], buf).numpy(),
                rtol=1e-9,
                atol=1e-12,
            )
        r.zero_grad()
        t.zero_grad()
    r.eval()
    t.eval()
    u = r.parametrizations.weight[0]._u.numpy().copy()
    _compare_step(r, t, _input(kind, rng), originals)
    np.testing.assert_array_equal(r.parametrizations.weight[0]._u.numpy(), u)


def test_spectral_norm_makes_the_largest_singular_value_one():
    rp.manual_seed(0)
    layer = spectral_norm(nn.Linear(20, 10))
    for _ in range(20):
        w = layer.weight
    sigma = np.linalg.svd(w.detach().numpy().astype(np.float64), compute_uv=False)[0]
    assert abs(sigma - 1) < 1e-3
    assert w.dtype == np.float32
    conv = spectral_norm(nn.Conv2d(3, 8, 3), n_power_iterations=10)
    for _ in range(10):
        w = conv.weight
    assert abs(np.linalg.svd(w.detach().numpy().reshape(8, -1), compute_uv=False)[0] - 1) < 1e-3


def test_spectral_norm_state_dict_loads_into_torch():
    r = spectral_norm(nn.Conv2d(2, 3, 3))
    t = tparam.spectral_norm(torch.nn.Conv2d(2, 3, 3))
    t.load_state_dict({k: torch.tensor(v.numpy()) for k, v in r.state_dict().items()})
    r.eval()
    t.eval()
    x = np.random.default_rng(3).standard_normal((1, 2, 4, 4)).astype(np.float32)
    with torch.no_grad():
        expected = t(torch.tensor(x)).numpy()
    np.testing.assert_allclose(r(rp.Tensor(x)).detach().numpy(), expected, rtol=1e-5, atol=1e-5)


def test_spectral_norm_gradcheck_in_float64_and_one_dimensional_weights():
    rp.manual_seed(0)
    layer = spectral_norm(nn.Linear(3, 4, dtype=rp.float64)).eval()
    original = layer.parametrizations.weight.original
    x = rp.randn(2, 3, dtype=rp.float64)
    assert rp.autograd.gradcheck(lambda w: layer(x), [original])
    # a 1-D tensor is divided by its norm (exactly the spectral norm of a vector)
    bias = spectral_norm(nn.Linear(3, 4), name="bias")
    t = tparam.spectral_norm(torch.nn.Linear(3, 4), name="bias")
    assert list(bias.state_dict()) == list(t.state_dict())
    b = bias.bias.detach().numpy()
    np.testing.assert_allclose(np.linalg.norm(b), 1, rtol=1e-6)


def test_spectral_norm_rejects_bad_arguments():
    with pytest.raises(ValueError, match="no parameter or buffer named 'kernel'"):
        spectral_norm(nn.Linear(2, 3), name="kernel")
    with pytest.raises(IndexError, match=r"dim must be in \[-2, 1\]"):
        spectral_norm(nn.Linear(2, 3), dim=2)
    with pytest.raises(ValueError, match="n_power_iterations must be a positive integer"):
        spectral_norm(nn.Linear(2, 3), n_power_iterations=0)


def test_optimizer_updates_the_original_and_the_parametrized_weight_follows():
    rp.manual_seed(0)
    layer = spectral_norm(nn.Linear(4, 2))
    names = [n for n, _ in layer.named_parameters()]
    assert names == ["bias", "parametrizations.weight.original"]
    opt = rp.optim.SGD(layer.parameters(), lr=0.5)
    before = layer.parametrizations.weight.original.detach().numpy().copy()
    layer(rp.randn(3, 4)).sum().backward()
    opt.step()
    assert not np.allclose(layer.parametrizations.weight.original.detach().numpy(), before)


# ---- weight_norm -----------------------------------------------------------------------------


@given(
    kind=st.sampled_from(["linear", "conv2d", "conv1d", "convT2d"]),
    dim=st.sampled_from([0, 1, None, -2]),
)
def test_weight_norm_matches_torch(kind, dim):
    t, r = _layers(kind)
    tparam.weight_norm(t, dim=dim)
    weight_norm(r, dim=dim)
    state = t.state_dict()
    assert list(r.state_dict()) == list(state)
    for key, value in r.state_dict().items():
        assert tuple(value.shape) == tuple(state[key].shape), key
        np.testing.assert_allclose(value.numpy(), state[key].numpy(), rtol=1e-12, err_msg=key)
    rng = np.random.default_rng(4)
    # move g away from ||v|| so that the forward is not the identity
    with torch.no_grad():
        t.parametrizations.weight.original0.mul_(1.5)
    r.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    names = ["parametrizations.weight.original0", "parametrizations.weight.original1", "bias"]
    _compare_step(r, t, _input(kind, rng), names)


def test_weight_norm_gradcheck_and_keys_of_g_and_v():
    rp.manual_seed(0)
    layer = weight_norm(nn.Conv2d(2, 3, 2, dtype=rp.float64))
    g = layer.parametrizations.weight.original0
    v = layer.parametrizations.weight.original1
    assert g.shape == (3, 1, 1, 1) and v.shape == (3, 2, 2, 2)
    np.testing.assert_allclose(
        layer.weight.detach().numpy(), v.detach().numpy()
    )  # g = ||v|| at registration
    x = rp.randn(1, 2, 3, 3, dtype=rp.float64)
    with rp.no_grad():
        g.mul_(rp.Tensor(np.array([[[[0.5]]], [[[2.0]]], [[[1.0]]]])))
    assert rp.autograd.gradcheck(lambda g, v: layer(x), [g, v])
    with pytest.raises(ValueError, match="no parameter or buffer named 'w'"):
        weight_norm(nn.Linear(2, 2), name="w")
    with pytest.raises(IndexError, match="weight_norm: dim must be in"):
        weight_norm(nn.Linear(2, 2), dim=3)


# ---- the parametrize mechanism --------------------------------------------------------------


class _Symmetric(nn.Module):
    """The upper triangle mirrored: a symmetric matrix."""

    def forward(self, x):
        upper = rp.Tensor(np.triu(np.ones(x.shape, bool)))
        strict = rp.Tensor(np.triu(np.ones(x.shape, bool), 1))
        return rp.where(upper, x, 0.0) + rp.where(strict, x, 0.0).T

    def right_inverse(self, a):
        return a


class _Scale(nn.Module):
    def forward(self, x):
        return 2.0 * x

    def right_inverse(self, a):
        return a / 2.0


def test_register_parametrization_chains_assigns_caches_and_removes():
    layer = nn.Linear(3, 3)
    weight = layer.weight
    parametrize.register_parametrization(layer, "weight", _Symmetric())
    parametrize.register_parametrization(layer, "weight", _Scale())
    assert parametrize.is_parametrized(layer) and parametrize.is_parametrized(layer, "weight")
    assert not parametrize.is_parametrized(layer, "bias")
    assert layer.parametrizations.weight.original is weight  # the same Parameter object
    original = weight.detach().numpy()
    expected = 2 * (np.triu(original) + np.triu(original, 1).T)
    np.testing.assert_allclose(layer.weight.detach().numpy(), expected)
    # assignment goes through the right inverses: original = value / 2
    value = np.arange(9.0, dtype=np.float32).reshape(3, 3)
    layer.weight = rp.Tensor(value + value.T)
    np.testing.assert_allclose(
        layer.parametrizations.weight.original.detach().numpy(), (value + value.T) / 2
    )
    np.testing.assert_allclose(layer.weight.detach().numpy(), value + value.T)
    with parametrize.cached():
        assert layer.weight is layer.weight
    assert layer.weight is not layer.weight
    parametrize.remove_parametrizations(layer, "weight")
    assert type(layer) is nn.Linear and not parametrize.is_parametrized(layer)
    assert layer.weight is weight
    np.testing.assert_allclose(layer.weight.detach().numpy(), value + value.T)
    assert list(layer.state_dict()) == ["bias", "weight"]  # re-registered last, as in torch


def test_remove_weight_norm_leaves_a_plain_parameter_with_the_current_value():
    layer = weight_norm(nn.Linear(3, 2))
    with rp.no_grad():
        layer.parametrizations.weight.original0.mul_(3.0)
    expected = layer.weight.detach().numpy().copy()
    parametrize.remove_parametrizations(layer, "weight")
    assert isinstance(layer.weight, nn.Parameter) and layer.weight.requires_grad
    np.testing.assert_allclose(layer.weight.detach().numpy(), expected)
    with pytest.raises(ValueError, match="no parametrization on 'weight'"):
        parametrize.remove_parametrizations(layer, "weight")


def test_register_parametrization_rejects_bad_parametrizations():
    class Flat(nn.Module):
        def forward(self, x):
            return x.reshape(-1)

    with pytest.raises(ValueError, match=r"changes the tensor from shape \(2, 3\)"):
        parametrize.register_parametrization(nn.Linear(3, 2), "weight", Flat())
    layer = parametrize.register_parametrization(nn.Linear(3, 2), "weight", Flat(), unsafe=True)
    assert layer.weight.shape == (6,)
    with pytest.raises(ValueError, match="no parameter, buffer or parametrized tensor named 'w'"):
        parametrize.register_parametrization(nn.Linear(3, 2), "w", _Scale())
    with pytest.raises(TypeError, match="parametrization must be a Module"):
        parametrize.register_parametrization(nn.Linear(3, 2), "weight", lambda x: x)
