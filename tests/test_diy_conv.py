"""retroprop.diy's convolution layers (the report's §7): Conv1D, Conv2D, MaxPool1D, AvgPool1D,
MaxPool2D and Flatten on channels-last inputs, against PyTorch (weights permuted to its
layout) and finite differences; the report's own comparisons and models."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st

import retroprop as rp
from retroprop import diy


def tt(a: np.ndarray, grad: bool = False) -> torch.Tensor:
    return torch.tensor(np.ascontiguousarray(a), requires_grad=grad)


def close(a, b, tol: float = 1e-10) -> None:
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else b
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def last(t: torch.Tensor) -> torch.Tensor:
    """channels-first (torch) -> channels-last (the report)."""
    return t.movedim(1, -1)


def first(a: np.ndarray) -> np.ndarray:
    """channels-last -> channels-first."""
    return np.moveaxis(a, -1, 1)


# ---- Conv1D and Conv2D --------------------------------------------------------------------


def check_conv(layer, X: np.ndarray, torch_conv, to_torch: tuple[int, ...], seed: int) -> None:
    """forward, backward_delta and backward_update_gradient of a diy convolution against
    torch_conv(x, w, b, stride) on the transposed arrays."""
    rng = np.random.default_rng(seed)
    Xt, Wt = tt(first(X), True), tt(layer._parameters.transpose(to_torch), True)
    bias = layer._bias is not None
    bt = tt(layer._bias, True) if bias else None
    out = last(torch_conv(Xt, Wt, bt, stride=layer.stride))
    delta = rng.standard_normal(tuple(out.shape))
    out.backward(tt(delta))

    close(layer.forward(X), out)
    close(layer.backward_delta(X, delta), last(Xt.grad))
    layer.backward_update_gradient(X, delta)
    close(layer._gradient, Wt.grad.numpy().transpose(np.argsort(to_torch)))
    if bias:
        close(layer._gradient_bias, bt.grad)
    else:
        assert layer._gradient_bias is None


@given(
    st.integers(1, 3), st.integers(1, 9), st.integers(1, 3), st.integers(1, 4),
    st.integers(1, 4), st.integers(1, 3), st.booleans(), st.integers(0, 99),
)  # fmt: skip
def test_conv1d_matches_torch_with_the_weight_permuted(
    batch, extra, chan_in, chan_out, k, stride, bias, seed
):
    layer = diy.Conv1D(k, chan_in, chan_out, stride=stride, bias=bias, dtype=np.float64)
    X = np.random.default_rng(seed).standard_normal((batch, k + extra - 1, chan_in))
    check_conv(layer, X, TF.conv1d, (2, 1, 0), seed)


@given(
    st.integers(1, 2), st.integers(1, 5), st.integers(1, 5), st.integers(1, 3),
    st.integers(1, 3), st.integers(1, 3), st.integers(1, 2), st.booleans(), st.integers(0, 99),
)  # fmt: skip
def test_conv2d_matches_torch_with_the_weight_permuted(
    batch, h, w, chan_in, chan_out, k, stride, bias, seed
):
    layer = diy.Conv2D(k, chan_in, chan_out, stride=stride, bias=bias, dtype=np.float64)
    X = np.random.default_rng(seed).standard_normal((batch, k + h - 1, k + w - 1, chan_in))
    check_conv(layer, X, TF.conv2d, (3, 2, 0, 1), seed)


def test_conv2d_gradients_match_finite_differences():
    """d sum(forward(X) * delta) / dX and / dW by central differences, in float64."""
    rng = np.random.default_rng(4)
    layer = diy.Conv2D(2, 2, 3, stride=2, dtype=np.float64)
    X, delta = rng.standard_normal((2, 5, 4, 2)), rng.standard_normal((2, 2, 2, 3))

    def loss() -> float:
        return float((layer.forward(X) * delta).sum())

    def numeric(a: np.ndarray) -> np.ndarray:
        g = np.zeros_like(a)
        for i in np.ndindex(a.shape):
            a[i] += 1e-6
            up = loss()
            a[i] -= 2e-6
            g[i] = (up - loss()) / 2e-6
            a[i] += 1e-6
        return g

    close(layer.backward_delta(X, delta), numeric(X), 1e-7)
    layer.backward_update_gradient(X, delta)
    close(layer._gradient, numeric(layer._parameters), 1e-7)
    close(layer._gradient_bias, numeric(layer._bias), 1e-7)


def test_conv1d_is_the_reports_figure_34():
    """The report's check: Conv1D(3, 16, 33, stride=2, bias=False) with nn.Conv1d's weight
    transposed (2, 1, 0) gives nn.Conv1d's output on the transposed input."""
    torch.manual_seed(0)
    m = torch.nn.Conv1d(16, 33, 3, stride=2, bias=False)
    lay = diy.Conv1D(3, 16, 33, stride=2, bias=False)
    lay._parameters = m.weight.detach().numpy().transpose(2, 1, 0)
    x = torch.randn(20, 16, 50)
    out = lay.forward(x.numpy().transpose(0, 2, 1))
    assert out.shape == (20, 24, 33) and out.dtype == np.float32
    close(out, m(x).detach().numpy().transpose(0, 2, 1), 1e-5)


