"""Fixed-step Runge-Kutta integration of autonomous ODEs dx/dt = f(x), and the Lorenz system.

Everything here is written with operations that NumPy arrays and retroprop Tensors share
(``+``, ``*``, indexing, stacking), so the same code runs fast on arrays and, on Tensors,
builds a graph that retroprop's autograd differentiates: the gradient of a loss on the
integrated states with respect to the initial state or to the model's parameters flows through
every Runge-Kutta stage.

A state has shape ``(..., d)``: the leading axes hold independent initial conditions, which
are all integrated at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from retroprop.ops.shape import stack as _stack_tensors
from retroprop.tensor import Tensor

Field = Callable[[Any], Any]


def _stack(parts: Sequence[Any], axis: int) -> Any:
    """``np.stack`` for arrays; ``rp.stack`` once any part is a Tensor (arrays wrapped)."""
    if any(isinstance(p, Tensor) for p in parts):
        ref = next(p for p in parts if isinstance(p, Tensor))
        tensors = [p if isinstance(p, Tensor) else _as_tensor(p, ref) for p in parts]
        return _stack_tensors(tensors, dim=axis)
    return np.stack(parts, axis=axis)


def _as_tensor(value: Any, like: Tensor) -> Tensor:
    array = np.broadcast_to(np.asarray(value, dtype=like.dtype), like.shape)
    return Tensor(np.ascontiguousarray(array), dtype=like.dtype)


def lorenz(state: Any, sigma: Any, rho: Any, beta: Any) -> Any:
    """The Lorenz (1963) vector field.

        dx/dt = sigma (y - x),   dy/dt = x (rho - z) - y,   dz/dt = x y - beta z

    Args:
        state: shape ``(..., 3)``, an array or a Tensor.
        sigma, rho, beta: numbers, arrays broadcasting against ``state[..., 0]`` (one system
            per trajectory) or Tensors (to differentiate with respect to them).

    Returns: the time derivative, shape ``(..., 3)``.

    Example: ``lorenz(np.array([1.0, 1.0, 1.0]), 10.0, 28.0, 8 / 3)`` is ``[0, 26, -5/3]``.
    """
    if state.shape[-1:] != (3,):
        raise ValueError(f"lorenz: state must have shape (..., 3), got {tuple(state.shape)}")
    x, y, z = state[..., 0], state[..., 1], state[..., 2]
    return _stack([sigma * (y - x), x * (rho - z) - y, x * y - beta * z], axis=-1)


def lorenz_jacobian(state: np.ndarray, sigma: Any, rho: Any, beta: Any) -> np.ndarray:
    """The Jacobian df/dx of :func:`lorenz` at ``state``, shape ``(..., 3, 3)`` (NumPy)::

    [[-sigma, sigma,  0    ],
     [rho - z, -1,    -x   ],
     [y,       x,     -beta]]
    """
    state = np.asarray(state)
    if state.shape[-1:] != (3,):
        raise ValueError(
            f"lorenz_jacobian: state must have shape (..., 3), got {tuple(state.shape)}"
        )
    x, y, z = state[..., 0], state[..., 1], state[..., 2]
    ones = np.ones_like(x)
    rows = [
        [-sigma * ones, sigma * ones, 0 * ones],
        [rho - z, -ones, -x],
        [y, x, -beta * ones],
    ]
    return np.stack([np.stack(r, axis=-1) for r in rows], axis=-2)


def rk4_step(f: Field, state: Any, h: float) -> Any:
    """One classical Runge-Kutta step of size ``h``::

    k1 = f(x), k2 = f(x + h/2 k1), k3 = f(x + h/2 k2), k4 = f(x + h k3)
    x(t + h) = x + h/6 (k1 + 2 k2 + 2 k3 + k4)        (local error O(h^5))
    """
    k1 = f(state)
    k2 = f(state + (0.5 * h) * k1)
    k3 = f(state + (0.5 * h) * k2)
    k4 = f(state + h * k3)
    return state + (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)


def rk4_advance(f: Field, state: Any, dt: float, substeps: int = 1) -> Any:
    """The state a time ``dt`` later, reached by ``substeps`` RK4 steps of ``dt / substeps``."""
    _check_steps("rk4_advance", dt, substeps)
    h = dt / substeps
    for _ in range(substeps):
        state = rk4_step(f, state, h)
    return state


def rk4(f: Field, x0: Any, dt: float, n_samples: int, substeps: int = 1) -> Any:
    """Integrate from ``x0`` and return ``n_samples`` states ``dt`` apart, ``x0`` first.

    Each sample is reached from the previous one by ``substeps`` RK4 steps of
    ``h = dt / substeps``: the sampling interval and the integration step are separate.

    Shape: ``x0 (..., d)`` -> ``(..., n_samples, d)``; a Tensor in gives a Tensor out.
    """
    _check_steps("rk4", dt, substeps)
    if int(n_samples) != n_samples or n_samples < 1:
        raise ValueError(f"rk4: n_samples must be a positive integer, got {n_samples!r}")
    states = [x0]
    for _ in range(int(n_samples) - 1):
        states.append(rk4_advance(f, states[-1], dt, substeps))
    return _stack(states, axis=-2)


def trajectory(
    f: Field,
    x0: Any,
    dt: float,
    n_samples: int,
    transient: float = 0.0,
    substeps: int = 1,
) -> Any:
    """Samples ``dt`` apart after discarding a ``transient`` of time (so they lie on the
    attractor): the state at time ``transient`` is the first sample.

    The transient is integrated with steps of at most ``dt / substeps``.

    Shape: ``x0 (..., d)`` -> ``(..., n_samples, d)``.

    Example::

        f = functools.partial(lorenz, sigma=10.0, rho=28.0, beta=8 / 3)
        xs = trajectory(f, np.array([[1.0, 1.0, 1.0]]), dt=0.01, n_samples=1000,
                        transient=10.0, substeps=10)         # (1, 1000, 3)
    """
    _check_steps("trajectory", dt, substeps)
    if transient < 0:
        raise ValueError(f"trajectory: transient must be >= 0, got {transient}")
    h = dt / substeps
    n_transient = int(np.ceil(transient / h - 1e-9))
    start = rk4_advance(f, x0, transient, n_transient) if n_transient else x0
    return rk4(f, start, dt, n_samples, substeps)


def _check_steps(name: str, dt: float, substeps: int) -> None:
    if not dt > 0:
        raise ValueError(f"{name}: dt must be > 0, got {dt}")
    if int(substeps) != substeps or substeps < 1:
        raise ValueError(f"{name}: substeps must be a positive integer, got {substeps!r}")
