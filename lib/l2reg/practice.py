"""The computations of lesson 08 (L2 in practice), as plain NumPy.

Logistic regression with the course's penalty and its exact scikit-learn
``C``; group penalties by proximal gradient; gradient descent from zero and
the ridge penalty its early stopping matches; timing helpers for the cost
table. Nothing here imports scikit-learn, so the lesson's own numbers can be
checked against it independently.

Notation as everywhere in l2reg: ``lam`` multiplies ``||w||^2`` added to the
*mean* data loss, ``lr`` is the learning rate, and the intercept ``b`` is never
penalized.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from . import _validation as v
from .ridge import ridge_fit, ridge_path

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
    lam = v.as_positive("lam", lam)
    n = v.as_int("n", n, minimum=1)
    return 1.0 / (2.0 * n * lam)


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
    C = v.as_positive("C", C)
    n = v.as_int("n", n, minimum=1)
    return 1.0 / (2.0 * n * C)


def _labels01(name, y, n):
    y = v.as_vector(name, y, n, other="the rows of X")
    bad = np.flatnonzero((y != 0) & (y != 1))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"{name}: expected labels 0 or 1, got {float(y[i])!r} at index {i}")
    return y


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
    X = v.as_matrix("X", X)
    y = _labels01("y", y, X.shape[0])
    lam = v.as_positive("lam", lam)
    max_iter = v.as_int("max_iter", max_iter, minimum=1)
    tol = v.as_positive("tol", tol)
    A = np.column_stack([np.ones(X.shape[0]), X])
    beta = _newton_logistic(A, y, lam, np.zeros(A.shape[1]), max_iter, tol)
    return beta[1:], float(beta[0])


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
    X = v.as_matrix("X", X)
    y = _labels01("y", y, X.shape[0])
    lams = v.as_lambdas("lams", lams)
    if np.any(lams == 0):
        raise ValueError(f"lams: expected every entry > 0, got 0.0 at index {int(np.flatnonzero(lams == 0)[0])}")
    max_iter = v.as_int("max_iter", max_iter, minimum=1)
    tol = v.as_positive("tol", tol)
    A = np.column_stack([np.ones(X.shape[0]), X])
    W, b = np.empty((lams.size, X.shape[1])), np.empty(lams.size)
    beta = np.zeros(A.shape[1])
    for i in np.argsort(-lams):
        beta = _newton_logistic(A, y, float(lams[i]), beta, max_iter, tol)
        W[i], b[i] = beta[1:], beta[0]
    return W, b


def _groups(groups, p):
    groups = np.asarray(groups)
    if groups.ndim != 1 or groups.size != p:
        raise ValueError(f"groups: expected one group label per weight ({p}), got an array of shape {groups.shape}")
    if groups.dtype.kind not in "iu":
        raise TypeError(f"groups: expected integer group labels, got dtype {groups.dtype}")
    labels, index = np.unique(groups, return_inverse=True)
    return labels, index


def group_norms(w, groups):
    """The Euclidean norm of each group of weights.

    Parameters
    ----------
    w : array_like of shape (p,)
        Weights.
    groups : array_like of int, shape (p,)
        ``groups[j]`` is the group of weight ``j``.

    Returns
    -------
    ndarray of shape (G,)
        ``||w_g||`` for each group label, in sorted label order.

    Raises
    ------
    ValueError
        If ``w`` is not finite or ``groups`` does not have one label per weight.
    TypeError
        If ``groups`` does not hold integers.

    Examples
    --------
    >>> from l2reg.practice import group_norms
    >>> group_norms([3.0, 4.0, 1.0], [0, 0, 1]).tolist()
    [5.0, 1.0]
    """
    w = v.as_vector("w", w)
    _, index = _groups(groups, w.size)
    return np.sqrt(np.bincount(index, weights=w * w))


def group_soft_threshold(w, groups, t):
    """Block soft-thresholding: the proximal step of ``t * sum_g ||w_g||``.

    Each group is shrunk towards zero by ``t`` in norm, and set to exactly zero
    when its norm is at most ``t``: ``w_g * max(0, 1 - t / ||w_g||)``.

    Parameters
    ----------
    w : array_like of shape (p,)
        Weights.
    groups : array_like of int, shape (p,)
        ``groups[j]`` is the group of weight ``j``.
    t : float or array_like of shape (G,)
        Threshold >= 0, one for all groups or one per group (sorted label order).

    Returns
    -------
    ndarray of shape (p,)
        A new array.

    Raises
    ------
    ValueError
        If ``w`` is not finite, ``groups`` does not have one label per weight,
        or ``t`` is negative or of the wrong length.
    TypeError
        If an argument is not numeric.

    Examples
    --------
    >>> from l2reg.practice import group_soft_threshold
    >>> group_soft_threshold([3.0, 4.0, 0.3, 0.4], [0, 0, 1, 1], 1.0).round(12).tolist()
    [2.4, 3.2, 0.0, 0.0]
    """
    w = v.as_vector("w", w)
    labels, index = _groups(groups, w.size)
    t = np.atleast_1d(np.asarray(v.as_array("t", t, allow_empty=False), dtype=float))
    if t.size not in (1, labels.size) or t.ndim != 1:
        raise ValueError(f"t: expected one threshold or one per group ({labels.size}), got shape {t.shape}")
    if np.any(t < 0):
        raise ValueError(f"t: expected thresholds >= 0, got {float(t.min())!r}")
    return _block_prox(w, index, labels.size, t)


def _block_prox(w, index, n_groups, t):
    """Block soft-thresholding with validated inputs: ``index`` in 0..n_groups-1, ``t`` >= 0."""
    norms = np.sqrt(np.bincount(index, weights=w * w, minlength=n_groups))
    ratio = np.zeros_like(norms)
    np.divide(np.broadcast_to(t, norms.shape), norms, out=ratio, where=norms > 0)
    keep = np.where(norms > 0, np.maximum(0.0, 1.0 - ratio), 0.0)
    return w * keep[index]


def group_lasso_fit(X, y, groups, lam, *, squared=False, max_iter=20000, tol=1e-10, w0=None):
    """Minimize ``mean((y - X w - b)**2) + lam * sum_g ||w_g||`` by accelerated proximal gradient.

    With ``squared=True`` the penalty is ``lam * sum_g ||w_g||**2``, which is
    ``lam * ||w||**2``: plain ridge, whatever the groups (its proximal step
    ``w / (1 + 2 step lam)`` shrinks every weight alike and zeroes none).
    The intercept is free (the data are centred).

    Parameters
    ----------
    X : array_like of shape (n, p)
        Features.
    y : array_like of shape (n,)
        Targets.
    groups : array_like of int, shape (p,)
        ``groups[j]`` is the group of column ``j``.
    lam : float
        Penalty strength, >= 0.
    squared : bool, default False
        Square the group norms (ridge) instead of the group lasso.
    max_iter : int, default 20000
        Most proximal-gradient steps (FISTA, step ``1 / L``).
    tol : float, default 1e-10
        Stop when a step moves the weights by less than ``tol`` relative to
        their size.
    w0 : array_like of shape (p,), optional
        Starting weights (zero by default), e.g. the solution for a nearby
        ``lam`` when fitting a path.

    Returns
    -------
    w : ndarray of shape (p,)
    b : float

    Raises
    ------
    ValueError
        If an array is not finite, empty or of mismatched size, or ``lam`` < 0.
    TypeError
        If an argument is not numeric, or ``groups`` not integer.

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg import ridge_fit
    >>> from l2reg.practice import group_lasso_fit, group_norms
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((50, 4)); y = X[:, 0] + X[:, 1] + 0.1 * rng.standard_normal(50)
    >>> w, b = group_lasso_fit(X, y, [0, 0, 1, 1], 0.1)
    >>> group_norms(w, [0, 0, 1, 1])[1]                      # the irrelevant group is zero
    np.float64(0.0)
    >>> w2, _ = group_lasso_fit(X, y, [0, 0, 1, 1], 0.1, squared=True)
    >>> bool(np.allclose(w2, ridge_fit(X, y, 0.1)[0], atol=1e-7))   # squared norms: ridge
    True
    """
    X = v.as_matrix("X", X)
    y = v.as_vector("y", y, X.shape[0], other="the rows of X")
    labels, index = _groups(groups, X.shape[1])
    lam = v.as_nonnegative("lam", lam)
    squared = v.as_bool("squared", squared)
    max_iter = v.as_int("max_iter", max_iter, minimum=1)
    tol = v.as_positive("tol", tol)
    n = X.shape[0]
    x_mean, y_mean = X.mean(axis=0), y.mean()
    Xc, yc = X - x_mean, y - y_mean
    L = 2.0 * np.linalg.norm(Xc, 2) ** 2 / n  # Lipschitz constant of the data gradient
    step = 1.0 / L if L > 0 else 1.0
    Xty = Xc.T @ yc * (2.0 / n)
    G = Xc.T @ Xc * (2.0 / n)
    w = np.zeros(X.shape[1]) if w0 is None else v.as_vector("w0", w0, X.shape[1], other="the columns of X")
    z, t_k = w.copy(), 1.0
    for _ in range(max_iter):
        u = z - step * (G @ z - Xty)
        if squared:
            w_new = u / (1.0 + 2.0 * step * lam)
        else:
            w_new = _block_prox(u, index, labels.size, step * lam)
        t_next = (1.0 + np.sqrt(1.0 + 4.0 * t_k * t_k)) / 2.0
        z = w_new + (t_k - 1.0) / t_next * (w_new - w)
        moved = np.linalg.norm(w_new - w)
        w, t_k = w_new, t_next
        if moved <= tol * (1.0 + np.linalg.norm(w)):
            break
    return w, float(y_mean - x_mean @ w)


def _curvature(G):
    """The largest eigenvalue ``L`` of the mean squared error's Hessian ``G``."""
    return float(np.linalg.eigvalsh(G)[-1]) if G.size else 0.0


