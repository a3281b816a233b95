"""The L2 penalty, the ridge loss and its gradient, and the weight-decay factor.

Notation (docs/design.md section 3): ``lam`` is the penalty strength lambda and ``lr``
the learning rate alpha. The penalized loss is the *mean* squared error plus
``lam * ||w||^2``; the intercept ``b`` is never penalized::

    L(w) = mean((y - X @ w - b)**2) + lam * sum(w**2)
    dL/dw = -2/n * X.T @ (y - X @ w - b) + 2 * lam * w
"""

from __future__ import annotations

import numpy as np

from . import _validation as v
from ._params import Function, Matrix, Nonnegative, Positive, Real, Vector, validate_params

__all__ = ["l2_penalty", "ridge_loss", "ridge_gradient", "numerical_gradient", "decay_factor"]

# ridge_loss and ridge_gradient: X is checked first, so that w and y can be held to its shape.
_LOSS_PARAMS = {
    "X": Matrix(), "w": Vector(length_of=("X", 1)), "y": Vector(length_of=("X", 0)),
    "lam": Nonnegative(), "b": Real(),
}


@validate_params({"w": Vector(), "lam": Nonnegative()})
def l2_penalty(w, lam):
    """The L2 penalty ``lam * sum(w**2)``.

    Parameters
    ----------
    w : array_like of shape (p,)
        Weights.
    lam : float
        Penalty strength lambda, >= 0.

    Returns
    -------
    float
        ``lam * ||w||^2``.

    Raises
    ------
    TypeError
        If ``w`` does not hold real numbers or ``lam`` is not a real number.
    ValueError
        If ``w`` is not a non-empty 1-D array of finite numbers, or ``lam`` is
        negative, NaN or infinite.

    Examples
    --------
    A weight of 10 costs 100, a weight of 0.1 costs 0.01:

    >>> from l2reg import l2_penalty
    >>> l2_penalty([10.0], 1.0)
    100.0
    >>> round(l2_penalty([0.1], 1.0), 12)
    0.01
    >>> l2_penalty([3.0, 4.0], 0.5)
    12.5
    """
    return float(lam * np.dot(w, w))


@validate_params(_LOSS_PARAMS)
def ridge_loss(w, X, y, lam, b=0.0):
    """The ridge loss: mean squared error plus the L2 penalty on ``w``.

    ``mean((y - X @ w - b)**2) + lam * sum(w**2)``; the intercept ``b`` is not
    penalized.

    Parameters
    ----------
    w : array_like of shape (p,)
        Weights.
    X : array_like of shape (n, p)
        Features, one row per example.
    y : array_like of shape (n,)
        Targets.
    lam : float
        Penalty strength lambda, >= 0.
    b : float, default 0.0
        Intercept (bias), any finite number.

    Returns
    -------
    float
        The loss, >= 0.

    Raises
    ------
    TypeError
        If an array does not hold real numbers or a scalar is not a real number.
    ValueError
        If an array has the wrong dimensions or length, is empty or holds NaN
        or infinity, or if ``lam`` is negative or a scalar is not finite.

    Examples
    --------
    >>> from l2reg import ridge_loss
    >>> X = [[1.0, 0.0], [0.0, 1.0]]
    >>> y = [1.0, 3.0]
    >>> ridge_loss([1.0, 1.0], X, y, lam=0.0)  # errors 0 and 2: mean 2
    2.0
    >>> ridge_loss([1.0, 1.0], X, y, lam=0.5)  # plus 0.5 * (1 + 1)
    3.0
    >>> ridge_loss([1.0, 1.0], X, y, lam=0.5, b=1.0)  # errors -1 and 1
    2.0
    """
    r = y - X @ w - b
    return float(np.mean(r * r) + lam * np.dot(w, w))


