"""diy.autoencoder: the report's section 6.1, USPS compressed 256 -> 10 -> 256 by its
autoencoder, with its two initialisations of Linear; then the same architecture in ``nn``."""

from __future__ import annotations

from typing import Any

from retroprop import viz
from retroprop.lab import Experiment, Figure, Metric, Reference, Results, RunContext
from retroprop.lab.experiments.diy import _autoencoder as ae
from retroprop.lab.experiments.diy._common import DOC, usps


def run(config: dict[str, Any], ctx: RunContext) -> Results:
    X, _, Xt, _ = usps(config["n_train"], config["n_test"], rescale=True)
    metrics: dict[str, Any] = {}
    history: dict[str, list[float]] = {}
    figures = []
    for init in ("report", "uniform"):
        model, losses = ae.train_report(X, X, init, config)
        history[f"loss ({init} init)"] = losses.tolist()
        R = model.forward(Xt)
        metrics[f"test_bce/{init}_init"], metrics[f"test_psnr/{init}_init"] = ae.scores(Xt, R)
        file = f"figures/reconstructions_{init}.png"
        viz.reconstructions(
            Xt.reshape(-1, 16, 16), R.reshape(-1, 16, 16), ctx.run_dir / file, n=10,
            title=f"{init} initialisation: PSNR {metrics[f'test_psnr/{init}_init']:.1f} dB",
        )  # fmt: skip
        figures.append(Figure(file, f"test digits and their reconstructions, {init} init"))
    model, h = ae.train_nn(ctx, "nn", X, X, config)
    history["loss (nn)"] = h["loss"]
    R = ae.nn_reconstruct(model, Xt)
    metrics["test_bce/nn"], metrics["test_psnr/nn"] = ae.scores(Xt, R)
    viz.reconstructions(
        Xt.reshape(-1, 16, 16), R.reshape(-1, 16, 16), ctx.figures / "reconstructions_nn.png",
        n=10, title=f"nn, AdamW: PSNR {metrics['test_psnr/nn']:.1f} dB",
    )  # fmt: skip
    figures.append(Figure("figures/reconstructions_nn.png", "the nn autoencoder"))
    notes = (
        "USPS scaled to [0, 1] ((x + 1) / 2), 7291 training digits, scores on the 2007 test "
        "digits: the mean binary cross-entropy per pixel and the PSNR (dB). The report's "
        "autoencoder, encoder `Linear(256, 100), TanH(), Linear(100, 10), TanH()`, decoder "
        "`Linear(10, 100), TanH(), Linear(100, 256), Sigmoide()`, trained by `SGD(model, "
        f"BCELoss(), X, X, batch_size={config['batch_size']}, max_iter={config['max_iter']}, "
        f"eps={config['eps']})` (the report: 120-200 epochs; fewer here), once with each of "
        "its initialisations: `report` = 2 (rand - 0.5), `uniform` = U(+-1/sqrt(input)). "
        'The report saw "a small sensitivity to the initialisation" and kept the first. '
        "`/nn`: the same architecture in `retroprop.nn` with PyTorch's initialisation, a "
        f"cross-entropy on logits and AdamW (lr {config['nn_lr']}, cosine schedule, "
        f"{config['nn_epochs']} epochs of batches of {config['nn_batch_size']})."
    )
    return Results(metrics=metrics, figures=figures, notes=notes, history=history)


EXPERIMENT = Experiment(
    name="diy.autoencoder",
    description="the DIY report's USPS autoencoder 256-100-10-100-256 with its two "
    "initialisations, then nn with AdamW",
    config={
        "n_train": 0,
        "n_test": 0,
        "batch_size": 20,
        "max_iter": 20,
        "eps": 0.001,
        "nn_epochs": 30,
        "nn_batch_size": 64,
        "nn_lr": 0.003,
    },  # fmt: skip
    quick={"n_train": 300, "n_test": 100, "max_iter": 2, "nn_epochs": 1},
    data=("usps",),
    metrics=[
        Metric(
            "test_bce/report_init",
            "lower",
            document=Reference("images", DOC, "section 6.1, figures 12-19"),
        ),
        Metric("test_bce/uniform_init", "lower"),
        Metric("test_psnr/report_init", "higher"),
        Metric("test_psnr/uniform_init", "higher"),
        Metric("test_bce/nn", "lower"),
        Metric("test_psnr/nn", "higher"),
    ],  # fmt: skip
    run=run,
)
