"""PyTorch compatibility of the engine core: .data, grad modes, torch-style Functions, hooks,
grad_fn.next_functions (issue 9). Each behaviour is checked against torch 2.13."""

import numpy as np
import pytest
import torch

import retroprop as rp


@pytest.fixture(autouse=True)
def _grad_mode_restored():
    """A failing grad-mode test must not leave either library with gradients off."""
    yield
    rp.set_grad_enabled(True)
    torch.set_grad_enabled(True)


# ---- .data: a detached Tensor sharing memory ---------------------------------------------


def test_data_is_a_detached_tensor_sharing_memory():
    w = rp.tensor([1.0, 2.0], requires_grad=True)
    d = w.data
    assert isinstance(d, rp.Tensor) and not d.requires_grad and d.grad_fn is None
    assert np.shares_memory(d.numpy(), w.detach().numpy())
    assert w.data.norm().item() == pytest.approx(np.sqrt(5.0))


def test_sgd_step_through_data_matches_torch():
    x = np.array([[0.5, -1.0], [2.0, 0.3]], np.float32)
    rw, tw = rp.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    for w in (rw, tw):
        (w * w).sum().backward()
        w.data -= 0.1 * w.grad.data  # the pre-optimiser tutorials' update
        w.data.add_(w.grad.data, alpha=-0.1)
        w.data.mul_(0.5)
    assert rw.requires_grad and rw.is_leaf
    np.testing.assert_allclose(rw.detach().numpy(), tw.detach().numpy(), rtol=1e-6)


def test_data_setter_replaces_the_array():
    w = rp.zeros(3, requires_grad=True)
    w.data = rp.ones(2, 2)
    assert w.shape == (2, 2) and w.requires_grad
    w.data = np.full((1,), 7.0, np.float32)
    assert w.detach().numpy().tolist() == [7.0]
    t = torch.zeros(3, requires_grad=True)
    t.data = torch.ones(2, 2)
    assert tuple(t.shape) == (2, 2) and t.requires_grad


