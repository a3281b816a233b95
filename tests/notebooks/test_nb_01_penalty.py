"""Every number and claim that lesson 01 states in its text, checked on its own output."""

from __future__ import annotations

import numpy as np
import pytest

from nbrun import run_and_collect, source_notebook

NAMES = [
    "ls3", "ls9", "flexible", "growth", "ratios", "penalty_of_10", "penalty_of_tenth",
    "X9", "y", "w_ridge", "b_ridge", "lams", "sweep", "best", "lam_best", "factor",
    "grad_of_penalty", "torch_wd", "w", "X_house", "y_house", "names", "w_ls_raw", "kept_raw",
    "kept_std", "lam_house", "X_100k", "kept_100k", "q1", "q2", "q3", "q4", "q5",
]


@pytest.fixture(scope="module")
def ns():
    return run_and_collect(source_notebook("01_penalty"), NAMES)


def test_section1_overfitting(ns):
    ls3, ls9, flexible = ns["ls3"], ns["ls9"], ns["flexible"]
    assert len(flexible.x_train) == 12 and flexible.degree == 9
    assert len(flexible.x_test) == 400
    assert ls9["train_mse"] < ls3["train_mse"]
    # "its test error ... is about ten times the cubic's"
    assert 8 < ls9["test_mse"] / ls3["test_mse"] < 12
    # "over 30 other draws the ratio runs from under 2 to tens of millions, but the degree-9 fit is worse in every one"
    r = ns["ratios"]
    assert len(r) == 30 and 1 < r.min() < 2 and 1e7 <= r.max() < 1e8
    # "weights more than ten times larger, of both signs"
    assert ns["growth"] > 10
    assert (ls9["w"] > 0).any() and (ls9["w"] < 0).any()


def test_section2_penalty_numbers(ns):
    assert ns["penalty_of_10"] == 100.0
    assert ns["penalty_of_tenth"] == pytest.approx(0.01, rel=1e-12)
    assert ns["penalty_of_10"] / ns["penalty_of_tenth"] == pytest.approx(1e4)


def test_section2_trade(ns):
    from l2reg import ridge_loss

    lam, X, y = 1e-3, ns["X9"], ns["y"]
    ls9 = ns["ls9"]
    data_ls = ridge_loss(ls9["w"], X, y, 0.0, ls9["b"])
    data_ridge = ridge_loss(ns["w_ridge"], X, y, 0.0, ns["b_ridge"])
    total_ls = ridge_loss(ls9["w"], X, y, lam, ls9["b"])
    total_ridge = ridge_loss(ns["w_ridge"], X, y, lam, ns["b_ridge"])
    assert data_ls < data_ridge  # least squares wins on data loss
    assert total_ls > 10 * total_ridge  # but pays far more in total


def test_section4_path(ns):
    W, b = ns["sweep"]["W"], ns["sweep"]["b"]
    assert len(ns["lams"]) == 101
    norms = np.linalg.norm(W, axis=1)
    assert np.all(np.diff(norms) <= 1e-12 * norms[:-1])  # the norm only ever falls
    # "for large lambda every weight heads to zero"; "a single weight can grow or change sign"
    assert np.all(np.abs(W[-1]) < 0.05 * np.abs(W).max(axis=0))
    grows = np.any(np.diff(np.abs(W), axis=0) > 1e-9, axis=0)
    flips = np.any(np.diff(np.sign(W), axis=0) != 0, axis=0)
    assert grows.any() and flips.any()
    # at lambda = 100 only the intercept is left, and it is the mean of y
    assert norms[-1] < 0.05
    assert b[-1] == pytest.approx(ns["flexible"].y_train.mean(), abs=1e-3)


def test_section6_too_small_too_large(ns):
    s, k = ns["sweep"], ns["best"]
    assert 0 < k < len(s["lams"]) - 1  # the best lambda is inside the grid
    assert s["train_mse"][0] < s["train_mse"][k] and s["test_mse"][0] > 5 * s["test_mse"][k]
    assert s["train_mse"][-1] > s["train_mse"][k] and s["test_mse"][-1] > 5 * s["test_mse"][k]
    # the tamed degree-9 fit beats even the cubic on test data
    assert s["test_mse"][k] < ns["ls3"]["test_mse"]


def test_section7_conventions(ns):
    assert ns["factor"] == pytest.approx(0.998, abs=1e-15)
    np.testing.assert_allclose(ns["grad_of_penalty"], ns["torch_wd"] * ns["w"], rtol=1e-6)


def test_section7_sklearn_alpha_is_n_lambda(ns):
    from sklearn.linear_model import Ridge

    from l2reg import ridge_fit

    X, y = ns["X9"], ns["y"]
    a = 0.5
    model = Ridge(alpha=a, solver="svd").fit(X, y)
    w, b = ridge_fit(X, y, a / len(y))
    np.testing.assert_allclose(w, model.coef_, rtol=1e-8)
    assert b == pytest.approx(model.intercept_, rel=1e-8)


