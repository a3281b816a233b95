"""Lesson 04: the loss surface of two weights, its exact contours, and the L2, L1 and elastic-net solutions and balls."""

from __future__ import annotations

import numpy as np

from .._params import (
    Choice,
    Int,
    Lambdas,
    Matrix,
    Nonnegative,
    Positive,
    Real,
    Vector,
    validate_params,
)
from ..ridge import ridge_fit

#: The penalties of lesson 04, each at strength ``lam``:
#: ``lam * ||w||**2``, ``lam * ||w||_1``, and ``lam * (||w||_1 + ||w||**2) / 2``.
PENALTIES = ("l2", "l1", "elastic net")
# the data of a two-weight picture: X of shape (n, 2) and y of length n
_TWO = {"X": Matrix(columns=2), "y": Vector(length_of=("X", 0))}
_DATA = {"X": Matrix(), "y": Vector(length_of=("X", 0))}

__all__ = ["loss_surface", "loss_ellipses", "loss_contour", "elastic_net_fit", "elastic_net_path", "constrained_minimizer", "PENALTIES", "penalty_value", "penalized_solution", "penalty_boundary"]


@validate_params({**_TWO, "lam": Nonnegative(), "w1": Vector(), "w2": Vector()})
def loss_surface(X, y, lam, w1, w2):
    """The ridge loss (no intercept) of a two-feature problem on a grid of weights.

    Parameters
    ----------
    X : array_like of shape (n, 2)
    y : array_like of shape (n,)
    lam : float
        Penalty strength, >= 0.
    w1, w2 : array_like of shape (k,) and (m,)
        Grid coordinates.

    Returns
    -------
    ndarray of shape (m, k)
        ``mean((y - X @ w)**2) + lam * ||w||**2`` at ``w = (w1[j], w2[i])``, laid out
        as matplotlib's ``contour`` expects.

    Raises
    ------
    TypeError, ValueError
        If an argument is not as described (the message names it).

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg import ridge_loss
    >>> from l2reg.demos import loss_surface
    >>> X = np.array([[1.0, 2.0], [3.0, 1.0]]); y = np.array([1.0, 0.0])
    >>> Z = loss_surface(X, y, 0.1, [0.0, 1.0], [2.0])
    >>> bool(np.isclose(Z[0, 1], ridge_loss([1.0, 2.0], X, y, 0.1)))
    True
    """
    n = X.shape[0]
    A = X.T @ X / n + lam * np.eye(2)
    c = X.T @ y / n
    W1, W2 = np.meshgrid(w1, w2)
    quad = A[0, 0] * W1**2 + 2 * A[0, 1] * W1 * W2 + A[1, 1] * W2**2
    return quad - 2 * (c[0] * W1 + c[1] * W2) + float(np.mean(y**2))


@validate_params({**_DATA, "l1": Nonnegative(), "l2": Nonnegative(), "tol": Nonnegative(),
                  "max_sweeps": Int(minimum=1)})
def elastic_net_fit(X, y, l1, l2=0.0, *, tol=1e-13, max_sweeps=100_000):
    """Minimize ``mean((y - X w)**2) + l1 * ||w||_1 + l2 * ||w||**2`` (no intercept).

    Coordinate descent: each coordinate in turn jumps to its exact minimizer,
    a soft-thresholded least-squares step, ``S(z_j, l1 / 2) / (x_j.x_j / n + l2)``
    with ``z_j = x_j . r_j / n`` and ``S(z, t) = sign(z) max(|z| - t, 0)``. The
    soft threshold is what sets weights to *exactly* zero. ``l1 = 0`` is ridge.

    In scikit-learn's terms (which halve the squared error), this is
    ``Lasso(alpha=l1 / 2)`` when ``l2 = 0``, and in general
    ``ElasticNet(alpha=l1 / 2 + l2, l1_ratio=(l1 / 2) / (l1 / 2 + l2))``.

    Parameters
    ----------
    X : array_like of shape (n, p)
        Centred features.
    y : array_like of shape (n,)
        Centred target.
    l1, l2 : float
        Penalty strengths, >= 0.
    tol : float, default 1e-13
        Stop when no coordinate moves by more than ``tol`` in a sweep, >= 0.
    max_sweeps : int, default 100000
        Upper bound on sweeps over the coordinates, >= 1.

    Returns
    -------
    ndarray of shape (p,)

    Raises
    ------
    TypeError, ValueError
        If an argument is not as described (the message names it).

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg import ridge_fit
    >>> from l2reg.demos import elastic_net_fit
    >>> X = np.array([[1.0, 0.5], [-1.0, 0.2], [0.0, -0.7]]); y = np.array([2.0, -1.0, -1.0])
    >>> bool(np.allclose(elastic_net_fit(X, y, 0.0, 0.3), ridge_fit(X, y, 0.3, fit_intercept=False)[0]))
    True
    >>> elastic_net_fit(X, y, 10.0).tolist()  # a large L1 penalty zeroes everything
    [0.0, 0.0]
    """
    n, p = X.shape
    norms = np.einsum("ij,ij->j", X, X) / n + l2
    w = np.zeros(p)
    r = y.copy()
    for _ in range(max_sweeps):
        biggest = 0.0
        for j in range(p):
            if norms[j] == 0.0:
                continue
            old = w[j]
            z = X[:, j] @ r / n + (norms[j] - l2) * old
            new = np.sign(z) * max(abs(z) - l1 / 2.0, 0.0) / norms[j]
            if new != old:
                r -= X[:, j] * (new - old)
                w[j] = new
                biggest = max(biggest, abs(new - old))
        if biggest <= tol:
            break
    return w


