"""Every number and claim that lesson 05 states in its text, checked on its own output."""

from __future__ import annotations

import numpy as np
import pytest

from nbrun import run_and_collect, source_notebook

NAMES = [
    "bv", "lams_bv", "best_bv", "gap_bv", "sweep", "lam_val", "X_tr", "y_tr", "X_val", "y_val", "X_te", "y_te",
    "w_true", "lams", "cv", "lam_cv", "cv_gap", "search", "ridgecv", "ridgecv_r2", "m", "n", "wrong_gap", "gap62",
    "loo", "loo_sk_gap", "loo_brute_gap", "lam_loo", "kfold_n_gap", "Xc", "yc", "w_ours", "b_ours", "exact",
    "loose", "c_gap", "loose_gap", "lam_c", "n_c", "guide_mse", "lam_cv_x10", "scale_gap", "by_n",
    "q1", "q2", "q3", "q4", "q5",
]


@pytest.fixture(scope="module")
def ns():
    return run_and_collect(source_notebook("05_choosing_lambda"), NAMES)


def held_out_mse(ns, lam):
    from l2reg import ridge_fit

    w, b = ridge_fit(ns["X_tr"], ns["y_tr"], lam)
    return float(np.mean((ns["y_te"] - ns["X_te"] @ w - b) ** 2))


def test_bias_variance(ns):
    bv, lams = ns["bv"], ns["lams_bv"]
    assert bv["examples"].shape[0] == 20 and bv["noise"] == pytest.approx(0.0625)
    np.testing.assert_allclose(bv["total"], bv["bias2"] + bv["variance"] + 0.0625)
    # "at lambda = 1e-6 the variance is above 3, about fifty times the noise"
    assert lams[0] == pytest.approx(1e-6) and 3 < bv["variance"][0] < 3.5
    assert 45 < bv["variance"][0] / bv["noise"] < 55
    assert bv["variance"][-1] < bv["variance"][0] / 100  # the variance falls
    # "bias2 grows from about 2e-4 near lambda = 3e-5 to about 0.43 at lambda = 10"
    k_min = int(np.argmin(bv["bias2"]))
    assert 1.5e-5 < lams[k_min] < 5e-5 and 1.5e-4 < bv["bias2"][k_min] < 2.5e-4
    assert np.all(np.diff(bv["bias2"][k_min:]) > 0)
    assert lams[-1] == 10 and bv["bias2"][-1] == pytest.approx(0.43, abs=0.005)
    assert bv["bias2"][0] > 10 * bv["bias2"][k_min]  # "rises again at the far left"
    # the U: lowest near 6e-3, inside the grid
    k = ns["best_bv"]
    assert 0 < k < len(lams) - 1 and lams[k] == pytest.approx(5.6e-3, rel=0.05)
    assert bv["total"][0] > 10 * bv["total"][k] and bv["total"][-1] > 3 * bv["total"][k]
    # "agree to within half a percent"
    assert ns["gap_bv"] < 0.005


def test_bias_variance_is_measured_honestly():
    """The simulation's sum matches an independent brute-force estimate at one lambda."""
    from l2reg.data import noisy_curve, polynomial_features, standardize_columns, true_curve
    from l2reg.demos import bias_variance
    from l2reg import ridge_fit

    lam = 1e-2
    r = bias_variance([lam], n_train=30, n_sims=100)
    x_test = np.linspace(-1, 1, 200)
    preds = []
    for s in range(100):
        x, y = noisy_curve(30, seed=s, noise=0.25)
        Z, mu, sd = standardize_columns(polynomial_features(x, 9))
        w, b = ridge_fit(Z, y, lam)
        preds.append(standardize_columns(polynomial_features(x_test, 9), mu, sd)[0] @ w + b)
    preds = np.array(preds)
    assert r["variance"][0] == pytest.approx(preds.var(axis=0).mean(), rel=1e-9)
    assert r["bias2"][0] == pytest.approx(((preds.mean(axis=0) - true_curve(x_test)) ** 2).mean(), rel=1e-9)


def test_validation_sweep(ns):
    sweep = ns["sweep"]
    assert len(ns["y_tr"]) == 60 and len(ns["y_val"]) == 60 and len(ns["y_te"]) == 2000
    assert ns["X_tr"].shape[1] == 30
    np.testing.assert_allclose(ns["w_true"], (-0.8) ** np.arange(30))
    assert ns["lam_val"] == pytest.approx(0.251, rel=0.01)  # "lambda ~ 0.25"
    assert np.all(np.diff(sweep.train_mse) >= -1e-12)  # the training error only grows
    # far right: about the training mean, so the errors approach the spread of y around it
    assert sweep.train_mse[-1] == pytest.approx(np.var(ns["y_tr"]), rel=0.05)
    assert sweep.val_mse[-1] == pytest.approx(np.mean((ns["y_val"] - ns["y_tr"].mean()) ** 2), rel=0.05)


def test_cross_validation_choice(ns):
    from l2reg import ridge_kfold_errors

    assert ns["lam_cv"] == pytest.approx(0.2, rel=0.01)
    np.testing.assert_allclose(ns["cv"], ridge_kfold_errors(ns["X_tr"], ns["y_tr"], ns["lams"], 5))
    ls = held_out_mse(ns, 0.0)
    assert ls == pytest.approx(2.47, abs=0.005)  # "from 2.47 (least squares)"
    for lam in (ns["lam_val"], ns["lam_cv"]):
        assert held_out_mse(ns, lam) == pytest.approx(1.66, abs=0.01)  # "to about 1.66"


