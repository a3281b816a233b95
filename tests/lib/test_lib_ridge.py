"""ridge_fit and ridge_path against exact solves and scikit-learn."""

import warnings

import numpy as np
import pytest
from sklearn.linear_model import Ridge

import l2reg.ridge
from l2reg import ridge_fit, ridge_gradient, ridge_loss, ridge_path

SHAPES = [(30, 5), (20, 20), (10, 40), (1, 3), (50, 1)]
LAMS = [0.0, 1e-3, 0.1, 1.0, 10.0]
RTOL = 1e-8


def make_data(n, p, seed=0):
    """Uncentred features and targets, so that the intercept matters."""
    rng = np.random.default_rng(1000 * n + p + seed)
    X = rng.normal(size=(n, p)) + rng.uniform(-3, 3, size=p)
    w_true = rng.normal(size=p)
    y = X @ w_true + 4.0 + 0.5 * rng.normal(size=n)
    return X, y


def assert_rel_close(actual, expected, rtol=RTOL, atol=1e-12):
    actual = np.atleast_1d(np.asarray(actual, dtype=float))
    expected = np.atleast_1d(np.asarray(expected, dtype=float))
    assert actual.shape == expected.shape
    err = np.linalg.norm(actual - expected)
    assert err <= rtol * np.linalg.norm(expected) + atol, (err, np.linalg.norm(expected))


def centred(X, y, fit_intercept):
    if fit_intercept:
        return X - X.mean(axis=0), y - y.mean()
    return X, y


def reference(X, y, lam, fit_intercept):
    """Independent solution: the primal normal equations for lam > 0 (any shape,
    the matrix is positive definite), the pseudo-inverse for lam == 0."""
    n, p = X.shape
    Xc, yc = centred(X, y, fit_intercept)
    if lam > 0:
        w = np.linalg.solve(Xc.T @ Xc + n * lam * np.eye(p), Xc.T @ yc)
    else:
        w = np.linalg.pinv(Xc) @ yc
    b = y.mean() - X.mean(axis=0) @ w if fit_intercept else 0.0
    return w, b


def full_column_rank(X, fit_intercept):
    Xc, _ = centred(X, np.zeros(X.shape[0]), fit_intercept)
    return np.linalg.matrix_rank(Xc) == X.shape[1]


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("lam", LAMS)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_ridge_fit_matches_normal_equations(shape, lam, fit_intercept):
    X, y = make_data(*shape)
    w, b = ridge_fit(X, y, lam, fit_intercept=fit_intercept)
    w_ref, b_ref = reference(X, y, lam, fit_intercept)
    assert isinstance(w, np.ndarray) and w.shape == (shape[1],) and w.dtype == np.float64
    assert isinstance(b, float)
    assert_rel_close(w, w_ref)
    assert_rel_close(b, b_ref)
    if not fit_intercept:
        assert b == 0.0


def _sklearn_cases():
    """Every (shape, lam, fit_intercept) where the minimizer is unique: lam > 0,
    or lam == 0 with (centred) X of full column rank."""
    for shape in SHAPES:
        for lam in LAMS:
            for fit_intercept in (True, False):
                if lam == 0 and not full_column_rank(make_data(*shape)[0], fit_intercept):
                    continue
                yield pytest.param(shape, lam, fit_intercept, id=f"{shape}-{lam}-{fit_intercept}")


