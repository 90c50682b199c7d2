"""course.vae: the slides' convolutional VAE on MNIST, its latent space and its samples.

Slides 004, "Réseaux particuliers: Variational AutoEncoders (VAE)", after the TensorFlow
tutorial "Convolutional Variational Autoencoder": an encoder E gives the mean and log-variance
of a Gaussian q(z|x) on a latent space of ``latent`` dimensions (2 here, so it can be drawn),
a decoder D gives Bernoulli logits for the 784 pixels, and the loss is minus the evidence
lower bound, per image,

    -ELBO(x) = E_{z ~ q(z|x)} [-log p(x|z)] + KL(q(z|x) || N(0, I)),
    KL = 1/2 sum_j (mu_j^2 + sigma_j^2 - 1 - log sigma_j^2),

the reconstruction error and the conformity to the target law of the slides' loss, the
expectation estimated with one z = mu + sigma * eps (reparameterisation). As in the tutorial
the pixels are binarised (> 0.5), so the ELBO is a bound on log p(x) in nats per image. The
tutorial's network, with half its channels: conv 3x3/2 16 - conv 3x3/2 32 - dense; dense -
convT 3x3/2 32 - convT 3x3/2 16 - convT 3x3/1 1.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import retroprop as rp
import retroprop.nn.functional as F
from retroprop import nn, viz
from retroprop.data import DataLoader, TensorDataset
from retroprop.lab import Experiment, Figure, Metric, Reference, Results, RunContext
from retroprop.lab.experiments.course._b_common import SLIDES, curves, mnist
from retroprop.train import State


class ConvVAE(nn.Module):
    """q(z|x) = N(mu(x), diag(exp(logvar(x)))) and p(x|z) = Bernoulli(sigmoid(D(z)))."""

    def __init__(self, latent: int, channels: int) -> None:
        super().__init__()
        c1, c2 = channels, 2 * channels
        self.latent = latent
        self.encoder = nn.Sequential(
            nn.Conv2d(1, c1, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(c1, c2, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(c2 * 49, 2 * latent),
        )
        self.decoder = nn.Sequential(
            nn.Linear(latent, c1 * 49),
            nn.ReLU(),
            nn.Unflatten(1, (c1, 7, 7)),
            nn.ConvTranspose2d(c1, c2, 3, stride=2, padding=1, output_padding=1),
            nn.ReLU(),
            nn.ConvTranspose2d(c2, c1, 3, stride=2, padding=1, output_padding=1),
            nn.ReLU(),
            nn.ConvTranspose2d(c1, 1, 3, stride=1, padding=1),
        )

    def encode(self, x: rp.Tensor) -> tuple[rp.Tensor, rp.Tensor]:
        h = self.encoder(x)
        return h[:, : self.latent], h[:, self.latent :]


def negative_elbo(
    model: ConvVAE, x: rp.Tensor, eps: np.ndarray
) -> tuple[rp.Tensor, rp.Tensor, rp.Tensor]:
    """Per image: (-ELBO, reconstruction -log p(x|z), KL), each (N,), with z = mu + sigma eps."""
    mu, logvar = model.encode(x)
    z = mu + (0.5 * logvar).exp() * rp.tensor(eps)
    logits = model.decoder(z)
    rec = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum((1, 2, 3))
    kl = 0.5 * (mu**2 + logvar.exp() - 1.0 - logvar).sum(1)
    return rec + kl, rec, kl


def step(s: State, batch: tuple[rp.Tensor]) -> dict[str, float]:
    """One Adam update on the batch's mean -ELBO."""
    (x,) = batch
    s.opt.zero_grad()
    eps = s.noise.standard_normal((x.shape[0], s.model.latent)).astype(np.float32)
    loss, rec, kl = negative_elbo(s.model, x, eps)
    loss.mean().backward()
    s.opt.step()
    return {"loss": loss.mean().item(), "reconstruction": rec.mean().item(), "kl": kl.mean().item()}


def test_scores(model: ConvVAE, x: np.ndarray, seed: int) -> dict[str, float]:
    """The test set's mean ELBO, reconstruction term and KL (one z per image, seeded)."""
    eps = np.random.default_rng(seed).standard_normal((len(x), model.latent)).astype(np.float32)
    sums = np.zeros(3)
    with rp.no_grad():
        for i in range(0, len(x), 500):
            parts = negative_elbo(model, rp.tensor(x[i : i + 500]), eps[i : i + 500])
            sums += [float(p.numpy().sum()) for p in parts]
    loss, rec, kl = sums / len(x)
    return {"test_elbo": -loss, "test_reconstruction": rec, "test_kl": kl}


def decode(model: ConvVAE, z: np.ndarray) -> np.ndarray:
    """The decoder's pixel probabilities sigmoid(D(z)), (N, 1, 28, 28)."""
    with rp.no_grad():
        return F.sigmoid(model.decoder(rp.tensor(z.astype(np.float32)))).numpy()


