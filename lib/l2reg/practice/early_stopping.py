"""Early stopping as implicit ridge: gradient descent from zero, the ridge penalty it matches, the widget's numbers.

After ``t`` steps of learning rate ``lr`` from zero, gradient descent on the mean squared
error is close to the ridge solution at ``lam = 1 / (2 lr t)``: :func:`gd_path` runs the
descent, :func:`matching_lambda` finds the nearest ridge fit on a grid, and
:class:`EarlyStopping` gathers both for :func:`l2reg.widgets.early_stopping_demo`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._linalg import centre
from .._params import (
    Int,
    Lambdas,
    Matrix,
    Nonnegative,
    Optional,
    Positive,
    Vector,
    WeightRows,
    validate_params,
)
from ..ridge import ridge_fit, ridge_path

__all__ = ["gd_path", "matching_lambda", "EarlyStopping"]


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


_DATA_PARAMS = {"X": Matrix(), "y": Vector(length_of=("X", 0))}


@validate_params({**_DATA_PARAMS, "lr": Positive(), "steps": Int(minimum=1), "lam": Nonnegative()})
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
    n = X.shape[0]
    Xc, yc, x_mean, y_mean = centre(X, y, True)
    G, Xty = Xc.T @ Xc * (2.0 / n), Xc.T @ yc * (2.0 / n)
    _check_stable_step(lr, _curvature(G), lam)
    decay = 1.0 - 2.0 * lr * lam
    W = np.zeros((steps + 1, X.shape[1]))
    w = W[0].copy()
    for t in range(1, steps + 1):
        w = w * decay - lr * (G @ w - Xty)
        W[t] = w
    return W, y_mean - W @ x_mean


@validate_params({**_DATA_PARAMS, "w": WeightRows(length_of=("X", 1)), "lams": Lambdas()})
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
    one = w.ndim == 1
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
    @validate_params({
        "X_train": Matrix(), "y_train": Vector(length_of=("X_train", 0)), "X_val": Matrix(columns_of="X_train"),
        "y_val": Vector(length_of=("X_val", 0)), "steps": Int(minimum=1), "decay": Nonnegative(),
        "lr": Optional(Positive()),
    })
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
        Xc = X_train - X_train.mean(axis=0)
        if lr is None:
            top = np.linalg.norm(Xc, 2)
            if not top > 0:
                raise ValueError("X_train: expected columns that vary (a default lr = 1 / L needs a curvature "
                                 "L > 0), got every column constant")
            lr = X_train.shape[0] / (2.0 * top**2)
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

    @validate_params({"step": Int(minimum=1, maximum=lambda values: values["self"].steps)})
    def state(self, step):
        """Everything the widget shows after ``step`` steps (1 <= step <= :attr:`steps`).

        Returns a dict: ``step``; ``lam`` = ``1 / (2 lr step)``; ``w_gd`` and
        ``w_ridge`` (gradient descent's weights and ridge's at ``lam``); ``gap``,
        their distance relative to ``||w_ridge||``; training and validation MSE
        of gradient descent (``*_gd``), of the decayed run (``*_decay``) and of
        the ridge fit (``*_ridge``).
        """
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
