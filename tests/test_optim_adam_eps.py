"""Adam's eps_inside_sqrt option (the Theano form of Salimans et al. 2016's code): the update
follows m_hat / sqrt(v_hat + eps) step after step; off by default (PyTorch's form)."""

import numpy as np
import pytest
import torch

import retroprop as rp


def _run(steps, **kw):
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal(6).astype(np.float32)
    grads = [(1e-3 * rng.standard_normal(6)).astype(np.float32) for _ in range(steps)]
    p = rp.nn.Parameter(rp.tensor(w0.copy()))
    opt = rp.optim.Adam([p], **kw)
    for g in grads:
        p.grad = rp.tensor(g)
        opt.step()
    return w0, grads, p.detach().numpy()


def test_eps_inside_sqrt_follows_the_theano_formula():
    lr, (b1, b2), eps = 0.003, (0.5, 0.999), 1e-6
    w0, grads, got = _run(5, lr=lr, betas=(b1, b2), eps=eps, eps_inside_sqrt=True)
    w, m, v = w0.astype(np.float64), np.zeros(6), np.zeros(6)
    for t, g in enumerate(grads, 1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        w = w - lr * (m / (1 - b1**t)) / np.sqrt(v / (1 - b2**t) + eps)
    np.testing.assert_allclose(got, w, rtol=1e-5, atol=1e-7)
    # with these small gradients the two forms differ clearly
    _, _, outside = _run(5, lr=lr, betas=(b1, b2), eps=eps)
    assert np.abs(outside - got).max() > 1e-4


def test_default_is_pytorchs_form():
    _, grads, got = _run(5, lr=0.01, betas=(0.5, 0.999), eps=1e-6)
    rng = np.random.default_rng(0)
    p = torch.nn.Parameter(torch.tensor(rng.standard_normal(6).astype(np.float32)))
    opt = torch.optim.Adam([p], lr=0.01, betas=(0.5, 0.999), eps=1e-6)
    for g in grads:
        p.grad = torch.tensor(g)
        opt.step()
    np.testing.assert_allclose(got, p.detach().numpy(), rtol=1e-5, atol=1e-7)


def test_eps_inside_sqrt_is_in_the_state_dict_and_rejects_negative_eps():
    p = rp.nn.Parameter(rp.zeros(2))
    opt = rp.optim.Adam([p], eps_inside_sqrt=True)
    assert opt.state_dict()["param_groups"][0]["eps_inside_sqrt"] is True
    assert "eps_inside_sqrt" not in rp.optim.Adam([p]).defaults  # as torch's
    with pytest.raises(ValueError, match="epsilon"):
        rp.optim.Adam([p], eps=-1.0, eps_inside_sqrt=True)