def run(config: dict[str, Any], ctx: RunContext) -> Results:
    """Train on binarised MNIST, then draw reconstructions, samples, the latent codes and
    interpolations."""
    x, _, x_test, y_test = mnist(config["n_train"], config["n_test"], config["seed"])
    x, x_test = (x > 0.5).astype(np.float32), (x_test > 0.5).astype(np.float32)
    model = ConvVAE(config["latent"], config["channels"])
    s = State(
        model=model,
        opt=rp.optim.Adam(model.parameters(), lr=config["lr"]),
        data=DataLoader(
            TensorDataset(x), batch_size=config["batch_size"], shuffle=True, seed=config["seed"]
        ),
        noise=np.random.default_rng(config["seed"] + 1),
    )
    h = ctx.loop(
        s, step, s.data, epochs=config["epochs"], evaluate=lambda s: test_scores(s.model, x_test, 7)
    )
    metrics: dict[str, Any] = {k: h[k][-1] for k in ("test_elbo", "test_reconstruction", "test_kl")}
    metrics["train_elbo"] = -h["loss"][-1]
    fig = ctx.figures
    with rp.no_grad():
        mu, _ = model.encode(rp.tensor(x_test))
    mu = mu.numpy()
    viz.reconstructions(
        x_test[:10],
        decode(model, mu[:10]),
        fig / "reconstructions.png",
        n=10,
        title="test digits (top) and sigmoid(D(mu(x))) (bottom)",
    )
    prior = np.random.default_rng(3).standard_normal((32, config["latent"]))
    viz.image_grid(decode(model, prior), fig / "samples.png", ncols=8, title="D(z), z ~ N(0, I)")
    figures = [
        Figure("figures/reconstructions.png", "test digits and their reconstructions"),
        Figure("figures/samples.png", "new digits decoded from the prior"),
        Figure("figures/learning_curves.png", "train -ELBO and its two terms, test ELBO"),
    ]
    if config["latent"] == 2:
        viz.scatter(
            mu,
            fig / "latent.png",
            labels=y_test,
            title="mu(x) of the test digits, by digit",
            axis_labels=["z_1", "z_2"],
        )
        grid = np.linspace(-2, 2, 12)
        zz = np.stack(np.meshgrid(grid, -grid), -1).reshape(-1, 2)
        viz.image_grid(
            decode(model, zz),
            fig / "manifold.png",
            ncols=12,
            title="D(z) on a grid of z in [-2, 2]^2",
        )
        figures += [
            Figure("figures/latent.png", "the 2-D latent codes of the test set, coloured by digit"),
            Figure("figures/manifold.png", "the decoder over a grid of the latent plane"),
        ]
    pairs = [
        (int(np.flatnonzero(y_test == a)[0]), int(np.flatnonzero(y_test == b)[0]))
        for a, b in ((1, 7), (3, 8), (4, 9), (0, 6))
    ]
    t = np.linspace(0, 1, 10)[:, None]
    path = np.concatenate([(1 - t) * mu[i] + t * mu[j] for i, j in pairs])
    viz.image_grid(
        decode(model, path),
        fig / "interpolations.png",
        ncols=10,
        title="straight lines between the codes of 1-7, 3-8, 4-9, 0-6",
    )
    figures.append(Figure("figures/interpolations.png", "interpolations in the latent space"))
    curves(
        {
            "train -ELBO": h["loss"],
            "train reconstruction": h["reconstruction"],
            "train KL": h["kl"],
            "test -ELBO": [-v for v in h["test_elbo"]],
        },
        fig / "learning_curves.png",
        title="nats per image",
        xlabel="epoch",
        ylabel="nats",
        logy=True,
    )
    notes = (
        f"{len(x)} binarised training images, {len(x_test)} test images; latent dimension "
        f"{config['latent']}, {config['channels']}/{2 * config['channels']} channels; Adam "
        f"lr {config['lr']}, batches of {config['batch_size']}, {config['epochs']} epochs. "
        f"test_elbo = {metrics['test_elbo']:.2f} nats per image = -(reconstruction "
        f"{metrics['test_reconstruction']:.2f} + KL {metrics['test_kl']:.2f}), one z per "
        "image: a lower bound on the test log-likelihood log p(x) (higher is better). For "
        "scale, 784 pixels each coded with probability 1/2 cost 784 log 2 = 543 nats.\n\n"
        "What to look at: latent.png — the encoder spreads the digits over the plane, close "
        "to the N(0, I) the KL asks for, each digit in its region; manifold.png and "
        "interpolations.png — walking in the latent plane morphs one digit into another "
        "(the 'side-effect: interpolations' of the slides); samples.png — with two "
        "latent dimensions the samples are blurry averages: the price of a 2-number code.\n\n"
        "What to change next: `--latent 16` (a much better ELBO and sharper samples, but no "
        "more plane to draw), `--channels 32` (the tutorial's width), a layer more in "
        "encoder and decoder as the slides suggest. Full run: about 4 minutes on one core."
    )
    return Results(
        metrics=metrics,
        figures=figures,
        notes=notes,
        history=h.history,
        state_dict=model.state_dict(),
    )


EXPERIMENT = Experiment(
    name="course.vae",
    description="the slides' convolutional VAE on binarised MNIST: 2-D latent, samples, "
    "interpolations",
    config={
        "latent": 2,
        "channels": 16,
        "n_train": 30000,
        "n_test": 0,
        "epochs": 8,
        "batch_size": 64,
        "lr": 1e-3,
    },
    quick={"n_train": 256, "n_test": 200, "epochs": 1, "channels": 4},
    data=("mnist",),
    metrics=[
        Metric(
            "test_elbo",
            "higher",
            document=Reference(None, SLIDES, "VAE slides, TensorFlow CVAE tutorial: no number"),
        ),
        Metric("test_kl", None),
        Metric("test_reconstruction", None),
    ],
    run=run,
)