def test_sklearn_exactly(ns):
    assert ns["n"] == 60 and ns["m"] == 48
    assert ns["cv_gap"] < 1e-12
    assert ns["search"].best_params_["alpha"] == pytest.approx(48 * ns["lam_cv"])
    assert ns["ridgecv"].alpha_ == pytest.approx(48 * ns["lam_cv"])
    # "the average of the fold R^2s ... picks lambda ~ 0.25"
    assert ns["ridgecv_r2"].alpha_ / 48 == pytest.approx(0.251, rel=0.01)
    assert ns["ridgecv_r2"].alpha_ != pytest.approx(ns["ridgecv"].alpha_)
    # the wrong conversion, and unequal folds: "far above rounding"
    assert ns["wrong_gap"] > 1e-2
    assert min(ns["gap62"].values()) > 1e-4


def test_loo(ns):
    assert ns["loo_sk_gap"] < 1e-8 and ns["loo_brute_gap"] < 1e-8 and ns["kfold_n_gap"] < 1e-10
    assert ns["loo"].shape == (len(ns["lams"]), 60)
    assert ns["lam_loo"] == pytest.approx(0.251, rel=0.01)


def test_logistic_C(ns):
    assert ns["n_c"] == 200 and ns["lam_c"] == 0.05
    assert ns["exact"].C == pytest.approx(0.05) and ns["loose"].C == pytest.approx(20)
    assert ns["c_gap"] < 1e-8
    assert ns["exact"].intercept_[0] == pytest.approx(ns["b_ours"], abs=1e-8)
    assert ns["loose"].C / ns["exact"].C == pytest.approx(2 * 200)  # "400 times weaker"
    assert ns["loose_gap"] > 0.5
    assert np.linalg.norm(ns["loose"].coef_) > 2 * np.linalg.norm(ns["w_ours"])  # "more than twice as long"


def test_logistic_newton_is_the_minimizer(ns):
    """Independently of scikit-learn: the gradient of our loss vanishes at the Newton fit."""
    X, y, lam = ns["Xc"], ns["yc"], ns["lam_c"]
    z = X @ ns["w_ours"] + ns["b_ours"]
    q = 1 / (1 + np.exp(-z))
    grad_w = X.T @ (q - y) / len(y) + 2 * lam * ns["w_ours"]
    assert np.abs(grad_w).max() < 1e-12 and abs(np.mean(q - y)) < 1e-12


def test_rules_of_thumb(ns):
    g = ns["guide_mse"]
    assert g["1e-6"] == pytest.approx(2.47, abs=0.005) and g["1e-2"] == pytest.approx(2.30, abs=0.005)
    assert g["1e-4"] <= g["1e-6"] and g["10"] == pytest.approx(3.43, abs=0.005)
    assert min(g.values()) == pytest.approx(1.655, abs=0.005)  # the CV choice, "1.66"
    assert ns["lam_cv_x10"] == pytest.approx(100 * ns["lam_cv"]) and ns["scale_gap"] < 1e-10
    by_n = ns["by_n"]
    assert by_n[60] == pytest.approx(0.2, rel=0.01) and by_n[1000] == pytest.approx(0.01, rel=0.01)
    assert by_n[60] > by_n[200] > by_n[1000]
    alphas = [n * lam for n, lam in by_n.items()]
    assert 10 - 0.1 <= min(alphas) and max(alphas) <= 16  # "between 10 and 16"


def test_quiz_answer_key(ns):
    from sklearn.linear_model import LogisticRegression, Ridge

    from l2reg import ridge_fit

    assert ns["q1"] == "b"
    # q2: 4 folds of 100 rows: every fit sees 75 rows, so alpha = 75 * 0.1
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((75, 3)), rng.standard_normal(75)
    np.testing.assert_allclose(Ridge(alpha=ns["q2"]).fit(X, y).coef_, ridge_fit(X, y, 0.1)[0], rtol=1e-8)
    # q3: C = 1 / (2 n lambda) on 250 examples
    X = rng.standard_normal((250, 2))
    yb = (X[:, 0] + rng.standard_normal(250) > 0).astype(float)
    model = LogisticRegression(C=ns["q3"], solver="newton-cholesky", tol=1e-12).fit(X, yb)
    q = 1 / (1 + np.exp(-(X @ model.coef_[0] + model.intercept_[0])))
    np.testing.assert_allclose(X.T @ (q - yb) / 250 + 2 * 0.01 * model.coef_[0], 0, atol=1e-9)
    # q4: scaling the features by 10 scales the best lambda by 100 (the fits are identical)
    X, y = rng.standard_normal((30, 3)), rng.standard_normal(30)
    np.testing.assert_allclose(ridge_fit(10 * X, y, ns["q4"] * 0.3)[0] * 10, ridge_fit(X, y, 0.3)[0], rtol=1e-10)
    assert ns["q5"] == "b"


def test_fold_sizes_as_stated():
    """ "n = 62: two training sets with 49 rows, three with 50"; KFold cuts as np.array_split does."""
    from sklearn.model_selection import KFold

    folds = np.array_split(np.arange(62), 5)
    assert sorted(62 - len(f) for f in folds) == [49, 49, 50, 50, 50]
    for (_, test), fold in zip(KFold(n_splits=5).split(np.zeros((62, 1))), folds):
        assert np.array_equal(test, fold)
