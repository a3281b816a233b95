"""Every public function rejects bad input with a message naming the parameter,
and never modifies its arguments."""

import inspect

import numpy as np
import pytest

import l2reg
from l2reg import (
    decay_factor,
    l2_penalty,
    numerical_gradient,
    ridge_fit,
    ridge_gradient,
    ridge_kfold_errors,
    ridge_loo_errors,
    ridge_loss,
    ridge_path,
)

N, P = 4, 3


def good_args():
    """Valid arguments, by parameter name (fresh arrays each time)."""
    rng = np.random.default_rng(0)
    return {
        "w": rng.normal(size=P),
        "X": rng.normal(size=(N, P)),
        "y": rng.normal(size=N),
        "lam": 0.1,
        "b": 0.5,
        "lams": np.array([0.0, 0.1, 1.0]),
        "f": lambda u: float(u @ u),
        "eps": 1e-6,
        "lr": 0.01,
        "fit_intercept": True,
        "per_example": False,
        "k": 2,
    }


FUNCTIONS = {
    "l2_penalty": (l2_penalty, ["w", "lam"]),
    "ridge_loss": (ridge_loss, ["w", "X", "y", "lam", "b"]),
    "ridge_gradient": (ridge_gradient, ["w", "X", "y", "lam", "b"]),
    "numerical_gradient": (numerical_gradient, ["f", "w", "eps"]),
    "decay_factor": (decay_factor, ["lr", "lam"]),
    "ridge_fit": (ridge_fit, ["X", "y", "lam", "fit_intercept"]),
    "ridge_path": (ridge_path, ["X", "y", "lams", "fit_intercept"]),
    "ridge_loo_errors": (ridge_loo_errors, ["X", "y", "lams", "fit_intercept", "per_example"]),
    "ridge_kfold_errors": (ridge_kfold_errors, ["X", "y", "lams", "k", "fit_intercept"]),
}

# The bad inputs of every parameter are generated from the functions' declared constraints
# in test_lib_bad_inputs.py; the tests below use this table of good arguments.


@pytest.mark.parametrize("func_name", list(FUNCTIONS))
def test_every_function_accepts_the_good_arguments(func_name):
    """The table above is valid, so each rejection is caused by the one bad value."""
    func, params = FUNCTIONS[func_name]
    args = good_args()
    func(**{name: args[name] for name in params})
    # and the parameter names of the table are the real ones, in order
    assert list(inspect.signature(func).parameters)[: len(params)] == params


def test_table_covers_every_public_function_and_argument():
    """A public function added to penalty.py or ridge.py needs rows in this table."""
    public = {
        name
        for name in l2reg.__all__
        if inspect.isfunction(getattr(l2reg, name))
        and getattr(l2reg, name).__module__ in ("l2reg.penalty", "l2reg.ridge")
    }
    assert public == set(FUNCTIONS)
    for func_name, (func, params) in FUNCTIONS.items():
        assert set(inspect.signature(func).parameters) == set(params), func_name


def test_exact_messages():
    X = np.zeros((20, 3))
    with pytest.raises(ValueError) as info:
        ridge_fit(X, np.zeros(19), 0.1)
    assert str(info.value) == "y: expected length 20 to match the rows of X, got length 19"
    with pytest.raises(ValueError) as info:
        ridge_loss(np.zeros(3), X, np.zeros(20), -0.5)
    assert str(info.value) == "lam: expected a finite number >= 0, got -0.5"
    with pytest.raises(ValueError) as info:
        ridge_fit(np.zeros(5), np.zeros(5), 0.1)
    assert str(info.value) == "X: expected a 2-D array, got an array of shape (5,)"
    with pytest.raises(ValueError) as info:
        ridge_gradient(np.zeros(4), X, np.zeros(20), 0.1)
    assert str(info.value) == "w: expected length 3 to match the columns of X, got length 4"
    with pytest.raises(ValueError) as info:
        decay_factor(-0.01, 0.1)
    assert str(info.value) == "lr: expected a finite number >= 0, got -0.01"
    with pytest.raises(TypeError) as info:
        ridge_path(X, np.zeros(20), [0.1], fit_intercept="yes")
    assert str(info.value) == "fit_intercept: expected a bool (True or False), got str 'yes'"


# --- inputs are never modified -------------------------------------------------


def _snapshot(kwargs):
    return {k: v.copy() for k, v in kwargs.items() if isinstance(v, np.ndarray)}


@pytest.mark.parametrize("readonly", [False, True], ids=["writeable", "readonly"])
@pytest.mark.parametrize("func_name", list(FUNCTIONS))
def test_inputs_are_never_modified(func_name, readonly):
    func, params = FUNCTIONS[func_name]
    args = good_args()
    kwargs = {name: args[name] for name in params}
    if readonly:  # an in-place update would raise
        for value in kwargs.values():
            if isinstance(value, np.ndarray):
                value.setflags(write=False)
    before = _snapshot(kwargs)
    result = func(**kwargs)
    for name, copy in before.items():
        assert np.array_equal(kwargs[name], copy), name
    # returned arrays are new, never views of the inputs
    outputs = result if isinstance(result, tuple) else (result,)
    for out in outputs:
        if isinstance(out, np.ndarray):
            assert out.flags.writeable
            for value in kwargs.values():
                if isinstance(value, np.ndarray):
                    assert not np.shares_memory(out, value)
    # modifying the result does not reach back into the inputs
    for out in outputs:
        if isinstance(out, np.ndarray):
            out[...] = 12345.0
    for name, copy in before.items():
        assert np.array_equal(kwargs[name], copy), name


def test_list_inputs_are_not_modified():
    w, X, y = [1.0, 2.0], [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [1.0, 2.0, 3.0]
    lams = [1.0, 0.0, 0.5]
    copies = [list(w), [list(r) for r in X], list(y), list(lams)]
    ridge_loss(w, X, y, 0.1, 1.0)
    ridge_gradient(w, X, y, 0.1, 1.0)
    ridge_fit(X, y, 0.1)
    ridge_path(X, y, lams)
    assert [w, X, y, lams] == copies


def test_float32_and_integer_inputs_are_accepted_and_computed_in_float64():
    X = np.arange(12, dtype=np.int32).reshape(4, 3)
    y = np.array([1, 0, 2, 5], dtype=np.int64)
    w = np.array([0.5, -0.25, 0.125], dtype=np.float32)
    grad = ridge_gradient(w, X, y, 0.1)
    assert grad.dtype == np.float64
    expected = ridge_gradient(w.astype(float), X.astype(float), y.astype(float), 0.1)
    assert np.array_equal(grad, expected)
    W, b = ridge_path(X.astype(np.float32), y, np.array([0.1], dtype=np.float16))
    assert W.dtype == np.float64 and b.dtype == np.float64
