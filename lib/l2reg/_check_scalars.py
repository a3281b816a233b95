"""Checks of single values (numbers, bools, pairs, choices) and the words that describe a received value.

Part of :mod:`l2reg._validation`, which re-exports everything here; see its docstring
for the message pattern ``<parameter>: expected <what>, got <received>``.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

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
