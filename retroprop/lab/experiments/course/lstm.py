"""course.lstm: the slide's LSTM equations checked against nn.LSTM, then LSTM vs plain RNN.

Slides 004, "LSTM with a forget gate": with sigma_g the sigmoid and sigma_c = sigma_h = tanh,

    f_t = sigma_g(W_f x_t + U_f h_{t-1} + b_f)      i_t = sigma_g(W_i x_t + U_i h_{t-1} + b_i)
    o_t = sigma_g(W_o x_t + U_o h_{t-1} + b_o)      c~_t = sigma_c(W_c x_t + U_c h_{t-1} + b_c)
    c_t = f_t o c_{t-1} + i_t o c~_t                h_t = o_t o sigma_h(c_t),  c_0 = h_0 = 0.

nn.LSTM keeps the four W's stacked in ``weight_ih`` (rows i, f, c~ (PyTorch's g), o), the four
U's in ``weight_hh`` and b = ``bias_ih`` + ``bias_hh``. Part 1 writes the equations with
elementary ops, one time step at a time, and compares h_t, c_t and the gradients with the
fused nn.LSTM run one step at a time. Part 2 trains an LSTM and a plain (Elman, tanh) RNN of
the same width to predict the next value of a noisy sine of random frequency and phase.
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


def slide_lstm(
    lstm: nn.LSTM, x: rp.Tensor
) -> tuple[list[rp.Tensor], list[rp.Tensor], list[rp.Tensor]]:
    """The slide's equations on ``x`` (T, B, d) with ``lstm``'s weights: (h_t, c_t, f_t)."""
    W_i, W_f, W_c, W_o = lstm.weight_ih_l0.chunk(4, 0)
    U_i, U_f, U_c, U_o = lstm.weight_hh_l0.chunk(4, 0)
    b_i, b_f, b_c, b_o = (lstm.bias_ih_l0 + lstm.bias_hh_l0).chunk(4, 0)
    n = lstm.hidden_size
    h = c = rp.zeros(x.shape[1], n, dtype=x.dtype)
    hs, cs, fs = [], [], []
    for x_t in x:
        f = F.sigmoid(x_t @ W_f.T + h @ U_f.T + b_f)
        i = F.sigmoid(x_t @ W_i.T + h @ U_i.T + b_i)
        o = F.sigmoid(x_t @ W_o.T + h @ U_o.T + b_o)
        c_tilde = F.tanh(x_t @ W_c.T + h @ U_c.T + b_c)
        c = f * c + i * c_tilde
        h = o * F.tanh(c)
        hs.append(h)
        cs.append(c)
        fs.append(f)
    return hs, cs, fs


def gate_check(seed: int) -> dict[str, float]:
    """Largest gaps (float64) between the slide's equations and nn.LSTM, stepped one time step
    at a time: in h_t and c_t at every step, and in d(sum h_T + sum c_T)/d(weights)."""
    rng = np.random.default_rng(seed)
    lstm = nn.LSTM(3, 5, dtype=rp.float64)
    x = rp.tensor(rng.normal(size=(12, 4, 3)), dtype=rp.float64)
    hs, cs, _ = slide_lstm(lstm, x)
    (hs[-1].sum() + cs[-1].sum()).backward()
    by_hand = {k: p.grad.numpy().copy() for k, p in lstm.named_parameters()}
    lstm.zero_grad()
    state, gap_h, gap_c = None, 0.0, 0.0
    for t in range(len(x)):
        _, state = lstm(x[t : t + 1], state)
        gap_h = max(
            gap_h, float(np.abs(state[0][0].detach().numpy() - hs[t].detach().numpy()).max())
        )
        gap_c = max(
            gap_c, float(np.abs(state[1][0].detach().numpy() - cs[t].detach().numpy()).max())
        )
    (state[0].sum() + state[1].sum()).backward()
    gap_grad = max(
        float(np.abs(p.grad.numpy() - by_hand[k]).max()) for k, p in lstm.named_parameters()
    )
    return {
        "gate_check/max_gap_h": gap_h,
        "gate_check/max_gap_c": gap_c,
        "gate_check/max_gap_grad": gap_grad,
    }


def noisy_sines(
    n: int, length: int, noise: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` sequences sin(2 pi nu t + phi) + noise, nu ~ U(1/40, 1/8) cycles a step: the noisy
    series (n, length + 1) and the clean one."""
    nu = rng.uniform(1 / 40, 1 / 8, size=(n, 1))
    phi = rng.uniform(0, 2 * np.pi, size=(n, 1))
    clean = np.sin(2 * np.pi * nu * np.arange(length + 1) + phi)
    return (clean + noise * rng.normal(size=clean.shape)).astype(np.float32), clean.astype(
        np.float32
    )


