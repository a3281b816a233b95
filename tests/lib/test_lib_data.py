"""Synthetic data: deterministic, shaped as documented, and validated."""

from __future__ import annotations

import numpy as np
import pytest

from l2reg import ridge_fit
from l2reg.data import house_prices, noisy_curve, polynomial_features, standardize_columns, true_curve


def test_noisy_curve_is_a_pure_function_of_the_seed():
    a, b = noisy_curve(20, seed=3), noisy_curve(20, seed=3)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(noisy_curve(20, seed=4)[1], a[1])


def test_noisy_curve_shape_and_range():
    x, y = noisy_curve(50, seed=0, noise=0.0)
    assert x.shape == y.shape == (50,)
    assert np.all(np.diff(x) >= 0) and np.all(np.abs(x) <= 1)
    np.testing.assert_allclose(y, true_curve(x))


def test_polynomial_features():
    np.testing.assert_array_equal(polynomial_features([2.0, -1.0], 3), [[2, 4, 8], [-1, 1, -1]])


def test_standardize_columns_uses_given_statistics():
    rng = np.random.default_rng(0)
    A = rng.normal(5.0, 3.0, size=(30, 3))
    Z, mean, std = standardize_columns(A)
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1.0)
    B = rng.normal(size=(4, 3))
    np.testing.assert_allclose(standardize_columns(B, mean, std)[0], (B - A.mean(0)) / A.std(0))


def test_standardize_columns_leaves_constant_columns_unscaled():
    Z, mean, std = standardize_columns([[1.0, 7.0], [3.0, 7.0]])
    assert std.tolist() == [1.0, 1.0] and Z[:, 1].tolist() == [0.0, 0.0]


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: noisy_curve(0), "n"),
        (lambda: noisy_curve(5, seed=-1), "seed"),
        (lambda: noisy_curve(5, noise=-0.1), "noise"),
        (lambda: noisy_curve(5, noise=float("nan")), "noise"),
        (lambda: polynomial_features([1.0, np.inf], 2), "x"),
        (lambda: polynomial_features([1.0], 0), "degree"),
        (lambda: polynomial_features([[1.0]], 2), "x"),
        (lambda: standardize_columns([1.0, 2.0]), "X"),
        (lambda: standardize_columns([[1.0]], mean=[0.0]), "std"),
        (lambda: standardize_columns([[1.0, 2.0]], [0.0], [1.0]), "mean"),
        (lambda: standardize_columns([[1.0, 2.0]], [0.0, 0.0], [1.0, 0.0]), "std"),
        (lambda: house_prices(1), "n"),
        (lambda: house_prices(10, seed="a"), "seed"),
    ],
)
def test_bad_input_is_named(call, name):
    with pytest.raises((TypeError, ValueError)) as err:
        call()
    assert str(err.value).startswith(name), str(err.value)


def test_house_prices_features_matter_equally_per_standard_deviation():
    X, y, names = house_prices(20_000, seed=0, noise=1.0)
    assert names == ("income ($)", "bedrooms")
    Z, _, _ = standardize_columns(X)
    w, _ = ridge_fit(Z, y, 0.0)
    np.testing.assert_allclose(w, [30.0, 30.0], rtol=0.02)
    assert X[:, 0].std() > 1000 * X[:, 1].std()
    assert set(np.unique(X[:, 1])) <= {1.0, 2.0, 3.0, 4.0, 5.0}


def test_collinear_data():
    from l2reg.data import collinear_data

    X, y = collinear_data(5000, seed=1, spread=0.05, noise=0.0)
    assert np.corrcoef(X.T)[0, 1] == pytest.approx(1 / np.sqrt(1 + 0.05**2), abs=2e-3)
    np.testing.assert_allclose(y, X.sum(axis=1))
    with pytest.raises(ValueError, match="^spread"):
        collinear_data(10, spread=-1.0)