def test_conv2d_is_the_reports_figure_37():
    """Conv2D(k_size=3, Cin=2, chan_out=2) with nn.Conv2d's weight transposed (2, 3, 1, 0)
    and its bias, on (N, H, W, Cin) = (20, 5, 10, 2)."""
    torch.manual_seed(0)
    layer = torch.nn.Conv2d(2, 2, 3, stride=1)
    layer2 = diy.Conv2D(3, 2, 2)
    layer2._parameters = layer.weight.detach().numpy().transpose(2, 3, 1, 0)
    layer2._bias = layer.bias.detach().numpy()
    x = torch.randn(20, 2, 5, 10)
    out = layer2.forward(x.numpy().transpose(0, 2, 3, 1))
    assert out.shape == (20, 3, 8, 2)
    close(out, layer(x).detach().numpy().transpose(0, 2, 3, 1), 1e-5)


def test_conv_initialisation_layout_and_seed():
    """Kernel (k_size, ..., chan_in, chan_out) and bias drawn from U(-1/sqrt(fan_in), ...),
    in float64 by default (the report's arrays), reproducible with rp.manual_seed."""
    rp.manual_seed(5)
    layer = diy.Conv2D(3, 4, 50)
    W, b = layer._parameters, layer._bias
    assert W.shape == (3, 3, 4, 50) and W.dtype == np.float64 and b.shape == (50,)
    assert layer._gradient.shape == W.shape and not layer._gradient.any()
    bound = 1 / np.sqrt(4 * 9)
    assert -bound <= W.min() < -0.95 * bound and 0.95 * bound < W.max() <= bound
    assert np.abs(b).max() <= bound
    rp.manual_seed(5)
    np.testing.assert_array_equal(diy.Conv2D(3, 4, 50)._parameters, W)
    assert diy.Conv1D(5, 2, 7)._parameters.shape == (5, 2, 7)


def test_conv_accumulates_steps_and_zeroes():
    rng = np.random.default_rng(6)
    layer = diy.Conv1D(2, 3, 2, dtype=np.float64)
    X, delta = rng.standard_normal((4, 6, 3)), rng.standard_normal((4, 5, 2))
    layer.backward_update_gradient(X, delta)
    once, once_b = layer._gradient.copy(), layer._gradient_bias.copy()
    layer.backward_update_gradient(X, delta)
    close(layer._gradient, 2 * once)
    W, b = layer._parameters.copy(), layer._bias.copy()
    layer.update_parameters(gradient_step=0.1)
    close(layer._parameters, W - 0.2 * once)
    close(layer._bias, b - 0.2 * once_b)
    close(once_b, delta.sum(axis=(0, 1)))
    layer.zero_grad()
    assert not layer._gradient.any() and not layer._gradient_bias.any()


def test_conv_keeps_float32_when_asked():
    layer = diy.Conv2D(2, 1, 3, dtype=np.float32)
    X = np.ones((2, 4, 4, 1), np.float32)
    delta = np.ones((2, 3, 3, 3), np.float32)
    assert layer.forward(X).dtype == np.float32
    assert layer.backward_delta(X, delta).dtype == np.float32
    layer.backward_update_gradient(X, delta)
    assert layer._gradient.dtype == np.float32 and layer._gradient_bias.dtype == np.float32


@pytest.mark.parametrize(
    ("x_dtype", "w_dtype"), [(np.float32, np.float64), (np.float64, np.float32)]
)
def test_conv_promotes_mixed_dtypes_as_numpy(x_dtype, w_dtype):
    """A float32 input to a float64 kernel (or the reverse) computes in float64, equal to
    torch in float64; delta comes back in the input's dtype, the gradient in the kernel's."""
    rng = np.random.default_rng(9)
    layer = diy.Conv1D(3, 2, 4, stride=2, dtype=w_dtype)
    X = rng.standard_normal((3, 9, 2)).astype(x_dtype)
    Xt = tt(first(X).astype(np.float64), True)
    Wt = tt(layer._parameters.transpose(2, 1, 0).astype(np.float64), True)
    bt = tt(layer._bias.astype(np.float64), True)
    out = last(TF.conv1d(Xt, Wt, bt, stride=2))
    delta = rng.standard_normal(tuple(out.shape))
    out.backward(tt(delta))
    y = layer.forward(X)
    assert y.dtype == np.float64
    close(y, out)
    gx = layer.backward_delta(X, delta)
    assert gx.dtype == x_dtype
    close(gx, last(Xt.grad), 1e-6)
    layer.backward_update_gradient(X, delta)
    assert layer._gradient.dtype == w_dtype
    close(layer._gradient, Wt.grad.numpy().transpose(2, 1, 0), 1e-6)


