"""Checks of arrays: conversion to new float64 arrays of finite numbers, shapes and lengths.

Part of :mod:`l2reg._validation`, which re-exports everything here; see its docstring
for the message pattern ``<parameter>: expected <what>, got <received>``.
"""

from __future__ import annotations

import numpy as np

from ._check_scalars import describe

def _array_phrase(ndim):
    return "an array" if ndim is None else f"a {ndim}-D array"


def as_array(name, a, *, ndim=None, allow_empty=False):
    """Convert ``a`` to a new float64 array of finite real numbers.

    Parameters
    ----------
    name : str
        The parameter's name, used in error messages.
    a : array_like
        Real numbers: a NumPy array, a (nested) list or tuple, or a scalar.
        Integer input is converted to float64.
    ndim : int, optional
        Required number of dimensions; any number (including 0) if omitted.
    allow_empty : bool, default False
        Whether an array with no entries is acceptable.

    Returns
    -------
    ndarray
        A float64 copy of ``a``; never the caller's own array.

    Raises
    ------
    TypeError
        If ``a`` is None, a string, or holds anything but real numbers
        (strings, bools, complex numbers, objects).
    ValueError
        If ``a`` is ragged, has the wrong number of dimensions, is empty, or
        holds NaN or infinity.

    Examples
    --------
    >>> as_array("x", [1, 2, 3])
    array([1., 2., 3.])
    >>> as_array("x", [[1.0, float("nan")]])
    Traceback (most recent call last):
    ...
    ValueError: x: expected finite entries, got nan at index (0, 1)
    """
    phrase = _array_phrase(ndim)
    if a is None or isinstance(a, (str, bytes)):
        raise TypeError(f"{name}: expected {phrase} of real numbers, got {describe(a)}")
    if isinstance(a, np.ndarray):
        arr = a
    else:
        try:
            arr = np.asarray(a)
        except (ValueError, TypeError) as exc:
            raise ValueError(
                f"{name}: expected {phrase} of real numbers, got a ragged or "
                f"malformed {type(a).__name__} that is not a rectangular array"
            ) from exc
    kind = arr.dtype.kind
    if kind == "b":
        raise TypeError(
            f"{name}: expected {phrase} of real numbers, got an array of bools "
            f"(convert it with .astype(float) if that is intended)"
        )
    if kind == "c":
        raise TypeError(
            f"{name}: expected {phrase} of real numbers, got an array of complex "
            f"numbers (dtype {arr.dtype})"
        )
    if kind not in "iuf":
        if arr.ndim == 0:
            got = describe(a)
        else:
            what = {"U": "strings", "S": "bytes", "O": "objects", "M": "dates", "m": "time spans"}
            got = f"an array of {what.get(kind, 'values')} (dtype {arr.dtype})"
        raise TypeError(f"{name}: expected {phrase} of real numbers, got {got}")
    if ndim is not None and arr.ndim != ndim:
        if arr.ndim == 0:
            got = f"a scalar ({describe(a)})"
        else:
            got = f"an array of shape {arr.shape}"
        hint = ""
        if ndim == 1 and arr.ndim == 2 and 1 in arr.shape:
            hint = "; use .ravel() to flatten a row or column vector"
        raise ValueError(f"{name}: expected {phrase}, got {got}{hint}")
    if arr.size == 0 and not allow_empty:
        what = "array" if ndim is None else f"{ndim}-D array"
        raise ValueError(f"{name}: expected a non-empty {what}, got an array of shape {arr.shape}")
    # Always copy: the result is the callee's to modify, never the caller's.
    out = np.array(arr, dtype=np.float64, copy=True)
    finite = np.isfinite(out)
    if not finite.all():
        bad = np.argwhere(~finite)
        first = tuple(int(i) for i in bad[0])
        where = first[0] if len(first) == 1 else first
        value = float(out[first]) if out.ndim else float(out.item())
        more = len(bad) - 1
        extra = f" and {more} more non-finite entr{'y' if more == 1 else 'ies'}" if more else ""
        loc = f" at index {where}" if out.ndim else ""
        raise ValueError(f"{name}: expected finite entries, got {value!r}{loc}{extra}")
    return out


