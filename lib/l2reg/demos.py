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

__all__ = ["PolynomialRidge"]


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
