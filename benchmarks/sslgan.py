"""One training step of the semi-supervised GAN's MLP (Salimans et al. 2016, the MNIST model of
openai/improved-gan), batch 100, float32: retroprop vs PyTorch in one run, alternating, same
thread count.

    discriminator: GaussianNoise(0.3) -> 784-1000-500-250-250-250-10, weight-normalised Linear
                   layers, ReLU then GaussianNoise(0.5) after each hidden one; the scales g of
                   the hidden layers are fixed (only the last one's is learned)
    generator:     z (100) -> Linear 500 -> BatchNorm1d -> Softplus -> Linear 500 -> BatchNorm1d
                   -> Softplus -> weight-normalised Linear 784 -> Sigmoid (the Linear layers
                   before BatchNorm without bias, BatchNorm without a learned scale, eps 1e-6)

A step is one discriminator update then one generator update, both Adam(lr 0.003, betas
(0.5, 0.999)):
- D: 100 labelled, 100 unlabelled and 100 generated images (G's output without gradient) in
  one forward of 300 rows (D has no batch-dependent layer, and each row draws its own noise),
  cross-entropy on the labelled logits + 0.5 * the unsupervised loss
  mean(softplus(log Z) - log Z) over real + mean(softplus(log Z)) over generated;
- G: feature matching on D's last hidden layer, mean((mean f(x) - mean f(G(z)))^2), the real
  features without gradient and D's parameters frozen, so that no gradient of D is computed.
Weight norms are computed once per forward (``parametrize.cached``) in both libraries. The
images and z are fixed arrays; both libraries start from the same weights (D's deterministic
logits and G's images are checked equal before timing).

    python benchmarks/sslgan.py [--steps 20] [--threads 1] [--profile]
"""

from __future__ import annotations

from types import ModuleType

import numpy as np
from common import compare

BATCH, Z = 100, 100
LR, BETAS = 0.003, (0.5, 0.999)
D_SIZES = (784, 1000, 500, 250, 250, 250, 10)


def make_data(seed: int = 0) -> tuple[np.ndarray, ...]:
    """Fixed labelled, unlabelled and feature-matching batches in [0, 1], labels, two z."""
    rng = np.random.default_rng(seed)
    x_lab, x_unl, x_unl2 = (rng.uniform(0, 1, (BATCH, 784)).astype(np.float32) for _ in "abc")
    y = rng.integers(0, 10, BATCH).astype(np.int64)
    z1, z2 = (rng.uniform(0, 1, (BATCH, Z)).astype(np.float32) for _ in "ab")
    return x_lab, y, x_unl, x_unl2, z1, z2


def build(lib: ModuleType, noise: type) -> tuple:
    """Generator and discriminator from a library (``noise``: its Gaussian-noise layer)."""
    nn = lib.nn
    weight_norm = nn.utils.parametrizations.weight_norm
    layers = [noise(0.3)]
    for n_in, n_out in zip(D_SIZES, D_SIZES[1:]):
        layers.append(weight_norm(nn.Linear(n_in, n_out)))
        if n_out != D_SIZES[-1]:
            layers[-1].parametrizations.weight.original0.requires_grad_(False)
            layers += [nn.ReLU(), noise(0.5)]
    disc = nn.Sequential(*layers)
    gen = nn.Sequential(
        nn.Linear(Z, 500, bias=False), nn.BatchNorm1d(500, eps=1e-6), nn.Softplus(),
        nn.Linear(500, 500, bias=False), nn.BatchNorm1d(500, eps=1e-6), nn.Softplus(),
        weight_norm(nn.Linear(500, 784)), nn.Sigmoid(),
    )  # fmt: skip
    for bn in (gen[1], gen[4]):
        bn.weight.requires_grad_(False)
    return gen, disc


