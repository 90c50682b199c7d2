"""MarginRankingLoss, SoftMarginLoss, CosineEmbeddingLoss, TripletMarginLoss,
MultiLabelSoftMarginLoss and PoissonNLLLoss against torch 2.13: values and input gradients
for every reduction, float64 finite differences, reprs of bad reductions."""

import numpy as np
import pytest
import torch
from parity import assert_parity, check_grad

import retroprop as rp
import retroprop.nn as nn
import retroprop.nn.functional as F

R = np.random.default_rng(0)
X1, X2, X3 = (R.standard_normal((5, 4)) for _ in range(3))
SIGN5 = np.where(R.random(5) < 0.5, -1.0, 1.0)
SIGN54 = np.where(R.random((5, 4)) < 0.5, -1.0, 1.0)
LABELS = (R.random((5, 4)) < 0.5).astype(np.float64)
COUNTS = R.integers(0, 6, (5, 4)).astype(np.float64)
RATES = R.uniform(0.1, 3.0, (5, 4))

# name -> (constructor kwargs, inputs, which inputs are differentiable)
CASES = {
    "MarginRankingLoss": ({"margin": 0.3}, [X1[:, 0], X2[:, 0], SIGN5], [True, True, False]),
    "SoftMarginLoss": ({}, [X1, SIGN54], [True, False]),
    "CosineEmbeddingLoss": ({"margin": 0.2}, [X1, X2, SIGN5], [True, True, False]),
    "TripletMarginLoss": ({"margin": 0.5, "p": 2.0}, [X1, X2, X3], [True, True, True]),
    "MultiLabelSoftMarginLoss": ({}, [X1, LABELS], [True, False]),
    "PoissonNLLLoss": ({}, [X1, COUNTS], [True, False]),
}
EXTRA = {
    "TripletMarginLoss-swap-p1": (
        "TripletMarginLoss",
        {"margin": 1.0, "p": 1.0, "swap": True},
        [X1, X2, X3],
        [True] * 3,
    ),
    "PoissonNLLLoss-rates-full": (
        "PoissonNLLLoss",
        {"log_input": False, "full": True},
        [RATES, COUNTS],
        [True, False],
    ),
}
ALL = {k: (k, *v) for k, v in CASES.items()} | EXTRA


@pytest.mark.parametrize("case", sorted(ALL))
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_loss_matches_torch(case, reduction):
    name, kw, arrays, grad = ALL[case]
    ours = getattr(nn, name)(**kw, reduction=reduction)
    theirs = getattr(torch.nn, name)(**kw, reduction=reduction)
    assert_parity(ours, theirs, arrays, grad=grad, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", sorted(ALL))
def test_loss_gradcheck(case):
    name, kw, arrays, grad = ALL[case]
    ours = getattr(nn, name)(**kw)
    free = [i for i, g in enumerate(grad) if g]

    def fn(*xs):
        args = list(arrays)
        for i, x in zip(free, xs):
            args[i] = x
        return ours(
            *[rp.Tensor(a, dtype=a.dtype) if isinstance(a, np.ndarray) else a for a in args]
        )

    check_grad(fn, [arrays[i] for i in free])


def test_functions_exist_and_bad_reduction_is_named():
    for name in ("margin_ranking_loss", "soft_margin_loss", "cosine_embedding_loss"):
        assert callable(getattr(F, name))
    with pytest.raises(ValueError, match="soft_margin_loss: reduction must be one of"):
        F.soft_margin_loss(rp.zeros(2), rp.ones(2), reduction="avg")
    with pytest.raises(ValueError, match="SoftMarginLoss: reduction must be one of"):
        nn.SoftMarginLoss(reduction="avg")