def test_conv_rejects_bad_input():
    layer = diy.Conv1D(3, 2, 4)
    X = np.ones((5, 10, 2), np.float32)
    msg = (
        r"Conv1D.forward: expected a channels-last input \(batch, length, chan_in\) with chan_in=2"
    )
    with pytest.raises(ValueError, match=msg + r", got shape \(5, 2, 10\)"):
        layer.forward(np.ones((5, 2, 10), np.float32))
    with pytest.raises(ValueError, match="Conv1D.forward: input must have 3 dimensions"):
        layer.forward(np.ones((10, 2), np.float32))
    with pytest.raises(ValueError, match=r"spatial size \(2,\) is smaller than the kernel"):
        layer.forward(np.ones((5, 2, 2), np.float32))
    with pytest.raises(TypeError, match="floating-point"):
        layer.forward(np.ones((5, 10, 2), np.int64))
    with pytest.raises(ValueError, match=r"delta must have the shape .* \(5, 8, 4\)"):
        layer.backward_delta(X, np.ones((5, 8, 3), np.float32))
    with pytest.raises(ValueError, match=r"Conv2D.backward_update_gradient: delta must have"):
        diy.Conv2D(2, 1, 1).backward_update_gradient(
            np.ones((1, 3, 3, 1), np.float32), np.ones((1, 3, 3, 1), np.float32)
        )
    layer._parameters = np.ones((4, 2, 3), np.float32)  # PyTorch's layout, not the report's
    with pytest.raises(ValueError, match=r"_parameters must have the shape .* \(3, 2, 4\)"):
        layer.forward(X)
    with pytest.raises(ValueError, match="Conv2D: k_size must be a positive integer, got 0"):
        diy.Conv2D(0, 1, 1)
    with pytest.raises(ValueError, match="Conv1D: stride must be a positive integer"):
        diy.Conv1D(2, 1, 1, stride=1.5)
    with pytest.raises(TypeError, match="Conv2D: dtype must be a floating dtype"):
        diy.Conv2D(2, 1, 1, dtype=np.int32)


# ---- pooling and Flatten ------------------------------------------------------------------

POOLS = [
    (diy.MaxPool1D, TF.max_pool1d, 1),
    (diy.AvgPool1D, TF.avg_pool1d, 1),
    (diy.MaxPool2D, TF.max_pool2d, 2),
]


@pytest.mark.parametrize(("module", "torch_fn", "nd"), POOLS)
@given(st.integers(1, 3), st.integers(0, 5), st.integers(1, 3), st.integers(1, 3),
       st.integers(1, 3), st.integers(0, 99))  # fmt: skip
