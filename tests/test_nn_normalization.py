"""BatchNorm1d/2d, LayerNorm, GroupNorm modules against PyTorch: training and evaluation,
running statistics and num_batches_tracked, state_dict keys and loading both ways, errors."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import retroprop as rp
import retroprop.nn as nn


def _sync(rp_module, torch_module):
    """Copy torch's parameters and buffers into the retroprop module (strict)."""
    rp_module.load_state_dict({k: v.numpy() for k, v in torch_module.state_dict().items()})


def _perturb(torch_module, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in torch_module.parameters():
            p.copy_(torch.randn(p.shape, generator=g))


def _step(rp_module, torch_module, x):
    """One forward/backward in both libraries with the same upstream gradient."""
    xr = rp.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    yr, yt = rp_module(xr), torch_module(xt)
    np.testing.assert_allclose(yr.detach().numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
    g = np.random.default_rng(0).standard_normal(yt.shape).astype(x.dtype)
    yr.backward(rp.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xr.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-5)
    for (name, p), tp in zip(rp_module.named_parameters(), torch_module.parameters()):
        np.testing.assert_allclose(
            p.grad.numpy(), tp.grad.numpy(), rtol=1e-4, atol=1e-5, err_msg=name
        )


@given(
    case=st.sampled_from(
        [
            (nn.BatchNorm1d, torch.nn.BatchNorm1d, (8, 3)),
            (nn.BatchNorm1d, torch.nn.BatchNorm1d, (4, 3, 6)),
            (nn.BatchNorm2d, torch.nn.BatchNorm2d, (3, 3, 4, 5)),
        ]  # fmt: skip
    ),
    momentum=st.sampled_from([0.1, 0.3, None]),
    affine=st.sampled_from(["both", "weight", "none"]),
    track=st.booleans(),
    seed=st.integers(0, 100),
)
def test_batch_norm_train_then_eval_matches_torch(case, momentum, affine, track, seed):
    rp_cls, torch_cls, shape = case
    kw = dict(momentum=momentum, affine=affine != "none", track_running_stats=track)
    kw["bias"] = affine != "weight"
    tm = torch_cls(3, **kw)
    _perturb(tm, seed)
    rm = rp_cls(3, **kw)
    _sync(rm, tm)
    rng = np.random.default_rng(seed)
    for _ in range(3):
        _step(rm, tm, (rng.standard_normal(shape) * 2 + 1).astype(np.float32))
        rm.zero_grad()
        tm.zero_grad()
    for key, value in tm.state_dict().items():
        got = rm.state_dict()[key]
        assert got.dtype == value.numpy().dtype, key
        np.testing.assert_allclose(got.numpy(), value.numpy(), rtol=1e-5, atol=1e-6, err_msg=key)
    rm.eval()
    tm.eval()
    _step(rm, tm, rng.standard_normal(shape).astype(np.float32))


def test_batch_norm_counts_batches_and_averages_cumulatively():
    bn = nn.BatchNorm1d(2, momentum=None)
    rng = np.random.default_rng(0)
    batches = [rng.standard_normal((16, 2)).astype(np.float32) + i for i in range(4)]
    for x in batches:
        bn(rp.tensor(x))
    assert bn.num_batches_tracked.item() == 4
    assert bn.num_batches_tracked.dtype == np.int64
    expected = np.mean([x.mean(axis=0) for x in batches], axis=0)
    np.testing.assert_allclose(bn.running_mean.numpy(), expected, rtol=1e-5)


def test_batch_norm_eval_does_not_update_running_stats():
    bn = nn.BatchNorm2d(3).eval()
    before = {k: v.numpy().copy() for k, v in bn.state_dict().items()}
    bn(rp.randn(2, 3, 4, 4))
    for k, v in bn.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k])


def test_batch_norm_state_dict_keys_load_both_ways():
    tm = torch.nn.BatchNorm2d(4)
    _perturb(tm, 1)
    tm(torch.randn(5, 4, 3, 3))
    rm = nn.BatchNorm2d(4)
    assert list(rm.state_dict()) == list(tm.state_dict())
    _sync(rm, tm)
    rm(rp.randn(5, 4, 3, 3))  # changes rp's statistics and count
    back = torch.nn.BatchNorm2d(4)
    back.load_state_dict({k: torch.tensor(v.numpy()) for k, v in rm.state_dict().items()})
    for key, value in back.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), rm.state_dict()[key].numpy())
    assert back.num_batches_tracked.item() == 2


def test_batch_norm_loads_a_checkpoint_without_num_batches_tracked():
    tm = torch.nn.BatchNorm1d(3)
    sd = {k: v.numpy() for k, v in tm.state_dict().items() if k != "num_batches_tracked"}
    rm = nn.BatchNorm1d(3)
    rm.num_batches_tracked.fill_(7)
    rm.load_state_dict(sd)
    assert rm.num_batches_tracked.item() == 0


