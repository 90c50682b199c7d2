"""One DCGAN training step on 3x32x32 images, batch 64, float32: retroprop vs PyTorch in one
run, alternating, same thread count.

    generator:     z (100) -> ConvTranspose2d+BatchNorm2d+ReLU -> (256, 4, 4)
                   -> ConvTranspose2d+BatchNorm2d+ReLU -> (128, 8, 8)
                   -> ConvTranspose2d+BatchNorm2d+ReLU -> (64, 16, 16)
                   -> ConvTranspose2d -> Tanh -> (3, 32, 32)
    discriminator: Conv2d(3, 64) -> Conv2d(64, 128) -> Conv2d(128, 256), each 4x4 stride 2 with
                   LeakyReLU(0.2), then Conv2d(256, 1, 4) on the 4x4 map -> one logit

A step is one discriminator update (real batch labelled 1, generated batch labelled 0, the
generator's output detached) then one generator update (its batch labelled 1), both with
binary_cross_entropy_with_logits and Adam(lr 2e-4, betas (0.5, 0.999)). The real batch and z
are fixed arrays, so both libraries compute the same numbers (checked on the first step).

    python benchmarks/dcgan.py [--steps 20] [--threads 1] [--profile]

Prints a Markdown table of median ms/step and the ratio to PyTorch, with each library's peak
memory (peak RSS of a separate process that builds the models and runs steps).
``--profile`` prints instead where retroprop's step spends its time (cProfile, own time).
"""

from __future__ import annotations

from types import ModuleType

import numpy as np
from common import compare

BATCH = 64
Z = 100
LR, BETAS = 2e-4, (0.5, 0.999)


def make_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A fixed real batch in [-1, 1] (the range of Tanh) and a fixed batch of z."""
    rng = np.random.default_rng(seed)
    real = rng.uniform(-1, 1, (BATCH, 3, 32, 32)).astype(np.float32)
    z = rng.standard_normal((BATCH, Z, 1, 1)).astype(np.float32)
    return real, z


def dcgan_init(state: dict, seed: int = 1) -> dict[str, np.ndarray]:
    """The DCGAN paper's initialisation, from one seed, in state_dict order: convolution
    weights N(0, 0.02), BatchNorm weights N(1, 0.02) and biases 0; buffers kept."""
    rng = np.random.default_rng(seed)
    out = {}
    for key, value in state.items():
        a = np.array(value)
        if key.endswith("weight"):
            mean = 1.0 if a.ndim == 1 else 0.0
            a = rng.normal(mean, 0.02, a.shape).astype(np.float32)
        elif key.endswith("bias"):
            a = np.zeros(a.shape, np.float32)
        out[key] = a
    return out


def build(nn) -> tuple:
    """Generator and discriminator from a library's ``nn`` (the two share the API)."""
    gen = nn.Sequential(
        nn.ConvTranspose2d(Z, 256, 4, 1, 0, bias=False), nn.BatchNorm2d(256), nn.ReLU(),
        nn.ConvTranspose2d(256, 128, 4, 2, 1, bias=False), nn.BatchNorm2d(128), nn.ReLU(),
        nn.ConvTranspose2d(128, 64, 4, 2, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
        nn.ConvTranspose2d(64, 3, 4, 2, 1, bias=False), nn.Tanh(),
    )  # fmt: skip
    disc = nn.Sequential(
        nn.Conv2d(3, 64, 4, 2, 1, bias=False), nn.LeakyReLU(0.2),
        nn.Conv2d(64, 128, 4, 2, 1, bias=False), nn.LeakyReLU(0.2),
        nn.Conv2d(128, 256, 4, 2, 1, bias=False), nn.LeakyReLU(0.2),
        nn.Conv2d(256, 1, 4, 1, 0, bias=False), nn.Flatten(),
    )  # fmt: skip
    return gen, disc


def gan_step(lib: ModuleType, gen, disc, real_t, z_t):
    """The step, written once for both libraries (``lib`` is the retroprop or the torch module,
    which spell it alike): the discriminator's update, then the generator's."""
    F = lib.nn.functional
    opt_g = lib.optim.Adam(gen.parameters(), lr=LR, betas=BETAS)
    opt_d = lib.optim.Adam(disc.parameters(), lr=LR, betas=BETAS)
    ones, zeros = lib.ones(BATCH, 1), lib.zeros(BATCH, 1)

    def step() -> tuple[float, float]:
        opt_d.zero_grad()
        fake = gen(z_t)
        loss_d = F.binary_cross_entropy_with_logits(disc(real_t), ones)
        loss_d = loss_d + F.binary_cross_entropy_with_logits(disc(fake.detach()), zeros)
        loss_d.backward()
        opt_d.step()
        opt_g.zero_grad()
        loss_g = F.binary_cross_entropy_with_logits(disc(fake), ones)
        loss_g.backward()
        opt_g.step()
        return loss_d.item(), loss_g.item()

    return step


def retroprop_step(real: np.ndarray, z: np.ndarray):
    import retroprop as rp

    gen, disc = build(rp.nn)
    for m in (gen, disc):
        m.load_state_dict(dcgan_init(m.state_dict()))
    return gan_step(rp, gen, disc, rp.tensor(real), rp.tensor(z))


def torch_step(real: np.ndarray, z: np.ndarray):
    import torch

    gen, disc = build(torch.nn)
    for m in (gen, disc):
        init = dcgan_init({k: v.numpy() for k, v in m.state_dict().items()})
        m.load_state_dict({k: torch.from_numpy(v) for k, v in init.items()})
    return gan_step(torch, gen, disc, torch.from_numpy(real), torch.from_numpy(z))


LIBS = {"retroprop": retroprop_step, "torch": torch_step}


def same_first_losses(steps: dict) -> None:
    """Both libraries start from the same weights and data: their first losses must agree."""
    first = {name: step() for name, step in steps.items()}
    np.testing.assert_allclose(first["retroprop"], first["torch"], rtol=1e-3)


def main() -> None:
    compare(
        __doc__,
        __file__,
        LIBS,
        make_data(),
        f"DCGAN step (D then G update) on 3x32x32, batch {BATCH}, float32, {{threads}} "
        "thread(s), {steps} alternating steps",
        steps=20,
        memory_steps=5,
        check=same_first_losses,
    )


if __name__ == "__main__":
    main()
