"""course.sgd_convergence: SGD on the mean of a Gaussian (the slides' Exo 1 and Exo 2).

Slides 004, "Convergence du SGD": to find the mean m of Y ~ N(m, σ²), minimise
L(Y, X) = (X - Y)^2 / 2 by SGD, X_{n+1} = X_n - ρ_n (X_n - Y_n) = (1 - ρ_n) X_n + ρ_n Y_n.

- Exo 1, constant ρ: an exponential moving average; its mean m_n -> m and its variance
  σ_{n+1}^2 = (1 - ρ)^2 σ_n^2 + ρ^2 σ^2 -> ρ σ^2 / (2 - ρ), not 0 (for 0 < ρ < 2); the law
  is normal.
- Exo 2, ρ_n = 1/(n+1): X_n is the running mean of Y_0..Y_{n-1}, whose variance σ^2/n -> 0.

The lesson runs many independent SGD runs at once: each run is one entry of a parameter
vector, trained by ``rp.optim.SGD`` on the summed loss (so each entry's gradient is its own
X - Y) — one parameter group per constant ρ, and ``InverseTimeLR`` (ρ_n = ρ_0/(1 + n)) for
Exo 2 — and measures the mean and variance across runs after each step against the formulas.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import retroprop as rp
import retroprop.nn as nn
from retroprop.data import DataLoader, TensorDataset
from retroprop.lab import Experiment, Figure, Metric, Reference, Results, RunContext
from retroprop.lab.experiments.course._a_plot import panels, save
from retroprop.optim.lr_scheduler import InverseTimeLR
from retroprop.train import State

DOC = "004 course slides, Convergence du SGD, Exo 1 and Exo 2"


def variance_formula(rho: float, sigma: float, n: np.ndarray) -> np.ndarray:
    """Var X_n for constant ρ from a fixed X_0: ρσ²/(2 - ρ) (1 - (1 - ρ)^{2n})."""
    return rho * sigma**2 / (2 - rho) * (1 - (1 - rho) ** (2 * n))


class Runs(nn.Module):
    """``runs`` independent estimates X of the mean, one entry each, all starting at x0."""

    def __init__(self, runs: int, x0: float) -> None:
        super().__init__()
        self.x = nn.Parameter(rp.tensor(np.full(runs, x0), dtype=rp.float64))


def build(config: dict[str, Any], seed: int) -> State:
    """One parameter vector of ``runs`` entries per constant ρ and one for ρ_n = 1/(n+1)."""
    runs, x0 = config["runs"], config["x0"]
    constant = nn.ModuleList([Runs(runs, x0) for _ in config["rhos"]])
    harmonic = Runs(runs, x0)
    opt_constant = rp.optim.SGD(
        [{"params": [r.x], "lr": rho} for r, rho in zip(constant, config["rhos"])]
    )
    opt_harmonic = rp.optim.SGD([harmonic.x], lr=1.0)
    k, steps = len(config["rhos"]) + 1, config["steps"]
    return State(
        constant=constant,
        harmonic=harmonic,
        opt_constant=opt_constant,
        opt_harmonic=opt_harmonic,
        schedule=InverseTimeLR(opt_harmonic, decay=1.0),
        noise=np.random.default_rng(seed),
        steps=DataLoader(TensorDataset(np.arange(steps)), batch_size=1),
        mean=np.zeros((steps + 1, k)),  # across runs, after n steps; row 0 is X_0
        var=np.zeros((steps + 1, k)),
        paths=np.zeros((steps + 1, k, 3)),  # three runs' trajectories
    )


def step(s: State, batch: list[rp.Tensor], config: dict[str, Any]) -> dict[str, float]:
    """One SGD step of every run: the loss sum_runs (X - Y)^2 / 2 has gradient X - Y."""
    n = int(batch[0].item())
    params = [r.x for r in s.constant] + [s.harmonic.x]
    Y = config["m"] + config["sigma"] * s.noise.standard_normal((len(params), config["runs"]))
    for opt in (s.opt_constant, s.opt_harmonic):
        opt.zero_grad()
    loss = sum(((x - rp.tensor(y)) ** 2).sum() / 2 for x, y in zip(params, Y))
    loss.backward()
    s.opt_constant.step()
    s.opt_harmonic.step()
    s.schedule.step()
    X = np.stack([p.detach().numpy() for p in params])
    s.mean[n + 1], s.var[n + 1], s.paths[n + 1] = X.mean(1), X.var(1, ddof=1), X[:, :3]
    return {"loss per run": loss.item() / (len(params) * config["runs"])}


def run(config: dict[str, Any], ctx: RunContext) -> Results:
    """All runs on the shared loop (one epoch of ``steps`` steps), then the formulas."""
    state = build(config, ctx.seed)
    state.mean[0], state.paths[0] = config["x0"], config["x0"]
    ctx.loop(state, lambda s, b: step(s, b, config), state.steps, epochs=1)
    rhos, sigma, m, steps = config["rhos"], config["sigma"], config["m"], config["steps"]
    n = np.arange(steps + 1)
    metrics: dict[str, Any] = {}
    errors = []
    for i, rho in enumerate(rhos):
        limit = rho * sigma**2 / (2 - rho)
        err = abs(state.var[-1, i] - limit) / limit
        errors.append(err)
        metrics[f"var/rho={rho:g}"] = float(state.var[-1, i])
        metrics[f"var_limit/rho={rho:g}"] = limit
        metrics[f"var_rel_err/rho={rho:g}"] = float(err)
        metrics[f"mean/rho={rho:g}"] = float(state.mean[-1, i])
    metrics["var_rel_err/constant"] = float(max(errors))
    metrics["var/harmonic"] = float(state.var[-1, -1])
    metrics["var_formula/harmonic"] = sigma**2 / steps
    metrics["var_rel_err/harmonic"] = float(abs(state.var[-1, -1] * steps / sigma**2 - 1))
    metrics["mean/harmonic"] = float(state.mean[-1, -1])
    metrics["runs"], metrics["steps"] = config["runs"], steps
    # the law: the sample variance of `runs` normal draws has relative std sqrt(2/(runs-1))
    metrics["sampling noise of a variance (relative std)"] = math.sqrt(2 / (config["runs"] - 1))

    fig, axes = panels(3, 1, 4.6, 3.8)
    for i, rho in enumerate(rhos):
        (line,) = axes[0].loglog(n[1:], state.var[1:, i], label=f"ρ = {rho:g}")
        axes[0].loglog(n[1:], variance_formula(rho, sigma, n[1:]), "k:", lw=1)
    axes[0].loglog(n[1:], state.var[1:, -1], "k", lw=2, label="ρ_n = 1/(n+1)")
    axes[0].loglog(n[1:], sigma**2 / n[1:], "r:", label="σ²/n")
    axes[0].set(xlabel="step n", ylabel="Var X_n across runs", title="variance (dotted: formulas)")
    axes[0].legend(fontsize=7)
    pick = rhos.index(0.1) if 0.1 in rhos else 0
    for row, name in ((pick, f"ρ = {rhos[pick]:g}"), (-1, "ρ_n = 1/(n+1)")):
        axes[1].plot(n, state.paths[:, row, 0], label=f"{name}, one run")
    axes[1].axhline(m, color="k", ls=":", label="m")
    axes[1].set(
        xlabel="step n", title="one SGD run of each schedule", ylim=(m - 3 * sigma, m + 3 * sigma)
    )
    axes[1].legend(fontsize=7)
    X_final = state.constant[pick].x.detach().numpy()
    sd = math.sqrt(rhos[pick] * sigma**2 / (2 - rhos[pick]))
    axes[2].hist(X_final, bins=80, density=True, alpha=0.6, label=f"X_{steps}, ρ = {rhos[pick]:g}")
    grid = np.linspace(m - 4 * sd, m + 4 * sd, 200)
    axes[2].plot(
        grid,
        np.exp(-((grid - m) ** 2) / (2 * sd**2)) / (sd * math.sqrt(2 * math.pi)),
        "k",
        label="N(m, ρσ²/(2-ρ))",
    )
    axes[2].set(title="the law of X_n: normal")
    axes[2].legend(fontsize=7)
    save(
        fig,
        ctx.figures / "sgd_convergence.png",
        f"SGD on the mean of N({m:g}, {sigma:g}²), {config['runs']} runs",
    )

    notes = (
        f"{config['runs']} independent runs of {steps} SGD steps from X_0 = {config['x0']:g}, "
        f"Y ~ N({m:g}, {sigma:g}²). With constant ρ the variance across runs settles at "
        f"ρσ²/(2 - ρ) (largest relative gap over ρ in {rhos}: "
        f"{metrics['var_rel_err/constant']:.3f}, where the sampling noise of a variance over "
        f"{config['runs']} runs is {metrics['sampling noise of a variance (relative std)']:.3f}); "
        f"with ρ_n = 1/(n+1) it is {metrics['var/harmonic']:.2e} after {steps} steps, the "
        f"running mean's σ²/n = {metrics['var_formula/harmonic']:.2e}, and goes on to 0.\n\n"
        "**What to look at.** Left: each constant-ρ curve climbs along the exact variance "
        "(1 - (1 - ρ)^{2n}) ρσ²/(2 - ρ) and stays on its plateau: a larger step reaches it "
        "sooner but at a higher level (ρ = 1 keeps the last sample, variance σ²; ρ near 2 "
        "oscillates around m). The decaying schedule's variance falls as 1/n, forever. "
        "Middle: one run with constant ρ keeps jittering around m; the running mean "
        "settles. Right: the final X of constant ρ is normal with the predicted variance. "
        "This is why SGD is run with a decay schedule: constant steps explore, decaying "
        "steps converge.\n\n"
        "**What to change next.** `--rhos 0.1,2.1` (ρ > 2 diverges: |1 - ρ| > 1); "
        "`--steps 20` (ρ = 0.02 has not reached its plateau); a schedule 1/(n+1)^p in "
        "`InverseTimeLR(power=p)` for 1/2 < p < 1 (the Robbins–Monro conditions of the "
        "slides' theorem)."
    )
    return Results(
        metrics=metrics,
        figures=[
            Figure("figures/sgd_convergence.png", "variance against n; one run; the final law")
        ],
        notes=notes,
        history={
            **{f"var/rho={r:g}": state.var[:, i].tolist() for i, r in enumerate(rhos)},
            "var/harmonic": state.var[:, -1].tolist(),
        },
    )


EXPERIMENT = Experiment(
    name="course.sgd_convergence",
    description="SGD on a Gaussian mean: constant ρ gives the variance ρσ²/(2-ρ), ρ_n = 1/(n+1) "
    "the running mean whose variance tends to 0, over many runs",
    config={
        "m": 1.0,
        "sigma": 2.0,
        "x0": 0.0,
        "rhos": [0.02, 0.1, 0.5, 1.0, 1.5, 1.9],
        "runs": 100000,
        "steps": 2000,
    },
    quick={"runs": 10000, "steps": 200},
    metrics=[
        Metric(
            "var_rel_err/constant",
            "lower",
            target=0.05,
            document=Reference(None, DOC, "Exo 1: limit variance ρσ²/(2 - ρ), not 0"),
        ),
        Metric(
            "var/harmonic",
            "lower",
            document=Reference(None, DOC, "Exo 2: ρ_n = 1/(n+1), limit variance 0"),
        ),
        Metric("var_rel_err/harmonic", "lower", target=0.05),
    ],
    run=run,
)
