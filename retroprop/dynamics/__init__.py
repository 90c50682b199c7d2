"""Reusable science for the dynamical-systems labs (NumPy; differentiable where it says so).

- integrate: fixed-step RK4 on arrays or Tensors, the Lorenz field and its Jacobian
- library: the polynomial library, Lorenz as coefficients, energy and known-parameter constraints
- lasso: LASSO by ISTA/FISTA, ADMM and LARS, and ridge (scikit-learn's objectives)
- sindy: centred differences, STLSQ, the weak form and weak SINDy (with model refinement)
- search, parametric: Jaya, Powell, Galerkin regression, the RK4 fit through autograd
- identify: every method by name, on one sampled trajectory
- lyapunov: Benettin's spectrum; Rosenstein and Eckmann from one series (as nolds 0.6.2)
- encoding: a (d, side^2) series as a d-channel image, invertibly
"""

from retroprop.dynamics.encoding import SeriesImageCodec
from retroprop.dynamics.identify import METHODS, Identified, Options, identify
from retroprop.dynamics.integrate import (
    lorenz,
    lorenz_jacobian,
    rk4,
    rk4_advance,
    rk4_step,
    trajectory,
)
from retroprop.dynamics.lasso import (
    lasso_admm,
    lasso_ista,
    lasso_lars,
    lasso_optimality,
    ridge,
    soft_threshold,
)
from retroprop.dynamics.library import (
    energy_preserving_constraints,
    feature_names,
    lorenz_coefficients,
    lorenz_known_parameter,
    lorenz_parameters,
    monomials,
    polynomial_features,
    polynomial_jacobian,
    polynomial_model,
)
from retroprop.dynamics.lyapunov import (
    Spectrum,
    benettin,
    delay_embedding,
    eckmann,
    mean_period,
    rosenstein,
)
from retroprop.dynamics.parametric import galerkin, jaya_powell, lorenz_residual_loss, rk4_fit
from retroprop.dynamics.search import jaya, powell
from retroprop.dynamics.sindy import (
    centred_difference,
    densify,
    stlsq,
    weak_form,
    weak_sindy,
    weak_weights,
)
