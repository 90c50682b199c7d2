"""The graph walk: accumulation, retain_graph, freed graphs, autograd.grad, no_grad,
in-place detection, anomaly detection, deep graphs."""

import numpy as np
import pytest
import torch

import retroprop as rp
from tests.parity import assert_parity, check_grad


def test_gradients_accumulate_in_leaves_across_backward_calls():
    x = rp.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2 + 3, 4 + 3])


def test_shared_subexpression_sums_both_paths():
    assert_parity(lambda x: (x * x) * x + x, lambda x: (x * x) * x + x, [np.arange(4.0)])


def test_non_scalar_backward_without_gradient_raises():
    x = rp.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="implicitly created only for scalar"):
        (x * 2).backward()


def test_gradient_of_wrong_shape_raises():
    x = rp.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"gradient has shape \(3,\)"):
        (x * 2).backward(rp.ones(3))


def test_second_backward_through_freed_graph_raises():
    x = rp.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * 2).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = rp.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * 2).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 4 * np.exp([1.0, 2.0]), rtol=1e-6)


def test_retain_grad_keeps_intermediate_gradient():
    x = rp.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), 2 * h.detach().numpy())
    with pytest.raises(RuntimeError, match="does not require grad"):
        rp.tensor([1.0]).retain_grad()


def test_autograd_grad_returns_without_touching_dot_grad():
    x = rp.tensor([1.0, -2.0], requires_grad=True)
    (g,) = rp.autograd.grad((x * x).sum(), [x])
    np.testing.assert_allclose(g.numpy(), [2.0, -4.0])
    assert x.grad is None


def test_autograd_grad_unused_input():
    x = rp.tensor([1.0], requires_grad=True)
    z = rp.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="not used"):
        rp.autograd.grad((x * 2).sum(), [z])
    assert rp.autograd.grad((x * 2).sum(), [z], allow_unused=True) == (None,)


def test_autograd_grad_of_several_outputs_sums_them():
    x = rp.tensor([1.0, 2.0], requires_grad=True)
    a = (x * x).sum()
    b = (x * 5).sum()
    (g,) = rp.autograd.grad([a, b], [x])
    np.testing.assert_allclose(g.detach().numpy(), 2 * x.detach().numpy() + 5)


def test_several_outputs_one_inside_another_s_graph_match_torch():
    """An output that feeds another (y1 -> y2) gets both gradients before it passes them on:
    the walk's order is topological over the union of the outputs' graphs."""
    torch = pytest.importorskip("torch")
    x = rp.tensor([1.0, 2.0], requires_grad=True)
    y1 = x * 2
    y2 = (y1 * y1).sum()
    (g,) = rp.autograd.grad([y2, y1.sum(), y1], [x], [None, None, rp.tensor([1.0, -3.0])])
    xt = torch.tensor([1.0, 2.0], requires_grad=True)
    y1t = xt * 2
    y2t = (y1t * y1t).sum()
    (gt,) = torch.autograd.grad(
        [y2t, y1t.sum(), y1t], [xt], [None, None, torch.tensor([1.0, -3.0])]
    )
    np.testing.assert_allclose(g.numpy(), gt.numpy())


def test_no_grad_and_enable_grad():
    x = rp.tensor([1.0], requires_grad=True)
    with rp.no_grad():
        y = x * 2
        with rp.enable_grad():
            z = x * 2
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad
    rp.set_grad_enabled(False)
    assert not (x * 2).requires_grad
    rp.set_grad_enabled(True)
    assert (x * 2).requires_grad

    @rp.no_grad()
    def f(t):
        return t * 2

    assert not f(x).requires_grad


def test_deep_graph_has_no_recursion_limit():
    x = rp.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0001
    y.sum().backward()
    assert x.grad.numpy()[0] == pytest.approx(1.0001**5000, rel=1e-3)


def test_inplace_change_of_a_saved_tensor_raises_at_backward():
    w = rp.tensor([1.0, 2.0])
    x = rp.tensor([3.0, 4.0], requires_grad=True)
    y = (x * w).sum()
    w.add_(1)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.backward()


def test_inplace_on_output_used_by_backward_raises():
    x = rp.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    z = y.sum()
    with rp.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match="version"):
        z.backward()


def test_inplace_on_leaf_requiring_grad_raises():
    x = rp.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="add_"):
        x.add_(1)
    with rp.no_grad():
        x.add_(1)
    assert x.detach().numpy()[0] == 2.0


def test_detect_anomaly_names_the_forward_op():
    x = rp.tensor([-1.0, 1.0], requires_grad=True)
    with rp.detect_anomaly(), pytest.raises(RuntimeError, match=r"Log produced NaN.*\(2,\)"):
        x.log()


def test_detect_anomaly_in_backward():
    x = rp.tensor([0.0, 1.0], requires_grad=True)
    y = x.sqrt().sum()
    with (
        rp.detect_anomaly(),
        pytest.raises(RuntimeError, match="Sqrt produced inf in its backward"),
    ):
        y.backward()
    assert rp.autograd.detect_anomaly is rp.detect_anomaly


def test_gradcheck_catches_a_wrong_derivative():
    class Bad(rp.autograd.Function):
        def forward(self, x):
            self.save_for_backward(x)
            return x**3

        def backward(self, g):
            (x,) = self.saved_values
            return g * 2 * x**2

    x = rp.tensor([0.5, 1.5], dtype=rp.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="gradcheck"):
        rp.autograd.gradcheck(lambda t: Bad.apply(t), [x])


