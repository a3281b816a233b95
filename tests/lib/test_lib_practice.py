"""l2reg.practice (lesson 08's computations) against exact optimality conditions and scikit-learn,
and its early-stopping demo."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from l2reg import ridge_fit
from l2reg.practice import (C_from_lambda, EarlyStopping, best_time, gd_path, group_lasso_fit, group_norms,
                            group_soft_threshold, lambda_from_C, logistic_fit, logistic_path, matching_lambda)


def _classification(n=120, p=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * [1.0, 3.0, 0.3, 1.0][:p] + 1.0
    z = X @ rng.standard_normal(p) + 0.3
    return X, (rng.uniform(size=n) < 1 / (1 + np.exp(-z))).astype(float)


def test_import_does_not_load_sklearn():
    code = "import sys, l2reg.practice\nassert 'sklearn' not in sys.modules and 'matplotlib' not in sys.modules\n"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# --- C --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lam, n", [(0.05, 200), (1e-4, 37), (3.0, 1)])
def test_C_conversion_round_trip(lam, n):
    assert C_from_lambda(lam, n) == pytest.approx(1 / (2 * n * lam))
    assert lambda_from_C(C_from_lambda(lam, n), n) == pytest.approx(lam)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_exact_C_matches_scikit_learn(seed):
    LogisticRegression = pytest.importorskip("sklearn.linear_model").LogisticRegression
    X, y = _classification(seed=seed)
    lam = [0.003, 0.05, 0.4][seed]
    w, b = logistic_fit(X, y, lam)
    sk = LogisticRegression(C=C_from_lambda(lam, len(y)), solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(X, y)
    np.testing.assert_allclose(sk.coef_[0], w, atol=1e-8)
    assert sk.intercept_[0] == pytest.approx(b, abs=1e-8)
    loose = LogisticRegression(C=1 / lam, solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(X, y)
    assert np.abs(loose.coef_[0] - w).max() > 1e-3  # "lambda = 1 / C" is another model


@pytest.mark.parametrize("bad, exc", [((0.0, 10), ValueError), ((-1.0, 10), ValueError), ((0.1, 0), ValueError),
                                      ((float("nan"), 10), ValueError), (("a", 10), TypeError)])
def test_C_conversion_rejects(bad, exc):
    with pytest.raises(exc):
        C_from_lambda(*bad)
    with pytest.raises(exc):
        lambda_from_C(*bad)


# --- logistic regression ------------------------------------------------------------------------

def test_logistic_fit_is_the_minimizer():
    X, y = _classification(seed=4)
    lam = 0.02
    w, b = logistic_fit(X, y, lam)
    q = 1 / (1 + np.exp(-(X @ w + b)))
    assert np.abs(X.T @ (q - y) / len(y) + 2 * lam * w).max() < 1e-12
    assert abs(np.mean(q - y)) < 1e-12


def test_logistic_fit_survives_separable_data_and_large_scores():
    X = np.array([[-1e3], [-2.0], [3.0], [1e3]])
    w, b = logistic_fit(X, [0, 0, 1, 1], 1e-3)
    assert np.all(np.isfinite(w)) and np.isfinite(b) and w[0] > 0


def test_logistic_path_equals_single_fits_in_any_order():
    X, y = _classification(seed=5)
    lams = [0.1, 1e-3, 0.01]
    W, b = logistic_path(X, y, lams)
    for k, lam in enumerate(lams):
        w, b1 = logistic_fit(X, y, lam)
        np.testing.assert_allclose(W[k], w, atol=1e-9)
        assert b[k] == pytest.approx(b1, abs=1e-9)


@pytest.mark.parametrize("kwargs, exc, words", [
    (dict(y=[0, 1, 2, 1]), ValueError, "y: expected labels 0 or 1, got 2.0 at index 2"),
    (dict(y=[0, 1, 1]), ValueError, "y"),
    (dict(lam=0.0), ValueError, "lam"),
    (dict(X=[[0.0], [np.nan], [1.0], [2.0]]), ValueError, "X"),
])
def test_logistic_fit_rejects(kwargs, exc, words):
    args = dict(X=[[0.0], [1.0], [2.0], [3.0]], y=[0, 1, 0, 1], lam=0.1)
    args.update(kwargs)
    with pytest.raises(exc, match=words.replace("(", r"\(")):
        logistic_fit(args["X"], args["y"], args["lam"])


def test_logistic_path_rejects_zero_lambda():
    with pytest.raises(ValueError, match="lams: expected every entry > 0"):
        logistic_path([[0.0], [1.0]], [0, 1], [0.1, 0.0])


# --- group penalties ----------------------------------------------------------------------------

def test_group_norms():
    np.testing.assert_allclose(group_norms([3.0, 1.0, 4.0], [7, 2, 7]), [1.0, 5.0])  # sorted label order


def test_group_soft_threshold_worked_example():
    w = np.array([3.0, 4.0, 0.3, 0.4])
    out = group_soft_threshold(w, [0, 0, 1, 1], 1.0)
    np.testing.assert_allclose(out, [2.4, 3.2, 0.0, 0.0])
    assert np.array_equal(w, [3.0, 4.0, 0.3, 0.4])


@pytest.mark.parametrize("seed", range(5))
def test_group_soft_threshold_is_the_proximal_step(seed):
    """It minimizes 0.5 ||u - w||^2 + t sum_g ||u_g|| (checked against random nearby points)."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(9) * 2
    groups = rng.permutation(np.arange(9) % 3) * 5
    t = 1.2

    def objective(u):
        return 0.5 * np.sum((u - w) ** 2) + t * group_norms(u, groups).sum()

    u = group_soft_threshold(w, groups, t)
    best = objective(u)
    for _ in range(300):
        assert objective(u + 0.05 * rng.standard_normal(9)) >= best - 1e-12
    # each group: zero if its norm is <= t, else shrunk by exactly t in norm
    before, after = group_norms(w, groups), group_norms(u, groups)
    np.testing.assert_allclose(after, np.maximum(before - t, 0.0), atol=1e-12)


