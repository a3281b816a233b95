"""The computations behind the lessons' interactive demos, as pure NumPy.

A widget in :mod:`l2reg.widgets` only moves artists to the numbers these
functions return, so every demo's logic is tested without a browser.

Modules: :mod:`~l2reg.demos.polynomial` (lessons 01 and 05),
:mod:`~l2reg.demos.descent` (02 and 03), :mod:`~l2reg.demos.geometry` (04),
:mod:`~l2reg.demos.posterior` (06).
"""

from .descent import (condition_number, decay_regime, decay_trajectory, format_factor, gradient_descent_path,
                      hessian_eigenvalues)
from .geometry import (PENALTIES, constrained_minimizer, elastic_net_fit, elastic_net_path, loss_contour, loss_ellipses,
                       loss_surface, penalized_solution, penalty_boundary, penalty_value)
from .polynomial import LambdaSweep, PolynomialRidge, bias_variance
from .posterior import one_weight_densities

__all__ = [
    "PolynomialRidge",
    "gradient_descent_path",
    "hessian_eigenvalues",
    "condition_number",
    "loss_surface",
    "decay_trajectory",
    "decay_regime",
    "format_factor",
    "elastic_net_fit",
    "elastic_net_path",
    "constrained_minimizer",
    "PENALTIES",
    "penalty_value",
    "penalized_solution",
    "penalty_boundary",
    "loss_ellipses",
    "loss_contour",
    "one_weight_densities",
    "bias_variance",
    "LambdaSweep",
]
