"""clip_grad_norm_ (total norm and clipped gradients vs torch for several norm types, missing
gradients, non-finite norms), get_total_norm, clip_grads_with_norm_ and clip_grad_value_."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import retroprop as rp
import retroprop.nn as nn


def _params(grads, dtype=np.float32):
    """The same parameters with the same gradients in both libraries (None: no gradient)."""
    rps, tps = [], []
    for g in grads:
        shape = (2,) if g is None else g.shape
        r = nn.Parameter(rp.Tensor(np.zeros(shape, dtype), dtype=dtype))
        t = torch.nn.Parameter(
            torch.zeros(shape, dtype=torch.float64 if dtype == np.float64 else torch.float32)
        )
        if g is not None:
            r.grad = rp.Tensor(g.astype(dtype), dtype=dtype)
            t.grad = torch.tensor(g.astype(dtype))
        rps.append(r)
        tps.append(t)
    return rps, tps


def _check_grads(rps, tps, rtol=1e-6):
    for r, t in zip(rps, tps):
        if t.grad is None:
            assert r.grad is None
        else:
            assert r.grad.dtype == t.grad.numpy().dtype
            np.testing.assert_allclose(r.grad.numpy(), t.grad.numpy(), rtol=rtol, atol=1e-7)


@given(
    shapes=st.lists(st.lists(st.integers(1, 4), min_size=0, max_size=3), min_size=1, max_size=4),
    norm_type=st.sampled_from([2.0, 1.0, 3.0, 0.5, math.inf, "inf"]),
    max_norm=st.sampled_from([0.1, 1.0, 100.0]),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_clip_grad_norm_matches_torch(shapes, norm_type, max_norm, dtype):
    rng = np.random.default_rng(len(shapes))
    grads = [rng.standard_normal(s) for s in shapes] + [None]
    rps, tps = _params(grads, dtype)
    total = nn.utils.clip_grad_norm_(rps, max_norm, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(tps, max_norm, norm_type=norm_type)
    assert isinstance(total, rp.Tensor) and total.shape == ()
    assert total.dtype == expected.numpy().dtype
    np.testing.assert_allclose(total.numpy(), expected.numpy(), rtol=1e-6)
    _check_grads(rps, tps)
    clipped = nn.utils.get_total_norm([p.grad for p in rps if p.grad is not None], norm_type)
    assert float(clipped) == pytest.approx(min(float(total), max_norm), rel=1e-4)


def test_clip_grad_norm_of_a_single_tensor_and_of_no_gradients():
    rps, tps = _params([np.array([3.0, 4.0])])
    total = nn.utils.clip_grad_norm_(rps[0], 1.0)
    torch.nn.utils.clip_grad_norm_(tps[0], 1.0)
    assert float(total) == pytest.approx(5.0)
    _check_grads(rps, tps)
    np.testing.assert_allclose(np.linalg.norm(rps[0].grad.numpy()), 1.0, rtol=1e-5)
    empty = nn.utils.clip_grad_norm_([nn.Parameter(rp.zeros(3))], 1.0)
    assert float(empty) == 0.0 and empty.dtype == np.float32


def test_clip_grad_norm_non_finite_gradients_raise_on_request_else_match_torch():
    grads = [np.array([1.0, np.inf]), np.array([2.0])]
    rps, tps = _params(grads)
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(rps, 1.0, error_if_nonfinite=True)
    total = nn.utils.clip_grad_norm_(rps, 1.0)
    expected = torch.nn.utils.clip_grad_norm_(tps, 1.0)
    assert math.isinf(float(total)) and math.isinf(float(expected))
    _check_grads(rps, tps)


def test_get_total_norm_and_clip_grads_with_norm_match_torch():
    rng = np.random.default_rng(1)
    grads = [rng.standard_normal((3, 2)), rng.standard_normal(4)]
    rps, tps = _params(grads)
    for p in (2.0, 1.0, 0.0, -math.inf):
        expected = torch.nn.utils.get_total_norm([t.grad for t in tps], p)
        total = nn.utils.get_total_norm([r.grad for r in rps], p)
        np.testing.assert_allclose(total.numpy(), expected.numpy(), rtol=1e-6)
    total = nn.utils.get_total_norm([r.grad for r in rps])
    nn.utils.clip_grads_with_norm_(rps, 0.5, total)
    torch.nn.utils.clip_grads_with_norm_(
        tps, 0.5, torch.nn.utils.get_total_norm([t.grad for t in tps])
    )
    _check_grads(rps, tps)


def test_clip_grad_value_matches_torch():
    rng = np.random.default_rng(2)
    grads = [3 * rng.standard_normal((4, 3)), rng.standard_normal(5), None]
    rps, tps = _params(grads)
    assert nn.utils.clip_grad_value_(rps, 0.7) is None
    torch.nn.utils.clip_grad_value_(tps, 0.7)
    _check_grads(rps, tps)
    assert np.abs(rps[0].grad.numpy()).max() == pytest.approx(0.7)


def test_clipping_a_model_after_backward():
    rp.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
    (model(rp.randn(16, 4)) * 100).sum().backward()
    before = nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    assert float(before) > 1.0
    after = nn.utils.get_total_norm([p.grad for p in model.parameters()])
    assert float(after) == pytest.approx(1.0, rel=1e-4)


def test_clip_grad_rejects_bad_arguments():
    rps, _ = _params([np.ones(3)])
    with pytest.raises(ValueError, match="norm_type must be a number or inf, got 'fro'"):
        nn.utils.clip_grad_norm_(rps, 1.0, norm_type="fro")
    with pytest.raises(ValueError, match="clip_value must be a number"):
        nn.utils.clip_grad_value_(rps, None)
