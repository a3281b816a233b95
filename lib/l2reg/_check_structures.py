"""Checks of structured arguments: class labels, group labels, per-group thresholds, weight rows, seed lists, keys.

Part of :mod:`l2reg._validation`, which re-exports everything here; see its docstring
for the message pattern ``<parameter>: expected <what>, got <received>``.
"""

from __future__ import annotations

import numpy as np

from ._check_arrays import as_array, check_entries
from ._check_scalars import as_int, as_scalar, describe


def check_labels(name, arr, labels):
    """Check that every entry of the validated array ``arr`` is one of ``labels``.

    Parameters
    ----------
    name : str
        The parameter's name, used in error messages.
    arr : ndarray
        An array returned by one of the ``as_*`` helpers.
    labels : tuple of float
        The allowed values, such as ``(0, 1)``.

    Returns
    -------
    ndarray
        ``arr`` itself.

    Raises
    ------
    ValueError
        If an entry is not one of ``labels`` (the message gives the first and its index).

    Examples
    --------
    >>> check_labels("y", np.array([0.0, 1.0, 2.0]), (0, 1))
    Traceback (most recent call last):
    ...
    ValueError: y: expected labels 0 or 1, got 2.0 at index 2
    """
    return check_entries(name, arr, np.isin(arr, labels), "labels " + " or ".join(f"{x:g}" for x in labels))


def as_group_labels(name, groups, length, other=None):
    """Convert group labels, one integer per weight, to ``(labels, index)``.

    Parameters
    ----------
    name : str
        The parameter's name, used in error messages.
    groups : array_like of int, shape (length,)
        ``groups[j]`` is the group of weight ``j``; any integers.
    length : int
        The number of weights.
    other : str, optional
        What ``length`` is, e.g. ``"the columns of X"``.

    Returns
    -------
    labels : ndarray of int
        The distinct labels, sorted.
    index : ndarray of int, shape (length,)
        ``labels[index[j]] == groups[j]``.

    Raises
    ------
    TypeError
        If ``groups`` is not an array of integers.
    ValueError
        If it does not have exactly one label per weight.

    Examples
    --------
    >>> labels, index = as_group_labels("groups", [5, 5, 2], 3)
    >>> labels.tolist(), index.tolist()
    ([2, 5], [1, 1, 0])
    >>> as_group_labels("groups", [0.0, 1.0, 1.0], 3)
    Traceback (most recent call last):
    ...
    TypeError: groups: expected integer group labels, got list of length 3 holding float64
    """
    count = f"{length}, {other}" if other else f"{length}"
    if groups is None or isinstance(groups, (str, bytes, dict, set)):
        raise TypeError(f"{name}: expected an array of integer group labels, got {describe(groups)}")
    try:
        arr = np.asarray(groups)
    except ValueError:
        raise ValueError(f"{name}: expected one group label per weight ({count}), "
                         f"got a ragged {type(groups).__name__}") from None
    if arr.ndim != 1 or arr.size != length:
        got = f"a scalar ({describe(groups)})" if arr.ndim == 0 else f"an array of shape {arr.shape}"
        raise ValueError(f"{name}: expected one group label per weight ({count}), got {got}")
    if arr.dtype.kind not in "iu":
        got = describe(groups) if isinstance(groups, np.ndarray) else f"{describe(groups)} holding {arr.dtype}"
        raise TypeError(f"{name}: expected integer group labels, got {got}")
    labels, index = np.unique(arr, return_inverse=True)
    return labels, index.reshape(-1)


def as_thresholds(name, t, n_groups):
    """Convert a threshold >= 0, one for all groups or one per group, to a 1-D float64 array.

    Parameters
    ----------
    name : str
        The parameter's name, used in error messages.
    t : float or array_like of shape (n_groups,)
        The threshold(s).
    n_groups : int
        The number of groups.

    Returns
    -------
    ndarray of shape (1,) or (n_groups,)

    Raises
    ------
    TypeError
        If ``t`` is not numeric.
    ValueError
        If ``t`` is not finite, negative, or neither one number nor one per group.

    Examples
    --------
    >>> as_thresholds("t", 0.5, 3).tolist()
    [0.5]
    >>> as_thresholds("t", [0.5, -1.0], 2)
    Traceback (most recent call last):
    ...
    ValueError: t: expected thresholds >= 0, got -1.0 at index 1
    """
    arr = np.array([as_scalar(name, t)]) if np.ndim(t) == 0 and not isinstance(t, np.ndarray) else as_array(name, t)
    if arr.ndim > 1 or arr.size not in (1, n_groups):
        raise ValueError(f"{name}: expected one threshold or one per group ({n_groups}), got shape {arr.shape}")
    if arr.ndim == 0 and arr < 0:
        raise ValueError(f"{name}: expected thresholds >= 0, got {float(arr)!r}")
    return check_entries(name, arr.reshape(-1), arr.reshape(-1) >= 0, "thresholds >= 0")


