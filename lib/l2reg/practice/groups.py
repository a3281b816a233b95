"""Group penalties: group norms, block soft-thresholding and the group lasso by accelerated proximal gradient.

The group lasso ``lam * sum_g ||w_g||`` zeroes whole groups of weights; squaring the group
norms gives ``lam * ||w||^2``, plain ridge, which zeroes none (:func:`group_lasso_fit` with
``squared=True``).
"""

from __future__ import annotations

import numpy as np

from .._linalg import centre
from .._params import (
    Bool,
    GroupLabels,
    Int,
    Matrix,
    Nonnegative,
    Optional,
    Positive,
    Thresholds,
    Vector,
    validate_params,
)

__all__ = ["group_norms", "group_soft_threshold", "group_lasso_fit"]


@validate_params({"w": Vector(), "groups": GroupLabels(length_of=("w", 0))})
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
    labels, index = groups
    return np.sqrt(np.bincount(index, weights=w * w, minlength=labels.size))


@validate_params({"w": Vector(), "groups": GroupLabels(length_of=("w", 0)), "t": Thresholds(groups="groups")})
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
    labels, index = groups
    return _block_prox(w, index, labels.size, t)


def _block_prox(w, index, n_groups, t):
    """Block soft-thresholding with validated inputs: ``index`` in 0..n_groups-1, ``t`` >= 0."""
    norms = np.sqrt(np.bincount(index, weights=w * w, minlength=n_groups))
    ratio = np.zeros_like(norms)
    np.divide(np.broadcast_to(t, norms.shape), norms, out=ratio, where=norms > 0)
    keep = np.where(norms > 0, np.maximum(0.0, 1.0 - ratio), 0.0)
    return w * keep[index]


@validate_params({
    "X": Matrix(), "y": Vector(length_of=("X", 0)), "groups": GroupLabels(length_of=("X", 1)), "lam": Nonnegative(),
    "squared": Bool(), "max_iter": Int(minimum=1), "tol": Positive(), "w0": Optional(Vector(length_of=("X", 1))),
})
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
    labels, index = groups
    n = X.shape[0]
    Xc, yc, x_mean, y_mean = centre(X, y, True)
    L = 2.0 * np.linalg.norm(Xc, 2) ** 2 / n  # Lipschitz constant of the data gradient
    step = 1.0 / L if L > 0 else 1.0
    Xty = Xc.T @ yc * (2.0 / n)
    G = Xc.T @ Xc * (2.0 / n)
    w = np.zeros(X.shape[1]) if w0 is None else w0
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
