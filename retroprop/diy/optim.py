"""Optim (one gradient step on a batch) and SGD (mini-batch training for some epochs)."""

from __future__ import annotations

import numpy as np

from retroprop import random
from retroprop.diy.module import Loss, Module


class Optim:
    """Gradient descent on ``net`` for ``loss``, with step size ``eps``.

    ``step(batch_x, batch_y)``: forward, loss, ``delta = loss.backward``, zero the
    gradients, ``net.backward_update_gradient(batch_x, delta)``, then
    ``net.update_parameters(eps)``. The gradient is that of the SUM of the per-sample losses.
    A loss or a delta that is nan or inf stops the training with a ``FloatingPointError``
    naming the iteration, before the parameters are touched.

    Args:
        net: the module to train.
        loss: the loss to minimise.
        eps: the gradient step.

    Attributes:
        iteration: the number of steps taken so far.
    """

    def __init__(self, net: Module, loss: Loss, eps: float = 1e-3) -> None:
        if not isinstance(net, Module):
            raise TypeError(f"Optim: net must be a retroprop.diy Module, got {type(net).__name__}")
        if not isinstance(loss, Loss):
            raise TypeError(f"Optim: loss must be a retroprop.diy Loss, got {type(loss).__name__}")
        if not eps > 0:
            raise ValueError(f"Optim: eps must be positive, got {eps!r}")
        self.net, self.loss, self.eps = net, loss, float(eps)
        self.iteration = 0

    def step(self, batch_x: np.ndarray, batch_y: np.ndarray) -> float:
        """One update on the batch; returns the batch's summed loss before the update."""
        yhat = self.net.forward(batch_x)
        total = float(self.loss.forward(batch_y, yhat).sum())
        delta = self.loss.backward(batch_y, yhat)
        if not (np.isfinite(total) and np.isfinite(delta).all()):
            what = f"the loss is {total}" if not np.isfinite(total) else "delta is not finite"
            raise FloatingPointError(
                f"Optim.step: {what} at iteration {self.iteration} "
                f"({type(self.loss).__name__}, eps={self.eps}); the parameters were not "
                "updated. Lower eps, or use a stabler loss (CrossEntropyCriterion on raw scores)"
            )
        self.net.zero_grad()
        self.net.backward_update_gradient(batch_x, delta)
        self.net.update_parameters(self.eps)
        self.iteration += 1
        return total


def SGD(
    net: Module,
    loss: Loss,
    X: np.ndarray,
    Y: np.ndarray,
    batch_size: int,
    max_iter: int,
    eps: float = 1e-3,
    shuffle: bool = True,
) -> np.ndarray:
    """Train ``net`` by mini-batch gradient descent; return the loss history.

    Each of the ``max_iter`` epochs shuffles the samples (with ``rp.manual_seed``'s
    generator) unless ``shuffle`` is False, cuts them into batches of ``batch_size`` (the
    last one may be smaller) and takes one :class:`Optim` step per batch. As in the report,
    a step's loss is the sum over its batch and an epoch's loss is the mean of its steps.
    A nan or inf loss stops the training with a ``FloatingPointError`` naming the iteration
    (the epoch, as the report counts ``max_iter``) and the batch.

    Returns:
        array of shape (max_iter,): the loss of each epoch.

    Example::

        history = SGD(net, MSELoss(), X, Y, batch_size=4, max_iter=500, eps=0.1)
    """
    n = len(X)
    if n == 0 or len(Y) != n:
        raise ValueError(
            f"SGD: X and Y must have the same, non-zero number of samples, got {n} and {len(Y)}"
        )
    if not isinstance(batch_size, int | np.integer) or batch_size <= 0:
        raise ValueError(f"SGD: batch_size must be a positive integer, got {batch_size!r}")
    if not isinstance(max_iter, int | np.integer) or max_iter < 0:
        raise ValueError(f"SGD: max_iter must be a non-negative integer, got {max_iter!r}")
    optim = Optim(net, loss, eps)
    history = np.empty(int(max_iter))
    n_batches = -(-n // batch_size)
    for epoch in range(int(max_iter)):
        order = random.default_generator.permutation(n) if shuffle else np.arange(n)
        steps = []
        for b in range(n_batches):
            idx = order[b * batch_size : (b + 1) * batch_size]
            try:
                steps.append(optim.step(X[idx], Y[idx]))
            except FloatingPointError as e:
                raise FloatingPointError(
                    f"SGD: training diverged at iteration {epoch} of max_iter={max_iter} "
                    f"(batch {b} of {n_batches}): {e}"
                ) from e
        history[epoch] = np.mean(steps)
    return history
