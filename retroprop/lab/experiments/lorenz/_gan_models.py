"""lorenz.gan's networks: the document's DCGAN on 32x32 three-channel images (spectral
normalisation in the discriminator), and a 1-D convolutional pair on the series themselves.

Both generators end in tanh (the data are scaled to [-1, 1] per coordinate); both
discriminators output one logit per sample and have no batch normalisation (spectral
normalisation is their Lipschitz control).
"""

from __future__ import annotations

from retroprop import nn
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
