"""The computations behind the lessons' interactive demos, as pure NumPy.

A widget in :mod:`l2reg.widgets` only moves artists to the numbers these
functions return, so every demo's logic is tested without a browser.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import _validation as v
from .data import noisy_curve, polynomial_features, standardize_columns, true_curve
from .ridge import ridge_fit, ridge_path

__all__ = [
    "PolynomialRidge",
    "gradient_descent_path",
    "hessian_eigenvalues",
    "condition_number",
    "loss_surface",
    "decay_trajectory",
    "decay_regime",
    "format_factor",
    "elastic_net_fit",
    "elastic_net_path",
    "constrained_minimizer",
    "PENALTIES",
    "penalty_value",
    "penalized_solution",
    "penalty_boundary",
    "loss_ellipses",
    "loss_contour",
    "one_weight_densities",
]


@dataclass(frozen=True)
class PolynomialRidge:
    """Ridge regression on standardized polynomial features of one input.

    The training and test sets are noisy samples of ``sin(pi x)`` on
    ``[-1, 1]`` (:func:`l2reg.data.noisy_curve`), drawn with different seeds.
    The features ``x, ..., x**degree`` are standardized with the *training*
    statistics, and the intercept is fitted without penalty.

    Build one with :meth:`make`.

    Examples
    --------
    >>> from l2reg.demos import PolynomialRidge
    >>> problem = PolynomialRidge.make(n_train=12, degree=9, seed=0)
    >>> s = problem.state(1e-3)
    >>> sorted(s)
    ['b', 'lam', 'norm', 'test_mse', 'train_mse', 'w', 'y_grid']
    >>> bool(problem.state(1.0)["norm"] < s["norm"])
    True
    """

    degree: int
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    x_grid: np.ndarray
    mean: np.ndarray = field(repr=False)
    std: np.ndarray = field(repr=False)

    @classmethod
    def make(cls, n_train=12, *, degree=9, n_test=400, seed=0, noise=0.25, grid_points=300):
        """Draw the data and fix the feature scaling.

        Parameters
        ----------
        n_train : int, default 12
            Training points.
        degree : int, default 9
            Highest power of ``x`` used as a feature.
        n_test : int, default 400
            Test points, drawn with ``seed + 1``.
        seed : int, default 0
            Seed of the training draw.
        noise : float, default 0.25
            Noise standard deviation.
        grid_points : int, default 300
            Points of the grid on which curves are drawn.
        """
        n_train = v.as_int("n_train", n_train, minimum=2)
        degree = v.as_int("degree", degree, minimum=1)
        n_test = v.as_int("n_test", n_test, minimum=1)
        seed = v.as_int("seed", seed, minimum=0)
        grid_points = v.as_int("grid_points", grid_points, minimum=2)
        x_train, y_train = noisy_curve(n_train, seed=seed, noise=noise)
        x_test, y_test = noisy_curve(n_test, seed=seed + 1, noise=noise)
        _, mean, std = standardize_columns(polynomial_features(x_train, degree))
        return cls(
            degree=degree,
            x_train=x_train,
            y_train=y_train,
            x_test=x_test,
            y_test=y_test,
            x_grid=np.linspace(-1.0, 1.0, grid_points),
            mean=mean,
            std=std,
        )

    @property
    def truth(self) -> np.ndarray:
        """The true curve on :attr:`x_grid`."""
        return true_curve(self.x_grid)

    def features(self, x) -> np.ndarray:
        """Standardized polynomial features of ``x`` (training statistics)."""
        return standardize_columns(polynomial_features(x, self.degree), self.mean, self.std)[0]

    def fit(self, lam):
        """Ridge coefficients ``(w, b)`` at penalty ``lam``."""
        return ridge_fit(self.features(self.x_train), self.y_train, lam)

    def state(self, lam) -> dict:
        """Everything a demo shows at penalty ``lam``.

        Returns
        -------
        dict
            ``lam``; ``w`` and ``b``; ``y_grid``, the fitted curve on
            :attr:`x_grid`; ``train_mse`` and ``test_mse``; ``norm``, ``||w||``.
        """
        w, b = self.fit(lam)
        mse = lambda x, y: float(np.mean((y - self.features(x) @ w - b) ** 2))  # noqa: E731
        return {
            "lam": float(lam),
            "w": w,
            "b": float(b),
            "y_grid": self.features(self.x_grid) @ w + b,
            "train_mse": mse(self.x_train, self.y_train),
            "test_mse": mse(self.x_test, self.y_test),
            "norm": float(np.linalg.norm(w)),
        }

    def sweep(self, lams) -> dict:
        """Coefficients and errors for many lambdas at once (one SVD).

        Returns
        -------
        dict
            ``lams``; ``W`` of shape (K, degree) and ``b`` of shape (K,);
            ``train_mse`` and ``test_mse`` of shape (K,).
        """
        lams = v.as_lambdas("lams", lams)
        W, b = ridge_path(self.features(self.x_train), self.y_train, lams)

        def mse(x, y):
            residual = y[None, :] - W @ self.features(x).T - b[:, None]
            return np.mean(residual**2, axis=1)

        return {
            "lams": lams,
            "W": W,
            "b": b,
            "train_mse": mse(self.x_train, self.y_train),
            "test_mse": mse(self.x_test, self.y_test),
        }


def gradient_descent_path(X, y, lam, lr, steps, w0=None):
    """Plain gradient descent on the ridge loss without intercept (centred data).

    ``w <- w - lr * ridge_gradient(w, X, y, lam)``, from ``w0`` (zeros by
    default). If the iterates overflow, the remaining rows are NaN, so a plot
    of a diverging run simply stops.

    Parameters
    ----------
    X : array_like of shape (n, p)
    y : array_like of shape (n,)
    lam : float
        Penalty strength, >= 0.
    lr : float
        Learning rate, >= 0.
    steps : int
        Number of steps, >= 0.
    w0 : array_like of shape (p,), optional
        Starting point.

    Returns
    -------
    ndarray of shape (steps + 1, p)
        Row ``t`` is the iterate after ``t`` steps; row 0 is ``w0``.

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg import ridge_fit
    >>> from l2reg.demos import gradient_descent_path
    >>> X = np.array([[1.0, 0.0], [-1.0, 1.0], [0.0, -1.0]]); y = np.array([1.0, -1.0, 0.0])
    >>> path = gradient_descent_path(X, y, 0.1, 0.3, 200)
    >>> w_star, _ = ridge_fit(X, y, 0.1, fit_intercept=False)
    >>> bool(np.allclose(path[-1], w_star))
    True
    """
    X = v.as_matrix("X", X)
    y = v.as_vector("y", y)
    v.check_same_length("X", X, "y", y)
    lam = v.as_nonnegative("lam", lam)
    lr = v.as_nonnegative("lr", lr)
    steps = v.as_int("steps", steps, minimum=0)
    w = np.zeros(X.shape[1]) if w0 is None else v.as_vector("w0", w0, length=X.shape[1], other="the columns of X")
    path = np.full((steps + 1, X.shape[1]), np.nan)
    path[0] = w
    n = X.shape[0]
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, steps + 1):
            # the gradient of ridge_loss with b = 0, inlined so a diverging run is not
            # rejected by input validation once it overflows
            w = w - lr * (-2.0 / n * (X.T @ (y - X @ w)) + 2.0 * lam * w)
            if not np.all(np.isfinite(w)):
                break
            path[t] = w
    return path


def hessian_eigenvalues(X, lam):
    """Eigenvalues of the ridge loss's Hessian ``(2/n) X^T X + 2 lam I``, ascending.

    Gradient descent converges when ``lr < 2 / largest``, and its error shrinks per
    step by about ``max |1 - lr * eigenvalue|``.

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg.demos import hessian_eigenvalues
    >>> hessian_eigenvalues(np.eye(2), 0.5).tolist()
    [2.0, 2.0]
    """
    X = v.as_matrix("X", X)
    lam = v.as_nonnegative("lam", lam)
    n = X.shape[0]
    s = np.linalg.svd(X, compute_uv=False)
    eig = np.zeros(X.shape[1])
    eig[: s.size] = s**2
    return np.sort(2.0 / n * eig + 2.0 * lam)


def condition_number(X, lams):
    """Condition number of ``X^T X + n lam I`` for each ``lam``, from one SVD.

    It is ``(s_max**2 + n lam) / (s_min**2 + n lam)`` with ``s`` the singular
    values of ``X`` (``s_min = 0`` when ``p > n``): ``inf`` at ``lam = 0`` for a
    singular matrix.

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg.demos import condition_number
    >>> X = np.array([[1.0, 0.0], [0.0, 0.1]])
    >>> condition_number(X, [0.0, 0.5]).round(6).tolist()
    [100.0, 1.980198]
    """
    X = v.as_matrix("X", X)
    lams = v.as_lambdas("lams", lams)
    n, p = X.shape
    s = np.linalg.svd(X, compute_uv=False)
    eig = np.zeros(p)
    eig[: s.size] = s**2
    top, bottom = eig.max() + n * lams, eig.min() + n * lams
    with np.errstate(divide="ignore"):
        return np.where(bottom > 0, top / np.where(bottom > 0, bottom, 1.0), np.inf)


def loss_surface(X, y, lam, w1, w2):
    """The ridge loss (no intercept) of a two-feature problem on a grid of weights.

    Parameters
    ----------
    X : array_like of shape (n, 2)
    y : array_like of shape (n,)
    lam : float
    w1, w2 : array_like of shape (k,) and (m,)
        Grid coordinates.

    Returns
    -------
    ndarray of shape (m, k)
        ``mean((y - X @ w)**2) + lam * ||w||**2`` at ``w = (w1[j], w2[i])``, laid out
        as matplotlib's ``contour`` expects.

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
    X = v.as_matrix("X", X)
    y = v.as_vector("y", y)
    v.check_same_length("X", X, "y", y)
    lam = v.as_nonnegative("lam", lam)
    w1 = v.as_vector("w1", w1)
    w2 = v.as_vector("w2", w2)
    if X.shape[1] != 2:
        v.check_length("the columns of X", X[0], 2)
    n = X.shape[0]
    A = X.T @ X / n + lam * np.eye(2)
    c = X.T @ y / n
    W1, W2 = np.meshgrid(w1, w2)
    quad = A[0, 0] * W1**2 + 2 * A[0, 1] * W1 * W2 + A[1, 1] * W2**2
    return quad - 2 * (c[0] * W1 + c[1] * W2) + float(np.mean(y**2))


