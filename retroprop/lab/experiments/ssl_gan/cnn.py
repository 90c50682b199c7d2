"""ssl_gan.cnn: the semi-supervised GAN of Salimans et al. (2016) with a convolutional
discriminator of the conv-small kind (weight norm, LeakyReLU, dropout, global average pooling)
on 1 x 28 x 28 MNIST images with 100 labels (document 001, whose CNN discriminator reached
0.9509, and issue 12). The generator, the losses, the step, the schedules and the protocol are
ssl_gan.mlp's (``_train``); only D changes, with a lower learning rate (0.001: our choice, not
tuned on the test set) and fewer epochs, a step costing several MLP steps.
"""

from __future__ import annotations

from typing import Any

from retroprop.lab import Experiment, Metric, Reference, Results, RunContext
from retroprop.lab.experiments.ssl_gan import _models, _ssl
from retroprop.lab.experiments.ssl_gan._report import DOCUMENT, PAPER

COMPARE = (
    "The document's CNN discriminator reached 0.9509; the paper reports 0.9907 with its MLP "
    "(93 ± 6.5 errors over 10 label draws)."
)


def run(config: dict[str, Any], ctx: RunContext) -> Results:
    def make_disc() -> Any:
        return _models.cnn_discriminator(
            tuple(config["widths"]),
            dropout=float(config["dropout"]),
            minibatch_kernels=int(config["minibatch_kernels"]),
        )

    return _ssl.run(config, ctx, make_disc, (1, 28, 28), COMPARE)


EXPERIMENT = Experiment(
    name="ssl_gan.cnn",
    description="semi-supervised GAN with a conv-small discriminator, MNIST with 100 labels",
    config={
        "schedule": "fast",
        "epochs": 20,
        "decay_epochs": 10,
        "ema_decay": 0.999,
        "lr": 0.001,
        "widths": [32, 64, 128],
        "dropout": 0.5,
        "beta1": 0.5,
        "adam_eps": 1e-8,
        "adam_eps_inside_sqrt": True,
        "batch_size": 100,
        "unlabeled_weight": 0.5,
        "real_label": 1.0,
        "minibatch_kernels": 0,
        "init_images": 500,
        "per_class": 10,
        "n_val": 1000,
        "n_train": 0,
        "n_test": 0,
        "log_epochs": [1, 5, 10, 20, 50, 100],
        "threads": 1,
    },
    quick={
        "epochs": 2,
        "decay_epochs": 1,
        "ema_decay": 0.9,
        "batch_size": 50,
        "init_images": 100,
        "n_val": 100,
        "n_train": 300,
        "widths": [4, 8, 8],
        "n_test": 500,
    },
    data=("mnist",),
    metrics=[
        Metric(
            "test_accuracy",
            "higher",
            target=0.98,
            document=Reference(0.9509, DOCUMENT, "Table 4, CNN discriminator"),
            anchor=Reference(0.9907, PAPER, "Table 1, 100 labels (their MLP)"),
        ),
        Metric(
            "test_errors",
            "lower",
            target=200,
            document=Reference(491, DOCUMENT, "from Table 4's 0.9509 of 10,000 images"),
            anchor=Reference(93, PAPER, "Table 1: 93 ± 6.5 errors over 10 label draws"),
        ),
        Metric("epoch_s", None),
    ],
    run=run,
)