def test_group_soft_threshold_zero_group_and_per_group_thresholds():
    out = group_soft_threshold([0.0, 0.0, 3.0, 4.0], [0, 0, 1, 1], [1.0, 2.5])
    np.testing.assert_allclose(out, [0.0, 0.0, 1.5, 2.0])


@pytest.mark.parametrize("args, exc, words", [
    (([1.0, 2.0], [0], 1.0), ValueError, "groups: expected one group label per weight"),
    (([1.0, 2.0], [0.0, 1.0], 1.0), TypeError, "groups: expected integer group labels"),
    (([1.0, 2.0], [0, 1], -1.0), ValueError, "t: expected thresholds >= 0"),
    (([1.0, 2.0], [0, 1], [1.0, 2.0, 3.0]), ValueError, "t: expected one threshold or one per group"),
    (([1.0, np.inf], [0, 1], 1.0), ValueError, "w"),
])
def test_group_soft_threshold_rejects(args, exc, words):
    with pytest.raises(exc, match=words):
        group_soft_threshold(*args)


def _grouped(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((60, 9))
    y = X[:, :3] @ [2.0, -1.0, 1.5] + 0.2 * X[:, 3] + 0.3 * rng.standard_normal(60) + 4.0
    return X, y, np.repeat([0, 1, 2], 3)


@pytest.mark.parametrize("lam", [0.05, 0.3, 1.0])
def test_group_lasso_optimality_conditions(lam):
    X, y, groups = _grouped()
    w, b = group_lasso_fit(X, y, groups, lam, tol=1e-13, max_iter=100000)
    r = y - X @ w - b
    assert abs(r.mean()) < 1e-10  # the free intercept
    grad = -2 / len(y) * X.T @ r
    for g in range(3):
        m = groups == g
        norm = np.linalg.norm(w[m])
        if norm == 0:
            assert np.linalg.norm(grad[m]) <= lam + 1e-7
        else:
            np.testing.assert_allclose(grad[m] + lam * w[m] / norm, 0, atol=1e-6)


def test_group_lasso_zeroes_whole_groups_and_the_squared_version_is_ridge():
    X, y, groups = _grouped()
    w, _ = group_lasso_fit(X, y, groups, 1.0)
    norms = group_norms(w, groups)
    assert norms[0] > 0 and norms[2] == 0.0
    for lam in (0.01, 0.5):
        wr, br = group_lasso_fit(X, y, groups, lam, squared=True, tol=1e-14, max_iter=100000)
        w_ref, b_ref = ridge_fit(X, y, lam)
        np.testing.assert_allclose(wr, w_ref, atol=1e-8)
        assert br == pytest.approx(b_ref, abs=1e-8)


def test_singleton_groups_are_the_lasso():
    Lasso = pytest.importorskip("sklearn.linear_model").Lasso
    X, y, _ = _grouped(1)
    lam = 0.2
    w, b = group_lasso_fit(X, y, np.arange(9), lam, tol=1e-14, max_iter=100000)
    # scikit-learn: (1 / 2n) ||y - Xw - b||^2 + alpha ||w||_1, i.e. our loss divided by 2 with alpha = lam / 2
    sk = Lasso(alpha=lam / 2, tol=1e-14, max_iter=100000).fit(X, y)
    np.testing.assert_allclose(w, sk.coef_, atol=1e-7)
    assert np.any(w == 0)


def test_group_lasso_warm_start_gives_the_same_solution():
    X, y, groups = _grouped(2)
    cold = group_lasso_fit(X, y, groups, 0.3, tol=1e-13, max_iter=100000)[0]
    warm = group_lasso_fit(X, y, groups, 0.3, tol=1e-13, max_iter=100000,
                           w0=group_lasso_fit(X, y, groups, 1.0)[0])[0]
    np.testing.assert_allclose(cold, warm, atol=1e-8)


def test_group_lasso_rejects():
    X, y, groups = _grouped()
    with pytest.raises(ValueError, match="lam"):
        group_lasso_fit(X, y, groups, -1.0)
    with pytest.raises(ValueError, match="groups"):
        group_lasso_fit(X, y, groups[:-1], 1.0)
    with pytest.raises(ValueError, match="y"):
        group_lasso_fit(X, y[:-1], groups, 1.0)
    with pytest.raises(ValueError, match="w0"):
        group_lasso_fit(X, y, groups, 1.0, w0=np.zeros(3))


# --- gradient descent and early stopping ------------------------------------------------------

def test_gd_path_steps_are_the_decay_form():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((30, 5)), rng.standard_normal(30)
    lr, lam = 0.05, 0.3
    W, b = gd_path(X, y, lr, 3, lam=lam)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    w = np.zeros(5)
    for t in range(1, 4):
        w = w * (1 - 2 * lr * lam) - lr * (-2 / 30 * Xc.T @ (yc - Xc @ w))
        np.testing.assert_allclose(W[t], w, rtol=1e-12)
    np.testing.assert_allclose(b, y.mean() - W @ X.mean(axis=0))
    assert np.all(W[0] == 0)


def test_gd_path_converges_to_ridge_and_to_least_squares():
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((40, 4)), rng.standard_normal(40)
    W, b = gd_path(X, y, 0.2, 2000, lam=0.1)
    w, b_ref = ridge_fit(X, y, 0.1)
    np.testing.assert_allclose(W[-1], w, atol=1e-10)
    W0, _ = gd_path(X, y, 0.2, 2000)
    np.testing.assert_allclose(W0[-1], ridge_fit(X, y, 0.0)[0], atol=1e-8)


def test_matching_lambda_recovers_ridge_solutions():
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((25, 6)), rng.standard_normal(25)
    grid = np.logspace(-3, 1, 9)
    lam, gap = matching_lambda(X, y, ridge_fit(X, y, grid[3])[0], grid)
    assert lam == grid[3] and gap < 1e-10
    lams, gaps = matching_lambda(X, y, np.array([ridge_fit(X, y, grid[k])[0] for k in (0, 8)]), grid)
    np.testing.assert_array_equal(lams, grid[[0, 8]])
    assert np.all(gaps < 1e-10)
    assert matching_lambda(X, y, np.zeros(6), grid)[1] == np.inf
    with pytest.raises(ValueError, match="w: expected 6 weights"):
        matching_lambda(X, y, np.zeros(5), grid)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_early_stopping_tracks_one_over_two_alpha_t(seed):
    """While alpha mu t is small in every direction (here: a step 20 times below 1 / L), the nearest
    ridge lambda is within a factor 1.5 of 1 / (2 alpha t). (With few directions of very different
    curvature the range of t is long, as in the lesson; with random Gaussian features it is short.)"""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((30, 80))
    y = X[:, :5].sum(axis=1) + rng.standard_normal(30)
    L = 2 * np.linalg.norm(X - X.mean(axis=0), 2) ** 2 / 30
    es = EarlyStopping.make(X, y, X[:5], y[:5], steps=100, decay=0.0, lr=0.05 / L)
    t = np.array([1, 3, 10])
    lam, gap = matching_lambda(X, y, es.W_gd[t], np.logspace(-4, 3, 281))
    ratio = lam * 2 * es.lr * t
    assert np.all((1 / 1.5 < ratio) & (ratio < 1.5)) and np.all(gap < 0.1), (ratio, gap)


def test_early_stopping_state():
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((20, 40)), rng.standard_normal(20)
    Xv, yv = rng.standard_normal((30, 40)), rng.standard_normal(30)
    es = EarlyStopping.make(X, y, Xv, yv, steps=50, decay=0.2)
    Xc = X - X.mean(axis=0)
    assert es.lr == pytest.approx(20 / (2 * np.linalg.norm(Xc, 2) ** 2))  # 1 / L
    assert es.steps == 50
    s = es.state(10)
    assert s["lam"] == pytest.approx(1 / (2 * es.lr * 10))
    w, b = ridge_fit(X, y, s["lam"])
    np.testing.assert_allclose(s["w_ridge"], w)
    assert s["val_ridge"] == pytest.approx(np.mean((yv - Xv @ w - b) ** 2))
    Wd, bd = gd_path(X, y, es.lr, 50, lam=0.2)
    assert s["val_decay"] == pytest.approx(np.mean((yv - Xv @ Wd[10] - bd[10]) ** 2))
    assert s["gap"] == pytest.approx(np.linalg.norm(es.W_gd[10] - w) / np.linalg.norm(w))
    s["w_gd"][:] = 0  # a copy: the recorded path is not changed
    assert np.any(es.W_gd[10] != 0)
    for bad in (0, 51):
        with pytest.raises(ValueError, match="step"):
            es.state(bad)
    with pytest.raises(ValueError, match=r"^X_val: expected 40 columns to match the columns of X_train, "
                                         r"got an array of shape \(30, 5\)$"):
        EarlyStopping.make(X, y, Xv[:, :5], yv, steps=5, decay=0.1)
    with pytest.raises(ValueError, match=r"^X_train: expected columns that vary"):  # no curvature: no default lr
        EarlyStopping.make(np.ones((20, 40)), y, Xv, yv, steps=5, decay=0.1)


def _largest_curvature(X):
    Xc = X - X.mean(axis=0)
    return 2.0 * np.linalg.norm(Xc, 2) ** 2 / X.shape[0]


def test_gd_path_refuses_a_diverging_step_and_names_its_bound():
    rng = np.random.default_rng(5)
    X, y = rng.standard_normal((30, 4)) * [1.0, 2.0, 0.5, 1.0], rng.standard_normal(30)
    L = _largest_curvature(X)
    W, _ = gd_path(X, y, 1.9 / L, 400)  # inside the bound: converges to least squares
    assert np.all(np.isfinite(W)) and np.linalg.norm(W[-1] - W[-2]) < 1e-6
    for lr, lam in [(100.0, 0.0), (2.001 / L, 0.0), (0.1, 1e4), (1.0 / L, 0.6 * L)]:
        bound = 2.0 / (L + 2.0 * lam)
        with pytest.raises(ValueError) as err:
            gd_path(X, y, lr, 5, lam=lam)
        msg = str(err.value)
        assert msg.startswith("lr: expected lr < 2 / (L + 2 lam) = ") and msg.endswith(f"got {float(lr)!r}")
        assert float(msg.split("= ")[1].split(" ")[0]) == pytest.approx(bound, rel=1e-3)
        assert f"L = {L:.4g}" in msg


def test_early_stopping_refuses_a_diverging_decay_or_lr():
    rng = np.random.default_rng(6)
    X, y = rng.standard_normal((25, 6)), rng.standard_normal(25)
    L = _largest_curvature(X)
    lr = 1.0 / L  # the default
    with pytest.raises(ValueError) as err:
        EarlyStopping.make(X, y, X, y, steps=10, decay=100.0)  # before: val_decay[-1] = inf, silently
    msg = str(err.value)
    assert msg.startswith("decay: expected decay < (2 / lr - L) / 2 = ") and msg.endswith("got 100.0")
    assert float(msg.split("= ")[1].split(" ")[0]) == pytest.approx((2 / lr - L) / 2, rel=1e-3)
    just_inside = 0.99 * (2 / lr - L) / 2
    es = EarlyStopping.make(X, y, X, y, steps=2000, decay=just_inside)
    assert np.all(np.isfinite(es.val_decay)) and es.val_decay[-1] < 1e6
    assert 5.0 * L >= 2  # so lr = 5 diverges even without decay
    with pytest.raises(ValueError, match=r"^lr: expected lr < 2 / \(L \+ 2 lam\) = .*got 5\.0$"):
        EarlyStopping.make(X, y, X, y, steps=10, decay=0.0, lr=5.0)


def test_best_time():
    assert 0 < best_time(lambda: None, repeats=2, min_seconds=0.001) < 1e-3
    with pytest.raises(TypeError):
        best_time(3)
    with pytest.raises(ValueError, match="repeats"):
        best_time(lambda: None, repeats=0)


# --- the demo -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo():
    pytest.importorskip("ipywidgets")
    from l2reg.widgets import early_stopping_demo

    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 60))
    y = X[:, :3].sum(axis=1) + rng.standard_normal(20)
    Xv = rng.standard_normal((40, 60))
    yv = Xv[:, :3].sum(axis=1) + rng.standard_normal(40)
    return early_stopping_demo(EarlyStopping.make(X, y, Xv, yv, steps=500, decay=0.1), step=20)


def test_demo_moves_and_reads_out(demo):
    before = demo.image.value
    demo.set(step=300.0)
    assert demo.image.value != before
    assert demo.readout.value.startswith("step t = 300: lambda = 1/(2 alpha t) = ")
    marker = demo.fig.axes[0].lines[4]
    assert list(marker.get_xdata()) == [300, 300]


@pytest.mark.parametrize("step", [1.0, 7.0, 60.0, 500.0])
def test_demo_nothing_cut_off(demo, step):
    from l2reg.plotting import layout_problems

    demo.set(step=step)
    assert layout_problems(demo.fig) == []


def test_demo_rejects():
    pytest.importorskip("ipywidgets")
    from l2reg.widgets import early_stopping_demo

    with pytest.raises(TypeError, match="es"):
        early_stopping_demo("not an EarlyStopping")
    rng = np.random.default_rng(0)
    es = EarlyStopping.make(rng.standard_normal((5, 3)), rng.standard_normal(5), rng.standard_normal((4, 3)),
                            rng.standard_normal(4), steps=10, decay=0.1)
    with pytest.raises(ValueError, match="step"):
        early_stopping_demo(es, step=11)
