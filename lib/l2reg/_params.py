"""Parameter constraints declared as data next to each public function, and the decorator that enforces them.

Modelled on scikit-learn's ``validate_params`` (``sklearn/utils/_param_validation.py``):
the decorator takes a dict ``{parameter name: constraint}``, checks the bound arguments
before the function body runs, and stores the dict on the function
(``func.parameter_constraints``, scikit-learn's ``_skl_parameter_constraints``) so that
tests can introspect it and generate the bad inputs of every parameter from it, as
scikit-learn's ``generate_invalid_param_val`` does. Unlike scikit-learn's, a constraint
here also *converts* the value (a list to a new float64 array, a NumPy scalar to a
float) and the function receives the converted values; a constraint may depend on
parameters declared before it (``y`` has one entry per row of ``X``). The checks
themselves, and so the messages ``<parameter>: expected <what>, got <received>``, are
those of :mod:`l2reg._validation`.

Examples
--------
>>> from l2reg._params import Nonnegative, Vector, validate_params
>>> @validate_params({"w": Vector(), "lam": Nonnegative()})
... def penalty(w, lam):
...     return lam * float(w @ w)
>>> penalty([3, 4], 1)
25.0
>>> penalty([3, 4], -1)
Traceback (most recent call last):
...
ValueError: lam: expected a finite number >= 0, got -1
>>> sorted(penalty.parameter_constraints)
['lam', 'w']
"""

from __future__ import annotations

import functools
import inspect

import numpy as np

from . import _check_arrays as a
from . import _check_scalars as s
from . import _check_structures as st


class Constraint:
    """What one parameter accepts: ``check(name, value, values)`` returns the converted value.

    ``kind`` names the family of values the parameter accepts ("matrix", "vector",
    "nonnegative", ...): the tests try that family's bad values. ``values`` holds the
    already checked parameters declared before this one.

    Examples
    --------
    >>> Nonnegative().check("lam", 2, {})
    2.0
    """

    kind = "any"

    def check(self, name, value, values):  # pragma: no cover - overridden
        raise NotImplementedError

    def __repr__(self):
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({fields})"


class Matrix(Constraint):
    """A non-empty 2-D array of finite numbers (at least ``min_rows`` rows).

    With ``columns`` it has that many columns; with ``columns_of`` as many as the matrix
    ``values[columns_of]``; with ``rows_of`` as many rows as the array ``values[rows_of]``.
    """

    kind = "matrix"

    def __init__(self, min_rows=1, columns=None, columns_of=None, rows_of=None):
        self.min_rows = min_rows
        self.columns = columns
        self.columns_of = columns_of
        self.rows_of = rows_of

    def check(self, name, value, values):
        X = a.as_matrix(name, value)
        if X.shape[0] < self.min_rows:
            raise ValueError(f"{name}: expected at least {self.min_rows} rows, got an array of shape {X.shape}")
        if self.columns is not None and X.shape[1] != self.columns:
            raise ValueError(f"{name}: expected {self.columns} columns, got an array of shape {X.shape}")
        if self.columns_of is not None and X.shape[1] != values[self.columns_of].shape[1]:
            raise ValueError(f"{name}: expected {values[self.columns_of].shape[1]} columns to match the columns "
                             f"of {self.columns_of}, got an array of shape {X.shape}")
        if self.rows_of is not None and X.shape[0] != values[self.rows_of].shape[0]:
            raise ValueError(f"{name}: expected {values[self.rows_of].shape[0]} rows, one per row of "
                             f"{self.rows_of}, got an array of shape {X.shape}")
        return X


class Vector(Constraint):
    """A non-empty 1-D array of finite numbers.

    Its length is ``values[param].shape[axis]`` with ``length_of=(param, axis)``, or the
    fixed ``length``; ``other`` names it in the message. With ``positive`` every entry
    must be > 0, with ``nonnegative`` >= 0; with ``labels`` (such as ``(0, 1)``) every
    entry must be one of them.
    """

    kind = "vector"
    _AXES = {0: "the rows of", 1: "the columns of"}

    def __init__(self, length_of=None, length=None, other=None, positive=False, nonnegative=False, labels=None):
        self.length_of = length_of
        self.length = length
        self.other = other
        self.positive = positive
        self.nonnegative = nonnegative
        self.labels = labels

    def check(self, name, value, values):
        if self.length_of is not None:
            source, axis = self.length_of
            other = self.other or (f"{self._AXES[axis]} {source}" if values[source].ndim > 1 else source)
            arr = a.as_vector(name, value, values[source].shape[axis], other=other)
        else:
            arr = a.as_vector(name, value, self.length, other=self.other)
        if self.nonnegative:
            arr = a.as_nonnegative_vector(name, arr)
        if self.labels is not None:
            st.check_labels(name, arr, self.labels)
        return a.check_positive_entries(name, arr) if self.positive else arr


