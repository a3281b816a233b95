"""Hidden tests that record evidence instead of asserting.

A hidden test cell never holds an answer. It computes the student's results on
hidden inputs and passes each to :func:`record`, which emits it as a display
output of MIME type :data:`MIME`. The grader (``l2reg grade``) runs the
reference solution in a trusted kernel, runs the submission in a sandbox, and
compares the two sets of records *outside* the student's kernel, so code in the
submission cannot change the verdict: to forge a record it would need the very
answer it is being tested for.

When the environment variable :data:`KEY_ENV` names an answer-key file (a JSON
map from record key to the reference record), :func:`record` also compares in
the kernel and raises :class:`AssertionError` on a mismatch. That is how plain
``nbgrader autograde`` scores these notebooks; it is only as trustworthy as the
student's kernel, which is why ``l2reg grade`` does not rely on it.
"""

from __future__ import annotations

import json
import math
import os
import numbers

import numpy as np

__all__ = ["MIME", "KEY_ENV", "record", "encode", "matches"]

#: MIME type of a record in a cell's outputs.
MIME = "application/vnd.l2reg.record+json"
#: Environment variable naming an answer-key file for in-kernel checking.
KEY_ENV = "L2REG_ANSWER_KEY"


def encode(value):
    """Turn a result into plain JSON data that :func:`matches` can compare.

    Arrays and sequences become ``{"array": nested lists, "shape": [...]}``;
    real numbers become floats, with non-finite ones as the strings ``"nan"``,
    ``"inf"`` and ``"-inf"``; strings, bools and None stay as they are; dicts
    with string keys are encoded value by value. Anything else becomes
    ``{"unrecordable": "<type name>"}``, which matches nothing.

    Examples
    --------
    >>> from l2reg.checks import encode
    >>> encode([1, 2.5])
    {'array': [1.0, 2.5], 'shape': [2]}
    >>> encode(float("inf")), encode("b"), encode(True)
    ('inf', 'b', True)
    """
    if value is None or isinstance(value, (bool, np.bool_, str)):
        return value.item() if isinstance(value, np.bool_) else value
    if isinstance(value, numbers.Real):
        return _real(value)
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {"dict": {k: encode(v) for k, v in value.items()}}
        return {"unrecordable": "dict with non-string keys"}
    if isinstance(value, (list, tuple, np.ndarray)):
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            arr = None
        if arr is not None and arr.dtype != object:
            return {"array": _nested(arr), "shape": list(arr.shape)}
        return {"list": [encode(v) for v in value]}
    return {"unrecordable": type(value).__name__}


def _real(x):
    x = float(x)
    if math.isfinite(x):
        return x
    return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")


def _nested(arr):
    if arr.ndim == 0:
        return _real(arr)
    return [_nested(a) for a in arr]


def _decode_real(x):
    return float(x) if isinstance(x, str) else x


def matches(got, expected, rtol=1e-7, atol=1e-10) -> bool:
    """Whether an encoded result equals an encoded reference.

    Numbers and arrays compare with :func:`numpy.allclose` semantics (NaN
    equals NaN, shapes must agree); everything else must be equal.

    Examples
    --------
    >>> from l2reg.checks import encode, matches
    >>> matches(encode([1.0, 2.0]), encode([1.0, 2.0 + 1e-12]))
    True
    >>> matches(encode([1.0, 2.0]), encode([[1.0, 2.0]]))
    False
    >>> matches(encode("a"), encode("b"))
    False
    """
    if isinstance(expected, dict) and isinstance(got, dict):
        if "array" in expected:
            if "array" not in got or got.get("shape") != expected["shape"]:
                return False
            try:
                g = np.asarray(_map(got["array"]), dtype=float)
                e = np.asarray(_map(expected["array"]), dtype=float)
            except (TypeError, ValueError):
                return False
            return g.shape == e.shape and bool(np.allclose(g, e, rtol=rtol, atol=atol, equal_nan=True))
        if "dict" in expected:
            g, e = got.get("dict"), expected["dict"]
            return isinstance(g, dict) and g.keys() == e.keys() and all(
                matches(g[k], e[k], rtol, atol) for k in e
            )
        if "list" in expected:
            g, e = got.get("list"), expected["list"]
            return isinstance(g, list) and len(g) == len(e) and all(
                matches(a, b, rtol, atol) for a, b in zip(g, e)
            )
        return False
    if _is_real(expected) and _is_real(got):
        return bool(np.isclose(_decode_real(got), _decode_real(expected), rtol=rtol, atol=atol, equal_nan=True))
    return type(got) is type(expected) and got == expected


def _is_real(x):
    if isinstance(x, bool):
        return False
    return isinstance(x, float) or x in ("nan", "inf", "-inf")


def _map(nested):
    if isinstance(nested, list):
        return [_map(x) for x in nested]
    return _decode_real(nested)


def record(key, value, *, rtol=1e-7, atol=1e-10):
    """Record one result of a hidden test.

    Parameters
    ----------
    key : str
        Names the result; unique within a lesson, e.g. ``"closed_form/random"``.
    value : object
        The student's result (see :func:`encode` for what is kept).
    rtol, atol : float
        Tolerances for comparing numbers with the reference.

    Raises
    ------
    AssertionError
        Only when :data:`KEY_ENV` names an answer key and the result does not
        match its entry.

    Examples
    --------
    >>> from l2reg.checks import record
    >>> record("example/square", 3.0 ** 2)  # outside a notebook this displays nothing
    """
    entry = {"key": str(key), "value": encode(value), "rtol": float(rtol), "atol": float(atol)}
    try:
        from IPython.core.interactiveshell import InteractiveShell
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython always comes with the course
        InteractiveShell = None
    if InteractiveShell is not None and InteractiveShell.initialized():
        display({MIME: entry}, raw=True)
    path = os.environ.get(KEY_ENV)
    if path:
        with open(path, encoding="utf-8") as f:
            expected = json.load(f).get(entry["key"])
        if expected is None or not matches(entry["value"], expected["value"], expected["rtol"], expected["atol"]):
            raise AssertionError(f"hidden test {entry['key']!r} did not pass")
