"""course.gd_modes: online, full-batch and mini-batch gradient descent on one problem.

Slides 002, "Apprentissage par paquet", for a base of n pairs (x_k, t_k):

    online:      w <- w - α ∂J(x_k, t_k)/∂w                 one point an update
    batch:       w <- w - α sum_{k=1..n} ∂J(x_k, t_k)/∂w       all n points an update
    mini-batch:  w <- w - α sum_{k..k+n_b} ∂J(x_k, t_k)/∂w     n_b points an update

We average instead of summing (the slides' sum is our mean with α times the batch size), so
one learning rate suits the three rules. Each rule trains the same 2-16-2 tanh network,
from the same initial weights, on the same XOR blobs, for the same number of epochs (passes
over the data, so the same number of per-point gradients); the loss over the whole training
set is recorded after every update, and the time spent in the updates themselves.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

import retroprop as rp
import retroprop.nn as nn
import retroprop.nn.functional as F
from retroprop.data import DataLoader, TensorDataset
from retroprop.data.datasets import make_xor
from retroprop.lab import Experiment, Figure, Metric, Reference, Results, RunContext
from retroprop.lab.experiments.course._a_plot import panels, save
from retroprop.train import State

DOC = "002 course slides, Apprentissage par paquet"
MODES = ("online", "batch", "minibatch")


def network(hidden: int) -> nn.Sequential:
    """The 2-hidden-2 tanh network whose logits go to the cross-entropy."""
    return nn.Sequential(nn.Linear(2, hidden), nn.Tanh(), nn.Linear(hidden, 2))


def train_mode(
    mode: str, config: dict[str, Any], init: dict[str, Any], data: dict[str, Any], ctx: RunContext
) -> tuple[State, Any]:
    """Train one update rule on the shared loop; its State holds the curve per update."""
    size = {"online": 1, "batch": len(data["x"]), "minibatch": config["batch_size"]}[mode]
    net = network(config["hidden"])
    net.load_state_dict(init)
    state = State(
        net=net,
        opt=rp.optim.SGD(net.parameters(), lr=config["lr"]),
        data=DataLoader(
            TensorDataset(data["x"], data["y"]), batch_size=size, shuffle=True, seed=ctx.seed
        ),
        curve=[],  # the training-set loss after each update
        clock=[],  # the time spent in updates, after each update
    )
    x_all, y_all = rp.tensor(data["x"]), rp.tensor(data["y"])

    def step(s: State, batch: list[rp.Tensor]) -> dict[str, float]:
        t0 = time.perf_counter()
        s.opt.zero_grad()
        loss = F.cross_entropy(s.net(batch[0]), batch[1])
        loss.backward()
        s.opt.step()
        spent = time.perf_counter() - t0
        s.clock.append((s.clock[-1] if s.clock else 0.0) + spent)
        with rp.no_grad():
            s.curve.append(F.cross_entropy(s.net(x_all), y_all).item())
        return {"loss": loss.item()}

    def evaluate(s: State) -> dict[str, float]:
        with rp.no_grad():
            logits = s.net(rp.tensor(data["x_test"])).numpy()
        return {
            "train_loss": s.curve[-1],
            "test_accuracy": float((logits.argmax(1) == data["y_test"]).mean()),
        }

    history = ctx.loop(
        state, step, state.data, epochs=config["epochs"], evaluate=evaluate, name=mode
    )
    return state, history


def run(config: dict[str, Any], ctx: RunContext) -> Results:
    """The three rules in turn, then the curves against updates, time and epochs."""
    n = config["points"]
    x, y = make_xor(2 * n, sigma=config["sigma"], seed=ctx.seed, return_X_y=True)
    data = {"x": x[:n], "y": y[:n], "x_test": x[n:], "y_test": y[n:]}
    start = network(config["hidden"])
    init = start.state_dict()
    with rp.no_grad():
        loss0 = F.cross_entropy(start(rp.tensor(data["x"])), rp.tensor(data["y"])).item()
    states, histories = {}, {}
    for mode in MODES:
        states[mode], histories[mode] = train_mode(mode, config, init, data, ctx)

    fig, axes = panels(3, 1, 4.4, 3.6)
    per_epoch = {m: len(s.curve) // max(1, len(histories[m]["loss"])) for m, s in states.items()}
    for mode, s in states.items():
        label = f"{mode} ({per_epoch[mode]} updates/epoch)"
        style = {"marker": "o", "ms": 3, "zorder": 3} if mode == "batch" else {}
        axes[0].loglog(np.arange(1, len(s.curve) + 1), s.curve, label=label, **style)
        axes[1].loglog(s.clock, s.curve, label=mode, **style)
        axes[2].semilogy(
            np.arange(1, len(histories[mode]["train_loss"]) + 1),
            histories[mode]["train_loss"],
            "o-",
            ms=3,
            label=mode,
        )
    axes[0].set(xlabel="updates", ylabel="training loss", title="loss against updates")
    axes[1].set(xlabel="seconds in updates", title="loss against wall time")
    axes[2].set(xlabel="epoch (n per-point gradients)", title="loss against epochs")
    for ax in axes:
        ax.legend(fontsize=8)
    save(fig, ctx.figures / "gd_modes.png", f"XOR blobs, {n} points, learning rate {config['lr']}")

    metrics: dict[str, Any] = {"initial_loss": loss0}
    goal = config["target_loss"]
    for mode, s in states.items():
        reached = [t for t, v in zip(s.clock, s.curve) if v <= goal]
        metrics[f"time_to_loss_{goal:g}/{mode}"] = reached[0] if reached else "never"
    for key, value in (
        ("final_loss", lambda s, h: s.curve[-1]),
        ("time_s", lambda s, h: s.clock[-1]),
        ("updates", lambda s, h: len(s.curve)),
        ("test_accuracy", lambda s, h: h["test_accuracy"][-1]),
        ("ms_per_update", lambda s, h: 1000 * s.clock[-1] / len(s.curve)),
    ):
        for mode in MODES:
            metrics[f"{key}/{mode}"] = value(states[mode], histories[mode])
    fastest = min(MODES, key=lambda m: metrics[f"time_s/{m}"])
    times = {m: metrics[f"time_to_loss_{goal:g}/{m}"] for m in MODES}
    done = [m for m in MODES if times[m] != "never"]
    best = min(done, key=times.get) if done else None
    first = f"{best} ({times[best]:.3g} s)" if best else "none"
    lowest = min(MODES, key=lambda m: metrics[f"final_loss/{m}"])
    notes = (
        f"Same network, same initial weights, same {config['epochs']} epochs over {n} points "
        f"with learning rate {config['lr']}; the mini-batch rule uses n_b = "
        f"{config['batch_size']}. Lowest final loss: {lowest}; least time in updates: "
        f"{fastest}; first below a loss of {goal:g}: {first}.\n\n"
        "**What to look at.** Left, against updates: one batch update is the most precise "
        "(the true gradient of the training loss), an online update the noisiest; but the "
        "batch rule makes one update an epoch where online makes n. Middle, against time: "
        "an update costs Python's and the engine's overhead plus the arithmetic; online pays "
        "the overhead n times an epoch for tiny matrix products, batch pays it once for one "
        "large product, and mini-batches sit between — usually the fastest road to a low "
        "loss, which is why everybody trains with them. Right, per epoch (the same number of "
        "per-point gradients): online and mini-batch go much further than batch, because "
        "they update n and n/n_b times as often.\n\n"
        "**What to change next.** `--batch_size 8` or `128`; `--lr 1.0` (the batch rule "
        "needs a larger step to compete; online then gets noisy); `--sigma 0.6` (overlapping "
        "blobs: online's loss stays noisy near the minimum, as the SGD convergence lesson "
        "explains, unless α decreases)."
    )
    return Results(
        metrics=metrics,
        figures=[Figure("figures/gd_modes.png", "training loss against updates, time and epochs")],
        notes=notes,
        history={f"{k}/{m}": v for m, h in histories.items() for k, v in h.history.items()},
        state_dict={m: s.net.state_dict() for m, s in states.items()},
    )


EXPERIMENT = Experiment(
    name="course.gd_modes",
    description="online vs full-batch vs mini-batch gradient descent (the slides' three "
    "update rules) on one problem, against updates and wall time",
    config={
        "points": 512,
        "sigma": 0.4,
        "hidden": 16,
        "lr": 0.1,
        "batch_size": 32,
        "epochs": 30,
        "target_loss": 0.1,
    },
    quick={"points": 128, "epochs": 3},
    metrics=[
        Metric("final_loss/minibatch", "lower", document=Reference(None, DOC, "no numbers")),
        Metric("final_loss/online", "lower", document=Reference(None, DOC, "no numbers")),
        Metric("final_loss/batch", "lower", document=Reference(None, DOC, "no numbers")),
        Metric("time_s/minibatch", "lower"),
        Metric("time_s/online", "lower"),
        Metric("time_s/batch", "lower"),
    ],
    run=run,
)
