"""Module, Parameter and the containers: registration, traversal, state_dict round trips with
PyTorch, strict loading errors, shared parameters, deepcopy, modes, dtype, hooks, repr."""

import copy
from collections import OrderedDict

import numpy as np
import pytest
import torch

import retroprop as rp
import retroprop.nn as nn


def _pair(lib):
    """The same nested model in retroprop (lib=nn) and PyTorch (lib=torch.nn)."""

    class Block(lib.Module):
        def __init__(self):
            super().__init__()
            self.fc = lib.Linear(4, 4)
            self.register_buffer("running", (rp if lib is nn else torch).zeros(4))
            self.register_buffer("scratch", (rp if lib is nn else torch).ones(2), persistent=False)

        def forward(self, x):
            return self.fc(x) + self.running

    class Net(lib.Module):
        def __init__(self):
            super().__init__()
            self.stem = lib.Sequential(lib.Linear(3, 4), lib.Sequential(Block(), lib.Linear(4, 4)))
            self.blocks = lib.ModuleList([Block(), lib.Linear(4, 5)])
            self.heads = lib.ModuleDict({"a": lib.Linear(5, 2), "b": lib.Linear(5, 1, bias=False)})

        def forward(self, x):
            h = self.blocks[1](self.blocks[0](self.stem(x)))
            return self.heads["a"](h), self.heads["b"](h)

    return Net()


def _to_numpy(state):
    return {
        k: v.detach().numpy() if isinstance(v, torch.Tensor) else v.numpy()
        for k, v in state.items()
    }


def test_state_dict_keys_and_shapes_match_torch_for_nested_containers():
    rp_sd, t_sd = _pair(nn).state_dict(), _pair(torch.nn).state_dict()
    assert isinstance(rp_sd, OrderedDict)
    assert list(rp_sd) == list(t_sd)
    assert [tuple(v.shape) for v in rp_sd.values()] == [tuple(v.shape) for v in t_sd.values()]
    assert "stem.1.0.scratch" not in rp_sd


def test_named_modules_parameters_buffers_match_torch():
    r, t = _pair(nn), _pair(torch.nn)
    assert [n for n, _ in r.named_modules()] == [n for n, _ in t.named_modules()]
    assert [n for n, _ in r.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in r.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert [n for n, _ in r.named_children()] == [n for n, _ in t.named_children()]
    assert [n for n, _ in r.named_parameters(prefix="m", recurse=False)] == []
    assert len(list(r.stem[0].parameters(recurse=False))) == 2


def test_state_dict_round_trip_with_torch_gives_same_outputs():
    torch.manual_seed(0)
    r, t = _pair(nn), _pair(torch.nn)
    with torch.no_grad():
        for b in t.buffers():
            b.normal_()
    # torch -> retroprop through NumPy arrays, and directly from torch tensors
    r.load_state_dict(_to_numpy(t.state_dict()))
    x = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    for a, b in zip(r(rp.tensor(x)), t(torch.tensor(x))):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)
    r2 = _pair(nn)
    r2.load_state_dict(t.state_dict())
    np.testing.assert_array_equal(
        r2(rp.tensor(x))[0].detach().numpy(), r(rp.tensor(x))[0].detach().numpy()
    )
    # retroprop -> torch
    t2 = _pair(torch.nn)
    t2.load_state_dict(
        {k: torch.from_numpy(v.copy()) for k, v in _to_numpy(r.state_dict()).items()}
    )
    np.testing.assert_allclose(
        t2(torch.tensor(x))[1].detach().numpy(),
        r(rp.tensor(x))[1].detach().numpy(),
        rtol=1e-5,
        atol=1e-6,
    )


def test_load_state_dict_copies_in_place_and_casts_to_the_parameter_dtype():
    m = nn.Linear(3, 2)
    weight = m.weight
    m.load_state_dict({"weight": np.ones((2, 3)), "bias": np.zeros(2)})
    assert m.weight is weight and m.weight.dtype == np.float32
    np.testing.assert_array_equal(m.weight.detach().numpy(), np.ones((2, 3)))