def _check_stable_step(lr, L, lam, *, name="lr"):
    """Refuse a step that makes gradient descent diverge.

    The step multiplies the error in a direction of curvature ``mu`` by
    ``1 - lr (mu + 2 lam)``; it shrinks in every direction only when
    ``lr (L + 2 lam) < 2``. ``name`` is the parameter blamed: ``"lr"`` or the
    penalty's own name (``"lam"``, ``"decay"``).

    Examples
    --------
    >>> _check_stable_step(0.5, 2.0, 0.0)
    >>> _check_stable_step(1.0, 2.0, 0.0)
    Traceback (most recent call last):
    ...
    ValueError: lr: expected lr < 2 / (L + 2 lam) = 1 (L = 2, the largest curvature; lam = 0), got 1.0
    >>> _check_stable_step(0.25, 2.0, 4.0, name="decay")
    Traceback (most recent call last):
    ...
    ValueError: decay: expected decay < (2 / lr - L) / 2 = 3 (lr = 0.25, L = 2, the largest curvature), got 4.0
    """
    if lr * (L + 2.0 * lam) < 2.0:
        return
    if name == "lr":
        raise ValueError(f"lr: expected lr < 2 / (L + 2 lam) = {2.0 / (L + 2.0 * lam):.4g} "
                         f"(L = {L:.4g}, the largest curvature; lam = {lam:.4g}), got {lr!r}")
    raise ValueError(f"{name}: expected {name} < (2 / lr - L) / 2 = {max(0.0, (2.0 / lr - L) / 2.0):.4g} "
                     f"(lr = {lr:.4g}, L = {L:.4g}, the largest curvature), got {lam!r}")