class Array(Constraint):
    """A non-empty array of finite numbers of any shape, or of the shape of ``same_shape_as``.

    With ``borrow=True`` a float64 ndarray is used as it is, not copied (for a function
    that never writes into its input nor keeps it, such as an optimizer's ``step``): its
    entries are all finite when their sum is (a NaN or an infinity makes the sum NaN or
    infinite), one cheap pass; any other value is converted, or rejected, as without.
    """

    kind = "array"

    def __init__(self, same_shape_as=None, borrow=False):
        self.same_shape_as = same_shape_as
        self.borrow = borrow

    def check(self, name, value, values):
        if (self.borrow and type(value) is np.ndarray and value.dtype == np.float64 and value.size
                and np.isfinite(value.sum())):
            arr = value
        else:
            arr = a.as_array(name, value)
        if self.same_shape_as is not None:
            a.check_same_shape(self.same_shape_as, values[self.same_shape_as], name, arr)
        return arr


class Lambdas(Constraint):
    """A non-empty 1-D array of finite penalties >= 0 (> 0 with ``positive``)."""

    kind = "lambdas"

    def __init__(self, positive=False):
        self.positive = positive

    def check(self, name, value, values):
        lams = a.as_lambdas(name, value)
        return a.check_positive_entries(name, lams) if self.positive else lams


class Real(Constraint):
    """A finite real number (not a bool), as a float, within the ``bounds`` of
    :func:`_check_scalars.as_scalar` (``minimum``, ``maximum``, ``include_minimum``, ...)."""

    kind = "real"

    def __init__(self, **bounds):
        self.bounds = bounds

    def check(self, name, value, values):
        return s.as_scalar(name, value, **self.bounds)


class Optional(Constraint):
    """None, or a value that ``constraint`` accepts."""

    kind = "optional"

    def __init__(self, constraint):
        self.constraint = constraint

    def check(self, name, value, values):
        return None if value is None else self.constraint.check(name, value, values)


class Nonnegative(Constraint):
    """A finite number >= 0, as a float."""

    kind = "nonnegative"

    def check(self, name, value, values):
        return s.as_nonnegative(name, value)


class Positive(Constraint):
    """A finite number > 0, as a float."""

    kind = "positive"

    def check(self, name, value, values):
        return s.as_positive(name, value)


class Int(Constraint):
    """An integer (not a bool) from ``minimum``; ``maximum`` may be a function of the
    checked values (``k`` folds at most the rows of ``X``)."""

    kind = "int"

    def __init__(self, minimum=None, maximum=None):
        self.minimum = minimum
        self.maximum = maximum

    def check(self, name, value, values):
        maximum = self.maximum(values) if callable(self.maximum) else self.maximum
        return s.as_int(name, value, minimum=self.minimum, maximum=maximum)


class Bool(Constraint):
    """``True`` or ``False`` (a NumPy bool too; not 0 or 1)."""

    kind = "bool"

    def check(self, name, value, values):
        return s.as_bool(name, value)


class Function(Constraint):
    """A callable."""

    kind = "callable"

    def check(self, name, value, values):
        return s.as_callable(name, value)


class Pair(Constraint):
    """A pair of finite numbers, each within the bounds of :func:`_check_scalars.as_scalar`."""

    kind = "pair"

    def __init__(self, **bounds):
        self.bounds = bounds

    def check(self, name, value, values):
        return s.as_scalar_pair(name, value, **self.bounds)


class Text(Constraint):
    """A string (text to show)."""

    kind = "text"

    def check(self, name, value, values):
        return st.as_text(name, value)


class Choice(Constraint):
    """One of ``options`` (compared by kind and value: ``1`` is not ``True``)."""

    kind = "choice"

    def __init__(self, *options):
        self.options = options

    def check(self, name, value, values):
        return s.check_choice(name, value, self.options)