@pytest.mark.parametrize("solver", ["svd", "auto"])
@pytest.mark.parametrize(("shape", "lam", "fit_intercept"), list(_sklearn_cases()))
def test_ridge_fit_and_path_match_sklearn(shape, lam, fit_intercept, solver):
    X, y = make_data(*shape)
    n = shape[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # alpha = 0 and ill-conditioning warnings
        model = Ridge(alpha=n * lam, fit_intercept=fit_intercept, solver=solver, tol=1e-14)
        model.fit(X, y)
    w, b = ridge_fit(X, y, lam, fit_intercept=fit_intercept)
    assert_rel_close(w, model.coef_)
    assert_rel_close(b, model.intercept_)
    W, B = ridge_path(X, y, [lam], fit_intercept=fit_intercept)
    assert_rel_close(W[0], model.coef_)
    assert_rel_close(B[0], model.intercept_)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_ridge_path_rows_equal_ridge_fit(shape, fit_intercept):
    X, y = make_data(*shape, seed=1)
    lams = np.array([1.0, 0.0, 1e-3, 10.0, 0.1, 1e-6, 1e3, 0.1])  # unsorted, repeated
    W, b = ridge_path(X, y, lams, fit_intercept=fit_intercept)
    assert W.shape == (lams.size, shape[1]) and b.shape == (lams.size,)
    assert W.dtype == np.float64 and b.dtype == np.float64
    for k, lam in enumerate(lams):
        w_k, b_k = ridge_fit(X, y, lam, fit_intercept=fit_intercept)
        assert_rel_close(W[k], w_k)
        assert_rel_close(b[k], b_k)
        w_ref, b_ref = reference(X, y, lam, fit_intercept)
        assert_rel_close(W[k], w_ref)
        assert_rel_close(b[k], b_ref)
    if not fit_intercept:
        assert np.all(b == 0.0)


def test_ridge_path_uses_one_svd_and_no_loop(monkeypatch):
    calls = []
    real_svd = np.linalg.svd

    def counting_svd(*args, **kwargs):
        calls.append(kwargs.get("full_matrices", True))
        return real_svd(*args, **kwargs)

    def forbidden(*args, **kwargs):
        raise AssertionError("ridge_path must not solve a system per lambda")

    monkeypatch.setattr(np.linalg, "svd", counting_svd)
    monkeypatch.setattr(np.linalg, "solve", forbidden)
    monkeypatch.setattr(np.linalg, "lstsq", forbidden)
    X, y = make_data(40, 6)
    W, b = ridge_path(X, y, np.logspace(-4, 3, 200))
    assert calls == [False]  # exactly one thin SVD
    assert W.shape == (200, 6)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("shape", [(30, 5), (10, 40), (50, 1)], ids=str)
def test_ridge_fit_minimizes_ridge_loss(shape, fit_intercept):
    X, y = make_data(*shape, seed=2)
    n, p = shape
    lam = 0.05
    w, b = ridge_fit(X, y, lam, fit_intercept=fit_intercept)
    scale = np.linalg.norm(X.T @ y) / n + 1.0
    # stationary in w, and (with an intercept) in b: residuals have mean 0
    assert np.linalg.norm(ridge_gradient(w, X, y, lam, b)) <= 1e-9 * scale
    if fit_intercept:
        assert abs(np.mean(y - X @ w - b)) <= 1e-9 * (np.abs(y).mean() + 1)
    best = ridge_loss(w, X, y, lam, b)
    rng = np.random.default_rng(3)
    for size in (1e-3, 1e-1, 1.0):
        for _ in range(10):
            dw = size * rng.normal(size=p)
            db = size * rng.normal() if fit_intercept else 0.0
            assert ridge_loss(w + dw, X, y, lam, b + db) > best
    # the exact increase of a quadratic: d^T H d with H = 2 X^T X / n + 2 lam I
    d = rng.normal(size=p)
    expected = np.sum((X @ d) ** 2) / n + lam * d @ d
    assert ridge_loss(w + d, X, y, lam, b) - best == pytest.approx(expected, rel=1e-7)


def test_ridge_fit_shrinks_towards_zero_and_keeps_intercept():
    X, y = make_data(30, 5)
    w_small, b_small = ridge_fit(X, y, 1e-6)
    w_huge, b_huge = ridge_fit(X, y, 1e9)
    assert np.linalg.norm(w_huge) < 1e-6 * np.linalg.norm(w_small)
    # the intercept is not shrunk: with w ~ 0 it is the mean of y
    assert b_huge == pytest.approx(y.mean(), rel=1e-6)


def test_ridge_fit_hand_example():
    # centred x = (-1, 0, 1), centred y = (-2, 0, 2), n = 3: w = 4 / (2 + 3 lam)
    X = [[1.0], [2.0], [3.0]]
    y = [2.0, 4.0, 6.0]
    for lam in (0.0, 0.5, 2.0, 10.0):
        w, b = ridge_fit(X, y, lam)
        assert w[0] == pytest.approx(4 / (2 + 3 * lam), rel=1e-13)
        assert b == pytest.approx(4 - 2 * w[0], rel=1e-13, abs=1e-13)
    w, b = ridge_fit(X, y, 2.0, fit_intercept=False)  # x.y = 28, x.x = 14
    assert w[0] == pytest.approx(28 / (14 + 3 * 2.0), rel=1e-13) and b == 0.0


def test_lam_zero_is_minimum_norm_for_wide_and_collinear_data():
    X, y = make_data(6, 10)
    for fit_intercept in (True, False):
        w, b = ridge_fit(X, y, 0.0, fit_intercept=fit_intercept)
        W, B = ridge_path(X, y, [0.0], fit_intercept=fit_intercept)
        # interpolates the data ...
        assert np.allclose(X @ w + b, y, atol=1e-9)
        assert np.allclose(X @ W[0] + B[0], y, atol=1e-9)
        # ... with the smallest weights: the limit of ridge as lam -> 0
        w_tiny, _ = ridge_fit(X, y, 1e-12, fit_intercept=fit_intercept)
        assert_rel_close(w, w_tiny, rtol=1e-5)
        assert_rel_close(W[0], w, rtol=1e-8)
    # an exactly duplicated column: the weight is split evenly between the copies
    X, y = make_data(20, 3)
    X2 = np.column_stack([X, X[:, 0]])
    w, _ = ridge_fit(X2, y, 0.0)
    W, _ = ridge_path(X2, y, [0.0, 1e-300, 1e-20])
    assert w[0] == pytest.approx(w[3], rel=1e-8)
    for row in W:
        assert_rel_close(row, w, rtol=1e-8)


def test_tiny_lam_on_polynomial_features_is_accurate():
    """High-degree polynomial features make X^T X nearly singular; a tiny lam
    must still give the exact ridge solution, as the SVD path does."""
    x = np.linspace(-1, 1, 25)
    X = np.vander(x, 16, increasing=True)[:, 1:]
    y = np.sin(np.pi * x) + 0.1 * np.cos(7 * x)
    lams = np.array([1e-14, 1e-10, 1e-7, 1e-4, 1e-1])
    W, b = ridge_path(X, y, lams)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    for k, lam in enumerate(lams):
        w, b_k = ridge_fit(X, y, lam)
        assert_rel_close(w, W[k], rtol=1e-7)
        assert b_k == pytest.approx(b[k], rel=1e-7, abs=1e-9)
        # and it is the minimizer: the gradient of the centred problem vanishes
        grad = -2 / x.size * Xc.T @ (yc - Xc @ w) + 2 * lam * w
        assert np.linalg.norm(grad) <= 1e-9 * np.linalg.norm(Xc.T @ yc)


def test_integer_and_list_inputs_give_the_same_fit():
    rng = np.random.default_rng(4)
    X = rng.integers(-5, 6, size=(12, 3))
    y = rng.integers(-5, 6, size=12)
    w_int, b_int = ridge_fit(X, y, 0.3)
    w_list, b_list = ridge_fit(X.tolist(), y.tolist(), 0.3)
    w_float, b_float = ridge_fit(X.astype(float), y.astype(float), 0.3)
    assert np.array_equal(w_int, w_float) and np.array_equal(w_list, w_float)
    assert b_int == b_float == b_list
    W, B = ridge_path(X, y, (0.3,))
    assert_rel_close(W[0], w_float)


def test_ridge_path_single_row_and_large_grid_shapes():
    X, y = make_data(1, 3)  # one example: with an intercept nothing is left to explain
    W, b = ridge_path(X, y, [0.0, 1.0])
    assert np.array_equal(W, np.zeros((2, 3)))
    assert np.allclose(b, y[0])
    w, b0 = ridge_fit(X, y, 0.0)
    assert np.array_equal(w, np.zeros(3)) and b0 == pytest.approx(y[0])


def test_direct_and_svd_branches_agree_at_the_threshold():
    """Both branches of ridge_fit agree where they meet."""
    X, y = make_data(30, 5)
    Xc = X - X.mean(axis=0)
    lam_edge = l2reg.ridge._DIRECT_MIN * np.sum(Xc**2) / 30
    for lam in (lam_edge * 0.999, lam_edge * 1.001):
        w, b = ridge_fit(X, y, lam)
        w_ref, b_ref = reference(X, y, lam, True)
        assert_rel_close(w, w_ref, rtol=1e-9)


# --- entries so large that s**2 overflows ---------------------------------------------


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("scale", [2.0**510, 1e160])
def test_huge_features_scale_the_weights_exactly(fit_intercept, scale):
    """ridge_fit(X * c, y, lam * c**2) has weights w / c. At c = 2**510 (X's largest singular
    value squared ~1e309) and c = 1e160, s**2 overflows: the unscaled formula gave w = 0 and
    a RuntimeWarning. (At c = 1e160, lam * c**2 is not a float: only lam = 0 and a lam
    negligible against s**2 are checked there.)"""
    import warnings

    from l2reg import ridge_path

    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(40, 3)) * 3.0, rng.normal(size=40)
    w, b = ridge_fit(X, y, 0.1, fit_intercept=fit_intercept)
    w0, b0 = ridge_fit(X, y, 0.0, fit_intercept=fit_intercept)
    with np.errstate(over="ignore"):  # the case tested: s**2 overflows
        assert not np.isfinite(np.linalg.svd(X * scale, compute_uv=False)[0] ** 2)
    lams = [0.0, 0.1, 1e280] + ([0.1 * scale**2] if scale < 1e154 else [])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning either
        fits = [ridge_fit(X * scale, y, lam, fit_intercept=fit_intercept) for lam in lams]
        W, B = ridge_path(X * scale, y, lams, fit_intercept=fit_intercept)
    for k, (wk, bk) in enumerate(fits):
        ref_w, ref_b = (w, b) if k == 3 else (w0, b0)  # lam 0.1 and 1e280 are negligible here
        np.testing.assert_allclose(wk * scale, ref_w, rtol=1e-8)
        np.testing.assert_allclose(W[k] * scale, ref_w, rtol=1e-8)
        assert bk == pytest.approx(ref_b, rel=1e-8, abs=1e-12)
        assert B[k] == pytest.approx(ref_b, rel=1e-8, abs=1e-12)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_tiny_features_at_lambda_zero(fit_intercept):
    """s ~ 1e-170: s**2 underflows to 0 unscaled; the path at lam = 0 is still w0 / c."""
    from l2reg import ridge_path

    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(9, 3)), rng.normal(size=9)
    w0, _ = ridge_fit(X, y, 0.0, fit_intercept=fit_intercept)
    W, _ = ridge_path(X * 1e-170, y, [0.0], fit_intercept=fit_intercept)
    np.testing.assert_allclose(W[0] * 1e-170, w0, rtol=1e-10)


