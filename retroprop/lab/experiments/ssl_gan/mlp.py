"""ssl_gan.mlp: the semi-supervised GAN of Salimans et al. (2016) with the paper's MLP, on
MNIST with 100 labels (document 001 and issue 12).

D is a 10-class classifier whose 11th class, "generated", has its logit fixed to 0
(784-1000-500-250-250-250-10, Gaussian noise, weight norm with a data-dependent
initialisation); G (z uniform in [0, 1]^100 -> 500 -> 500 -> 784) is trained by feature matching
on D's last hidden layer. Facts (architecture, initialisation, losses, Adam(0.003, beta1 0.5)
with eps inside the square root, batch 100, 600 steps an epoch, an average of D's weights for
testing) come from the paper's code, openai/improved-gan ``train_mnist_feature_matching.py``.

The paper trains 300 epochs at a constant learning rate (``--schedule paper``). The default
``fast`` schedule trains ``epochs`` epochs and lets the learning rate fall linearly to 0 over
the last ``decay_epochs``, testing a faster average of D's weights (``ema_decay``).
"""

from __future__ import annotations

from typing import Any

from retroprop.lab import Experiment, Metric, Reference, Results, RunContext
from retroprop.lab.experiments.ssl_gan import _models, _ssl
from retroprop.lab.experiments.ssl_gan._report import DOCUMENT, PAPER

COMPARE = (
    "The document's MLP reached 0.7794, the paper 0.9907 (93 ± 6.5 errors over 10 label draws, "
    "300 epochs); Bad GAN (Dai et al. 2017) 0.9920 is the stretch goal."
)


def run(config: dict[str, Any], ctx: RunContext) -> Results:
    def make_disc() -> Any:
        return _models.discriminator(minibatch_kernels=int(config["minibatch_kernels"]))

    return _ssl.run(config, ctx, make_disc, (784,), COMPARE)


EXPERIMENT = Experiment(
    name="ssl_gan.mlp",
    description="semi-supervised GAN, the paper's MLP, MNIST with 100 labels (Salimans 2016)",
    config={
        "schedule": "fast",
        "epochs": 60,
        "decay_epochs": 30,
        "ema_decay": 0.999,
        "lr": 0.003,
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
        "log_epochs": [1, 10, 50, 100, 200, 300],
        "threads": 1,
    },
    quick={
        "epochs": 2,
        "decay_epochs": 1,
        "ema_decay": 0.9,
        "batch_size": 50,
        "init_images": 100,
        "n_val": 100,
        "n_train": 600,
        "n_test": 500,
    },
    data=("mnist",),
    metrics=[
        Metric(
            "test_accuracy",
            "higher",
            target=0.99,
            document=Reference(0.7794, DOCUMENT, "Table 4, DNN discriminator"),
            anchor=Reference(0.9907, PAPER, "Table 1, 100 labels, feature matching"),
        ),
        Metric(
            "test_errors",
            "lower",
            target=100,
            document=Reference(2206, DOCUMENT, "from Table 4's 0.7794 of 10,000 images"),
            anchor=Reference(93, PAPER, "Table 1: 93 ± 6.5 errors over 10 label draws"),
        ),
        Metric("epoch_s", None),
    ],
    run=run,
)