def gd_path(X, y, lr, steps, *, lam=0.0):
    """Full-batch gradient descent from zero on ``mean((y - X w - b)**2) + lam ||w||^2``.

    Each step is ``w <- w (1 - 2 lr lam) - lr * grad of the mean squared error``.
    The data are centred, so the intercept is ``mean(y) - mean(X) @ w`` at every
    step and only ``w`` is descended on.

    Parameters
    ----------
    X : array_like of shape (n, p)
        Features.
    y : array_like of shape (n,)
        Targets.
    lr : float
        Learning rate, > 0.
    steps : int
        Number of steps, >= 1.
    lam : float, default 0.0
        Weight decay as an L2 penalty strength, >= 0.

    Returns
    -------
    W : ndarray of shape (steps + 1, p)
        ``W[t]`` are the weights after ``t`` steps (``W[0]`` is zero).
    b : ndarray of shape (steps + 1,)
        The intercepts.

    Raises
    ------
    ValueError
        If an array is not finite, empty or of mismatched size, ``lr`` is not
        > 0, ``steps`` < 1 or ``lam`` < 0, or if the steps would diverge:
        ``lr * (L + 2 lam) >= 2`` with ``L`` the largest curvature of the mean
        squared error (the message names ``lr`` and its bound).
    TypeError
        If an argument is not numeric.

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg import ridge_fit
    >>> from l2reg.practice import gd_path
    >>> X = np.array([[0.0], [1.0], [2.0]]); y = np.array([1.0, 2.0, 4.0])
    >>> W, b = gd_path(X, y, 0.2, 200, lam=0.1)
    >>> bool(np.allclose(W[-1], ridge_fit(X, y, 0.1)[0]))      # it converges to ridge
    True
    """
    X = v.as_matrix("X", X)
    y = v.as_vector("y", y, X.shape[0], other="the rows of X")
    lr = v.as_positive("lr", lr)
    steps = v.as_int("steps", steps, minimum=1)
    lam = v.as_nonnegative("lam", lam)
    n = X.shape[0]
    x_mean, y_mean = X.mean(axis=0), y.mean()
    Xc, yc = X - x_mean, y - y_mean
    G, Xty = Xc.T @ Xc * (2.0 / n), Xc.T @ yc * (2.0 / n)
    _check_stable_step(lr, _curvature(G), lam)
    decay = 1.0 - 2.0 * lr * lam
    W = np.zeros((steps + 1, X.shape[1]))
    w = W[0].copy()
    for t in range(1, steps + 1):
        w = w * decay - lr * (G @ w - Xty)
        W[t] = w
    return W, y_mean - W @ x_mean


