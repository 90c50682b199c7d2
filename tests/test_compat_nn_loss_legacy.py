"""Loss modules take PyTorch's deprecated size_average= / reduce= keywords (old tutorials:
``nn.BCELoss(size_average=False)``): same reduction, same value and the same warning as
torch 2.13."""

import warnings

import numpy as np
import pytest
import torch

import retroprop as rp

RNG = np.random.default_rng(0)
X = RNG.uniform(0.05, 0.95, (4, 3)).astype(np.float32)
T = RNG.uniform(0, 1, (4, 3)).astype(np.float32)
Y = np.array([0, 1, 2, 1])

CASES = [
    ("MSELoss", T),
    ("L1Loss", T),
    ("SmoothL1Loss", T),
    ("BCELoss", T),
    ("BCEWithLogitsLoss", T),
    ("KLDivLoss", T),
    ("CrossEntropyLoss", Y),
    ("NLLLoss", Y),
]
LEGACY = [
    {"size_average": False},
    {"size_average": True},
    {"reduce": False},
    {"size_average": False, "reduce": True},
]


@pytest.mark.parametrize("name,target", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("legacy", LEGACY, ids=str)
def test_legacy_reduction_keywords_as_torch(name, target, legacy):
    with warnings.catch_warnings(record=True) as ours_w:
        warnings.simplefilter("always")
        ours = getattr(rp.nn, name)(**legacy)
    with warnings.catch_warnings(record=True) as ref_w:
        warnings.simplefilter("always")
        ref = getattr(torch.nn, name)(**legacy)
    assert ours.reduction == ref.reduction
    assert len(ours_w) == len(ref_w) == 1
    assert "size_average and reduce args will be deprecated" in str(ours_w[0].message)
    assert ours_w[0].filename == __file__  # the warning points at the caller's line
    x = rp.tensor(X, requires_grad=True)
    xt = torch.tensor(X, requires_grad=True)
    a, b = ours(x, rp.tensor(target)), ref(xt, torch.tensor(target))
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)
    a.sum().backward()
    b.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_without_legacy_keywords_no_warning_and_reduction_kept():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert rp.nn.MSELoss(reduction="sum").reduction == "sum"
        assert rp.nn.CrossEntropyLoss(label_smoothing=0.1).reduction == "mean"