def test_state_dict_shares_memory_but_is_detached():
    m = nn.Linear(3, 2)
    sd = m.state_dict()
    assert not sd["weight"].requires_grad and type(sd["weight"]) is rp.Tensor
    assert np.shares_memory(sd["weight"].detach().numpy(), m.weight.detach().numpy())
    assert m.state_dict(keep_vars=True)["weight"] is m.weight
    assert list(m.state_dict(prefix="fc.")) == ["fc.weight", "fc.bias"]


def test_strict_load_lists_missing_unexpected_and_mismatched_keys():
    m = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    sd = {k: v.numpy() for k, v in m.state_dict().items()}
    del sd["1.bias"]
    sd["1.extra"] = np.zeros(1)
    sd["0.weight"] = np.zeros((5, 3))
    with pytest.raises(RuntimeError) as err:
        m.load_state_dict(sd)
    msg = str(err.value)
    assert "Sequential" in msg
    assert 'Missing key(s) in state_dict: "1.bias"' in msg
    assert 'Unexpected key(s) in state_dict: "1.extra"' in msg
    assert "size mismatch for 0.weight" in msg and "(5, 3)" in msg and "(4, 3)" in msg


def test_non_strict_load_returns_keys_and_size_mismatch_still_raises():
    m = nn.Sequential(nn.Linear(3, 4))
    result = m.load_state_dict({"0.weight": np.zeros((4, 3)), "zzz": np.zeros(1)}, strict=False)
    assert result.missing_keys == ["0.bias"] and result.unexpected_keys == ["zzz"]
    np.testing.assert_array_equal(m[0].weight.detach().numpy(), 0)
    with pytest.raises(RuntimeError, match="size mismatch for 0.bias"):
        m.load_state_dict({"0.bias": np.zeros(3)}, strict=False)
    with pytest.raises(RuntimeError, match="expected a Tensor or an array"):
        m.load_state_dict({"0.weight": "abc", "0.bias": np.zeros(4)})
    with pytest.raises(TypeError, match="expected a mapping"):
        m.load_state_dict([1, 2])


def test_load_from_state_dict_can_be_overridden_to_adapt_old_checkpoints():
    class Counter(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("count", rp.tensor(5))

        def _load_from_state_dict(self, state_dict, prefix, *args):
            if prefix + "count" not in state_dict:
                state_dict = {**state_dict, prefix + "count": np.array(0)}
            super()._load_from_state_dict(state_dict, prefix, *args)

    m = nn.Sequential(Counter())
    m.load_state_dict({})
    assert m[0].count.item() == 0 and m[0].count.dtype == np.int64


def test_shared_parameter_is_counted_once_like_torch():
    def build(lib):
        a, b = lib.Linear(3, 3), lib.Linear(3, 3)
        b.weight = a.weight
        return lib.Sequential(a, b, a)

    r, t = build(nn), build(torch.nn)
    assert [n for n, _ in r.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert sum(p.numel() for p in r.parameters()) == sum(p.numel() for p in t.parameters())
    assert list(r.state_dict()) == list(t.state_dict())
    assert len(list(r.named_parameters(remove_duplicate=False))) == 6
    assert len(list(r.modules())) == 3


def test_deepcopy_is_independent_and_keeps_sharing_inside_the_copy():
    a = nn.Linear(3, 3)
    m = nn.Sequential(a, a, nn.Linear(3, 1))
    m.register_buffer("stat", rp.zeros(2))
    c = copy.deepcopy(m)
    assert c[0] is c[1] and c[0] is not a
    with rp.no_grad():
        c[0].weight.fill_(7.0)
        c.stat.fill_(1.0)
    assert not np.any(a.weight.detach().numpy() == 7.0) and not np.any(m.stat.detach().numpy())
    assert isinstance(c[0].weight, nn.Parameter) and c[0].weight.requires_grad
    x = rp.randn(2, 3)
    np.testing.assert_array_equal(copy.deepcopy(m)(x).detach().numpy(), m(x).detach().numpy())


def test_train_eval_propagate_to_every_submodule():
    m = _pair(nn)
    assert all(mod.training for mod in m.modules())
    assert m.eval() is m
    assert not any(mod.training for mod in m.modules())
    m.train()
    assert all(mod.training for mod in m.modules())
    with pytest.raises(ValueError, match="bool"):
        m.train("no")


def test_to_double_converts_in_place_keeping_parameter_identity():
    m = nn.Sequential(nn.Linear(3, 2))
    m.register_buffer("steps", rp.tensor(3))
    m.register_buffer("mean", rp.zeros(2))
    params = list(m.parameters())
    m(rp.randn(4, 3)).sum().backward()
    assert m.double() is m
    assert all(a is b for a, b in zip(params, m.parameters()))
    assert all(p.dtype == np.float64 and p.grad.dtype == np.float64 for p in m.parameters())
    assert m.mean.dtype == np.float64 and m.steps.dtype == np.int64
    assert m(rp.randn(4, 3, dtype=rp.float64)).dtype == np.float64
    m.to(rp.float32)
    assert m[0].weight.dtype == np.float32
    assert m.to("cpu") is m and m.float() is m
    with pytest.raises(TypeError, match="floating point"):
        m.to(np.int64)


def test_zero_grad_sets_none_by_default_or_zeros_in_place():
    m = nn.Linear(3, 2)
    m(rp.randn(4, 3)).sum().backward()
    grad = m.weight.grad
    m.zero_grad(set_to_none=False)
    assert m.weight.grad is grad and not np.any(grad.numpy())
    m.zero_grad()
    assert m.weight.grad is None and m.bias.grad is None


def test_requires_grad_toggles_every_parameter():
    m = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 2))
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())
    m[1].requires_grad_()
    assert [p.requires_grad for p in m.parameters()] == [False, False, True, True]


