"""Losses (retroprop.ops.loss): PyTorch parity of values, input and target gradients for every
reduction and option, finite differences, and clear errors for bad inputs."""

import numpy as np
import pytest
import torch
import torch.nn.functional as tF
from hypothesis import given
from hypothesis import strategies as st
from parity import assert_parity, check_grad

import retroprop as rp
from retroprop.ops import loss as L

REDUCTIONS = ["mean", "sum", "none"]


def _rng(seed=0):
    return np.random.default_rng(seed)


def _logits(shape, dtype=np.float32, seed=0):
    return (_rng(seed).standard_normal(shape) * 2).astype(dtype)


def _labels(n_classes, shape, seed=1):
    return _rng(seed).integers(0, n_classes, shape).astype(np.int64)


def _probs(shape, axis=1, dtype=np.float32, seed=2):
    p = _rng(seed).random(shape) + 0.05
    return (p / p.sum(axis=axis, keepdims=True)).astype(dtype)


def _parity_with_weight(ours, theirs, weight, arrays, **options):
    """Parity of ``ours(x, t, weight, **options)`` with torch's; the weight is a constant."""
    rw = None if weight is None else rp.tensor(weight)
    tw = None if weight is None else torch.tensor(weight)
    assert_parity(
        lambda x, t: ours(x, t, rw, **options), lambda x, t: theirs(x, t, tw, **options), arrays
    )


