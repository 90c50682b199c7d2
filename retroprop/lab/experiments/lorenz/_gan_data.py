"""lorenz.gan's data: trajectories from random points on the attractor, all integrated at once.

Initial conditions are x0 plus a unit Gaussian perturbation each; a transient carries every
one onto the attractor (nearby starts separate at the rate e^{lambda1 t}, so after tens of
time units they are independent points of it), then each trajectory is sampled ``n_samples``
times ``dt`` apart, ``substeps`` RK4 steps per sample. The training and held-out sets are
drawn together, from the run's seed, and split.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from retroprop.dynamics import SeriesImageCodec, lorenz, trajectory


def field(config: dict[str, Any]) -> Any:
    """The Lorenz field of the run's system: ``f(state)`` on ``(..., 3)`` arrays."""
    return partial(
        lorenz, sigma=float(config["sigma"]), rho=float(config["rho"]), beta=float(config["beta"])
    )


@dataclass
class Trajectories:
    """Training and held-out real series, ``(N, n_samples, 3)`` float64."""

    train: np.ndarray
    test: np.ndarray


def simulate(config: dict[str, Any]) -> Trajectories:
    """``n_train + n_test`` trajectories of the run's system (see the module's docstring)."""
    x0 = np.asarray(config["x0"], dtype=np.float64)
    if x0.shape != (3,):
        raise ValueError(f"lorenz.gan: x0 must have 3 values, got {x0.tolist()}")
    n_train, n_test = int(config["n_train"]), int(config["n_test"])
    rng = np.random.default_rng([int(config["seed"]), 0])
    starts = x0 + rng.normal(size=(n_train + n_test, 3))
    xs = trajectory(
        field(config),
        starts,
        dt=float(config["dt"]),
        n_samples=int(config["n_samples"]),
        transient=float(config["transient"]),
        substeps=int(config["substeps"]),
    )
    if not np.all(np.isfinite(xs)):
        raise ValueError(
            "lorenz.gan: the system's trajectories blew up; check sigma, rho, beta and dt"
        )
    return Trajectories(train=xs[:n_train], test=xs[n_train:])


class Codec:
    """The series <-> model-input encoding, :class:`retroprop.dynamics.SeriesImageCodec` fitted
    on the training series: each coordinate a channel scaled to [-1, 1] by its stored minimum
    and maximum, its samples laid row by row in a square image (``dcgan``) or kept as a
    sequence (``conv1d``, ``integrator``). Series here are ``(N, n, 3)``; model inputs
    ``(N, 3, 32, 32)`` or ``(N, 3, n)`` float32."""

    def __init__(self, train: np.ndarray, model: str) -> None:
        side = int(round(np.sqrt(train.shape[1])))
        if side * side != train.shape[1]:
            raise ValueError(
                f"lorenz.gan: n_samples must be a square (1024 = 32 x 32), got {train.shape[1]}"
            )
        self.model = model
        self.images = SeriesImageCodec(side).fit(train.transpose(0, 2, 1))

    def as_images(self, x: np.ndarray) -> np.ndarray:
        """Model inputs of either layout as ``(N, 3, side, side)`` images."""
        side = self.images.side
        return x.reshape(len(x), x.shape[1], side, side)

    def encode(self, series: np.ndarray) -> np.ndarray:
        x = self.images.encode(series.transpose(0, 2, 1)).astype(np.float32)
        return x if self.model == "dcgan" else x.reshape(len(x), x.shape[1], -1)

    def decode(self, x: np.ndarray) -> np.ndarray:
        series = self.images.decode(self.as_images(x).astype(np.float64))
        return series.transpose(0, 2, 1)
