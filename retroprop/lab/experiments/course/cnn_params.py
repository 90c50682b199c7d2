"""course.cnn_params: counting a CNN's parameters and its tensors' sizes.

Slides 004, "Réseaux convolutifs: CNN": the Keras model of the TensorFlow CIFAR-10 tutorial
(Conv2D(32, 3x3, relu) on 32x32x3, MaxPooling 2x2, Conv2D(64, 3x3), MaxPooling 2x2,
Conv2D(64, 3x3)) has 896 + 18,496 + 36,928 = 56,320 parameters: "une filtre 3x3 (x3
channels) utilise 3x3x3 + 1 (biais) = 28 variables donc première couche conv2D aura 28*32 =
896 variables". The same slides' worked convolution (a 3-channel 3x3 kernel on a padded RGB
patch: 308 - 498 + 164 + 1 = -25) and their AlexNet layers ("exemple de calcul de tailles
des tenseurs": 227x227x3, Conv 96 11x11 stride 4, MaxPool 3x3 stride 2, ...) complete it;
slides 002 count AlexNet's parameters at about 60 million ("5^60000000 combinaisons").

Nothing is trained: the models are built in retroprop (NCHW, PyTorch's layout, where Keras
is NHWC) and ``rp.summary`` runs them once on zeros.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import retroprop as rp
import retroprop.nn as nn
import retroprop.nn.functional as F
from retroprop.lab import Experiment, Figure, Metric, Reference, Results, RunContext
from retroprop.lab.experiments.course._a_plot import panels, save

DOC = "004 course slides, Réseaux convolutifs: CNN"
DOC_002 = "002 course slides, Multitude de paramètres"
# the slides' Keras summary: layer -> (output shape (H, W, C), parameters)
KERAS = {
    "conv2d": ((30, 30, 32), 896),
    "max_pooling2d": ((15, 15, 32), 0),
    "conv2d_1": ((13, 13, 64), 18496),
    "max_pooling2d_1": ((6, 6, 64), 0),
    "conv2d_2": ((4, 4, 64), 36928),
}
# the slides' worked convolution: the top-left 5x5 of each channel (the padding's zeros
# left out), the three kernel channels and the bias; the first output is -25
PATCH = [
    [[156, 155, 156, 158, 158], [153, 154, 157, 159, 159], [149, 151, 155, 158, 159],
     [146, 146, 149, 153, 158], [145, 143, 143, 148, 158]],
    [[167, 166, 167, 169, 169], [164, 165, 168, 170, 170], [160, 162, 166, 169, 170],
     [156, 156, 159, 163, 168], [155, 153, 153, 158, 168]],
    [[163, 162, 163, 165, 165], [160, 161, 164, 166, 166], [156, 158, 162, 165, 166],
     [155, 155, 158, 162, 167], [154, 152, 152, 157, 167]],
]  # fmt: skip
KERNEL = [
    [[-1, -1, 1], [0, 1, -1], [0, 1, 1]],
    [[1, 0, 0], [1, -1, -1], [1, 0, -1]],
    [[0, 1, 1], [0, 1, 0], [1, -1, 1]],
]


def keras_cnn(head: bool = False) -> nn.Sequential:
    """The slides' model; ``head`` adds the tutorial's Flatten, Dense(64), Dense(10)."""
    layers: list[nn.Module] = [
        nn.Conv2d(3, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(),
    ]  # fmt: skip
    if head:
        layers += [nn.Flatten(), nn.Linear(4 * 4 * 64, 64), nn.ReLU(), nn.Linear(64, 10)]
    return nn.Sequential(*layers)


def alexnet() -> nn.Sequential:
    """AlexNet as the slides list it (one tower, no grouped convolutions, no dropout)."""
    return nn.Sequential(
        nn.Conv2d(3, 96, 11, stride=4), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(96, 256, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 384, 3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Flatten(),
        nn.Linear(6 * 6 * 256, 4096), nn.ReLU(),
        nn.Linear(4096, 4096), nn.ReLU(),
        nn.Linear(4096, 1000),
    )  # fmt: skip


def conv_params(k: int, c_in: int, c_out: int) -> int:
    """(k k c_in + 1) c_out: one k x k x c_in filter and its bias per output channel."""
    return (k * k * c_in + 1) * c_out


def out_size(n: int, k: int, stride: int = 1, padding: int = 0) -> int:
    """floor((n + 2 padding - k) / stride) + 1, the output side of a conv or a pool."""
    return (n + 2 * padding - k) // stride + 1


def rows(stats: Any) -> list[tuple[str, tuple[int, ...], int]]:
    """(type, output shape without the batch, parameters) of each layer that changes shape."""
    return [
        (r.type_name, tuple(r.output_shape[1:]), r.num_params)
        for r in stats.summary_list
        if r.depth == 1 and r.type_name in ("Conv2d", "MaxPool2d", "Linear", "Flatten")
    ]


def _hand_sizes() -> list[tuple[int, ...]]:
    """AlexNet's tensor sizes by the formula, layer after layer (C, H, W)."""
    n, sizes = 227, []
    for c, k, s, p in [(96, 11, 4, 0), (96, 3, 2, 0), (256, 5, 1, 2), (256, 3, 2, 0),
                       (384, 3, 1, 1), (384, 3, 1, 1), (256, 3, 1, 1), (256, 3, 2, 0)]:  # fmt: skip
        n = out_size(n, k, s, p)
        sizes.append((c, n, n))
    return sizes + [(6 * 6 * 256,), (4096,), (4096,), (1000,)]


