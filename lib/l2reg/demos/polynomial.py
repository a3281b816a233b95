"""Lessons 01 and 05: ridge on standardized polynomial features, a lambda sweep, and bias and variance by simulation."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .._params import Int, Lambdas, Matrix, Nonnegative, Vector, validate_params
from ..data import noisy_curve, polynomial_features, standardize_columns, true_curve
from ..ridge import ridge_fit, ridge_path

__all__ = ["PolynomialRidge", "bias_variance", "LambdaSweep"]


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
    @validate_params({
        "n_train": Int(minimum=2), "degree": Int(minimum=1), "n_test": Int(minimum=1), "seed": Int(minimum=0),
        "noise": Nonnegative(), "grid_points": Int(minimum=2),
    })
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

        Returns
        -------
        PolynomialRidge

        Raises
        ------
        TypeError, ValueError
            If an argument is not as described (the message names it).

        Examples
        --------
        >>> from l2reg.demos import PolynomialRidge
        >>> p = PolynomialRidge.make(n_train=8, degree=3, grid_points=5)
        >>> p.x_train.shape, p.x_grid.tolist()
        ((8,), [-1.0, -0.5, 0.0, 0.5, 1.0])
        """
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

    @validate_params({"x": Vector()})
    def features(self, x) -> np.ndarray:
        """Standardized polynomial features of ``x`` (training statistics).

        Parameters
        ----------
        x : array_like of shape (n,)
            Inputs.

        Returns
        -------
        ndarray of shape (n, degree)

        Raises
        ------
        TypeError, ValueError
            If ``x`` is not a non-empty vector of finite numbers.

        Examples
        --------
        >>> from l2reg.demos import PolynomialRidge
        >>> p = PolynomialRidge.make(degree=3)
        >>> p.features([0.0, 0.5]).shape
        (2, 3)
        """
        return standardize_columns(polynomial_features(x, self.degree), self.mean, self.std)[0]

    @cached_property
    def _design(self) -> dict:
        """The features of the training, test and grid inputs, built (and validated) once per problem."""
        return {"train": self.features(self.x_train), "test": self.features(self.x_test),
                "grid": self.features(self.x_grid)}

    @validate_params({"lam": Nonnegative()})
    def fit(self, lam):
        """Ridge coefficients ``(w, b)`` at penalty ``lam``.

        Parameters
        ----------
        lam : float
            Penalty strength, >= 0.

        Returns
        -------
        w : ndarray of shape (degree,)
        b : float

        Raises
        ------
        TypeError, ValueError
            If ``lam`` is not a finite number >= 0.

        Examples
        --------
        >>> from l2reg.demos import PolynomialRidge
        >>> w, b = PolynomialRidge.make(degree=4).fit(0.1)
        >>> w.shape
        (4,)
        """
        return ridge_fit(self._design["train"], self.y_train, lam)

    @validate_params({"lam": Nonnegative()})
    def state(self, lam) -> dict:
        """Everything a demo shows at penalty ``lam``.

        Parameters
        ----------
        lam : float
            Penalty strength, >= 0.

        Returns
        -------
        dict
            ``lam``; ``w`` and ``b``; ``y_grid``, the fitted curve on
            :attr:`x_grid`; ``train_mse`` and ``test_mse``; ``norm``, ``||w||``.

        Raises
        ------
        TypeError, ValueError
            If ``lam`` is not a finite number >= 0.

        Examples
        --------
        >>> from l2reg.demos import PolynomialRidge
        >>> s = PolynomialRidge.make(grid_points=50).state(1e-3)
        >>> s["y_grid"].shape, s["lam"]
        ((50,), 0.001)
        """
        w, b = self.fit(lam)
        Z = self._design
        return {
            "lam": float(lam),
            "w": w,
            "b": float(b),
            "y_grid": Z["grid"] @ w + b,
            "train_mse": float(np.mean((self.y_train - Z["train"] @ w - b) ** 2)),
            "test_mse": float(np.mean((self.y_test - Z["test"] @ w - b) ** 2)),
            "norm": float(np.linalg.norm(w)),
        }

    @validate_params({"lams": Lambdas()})
    def sweep(self, lams) -> dict:
        """Coefficients and errors for many lambdas at once (one SVD).

        Parameters
        ----------
        lams : array_like of shape (K,)
            Penalty strengths, each >= 0.

        Returns
        -------
        dict
            ``lams``; ``W`` of shape (K, degree) and ``b`` of shape (K,);
            ``train_mse`` and ``test_mse`` of shape (K,).

        Raises
        ------
        TypeError, ValueError
            If ``lams`` is not a non-empty vector of finite numbers >= 0.

        Examples
        --------
        >>> from l2reg.demos import PolynomialRidge
        >>> p = PolynomialRidge.make()
        >>> r = p.sweep([1e-3, 1.0])
        >>> bool(r["train_mse"][0] < r["train_mse"][1])       # less penalty: a closer fit
        True
        """
        Z = self._design
        W, b = ridge_path(Z["train"], self.y_train, lams)

        def mse(Zx, y):
            return np.mean((y[None, :] - W @ Zx.T - b[:, None]) ** 2, axis=1)

        return {
            "lams": lams,
            "W": W,
            "b": b,
            "train_mse": mse(Z["train"], self.y_train),
            "test_mse": mse(Z["test"], self.y_test),
        }


