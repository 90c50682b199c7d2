"""InstanceNorm1d/2d/3d and F.instance_norm against torch 2.13: values, input and parameter
gradients (affine with and without bias), unbatched inputs, reprs and state_dict keys; a
float64 gradcheck; the unsupported running statistics are refused."""

import numpy as np
import pytest
import torch
from parity import check_grad

import retroprop as rp
import retroprop.nn as nn
import retroprop.nn.functional as F


@pytest.mark.parametrize("dims", [1, 2, 3])
@pytest.mark.parametrize("affine,bias", [(False, True), (True, True), (True, False)])
@pytest.mark.parametrize("batched", [True, False])
def test_instance_norm_matches_torch(dims, affine, bias, batched):
    name = f"InstanceNorm{dims}d"
    torch.manual_seed(0)
    t = getattr(torch.nn, name)(3, affine=affine, bias=bias).double()
    r = getattr(nn, name)(3, affine=affine, bias=bias, dtype=rp.float64)
    assert repr(r) == repr(t) and list(r.state_dict()) == list(t.state_dict())
    with torch.no_grad():
        for p in t.parameters():
            p.uniform_(0.5, 1.5)
    r.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    shape = ((2,) if batched else ()) + (3,) + (4,) * dims
    x = np.random.default_rng(dims).standard_normal(shape)
    rx, tx = rp.Tensor(x, dtype=x.dtype, requires_grad=True), torch.tensor(x, requires_grad=True)
    ro, to = r(rx), t(tx)
    np.testing.assert_allclose(ro.detach().numpy(), to.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = np.random.default_rng(9).standard_normal(shape)
    ro.backward(rp.Tensor(g, dtype=g.dtype))
    to.backward(torch.tensor(g))
    np.testing.assert_allclose(rx.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-11)
    for (name_, p), (_, tp) in zip(r.named_parameters(), t.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-9, err_msg=name_)


def test_instance_norm_gradcheck_and_refusals():
    x = np.random.default_rng(1).standard_normal((2, 2, 5))
    w, b = np.array([0.5, 2.0]), np.array([0.1, -0.3])
    check_grad(lambda t, w_, b_: F.instance_norm(t, weight=w_, bias=b_), [x, w, b])
    with pytest.raises(ValueError, match="track_running_stats=True is not supported"):
        nn.InstanceNorm2d(3, track_running_stats=True)
    with pytest.raises(ValueError, match="InstanceNorm2d: expected 3 channels"):
        nn.InstanceNorm2d(3)(rp.zeros(1, 2, 4, 4))
    with pytest.raises(ValueError, match=r"InstanceNorm1d: expected a 2-d \(unbatched\) or 3-d"):
        nn.InstanceNorm1d(3)(rp.zeros(3))
    with pytest.raises(ValueError, match="running statistics are not supported"):
        F.instance_norm(rp.zeros(1, 2, 3), running_mean=rp.zeros(2))
