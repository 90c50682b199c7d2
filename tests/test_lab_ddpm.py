"""course.diffusion's sampler: the posterior-mean step through x0_hat equals the eps form of
Ho et al. when nothing is clipped, and the clip keeps samples in the data range."""

import numpy as np

import retroprop as rp
from retroprop.lab.experiments.course._b_ddpm import Denoiser, cosine_schedule, sample


def _eps_form(model: Denoiser, beta: np.ndarray, n: int, dim: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    abar = np.cumprod(1 - beta)
    x = rng.standard_normal((n, dim))
    with rp.no_grad():
        for t in range(len(beta), 0, -1):
            eps = model(rp.tensor(x.astype(np.float32)), np.full(n, t)).numpy()
            x = (x - beta[t - 1] / np.sqrt(1 - abar[t - 1]) * eps) / np.sqrt(1 - beta[t - 1])
            if t > 1:
                x = x + np.sqrt(beta[t - 1]) * rng.standard_normal(x.shape)
    return x


def test_posterior_step_equals_eps_form_without_clip():
    rp.manual_seed(0)
    beta, _ = cosine_schedule(30)
    model = Denoiser(3, 16, 2, 30)
    ours, _ = sample(model, beta, 50, 3, seed=1)
    model.eval()
    ref = _eps_form(model, beta, 50, 3, seed=1)
    np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=1e-6 * np.abs(ref).max())


def test_clip_bounds_the_predicted_x0():
    rp.manual_seed(0)
    beta, _ = cosine_schedule(30)
    model = Denoiser(4, 16, 2, 30)
    with rp.no_grad():
        for p in model.parameters():
            p.mul_(3.0)  # a wild network: unclipped samples leave [-1, 1] by far
    free, _ = sample(model, beta, 20, 4, seed=2)
    clipped, kept = sample(model, beta, 20, 4, seed=2, keep=(0,), clip=(-1.0, 1.0))
    assert np.abs(free).max() > 2.0
    assert np.abs(clipped).max() <= 1.0 + 1e-9  # the last step adds no noise
    np.testing.assert_array_equal(kept[0], clipped)