def decay_trajectory(w0, lr, lam, steps, target=None):
    """One weight under gradient steps with an L2 penalty, written as weight decay.

    Each step is ``w <- w * (1 - 2 lr lam) - lr * dL_data/dw``. Without a
    ``target`` there is no data loss (pure decay, ``w_t = w0 (1 - 2 lr lam)**t``);
    with one, the data loss is ``(w - target)**2``, whose pull balances the
    decay at ``target / (1 + lam)``.

    Parameters
    ----------
    w0 : float
        Starting weight.
    lr, lam : float
        Learning rate and penalty strength, both >= 0.
    steps : int
        Number of steps, >= 0.
    target : float, optional
        Where the data loss alone would put the weight.

    Returns
    -------
    ndarray of shape (steps + 1,)
        The weight after 0, 1, ..., ``steps`` steps (it may overflow to inf
        when the step is unstable).

    Examples
    --------
    >>> from l2reg.demos import decay_trajectory
    >>> decay_trajectory(1.0, 0.01, 0.1, 2).round(6).tolist()
    [1.0, 0.998, 0.996004]
    >>> float(decay_trajectory(1.0, 0.1, 0.5, 400, target=3.0)[-1].round(9))
    2.0
    """
    w = v.as_scalar("w0", w0)
    lr = v.as_nonnegative("lr", lr)
    lam = v.as_nonnegative("lam", lam)
    steps = v.as_int("steps", steps, minimum=0)
    c = None if target is None else v.as_scalar("target", target)
    factor = 1.0 - 2.0 * lr * lam
    out = np.empty(steps + 1)
    out[0] = w
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, steps + 1):
            w = w * factor - (0.0 if c is None else lr * 2.0 * (w - c))
            out[t] = w
    return out


