"""Exact ridge regression: one fit, and the whole path over many penalties.

Both minimize :func:`l2reg.ridge_loss`,
``mean((y - X @ w - b)**2) + lam * ||w||^2`` with an unpenalized intercept ``b``,
which is scikit-learn's ``Ridge(alpha=n * lam)`` for ``n`` examples.

With an intercept, ``X`` and ``y`` are centred first; the weights then solve the
centred problem and ``b = mean(y) - mean(X, axis=0) @ w``. At ``lam == 0`` the
minimizer need not be unique (``p > n``, collinear columns); both functions then
return the minimum-norm least-squares solution, the limit of ridge as
``lam -> 0``.
"""

from __future__ import annotations

import numpy as np

from . import _linalg
from ._params import Bool, Int, Lambdas, Matrix, Nonnegative, Vector, validate_params

__all__ = ["ridge_fit", "ridge_path", "ridge_loo_errors", "ridge_kfold_errors"]

# Direct solves are used when n * lam >= _DIRECT_MIN * ||X||_F^2: the penalty then
# bounds the condition number of X^T X + n lam I by about 1 / _DIRECT_MIN, so
# the solve loses at most ~6 digits. Smaller penalties (e.g. high-degree
# polynomial features with a tiny lam) go through the SVD instead.
_DIRECT_MIN = 1e-6


def _svd_weights(X, y, nlams):
    """Ridge weights for every entry of ``nlams`` (``n * lam``) from one thin SVD.

    Returns an array of shape ``(len(nlams), p)``. Singular values at or below
    ``eps * max(n, p) * s.max()`` (the cut-off of ``numpy.linalg.lstsq``) are
    treated as exact zeros.
    """
    s, keep, uty, Vt = _linalg.svd_projected(X, y)
    # s / (s^2 + n lam), and 0 for singular values treated as zero (never 0 / 0); scaled by
    # U^T y in place (no second (k, r) array), then one product gives the C-ordered (k, p) W.
    coef = _linalg.shrink(s, keep, nlams, 1)
    coef *= uty
    return coef @ Vt


def _ridge_solve(X, y, lam):
    """Minimize ``mean((y - X w)**2) + lam ||w||^2`` over ``w`` (no intercept)."""
    n, p = X.shape
    if lam == 0.0:
        return np.linalg.lstsq(X, y, rcond=None)[0]
    nlam = n * lam
    if nlam >= _DIRECT_MIN * np.einsum("ij,ij->", X, X):
        try:
            if p <= n:  # primal: (X^T X + n lam I) w = X^T y, a p x p system
                gram = X.T @ X
                gram[np.diag_indices_from(gram)] += nlam
                return np.linalg.solve(gram, X.T @ y)
            # dual: w = X^T (X X^T + n lam I)^{-1} y, an n x n system
            kernel = X @ X.T
            kernel[np.diag_indices_from(kernel)] += nlam
            return X.T @ np.linalg.solve(kernel, y)
        except np.linalg.LinAlgError:  # pragma: no cover - cannot happen for nlam > 0
            pass
    return _svd_weights(X, y, np.array([nlam]))[0]


