"""Reusable science for the dynamical-systems labs (NumPy; differentiable where it says so).

- integrate: fixed-step RK4 on arrays or Tensors, the Lorenz field and its Jacobian
"""

from retroprop.dynamics.integrate import (
    lorenz,
    lorenz_jacobian,
    rk4,
    rk4_advance,
    rk4_step,
    trajectory,
)