def test_change_through_data_is_invisible_to_autograd_as_in_torch():
    # torch does not bump the version of the original through .data: backward still runs
    for lib in (rp, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x.exp()
        y.data.zero_()
        y.sum().backward()
        assert x.grad.numpy().tolist() == [0.0, 0.0]


# ---- grad modes ------------------------------------------------------------------------------


@pytest.mark.parametrize("lib", [rp, torch])
def test_recursive_function_under_no_grad_decorator_restores_the_mode(lib):
    @lib.no_grad()
    def depth(n):
        return depth(n - 1) if n else lib.is_grad_enabled()

    assert depth(4) is False
    assert lib.is_grad_enabled()


@pytest.mark.parametrize("lib", [rp, torch])
def test_set_grad_enabled_decorator_does_not_change_the_mode_when_applied(lib):
    @lib.set_grad_enabled(False)
    def inside():
        return lib.is_grad_enabled()

    assert lib.is_grad_enabled()
    assert inside() is False
    assert lib.is_grad_enabled()


@pytest.mark.parametrize("lib", [rp, torch])
def test_set_grad_enabled_as_a_call_and_a_context(lib):
    lib.set_grad_enabled(False)
    try:
        assert not lib.is_grad_enabled()
    finally:
        lib.set_grad_enabled(True)
    with lib.set_grad_enabled(False):
        assert not lib.is_grad_enabled()
        with lib.enable_grad():
            assert lib.is_grad_enabled()
        assert not lib.is_grad_enabled()
    assert lib.is_grad_enabled()


@pytest.mark.parametrize("lib", [rp, torch])
def test_bare_decorators_and_inference_mode(lib):
    @lib.no_grad
    def a():
        return lib.is_grad_enabled()

    @lib.inference_mode()
    def b():
        return lib.is_grad_enabled(), lib.is_inference_mode_enabled()

    @lib.enable_grad()
    def c():
        return lib.is_grad_enabled()

    assert a() is False and b() == (False, True) and lib.is_grad_enabled()
    with lib.no_grad():
        assert c() is True and not lib.is_grad_enabled()
    with lib.inference_mode(False):
        assert lib.is_grad_enabled()
    x = lib.ones(2, requires_grad=True)
    with lib.inference_mode():
        assert not (x * 2).requires_grad


@pytest.mark.parametrize("lib", [rp, torch])
def test_mode_is_restored_after_an_exception(lib):
    @lib.no_grad()
    def boom():
        raise ValueError

    with pytest.raises(ValueError):
        boom()
    assert lib.is_grad_enabled()


def test_one_instance_entered_twice_restores_each_level():
    # torch's no_grad keeps one previous mode per instance and ends such a nesting with
    # gradients off; retroprop keeps a stack
    ctx = rp.no_grad()
    with ctx:
        with ctx:
            pass
        assert not rp.is_grad_enabled()
    assert rp.is_grad_enabled()


def test_no_grad_decorated_generator_runs_each_step_without_recording():
    x = rp.ones(2, requires_grad=True)

    @rp.no_grad()
    def steps():
        for _ in range(2):
            yield (x * 2).requires_grad

    assert list(steps()) == [False, False] and rp.is_grad_enabled()


def test_autograd_module_has_the_grad_modes_as_torch_autograd():
    assert rp.autograd.no_grad is rp.no_grad and rp.autograd.set_grad_enabled is rp.set_grad_enabled


# ---- PyTorch-style custom Functions ------------------------------------------------------


def _scaled_exp(lib):
    class ScaledExp(lib.autograd.Function):
        """y = exp(k x), dy/dx = k y (k is a Python number, not differentiable)."""

        @staticmethod
        def forward(ctx, x, k):
            y = (x * k).exp()
            ctx.save_for_backward(y)
            ctx.k = k
            return y

        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            assert ctx.needs_input_grad == (True, False)
            return grad * y * ctx.k, None

    return ScaledExp


def test_torch_style_function_matches_the_same_function_in_torch():
    x = np.random.default_rng(0).standard_normal((3, 4))
    rx = rp.tensor(x, dtype=rp.float64, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    ry, ty = _scaled_exp(rp).apply(rx, 0.5), _scaled_exp(torch).apply(tx, 0.5)
    np.testing.assert_allclose(ry.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
    g = np.random.default_rng(1).standard_normal((3, 4))
    ry.backward(rp.tensor(g, dtype=rp.float64))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(rx.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
    assert ry.grad_fn is not None and ry.requires_grad


def test_torch_style_function_passes_gradcheck():
    x = rp.randn(2, 3, dtype=rp.float64, requires_grad=True)
    assert rp.autograd.gradcheck(lambda t: _scaled_exp(rp).apply(t, 1.5), [x])


def _sort_values(lib):
    class SortValues(lib.autograd.Function):
        """Sorted values (differentiable: the gradient goes back to each value's place) and
        the sorting indices (marked non-differentiable)."""

        @staticmethod
        def forward(ctx, x):
            values, idx = x.sort()
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(idx)
            return values, idx

        @staticmethod
        def backward(ctx, grad_values, grad_idx):
            (idx,) = ctx.saved_tensors
            out = np.zeros(grad_values.shape, grad_values.numpy().dtype)
            out[idx.numpy()] = grad_values.numpy()
            return lib.from_numpy(out)

    return SortValues


def _np_sort():
    """A NumPy-backed Tensor.sort for when rp has none of its own (another part of issue 9)."""

    def sort(self):
        arr = self.detach().numpy()
        idx = np.argsort(arr, kind="stable")
        return rp.tensor(arr[idx], dtype=arr.dtype), rp.tensor(idx)

    return sort


def test_several_outputs_and_mark_non_differentiable_match_torch(monkeypatch):
    if not hasattr(rp.Tensor, "sort"):
        monkeypatch.setattr(rp.Tensor, "sort", _np_sort(), raising=False)
    x = np.array([0.3, -1.0, 2.0, 0.1])
    rx = rp.tensor(x, dtype=rp.float64, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    rv, ri = _sort_values(rp).apply(rx)
    tv, ti = _sort_values(torch).apply(tx)
    assert rv.requires_grad and not ri.requires_grad and not ti.requires_grad
    np.testing.assert_array_equal(ri.numpy(), ti.numpy())
    w = np.array([1.0, 2.0, 3.0, 4.0])
    (rv * rp.tensor(w, dtype=rp.float64)).sum().backward()
    (tv * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(rx.grad.numpy(), tx.grad.numpy())


def test_two_differentiable_outputs_each_send_their_gradient():
    class SplitScale(rp.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, ga, gb):
            return ga * 2 + gb * 3

    class TSplitScale(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, ga, gb):
            return ga * 2 + gb * 3

    x = np.array([1.0, -2.0])
    rx = rp.tensor(x, dtype=rp.float64, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    ra, rb = SplitScale.apply(rx)
    ta, tb = TSplitScale.apply(tx)
    (ra * ra + rb).sum().backward()
    (ta * ta + tb).sum().backward()
    np.testing.assert_allclose(rx.grad.numpy(), tx.grad.numpy())


def test_setup_context_style_and_array_gradients():
    class Cube(rp.autograd.Function):
        @staticmethod
        def forward(x):
            return x**3

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, grad):  # d/dx x^3 = 3 x^2, returned as an array
            (x,) = ctx.saved_tensors
            return 3 * x.detach().numpy() ** 2 * grad.numpy()

    x = rp.tensor([1.0, -2.0], dtype=rp.float64, requires_grad=True)
    Cube.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 12.0])


def test_torch_style_forward_does_not_record_and_inputs_stay_tensors():
    seen = []

    class Probe(rp.autograd.Function):
        @staticmethod
        def forward(ctx, x, scale):
            seen.append((type(x), rp.is_grad_enabled(), (x * 2).requires_grad, scale))
            return x.clone()

        @staticmethod
        def backward(ctx, grad):
            return grad, None

    x = rp.ones(2, requires_grad=True)
    y = Probe.apply(x, 3)
    assert seen == [(rp.Tensor, False, False, 3)] and y.requires_grad
    with rp.no_grad():
        assert not Probe.apply(x, 3).requires_grad


def test_torch_style_errors_name_the_function():
    class Wrong(rp.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, grad):
            return grad  # one gradient for two arguments

    x = rp.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Wrong.backward returned 1 gradients, expected 2"):
        Wrong.apply(x, x).sum().backward()

    class Twice(rp.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 1

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad

    y = Twice.apply(x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_saved_input_modified_in_place_is_detected():
    class Square(rp.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 2 * x * grad

    leaf = rp.ones(3, requires_grad=True)
    x = leaf * 1
    y = Square.apply(x)
    with rp.no_grad():
        x.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.sum().backward()


def test_array_style_functions_still_work():
    class Double(rp.autograd.Function):
        def forward(self, x):
            return x * 2

        def backward(self, grad):
            return grad * 2

    x = rp.ones(3, requires_grad=True)
    Double.apply(x).sum().backward()
    assert x.grad.numpy().tolist() == [2.0, 2.0, 2.0]


def test_variable_returns_the_tensor_as_torch():
    x = rp.ones(2)
    assert rp.autograd.Variable(x) is x
    v = rp.autograd.Variable(x, requires_grad=True)
    tv = torch.autograd.Variable(torch.ones(2), requires_grad=True)
    assert v.requires_grad == tv.requires_grad and not x.requires_grad
    assert np.shares_memory(v.detach().numpy(), x.numpy())


# ---- hooks and next_functions ------------------------------------------------------------


@pytest.mark.parametrize("lib", [rp, torch])
def test_register_hook_sees_and_replaces_gradients(lib):
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * 2
    seen = []
    h.register_hook(lambda g: seen.append(g.numpy().copy()))
    h.register_hook(lambda g: g * 10)  # a replacement flows on to x
    handle = x.register_hook(lambda g: g + 1)
    (h * h).sum().backward()
    np.testing.assert_allclose(seen[0], 2 * h.detach().numpy())
    np.testing.assert_allclose(x.grad.numpy(), 2 * 10 * 2 * h.detach().numpy() + 1)
    handle.remove()
    x.grad = None
    (x * 1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0, 1.0])


def test_register_hook_errors():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        rp.ones(2).register_hook(lambda g: g)
    x = rp.ones(2, requires_grad=True)
    x.register_hook(lambda g: rp.ones(3))
    with pytest.raises(RuntimeError, match=r"shape \(3,\) for a tensor of shape \(2,\)"):
        (x * 1).sum().backward()


def test_hooks_run_in_autograd_grad_as_in_torch():
    for lib in (rp, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 3
        y.register_hook(lambda g: g * 0.5)
        (g,) = lib.autograd.grad(y.sum(), [x])
        assert g.numpy().tolist() == [1.5, 1.5]


def _structure(fn):
    """The graph below ``fn`` as nested (class kind, children) with names left out."""
    if fn is None:
        return None
    kind = "leaf" if type(fn).__name__ == "AccumulateGrad" else "op"
    return (kind, tuple((_structure(f), i) for f, i in fn.next_functions))


def test_next_functions_has_torchs_structure():
    results = []
    for lib in (rp, torch):
        a = lib.ones(2, requires_grad=True)
        b = lib.ones(2)
        y = (a * b + a.exp()).sum()
        results.append(_structure(y.grad_fn))
        mul = y.grad_fn.next_functions[0][0].next_functions[0][0]
        leaf = mul.next_functions[0][0]
        assert leaf.variable is a and mul.next_functions[1] == (None, 0)
        assert a.grad_fn is None
    assert results[0] == results[1]
    a = rp.ones(2, requires_grad=True)
    y = a * 2
    assert y.grad_fn.next_functions[0][0] is (a + 1).grad_fn.next_functions[0][0]
    assert y.grad_fn.name() == "Mul"
