"""batch_norm, layer_norm, group_norm (retroprop.ops.normalization) against PyTorch and finite
differences: forward, gradients of input/weight/bias, running statistics, errors."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st
from parity import assert_parity, check_grad

import retroprop as rp
from retroprop.ops.normalization import batch_norm, group_norm, layer_norm


def randn(rng, *shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


@given(
    shape=st.sampled_from([(8, 3), (4, 3, 7), (3, 2, 4, 5), (2, 4, 3, 3)]),
    affine=st.sampled_from(["both", "weight", "bias", "none"]),
    seed=st.integers(0, 1000),
)
def test_batch_norm_training_matches_torch(shape, affine, seed):
    rng = np.random.default_rng(seed)
    c = shape[1]
    x = randn(rng, *shape) * 3 + 1
    arrays = [x, randn(rng, c), randn(rng, c)]
    use_w, use_b = affine in ("both", "weight"), affine in ("both", "bias")

    def run(fn):
        def f(x, w, b):
            return fn(x, None, None, w if use_w else None, b if use_b else None, True)

        return f

    assert_parity(
        run(batch_norm), run(TF.batch_norm), arrays, grad=[True, use_w, use_b],
        rtol=1e-4, atol=1e-5,
    )  # fmt: skip


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (2, 3, 4, 4)])
def test_batch_norm_eval_uses_running_stats(shape):
    rng = np.random.default_rng(1)
    x, w, b = randn(rng, *shape), randn(rng, 3), randn(rng, 3)
    rm, rv = randn(rng, 3), rng.uniform(0.5, 2, 3).astype(np.float32)
    assert_parity(
        lambda x, w, b: batch_norm(x, rp.tensor(rm), rp.tensor(rv), w, b, False, eps=1e-3),
        lambda x, w, b: TF.batch_norm(x, torch.tensor(rm), torch.tensor(rv), w, b, False, eps=1e-3),
        [x, w, b],
    )


@pytest.mark.parametrize("momentum", [0.1, 0.5, 1.0])
def test_batch_norm_updates_running_stats_like_torch(momentum):
    rng = np.random.default_rng(2)
    rm, rv = rp.zeros(4), rp.ones(4)
    trm, trv = torch.zeros(4), torch.ones(4)
    for _ in range(3):
        x = randn(rng, 8, 4, 5) * 2 + 3
        batch_norm(rp.tensor(x), rm, rv, training=True, momentum=momentum)
        TF.batch_norm(torch.tensor(x), trm, trv, training=True, momentum=momentum)
    np.testing.assert_allclose(rm.numpy(), trm.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(rv.numpy(), trv.numpy(), rtol=1e-5, atol=1e-6)
    assert rm.dtype == np.float32 and rv.dtype == np.float32


@given(
    shape=st.sampled_from([(3, 8), (2, 3, 6), (2, 2, 3, 4)]),
    n=st.integers(1, 2),
    affine=st.sampled_from([(True, True), (True, False), (False, False)]),
    seed=st.integers(0, 1000),
)
def test_layer_norm_matches_torch(shape, n, affine, seed):
    rng = np.random.default_rng(seed)
    norm = shape[-n:]
    x = randn(rng, *shape) * 2 - 1
    use_w, use_b = affine

    def run(fn):
        def f(x, w, b):
            return fn(x, norm, w if use_w else None, b if use_b else None, 1e-5)

        return f

    assert_parity(
        run(layer_norm), run(TF.layer_norm), [x, randn(rng, *norm), randn(rng, *norm)],
        grad=[True, use_w, use_b], rtol=1e-4, atol=1e-5,
    )  # fmt: skip


@given(
    case=st.sampled_from([((4, 6, 3), 3), ((2, 6, 5), 2), ((3, 4, 3, 3), 4), ((2, 8, 2, 3), 1)]),
    affine=st.booleans(),
    seed=st.integers(0, 1000),
)
def test_group_norm_matches_torch(case, affine, seed):
    shape, groups = case
    rng = np.random.default_rng(seed)
    c = shape[1]
    x = randn(rng, *shape) * 2 + 0.5

    def run(fn):
        def f(x, w, b):
            return fn(x, groups, w if affine else None, b if affine else None, 1e-5)

        return f

    assert_parity(
        run(group_norm), run(TF.group_norm), [x, randn(rng, c), randn(rng, c)],
        grad=[True, affine, affine], rtol=1e-4, atol=1e-5,
    )  # fmt: skip


def test_normalizations_keep_float64():
    rng = np.random.default_rng(3)
    x, w = randn(rng, 3, 4, 5, dtype=np.float64), randn(rng, 4, dtype=np.float64)
    assert_parity(
        lambda x, w: batch_norm(x, None, None, w, None, True),
        lambda x, w: TF.batch_norm(x, None, None, w, None, True),
        [x, w],
    )
    assert_parity(lambda x: layer_norm(x, 5), lambda x: TF.layer_norm(x, (5,)), [x])
    assert_parity(lambda x: group_norm(x, 2), lambda x: TF.group_norm(x, 2), [x])


def test_gradcheck_batch_norm_training_and_eval():
    rng = np.random.default_rng(4)
    x, w, b = randn(rng, 4, 3, 2), randn(rng, 3), randn(rng, 3)
    check_grad(lambda x, w, b: batch_norm(x, None, None, w, b, True), [x, w, b])
    rm, rv = rp.tensor(randn(rng, 3), dtype=np.float64), rp.ones(3, dtype=np.float64) * 2
    check_grad(lambda x, w, b: batch_norm(x, rm, rv, w, b, False), [x, w, b])


def test_gradcheck_layer_norm_and_group_norm():
    rng = np.random.default_rng(5)
    x = randn(rng, 2, 4, 3)
    check_grad(lambda x, w, b: layer_norm(x, (4, 3), w, b), [x, randn(rng, 4, 3), randn(rng, 4, 3)])
    check_grad(lambda x, w, b: group_norm(x, 2, w, b), [x, randn(rng, 4), randn(rng, 4)])


def test_batch_norm_rejects_bad_inputs():
    x = rp.randn(4, 3, 5)
    with pytest.raises(ValueError, match="batch_norm: expected an input of shape"):
        batch_norm(rp.randn(4), None, None, training=True)
    with pytest.raises(ValueError, match="weight of shape"):
        batch_norm(x, None, None, rp.ones(4), training=True)
    with pytest.raises(ValueError, match="running_mean of shape"):
        batch_norm(x, rp.zeros(2), rp.ones(3), training=True)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        batch_norm(rp.randn(1, 3), None, None, training=True)
    with pytest.raises(ValueError, match="running_mean and running_var are needed"):
        batch_norm(x, None, None, training=False)
    with pytest.raises(TypeError, match="dtype"):
        batch_norm(x, None, None, rp.ones(3, dtype=np.float64), training=True)
    with pytest.raises(TypeError, match="running_var has dtype float64"):
        batch_norm(x, rp.zeros(3), rp.ones(3, dtype=np.float64), training=True)


def test_layer_norm_and_group_norm_reject_bad_inputs():
    with pytest.raises(ValueError, match=r"normalized_shape=\[4\].*got shape \(2, 3\)"):
        layer_norm(rp.randn(2, 3), 4)
    with pytest.raises(ValueError, match="layer_norm: bias of shape"):
        layer_norm(rp.randn(2, 3), 3, rp.ones(3), rp.ones(2))
    with pytest.raises(ValueError, match="can not be split into num_groups=4"):
        group_norm(rp.randn(2, 6, 3), 4)
    with pytest.raises(ValueError, match="group_norm: expected an input of shape"):
        group_norm(rp.randn(6), 2)
    with pytest.raises(TypeError, match="floating point"):
        layer_norm(rp.tensor([[1, 2]]), 2)