def format_factor(f) -> str:
    """A per-step factor as text that never rounds a factor below 1 up to 1.

    Examples
    --------
    >>> from l2reg.demos import format_factor
    >>> format_factor(0.99998), format_factor(0.3675), format_factor(-199.0), format_factor(1.0)
    ('1 - 2e-05', '0.3675', '-199', '1')
    """
    f = v.as_scalar("f", f)
    if f != 1 and abs(1 - f) < 1e-3:
        return f"1 {'-' if f < 1 else '+'} {abs(1 - f):.2g}"
    return f"{f:.4g}"


def decay_regime(factor, *, toward=None) -> str:
    """What repeated multiplication by ``factor`` does to a weight, in words.

    Without ``toward`` the words are about the weight itself (pure decay to 0);
    with it, about the gap to that fixed point (a run against a data loss,
    whose gap shrinks by ``factor`` per step).

    Examples
    --------
    >>> from l2reg.demos import decay_regime
    >>> [decay_regime(f) for f in (0.9, 0.0, -0.5, -1.0, -3.0)]  # doctest: +NORMALIZE_WHITESPACE
    ['decays smoothly to 0', 'drops to 0 in one step', 'flips sign each step but shrinks',
     'flips sign forever at the same size', 'flips sign and grows: unstable']
    >>> decay_regime(-0.5, toward="0.91")
    'overshoots 0.91 each step but settles there'
    """
    f = v.as_scalar("factor", factor)
    if toward is None:
        words = ("does not shrink (factor 1)", "decays smoothly to 0", "drops to 0 in one step",
                 "flips sign each step but shrinks", "flips sign forever at the same size",
                 "flips sign and grows: unstable", "grows: unstable")
    else:
        words = (f"does not move toward {toward} (factor 1)", f"settles smoothly at {toward}",
                 f"lands on {toward} in one step", f"overshoots {toward} each step but settles there",
                 f"swings around {toward} forever at the same size",
                 f"swings around {toward} ever wider: unstable", f"runs away from {toward}: unstable")
    if f == 1:
        return words[0]
    if 0 < f < 1:
        return words[1]
    if f == 0:
        return words[2]
    if -1 < f < 0:
        return words[3]
    if f == -1:
        return words[4]
    return words[5] if f < -1 else words[6]


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
    tol : float
        Stop when no coordinate moves by more than ``tol`` in a sweep.
    max_sweeps : int
        Upper bound on sweeps over the coordinates.

    Returns
    -------
    ndarray of shape (p,)

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
    X = v.as_matrix("X", X)
    y = v.as_vector("y", y)
    v.check_same_length("X", X, "y", y)
    l1 = v.as_nonnegative("l1", l1)
    l2 = v.as_nonnegative("l2", l2)
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


