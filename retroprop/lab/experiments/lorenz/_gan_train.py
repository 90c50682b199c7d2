"""lorenz.gan's training on the shared loop: the State and one step with the document's tricks.

Each trick is a setting:

- ``label_smoothing``: D's targets drawn uniformly in [0.9, 1] for real and [0, 0.1] for fake
  samples, at every update, instead of 1 and 0;
- ``instance_noise``: Gaussian noise of this standard deviation (in the scaled units, where
  the data span [-1, 1]) added to every real and generated sample D sees, its variance
  decaying linearly to 0 over ``instance_noise_epochs`` epochs;
- TTUR: D and G have their own learning rates, ``lr_d`` = 4 ``lr_g`` by default;
- ``label_flip``: the probability that each of D's targets is swapped (real for fake);
- ``d_every``: D is updated at one step in ``d_every`` (G at every step).

The losses are the non-saturating ones: D minimises the binary cross-entropy of its logits
against its targets, G minimises -log D(G(z)) (BCE against 1), on the noised samples.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

import retroprop as rp
import retroprop.nn.functional as F
from retroprop.data import DataLoader, TensorDataset
from retroprop.dynamics import rk4
from retroprop.lab.experiments.lorenz._gan_data import Codec, field
from retroprop.lab.experiments.lorenz._gan_models import (
    Z_DIM,
    InitialStateGenerator,
    dcgan_discriminator,
    dcgan_generator,
    seq_discriminator,
    seq_generator,
)
from retroprop.train import State

MODELS = ("dcgan", "conv1d", "integrator")


def latent_shape(config: dict[str, Any], n: int) -> tuple[int, ...]:
    """The shape of G's input for ``n`` samples."""
    return (n, Z_DIM, 1, 1) if config["model"] == "dcgan" else (n, Z_DIM)


def build(config: dict[str, Any], x_train: np.ndarray, codec: Codec) -> State:
    """G, D (spectral normalisation in D), their Adams (TTUR), the loader of the scaled real
    samples, the generator of every random draw of the steps, the step counter, D's last loss
    and the seconds spent in steps (summed over sessions). ``integrator``'s G decodes its
    initial states with the codec's statistics; its D sees windows of ``window`` samples."""
    seed, width = int(config["seed"]), int(config["width"])
    if config["model"] == "dcgan":
        gen, disc = dcgan_generator(width), dcgan_discriminator(width)
    elif config["model"] == "conv1d":
        length = x_train.shape[-1]
        gen, disc = seq_generator(width, length), seq_discriminator(width, length)
    elif config["model"] == "integrator":
        window = _window(config, x_train.shape[-1])
        lo, hi = codec.images.lo, codec.images.hi
        dt, substeps = float(config["dt"]), int(config["substeps"])
        gen = InitialStateGenerator(width, lo, hi, field(config), dt, substeps, window)
        disc = seq_discriminator(width, window, end=4)
    else:
        raise ValueError(f"lorenz.gan: model must be one of {MODELS}, got {config['model']!r}")
    betas = (float(config["beta1"]), 0.999)
    return State(
        gen=gen,
        disc=disc,
        opt_g=rp.optim.Adam(gen.parameters(), lr=float(config["lr_g"]), betas=betas),
        opt_d=rp.optim.Adam(disc.parameters(), lr=float(config["lr_d"]), betas=betas),
        data=DataLoader(
            TensorDataset(x_train.astype(np.float32)),
            batch_size=int(config["batch_size"]),
            shuffle=True,
            drop_last=True,
            seed=seed,
        ),
        draws=np.random.default_rng([seed, 1]),
        t=0,
        loss_d=0.0,
        seconds=0.0,
    )


def _window(config: dict[str, Any], n_samples: int) -> int:
    window = int(config["window"])
    if not 2 <= window <= n_samples:
        raise ValueError(f"lorenz.gan: window must be in [2, {n_samples}], got {window}")
    return window


def random_windows(x: rp.Tensor, length: int, draws: np.random.Generator) -> rp.Tensor:
    """``(N, C, n)`` -> ``(N, C, length)``: one window of ``length`` consecutive samples of
    each series, its start drawn uniformly (any window of a stationary series is a sample of
    the same law)."""
    starts = draws.integers(0, x.shape[-1] - length + 1, size=len(x))
    index = (starts[:, None] + np.arange(length))[:, None, :]
    return rp.tensor(np.take_along_axis(x.numpy(), index, axis=2))


