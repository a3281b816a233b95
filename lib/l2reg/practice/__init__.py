"""Lesson 08 (L2 in practice) as plain NumPy: logistic C, group penalties, early stopping, timing.

One module per topic, every name importable from here (``from l2reg.practice import ...``):

* :mod:`~l2reg.practice.logistic`: :func:`C_from_lambda`, :func:`lambda_from_C`,
  :func:`logistic_fit`, :func:`logistic_path`;
* :mod:`~l2reg.practice.groups`: :func:`group_norms`, :func:`group_soft_threshold`,
  :func:`group_lasso_fit`;
* :mod:`~l2reg.practice.early_stopping`: :func:`gd_path`, :func:`matching_lambda`,
  :class:`EarlyStopping`;
* :mod:`~l2reg.practice.timing`: :func:`best_time`.

Nothing here imports scikit-learn, so the lesson's own numbers can be checked against it
independently. Notation as everywhere in l2reg: ``lam`` multiplies ``||w||^2`` added to the
*mean* data loss, ``lr`` is the learning rate, and the intercept ``b`` is never penalized.

Examples
--------
>>> from l2reg.practice import C_from_lambda, lambda_from_C
>>> lambda_from_C(C_from_lambda(0.05, 200), 200)
0.05
"""

from .early_stopping import EarlyStopping, gd_path, matching_lambda
from .groups import group_lasso_fit, group_norms, group_soft_threshold
from .logistic import C_from_lambda, lambda_from_C, logistic_fit, logistic_path
from .timing import best_time

__all__ = [
    "C_from_lambda",
    "lambda_from_C",
    "logistic_fit",
    "logistic_path",
    "group_norms",
    "group_soft_threshold",
    "group_lasso_fit",
    "gd_path",
    "matching_lambda",
    "EarlyStopping",
    "best_time",
]