def test_forward_hooks_can_modify_input_and_output_and_be_removed():
    m = nn.Identity()
    calls = []
    pre = m.register_forward_pre_hook(lambda mod, args: args[0] * 2)
    post = m.register_forward_hook(lambda mod, args, out: calls.append((mod, out.item())))
    assert m(rp.tensor(3.0)).item() == 6.0 and calls == [(m, 6.0)]
    replace = m.register_forward_hook(lambda mod, args, out: out + 1)
    assert m(rp.tensor(1.0)).item() == 3.0
    pre.remove()
    post.remove()
    with replace:
        assert m(rp.tensor(1.0)).item() == 2.0
    assert m(rp.tensor(1.0)).item() == 1.0 and len(calls) == 2


def test_repr_matches_torch():
    def build(lib):
        return lib.Sequential(
            lib.Linear(3, 4),
            lib.Sequential(lib.Flatten(), lib.Identity()),
            lib.ModuleDict({"head": lib.Linear(4, 2, bias=False)}),
            lib.ModuleList([lib.Unflatten(1, (2, 1))]),
        )

    assert repr(build(nn)) == repr(build(torch.nn))
    assert repr(nn.Module()) == "Module()"


def test_multi_line_extra_repr_is_indented():
    class Odd(nn.Module):
        def extra_repr(self):
            return "a=1\nb=2"

    assert repr(Odd()) == "Odd(\n  a=1\n  b=2\n)"


def test_apply_visits_children_before_parent():
    m = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Identity()))
    seen = []
    assert m.apply(lambda mod: seen.append(type(mod).__name__)) is m
    assert seen == ["Linear", "Identity", "Sequential", "Sequential"]


def test_attribute_registration_and_deletion():
    m = nn.Module()
    m.w = nn.Parameter(rp.ones(2))
    m.sub = nn.Linear(2, 2)
    m.register_buffer("buf", rp.zeros(1))
    m.plain = rp.ones(1)
    assert list(m._parameters) == ["w"] and list(m._modules) == ["sub"]
    assert list(m._buffers) == ["buf"] and "plain" not in m.state_dict()
    m.buf = rp.ones(1)
    assert m.state_dict()["buf"].item() == 1.0
    m.w = None
    assert list(m.parameters()) == list(m.sub.parameters())
    del m.sub
    assert list(m.children()) == [] and "weight" in dir(nn.Linear(1, 1))
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'sub'"):
        m.sub  # noqa: B018


