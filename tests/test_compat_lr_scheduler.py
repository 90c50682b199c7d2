"""LinearLR, ConstantLR, PolynomialLR, CosineAnnealingWarmRestarts, SequentialLR and
ChainedScheduler: the lr sequences of torch 2.13 over 30 steps (two parameter groups), the
same after a state_dict round trip taken mid-way, and PyTorch's warning when
``scheduler.step()`` comes before ``optimizer.step()``."""

import json
import warnings

import numpy as np
import pytest
import torch

import retroprop as rp
from retroprop.optim import lr_scheduler as L

STEPS = 30


def _optimizers():
    r = rp.optim.SGD(
        [
            {"params": [rp.zeros(2, requires_grad=True)]},
            {"params": [rp.zeros(1, requires_grad=True)], "lr": 0.5},
        ],
        lr=0.1,
        momentum=0.9,
    )
    t = torch.optim.SGD(
        [
            {"params": [torch.zeros(2, requires_grad=True)]},
            {"params": [torch.zeros(1, requires_grad=True)], "lr": 0.5},
        ],
        lr=0.1,
        momentum=0.9,
    )
    return r, t


def _build(lib, opt, name):
    m = L if lib == "rp" else torch.optim.lr_scheduler
    if name == "linear":
        return m.LinearLR(opt, start_factor=0.25, end_factor=0.9, total_iters=7)
    if name == "constant":
        return m.ConstantLR(opt, factor=0.5, total_iters=4)
    if name == "polynomial":
        return m.PolynomialLR(opt, total_iters=12, power=2.0)
    if name == "warm_restarts":
        return m.CosineAnnealingWarmRestarts(opt, T_0=4, T_mult=2, eta_min=0.01)
    if name == "sequential":
        warm = m.LinearLR(opt, start_factor=0.1, total_iters=5)
        const = m.ConstantLR(opt, factor=0.5, total_iters=3)
        decay = m.ExponentialLR(opt, gamma=0.9)
        return m.SequentialLR(opt, [warm, const, decay], milestones=[5, 12])
    if name == "sequential_step_cosine":
        step = m.StepLR(opt, step_size=3, gamma=0.5)
        cos = m.CosineAnnealingLR(opt, T_max=8, eta_min=0.001)
        multi = m.MultiStepLR(opt, milestones=[2, 4], gamma=0.3)
        return m.SequentialLR(opt, [step, cos, multi], milestones=[7, 15])
    if name == "chained":
        return m.ChainedScheduler(
            [m.ConstantLR(opt, factor=0.2, total_iters=5), m.ExponentialLR(opt, gamma=0.95)]
        )
    if name == "chained_polynomial":
        return m.ChainedScheduler(
            [m.LinearLR(opt, start_factor=0.5, total_iters=6), m.PolynomialLR(opt, total_iters=20)]
        )
    raise AssertionError(name)


NAMES = [
    "linear",
    "constant",
    "polynomial",
    "warm_restarts",
    "sequential",
    "sequential_step_cosine",
    "chained",
    "chained_polynomial",
]


def _run(opt, sched, steps):
    lrs = []
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append([g["lr"] for g in opt.param_groups])
    return lrs


