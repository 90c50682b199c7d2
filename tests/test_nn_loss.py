"""Loss layers (retroprop.nn.loss): PyTorch parity of values, gradients, reprs and weight
buffers; the functional names; bad constructor arguments."""

import numpy as np
import pytest
import torch
from parity import assert_parity

import retroprop as rp
import retroprop.nn as nn
import retroprop.nn.functional as F

RNG = np.random.default_rng(0)
X = RNG.standard_normal((6, 4)).astype(np.float32)
LABELS = RNG.integers(0, 4, 6).astype(np.int64)
PROBS = RNG.uniform(0.05, 0.95, (6, 4)).astype(np.float32)
Y = RNG.standard_normal((6, 4)).astype(np.float32)
W4 = np.array([1.0, 0.5, 2.0, 1.5], dtype=np.float32)
LOGP = np.log(PROBS / PROBS.sum(1, keepdims=True))
SIGNS = np.where(RNG.random((6, 4)) > 0.5, 1.0, -1.0).astype(np.float32)

# (class name, positional args, keyword args with arrays for tensors, input, target)
CASES = [
    ("MSELoss", (), {}, X, Y),
    ("MSELoss", (), {"reduction": "sum"}, X, Y),
    ("L1Loss", (), {"reduction": "none"}, X, Y),
    ("HuberLoss", ("mean", 0.5), {}, X, Y),
    ("SmoothL1Loss", (), {"beta": 0.5}, X, Y),
    ("BCELoss", (), {}, PROBS, PROBS[::-1].copy()),
    ("BCELoss", (), {"weight": W4, "reduction": "sum"}, PROBS, PROBS[::-1].copy()),
    ("BCEWithLogitsLoss", (), {"pos_weight": W4}, X, PROBS),
    ("BCEWithLogitsLoss", (), {"weight": W4[:, None][:1], "reduction": "none"}, X, PROBS),
    ("CrossEntropyLoss", (), {}, X, LABELS),
    ("CrossEntropyLoss", (W4,), {"ignore_index": 1, "label_smoothing": 0.1}, X, LABELS),
    ("CrossEntropyLoss", (), {"reduction": "sum"}, X, PROBS / PROBS.sum(1, keepdims=True)),
    ("NLLLoss", (), {}, LOGP, LABELS),
    ("NLLLoss", (W4,), {"ignore_index": 2, "reduction": "none"}, LOGP, LABELS),
    ("KLDivLoss", (), {"reduction": "batchmean"}, LOGP, PROBS / PROBS.sum(1, keepdims=True)),
    ("KLDivLoss", (), {"reduction": "sum", "log_target": True}, LOGP, LOGP[::-1].copy()),
    ("HingeEmbeddingLoss", (0.5,), {}, X, SIGNS),
    ("MultiMarginLoss", (), {}, X, LABELS),
    ("MultiMarginLoss", (2, 0.7, W4), {"reduction": "sum"}, X, LABELS),
]