def ssl_step(lib: ModuleType, gen, disc, data: tuple) -> object:
    """The step, written once for both libraries (``lib`` is retroprop or torch)."""
    F = lib.nn.functional
    x_lab, y, x_unl, x_unl2, z1, z2 = data
    d_params = [p for p in disc.parameters() if p.requires_grad]
    opt_d = lib.optim.Adam(d_params, lr=LR, betas=BETAS)
    opt_g = lib.optim.Adam([p for p in gen.parameters() if p.requires_grad], lr=LR, betas=BETAS)
    features = disc[:-2]
    cached = lib.nn.utils.parametrize.cached
    n = BATCH

    def step() -> tuple[float, float]:
        with lib.no_grad():
            fake = gen(z1)
        with cached():
            logits = disc(lib.cat([x_lab, x_unl, fake]))
        log_z = lib.logsumexp(logits[n:], 1)
        loss_unl = (F.softplus(log_z[:n]) - log_z[:n]).mean() + F.softplus(log_z[n:]).mean()
        loss_d = F.cross_entropy(logits[:n], y) + 0.5 * loss_unl
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        for p in d_params:
            p.requires_grad_(False)
        with cached():
            with lib.no_grad():
                real_f = features(x_unl2)
            fake_f = features(gen(z2))
        loss_g = ((real_f.mean(0) - fake_f.mean(0)) ** 2).mean()
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        for p in d_params:
            p.requires_grad_(True)
        return loss_d.item(), loss_g.item()

    return step


def _weights(seed: int = 1) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The initial weights, from retroprop's own initialisation (then copied into torch)."""
    import retroprop as rp

    rp.manual_seed(seed)
    gen, disc = build(rp, rp.nn.GaussianNoise)
    return (
        {k: v.detach().numpy().copy() for k, v in gen.state_dict().items()},
        {k: v.detach().numpy().copy() for k, v in disc.state_dict().items()},
    )


def retroprop_step(*data: np.ndarray):
    import retroprop as rp

    gen, disc = build(rp, rp.nn.GaussianNoise)
    for m, w in zip((gen, disc), _weights()):
        m.load_state_dict(w)
    return ssl_step(rp, gen, disc, tuple(rp.tensor(a) for a in data)), (rp, gen, disc, data)


def torch_step(*data: np.ndarray):
    import torch

    class GaussianNoise(torch.nn.Module):
        def __init__(self, std: float) -> None:
            super().__init__()
            self.std = std

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x + self.std * torch.randn_like(x) if self.training else x

    gen, disc = build(torch, GaussianNoise)
    for m, w in zip((gen, disc), _weights()):
        m.load_state_dict({k: torch.from_numpy(v) for k, v in w.items()})
    step = ssl_step(torch, gen, disc, tuple(torch.from_numpy(a) for a in data))
    return step, (torch, gen, disc, data)


def _step_only(make):
    def make_step(*data: np.ndarray):
        return make(*data)[0]

    return make_step


LIBS = {"retroprop": _step_only(retroprop_step), "torch": _step_only(torch_step)}


def same_models(_: dict) -> None:
    """Same weights in both libraries: D's logits without noise and G's images agree."""
    outs = []
    for make in (retroprop_step, torch_step):
        _, (lib, gen, disc, data) = make(*make_data())
        disc.eval()
        with lib.no_grad():
            x = lib.tensor(data[0]) if lib.__name__ == "retroprop" else lib.from_numpy(data[0])
            z = lib.tensor(data[4]) if lib.__name__ == "retroprop" else lib.from_numpy(data[4])
            outs.append((disc(x).detach().numpy(), gen(z).detach().numpy()))
    for r, t in zip(*outs):
        np.testing.assert_allclose(r, t, rtol=1e-3, atol=1e-4)


def main() -> None:
    compare(
        __doc__,
        __file__,
        LIBS,
        make_data(),
        f"Semi-supervised GAN MLP step (D then G update, Salimans et al. 2016), batch {BATCH}, "
        "float32, {threads} thread(s), {steps} alternating steps",
        steps=20,
        memory_steps=5,
        check=same_models,
    )


if __name__ == "__main__":
    main()
