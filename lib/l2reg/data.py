"""Seeded synthetic data sets for the lessons.

Every function here is a pure function of its arguments: the same seed gives
the same data on every machine, so a number printed in a lesson is the number
its test checks.
"""

from __future__ import annotations

import numpy as np

from . import _validation as v
from ._params import Array, Int, Matrix, Nonnegative, Optional, Real, Vector, validate_params

__all__ = [
    "true_curve",
    "noisy_curve",
    "polynomial_features",
    "standardize_columns",
    "house_prices",
    "collinear_data",
    "geometry_data",
]


@validate_params({"x": Array()})
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
    return np.sin(np.pi * x)


@validate_params({"n": Int(minimum=1), "seed": Int(minimum=0), "noise": Nonnegative()})
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
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-1.0, 1.0, size=n))
    y = np.sin(np.pi * x) + noise * rng.standard_normal(n)
    return x, y


@validate_params({"x": Vector(), "degree": Int(minimum=1)})
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
    return x[:, None] ** np.arange(1, degree + 1)


@validate_params({
    "X": Matrix(), "mean": Optional(Vector(length_of=("X", 1))),
    "std": Optional(Vector(length_of=("X", 1), positive=True)),
})
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
    v.check_together("mean", mean, "std", std)
    if mean is None:
        mean = X.mean(axis=0)
        std = X.std(axis=0)
        std = np.where(std > 0, std, 1.0)
    return (X - mean) / std, mean, std


@validate_params({"n": Int(minimum=2), "seed": Int(minimum=0), "noise": Nonnegative()})
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


@validate_params({
    "n": Int(minimum=2), "seed": Int(minimum=0), "spread": Nonnegative(), "noise": Nonnegative(),
})
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
    rng = np.random.default_rng(seed)
    x1 = rng.standard_normal(n)
    x2 = x1 + spread * rng.standard_normal(n)
    y = x1 + x2 + noise * rng.standard_normal(n)
    return np.column_stack([x1, x2]), y


@validate_params({
    "w_star": Vector(length=2, other="two features"), "n": Int(minimum=4),
    "corr": Real(minimum=-1.0, maximum=1.0, include_minimum=False, include_maximum=False),
    "scale": Vector(length=2, other="two features", positive=True), "seed": Int(minimum=0),
})
def geometry_data(w_star=(3.5, 2.1), *, n=40, corr=0.6, scale=(1.0, 0.7), seed=0):
    """A centred two-feature regression whose least-squares weights are exactly ``w_star``.

    The features are correlated Gaussians (correlation ``corr``, standard
    deviations ``scale``), centred; the target is ``X @ w_star`` plus noise
    that is centred and orthogonal to both columns, so it changes the loss
    but not its minimizer. The data loss then has elliptical contours around
    ``w_star``.

    Parameters
    ----------
    w_star : (float, float), default (3.5, 2.1)
        The least-squares weights.
    n : int, default 40
        Rows, at least 4.
    corr : float, default 0.6
        Correlation of the two features, in (-1, 1).
    scale : (float, float), default (1.0, 0.7)
        Standard deviations of the features.
    seed : int, default 0

    Returns
    -------
    X : ndarray of shape (n, 2)
        Centred features.
    y : ndarray of shape (n,)
        Centred target.

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg.data import geometry_data
    >>> X, y = geometry_data()
    >>> np.linalg.lstsq(X, y, rcond=None)[0].round(12).tolist()
    [3.5, 2.1]
    """
    rng = np.random.default_rng(seed)
    cov = np.array([[1.0, corr], [corr, 1.0]]) * np.outer(scale, scale)
    X = rng.multivariate_normal(np.zeros(2), cov, size=n)
    X = X - X.mean(axis=0)
    noise = rng.standard_normal(n)
    basis = np.column_stack([np.ones(n), X])
    noise = noise - basis @ np.linalg.lstsq(basis, noise, rcond=None)[0]
    return X, X @ w_star + 0.5 * noise


__all__ += ["many_features"]


@validate_params({"n": Int(minimum=2), "p": Int(minimum=1), "seed": Int(minimum=0), "noise": Nonnegative()})
def many_features(n, p=30, *, seed=0, noise=1.0):
    """A linear target with many standardized features of decreasing importance.

    ``X`` is standard normal, ``y = 1 + X @ w_true + noise * e`` with
    ``w_true[j] = (-0.8)**j``: a few strong weights and a long tail of weak
    ones. ``w_true`` does not depend on the seed, so sets drawn with different
    seeds (training, validation, test) share one truth.

    Parameters
    ----------
    n : int
        Rows, at least 2.
    p : int, default 30
        Features, at least 1.
    seed : int, default 0
        Seed of the random generator.
    noise : float, default 1.0
        Standard deviation of the target noise.

    Returns
    -------
    X : ndarray of shape (n, p)
    y : ndarray of shape (n,)
    w_true : ndarray of shape (p,)

    Examples
    --------
    >>> from l2reg.data import many_features
    >>> X, y, w_true = many_features(5, 3, seed=1)
    >>> X.shape, y.shape, w_true.round(2).tolist()
    ((5, 3), (5,), [1.0, -0.8, 0.64])
    """
    w_true = (-0.8) ** np.arange(p)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = 1.0 + X @ w_true + noise * rng.standard_normal(n)
    return X, y, w_true
