"""course.diffusion: a small denoising diffusion model (DDPM), on a 2-D law and on 8x8 digits.

Slides 004, "Autre réseaux génératifs: Stable diffusion": "Idée: inverser le processus qui
détériore une image par adjonction de bruit blanc ... Un modèle de diffusion débruite l'image
de manière itérative". Stable Diffusion runs this in a VAE's latent space with a text
prompt; here the diffusion itself, small enough to train in minutes (see _b_ddpm.py for the
equations): first on two moons in the plane, then on scikit-learn's 8x8 digits (1,797
images, 64 grey levels scaled to [-1, 1]), each with an MLP noise predictor.

Quality, with a reference and a floor for each number:
- ``sliced_wasserstein/*``: the sliced 2-Wasserstein distance between generated points and
  held-out data, beside the same distance between two real samples of the same size (the
  floor: what sampling error alone gives) and between the starting noise and the data;
- ``classifier_confidence``: the mean top softmax probability that a digit classifier
  (trained on the real training digits) gives to generated digits, beside the same on the
  held-out real digits; ``class_entropy`` (entropy of the predicted digits' histogram over
  log 10: 1 when all ten digits are generated equally often) guards against a model that
  draws one clean digit every time.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.datasets import make_moons

import retroprop as rp
from retroprop import nn, viz
from retroprop.data import DataLoader, TensorDataset
from retroprop.data.datasets import load_digits
from retroprop.lab import Experiment, Figure, Metric, Reference, Results, RunContext
from retroprop.lab.experiments.course._b_common import SLIDES, classify_step, figure
from retroprop.lab.experiments.course._b_ddpm import (
    Denoiser,
    cosine_schedule,
    sample,
    sliced_wasserstein,
    train_step,
)
from retroprop.train import State


def train_ddpm(
    ctx: RunContext, name: str, x: np.ndarray, config: dict[str, Any], hidden: int, epochs: int
) -> tuple[Denoiser, np.ndarray, list[float]]:
    """Train a denoiser on the rows of ``x`` (loop ``name``); (model, betas, loss history)."""
    beta, abar = cosine_schedule(config["steps"])
    model = Denoiser(x.shape[1], hidden, config["depth"], config["steps"])
    s = State(
        model=model,
        opt=rp.optim.Adam(model.parameters(), lr=config["lr"]),
        data=DataLoader(
            TensorDataset(x), batch_size=config["batch_size"], shuffle=True, seed=config["seed"]
        ),
        noise=np.random.default_rng(config["seed"] + 1),
        abar=abar,
    )
    h = ctx.loop(s, train_step, s.data, epochs=epochs, name=name)
    return model, beta, h["loss"]


def digit_classifier(
    ctx: RunContext, x: np.ndarray, y: np.ndarray, config: dict[str, Any]
) -> nn.Module:
    """An MLP 64-128-10 trained on the real training digits (loop ``classifier``)."""
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    s = State(
        model=model,
        opt=rp.optim.Adam(model.parameters(), lr=1e-3),
        data=DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True, seed=config["seed"]),
        losses=[],
    )
    ctx.loop(s, classify_step, s.data, epochs=config["classifier_epochs"], name="classifier")
    return model


def probabilities(model: nn.Module, x: np.ndarray) -> np.ndarray:
    model.eval()
    with rp.no_grad():
        return rp.softmax(model(rp.tensor(x.astype(np.float32))), 1).numpy()


def scatter_process(kept: dict[int, np.ndarray], data: np.ndarray, path: Any, steps: int) -> None:
    fig = figure(2.3 * (len(kept) + 1), 2.6)
    for k, t in enumerate(sorted(kept, reverse=True)):
        ax = fig.add_subplot(1, len(kept) + 1, k + 1)
        ax.scatter(*kept[t][:1000].T, s=2, color="C0")
        ax.set(title=f"t = {t}" + (" (noise)" if t == steps else ""), xlim=(-3, 3), ylim=(-3, 3))
        ax.set_xticks([])
        ax.set_yticks([])
    ax = fig.add_subplot(1, len(kept) + 1, len(kept) + 1)
    ax.scatter(*data[:1000].T, s=2, color="k")
    ax.set(title="data", xlim=(-3, 3), ylim=(-3, 3))
    ax.set_xticks([])
    ax.set_yticks([])
    fig.savefig(path)


def run(config: dict[str, Any], ctx: RunContext) -> Results:
    """The 2-D model, then the digit classifier and the digit model."""
    seed, T = config["seed"], config["steps"]
    keep = (T, 3 * T // 4, T // 2, T // 4, T // 10, 0)
    metrics: dict[str, Any] = {}

    n_eval = min(2000, config["n_points"])
    points, _ = make_moons(config["n_points"] + n_eval, noise=0.05, random_state=seed)
    points = ((points - points.mean(0)) / points.std(0)).astype(np.float32)
    train2d, held2d = points[:-n_eval], points[-n_eval:]
    model, beta, loss2d = train_ddpm(
        ctx, "ddpm_2d", train2d, config, config["hidden_2d"], config["epochs_2d"]
    )
    gen2d, kept = sample(model, beta, n_eval, 2, seed + 2, keep)
    sw = lambda a, b: sliced_wasserstein(a, b, 256, seed + 3)  # noqa: E731
    metrics["sliced_wasserstein/2d"] = sw(gen2d, held2d)
    metrics["sliced_wasserstein/2d_floor_real_vs_real"] = sw(train2d[:n_eval], held2d)
    metrics["sliced_wasserstein/2d_noise"] = sw(kept[T], held2d)
    scatter_process(kept, held2d, ctx.figures / "moons_reverse_process.png", T)

    digits, labels = load_digits(return_X_y=True)
    digits = (digits / 8.0 - 1.0).astype(np.float32)
    order = np.random.default_rng(seed).permutation(len(digits))
    n_held = len(digits) // 5
    held, train = order[:n_held], order[n_held:]
    if config["n_digits"]:
        train = train[: config["n_digits"]]
    clf = digit_classifier(ctx, digits[train], labels[train], config)
    p_real = probabilities(clf, digits[held])
    metrics["classifier_test_accuracy"] = float((p_real.argmax(1) == labels[held]).mean())
    metrics["classifier_confidence/real"] = float(p_real.max(1).mean())
    model, beta, loss_digits = train_ddpm(
        ctx, "ddpm_digits", digits[train], config, config["hidden_digits"], config["epochs_digits"]
    )
    gen, kept = sample(model, beta, n_held, 64, seed + 4, keep, clip=(-1.0, 1.0))
    gen = np.clip(gen, -1.0, 1.0)
    p_gen = probabilities(clf, gen)
    p_noise = probabilities(clf, np.clip(kept[T], -1, 1))
    hist = np.bincount(p_gen.argmax(1), minlength=10) / len(gen)
    metrics["classifier_confidence"] = float(p_gen.max(1).mean())
    metrics["classifier_confidence/noise"] = float(p_noise.max(1).mean())
    metrics["class_entropy"] = float(-(hist[hist > 0] * np.log(hist[hist > 0])).sum() / np.log(10))
    m = min(n_held, len(train))  # equal sizes for the distances
    metrics["sliced_wasserstein/digits"] = sw(gen[:m], digits[held[:m]])
    metrics["sliced_wasserstein/digits_floor_real_vs_real"] = sw(
        digits[train[:m]], digits[held[:m]]
    )
    metrics["sliced_wasserstein/digits_noise"] = sw(np.clip(kept[T][:m], -1, 1), digits[held[:m]])
    metrics["generated_digit_counts"] = str(np.bincount(p_gen.argmax(1), minlength=10).tolist())

    rows = np.concatenate([np.clip(kept[t][:10], -1, 1) for t in sorted(kept, reverse=True)])
    viz.image_grid(
        rows.reshape(-1, 8, 8),
        ctx.figures / "digits_reverse_process.png",
        ncols=10,
        title="each column one sample, rows t = "
        + ", ".join(str(t) for t in sorted(kept, reverse=True)),
    )
    viz.image_grid(
        gen[:40].reshape(-1, 8, 8),
        ctx.figures / "digits_samples.png",
        ncols=10,
        titles=[str(d) for d in p_gen[:40].argmax(1)],
        title="generated digits (the classifier's reading)",
    )
    viz.learning_curves(
        {"loss 2-D": loss2d, "loss digits": loss_digits},
        ctx.figures / "losses.png",
        title="noise-prediction loss",
        logy=True,
    )
    notes = (
        f"Both models: {T} noise levels (cosine schedule), an MLP noise predictor of "
        f"{config['depth']} GELU layers (width {config['hidden_2d']} in 2-D, "
        f"{config['hidden_digits']} for digits) with a sinusoidal embedding of t, Adam lr "
        f"{config['lr']}, batches of {config['batch_size']}; {config['epochs_2d']} epochs "
        f"on {len(train2d)} points, {config['epochs_digits']} epochs on {len(train)} "
        f"digits; {n_held} digits held out. Sampling: the ancestral sampler, sigma_t^2 = "
        "beta_t, through the predicted x_0 (clipped to the pixel range [-1, 1] for the "
        "digits).\n\n"
        f"2-D: sliced Wasserstein {metrics['sliced_wasserstein/2d']:.4f} between {n_eval} "
        f"generated points and {n_eval} held-out ones, against "
        f"{metrics['sliced_wasserstein/2d_floor_real_vs_real']:.4f} between two real samples "
        f"and {metrics['sliced_wasserstein/2d_noise']:.4f} for the starting noise. Digits: "
        f"the classifier (test accuracy {metrics['classifier_test_accuracy']:.3f}) is "
        f"{metrics['classifier_confidence']:.3f} sure of generated digits on average, "
        f"{metrics['classifier_confidence/real']:.3f} of real ones and "
        f"{metrics['classifier_confidence/noise']:.3f} of noise; class entropy "
        f"{metrics['class_entropy']:.3f} (1 = all ten digits equally often).\n\n"
        "What to look at: the reverse-process figures, read from noise (t = T) to data "
        "(t = 0). Nothing happens for most of the way, then structure appears late, at "
        "small t: the network has learnt the score, the direction towards denser data at "
        "each noise level.\n\n"
        "What to change next: `--steps 50` (fewer, coarser denoising steps), "
        "`--epochs_digits 100`, `--hidden_digits 128`. Full run: about 4 minutes."
    )
    return Results(
        metrics=metrics,
        figures=[
            Figure("figures/moons_reverse_process.png", "2-D: samples along the reverse process"),
            Figure("figures/digits_reverse_process.png", "digits along the reverse process"),
            Figure("figures/digits_samples.png", "generated 8x8 digits"),
            Figure("figures/losses.png", "training losses"),
        ],
        notes=notes,
    )


EXPERIMENT = Experiment(
    name="course.diffusion",
    description="a small DDPM on two moons and on 8x8 digits: the reverse process, sample quality",
    config={
        "steps": 200,
        "depth": 3,
        "hidden_2d": 128,
        "hidden_digits": 256,
        "n_points": 8000,
        "n_digits": 0,
        "epochs_2d": 80,
        "epochs_digits": 300,
        "classifier_epochs": 30,
        "batch_size": 128,
        "lr": 1e-3,
    },
    quick={
        "steps": 20,
        "n_points": 500,
        "n_digits": 300,
        "epochs_2d": 2,
        "epochs_digits": 2,
        "classifier_epochs": 2,
        "hidden_2d": 16,
        "hidden_digits": 32,
    },
    metrics=[
        Metric(
            "classifier_confidence",
            "higher",
            document=Reference(None, SLIDES, "Stable diffusion slides: no number"),
        ),
        Metric("sliced_wasserstein/2d", "lower"),
        Metric("sliced_wasserstein/digits", "lower"),
        Metric("class_entropy", "higher"),
    ],
    run=run,
)
