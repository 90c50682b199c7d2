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
    """D without its classifier: the layers before the last Linear, less the noise, dropout
    and minibatch discrimination right before it; G matches their mean activations."""
    n = len(disc) - 1
    while isinstance(disc[n - 1], nn.GaussianNoise | nn.Dropout | nn.MinibatchDiscrimination):
        n -= 1
    return disc[:n]


def _wn_conv(n_in: int, n_out: int, kernel: int, stride: int, padding: int) -> nn.Conv2d:
    conv = nn.Conv2d(n_in, n_out, kernel, stride, padding)
    nn.init.normal_(conv.weight, 0.0, 0.05)
    nn.init.zeros_(conv.bias)
    weight_norm(conv)
    return conv


def cnn_discriminator(
    widths: tuple[int, int, int] = (32, 64, 128),
    input_noise: float = 0.3,
    dropout: float = 0.5,
    minibatch_kernels: int = 0,
) -> nn.Sequential:
    """A conv-small discriminator for 1 x 28 x 28 images, weight-normalised, LeakyReLU(0.2):
    noise, two 3x3 convolutions (the second of stride 2: 14 x 14), dropout, the same at twice
    the width (7 x 7), dropout, a 3x3 valid and a 1x1 convolution, global average pooling, then
    the classifier Linear."""
    a, b, c = widths
    layers: list[nn.Module] = [
        nn.GaussianNoise(input_noise),
        _wn_conv(1, a, 3, 1, 1), nn.LeakyReLU(0.2),
        _wn_conv(a, a, 3, 2, 1), nn.LeakyReLU(0.2),
        nn.Dropout(dropout),
        _wn_conv(a, b, 3, 1, 1), nn.LeakyReLU(0.2),
        _wn_conv(b, b, 3, 2, 1), nn.LeakyReLU(0.2),
        nn.Dropout(dropout),
        _wn_conv(b, c, 3, 1, 0), nn.LeakyReLU(0.2),
        _wn_conv(c, c, 1, 1, 0), nn.LeakyReLU(0.2),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
    ]  # fmt: skip
    last_in = c
    if minibatch_kernels:
        layers.append(nn.MinibatchDiscrimination(c, minibatch_kernels, 5))
        last_in += minibatch_kernels
    layers.append(_wn_linear(last_in, 10, 0.05, True))
    return nn.Sequential(*layers)


def keras_mlp() -> nn.Sequential:
    """The document's baseline DNN is drawn in a figure we do not have; we take the Keras
    MNIST example MLP: 784-512-512-10, ReLU, dropout 0.2, Glorot-uniform weights, zero biases."""
    return _keras(
        nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.2),
        nn.Linear(512, 512), nn.ReLU(), nn.Dropout(0.2),
        nn.Linear(512, 10),
    )  # fmt: skip


def keras_cnn() -> nn.Sequential:
    """Likewise the Keras MNIST example CNN: Conv 32 3x3, Conv 64 3x3, max-pool 2, dropout
    0.25, Dense 128, dropout 0.5, Dense 10 (ReLU)."""
    return _keras(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Dropout(0.25), nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(128, 10),
    )  # fmt: skip


def _keras(*layers: nn.Module) -> nn.Sequential:
    for layer in layers:
        if isinstance(layer, nn.Linear | nn.Conv2d):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)
    return nn.Sequential(*layers)


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