def as_matrix(name, X):
    """Convert ``X`` to a new non-empty 2-D float64 array of finite numbers.

    Parameters
    ----------
    name : str
        The parameter's name, used in error messages.
    X : array_like of shape (n, p)
        The matrix.

    Returns
    -------
    ndarray of shape (n, p)
        A float64 copy of ``X``.

    Raises
    ------
    TypeError
        If ``X`` does not hold real numbers.
    ValueError
        If ``X`` is not 2-D, is empty, or holds NaN or infinity.

    Examples
    --------
    >>> as_matrix("X", [[1, 2], [3, 4]]).shape
    (2, 2)
    >>> as_matrix("X", [1.0, 2.0, 3.0, 4.0, 5.0])
    Traceback (most recent call last):
    ...
    ValueError: X: expected a 2-D array, got an array of shape (5,)
    """
    return as_array(name, X, ndim=2)


def as_two_feature_data(X, y):
    """Check the data of a two-weight picture: ``X`` of shape (n, 2), ``y`` of length n.

    Returns
    -------
    X : ndarray of shape (n, 2)
    y : ndarray of shape (n,)
        Float64 copies, as :func:`as_matrix` and :func:`as_vector` make them.

    Examples
    --------
    >>> as_two_feature_data([[1, 2], [3, 4]], [0, 1])[0].shape
    (2, 2)
    >>> as_two_feature_data([[1, 2, 3]], [0])
    Traceback (most recent call last):
    ...
    ValueError: the columns of X: expected length 2, got length 3
    """
    X = as_matrix("X", X)
    y = as_vector("y", y)
    check_same_length("X", X, "y", y)
    check_length("the columns of X", X[0], 2)
    return X, y


def check_length(name, arr, length, other=None):
    """Check that an already validated array has ``length`` entries along axis 0.

    Parameters
    ----------
    name : str
        The array's parameter name, used in error messages.
    arr : ndarray
        An array returned by one of the ``as_*`` helpers.
    length : int
        The required length.
    other : str, optional
        What the length must match, e.g. ``"the rows of X"``.

    Returns
    -------
    ndarray
        ``arr`` itself.

    Raises
    ------
    ValueError
        If ``len(arr) != length``.

    Examples
    --------
    >>> check_length("y", np.zeros(19), 20, "the rows of X")
    Traceback (most recent call last):
    ...
    ValueError: y: expected length 20 to match the rows of X, got length 19
    """
    got = arr.shape[0] if arr.ndim else 0
    if got != length:
        match = f" to match {other}" if other else ""
        raise ValueError(f"{name}: expected length {length}{match}, got length {got}")
    return arr


def as_vector(name, v, length=None, *, other=None):
    """Convert ``v`` to a new non-empty 1-D float64 array of finite numbers.

    Parameters
    ----------
    name : str
        The parameter's name, used in error messages.
    v : array_like of shape (m,)
        The vector.
    length : int, optional
        Required length.
    other : str, optional
        What the length must match, e.g. ``"the rows of X"``; named in the
        error message.

    Returns
    -------
    ndarray of shape (m,)
        A float64 copy of ``v``.

    Raises
    ------
    TypeError
        If ``v`` does not hold real numbers.
    ValueError
        If ``v`` is not 1-D, is empty, holds NaN or infinity, or has the
        wrong length.

    Examples
    --------
    >>> as_vector("w", (1, 2))
    array([1., 2.])
    >>> as_vector("y", [0.0] * 19, length=20, other="the rows of X")
    Traceback (most recent call last):
    ...
    ValueError: y: expected length 20 to match the rows of X, got length 19
    """
    arr = as_array(name, v, ndim=1)
    if length is not None:
        check_length(name, arr, length, other)
    return arr


def check_same_length(name_a, a, name_b, b):
    """Check that ``b`` has as many entries as ``a`` has rows (or entries).

    Parameters
    ----------
    name_a, name_b : str
        Parameter names, used in the error message.
    a, b : ndarray
        Arrays returned by the ``as_*`` helpers; ``b`` is the one blamed.

    Returns
    -------
    None

    Raises
    ------
    ValueError
        If ``len(b) != len(a)``.

    Examples
    --------
    >>> check_same_length("X", np.zeros((20, 3)), "y", np.zeros(19))
    Traceback (most recent call last):
    ...
    ValueError: y: expected length 20 to match the rows of X, got length 19
    """
    other = f"the rows of {name_a}" if a.ndim >= 2 else f"the length of {name_a}"
    check_length(name_b, b, a.shape[0], other)