# ---- cross entropy ---------------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(6, 5), (3, 4, 2, 3), (5,)])
def test_cross_entropy_class_indices_match_torch(shape, reduction):
    target = _labels(shape[0], ()) if len(shape) == 1 else _labels(shape[1], shape[:1] + shape[2:])
    assert_parity(
        lambda x, t: L.cross_entropy(x, t, reduction=reduction),
        lambda x, t: tF.cross_entropy(x, t, reduction=reduction),
        [_logits(shape), target],
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("shape", [(8, 4), (4, 3, 5)])
def test_cross_entropy_weight_ignore_index_smoothing_match_torch(shape, smoothing, reduction):
    target = _labels(shape[1], shape[:1] + shape[2:])
    target.flat[::3] = -1  # ignored
    weight = np.linspace(0.5, 2.0, shape[1]).astype(np.float32)
    options = dict(ignore_index=-1, reduction=reduction, label_smoothing=smoothing)
    for w in (weight, None):
        _parity_with_weight(
            L.cross_entropy, tF.cross_entropy, w, [_logits(shape), target], **options
        )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
@pytest.mark.parametrize("shape", [(6, 5), (2, 4, 3), (4,)])
def test_cross_entropy_probability_targets_match_torch(shape, smoothing, reduction):
    axis = 0 if len(shape) == 1 else 1
    weight = np.linspace(0.5, 2.0, shape[axis]).astype(np.float32)
    options = dict(reduction=reduction, label_smoothing=smoothing)
    for w in (None, weight):
        arrays = [_logits(shape), _probs(shape, axis)]
        _parity_with_weight(L.cross_entropy, tF.cross_entropy, w, arrays, **options)


@given(
    n=st.integers(1, 5),
    n_classes=st.integers(1, 6),
    extra=st.lists(st.integers(1, 3), max_size=2),
    reduction=st.sampled_from(REDUCTIONS),
)
def test_cross_entropy_any_shape_matches_torch(n, n_classes, extra, reduction):
    shape = (n, n_classes, *extra)
    assert_parity(
        lambda x, t: L.cross_entropy(x, t, reduction=reduction, label_smoothing=0.05),
        lambda x, t: tF.cross_entropy(x, t, reduction=reduction, label_smoothing=0.05),
        [_logits(shape, seed=n), _labels(n_classes, (n, *extra), seed=n_classes)],
    )


def test_cross_entropy_gradient_is_softmax_minus_onehot_over_n():
    x = _logits((4, 3))
    y = np.array([0, 2, 1, 2])
    xt = rp.tensor(x, requires_grad=True)
    L.cross_entropy(xt, rp.tensor(y)).backward()
    e = np.exp(x - x.max(1, keepdims=True))
    expected = (e / e.sum(1, keepdims=True) - np.eye(3)[y]) / 4
    np.testing.assert_allclose(xt.grad.numpy(), expected, rtol=1e-5, atol=1e-7)


def test_cross_entropy_float64_and_gradcheck():
    x, y = _logits((3, 4, 2), np.float64), _labels(4, (3, 2))
    y[0, 0] = -100
    w = rp.tensor(np.array([1.0, 2.0, 0.5, 1.5]), dtype=np.float64)
    assert_parity(
        lambda a, t: L.cross_entropy(a, t, w, label_smoothing=0.3),
        lambda a, t: tF.cross_entropy(a, t, torch.tensor(w.numpy()), label_smoothing=0.3),
        [x, y],
        rtol=1e-10,
        atol=1e-12,
    )
    check_grad(lambda a: L.cross_entropy(a, rp.tensor(y), w, label_smoothing=0.3), [x])
    check_grad(
        lambda a, p: L.cross_entropy(a, p, w[:4], label_smoothing=0.2, reduction="none"),
        [_logits((3, 4), np.float64), _probs((3, 4), dtype=np.float64)],
    )


def test_cross_entropy_all_ignored_is_nan_as_torch():
    x = rp.tensor(_logits((2, 3)))
    loss = L.cross_entropy(x, rp.tensor([-100, -100]))
    assert np.isnan(loss.item())
    assert L.cross_entropy(x, rp.tensor([-100, -100]), reduction="sum").item() == 0


def test_ignored_rows_holding_minus_inf_count_for_nothing():
    x = np.array([[-np.inf, 0.0, 1.0], [0.5, 0.2, 0.1]], dtype=np.float32)
    t = np.array([-100, 1])
    with np.errstate(invalid="raise"):
        assert_parity(L.nll_loss, tF.nll_loss, [x, t])
        assert_parity(
            lambda a, b: L.cross_entropy(a, b, label_smoothing=0.1),
            lambda a, b: tF.cross_entropy(a, b, label_smoothing=0.1),
            [x, t],
        )


def test_cross_entropy_is_stable_for_huge_logits():
    x = np.array([[1e4, -1e4, 0.0], [0.0, 50.0, -50.0]], dtype=np.float32)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert_parity(L.cross_entropy, tF.cross_entropy, [x, np.array([1, 2])])


# ---- negative log-likelihood -------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 2, 2), (4,)])
def test_nll_loss_matches_torch(shape, reduction):
    target = _labels(shape[0], ()) if len(shape) == 1 else _labels(shape[1], shape[:1] + shape[2:])
    if target.ndim:
        target.flat[::4] = 7
    weight = np.linspace(0.5, 2.0, shape[1 if len(shape) > 1 else 0]).astype(np.float32)
    for w in (None, weight):
        arrays = [_logits(shape), target]
        _parity_with_weight(L.nll_loss, tF.nll_loss, w, arrays, reduction=reduction, ignore_index=7)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_gradcheck_with_weight_and_ignore_index(reduction):
    y = _labels(4, (3, 2))
    y[1, 0] = -100
    w = rp.tensor(np.array([1.0, 2.0, 0.5, 1.5]), dtype=np.float64)
    check_grad(
        lambda a: L.nll_loss(a, rp.tensor(y), w, reduction=reduction),
        [_logits((3, 4, 2), np.float64)],
    )


def test_nll_of_log_softmax_equals_cross_entropy():
    x, y = rp.tensor(_logits((5, 3))), rp.tensor(_labels(3, (5,)))
    np.testing.assert_allclose(
        L.nll_loss(x.log_softmax(1), y).item(), L.cross_entropy(x, y).item(), rtol=1e-6
    )


# ---- binary cross entropy ------------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_matches_torch(reduction):
    p = _rng(3).uniform(0.02, 0.98, (4, 3)).astype(np.float32)
    t = _rng(4).random((4, 3)).astype(np.float32)
    w = np.array([[0.5], [1.0], [2.0], [1.5]], dtype=np.float32)
    for weight in (None, w):
        assert_parity(
            lambda a, b, w=weight: L.binary_cross_entropy(a, b, w, reduction=reduction),
            lambda a, b, w=weight: tF.binary_cross_entropy(
                a, b, None if w is None else torch.tensor(w), reduction=reduction
            ),
            [p, t],
        )


def test_binary_cross_entropy_clamps_log_at_minus_100():
    p = np.array([0.0, 1.0, 0.0, 1.0, 1e-30], dtype=np.float32)
    t = np.array([1.0, 0.0, 0.0, 1.0, 1.0], dtype=np.float32)
    out = L.binary_cross_entropy(rp.tensor(p), rp.tensor(t), reduction="none")
    ref = tF.binary_cross_entropy(torch.tensor(p), torch.tensor(t), reduction="none")
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-6)
    np.testing.assert_allclose(out.numpy()[:2], [100.0, 100.0])


