"""Weight reparametrizations that stabilise training: spectral normalisation (Miyato et al.,
2018, the usual Lipschitz constraint of GAN discriminators) and weight normalisation (Salimans
and Kingma, 2016), as ``torch.nn.utils.parametrizations`` with the same state_dict keys."""

from __future__ import annotations

import numpy as np

from retroprop import random as _random
from retroprop.autograd import no_grad
from retroprop.nn import functional as F
from retroprop.nn.conv import ConvTranspose1d, ConvTranspose2d
from retroprop.nn.linear import Linear
from retroprop.nn.module import Module
from retroprop.nn.utils import parametrize
from retroprop.ops.linalg import matmul
from retroprop.ops.shape import flatten, permute
from retroprop.tensor import Tensor


def _unit(x: np.ndarray, eps: float) -> np.ndarray:
    return x / np.maximum(np.sqrt(x @ x), eps)


class _SpectralNorm(Module):
    """W / sigma(W), sigma the largest singular value of W viewed as a matrix (dim ``dim``
    first, the others flattened), estimated by power iteration.

    Power iteration (only in training mode, ``n_power_iterations`` steps per forward, on the
    buffers ``_u`` and ``_v``, without gradient): u <- W v / ||W v||,  v <- W^T u / ||W^T u||.
    Then sigma = u^T W v, and with u and v held constant (as PyTorch does):
        dsigma/dW = u v^T,   dL/dW = G / sigma - (sum(G * W) / sigma^2) u v^T,  G = dL/d(W / sigma).
    A 1-D weight is simply divided by its norm.
    """

    def __init__(
        self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12
    ) -> None:
        super().__init__()
        ndim = weight.ndim
        if not -ndim <= dim < ndim:
            raise IndexError(
                f"spectral_norm: dim must be in [{-ndim}, {ndim - 1}] for a weight of shape "
                f"{tuple(weight.shape)}, got {dim}"
            )
        if not isinstance(n_power_iterations, int) or n_power_iterations <= 0:
            raise ValueError(
                f"spectral_norm: n_power_iterations must be a positive integer, got "
                f"{n_power_iterations!r}"
            )
        self.dim = dim % ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            with no_grad():
                matrix = self._matrix(weight)._data
            draw = _random.default_generator.standard_normal
            u, v = (_unit(draw(n).astype(weight.dtype), eps) for n in matrix.shape)
            self.register_buffer("_u", Tensor._wrap(u))
            self.register_buffer("_v", Tensor._wrap(v))
            # start from a good estimate, as PyTorch does
            self._power_method(matrix, 15)

    def _matrix(self, weight: Tensor) -> Tensor:
        """The weight as a matrix (size of ``dim``, product of the other sizes)."""
        if self.dim != 0:
            weight = permute(weight, (self.dim, *(d for d in range(weight.ndim) if d != self.dim)))
        return flatten(weight, 1)

    def _power_method(self, w: np.ndarray, n_iterations: int) -> None:
        u, v = self._u._data, self._v._data
        for _ in range(n_iterations):
            u[...] = _unit(w @ v, self.eps)
            v[...] = _unit(w.T @ u, self.eps)
        self._u._version[0] += 1
        self._v._version[0] += 1

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return F.normalize(weight, dim=0, eps=self.eps)
        w = self._matrix(weight)
        if self.training:
            with no_grad():
                self._power_method(w._data, self.n_power_iterations)
        # copies: the next power iteration updates the buffers in place
        u = Tensor._wrap(self._u._data.copy())
        v = Tensor._wrap(self._v._data.copy())
        sigma = matmul(u, matmul(w, v))
        return weight / sigma

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