@validate_params({**_DATA, "l1s": Lambdas(), "l2_ratio": Real(minimum=0.0, maximum=1.0)})
def elastic_net_path(X, y, l1s, l2_ratio=0.0):
    """Elastic-net weights for each strength in ``l1s``, one :func:`elastic_net_fit` each.

    With ``l2_ratio = 0`` this is the lasso path; the penalty at strength ``s``
    is ``s * ((1 - l2_ratio) * ||w||_1 + l2_ratio * ||w||**2)``.

    Parameters
    ----------
    X : array_like of shape (n, p)
        Centred features.
    y : array_like of shape (n,)
        Centred target.
    l1s : array_like of shape (k,)
        Strengths ``s``, each >= 0.
    l2_ratio : float, default 0.0
        The share of the squared norm in the penalty, in [0, 1].

    Returns
    -------
    ndarray of shape (len(l1s), p)

    Raises
    ------
    TypeError, ValueError
        If an argument is not as described (the message names it).

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg.demos import elastic_net_path
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]]); y = np.array([2.0, 1.0, -2.0, -1.0])
    >>> elastic_net_path(X, y, [0.0, 0.6, 10.0]).round(12).tolist()
    [[2.0, 1.0], [1.4, 0.4], [0.0, 0.0]]
    """
    ratio = l2_ratio
    return np.array([elastic_net_fit(X, y, s * (1 - ratio), s * ratio) for s in l1s])


@validate_params({**_TWO, "radius": Positive(), "norm": Choice("l2", "l1")})
def constrained_minimizer(X, y, radius, norm="l2"):
    """Minimize the data loss ``mean((y - X w)**2)`` over a ball, by direct search.

    The ball is ``||w||_2 <= radius`` (``norm="l2"``) or ``|w1| + |w2| <= radius``
    (``norm="l1"``), for two weights. If the least-squares weights lie inside,
    they are the answer; otherwise the minimizer is on the boundary, which is
    searched on a fine grid that is refined around the best point. It does
    not use any penalty, so it is an independent check of the duality between
    a penalty and a constraint.

    Parameters
    ----------
    X : array_like of shape (n, 2)
    y : array_like of shape (n,)
    radius : float
        Size of the ball, > 0.
    norm : {"l2", "l1"}

    Returns
    -------
    ndarray of shape (2,)

    Raises
    ------
    TypeError, ValueError
        If an argument is not as described (the message names it).

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg.demos import constrained_minimizer
    >>> X = np.eye(2) * np.sqrt(2); y = np.array([3.0, 4.0]) * np.sqrt(2)  # least squares at (3, 4)
    >>> constrained_minimizer(X, y, 1.0).round(9).tolist()
    [0.6, 0.8]
    >>> constrained_minimizer(X, y, 1.0, norm="l1").round(9).tolist()
    [0.0, 1.0]
    """
    n = X.shape[0]
    A, c = X.T @ X / n, X.T @ y / n
    w_ls = np.linalg.lstsq(X, y, rcond=None)[0]
    size = np.linalg.norm(w_ls) if norm == "l2" else np.abs(w_ls).sum()
    if size <= radius:
        return w_ls

    def boundary(s):
        if norm == "l2":
            return radius * np.stack([np.cos(s), np.sin(s)], axis=-1)
        # the diamond, walked counter-clockwise from (radius, 0); s in [0, 4), corners at integers
        k = np.floor(s) % 4
        f = s - np.floor(s)
        corners = radius * np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0], [1.0, 0.0]])
        k = k.astype(int)
        return corners[k] * (1 - f)[:, None] + corners[k + 1] * f[:, None]

    def loss(W):
        return np.einsum("ij,jk,ik->i", W, A, W) - 2 * W @ c

    def slope(x):
        """Derivative of the loss along the boundary at parameter x (one-sided at corners: from the right)."""
        w = boundary(np.array([x % period]))[0]
        if norm == "l2":
            tangent = radius * np.array([-np.sin(x), np.cos(x)])
        else:
            k = int(np.floor(x % period)) % 4
            corners = radius * np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0], [1.0, 0.0]])
            tangent = corners[k + 1] - corners[k]
        return 2 * (A @ w - c) @ tangent

    period = 2 * np.pi if norm == "l2" else 4.0
    grid = np.linspace(0.0, period, 40_001)
    best = grid[np.argmin(loss(boundary(grid % period)))]
    step = period / 40_000
    lo, hi = best - step, best + step
    if norm == "l1":
        corner = float(np.round(best))
        if lo <= corner <= hi and slope(corner - 1e-9) <= 0 <= slope(corner):
            return boundary(np.array([corner % period]))[0]  # the minimizer sits on a corner
    # The boundary loss is smooth here: bisect on its derivative, which is exact to round-off
    # (comparing loss values cannot resolve the minimizer better than sqrt(machine epsilon)).
    if slope(lo) < 0 < slope(hi):
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            if mid in (lo, hi):
                break
            lo, hi = (mid, hi) if slope(mid) < 0 else (lo, mid)
        best = 0.5 * (lo + hi)
    return boundary(np.array([best % period]))[0]