def test_gradcheck_requires_float64():
    with pytest.raises(TypeError, match="float64"):
        rp.autograd.gradcheck(lambda t: t * 2, [rp.tensor([1.0], requires_grad=True)])


def test_backward_matches_torch_on_a_small_network():
    rng = np.random.default_rng(0)
    x, w1, w2 = (
        rng.standard_normal((4, 3)),
        rng.standard_normal((3, 5)),
        rng.standard_normal((5, 2)),
    )

    def f(lib):
        def run(x, w1, w2):
            h = (x @ w1).tanh() if lib == "rp" else torch.tanh(x @ w1)
            return (h @ w2).exp().sum()

        return run

    assert_parity(f("rp"), f("torch"), [x, w1, w2])
    check_grad(f("rp"), [x, w1, w2])


def test_tensor_reached_by_a_short_and_a_deep_path_gets_both_gradients():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 4))

    def f(lib):
        def run(t):
            n = (t * t).sum(1, keepdim=True).sqrt() if lib == "rp" else t.norm(dim=1, keepdim=True)
            return t / n

        return run

    assert_parity(f("rp"), f("torch"), [x])
    check_grad(f("rp"), [x])


@pytest.mark.parametrize(
    "view",
    [
        lambda w: w[:],
        lambda w: w[0],
        lambda w: w.reshape(6),
        lambda w: w.T,
        lambda w: w.unsqueeze(0),
        lambda w: w.split(1)[0],
    ],
)
def test_inplace_change_through_the_base_of_a_saved_view_raises(view):
    w = rp.ones(2, 3) * 2
    v = view(w)
    x = rp.ones(*v.shape, requires_grad=True)
    y = (x * v).sum()
    w += 1
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.backward()


def test_optimizer_step_on_a_parameter_used_through_a_view_invalidates_the_old_graph():
    w = rp.randn(4, 3, requires_grad=True)
    y = (rp.randn(2, 3) @ w.T).sum()
    w.grad = rp.ones(4, 3)
    rp.optim.SGD([w], lr=0.1).step()
    with pytest.raises(RuntimeError, match="MatMul"):
        y.backward()


def test_leaves_never_share_a_gradient_array():
    a = rp.ones(3, requires_grad=True)
    b = rp.ones(3, requires_grad=True)
    g = rp.tensor([1.0, 2.0, 3.0])
    (a + b).backward(g)
    assert not np.shares_memory(a.grad.numpy(), b.grad.numpy())
    assert not np.shares_memory(a.grad.numpy(), g.numpy())
    c = rp.ones(2, 3, requires_grad=True)
    c.reshape(6).backward(rp.ones(6))
    c.grad.mul_(5)
    np.testing.assert_array_equal(c.grad.numpy(), 5 * np.ones((2, 3)))


class _SinCos(rp.autograd.Function):
    """Two outputs: (sin x, cos x) * scale; d/dx = g_sin cos x - g_cos sin x (times scale).
    An absent scale (None) means 1."""

    calls = 0

    def forward(self, x, scale):
        self.save_for_backward(x, scale)
        s = 1.0 if scale is None else scale
        return np.sin(x) * s, np.cos(x) * s

    def backward(self, g_sin, g_cos):
        type(self).calls += 1
        x, scale = self.saved_values
        s = 1.0 if scale is None else scale
        gx = (g_sin * np.cos(x) - g_cos * np.sin(x)) * s
        gs = None
        if self.needs_input_grad[1]:
            gs = np.sum(g_sin * np.sin(x) + g_cos * np.cos(x), keepdims=True).reshape(scale.shape)
        return gx, gs


def test_a_function_with_two_outputs_runs_its_backward_once_and_matches_torch():
    torch = pytest.importorskip("torch")
    x0 = np.array([0.3, -1.2, 2.0])
    x = rp.tensor(x0, dtype=rp.float64, requires_grad=True)
    scale = rp.tensor([1.5], dtype=rp.float64, requires_grad=True)
    _SinCos.calls = 0
    s, c = _SinCos.apply(x, scale)
    assert s.grad_fn is c.grad_fn and s._output_nr == 0 and c._output_nr == 1
    (s * s + 3 * c).sum().backward()
    assert _SinCos.calls == 1
    xt = torch.tensor(x0, requires_grad=True)
    st = torch.tensor([1.5], requires_grad=True)
    (torch.sin(xt) * st * torch.sin(xt) * st + 3 * torch.cos(xt) * st).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy())
    np.testing.assert_allclose(scale.grad.numpy(), st.grad.numpy())


def test_an_unused_output_gets_a_zero_gradient_and_an_absent_input_is_none():
    x = rp.tensor([0.3, -1.2], requires_grad=True)
    _SinCos.calls = 0
    _, c = _SinCos.apply(x, None)  # the sine is not used; the scale is absent
    c.sum().backward()
    assert _SinCos.calls == 1
    np.testing.assert_allclose(x.grad.numpy(), -np.sin([0.3, -1.2]))
    assert c.grad_fn.next_functions[1] == (None, 0)


def test_two_outputs_pass_the_finite_difference_check():
    x = rp.tensor([0.3, -1.2, 2.0], dtype=rp.float64, requires_grad=True)
    scale = rp.tensor([0.7], dtype=rp.float64, requires_grad=True)

    def fn(x, scale):
        s, c = _SinCos.apply(x, scale)
        return s * c + c

    assert rp.autograd.gradcheck(fn, [x, scale])
