"""Seeded synthetic data sets for the lessons.

Every function here is a pure function of its arguments: the same seed gives
the same data on every machine, so a number printed in a lesson is the number
its test checks.
"""

from __future__ import annotations

import numpy as np

from . import _validation as v

__all__ = [
    "true_curve",
    "noisy_curve",
    "polynomial_features",
    "standardize_columns",
    "house_prices",
    "collinear_data",
]


def true_curve(x):
    """The smooth function behind :func:`noisy_curve`: ``sin(pi * x)``.

    Parameters
    ----------
    x : array_like
        Points at which to evaluate the curve.

    Returns
    -------
    ndarray
        ``sin(pi * x)``, as float64.

    Examples
    --------
    >>> from l2reg.data import true_curve
    >>> true_curve([0.0, 0.5]).round(12).tolist()
    [0.0, 1.0]
    """
    x = v.as_array("x", x)
    return np.sin(np.pi * x)


def noisy_curve(n, *, seed=0, noise=0.25):
    """Draw ``n`` noisy samples of :func:`true_curve` on ``[-1, 1]``.

    Parameters
    ----------
    n : int
        Number of samples, at least 1.
    seed : int, default 0
        Seed of the random generator; the same seed gives the same data.
    noise : float, default 0.25
        Standard deviation of the Gaussian noise added to the curve.

    Returns
    -------
    x : ndarray of shape (n,)
        Inputs, uniform on ``[-1, 1]``, sorted.
    y : ndarray of shape (n,)
        ``sin(pi * x)`` plus noise.

    Raises
    ------
    ValueError, TypeError
        If ``n`` is not a positive integer, ``seed`` is not a non-negative
        integer, or ``noise`` is negative or not finite.

    Examples
    --------
    >>> from l2reg.data import noisy_curve
    >>> x, y = noisy_curve(5, seed=1)
    >>> x.shape, y.shape
    ((5,), (5,))
    >>> bool(abs(x).max() <= 1)
    True
    """
    n = v.as_int("n", n, minimum=1)
    seed = v.as_int("seed", seed, minimum=0)
    noise = v.as_nonnegative("noise", noise)
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-1.0, 1.0, size=n))
    y = np.sin(np.pi * x) + noise * rng.standard_normal(n)
    return x, y


def polynomial_features(x, degree):
    """Columns ``x, x**2, ..., x**degree`` (no constant column).

    The constant is left out because the intercept is fitted separately and is
    never penalized.

    Parameters
    ----------
    x : array_like of shape (n,)
        Inputs.
    degree : int
        Highest power, at least 1.

    Returns
    -------
    ndarray of shape (n, degree)

    Examples
    --------
    >>> from l2reg.data import polynomial_features
    >>> polynomial_features([2.0, 3.0], 3).tolist()
    [[2.0, 4.0, 8.0], [3.0, 9.0, 27.0]]
    """
    x = v.as_vector("x", x)
    degree = v.as_int("degree", degree, minimum=1)
    return x[:, None] ** np.arange(1, degree + 1)


def standardize_columns(X, mean=None, std=None):
    """Centre each column and divide it by its standard deviation.

    Pass the ``mean`` and ``std`` computed on the training set to scale any
    other set (validation, test, a plotting grid) the same way.

    Parameters
    ----------
    X : array_like of shape (n, p)
        Data to scale.
    mean, std : array_like of shape (p,), optional
        Column statistics to use. When omitted they are computed from ``X``
        (``std`` with ``ddof=0``). A column with zero spread is left unscaled.

    Returns
    -------
    Z : ndarray of shape (n, p)
        ``(X - mean) / std``.
    mean, std : ndarray of shape (p,)
        The statistics used, to apply to other data.

    Examples
    --------
    >>> from l2reg.data import standardize_columns
    >>> Z, mean, std = standardize_columns([[1.0, 10.0], [3.0, 30.0]])
    >>> Z.tolist(), mean.tolist(), std.tolist()
    ([[-1.0, -1.0], [1.0, 1.0]], [2.0, 20.0], [1.0, 10.0])
    >>> standardize_columns([[5.0, 50.0]], mean, std)[0].tolist()
    [[3.0, 3.0]]
    """
    X = v.as_matrix("X", X)
    p = X.shape[1]
    v.check_together("mean", mean, "std", std)
    if mean is None:
        mean = X.mean(axis=0)
        std = X.std(axis=0)
        std = np.where(std > 0, std, 1.0)
    else:
        mean = v.as_vector("mean", mean, length=p, other="the columns of X")
        std = v.check_positive_entries("std", v.as_vector("std", std, length=p, other="the columns of X"))
    return (X - mean) / std, mean, std