def elastic_net_path(X, y, l1s, l2_ratio=0.0):
    """Elastic-net weights for each strength in ``l1s``, warm-started along the grid.

    With ``l2_ratio = 0`` this is the lasso path; the penalty at strength ``s``
    is ``s * ((1 - l2_ratio) * ||w||_1 + l2_ratio * ||w||**2)``.

    Returns
    -------
    ndarray of shape (len(l1s), p)

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg.demos import elastic_net_path
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]]); y = np.array([2.0, 1.0, -2.0, -1.0])
    >>> elastic_net_path(X, y, [0.0, 0.6, 10.0]).round(12).tolist()
    [[2.0, 1.0], [1.4, 0.4], [0.0, 0.0]]
    """
    strengths = v.as_lambdas("l1s", l1s)
    ratio = v.as_scalar("l2_ratio", l2_ratio, minimum=0.0, maximum=1.0)
    return np.array([elastic_net_fit(X, y, s * (1 - ratio), s * ratio) for s in strengths])


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
    X, y = v.as_two_feature_data(X, y)
    radius = v.as_positive("radius", radius)
    norm = v.check_choice("norm", norm, ("l2", "l1"))
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


#: The penalties of lesson 04, each at strength ``lam``:
#: ``lam * ||w||**2``, ``lam * ||w||_1``, and ``lam * (||w||_1 + ||w||**2) / 2``.
PENALTIES = ("l2", "l1", "elastic net")