@validate_params({"w": Vector(), "kind": Choice(*PENALTIES)})
def penalty_value(w, kind):
    """The penalty's shape function at ``w`` (strength 1): ``||w||**2``, ``||w||_1``
    or ``(||w||_1 + ||w||**2) / 2``.

    Parameters
    ----------
    w : array_like of shape (p,)
        Weights.
    kind : {"l2", "l1", "elastic net"}
        One of :data:`PENALTIES`.

    Returns
    -------
    float

    Raises
    ------
    TypeError, ValueError
        If an argument is not as described (the message names it).

    Examples
    --------
    >>> from l2reg.demos import penalty_value
    >>> [penalty_value([3.0, -4.0], k) for k in ("l2", "l1", "elastic net")]
    [25.0, 7.0, 16.0]
    """
    l1, l2 = float(np.abs(w).sum()), float(w @ w)
    return {"l2": l2, "l1": l1, "elastic net": 0.5 * (l1 + l2)}[kind]


@validate_params({**_DATA, "lam": Nonnegative(), "kind": Choice(*PENALTIES)})
def penalized_solution(X, y, lam, kind):
    """Minimize ``mean((y - X w)**2) + lam * penalty_value(w, kind)`` (no intercept).

    Parameters
    ----------
    X : array_like of shape (n, p)
        Centred features.
    y : array_like of shape (n,)
        Centred target.
    lam : float
        Penalty strength, >= 0.
    kind : {"l2", "l1", "elastic net"}
        One of :data:`PENALTIES`.

    Returns
    -------
    ndarray of shape (p,)
        The weights: :func:`l2reg.ridge_fit`'s for L2, :func:`elastic_net_fit`'s otherwise.

    Raises
    ------
    TypeError, ValueError
        If an argument is not as described (the message names it).

    Examples
    --------
    >>> from l2reg.data import geometry_data
    >>> from l2reg.demos import penalized_solution
    >>> X, y = geometry_data()
    >>> float(penalized_solution(X, y, 3.0, "l1")[1])  # the lasso puts w2 exactly on the axis
    0.0
    """
    if kind == "l2":
        return ridge_fit(X, y, lam, fit_intercept=False)[0]
    if kind == "l1":
        return elastic_net_fit(X, y, lam, 0.0)
    return elastic_net_fit(X, y, lam / 2, lam / 2)


@validate_params({"w": Vector(), "kind": Choice(*PENALTIES), "points": Int(minimum=3)})
def penalty_boundary(w, kind, points=721):
    """The boundary of the penalty ball through ``w``: ``{u : penalty_value(u) = penalty_value(w)}``.

    Returned as ``points`` points around the origin, each at angle ``theta``
    and radius ``rho(theta)``: a circle for L2, a diamond for L1, and a
    rounded diamond for the elastic net.

    Parameters
    ----------
    w : array_like of shape (p,)
        A point on the boundary (its penalty sets the ball's size).
    kind : {"l2", "l1", "elastic net"}
        One of :data:`PENALTIES`.
    points : int, default 721
        Points on the boundary, >= 3 (the first and the last coincide).

    Returns
    -------
    ndarray of shape (points, 2)

    Raises
    ------
    TypeError, ValueError
        If an argument is not as described (the message names it).

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg.demos import penalty_boundary, penalty_value
    >>> B = penalty_boundary([3.0, 1.0], "elastic net", points=9)
    >>> bool(np.allclose([penalty_value(b, "elastic net") for b in B], penalty_value([3.0, 1.0], "elastic net")))
    True
    """
    level = penalty_value(w, kind)
    theta = np.linspace(0.0, 2 * np.pi, points)
    a = np.abs(np.cos(theta)) + np.abs(np.sin(theta))
    if kind == "l2":
        rho = np.full_like(theta, np.sqrt(level))
    elif kind == "l1":
        rho = level / a
    else:  # (rho * a + rho**2) / 2 = level
        rho = (-a + np.sqrt(a**2 + 8 * level)) / 2
    return rho[:, None] * np.stack([np.cos(theta), np.sin(theta)], axis=1)


