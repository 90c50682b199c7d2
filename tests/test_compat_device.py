"""PyTorch compatibility: the CPU device, dtype names, legacy tensor types, factory signatures
(issue 9). Each behaviour is checked against torch 2.13."""

import numpy as np
import pytest
import torch

import retroprop as rp
import retroprop.nn as nn

CPU_ERROR = "retroprop runs on the CPU only"

# ---- the device ------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", ["cpu", "cpu:0"])
def test_device_objects_match_torch(spec):
    d, t = rp.device(spec), torch.device(spec)
    assert (d.type, d.index) == (t.type, t.index)
    assert str(d) == str(t) and repr(d) == repr(t)
    assert d == spec and d == rp.device(d) and hash(d) == hash(rp.device(spec))
    assert rp.device("cpu", 0) == rp.device("cpu:0") and rp.device("cpu") != rp.device("cpu:0")


def test_tensor_device_and_the_usual_device_line():
    device = rp.device("cuda" if rp.cuda.is_available() else "cpu")
    x = rp.ones(2).to(device)
    assert x.device == device == rp.device("cpu") and x.device.type == torch.ones(1).device.type
    assert not x.is_cuda and x.cpu() is x and x.pin_memory() is x and not x.is_pinned()


FACTORIES = [
    lambda d: rp.tensor([1.0], device=d),
    lambda d: rp.as_tensor([1.0], device=d),
    lambda d: rp.Tensor([1.0], device=d),
    lambda d: rp.zeros(2, device=d),
    lambda d: rp.ones(2, device=d),
    lambda d: rp.empty(2, device=d),
    lambda d: rp.full((2,), 3.0, device=d),
    lambda d: rp.arange(3, device=d),
    lambda d: rp.linspace(0, 1, 3, device=d),
    lambda d: rp.eye(2, device=d),
    lambda d: rp.rand(2, device=d),
    lambda d: rp.randn(2, device=d),
    lambda d: rp.randint(0, 3, (2,), device=d),
    lambda d: rp.randperm(3, device=d),
    lambda d: rp.zeros_like(rp.ones(2), device=d),
    lambda d: rp.ones_like(rp.ones(2), device=d),
    lambda d: rp.empty_like(rp.ones(2), device=d),
    lambda d: rp.full_like(rp.ones(2), 2.0, device=d),
    lambda d: rp.rand_like(rp.ones(2), device=d),
    lambda d: rp.randn_like(rp.ones(2), device=d),
]


@pytest.mark.parametrize("make", FACTORIES)
def test_every_factory_takes_the_cpu_and_refuses_cuda(make):
    for d in ("cpu", rp.device("cpu"), None):
        assert make(d).device == rp.device("cpu")
    for d in ("cuda", "cuda:1", "mps"):
        with pytest.raises(RuntimeError, match=CPU_ERROR):
            make(d)


def test_cuda_and_to_cuda_raise_one_clear_error():
    x = rp.ones(2)
    m = nn.Linear(2, 2)
    for call in (
        x.cuda,
        lambda: x.to("cuda"),
        lambda: x.to(device="cuda:0"),
        m.cuda,
        lambda: m.to("cuda"),
        lambda: x.to(rp.device("cuda")),
        lambda: rp.zeros(1, device=rp.device("cuda", 0)),
        lambda: m.to(rp.device("mps")),
        lambda: rp.set_default_device(rp.device("cuda")),
        lambda: rp.set_default_device("cuda"),
        rp.cuda.synchronize,
    ):
        with pytest.raises(RuntimeError, match=CPU_ERROR):
            call()
    with pytest.raises(RuntimeError, match="unknown device"):
        rp.device("gpu")


def test_a_gpu_device_can_be_named_as_in_torch_without_a_gpu():
    # the tensors tutorial: torch.cuda.is_available() & (torch.device('cuda').index is not None)
    for spec in ("cuda", "cuda:1", "mps"):
        d, t = rp.device(spec), torch.device(spec)
        assert (d.type, d.index, str(d), repr(d)) == (t.type, t.index, str(t), repr(t))
    assert rp.device("cuda", 1) == rp.device("cuda:1") != rp.device("cuda")
    assert rp.device("cuda") != rp.device("cpu") and rp.device("cuda") == "cuda"
    with pytest.raises(RuntimeError, match="index must be a non-negative integer"):
        rp.device("cuda", -1)


def test_cuda_and_backends_queries_as_torch_without_a_gpu():
    assert rp.cuda.is_available() is torch.cuda.is_available() is False
    assert rp.cuda.device_count() == torch.cuda.device_count() == 0
    assert rp.backends.mps.is_available() is False and rp.backends.cudnn.is_available() is False
    rp.cuda.manual_seed(0)
    rp.cuda.manual_seed_all(0)
    rp.cuda.empty_cache()
    rp.backends.cudnn.benchmark = True
    rp.backends.cudnn.deterministic = True
    rp.backends.cuda.matmul.allow_tf32 = True
    rp.set_default_device("cpu")
    assert rp.get_default_device() == rp.device("cpu")