def penalty_value(w, kind):
    """The penalty's shape function at ``w`` (strength 1): ``||w||**2``, ``||w||_1``
    or ``(||w||_1 + ||w||**2) / 2``.

    Examples
    --------
    >>> from l2reg.demos import penalty_value
    >>> [penalty_value([3.0, -4.0], k) for k in ("l2", "l1", "elastic net")]
    [25.0, 7.0, 16.0]
    """
    w = v.as_vector("w", w)
    kind = v.check_choice("kind", kind, PENALTIES)
    l1, l2 = float(np.abs(w).sum()), float(w @ w)
    return {"l2": l2, "l1": l1, "elastic net": 0.5 * (l1 + l2)}[kind]


def penalized_solution(X, y, lam, kind):
    """Minimize ``mean((y - X w)**2) + lam * penalty_value(w, kind)`` (no intercept).

    Examples
    --------
    >>> from l2reg.data import geometry_data
    >>> from l2reg.demos import penalized_solution
    >>> X, y = geometry_data()
    >>> float(penalized_solution(X, y, 3.0, "l1")[1])  # the lasso puts w2 exactly on the axis
    0.0
    """
    kind = v.check_choice("kind", kind, PENALTIES)
    lam = v.as_nonnegative("lam", lam)
    if kind == "l2":
        return ridge_fit(X, y, lam, fit_intercept=False)[0]
    if kind == "l1":
        return elastic_net_fit(X, y, lam, 0.0)
    return elastic_net_fit(X, y, lam / 2, lam / 2)


def penalty_boundary(w, kind, points=721):
    """The boundary of the penalty ball through ``w``: ``{u : penalty_value(u) = penalty_value(w)}``.

    Returned as ``points`` points around the origin, each at angle ``theta``
    and radius ``rho(theta)``: a circle for L2, a diamond for L1, and a
    rounded diamond for the elastic net.

    Returns
    -------
    ndarray of shape (points, 2)

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg.demos import penalty_boundary, penalty_value
    >>> B = penalty_boundary([3.0, 1.0], "elastic net", points=9)
    >>> bool(np.allclose([penalty_value(b, "elastic net") for b in B], penalty_value([3.0, 1.0], "elastic net")))
    True
    """
    kind = v.check_choice("kind", kind, PENALTIES)
    level = penalty_value(w, kind)
    points = v.as_int("points", points, minimum=3)
    theta = np.linspace(0.0, 2 * np.pi, points)
    a = np.abs(np.cos(theta)) + np.abs(np.sin(theta))
    if kind == "l2":
        rho = np.full_like(theta, np.sqrt(level))
    elif kind == "l1":
        rho = level / a
    else:  # (rho * a + rho**2) / 2 = level
        rho = (-a + np.sqrt(a**2 + 8 * level)) / 2
    return rho[:, None] * np.stack([np.cos(theta), np.sin(theta)], axis=1)


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
    X, y = v.as_two_feature_data(X, y)
    lam = v.as_nonnegative("lam", lam)
    levels = v.as_vector("levels", levels)
    points = v.as_int("points", points, minimum=3)
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
    X, y = v.as_two_feature_data(X, y)
    w = v.as_vector("w", w, length=2)
    return loss_ellipses(X, y, 0.0, [float(np.mean((y - X @ w) ** 2))], points)[0]


