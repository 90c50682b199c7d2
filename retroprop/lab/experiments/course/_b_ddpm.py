"""A denoising diffusion model (Ho, Jain & Abbeel 2020) for course.diffusion: the cosine noise
schedule, the noise-predicting MLP, the training step and the ancestral sampler.

Forward process: q(x_t | x_0) = N(sqrt(abar_t) x_0, (1 - abar_t) I), abar_t = prod_{s<=t}
(1 - beta_s), with Nichol & Dhariwal's (2021) cosine abar_t = cos^2(pi/2 (t/T + s)/(1 + s))
normalised to abar_0 = 1 and beta_t clipped at 0.999. The network eps_theta(x_t, t) is trained
on ||eps - eps_theta(sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps, t)||^2 with t uniform in 1..T,
and a sample is drawn backwards from x_T ~ N(0, I) through the posterior q(x_{t-1} | x_t, x_0)
at the predicted x_0:

    x0_hat  = (x_t - sqrt(1 - abar_t) eps_theta(x_t, t)) / sqrt(abar_t), clipped to the data range
    x_{t-1} = beta_t sqrt(abar_{t-1}) / (1 - abar_t) x0_hat
              + (1 - abar_{t-1}) sqrt(1 - beta_t) / (1 - abar_t) x_t + sigma_t z,

sigma_t^2 = beta_t, z ~ N(0, I) (none at t = 1). Unclipped, this is exactly
x_{t-1} = (x_t - beta_t / sqrt(1 - abar_t) eps_theta) / sqrt(1 - beta_t) + sigma_t z; the clip
(Ho et al.'s ``clip_denoised``) matters for images: near t = T the cosine schedule's beta_t is
close to 1, and dividing by sqrt(1 - beta_t) would amplify the network's error on x_T many-fold,
driving every pixel to saturation.
"""

from __future__ import annotations

import numpy as np

import retroprop as rp
import retroprop.nn.functional as F
from retroprop import nn
from retroprop.train import State


def cosine_schedule(steps: int, s: float = 0.008) -> tuple[np.ndarray, np.ndarray]:
    """(beta_t, abar_t) for t = 1..steps (index t - 1), float64."""
    t = np.arange(steps + 1) / steps
    f = np.cos((t + s) / (1 + s) * np.pi / 2) ** 2
    beta = np.clip(1 - f[1:] / f[:-1], 0.0, 0.999)
    return beta, np.cumprod(1 - beta)


class Denoiser(nn.Module):
    """eps_theta(x, t): an MLP on x and a sinusoidal embedding of t (``embed`` features)."""

    def __init__(self, dim: int, hidden: int, depth: int, steps: int, embed: int = 32) -> None:
        super().__init__()
        self.steps, self.embed = steps, embed
        layers: list[nn.Module] = []
        width = dim + embed
        for _ in range(depth):
            layers += [nn.Linear(width, hidden), nn.GELU()]
            width = hidden
        layers.append(nn.Linear(hidden, dim))
        self.net = nn.Sequential(*layers)

    def time_features(self, t: np.ndarray) -> np.ndarray:
        """sin and cos of t / T at ``embed / 2`` frequencies from 1 to 1000 (geometric)."""
        freq = np.geomspace(1.0, 1000.0, self.embed // 2)
        angle = (t[:, None] / self.steps) * freq[None, :]
        return np.concatenate([np.sin(angle), np.cos(angle)], 1).astype(np.float32)

    def forward(self, x: rp.Tensor, t: np.ndarray) -> rp.Tensor:
        return self.net(rp.cat([x, rp.tensor(self.time_features(t))], 1))


def train_step(s: State, batch: tuple[rp.Tensor]) -> dict[str, float]:
    """One Adam update on the noise-prediction loss of a batch, t and eps drawn from s.noise."""
    (x0,) = batch
    n, dim = x0.shape
    t = s.noise.integers(1, s.model.steps + 1, size=n)
    eps = s.noise.standard_normal((n, dim)).astype(np.float32)
    abar = s.abar[t - 1][:, None].astype(np.float32)
    xt = rp.tensor(np.sqrt(abar)) * x0 + rp.tensor(np.sqrt(1 - abar) * eps)
    s.opt.zero_grad()
    loss = F.mse_loss(s.model(xt, t), rp.tensor(eps))
    loss.backward()
    s.opt.step()
    return {"loss": loss.item()}


def sample(
    model: Denoiser,
    beta: np.ndarray,
    n: int,
    dim: int,
    seed: int,
    keep: tuple[int, ...] = (),
    clip: tuple[float, float] | None = None,
) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """``n`` samples by the ancestral sampler, and the intermediate x_t for each t in ``keep``
    (x_T for t = T, the final samples for t = 0); ``clip`` bounds the predicted x_0 (the data
    range, e.g. (-1, 1) for images; None for unbounded data)."""
    rng = np.random.default_rng(seed)
    abar = np.cumprod(1 - beta)
    abar_prev = np.concatenate([[1.0], abar[:-1]])
    x = rng.standard_normal((n, dim))
    kept = {len(beta): x.copy()} if len(beta) in keep else {}
    model.eval()
    with rp.no_grad():
        for t in range(len(beta), 0, -1):
            b, a, a_prev = beta[t - 1], abar[t - 1], abar_prev[t - 1]
            eps = model(rp.tensor(x.astype(np.float32)), np.full(n, t)).numpy()
            x0 = (x - np.sqrt(1 - a) * eps) / np.sqrt(a)
            if clip is not None:
                x0 = np.clip(x0, *clip)
            x = (b * np.sqrt(a_prev) * x0 + (1 - a_prev) * np.sqrt(1 - b) * x) / (1 - a)
            if t > 1:
                x = x + np.sqrt(b) * rng.standard_normal(x.shape)
            if t - 1 in keep:
                kept[t - 1] = x.copy()
    return x, kept


def sliced_wasserstein(a: np.ndarray, b: np.ndarray, projections: int, seed: int) -> float:
    """The sliced 2-Wasserstein distance between two equal-size samples: the root mean, over
    random unit directions u, of W_2^2 between the 1-D laws of a.u and b.u (sorted pairs)."""
    if a.shape != b.shape:
        raise ValueError(
            f"sliced_wasserstein: a and b must have the same shape, got {a.shape}, {b.shape}"
        )
    u = np.random.default_rng(seed).standard_normal((a.shape[1], projections))
    u /= np.linalg.norm(u, axis=0)
    pa, pb = np.sort(a @ u, axis=0), np.sort(b @ u, axis=0)
    return float(np.sqrt(((pa - pb) ** 2).mean()))