@validate_params({
    "X": Matrix(), "y": Vector(length_of=("X", 0)), "lam": Nonnegative(), "fit_intercept": Bool(),
})
def ridge_fit(X, y, lam, fit_intercept=True):
    """Fit ridge regression exactly: the minimizer of :func:`l2reg.ridge_loss`.

    Minimizes ``mean((y - X @ w - b)**2) + lam * ||w||^2`` with a direct solve:
    of the ``p x p`` normal equations ``(X^T X + n lam I) w = X^T y`` when
    ``p <= n``, of the ``n x n`` dual system ``w = X^T (X X^T + n lam I)^{-1} y``
    when ``p > n``. With ``fit_intercept`` the solve uses centred ``X`` and
    ``y``. The result equals scikit-learn's ``Ridge(alpha=n * lam)``.

    At ``lam == 0`` it returns :func:`numpy.linalg.lstsq`'s minimum-norm
    solution. When ``n * lam`` is below ``1e-6 * ||X||_F^2``, so small that the
    normal equations would be ill-conditioned (e.g. polynomial features), it
    uses the SVD of :func:`ridge_path` instead.

    Parameters
    ----------
    X : array_like of shape (n, p)
        Features, one row per example.
    y : array_like of shape (n,)
        Targets.
    lam : float
        Penalty strength lambda, >= 0. At 0, the minimum-norm least-squares
        solution is returned (the ordinary least-squares fit when ``X`` has
        full column rank).
    fit_intercept : bool, default True
        Whether to fit an unpenalized intercept ``b``; if False, ``b = 0.0``.

    Returns
    -------
    w : ndarray of shape (p,)
        Weights.
    b : float
        Intercept.

    Raises
    ------
    TypeError
        If ``X`` or ``y`` does not hold real numbers, ``lam`` is not a real
        number or ``fit_intercept`` is not a bool.
    ValueError
        If ``X`` is not a non-empty 2-D array of finite numbers, ``y`` is not a
        1-D array of finite numbers with one entry per row of ``X``, or
        ``lam`` is negative, NaN or infinite.

    See Also
    --------
    ridge_path : the fits for many penalties at once.

    Examples
    --------
    >>> from l2reg import ridge_fit
    >>> X = [[1.0], [2.0], [3.0]]
    >>> y = [2.0, 4.0, 6.0]
    >>> w, b = ridge_fit(X, y, lam=0.0)   # y = 2 x exactly
    >>> w.round(12).tolist(), abs(b) < 1e-12
    ([2.0], True)
    >>> w, b = ridge_fit(X, y, lam=2.0)   # w = 4 / (2 + 3 * 2): shrunk towards 0
    >>> w.round(12).tolist(), round(b, 12)
    ([0.5], 3.0)
    """
    Xc, yc, x_mean, y_mean = _linalg.centre(X, y, fit_intercept)
    w = _ridge_solve(Xc, yc, lam)
    b = y_mean - float(x_mean @ w) if fit_intercept else 0.0
    return w, b


@validate_params({
    "X": Matrix(), "y": Vector(length_of=("X", 0)), "lams": Lambdas(), "fit_intercept": Bool(),
})
def ridge_path(X, y, lams, fit_intercept=True):
    """Ridge fits for many penalties from one singular value decomposition.

    With the thin SVD ``X = U diag(s) V^T`` of the (centred) features,
    ``w(lam) = V diag(s / (s**2 + n lam)) U^T y`` for every ``lam`` at once.
    Singular values at or below ``eps * max(n, p) * s.max()`` (the cut-off of
    :func:`numpy.linalg.lstsq`) are treated as exact zeros, so ``lam == 0``
    gives the minimum-norm least-squares solution. Row ``k`` equals
    ``ridge_fit(X, y, lams[k], fit_intercept)``.

    Parameters
    ----------
    X : array_like of shape (n, p)
        Features, one row per example.
    y : array_like of shape (n,)
        Targets.
    lams : array_like of shape (k,)
        Penalty strengths, each >= 0, in any order.
    fit_intercept : bool, default True
        Whether to fit an unpenalized intercept; if False, ``b`` is all zeros.

    Returns
    -------
    W : ndarray of shape (k, p)
        ``W[k]`` are the weights for ``lams[k]``.
    b : ndarray of shape (k,)
        ``b[k]`` is the intercept for ``lams[k]``.

    Raises
    ------
    TypeError
        If an array does not hold real numbers or ``fit_intercept`` is not a
        bool.
    ValueError
        If ``X`` is not a non-empty 2-D array of finite numbers, ``y`` is not a
        1-D array of finite numbers with one entry per row of ``X``, or
        ``lams`` is not a non-empty 1-D array of finite numbers >= 0.

    See Also
    --------
    ridge_fit : one fit.

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg import ridge_fit, ridge_path
    >>> X = [[1.0], [2.0], [3.0]]
    >>> y = [2.0, 4.0, 6.0]
    >>> W, b = ridge_path(X, y, [0.0, 2.0, 200.0])
    >>> W.shape, b.shape
    ((3, 1), (3,))
    >>> W[:, 0].round(6).tolist()    # shrinks towards 0 as lam grows
    [2.0, 0.5, 0.006645]
    >>> w, b1 = ridge_fit(X, y, 2.0)
    >>> bool(np.allclose(W[1], w) and np.isclose(b[1], b1))
    True
    """
    Xc, yc, x_mean, y_mean = _linalg.centre(X, y, fit_intercept)
    W = _svd_weights(Xc, yc, X.shape[0] * lams)
    b = y_mean - W @ x_mean if fit_intercept else np.zeros(lams.size)
    return W, b


# For wide X, ridge_loo_errors takes the Gram route when eps * (largest eigenvalue of the Gram
# matrix) <= _GRAM_TOL * (smallest n * lam): each eigenvalue of X X^T is computed to about
# eps * its largest one, which changes a factor n lam / (e + n lam) by at most that over n lam.
_GRAM_TOL = 1e-10