def spectral_norm(
    module: Module,
    name: str = "weight",
    n_power_iterations: int = 1,
    eps: float = 1e-12,
    dim: int | None = None,
) -> Module:
    """Divide ``module.<name>`` by its spectral norm (largest singular value), estimated by
    power iteration, so that the layer is (about) 1-Lipschitz.

    Args:
        module: e.g. a Linear or convolution layer.
        name: the weight's name.
        n_power_iterations: power-iteration steps per forward in training mode.
        eps: guards the divisions of the normalisations.
        dim: the dim of output channels (default 0; 1 for ConvTranspose layers, whose weight
            is (in, out, ...)).

    The state_dict keys become ``parametrizations.weight.original``,
    ``parametrizations.weight.0._u`` and ``parametrizations.weight.0._v`` (PyTorch's).
    In evaluation mode no power iteration runs: the stored u and v give sigma.

    Example::

        d = nn.utils.parametrizations.spectral_norm(nn.Linear(20, 40))
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(
            f"spectral_norm: {type(module).__name__} has no parameter or buffer named {name!r}"
        )
    if dim is None:
        dim = 1 if isinstance(module, ConvTranspose1d | ConvTranspose2d) else 0
    parametrize.register_parametrization(
        module, name, _SpectralNorm(weight, n_power_iterations, dim, eps)
    )
    return module


class _WeightNorm(Module):
    """w = g * v / ||v||, the norm over every dim but ``dim`` (over all dims when ``dim`` is
    None or -1), with ``g`` (the magnitude) and ``v`` (the direction) learned separately.

    Gradients (composed from the ops): dL/dg = sum(G * v) / ||v|| over the normed dims, and
    dL/dv = (g / ||v||) (G - (sum(G * v) / ||v||^2) v): the gradient of v is orthogonal to v.
    """

    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim

    def _norm(self, v: Tensor) -> Tensor:
        if self.dim == -1:
            return v.norm()
        if not -v.ndim <= self.dim < v.ndim:
            raise IndexError(
                f"weight_norm: dim must be in [{-v.ndim}, {v.ndim - 1}] or None for a weight of "
                f"shape {tuple(v.shape)}, got {self.dim}"
            )
        d = self.dim % v.ndim
        return v.norm(2, tuple(i for i in range(v.ndim) if i != d), keepdim=True)

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return weight_v * (weight_g / self._norm(weight_v))

    def right_inverse(self, weight: Tensor) -> tuple[Tensor, Tensor]:
        return self._norm(weight), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Reparametrize ``module.<name>`` as ``g * v / ||v||`` (Salimans and Kingma, 2016): the
    length ``g`` and the direction ``v`` are learned separately, which conditions the
    optimisation better.

    Args:
        module: e.g. a Linear or convolution layer.
        name: the weight's name.
        dim: the dim kept by the norm (one magnitude per output unit with 0); None: one
            magnitude for the whole tensor.

    The state_dict keys become ``parametrizations.weight.original0`` (g, shape (out, 1, ...)
    for dim 0) and ``parametrizations.weight.original1`` (v), as PyTorch's. The old keys
    ``weight_g``/``weight_v`` of ``torch.nn.utils.weight_norm`` are not translated.
    """
    if not isinstance(getattr(module, name, None), Tensor):
        raise ValueError(
            f"weight_norm: {type(module).__name__} has no parameter or buffer named {name!r}"
        )
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


def weight_norm_init_(module: Module, input: Tensor, init_scale: float = 1.0) -> Tensor:
    """Data-dependent initialisation of a weight-normalised layer (Salimans and Kingma, 2016,
    section 3): on a batch, each output unit's pre-activation y = g t + b gets mean 0 and
    standard deviation ``init_scale``. With mu and s the unit's mean and (population) std of y
    over the batch (and positions)::

        g <- g * init_scale / s,   b <- (b - mu) * init_scale / s

    Args:
        module: a layer given ``weight_norm`` on its ``weight`` with ``dim`` its output
            channels (0 for Linear and convolutions), and a bias.
        input: a batch for the layer (e.g. a few hundred training images, passed through the
            layers below, already initialised).
        init_scale: the standard deviation of the pre-activations after initialisation.

    Returns the layer's output on ``input`` after initialisation (without gradient), the input
    of the next layer. Example::

        x = images
        for layer in net:
            x = weight_norm_init_(layer, x) if parametrize.is_parametrized(layer) else layer(x)
    """
    plist = module._modules.get("parametrizations")
    norm = plist["weight"][0] if plist is not None and "weight" in plist else None
    bias = getattr(module, "bias", None)
    if not isinstance(norm, _WeightNorm) or norm.dim == -1 or not isinstance(bias, Tensor):
        raise ValueError(
            f"weight_norm_init_: expected a layer with weight_norm(dim=<output channels>) on its "
            f"weight and a bias, got {type(module).__name__}"
        )
    if not init_scale > 0:
        raise ValueError(f"weight_norm_init_: init_scale must be > 0, got {init_scale}")
    g = plist["weight"].original0
    axis = -1 if isinstance(module, Linear) else 1
    with no_grad():
        y = module(input).numpy()
        axes = tuple(i for i in range(y.ndim) if i != axis % y.ndim)
        mu, s = y.mean(axes), y.std(axes)
        if s.shape != bias.shape:
            raise ValueError(
                f"weight_norm_init_: the output has {s.size} channels along axis {axis}, the "
                f"bias {tuple(bias.shape)}"
            )
        scale = (init_scale / s).astype(y.dtype)
        g.mul_(scale.reshape(g.shape))
        bias.sub_(mu.astype(y.dtype)).mul_(scale)
        return module(input)
