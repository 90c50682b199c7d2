"""Dropout1d, Dropout3d (whole channels dropped, batched and unbatched), Softmax2d and
UpsamplingNearest2d against torch 2.13 (values and gradients where deterministic)."""

import numpy as np
import pytest
import torch
from parity import assert_parity

import retroprop as rp
import retroprop.nn as nn
import retroprop.nn.functional as F


@pytest.mark.parametrize(
    "cls,shape,k",
    [(nn.Dropout1d, (4, 6, 5), 1), (nn.Dropout1d, (6, 5), 1), (nn.Dropout3d, (3, 4, 2, 2, 2), 3)],
)
def test_channel_dropout_zeroes_whole_channels_and_scales_the_rest(cls, shape, k):
    rp.manual_seed(0)
    layer = cls(0.5)
    assert repr(layer) == repr(getattr(torch.nn, cls.__name__)(0.5))
    x = rp.tensor(np.random.default_rng(0).uniform(1, 2, shape), requires_grad=True)
    y = layer(x)
    # one row per (sample, channel) slice of k spatial dims: all kept (x 2) or all zero
    ratio = (y.detach().numpy() / x.detach().numpy()).reshape(int(np.prod(shape[:-k])), -1)
    np.testing.assert_allclose(ratio, ratio[:, :1].repeat(ratio.shape[1], 1))
    assert set(np.round(ratio[:, 0], 6)) == {0.0, 2.0}
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), ratio.reshape(shape))
    assert layer.eval()(x) is x


def test_channel_dropout_refuses_other_ranks():
    with pytest.raises(ValueError, match=r"dropout1d: expected a 2-d \(unbatched\) or 3-d"):
        F.dropout1d(rp.zeros(2, 3, 4, 5))
    with pytest.raises(ValueError, match=r"dropout3d: expected a 4-d \(unbatched\) or 5-d"):
        F.dropout3d(rp.zeros(2, 3, 4))


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (3, 4, 5)])
def test_softmax2d_matches_torch(shape):
    x = np.random.default_rng(1).standard_normal(shape)
    assert_parity(nn.Softmax2d(), torch.nn.Softmax2d(), [x], rtol=1e-12, atol=1e-14)
    with pytest.raises(ValueError, match="Softmax2d: expected a 3-d or 4-d input"):
        nn.Softmax2d()(rp.zeros(2, 3))


@pytest.mark.parametrize("kw", [{"scale_factor": 2}, {"size": (5, 7)}])
def test_upsampling_nearest2d_matches_torch(kw):
    ours, theirs = nn.UpsamplingNearest2d(**kw), torch.nn.UpsamplingNearest2d(**kw)
    assert repr(ours) == repr(theirs)
    x = np.random.default_rng(2).standard_normal((1, 2, 3, 4)).astype(np.float32)
    assert_parity(ours, theirs, [x])
