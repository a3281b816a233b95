"""l2reg: a Jupyter course on L2 regularization, and its NumPy core.

The public API (docs/design.md section 4) uses one notation throughout (section 3):
``lam`` is the penalty strength lambda, ``lr`` the learning rate alpha, and the
penalized loss is the *mean* squared error plus ``lam * ||w||^2`` with an
unpenalized intercept.

Importing the package only imports NumPy; plotting and widgets live in
submodules that load matplotlib and ipywidgets when they are used.

Examples
--------
>>> from l2reg import l2_penalty, decay_factor
>>> l2_penalty([10.0], 1.0)
100.0
>>> round(decay_factor(0.01, 0.1), 12)
0.998
"""

from .bayes import log_likelihood, log_prior, map_estimate, neg_log_posterior, posterior, ridge_lambda
from .optim import SGD, Adam, AdamW
from .penalty import decay_factor, l2_penalty, numerical_gradient, ridge_gradient, ridge_loss
from .ridge import ridge_fit, ridge_kfold_errors, ridge_loo_errors, ridge_path

__version__ = "0.1.0"

__all__ = [
    "l2_penalty",
    "ridge_loss",
    "ridge_gradient",
    "numerical_gradient",
    "decay_factor",
    "ridge_fit",
    "ridge_path",
    "ridge_loo_errors",
    "ridge_kfold_errors",
    "SGD",
    "Adam",
    "AdamW",
    "ridge_lambda",
    "posterior",
    "map_estimate",
    "neg_log_posterior",
    "log_prior",
    "log_likelihood",
]
