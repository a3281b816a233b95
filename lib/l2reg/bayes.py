"""The Bayesian view of ridge regression: a Gaussian prior, the posterior, the MAP.

The model, for ``n`` examples (rows of ``X``) and ``p`` weights::

    y = X @ w + b + noise,   noise ~ N(0, sigma**2) independently per example
    w ~ N(0, tau**2 I)       (the prior on the weights)
    b                        flat (improper) prior: the intercept is not penalized

Under the course's mean-loss convention (docs/design.md section 3) the MAP estimate
is the ridge fit with ``lam = sigma**2 / (n * tau**2)``: multiplying the
negative log posterior by ``2 * sigma**2 / n`` gives exactly
:func:`l2reg.ridge_loss`. A narrow prior (small ``tau``) is a large penalty; a
flat prior (``tau -> infinity``) is least squares.

The intercept is handled as :func:`l2reg.ridge_fit` does: the weights' posterior
comes from the centred ``X`` and ``y`` (this integrates ``b`` out under its flat
prior), and ``b = mean(y) - mean(X, axis=0) @ w``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from . import _linalg  # the intercept and the SVD cut-off exactly as in ridge_fit
from ._params import Bool, Int, Matrix, Positive, Real, Vector, validate_params

__all__ = [
    "Posterior",
    "ridge_lambda",
    "posterior",
    "map_estimate",
    "neg_log_posterior",
    "log_prior",
    "log_likelihood",
]

_LOG_2PI = math.log(2.0 * math.pi)

# the data of posterior and map_estimate, and of the model's densities (X first: w and y
# are held to its shape)
_FIT_PARAMS = {
    "X": Matrix(), "y": Vector(length_of=("X", 0)), "sigma": Positive(), "tau": Positive(),
    "fit_intercept": Bool(),
}
_MODEL_PARAMS = {
    "X": Matrix(), "w": Vector(length_of=("X", 1)), "y": Vector(length_of=("X", 0)), "b": Real(),
}


class Posterior(NamedTuple):
    """The Gaussian posterior of the weights, and the intercept's point value.

    Attributes
    ----------
    mean : ndarray of shape (p,)
        Posterior mean of ``w``; also its mode, the MAP estimate.
    cov : ndarray of shape (p, p)
        Posterior covariance of ``w`` (with ``b`` integrated out), symmetric
        positive definite.
    b : float
        The intercept at the posterior mean, ``mean(y) - mean(X, axis=0) @ mean``
        (0.0 without an intercept).

    See Also
    --------
    posterior : returns one.

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg import posterior, ridge_fit, ridge_lambda
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0.1, 0.9, 2.2, 2.8])
    >>> post = posterior(X, y, sigma=0.5, tau=1.0)
    >>> post.mean.shape, post.cov.shape, type(post.b).__name__
    ((1,), (1, 1), 'float')
    >>> w, b = ridge_fit(X, y, ridge_lambda(0.5, 1.0, 4))   # the mean is the ridge fit
    >>> bool(np.allclose(post.mean, w) and np.isclose(post.b, b))
    True
    >>> mean, cov, b = post                                   # a tuple, too
    >>> bool(np.all(np.linalg.eigvalsh(cov) > 0))
    True
    """

    mean: np.ndarray
    cov: np.ndarray
    b: float


@validate_params({"sigma": Positive(), "tau": Positive(), "n": Int(minimum=1)})
def ridge_lambda(sigma, tau, n):
    """The ridge penalty that the Gaussian prior amounts to: ``sigma**2 / (n * tau**2)``.

    With noise standard deviation ``sigma``, prior standard deviation ``tau``
    and ``n`` examples, the MAP estimate equals
    ``ridge_fit(X, y, ridge_lambda(sigma, tau, n))`` under the course's
    mean-loss convention.

    Parameters
    ----------
    sigma : float
        Noise standard deviation, > 0.
    tau : float
        Prior standard deviation of each weight, > 0.
    n : int
        Number of examples, >= 1.

    Returns
    -------
    float
        The penalty strength lambda, > 0 (it may underflow to 0.0 for an
        extremely wide prior).

    Raises
    ------
    TypeError
        If ``sigma`` or ``tau`` is not a real number or ``n`` not an integer.
    ValueError
        If ``sigma`` or ``tau`` is not finite and positive, or ``n < 1``.

    Examples
    --------
    >>> from l2reg import ridge_lambda
    >>> ridge_lambda(sigma=1.0, tau=0.5, n=100)
    0.04
    >>> ridge_lambda(sigma=1.0, tau=0.05, n=100)   # 10 times narrower: 100 times the penalty
    4.0
    """
    return (sigma / tau) ** 2 / n


def _solve(X, y, sigma, tau, fit_intercept, with_cov):
    """Posterior mean (and covariance) of ``w`` from one SVD of the centred ``X``.

    With ``Xc = U diag(s) V^T`` (``V`` completed to a square orthogonal matrix
    when ``p > n``, with ``s = 0`` for the added columns)::

        cov  = V diag(1 / (s**2 / sigma**2 + 1 / tau**2)) V^T
        mean = V diag(s / (s**2 + sigma**2 / tau**2)) U^T yc

    Singular values at or below ``eps * max(n, p) * s.max()`` count as zero,
    as in :func:`l2reg.ridge_path`.
    """
    n, p = X.shape
    Xc, yc, x_mean, y_mean = _linalg.centre(X, y, fit_intercept)
    U, s, Vt, keep = _linalg.svd(Xc, full_matrices=with_cov and p > n)
    s = np.where(keep, s, 0.0)
    r = (sigma / tau) ** 2  # = n * lam
    k = s.size
    # s / (s**2 + r), 0 where s is treated as zero: _linalg.shrink, which cannot overflow
    mean = Vt[:k].T @ (_linalg.shrink(s, keep, np.array([r]), 1)[0] * (U.T @ yc))
    b = y_mean - float(x_mean @ mean) if fit_intercept else 0.0
    if not with_cov:
        return mean, None, b
    s_full = np.zeros(p)
    s_full[:k] = s
    d = sigma**2 / (s_full * s_full + r)  # 1 / (s**2 / sigma**2 + 1 / tau**2)
    cov = (Vt.T * d) @ Vt
    cov = 0.5 * (cov + cov.T)  # exactly symmetric
    return mean, cov, b


@validate_params(_FIT_PARAMS)
def posterior(X, y, sigma, tau, fit_intercept=True):
    """The posterior of the weights: a Gaussian with a closed-form mean and covariance.

    With ``Xc`` and ``yc`` the centred data (or ``X`` and ``y`` themselves if
    ``fit_intercept`` is False)::

        cov  = (Xc.T @ Xc / sigma**2 + I / tau**2)^{-1}
        mean = cov @ Xc.T @ yc / sigma**2

    ``mean`` is also the posterior mode (the MAP estimate) and equals
    ``ridge_fit(X, y, ridge_lambda(sigma, tau, n))[0]``. With an intercept,
    ``cov`` is the covariance of ``w`` with ``b`` integrated out under its
    flat prior; it is also the inverse Hessian of
    ``neg_log_posterior(w, X, y, sigma, tau, b)`` minimized over ``b``.
    Without an intercept it is the inverse Hessian of
    ``neg_log_posterior(w, X, y, sigma, tau)``.

    Parameters
    ----------
    X : array_like of shape (n, p)
        Features, one row per example.
    y : array_like of shape (n,)
        Targets.
    sigma : float
        Noise standard deviation, > 0.
    tau : float
        Prior standard deviation of each weight, > 0.
    fit_intercept : bool, default True
        Whether the model has an intercept ``b`` (with a flat prior); if
        False, ``b = 0``.

    Returns
    -------
    Posterior
        A named tuple ``(mean, cov, b)``: the posterior mean of shape
        ``(p,)``, the covariance of shape ``(p, p)`` and the intercept at the
        mean (0.0 without an intercept).

    Raises
    ------
    TypeError
        If ``X`` or ``y`` does not hold real numbers, ``sigma`` or ``tau`` is
        not a real number or ``fit_intercept`` is not a bool.
    ValueError
        If ``X`` is not a non-empty 2-D array of finite numbers, ``y`` is not
        a 1-D array of finite numbers with one entry per row of ``X``, or
        ``sigma`` or ``tau`` is not finite and positive.

    See Also
    --------
    map_estimate : the mean and intercept alone, without the covariance.

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg import posterior, ridge_fit, ridge_lambda
    >>> X, y = [[1.0], [2.0], [3.0]], [2.0, 4.0, 6.0]
    >>> post = posterior(X, y, sigma=np.sqrt(6.0), tau=1.0)
    >>> post.mean.round(12).tolist(), post.cov.round(12).tolist(), round(post.b, 12)
    ([0.5], [[0.75]], 3.0)
    >>> round(ridge_lambda(np.sqrt(6.0), 1.0, n=3), 12)   # the equivalent ridge penalty
    2.0
    >>> ridge_fit(X, y, lam=2.0)[0].round(12).tolist()
    [0.5]
    """
    mean, cov, b = _solve(X, y, sigma, tau, fit_intercept, with_cov=True)
    return Posterior(mean, cov, b)


@validate_params(_FIT_PARAMS)
def map_estimate(X, y, sigma, tau, fit_intercept=True):
    """The maximum a posteriori (MAP) weights and intercept.

    The minimizer of :func:`neg_log_posterior` over ``w`` and ``b``: the
    posterior mean of :func:`posterior`, and
    ``b = mean(y) - mean(X, axis=0) @ w``. It equals
    ``ridge_fit(X, y, ridge_lambda(sigma, tau, n), fit_intercept)``.

    Parameters
    ----------
    X : array_like of shape (n, p)
        Features, one row per example.
    y : array_like of shape (n,)
        Targets.
    sigma : float
        Noise standard deviation, > 0.
    tau : float
        Prior standard deviation of each weight, > 0.
    fit_intercept : bool, default True
        Whether the model has an intercept ``b`` (with a flat prior); if
        False, ``b = 0.0``.

    Returns
    -------
    w : ndarray of shape (p,)
        MAP weights.
    b : float
        MAP intercept.

    Raises
    ------
    TypeError
        If ``X`` or ``y`` does not hold real numbers, ``sigma`` or ``tau`` is
        not a real number or ``fit_intercept`` is not a bool.
    ValueError
        If ``X`` is not a non-empty 2-D array of finite numbers, ``y`` is not
        a 1-D array of finite numbers with one entry per row of ``X``, or
        ``sigma`` or ``tau`` is not finite and positive.

    Examples
    --------
    A wide prior barely shrinks, a narrow one shrinks towards 0:

    >>> from l2reg import map_estimate
    >>> X, y = [[1.0], [2.0], [3.0]], [2.0, 4.0, 6.0]
    >>> map_estimate(X, y, sigma=1.0, tau=100.0)[0].round(3).tolist()
    [2.0]
    >>> w, b = map_estimate(X, y, sigma=1.0, tau=0.5)   # lam = 4 / 3
    >>> w.round(12).tolist(), round(b, 12)
    ([0.666666666667], 2.666666666667)
    """
    mean, _, b = _solve(X, y, sigma, tau, fit_intercept, with_cov=False)
    return mean, b


def _half_rss(w, X, y, b):
    r = y - X @ w - b
    return 0.5 * float(np.dot(r, r))


@validate_params({**_MODEL_PARAMS, "sigma": Positive(), "tau": Positive()})
def neg_log_posterior(w, X, y, sigma, tau, b=0.0):
    """The negative log posterior of ``(w, b)``, up to an additive constant.

    ``sum((y - X @ w - b)**2) / (2 sigma**2) + sum(w**2) / (2 tau**2)``.

    The dropped constant (it depends on neither ``w`` nor ``b``) is
    ``n/2 log(2 pi sigma**2) + p/2 log(2 pi tau**2) + log p(y)``: the
    normalizers of the likelihood and the prior, and the log evidence. So
    ``-(log_likelihood(...) + log_prior(...))`` equals this function plus
    ``n/2 log(2 pi sigma**2) + p/2 log(2 pi tau**2)``. Scaled by
    ``2 * sigma**2 / n`` it is exactly :func:`l2reg.ridge_loss` with
    ``lam = ridge_lambda(sigma, tau, n)``.

    Parameters
    ----------
    w : array_like of shape (p,)
        Weights.
    X : array_like of shape (n, p)
        Features, one row per example.
    y : array_like of shape (n,)
        Targets.
    sigma : float
        Noise standard deviation, > 0.
    tau : float
        Prior standard deviation of each weight, > 0.
    b : float, default 0.0
        Intercept, any finite number (flat prior: no term of its own).

    Returns
    -------
    float
        The negative log posterior without the constant, >= 0.

    Raises
    ------
    TypeError
        If an array does not hold real numbers or a scalar is not a real
        number.
    ValueError
        If an array has the wrong dimensions or length, is empty or holds NaN
        or infinity, or ``sigma`` or ``tau`` is not finite and positive.

    Examples
    --------
    >>> from l2reg import neg_log_posterior, ridge_lambda, ridge_loss
    >>> X, y, w = [[1.0], [2.0], [3.0]], [2.0, 4.0, 6.0], [1.0]
    >>> neg_log_posterior(w, X, y, sigma=1.0, tau=0.5)   # (1 + 4 + 9) / 2 + 1 / 0.5
    9.0
    >>> 2 * 1.0**2 / 3 * 9.0, ridge_loss(w, X, y, lam=ridge_lambda(1.0, 0.5, 3))
    (6.0, 6.0)
    """
    return _half_rss(w, X, y, b) / sigma**2 + 0.5 * float(np.dot(w, w)) / tau**2


@validate_params({"w": Vector(), "tau": Positive()})
def log_prior(w, tau):
    """The log density of the prior ``w ~ N(0, tau**2 I)`` at ``w``.

    ``-p/2 log(2 pi tau**2) - sum(w**2) / (2 tau**2)``, normalized.

    Parameters
    ----------
    w : array_like of shape (p,)
        Weights.
    tau : float
        Prior standard deviation of each weight, > 0.

    Returns
    -------
    float
        The log density.

    Raises
    ------
    TypeError
        If ``w`` does not hold real numbers or ``tau`` is not a real number.
    ValueError
        If ``w`` is not a non-empty 1-D array of finite numbers, or ``tau``
        is not finite and positive.

    Examples
    --------
    >>> import math
    >>> from l2reg import log_prior
    >>> round(log_prior([0.0], tau=1.0), 10) == round(-0.5 * math.log(2 * math.pi), 10)
    True
    >>> round(log_prior([2.0], tau=1.0) - log_prior([0.0], tau=1.0), 12)   # -w**2 / 2
    -2.0
    """
    return -0.5 * w.size * (_LOG_2PI + 2.0 * math.log(tau)) - 0.5 * float(np.dot(w, w)) / tau**2


@validate_params({**_MODEL_PARAMS, "sigma": Positive()})
def log_likelihood(w, X, y, sigma, b=0.0):
    """The log likelihood ``log p(y | X, w, b)`` of Gaussian noise with deviation ``sigma``.

    ``-n/2 log(2 pi sigma**2) - sum((y - X @ w - b)**2) / (2 sigma**2)``,
    normalized.

    Parameters
    ----------
    w : array_like of shape (p,)
        Weights.
    X : array_like of shape (n, p)
        Features, one row per example.
    y : array_like of shape (n,)
        Targets.
    sigma : float
        Noise standard deviation, > 0.
    b : float, default 0.0
        Intercept, any finite number.

    Returns
    -------
    float
        The log likelihood.

    Raises
    ------
    TypeError
        If an array does not hold real numbers or a scalar is not a real
        number.
    ValueError
        If an array has the wrong dimensions or length, is empty or holds NaN
        or infinity, or ``sigma`` is not finite and positive.

    Examples
    --------
    >>> import math
    >>> from l2reg import log_likelihood
    >>> X, y = [[1.0], [2.0]], [2.0, 4.0]
    >>> exact = log_likelihood([2.0], X, y, sigma=1.0)     # a perfect fit
    >>> round(exact, 10) == round(-math.log(2 * math.pi), 10)
    True
    >>> round(log_likelihood([1.0], X, y, sigma=1.0) - exact, 12)   # -(1 + 4) / 2
    -2.5
    """
    n = X.shape[0]
    return -0.5 * n * (_LOG_2PI + 2.0 * math.log(sigma)) - _half_rss(w, X, y, b) / sigma**2
