"""course.attention: a small transformer encoder on a toy sequence task, and its attention maps.

Slides 004, "Autres types de couche: attention, transformers": attention "pour des données
de type séquence, afin de faire attention aux mots et au contexte ... rend plus
interprétable le modèle"; transformers have "plusieurs têtes attention, et encoding
positionnel". The task: read a sequence of ``length`` digits 0..9 and output, at each
position, the digit of the answer — the sequence reversed (``--task reverse``), sorted
(``sort``) or copied (``copy``). The model: token embedding + learned positional embedding,
a stack of post-norm TransformerEncoderLayers (PyTorch's layer), a linear read-out to 10
logits per position; no causal mask (every position sees the whole input).
"""

from __future__ import annotations

from typing import Any

import numpy as np

import retroprop as rp
import retroprop.nn.functional as F
from retroprop import nn
from retroprop.data import DataLoader, TensorDataset
from retroprop.lab import Experiment, Figure, Metric, Reference, Results, RunContext
from retroprop.lab.experiments.course._b_common import SLIDES, curves, figure
from retroprop.train import State

TASKS = ("reverse", "sort", "copy")


def make_task(
    task: str, n: int, length: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random digit sequences (n, length) and their answers."""
    if task not in TASKS:
        raise ValueError(f"course.attention: task must be one of {TASKS}, got {task!r}")
    x = rng.integers(0, 10, size=(n, length))
    y = {"reverse": x[:, ::-1], "sort": np.sort(x, axis=1), "copy": x}[task]
    return x, np.ascontiguousarray(y)


class Encoder(nn.Module):
    """Embeddings, ``layers`` encoder layers of width ``d_model``, a read-out per position."""

    def __init__(self, length: int, d_model: int, nhead: int, layers: int) -> None:
        super().__init__()
        self.tokens = nn.Embedding(10, d_model)
        self.positions = nn.Embedding(length, d_model)
        layer = nn.TransformerEncoderLayer(
            d_model, nhead, dim_feedforward=2 * d_model, dropout=0.0, batch_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.out = nn.Linear(d_model, 10)

    def embed(self, x: rp.Tensor) -> rp.Tensor:
        return self.tokens(x) + self.positions(rp.arange(x.shape[1]))

    def forward(self, x: rp.Tensor) -> rp.Tensor:
        return self.out(self.encoder(self.embed(x)))

    def attention_maps(self, x: rp.Tensor) -> list[np.ndarray]:
        """Each layer's attention weights (N, heads, L, L): row i = how much position i reads
        each position j (rows sum to 1)."""
        maps = []
        with rp.no_grad():
            h = self.embed(x)
            for layer in self.encoder.layers:
                _, w = layer.self_attn(h, h, h, need_weights=True, average_attn_weights=False)
                maps.append(w.numpy())
                h = layer(h)
        return maps


def step(s: State, batch: tuple[rp.Tensor, rp.Tensor]) -> dict[str, float]:
    """One Adam update on the mean cross-entropy over every position."""
    x, y = batch
    s.model.train()
    s.opt.zero_grad()
    logits = s.model(x)
    loss = F.cross_entropy(logits.reshape(-1, 10), y.reshape(-1))
    loss.backward()
    s.opt.step()
    s.sched.step()
    return {"loss": loss.item()}


def scores(model: Encoder, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Per-digit and whole-sequence accuracy."""
    model.eval()
    with rp.no_grad():
        pred = model(rp.tensor(x)).numpy().argmax(-1)
    right = pred == y
    return {"token_accuracy": float(right.mean()), "sequence_accuracy": float(right.all(1).mean())}


def run(config: dict[str, Any], ctx: RunContext) -> Results:
    """Train on ``n_train`` random sequences, test on ``n_test`` fresh ones."""
    rng = np.random.default_rng(config["seed"])
    L, task = config["length"], config["task"]
    x, y = make_task(task, config["n_train"], L, rng)
    x_test, y_test = make_task(task, config["n_test"], L, rng)
    model = Encoder(L, config["d_model"], config["nhead"], config["layers"])
    opt = rp.optim.Adam(model.parameters(), lr=config["lr"])
    steps = config["epochs"] * -(-len(x) // config["batch_size"])
    s = State(
        model=model,
        opt=opt,
        sched=rp.optim.lr_scheduler.OneCycleLR(opt, max_lr=config["lr"], total_steps=steps),
        data=DataLoader(
            TensorDataset(x, y), batch_size=config["batch_size"], shuffle=True, seed=config["seed"]
        ),
    )
    h = ctx.loop(
        s, step, s.data, epochs=config["epochs"], evaluate=lambda s: scores(s.model, x_test, y_test)
    )
    metrics: dict[str, Any] = {
        "sequence_accuracy": h["sequence_accuracy"][-1],
        "token_accuracy": h["token_accuracy"][-1],
        "parameters": sum(p.numel() for p in model.parameters()),
        "test_sequences_seen_in_training": int(
            len({tuple(r) for r in x_test} & {tuple(r) for r in x})
        ),
    }
    curves(
        {k: h[k] for k in ("sequence_accuracy", "token_accuracy")},
        ctx.figures / "accuracy.png",
        title=f"{task}: test accuracy",
        xlabel="epoch",
        ylabel="accuracy",
    )
    maps = model.attention_maps(rp.tensor(x_test[:1]))
    heads = config["nhead"]
    fig = figure(2.2 * heads, 2.3 * len(maps))
    ticks = [str(d) for d in x_test[0]]
    for li, m in enumerate(maps):
        for hi in range(heads):
            ax = fig.add_subplot(len(maps), heads, li * heads + hi + 1)
            ax.imshow(m[0, hi], cmap="Blues", vmin=0, vmax=1)
            ax.set_xticks(range(L), ticks, fontsize=6)
            ax.set_yticks(range(L), ticks, fontsize=6)
            ax.set_title(f"layer {li + 1}, head {hi + 1}", fontsize=8)
    fig.suptitle(
        f"attention of each position (row) to each input (column): {task} of {''.join(ticks)}",
        fontsize=9,
    )
    fig.savefig(ctx.figures / "attention_maps.png")
    notes = (
        f"Task {task!r} on sequences of {L} digits: {len(x)} random training sequences and "
        f"{len(x_test)} fresh test ones ({metrics['test_sequences_seen_in_training']} of them "
        f"also drawn for training, out of 10^{L} possible). Model: width {config['d_model']}, "
        f"{config['nhead']} heads, {config['layers']} post-norm encoder layers, feed-forward "
        f"{2 * config['d_model']}, no dropout ({metrics['parameters']} parameters); Adam with a "
        f"one-cycle learning rate up to {config['lr']}, {config['epochs']} epochs, batches of "
        f"{config['batch_size']}. A sequence counts as right when all {L} outputs are.\n\n"
        "What to look at: attention_maps.png, on one test sequence. Row i is what output "
        "position i reads. For reverse, a head that has learnt the task puts its weight on "
        "the anti-diagonal (position i reads input L-1-i): the network's 'attention' can "
        "be read off, as the slides say. The positional embedding is what makes this "
        "possible: without it attention sees a set, not a sequence.\n\n"
        "What to change next: `--task sort` (each output must count how many inputs are "
        "smaller: harder, the maps are no longer a permutation), `--layers 1`, `--nhead 1`, "
        "`--length 16`. Full run: about 3 minutes."
    )
    return Results(
        metrics=metrics,
        figures=[
            Figure(
                "figures/attention_maps.png", "attention weights of every head on one test sequence"
            ),
            Figure("figures/accuracy.png", "test accuracy along training"),
        ],
        notes=notes,
        history=h.history,
        state_dict=model.state_dict(),
    )


EXPERIMENT = Experiment(
    name="course.attention",
    description="a small transformer encoder reverses digit sequences; its attention maps",
    config={
        "task": "reverse",
        "length": 8,
        "n_train": 20000,
        "n_test": 2000,
        "d_model": 64,
        "nhead": 4,
        "layers": 2,
        "epochs": 6,
        "batch_size": 64,
        "lr": 3e-3,
    },
    quick={"n_train": 512, "n_test": 128, "epochs": 2, "d_model": 16, "nhead": 2},
    metrics=[
        Metric(
            "sequence_accuracy",
            "higher",
            target=0.99,
            document=Reference(None, SLIDES, "attention / transformers slides: no number"),
        ),
        Metric("token_accuracy", "higher"),
    ],
    run=run,
)
