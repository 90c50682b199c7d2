"""The networks of Salimans et al. (2016)'s MNIST model (openai/improved-gan,
``train_mnist_feature_matching.py``), their initialisation and the average of D's weights.

Facts taken from the paper's code: D's dense layers are weight-normalised with directions
drawn from N(0, 0.1^2), biases 0, then a data-dependent initialisation on 500 training images
(noise on); the hidden layers' scales g are not trained after it, the last layer's is. G's
dense layers have Glorot-uniform weights; batch normalisation there has no learned scale
(only a bias) and eps 1e-6, and always uses the batch's statistics; its output layer is
weight-normalised with g = 1.
"""

from __future__ import annotations

import numpy as np

import retroprop as rp
from retroprop import nn
from retroprop.nn.utils import parametrize
from retroprop.nn.utils.parametrizations import weight_norm, weight_norm_init_

D_SIZES = (784, 1000, 500, 250, 250, 250, 10)
Z_DIM = 100


def _wn_linear(n_in: int, n_out: int, std: float, train_g: bool) -> nn.Linear:
    layer = nn.Linear(n_in, n_out)
    nn.init.normal_(layer.weight, 0.0, std)
    nn.init.zeros_(layer.bias)
    weight_norm(layer)
    layer.parametrizations.weight.original0.requires_grad_(train_g)
    return layer


def discriminator(
    sizes: tuple[int, ...] = D_SIZES,
    input_noise: float = 0.3,
    hidden_noise: float = 0.5,
    minibatch_kernels: int = 0,
) -> nn.Sequential:
    """GaussianNoise(input_noise), then for each hidden size a weight-normalised Linear, ReLU
    and GaussianNoise(hidden_noise); optionally MinibatchDiscrimination (``minibatch_kernels``
    kernels of 5 dims) before the last Linear, whose K outputs are the class logits."""
    layers: list[nn.Module] = [nn.GaussianNoise(input_noise)]
    for n_in, n_out in zip(sizes[:-2], sizes[1:-1]):
        layers += [_wn_linear(n_in, n_out, 0.1, False), nn.ReLU(), nn.GaussianNoise(hidden_noise)]
    last_in = sizes[-2]
    if minibatch_kernels:
        layers.append(nn.MinibatchDiscrimination(last_in, minibatch_kernels, 5))
        last_in += minibatch_kernels
    layers.append(_wn_linear(last_in, sizes[-1], 0.1, True))
    return nn.Sequential(*layers)


def features(disc: nn.Sequential) -> nn.Sequential:
    """D up to its last hidden ReLU: the layer whose mean activations G matches."""
    last_relu = max(i for i, m in enumerate(disc) if isinstance(m, nn.ReLU))
    return disc[: last_relu + 1]


def head(disc: nn.Sequential) -> nn.Sequential:
    """The rest of D after :func:`features`."""
    return disc[len(features(disc)) :]


def generator(z_dim: int = Z_DIM, hidden: int = 500, out: int = 784) -> nn.Sequential:
    """z -> Linear -> BatchNorm -> Softplus (twice) -> weight-normalised Linear -> Sigmoid."""
    layers: list[nn.Module] = []
    for n_in in (z_dim, hidden):
        linear = nn.Linear(n_in, hidden, bias=False)
        nn.init.xavier_uniform_(linear.weight)
        bn = nn.BatchNorm1d(hidden, eps=1e-6)
        bn.weight.requires_grad_(False)
        layers += [linear, bn, nn.Softplus()]
    top = nn.Linear(hidden, out)
    nn.init.xavier_uniform_(top.weight)
    nn.init.zeros_(top.bias)
    weight_norm(top)
    nn.init.ones_(top.parametrizations.weight.original0)
    return nn.Sequential(*layers, top, nn.Sigmoid())


def init_from_data_(model: nn.Sequential, x: np.ndarray) -> None:
    """The data-dependent initialisation, layer after layer, in training mode (noise on): each
    weight-normalised layer's pre-activations get mean 0 and std 1 on the batch ``x``."""
    h = rp.tensor(x)
    with rp.no_grad():
        for layer in model:
            is_wn = parametrize.is_parametrized(layer) and hasattr(layer, "bias")
            h = weight_norm_init_(layer, h) if is_wn else layer(h)


def trainable(model: nn.Module) -> list[nn.Parameter]:
    return [p for p in model.parameters() if p.requires_grad]


def ema_update_(average: nn.Module, model: nn.Module, decay: float) -> None:
    """average <- decay * average + (1 - decay) * model, for every parameter (Polyak
    averaging of the weights, used to test D)."""
    for a, p in zip(average.parameters(), model.parameters()):
        target = a.detach().numpy()
        target += (1.0 - decay) * (p.detach().numpy() - target)


def copy_of(model: nn.Sequential, build) -> nn.Sequential:
    """A new model from ``build()`` holding ``model``'s weights (the EMA's start)."""
    other = build()
    other.load_state_dict({k: v.detach().numpy().copy() for k, v in model.state_dict().items()})
    return other


def predict(disc: nn.Module, x: np.ndarray, batch: int = 2000) -> np.ndarray:
    """The arg-max class of D's logits, in evaluation mode (no noise), in chunks."""
    was = disc.training
    disc.eval()
    with rp.no_grad():
        out = np.concatenate(
            [disc(rp.tensor(x[i : i + batch])).numpy().argmax(1) for i in range(0, len(x), batch)]
        )
    disc.train(was)
    return out
