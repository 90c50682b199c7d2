"""retroprop.diy, the DIY report's library: every module and loss against PyTorch (forward,
backward_delta, backward_update_gradient; weights transposed), Sequential's chaining, the
AutoEncoder, Optim and SGD, and the report's XOR experiment."""

from collections import OrderedDict

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st

import retroprop as rp
import retroprop.nn as nn
from retroprop import diy


def tt(a: np.ndarray, grad: bool = False) -> torch.Tensor:
    return torch.tensor(a, requires_grad=grad)


def close(a, b, tol: float = 1e-12) -> None:
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else b
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


# ---- Linear -----------------------------------------------------------------------------


@given(st.integers(1, 5), st.integers(1, 4), st.integers(1, 4), st.booleans(), st.integers(0, 99))
def test_linear_matches_torch_with_the_weight_transposed(batch, n_in, n_out, bias, seed):
    rng = np.random.default_rng(seed)
    layer = diy.Linear(n_in, n_out, bias=bias, dtype=np.float64)
    X = rng.standard_normal((batch, n_in))
    delta = rng.standard_normal((batch, n_out))
    Xt, Wt = tt(X, True), tt(layer._parameters.T.copy(), True)
    bt = tt(layer._bias, True) if bias else None
    out = TF.linear(Xt, Wt, bt)
    out.backward(tt(delta))

    close(layer.forward(X), out)
    close(layer.backward_delta(X, delta), Xt.grad)
    layer.backward_update_gradient(X, delta)
    close(layer._gradient, Wt.grad.T)
    if bias:
        close(layer._gradient_bias, bt.grad)
    else:
        assert layer._bias is None and layer._gradient_bias is None


def test_linear_matches_retroprop_nn_linear():
    rng = np.random.default_rng(1)
    layer = diy.Linear(3, 2, dtype=np.float64)
    ref = nn.Linear(3, 2, dtype=rp.float64)
    with rp.no_grad():
        ref.weight.data[...] = layer._parameters.T
        ref.bias.data[...] = layer._bias
    X, delta = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    x = rp.tensor(X, dtype=rp.float64, requires_grad=True)
    out = ref(x)
    out.backward(rp.tensor(delta, dtype=rp.float64))
    close(layer.forward(X), out.detach().numpy())
    close(layer.backward_delta(X, delta), x.grad.numpy())
    layer.backward_update_gradient(X, delta)
    close(layer._gradient, ref.weight.grad.numpy().T)
    close(layer._gradient_bias, ref.bias.grad.numpy())


def test_linear_accumulates_then_steps_then_zeroes():
    rng = np.random.default_rng(2)
    layer = diy.Linear(3, 2, dtype=np.float64)
    X, delta = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    W, b = layer._parameters.copy(), layer._bias.copy()
    layer.backward_update_gradient(X, delta)
    layer.backward_update_gradient(X, delta)
    close(layer._gradient, 2 * X.T @ delta)
    close(layer._gradient_bias, 2 * delta.sum(0))
    layer.update_parameters(gradient_step=0.1)
    close(layer._parameters, W - 0.2 * X.T @ delta)
    close(layer._bias, b - 0.2 * delta.sum(0))
    layer.zero_grad()
    assert not layer._gradient.any() and not layer._gradient_bias.any()


def test_linear_initialisation_is_the_reports():
    """W = 2 (rand(input, output) - 0.5): U(-1, 1), layout (input, output), seeded by
    rp.manual_seed, in float64 (the report's NumPy arrays)."""
    rp.manual_seed(3)
    layer = diy.Linear(40, 30)
    W = layer._parameters
    assert W.shape == (40, 30) and W.dtype == np.float64 and layer._bias.dtype == np.float64
    assert layer._bias.shape == (30,) and layer._gradient.shape == (40, 30)
    assert -1 <= W.min() < -0.95 and 0.95 < W.max() < 1
    assert abs(W.mean()) < 0.05
    rp.manual_seed(3)
    np.testing.assert_array_equal(diy.Linear(40, 30)._parameters, W)
    rp.manual_seed(3)
    np.testing.assert_array_equal(2 * (rp.random.default_generator.random((40, 30)) - 0.5), W)


