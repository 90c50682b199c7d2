"""Optimisers: step-by-step parity with torch.optim, state_dict round trips, argument checks."""

from __future__ import annotations

import json

import numpy as np
import pytest
import safetensors.numpy
import torch

import retroprop as rp
from retroprop import optim

_rng = np.random.default_rng(0)
X = _rng.standard_normal((16, 5))
Y = _rng.standard_normal((16, 3))
_M = _rng.standard_normal((6, 6))
A = _M @ _M.T / 6 + np.eye(6)  # a positive definite quadratic
B = _rng.standard_normal(6)
INIT = [
    _rng.standard_normal((8, 5)) * 0.5,  # W1
    _rng.standard_normal(8) * 0.1,  # b1
    _rng.standard_normal((3, 8)) * 0.5,  # W2
    _rng.standard_normal(3) * 0.1,  # b2
    _rng.standard_normal(6),  # q, of the quadratic
    _rng.standard_normal((2, 2)),  # never gets a gradient
]


def gradients(ws: list[np.ndarray]) -> list[np.ndarray | None]:
    """Gradients of a small tanh MLP's squared error plus 0.5 q'Aq - b'q, in the ws' dtype."""
    W1, b1, W2, b2, q = (w.astype(np.float64) for w in ws[:5])
    h = np.tanh(X @ W1.T + b1)
    d_out = 2 * (h @ W2.T + b2 - Y) / len(X)
    d_pre = (d_out @ W2) * (1 - h**2)
    gs = [d_pre.T @ X, d_pre.sum(0), d_out.T @ h, d_out.sum(0), A @ q - B]
    return [g.astype(ws[0].dtype) for g in gs] + [None]


CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "weight_decay": 0.05, "nesterov": True}),
    ("SGD", {"lr": 0.05, "momentum": 0.5, "maximize": True}),
    ("Adam", {"lr": 0.05}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("Adam", {"lr": 0.05, "maximize": True}),
    ("Adam", {"lr": 0.03, "betas": (0.8, 0.99), "eps": 1e-6, "amsgrad": True, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.2, "decoupled_weight_decay": True}),
    ("AdamW", {"lr": 0.05}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True, "maximize": True}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9}),
    ("RMSprop", {"lr": 0.01, "centered": True}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "maximize": True}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.1, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.1, "eps": 1e-5}),
    ("Adagrad", {"lr": 0.1, "maximize": True}),
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.5, "eps": 1e-4}),
    ("Adadelta", {"weight_decay": 0.1, "maximize": True}),
    ("Adamax", {"lr": 0.05}),
    ("Adamax", {"lr": 0.05, "betas": (0.8, 0.9), "weight_decay": 0.1}),
    ("Adamax", {"lr": 0.05, "eps": 1e-3, "maximize": True}),
]
NAMES = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax"]
# one option set per optimiser that fills every kind of state it has
RICH = {
    "SGD": {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
    "Adam": {"lr": 0.05, "amsgrad": True, "weight_decay": 0.01},
    "AdamW": {"lr": 0.05, "amsgrad": True},
    "RMSprop": {"lr": 0.01, "centered": True, "momentum": 0.9},
    "Adagrad": {"lr": 0.1, "lr_decay": 0.05},
    "Adadelta": {"rho": 0.8},
    "Adamax": {"lr": 0.05, "weight_decay": 0.01},
}


def _groups(params: list, split: bool, options: dict) -> list:
    """All parameters in one group, or two groups, the second with its own options."""
    if not split:
        return params
    return [{"params": params[:2]}, {"params": params[2:], **options}]


def _signed(opt, params: list, data: list[np.ndarray]) -> list[np.ndarray | None]:
    """``gradients(data)``, negated for the parameters of maximising groups."""
    maximized = {id(p) for g in opt.param_groups if g["maximize"] for p in g["params"]}
    return [
        -g if g is not None and id(p) in maximized else g for p, g in zip(params, gradients(data))
    ]


class Pair:
    """The same optimiser in retroprop and in torch, on the same initial parameters."""

    def __init__(self, name: str, kw: dict, dtype=np.float32, split=False, options=None):
        self.rp_params = [rp.Tensor(a.astype(dtype), dtype=dtype, requires_grad=True) for a in INIT]
        self.t_params = [torch.tensor(a.astype(dtype), requires_grad=True) for a in INIT]
        options = options or {}
        self.rp_opt = getattr(optim, name)(_groups(self.rp_params, split, options), **kw)
        self.t_opt = getattr(torch.optim, name)(_groups(self.t_params, split, options), **kw)

    def step(self) -> list[np.ndarray]:
        """One step of both; returns copies of the gradients fed to retroprop.

        Where a group maximises, the gradient is negated, so that maximising -loss minimises
        the loss: the run stays bounded and both libraries stay within rounding of each other.
        """
        rp_grads = _signed(
            self.rp_opt, self.rp_params, [p.detach().numpy() for p in self.rp_params]
        )
        for p, g in zip(self.rp_params, rp_grads):
            p.grad = None if g is None else rp.Tensor(g, dtype=g.dtype)
        t_data = [p.detach().numpy() for p in self.t_params]
        for p, g in zip(self.t_params, _signed(self.t_opt, self.t_params, t_data)):
            p.grad = None if g is None else torch.tensor(g)
        self.rp_opt.step()
        self.t_opt.step()
        return [None if g is None else g.copy() for g in rp_grads]

    def assert_close(self, rtol: float, atol: float, what: str) -> None:
        for i, (r, t) in enumerate(zip(self.rp_params, self.t_params)):
            np.testing.assert_allclose(
                r.detach().numpy(),
                t.detach().numpy(),
                rtol=rtol,
                atol=atol,
                err_msg=f"{what}: param {i}",
            )


@pytest.mark.parametrize("name,kw", CASES, ids=[f"{n}-{kw}" for n, kw in CASES])
def test_steps_match_torch_float32(name: str, kw: dict) -> None:
    pair = Pair(name, kw)
    arrays = [p.detach().numpy() for p in pair.rp_params]
    for step in range(20):
        fed = pair.step()
        pair.assert_close(1e-5, 1e-6, f"step {step}")
        for p, g in zip(pair.rp_params, fed):
            if g is not None:
                np.testing.assert_array_equal(
                    p.grad.numpy(), g, err_msg="the gradient was modified"
                )
    for p, a in zip(pair.rp_params, arrays):
        assert p.detach().numpy() is a and p.detach().numpy().dtype == np.float32
    np.testing.assert_array_equal(pair.rp_params[-1].detach().numpy(), INIT[-1].astype(np.float32))


@pytest.mark.parametrize("name", NAMES)
def test_steps_match_torch_float64(name: str) -> None:
    pair = Pair(name, RICH[name], dtype=np.float64)
    for step in range(20):
        pair.step()
        pair.assert_close(1e-10, 1e-12, f"step {step}")
    assert all(p.detach().numpy().dtype == np.float64 for p in pair.rp_params)


@pytest.mark.parametrize("name", NAMES)
def test_state_matches_torch_state_dict(name: str) -> None:
    pair = Pair(name, RICH[name])
    for _ in range(5):
        pair.step()
    ours, theirs = pair.rp_opt.state_dict(), pair.t_opt.state_dict()
    assert sorted(ours["state"]) == sorted(theirs["state"])
    for i, state in theirs["state"].items():
        assert set(ours["state"][i]) == set(state), f"state keys of param {i}"
        for key, value in state.items():
            np.testing.assert_allclose(
                np.asarray(ours["state"][i][key]), value.numpy(), rtol=1e-5, atol=1e-7
            )
    assert [g["params"] for g in ours["param_groups"]] == [
        g["params"] for g in theirs["param_groups"]
    ]
    for ours_g, theirs_g in zip(ours["param_groups"], theirs["param_groups"]):
        for key, value in ours_g.items():
            assert theirs_g[key] == (list(value) if key == "params" else value), key


@pytest.mark.parametrize("name", NAMES)
def test_param_groups_with_their_own_options_match_torch(name: str) -> None:
    options = {"lr": 0.02, "weight_decay": 0.1, "maximize": True}
    pair = Pair(name, RICH[name], split=True, options=options)
    for step in range(10):
        pair.step()
        pair.assert_close(1e-5, 1e-6, f"step {step}")
    extra = INIT[0][:2, :3] + 1.0
    rp_extra = rp.Tensor(extra, requires_grad=True)
    t_extra = torch.tensor(extra.astype(np.float32), requires_grad=True)
    pair.rp_opt.add_param_group({"params": [rp_extra], "lr": 0.01})
    pair.t_opt.add_param_group({"params": [t_extra], "lr": 0.01})
    for _ in range(10):
        pair.step()
        rp_extra.grad = rp.Tensor(np.sin(rp_extra.detach().numpy()))
        t_extra.grad = torch.tensor(np.sin(t_extra.detach().numpy()))
        pair.rp_opt.step()
        pair.t_opt.step()
        pair.assert_close(1e-5, 1e-6, "after add_param_group")
        np.testing.assert_allclose(
            rp_extra.detach().numpy(), t_extra.detach().numpy(), rtol=1e-5, atol=1e-6
        )


def _save_and_load(state_dict: dict) -> dict:
    """Through safetensors (the arrays) and JSON (the rest), as a checkpoint would go."""
    arrays = {}
    rest = {"state": {}, "param_groups": state_dict["param_groups"]}
    for i, state in state_dict["state"].items():
        rest["state"][i] = {}
        for key, value in state.items():
            if isinstance(value, np.ndarray):
                arrays[f"{i}.{key}"] = value
            else:
                rest["state"][i][key] = value
    loaded_arrays = safetensors.numpy.load(safetensors.numpy.save(arrays))
    loaded = json.loads(json.dumps(rest))
    for name, value in loaded_arrays.items():
        i, key = name.split(".")
        loaded["state"][i][key] = value
    return loaded


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_round_trip_continues_identically(name: str) -> None:
    pair = Pair(name, RICH[name], split=True, options={"lr": 0.02})
    for _ in range(8):
        pair.step()
    saved = pair.rp_opt.state_dict()
    snapshot = _save_and_load(saved)
    params = [rp.Tensor(p.detach().numpy().copy(), requires_grad=True) for p in pair.rp_params]
    other = getattr(optim, name)(_groups(params, True, {"lr": 0.5}), lr=0.3)
    other.load_state_dict(snapshot)
    assert other.param_groups[1]["lr"] == 0.02
    for _ in range(8):
        pair.step()
        for p, g in zip(params, gradients([p.detach().numpy() for p in params])):
            p.grad = None if g is None else rp.Tensor(g, dtype=g.dtype)
        other.step()
        for a, b in zip(pair.rp_params, params):
            np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    # the saved dict is a snapshot: later steps did not change it
    for i, state in _save_and_load(saved)["state"].items():
        for key, value in state.items():
            np.testing.assert_array_equal(value, snapshot["state"][i][key])


def test_load_torch_state_dict_then_continue_as_torch() -> None:
    pair = Pair("Adam", RICH["Adam"])
    for _ in range(5):
        pair.step()
    params = [rp.Tensor(p.detach().numpy().copy(), requires_grad=True) for p in pair.t_params]
    ours = optim.Adam(params)
    ours.load_state_dict(pair.t_opt.state_dict())
    pair.rp_params, pair.rp_opt = params, ours
    for step in range(5):
        pair.step()
        pair.assert_close(1e-5, 1e-6, f"step {step}")


def test_float32_stays_float32_with_numpy_float64_hyperparameters() -> None:
    p = rp.Tensor(np.ones(4, dtype=np.float32), requires_grad=True)
    array = p.detach().numpy()
    opt = optim.Adam([{"params": [p], "lr": np.float64(0.1), "betas": np.array([0.9, 0.99])}])
    for _ in range(3):
        p.grad = rp.Tensor(np.full(4, 0.5, dtype=np.float32))
        opt.step()
    assert p.detach().numpy() is array and p.detach().numpy().dtype == np.float32
    assert all(v.dtype == np.float32 for v in opt.state[p].values() if isinstance(v, np.ndarray))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_zero_grad_never_writes_into_a_shared_gradient(dtype) -> None:
    p = rp.Tensor(np.ones(3), dtype=dtype, requires_grad=True)
    q = rp.Tensor(np.ones(3), dtype=dtype, requires_grad=True)
    shared = np.array([1.0, 2.0, 3.0], dtype=dtype)
    p.grad, q.grad = rp.Tensor(shared, dtype=dtype), rp.Tensor(shared, dtype=dtype)
    opt = optim.SGD([p])
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(p.grad.numpy(), np.zeros(3))
    assert p.grad.numpy().dtype == dtype
    np.testing.assert_array_equal(q.grad.numpy(), [1.0, 2.0, 3.0])
    opt.zero_grad()
    assert p.grad is None and q.grad is not None


def test_step_runs_the_closure_with_gradients_enabled_and_returns_its_loss() -> None:
    p = rp.Tensor(np.array([2.0, -1.0]), requires_grad=True)
    opt = optim.SGD([p], lr=0.5)
    seen = []

    def closure() -> float:
        seen.append(rp.is_grad_enabled())
        p.grad = rp.Tensor(2 * p.detach().numpy())
        return float((p.detach().numpy() ** 2).sum())

    with rp.no_grad():
        loss = opt.step(closure)
    assert loss == 5.0 and seen == [True]
    np.testing.assert_allclose(p.detach().numpy(), [0.0, 0.0])
    assert opt.step() is None


def test_step_invalidates_a_graph_that_saved_the_parameter() -> None:
    p = rp.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = p * p
    p.grad = rp.Tensor(np.ones(2))
    optim.SGD([p], lr=0.1).step()
    with pytest.raises(RuntimeError, match="in-place"):
        y.backward(np.ones(2))


def test_adagrad_state_exists_before_the_first_step_as_torch() -> None:
    pair = Pair("Adagrad", {"initial_accumulator_value": 0.5})
    ours, theirs = pair.rp_opt.state_dict(), pair.t_opt.state_dict()
    assert sorted(ours["state"]) == sorted(theirs["state"]) == list(range(len(INIT)))
    np.testing.assert_array_equal(ours["state"][0]["sum"], theirs["state"][0]["sum"].numpy())


def test_repr_lists_the_groups_and_their_options() -> None:
    text = repr(optim.SGD([rp.Tensor(np.ones(2), requires_grad=True)], lr=0.1, momentum=0.9))
    assert text.startswith("SGD (") and "Parameter Group 0" in text and "momentum: 0.9" in text


BAD_OPTIONS = [
    ("SGD", {"lr": -1}, "Invalid learning rate: -1"),
    ("SGD", {"momentum": -0.5}, "Invalid momentum value: -0.5"),
    ("SGD", {"weight_decay": -0.1}, "Invalid weight_decay value: -0.1"),
    ("SGD", {"nesterov": True}, "Nesterov momentum requires a momentum and zero dampening"),
    (
        "SGD",
        {"nesterov": True, "momentum": 0.9, "dampening": 0.1},
        "Nesterov momentum requires a momentum and zero dampening",
    ),
    ("Adam", {"lr": -0.1}, "Invalid learning rate: -0.1"),
    ("Adam", {"eps": -1e-8}, "Invalid epsilon value: -1e-08"),
    ("Adam", {"betas": (1.0, 0.999)}, "Invalid beta parameter at index 0: 1.0"),
    ("Adam", {"betas": (0.9, -0.1)}, "Invalid beta parameter at index 1: -0.1"),
    ("Adam", {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
    ("AdamW", {"betas": (-0.1, 0.999)}, "Invalid beta parameter at index 0: -0.1"),
    ("RMSprop", {"alpha": -0.1}, "Invalid alpha value: -0.1"),
    ("RMSprop", {"momentum": -0.1}, "Invalid momentum value: -0.1"),
    ("RMSprop", {"eps": -1.0}, "Invalid epsilon value: -1.0"),
    ("Adagrad", {"lr_decay": -0.1}, "Invalid lr_decay value: -0.1"),
    (
        "Adagrad",
        {"initial_accumulator_value": -1.0},
        "Invalid initial_accumulator_value value: -1.0",
    ),
    ("Adadelta", {"rho": 1.5}, "Invalid rho value: 1.5"),
    ("Adadelta", {"lr": -1.0}, "Invalid learning rate: -1.0"),
    ("Adamax", {"betas": (0.9, 1.0)}, "Invalid beta parameter at index 1: 1.0"),
    ("Adamax", {"eps": -1.0}, "Invalid epsilon value: -1.0"),
]


@pytest.mark.parametrize("name,kw,message", BAD_OPTIONS, ids=[str(c[:2]) for c in BAD_OPTIONS])
def test_invalid_options_raise_as_torch(name: str, kw: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kw)
    with pytest.raises(ValueError, match=f"{name}: {message}"):
        getattr(optim, name)([rp.Tensor(np.zeros(2), requires_grad=True)], **kw)


def test_bad_parameter_lists_raise() -> None:
    p = rp.Tensor(np.zeros(2), requires_grad=True)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.SGD([])
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors, .* ndarray"):
        optim.SGD([np.zeros(2)])
    with pytest.raises(TypeError, match="iterable of Tensors or dicts, but got a Tensor"):
        optim.SGD(p)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter"):
        optim.SGD([{"params": [p]}, {"params": [p], "lr": 0.1}])
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD([{"params": {p}}])
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([p * 2])
    with pytest.warns(UserWarning, match="the same parameter more than once"):
        optim.SGD([p, p])
    opt = optim.SGD([p])
    with pytest.raises(ValueError, match="the param_group has no 'params' entry"):
        opt.add_param_group({"lr": 0.1})
    with pytest.raises(TypeError, match="param_group must be a dict, got list"):
        opt.add_param_group([p])
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter"):
        opt.add_param_group({"params": p})


def test_load_state_dict_mismatches_raise() -> None:
    pair = Pair("Adam", {}, split=True)
    pair.step()
    saved = pair.rp_opt.state_dict()
    one_group = optim.Adam([rp.Tensor(a, requires_grad=True) for a in INIT])
    with pytest.raises(ValueError, match=r"different number of parameter groups \(2\).*\(1\)"):
        one_group.load_state_dict(saved)
    params = [rp.Tensor(a, requires_grad=True) for a in INIT]
    fewer = optim.Adam([{"params": params[:2]}, {"params": params[2:-1]}])
    with pytest.raises(ValueError, match="group 1 has 4 parameters in the state dict, 3 in"):
        fewer.load_state_dict(saved)
    swapped = [rp.Tensor(a.T, requires_grad=True) for a in INIT]
    other = optim.Adam([{"params": swapped[:2]}, {"params": swapped[2:]}])
    with pytest.raises(ValueError, match=r"'exp_avg' of parameter 0 has shape \(8, 5\).*\(5, 8\)"):
        other.load_state_dict(saved)
