"""The semi-supervised GAN's training on the shared loop: the State, one step (a D update, the
average of D's weights, a G update) and the evaluation, for any discriminator and generator.

One epoch is one pass over the unlabelled images in batches (600 steps on the 60,000 MNIST
training images, as in the paper's code); each step also takes a batch of the labelled images,
repeated and reshuffled so that they fill the epoch, and a second, independently shuffled
batch of unlabelled images for the generator's feature matching. Those orders, the counter and
every generator of random numbers live in the State, so a checkpoint resumes mid-epoch.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import retroprop as rp
import retroprop.nn.functional as F
from retroprop import nn
from retroprop.data import DataLoader, TensorDataset
from retroprop.lab.experiments.ssl_gan._data import Split
from retroprop.lab.experiments.ssl_gan._models import (
    Z_DIM,
    copy_of,
    ema_update_,
    features,
    generator,
    init_from_data_,
    predict,
    trainable,
)
from retroprop.nn.utils import parametrize
from retroprop.train import State

SCHEDULES = {
    # epochs, epochs of linear decay of the learning rate to 0 at the end, EMA decay of D
    "paper": (300, 0, 0.9999),
}


def schedule(config: dict[str, Any]) -> tuple[int, int, float]:
    """(epochs, decay_epochs, ema_decay): the config's own, or the paper's with
    ``schedule="paper"`` (300 epochs at a constant learning rate, an average of rate 1e-4)."""
    if config["schedule"] == "paper":
        return SCHEDULES["paper"]
    if config["schedule"] != "fast":
        raise ValueError(f"ssl_gan: schedule must be 'fast' or 'paper', got {config['schedule']!r}")
    return int(config["epochs"]), int(config["decay_epochs"]), float(config["ema_decay"])


def build(
    config: dict[str, Any], split: Split, make_disc: Callable[[], nn.Module], image_shape: tuple
) -> State:
    """Models (D initialised from 500 training images, its average, G), the two Adams, the
    unlabelled loader, and the generators and orders the step draws from."""
    seed = int(config["seed"])
    rp.manual_seed(seed)
    disc, gen = make_disc(), _generator(config, image_shape)
    init_images = split.x_unl[: int(config["init_images"])].reshape(-1, *image_shape)
    init_from_data_(disc, init_images)
    adam = {
        "lr": config["lr"],
        "betas": (config["beta1"], 0.999),
        "eps": config["adam_eps"],
        "eps_inside_sqrt": config["adam_eps_inside_sqrt"],
    }
    batch = int(config["batch_size"])
    data = DataLoader(
        TensorDataset(split.x_unl.reshape(-1, *image_shape)),
        batch_size=batch,
        shuffle=True,
        drop_last=True,
        seed=seed,
    )
    n = len(data) * batch
    return State(
        disc=disc,
        gen=gen,
        disc_avg=copy_of(disc, make_disc),
        opt_d=rp.optim.Adam(trainable(disc), **adam),
        opt_g=rp.optim.Adam(trainable(gen), **adam),
        data=data,
        draws=np.random.default_rng([seed, 1]),
        lab_order=np.zeros(n, np.int64),
        unl2_order=np.zeros(n, np.int64),
        t=0,
        seconds=0.0,
        eval_seconds=0.0,
        fixed_z=np.random.default_rng([seed, 2]).uniform(0, 1, (100, Z_DIM)).astype(np.float32),
    )


def _generator(config: dict[str, Any], image_shape: tuple) -> nn.Module:
    gen = generator()
    return gen if len(image_shape) == 1 else nn.Sequential(gen, nn.Unflatten(1, image_shape))


def _reorder(state: State, split: Split) -> None:
    """A new epoch's orders: the labelled images repeated in fresh permutations, and a
    permutation of the unlabelled ones for feature matching."""
    n, n_lab = len(state.lab_order), len(split.x_lab)
    reps = math.ceil(n / n_lab)
    laps = state.draws.permuted(np.tile(np.arange(n_lab), (reps, 1)), axis=1)
    state.lab_order[...] = laps.ravel()[:n]
    state.unl2_order[...] = state.draws.permutation(len(split.x_unl))[:n]


def make_step(config: dict[str, Any], split: Split, image_shape: tuple) -> Callable:
    """step(state, batch): the learning rate of this step, D's update on a labelled, an
    unlabelled and a generated batch, the average of D's weights, G's feature-matching update."""
    epochs, decay_epochs, ema_decay = schedule(config)
    weight, real_label = float(config["unlabeled_weight"]), float(config["real_label"])
    separate = bool(config["minibatch_kernels"])  # minibatch features depend on the batch
    lr0 = float(config["lr"])

    def step(state: State, batch: Any) -> dict[str, float]:
        t0 = time.perf_counter()
        (x_unl,) = batch
        b = len(x_unl)
        steps = len(state.lab_order) // b
        i = state.t % steps
        if i == 0:
            _reorder(state, split)
        lab = state.lab_order[i * b : (i + 1) * b]
        x_lab = rp.tensor(split.x_lab[lab].reshape(-1, *image_shape))
        y_lab = rp.tensor(split.y_lab[lab])
        x_unl2 = rp.tensor(split.x_unl[state.unl2_order[i * b : (i + 1) * b]])
        x_unl2 = x_unl2.reshape(-1, *image_shape)
        left = epochs * steps - state.t
        lr = lr0 * min(1.0, left / (decay_epochs * steps)) if decay_epochs else lr0
        for opt in (state.opt_d, state.opt_g):
            for group in opt.param_groups:
                group["lr"] = lr
        z1, z2 = (rp.tensor(state.draws.uniform(0, 1, (b, Z_DIM)).astype(np.float32)) for _ in "12")
        disc, gen = state.disc, state.gen

        with rp.no_grad():
            fake = gen(z1)
        with parametrize.cached():
            if separate:
                logits_lab, logits_unl, logits_fake = disc(x_lab), disc(x_unl), disc(fake)
            else:
                logits = disc(rp.cat([x_lab, x_unl, fake]))
                logits_lab, logits_unl, logits_fake = logits[:b], logits[b : 2 * b], logits[2 * b :]
        loss_lab = F.cross_entropy(logits_lab, y_lab)
        loss_unl = nn.ssl_unsupervised_loss(logits_unl, logits_fake, real_label)
        state.opt_d.zero_grad()
        (loss_lab + weight * loss_unl).backward()
        state.opt_d.step()
        ema_update_(state.disc_avg, disc, ema_decay)

        d_params = trainable(disc)
        for p in d_params:
            p.requires_grad_(False)
        feat = features(disc)
        with parametrize.cached():
            with rp.no_grad():
                real_f = feat(x_unl2)
            loss_gen = nn.feature_matching_loss(real_f, feat(gen(z2)))
        state.opt_g.zero_grad()
        loss_gen.backward()
        state.opt_g.step()
        for p in d_params:
            p.requires_grad_(True)

        state.t += 1
        err = float((logits_lab.detach().numpy().argmax(1) != y_lab.numpy()).mean())
        state.seconds += time.perf_counter() - t0
        return {
            "loss_lab": loss_lab.item(),
            "loss_unl": loss_unl.item(),
            "loss_gen": loss_gen.item(),
            "train_error": err,
            "lr": lr,
        }

    return step


def make_evaluate(split: Split, image_shape: tuple) -> Callable:
    """evaluate(state): test and validation accuracy of D's average (the reported model) and of
    D itself, noise off."""

    def evaluate(state: State) -> dict[str, float]:
        t0 = time.perf_counter()
        out = {}
        for name, model in (("", state.disc_avg), ("/raw", state.disc)):
            test = predict(model, split.x_test.reshape(-1, *image_shape))
            out["test_accuracy" + name] = float((test == split.y_test).mean())
            if len(split.x_val):
                val = predict(model, split.x_val.reshape(-1, *image_shape))
                out["val_accuracy" + name] = float((val == split.y_val).mean())
        state.eval_seconds += time.perf_counter() - t0
        return out

    return evaluate


def samples(state: State) -> np.ndarray:
    """G's images of the State's fixed z, (100, 28, 28) (G in training mode, as trained)."""
    with rp.no_grad():
        return state.gen(rp.tensor(state.fixed_z)).numpy().reshape(-1, 28, 28)
