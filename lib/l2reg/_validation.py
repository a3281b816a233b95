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

The checks live in :mod:`l2reg._check_arrays`, :mod:`l2reg._check_scalars` and
:mod:`l2reg._check_structures` (labels, groups, seed lists, keys); the
declarations of each public function's parameters, and the decorator that enforces
them, in :mod:`l2reg._params`. This module gathers them under one name, so the rest
of the package writes ``from . import _validation as v``.
"""

from __future__ import annotations

import numpy as np

from ._check_arrays import (
    as_array,
    as_lambdas,
    as_matrix,
    as_nonnegative_vector,
    as_two_feature_data,
    as_vector,
    check_entries,
    check_length,
    check_positive_entries,
    check_same_length,
    check_same_shape,
    check_shape,
)
from ._check_scalars import (
    as_bool,
    as_callable,
    as_int,
    as_nonnegative,
    as_positive,
    as_scalar,
    as_scalar_pair,
    check_choice,
    describe,
)
from ._check_structures import (
    as_group_labels,
    as_int_sequence,
    as_text,
    as_thresholds,
    as_weight_rows,
    check_keys,
    check_labels,
)

__all__ = [
    "describe",
    "as_array",
    "as_matrix",
    "as_vector",
    "as_lambdas",
    "as_nonnegative_vector",
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
    "check_entries",
    "check_step_changes",
    "as_returned_scalar",
    "check_together",
    "check_instance",
    "check_names",
    "as_scalar_pair",
    "check_shape",
    "check_labels",
    "as_group_labels",
    "as_thresholds",
    "as_weight_rows",
    "as_int_sequence",
    "as_text",
    "check_keys",
]


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