def _loo_svd(Xc, yc, nlams, fit_intercept):
    """Residuals ``y - yhat`` and ``1 - h_ii`` for every ``n * lam`` (rows), from the SVD of ``Xc``."""
    n = Xc.shape[0]
    U, s, _, keep = _linalg.svd(Xc)
    # shrinkage factors s^2 / (s^2 + n lam), 0 for singular values treated as zero
    shrink = _linalg.shrink(s, keep, nlams, 2)
    residual = yc[None, :] - (shrink * (U.T @ yc)) @ U.T  # (k, n): y - yhat (the mean cancels)
    leverage = (shrink @ (U**2).T) + (1.0 / n if fit_intercept else 0.0)
    return residual, 1.0 - leverage


def _loo_wide(X, y, nlams, fit_intercept):
    """As :func:`_loo_svd` for wide ``X``: ``p >= n - 1`` with an intercept, ``p >= n`` without.

    In both cases ``Z`` below has no more rows than columns (``n - 1`` rows with an intercept,
    ``n`` without); an ``n x (n - 1)`` ``X`` without intercept would make it tall, and goes to
    :func:`_loo_svd`. With an intercept and ``p = n - 1`` the centred ``X`` already has full
    rank ``n - 1``, leverages near 1, and the centred formula's cancellation.

    The intercept's direction, the vector of ones, is removed exactly instead of by
    centring: ``B``, the last ``n - 1`` columns of the Householder reflection that maps
    ``ones / sqrt(n)`` to ``-e_1``, is an orthonormal basis of the vectors orthogonal to it,
    and ``Z = B^T X``, ``z = B^T y``. With ``Z Z^T = Qz diag(e) Qz^T`` (``Qz`` square) and
    ``Q = B Qz``, ``I - H = Q diag(n lam / (e + n lam)) Q^T`` holds without a ``1 1^T / n``
    term, so ``1 - h_ii`` is a sum of non-negative terms: no cancellation against ``1 / n``
    or ``1``, which costs the centred SVD formula up to ~1e-7 of relative accuracy when
    ``n lam`` is small against ``s**2``.

    ``Qz`` and ``e`` come from the eigendecomposition of the ``(n - 1) x (n - 1)`` Gram
    matrix (scikit-learn ``RidgeCV``'s route, ``_RidgeGCV._eigen_decompose_gram``) when the
    smallest ``n lam`` dominates the round-off in ``e`` (see ``_GRAM_TOL``), and from the
    SVD of ``Z``, with its rank cut-off, otherwise (``lam == 0``, tiny penalties).
    """
    n = X.shape[0]
    if fit_intercept:
        v = np.full(n, 1.0 / np.sqrt(n))
        v[0] += 1.0  # the reflection is I - v v^T / v[0]
        Z = (X - np.outer(v, v @ X) / v[0])[1:]
        zy = (y - v * (v @ y) / v[0])[1:]
    else:
        Z, zy = X, y
    smallest = nlams.min()
    gram = None
    # The largest eigenvalue of Z Z^T is at least ||Z||_F^2 / m (m rows: the mean of its m
    # eigenvalues), so when eps * ||Z||_F^2 / m exceeds twice the switch the criterion below
    # fails for sure: skip the eigendecomposition (the factor 2 absorbs round-off in both
    # sides, so the route is the one the criterion itself would choose).
    with np.errstate(over="ignore"):  # ||Z||_F^2 == inf: the SVD route, as it should be
        fro2 = np.sum(Z * Z)
    if smallest > 0 and _linalg.EPS * fro2 / Z.shape[0] <= 2.0 * _GRAM_TOL * smallest:
        e, Qz = np.linalg.eigh(Z @ Z.T)
        if _linalg.EPS * e[-1] <= _GRAM_TOL * smallest:
            gram = np.maximum(e, 0.0), Qz  # round-off can make the smallest eigenvalues negative
    if gram is not None:
        e, Qz = gram
        # (k, m): 1 - the shrinkage of each direction, n lam / (e + n lam) written so that a
        # huge finite lam whose n lam overflows to inf gives 1, not inf / inf
        kept = 1.0 / (1.0 + e / nlams[:, None])
    else:
        Qz, s, _, keep = _linalg.svd(Z)  # Qz is square: Z has no more rows than columns
        # s and n lam scaled by the power of two 2**c at or below s[0] (exact, as in
        # _linalg.shrink), so that s**2 cannot overflow for huge X
        c = int(np.frexp(s[0])[1]) - 1 if s[0] > 0 else 0
        e, nl = np.ldexp(s, -c) ** 2, np.ldexp(nlams, -2 * c)[:, None]
        denom = e + nl
        # n lam / (s^2 + n lam) as 1 / (1 + s^2 / n lam) (1 for n lam == inf, 0 for n lam == 0),
        # and 1 for singular values treated as zero (never 0 / 0)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # inf: kept 0
            ratio = 1.0 + e / nl
        kept = np.divide(1.0, ratio, out=np.ones_like(denom), where=keep & (denom > 0))
    if fit_intercept:  # Q = B Qz: a zero first row, minus v times v[1:] @ Qz / v[0]
        Q = np.vstack([np.zeros((1, Qz.shape[1])), Qz]) - np.outer(v, v[1:] @ Qz) / v[0]
    else:
        Q = Qz
    residual = (kept * (Qz.T @ zy)) @ Q.T
    return residual, kept @ (Q**2).T, gram is not None