@validate_params({**_TWO, "lam": Nonnegative(), "levels": Vector(), "points": Int(minimum=3)})
def loss_ellipses(X, y, lam, levels, points=361):
    """Contours of the ridge loss ``mean((y - X w)**2) + lam ||w||^2`` (no intercept), exactly.

    The loss is ``(w - w_lam)^T A (w - w_lam)`` plus its minimum ``L_min``, with
    ``A = X^T X / n + lam I`` and ``w_lam`` the ridge solution, so its contour at
    ``level`` is the ellipse ``w_lam + r A^(-1/2) (cos t, sin t)`` with
    ``r^2 = level - L_min``: exact, and far cheaper than contouring a grid.

    Parameters
    ----------
    X : array_like of shape (n, 2)
        Features; with ``lam = 0`` their columns must be linearly independent.
    y : array_like of shape (n,)
    lam : float
        Penalty strength, >= 0.
    levels : array_like of shape (k,)
        Loss values. A level below the minimum has no contour: its rows are NaN.
    points : int, default 361
        Points per ellipse (the first and the last coincide).

    Returns
    -------
    ndarray of shape (k, points, 2)

    Raises
    ------
    TypeError, ValueError
        If an argument is not as described (the message names it), or if ``lam = 0``
        and the columns of ``X`` are linearly dependent (no ellipse).

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg import ridge_loss
    >>> from l2reg.data import geometry_data
    >>> from l2reg.demos import loss_ellipses
    >>> X, y = geometry_data()
    >>> level = ridge_loss([0.0, 0.0], X, y, 0.5)      # the contour through the origin
    >>> E = loss_ellipses(X, y, 0.5, [level, 0.0], points=5)
    >>> bool(np.allclose([ridge_loss(w, X, y, 0.5) for w in E[0]], level))
    True
    >>> bool(np.isnan(E[1]).all())                      # below the minimum: no contour
    True
    """
    n = X.shape[0]
    A = X.T @ X / n + lam * np.eye(2)
    g, Q = np.linalg.eigh(A)
    if g[0] <= 1e-12 * g[1]:
        raise ValueError("X: expected linearly independent columns (or lam > 0), got X^T X / n + lam I "
                         f"with eigenvalues {g[0]:.3g} and {g[1]:.3g}")
    c = X.T @ y / n
    w_lam = np.linalg.solve(A, c)
    minimum = float(np.mean(y**2) - c @ w_lam)
    r = np.sqrt(np.where(levels >= minimum, levels - minimum, np.nan))
    t = np.linspace(0.0, 2 * np.pi, points)
    unit = (np.stack([np.cos(t), np.sin(t)], axis=1) / np.sqrt(g)) @ Q.T
    return w_lam + r[:, None, None] * unit


@validate_params({**_TWO, "w": Vector(length=2), "points": Int(minimum=3)})
def loss_contour(X, y, w, points=361):
    """The contour of the data loss ``mean((y - X v)**2)`` (no intercept) through ``w``.

    The ellipse of :func:`loss_ellipses` with ``lam = 0`` at the loss of ``w``.

    Parameters
    ----------
    X : array_like of shape (n, 2)
        Features with linearly independent columns.
    y : array_like of shape (n,)
    w : array_like of shape (2,)
        A point on the contour.
    points : int, default 361
        Points on the ellipse (the first and the last coincide).

    Returns
    -------
    ndarray of shape (points, 2)

    Raises
    ------
    TypeError, ValueError
        If an argument is not as described (the message names it), or the columns
        of ``X`` are linearly dependent.

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg import ridge_loss
    >>> from l2reg.data import geometry_data
    >>> from l2reg.demos import loss_contour
    >>> X, y = geometry_data()
    >>> C = loss_contour(X, y, [1.0, 0.5], points=7)
    >>> bool(np.allclose([ridge_loss(c, X, y, 0.0) for c in C], ridge_loss([1.0, 0.5], X, y, 0.0)))
    True
    """
    return loss_ellipses(X, y, 0.0, [float(np.mean((y - X @ w) ** 2))], points)[0]