class Forecaster(nn.Module):
    """A recurrent layer (LSTM or tanh RNN) and a linear read-out of h_t: x_{t+1} from x_{<=t}."""

    def __init__(self, kind: str, hidden: int) -> None:
        super().__init__()
        cell = nn.LSTM if kind == "lstm" else nn.RNN
        self.rnn = cell(1, hidden, batch_first=True)
        self.out = nn.Linear(hidden, 1)

    def forward(self, x: rp.Tensor) -> rp.Tensor:
        h, _ = self.rnn(x.unsqueeze(-1))
        return self.out(h).squeeze(-1)


def step(s: State, batch: tuple[rp.Tensor, rp.Tensor]) -> dict[str, float]:
    """One Adam update on the MSE of the next noisy value, at every time step."""
    (seq,) = batch
    s.opt.zero_grad()
    loss = F.mse_loss(s.model(seq[:, :-1]), seq[:, 1:])
    loss.backward()
    nn.utils.clip_grad_norm_(s.model.parameters(), 1.0)
    s.opt.step()
    return {"loss": loss.item()}


def predict(model: nn.Module, x: np.ndarray) -> np.ndarray:
    with rp.no_grad():
        return model(rp.tensor(x)).numpy()


def run(config: dict[str, Any], ctx: RunContext) -> Results:
    """Part 1 (the gate check), then the two forecasters (a loop each)."""
    metrics: dict[str, Any] = gate_check(config["seed"])
    rng = np.random.default_rng(config["seed"])
    T, noise, warm = config["length"], config["noise"], config["warmup"]
    train, _ = noisy_sines(config["n_train"], T, noise, rng)
    test, test_clean = noisy_sines(config["n_test"], T, noise, rng)
    predictions, history, gates = {}, {}, None
    for kind in ("lstm", "rnn"):
        model = Forecaster(kind, config["hidden"])
        s = State(
            model=model,
            opt=rp.optim.Adam(model.parameters(), lr=config["lr"]),
            data=DataLoader(
                TensorDataset(train),
                batch_size=config["batch_size"],
                shuffle=True,
                seed=config["seed"],
            ),
        )

        def evaluate(s: State) -> dict[str, float]:
            err = predict(s.model, test[:, :-1])[:, warm:] - test_clean[:, 1 + warm :]
            return {"test_mse": float((err**2).mean())}

        h = ctx.loop(s, step, s.data, epochs=config["epochs"], evaluate=evaluate, name=kind)
        metrics[f"test_mse/{kind}"] = h["test_mse"][-1]
        metrics[f"train_loss/{kind}"] = h["loss"][-1]
        predictions[kind] = predict(model, test[:4, :-1])
        history.update({f"{k}/{kind}": v for k, v in h.history.items()})
        if kind == "lstm":
            with rp.no_grad():
                _, _, fs = slide_lstm(model.rnn, rp.tensor(test[:1, :-1].T[:, :, None]))
            gates = np.stack([f.numpy()[0] for f in fs], 1)
    last = np.diff(test_clean[:, warm:], axis=1)
    metrics["test_mse/repeat_last_value"] = float(
        ((test[:, warm:-1] - test_clean[:, 1 + warm :]) ** 2).mean()
    )
    metrics["test_mse/noise_floor"] = noise**2
    metrics["clean_step_variance"] = float(last.var())

    fig = figure(8, 5)
    for k in range(2):
        ax = fig.add_subplot(2, 1, k + 1)
        t = np.arange(1, T + 1)
        ax.plot(t, test[k, 1:], ".", color="0.6", markersize=3, label="noisy x_{t+1}")
        ax.plot(t, test_clean[k, 1:], color="k", linewidth=1, label="clean")
        ax.plot(t, predictions["lstm"][k], color="C0", label="LSTM")
        ax.plot(t, predictions["rnn"][k], color="C3", label="RNN")
        ax.axvline(warm, color="0.8", linestyle=":")
        ax.set(ylabel="x")
        if k == 0:
            ax.legend(fontsize=7, ncol=4)
            ax.set_title("next-value predictions on two test sequences")
    ax.set_xlabel("t")
    fig.savefig(ctx.figures / "predictions.png")
    curves(
        {kind: history[f"test_mse/{kind}"] for kind in ("lstm", "rnn")},
        ctx.figures / "test_mse.png",
        title="test MSE against the clean next value",
        xlabel="epoch",
        ylabel="MSE",
        logy=True,
    )
    fig = figure(8, 3.5)
    ax = fig.add_subplot()
    im = ax.imshow(gates, aspect="auto", cmap="viridis", vmin=0, vmax=1)
    fig.colorbar(im, ax=ax)
    ax.set(
        title="forget gate f_t of the trained LSTM on a test sequence", xlabel="t", ylabel="unit"
    )
    fig.savefig(ctx.figures / "forget_gate.png")

    notes = (
        f"Part 1: the slide's equations, written with elementary ops one time step at a time "
        f"in float64 (3 inputs, 5 units, 12 steps, batch 4), against nn.LSTM stepped one time "
        f"step at a time: largest gap {metrics['gate_check/max_gap_h']:.1e} in h_t, "
        f"{metrics['gate_check/max_gap_c']:.1e} in c_t, {metrics['gate_check/max_gap_grad']:.1e} "
        "in the gradients — the fused layer is exactly the slide's cell (its gate order in "
        "weight_ih is i, f, c~, o).\n\n"
        f"Part 2: {config['n_train']} training and {config['n_test']} test sequences of "
        f"{T} steps, sin(2 pi nu t + phi) with nu in [1/40, 1/8] and Gaussian noise of "
        f"standard deviation {noise}. Each network ({config['hidden']} units) reads x_1..x_t "
        f"and predicts x_(t+1); trained on the noisy next value (Adam, lr {config['lr']}, "
        f"{config['epochs']} epochs, batches of {config['batch_size']}, gradient norm clipped "
        f"at 1), tested against the clean next value after the first {warm} steps. For "
        "scale: repeating the last noisy value scores "
        f"{metrics['test_mse/repeat_last_value']:.4f}.\n\n"
        "What to look at: predictions.png — to predict well the network must have filtered "
        "the noise and found the frequency and phase from the past, i.e. it must remember. "
        "forget_gate.png shows how much of c_{t-1} each unit keeps at each step (1: all): "
        "units with f near 1 are the long memory.\n\n"
        "What to change next: `--noise 0.5` (more averaging needed), `--length 200`, "
        "`--hidden 8`. Full run: about 3 minutes."
    )
    return Results(
        metrics=metrics,
        figures=[
            Figure("figures/predictions.png", "next-value predictions of the LSTM and the RNN"),
            Figure("figures/test_mse.png", "test MSE along training"),
            Figure("figures/forget_gate.png", "the LSTM's forget gate on one test sequence"),
        ],
        notes=notes,
        history=history,
    )


EXPERIMENT = Experiment(
    name="course.lstm",
    description="the slide's LSTM gate equations against nn.LSTM, then LSTM vs RNN on noisy sines",
    config={
        "n_train": 2000,
        "n_test": 500,
        "length": 60,
        "noise": 0.3,
        "warmup": 10,
        "hidden": 32,
        "epochs": 20,
        "batch_size": 32,
        "lr": 3e-3,
    },
    quick={"n_train": 128, "n_test": 32, "length": 30, "epochs": 2},
    metrics=[
        Metric(
            "gate_check/max_gap_h",
            "lower",
            target=1e-12,
            document=Reference(None, SLIDES, "LSTM with a forget gate: the equations"),
        ),
        Metric("gate_check/max_gap_grad", "lower", target=1e-12),
        Metric("test_mse/lstm", "lower"),
        Metric("test_mse/rnn", "lower"),
    ],
    run=run,
)
