"""ssl_gan.baseline: supervised learning on the 100 labelled MNIST images alone — the numbers
the semi-supervised GAN must be compared with (document 001, section 3 and issue 12).

- ``*_document``: the document's recipe (Keras, Adam lr 0.001, batch 32, 100 epochs for the
  CNN and 50 for the DNN, ``validation_split=0.3``, so 70 images are trained on). Its models
  are drawn in figures we do not have; we take the Keras MNIST examples (``_models``).
- ``*_tuned``: the semi-supervised experiments' own discriminators (the paper's MLP with
  Gaussian noise and weight norm; the conv-small CNN with dropout) trained on all 100 labels
  with random translations of up to 2 pixels, Adam with a linear decay of the learning rate.
  Nothing was chosen on the test set; the recipe was fixed beforehand.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import retroprop as rp
from retroprop import viz
from retroprop.lab import Experiment, Figure, Metric, Reference, Results, RunContext
from retroprop.lab.experiments.ssl_gan import _data, _models, _report, _supervised
from retroprop.lab.experiments.ssl_gan._report import DOCUMENT

LADDER = "Rasmus et al. 2015, Ladder networks"
IMAGE = (1, 28, 28)


def run(config: dict[str, Any], ctx: RunContext) -> Results:
    previous = rp.get_num_threads()
    rp.set_num_threads(int(config["threads"]))
    try:
        return _run(config, ctx)
    finally:
        rp.set_num_threads(previous)


def _run(config: dict[str, Any], ctx: RunContext) -> Results:
    seed = int(config["seed"])
    split = _data.load(
        seed, config["per_class"], config["n_val"], config["n_train"], config["n_test"]
    )
    keep = np.random.default_rng([seed, 4]).permutation(len(split.x_lab))
    keep = keep[: int(round(len(keep) * (1 - config["doc_val_split"])))]
    runs = {}
    for kind, make, epochs in (
        ("mlp", _models.keras_mlp, config["doc_epochs_mlp"]),
        ("cnn", _models.keras_cnn, config["doc_epochs_cnn"]),
    ):
        shape = (784,) if kind == "mlp" else IMAGE
        runs[f"{kind}_document"] = _supervised.train(
            ctx, f"{kind}_document", make(), split.x_lab[keep].reshape(-1, *shape),
            split.y_lab[keep], split, epochs=epochs, batch_size=config["doc_batch"],
            lr=config["doc_lr"], eval_every=max(1, epochs // 10), seed=seed,
        )  # fmt: skip
    for kind, make in (("mlp", _models.discriminator), ("cnn", _models.cnn_discriminator)):
        shape = (784,) if kind == "mlp" else IMAGE
        runs[f"{kind}_tuned"] = _supervised.train(
            ctx, f"{kind}_tuned", make(), split.x_lab.reshape(-1, *shape), split.y_lab, split,
            epochs=config["tuned_epochs"], batch_size=config["tuned_batch"],
            lr=config["tuned_lr"], beta1=0.5, repeats=config["tuned_repeats"],
            max_shift=config["max_shift"], decay=True, data_init=True, seed=seed,
        )  # fmt: skip
    metrics: dict[str, Any] = {}
    for name, r in runs.items():
        metrics[f"test_accuracy/{name}"] = r["test_accuracy"]
        metrics[f"val_accuracy/{name}"] = r["val_accuracy"]
        metrics[f"epoch_s/{name}"] = r["epoch_s"]
    best = runs["cnn_tuned"]
    metrics["test_accuracy"] = best["test_accuracy"]
    metrics["test_errors"] = int(round((1 - best["test_accuracy"]) * len(split.y_test)))
    for k in _report.log_epochs(config, config["tuned_epochs"]):
        metrics[f"accuracy_at_epoch/{k}"] = best["test_by_epoch"][k]
    metrics["epoch_s"] = best["epoch_s"]
    metrics["wall_s"] = sum(r["wall_s"] for r in runs.values())
    viz.learning_curves(
        {f"{kind}_tuned {key}": runs[f"{kind}_tuned"]["history"][key]
         for kind in ("mlp", "cnn") for key in ("loss", "test_accuracy")},
        ctx.figures / "accuracy.png",
        title="the tuned models, supervised on the 100 labelled images only",
    )  # fmt: skip
    notes = "\n\n".join(
        [
            "Supervised only. The document's recipe: MLP "
            f"{metrics['test_accuracy/mlp_document']:.4f} (document 0.6946), CNN "
            f"{metrics['test_accuracy/cnn_document']:.4f} (document 0.8339), trained on "
            f"{len(keep)} of the labelled images (Keras' validation_split "
            f"{config['doc_val_split']}, a random {len(keep)} here). Tuned, on all of them with "
            f"translations of up to {config['max_shift']} px: MLP "
            f"{metrics['test_accuracy/mlp_tuned']:.4f}, CNN "
            f"{metrics['test_accuracy/cnn_tuned']:.4f} (`test_accuracy` is the tuned CNN's).",
            _report.protocol(split, config).replace(
                "`test_accuracy` is the accuracy of the exponential moving average of D's weights "
                "(decay `ema_decay`) after the last epoch; `/raw` is D itself.",
                "Each model is tested after its last epoch.",
            ),
        ]
    )
    return Results(
        metrics=metrics,
        figures=[Figure("figures/accuracy.png", "loss and test accuracy per epoch, tuned models")],
        notes=notes,
        history={f"{n}/{k}": v for n, r in runs.items() for k, v in r["history"].items()},
    )


def _metric(key: str, document: Reference | None, anchor: Reference | None) -> Metric:
    return Metric(key, "higher", document=document, anchor=anchor)


EXPERIMENT = Experiment(
    name="ssl_gan.baseline",
    description="supervised baselines on the 100 labelled MNIST images (document's and tuned)",
    config={
        "doc_lr": 0.001,
        "doc_batch": 32,
        "doc_epochs_mlp": 50,
        "doc_epochs_cnn": 100,
        "doc_val_split": 0.3,
        "tuned_epochs": 20,
        "tuned_repeats": 100,
        "tuned_batch": 100,
        "tuned_lr": 0.003,
        "max_shift": 2,
        "per_class": 10,
        "n_val": 1000,
        "n_train": 0,
        "n_test": 0,
        "log_epochs": [1, 10, 20],
        "threads": 1,
    },
    quick={
        "doc_epochs_mlp": 2,
        "doc_epochs_cnn": 2,
        "tuned_epochs": 2,
        "tuned_repeats": 1,
        "n_val": 100,
        "n_train": 2000,
        "n_test": 300,
    },
    data=("mnist",),
    metrics=[
        _metric(
            "test_accuracy/mlp_document",
            Reference(0.6946, DOCUMENT, "Table 2, DNN"),
            Reference(0.742, LADDER, "Table 1, MLP supervised on 100 labels: 25.80 % error"),
        ),
        _metric(
            "test_accuracy/cnn_document",
            Reference(0.8339, DOCUMENT, "Table 2, CNN"),
            Reference(0.9357, LADDER, "Table 3, Conv-Small supervised on 100 labels: 6.43 %"),
        ),
        _metric("test_accuracy/mlp_tuned", None, None),
        _metric("test_accuracy/cnn_tuned", None, None),
    ],
    run=run,
)
