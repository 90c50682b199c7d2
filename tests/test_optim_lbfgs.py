"""rp.optim.LBFGS against torch.optim.LBFGS: the same iterates, step after step."""

import numpy as np
import pytest
import torch

import retroprop as rp


def _rosenbrock(w):
    return (100 * (w[1:] - w[:-1] ** 2) ** 2 + (1 - w[:-1]) ** 2).sum()


def _run(lib, loss_fn, w0, steps, **kwargs):
    if lib is rp:
        w = rp.tensor(w0, dtype=rp.float64, requires_grad=True)
        opt = rp.optim.LBFGS([w], **kwargs)
    else:
        w = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
        opt = torch.optim.LBFGS([w], **kwargs)

    def closure():
        opt.zero_grad()
        loss = loss_fn(w)
        loss.backward()
        return loss

    trace, losses = [], []
    for _ in range(steps):
        losses.append(float(opt.step(closure).detach()))
        trace.append(w.detach().numpy().copy())
    state = opt.state[opt.param_groups[0]["params"][0]]
    return np.array(trace), np.array(losses), state["func_evals"], state["n_iter"]


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize("history_size", [100, 3])
def test_lbfgs_matches_torch_on_rosenbrock(line_search_fn, history_size):
    w0 = np.array([-1.2, 1.0, -0.5, 0.8, 1.5])
    kwargs = {
        "lr": 1 if line_search_fn else 0.1,
        "max_iter": 7,
        "history_size": history_size,
        "line_search_fn": line_search_fn,
    }
    ours = _run(rp, _rosenbrock, w0, steps=6, **kwargs)
    ref = _run(torch, _rosenbrock, w0, steps=6, **kwargs)
    np.testing.assert_allclose(ours[0], ref[0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours[1], ref[1], rtol=1e-9)
    assert ours[2:] == ref[2:]  # function evaluations and iterations


def test_lbfgs_matches_torch_on_two_parameters_to_tight_tolerances():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((16, 4)), rng.standard_normal((16, 2))
    w0, b0 = rng.standard_normal((4, 2)), rng.standard_normal(2)
    kwargs = {
        "max_iter": 50,
        "tolerance_grad": 1e-12,
        "tolerance_change": 1e-14,
        "line_search_fn": "strong_wolfe",
        "history_size": 5,
    }
    results = []
    for lib, make in (
        (rp, lambda a: rp.tensor(a, dtype=rp.float64, requires_grad=True)),
        (torch, lambda a: torch.tensor(a, dtype=torch.float64, requires_grad=True)),
    ):
        w, b = make(w0), make(b0)
        xs, ys = (
            (rp.tensor(x, dtype=rp.float64), rp.tensor(y, dtype=rp.float64))
            if lib is rp
            else (torch.tensor(x), torch.tensor(y))
        )
        opt = (rp.optim.LBFGS if lib is rp else torch.optim.LBFGS)([w, b], **kwargs)

        def closure(opt=opt, w=w, b=b, xs=xs, ys=ys):
            opt.zero_grad()
            r = xs @ w + b - ys
            loss = (r * r).mean() + 0.1 * (w * w * w * w).sum()
            loss.backward()
            return loss

        opt.step(closure)
        results.append(
            (w.detach().numpy().copy(), b.detach().numpy().copy(), opt.state[w]["func_evals"])
        )
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-9, atol=1e-12)
    assert results[0][2] == results[1][2]


def test_lbfgs_writes_parameters_in_place_and_bumps_their_version():
    w = rp.tensor([3.0, -2.0], dtype=rp.float64, requires_grad=True)
    array = w.detach().numpy()
    opt = rp.optim.LBFGS([w], line_search_fn="strong_wolfe")
    version = w._version[0]

    def closure():
        opt.zero_grad()
        loss = ((w - 1.0) ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    assert w.detach().numpy() is array or np.shares_memory(w.detach().numpy(), array)
    np.testing.assert_allclose(array, [1.0, 1.0], atol=1e-6)
    assert w._version[0] > version


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"lr": -1.0}, "learning rate"),
        ({"line_search_fn": "armijo"}, "line_search_fn"),
        ({"history_size": 0}, "history_size"),
    ],
)
def test_lbfgs_refuses_bad_arguments(kwargs, match):
    w = rp.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match=match):
        rp.optim.LBFGS([w], **kwargs)


def test_lbfgs_needs_a_closure_and_one_group():
    w = rp.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="closure"):
        rp.optim.LBFGS([w]).step()
    v = rp.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="parameter groups"):
        rp.optim.LBFGS([{"params": [w]}, {"params": [v]}])