def test_section8_scaling(ns):
    X, y = ns["X_house"], ns["y_house"]
    sd = X.std(axis=0)
    assert sd[0] > 1000 * sd[1]  # dollars against ones
    w = ns["w_ls_raw"]
    assert abs(w[0]) < 0.01 and abs(w[1]) > 10
    # equal effect per standard deviation, up to noise
    assert w[0] * sd[0] == pytest.approx(w[1] * sd[1], rel=0.3)
    kept_raw, kept_std = ns["kept_raw"], ns["kept_std"]
    assert kept_raw[0] > 0.95  # "hardly feels the penalty"
    assert 0.6 < kept_raw[1] < 0.72  # "loses about a third"
    assert kept_std[0] == pytest.approx(kept_std[1], abs=0.02)  # "the same fraction"


def test_section8_units(ns):
    from l2reg import ridge_fit
    from l2reg.data import standardize_columns

    def pred(X, standardize):
        if standardize:
            X = standardize_columns(X)[0]
        w, b = ridge_fit(X, ns["y_house"], ns["lam_house"])
        return X @ w + b

    np.testing.assert_allclose(ns["X_100k"][:, 0], ns["X_house"][:, 0] / 1e5)
    raw = np.abs(pred(ns["X_house"], False) - pred(ns["X_100k"], False)).max()
    std = np.abs(pred(ns["X_house"], True) - pred(ns["X_100k"], True)).max()
    assert raw > 10 and std < 1e-9  # "the same penalty now crushes it"
    assert ns["kept_100k"] < 0.05


def test_quiz_answer_key(ns):
    from sklearn.linear_model import Ridge

    from l2reg import l2_penalty, ridge_fit

    assert ns["q1"] == pytest.approx(l2_penalty(np.array([3.0, -4.0]), 0.1))
    # q2: the huge-lambda limit predicts the training mean
    assert ns["q2"] == "b"
    # q3: torch's weight_decay adds wd * w to the gradient, the gradient of (wd / 2) ||w||^2
    assert ns["q3"] == pytest.approx(0.02 / 2)
    # q4: Ridge(alpha=5) on 50 rows is lambda = 5 / 50
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((50, 3)), rng.standard_normal(50)
    np.testing.assert_allclose(ridge_fit(X, y, ns["q4"])[0], Ridge(alpha=5.0).fit(X, y).coef_, rtol=1e-8)
    assert ns["q5"] == "a"


# ------------------------------------------------- typical wrong answers fail the visible tests

from visible import assert_caught, prepare, run_visible, visible_test  # noqa: E402

CLOSED_FORM_RIGHT = """
def ridge_closed_form(X, y, lam):
    n, p = np.shape(X)
    return np.linalg.solve(X.T @ X + n * lam * np.eye(p), X.T @ y)
"""
CLOSED_FORM_WRONG = {
    "forgot n (sum for mean)": "return np.linalg.solve(X.T @ X + lam * np.eye(p), X.T @ y)",
    "factor 2 on the penalty": "return np.linalg.solve(X.T @ X + 2 * n * lam * np.eye(p), X.T @ y)",
    "wrong n (columns)": "return np.linalg.solve(X.T @ X + p * lam * np.eye(p), X.T @ y)",
    "wrong sign": "return np.linalg.solve(X.T @ X - n * lam * np.eye(p), X.T @ y)",
    "no penalty": "return np.linalg.lstsq(X, y, rcond=None)[0]",
    "centres a copy": "Xc, yc = X - X.mean(0), y - y.mean()\n    return np.linalg.solve(Xc.T @ Xc + n * lam * np.eye(p), Xc.T @ yc)",
    "centres in place": "X -= X.mean(0)\n    y -= y.mean()\n    return np.linalg.solve(X.T @ X + n * lam * np.eye(p), X.T @ y)",
    "returns (w, b)": "w = np.linalg.solve(X.T @ X + n * lam * np.eye(p), X.T @ y)\n    return w, 0.0",
    "returns a list": "return list(np.linalg.solve(X.T @ X + n * lam * np.eye(p), X.T @ y))",
    "penalty on XX^T": "return np.linalg.solve(X.T @ X + n * lam * np.ones((p, p)), X.T @ y)",
    # passed the visible test (lambda = 1/3 only) and lost the hidden lambda = 0 case
    "refuses lambda = 0": "if lam <= 0:\n        raise ValueError('lam must be positive')\n"
                          "    return np.linalg.solve(X.T @ X + n * lam * np.eye(p), X.T @ y)",
    "dual form (n x n system)": "return X.T @ np.linalg.solve(X @ X.T + n * lam * np.eye(n), y)",
}

