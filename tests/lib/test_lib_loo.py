"""ridge_loo_errors against brute-force refits and scikit-learn's RidgeCV."""

import numpy as np
import pytest
from sklearn.linear_model import RidgeCV

from l2reg import ridge_fit, ridge_loo_errors

SHAPES = [(30, 5), (25, 25), (12, 40), (40, 1)]
LAMS = np.array([1e-4, 1e-2, 0.3, 5.0])


def make_data(n, p, seed=0):
    """Uncentred features on different scales, so that centring and the intercept matter."""
    rng = np.random.default_rng(100 * n + p + seed)
    X = rng.normal(size=(n, p)) * rng.uniform(0.1, 5.0, size=p) + rng.uniform(-3, 3, size=p)
    y = X @ rng.normal(size=p) + 4.0 + rng.normal(size=n)
    return X, y


def brute_force(X, y, lams, fit_intercept):
    """Refit without each example: ridge_fit on n - 1 rows with lam * n / (n - 1)."""
    n = X.shape[0]
    out = np.empty((len(lams), n))
    for i in range(n):
        keep = np.arange(n) != i
        for k, lam in enumerate(lams):
            w, b = ridge_fit(X[keep], y[keep], lam * n / (n - 1), fit_intercept=fit_intercept)
            out[k, i] = (y[i] - X[i] @ w - b) ** 2
    return out


