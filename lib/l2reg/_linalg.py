"""The linear algebra shared by ridge and its Bayesian view: centring and the cut SVD.

Private: :mod:`l2reg.ridge` and :mod:`l2reg.bayes` both handle the intercept by centring
and treat singular values at or below ``eps * max(n, p) * s.max()`` (the cut-off of
:func:`numpy.linalg.lstsq`) as exact zeros; both take them from here.

Examples
--------
>>> import numpy as np
>>> from l2reg._linalg import centre, svd
>>> Xc, yc, x_mean, y_mean = centre(np.array([[1.0], [3.0]]), np.array([2.0, 4.0]), True)
>>> Xc.ravel().tolist(), yc.tolist(), x_mean.tolist(), y_mean
([-1.0, 1.0], [-1.0, 1.0], [2.0], 3.0)
>>> U, s, Vt, keep = svd(np.array([[1.0, 1.0], [1.0, 1.0]]))
>>> keep.tolist()       # rank 1: the second singular value is round-off
[True, False]
"""

from __future__ import annotations

import numpy as np

#: Machine epsilon of float64, the unit of every round-off bound in the package.
EPS = np.finfo(np.float64).eps


def centre(X, y, fit_intercept):
    """Centred copies of ``X`` and ``y`` and their means (zeros without intercept).

    Parameters
    ----------
    X : ndarray of shape (n, p)
    y : ndarray of shape (n,)
    fit_intercept : bool
        If False, ``X`` and ``y`` are returned as they are, with zero means.

    Returns
    -------
    Xc, yc : ndarray
        ``X - mean(X, axis=0)`` and ``y - mean(y)``.
    x_mean : ndarray of shape (p,)
    y_mean : float

    Examples
    --------
    >>> import numpy as np
    >>> centre(np.ones((2, 1)), np.zeros(2), False)[2].tolist()
    [0.0]
    """
    if fit_intercept:
        x_mean = X.mean(axis=0)
        y_mean = float(y.mean())
        return X - x_mean, y - y_mean, x_mean, y_mean
    return X, y, np.zeros(X.shape[1]), 0.0


def rank_mask(s, shape):
    """Which singular values count as non-zero: ``s > eps * max(n, p) * s.max()``.

    Parameters
    ----------
    s : ndarray of shape (r,)
        Singular values, sorted in decreasing order (as :func:`numpy.linalg.svd` returns them).
    shape : tuple of int
        ``(n, p)``, the shape of the matrix.

    Returns
    -------
    ndarray of bool, shape (r,)
        All False for a zero matrix.

    Examples
    --------
    >>> import numpy as np
    >>> rank_mask(np.array([2.0, 1e-17]), (3, 2)).tolist()
    [True, False]
    >>> rank_mask(np.zeros(2), (3, 2)).tolist()
    [False, False]
    """
    if not s.size or s[0] <= 0:
        return np.zeros(s.shape, dtype=bool)
    return s > EPS * max(shape) * s[0]  # s is sorted: s[0] is the largest


def svd(X, full_matrices=False):
    """The SVD ``X = U diag(s) Vt`` and the mask of singular values above the cut-off.

    Parameters
    ----------
    X : ndarray of shape (n, p)
    full_matrices : bool, default False
        As in :func:`numpy.linalg.svd`.

    Returns
    -------
    U, s, Vt : ndarray
        As :func:`numpy.linalg.svd` returns them.
    keep : ndarray of bool
        :func:`rank_mask` of ``s``.

    Examples
    --------
    >>> import numpy as np
    >>> U, s, Vt, keep = svd(np.eye(2))
    >>> s.tolist(), keep.tolist()
    ([1.0, 1.0], [True, True])
    """
    U, s, Vt = np.linalg.svd(X, full_matrices=full_matrices)
    return U, s, Vt, rank_mask(s, X.shape)


