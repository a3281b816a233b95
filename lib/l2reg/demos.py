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