def test_linear_uniform_initialisation_is_bounded_by_one_over_sqrt_input():
    """init="uniform": U(-1/sqrt(input), 1/sqrt(input)) for W and b (the report's section
    6.1, nn.Linear's default), from the same draws as init="report", scaled."""
    rp.manual_seed(4)
    report = diy.Linear(64, 50)
    rp.manual_seed(4)
    layer = diy.Linear(64, 50, init="uniform")
    bound = 1 / 8
    W, b = layer._parameters, layer._bias
    assert -bound <= W.min() < -0.95 * bound and 0.95 * bound < W.max() <= bound
    assert np.abs(b).max() <= bound
    close(W, report._parameters / 8, 1e-15)
    assert repr(layer) == "Linear(input=64, output=50, bias=True, init='uniform')"


def test_linear_keeps_float32_when_asked():
    layer = diy.Linear(3, 2, dtype=np.float32)
    X = np.ones((4, 3), np.float32)
    assert layer._parameters.dtype == np.float32
    assert layer.forward(X).dtype == np.float32
    assert layer.backward_delta(X, np.ones((4, 2), np.float32)).dtype == np.float32
    layer.backward_update_gradient(X, np.ones((4, 2), np.float32))
    assert layer._gradient.dtype == np.float32


@pytest.mark.parametrize(
    ("x_dtype", "w_dtype"), [(np.float32, np.float64), (np.float64, np.float32)]
)
def test_linear_promotes_mixed_dtypes_as_numpy(x_dtype, w_dtype):
    """float32 with float64 computes in float64 (np.result_type), as X @ W would; delta comes
    back in the input's dtype, the gradient in the parameters'. Values: torch in float64."""
    rng = np.random.default_rng(5)
    layer = diy.Linear(3, 2, dtype=w_dtype)
    X, delta = rng.standard_normal((4, 3)).astype(x_dtype), rng.standard_normal((4, 2))
    Xt = tt(X.astype(np.float64), True)
    Wt, bt = (
        tt(layer._parameters.T.astype(np.float64), True),
        tt(layer._bias.astype(np.float64), True),
    )
    out = TF.linear(Xt, Wt, bt)
    out.backward(tt(delta))
    y = layer.forward(X)
    assert y.dtype == np.float64
    close(y, out)
    gx = layer.backward_delta(X, delta)
    assert gx.dtype == x_dtype
    close(gx, Xt.grad, 1e-6 if x_dtype == np.float32 else 1e-12)
    layer.backward_update_gradient(X, delta)
    assert layer._gradient.dtype == w_dtype
    close(layer._gradient, Wt.grad.T, 1e-6 if w_dtype == np.float32 else 1e-12)