def svd_projected(X, y):
    """``s``, the cut-off mask, ``U^T y`` and ``Vt`` of the thin SVD ``X = U diag(s) Vt``, without ``U``.

    For a tall ``X`` (``n >= 2 p``) the SVD is taken of the triangular factor ``R`` of the
    QR decomposition of ``[X | y]``: ``X = Q R[:p, :p]``, ``Q^T y = R[:p, p]``, so with
    ``R[:p, :p] = Ur diag(s) Vt`` the singular values and ``Vt`` are ``X``'s and
    ``U^T y = Ur^T R[:p, p]``. That skips forming the ``n x p`` matrix ``U``, most of the
    cost of a small ridge path. Otherwise it is :func:`svd`'s thin SVD.

    Parameters
    ----------
    X : ndarray of shape (n, p)
    y : ndarray of shape (n,)

    Returns
    -------
    s, keep, uty, Vt : ndarray
        Shapes (r,), (r,), (r,) and (r, p) with ``r = min(n, p)``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(8, 2)); y = np.arange(8.0)
    >>> s, keep, uty, Vt = svd_projected(X, y)
    >>> U, s2, Vt2, _ = svd(X)
    >>> bool(np.allclose(s, s2) and np.allclose(np.abs(uty), np.abs(U.T @ y)))
    True
    """
    n, p = X.shape
    if n < 2 * p:
        U, s, Vt, keep = svd(X)
        return s, keep, U.T @ y, Vt
    R = np.linalg.qr(np.column_stack([X, y]), mode="r")
    Ur, s, Vt = np.linalg.svd(R[:p, :p], full_matrices=False)
    return s, rank_mask(s, X.shape), Ur.T @ R[:p, p], Vt


def shrink(s, keep, nlams, power):
    """``s**power / (s**2 + nlam)`` for every ``nlam`` (rows), 0 where ``keep`` is False.

    ``power=1`` gives the ridge filter factors (weights ``V diag(f) U^T y``), ``power=2``
    the shrinkage of each direction of the fit (the hat matrix's eigenvalues). Never
    ``0 / 0``: a singular value treated as zero gives 0 even at ``nlam == 0``. Computed on
    ``s`` scaled by a power of two near ``s[0]`` (exact), so ``s**2`` cannot overflow.

    Parameters
    ----------
    s : ndarray of shape (r,)
    keep : ndarray of bool, shape (r,)
    nlams : ndarray of shape (k,)
        ``n * lam`` for each penalty.
    power : {1, 2}

    Returns
    -------
    ndarray of shape (k, r)

    Examples
    --------
    >>> import numpy as np
    >>> shrink(np.array([2.0, 0.0]), np.array([True, False]), np.array([0.0, 4.0]), 2).tolist()
    [[1.0, 0.0], [0.5, 0.0]]
    """
    # Scaled by c = 2**k, the power of two at or below s[0]: s / c and nlam / c**2 are exact
    # (a power of two only moves the exponent), and rounding commutes with that scaling, so the
    # result has the same bits as the unscaled formula wherever that one neither overflows nor
    # underflows, while s**2 no longer overflows for |X| ~ 1e160 (it would give w = 0).
    #
    # The (k, r) array is allocated once and every later step writes into it: on this
    # project's machines each fresh array of a few hundred kB costs page faults worth more
    # than the arithmetic (K = 1000, r = 50: 0.77 ms with three temporaries, 0.09 ms in
    # place). The operations and their order are unchanged, so are the bits.
    k = int(np.frexp(s[0])[1]) - 1 if s.size and np.isfinite(s[0]) and s[0] > 0 else 0
    s = np.ldexp(s, -k)
    out = s**2 + np.ldexp(nlams, -2 * k)[:, None]  # (k, r): the denominators, then the result
    num = s if power == 1 else s**2
    if keep.all():  # every s > 0, so every denominator too: a plain division
        np.divide(num, out, out=out)
    else:
        mask = keep & (out > 0)
        np.divide(num, out, out=out, where=mask)
        out[~mask] = 0.0
    if power == 1 and k:
        # x * 2**-k is the correctly rounded x 2^-k, as ldexp's, when 2**-k is a normal
        # float (|k| <= 1022); np.ldexp is several times slower per entry.
        if abs(k) <= 1022:
            np.multiply(out, 2.0**-k, out=out)
        else:
            np.ldexp(out, -k, out=out)
    return out
