"""lorenz.gan's networks: the document's DCGAN on 32x32 three-channel images (spectral
normalisation in the discriminator), a 1-D convolutional pair on the series themselves, and a
generator of initial states whose series the RK4 integrator writes.

Every generator ends in tanh (the data are scaled to [-1, 1] per coordinate); every
discriminator outputs one logit per sample and has no batch normalisation (spectral
normalisation is its Lipschitz control).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import retroprop as rp
from retroprop import nn
from retroprop.dynamics import rk4
from retroprop.nn.utils.parametrizations import spectral_norm

Z_DIM = 100


def dcgan_generator(width: int, channels: int = 3) -> nn.Module:
    """z (N, Z_DIM, 1, 1) -> (N, channels, 32, 32): transposed convolutions 1 -> 4 -> 8 -> 16
    -> 32 pixels, halving the features (4w, 2w, w), each followed by BatchNorm and ReLU."""
    w = int(width)
    layers: list[nn.Module] = [nn.ConvTranspose2d(Z_DIM, 4 * w, 4, 1, 0, bias=False)]
    for c_in, c_out in ((4 * w, 2 * w), (2 * w, w)):
        layers += [
            nn.BatchNorm2d(c_in),
            nn.ReLU(),
            nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False),
        ]
    layers += [nn.BatchNorm2d(w), nn.ReLU(), nn.ConvTranspose2d(w, channels, 4, 2, 1), nn.Tanh()]
    return nn.Sequential(*layers)


def dcgan_discriminator(width: int, channels: int = 3) -> nn.Module:
    """(N, channels, 32, 32) -> (N, 1) logits: strided convolutions 32 -> 16 -> 8 -> 4 -> 1
    (w, 2w, 4w features), LeakyReLU(0.2), each weight spectrally normalised."""
    w = int(width)
    sn = spectral_norm
    return nn.Sequential(
        sn(nn.Conv2d(channels, w, 4, 2, 1)),
        nn.LeakyReLU(0.2),
        sn(nn.Conv2d(w, 2 * w, 4, 2, 1)),
        nn.LeakyReLU(0.2),
        sn(nn.Conv2d(2 * w, 4 * w, 4, 2, 1)),
        nn.LeakyReLU(0.2),
        sn(nn.Conv2d(4 * w, 1, 4, 1, 0)),
        nn.Flatten(),
    )


def _halvings(length: int, smallest: int) -> int:
    n = 0
    while length % 2 == 0 and length // 2 >= smallest:
        length //= 2
        n += 1
    return n


def seq_generator(width: int, length: int, channels: int = 3, start: int = 16) -> nn.Module:
    """z (N, Z_DIM) -> (N, channels, length): a linear map to ``4w`` features on ``start``
    time steps, then transposed 1-D convolutions doubling the length (features 4w, then w from
    the third) up to ``length``, BatchNorm and ReLU between, a last convolution of kernel 5 to
    the channels and tanh."""
    w, n_up = int(width), _halvings(length, start)
    if start * 2**n_up != length:
        raise ValueError(f"seq_generator: length must be {start} times a power of 2, got {length}")
    feats = [4 * w] + [4 * w if i < 2 else w for i in range(n_up)]
    layers: list[nn.Module] = [
        nn.Linear(Z_DIM, feats[0] * start, bias=False),
        nn.Unflatten(1, (feats[0], start)),
    ]
    for c_in, c_out in zip(feats, feats[1:]):
        layers += [
            nn.BatchNorm1d(c_in),
            nn.ReLU(),
            nn.ConvTranspose1d(c_in, c_out, 4, 2, 1, bias=False),
        ]
    layers += [
        nn.BatchNorm1d(feats[-1]),
        nn.ReLU(),
        nn.Conv1d(feats[-1], channels, 5, 1, 2),
        nn.Tanh(),
    ]
    return nn.Sequential(*layers)


def seq_discriminator(width: int, length: int, channels: int = 3, end: int = 16) -> nn.Module:
    """(N, channels, length) -> (N, 1) logits: strided 1-D convolutions halving the length down
    to ``end`` steps (features w, 2w, then 4w), LeakyReLU(0.2), a spectrally normalised linear
    read-out; every weight spectrally normalised."""
    w, n_down = int(width), _halvings(length, end)
    if end * 2**n_down != length:
        raise ValueError(
            f"seq_discriminator: length must be {end} times a power of 2, got {length}"
        )
    feats = [channels] + [min(4 * w, w * 2**i) for i in range(n_down)]
    layers: list[nn.Module] = []
    for c_in, c_out in zip(feats, feats[1:]):
        layers += [spectral_norm(nn.Conv1d(c_in, c_out, 4, 2, 1)), nn.LeakyReLU(0.2)]
    layers += [nn.Flatten(), spectral_norm(nn.Linear(feats[-1] * end, 1))]
    return nn.Sequential(*layers)


class InitialStateGenerator(nn.Module):
    """z (N, Z_DIM) -> (N, 3, window): G draws an initial state and the integrator writes the
    series from it.

    An MLP (two hidden layers of 4w features, BatchNorm and ReLU: without the normalisation
    G's starts collapsed onto one small region) ends in tanh: u in [-1, 1]^3, the
    initial state in the codec's scaled units, decoded with the codec's per-coordinate minimum
    and maximum, ``x0 = lo + (u + 1) (hi - lo) / 2``. RK4 (:func:`retroprop.dynamics.rk4`,
    on Tensors) then gives ``window`` samples ``dt`` apart, x0 first, which are scaled back,
    ``2 (x - lo) / (hi - lo) - 1``: the gradient of D's verdict flows through every RK4 stage
    to x0 and G's weights. It grows like e^{lambda1 t} along the window, so the window must
    be a few time units at most.

    Args:
        width: the hidden layers have ``4 * width`` features.
        lo, hi: ``(3,)`` the codec's minimum and maximum of each coordinate.
        field: the vector field ``f(state)`` on ``(..., 3)`` Tensors.
        dt, substeps: the sampling interval and the RK4 steps per sample.
        window: the samples of each generated series.
    """

    def __init__(
        self,
        width: int,
        lo: np.ndarray,
        hi: np.ndarray,
        field: Callable[[rp.Tensor], rp.Tensor],
        dt: float,
        substeps: int,
        window: int,
    ) -> None:
        super().__init__()
        w = 4 * int(width)
        self.net = nn.Sequential(
            nn.Linear(Z_DIM, w, bias=False),
            nn.BatchNorm1d(w),
            nn.ReLU(),
            nn.Linear(w, w, bias=False),
            nn.BatchNorm1d(w),
            nn.ReLU(),
            nn.Linear(w, 3),
            nn.Tanh(),
        )
        self.register_buffer("lo", rp.tensor(np.asarray(lo, dtype=np.float32)))
        self.register_buffer("hi", rp.tensor(np.asarray(hi, dtype=np.float32)))
        self.field, self.dt, self.substeps, self.window = field, dt, substeps, window

    def initial_state(self, z: rp.Tensor) -> rp.Tensor:
        """``(N, Z_DIM)`` -> ``(N, 3)`` initial states in the system's units."""
        return self.lo + (self.net(z) + 1.0) * ((self.hi - self.lo) * 0.5)

    def forward(self, z: rp.Tensor) -> rp.Tensor:
        xs = rk4(self.field, self.initial_state(z), self.dt, self.window, self.substeps)
        return ((xs - self.lo) * (2.0 / (self.hi - self.lo)) - 1.0).transpose(1, 2)
