"""What GANs for semi-supervised learning add to a classifier (Salimans et al., 2016, "Improved
techniques for training GANs"): the minibatch discrimination layer (section 3.2), the
unsupervised loss of a discriminator that is also a K-class classifier (section 5), and the
feature matching loss of the generator (section 3.1).

Every function is composed from differentiable ops, so each derivative is the one of those ops.

The discriminator outputs K logits l_1..l_K; the (K+1)-th class "generated" has its logit fixed
to 0, so with log Z(x) = logsumexp_k l_k(x) the probability that x is real is
D(x) = Z / (Z + 1) = sigmoid(log Z), log D = log Z - softplus(log Z), log(1 - D) = -softplus(log Z).
The supervised part is the ordinary ``F.cross_entropy`` of the K logits on labelled images.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from retroprop.nn import init
from retroprop.nn.module import Module
from retroprop.nn.parameter import Parameter
from retroprop.ops.activation import softplus
from retroprop.ops.reduce import logsumexp
from retroprop.ops.shape import cat
from retroprop.tensor import Tensor, get_default_dtype


def _check_2d(name: str, arg: str, x: Any) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: {arg} must be a Tensor, got {type(x).__name__}")
    if x.ndim != 2 or x.dtype.kind != "f":
        raise ValueError(
            f"{name}: {arg} must be a 2-D floating point tensor (N, features), got shape "
            f"{tuple(x.shape)} and dtype {x.dtype}"
        )


def minibatch_discrimination(input: Tensor, weight: Tensor) -> Tensor:
    """Salimans et al. (2016), section 3.2: features that compare each sample with the batch.

    With M = (input @ T) viewed as (N, B, C)::

        c_b(x_i, x_j) = exp(-||M_i,b - M_j,b||_1),   o(x_i)_b = sum_j c_b(x_i, x_j)

    (the sum includes j = i, a constant 1), and the output is concat(input, o).

    Args:
        input: (N, A) features.
        weight: the tensor T, (A, B, C).

    Shape: (N, A) -> (N, A + B). Memory: N^2 B C numbers for the pairwise differences.
    """
    _check_2d("minibatch_discrimination", "input", input)
    if not isinstance(weight, Tensor) or weight.ndim != 3 or weight.shape[0] != input.shape[1]:
        got = tuple(weight.shape) if isinstance(weight, Tensor) else type(weight).__name__
        raise ValueError(
            f"minibatch_discrimination: weight must be a Tensor of shape (A, B, C) with "
            f"A = {input.shape[1]} (the input's features), got {got}"
        )
    a, b, c = weight.shape
    m = (input @ weight.reshape(a, b * c)).reshape(-1, 1, b, c)
    l1 = (m - m.reshape(1, -1, b, c)).abs().sum(3)  # (N, N, B)
    return cat([input, (-l1).exp().sum(1)], 1)


class MinibatchDiscrimination(Module):
    """Minibatch discrimination (Salimans et al., 2016, section 3.2) as a layer: appends to
    each sample's features ``out_features`` closeness scores to the other samples of the
    batch, so that the discriminator can see a generator that collapses to one mode.

    Args:
        in_features: A, the size of each input feature vector.
        out_features: B, the number of kernels (added features).
        kernel_dims: C, the size of each kernel's projection. Default: 5.
        std: the weight is drawn from N(0, std^2). Default: 0.05 (the paper's code).

    Shape: (N, in_features) -> (N, in_features + out_features).

    Attributes:
        weight: the tensor T, (in_features, out_features, kernel_dims).

    Example::

        md = nn.MinibatchDiscrimination(250, 100, 5)
        md(rp.randn(64, 250)).shape   # (64, 350)
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        kernel_dims: int = 5,
        std: float = 0.05,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        sizes = (("in_features", in_features), ("out_features", out_features))
        for name, n in (*sizes, ("kernel_dims", kernel_dims)):
            if not isinstance(n, int | np.integer) or n <= 0:
                raise ValueError(
                    f"MinibatchDiscrimination: {name} must be a positive integer, got {n!r}"
                )
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.kernel_dims = int(kernel_dims)
        dt = np.dtype(get_default_dtype() if dtype is None else dtype)
        shape = (self.in_features, self.out_features, self.kernel_dims)
        self.weight = Parameter(Tensor._wrap(np.empty(shape, dt)))
        init.normal_(self.weight, 0.0, std)

    def forward(self, input: Tensor) -> Tensor:
        return minibatch_discrimination(input, self.weight)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"kernel_dims={self.kernel_dims}"
        )


def ssl_unsupervised_loss(
    real_logits: Tensor, fake_logits: Tensor, real_label: float = 1.0
) -> Tensor:
    """The unsupervised loss of a K+1-class discriminator whose (K+1)-th logit is 0::

        L = mean_real[-a log D(x) - (1 - a) log(1 - D(x))] + mean_fake[-log(1 - D(G(z)))]
          = mean_real[-a log Z + softplus(log Z)] + mean_fake[softplus(log Z)]

    with log Z the logsumexp of the K logits and a = ``real_label`` (1: the paper's loss;
    0.9: one-sided label smoothing, Salimans et al. 2016 section 3.4).

    Args:
        real_logits: (N, K) logits of real (unlabelled) images.
        fake_logits: (M, K) logits of generated images.
        real_label: the target probability of "real" for real images, in (0, 1].
    """
    name = "ssl_unsupervised_loss"
    _check_2d(name, "real_logits", real_logits)
    _check_2d(name, "fake_logits", fake_logits)
    if real_logits.shape[1] != fake_logits.shape[1]:
        raise ValueError(
            f"{name}: real_logits and fake_logits must have the same number of classes, got "
            f"{real_logits.shape[1]} and {fake_logits.shape[1]}"
        )
    if not 0.0 < real_label <= 1.0:
        raise ValueError(f"{name}: real_label must be in (0, 1], got {real_label}")
    log_z_real = logsumexp(real_logits, 1)
    log_z_fake = logsumexp(fake_logits, 1)
    real = (softplus(log_z_real) - real_label * log_z_real).mean()
    return real + softplus(log_z_fake).mean()


def feature_matching_loss(
    real_features: Tensor, fake_features: Tensor, reduction: str = "mean"
) -> Tensor:
    """The generator's feature matching loss (Salimans et al., 2016, section 3.1)::

        ||mean_i f(x_i) - mean_j f(G(z_j))||^2

    over the features of an intermediate layer of the discriminator, averaged over the
    features with ``reduction="mean"`` (the paper's code) or summed with ``"sum"`` (its formula).

    Args:
        real_features: (N, F) features of real images (usually computed without gradient).
        fake_features: (M, F) features of generated images.
        reduction: ``"mean"`` or ``"sum"`` over the F squared differences.
    """
    name = "feature_matching_loss"
    _check_2d(name, "real_features", real_features)
    _check_2d(name, "fake_features", fake_features)
    if real_features.shape[1] != fake_features.shape[1]:
        raise ValueError(
            f"{name}: real_features and fake_features must have the same number of features, "
            f"got {real_features.shape[1]} and {fake_features.shape[1]}"
        )
    if reduction not in ("mean", "sum"):
        raise ValueError(f"{name}: reduction must be 'mean' or 'sum', got {reduction!r}")
    diff = real_features.mean(0) - fake_features.mean(0)
    squared = diff * diff
    return squared.mean() if reduction == "mean" else squared.sum()