def as_weight_rows(name, w, length, other=None):
    """Convert one weight vector, or one per row, to a new float64 array of 1 or 2 dimensions.

    Parameters
    ----------
    name : str
        The parameter's name, used in error messages.
    w : array_like of shape (length,) or (m, length)
        The weights.
    length : int
        The number of weights per vector.
    other : str, optional
        What ``length`` is, e.g. ``"the columns of X"``.

    Returns
    -------
    ndarray of shape (length,) or (m, length)

    Raises
    ------
    TypeError
        If ``w`` is not numeric.
    ValueError
        If ``w`` is not finite, empty, of 0 or more than 2 dimensions, or of the wrong length.

    Examples
    --------
    >>> as_weight_rows("w", [[1, 2], [3, 4]], 2).shape
    (2, 2)
    >>> as_weight_rows("w", [1, 2, 3], 2, "the columns of X")
    Traceback (most recent call last):
    ...
    ValueError: w: expected 2 weights per vector to match the columns of X, got an array of shape (3,)
    """
    arr = as_array(name, w)
    if arr.ndim not in (1, 2):
        raise ValueError(f"{name}: expected a 1-D or 2-D array (one weight vector or one per row), "
                         f"got {f'a scalar ({describe(w)})' if arr.ndim == 0 else f'an array of shape {arr.shape}'}")
    if arr.shape[-1] != length:
        match = f" to match {other}" if other else ""
        raise ValueError(f"{name}: expected {length} weights per vector{match}, got an array of shape {arr.shape}")
    return arr


def as_int_sequence(name, seq, length, other=None, *, minimum=None):
    """Convert a sequence of ``length`` integers (such as seeds) to a list of ints.

    Parameters
    ----------
    name : str
        The parameter's name, used in error messages; entry ``i`` is named ``name[i]``.
    seq : sequence of int
        A list, tuple or 1-D integer array.
    length : int
        The required length.
    other : str, optional
        What the length must match, e.g. ``"one per row of xs"``.
    minimum : int, optional
        Least allowed entry.

    Returns
    -------
    list of int

    Raises
    ------
    TypeError
        If ``seq`` is not a sequence, or an entry not an integer.
    ValueError
        If the length is wrong or an entry below ``minimum``.

    Examples
    --------
    >>> as_int_sequence("seeds", (0, 1), 2)
    [0, 1]
    >>> as_int_sequence("seeds", [0], 2, "one per row of xs")
    Traceback (most recent call last):
    ...
    ValueError: seeds: expected 2 seeds, one per row of xs, got 1 (list of length 1)
    """
    if isinstance(seq, (str, bytes, dict, set)) or not hasattr(seq, "__len__") or np.ndim(seq) > 1:
        raise TypeError(f"{name}: expected a sequence of {length} integers, got {describe(seq)}")
    if np.ndim(seq) == 0:  # a 0-d array has __len__ but no length
        raise TypeError(f"{name}: expected a sequence of {length} integers, got {describe(seq)}")
    if len(seq) != length:
        match = f", {other}" if other else ""
        raise ValueError(f"{name}: expected {length} {name}{match}, got {len(seq)} ({describe(seq)})")
    return [as_int(f"{name}[{i}]", x, minimum=minimum) for i, x in enumerate(seq)]


def as_text(name, value):
    """Check that ``value`` is a string (text to show); return it.

    Parameters
    ----------
    name : str
        The parameter's name, used in error messages.
    value : object

    Returns
    -------
    str
        ``value`` itself.

    Raises
    ------
    TypeError
        If ``value`` is not a ``str``.

    Examples
    --------
    >>> as_text("toward", 0.91)
    Traceback (most recent call last):
    ...
    TypeError: toward: expected a string, got 0.91
    """
    if not isinstance(value, str):
        raise TypeError(f"{name}: expected a string, got {describe(value)}")
    return value


def check_keys(name, given, required):
    """Check that the dict ``given`` has exactly the keys ``required``.

    Parameters
    ----------
    name : str
        The parameter's name, used in error messages.
    given : dict
    required : sequence of str

    Returns
    -------
    None

    Raises
    ------
    TypeError
        If ``given`` is not a dict.
    ValueError
        If a key is missing or unknown.

    Examples
    --------
    >>> check_keys("params", {"W1": 1}, ("W1", "b1"))
    Traceback (most recent call last):
    ...
    ValueError: params: expected the keys W1, b1, got a dict without b1
    """
    if not isinstance(given, dict):
        raise TypeError(f"{name}: expected a dict, got {describe(given)}")
    unknown = sorted(repr(k) for k in set(given) - set(required))
    if unknown:
        raise ValueError(f"{name}: expected the keys {', '.join(required)}, got a dict with the unknown keys "
                         f"{', '.join(unknown)}")
    missing = [k for k in required if k not in given]
    if missing:
        raise ValueError(f"{name}: expected the keys {', '.join(required)}, got a dict without {', '.join(missing)}")


__all__ = ["check_labels", "as_group_labels", "as_thresholds", "as_weight_rows", "as_int_sequence", "as_text",
           "check_keys"]