def test_tensor_to_forms_match_torch():
    x = np.array([1.5, -2.0], np.float32)
    r, t = rp.tensor(x), torch.tensor(x)
    forms = [
        (lambda a, lib: a.to(lib.float64)),
        (lambda a, lib: a.to("cpu")),
        (lambda a, lib: a.to("cpu", lib.float64)),
        (lambda a, lib: a.to(device="cpu", dtype=lib.int64)),
        (lambda a, lib: a.to(lib.zeros(1, dtype=lib.float64))),
        (lambda a, lib: a.to(lib.device("cpu"), non_blocking=True)),
    ]
    for form in forms:
        ro, to = form(r, rp), form(t, torch)
        assert ro.dtype == to.numpy().dtype
        np.testing.assert_array_equal(ro.numpy(), to.numpy())
    assert r.to("cpu") is r and r.to(rp.float32) is r
    copied = r.to("cpu", copy=True)
    assert copied is not r and not np.shares_memory(copied.numpy(), r.numpy())
    with pytest.raises(TypeError, match="expected a dtype, a device or a Tensor"):
        r.to("float64x")


def test_module_to_device_and_dtype():
    m = nn.Linear(2, 3)
    w = m.weight
    assert m.to("cpu") is m and m.to(rp.device("cpu")) is m
    m.to("cpu", rp.float64)
    assert m.weight is w and w.dtype == np.float64
    m.to(device="cpu", dtype=rp.float32)
    assert w.dtype == np.float32
    m.to(rp.zeros(1, dtype=rp.float64))
    assert w.dtype == np.float64


# ---- dtypes and legacy types -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["float", "double", "half", "long", "int", "short", "bool"])
def test_short_dtype_names_match_torch(name):
    ours = getattr(rp, name)
    theirs = torch.zeros(1, dtype=getattr(torch, name)).numpy().dtype
    assert np.dtype(ours) == theirs
    assert rp.zeros(1, dtype=ours).dtype == theirs
    assert rp.float32 is np.float32 and rp.float64 is np.float64


def test_tensor_constructor_gives_float32_from_lists_as_torch():
    for data in ([1, 2], [True, False], [1.5, 2.5], [[1, 2], [3, 4]]):
        assert rp.Tensor(data).dtype == torch.Tensor(data).numpy().dtype == np.float32
    # NumPy integer arrays keep their kind (a documented difference from torch.Tensor)
    assert rp.Tensor(np.array([1, 2])).dtype == np.int64


@pytest.mark.parametrize(
    "name, dtype",
    [
        ("FloatTensor", np.float32),
        ("DoubleTensor", np.float64),
        ("LongTensor", np.int64),
        ("IntTensor", np.int32),
        ("BoolTensor", np.bool_),
        ("ByteTensor", np.uint8),
    ],
)
def test_legacy_tensor_types_match_torch(name, dtype):
    ours, theirs = getattr(rp, name), getattr(torch, name)
    r, t = ours([1, 0, 2]), theirs([1, 0, 2])
    assert r.dtype == t.numpy().dtype == dtype
    np.testing.assert_array_equal(r.numpy(), t.numpy())
    assert ours(2, 3).shape == tuple(theirs(2, 3).shape)
    assert isinstance(r, ours) and isinstance(r, rp.Tensor)
    assert isinstance(t, theirs)
    other = rp.FloatTensor if name != "FloatTensor" else rp.LongTensor
    assert not isinstance(r, other)
    assert r.type() == f"retroprop.{name}"
    assert rp.ones(2).type(f"torch.{name}").dtype == dtype
    assert rp.ones(2).type(ours).dtype == torch.ones(2).type(theirs).numpy().dtype


def test_type_type_as_and_as_tensor():
    x = rp.tensor([1.0, 2.0])
    assert x.type(rp.float64).dtype == np.float64
    assert x.type_as(rp.zeros(1, dtype=rp.int64)).dtype == np.int64
    t = torch.tensor([1.0, 2.0])
    assert t.type_as(torch.zeros(1, dtype=torch.int64)).dtype == torch.int64
    a = np.array([1.0, 2.0], np.float32)
    assert np.shares_memory(rp.as_tensor(a).numpy(), a)
    assert np.shares_memory(torch.as_tensor(a).numpy(), a)
    assert rp.as_tensor(x) is x and torch.as_tensor(t) is t
    assert rp.as_tensor([1, 2]).dtype == torch.as_tensor([1, 2]).numpy().dtype
    assert rp.as_tensor(a, dtype=rp.float64).dtype == np.float64


# ---- signatures ------------------------------------------------------------------------------


def test_randint_high_size_and_low_high_size():
    for lib in (rp, torch):
        lib.manual_seed(0)
        a = lib.randint(5, (200,))
        b = lib.randint(3, 7, (200,))
        c = lib.randint(low=3, high=7, size=(2, 2))
        assert a.dtype == b.dtype and tuple(c.shape) == (2, 2)
        assert set(np.unique(a.numpy())) == {0, 1, 2, 3, 4}
        assert set(np.unique(b.numpy())) == {3, 4, 5, 6}
    with pytest.raises(TypeError, match="randint: size is missing"):
        rp.randint(5)