def run(config: dict[str, Any], ctx: RunContext) -> Results:
    """Summaries of the slides' CNN (and the tutorial's head), the worked convolution, and
    AlexNet's sizes by ``rp.summary`` against the formula."""
    cnn = rp.summary(keras_cnn(), (3, 32, 32))
    with_head = rp.summary(keras_cnn(head=True), (3, 32, 32))
    ours = rows(cnn)
    metrics: dict[str, Any] = {"total_params": cnn.total_params}
    matched = 0
    for (name, (hwc, params)), (_, shape, n) in zip(KERAS.items(), ours):
        keras_like = (shape[1], shape[2], shape[0])  # NCHW -> Keras's NHWC
        metrics[f"params/{name}"] = n
        metrics[f"shape/{name}"] = "x".join(map(str, keras_like))
        matched += keras_like == hwc and n == params
    metrics["layers matching the slides"] = f"{matched} / {len(KERAS)}"
    metrics["params/conv2d by (3*3*3 + 1)*32"] = conv_params(3, 3, 32)
    metrics["total_params with the tutorial's dense head"] = with_head.total_params

    x = rp.tensor(np.array(PATCH, dtype=np.float64)[None], dtype=rp.float64)
    w = rp.tensor(np.array(KERNEL, dtype=np.float64)[None], dtype=rp.float64)
    out = F.conv2d(x, w, rp.tensor([1.0], dtype=rp.float64), padding=1).numpy()
    per_channel = [
        float(F.conv2d(x[:, c : c + 1], w[:, c : c + 1], padding=1).numpy()[0, 0, 0, 0])
        for c in range(3)
    ]
    metrics["worked convolution: first output"] = float(out[0, 0, 0, 0])
    metrics["worked convolution: per channel"] = ", ".join(f"{v:g}" for v in per_channel)

    big = rp.summary(alexnet(), (3, 227, 227))
    alex = rows(big)
    expected = _hand_sizes()
    metrics["alexnet_params"] = big.total_params
    sizes = [shape for _, shape, _ in alex]
    metrics["alexnet sizes equal the formula"] = sizes == expected
    names = ["conv1", "pool1", "conv2", "pool2", "conv3", "conv4", "conv5", "pool3",
             "flatten", "fc1", "fc2", "fc3"]  # fmt: skip
    for name, shape in zip(names, sizes):
        metrics[f"alexnet/{name}"] = "x".join(map(str, shape))
    params = [n for _, _, n in alex]

    fig, axes = panels(3, 1, 4.6, 3.8)
    axes[0].bar(list(KERAS), [p for _, p in KERAS.values()], color="0.8", label="slides (Keras)")
    axes[0].plot(list(KERAS), [n for _, _, n in ours], "k_", ms=24, mew=2, label="rp.summary")
    axes[0].set(title=f"the slides' CNN: {cnn.total_params:,} parameters", ylabel="parameters")
    axes[0].tick_params(axis="x", rotation=30, labelsize=7)
    axes[0].legend(fontsize=8)
    elements = [int(np.prod(s)) for s in sizes]
    axes[1].bar(names, elements)
    axes[1].set(yscale="log", title="AlexNet: values per tensor (one image)")
    axes[1].tick_params(axis="x", rotation=45, labelsize=7)
    axes[2].bar(names, np.maximum(params, 1))
    axes[2].set(yscale="log", title=f"AlexNet: {big.total_params:,} parameters")
    axes[2].tick_params(axis="x", rotation=45, labelsize=7)
    save(fig, ctx.figures / "cnn_params.png")

    fc_share = sum(params[-3:]) / big.total_params
    notes = (
        "`rp.summary(model, (3, 32, 32))` of the slides' model:\n\n```text\n"
        f"{cnn}\n```\n\n"
        f"{metrics['layers matching the slides']} layers match the slides' summary: the "
        f"same output shapes (ours are NCHW, printed (C, H, W); Keras prints (H, W, C)) "
        f"and parameters: total {cnn.total_params:,}. The rule: a Conv2D of C_out filters "
        "k x k over C_in channels holds (k k C_in + 1) C_out parameters, (3*3*3 + 1)*32 = "
        "896, (3*3*32 + 1)*64 = 18,496, (3*3*64 + 1)*64 = 36,928; pooling has none. Each "
        "3x3 convolution without padding takes 2 off the side (32 -> 30), each 2x2 pooling "
        "halves it, rounding down (13 -> 6). The tutorial then flattens the 4x4x64 output "
        "and adds Dense(64) and Dense(10): 65,600 + 650 more, "
        f"{with_head.total_params:,} in all.\n\n"
        "**The worked convolution.** On the slide's padded RGB patch, the three kernel "
        f"channels give {metrics['worked convolution: per channel']} and, with the bias 1, "
        f"`F.conv2d` gives {metrics['worked convolution: first output']:g} (the slide: "
        "308 - 498 + 164 + 1 = -25).\n\n"
        "**AlexNet's tensor sizes.** Each side follows floor((n + 2p - k)/s) + 1: 227 -> 55 "
        "(conv 11, stride 4) -> 27 (pool 3, stride 2) -> 27 (conv 5, pad 2) -> 13 -> 13 -> "
        "13 -> 13 -> 6, then 6x6x256 = 9,216 values into the dense layers; "
        f"`rp.summary` gives the same sizes (equal: {sizes == expected}). Of its "
        f"{big.total_params:,} parameters, {100 * fc_share:.0f}% sit in the three dense "
        "layers, while the convolutions do most of the arithmetic: the convolutions' weight "
        "sharing is what makes them cheap in parameters.\n\n"
        "**What to change next (the slides' list).** Add filters (64 instead of 32 in the "
        "first layer: `nn.Conv2d(3, 64, 3)`, then 64 input channels for the next), use "
        "5x5 filters, add a convolution before the last Dense, or replace that Dense by a "
        "convolution, and predict the new counts before running `rp.summary`."
    )
    return Results(
        metrics=metrics,
        figures=[
            Figure("figures/cnn_params.png", "parameters per layer, AlexNet's sizes and parameters")
        ],
        notes=notes,
    )


EXPERIMENT = Experiment(
    name="course.cnn_params",
    description="the slides' Keras CNN (56,320 parameters) and AlexNet's tensor sizes, from "
    "rp.summary",
    config={},
    quick={},
    metrics=[
        Metric(
            "total_params",
            "equal",
            target=56320,
            document=Reference(56320, DOC, "Keras summary of the CIFAR-10 CNN"),
        ),
        Metric(
            "params/conv2d",
            "equal",
            target=896,
            document=Reference(896, DOC, "(3x3x3 + 1) x 32"),
        ),
        Metric(
            "worked convolution: first output",
            "equal",
            target=-25,
            document=Reference(-25, DOC, "308 - 498 + 164 + 1"),
        ),
        Metric(
            "alexnet_params",
            None,
            document=Reference(60_000_000, DOC_002, "'Alexnet possède 5^60000000 combinaisons'"),
            anchor=Reference(60_000_000, "Krizhevsky et al. 2012", "'60 million parameters'"),
        ),
    ],
    run=run,
)
