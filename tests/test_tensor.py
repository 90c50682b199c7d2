"""The Tensor type: factories, dtype rules, conversions, in-place methods, the seeded
generator, thread and memory settings."""

import copy
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

import retroprop as rp


@pytest.mark.parametrize(
    "data, dtype",
    [
        ([1.0, 2.0], np.float32),
        (np.array([1.0, 2.0]), np.float32),  # float64 arrays become the default dtype
        ([1, 2], np.int64),
        (np.array([1, 2], np.int32), np.int64),
        ([True, False], np.bool_),
        (3.5, np.float32),
    ],
)
def test_constructor_dtype_rules(data, dtype):
    assert rp.tensor(data).dtype == dtype
    if isinstance(data, np.ndarray) or dtype == np.float32:
        assert rp.Tensor(data).dtype == dtype  # Python ints and bools: see test_compat_core


def test_dtype_argument_and_conversions():
    t = rp.tensor([1.5, -2.5], dtype=rp.float64)
    assert t.dtype == np.float64
    assert t.float().dtype == np.float32 and t.double() is t
    assert t.long().tolist() == [1, -2]
    assert t.to(rp.float32).dtype == np.float32
    assert t.bool().dtype == np.bool_


def test_cast_is_differentiable_and_gives_gradient_in_the_source_dtype():
    x = rp.tensor([1.0, 2.0], requires_grad=True)
    (x.double() * 3).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


def test_default_dtype_can_be_changed_and_restored():
    rp.set_default_dtype(rp.float64)
    try:
        assert rp.tensor([1.0]).dtype == np.float64
        assert rp.zeros(2).dtype == np.float64
    finally:
        rp.set_default_dtype(rp.float32)
    assert rp.tensor([1.0]).dtype == np.float32
    with pytest.raises(TypeError, match="floating dtype"):
        rp.set_default_dtype(np.int64)


def test_factories_match_torch_shapes_and_dtypes():
    pairs = [
        (rp.zeros(2, 3), torch.zeros(2, 3)),
        (rp.ones((2, 3)), torch.ones((2, 3))),
        (rp.full((2,), 7.0), torch.full((2,), 7.0)),
        (rp.full((2,), 7), torch.full((2,), 7)),
        (rp.eye(3), torch.eye(3)),
        (rp.arange(5), torch.arange(5)),
        (rp.arange(0, 1, 0.25), torch.arange(0, 1, 0.25)),
        (rp.linspace(0, 1, 5), torch.linspace(0, 1, 5)),
    ]
    for ours, theirs in pairs:
        assert ours.shape == tuple(theirs.shape)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy())
        assert ours.dtype == theirs.numpy().dtype
    x = rp.randn(4, 5, dtype=rp.float64)
    for like in (rp.zeros_like, rp.ones_like, rp.rand_like, rp.randn_like):
        y = like(x)
        assert y.shape == x.shape and y.dtype == np.float64
    assert rp.full_like(x, 2.0).numpy().max() == 2.0


def test_random_factories_are_seeded_and_have_the_right_statistics():
    rp.manual_seed(3)
    a = rp.randn(10_000)
    rp.manual_seed(3)
    b = rp.randn(10_000)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert abs(float(a.numpy().mean())) < 0.05 and abs(float(a.numpy().std()) - 1) < 0.05
    u = rp.rand(10_000)
    assert (
        u.numpy().min() >= 0 and u.numpy().max() < 1 and abs(float(u.numpy().mean()) - 0.5) < 0.02
    )
    r = rp.randint(3, 7, (1000,))
    assert r.dtype == np.int64 and set(np.unique(r.numpy())) == {3, 4, 5, 6}
    assert sorted(rp.randperm(6).tolist()) == list(range(6))
    with pytest.raises(ValueError, match="low < high"):
        rp.randint(5, 5, (2,))
    with pytest.raises(ValueError, match="non-negative integer"):
        rp.manual_seed(-1)


