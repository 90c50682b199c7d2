"""Learning-rate schedules: the lr (and momentum) sequences of torch.optim.lr_scheduler,
JSON state_dict round trips, bad arguments."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
import torch

import retroprop as rp
from retroprop import optim
from retroprop.optim import lr_scheduler as rp_sched

T_SCHED = torch.optim.lr_scheduler


def _optimizers(name: str = "SGD", **kw) -> tuple:
    """The same two-group optimiser (lr 0.1 and 0.05) in retroprop and in torch."""
    rp_opt = getattr(optim, name)(
        [
            {"params": [rp.Tensor(np.zeros(2), requires_grad=True)]},
            {"params": [rp.Tensor(np.zeros(3), requires_grad=True)], "lr": 0.05},
        ],
        lr=0.1,
        **kw,
    )
    t_opt = getattr(torch.optim, name)(
        [
            {"params": [torch.zeros(2, requires_grad=True)]},
            {"params": [torch.zeros(3, requires_grad=True)], "lr": 0.05},
        ],
        lr=0.1,
        **kw,
    )
    return rp_opt, t_opt


def _momenta(opt) -> list[float]:
    return [g["betas"][0] if "betas" in g else g.get("momentum", 0.0) for g in opt.param_groups]


def _run(opt, sched, steps: int, metrics=None) -> list[list[float]]:
    """lr (and momentum) of every group after construction and after each step."""
    seen = [sched.get_last_lr() + _momenta(opt)]
    for i in range(steps):
        opt.step()
        sched.step() if metrics is None else sched.step(metrics[i])
        assert sched.get_last_lr() == [g["lr"] for g in opt.param_groups]
        seen.append(sched.get_last_lr() + _momenta(opt))
    return seen


def _lambda_a(epoch: int) -> float:
    return 0.95**epoch


def _lambda_b(epoch: int) -> float:
    return 1.0 / (1 + epoch) if epoch % 2 else 0.5


CASES = [
    ("StepLR", {"step_size": 7, "gamma": 0.5}, "SGD", 40),
    ("StepLR", {"step_size": 1}, "SGD", 30),
    ("MultiStepLR", {"milestones": [5, 12, 12, 25], "gamma": 0.3}, "SGD", 40),
    ("ExponentialLR", {"gamma": 0.9}, "SGD", 40),
    ("LambdaLR", {"lr_lambda": _lambda_a}, "SGD", 35),
    ("LambdaLR", {"lr_lambda": [_lambda_a, _lambda_b]}, "SGD", 35),
    ("CosineAnnealingLR", {"T_max": 10, "eta_min": 0.001}, "SGD", 45),
    ("CosineAnnealingLR", {"T_max": 30}, "Adam", 35),
    ("OneCycleLR", {"max_lr": 1.0, "total_steps": 40}, "SGD_momentum", 40),
    (
        "OneCycleLR",
        {"max_lr": [1.0, 0.5], "total_steps": 40, "anneal_strategy": "linear"},
        "SGD_momentum",
        40,
    ),
    (
        "OneCycleLR",
        {"max_lr": 0.3, "epochs": 4, "steps_per_epoch": 9, "three_phase": True},
        "Adam",
        36,
    ),
    (
        "OneCycleLR",
        {
            "max_lr": 0.3,
            "total_steps": 33,
            "pct_start": 0.25,
            "div_factor": 10.0,
            "final_div_factor": 100.0,
            "base_momentum": 0.8,
            "max_momentum": [0.9, 0.99],
        },
        "RMSprop_momentum",
        33,
    ),
    ("OneCycleLR", {"max_lr": 0.3, "total_steps": 30, "cycle_momentum": False}, "Adagrad", 30),
]


def _make_optimizers(kind: str) -> tuple:
    if kind == "SGD_momentum":
        return _optimizers("SGD", momentum=0.9)
    if kind == "RMSprop_momentum":
        return _optimizers("RMSprop", momentum=0.9)
    return _optimizers(kind)


@pytest.mark.parametrize(
    "name,kw,kind,steps", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_lr_sequence_matches_torch(name: str, kw: dict, kind: str, steps: int) -> None:
    rp_opt, t_opt = _make_optimizers(kind)
    ours = _run(rp_opt, getattr(rp_sched, name)(rp_opt, **kw), steps)
    theirs = _run(t_opt, getattr(T_SCHED, name)(t_opt, **kw), steps)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
    assert all(isinstance(v, float) for row in ours for v in row)


_rng = np.random.default_rng(0)
# a falling loss with plateaus and noise, then a rising one
METRICS = list(
    np.concatenate([np.repeat([1.0, 0.8, 0.79995, 0.5], 8), 0.5 + 0.01 * _rng.random(20)])
    .round(6)
    .tolist()
) + [0.1 * i for i in range(20)]
PLATEAU_CASES = [
    {},
    {"patience": 2},
    {"patience": 1, "cooldown": 3, "factor": 0.5},
    {"mode": "max", "patience": 2, "factor": 0.5},
    {"threshold_mode": "abs", "threshold": 0.1, "patience": 3},
    {"mode": "max", "threshold_mode": "abs", "threshold": 0.05, "patience": 0},
    {"patience": 1, "factor": 0.2, "min_lr": [0.01, 0.002]},
    {"patience": 0, "factor": 0.5, "min_lr": 0.04, "eps": 1e-3},
]


@pytest.mark.parametrize("kw", PLATEAU_CASES, ids=[str(kw) for kw in PLATEAU_CASES])
def test_reduce_lr_on_plateau_matches_torch(kw: dict) -> None:
    rp_opt, t_opt = _optimizers()
    ours = _run(rp_opt, rp_sched.ReduceLROnPlateau(rp_opt, **kw), len(METRICS), METRICS)
    theirs = _run(t_opt, T_SCHED.ReduceLROnPlateau(t_opt, **kw), len(METRICS), METRICS)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
    assert len({tuple(row) for row in ours}) > 1, "the lr never changed: nothing was tested"


def test_reduce_lr_on_plateau_accepts_a_scalar_tensor_metric() -> None:
    rp_opt, _ = _optimizers()
    sched = rp_sched.ReduceLROnPlateau(rp_opt, patience=0)
    sched.step(rp.Tensor(1.0))
    sched.step(rp.Tensor(2.0))
    assert sched.best == 1.0
    assert sched.get_last_lr() == pytest.approx([0.01, 0.005])


@pytest.mark.parametrize("decay,power", [(1.0, 1.0), (0.1, 1.0), (0.5, 0.75)])
def test_inverse_time_lr_follows_its_formula(decay: float, power: float) -> None:
    rp_opt, t_opt = _optimizers()
    ours = _run(rp_opt, rp_sched.InverseTimeLR(rp_opt, decay, power), 30)
    for n, row in enumerate(ours):
        expected = [base / (1 + decay * n) ** power for base in (0.1, 0.05)]
        np.testing.assert_allclose(row[:2], expected, rtol=1e-14)
    # the same values as torch's LambdaLR with that formula
    theirs = _run(t_opt, T_SCHED.LambdaLR(t_opt, lambda n: 1 / (1 + decay * n) ** power), 30)
    np.testing.assert_allclose(ours, theirs, rtol=1e-14)


def test_inverse_time_lr_default_is_one_over_n_plus_one() -> None:
    rp_opt, _ = _optimizers()
    lrs = [row[0] for row in _run(rp_opt, rp_sched.InverseTimeLR(rp_opt), 9)]
    np.testing.assert_allclose(lrs, [0.1 / (n + 1) for n in range(10)], rtol=1e-14)


def test_cosine_recursion_follows_external_lr_changes_as_torch() -> None:
    rp_opt, t_opt = _optimizers()
    scheds = [rp_sched.CosineAnnealingLR(rp_opt, 12), T_SCHED.CosineAnnealingLR(t_opt, 12)]
    for step in range(20):
        for opt, sched in zip((rp_opt, t_opt), scheds):
            if step == 5:
                opt.param_groups[0]["lr"] *= 0.5
            opt.step()
            sched.step()
        np.testing.assert_allclose(scheds[0].get_last_lr(), scheds[1].get_last_lr(), rtol=1e-12)


def test_resuming_with_last_epoch_matches_torch() -> None:
    rp_opt, t_opt = _optimizers()
    for opt in (rp_opt, t_opt):
        for group in opt.param_groups:
            group["initial_lr"] = group["lr"] * 2
    ours = _run(rp_opt, rp_sched.StepLR(rp_opt, 4, 0.5, last_epoch=6), 10)
    theirs = _run(t_opt, T_SCHED.StepLR(t_opt, 4, 0.5, last_epoch=6), 10)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


STATE_CASES = [c[:3] for c in CASES] + [
    ("ReduceLROnPlateau", {"patience": 1, "cooldown": 2, "factor": 0.5}, "SGD"),
    ("InverseTimeLR", {"decay": 0.3, "power": 0.8}, "SGD"),
]


@pytest.mark.parametrize(
    "name,kw,kind", STATE_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(STATE_CASES)]
)
def test_state_dict_round_trip_through_json_continues_identically(
    name: str, kw: dict, kind: str
) -> None:
    metrics = METRICS if name == "ReduceLROnPlateau" else None
    opt, _ = _make_optimizers(kind)
    sched = getattr(rp_sched, name)(opt, **kw)
    _run(opt, sched, 12, metrics)
    opt_state = opt.state_dict()  # its arrays (Adagrad's) would go to safetensors
    opt_state["param_groups"] = json.loads(json.dumps(opt_state["param_groups"]))
    sched_state = json.loads(json.dumps(sched.state_dict()))
    opt2, _ = _make_optimizers(kind)
    sched2 = getattr(rp_sched, name)(opt2, **kw)
    opt2.load_state_dict(opt_state)
    sched2.load_state_dict(sched_state)
    assert sched2.last_epoch == sched.last_epoch == 12
    rest = metrics[12:] if metrics else None
    assert _run(opt2, sched2, 15, rest)[1:] == _run(opt, sched, 15, rest)[1:]


def test_lambda_lr_state_dict_saves_no_function_but_a_callable_objects_fields() -> None:
    class Warmup:
        def __init__(self, steps: int) -> None:
            self.steps = steps

        def __call__(self, epoch: int) -> float:
            return min(1.0, (epoch + 1) / self.steps)

    opt, _ = _optimizers()
    sched = rp_sched.LambdaLR(opt, [Warmup(5), _lambda_a])
    state = sched.state_dict()
    assert state["lr_lambdas"] == [{"steps": 5}, None]
    other = rp_sched.LambdaLR(opt, [Warmup(2), _lambda_a])
    other.load_state_dict(state)
    assert other.lr_lambdas[0].steps == 5 and other.lr_lambdas[1] is _lambda_a


BAD = [
    (lambda o: rp_sched.StepLR(o, step_size=0), ValueError, "step_size must be a positive"),
    (lambda o: rp_sched.CosineAnnealingLR(o, T_max=0), ValueError, "T_max must be positive"),
    (lambda o: rp_sched.LambdaLR(o, [_lambda_a]), ValueError, "Expected 2 lr_lambdas, but got 1"),
    (lambda o: rp_sched.ReduceLROnPlateau(o, factor=1.0), ValueError, "Factor should be < 1.0"),
    (lambda o: rp_sched.ReduceLROnPlateau(o, mode="avg"), ValueError, "mode 'avg' is unknown"),
    (
        lambda o: rp_sched.ReduceLROnPlateau(o, threshold_mode="x"),
        ValueError,
        "threshold mode 'x' is unknown",
    ),
    (
        lambda o: rp_sched.ReduceLROnPlateau(o, min_lr=[0.1]),
        ValueError,
        "min_lr has 1 values, param_groups has 2",
    ),
    (lambda o: rp_sched.OneCycleLR(o, 1.0), ValueError, "You must define either total_steps"),
    (lambda o: rp_sched.OneCycleLR(o, 1.0, total_steps=0), ValueError, "total_steps, but got 0"),
    (
        lambda o: rp_sched.OneCycleLR(o, 1.0, epochs=2, steps_per_epoch=-1),
        ValueError,
        "positive integer steps_per_epoch, but got -1",
    ),
    (
        lambda o: rp_sched.OneCycleLR(o, 1.0, 10, pct_start=1.5),
        ValueError,
        "between 0 and 1 pct_start, but got 1.5",
    ),
    (
        lambda o: rp_sched.OneCycleLR(o, 1.0, 10, anneal_strategy="exp"),
        ValueError,
        "'cos' or 'linear', instead got exp",
    ),
    (lambda o: rp_sched.OneCycleLR(o, [1.0], 10), ValueError, "max_lr has 1 values"),
    (lambda o: rp_sched.StepLR(o, 2, last_epoch=3), KeyError, "initial_lr"),
    (lambda o: rp_sched.InverseTimeLR(o, decay=-1.0), ValueError, "decay must be >= 0"),
    (lambda o: rp_sched.InverseTimeLR(o, power=0.0), ValueError, "power must be > 0"),
    (lambda o: rp_sched.ExponentialLR(o.param_groups, 0.9), TypeError, "is not an Optimizer"),
]


@pytest.mark.parametrize("make,error,message", BAD, ids=[c[2] for c in BAD])
def test_bad_arguments_raise(make, error, message: str) -> None:
    rp_opt, _ = _optimizers()
    with pytest.raises(error, match=message):
        make(rp_opt)


def test_one_cycle_needs_momentum_to_cycle_and_stops_after_total_steps() -> None:
    opt, _ = _optimizers("Adagrad")
    with pytest.raises(ValueError, match="must support momentum or beta1.*Adagrad"):
        rp_sched.OneCycleLR(opt, 1.0, 10)
    opt, _ = _optimizers()
    sched = rp_sched.OneCycleLR(opt, 1.0, total_steps=3, cycle_momentum=False)
    for _ in range(3):
        sched.step()
    with pytest.raises(ValueError, match="Tried to step 4 times.*total steps is 3"):
        sched.step()


def test_schedules_keep_python_float_lrs_so_float32_parameters_stay_float32() -> None:
    p = rp.Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    sched = rp_sched.LambdaLR(opt, lambda n: np.float64(0.5) ** n)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            p.grad = rp.Tensor(np.ones(3, dtype=np.float32))
            opt.step()
            sched.step()
    assert type(opt.param_groups[0]["lr"]) is float and p.detach().numpy().dtype == np.float32
    assert math.isclose(opt.param_groups[0]["lr"], 0.1 * 0.5**3)