def test_binary_cross_entropy_gradcheck():
    p = _rng(5).uniform(0.1, 0.9, (3, 2))
    check_grad(
        lambda a, b: L.binary_cross_entropy(a, b, np.array([0.5, 2.0])),
        [p, _rng(6).random((3, 2))],
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_matches_torch(reduction):
    x, t = _logits((5, 3), seed=7), _rng(8).random((5, 3)).astype(np.float32)
    weights = [None, np.array([[1.0], [0.5], [2.0], [1.0], [3.0]], dtype=np.float32)]
    pos_weights = [None, np.array([1.0, 3.0, 0.5], dtype=np.float32)]
    for w in weights:
        for pw in pos_weights:

            def ours(a, b, w=w, pw=pw):
                return L.binary_cross_entropy_with_logits(
                    a, b, w, reduction=reduction, pos_weight=pw
                )

            def theirs(a, b, w=w, pw=pw):
                return tF.binary_cross_entropy_with_logits(
                    a,
                    b,
                    None if w is None else torch.tensor(w),
                    reduction=reduction,
                    pos_weight=None if pw is None else torch.tensor(pw),
                )

            assert_parity(ours, theirs, [x, t])


def test_bce_with_logits_is_stable_and_gradchecks():
    x = np.array([-1e4, -100.0, 0.0, 100.0, 1e4], dtype=np.float32)
    t = np.array([1.0, 0.0, 0.5, 1.0, 0.0], dtype=np.float32)
    pw = np.array([2.0], dtype=np.float32)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert_parity(
            lambda a, b: L.binary_cross_entropy_with_logits(a, b, pos_weight=pw),
            lambda a, b: tF.binary_cross_entropy_with_logits(a, b, pos_weight=torch.tensor(pw)),
            [x, t],
        )
    check_grad(
        lambda a, b: L.binary_cross_entropy_with_logits(
            a, b, np.array([1.0, 2.0]), pos_weight=np.array([0.5, 3.0]), reduction="sum"
        ),
        [_logits((3, 2), np.float64), _rng(9).random((3, 2))],
    )


# ---- regression ----------------------------------------------------------------------------------

REGRESSION = {
    "mse": (L.mse_loss, tF.mse_loss),
    "l1": (L.l1_loss, tF.l1_loss),
    "huber": (
        lambda a, b, reduction: L.huber_loss(a, b, reduction, delta=0.7),
        lambda a, b, reduction: tF.huber_loss(a, b, reduction, delta=0.7),
    ),
    "smooth_l1": (
        lambda a, b, reduction: L.smooth_l1_loss(a, b, reduction=reduction, beta=0.6),
        lambda a, b, reduction: tF.smooth_l1_loss(a, b, reduction=reduction, beta=0.6),
    ),
    "smooth_l1_beta0": (
        lambda a, b, reduction: L.smooth_l1_loss(a, b, reduction=reduction, beta=0.0),
        lambda a, b, reduction: tF.smooth_l1_loss(a, b, reduction=reduction, beta=0.0),
    ),
}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", sorted(REGRESSION))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_regression_losses_match_torch(name, reduction, dtype):
    ours, theirs = REGRESSION[name]
    assert_parity(
        lambda a, b: ours(a, b, reduction=reduction),
        lambda a, b: theirs(a, b, reduction=reduction),
        [_logits((4, 3, 2), dtype), _logits((4, 3, 2), dtype, seed=1)],
    )


@pytest.mark.parametrize("name", sorted(REGRESSION))
def test_regression_losses_at_kinks_match_torch(name):
    # d = x - t at 0 and at the +-delta / +-beta switch points
    ours, theirs = REGRESSION[name]
    x = np.array([0.0, 0.7, -0.7, 0.6, -0.6, 2.0], dtype=np.float64)
    assert_parity(
        lambda a, b: ours(a, b, reduction="sum"),
        lambda a, b: theirs(a, b, reduction="sum"),
        [x + 1.0, np.ones_like(x)],
    )


@pytest.mark.parametrize("name", sorted(REGRESSION))
def test_regression_losses_gradcheck(name):
    x = _logits((3, 4), np.float64)
    t = x + np.array([0.1, -0.3, 1.5, -2.0])  # differences away from the kinks
    check_grad(lambda a, b: REGRESSION[name][0](a, b, reduction="mean"), [x, t])


# ---- KL divergence, hinge embedding, multi margin ------------------------------------------


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides:UserWarning")
@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_matches_torch(reduction, log_target):
    logq = np.log(_probs((4, 5)))
    p = _probs((4, 5), seed=3)
    target = np.log(p) if log_target else p
    assert_parity(
        lambda a, b: L.kl_div(a, b, reduction=reduction, log_target=log_target),
        lambda a, b: tF.kl_div(a, b, reduction=reduction, log_target=log_target),
        [logq, target],
    )


def test_kl_div_zero_target_counts_nothing_and_gradchecks():
    p = np.array([[0.0, 0.5, 0.5]], dtype=np.float32)
    out = L.kl_div(rp.tensor(np.log(_probs((1, 3)))), rp.tensor(p), reduction="none")
    assert out.numpy()[0, 0] == 0
    check_grad(
        lambda a, b: L.kl_div(a, b, reduction="batchmean"),
        [np.log(_probs((3, 4), dtype=np.float64)), _probs((3, 4), dtype=np.float64, seed=5)],
    )
    check_grad(
        lambda a, b: L.kl_div(a, b, reduction="sum", log_target=True),
        [_logits((3, 4), np.float64), _logits((3, 4), np.float64, seed=3)],
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hinge_embedding_loss_matches_torch(reduction):
    x = np.array([[0.5, 1.0, 2.0, -0.3], [1.2, 0.0, 0.7, 3.0]], dtype=np.float32)
    t = np.array([[1.0, -1.0, -1.0, 1.0], [-1.0, -1.0, 1.0, 0.0]], dtype=np.float32)
    assert_parity(
        lambda a, b: L.hinge_embedding_loss(a, b, 1.0, reduction=reduction),
        lambda a, b: tF.hinge_embedding_loss(a, b, 1.0, reduction=reduction),
        [x, t],
        grad=[True, False],
    )
    x2 = np.abs(_logits((3, 4), np.float64)) + 0.2
    t2 = np.where(_rng().random((3, 4)) > 0.5, 1.0, -1.0)
    x2[np.abs(x2 - 1.5) < 0.05] = 1.0  # away from the margin 1.5
    check_grad(lambda a: L.hinge_embedding_loss(a, rp.tensor(t2), 1.5), [x2])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_loss_matches_torch(p, reduction):
    x, y = _logits((6, 4)), _labels(4, (6,))
    w = np.array([1.0, 0.5, 2.0, 1.5], dtype=np.float32)
    for weight in (None, w):
        assert_parity(
            lambda a, t, w=weight: L.multi_margin_loss(a, t, p, 0.8, w, reduction=reduction),
            lambda a, t, w=weight: tF.multi_margin_loss(
                a, t, p, 0.8, None if w is None else torch.tensor(w), reduction=reduction
            ),
            [x, y],
        )
    assert_parity(
        lambda a, t: L.multi_margin_loss(a, t, p, reduction=reduction),
        lambda a, t: tF.multi_margin_loss(a, t, p, reduction=reduction),
        [_logits((4,)), np.int64(2)],
    )


def test_multi_margin_loss_kink_and_gradcheck():
    # margin - x_y + x_j = 0 exactly for j = 2: no gradient there, as torch
    x = np.array([[1.0, 2.0, 0.0]])
    assert_parity(L.multi_margin_loss, tF.multi_margin_loss, [x, np.array([0])])
    check_grad(
        lambda a: L.multi_margin_loss(a, rp.tensor([1, 0, 3]), 2, 0.5, np.array([1, 2, 3, 4.0])),
        [np.array([[0.1, 0.9, -0.5, 0.3], [2.0, 0.2, 0.4, -1.0], [0.0, 0.5, 1.0, 1.3]])],
    )


# ---- bad inputs ------------------------------------------------------------------------------


def test_class_index_errors_name_shapes_values_and_dtypes():
    x = rp.zeros(4, 3)
    with pytest.raises(ValueError, match=r"target class 5 is out of range for 3 classes"):
        L.cross_entropy(x, rp.tensor([0, 1, 5, 2]))
    with pytest.raises(ValueError, match=r"target class -2 is out of range"):
        L.nll_loss(x, rp.tensor([0, 1, -2, 2]))
    with pytest.raises(ValueError, match=r"target of shape \(3,\) does not match input .*\(4, 3\)"):
        L.cross_entropy(x, rp.tensor([0, 1, 2]))
    with pytest.raises(TypeError, match=r"class indices must have an integer dtype.*float32"):
        L.cross_entropy(x, rp.tensor([0.0, 1.0, 2.0, 0.0]))
    with pytest.raises(TypeError, match="integer dtype"):
        L.nll_loss(x, rp.tensor([[0.0, 1.0, 0.0]] * 4))
    with pytest.raises(ValueError, match=r"weight must have shape \(3,\), got \(4,\)"):
        L.cross_entropy(x, rp.tensor([0, 1, 2, 0]), rp.ones(4))
    with pytest.raises(ValueError, match="label_smoothing must be in"):
        L.cross_entropy(x, rp.tensor([0, 1, 2, 0]), label_smoothing=1.5)
    with pytest.raises(ValueError, match="class dim"):
        L.cross_entropy(rp.tensor(1.0), rp.tensor(0))
    with pytest.raises(ValueError, match="multi_margin_loss: target class -1"):
        L.multi_margin_loss(x, rp.tensor([0, 1, -1, 0]))
    with pytest.raises(ValueError, match="multi_margin_loss: p must be 1 or 2"):
        L.multi_margin_loss(x, rp.tensor([0, 1, 1, 0]), p=3)


@pytest.mark.parametrize(
    "fn",
    [
        L.mse_loss,
        L.l1_loss,
        L.huber_loss,
        L.smooth_l1_loss,
        L.kl_div,
        L.binary_cross_entropy,
        L.binary_cross_entropy_with_logits,
        L.hinge_embedding_loss,
    ],  # fmt: skip
)
def test_elementwise_losses_reject_shape_mismatch(fn):
    with pytest.raises(ValueError, match=r"target of shape \(3,\) does not match input .*\(3, 1\)"):
        fn(rp.full((3, 1), 0.5), rp.full((3,), 0.5))


def test_other_bad_arguments():
    x, t = rp.full((2, 2), 0.5), rp.full((2, 2), 0.5)
    with pytest.raises(ValueError, match=r"mse_loss: reduction must be one of .*got 'avg'"):
        L.mse_loss(x, t, reduction="avg")
    with pytest.raises(ValueError, match="reduction must be one of"):
        L.cross_entropy(x, rp.tensor([0, 1]), reduction="batchmean")
    with pytest.raises(TypeError, match="l1_loss: target must be floating point, got dtype int64"):
        L.l1_loss(x, rp.tensor([[0, 1], [1, 0]]))
    with pytest.raises(TypeError, match="input must be floating point"):
        L.cross_entropy(rp.tensor([[1, 2]]), rp.tensor([0]))
    with pytest.raises(ValueError, match=r"binary_cross_entropy: .*in \[0, 1\], got values in"):
        L.binary_cross_entropy(rp.tensor([0.5, 1.5]), rp.tensor([1.0, 0.0]))
    with pytest.raises(ValueError, match="pos_weight must have a shape broadcastable"):
        L.binary_cross_entropy_with_logits(x, t, pos_weight=rp.ones(3))
    with pytest.raises(ValueError, match="huber_loss: delta must be positive"):
        L.huber_loss(x, t, delta=0.0)
    with pytest.raises(ValueError, match="smooth_l1_loss: beta must be non-negative"):
        L.smooth_l1_loss(x, t, beta=-1.0)