@validate_params({
    "X": Matrix(min_rows=2), "y": Vector(length_of=("X", 0)), "lams": Lambdas(),
    "fit_intercept": Bool(), "per_example": Bool(),
})
def ridge_loo_errors(X, y, lams, fit_intercept=True, per_example=False):
    """Leave-one-out errors of ridge regression for many penalties from one SVD.

    Leaving example ``i`` out and refitting gives the prediction error
    ``(y_i - yhat_i) / (1 - h_ii)``, where ``yhat`` is the fit on all ``n``
    examples and ``h_ii`` the diagonal of its hat matrix
    ``H = 1 1^T / n + Xc (Xc^T Xc + n lam I)^{-1} Xc^T`` (``Xc`` the centred
    features; without intercept ``X`` itself and no ``1 1^T / n``). With the
    thin SVD ``Xc = U diag(s) V^T``,
    ``h_ii = 1/n + sum_j U_ij**2 s_j**2 / (s_j**2 + n lam)``, for every ``lam``
    at once.

    Each leave-one-out fit keeps the penalty ``n lam ||w||^2`` on the *sum* of
    its ``n - 1`` squared errors, i.e. it is ``ridge_fit`` on the ``n - 1``
    remaining examples with ``lam * n / (n - 1)``. That is scikit-learn's
    ``Ridge(alpha=n * lam)`` on every subset, so the result equals
    ``RidgeCV(alphas=n * lams, store_cv_results=True).cv_results_`` (squared
    errors). The intercept is refitted, unpenalized, in each leave-one-out fit.

    Parameters
    ----------
    X : array_like of shape (n, p)
        Features, one row per example; ``n >= 2``.
    y : array_like of shape (n,)
        Targets.
    lams : array_like of shape (k,)
        Penalty strengths, each >= 0, in any order.
    fit_intercept : bool, default True
        Whether each fit has an unpenalized intercept.
    per_example : bool, default False
        Return every example's squared error instead of their mean.

    Returns
    -------
    ndarray of shape (k,), or (k, n) with ``per_example``
        Mean squared leave-one-out error for each ``lams[k]``; with
        ``per_example``, row ``k`` holds ``(y_i - yhat_{-i})**2`` for every
        ``i``. At ``lam == 0`` an example the fit interpolates with leverage
        ``h_ii == 1`` has no defined shortcut; its entry is ``inf`` or ``nan``.

    Raises
    ------
    TypeError
        If an array does not hold real numbers or a flag is not a bool.
    ValueError
        If ``X`` is not a 2-D array of finite numbers with at least two rows,
        ``y`` does not have one finite entry per row of ``X``, or ``lams`` is
        not a non-empty 1-D array of finite numbers >= 0.

    See Also
    --------
    ridge_path : the fits themselves, from the same SVD.

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg import ridge_fit, ridge_loo_errors
    >>> X = np.array([[0.0], [1.0], [2.0], [4.0]])
    >>> y = np.array([0.0, 1.5, 1.5, 4.0])
    >>> ridge_loo_errors(X, y, [0.0, 0.1]).round(6).tolist()
    [0.37424, 0.557464]
    >>> # the same by refitting without each example (lam * n / (n - 1) on n - 1 rows)
    >>> keep = lambda i: np.arange(4) != i
    >>> fits = [ridge_fit(X[keep(i)], y[keep(i)], 0.1 * 4 / 3) for i in range(4)]
    >>> brute = [(y[i] - X[i] @ w - b) ** 2 for i, (w, b) in enumerate(fits)]
    >>> round(float(np.mean(brute)), 6)
    0.557464
    """
    n, p = X.shape
    with np.errstate(over="ignore"):  # n lam == inf for a huge finite lam: handled as such
        nlams = n * lams
    # with an intercept the centred X has rank <= n - 1, reached already at p = n - 1
    if (p >= n - 1) if fit_intercept else (p >= n):
        residual, one_minus_h, _ = _loo_wide(X, y, nlams, fit_intercept)
    else:
        Xc, yc, _, _ = _linalg.centre(X, y, fit_intercept)
        residual, one_minus_h = _loo_svd(Xc, yc, nlams, fit_intercept)
    with np.errstate(divide="ignore", invalid="ignore"):
        errors = (residual / one_minus_h) ** 2
    return errors if per_example else errors.mean(axis=1)