def test_the_reviewers_case_identity_times_1e160():
    w, b = ridge_fit(np.eye(2) * 1e160, [1.0, 2.0], 0.1)
    np.testing.assert_allclose(w, [-0.5e-160, 0.5e-160], rtol=1e-12)
    assert b == pytest.approx(1.5)


def test_shrink_scaling_is_bit_identical_for_ordinary_inputs():
    """The power-of-two scaling in _linalg.shrink changes no bit where s**2 does not overflow."""
    from l2reg._linalg import shrink

    rng = np.random.default_rng(0)
    for _ in range(200):
        r = int(rng.integers(1, 8))
        s = np.sort(np.exp(rng.uniform(-20, 20, size=r)))[::-1] * rng.uniform(0.5, 2)
        keep = rng.uniform(size=r) < 0.8
        keep[0] = True
        nlams = np.r_[0.0, np.exp(rng.uniform(-40, 40, size=5))]
        for power in (1, 2):
            denom = s**2 + nlams[:, None]
            num = s if power == 1 else s**2
            plain = np.divide(num, denom, out=np.zeros_like(denom), where=keep & (denom > 0))
            np.testing.assert_array_equal(shrink(s, keep, nlams, power), plain)
            np.testing.assert_array_equal(shrink(s, np.ones(r, bool), nlams, power), num / denom)
