"""lorenz.simulate: the Lorenz system integrated by our vectorised RK4, checked against DOP853.

Source document 000 simulates the Lorenz system before identifying it and training a GAN on
it; issue 11 asks for a vectorised, differentiable RK4 integrator (``retroprop.dynamics``),
tested against scipy's ``solve_ivp`` DOP853 at tight tolerances, trajectories sampled every
dt after a transient, and the attractor and time series drawn. Any Lorenz-type system: sigma,
rho, beta and x0 are settings.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from scipy.integrate import solve_ivp

from retroprop.dynamics import rk4, trajectory
from retroprop.lab import Experiment, Figure, Metric, Reference, Results, RunContext
from retroprop.lab.experiments.lorenz import _common as C

NAME = "lorenz.simulate"


def _dop853(f, x0: np.ndarray, t: np.ndarray) -> np.ndarray:
    sol = solve_ivp(
        lambda _, s: f(s), (0.0, t[-1]), x0, method="DOP853", t_eval=t, rtol=1e-13, atol=1e-13
    )
    return sol.y.T


def run(config: dict[str, Any], ctx: RunContext) -> Results:
    f, _ = C.field(config)
    x0 = C.start(config, NAME)
    h = float(config["h"])
    rng = np.random.default_rng([int(config["seed"]), 0])

    # RK4 against DOP853 from several starting points at once: x0 and perturbations of it
    starts = np.vstack([x0, x0 + rng.standard_normal((int(config["n_compare"]) - 1, 3))])
    window, horizon, every = float(config["compare_T"]), float(config["growth_T"]), 0.01
    times = np.arange(int(round(horizon / every)) + 1) * every
    ours = rk4(f, starts, every, times.size, C.substeps(every, h))
    t0 = time.perf_counter()
    ref = np.stack([_dop853(f, s, times) for s in starts])
    dop_s = time.perf_counter() - t0
    error = np.abs(ours - ref).max(axis=(0, 2))  # worst over starts and coordinates, per time
    scale = float(np.abs(ref).max())
    # the integrator's error over a window short enough that chaos has not amplified it;
    # the order: halve the step and compare over the same window
    one = times <= window + 1e-12
    half = rk4(f, starts, every, times.size, 2 * C.substeps(every, h))
    err_h = np.abs(ours[:, one] - ref[:, one]).max()
    err_half = np.abs(half[:, one] - ref[:, one]).max()

    # the sampled trajectories of the settings, and many trajectories at once
    t0 = time.perf_counter()
    samples = C.sample(f, x0, config["dts"], float(config["T"]), float(config["transient"]), h)
    sample_s = time.perf_counter() - t0
    many = x0 + rng.standard_normal((int(config["n_many"]), 3))
    t0 = time.perf_counter()
    bunch = trajectory(f, many, 0.01, 1001, 0.0, C.substeps(0.01, h))
    many_s = time.perf_counter() - t0
    finest = samples[min(samples)]

    metrics: dict[str, Any] = {
        "rk4_vs_dop853_max_err": float(err_h),
        "rk4_vs_dop853_max_rel_err": float(err_h / scale),
        f"rk4_vs_dop853_max_err/t<={horizon:g}": float(error.max()),
        "rk4_order": float(np.log2(err_h / err_half)),
        "dop853_s": dop_s,
        "simulate_s": sample_s,
        f"many_trajectories_s/n={len(many)}/t=10": many_s,
        "many_trajectories_finite": bool(np.isfinite(bunch).all()),
        "lobe_switches_per_time": float(
            np.count_nonzero(np.diff(np.sign(finest[:, 0]))) / float(config["T"])
        ),
    }
    for i, c in enumerate("xyz"):
        metrics[f"mean/{c}"] = float(finest[:, i].mean())
        metrics[f"std/{c}"] = float(finest[:, i].std())
    for dt, xs in samples.items():
        metrics[f"samples/dt={dt:g}"] = int(xs.shape[0])

    figures = _plots(ctx, config, samples, times, error, rng)
    sigma, rho, beta = C.parameters(config)
    notes = (
        f"System sigma = {sigma:g}, rho = {rho:g}, beta = {beta:g} from x0 = {config['x0']}; "
        f"RK4 with steps of at most h = {h:g}, a transient of {config['transient']} time "
        f"units discarded, then {config['T']} time units sampled at dt in {config['dts']}.\n\n"
        f"**Against DOP853** (scipy, rtol = atol = 1e-13) from {len(starts)} starting points "
        f"(x0 and x0 + N(0, 1) draws of the seed), sampled every 0.01 for {horizon:g} time "
        f"units: over the first {window:g} the largest difference is {err_h:.3g} "
        f"({err_h / scale:.3g} of the largest |coordinate|), and halving the step divides it "
        f"by 2^{metrics['rk4_order']:.2f} (fourth order: 2^4). Over {horizon:g} time units it "
        f"reaches {error.max():.3g}: the difference grows like e^(lambda1 t), chaos "
        "amplifying both integrators' tiny errors (see the error plot).\n\n"
        f"**Vectorised**: {len(many)} trajectories of 10 time units at once took "
        f"{many_s:.2f} s. The same code runs on retroprop Tensors, which is how "
        "lorenz.identify's rk4_fit takes gradients through it (tests/test_dynamics_integrate.py "
        "runs a gradcheck)."
    )
    return Results(metrics=metrics, figures=figures, notes=notes)


def _plots(ctx, config, samples, times, error, rng) -> list[Figure]:
    finest = samples[min(samples)]
    fig = C.figure(6, 5)
    ax = fig.add_subplot(projection="3d")
    C.attractor(ax, finest, color="tab:blue")
    C.save(fig, ctx.figures / "attractor.png", f"attractor, {config['T']} time units")

    fig = C.figure(9, 6)
    axes = fig.subplots(3, 1, sharex=True)
    dt = min(samples)
    window = min(finest.shape[0], int(round(20.0 / dt)) + 1)
    t = np.arange(window) * dt
    for i, (ax, c) in enumerate(zip(axes, "xyz")):
        for noise in sorted(config["noises"], reverse=True):
            series = C.noisy(finest[:window], float(noise), rng)[:, i]
            ax.plot(t, series, lw=0.6, label=f"noise {noise:g} %")
        ax.set_ylabel(c)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7, ncol=len(config["noises"]))
    axes[-1].set_xlabel("t")
    C.save(fig, ctx.figures / "series.png", f"the first 20 time units at dt = {dt:g}")

    fig = C.figure(6, 4)
    ax = fig.subplots()
    ax.semilogy(times[1:], np.maximum(error[1:], 1e-17))
    ax.set_xlabel("t")
    ax.set_ylabel("max |RK4 - DOP853|")
    ax.grid(alpha=0.3)
    C.save(fig, ctx.figures / "dop853_error.png", "our RK4 against DOP853")
    return [
        Figure("figures/attractor.png", "the attractor, at the finest dt"),
        Figure("figures/series.png", "x, y, z against time, with the measurement noises"),
        Figure("figures/dop853_error.png", "largest RK4 - DOP853 difference against time"),
    ]


EXPERIMENT = Experiment(
    name=NAME,
    description="the Lorenz system by our vectorised RK4, against scipy's DOP853",
    config={
        **C.SYSTEM,
        "T": 100.0,
        "dts": [0.01, 0.1],
        "noises": [0.0, 1.0, 5.0],
        "transient": 10.0,
        "h": 0.001,
        "n_compare": 8,
        "compare_T": 1.0,
        "growth_T": 10.0,
        "n_many": 1000,
    },
    quick={
        "T": 5.0,
        "n_compare": 3,
        "compare_T": 1.0,
        "growth_T": 2.0,
        "n_many": 50,
        "transient": 2.0,
    },
    metrics=[
        Metric(
            "rk4_vs_dop853_max_err",
            "lower",
            target=1e-6,
            document=Reference(None, C.DOCUMENT, "the slides do not say how they integrate"),
        ),
        Metric("rk4_order", "equal", target=4.0, tolerance=0.3),
    ],
    run=run,
)
