"""Lessons 02 and 03: gradient descent on a ridge loss, its Hessian, and one weight under weight decay."""

from __future__ import annotations

import numpy as np

from .._params import (
    Int,
    Lambdas,
    Matrix,
    Nonnegative,
    Optional,
    Real,
    Text,
    Vector,
    validate_params,
)

__all__ = ["gradient_descent_path", "hessian_eigenvalues", "condition_number", "decay_trajectory", "format_factor", "decay_regime"]


@validate_params({
    "X": Matrix(), "y": Vector(length_of=("X", 0)), "lam": Nonnegative(), "lr": Nonnegative(),
    "steps": Int(minimum=0), "w0": Optional(Vector(length_of=("X", 1))),
})
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

    Raises
    ------
    TypeError, ValueError
        If an argument is not as described (the message names it): an array not
        finite, empty or of mismatched size, ``lam`` or ``lr`` negative, ``steps`` < 0.

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
    w = np.zeros(X.shape[1]) if w0 is None else w0
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


@validate_params({"X": Matrix(), "lam": Nonnegative()})
def hessian_eigenvalues(X, lam):
    """Eigenvalues of the ridge loss's Hessian ``(2/n) X^T X + 2 lam I``, ascending.

    Gradient descent converges when ``lr < 2 / largest``, and its error shrinks per
    step by about ``max |1 - lr * eigenvalue|``.

    Parameters
    ----------
    X : array_like of shape (n, p)
        Features (centred, for the ridge loss without intercept).
    lam : float
        Penalty strength, >= 0.

    Returns
    -------
    ndarray of shape (p,)
        The eigenvalues, ascending.

    Raises
    ------
    TypeError, ValueError
        If ``X`` is not a non-empty matrix of finite numbers or ``lam`` is not a finite number >= 0.

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg.demos import hessian_eigenvalues
    >>> hessian_eigenvalues(np.eye(2), 0.5).tolist()
    [2.0, 2.0]
    """
    n = X.shape[0]
    s = np.linalg.svd(X, compute_uv=False)
    eig = np.zeros(X.shape[1])
    eig[: s.size] = s**2
    return np.sort(2.0 / n * eig + 2.0 * lam)


@validate_params({"X": Matrix(), "lams": Lambdas()})
def condition_number(X, lams):
    """Condition number of ``X^T X + n lam I`` for each ``lam``, from one SVD.

    It is ``(s_max**2 + n lam) / (s_min**2 + n lam)`` with ``s`` the singular
    values of ``X`` (``s_min = 0`` when ``p > n``): ``inf`` at ``lam = 0`` for a
    singular matrix.

    Parameters
    ----------
    X : array_like of shape (n, p)
        Features.
    lams : array_like of shape (k,)
        Penalty strengths, each >= 0.

    Returns
    -------
    ndarray of shape (k,)
        The condition number at each ``lam`` (``inf`` where the matrix is singular).

    Raises
    ------
    TypeError, ValueError
        If ``X`` is not a non-empty matrix of finite numbers or ``lams`` not a
        non-empty vector of finite numbers >= 0.

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg.demos import condition_number
    >>> X = np.array([[1.0, 0.0], [0.0, 0.1]])
    >>> condition_number(X, [0.0, 0.5]).round(6).tolist()
    [100.0, 1.980198]
    """
    n, p = X.shape
    s = np.linalg.svd(X, compute_uv=False)
    eig = np.zeros(p)
    eig[: s.size] = s**2
    top, bottom = eig.max() + n * lams, eig.min() + n * lams
    with np.errstate(divide="ignore"):
        return np.where(bottom > 0, top / np.where(bottom > 0, bottom, 1.0), np.inf)


@validate_params({"w0": Real(), "lr": Nonnegative(), "lam": Nonnegative(), "steps": Int(minimum=0),
                  "target": Optional(Real())})
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

    Raises
    ------
    TypeError, ValueError
        If ``w0`` or ``target`` is not a finite number, ``lr`` or ``lam`` not a
        finite number >= 0, or ``steps`` not an integer >= 0.

    Examples
    --------
    >>> from l2reg.demos import decay_trajectory
    >>> decay_trajectory(1.0, 0.01, 0.1, 2).round(6).tolist()
    [1.0, 0.998, 0.996004]
    >>> float(decay_trajectory(1.0, 0.1, 0.5, 400, target=3.0)[-1].round(9))
    2.0
    """
    w, c = w0, target
    factor = 1.0 - 2.0 * lr * lam
    out = np.empty(steps + 1)
    out[0] = w
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, steps + 1):
            w = w * factor - (0.0 if c is None else lr * 2.0 * (w - c))
            out[t] = w
    return out


@validate_params({"f": Real()})
def format_factor(f) -> str:
    """A per-step factor as text that never rounds a factor below 1 up to 1.

    Parameters
    ----------
    f : float
        The factor, such as :func:`l2reg.decay_factor`'s ``1 - 2 lr lam``.

    Returns
    -------
    str
        ``f`` to 4 significant digits, or ``"1 - d"`` / ``"1 + d"`` when it is within
        1e-3 of 1 but not 1.

    Raises
    ------
    TypeError, ValueError
        If ``f`` is not a finite real number.

    Examples
    --------
    >>> from l2reg.demos import format_factor
    >>> format_factor(0.99998), format_factor(0.3675), format_factor(-199.0), format_factor(1.0)
    ('1 - 2e-05', '0.3675', '-199', '1')
    """
    if f != 1 and abs(1 - f) < 1e-3:
        return f"1 {'-' if f < 1 else '+'} {abs(1 - f):.2g}"
    return f"{f:.4g}"


@validate_params({"factor": Real(), "toward": Optional(Text())})
def decay_regime(factor, *, toward=None) -> str:
    """What repeated multiplication by ``factor`` does to a weight, in words.

    Without ``toward`` the words are about the weight itself (pure decay to 0);
    with it, about the gap to that fixed point (a run against a data loss,
    whose gap shrinks by ``factor`` per step).

    Parameters
    ----------
    factor : float
        The per-step factor.
    toward : str, optional
        The fixed point, as the text to show (such as ``"0.91"``).

    Returns
    -------
    str
        A few words: smooth decay, one-step drop, oscillation that shrinks, stays or grows.

    Raises
    ------
    TypeError, ValueError
        If ``factor`` is not a finite real number or ``toward`` is not a string.

    Examples
    --------
    >>> from l2reg.demos import decay_regime
    >>> [decay_regime(f) for f in (0.9, 0.0, -0.5, -1.0, -3.0)]  # doctest: +NORMALIZE_WHITESPACE
    ['decays smoothly to 0', 'drops to 0 in one step', 'flips sign each step but shrinks',
     'flips sign forever at the same size', 'flips sign and grows: unstable']
    >>> decay_regime(-0.5, toward="0.91")
    'overshoots 0.91 each step but settles there'
    """
    f = factor
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