# ----------------------------------------------------------------------------
# lesson 05: choosing lambda
# ----------------------------------------------------------------------------

__all__ += ["bias_variance", "LambdaSweep"]


def bias_variance(lams, *, n_train=30, degree=9, n_sims=500, noise=0.25, n_test=200, seed=0, n_keep=20):
    """Bias, variance and test error of ridge predictions, measured by simulation.

    Draws ``n_sims`` training sets of ``n_train`` points from
    :func:`l2reg.data.noisy_curve` (seeds ``seed``, ``seed + 1``, ...), fits the
    standardized degree-``degree`` polynomial of :class:`PolynomialRidge` at every
    ``lam`` (one :func:`ridge_path` each) and predicts on ``n_test`` evenly
    spaced test inputs in ``[-1, 1]``. Averaged over the test inputs:

    * ``bias2``: squared gap between the average prediction and the true curve;
    * ``variance``: spread of the predictions around their average
      (over the simulations, ``ddof=0``);
    * ``noise``: ``noise**2``, the error no model can remove.

    Their sum ``total`` is the expected squared error on a new noisy point. It
    is checked against ``direct``: the test error measured on fresh noisy test
    targets, one draw per simulation. (With ``ddof=0``,
    ``bias2 + variance`` is *exactly* the mean squared distance of the
    predictions to the true curve; ``direct`` differs only by Monte Carlo error.)

    Parameters
    ----------
    lams : array_like of shape (K,)
        Penalty strengths, >= 0.
    n_train, degree, n_sims, n_test : int
        Training points per set, polynomial degree, simulations, test inputs.
    noise : float
        Noise standard deviation.
    seed : int
        First training seed; the test noise uses its own generator.
    n_keep : int
        How many simulations' predictions to keep for plotting.

    Returns
    -------
    dict
        ``lams``; ``bias2``, ``variance``, ``total``, ``direct`` of shape (K,);
        ``noise`` (a float, the noise variance); ``x_test`` and ``truth`` of
        shape (n_test,); ``mean_prediction`` of shape (K, n_test);
        ``examples`` of shape (n_keep, K, n_test).

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg.demos import bias_variance
    >>> r = bias_variance([1e-4, 1.0], n_sims=50)
    >>> bool(r["bias2"][1] > r["bias2"][0] and r["variance"][1] < r["variance"][0])
    True
    >>> bool(np.allclose(r["total"], r["bias2"] + r["variance"] + 0.25**2))
    True
    """
    lams = v.as_lambdas("lams", lams)
    n_train = v.as_int("n_train", n_train, minimum=2)
    degree = v.as_int("degree", degree, minimum=1)
    n_sims = v.as_int("n_sims", n_sims, minimum=2)
    noise = v.as_nonnegative("noise", noise)
    n_test = v.as_int("n_test", n_test, minimum=1)
    seed = v.as_int("seed", seed, minimum=0)
    n_keep = v.as_int("n_keep", n_keep, minimum=0, maximum=n_sims)
    x_test = np.linspace(-1.0, 1.0, n_test)
    f_test = true_curve(x_test)
    test_noise = np.random.default_rng([seed, 5])
    total = np.zeros((lams.size, n_test))
    total_sq = np.zeros((lams.size, n_test))
    direct = np.zeros(lams.size)
    kept = np.empty((n_keep, lams.size, n_test))
    for s in range(n_sims):
        x, y = noisy_curve(n_train, seed=seed + s, noise=noise)
        Z, mean, std = standardize_columns(polynomial_features(x, degree))
        W, b = ridge_path(Z, y, lams)
        Z_test = standardize_columns(polynomial_features(x_test, degree), mean, std)[0]
        pred = W @ Z_test.T + b[:, None]
        total += pred
        total_sq += pred**2
        y_new = f_test + noise * test_noise.standard_normal(n_test)
        direct += np.mean((y_new - pred) ** 2, axis=1)
        if s < n_keep:
            kept[s] = pred
    mean_pred = total / n_sims
    spread = np.maximum(total_sq / n_sims - mean_pred**2, 0.0)
    bias2 = np.mean((mean_pred - f_test) ** 2, axis=1)
    variance = spread.mean(axis=1)
    return {
        "lams": lams,
        "bias2": bias2,
        "variance": variance,
        "noise": noise**2,
        "total": bias2 + variance + noise**2,
        "direct": direct / n_sims,
        "x_test": x_test,
        "truth": f_test,
        "mean_prediction": mean_pred,
        "examples": kept,
    }


