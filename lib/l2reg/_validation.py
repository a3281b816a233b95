"""Input checks and error messages shared by every module of :mod:`l2reg`.

Every public function of the package validates its arguments with the helpers
below, so that all error messages follow one pattern::

    <parameter>: expected <what was expected>, got <what was received>

for example ``lam: expected a finite number >= 0, got -0.5``.

Two kinds of mistakes are told apart:

* a value of the wrong *type* (``None``, a string, a list of strings, a complex
  number, a bool where a number is wanted, an object array, ...) raises
  :class:`TypeError`;
* a value of the right type but the wrong *value* (NaN or infinity, the wrong
  number of dimensions, the wrong length, an empty array, a negative penalty,
  ...) raises :class:`ValueError`.

The array helpers always return a new float64 array, so callers may modify the
result freely and the caller's own arrays are never changed or aliased. The
scalar helpers return plain Python ``float``, ``int`` or ``bool``.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = [
    "describe",
    "as_array",
    "as_matrix",
    "as_vector",
    "as_lambdas",
    "check_length",
    "check_same_length",
    "check_same_shape",
    "as_scalar",
    "as_nonnegative",
    "as_positive",
    "as_int",
    "as_bool",
    "as_callable",
    "check_positive_entries",
    "check_step_changes",
    "as_returned_scalar",
    "check_together",
    "check_instance",
    "check_names",
    "as_scalar_pair",
    "check_shape",
]

_REPR_LIMIT = 60


def _short(text):
    """Shorten ``text`` to at most ``_REPR_LIMIT`` characters."""
    if len(text) <= _REPR_LIMIT:
        return text
    return text[: _REPR_LIMIT - 3] + "..."


def _fmt_number(x):
    """Format a bound or a received real number for a message (``0``, ``-0.5``)."""
    x = float(x)
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def describe(value):
    """Describe a received value in a few words, for an error message.

    Parameters
    ----------
    value : object
        Anything a caller passed.

    Returns
    -------
    str
        For example ``"None"``, ``"-0.5"``, ``"str 'abc'"``, ``"bool True"``
        or ``"an array of shape (5,)"``.

    Examples
    --------
    >>> describe(None), describe(-0.5), describe("abc"), describe(True)
    ('None', '-0.5', "str 'abc'", 'bool True')
    >>> describe(np.zeros((2, 3)))
    'an array of shape (2, 3) and dtype float64'
    >>> describe([1, 2, 3])
    'list of length 3'
    """
    if value is None:
        return "None"
    if isinstance(value, (bool, np.bool_)):
        return f"bool {bool(value)}"
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            if value.dtype.kind in "biufc":  # a number wrapped in a 0-d array
                return describe(value.item())
            return f"a 0-d array {_short(repr(value.item()))} of dtype {value.dtype}"
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, (str, bytes)):
        return f"{type(value).__name__} {_short(repr(value))}"
    if isinstance(value, (list, tuple)):
        return f"{type(value).__name__} of length {len(value)}"
    if isinstance(value, (numbers.Integral, np.integer)):
        return _short(str(int(value)))
    if isinstance(value, (numbers.Real, np.floating)):
        try:
            return repr(float(value))
        except (OverflowError, ValueError):  # pragma: no cover - exotic Real types
            return _short(repr(value))
    if isinstance(value, (numbers.Complex, np.complexfloating)):
        return f"complex {_short(repr(complex(value)))}"
    return f"{type(value).__name__} {_short(repr(value))}"


# ----------------------------------------------------------------------------
# arrays
# ----------------------------------------------------------------------------


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
    arr = as_array(name, lams, ndim=1)
    negative = np.flatnonzero(arr < 0)
    if negative.size:
        i = int(negative[0])
        raise ValueError(f"{name}: expected every entry >= 0, got {float(arr[i])!r} at index {i}")
    return arr


# ----------------------------------------------------------------------------
# scalars
# ----------------------------------------------------------------------------


def _scalar_phrase(noun, minimum, maximum, include_minimum, include_maximum):
    if minimum is not None and maximum is not None:
        left = "[" if include_minimum else "("
        right = "]" if include_maximum else ")"
        return f"{noun} in {left}{_fmt_number(minimum)}, {_fmt_number(maximum)}{right}"
    if minimum is not None:
        return f"{noun} {'>=' if include_minimum else '>'} {_fmt_number(minimum)}"
    if maximum is not None:
        return f"{noun} {'<=' if include_maximum else '<'} {_fmt_number(maximum)}"
    return noun


def _check_bounds(name, x, phrase, received, minimum, maximum, include_minimum, include_maximum):
    too_low = minimum is not None and (x < minimum or (x == minimum and not include_minimum))
    too_high = maximum is not None and (x > maximum or (x == maximum and not include_maximum))
    if too_low or too_high:
        raise ValueError(f"{name}: expected {phrase}, got {received}")


def _unwrap_0d(name, v, phrase):
    """Return the Python scalar inside a 0-d array; reject larger arrays."""
    if isinstance(v, np.ndarray):
        if v.ndim != 0:
            raise ValueError(f"{name}: expected {phrase}, got an array of shape {v.shape}")
        return v.item() if v.dtype.kind in "biuf" else v
    return v


def as_scalar(
    name,
    v,
    *,
    minimum=None,
    maximum=None,
    strictly_positive=False,
    include_minimum=True,
    include_maximum=True,
):
    """Convert ``v`` to a finite Python ``float``, optionally within bounds.

    Parameters
    ----------
    name : str
        The parameter's name, used in error messages.
    v : int, float, NumPy scalar or 0-d array
        A real number. Bools, complex numbers, strings, None, lists and
        arrays with entries are rejected.
    minimum, maximum : float, optional
        Bounds on the value.
    strictly_positive : bool, default False
        Shorthand for ``minimum=0, include_minimum=False``.
    include_minimum, include_maximum : bool, default True
        Whether the bounds themselves are allowed.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If ``v`` is not a real number.
    ValueError
        If ``v`` is NaN, infinite, out of bounds, or an array with entries.

    Examples
    --------
    >>> as_scalar("b", 3)
    3.0
    >>> as_scalar("beta", 1.0, minimum=0, maximum=1, include_maximum=False)
    Traceback (most recent call last):
    ...
    ValueError: beta: expected a finite number in [0, 1), got 1.0
    >>> as_scalar("lr", "0.1", minimum=0)
    Traceback (most recent call last):
    ...
    TypeError: lr: expected a finite number >= 0, got str '0.1'
    """
    if strictly_positive:
        if minimum is None or minimum <= 0:
            minimum, include_minimum = 0.0, False
    phrase = _scalar_phrase("a finite number", minimum, maximum, include_minimum, include_maximum)
    x = _unwrap_0d(name, v, phrase)
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (numbers.Real, np.integer, np.floating)):
        raise TypeError(f"{name}: expected {phrase}, got {describe(v)}")
    try:
        value = float(x)
    except OverflowError:
        raise ValueError(f"{name}: expected {phrase}, got {describe(v)}") from None
    if not math.isfinite(value):
        raise ValueError(f"{name}: expected {phrase}, got {describe(v)}")
    _check_bounds(name, value, phrase, describe(v), minimum, maximum, include_minimum, include_maximum)
    return value


def as_nonnegative(name, v):
    """Convert ``v`` to a finite ``float`` >= 0 (a penalty or a learning rate).

    Parameters
    ----------
    name : str
        The parameter's name, used in error messages.
    v : int, float, NumPy scalar or 0-d array
        A real number.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If ``v`` is not a real number.
    ValueError
        If ``v`` is NaN, infinite or negative.

    Examples
    --------
    >>> as_nonnegative("lam", 0)
    0.0
    >>> as_nonnegative("lam", -0.5)
    Traceback (most recent call last):
    ...
    ValueError: lam: expected a finite number >= 0, got -0.5
    """
    return as_scalar(name, v, minimum=0.0)


def as_positive(name, v):
    """Convert ``v`` to a finite ``float`` > 0 (a step size, a tolerance).

    Parameters
    ----------
    name : str
        The parameter's name, used in error messages.
    v : int, float, NumPy scalar or 0-d array
        A real number.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If ``v`` is not a real number.
    ValueError
        If ``v`` is NaN, infinite, zero or negative.

    Examples
    --------
    >>> as_positive("eps", 0.0)
    Traceback (most recent call last):
    ...
    ValueError: eps: expected a finite number > 0, got 0.0
    """
    return as_scalar(name, v, strictly_positive=True)


def as_int(name, v, *, minimum=None, maximum=None):
    """Convert ``v`` to a Python ``int``, optionally within bounds.

    Parameters
    ----------
    name : str
        The parameter's name, used in error messages.
    v : int, NumPy integer or 0-d integer array
        An integer. Floats (even ``3.0``), bools and strings are rejected.
    minimum, maximum : int, optional
        Inclusive bounds.

    Returns
    -------
    int

    Raises
    ------
    TypeError
        If ``v`` is not an integer.
    ValueError
        If ``v`` is out of bounds or an array with entries.

    Examples
    --------
    >>> as_int("degree", np.int64(3), minimum=1)
    3
    >>> as_int("degree", 2.0)
    Traceback (most recent call last):
    ...
    TypeError: degree: expected an integer, got 2.0
    >>> as_int("n", 0, minimum=1)
    Traceback (most recent call last):
    ...
    ValueError: n: expected an integer >= 1, got 0
    """
    phrase = _scalar_phrase("an integer", minimum, maximum, True, True)
    x = _unwrap_0d(name, v, phrase)
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (numbers.Integral, np.integer)):
        raise TypeError(f"{name}: expected {phrase}, got {describe(v)}")
    value = int(x)
    _check_bounds(name, value, phrase, describe(v), minimum, maximum, True, True)
    return value


def as_bool(name, v):
    """Convert ``v`` to a Python ``bool``; only ``True`` and ``False`` are accepted.

    Parameters
    ----------
    name : str
        The parameter's name, used in error messages.
    v : bool, NumPy bool or 0-d bool array
        The flag. Integers such as 0 and 1 are rejected.

    Returns
    -------
    bool

    Raises
    ------
    TypeError
        If ``v`` is not a bool.
    ValueError
        If ``v`` is an array with entries.

    Examples
    --------
    >>> as_bool("fit_intercept", np.True_)
    True
    >>> as_bool("fit_intercept", 1)
    Traceback (most recent call last):
    ...
    TypeError: fit_intercept: expected a bool (True or False), got 1
    """
    phrase = "a bool (True or False)"
    x = _unwrap_0d(name, v, phrase)
    if not isinstance(x, (bool, np.bool_)):
        raise TypeError(f"{name}: expected {phrase}, got {describe(v)}")
    return bool(x)


def as_callable(name, f):
    """Check that ``f`` can be called.

    Parameters
    ----------
    name : str
        The parameter's name, used in error messages.
    f : callable
        The function.

    Returns
    -------
    callable
        ``f`` itself.

    Raises
    ------
    TypeError
        If ``f`` is not callable.

    Examples
    --------
    >>> as_callable("f", None)
    Traceback (most recent call last):
    ...
    TypeError: f: expected a callable, got None
    """
    if not callable(f):
        raise TypeError(f"{name}: expected a callable, got {describe(f)}")
    return f


# ----------------------------------------------------------------------------
# combinations and objects
# ----------------------------------------------------------------------------


def check_positive_entries(name, arr):
    """Check that every entry of the array ``arr`` is > 0.

    Examples
    --------
    >>> check_positive_entries("std", np.array([1.0, 0.0]))
    Traceback (most recent call last):
    ...
    ValueError: std: expected every entry > 0, got 0.0 at index 1
    """
    bad = np.flatnonzero(~(arr > 0))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"{name}: expected every entry > 0, got {float(arr.flat[i])!r} at index {i}")
    return arr


def check_together(name_a, a, name_b, b):
    """Check that two optional arguments are given both or neither.

    The message blames the one that is missing.

    Examples
    --------
    >>> check_together("mean", [0.0], "std", None)
    Traceback (most recent call last):
    ...
    ValueError: std: expected it together with mean, got None
    """
    if (a is None) != (b is None):
        missing, given = (name_a, name_b) if a is None else (name_b, name_a)
        raise ValueError(f"{missing}: expected it together with {given}, got None")


def check_instance(name, value, cls):
    """Check that ``value`` is an instance of ``cls``.

    Examples
    --------
    >>> check_instance("problem", "text", dict)
    Traceback (most recent call last):
    ...
    TypeError: problem: expected a dict, got str 'text'
    """
    if not isinstance(value, cls):
        raise TypeError(f"{name}: expected a {cls.__name__}, got {describe(value)}")
    return value


def check_names(name, given, allowed):
    """Check that every key of ``given`` is one of ``allowed``.

    Examples
    --------
    >>> check_names("values", {"alpha": 1}, ["lam"])
    Traceback (most recent call last):
    ...
    ValueError: values: expected names among ['lam'], got ['alpha']
    """
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise ValueError(f"{name}: expected names among {sorted(allowed)}, got {unknown}")


def check_step_changes(name, eps, what, value, step):
    """Check that a finite-difference step ``eps`` actually moved ``value``.

    ``step`` is the difference of the two rounded points; it is zero when
    ``eps`` is lost to rounding next to ``value``.

    Examples
    --------
    >>> check_step_changes("eps", 1e-20, "w[0]", 1.0, 0.0)
    Traceback (most recent call last):
    ...
    ValueError: eps: expected a step large enough to change w[0] = 1.0, got 1e-20
    """
    if not step > 0.0:
        raise ValueError(f"{name}: expected a step large enough to change {what} = {value!r}, got {eps!r}")


def as_returned_scalar(name, value, call):
    """Check what a user's function returned: a finite real number.

    Examples
    --------
    >>> as_returned_scalar("f", 2, "f(w)")
    2.0
    >>> as_returned_scalar("f", [1.0, 2.0], "f(w)")
    Traceback (most recent call last):
    ...
    TypeError: f: expected f(w) to return a finite number, got list of length 2
    """
    try:
        return as_scalar(name, value)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{name}: expected {call} to return a finite number, got {describe(value)}") from None


# ----------------------------------------------------------------------------
# optimizers and their state
# ----------------------------------------------------------------------------


def as_scalar_pair(name, v, **bounds):
    """Convert a pair of real numbers (such as Adam's ``betas``) to a tuple of floats.

    Each entry is checked by :func:`as_scalar` with the same keyword bounds and
    is named ``name[0]`` or ``name[1]`` in an error message.

    Parameters
    ----------
    name : str
        The parameter's name, used in error messages.
    v : tuple, list or 1-D array of length 2
        The two numbers.
    **bounds
        ``minimum``, ``maximum``, ``strictly_positive``, ``include_minimum``
        and ``include_maximum``, as for :func:`as_scalar`.

    Returns
    -------
    tuple of float
        ``(v[0], v[1])`` as Python floats.

    Raises
    ------
    TypeError
        If ``v`` is not a tuple, list or array, or an entry is not a real number.
    ValueError
        If ``v`` does not have exactly two entries, or an entry is NaN,
        infinite or out of bounds.

    Examples
    --------
    >>> as_scalar_pair("betas", (0.9, 0.999), minimum=0, maximum=1, include_maximum=False)
    (0.9, 0.999)
    >>> as_scalar_pair("betas", (0.9, 1.0), minimum=0, maximum=1, include_maximum=False)
    Traceback (most recent call last):
    ...
    ValueError: betas[1]: expected a finite number in [0, 1), got 1.0
    >>> as_scalar_pair("betas", 0.9, minimum=0, maximum=1, include_maximum=False)
    Traceback (most recent call last):
    ...
    TypeError: betas: expected a pair of finite numbers in [0, 1), got 0.9
    >>> as_scalar_pair("betas", [0.9, 0.99, 0.999])
    Traceback (most recent call last):
    ...
    ValueError: betas: expected a pair of finite numbers, got list of length 3
    """
    minimum = bounds.get("minimum")
    include_minimum = bounds.get("include_minimum", True)
    if bounds.get("strictly_positive") and (minimum is None or minimum <= 0):
        minimum, include_minimum = 0.0, False  # as in as_scalar
    phrase = _scalar_phrase(
        "a pair of finite numbers",
        minimum,
        bounds.get("maximum"),
        include_minimum,
        bounds.get("include_maximum", True),
    )
    if not isinstance(v, (tuple, list, np.ndarray)):
        raise TypeError(f"{name}: expected {phrase}, got {describe(v)}")
    if isinstance(v, np.ndarray) and v.ndim != 1:
        raise ValueError(f"{name}: expected {phrase}, got {describe(v)}")
    if len(v) != 2:
        raise ValueError(f"{name}: expected {phrase}, got {describe(v)}")
    return tuple(as_scalar(f"{name}[{i}]", v[i], **bounds) for i in range(2))


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


def check_choice(name, value, choices):
    """Check that ``value`` is one of ``choices``; return it.

    Examples
    --------
    >>> check_choice("norm", "l3", ("l2", "l1"))
    Traceback (most recent call last):
    ...
    ValueError: norm: expected one of 'l2', 'l1', got 'l3'
    """
    # Compare kind and value, so that 1 does not pass for True, nor "1" for 1.
    def same(c):
        if isinstance(c, str):
            return isinstance(value, str) and value == c
        return type(value) is type(c) and value == c

    if not any(same(c) for c in choices):
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name}: expected one of {options}, got {describe(value) if not isinstance(value, str) else repr(value)}")
    return value