def test_generator_argument_of_random_factories():
    g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
    np.testing.assert_array_equal(
        rp.rand(3, generator=g1).numpy(), rp.rand(3, generator=g2).numpy()
    )
    assert rp.randn(2, 2, generator=g1).shape == (2, 2)
    assert rp.randperm(4, generator=g1).dtype == np.int64


def test_format_of_zero_dim_tensors_matches_torch():
    for spec in ("+.2f", ".3e", "", "8.1f"):
        assert format(rp.tensor(1.25), spec) == format(torch.tensor(1.25), spec)
    assert f"{rp.tensor(3)}" == f"{torch.tensor(3)}"
    assert f"loss {rp.tensor(0.5):.4f}" == "loss 0.5000"
    with pytest.raises(TypeError, match="only 0-d tensors format as numbers"):
        format(rp.ones(2), ".2f")


def test_generator_must_be_a_numpy_generator():
    with pytest.raises(TypeError, match="randn: generator must be a numpy.random.Generator"):
        rp.randn(2, generator=torch.Generator())


def test_small_tensor_queries_match_torch():
    r, t = rp.ones(2, 3), torch.ones(2, 3)
    for name in ("nelement", "ndimension", "element_size", "is_contiguous"):
        assert getattr(r, name)() == getattr(t, name)(), name
    assert r.itemsize == t.itemsize and r.nbytes == t.nbytes
    assert r.T.is_contiguous() == t.T.is_contiguous() is False
    assert r.data_ptr() == r.data.data_ptr() == r.detach().data_ptr() != rp.ones(2, 3).data_ptr()
    assert r.share_memory_() is r
    assert rp.is_tensor(r) and not rp.is_tensor(r.numpy()) and torch.is_tensor(t)
    assert rp.numel(r) == torch.numel(t) and rp.is_floating_point(r) == torch.is_floating_point(t)
    assert rp.finfo(rp.float32).eps == torch.finfo(torch.float32).eps
    assert rp.iinfo(rp.int64).max == torch.iinfo(torch.int64).max


def test_switches_that_change_nothing_on_the_cpu():
    rp.use_deterministic_algorithms(True)
    assert rp.are_deterministic_algorithms_enabled()
    rp.use_deterministic_algorithms(False)
    rp.set_float32_matmul_precision("high")
    assert rp.get_float32_matmul_precision() == "high"
    rp.set_float32_matmul_precision("highest")
    with pytest.raises(ValueError, match="set_float32_matmul_precision"):
        rp.set_float32_matmul_precision("fast")
    model = nn.Linear(2, 2)
    assert rp.compile(model) is model and rp.compile(mode="max-autotune")(model) is model


def test_tensor_constructor_with_sizes_as_torch():
    for args in [(2, 3), (4, 1, 2), ()]:
        r, t = rp.Tensor(*args), torch.Tensor(*args)
        assert r.shape == tuple(t.shape) and r.dtype == t.numpy().dtype == np.float32
    # the custom-layer idiom: an uninitialised Parameter, then an init function
    w = nn.Parameter(rp.Tensor(3, 2))
    nn.init.uniform_(w, -0.1, 0.1)
    assert w.shape == (3, 2) and w.requires_grad and np.abs(w.detach().numpy()).max() <= 0.1
    assert rp.Tensor(2, 3, requires_grad=True).requires_grad
    assert rp.Tensor(5).shape == tuple(torch.Tensor(5).shape) == (5,)  # one size, as torch
    bias = nn.Parameter(rp.Tensor(4))  # the old custom-layer idiom for a bias
    assert bias.shape == (4,) and bias.dtype == np.float32
    assert rp.mul(2, 3).item() == 6 and rp.add(2.5, 1).item() == 3.5  # numbers still work
    with pytest.raises(TypeError, match="one data argument or integer sizes"):
        rp.Tensor([1.0], 2)


@pytest.mark.parametrize("name", ["sum", "mean", "cumsum", "softmax", "log_softmax"])
def test_tensor_methods_take_dtype_as_torch(name):
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    ours = getattr(rp.tensor(x), name)(1, dtype=rp.float64)
    theirs = getattr(torch.tensor(x), name)(1, dtype=torch.float64)
    assert ours.dtype == theirs.numpy().dtype == np.float64
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    assert rp.arange(4).sum(dtype=rp.float32).dtype == np.float32


def test_random_fills_integers_in_range_as_torch():
    for lib in (rp, torch):
        lib.manual_seed(0)
        assert set(np.unique(lib.zeros(500).random_(3).numpy())) == {0.0, 1.0, 2.0}
        values = lib.zeros(500, dtype=lib.int64).random_(2, 5).numpy()
        assert set(np.unique(values)) == {2, 3, 4} and values.dtype == np.int64
        half = lib.zeros(4000, dtype=lib.float16).random_().numpy()
        assert half.min() >= 0 and half.max() <= 2048 and np.all(half == np.round(half))
    assert rp.ones(2).pow(exponent=3).numpy().tolist() == [1.0, 1.0]
