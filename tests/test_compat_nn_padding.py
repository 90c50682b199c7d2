"""Padding layers (Zero/Constant/Reflection/Replication/CircularPad 1d-3d) against torch 2.13:
values, gradients, reprs; bad paddings and input ranks raise naming the layer."""

import numpy as np
import pytest
import torch
from parity import assert_parity, check_grad

import retroprop.nn as nn

KINDS = ["ZeroPad", "ConstantPad", "ReflectionPad", "ReplicationPad", "CircularPad"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dims", [1, 2, 3])
@pytest.mark.parametrize("padding", [1, "tuple"])
def test_padding_layer_matches_torch(kind, dims, padding):
    padding = tuple(range(1, 2 * dims + 1)) if padding == "tuple" else padding
    padding = tuple(min(p, 2) for p in padding) if isinstance(padding, tuple) else padding
    name = f"{kind}{dims}d"
    args = (padding, 1.5) if kind == "ConstantPad" else (padding,)
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs) and ours.padding == theirs.padding
    x = np.random.default_rng(dims).standard_normal((2, 3) + (4,) * dims)
    assert_parity(ours, theirs, [x], rtol=1e-12, atol=0)
    check_grad(lambda t: ours(t), [x[:1, :1]])


def test_padding_layers_refuse_bad_padding_and_rank():
    with pytest.raises(ValueError, match=r"ZeroPad2d: padding must be an int or a tuple of 4"):
        nn.ZeroPad2d((1, 1))
    with pytest.raises(ValueError, match=r"ReflectionPad2d: expected a 3-d \(unbatched\) or 4-d"):
        nn.ReflectionPad2d(1)(nn.Flatten()(np.zeros((2, 3, 1))))