def matching_lambda(X, y, w, lams):
    """The ridge penalty on a grid whose solution lies nearest to the weights ``w`` (one SVD).

    Parameters
    ----------
    X : array_like of shape (n, p)
        Features.
    y : array_like of shape (n,)
        Targets.
    w : array_like of shape (p,) or (m, p)
        Weights to match, e.g. gradient descent's after some steps; one
        vector or one per row.
    lams : array_like of shape (k,)
        The grid, each >= 0.

    Returns
    -------
    lam : float, or ndarray of shape (m,) for 2-D ``w``
        The grid point minimizing ``||ridge_fit(X, y, lam)[0] - w||``.
    gap : float, or ndarray of shape (m,)
        That distance relative to ``||w||`` (``inf`` if ``w`` is zero).

    Raises
    ------
    ValueError
        If an array is not finite, empty or of mismatched size, or a lambda < 0.
    TypeError
        If an argument is not numeric.

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg import ridge_fit
    >>> from l2reg.practice import matching_lambda
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]]); y = np.array([1.0, 2.0, 4.0])
    >>> lam, gap = matching_lambda(X, y, ridge_fit(X, y, 0.1)[0], [0.01, 0.1, 1.0])
    >>> float(lam), bool(gap < 1e-12)
    (0.1, True)
    >>> lams, gaps = matching_lambda(X, y, [ridge_fit(X, y, 1.0)[0], ridge_fit(X, y, 0.01)[0]], [0.01, 0.1, 1.0])
    >>> lams.tolist()
    [1.0, 0.01]
    """
    X = v.as_matrix("X", X)
    y = v.as_vector("y", y, X.shape[0], other="the rows of X")
    one = np.ndim(w) == 1
    w = v.as_array("w", w, ndim=1 if one else 2)
    if w.shape[-1] != X.shape[1]:
        raise ValueError(f"w: expected {X.shape[1]} weights per vector to match the columns of X, got {w.shape[-1]}")
    lams = v.as_lambdas("lams", lams)
    W, _ = ridge_path(X, y, lams)
    ws = np.atleast_2d(w)
    dist = np.linalg.norm(ws[:, None, :] - W[None, :, :], axis=2)      # (m, k)
    k = np.argmin(dist, axis=1)
    size = np.linalg.norm(ws, axis=1)
    gap = np.where(size > 0, dist[np.arange(len(ws)), k] / np.where(size > 0, size, 1.0), np.inf)
    if one:
        return float(lams[k[0]]), float(gap[0])
    return lams[k], gap