def test_batch_norm_without_affine_or_running_stats_has_torch_keys():
    assert list(nn.BatchNorm1d(3, affine=False).state_dict()) == list(
        torch.nn.BatchNorm1d(3, affine=False).state_dict()
    )
    rm = nn.BatchNorm1d(3, track_running_stats=False)
    assert list(rm.state_dict()) == ["weight", "bias"]
    assert rm.running_mean is None


def test_batch_norm_works_in_float64():
    rp.manual_seed(0)
    bn = nn.BatchNorm1d(3).double()
    x = rp.randn(6, 3, dtype=np.float64, requires_grad=True)
    y = bn(x)
    assert y.dtype == np.float64 and bn.running_mean.dtype == np.float64
    assert rp.autograd.gradcheck(lambda x: bn(x), [x])


@pytest.mark.parametrize(
    "kwargs", [dict(), dict(elementwise_affine=False), dict(bias=False), dict(eps=1e-3)]
)
def test_layer_norm_matches_torch(kwargs):
    tm = torch.nn.LayerNorm((4, 5), **kwargs)
    _perturb(tm, 2)
    rm = nn.LayerNorm((4, 5), **kwargs)
    assert list(rm.state_dict()) == list(tm.state_dict())
    _sync(rm, tm)
    _step(rm, tm, np.random.default_rng(3).standard_normal((2, 3, 4, 5)).astype(np.float32))


@pytest.mark.parametrize(
    "groups, kwargs",
    [(1, {}), (2, {}), (6, dict(affine=False)), (3, dict(bias=False)), (2, dict(eps=1e-2))],
)
def test_group_norm_matches_torch(groups, kwargs):
    tm = torch.nn.GroupNorm(groups, 6, **kwargs)
    _perturb(tm, 3)
    rm = nn.GroupNorm(groups, 6, **kwargs)
    assert list(rm.state_dict()) == list(tm.state_dict())
    _sync(rm, tm)
    _step(rm, tm, np.random.default_rng(4).standard_normal((3, 6, 4, 2)).astype(np.float32))


def test_reprs_match_torch():
    for rm, tm in [
        (nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3)),
        (nn.BatchNorm2d(3, momentum=None), torch.nn.BatchNorm2d(3, momentum=None)),
        (nn.BatchNorm1d(3, affine=False), torch.nn.BatchNorm1d(3, affine=False)),
        (nn.LayerNorm(5, bias=False), torch.nn.LayerNorm(5, bias=False)),
        (nn.GroupNorm(2, 4, bias=False), torch.nn.GroupNorm(2, 4, bias=False)),
    ]:
        assert repr(rm) == repr(tm)


def test_normalization_layers_reject_bad_inputs():
    with pytest.raises(ValueError, match=r"BatchNorm1d\(3\): expected an input of shape"):
        nn.BatchNorm1d(3)(rp.randn(2, 3, 4, 5))
    with pytest.raises(ValueError, match="with C = 3, got shape \\(2, 4, 5, 5\\)"):
        nn.BatchNorm2d(3)(rp.randn(2, 4, 5, 5))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(rp.randn(1, 3))
    with pytest.raises(ValueError, match="num_features must be a positive integer"):
        nn.BatchNorm1d(0)
    with pytest.raises(ValueError, match="momentum"):
        nn.BatchNorm1d(3, momentum=2.0)
    split = r"GroupNorm: num_channels \(6\) can not be split into num_groups=4 groups"
    with pytest.raises(ValueError, match=split):
        nn.GroupNorm(4, 6)
    for bad in (0, 2.5, True):
        with pytest.raises(ValueError, match="GroupNorm: num_groups must be a positive integer"):
            nn.GroupNorm(bad, 6)
    with pytest.raises(ValueError, match=r"group_norm: the channels of the input \(2, 6, 3\)"):
        nn.functional.group_norm(rp.randn(2, 6, 3), 4)
    with pytest.raises(ValueError, match=r"GroupNorm\(2, 6\): expected an input of shape"):
        nn.GroupNorm(2, 6)(rp.randn(2, 4, 3))
    with pytest.raises(ValueError, match="layer_norm"):
        nn.LayerNorm(4)(rp.randn(2, 5))


@pytest.mark.parametrize(
    "make",
    [lambda lib: lib.nn.LayerNorm((3, 4)), lambda lib: lib.nn.GroupNorm(2, 4)],
)
def test_layer_and_group_norm_state_dicts_load_into_torch(make):
    rm, tm = make(rp), make(torch)
    for p in rm.parameters():
        p.data[...] = np.random.default_rng(5).standard_normal(p.shape)
    tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in rm.state_dict().items()})
    x = np.random.default_rng(6).standard_normal((2, 4, 3, 4)).astype(np.float32)
    np.testing.assert_allclose(
        rm(rp.tensor(x)).detach().numpy(),
        tm(torch.tensor(x)).detach().numpy(),
        rtol=1e-5,
        atol=1e-5,
    )
