"""The shared checks in l2reg._validation, used by every module."""

import re
from fractions import Fraction

import numpy as np
import pytest

from l2reg import _validation as v

MESSAGE = re.compile(r"^(?P<name>[\w()]+): expected .+, got .+$", re.S)


def raises(exc, name, func, *args, **kwargs):
    with pytest.raises(exc) as info:
        func(*args, **kwargs)
    assert type(info.value) is exc
    message = str(info.value)
    match = MESSAGE.match(message)
    assert match and match["name"] == name, message
    return message


# --- arrays ----------------------------------------------------------------------


@pytest.mark.parametrize("helper", [v.as_array, v.as_matrix, v.as_vector, v.as_lambdas])
def test_array_helpers_always_return_a_new_float64_array(helper):
    src = np.array([[1.0, 2.0], [3.0, 4.0]]) if helper is v.as_matrix else np.array([1.0, 2.0])
    src.setflags(write=False)
    out = helper("a", src)
    assert out.dtype == np.float64 and out.flags.writeable
    assert not np.shares_memory(out, src)
    out[...] = -1.0
    assert src.min() >= 1.0


def test_as_array_accepts_lists_tuples_ints_and_any_ndim():
    assert v.as_array("x", 3).shape == ()
    assert v.as_array("x", (1, 2)).tolist() == [1.0, 2.0]
    assert v.as_array("x", np.ones((2, 2, 2), dtype=np.int8)).dtype == np.float64
    assert v.as_array("x", np.float32([0.5])).tolist() == [0.5]
    assert v.as_array("x", [], allow_empty=True).shape == (0,)
    raises(ValueError, "x", v.as_array, "x", [])
    raises(ValueError, "x", v.as_array, "x", [1.0, 2.0], ndim=2)


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
def test_as_array_subclasses_become_plain_arrays():
    out = v.as_matrix("X", np.asmatrix([[1.0, 2.0]]))
    assert type(out) is np.ndarray


@pytest.mark.parametrize(
    ("value", "exc"),
    [
        (None, TypeError),
        ("12", TypeError),
        (["1", "2"], TypeError),
        ([1.0, "2"], TypeError),
        (np.array([1 + 2j]), TypeError),
        (np.array([True]), TypeError),
        (np.array([1, 2], dtype=object), TypeError),
        (np.array(["2020-01-01"], dtype="datetime64[D]"), TypeError),
        ({1, 2}, TypeError),
        ([[1.0], [2.0, 3.0]], ValueError),
        ([np.nan], ValueError),
        (np.array([1e308, np.inf]), ValueError),
    ],
)
def test_as_array_rejects(value, exc):
    raises(exc, "x", v.as_array, "x", value)


def test_nonfinite_message_locates_the_first_bad_entry():
    X = np.zeros((3, 4))
    X[2, 1] = np.inf
    X[2, 3] = np.nan
    message = raises(ValueError, "X", v.as_matrix, "X", X)
    assert message == "X: expected finite entries, got inf at index (2, 1) and 1 more non-finite entry"


def test_vector_length_messages():
    message = raises(ValueError, "y", v.as_vector, "y", np.zeros(19), 20, other="the rows of X")
    assert message == "y: expected length 20 to match the rows of X, got length 19"
    assert raises(ValueError, "w", v.as_vector, "w", [1.0], length=2) == "w: expected length 2, got length 1"
    assert v.as_vector("w", [1.0, 2.0], length=2).shape == (2,)
    message = raises(ValueError, "y", v.as_vector, "y", np.zeros((5, 1)))
    assert "(5, 1)" in message and "ravel" in message


def test_check_same_length_and_shape():
    X, y = np.zeros((5, 2)), np.zeros(4)
    assert (
        raises(ValueError, "y", v.check_same_length, "X", X, "y", y)
        == "y: expected length 5 to match the rows of X, got length 4"
    )
    assert (
        raises(ValueError, "b", v.check_same_length, "a", np.zeros(3), "b", np.zeros(2))
        == "b: expected length 3 to match the length of a, got length 2"
    )
    v.check_same_length("X", X, "y", np.zeros(5))
    assert (
        raises(ValueError, "grad", v.check_same_shape, "w", np.zeros((2, 3)), "grad", np.zeros((3, 2)))
        == "grad: expected shape (2, 3) to match w, got shape (3, 2)"
    )
    v.check_same_shape("w", np.zeros(3), "grad", np.ones(3))
    arr = np.zeros(3)
    assert v.check_length("w", arr, 3) is arr


def test_as_lambdas():
    assert v.as_lambdas("lams", [1, 0, 0.5]).tolist() == [1.0, 0.0, 0.5]  # unsorted is fine
    assert raises(ValueError, "lams", v.as_lambdas, "lams", [0.1, -2.0]) == (
        "lams: expected every entry >= 0, got -2.0 at index 1"
    )
    raises(ValueError, "lams", v.as_lambdas, "lams", 0.1)
    raises(ValueError, "lams", v.as_lambdas, "lams", [])


