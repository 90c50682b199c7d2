"""Names and signatures that public PyTorch tutorials and examples use, found by running them
on retroprop with only the import changed (docs/pytorch.md); each checked against torch 2.13."""

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import retroprop as rp
import retroprop.nn.functional as F

LEGACY = [  # (size_average, reduce) -> torch's reading
    (None, None),
    (False, None),
    (True, None),
    (None, False),
    (False, True),
    (True, False),
]


def _pair(rng, shape=(4, 3), low=-1.0, high=1.0):
    x = rng.uniform(low, high, shape)
    return rp.tensor(x, dtype=rp.float64, requires_grad=True), torch.tensor(x, requires_grad=True)


def _check(rp_out, torch_out, rp_x, torch_x):
    np.testing.assert_allclose(rp_out.detach().numpy(), torch_out.detach().numpy(), rtol=1e-10)
    rp_out.sum().backward()
    torch_out.sum().backward()
    np.testing.assert_allclose(rp_x.grad.numpy(), torch_x.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize("size_average, reduce", LEGACY)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss"])
def test_regression_losses_read_size_average_and_reduce_as_torch(name, size_average, reduce):
    rng = np.random.default_rng(0)
    (a, ta), (b, tb) = _pair(rng), _pair(rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = getattr(F, name)(a, b.detach(), size_average=size_average, reduce=reduce)
        ref = getattr(torch.nn.functional, name)(
            ta, tb.detach(), size_average=size_average, reduce=reduce
        )
    _check(out, ref, a, ta)


@pytest.mark.parametrize("size_average, reduce", LEGACY)
def test_binary_cross_entropies_read_legacy_reduction_as_torch(size_average, reduce):
    rng = np.random.default_rng(1)
    p, tp = _pair(rng, low=0.05, high=0.95)
    t = rng.uniform(0, 1, (4, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = F.binary_cross_entropy(p, rp.tensor(t, dtype=rp.float64), None, size_average, reduce)
        ref = TF.binary_cross_entropy(tp, torch.tensor(t), None, size_average, reduce)
    _check(out, ref, p, tp)
    z, tz = _pair(rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = F.binary_cross_entropy_with_logits(
            z, rp.tensor(t, dtype=rp.float64), size_average=size_average, reduce=reduce
        )
        ref = TF.binary_cross_entropy_with_logits(
            tz, torch.tensor(t), size_average=size_average, reduce=reduce
        )
    _check(out, ref, z, tz)


@pytest.mark.parametrize("size_average, reduce", LEGACY)
def test_class_losses_read_legacy_reduction_as_torch(size_average, reduce):
    rng = np.random.default_rng(2)
    y = np.array([0, 2, 1, 2])
    x, tx = _pair(rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = F.cross_entropy(x, rp.tensor(y), None, size_average, -100, reduce)
        ref = TF.cross_entropy(tx, torch.tensor(y), None, size_average, -100, reduce)
    _check(out, ref, x, tx)
    x, tx = _pair(rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = F.nll_loss(x, rp.tensor(y), size_average=size_average, reduce=reduce)
        ref = TF.nll_loss(tx, torch.tensor(y), size_average=size_average, reduce=reduce)
    _check(out, ref, x, tx)
    x, tx = _pair(rng, low=-3, high=-0.1)
    q = rng.dirichlet(np.ones(3), 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = F.kl_div(x, rp.tensor(q, dtype=rp.float64), size_average, reduce)
        ref = TF.kl_div(tx, torch.tensor(q), size_average, reduce)
    _check(out, ref, x, tx)


def test_legacy_reduction_warns_as_torch_and_plain_calls_do_not():
    x = rp.tensor([0.3, 0.6])
    t = rp.tensor([0.0, 1.0])
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        F.binary_cross_entropy(x, t, size_average=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.binary_cross_entropy(x, t, reduction="sum")


def test_legacy_reduction_keeps_a_float64_gradcheck():
    rng = np.random.default_rng(3)
    a = rp.tensor(rng.normal(size=(3, 2)), dtype=rp.float64, requires_grad=True)
    b = rp.tensor(rng.normal(size=(3, 2)), dtype=rp.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert rp.autograd.gradcheck(lambda u: F.mse_loss(u, b, size_average=False), (a,))


def test_dropout2d_on_a_2d_input_warns_and_drops_single_elements_as_torch():
    x = torch.ones(64, 32)
    with pytest.warns(UserWarning, match="Received a 2-D input to dropout2d"):
        TF.dropout2d(x, 0.5)
    rp.manual_seed(0)
    a = rp.ones(64, 32, requires_grad=True)
    with pytest.warns(UserWarning, match="Received a 2-D input to dropout2d"):
        y = F.dropout2d(a, 0.5, training=True)
    with pytest.warns(UserWarning, match="Received a 2-D input to dropout2d"):
        z = rp.nn.Dropout2d(0.5)(a)
    values = y.detach().numpy()
    assert set(np.unique(values)) == {0.0, 2.0}
    # torch drops elements independently: not whole rows or columns
    assert (values == 0).sum(axis=1).min() > 0 and (values == 0).sum(axis=1).max() < 32
    assert (values == 0).sum(axis=0).min() > 0 and (values == 0).sum(axis=0).max() < 64
    assert abs((values == 0).mean() - 0.5) < 0.05
    y.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), values)
    assert z.shape == (64, 32)


def test_accelerator_queries_answer_as_torch_without_an_accelerator():
    assert rp.accelerator.is_available() is torch.accelerator.is_available() is False
    assert rp.accelerator.device_count() == torch.accelerator.device_count() == 0
    assert rp.accelerator.current_accelerator() is torch.accelerator.current_accelerator()
    assert rp.accelerator.current_accelerator(check_available=True) is None
    with pytest.raises(RuntimeError, match="accelerator.current_device_index: retroprop runs"):
        rp.accelerator.current_device_index()
    use_accel = rp.accelerator.is_available()
    device = rp.accelerator.current_accelerator() if use_accel else rp.device("cpu")
    assert rp.zeros(2, device=device).device == rp.device("cpu")


def test_data_parallel_runs_the_module_and_keeps_torch_state_dict_keys():
    import retroprop.nn.parallel  # torch.nn.parallel's path, the same module

    assert retroprop.nn.parallel is rp.nn.parallel
    rp.manual_seed(0)
    inner = rp.nn.Linear(4, 3)
    net = rp.nn.DataParallel(inner, device_ids=[0, 1])
    ref = torch.nn.DataParallel(torch.nn.Linear(4, 3), device_ids=[0, 1])
    assert list(net.state_dict()) == list(ref.state_dict()) == ["module.weight", "module.bias"]
    assert net.device_ids == ref.device_ids == []
    ref.load_state_dict({k: torch.tensor(v.numpy()) for k, v in net.state_dict().items()})
    x = np.random.default_rng(4).normal(size=(5, 4)).astype(np.float32)
    out, expected = net(rp.tensor(x)), ref(torch.tensor(x))
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-6)
    with pytest.raises(RuntimeError, match="device type could not be determined"):
        torch.nn.parallel.data_parallel(ref.module, torch.tensor(x), range(2))
    with pytest.raises(RuntimeError, match="nn.parallel.data_parallel: retroprop runs on the CPU"):
        rp.nn.parallel.data_parallel(inner, rp.tensor(x), range(2))
    out.sum().backward()
    expected.sum().backward()
    np.testing.assert_allclose(inner.weight.grad.numpy(), ref.module.weight.grad.numpy())


def test_onnx_is_importable_and_export_says_to_save_the_state_dict():
    import retroprop.onnx

    with pytest.raises(NotImplementedError, match=r"onnx.export: .*Linear.*state_dict"):
        retroprop.onnx.export(rp.nn.Linear(2, 2), rp.zeros(1, 2), "model.onnx")


def test_linear_takes_device_and_dtype_in_torch_positions():
    # a subclass forwarding PyTorch's positional factory arguments (examples/mnist_forward_forward)
    class Layer(rp.nn.Linear):
        def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
            super().__init__(in_features, out_features, bias, device, dtype)

    layer = Layer(4, 3, True, "cpu", rp.float64)
    ref = torch.nn.Linear(4, 3, True, "cpu", torch.float64)
    assert layer.weight.dtype == np.float64 and layer.weight.device == rp.device("cpu")
    assert rp.nn.Linear(2, 2, device=rp.device("cpu")).bias.shape == (2,)
    assert tuple(ref.weight.shape) == layer.weight.shape
    with pytest.raises(RuntimeError, match="Linear: retroprop runs on the CPU only"):
        rp.nn.Linear(2, 2, device="cuda")


@pytest.mark.parametrize(
    "args, kwargs, low, high",
    [
        ((10,), {"size": (3,)}, 0, 10),  # examples/mnist_forward_forward
        ((), {"high": 10, "size": (2,)}, 0, 10),
        ((2, 5), {"size": (4,)}, 2, 5),
        ((), {"low": 2, "high": 5, "size": (4,)}, 2, 5),
        ((10, (3,)), {}, 0, 10),
        ((2, 5, (4,)), {}, 2, 5),
    ],
)
def test_randint_takes_its_arguments_positionally_or_by_keyword_as_torch(args, kwargs, low, high):
    ours, theirs = rp.randint(*args, **kwargs), torch.randint(*args, **kwargs)
    assert ours.shape == tuple(theirs.shape) and ours.dtype == theirs.numpy().dtype
    values = np.concatenate([rp.randint(*args, **kwargs).numpy() for _ in range(50)])
    assert values.min() == low and values.max() == high - 1


def test_randint_without_high_says_so():
    with pytest.raises(TypeError, match="randint: high is missing"):
        rp.randint(size=(2,))
    with pytest.raises(TypeError):
        torch.randint(size=(2,))


def test_tensor_device_flags_as_torch_on_the_cpu():
    ours, theirs = rp.ones(2), torch.ones(2)
    for flag in ("is_cpu", "is_cuda", "is_xpu", "is_mps", "is_meta"):
        assert getattr(ours, flag) is getattr(theirs, flag), flag


def _modules_with_device():
    import inspect

    names = []
    for name, obj in vars(rp.nn).items():
        theirs = getattr(torch.nn, name, None)
        ours_is_module = inspect.isclass(obj) and issubclass(obj, rp.nn.Module)
        takes_device = inspect.isclass(theirs) and "device" in inspect.signature(theirs).parameters
        if ours_is_module and takes_device:
            names.append(name)
    return sorted(names)


MODULE_ARGS = {
    "Bilinear": (3, 2, 4),
    "Conv1d": (2, 3, 3),
    "Conv2d": (2, 3, 3),
    "ConvTranspose1d": (2, 3, 3),
    "ConvTranspose2d": (2, 3, 3),
    "Embedding": (5, 3),
    "GroupNorm": (2, 4),
    "LayerNorm": (4,),
    "MultiheadAttention": (4, 2),
    "PReLU": (),
    "Transformer": (8, 2, 1, 1, 16),
    "TransformerDecoderLayer": (8, 2, 16),
    "TransformerEncoderLayer": (8, 2, 16),
}


@pytest.mark.parametrize("name", _modules_with_device())
def test_every_module_takes_device_where_torch_does(name):
    import inspect

    ours = list(inspect.signature(getattr(rp.nn, name).__init__).parameters)
    theirs = list(inspect.signature(getattr(torch.nn, name).__init__).parameters)
    assert "device" in ours
    if "dtype" in theirs:  # device right before dtype, as in torch
        assert ours.index("dtype") == ours.index("device") + 1
        assert theirs.index("dtype") == theirs.index("device") + 1
    args = MODULE_ARGS.get(name, (4, 3))
    for device in ("cpu", rp.device("cpu"), None):
        module = getattr(rp.nn, name)(*args, device=device)
        assert all(p.device == rp.device("cpu") for p in module.parameters())
    with pytest.raises(RuntimeError, match=f"{name}: retroprop runs on the CPU only"):
        getattr(rp.nn, name)(*args, device="cuda")