def test_pool_matches_torch(module, torch_fn, nd, batch, extra, chan, k, stride, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((batch, *(k + extra + i for i in range(nd)), chan))
    layer = module(k, stride)
    Xt = tt(first(X), True)
    out = last(torch_fn(Xt, k, stride))
    delta = rng.standard_normal(tuple(out.shape))
    out.backward(tt(delta))
    close(layer.forward(X), out)
    close(layer.backward_delta(X, delta), last(Xt.grad))
    layer.backward_update_gradient(X, delta)  # no parameters: nothing to do
    assert layer._parameters is None


def test_pool_stride_defaults_to_the_window():
    X = np.arange(12, dtype=np.float32).reshape(1, 6, 2)
    close(diy.MaxPool1D(2).forward(X), X[:, 1::2])
    close(diy.AvgPool1D(3).forward(X), X.reshape(1, 2, 3, 2).mean(axis=2))
    assert repr(diy.MaxPool2D(2)) == "MaxPool2D(k_size=2, stride=2)"


def test_pool_rejects_bad_input():
    msg = r"MaxPool1D.forward: the input's spatial size \(1,\) is smaller than the window"
    with pytest.raises(ValueError, match=msg + " k_size=2"):
        diy.MaxPool1D(2, 2).forward(np.ones((3, 1, 4), np.float32))
    with pytest.raises(ValueError, match="MaxPool2D.forward: input must have 4 dimensions"):
        diy.MaxPool2D(2, 2).forward(np.ones((3, 4, 4), np.float32))
    with pytest.raises(ValueError, match=r"AvgPool1D.backward_delta: delta must .* \(3, 2, 4\)"):
        diy.AvgPool1D(2, 2).backward_delta(
            np.ones((3, 4, 4), np.float32), np.ones((3, 4, 4), np.float32)
        )
    with pytest.raises(ValueError, match="AvgPool1D: stride must be a positive integer"):
        diy.AvgPool1D(2, 0)


def test_flatten_matches_torch_on_channels_last():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((3, 2, 4, 5))
    Xt = tt(X, True)
    out = Xt.flatten(1)
    delta = rng.standard_normal((3, 40))
    out.backward(tt(delta))
    layer = diy.Flatten()
    close(layer.forward(X), out)
    close(layer.backward_delta(X, delta), Xt.grad)
    with pytest.raises(ValueError, match=r"Flatten.backward_delta: delta must have .* \(3, 40\)"):
        layer.backward_delta(X, delta[:, :39])
    with pytest.raises(TypeError, match="Flatten.forward: input must be a NumPy array"):
        layer.forward([1.0, 2.0])


# ---- the report's networks ----------------------------------------------------------------


def test_sequential_cnn_matches_torch():
    """Conv1D -> TanH -> MaxPool1D -> Flatten -> Linear against the same network in PyTorch
    (NCL layout, permuted to channels last before flattening)."""
    rng = np.random.default_rng(8)
    conv, lin = diy.Conv1D(3, 2, 4, stride=2, dtype=np.float64), diy.Linear(12, 3, dtype=np.float64)
    net = diy.Sequential(conv, diy.TanH(), diy.MaxPool1D(2, 1), diy.Flatten(), lin)
    X, delta = rng.standard_normal((5, 9, 2)), rng.standard_normal((5, 3))
    Xt = tt(first(X), True)
    Wc, bc = tt(conv._parameters.transpose(2, 1, 0), True), tt(conv._bias, True)
    Wl, bl = tt(lin._parameters.T, True), tt(lin._bias, True)
    h = TF.max_pool1d(torch.tanh(TF.conv1d(Xt, Wc, bc, stride=2)), 2, 1)
    out = TF.linear(last(h).flatten(1), Wl, bl)
    out.backward(tt(delta))

    close(net.forward(X), out)
    close(net.backward_delta(X, delta), last(Xt.grad))
    net.backward_update_gradient(X, delta)
    close(conv._gradient, Wc.grad.numpy().transpose(2, 1, 0))
    close(conv._gradient_bias, bc.grad)
    close(lin._gradient, Wl.grad.T)


def test_report_iris_architecture_learns_a_toy_sequence_task():
    """The report's iris model, Sequential(Conv1D(2, 1, 16), MaxPool1D(2, 2), Flatten(),
    Linear(16, 3), SoftMax()) with CE and batches of 20, on length-4 sequences of three
    shapes (rising, falling, a bump) with random scale, offset and noise."""
    rng = np.random.default_rng(0)
    t = np.arange(4.0)
    shapes = np.stack([t - 1.5, 1.5 - t, np.array([-1.0, 1.0, 1.0, -1.0])])
    y = np.repeat(np.arange(3), 50)
    X = shapes[y] * rng.uniform(0.5, 1.5, (150, 1)) + rng.uniform(-1, 1, (150, 1))
    X = (X + 0.3 * rng.standard_normal((150, 4)))[:, :, None].astype(np.float32)
    rp.manual_seed(0)
    net = diy.Sequential(
        diy.Conv1D(2, 1, 16), diy.MaxPool1D(2, 2), diy.Flatten(), diy.Linear(16, 3), diy.SoftMax()
    )
    assert net.forward(X).shape == (150, 3)
    history = diy.SGD(net, diy.CE(), X, np.eye(3, dtype=np.float32)[y], 20, 60, eps=0.01)
    assert history[-1] < history[0] / 2
    assert (net.forward(X).argmax(axis=1) == y).mean() >= 0.9


def test_report_usps_conv2d_architecture_runs():
    """The report's image model on 16x16 digits: Conv2D(3, 1, 32), MaxPool2D(2, 2) and
    Flatten give 7 * 7 * 32 = 1568 features for Linear(1568, 100); one training step runs."""
    rp.manual_seed(1)
    net = diy.Sequential(
        diy.Conv2D(3, 1, 32), diy.MaxPool2D(2, 2), diy.Flatten(),
        diy.Linear(1568, 100), diy.ReLU(), diy.Linear(100, 10), diy.SoftMax(),
    )  # fmt: skip
    X = np.random.default_rng(1).random((8, 16, 16, 1), dtype=np.float32)
    Y = np.eye(10, dtype=np.float32)[np.arange(8)]
    assert net[2].forward(net[1].forward(net[0].forward(X))).shape == (8, 1568)
    conv = net[0]
    before = conv._parameters.copy()
    diy.Optim(net, diy.MSELoss(), eps=1e-3).step(X, Y)
    assert np.isfinite(conv._gradient).all() and conv._gradient.shape == (3, 3, 1, 32)
    assert not np.array_equal(conv._parameters, before)