# --- scalars ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", [2, 2.0, np.int64(2), np.float32(2.0), np.uint8(2), np.array(2.0), np.array(2), Fraction(2, 1)]
)
def test_as_scalar_accepts_real_numbers(value):
    out = v.as_scalar("x", value)
    assert out == 2.0 and type(out) is float


@pytest.mark.parametrize(
    ("value", "exc"),
    [
        (None, TypeError),
        ("1", TypeError),
        (True, TypeError),
        (np.bool_(False), TypeError),
        (np.array(True), TypeError),
        (1j, TypeError),
        (np.complex128(1), TypeError),
        ([1.0], TypeError),
        ((1.0,), TypeError),
        (np.array(["1"]), ValueError),
        (np.array([1.0]), ValueError),
        (float("nan"), ValueError),
        (-float("inf"), ValueError),
        (10**400, ValueError),
    ],
)
def test_as_scalar_rejects(value, exc):
    raises(exc, "x", v.as_scalar, "x", value)


def test_as_scalar_bounds_and_messages():
    assert raises(ValueError, "lam", v.as_nonnegative, "lam", -0.5) == "lam: expected a finite number >= 0, got -0.5"
    assert v.as_nonnegative("lam", 0) == 0.0
    assert raises(ValueError, "lr", v.as_positive, "lr", 0) == "lr: expected a finite number > 0, got 0"
    assert v.as_positive("lr", 1e-300) == 1e-300
    beta = dict(minimum=0, maximum=1, include_maximum=False)
    assert v.as_scalar("beta", 0.0, **beta) == 0.0
    assert raises(ValueError, "beta", v.as_scalar, "beta", 1.0, **beta) == (
        "beta: expected a finite number in [0, 1), got 1.0"
    )
    assert raises(ValueError, "p", v.as_scalar, "p", 1.5, maximum=1) == "p: expected a finite number <= 1, got 1.5"
    assert raises(ValueError, "t", v.as_scalar, "t", 0.1, minimum=0.25) == (
        "t: expected a finite number >= 0.25, got 0.1"
    )
    assert v.as_scalar("t", 0.5, strictly_positive=True, minimum=0.5) == 0.5  # a positive minimum stays inclusive
    assert raises(TypeError, "lam", v.as_nonnegative, "lam", "0.1") == (
        "lam: expected a finite number >= 0, got str '0.1'"
    )


def test_as_int():
    for value in (3, np.int64(3), np.uint16(3), np.array(3)):
        out = v.as_int("n", value, minimum=1)
        assert out == 3 and type(out) is int
    for value in (3.0, np.float64(3), True, "3", None, 3 + 0j, [3]):
        raises(TypeError, "n", v.as_int, "n", value)
    assert raises(ValueError, "n", v.as_int, "n", 0, minimum=1) == "n: expected an integer >= 1, got 0"
    assert raises(ValueError, "k", v.as_int, "k", 11, minimum=1, maximum=10) == (
        "k: expected an integer in [1, 10], got 11"
    )
    raises(ValueError, "n", v.as_int, "n", np.array([3]))


def test_as_bool():
    for value, expected in ((True, True), (False, False), (np.True_, True), (np.array(False), False)):
        out = v.as_bool("flag", value)
        assert out is expected
    for value in (1, 0, 1.0, "True", None, np.int64(1)):
        raises(TypeError, "flag", v.as_bool, "flag", value)
    raises(ValueError, "flag", v.as_bool, "flag", np.array([True, False]))


def test_as_callable():
    assert v.as_callable("f", len) is len
    assert raises(TypeError, "f", v.as_callable, "f", "len") == "f: expected a callable, got str 'len'"


def test_describe_is_short():
    assert len(v.describe("x" * 10_000)) < 80
    assert len(v.describe(10**400)) < 80
    assert v.describe(np.float64(-0.5)) == "-0.5"
    assert v.describe(np.array(2)) == "2"


def test_check_choice_compares_kind_and_value():
    assert v.check_choice("kind", "l1", ("l2", "l1")) == "l1"
    assert v.check_choice("kind", np.str_("l2"), ("l2", "l1")) == "l2"
    assert v.check_choice("steps", 30, (30, 100)) == 30
    for bad in (True, 30.0, "30"):  # a bool, a float or a string is not the integer 30
        with pytest.raises(ValueError, match=r"^steps: expected one of 30, 100, got"):
            v.check_choice("steps", bad, (30, 100))
    with pytest.raises(ValueError, match=r"^kind: expected one of 'l2', 'l1', got 'L2'"):
        v.check_choice("kind", "L2", ("l2", "l1"))
    with pytest.raises(ValueError, match=r"^kind: expected one of 'l2', 'l1', got"):
        v.check_choice("kind", 2, ("l2", "l1"))