def test_linear_rejects_bad_input():
    layer = diy.Linear(3, 2)
    X = np.ones((4, 3), np.float32)
    with pytest.raises(
        ValueError, match=r"Linear.forward: expected an input of shape \(batch, 3\)"
    ):
        layer.forward(np.ones((4, 2), np.float32))
    with pytest.raises(ValueError, match="must have 2 dimensions"):
        layer.forward(np.ones(3, np.float32))
    with pytest.raises(TypeError, match="floating-point"):
        layer.forward(np.ones((4, 3), np.int64))
    with pytest.raises(TypeError, match="NumPy array, got list"):
        layer.forward([[1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match=r"delta must have the shape .* \(4, 2\), got \(4, 3\)"):
        layer.backward_delta(X, np.ones((4, 3), np.float32))
    with pytest.raises(ValueError, match="output must be a positive integer"):
        diy.Linear(3, 0)
    with pytest.raises(ValueError, match=r"Linear: init must be one of \('report', 'uniform'\)"):
        diy.Linear(3, 2, init="xavier")
    with pytest.raises(TypeError, match="Linear: dtype must be a floating dtype"):
        diy.Linear(3, 2, dtype=np.int64)


# ---- activations ------------------------------------------------------------------------

ACTIVATIONS = [
    (diy.TanH(), torch.tanh),
    (diy.Sigmoide(), torch.sigmoid),
    (diy.SoftMax(), lambda x: torch.softmax(x, -1)),
    (diy.LogSoftMax(), lambda x: torch.log_softmax(x, -1)),
    (diy.SoftMax(dim=0), lambda x: torch.softmax(x, 0)),
    (diy.Threshold(0.5, -2.0), lambda x: TF.threshold(x, 0.5, -2.0)),
    (diy.ReLU(), torch.relu),
]


@pytest.mark.parametrize(("module", "torch_fn"), ACTIVATIONS, ids=[repr(m) for m, _ in ACTIVATIONS])
def test_activation_matches_torch(module, torch_fn):
    rng = np.random.default_rng(4)
    X = rng.standard_normal((5, 4))
    X[0, :2] = [0.0, 0.5]  # the kinks of ReLU and Threshold(0.5, .)
    delta = rng.standard_normal((5, 4))
    Xt = tt(X, True)
    out = torch_fn(Xt)
    out.backward(tt(delta))
    close(module.forward(X), out)
    close(module.backward_delta(X, delta), Xt.grad)
    assert module.backward_update_gradient(X, delta) is None
    module.update_parameters(1.0)
    module.zero_grad()
    assert module._parameters is None and module._gradient is None


def test_activation_names_of_the_report():
    assert diy.Sigmoid is diy.Sigmoide
    assert isinstance(diy.ReLU(), diy.Threshold)
    assert repr(diy.Threshold(0.5, -2.0)) == "Threshold(threshold=0.5, value=-2.0)"
    assert diy.TanH().forward(np.zeros((2, 2), np.float32)).dtype == np.float32


def test_activation_rejects_bad_input():
    with pytest.raises(TypeError, match=r"TanH.forward: X must be a floating-point array"):
        diy.TanH().forward(np.ones((2, 2), np.int64))
    with pytest.raises(ValueError, match=r"Sigmoide.backward_delta: delta must have the shape"):
        diy.Sigmoide().backward_delta(np.ones((2, 2)), np.ones((1, 2)))
    with pytest.raises(TypeError, match="SoftMax: dim must be an integer"):
        diy.SoftMax(dim=None)


# ---- losses -----------------------------------------------------------------------------


def _one_hot(labels: np.ndarray, c: int) -> np.ndarray:
    return np.eye(c)[labels]


def _loss_cases():
    rng = np.random.default_rng(5)
    n, c = 6, 4
    yhat = rng.standard_normal((n, c))
    y = rng.standard_normal((n, c))
    probs = rng.uniform(0.05, 0.95, (n, c))
    binary = rng.integers(0, 2, (n, c)).astype(np.float64)
    signs = 2 * binary - 1
    labels = rng.integers(0, c, n)
    onehot = _one_hot(labels, c)
    softmax = np.exp(yhat) / np.exp(yhat).sum(1, keepdims=True)
    logp = np.log(softmax)
    soft_targets = rng.dirichlet(np.ones(c), n)
    lab = torch.tensor(labels)
    cases = [
        (
            "MSELoss",
            diy.MSELoss(),
            y,
            yhat,
            lambda t, p: TF.mse_loss(p, t, reduction="none").sum(1),
        ),
        (
            "MSELoss 3-D",
            diy.MSELoss(),
            y.reshape(6, 2, 2),
            yhat.reshape(6, 2, 2),
            lambda t, p: TF.mse_loss(p, t, reduction="none").sum((1, 2)),
        ),
        ("MAELoss", diy.MAELoss(), y, yhat, lambda t, p: TF.l1_loss(p, t, reduction="none").sum(1)),
        (
            "BCE",
            diy.BCE(),
            binary,
            probs,
            lambda t, p: TF.binary_cross_entropy(p, t, reduction="none").sum(1),
        ),
        (
            "Hinge",
            diy.Hinge(margin=0.5),
            signs,
            yhat,
            lambda t, p: TF.hinge_embedding_loss(p, t, margin=0.5, reduction="none").sum(1),
        ),
        (
            "CE",
            diy.CE(),
            onehot,
            softmax,
            lambda t, p: TF.nll_loss(torch.log(p), lab, reduction="none"),
        ),
        (
            "CE labels",
            diy.CE(),
            labels,
            softmax,
            lambda t, p: TF.nll_loss(torch.log(p), t, reduction="none"),
        ),
        ("NLL", diy.NLL(), onehot, logp, lambda t, p: TF.nll_loss(p, lab, reduction="none")),
        ("NLL labels", diy.NLL(), labels, logp, lambda t, p: TF.nll_loss(p, t, reduction="none")),
        (
            "CrossEntropyCriterion",
            diy.CrossEntropyCriterion(),
            onehot,
            yhat,
            lambda t, p: TF.cross_entropy(p, lab, reduction="none"),
        ),
        (
            "CrossEntropyCriterion labels",
            diy.CrossEntropyCriterion(),
            labels,
            yhat,
            lambda t, p: TF.cross_entropy(p, t, reduction="none"),
        ),
        (
            "CrossEntropyCriterion soft targets",
            diy.CrossEntropyCriterion(),
            soft_targets,
            yhat,
            lambda t, p: TF.cross_entropy(p, t, reduction="none"),
        ),
        (
            "LogSoftMaxCrossEntropy",
            diy.LogSoftMaxCrossEntropy(),
            onehot,
            yhat,
            lambda t, p: TF.cross_entropy(p, lab, reduction="none"),
        ),
        (
            "LogSoftMaxCrossEntropy labels",
            diy.LogSoftMaxCrossEntropy(),
            labels,
            yhat,
            lambda t, p: TF.cross_entropy(p, t, reduction="none"),
        ),
        (
            "LogSoftMaxCrossEntropy soft targets",
            diy.LogSoftMaxCrossEntropy(),
            soft_targets,
            yhat,
            lambda t, p: TF.cross_entropy(p, t, reduction="none"),
        ),
        (
            "CE soft targets",
            diy.CE(),
            soft_targets,
            softmax,
            lambda t, p: -(t * torch.log(p)).sum(1),
        ),
    ]
    return [pytest.param(*case[1:], id=case[0]) for case in cases]


@pytest.mark.parametrize(("loss", "y", "yhat", "torch_fn"), _loss_cases())
def test_loss_per_sample_and_gradient_match_torch(loss, y, yhat, torch_fn):
    """forward gives one loss per sample; backward the gradient of their sum w.r.t. yhat."""
    p = tt(yhat, True)
    per_sample = torch_fn(tt(y), p)
    per_sample.sum().backward()
    got = loss.forward(y, yhat)
    assert got.shape == (len(yhat),)
    close(got, per_sample)
    grad = loss.backward(y, yhat)
    assert grad.shape == yhat.shape
    close(grad, p.grad)


LOSSES = (
    diy.MSELoss(), diy.MAELoss(), diy.BCE(), diy.CE(), diy.NLL(), diy.Hinge(),
    diy.CrossEntropyCriterion(), diy.LogSoftMaxCrossEntropy(),
)  # fmt: skip


@pytest.mark.parametrize("loss", LOSSES, ids=repr)
def test_loss_keeps_float32(loss):
    y = np.ones((3, 2), np.float32)
    yhat = np.full((3, 2), 0.5, np.float32)
    assert loss.forward(y, yhat).dtype == np.float32
    assert loss.backward(y, yhat).dtype == np.float32


@pytest.mark.parametrize("loss", LOSSES, ids=repr)
def test_loss_promotes_targets_as_numpy(loss):
    """float64 targets with a float32 yhat: losses in float64 (np.result_type), equal to the
    all-float64 ones; the gradient in yhat's float32. Integer 0/1 targets equal float ones."""
    rng = np.random.default_rng(16)
    labels = rng.integers(0, 2, (5, 3))
    yhat = rng.uniform(0.1, 0.9, (5, 3)).astype(np.float32)
    y = labels.astype(np.float64)
    got = loss.forward(y, yhat)
    assert got.dtype == np.float64
    close(got, loss.forward(y, yhat.astype(np.float64)), 1e-6)  # a SoftMax may run in float32
    grad = loss.backward(y, yhat)
    assert grad.dtype == np.float32
    close(grad, loss.backward(y, yhat.astype(np.float64)), 1e-6)
    close(loss.forward(labels, yhat.astype(np.float64)), loss.forward(y, yhat.astype(np.float64)))


def test_report_spellings_are_the_same_losses():
    assert diy.CrossEntropyLoss is diy.CE and diy.BCELoss is diy.BCE
    assert diy.NLLLoss is diy.NLL and diy.MSE is diy.MSELoss and diy.MAE is diy.MAELoss
    assert diy.Tanh is diy.TanH


def test_loss_rejects_bad_input():
    yhat = np.zeros((3, 2))
    with pytest.raises(
        ValueError, match=r"MSELoss: y must have yhat's shape \(3, 2\), got \(3, 1\)"
    ):
        diy.MSELoss().forward(np.zeros((3, 1)), yhat)
    with pytest.raises(TypeError, match="MAELoss: y must be a numeric NumPy array, got list"):
        diy.MAELoss().forward([[0.0, 1.0]] * 3, yhat)
    with pytest.raises(TypeError, match="MSELoss: y must be a numeric NumPy array, got <U1"):
        diy.MSELoss().forward(np.full((3, 2), "a"), yhat)
    with pytest.raises(TypeError, match="MSELoss: yhat must be a floating-point array"):
        diy.MSELoss().forward(yhat, np.zeros((3, 2), np.int64))
    with pytest.raises(ValueError, match=r"NLL: class indices y must have shape \(3,\)"):
        diy.NLL().forward(np.array([0, 1, 2]), yhat)
    with pytest.raises(ValueError, match=r"CE: yhat must be \(batch, classes\)"):
        diy.CE().forward(np.zeros(3), np.full(3, 0.5))
    with pytest.raises(ValueError, match="CrossEntropyCriterion: yhat must have 2 dimensions"):
        diy.CrossEntropyCriterion().backward(np.array([0]), np.zeros(3))
    with pytest.raises(ValueError, match="BCE: yhat must have a batch dimension"):
        diy.BCE().forward(np.array(0.5), np.array(0.5))


def test_ce_clamps_the_log_as_torch_bce_loss():
    """CE on a true-class probability p is BCELoss(p, 1): -max(log p, -100), gradient
    (p - 1) / max(p (1 - p), 1e-12) = -1 / max(p, 1e-12) -- down to p = 0, where the
    unclamped log gives inf and nan. p = 1 is left out: there BCELoss's gradient is 0."""
    p_true = np.array([0.0, 1e-300, 1e-50, 3e-13, 1e-6, 0.3, 0.9])
    yhat = np.stack([p_true, 1 - p_true], axis=1)
    y = np.zeros(len(p_true), np.int64)
    pt = tt(p_true, True)
    ref = TF.binary_cross_entropy(pt, torch.ones_like(pt), reduction="none")
    ref.sum().backward()
    close(diy.CE().forward(y, yhat), ref)
    assert diy.CE().forward(y, yhat)[0] == 100
    grad = diy.CE().backward(y, yhat)
    close(grad[:, 0], pt.grad, 1e-8)  # torch's 1e-12 is the float32 nearest, 1 - 4e-9 off
    assert not grad[:, 1].any()
    # class probabilities: a 0 probability of a class with target 0 adds nothing, not nan
    soft = np.array([[0.5, 0.5, 0.0]])
    assert diy.CE().forward(soft, np.array([[0.5, 0.5, 0.0]]))[0] == pytest.approx(np.log(2))
    assert np.isfinite(diy.CE().backward(soft, np.array([[0.5, 0.5, 0.0]]))).all()


def test_ce_gradient_matches_finite_differences():
    """d sum(CE.forward) / d yhat by central differences, in float64, away from the clamp."""
    rng = np.random.default_rng(17)
    yhat, y = rng.uniform(0.05, 1, (4, 3)), rng.dirichlet(np.ones(3), 4)
    numeric = np.zeros_like(yhat)
    for i in np.ndindex(yhat.shape):
        up, down = yhat.copy(), yhat.copy()
        up[i] += 1e-6
        down[i] -= 1e-6
        numeric[i] = (diy.CE().forward(y, up).sum() - diy.CE().forward(y, down).sum()) / 2e-6
    close(diy.CE().backward(y, yhat), numeric, 1e-7)


def test_clamped_log_op_gradcheck_and_float32():
    from retroprop.ops.loss import ClampedLog

    p = rp.tensor(
        np.random.default_rng(18).uniform(0.05, 1, (3, 4)), dtype=rp.float64, requires_grad=True
    )
    assert rp.autograd.gradcheck(lambda t: ClampedLog.apply(t), [p])
    q = rp.tensor(np.array([0.0, 1e-45, 0.5], np.float32), requires_grad=True)
    z = ClampedLog.apply(q)
    assert z.dtype == rp.float32 and z.detach().numpy()[0] == -100
    z.sum().backward()
    assert q.grad.dtype == rp.float32
    np.testing.assert_allclose(q.grad.numpy(), [1e12, 1e12, 2], rtol=1e-6)


class _ZeroCountingSoftMax(diy.SoftMax):
    """SoftMax, counting the probabilities that underflow to exactly 0."""

    zeros = 0

    def forward(self, X: np.ndarray) -> np.ndarray:
        p = super().forward(X)
        self.zeros += int((p == 0).sum())
        return p


def test_report_usps_network_with_saturated_softmax_trains_without_nan():
    """The report's multi-class network, Linear(256, 128) TanH Linear(128, 64) TanH
    Linear(64, 10) SoftMax with CE and U(-1, 1) weights, in float32 with a large step: its
    logits grow until probabilities underflow to exactly 0 (where the unclamped log gave a
    nan history); with the clamps it trains."""
    rp.manual_seed(19)
    rng = np.random.default_rng(19)
    centers = rng.uniform(-1, 1, (10, 256))
    labels = rng.integers(0, 10, 300)
    X = np.clip(centers[labels] + 0.3 * rng.standard_normal((300, 256)), -1, 1)
    X = X.astype(np.float32)
    f32 = {"dtype": np.float32}
    softmax = _ZeroCountingSoftMax()
    net = diy.Sequential(
        diy.Linear(256, 128, **f32), diy.TanH(), diy.Linear(128, 64, **f32), diy.TanH(),
        diy.Linear(64, 10, **f32), softmax,
    )  # fmt: skip
    history = diy.SGD(net, diy.CrossEntropyLoss(), X, labels, batch_size=100, max_iter=30, eps=0.1)
    assert softmax.zeros > 0  # the case that went nan
    assert np.isfinite(history).all() and history[-1] < history[0] / 100
    assert (net.forward(X).argmax(1) == labels).mean() == 1


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_sgd_stops_with_the_iteration_when_the_loss_diverges():
    """A step too large for MSELoss on Linear(1, 1) makes the loss grow to inf: SGD stops at
    that iteration (epoch) and batch, before the parameters become inf or nan."""
    rp.manual_seed(20)
    X = np.linspace(-30, 30, 8)[:, None]
    net = diy.Linear(1, 1)
    with pytest.raises(
        FloatingPointError,
        match=r"SGD: training diverged at iteration \d+ of max_iter=1000 \(batch \d of 2\): "
        r"Optim.step: the loss is inf at iteration \d+ \(MSELoss, eps=1.0\)",
    ):
        diy.SGD(net, diy.MSELoss(), X, 3 * X, batch_size=4, max_iter=1000, eps=1.0)
    assert np.isfinite(net._parameters).all() and np.isfinite(net._bias).all()


def test_optim_step_refuses_a_nan_loss_or_delta():
    optim = diy.Optim(diy.Linear(2, 1), diy.MSELoss(), eps=0.1)
    X, Y = np.ones((3, 2)), np.ones((3, 1))
    optim.step(X, Y)
    W = optim.net._parameters.copy()
    X[1, 0] = np.nan
    with pytest.raises(FloatingPointError, match="Optim.step: the loss is nan at iteration 1"):
        optim.step(X, Y)
    np.testing.assert_array_equal(optim.net._parameters, W)
    assert optim.iteration == 1

    class _InfDelta(diy.MSELoss):
        def backward(self, y, yhat):
            return np.full_like(yhat, np.inf)

    with pytest.raises(FloatingPointError, match="Optim.step: delta is not finite at iteration 0"):
        diy.Optim(diy.Linear(2, 1), _InfDelta()).step(np.ones((3, 2)), Y)


# ---- Sequential -------------------------------------------------------------------------


def _net_and_torch(seed: int):
    rp.manual_seed(seed)
    net = diy.Sequential(
        diy.Linear(3, 5, dtype=np.float64),
        diy.TanH(),
        diy.Linear(5, 4, dtype=np.float64),
        diy.Sigmoide(),
    )
    params = [tt(net[0]._parameters.T.copy(), True), tt(net[0]._bias, True)]
    params += [tt(net[2]._parameters.T.copy(), True), tt(net[2]._bias, True)]

    def torch_net(x):
        return torch.sigmoid(TF.linear(torch.tanh(TF.linear(x, *params[:2])), *params[2:]))

    return net, torch_net, params


def test_sequential_chains_forward_and_backward_like_torch():
    rng = np.random.default_rng(6)
    net, torch_net, (w1, b1, w2, b2) = _net_and_torch(6)
    X, delta = rng.standard_normal((7, 3)), rng.standard_normal((7, 4))
    Xt = tt(X, True)
    out = torch_net(Xt)
    out.backward(tt(delta))
    close(net.forward(X), out)
    close(net.backward_delta(X, delta), Xt.grad)
    net.backward_update_gradient(X, delta)
    close(net[0]._gradient, w1.grad.T)
    close(net[0]._gradient_bias, b1.grad)
    close(net[2]._gradient, w2.grad.T)
    close(net[2]._gradient_bias, b2.grad)
    net.zero_grad()
    assert not net[0]._gradient.any() and not net[2]._gradient_bias.any()


def test_sequential_runs_the_forward_again_for_another_input():
    rng = np.random.default_rng(7)
    net, torch_net, _ = _net_and_torch(7)
    X1, X2 = rng.standard_normal((2, 4, 3))
    delta = rng.standard_normal((4, 4))
    X2t = tt(X2, True)
    torch_net(X2t).backward(tt(delta))
    net.forward(X1)
    close(net.backward_delta(X2, delta), X2t.grad)


def test_sequential_accepts_an_ordered_dict_and_nests():
    inner = diy.Sequential(diy.Linear(2, 3, dtype=np.float64), diy.TanH())
    net = diy.Sequential(OrderedDict(body=inner, head=diy.Linear(3, 1, dtype=np.float64)))
    assert len(net) == 2 and net["body"] is inner and net[-1] is net["head"]
    X = np.random.default_rng(8).standard_normal((5, 2))
    close(net.forward(X), net["head"].forward(inner.forward(X)))
    W = inner[0]._parameters.copy()
    net.backward_update_gradient(X, np.ones((5, 1)))
    net.update_parameters(0.5)
    close(inner[0]._parameters, W - 0.5 * inner[0]._gradient)
    assert inner[0]._gradient.any()


def test_sequential_rejects_foreign_modules():
    with pytest.raises(TypeError, match="Sequential: module '1' must be a retroprop.diy Module"):
        diy.Sequential(diy.Linear(2, 2), nn.Linear(2, 2))


# ---- AutoEncoder ------------------------------------------------------------------------


def test_autoencoder_report_architecture_shapes():
    """The report's USPS autoencoder: 256 -> 100 -> 10 -> 100 -> 256."""
    encoder = diy.Sequential(diy.Linear(256, 100), diy.TanH(), diy.Linear(100, 10), diy.TanH())
    decoder = diy.Sequential(diy.Linear(10, 100), diy.TanH(), diy.Linear(100, 256), diy.Sigmoide())
    model = diy.AutoEncoder(encoder, decoder)
    X = np.random.default_rng(9).random((7, 256)).astype(np.float32)
    code = model.encode(X)
    assert code.shape == (7, 10) and np.abs(code).max() <= 1  # U(-1, 1) init saturates
    out = model.forward(X)
    assert out.shape == (7, 256) and out.min() >= 0 and out.max() <= 1
    np.testing.assert_array_equal(out, model.decode(code))
    loss = diy.BCE()
    delta = loss.backward(X, out)
    assert model.backward_delta(X, delta).shape == (7, 256)
    model.backward_update_gradient(X, delta)
    assert encoder[0]._gradient.shape == (256, 100) and encoder[0]._gradient.any()
    assert model.encoder is encoder and model.decoder is decoder


def test_autoencoder_learns_to_reconstruct():
    rp.manual_seed(10)
    rng = np.random.default_rng(10)
    X = (rng.random((64, 2)) @ rng.random((2, 8))).astype(np.float32) / 2  # rank 2, in [0, 1)
    model = diy.AutoEncoder(
        diy.Sequential(diy.Linear(8, 2), diy.TanH()),
        diy.Sequential(diy.Linear(2, 8), diy.Sigmoide()),
    )
    history = diy.SGD(model, diy.MSELoss(), X, X, batch_size=16, max_iter=150, eps=0.1)
    assert history[-1] < history[0] / 5


# ---- Optim and SGD ----------------------------------------------------------------------


def test_optim_step_is_one_gradient_step_on_the_summed_loss():
    rng = np.random.default_rng(11)
    net = diy.Linear(3, 2, dtype=np.float64)
    X, Y = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    Wt, bt = tt(net._parameters.T.copy(), True), tt(net._bias, True)
    total = TF.mse_loss(TF.linear(tt(X), Wt, bt), tt(Y), reduction="sum")
    total.backward()
    optim = diy.Optim(net, diy.MSELoss(), eps=0.01)
    assert optim.step(X, Y) == pytest.approx(total.item(), rel=1e-12)
    close(net._parameters, (Wt - 0.01 * Wt.grad).T)
    close(net._bias, bt - 0.01 * bt.grad)


def test_optim_zeroes_the_gradient_before_each_step():
    rng = np.random.default_rng(12)
    X, Y = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    a, b = diy.Linear(3, 2, dtype=np.float64), diy.Linear(3, 2, dtype=np.float64)
    b._parameters[...], b._bias[...] = a._parameters, a._bias
    optim = diy.Optim(a, diy.MSELoss(), eps=0.01)
    for _ in range(2):
        optim.step(X, Y)
        b.zero_grad()
        b.backward_update_gradient(X, diy.MSELoss().backward(Y, b.forward(X)))
        b.update_parameters(0.01)
    close(a._parameters, b._parameters)


def test_optim_rejects_bad_arguments():
    with pytest.raises(TypeError, match="Optim: net must be a retroprop.diy Module"):
        diy.Optim(nn.Linear(2, 2), diy.MSELoss())
    with pytest.raises(TypeError, match="Optim: loss must be a retroprop.diy Loss"):
        diy.Optim(diy.Linear(2, 2), torch.nn.MSELoss())
    with pytest.raises(ValueError, match="Optim: eps must be positive, got 0"):
        diy.Optim(diy.Linear(2, 2), diy.MSELoss(), eps=0)


class _Recorder(diy.Module):
    """The identity, remembering every batch it sees."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[np.ndarray] = []

    def forward(self, X: np.ndarray) -> np.ndarray:
        self.batches.append(X[:, 0].copy())
        return X


def test_sgd_sees_every_sample_once_per_epoch_in_batches():
    net = _Recorder()
    X = np.arange(10.0)[:, None]
    rp.manual_seed(13)
    history = diy.SGD(net, diy.MSELoss(), X, X + 1, batch_size=4, max_iter=3)
    assert [len(b) for b in net.batches] == [4, 4, 2] * 3
    for epoch in range(3):
        seen = np.concatenate(net.batches[3 * epoch : 3 * epoch + 3])
        np.testing.assert_array_equal(np.sort(seen), X[:, 0])
    assert not np.array_equal(net.batches[0], [0, 1, 2, 3])  # shuffled
    # a step's loss is summed over its batch, an epoch's is the mean of its steps
    np.testing.assert_allclose(history, [10 / 3] * 3)


def test_sgd_history_is_reproducible_and_decreases():
    def run():
        rp.manual_seed(14)
        net = diy.Sequential(diy.Linear(2, 3), diy.TanH(), diy.Linear(3, 1))
        X = np.random.default_rng(14).standard_normal((32, 2)).astype(np.float32)
        Y = X[:, :1] - X[:, 1:]
        return diy.SGD(net, diy.MSELoss(), X, Y, batch_size=8, max_iter=40, eps=0.05)

    history = run()
    assert history.shape == (40,) and history[-1] < history[0] / 4
    np.testing.assert_array_equal(history, run())


def test_sgd_without_shuffle_is_full_batch_gradient_descent():
    rng = np.random.default_rng(15)
    X, Y = rng.standard_normal((6, 2)), rng.standard_normal((6, 1))
    a, b = diy.Linear(2, 1, dtype=np.float64), diy.Linear(2, 1, dtype=np.float64)
    b._parameters[...], b._bias[...] = a._parameters, a._bias
    history = diy.SGD(a, diy.MSELoss(), X, Y, batch_size=6, max_iter=3, eps=0.01, shuffle=False)
    optim = diy.Optim(b, diy.MSELoss(), eps=0.01)
    np.testing.assert_allclose(history, [optim.step(X, Y) for _ in range(3)], rtol=1e-14)


def test_sgd_rejects_bad_arguments():
    net, loss, X = diy.Linear(2, 1), diy.MSELoss(), np.zeros((4, 2), np.float32)
    with pytest.raises(ValueError, match="SGD: X and Y must have the same, non-zero number"):
        diy.SGD(net, loss, X, np.zeros((3, 1), np.float32), batch_size=2, max_iter=1)
    with pytest.raises(ValueError, match="SGD: batch_size must be a positive integer, got 0"):
        diy.SGD(net, loss, X, np.zeros((4, 1), np.float32), batch_size=0, max_iter=1)
    with pytest.raises(ValueError, match="SGD: max_iter must be a non-negative integer"):
        diy.SGD(net, loss, X, np.zeros((4, 1), np.float32), batch_size=2, max_iter=-1)


# ---- the report's XOR experiment --------------------------------------------------------


def test_report_xor_experiment_reaches_100_percent():
    """Section 4.1.2: Sequential(Linear(2, 4), TanH(), Linear(4, 1), Sigmoide()) trained by
    SGD on XOR data (gen_arti type 1: four Gaussian clouds at (+-1, +-1), class 1 where the
    signs differ; sigma 0.3 here) separates it perfectly. The report uses maxIter = 500;
    200 epochs of batches of 20 (step 0.1, MSELoss) suffice here."""
    rp.manual_seed(0)
    rng = np.random.default_rng(0)
    centers = np.array([[1, 1], [-1, -1], [1, -1], [-1, 1]])
    k = rng.integers(0, 4, 200)
    X = (centers[k] + 0.3 * rng.standard_normal((200, 2))).astype(np.float32)
    Y = (k >= 2).astype(np.float32)[:, None]
    net = diy.Sequential(diy.Linear(2, 4), diy.TanH(), diy.Linear(4, 1), diy.Sigmoide())
    history = diy.SGD(net, diy.MSELoss(), X, Y, batch_size=20, max_iter=200, eps=0.1)
    accuracy = ((net.forward(X) > 0.5) == (Y > 0.5)).mean()
    assert accuracy == 1.0
    assert history[-1] < history[0] / 10
