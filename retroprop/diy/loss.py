"""The report's losses: MSELoss, MAELoss, BCE, CE, NLL, Hinge, CrossEntropyCriterion and
LogSoftMaxCrossEntropy, under the report's other spellings too (``CrossEntropyLoss``,
``BCELoss``, ``NLLLoss``, ``MSE``, ``MAE``).

Each gives one loss per sample, the sum over that sample's entries (``||y - yhat||^2`` for
MSELoss), and the gradient of the batch's total with respect to ``yhat``. Both come from a
small graph of engine ops (``retroprop.ops.loss`` and arithmetic) run on the arrays: the
forward without recording, the backward with ``rp.autograd.grad``. Targets of another dtype
than ``yhat`` (float32 / float64, integer or boolean labels) are promoted as NumPy does; the
gradient has ``yhat``'s dtype.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from retroprop import autograd
from retroprop.diy.activation import LogSoftMax
from retroprop.diy.module import Loss, check_array, promote
from retroprop.ops import arithmetic
from retroprop.ops import loss as ops
from retroprop.tensor import Tensor


def _per_sample(losses: Tensor) -> Tensor:
    """Sum each sample's entries: (batch, ...) -> (batch,)."""
    return losses.reshape(losses.shape[0], -1).sum(dim=1)


class _GraphLoss(Loss):
    """A loss written as a graph of engine ops on ``(y, yhat)`` Tensors: ``_losses``."""

    def _losses(self, y: Tensor, yhat: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement _losses")

    def _targets(self, y: Any, yhat: np.ndarray) -> np.ndarray:
        """Check ``y`` against ``yhat``: a numeric array of yhat's shape."""
        where = type(self).__name__
        if not isinstance(y, np.ndarray) or y.dtype.kind not in "fiub":
            got = y.dtype if isinstance(y, np.ndarray) else type(y).__name__
            raise TypeError(f"{where}: y must be a numeric NumPy array, got {got}")
        if y.shape != yhat.shape:
            raise ValueError(f"{where}: y must have yhat's shape {yhat.shape}, got {y.shape}")
        return y

    def _check(self, y: Any, yhat: Any) -> tuple[Tensor, Tensor]:
        """y and yhat as Tensors of their common dtype."""
        check_array(type(self).__name__, "yhat", yhat)
        if yhat.ndim == 0:
            raise ValueError(f"{type(self).__name__}: yhat must have a batch dimension, got ()")
        y, yhat = promote(self._targets(y, yhat), yhat)
        return Tensor(y, dtype=y.dtype), Tensor(yhat, dtype=yhat.dtype)

    def forward(self, y: np.ndarray, yhat: np.ndarray) -> np.ndarray:
        y_t, yhat_t = self._check(y, yhat)
        with autograd.no_grad():
            return self._losses(y_t, yhat_t).numpy()

    def backward(self, y: np.ndarray, yhat: np.ndarray) -> np.ndarray:
        y_t, yhat_t = self._check(y, yhat)
        yhat_t.requires_grad_(True)
        with autograd.enable_grad():
            total = self._losses(y_t, yhat_t).sum()
        (grad,) = autograd.grad(total, [yhat_t])
        return grad.numpy().astype(yhat.dtype, copy=False)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class MSELoss(_GraphLoss):
    """loss_n = ||y_n - yhat_n||^2 = sum_j (yhat_nj - y_nj)^2;  dloss/dyhat = 2 (yhat - y)."""

    def _losses(self, y: Tensor, yhat: Tensor) -> Tensor:
        return _per_sample(ops.MSE.apply(yhat, y, reduction="none"))


class MAELoss(_GraphLoss):
    """loss_n = sum_j |yhat_nj - y_nj|;  dloss/dyhat = sign(yhat - y)."""

    def _losses(self, y: Tensor, yhat: Tensor) -> Tensor:
        return _per_sample(ops.L1.apply(yhat, y, reduction="none"))


class BCE(_GraphLoss):
    """loss_n = -sum_j [y log yhat + (1 - y) log(1 - yhat)] (logs clamped at -100);
    dloss/dyhat = (yhat - y) / (yhat (1 - yhat)), the report's rewritten backward.

    yhat holds probabilities (after a Sigmoide), y targets in [0, 1].
    """

    def _losses(self, y: Tensor, yhat: Tensor) -> Tensor:
        return _per_sample(ops.BinaryCrossEntropy.apply(yhat, y, reduction="none"))


class Hinge(_GraphLoss):
    """PyTorch's HingeEmbeddingLoss, summed per sample, for targets y in {1, -1}:
    loss = yhat where y = 1, max(0, margin - yhat) where y = -1.

    Args:
        margin: the margin for the -1 targets.
    """

    def __init__(self, margin: float = 1.0) -> None:
        self.margin = float(margin)

    def _losses(self, y: Tensor, yhat: Tensor) -> Tensor:
        return _per_sample(ops.HingeEmbedding.apply(yhat, y, margin=self.margin, reduction="none"))

    def __repr__(self) -> str:
        return f"Hinge(margin={self.margin})"


class _ClassLoss(_GraphLoss):
    """A loss over classes: yhat (batch, C); y one-hot (or class probabilities) of yhat's
    shape, or class indices (batch,) of an integer dtype, turned into one-hot rows."""

    def _targets(self, y: Any, yhat: np.ndarray) -> np.ndarray:
        where = type(self).__name__
        if yhat.ndim != 2:
            raise ValueError(f"{where}: yhat must be (batch, classes), got shape {yhat.shape}")
        if isinstance(y, np.ndarray) and y.dtype.kind in "iu" and y.shape != yhat.shape:
            n, c = yhat.shape
            if y.shape != (n,) or ((y < 0) | (y >= c)).any():
                raise ValueError(
                    f"{where}: class indices y must have shape ({n},) and values in "
                    f"[0, {c}), got shape {y.shape} and values {np.unique(y)[:10].tolist()}"
                )
            return np.eye(c, dtype=yhat.dtype)[y]
        return super()._targets(y, yhat)


class NLL(_ClassLoss):
    """loss_n = -sum_c y_nc yhat_nc, yhat log-probabilities (after a LogSoftMax): -yhat_n,y
    for a one-hot y;  dloss/dyhat = -y."""

    def _losses(self, y: Tensor, yhat: Tensor) -> Tensor:
        return arithmetic.neg((y * yhat).sum(dim=1))


class CE(_ClassLoss):
    """loss_n = -sum_c y_nc max(log yhat_nc, -100), yhat probabilities (after a SoftMax);
    dloss/dyhat = -y / max(yhat, 1e-12).

    The clamps are PyTorch's BCELoss's (``ops.loss.ClampedLog``): a probability that
    underflowed to 0 gives a loss of 100 and a finite gradient, not inf and nan. Also spelt
    ``CrossEntropyLoss``, as in the report's section 5 -- which, unlike PyTorch's
    ``nn.CrossEntropyLoss``, takes probabilities (the report puts a SoftMax before it); for
    raw scores use :class:`CrossEntropyCriterion`.
    """

    def _losses(self, y: Tensor, yhat: Tensor) -> Tensor:
        return arithmetic.neg((y * ops.ClampedLog.apply(yhat)).sum(dim=1))


class CrossEntropyCriterion(Loss):
    """Cross entropy from raw scores, as the report builds it: LogSoftMax then NLL.

    loss_n = -sum_c y_nc log softmax(yhat_n)_c = logsumexp(yhat_n) - <y_n, yhat_n> (one-hot y);
    dloss/dyhat = softmax(yhat) - y. Stabler than SoftMax followed by CE: no log of a
    probability that underflowed to 0. PyTorch's ``CrossEntropyLoss``.

    The backward is ``LogSoftMax.backward_delta(yhat, NLL.backward(y, log_softmax(yhat)))``.
    """

    def __init__(self) -> None:
        self.log_softmax = LogSoftMax(dim=1)
        self.nll = NLL()

    def forward(self, y: np.ndarray, yhat: np.ndarray) -> np.ndarray:
        check_array("CrossEntropyCriterion", "yhat", yhat, ndim=2)
        return self.nll.forward(y, self.log_softmax.forward(yhat))

    def backward(self, y: np.ndarray, yhat: np.ndarray) -> np.ndarray:
        check_array("CrossEntropyCriterion", "yhat", yhat, ndim=2)
        delta = self.nll.backward(y, self.log_softmax.forward(yhat))
        return self.log_softmax.backward_delta(yhat, delta)

    def __repr__(self) -> str:
        return "CrossEntropyCriterion()"


class LogSoftMaxCrossEntropy(_ClassLoss):
    """The report's "LogSoftMax Cross Entropy", computed in one piece ("implémentation brute")
    rather than as LogSoftMax then NLL: the engine's fused ``CrossEntropy`` op on raw scores.

    loss_n = -sum_c y_nc log softmax(yhat_n)_c = logsumexp(yhat_n) - <y_n, yhat_n> (rows of y
    summing to 1); dloss/dyhat = (sum_c y_nc) softmax(yhat) - y. The values of
    :class:`CrossEntropyCriterion`.
    """

    def _losses(self, y: Tensor, yhat: Tensor) -> Tensor:
        return ops.CrossEntropy.apply(yhat, y, reduction="none")


CrossEntropyLoss = CE
BCELoss = BCE
NLLLoss = NLL
MSE = MSELoss
MAE = MAELoss