def house_prices(n=60, *, seed=0, noise=10.0):
    """Toy house prices driven by two features on very different scales.

    The two features matter equally: moving either by one standard deviation
    moves the price by the same 30 (thousand dollars). In their raw units the
    income coefficient is tiny (per dollar) and the bedrooms coefficient is
    large (per bedroom), which is what makes an unscaled penalty unfair.

    Parameters
    ----------
    n : int, default 60
        Number of houses, at least 2.
    seed : int, default 0
        Seed of the random generator.
    noise : float, default 10.0
        Standard deviation of the price noise, in thousands of dollars.

    Returns
    -------
    X : ndarray of shape (n, 2)
        Columns: household income in dollars, number of bedrooms.
    y : ndarray of shape (n,)
        Price in thousands of dollars.
    names : tuple of str
        The column names, ``("income ($)", "bedrooms")``.

    Examples
    --------
    >>> from l2reg.data import house_prices
    >>> X, y, names = house_prices(10, seed=3)
    >>> X.shape, y.shape, names
    ((10, 2), (10,), ('income ($)', 'bedrooms'))
    """
    n = v.as_int("n", n, minimum=2)
    seed = v.as_int("seed", seed, minimum=0)
    noise = v.as_nonnegative("noise", noise)
    rng = np.random.default_rng(seed)
    income = rng.normal(60_000.0, 15_000.0, size=n)
    bedrooms = rng.integers(1, 6, size=n).astype(float)
    effect = 30.0
    y = (
        300.0
        + effect * (income - 60_000.0) / 15_000.0
        + effect * (bedrooms - 3.0) / np.sqrt(2.0)
        + noise * rng.standard_normal(n)
    )
    return np.column_stack([income, bedrooms]), y, ("income ($)", "bedrooms")


def collinear_data(n=50, *, seed=0, spread=0.05, noise=0.5):
    """Two nearly identical features and a target that uses both equally.

    ``x1`` is standard normal and ``x2 = x1 + spread * z`` with independent
    standard normal ``z``, so their correlation is about
    ``1 / sqrt(1 + spread**2)``. The target is ``y = x1 + x2 + noise * e``:
    the true weights are ``(1, 1)``, but the data barely tell ``x1`` from
    ``x2``.

    Parameters
    ----------
    n : int, default 50
        Rows, at least 2.
    seed : int, default 0
        Seed of the random generator.
    spread : float, default 0.05
        How far ``x2`` strays from ``x1``; smaller means more collinear.
    noise : float, default 0.5
        Standard deviation of the target noise.

    Returns
    -------
    X : ndarray of shape (n, 2)
    y : ndarray of shape (n,)

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg.data import collinear_data
    >>> X, y = collinear_data(2000, seed=0, spread=0.05)
    >>> bool(np.corrcoef(X.T)[0, 1] > 0.99)
    True
    """
    n = v.as_int("n", n, minimum=2)
    seed = v.as_int("seed", seed, minimum=0)
    spread = v.as_nonnegative("spread", spread)
    noise = v.as_nonnegative("noise", noise)
    rng = np.random.default_rng(seed)
    x1 = rng.standard_normal(n)
    x2 = x1 + spread * rng.standard_normal(n)
    y = x1 + x2 + noise * rng.standard_normal(n)
    return np.column_stack([x1, x2]), y