def _build(module, name, args, kwargs, tensor):
    args = tuple(tensor(a) if isinstance(a, np.ndarray) else a for a in args)
    kwargs = {k: tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    return getattr(module, name)(*args, **kwargs)


@pytest.mark.parametrize("name,args,kwargs,x,t", CASES, ids=[c[0] for c in CASES])
def test_loss_layer_matches_torch(name, args, kwargs, x, t):
    ours = _build(nn, name, args, kwargs, rp.tensor)
    theirs = _build(torch.nn, name, args, kwargs, torch.tensor)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    # targets of integer or sign labels get no gradient
    grad = [True, t.dtype.kind == "f" and name != "HingeEmbeddingLoss"]
    assert_parity(ours, theirs, [x, t], grad=grad)


def test_weight_buffers_follow_the_module_dtype():
    loss = nn.CrossEntropyLoss(rp.tensor(W4)).double()
    assert loss.weight.dtype == np.float64
    x = rp.tensor(X, dtype=np.float64, requires_grad=True)
    out = loss(x, rp.tensor(LABELS))
    assert out.dtype == np.float64
    ref = torch.nn.CrossEntropyLoss(torch.tensor(W4, dtype=torch.float64))(
        torch.tensor(X, dtype=torch.float64), torch.tensor(LABELS)
    )
    np.testing.assert_allclose(out.item(), ref.item(), rtol=1e-12)
    bce = nn.BCEWithLogitsLoss(pos_weight=rp.tensor(W4))
    assert list(bce.state_dict()) == ["pos_weight"]


def test_cross_entropy_layer_trains_a_linear_classifier():
    rp.manual_seed(0)
    model = nn.Linear(4, 4)
    loss_fn = nn.CrossEntropyLoss()
    x, y = rp.tensor(X), rp.tensor(LABELS)
    first = None
    for _ in range(50):
        loss = loss_fn(model(x), y)
        first = first if first is not None else loss.item()
        model.zero_grad()
        loss.backward()
        with rp.no_grad():
            for p in model.parameters():
                p -= 0.5 * p.grad
    assert loss.item() < 0.5 * first


def test_functional_names_are_the_ops():
    x, t = rp.tensor(X), rp.tensor(LABELS)
    np.testing.assert_allclose(
        F.cross_entropy(x, t).item(), F.nll_loss(F.log_softmax(x, 1), t).item(), rtol=1e-6
    )
    for name in ("mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "kl_div",
                 "binary_cross_entropy_with_logits", "hinge_embedding_loss"):  # fmt: skip
        assert callable(getattr(F, name))


@pytest.mark.parametrize(
    "make",
    [
        lambda: nn.MSELoss(reduction="avg"),
        lambda: nn.CrossEntropyLoss(reduction="batchmean"),
        lambda: nn.KLDivLoss(reduction="max"),
        lambda: nn.BCEWithLogitsLoss(reduction="all"),
        lambda: nn.HuberLoss("max"),
    ],
)
def test_bad_reduction_is_caught_at_construction(make):
    with pytest.raises(ValueError, match=r"Loss: reduction must be one of 'mean', 'sum', 'none'"):
        make()


def test_options_after_the_first_are_keyword_only():
    # PyTorch's positional slots there are the deprecated size_average and reduce
    with pytest.raises(TypeError):
        nn.NLLLoss(rp.tensor(W4), 2)
    with pytest.raises(TypeError):
        nn.MSELoss("sum")


@pytest.mark.parametrize(
    "make, error, match",
    [
        (
            lambda: nn.MultiMarginLoss(margin="a"),
            TypeError,
            r"MultiMarginLoss: margin must be a real number, got 'a' of type str",
        ),
        (lambda: nn.HingeEmbeddingLoss(None), TypeError, r"HingeEmbeddingLoss: margin .*None"),
        (lambda: nn.HuberLoss(delta="1"), TypeError, r"HuberLoss: delta must be a real number"),
        (lambda: nn.HuberLoss(delta=0.0), ValueError, r"HuberLoss: delta must be positive, got 0"),
        (lambda: nn.SmoothL1Loss(beta=[1.0]), TypeError, r"SmoothL1Loss: beta must be a real"),
        (
            lambda: nn.SmoothL1Loss(beta=-1),
            ValueError,
            r"SmoothL1Loss: beta .*non-negative, got -1",
        ),
        (
            lambda: nn.CrossEntropyLoss(label_smoothing="0.1"),
            TypeError,
            r"CrossEntropyLoss: label_smoothing must be a real number, got '0.1'",
        ),
        (
            lambda: nn.CrossEntropyLoss(label_smoothing=1.5),
            ValueError,
            r"CrossEntropyLoss: label_smoothing must be in \[0, 1\], got 1.5",
        ),
        (
            lambda: nn.CrossEntropyLoss(ignore_index=1.0),
            TypeError,
            r"CrossEntropyLoss: ignore_index must be an int, got 1.0 of type float",
        ),
        (lambda: nn.NLLLoss(ignore_index="x"), TypeError, r"NLLLoss: ignore_index must be an int"),
    ],
)
def test_bad_hyper_parameters_fail_at_construction(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_numpy_scalar_options_keep_float32_losses():
    x, y = rp.tensor(X), rp.tensor(Y)
    assert nn.HuberLoss(delta=np.float64(0.5))(x, y).dtype == np.float32
    loss = nn.MultiMarginLoss(margin=np.float64(0.5))(x, rp.tensor(LABELS))
    assert loss.dtype == np.float32
    assert nn.NLLLoss(ignore_index=np.int64(2)).ignore_index == 2


def test_other_bad_arguments():
    assert nn.KLDivLoss(reduction="batchmean").reduction == "batchmean"
    with pytest.raises(ValueError, match="MultiMarginLoss: p must be 1 or 2, got 3"):
        nn.MultiMarginLoss(p=3)
    with pytest.raises(ValueError, match=r"cross_entropy: weight must have shape \(4,\), got"):
        nn.CrossEntropyLoss(rp.ones(3))(rp.tensor(X), rp.tensor(LABELS))
    with pytest.raises(ValueError, match=r"target of shape \(6, 1\) does not match input"):
        nn.MSELoss()(rp.tensor(X[:, :1].ravel()), rp.tensor(Y[:, :1]))
