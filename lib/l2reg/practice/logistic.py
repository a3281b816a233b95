"""Logistic regression with the course's penalty (Newton's method) and its exact scikit-learn ``C``.

scikit-learn's ``LogisticRegression(C=...)`` minimizes ``C * sum(log-loss) + ||w||^2 / 2``;
the course's ``mean(log-loss) + lam ||w||^2`` is the same model when ``C = 1 / (2 n lam)``
(:func:`C_from_lambda`). :func:`logistic_fit` and :func:`logistic_path` fit it without
scikit-learn, so the lesson can check one against the other. The intercept is never penalized.
"""

from __future__ import annotations

import numpy as np

from .._params import Int, Lambdas, Matrix, Positive, Vector, validate_params

__all__ = ["C_from_lambda", "lambda_from_C", "logistic_fit", "logistic_path"]


@validate_params({"lam": Positive(), "n": Int(minimum=1)})
def C_from_lambda(lam, n):
    """scikit-learn's ``LogisticRegression(C=...)`` for the course's ``lam`` on ``n`` rows.

    scikit-learn minimizes ``C * sum(log-loss) + ||w||^2 / 2``; dividing by
    ``C n`` gives ``mean(log-loss) + ||w||^2 / (2 C n)``, the course's loss
    exactly when ``lam = 1 / (2 C n)``.

    Parameters
    ----------
    lam : float
        Penalty strength, > 0.
    n : int
        Number of rows the model is fitted on (inside cross-validation: the
        training folds' rows).

    Returns
    -------
    float
        ``1 / (2 n lam)``.

    Raises
    ------
    ValueError
        If ``lam`` is not a finite number > 0 or ``n`` is not an integer >= 1.
    TypeError
        If ``lam`` or ``n`` is not a number.

    Examples
    --------
    >>> from l2reg.practice import C_from_lambda
    >>> C_from_lambda(0.05, 200)
    0.05
    """
    return 1.0 / (2.0 * n * lam)


@validate_params({"C": Positive(), "n": Int(minimum=1)})
def lambda_from_C(C, n):
    """The course's ``lam`` for scikit-learn's ``C`` on ``n`` rows: ``1 / (2 n C)``.

    Parameters
    ----------
    C : float
        scikit-learn's inverse penalty strength, > 0.
    n : int
        Number of rows the model is fitted on.

    Returns
    -------
    float
        ``1 / (2 n C)``.

    Raises
    ------
    ValueError
        If ``C`` is not a finite number > 0 or ``n`` is not an integer >= 1.
    TypeError
        If ``C`` or ``n`` is not a number.

    Examples
    --------
    >>> from l2reg.practice import lambda_from_C
    >>> lambda_from_C(1.0, 500)
    0.001
    """
    return 1.0 / (2.0 * n * C)


def _sigmoid(z):
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def _newton_logistic(A, y, lam, beta, max_iter, tol):
    n, q = A.shape
    P = np.full(q, 2.0 * lam)
    P[0] = 0.0  # the intercept is not penalized
    for _ in range(max_iter):
        prob = _sigmoid(A @ beta)
        grad = A.T @ (prob - y) / n + P * beta
        hess = (A * (prob * (1 - prob))[:, None]).T @ A / n
        hess[np.diag_indices_from(hess)] += P + 1e-12
        step = np.linalg.solve(hess, grad)
        beta = beta - step
        if np.max(np.abs(step)) <= tol * (1.0 + np.max(np.abs(beta))):
            break
    return beta


_FIT_PARAMS = {"X": Matrix(), "y": Vector(length_of=("X", 0), labels=(0, 1))}
_NEWTON_PARAMS = {"max_iter": Int(minimum=1), "tol": Positive()}


@validate_params({**_FIT_PARAMS, "lam": Positive(), **_NEWTON_PARAMS})
def logistic_fit(X, y, lam, *, max_iter=100, tol=1e-12):
    """Minimize ``mean(log-loss) + lam ||w||^2`` (intercept free) by Newton's method.

    Parameters
    ----------
    X : array_like of shape (n, p)
        Features.
    y : array_like of shape (n,)
        Labels, 0 or 1.
    lam : float
        Penalty strength, > 0 (the unpenalized fit of separable data has no
        minimizer).
    max_iter : int, default 100
        Most Newton steps.
    tol : float, default 1e-12
        Stop when no coordinate moves by more than ``tol`` (relative).

    Returns
    -------
    w : ndarray of shape (p,)
    b : float

    Raises
    ------
    ValueError
        If ``X`` or ``y`` is not finite, empty or of mismatched length, ``y``
        holds a label other than 0 and 1, or ``lam`` is not > 0.
    TypeError
        If an argument is not numeric.

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg.practice import logistic_fit
    >>> X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    >>> w, b = logistic_fit(X, [0, 1, 0, 1], 0.1)
    >>> p = 1 / (1 + np.exp(-(X @ w + b)))
    >>> bool(abs(np.mean(p - [0, 1, 0, 1])) < 1e-12)       # the intercept's gradient vanishes
    True
    """
    A = np.column_stack([np.ones(X.shape[0]), X])
    beta = _newton_logistic(A, y, lam, np.zeros(A.shape[1]), max_iter, tol)
    return beta[1:], float(beta[0])


@validate_params({**_FIT_PARAMS, "lams": Lambdas(positive=True), **_NEWTON_PARAMS})
def logistic_path(X, y, lams, *, max_iter=100, tol=1e-12):
    """:func:`logistic_fit` for every ``lam`` of a grid, each fit starting at the previous one.

    Parameters
    ----------
    X : array_like of shape (n, p)
        Features.
    y : array_like of shape (n,)
        Labels, 0 or 1.
    lams : array_like of shape (k,)
        Penalty strengths, each > 0, in any order (fitted from the largest down).
    max_iter, tol
        As in :func:`logistic_fit`.

    Returns
    -------
    W : ndarray of shape (k, p)
        ``W[i]`` are the weights for ``lams[i]``.
    b : ndarray of shape (k,)

    Raises
    ------
    ValueError
        As :func:`logistic_fit`; also if an entry of ``lams`` is 0.
    TypeError
        If an argument is not numeric.

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg.practice import logistic_fit, logistic_path
    >>> X = np.array([[-2.0], [-1.0], [1.0], [2.0]]); y = [0, 1, 0, 1]
    >>> W, b = logistic_path(X, y, [1.0, 0.01])
    >>> bool(np.allclose(W[1], logistic_fit(X, y, 0.01)[0]))
    True
    """
    A = np.column_stack([np.ones(X.shape[0]), X])
    W, b = np.empty((lams.size, X.shape[1])), np.empty(lams.size)
    beta = np.zeros(A.shape[1])
    for i in np.argsort(-lams):
        beta = _newton_logistic(A, y, float(lams[i]), beta, max_iter, tol)
        W[i], b[i] = beta[1:], beta[0]
    return W, b