STANDARDIZE_RIGHT = """
def standardize(X_train, X_test):
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    return (X_train - mean) / std, (X_test - mean) / std
"""
STANDARDIZE_WRONG = {
    "test set's own statistics": "return (X_train - X_train.mean(0)) / X_train.std(0), (X_test - X_test.mean(0)) / X_test.std(0)",
    "ddof=1": "m, s = X_train.mean(0), X_train.std(0, ddof=1)\n    return (X_train - m) / s, (X_test - m) / s",
    "whole-matrix statistics": "m, s = X_train.mean(), X_train.std()\n    return (X_train - m) / s, (X_test - m) / s",
    "row statistics": "m, s = X_train.mean(1, keepdims=True), X_train.std(1, keepdims=True)\n    return (X_train - m) / s, (X_test - m) / s",
    "divides by the variance": "m, s = X_train.mean(0), X_train.var(0)\n    return (X_train - m) / s, (X_test - m) / s",
    "pooled statistics": "Z = np.vstack([X_train, X_test])\n    m, s = Z.mean(0), Z.std(0)\n    return (X_train - m) / s, (X_test - m) / s",
    "in place": "m, s = X_train.mean(0), X_train.std(0)\n    X_train -= m\n    X_train /= s\n    return X_train, (X_test - m) / s",
    "centres only": "m = X_train.mean(0)\n    return X_train - m, X_test - m",
    "forgets the test set": "m, s = X_train.mean(0), X_train.std(0)\n    return (X_train - m) / s, X_test",
}


def _define(right, body):
    head = right.strip().splitlines()[0]
    setup = {"ridge_closed_form": "    n, p = np.shape(X)\n", "standardize": ""}[head.split()[1].split("(")[0]]
    return f"{head}\n{setup}    {body}\n"


@pytest.fixture(scope="module")
def closed_form_ns():
    return prepare("01_penalty", "ex_closed_form", "test_closed_form")


@pytest.fixture(scope="module")
def standardize_ns():
    return prepare("01_penalty", "ex_standardize", "test_standardize")


def test_right_answers_pass_the_visible_tests(closed_form_ns, standardize_ns):
    assert run_visible(*closed_form_ns, CLOSED_FORM_RIGHT, visible_test("01_penalty", "test_closed_form")) is None
    assert run_visible(*standardize_ns, STANDARDIZE_RIGHT, visible_test("01_penalty", "test_standardize")) is None


@pytest.mark.parametrize("mistake", CLOSED_FORM_WRONG)
def test_closed_form_mistakes_fail(mistake, closed_form_ns):
    exc = run_visible(*closed_form_ns, _define(CLOSED_FORM_RIGHT, CLOSED_FORM_WRONG[mistake]),
                      visible_test("01_penalty", "test_closed_form"))
    assert_caught(exc, mistake)


@pytest.mark.parametrize("mistake", STANDARDIZE_WRONG)
def test_standardize_mistakes_fail(mistake, standardize_ns):
    exc = run_visible(*standardize_ns, _define(STANDARDIZE_RIGHT, STANDARDIZE_WRONG[mistake]),
                      visible_test("01_penalty", "test_standardize"))
    assert_caught(exc, mistake)


#: Typical mistakes whose failure must say what went wrong, not only the expected and the received numbers.
CLOSED_FORM_NAMED = {
    "forgot n (sum for mean)": ("return np.linalg.solve(X.T @ X + lam * np.eye(p), X.T @ y)", "n * lam"),
}


@pytest.mark.parametrize("mistake", CLOSED_FORM_NAMED)
def test_closed_form_mistakes_are_named(mistake, closed_form_ns):
    """Leaving out the n of n lam I (section 3: 'the n appears because L_data is a mean') read only
    'expected [0.625, -0.125], got [0.825, -0.075]'."""
    body, words = CLOSED_FORM_NAMED[mistake]
    exc = run_visible(*closed_form_ns, _define(CLOSED_FORM_RIGHT, body), visible_test("01_penalty", "test_closed_form"))
    assert isinstance(exc, AssertionError) and words in str(exc), f"{mistake}: {exc!r}"


#: Answers of the wrong shape: the visible test must say what standardize returns, not fail
#: inside its own unpacking ("too many values to unpack").
STANDARDIZE_NAMED = {
    "returns only Z_train": ("m, s = X_train.mean(0), X_train.std(0)\n    return (X_train - m) / s",
                             "one array of shape (3, 2)"),
    "returns three things": ("m, s = X_train.mean(0), X_train.std(0)\n    return (X_train - m) / s, (X_test - m) / s, m",
                             "tuple of length 3"),
    "returns nothing": ("m, s = X_train.mean(0), X_train.std(0)", "got NoneType"),
}


@pytest.mark.parametrize("mistake", STANDARDIZE_NAMED)
def test_standardize_wrong_returns_are_named(mistake, standardize_ns):
    body, words = STANDARDIZE_NAMED[mistake]
    exc = run_visible(*standardize_ns, _define(STANDARDIZE_RIGHT, body), visible_test("01_penalty", "test_standardize"))
    assert isinstance(exc, AssertionError) and "two arrays" in str(exc) and words in str(exc), f"{mistake}: {exc!r}"