def noise_std(config: dict[str, Any], epoch: int) -> float:
    """The instance noise's standard deviation at ``epoch`` (from 0): its variance falls
    linearly from ``instance_noise**2`` to 0 over ``instance_noise_epochs`` epochs."""
    std, span = float(config["instance_noise"]), int(config["instance_noise_epochs"])
    if std <= 0 or span <= 0:
        return 0.0
    return std * float(np.sqrt(max(0.0, 1.0 - epoch / span)))


def _targets(config: dict[str, Any], draws: np.random.Generator, n_real: int, n_fake: int):
    """D's targets for ``n_real`` real then ``n_fake`` fake samples, smoothed and flipped."""
    real, fake = np.ones(n_real), np.zeros(n_fake)
    if config["label_smoothing"]:
        real, fake = draws.uniform(0.9, 1.0, n_real), draws.uniform(0.0, 0.1, n_fake)
    y = np.concatenate([real, fake])
    flip = draws.random(len(y)) < float(config["label_flip"])
    y[flip] = 1.0 - y[flip]
    return rp.tensor(y.astype(np.float32)[:, None])


def make_step(config: dict[str, Any]) -> Callable[[State, Any], dict[str, float]]:
    """step(state, batch): G's samples of fresh z; D's update on the noised real and generated
    samples (one step in ``d_every``); G's update through D on its noised samples. For
    ``integrator`` the real samples are random windows of the batch's series, as long as G's."""
    d_every = int(config["d_every"])
    if d_every < 1:
        raise ValueError(f"lorenz.gan: d_every must be >= 1, got {d_every}")
    windowed = config["model"] == "integrator"

    def noised(x: rp.Tensor, std: float, draws: np.random.Generator) -> rp.Tensor:
        if std == 0:
            return x
        return x + rp.tensor((std * draws.standard_normal(x.shape)).astype(np.float32))

    def step(state: State, batch: Any) -> dict[str, float]:
        t0 = time.perf_counter()
        (x,) = batch
        b = len(x)
        std = noise_std(config, state.t // len(state.data))
        draws = state.draws
        if windowed:
            x = random_windows(x, state.gen.window, draws)
        z = rp.tensor(draws.standard_normal(latent_shape(config, b)).astype(np.float32))
        fake = state.gen(z)
        if state.t % d_every == 0:
            logits = state.disc(rp.cat([noised(x, std, draws), noised(fake.detach(), std, draws)]))
            loss_d = F.binary_cross_entropy_with_logits(logits, _targets(config, draws, b, b))
            state.opt_d.zero_grad()
            loss_d.backward()
            state.opt_d.step()
            state.loss_d = loss_d.item()
        d_params = list(state.disc.parameters())
        for p in d_params:  # G's loss needs no gradient for D's weights
            p.requires_grad_(False)
        gen_logits = state.disc(noised(fake, std, draws))
        loss_g = F.binary_cross_entropy_with_logits(gen_logits, rp.ones_like(gen_logits))
        state.opt_g.zero_grad()
        loss_g.backward()
        state.opt_g.step()
        for p in d_params:
            p.requires_grad_(True)
        state.t += 1
        state.seconds += time.perf_counter() - t0
        return {
            "loss_d": state.loss_d,
            "loss_g": loss_g.item(),
            "d_of_fake": float(rp.sigmoid(gen_logits.detach()).numpy().mean()),
            "instance_noise_std": std,
        }

    return step


def generate(state: State, config: dict[str, Any], codec: Codec, n: int, seed: int) -> np.ndarray:
    """``n`` samples of G (scaled units, the codec's layout) from z drawn by ``seed``'s own
    generator, in batches of the training size, G in training mode (batch statistics) as it
    was trained. ``integrator``: G's initial states, integrated without gradient (NumPy,
    float64) for ``n_samples`` samples with no transient, then encoded by the codec."""
    z = np.random.default_rng(seed).standard_normal(latent_shape(config, n)).astype(np.float32)
    size = int(config["batch_size"])
    integrated = config["model"] == "integrator"
    g = state.gen.initial_state if integrated else state.gen
    with rp.no_grad():
        parts = [g(rp.tensor(z[i : i + size])).numpy() for i in range(0, n, size)]
    out = np.concatenate(parts)
    if not integrated:
        return out
    dt, substeps, n_samples = float(config["dt"]), int(config["substeps"]), int(config["n_samples"])
    return codec.encode(rk4(field(config), out.astype(np.float64), dt, n_samples, substeps))