@pytest.mark.parametrize("name", NAMES)
def test_lr_sequence_matches_torch_over_30_steps(name):
    ropt, topt = _optimizers()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch: step() with an epoch argument
        r, t = _build("rp", ropt, name), _build("torch", topt, name)
        assert r.get_last_lr() == pytest.approx(t.get_last_lr(), rel=1e-12)
        got, want = _run(ropt, r, STEPS), _run(topt, t, STEPS)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    assert r.get_last_lr() == pytest.approx(t.get_last_lr(), rel=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_round_trip_resumes_the_same_sequence(name):
    ropt, _ = _optimizers()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        sched = _build("rp", ropt, name)
        _run(ropt, sched, 11)
        state = json.loads(json.dumps(sched.state_dict()))  # JSON-friendly
        opt_state = ropt.state_dict()
        rest = _run(ropt, sched, STEPS - 11)
        ropt2, _ = _optimizers()
        sched2 = _build("rp", ropt2, name)
        ropt2.load_state_dict(opt_state)
        sched2.load_state_dict(state)
        np.testing.assert_allclose(_run(ropt2, sched2, STEPS - 11), rest, rtol=1e-14)


def test_warm_restarts_fractional_epochs_match_torch():
    ropt, topt = _optimizers()
    r = L.CosineAnnealingWarmRestarts(ropt, T_0=3, T_mult=2)
    t = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(topt, T_0=3, T_mult=2)
    for epoch in (0.5, 1.25, 2.9, 3.0, 7.5, 8.99, 20.0, 4.0):
        r.step(epoch)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            t.step(epoch)
        assert r.get_last_lr() == pytest.approx(t.get_last_lr(), rel=1e-12), epoch
    with pytest.raises(ValueError, match="epoch must be >= 0"):
        r.step(-1)


def test_scheduler_step_before_optimizer_step_warns_as_pytorch():
    opt, _ = _optimizers()
    sched = L.StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match=r"Detected call of `lr_scheduler.step\(\)` before"):
        sched.step()
    opt2, _ = _optimizers()
    sched2 = L.LinearLR(opt2)
    opt2.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched2.step()
        sched2.step()


def test_bad_arguments_are_refused_with_the_scheduler_named():
    opt, _ = _optimizers()
    with pytest.raises(ValueError, match="LinearLR: start_factor"):
        L.LinearLR(opt, start_factor=0.0)
    with pytest.raises(ValueError, match="ConstantLR: factor"):
        L.ConstantLR(opt, factor=1.5)
    with pytest.raises(ValueError, match="CosineAnnealingWarmRestarts: T_0"):
        L.CosineAnnealingWarmRestarts(opt, T_0=0)
    with pytest.raises(ValueError, match="SequentialLR: expected len"):
        L.SequentialLR(opt, [L.ConstantLR(opt), L.ConstantLR(opt)], milestones=[])
    other, _ = _optimizers()
    with pytest.raises(ValueError, match="same optimizer"):
        L.ChainedScheduler([L.ConstantLR(opt), L.ConstantLR(other)])
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        L.ChainedScheduler([L.ReduceLROnPlateau(opt)])


def test_an_optimizer_subclass_with_its_own_step_counts_as_stepped():
    class Plain(rp.optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, {"lr": 0.1})

        def step(self, closure=None):
            return None

    opt = Plain([rp.zeros(2, requires_grad=True)])
    sched = L.ExponentialLR(opt, gamma=0.5)
    opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.05)
    lbfgs = rp.optim.LBFGS([rp.zeros(1, requires_grad=True)])
    assert not getattr(lbfgs, "_opt_called", False)


@pytest.mark.parametrize("name", ["step", "multistep", "exponential", "cosine", "linear", "lambda"])
def test_step_with_an_epoch_warns_and_jumps_as_torch(name):
    ropt, topt = _optimizers()

    def make(m, opt):
        return {
            "step": lambda: m.StepLR(opt, step_size=3, gamma=0.5),
            "multistep": lambda: m.MultiStepLR(opt, milestones=[2, 5], gamma=0.1),
            "exponential": lambda: m.ExponentialLR(opt, gamma=0.9),
            "cosine": lambda: m.CosineAnnealingLR(opt, T_max=10),
            "linear": lambda: m.LinearLR(opt, start_factor=0.2, total_iters=6),
            "lambda": lambda: m.LambdaLR(opt, lambda e: 1 / (1 + e)),
        }[name]()

    r, t = make(L, ropt), make(torch.optim.lr_scheduler, topt)
    for epoch in (4, 1, 7, 7, 12):
        ropt.step()
        topt.step()
        with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)`"):
            r.step(epoch)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            t.step(epoch)
        assert r.get_last_lr() == pytest.approx(t.get_last_lr(), rel=1e-12), epoch
        assert r.last_epoch == t.last_epoch