@dataclass(frozen=True)
class EarlyStopping:
    """Gradient descent from zero with and without weight decay, and the ridge fit it tracks.

    After ``t`` steps of learning rate ``lr`` from zero, gradient descent on the
    mean squared error is close to the ridge solution at ``lam = 1 / (2 lr t)``:
    in every direction of the data the first ``t`` steps shrink it about as much
    as that penalty does. :meth:`state` gives the numbers at any step for the
    early-stopping widget. Build one with :meth:`make`.

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg.practice import EarlyStopping
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((20, 40)); y = X[:, 0] + rng.standard_normal(20)
    >>> Xv = rng.standard_normal((50, 40)); yv = Xv[:, 0] + rng.standard_normal(50)
    >>> es = EarlyStopping.make(X, y, Xv, yv, steps=300, decay=0.05)
    >>> s = es.state(100)
    >>> sorted(s)
    ['gap', 'lam', 'step', 'train_decay', 'train_gd', 'train_ridge', 'val_decay', 'val_gd', 'val_ridge', 'w_gd', 'w_ridge']
    >>> bool(np.isclose(s["lam"], 1 / (2 * es.lr * 100)))
    True
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    lr: float
    decay: float
    W_gd: np.ndarray
    b_gd: np.ndarray
    train_gd: np.ndarray
    val_gd: np.ndarray
    train_decay: np.ndarray
    val_decay: np.ndarray

    @classmethod
    def make(cls, X_train, y_train, X_val, y_val, *, steps, decay, lr=None):
        """Run both descents and record their errors at every step.

        Parameters
        ----------
        X_train, y_train : array_like of shape (n, p) and (n,)
            The data descended on.
        X_val, y_val : array_like of shape (m, p) and (m,)
            Held-out data, only measured.
        steps : int
            Number of steps, >= 1.
        decay : float
            The weight decay of the second run, as a penalty strength lambda >= 0.
        lr : float, optional
            Learning rate; by default ``1 / L`` with ``L`` the largest curvature of
            the mean squared error (``2 s_max**2 / n``), the largest safe constant step.

        Raises
        ------
        ValueError
            If a step would diverge: ``lr >= 2 / L`` (names ``lr``) or
            ``lr * (L + 2 decay) >= 2`` (names ``decay`` and its bound).
        """
        X_train = v.as_matrix("X_train", X_train)
        y_train = v.as_vector("y_train", y_train, X_train.shape[0], other="the rows of X_train")
        X_val = v.as_matrix("X_val", X_val)
        if X_val.shape[1] != X_train.shape[1]:
            v.check_length("the columns of X_val", X_val[0], X_train.shape[1], "the columns of X_train")
        y_val = v.as_vector("y_val", y_val, X_val.shape[0], other="the rows of X_val")
        decay = v.as_nonnegative("decay", decay)
        if lr is None:
            Xc = X_train - X_train.mean(axis=0)
            lr = X_train.shape[0] / (2.0 * np.linalg.norm(Xc, 2) ** 2)
        lr = v.as_positive("lr", lr)
        Xc = X_train - X_train.mean(axis=0)
        L = _curvature(Xc.T @ Xc * (2.0 / X_train.shape[0]))
        _check_stable_step(lr, L, 0.0)                  # the run without decay
        _check_stable_step(lr, L, decay, name="decay")  # the decayed run

        def mse(W, b, X, y):
            return np.mean((y[None, :] - W @ X.T - b[:, None]) ** 2, axis=1)

        W, b = gd_path(X_train, y_train, lr, steps)
        Wd, bd = gd_path(X_train, y_train, lr, steps, lam=decay)
        return cls(X_train, y_train, X_val, y_val, lr, decay, W, b,
                   mse(W, b, X_train, y_train), mse(W, b, X_val, y_val),
                   mse(Wd, bd, X_train, y_train), mse(Wd, bd, X_val, y_val))

    @property
    def steps(self) -> int:
        """The number of steps run."""
        return self.W_gd.shape[0] - 1

    def state(self, step):
        """Everything the widget shows after ``step`` steps (1 <= step <= :attr:`steps`).

        Returns a dict: ``step``; ``lam`` = ``1 / (2 lr step)``; ``w_gd`` and
        ``w_ridge`` (gradient descent's weights and ridge's at ``lam``); ``gap``,
        their distance relative to ``||w_ridge||``; training and validation MSE
        of gradient descent (``*_gd``), of the decayed run (``*_decay``) and of
        the ridge fit (``*_ridge``).
        """
        step = v.as_int("step", step, minimum=1, maximum=self.steps)
        lam = 1.0 / (2.0 * self.lr * step)
        w, b = ridge_fit(self.X_train, self.y_train, lam)
        w_gd = self.W_gd[step]
        return {
            "step": step, "lam": lam, "w_gd": w_gd.copy(), "w_ridge": w,
            "gap": float(np.linalg.norm(w_gd - w) / max(np.linalg.norm(w), np.finfo(float).tiny)),
            "train_gd": float(self.train_gd[step]), "val_gd": float(self.val_gd[step]),
            "train_decay": float(self.train_decay[step]), "val_decay": float(self.val_decay[step]),
            "train_ridge": float(np.mean((self.y_train - self.X_train @ w - b) ** 2)),
            "val_ridge": float(np.mean((self.y_val - self.X_val @ w - b) ** 2)),
        }


def best_time(f, *, repeats=5, min_seconds=0.02):
    """Seconds one call of ``f()`` takes: the fastest of ``repeats`` timed batches.

    Like :mod:`timeit`: each batch calls ``f`` often enough to last at least
    ``min_seconds``, and the minimum over batches is the least disturbed by
    other work on the machine. Compare such times as ratios measured in one run.

    Parameters
    ----------
    f : callable
        Called with no arguments.
    repeats : int, default 5
        Number of batches, >= 1.
    min_seconds : float, default 0.02
        Least duration of one batch, > 0.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If ``f`` is not callable.
    ValueError
        If ``repeats`` < 1 or ``min_seconds`` <= 0.

    Examples
    --------
    >>> from l2reg.practice import best_time
    >>> t = best_time(lambda: sum(range(100)), repeats=2, min_seconds=0.001)
    >>> bool(0 < t < 0.01)
    True
    """
    v.as_callable("f", f)
    repeats = v.as_int("repeats", repeats, minimum=1)
    min_seconds = v.as_positive("min_seconds", min_seconds)
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            f()
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            break
        number = max(number * 2, int(number * 1.2 * min_seconds / max(elapsed, 1e-9)))
    best = elapsed / number
    for _ in range(repeats - 1):
        start = time.perf_counter()
        for _ in range(number):
            f()
        best = min(best, (time.perf_counter() - start) / number)
    return best