class GroupLabels(Constraint):
    """Integer group labels, one per entry of ``values[param]`` along ``axis`` with
    ``length_of=(param, axis)``; converted to ``(labels, index)`` (sorted distinct labels,
    and each entry's position among them)."""

    kind = "groups"

    def __init__(self, length_of):
        self.length_of = length_of

    def check(self, name, value, values):
        source, axis = self.length_of
        other = f"the columns of {source}" if values[source].ndim > 1 else f"the entries of {source}"
        return st.as_group_labels(name, value, values[source].shape[axis], other)


class Thresholds(Constraint):
    """A threshold >= 0, one for all groups or one per group of the :class:`GroupLabels`
    parameter ``groups``; converted to a 1-D array."""

    kind = "thresholds"

    def __init__(self, groups):
        self.groups = groups

    def check(self, name, value, values):
        return st.as_thresholds(name, value, values[self.groups][0].size)


class WeightRows(Constraint):
    """One weight vector or one per row: a 1-D or 2-D array of finite numbers whose last
    axis has ``values[param].shape[axis]`` entries, ``length_of=(param, axis)``."""

    kind = "weight-rows"

    def __init__(self, length_of):
        self.length_of = length_of

    def check(self, name, value, values):
        source, axis = self.length_of
        return st.as_weight_rows(name, value, values[source].shape[axis], f"the columns of {source}")


class IntSequence(Constraint):
    """A sequence of integers (from ``minimum``), one per row of ``values[rows_of]``; a list."""

    kind = "int-sequence"

    def __init__(self, rows_of, minimum=None):
        self.rows_of = rows_of
        self.minimum = minimum

    def check(self, name, value, values):
        return st.as_int_sequence(name, value, values[self.rows_of].shape[0], f"one per row of {self.rows_of}",
                                  minimum=self.minimum)


class Checked(Constraint):
    """A value checked and converted by ``func(name, value)``, a check of
    :mod:`l2reg._validation` or one built from them; ``kind`` names its family of values
    (the tests hold a table of bad values per kind)."""

    def __init__(self, func, kind):
        self.func = func
        self.kind = kind

    def check(self, name, value, values):
        return self.func(name, value)


def check_params(constraints, values):
    """Check and convert ``values`` (a dict, changed in place) in the declared order.

    Parameters
    ----------
    constraints : dict of str to Constraint
    values : dict of str to object
        Every declared parameter's value.

    Returns
    -------
    dict
        ``values``, each declared entry replaced by its converted value.

    Examples
    --------
    >>> check_params({"lam": Nonnegative()}, {"lam": 1})
    {'lam': 1.0}
    """
    for name, constraint in constraints.items():
        values[name] = constraint.check(name, values[name], values)
    return values


def declare_params(constraints):
    """Attach ``constraints`` to a function that enforces them itself with :func:`check_params`.

    For a hot path (an optimizer's ``step``) where binding the arguments to the signature
    would cost more than the step; the tests find the declaration as for
    :func:`validate_params`.

    Examples
    --------
    >>> @declare_params({"w": Array()})
    ... def f(w):
    ...     return check_params(f.parameter_constraints, {"w": w})["w"]
    >>> f([1, 2]).tolist()
    [1.0, 2.0]
    """

    def decorator(func):
        func.parameter_constraints = constraints
        return func

    return decorator


def validate_params(constraints):
    """Decorate a function so that its arguments are checked by ``constraints`` first.

    Parameters
    ----------
    constraints : dict of str to Constraint
        One entry per parameter to check, in the order they are checked (a parameter
        whose constraint depends on another comes after it).

    Returns
    -------
    callable
        The decorator. The decorated function has the signature and docstring of the
        original and the attribute ``parameter_constraints``.

    Examples
    --------
    >>> @validate_params({"flag": Bool()})
    ... def f(flag=False):
    ...     return flag
    >>> f(), f(True)
    (False, True)
    """

    def decorator(func):
        sig = inspect.signature(func)
        unknown = set(constraints) - set(sig.parameters)
        if unknown:  # pragma: no cover - a mistake in a declaration
            raise TypeError(f"{func.__qualname__}: constraints for unknown parameters {sorted(unknown)}")

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            bound = sig.bind(*args, **kwargs)
            bound.apply_defaults()
            check_params(constraints, bound.arguments)
            return func(*bound.args, **bound.kwargs)

        wrapper.parameter_constraints = constraints
        return wrapper

    return decorator