def test_rng_state_round_trip_reproduces_the_next_draws():
    rp.manual_seed(0)
    state = rp.get_rng_state()
    a = rp.rand(5)
    rp.set_rng_state(state)
    np.testing.assert_array_equal(rp.rand(5).numpy(), a.numpy())


def test_item_numpy_array_and_repr():
    t = rp.tensor([[1.0, 2.0]])
    assert rp.tensor([2.5]).item() == 2.5
    with pytest.raises(ValueError, match=r"one element.*\(1, 2\)"):
        t.item()
    assert np.asarray(t).shape == (1, 2)
    assert t.T.shape == (2, 1)
    assert "tensor(" in repr(t)
    w = rp.tensor([1.0], requires_grad=True)
    assert "requires_grad=True" in repr(w)
    assert "grad_fn=<Mul>" in repr(w * 2)
    with pytest.raises(RuntimeError, match=r"detach\(\)"):
        w.numpy()
    assert w.detach().numpy() is w.data.numpy() and not w.data.requires_grad


def test_requires_grad_only_for_floating_tensors():
    with pytest.raises(RuntimeError, match="floating point"):
        rp.tensor([1, 2], requires_grad=True)
    x = rp.tensor([1.0]).requires_grad_()
    assert x.requires_grad and x.is_leaf


def test_inplace_methods_bump_the_version_and_keep_the_array():
    t = rp.zeros(3)
    arr = t.numpy()
    t.add_(1).mul_(3).sub_(1).div_(2)
    t[0] = 5.0
    np.testing.assert_array_equal(t.numpy(), [5.0, 1.0, 1.0])
    assert t.numpy() is arr and t._version[0] == 5
    t.zero_()
    assert not t.numpy().any()


def test_deepcopy_copies_data_and_grad():
    x = rp.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    y = copy.deepcopy(x)
    y.data[0] = 9.0
    assert x.detach().numpy()[0] == 1.0 and y.grad is not x.grad
    np.testing.assert_array_equal(y.grad.numpy(), x.grad.numpy())


def test_set_num_threads_limits_blas():
    rp.set_num_threads(1)
    assert rp.get_num_threads() == 1
    with pytest.raises(ValueError, match="positive integer"):
        rp.set_num_threads(0)