@validate_params({
    "lams": Lambdas(), "n_train": Int(minimum=2), "degree": Int(minimum=1), "n_sims": Int(minimum=2),
    "noise": Nonnegative(), "n_test": Int(minimum=1), "seed": Int(minimum=0),
    "n_keep": Int(minimum=0, maximum=lambda values: values["n_sims"]),
})
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
        How many simulations' predictions to keep for plotting, at most ``n_sims``.

    Returns
    -------
    dict
        ``lams``; ``bias2``, ``variance``, ``total``, ``direct`` of shape (K,);
        ``noise`` (a float, the noise variance); ``x_test`` and ``truth`` of
        shape (n_test,); ``mean_prediction`` of shape (K, n_test);
        ``examples`` of shape (n_keep, K, n_test).

    Raises
    ------
    TypeError, ValueError
        If an argument is not as described (the message names it).

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
    @validate_params({
        "X_train": Matrix(), "y_train": Vector(length_of=("X_train", 0)), "X_val": Matrix(columns_of="X_train"),
        "y_val": Vector(length_of=("X_val", 0)), "lams": Lambdas(),
    })
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

        Returns
        -------
        LambdaSweep

        Raises
        ------
        TypeError, ValueError
            If an argument is not as described (the message names it).

        Examples
        --------
        >>> import numpy as np
        >>> from l2reg.demos import LambdaSweep
        >>> X = np.array([[0.0], [1.0], [2.0]]); y = np.array([0.0, 1.0, 2.5])
        >>> LambdaSweep.make(X, y, X, y, [1.0, 0.0]).lams.tolist()
        [0.0, 1.0]
        """
        lams = np.sort(lams)
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

    @validate_params({"lam": Nonnegative()})
    def state(self, lam) -> dict:
        """Everything the sweep widget shows at penalty ``lam``.

        Parameters
        ----------
        lam : float
            Penalty strength, >= 0, on or off the grid.

        Returns
        -------
        dict
            ``lam``; ``w`` and ``b``; ``train_mse`` and ``val_mse`` of the fit
            at ``lam``; ``best_lam`` and ``best_val_mse``, the chosen grid point.

        Raises
        ------
        TypeError, ValueError
            If ``lam`` is not a finite number >= 0.

        Examples
        --------
        >>> import numpy as np
        >>> from l2reg.demos import LambdaSweep
        >>> X = np.array([[0.0], [1.0], [2.0]]); y = np.array([0.0, 1.0, 2.5])
        >>> s = LambdaSweep.make(X, y, X, y, [0.0, 1.0]).state(0.0)
        >>> s["best_lam"], round(s["val_mse"], 12) == round(s["train_mse"], 12)
        (0.0, True)
        """
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