@validate_params(_LOSS_PARAMS)
def ridge_gradient(w, X, y, lam, b=0.0):
    """Gradient of :func:`ridge_loss` with respect to ``w``.

    ``-2/n * X.T @ (y - X @ w - b) + 2 * lam * w``: the data-loss gradient
    plus ``2 * lam * w`` from the penalty.

    Parameters
    ----------
    w : array_like of shape (p,)
        Weights.
    X : array_like of shape (n, p)
        Features, one row per example.
    y : array_like of shape (n,)
        Targets.
    lam : float
        Penalty strength lambda, >= 0.
    b : float, default 0.0
        Intercept (bias), any finite number.

    Returns
    -------
    ndarray of shape (p,)
        The gradient.

    Raises
    ------
    TypeError
        If an array does not hold real numbers or a scalar is not a real number.
    ValueError
        If an array has the wrong dimensions or length, is empty or holds NaN
        or infinity, or if ``lam`` is negative or a scalar is not finite.

    Examples
    --------
    With a perfect fit only the penalty pulls, with ``2 * lam * w``:

    >>> from l2reg import ridge_gradient
    >>> X = [[1.0, 0.0], [0.0, 1.0]]
    >>> ridge_gradient([1.0, 3.0], X, [1.0, 3.0], lam=0.5).tolist()
    [1.0, 3.0]
    >>> ridge_gradient([0.0, 0.0], X, [1.0, 3.0], lam=0.5).tolist()
    [-1.0, -3.0]
    """
    n = X.shape[0]
    r = y - X @ w - b
    return (-2.0 / n) * (X.T @ r) + (2.0 * lam) * w


@validate_params({"f": Function(), "w": Vector(), "eps": Positive()})
def numerical_gradient(f, w, eps=1e-6):
    """Central-difference estimate of the gradient of a scalar function.

    Component ``i`` is ``(f(w + h e_i) - f(w - h e_i)) / (2 h)`` with ``h`` close
    to ``eps`` (rounded so that ``w_i + h`` and ``w_i - h`` are exact). ``f`` is
    always called with a fresh copy, so ``w`` is never modified, even by an
    ``f`` that changes its argument.

    Parameters
    ----------
    f : callable
        ``f(w) -> float``, a function of a 1-D float64 array returning a finite
        real number.
    w : array_like of shape (p,)
        Point at which to differentiate.
    eps : float, default 1e-6
        Step size, > 0.

    Returns
    -------
    ndarray of shape (p,)
        The estimated gradient.

    Raises
    ------
    TypeError
        If ``f`` is not callable or does not return a real number, ``w`` does
        not hold real numbers, or ``eps`` is not a real number.
    ValueError
        If ``w`` is not a non-empty 1-D array of finite numbers, ``eps`` is not
        finite and positive, or ``f`` returns NaN, infinity or an array.

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg import numerical_gradient, ridge_gradient, ridge_loss
    >>> numerical_gradient(lambda w: float(np.sum(w**2)), [1.0, -2.0]).round(6).tolist()
    [2.0, -4.0]
    >>> X, y, w = [[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]], [1.0, 0.0, 2.0], [0.3, -0.1]
    >>> num = numerical_gradient(lambda u: ridge_loss(u, X, y, 0.1), w)
    >>> bool(np.allclose(num, ridge_gradient(w, X, y, 0.1), rtol=1e-7))
    True
    """
    grad = np.empty_like(w)
    for i in range(w.size):
        plus = w.copy()
        minus = w.copy()
        plus[i] = w[i] + eps
        minus[i] = w[i] - eps
        step = plus[i] - minus[i]  # the step actually taken, after rounding
        v.check_step_changes("eps", eps, f"w[{i}]", w[i], step)
        grad[i] = (_call_scalar(f, plus) - _call_scalar(f, minus)) / step
    return grad


def _call_scalar(f, point):
    """Call ``f`` at a copy of ``point`` and check that it returns a finite number."""
    return v.as_returned_scalar("f", f(point.copy()), "f(w)")


@validate_params({"lr": Nonnegative(), "lam": Nonnegative()})
def decay_factor(lr, lam):
    """The weight-decay factor ``1 - 2 * lr * lam`` of one gradient step with L2.

    A gradient step on ``L_data + lam * ||w||^2`` with learning rate ``lr`` is
    ``w <- w * (1 - 2 * lr * lam) - lr * dL_data/dw``: the weights are first
    multiplied by this factor. It is negative when ``2 * lr * lam > 1`` (the
    step overshoots zero), which is allowed.

    Parameters
    ----------
    lr : float
        Learning rate alpha, >= 0.
    lam : float
        Penalty strength lambda, >= 0.

    Returns
    -------
    float
        ``1 - 2 * lr * lam``.

    Raises
    ------
    TypeError
        If ``lr`` or ``lam`` is not a real number.
    ValueError
        If ``lr`` or ``lam`` is negative, NaN or infinite.

    Examples
    --------
    >>> from l2reg import decay_factor
    >>> round(decay_factor(0.01, 0.1), 12)
    0.998
    >>> decay_factor(1.0, 1.0)
    -1.0
    """
    return 1.0 - 2.0 * lr * lam