@validate_params({
    "X": Matrix(min_rows=2), "y": Vector(length_of=("X", 0)), "lams": Lambdas(),
    "k": Int(minimum=2, maximum=lambda values: values["X"].shape[0]), "fit_intercept": Bool(),
})
def ridge_kfold_errors(X, y, lams, k=5, fit_intercept=True):
    """k-fold cross-validation error of ridge regression for many penalties.

    The folds are contiguous blocks of rows, as ``numpy.array_split(arange(n), k)``
    cuts them and as scikit-learn's ``KFold(n_splits=k)`` (no shuffling) does:
    the first ``n % k`` folds have one row more. For each fold, the other rows
    are fitted with :func:`ridge_path` at every ``lam`` (mean-loss convention
    on *that training set's* size), and the fold's mean squared error is
    recorded. The result is the plain average of the ``k`` fold errors, which is
    what scikit-learn's ``GridSearchCV(..., scoring="neg_mean_squared_error")``
    reports (with the opposite sign) as ``mean_test_score``.

    When ``k`` divides ``n`` every training set has ``m = n - n // k`` rows and
    the result equals that of ``Ridge(alpha=m * lam)`` in ``GridSearchCV`` with
    ``cv=KFold(k)``; otherwise the training sets differ in size and no single
    ``alpha`` reproduces it exactly.

    Parameters
    ----------
    X : array_like of shape (n, p)
        Features, one row per example.
    y : array_like of shape (n,)
        Targets.
    lams : array_like of shape (K,)
        Penalty strengths, each >= 0.
    k : int, default 5
        Number of folds, ``2 <= k <= n``.
    fit_intercept : bool, default True
        Whether each fit has an unpenalized intercept.

    Returns
    -------
    ndarray of shape (K,)
        Mean over the folds of the validation mean squared error, per ``lam``.

    Raises
    ------
    TypeError
        If an array does not hold real numbers, ``k`` is not an integer or
        ``fit_intercept`` is not a bool.
    ValueError
        If the arrays have the wrong shapes or non-finite entries, a ``lam`` is
        negative, or ``k`` is not between 2 and ``n``.

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg import ridge_fit, ridge_kfold_errors
    >>> X = np.arange(8.0)[:, None]; y = np.array([0.0, 1.2, 1.9, 3.3, 3.8, 5.1, 6.2, 6.8])
    >>> errors = ridge_kfold_errors(X, y, [0.0, 1.0], k=2)
    >>> w, b = ridge_fit(X[4:], y[4:], 1.0)          # fold 1 = rows 0..3, trained on rows 4..7
    >>> fold1 = np.mean((y[:4] - X[:4] @ w - b) ** 2)
    >>> w, b = ridge_fit(X[:4], y[:4], 1.0)
    >>> fold2 = np.mean((y[4:] - X[4:] @ w - b) ** 2)
    >>> bool(np.isclose(errors[1], (fold1 + fold2) / 2))
    True
    """
    n = X.shape[0]
    total = np.zeros(lams.size)
    for fold in np.array_split(np.arange(n), k):
        train = np.ones(n, dtype=bool)
        train[fold] = False
        Xt, yt = X[train], y[train]
        Xc, yc, x_mean, y_mean = _linalg.centre(Xt, yt, fit_intercept)
        W = _svd_weights(Xc, yc, Xt.shape[0] * lams)
        b = y_mean - W @ x_mean if fit_intercept else np.zeros(lams.size)
        residual = y[fold][None, :] - W @ X[fold].T - b[:, None]
        total += np.mean(residual**2, axis=1)
    return total / k