@dataclass(frozen=True)
class LambdaSweep:
    """Training and validation error of ridge regression over a grid of lambdas.

    The chosen lambda is the grid point with the lowest validation error (the
    first one on ties). :meth:`state` gives the exact numbers at any lambda, on
    or off the grid, for the lambda-sweep widget. Build one with :meth:`make`.

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg.data import many_features
    >>> from l2reg.demos import LambdaSweep
    >>> X, y, _ = many_features(60, seed=1); Xv, yv, _ = many_features(60, seed=2)
    >>> sweep = LambdaSweep.make(X, y, Xv, yv, np.logspace(-4, 2, 25))
    >>> s = sweep.state(sweep.best_lam)
    >>> bool(np.isclose(s["val_mse"], sweep.val_mse.min()))
    True
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    lams: np.ndarray
    train_mse: np.ndarray
    val_mse: np.ndarray

    @classmethod
    def make(cls, X_train, y_train, X_val, y_val, lams):
        """Fit every lambda of the grid (one SVD) and record both errors.

        Parameters
        ----------
        X_train, y_train : array_like of shape (n, p) and (n,)
            The data the model is fitted on.
        X_val, y_val : array_like of shape (m, p) and (m,)
            Held-out data, used only to measure the error.
        lams : array_like of shape (K,)
            The grid, each >= 0 (sorted ascending for plotting).
        """
        X_train = v.as_matrix("X_train", X_train)
        y_train = v.as_vector("y_train", y_train, X_train.shape[0], other="the rows of X_train")
        X_val = v.as_matrix("X_val", X_val)
        if X_val.shape[1] != X_train.shape[1]:
            v.check_length("the columns of X_val", X_val[0], X_train.shape[1], "the columns of X_train")
        y_val = v.as_vector("y_val", y_val, X_val.shape[0], other="the rows of X_val")
        lams = np.sort(v.as_lambdas("lams", lams))
        W, b = ridge_path(X_train, y_train, lams)

        def mse(X, y):
            return np.mean((y[None, :] - W @ X.T - b[:, None]) ** 2, axis=1)

        return cls(X_train, y_train, X_val, y_val, lams, mse(X_train, y_train), mse(X_val, y_val))

    @property
    def best(self) -> int:
        """Index of the grid point with the lowest validation error."""
        return int(np.argmin(self.val_mse))

    @property
    def best_lam(self) -> float:
        """The chosen lambda."""
        return float(self.lams[self.best])

    def state(self, lam) -> dict:
        """Everything the sweep widget shows at penalty ``lam``.

        Returns
        -------
        dict
            ``lam``; ``w`` and ``b``; ``train_mse`` and ``val_mse`` of the fit
            at ``lam``; ``best_lam`` and ``best_val_mse``, the chosen grid point.
        """
        lam = v.as_nonnegative("lam", lam)
        w, b = ridge_fit(self.X_train, self.y_train, lam)
        return {
            "lam": lam,
            "w": w,
            "b": float(b),
            "train_mse": float(np.mean((self.y_train - self.X_train @ w - b) ** 2)),
            "val_mse": float(np.mean((self.y_val - self.X_val @ w - b) ** 2)),
            "best_lam": self.best_lam,
            "best_val_mse": float(self.val_mse[self.best]),
        }


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
    x = v.as_vector("x", x)
    y = v.as_vector("y", y, length=x.size, other="x")
    sigma = v.as_positive("sigma", sigma)
    tau = v.as_positive("tau", tau)
    grid = v.as_vector("grid", grid)
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
