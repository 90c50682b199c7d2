"""Pooling and Upsample modules against PyTorch's."""

import numpy as np
import pytest
import torch
from parity import assert_parity

import retroprop as rp
import retroprop.nn as nn

CASES = [
    ("MaxPool1d", (3,), dict(stride=2, padding=1, dilation=1, ceil_mode=True), (2, 3, 10)),
    ("MaxPool2d", (2,), {}, (2, 3, 8, 9)),
    ("MaxPool2d", ((3, 2),), dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2)), (2, 3, 9, 8)),
    ("AvgPool1d", (4,), dict(stride=3, padding=2, count_include_pad=False), (2, 3, 11)),
    ("AvgPool2d", (3,), dict(stride=2, padding=1, ceil_mode=True), (2, 3, 8, 9)),
    ("AvgPool2d", (2,), dict(divisor_override=3), (2, 3, 6, 6)),
    ("AdaptiveAvgPool1d", (4,), {}, (2, 3, 10)),
    ("AdaptiveAvgPool2d", ((3, None),), {}, (2, 3, 7, 5)),
    ("AdaptiveAvgPool2d", (1,), {}, (2, 3, 7, 7)),
    ("Upsample", (), dict(scale_factor=2), (2, 3, 4, 5)),
    ("Upsample", (), dict(size=(7, 3)), (2, 3, 4, 5)),
    ("Upsample", (), dict(scale_factor=1.5, mode="nearest"), (2, 3, 5)),
]


@pytest.mark.parametrize(("name", "args", "kwargs", "shape"), CASES)
def test_module_matches_torch_forward_gradient_and_repr(name, args, kwargs, shape):
    r = getattr(nn, name)(*args, **kwargs)
    t = getattr(torch.nn, name)(*args, **kwargs)
    assert repr(r) == repr(t)
    assert r.state_dict() == {} and not list(r.parameters())
    x = np.random.default_rng(0).standard_normal(shape)
    assert_parity(r, t, [x], rtol=1e-10, atol=1e-12)


def test_pooling_layers_in_a_cnn_match_torch():
    def build(lib):
        return lib.Sequential(
            lib.Conv2d(1, 4, 3, padding=1),
            lib.ReLU(),
            lib.MaxPool2d(2),
            lib.Conv2d(4, 4, 3),
            lib.ReLU(),
            lib.AvgPool2d(2),
            lib.Upsample(scale_factor=2),
            lib.AdaptiveAvgPool2d(3),
        )

    torch.manual_seed(0)
    t = build(torch.nn).double()
    r = build(nn)
    r.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    r.double()
    x = np.random.default_rng(1).standard_normal((2, 1, 12, 12))
    assert_parity(r, t, [x], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    ("layer", "shape", "match"),
    [
        (nn.MaxPool2d(2), (4, 4), r"MaxPool2d\(kernel_size=2, .*got shape \(4, 4\)"),
        (nn.MaxPool2d(5), (1, 1, 4, 4), r"MaxPool2d\(kernel_size=5.*too small"),
        (nn.MaxPool1d(2, padding=2), (1, 1, 8), r"MaxPool1d\(.*at most half"),
        (nn.AvgPool2d(3), (1, 1, 2, 2), r"AvgPool2d\(kernel_size=3.*too small"),
        (nn.AvgPool1d(2), (1, 2, 2, 8), r"AvgPool1d\(.*3-d"),
        (nn.AdaptiveAvgPool2d(0), (1, 1, 4, 4), r"AdaptiveAvgPool2d\(output_size=0\).*positive"),
        (nn.Upsample(scale_factor=2, mode="bicubic"), (1, 1, 4, 4), r"Upsample\(.*nearest"),
        (nn.Upsample(size=3), (1, 1, 2, 2, 2), r"Upsample\(size=3.*got shape \(1, 1, 2, 2, 2\)"),
    ],
)
def test_bad_inputs_raise_errors_naming_the_layer(layer, shape, match):
    with pytest.raises(ValueError, match=match):
        layer(rp.zeros(*shape))