def test_registration_errors_name_the_problem():
    m = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'weight'"):
        m.weight = rp.ones(2, 2)
    m.act = nn.Identity()
    with pytest.raises(TypeError, match="cannot assign 'int' as child module 'act'"):
        m.act = 3
    with pytest.raises(TypeError, match="nn.Module or None required"):
        nn.Sequential(nn.Identity())[0] = 3
    with pytest.raises(KeyError, match="attribute 'weight' already exists"):
        m.add_module("weight", nn.Identity())
    with pytest.raises(KeyError, match="attribute 'bias' already exists"):
        m.register_buffer("bias", rp.ones(1))
    with pytest.raises(KeyError, match="empty or contain"):
        m.register_buffer("a.b", rp.ones(1))
    with pytest.raises(TypeError, match="Tensor or None required"):
        m.register_buffer("b", np.ones(1))
    with pytest.raises(TypeError, match="nn.Parameter or None required"):
        m.register_parameter("p", rp.ones(1))

    class NoInit(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match=r"before Module.__init__\(\) call"):
        NoInit()
    with pytest.raises(NotImplementedError, match=r'\[Module\] is missing the required "forward"'):
        nn.Module()(1)


def test_get_submodule_parameter_and_buffer():
    m = _pair(nn)
    assert m.get_submodule("stem.1.0") is m.stem[1][0]
    assert m.get_parameter("heads.a.weight") is m.heads["a"].weight
    assert m.get_buffer("blocks.0.running") is m.blocks[0].running
    with pytest.raises(AttributeError, match="no submodule 'nope'"):
        m.get_submodule("stem.nope")
    with pytest.raises(AttributeError, match="no parameter 'bias'"):
        m.get_parameter("heads.b.bias")


def test_parameter_wraps_tensors_and_arrays():
    p = nn.Parameter(rp.ones(2, dtype=rp.float64))
    assert p.dtype == np.float64 and p.requires_grad and p.is_leaf
    assert nn.Parameter(np.zeros(3)).dtype == np.float32
    assert nn.Parameter().shape == (0,)
    assert not nn.Parameter(rp.ones(1), requires_grad=False).requires_grad
    assert repr(nn.Parameter(rp.ones(2))) == str(torch.nn.Parameter(torch.ones(2)))
    y = p * 2
    assert type(y) is rp.Tensor and not y.is_leaf
    with pytest.raises(TypeError, match="only floating point"):
        nn.Parameter(rp.tensor([1, 2]))


def test_sequential_indexing_slicing_and_editing_like_torch():
    def build(lib):
        return lib.Sequential(lib.Linear(1, 2), lib.Linear(2, 3), lib.Linear(3, 4))

    r, t = build(nn), build(torch.nn)
    assert r[-1] is list(r)[2] and len(r) == 3
    sub = r[1:]
    assert isinstance(sub, nn.Sequential) and list(sub.state_dict()) == list(t[1:].state_dict())
    assert sub(rp.randn(5, 2)).shape == (5, 4)
    for m in (r, t):
        del m[0]
        m.append(type(m[0])(4, 5))
        m.insert(1, type(m[0])(3, 3))
    assert list(r.state_dict()) == list(t.state_dict())
    named = nn.Sequential(OrderedDict([("enc", nn.Linear(2, 3)), ("dec", nn.Linear(3, 2))]))
    assert named.enc is named[0] and list(named._modules) == ["enc", "dec"]
    with pytest.raises(IndexError, match="index 3 is out of range"):
        named[3]


def test_module_list_and_module_dict_behave_like_torch():
    def build(lib):
        ml = lib.ModuleList([lib.Linear(1, 1)])
        ml.append(lib.Linear(1, 2))
        ml.extend([lib.Linear(2, 2), lib.Linear(2, 3)])
        ml.insert(0, lib.Identity())
        del ml[2]
        ml += [lib.Linear(3, 3)]
        md = lib.ModuleDict({"x": lib.Linear(1, 1)})
        md["y"] = lib.Linear(1, 2)
        md.update([("z", lib.Linear(2, 2))])
        del md["x"]
        return lib.ModuleDict({"list": ml, "dict": md})

    r, t = build(nn), build(torch.nn)
    assert list(r.state_dict()) == list(t.state_dict())
    ml, md = r["list"], r["dict"]
    assert len(ml) == 5 and isinstance(ml[1:3], nn.ModuleList) and ml[-1] is list(ml)[-1]
    assert list(md) == ["y", "z"] and "y" in md and list(md.keys()) == ["y", "z"]
    assert md.pop("y") is not None and len(md) == 1
    with pytest.raises(TypeError, match="iterable of modules"):
        ml.extend(nn.Linear(1, 1))
    with pytest.raises(TypeError, match="indices must be integers"):
        ml["a"]
