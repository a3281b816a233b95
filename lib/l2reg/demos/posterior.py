"""Lesson 06: prior, likelihood and posterior of one weight."""

from __future__ import annotations

import numpy as np

from .._params import Positive, Vector, validate_params

__all__ = ["one_weight_densities"]


@validate_params({"x": Vector(), "y": Vector(length_of=("x", 0), other="x"), "sigma": Positive(), "tau": Positive(),
                  "grid": Vector()})
def one_weight_densities(x, y, sigma, tau, grid):
    """Prior, likelihood and posterior of a single weight, on a grid.

    Model: ``y = w x + noise`` with noise ``N(0, sigma**2)`` (centred data, no
    intercept) and prior ``w ~ N(0, tau**2)``. All three curves are normalized
    densities over ``w``: the likelihood is rescaled to integrate to one, so
    the three share an axis.

    Parameters
    ----------
    x, y : array_like of shape (n,)
    sigma, tau : float
        Noise and prior standard deviations, > 0.
    grid : array_like of shape (k,)
        Values of ``w``.

    Returns
    -------
    dict
        ``prior``, ``likelihood``, ``posterior`` (arrays of shape (k,)),
        ``w_ls`` (least squares), ``mean`` and ``sd`` (of the posterior),
        ``lam`` (the matching ridge penalty ``sigma**2 / (n tau**2)``).

    Raises
    ------
    TypeError, ValueError
        If ``x``, ``y`` or ``grid`` is not a non-empty vector of finite numbers, ``y``
        is not as long as ``x``, or ``sigma`` or ``tau`` is not a finite number > 0.

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg import ridge_fit
    >>> from l2reg.demos import one_weight_densities
    >>> x = np.array([1.0, -1.0, 2.0, -2.0]); y = np.array([1.5, -0.5, 2.5, -3.5])
    >>> d = one_weight_densities(x, y, 1.0, 0.5, np.linspace(-3, 3, 7))
    >>> bool(np.isclose(d["mean"], ridge_fit(x[:, None], y, d["lam"], fit_intercept=False)[0][0]))
    True
    """
    xx, xy = float(x @ x), float(x @ y)

    def normal(mean, sd):
        return np.exp(-0.5 * ((grid - mean) / sd) ** 2) / (sd * np.sqrt(2 * np.pi))

    precision = xx / sigma**2 + 1 / tau**2
    mean, sd = (xy / sigma**2) / precision, 1 / np.sqrt(precision)
    w_ls = xy / xx if xx > 0 else 0.0
    like = normal(w_ls, sigma / np.sqrt(xx)) if xx > 0 else np.full_like(grid, np.nan)
    return {
        "prior": normal(0.0, tau),
        "likelihood": like,
        "posterior": normal(mean, sd),
        "w_ls": w_ls,
        "mean": mean,
        "sd": sd,
        "lam": sigma**2 / (x.size * tau**2),
    }