def check_same_shape(name_a, a, name_b, b):
    """Check that ``b`` has exactly the shape of ``a``.

    Parameters
    ----------
    name_a, name_b : str
        Parameter names, used in the error message.
    a, b : ndarray
        Arrays returned by the ``as_*`` helpers; ``b`` is the one blamed.

    Returns
    -------
    None

    Raises
    ------
    ValueError
        If the shapes differ.

    Examples
    --------
    >>> check_same_shape("w", np.zeros(3), "grad", np.zeros(4))
    Traceback (most recent call last):
    ...
    ValueError: grad: expected shape (3,) to match w, got shape (4,)
    """
    if a.shape != b.shape:
        raise ValueError(
            f"{name_b}: expected shape {a.shape} to match {name_a}, got shape {b.shape}"
        )


def as_lambdas(name, lams):
    """Convert a grid of penalty strengths to a new 1-D float64 array.

    Parameters
    ----------
    name : str
        The parameter's name, used in error messages.
    lams : array_like of shape (k,)
        Non-negative finite numbers, in any order; at least one.

    Returns
    -------
    ndarray of shape (k,)
        A float64 copy of ``lams``.

    Raises
    ------
    TypeError
        If ``lams`` does not hold real numbers.
    ValueError
        If ``lams`` is not 1-D, is empty, or holds NaN, infinity or a
        negative number.

    Examples
    --------
    >>> as_lambdas("lams", [0, 0.1, 1])
    array([0. , 0.1, 1. ])
    >>> as_lambdas("lams", [0.1, -2.0])
    Traceback (most recent call last):
    ...
    ValueError: lams: expected every entry >= 0, got -2.0 at index 1
    """
    return as_nonnegative_vector(name, lams)


def as_nonnegative_vector(name, v):
    """Convert ``v`` to a new non-empty 1-D float64 array of finite numbers >= 0.

    Penalties (:func:`as_lambdas`), learning rates, weight decays.

    Examples
    --------
    >>> as_nonnegative_vector("lrs", [0.01, -0.1])
    Traceback (most recent call last):
    ...
    ValueError: lrs: expected every entry >= 0, got -0.1 at index 1
    """
    arr = as_array(name, v, ndim=1)
    return check_entries(name, arr, arr >= 0, "every entry >= 0")


def check_positive_entries(name, arr):
    """Check that every entry of the array ``arr`` is > 0.

    Examples
    --------
    >>> check_positive_entries("std", np.array([1.0, 0.0]))
    Traceback (most recent call last):
    ...
    ValueError: std: expected every entry > 0, got 0.0 at index 1
    """
    return check_entries(name, arr, arr > 0, "every entry > 0")


def check_entries(name, arr, ok, expected):
    """Check that ``ok`` (a boolean array of the shape of ``arr``) holds everywhere; the
    message names the first entry where it does not, and its flat index.

    Examples
    --------
    >>> a = np.array([0.0, 1.0, 2.0])
    >>> check_entries("y", a, np.isin(a, (0, 1)), "labels 0 or 1")
    Traceback (most recent call last):
    ...
    ValueError: y: expected labels 0 or 1, got 2.0 at index 2
    """
    bad = np.flatnonzero(~np.asarray(ok))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"{name}: expected {expected}, got {float(arr.flat[i])!r} at index {i}")
    return arr


def check_shape(name, arr, shape, other=None):
    """Check that an already validated array has exactly the shape ``shape``.

    Parameters
    ----------
    name : str
        The array's parameter name, used in error messages.
    arr : ndarray
        An array returned by one of the ``as_*`` helpers.
    shape : tuple of int
        The required shape.
    other : str, optional
        What the shape must match, e.g. ``"the first call to step()"``.

    Returns
    -------
    ndarray
        ``arr`` itself.

    Raises
    ------
    ValueError
        If ``arr.shape != shape``.

    Examples
    --------
    >>> check_shape("w", np.zeros(4), (3,), "the first call to step()")
    Traceback (most recent call last):
    ...
    ValueError: w: expected shape (3,) to match the first call to step(), got shape (4,)
    """
    shape = tuple(shape)
    if arr.shape != shape:
        match = f" to match {other}" if other else ""
        raise ValueError(f"{name}: expected shape {shape}{match}, got shape {arr.shape}")
    return arr