_FAULTS = """
import resource, numpy as np, retroprop
def step():  # a training step's pattern: many large arrays made, then all freed
    arrays = [np.ones(500_000) for _ in range(20)]
    del arrays
step(); step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
step()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_freed_memory_is_reused_without_page_faults_unless_disabled():
    def faults(keep: str) -> int:
        env = {**os.environ, "RETROPROP_KEEP_FREED_MEMORY": keep}
        out = subprocess.run([sys.executable, "-c", _FAULTS], env=env, capture_output=True,
                             text=True, check=True)  # fmt: skip
        return int(out.stdout)

    pages = 20 * 500_000 * 8 // 4096
    assert faults("0") > pages // 4  # the 80 MB went back to the OS and fault in again
    assert faults("1") < pages // 100  # the 80 MB stayed in the process


@pytest.mark.parametrize("fn", ["exp", "log", "log1p", "sqrt", "sin", "cos"])
@pytest.mark.parametrize("data", [[1, 4], [True, False]])
def test_unary_math_of_integer_or_bool_tensors_is_float32_as_torch(fn, data):
    ours = getattr(rp.tensor(data), fn)()
    theirs = getattr(torch.tensor(data), fn)()
    assert ours.dtype == theirs.numpy().dtype == np.float32
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_zero_dim_tensor_does_not_decide_the_dtype_and_int_clamp_with_float_bounds():
    a, t = rp.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0])
    assert (a * rp.tensor(2.0, dtype=rp.float64)).dtype == np.float32
    assert (t * torch.tensor(2.0, dtype=torch.float64)).dtype == torch.float32
    ours = rp.tensor([1, 5]).clamp(0.5, 2.5)
    np.testing.assert_array_equal(ours.numpy(), torch.tensor([1, 5]).clamp(0.5, 2.5).numpy())
    assert ours.dtype == np.float32


def test_matmul_of_float32_and_float64_raises_as_torch():
    with pytest.raises(RuntimeError, match="same dtype.*float32 and float64"):
        rp.ones(2, 3) @ rp.ones(3, 2, dtype=rp.float64)


def test_to_cpu_is_a_no_op_and_other_devices_are_refused():
    t = rp.ones(2)
    assert t.to("cpu") is t and t.cpu() is t
    assert t.to("float64").dtype == np.float64
    with pytest.raises(RuntimeError, match="CPU only"):
        t.to("cuda")


def test_create_graph_says_higher_order_gradients_are_not_supported():
    x = rp.tensor([1.0], requires_grad=True)
    with pytest.raises(NotImplementedError, match="higher-order"):
        rp.autograd.grad((x * x).sum(), [x], create_graph=True)
    with pytest.raises(NotImplementedError, match="higher-order"):
        (x * x).sum().backward(create_graph=True)


def test_gradient_of_x_to_the_zero_at_zero_is_zero_as_torch():
    x = rp.tensor([0.0, 2.0], requires_grad=True)
    (x**0.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])


def test_top_level_activations():
    x = rp.tensor([[-1.0, 2.0]])
    np.testing.assert_allclose(rp.relu(x).numpy(), [[0.0, 2.0]])
    np.testing.assert_allclose(rp.softmax(x, dim=1).numpy().sum(), 1.0, rtol=1e-6)
    assert rp.tanh(x).shape == rp.sigmoid(x).shape == rp.log_softmax(x, 1).shape == (1, 2)


@pytest.mark.parametrize(
    "call",
    [
        lambda m, x: m.sum(x, axis=1, keepdims=True),
        lambda m, x: m.mean(x, axis=0),
        lambda m, x: m.max(x, axis=1)[0],
        lambda m, x: m.var(x, axis=1),
        lambda m, x: m.std(x, axis=0, keepdims=True),
        lambda m, x: m.logsumexp(x, axis=1),
        lambda m, x: m.argmax(x, axis=1),
        lambda m, x: m.cumsum(x, axis=1),
        lambda m, x: m.cat([x, x], axis=1),
        lambda m, x: m.stack([x, x], axis=2),
        lambda m, x: m.unsqueeze(x, axis=0),
        lambda m, x: m.squeeze(m.unsqueeze(x, 0), axis=0),
        lambda m, x: m.split(x, 2, axis=1)[1],
        lambda m, x: m.chunk(x, 2, axis=1)[0],
    ],
)
def test_functions_and_methods_take_numpy_axis_and_keepdims(call):
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    expected = call(_Torch(), torch.tensor(x)).numpy()
    np.testing.assert_allclose(call(rp, rp.tensor(x)).numpy(), expected, rtol=1e-5)
    method = call(_Methods(), rp.tensor(x))
    np.testing.assert_allclose(method.numpy(), expected, rtol=1e-5)
    with pytest.raises(TypeError, match="either dim= or axis="):
        rp.sum(rp.tensor(x), dim=0, axis=0)


class _Methods:
    """``m.f(x, ...)`` as the method ``x.f(...)``: runs the same calls on Tensor methods."""

    def __getattr__(self, name):
        if name in ("cat", "stack"):
            return getattr(rp, name)
        return lambda x, *a, **k: getattr(x, name)(*a, **k)


class _Torch:
    """torch's functions with NumPy's names translated to its own (the expected values)."""

    def __getattr__(self, name):
        def call(*args, **kwargs):
            kwargs = {
                {"axis": "dim", "keepdims": "keepdim"}.get(k, k): v for k, v in kwargs.items()
            }
            return getattr(torch, name)(*args, **kwargs)

        return call