@pytest.mark.parametrize("n,p", SHAPES)
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_equals_brute_force_refits(n, p, fit_intercept):
    X, y = make_data(n, p)
    got = ridge_loo_errors(X, y, LAMS, fit_intercept=fit_intercept, per_example=True)
    np.testing.assert_allclose(got, brute_force(X, y, LAMS, fit_intercept), rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(ridge_loo_errors(X, y, LAMS, fit_intercept), got.mean(axis=1), rtol=1e-14)


@pytest.mark.parametrize("n,p", SHAPES)
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_equals_ridgecv_stored_values(n, p, fit_intercept):
    """RidgeCV(alphas = n * lams) stores each example's squared leave-one-out error."""
    X, y = make_data(n, p, seed=1)
    model = RidgeCV(alphas=n * LAMS, fit_intercept=fit_intercept, store_cv_results=True).fit(X, y)
    assert model.cv_results_.shape == (n, len(LAMS))
    got = ridge_loo_errors(X, y, LAMS, fit_intercept=fit_intercept, per_example=True)
    np.testing.assert_allclose(got, model.cv_results_.T, rtol=1e-8, atol=1e-12)
    # ... and so it chooses the same penalty
    assert model.alpha_ == pytest.approx(n * LAMS[np.argmin(got.mean(axis=1))])


def test_lambda_zero_with_full_column_rank_is_ordinary_loo():
    X, y = make_data(30, 3)
    got = ridge_loo_errors(X, y, [0.0], per_example=True)
    np.testing.assert_allclose(got, brute_force(X, y, [0.0], True), rtol=1e-8)


def test_order_of_lambdas_does_not_matter():
    X, y = make_data(20, 6)
    lams = np.array([3.0, 0.01, 0.5])
    order = np.argsort(lams)
    np.testing.assert_allclose(ridge_loo_errors(X, y, lams)[order], ridge_loo_errors(X, y, lams[order]))


def test_inputs_are_not_modified():
    X, y = make_data(15, 4)
    X0, y0 = X.copy(), y.copy()
    ridge_loo_errors(X, y, LAMS)
    assert np.array_equal(X, X0) and np.array_equal(y, y0)


@pytest.mark.parametrize(
    "kwargs,exc,name",
    [
        ({"X": np.ones((1, 2)), "y": [1.0]}, ValueError, "X"),
        ({"y": np.ones(7)}, ValueError, "y"),
        ({"lams": [0.1, -1.0]}, ValueError, "lams"),
        ({"lams": []}, ValueError, "lams"),
        ({"lams": [np.nan]}, ValueError, "lams"),
        ({"fit_intercept": 1}, TypeError, "fit_intercept"),
        ({"per_example": "yes"}, TypeError, "per_example"),
        ({"X": [["a", "b"]] * 8}, TypeError, "X"),
    ],
)
def test_bad_inputs_name_the_parameter(kwargs, exc, name):
    X, y = make_data(8, 2)
    args = {"X": X, "y": y, "lams": LAMS, **kwargs}
    with pytest.raises(exc, match=f"^{name}"):
        ridge_loo_errors(**args)


# ---------------------------------------------------------------- k-fold


def kfold_brute_force(X, y, lams, k, fit_intercept=True):
    n = X.shape[0]
    folds = np.array_split(np.arange(n), k)
    out = np.zeros(len(lams))
    for fold in folds:
        train = np.setdiff1d(np.arange(n), fold)
        for j, lam in enumerate(lams):
            w, b = ridge_fit(X[train], y[train], lam, fit_intercept=fit_intercept)
            out[j] += np.mean((y[fold] - X[fold] @ w - b) ** 2) / k
    return out


@pytest.mark.parametrize("n,p,k", [(30, 5, 5), (31, 5, 4), (12, 40, 3), (10, 2, 10)])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_kfold_equals_brute_force(n, p, k, fit_intercept):
    from l2reg import ridge_kfold_errors

    X, y = make_data(n, p, seed=2)
    np.testing.assert_allclose(ridge_kfold_errors(X, y, LAMS, k, fit_intercept),
                               kfold_brute_force(X, y, LAMS, k, fit_intercept), rtol=1e-8)


@pytest.mark.parametrize("n,k", [(30, 5), (40, 4), (12, 12)])
def test_kfold_equals_gridsearchcv_when_k_divides_n(n, k):
    """Every training set has m = n - n/k rows, so Ridge(alpha = m * lam) is the same fit."""
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import GridSearchCV, KFold

    from l2reg import ridge_kfold_errors

    X, y = make_data(n, 4, seed=3)
    m = n - n // k
    search = GridSearchCV(Ridge(), {"alpha": m * LAMS}, cv=KFold(n_splits=k),
                          scoring="neg_mean_squared_error").fit(X, y)
    np.testing.assert_allclose(-search.cv_results_["mean_test_score"], ridge_kfold_errors(X, y, LAMS, k), rtol=1e-8)


def test_kfold_with_k_equal_n_is_loo_with_n_minus_one_scaling():
    from l2reg import ridge_kfold_errors

    X, y = make_data(15, 3, seed=4)
    n = 15
    np.testing.assert_allclose(ridge_kfold_errors(X, y, LAMS, n), ridge_loo_errors(X, y, LAMS * (n - 1) / n), rtol=1e-8)


@pytest.mark.parametrize("k,exc", [(1, ValueError), (9, ValueError), (2.0, TypeError)])
def test_kfold_bad_k_is_named(k, exc):
    from l2reg import ridge_kfold_errors

    X, y = make_data(8, 2)
    with pytest.raises(exc, match="^k"):
        ridge_kfold_errors(X, y, LAMS, k)


# --- wide X: the Gram route and its switch to the SVD ---------------------------------


def gram_switch(X, fit_intercept):
    """The smallest n * lam at which ridge_loo_errors takes the Gram route for this X."""
    from l2reg._linalg import EPS
    from l2reg.ridge import _GRAM_TOL

    Z = X - X.mean(axis=0) if fit_intercept else X
    return EPS * np.linalg.eigvalsh(Z @ Z.T)[-1] / _GRAM_TOL


@pytest.mark.parametrize("fit_intercept,n,p", [(True, 15, 60), (False, 15, 60), (True, 15, 14)])
@pytest.mark.parametrize("side", [0.5, 0.99, 1.01, 2.0, 1e6])
def test_wide_x_near_the_gram_switch_equals_brute_force(fit_intercept, n, p, side):
    """p > n, or p = n - 1 with an intercept (the centred X then has full rank n - 1): just
    below the switch the SVD is used, just above it the Gram matrix; both agree with
    refitting without each example, per example, to 1e-8."""
    from l2reg import ridge as R

    X, y = make_data(n, p, seed=2)
    lams = np.array([side, 3 * side, 100 * side]) * gram_switch(X, fit_intercept) / n
    residual, one_minus_h, gram = R._loo_wide(X, y, n * lams, fit_intercept)
    assert gram == (side > 1.0)  # the route this case is meant to test
    got = ridge_loo_errors(X, y, lams, fit_intercept=fit_intercept, per_example=True)
    np.testing.assert_array_equal(got, (residual / one_minus_h) ** 2)  # the route returned
    np.testing.assert_allclose(got, brute_force(X, y, lams, fit_intercept), rtol=1e-8, atol=0)


@pytest.mark.parametrize("lam", [1e-12, 1e-9])
def test_p_equal_n_minus_one_with_intercept_tiny_lambda_equals_brute_force(lam):
    """n x (n - 1) with an intercept: leverages near 1, where the centred SVD formula
    1 - (1/n + sum U^2 shrink) cancels (4e-5 relative error at lam = 1e-12); the wide route
    removes the intercept exactly."""
    rng = np.random.default_rng(0)
    n = 12
    X, y = rng.normal(size=(n, n - 1)), rng.normal(size=n)
    got = ridge_loo_errors(X, y, [lam], per_example=True)
    np.testing.assert_allclose(got, brute_force(X, y, [lam], True), rtol=1e-10, atol=0)


def test_n_by_n_minus_one_without_intercept_keeps_the_tall_route():
    """Without intercept an n x (n - 1) X is tall: still right (it never reaches _loo_wide)."""
    X, y = make_data(12, 11, seed=5)
    got = ridge_loo_errors(X, y, LAMS, fit_intercept=False, per_example=True)
    np.testing.assert_allclose(got, brute_force(X, y, LAMS, False), rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("n,p", [(6, 20), (6, 5), (30, 5)])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("lam", [1e308, 1e300])
def test_huge_finite_lambda_gives_the_constant_predictor(n, p, fit_intercept, lam):
    """n * lam overflowing to inf (or nearly) leaves only the intercept: each left-out example
    is predicted by the mean of the others (0 without intercept), on every route."""
    rng = np.random.default_rng(n + p)
    X, y = rng.normal(size=(n, p)), np.arange(float(n))
    got = ridge_loo_errors(X, y, [lam], fit_intercept=fit_intercept, per_example=True)
    if fit_intercept:
        expected = ((y - y.mean()) * n / (n - 1)) ** 2  # y_i - mean of the other n - 1
    else:
        expected = y**2
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got[0], expected, rtol=1e-12, atol=1e-12 * expected.max())


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("side", [1e-3, 0.5, 0.99, 1.01, 2.0])
def test_wide_x_below_the_switch_skips_the_eigendecomposition(monkeypatch, fit_intercept, side):
    """Far below the Gram switch (the cheap bound eps ||Z||_F^2 / m already exceeds it) only
    the SVD is taken; near it the eigendecomposition is still computed to decide, and the
    route and the result are those of the criterion on the largest eigenvalue."""
    from l2reg import ridge as R

    n, p = 15, 60
    X, y = make_data(n, p, seed=2)
    nlams = np.array([side, 3 * side]) * gram_switch(X, fit_intercept)
    Z = X - X.mean(axis=0) if fit_intercept else X
    m = n - 1 if fit_intercept else n
    clearly_below = R._linalg.EPS * np.sum(Z * Z) / m > 2.0 * R._GRAM_TOL * nlams.min() * 1.01
    calls = []
    eigh = np.linalg.eigh
    monkeypatch.setattr(np.linalg, "eigh", lambda a: calls.append(a.shape) or eigh(a))
    residual, one_minus_h, gram = R._loo_wide(X, y, nlams, fit_intercept)
    assert gram == (side > 1.0)
    if side == 1e-3:
        assert clearly_below  # the case this test is meant to cover
    if clearly_below:
        assert calls == []
    if side > 1.0:
        assert len(calls) == 1
    np.testing.assert_allclose((residual / one_minus_h) ** 2, brute_force(X, y, nlams / n, fit_intercept),
                               rtol=1e-8, atol=0)


@pytest.mark.parametrize("n,p", [(30, 3), (6, 20), (12, 11)])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_huge_features_give_the_scaled_loo_errors(n, p, fit_intercept):
    """The errors depend on X and lam only through X / c and lam / c**2: X * 1e160 (s**2
    overflows) gives those of X * 1e100 (it does not) at lam * 1e-120, on every route, without
    overflow warnings."""
    import warnings

    rng = np.random.default_rng(n * p)
    X, y = rng.normal(size=(n, p)), rng.normal(size=n)
    lams = np.array([1e190, 1e250, 1e300, 1e306])  # n * lam finite
    ref = ridge_loo_errors(X * 1e100, y, lams * 1e-120, fit_intercept=fit_intercept, per_example=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = ridge_loo_errors(X * 1e160, y, lams, fit_intercept=fit_intercept, per_example=True)
    assert np.all(np.isfinite(ref))
    np.testing.assert_allclose(got, ref, rtol=1e-8)
    if n > p + 1:  # tall: lam = 0 too
        ref0 = ridge_loo_errors(X, y, [0.0], fit_intercept=fit_intercept, per_example=True)
        got0 = ridge_loo_errors(X * 1e160, y, [0.0], fit_intercept=fit_intercept, per_example=True)
        np.testing.assert_allclose(got0, ref0, rtol=1e-8)
