"""Every number and claim that lesson 08 states in its text, checked on its own output and, where
the claim is general, across other seeds and splits; and the exercises' visible tests against
typical wrong answers."""

from __future__ import annotations

import re

import nbformat
import numpy as np
import pytest

from nbrun import run_and_collect, source_notebook

LESSON = "08_in_practice"
NAMES = [
    "X_dia", "y_dia", "dia_names", "X_bc", "y_bc", "bc_names", "shift_pipe", "shift_leak", "others",
    "leak_rel", "r2_inside", "r2_outside", "n_bc", "lam_bc", "w_newton", "b_newton", "sk_exact", "sk_loose",
    "gap_exact", "gap_loose", "lams_bc", "W_bc", "C_bc", "Cs", "C_best", "nested", "flat", "rank_raw",
    "rank_std", "w_raw", "w_std", "dup_ratio", "dup_identity", "rank_dup", "fit_gap", "near", "imp", "imp_dup",
    "coef_pi", "imp_ratio", "j_bmi", "H", "groups", "group_names", "gsq_gap", "zero_glasso", "zero_gsq",
    "lasso_zero", "partial_lasso", "rank_H", "norms_path", "lams_group", "cost", "p_cube", "P_tr", "P_va", "lam_decay",
    "t_best", "t_match", "matched", "lam_formula", "mse_a", "corr_b", "spread", "lasso_zeros", "ridge_zeros",
    "decay_spread", "lam_evidence", "lam_cv_dia", "enet_zeros", "coef_lasso", "coef_enet", "coef_ridge", "pair", "lam_splits", "corr_s12",
    "r2_seeds", "near_ridge", "ratios", "top_agree", "rank_P", "ls_gap", "late", "lams_decay", "es", "q1", "q2", "q3", "q4",
    "q5",
]


@pytest.fixture(scope="module")
def ns():
    return run_and_collect(source_notebook(LESSON), NAMES)


def markdown() -> str:
    nb = nbformat.read(str(source_notebook(LESSON)), as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


# --- 1. real data and the leak ---------------------------------------------------------------

def test_data_as_stated(ns):
    assert ns["X_dia"].shape == (442, 10) and ns["X_bc"].shape == (569, 30)
    assert round(float(ns["y_bc"].mean()), 3) == 0.627
    sd = dict(zip(ns["dia_names"], ns["X_dia"].std(axis=0)))
    # "a factor of almost 70 (sex: 0.5, s1: 35)"
    assert round(sd["sex"], 1) == 0.5 and round(sd["s1"]) == 35
    ratio = max(sd.values()) / min(sd.values())
    assert 65 < ratio < 70
    # raw units: the default load_diabetes() is scaled with all rows, ours is not
    from sklearn.datasets import load_diabetes

    scaled = load_diabetes().data
    np.testing.assert_allclose(np.linalg.norm(scaled, axis=0), 1.0, rtol=1e-6)
    assert ns["X_dia"][:, 0].max() > 50  # ages in years


def test_scaler_leak(ns):
    assert ns["shift_pipe"] == 0.0  # "a change of exactly 0"
    assert ns["shift_leak"] > 3  # "by several units"
    assert abs(ns["leak_rel"]) < 1e-3  # "tiny"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_scaler_leak_other_folds(seed):
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import KFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = load_diabetes(return_X_y=True, scaled=False)
    cv = KFold(5, shuffle=True, random_state=seed)
    X_typo = X.copy()
    X_typo[0, 2] *= 10
    fold = next(test for _, test in cv.split(X) if 0 in test)
    others = fold[fold != 0]

    def oof(X, leak):
        if leak:
            return cross_val_predict(Ridge(alpha=3.5), StandardScaler().fit_transform(X), y, cv=cv)
        return cross_val_predict(make_pipeline(StandardScaler(), Ridge(alpha=3.5)), X, y, cv=cv)

    assert np.max(np.abs(oof(X_typo, False) - oof(X, False))[others]) == 0.0
    assert np.max(np.abs(oof(X_typo, True) - oof(X, True))[others]) > 3
    clean_pipe, clean_leak = (np.mean((y - oof(X, leak)) ** 2) for leak in (False, True))
    assert abs(clean_leak - clean_pipe) / clean_pipe < 1e-3


def test_selection_leak(ns):
    r2 = ns["r2_seeds"]
    assert r2.shape == (6, 2) and (ns["r2_inside"], ns["r2_outside"]) == tuple(r2[0])
    assert np.all(r2[:, 0] < 0)  # "honest (below 0 every time)"
    # "between about 0.3 and 0.6 (over six draws of the noise)": every draw inside, and the range spans it
    assert np.all((0.25 < r2[:, 1]) & (r2[:, 1] < 0.65))
    assert r2[:, 1].min() < 0.35 and r2[:, 1].max() > 0.55


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_selection_leak_other_noise(seed):
    from sklearn.feature_selection import SelectKBest, f_regression
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import KFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(seed)
    X, y = rng.standard_normal((100, 2000)), rng.standard_normal(100)
    cv = KFold(5, shuffle=True, random_state=seed)
    inside = cross_val_score(make_pipeline(StandardScaler(), SelectKBest(f_regression, k=20), Ridge(alpha=1.0)),
                             X, y, cv=cv, scoring="r2").mean()
    picked = SelectKBest(f_regression, k=20).fit_transform(X, y)
    outside = cross_val_score(make_pipeline(StandardScaler(), Ridge(alpha=1.0)), picked, y, cv=cv,
                              scoring="r2").mean()
    assert inside < 0 < 0.35 < outside


# --- 2. logistic regression and C --------------------------------------------------------------

def test_exact_C(ns):
    from l2reg.practice import C_from_lambda

    assert ns["n_bc"] == 398 and ns["lam_bc"] == 0.01
    assert ns["sk_exact"].C == pytest.approx(1 / (2 * 398 * 0.01)) == pytest.approx(0.12563, abs=1e-5)
    assert C_from_lambda(0.01, 398) == pytest.approx(ns["sk_exact"].C)
    assert ns["gap_exact"] < 1e-8 and ns["sk_exact"].intercept_[0] == pytest.approx(ns["b_newton"], abs=1e-8)
    assert ns["sk_loose"].C / ns["sk_exact"].C == pytest.approx(796)  # "2n = 796 times weaker"
    assert ns["gap_loose"] > 1
    assert np.linalg.norm(ns["sk_loose"].coef_) > 10 * np.linalg.norm(ns["w_newton"])  # "more than ten times"


def test_newton_fit_is_the_minimizer(ns):
    """Independently of scikit-learn: the gradient of the course's loss vanishes at our fit."""
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    tr, _ = train_test_split(np.arange(569), test_size=0.3, stratify=ns["y_bc"], random_state=0)
    Z = StandardScaler().fit(ns["X_bc"][tr]).transform(ns["X_bc"][tr])
    y = ns["y_bc"][tr]
    q = 1 / (1 + np.exp(-(Z @ ns["w_newton"] + ns["b_newton"])))
    assert np.abs(Z.T @ (q - y) / len(y) + 2 * 0.01 * ns["w_newton"]).max() < 1e-12
    assert abs(np.mean(q - y)) < 1e-12


def test_coefficient_path(ns):
    W, C = ns["W_bc"], ns["C_bc"]
    assert np.all(np.diff(C) < 0)  # the grid runs from large C (weak penalty) to small
    assert np.abs(W[-1]).max() < 0.05 and np.all(W[-1] != 0)  # "towards 0, none exactly"
    assert np.all(np.abs(W[-1]) <= np.abs(W[0]).max())
    flips = np.sum(np.any(np.sign(W) != np.sign(W[-1]), axis=0))
    assert flips >= 1  # "some features swap sign"
    # the path at a few C equals scikit-learn with the exact conversion
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    tr, _ = train_test_split(np.arange(569), test_size=0.3, stratify=ns["y_bc"], random_state=0)
    Z = StandardScaler().fit(ns["X_bc"][tr]).transform(ns["X_bc"][tr])
    for k in (0, 12, 25):
        sk = LogisticRegression(C=C[k], solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(Z, ns["y_bc"][tr])
        np.testing.assert_allclose(sk.coef_[0], W[k], atol=1e-6)


def test_inner_training_size():
    """ "each fit sees four fifths of the 398 training rows ... 318" """
    from sklearn.model_selection import StratifiedKFold, train_test_split

    y = np.r_[np.zeros(212), np.ones(357)]
    tr, _ = train_test_split(np.arange(569), test_size=0.3, stratify=y, random_state=0)
    sizes = [len(a) for a, _ in StratifiedKFold(5, shuffle=True, random_state=0).split(tr, y[tr])]
    assert all(318 <= s <= 319 for s in sizes)


def test_nested_cv(ns):
    assert len(ns["Cs"]) == 7 and len(ns["nested"]) == 5
    assert ns["nested"].mean() < ns["flat"]  # "the nested estimate is the lower one here"


def test_nested_is_lower_on_average():
    """ "over many shuffles of the folds it is lower on average, though ... the two can tie" """
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = load_breast_cancer(return_X_y=True)
    model = make_pipeline(StandardScaler(), LogisticRegression(solver="newton-cholesky", max_iter=500))
    gaps = []
    for seed in range(2, 7):
        search = GridSearchCV(model, {"logisticregression__C": np.logspace(-2, 1, 7)}, scoring="accuracy",
                              cv=StratifiedKFold(5, shuffle=True, random_state=seed))
        nested = cross_val_score(search, X, y, cv=StratifiedKFold(5, shuffle=True, random_state=seed + 10))
        gaps.append(search.fit(X, y).best_score_ - nested.mean())
    assert np.mean(gaps) > 0, gaps


# --- 3. interpretability -------------------------------------------------------------------------

def test_units_change_the_ranking(ns):
    assert ns["rank_raw"][1] == "sex" and ns["rank_raw"].index("bmi") == 2
    assert ns["rank_std"][1] == "bmi" and ns["rank_std"].index("sex") == 4  # "bmi second and sex fifth"


def test_duplicate_halves_the_weight(ns):
    assert ns["dup_ratio"] == pytest.approx(0.5, abs=1e-3)
    assert ns["dup_identity"] < 1e-8
    assert ns["rank_dup"] == 11  # 12 columns, rank 11: X^T X singular
    assert ns["fit_gap"] < 1e-8


def test_near_copies(ns):
    near = ns["near"]
    ls = np.array([v[:2] for v in near.values()])
    assert any(a * b < 0 and max(abs(a), abs(b)) > 50 for a, b in ls)  # "often ... opposite sign"
    assert np.ptp(ls[:, 0]) > 50  # "the split changes with the noise"


def test_near_copy_ridge_range_as_stated(ns):
    # "between 10 and 15 on every one of 20 noise draws"
    w = ns["near_ridge"]
    assert w.shape == (20, 2) and 10 <= w.min() and w.max() <= 15
    assert np.array_equal(w, np.array([v[2:] for v in ns["near"].values()]))


@pytest.mark.parametrize("seed", range(20, 30))
def test_near_copy_ridge_between_10_and_15_for_other_noise(ns, seed):
    from l2reg import ridge_fit

    X, y, j = ns["X_dia"], ns["y_dia"], ns["j_bmi"]
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    Zn = np.column_stack([Z, Z[:, j] + 0.01 * np.random.default_rng(seed).standard_normal(len(y))])
    w = ridge_fit(Zn, y, 0.01)[0][[j, -1]]
    assert np.all((10 <= w) & (w <= 15)), w


def test_permutation_importance(ns):
    names = ns["dia_names"]
    top_imp = {names[j] for j in np.argsort(-ns["imp"])[:2]}
    top_coef = {names[j] for j in np.argsort(-np.abs(ns["coef_pi"]))[:2]}
    assert top_imp == top_coef == {"s5", "bmi"}
    assert 0.12 < ns["imp_ratio"] < 0.25
    # "between about a fifth and a third ..., depending on the split"; "on 4 of 5 random splits"
    r = ns["ratios"]
    assert r[0] == pytest.approx(ns["imp_ratio"]) and np.all((0.17 < r) & (r < 0.35))
    assert r.min() < 0.21 and r.max() > 0.3
    assert list(ns["top_agree"]).count(True) == 4 and ns["top_agree"][0]
    assert ns["imp_dup"][ns["j_bmi"]] == pytest.approx(ns["imp_dup"][-1], rel=1e-9)


@pytest.mark.parametrize("split", [1, 2, 3])
def test_permutation_importance_other_splits(ns, split):
    from sklearn.inspection import permutation_importance
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import train_test_split

    X, y, j, names = ns["X_dia"], ns["y_dia"], ns["j_bmi"], ns["dia_names"]
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    tr, te = train_test_split(np.arange(len(y)), test_size=0.3, random_state=split)

    def imp(Z):
        m = Ridge(alpha=len(tr) * 0.01).fit(Z[tr], y[tr])
        return m.coef_, permutation_importance(m, Z[te], y[te], n_repeats=20, random_state=0,
                                               scoring="neg_mean_squared_error").importances_mean

    coef, one = imp(Z)
    _, two = imp(np.column_stack([Z, Z[:, j]]))
    assert {names[k] for k in np.argsort(-one)[:2]} == {names[k] for k in np.argsort(-np.abs(coef))[:2]} == {"s5", "bmi"}
    assert 0.1 < two[j] / one[j] < 0.3


# --- 4. group penalties ---------------------------------------------------------------------------

def test_one_hot_columns_are_collinear_with_the_intercept(ns):
    # "rank 37 of 49": 12 groups of 4 columns, each group's columns sum to the intercept's column of ones
    assert ns["rank_H"] == 1 + 12 * 3 == 37 and ns["H"].shape[1] + 1 == 49
    np.testing.assert_array_equal(ns["H"].reshape(442, 12, 4).sum(axis=2), 1.0)


def test_group_penalties(ns):
    assert ns["H"].shape == (442, 48) and len(ns["group_names"]) == 12
    assert np.array_equal(np.bincount(ns["groups"]), [4] * 12)
    assert ns["gsq_gap"] < 1e-5 and ns["zero_gsq"] == 0
    zero = ns["zero_glasso"]
    assert {"noise 1", "noise 2", "noise 3"} <= set(zero) and len(zero) > 3  # noise "among them"
    assert ns["partial_lasso"] >= 2 and ns["lasso_zero"].sum() > 0  # "several variables half in"
    # the path: groups leave one at a time, and stay out (whole groups, exactly)
    path = ns["norms_path"]
    out = path == 0
    assert not out[0].all() and out[-1].sum() >= 10
    assert np.all(out[1:] >= out[:-1]), "a group left and came back"


def _quartile_onehot(X, columns, seed):
    rng, blocks = np.random.default_rng(seed), []
    for j in columns:
        level = np.searchsorted(np.quantile(X[:, j], [0.25, 0.5, 0.75]), X[:, j], side="right")
        blocks.append(np.eye(4)[level])
    blocks += [np.eye(4)[rng.integers(0, 4, len(X))] for _ in range(3)]
    return np.hstack(blocks), np.repeat(np.arange(len(blocks)), 4)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_group_lasso_drops_the_noise_for_other_noise(ns, seed):
    from l2reg.practice import group_lasso_fit, group_norms

    numeric = [j for j, n in enumerate(ns["dia_names"]) if n != "sex"]
    H, groups = _quartile_onehot(ns["X_dia"], numeric, seed)
    norms = group_norms(group_lasso_fit(H, ns["y_dia"], groups, 10.0)[0], groups)
    assert np.all(norms[9:] == 0) and np.any(norms[:9] > 0)
    assert np.all(group_norms(group_lasso_fit(H, ns["y_dia"], groups, 0.01, squared=True)[0], groups) > 0)


# --- 5. cost (ratios only, loosely: order of magnitude, not exact times) ----------------------------

def test_cost_table(ns):
    c = ns["cost"]
    wide = [k for k in c if k.startswith("wide")]
    assert len(wide) == 2
    for k in wide:
        assert c[k]["decay / gradient step"] < 0.25  # "about a tenth or less"
        assert c[k]["closed form / gradient step"] > 100  # "hundreds of gradient steps or more"
    for k in c:
        assert c[k]["50 closed forms / one path"] > 1  # "one SVD costs less than 50 solves on every matrix"
    assert ns["p_cube"] > 1  # "doubling p makes it slower"


# --- 6. weight decay over training, early stopping ------------------------------------------------

def _cubic():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures, StandardScaler

    return make_pipeline(StandardScaler(), PolynomialFeatures(degree=3, include_bias=False), StandardScaler())


def _lam_by_cv_inside_folds(X, y, grid):
    """5-fold CV (contiguous folds) of the course's ridge_fit, the features rebuilt on each training part."""
    from l2reg import ridge_fit

    err = np.zeros(len(grid))
    for fold in np.array_split(np.arange(len(y)), 5):
        tr = np.setdiff1d(np.arange(len(y)), fold)
        poly = _cubic().fit(X[tr])
        A, B = poly.transform(X[tr]), poly.transform(X[fold])
        for i, lam in enumerate(grid):
            w, b = ridge_fit(A, y[tr], lam)
            err[i] += np.mean((y[fold] - B @ w - b) ** 2) / 5
    return float(grid[np.argmin(err)])


def test_training_curves(ns):
    assert ns["P_tr"].shape == (50, 285) and ns["P_va"].shape[0] == 392
    grid = np.logspace(-3, 2, 21)
    np.testing.assert_array_equal(ns["lams_decay"], grid)
    assert 0 < list(grid).index(ns["lam_decay"]) < 20  # chosen inside the grid
    order = np.random.default_rng(0).permutation(442)
    # "(5-fold CV on the training rows, scaled inside the folds)": Ridge's alpha = 40 lambda is the course's lambda
    assert ns["lam_decay"] == _lam_by_cv_inside_folds(ns["X_dia"][order[:50]], ns["y_dia"][order[:50]], grid)
    assert ns["t_best"] < 100


def _early_stopping(ns, seed):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures, StandardScaler

    from l2reg.practice import EarlyStopping

    X, y = ns["X_dia"], ns["y_dia"]
    order = np.random.default_rng(seed).permutation(len(y))
    tr, va = order[:50], order[50:]
    poly = make_pipeline(StandardScaler(), PolynomialFeatures(degree=3, include_bias=False), StandardScaler())
    P_tr, P_va = poly.fit_transform(X[tr]), poly.transform(X[va])
    lam = _lam_by_cv_inside_folds(X[tr], y[tr], np.logspace(-3, 2, 21))
    return EarlyStopping.make(P_tr, y[tr], P_va, y[va], steps=3000, decay=lam), P_tr, y[tr], P_va, y[va], lam


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_weight_decay_over_training(ns, seed):
    es = _early_stopping(ns, seed)[0]
    # "the training error falls towards 0 while the validation error ... climbs to several times that minimum"
    assert es.train_gd[-1] < 0.01 * es.train_gd[0]
    assert es.val_gd[-1] > 2 * es.val_gd.min()
    # "with weight decay ... the validation error stays far lower"
    assert es.val_decay[-1] < 0.6 * es.val_gd[-1]


def test_weight_decay_ends_at_ridge(ns):
    from l2reg import ridge_fit

    es, P_tr, y_tr, _, _, lam = _early_stopping(ns, 0)
    w = ridge_fit(P_tr, y_tr, lam)[0]
    from l2reg.practice import gd_path

    W, _ = gd_path(P_tr, y_tr, es.lr, 3000, lam=lam)
    assert np.linalg.norm(W[-1] - w) < 1e-6 * np.linalg.norm(w)


def test_early_stopping_tracks_ridge(ns):
    t, m, f = ns["t_match"], ns["matched"], ns["lam_formula"]
    early = t <= 100
    ratio = m[:, 0] / f
    assert np.all((1 / 1.6 < ratio[early]) & (ratio[early] < 1.6))  # "within a factor of 1.6"
    assert np.all((0.10 <= m[early, 1]) & (m[early, 1] <= 0.20))  # "differ by 10 to 20%"
    # "Later the weights come even closer to the ridge path (3% apart at step 3000 ...), but the formula
    # overstates lambda more and more: at step 3000 the nearest lambda is a quarter of 1/(2 alpha t)"
    assert m[-1, 1] < m[early, 1].min() and round(m[-1, 1], 2) == 0.03
    assert np.all(np.diff(ratio[3:]) < 0) and 0.22 < ratio[-1] < 0.28
    # "50 rows give only 49 directions of nonzero curvature"; "9% from the minimum-norm least-squares fit,
    # from 99% at step 3"
    assert ns["rank_P"] == 49 and np.all(np.diff(ns["ls_gap"]) < 0)
    assert round(ns["ls_gap"][0], 2) == 0.99 and round(ns["ls_gap"][-1], 2) == 0.09
    # "at most 6% on five other splits"; "between about 0.01 and 0.4 of it on the other splits"
    late = ns["late"]
    assert late.shape == (5, 2) and late[:, 1].max() <= 0.06
    assert 0.005 < late[:, 0].min() < 0.02 and 0.3 < late[:, 0].max() < 0.4
    np.testing.assert_allclose(f, 1 / (2 * 0.0059824 * t), rtol=1e-3)


def test_nearest_lambda_is_closer_than_the_demos(ns):
    """ "The demo's readout compares with ridge at lambda = 1/(2 alpha t) itself; the nearest lambda is
    closer, so the gaps printed below are smaller than the demo's." """
    es = ns["es"]
    demo_gap = np.array([es.state(int(t))["gap"] for t in ns["t_match"]])
    np.testing.assert_allclose([es.state(int(t))["lam"] for t in ns["t_match"]], ns["lam_formula"], rtol=1e-12)
    assert np.all(ns["matched"][:, 1] < demo_gap), (ns["matched"][:, 1], demo_gap)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_early_stopping_tracks_ridge_other_splits(ns, seed):
    from l2reg.practice import matching_lambda

    es, P_tr, y_tr, *_ = _early_stopping(ns, seed)
    t = np.array([3, 10, 30, 100])
    lam, gap = matching_lambda(P_tr, y_tr, es.W_gd[t], np.logspace(-4, 3, 141))
    ratio = lam * 2 * es.lr * t
    assert np.all((1 / 1.6 < ratio) & (ratio < 1.6)) and np.all(gap <= 0.2), (ratio, gap)


def test_matched_lambda_is_nearest(ns):
    """The matching is a real minimization: neighbours on the grid are farther away."""
    from l2reg import ridge_fit

    es, P_tr, y_tr, *_ = _early_stopping(ns, 0)
    lam = ns["matched"][2, 0]
    w = es.W_gd[30]
    d = [np.linalg.norm(ridge_fit(P_tr, y_tr, lam * f)[0] - w) for f in (10 ** -0.05, 1.0, 10 ** 0.05)]
    assert d[1] <= d[0] and d[1] <= d[2]


# --- 7. when to use which ----------------------------------------------------------------------------

def test_decision_guide_examples(ns):
    assert ns["mse_a"][0] > 5 * ns["mse_a"][1]  # "to less than a fifth"
    assert ns["corr_b"] >= 0.98  # "correlations of at least 0.98"
    assert ns["spread"][1e-5] > 10 * ns["spread"][1e-2]  # "more than ten times less"
    assert len(ns["lasso_zeros"]) >= 1 and ns["ridge_zeros"] == 0
    assert round(ns["corr_s12"], 2) == 0.90
    # "here it keeps s1 and drops s2"
    assert ns["coef_lasso"][4] != 0 and ns["coef_lasso"][5] == 0 and np.all(ns["coef_enet"][[4, 5]] != 0)
    assert len(ns["enet_zeros"]) < len(ns["lasso_zeros"])
    # over 8 splits: "drops exactly one of them 4 times, both once and neither 3 times"; the elastic net
    # "kept both on all 8 splits and never zeroed more features than the lasso"; ridge "no zero on any of
    # 8 splits", "the same sign on 5 of the 8 splits"
    pair = ns["pair"]
    assert pair.shape == (8, 5)
    assert [np.sum(pair[:, 0] == k) for k in (1, 2, 0)] == [4, 1, 3]
    assert np.all(pair[:, 1] == 0) and np.all(pair[:, 2] == 1)
    assert np.all(pair[:, 3] == 0) and pair[:, 4].sum() == 5
    # "on the other 3, where CV picks a very small lambda, they take opposite signs"
    lam = np.array(ns["lam_splits"])
    assert lam[0] == ns["lam_cv_dia"] and lam[pair[:, 4] == 0].max() < 0.01 < 0.05 < lam[pair[:, 4] == 1].min()
    # like with like: the ridge of (c) is fitted on the same rows as the lasso, at its own CV lambda
    assert ns["lam_cv_dia"] in list(np.logspace(-4, 1, 51))
    assert ns["decay_spread"] > 1e4  # "more than 10 000"
    assert 1 / 5 < ns["lam_evidence"] / ns["lam_cv_dia"] < 5  # "in the same range"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ridge_beats_least_squares_on_other_splits(ns, seed):
    from l2reg import ridge_path

    _, P_tr, y_tr, P_va, y_va, lam = _early_stopping(ns, seed)
    W, b = ridge_path(P_tr, y_tr, np.array([0.0, lam]))
    mse = np.mean((y_va[None, :] - W @ P_va.T - b[:, None]) ** 2, axis=1)
    assert mse[0] > 2 * mse[1]  # "on other random splits ..., to less than half"


# --- quiz -----------------------------------------------------------------------------------------------

def test_quiz_answer_key(ns):
    from sklearn.linear_model import LogisticRegression

    from l2reg import ridge_fit
    from l2reg.practice import group_lasso_fit, group_norms

    rng = np.random.default_rng(3)
    # q1: C = 1 / (2 * 400 * 0.005)
    X = rng.standard_normal((400, 3))
    y = (X[:, 0] + rng.standard_normal(400) > 0).astype(float)
    m = LogisticRegression(C=ns["q1"], solver="newton-cholesky", tol=1e-12).fit(X, y)
    q = 1 / (1 + np.exp(-(X @ m.coef_[0] + m.intercept_[0])))
    np.testing.assert_allclose(X.T @ (q - y) / 400 + 2 * 0.005 * m.coef_[0], 0, atol=1e-9)
    # q2: a copy halves the weight
    X = rng.standard_normal((200, 2))
    y = 20 * X[:, 0] + X[:, 1] + rng.standard_normal(200)
    w = ridge_fit(np.column_stack([X, X[:, 0]]), y, 1e-4)[0]
    assert ns["q2"] == "b" and w[0] == pytest.approx(10, rel=0.05) and w[2] == pytest.approx(w[0])
    # q3: only unsquared group norms zero a group
    X = rng.standard_normal((80, 4))
    y = X[:, 0] + X[:, 1] + 0.1 * rng.standard_normal(80)
    g = np.array([0, 0, 1, 1])
    assert group_norms(group_lasso_fit(X, y, g, 0.1)[0], g)[1] == 0
    assert group_norms(group_lasso_fit(X, y, g, 0.1, squared=True)[0], g)[1] > 0
    assert ns["q3"] == "b"
    assert ns["q4"] == pytest.approx(1 / (2 * 0.01 * 500))
    assert ns["q5"] == "b"


# --- the exercises' visible tests catch typical wrong answers ----------------------------------------

def _cells():
    return nbformat.read(str(source_notebook(LESSON)), as_version=4).cells


def _cell(grade_id):
    (cell,) = [c for c in _cells() if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    return cell.source


def _visible(grade_id):
    return _cell(grade_id).split("### BEGIN HIDDEN TESTS")[0]


def _solution(grade_id):
    return re.sub(r"\s*### (BEGIN|END) SOLUTION", "", _cell(grade_id))


def _namespace():
    ns = {}
    imports = next(c.source for c in _cells() if c.cell_type == "code")
    exec(imports.replace("%matplotlib inline", ""), ns)
    return ns


WRONG_CV = {
    "scaler fitted on all rows (the leak)": """
def kfold_mse_standardized(X, y, lam, k):
    X, y = np.asarray(X, float), np.asarray(y, float)
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    total = 0.0
    for fold in np.array_split(np.arange(len(y)), k):
        train = np.setdiff1d(np.arange(len(y)), fold)
        w, b = ridge_fit(Z[train], y[train], lam)
        total += np.mean((y[fold] - Z[fold] @ w - b) ** 2)
    return float(total / k)
""",
    "held-out fold standardized with its own statistics": """
def kfold_mse_standardized(X, y, lam, k):
    X, y = np.asarray(X, float), np.asarray(y, float)
    total = 0.0
    for fold in np.array_split(np.arange(len(y)), k):
        train = np.setdiff1d(np.arange(len(y)), fold)
        z = lambda A: (A - A.mean(axis=0)) / A.std(axis=0)
        w, b = ridge_fit(z(X[train]), y[train], lam)
        total += np.mean((y[fold] - z(X[fold]) @ w - b) ** 2)
    return float(total / k)
""",
    "no standardization": """
def kfold_mse_standardized(X, y, lam, k):
    X, y = np.asarray(X, float), np.asarray(y, float)
    total = 0.0
    for fold in np.array_split(np.arange(len(y)), k):
        train = np.setdiff1d(np.arange(len(y)), fold)
        w, b = ridge_fit(X[train], y[train], lam)
        total += np.mean((y[fold] - X[fold] @ w - b) ** 2)
    return float(total / k)
""",
    "sample standard deviation (ddof=1)": """
def kfold_mse_standardized(X, y, lam, k):
    X, y = np.asarray(X, float), np.asarray(y, float)
    total = 0.0
    for fold in np.array_split(np.arange(len(y)), k):
        train = np.setdiff1d(np.arange(len(y)), fold)
        mu, sd = X[train].mean(axis=0), X[train].std(axis=0, ddof=1)
        w, b = ridge_fit((X[train] - mu) / sd, y[train], lam)
        total += np.mean((y[fold] - (X[fold] - mu) / sd @ w - b) ** 2)
    return float(total / k)
""",
    "interleaved folds": """
def kfold_mse_standardized(X, y, lam, k):
    X, y = np.asarray(X, float), np.asarray(y, float)
    total = 0.0
    for i in range(k):
        fold = np.arange(i, len(y), k)
        train = np.setdiff1d(np.arange(len(y)), fold)
        mu, sd = X[train].mean(axis=0), X[train].std(axis=0)
        w, b = ridge_fit((X[train] - mu) / sd, y[train], lam)
        total += np.mean((y[fold] - (X[fold] - mu) / sd @ w - b) ** 2)
    return float(total / k)
""",
    "sum of the fold errors": """
def kfold_mse_standardized(X, y, lam, k):
    X, y = np.asarray(X, float), np.asarray(y, float)
    total = 0.0
    for fold in np.array_split(np.arange(len(y)), k):
        train = np.setdiff1d(np.arange(len(y)), fold)
        mu, sd = X[train].mean(axis=0), X[train].std(axis=0)
        w, b = ridge_fit((X[train] - mu) / sd, y[train], lam)
        total += np.mean((y[fold] - (X[fold] - mu) / sd @ w - b) ** 2)
    return float(total)
""",
    "standardizes X in place": """
def kfold_mse_standardized(X, y, lam, k):
    total = 0.0
    for fold in np.array_split(np.arange(len(y)), k):
        train = np.setdiff1d(np.arange(len(y)), fold)
        mu, sd = X[train].mean(axis=0), X[train].std(axis=0)
        Z = (X - mu) / sd
        w, b = ridge_fit(Z[train], y[train], lam)
        total += np.mean((y[fold] - Z[fold] @ w - b) ** 2)
    X -= X.mean(axis=0)
    return float(total / k)
""",
    "pooled error over all rows (not the average of the fold errors)": """
def kfold_mse_standardized(X, y, lam, k):
    X, y = np.asarray(X, float), np.asarray(y, float)
    sq = 0.0
    for fold in np.array_split(np.arange(len(y)), k):
        train = np.setdiff1d(np.arange(len(y)), fold)
        mu, sd = X[train].mean(axis=0), X[train].std(axis=0)
        w, b = ridge_fit((X[train] - mu) / sd, y[train], lam)
        sq += np.sum((y[fold] - (X[fold] - mu) / sd @ w - b) ** 2)
    return float(sq / len(y))
""",
    "shuffled folds": """
def kfold_mse_standardized(X, y, lam, k):
    X, y = np.asarray(X, float), np.asarray(y, float)
    total = 0.0
    for fold in np.array_split(np.random.default_rng(0).permutation(len(y)), k):
        train = np.setdiff1d(np.arange(len(y)), fold)
        mu, sd = X[train].mean(axis=0), X[train].std(axis=0)
        w, b = ridge_fit((X[train] - mu) / sd, y[train], lam)
        total += np.mean((y[fold] - (X[fold] - mu) / sd @ w - b) ** 2)
    return float(total / k)
""",
    "returns a one-element array": """
def kfold_mse_standardized(X, y, lam, k):
    X, y = np.asarray(X, float), np.asarray(y, float)
    total = np.zeros(1)
    for fold in np.array_split(np.arange(len(y)), k):
        train = np.setdiff1d(np.arange(len(y)), fold)
        mu, sd = X[train].mean(axis=0), X[train].std(axis=0)
        w, b = ridge_fit((X[train] - mu) / sd, y[train], lam)
        total += np.mean((y[fold] - (X[fold] - mu) / sd @ w - b) ** 2)
    return total / k
""",
    # second pass (issue 14): the intercept, ridge_fit's lambda, the error measure, the scale
    "intercept left out of the prediction": """
def kfold_mse_standardized(X, y, lam, k):
    X, y = np.asarray(X, float), np.asarray(y, float)
    total = 0.0
    for fold in np.array_split(np.arange(len(y)), k):
        train = np.setdiff1d(np.arange(len(y)), fold)
        mu, sd = X[train].mean(axis=0), X[train].std(axis=0)
        w, b = ridge_fit((X[train] - mu) / sd, y[train], lam)
        total += np.mean((y[fold] - (X[fold] - mu) / sd @ w) ** 2)
    return float(total / k)
""",
    "ridge_fit given n * lam (scikit-learn's alpha)": """
def kfold_mse_standardized(X, y, lam, k):
    X, y = np.asarray(X, float), np.asarray(y, float)
    total = 0.0
    for fold in np.array_split(np.arange(len(y)), k):
        train = np.setdiff1d(np.arange(len(y)), fold)
        mu, sd = X[train].mean(axis=0), X[train].std(axis=0)
        w, b = ridge_fit((X[train] - mu) / sd, y[train], len(train) * lam)
        total += np.mean((y[fold] - (X[fold] - mu) / sd @ w - b) ** 2)
    return float(total / k)
""",
    "root mean squared error per fold": """
def kfold_mse_standardized(X, y, lam, k):
    X, y = np.asarray(X, float), np.asarray(y, float)
    total = 0.0
    for fold in np.array_split(np.arange(len(y)), k):
        train = np.setdiff1d(np.arange(len(y)), fold)
        mu, sd = X[train].mean(axis=0), X[train].std(axis=0)
        w, b = ridge_fit((X[train] - mu) / sd, y[train], lam)
        total += np.sqrt(np.mean((y[fold] - (X[fold] - mu) / sd @ w - b) ** 2))
    return float(total / k)
""",
    "divided by the variance, not the standard deviation": """
def kfold_mse_standardized(X, y, lam, k):
    X, y = np.asarray(X, float), np.asarray(y, float)
    total = 0.0
    for fold in np.array_split(np.arange(len(y)), k):
        train = np.setdiff1d(np.arange(len(y)), fold)
        mu, sd = X[train].mean(axis=0), X[train].var(axis=0)
        w, b = ridge_fit((X[train] - mu) / sd, y[train], lam)
        total += np.mean((y[fold] - (X[fold] - mu) / sd @ w - b) ** 2)
    return float(total / k)
""",
}

# the mistake the visible test's message names, where it is predictable
NAMED_CV = {
    "scaler fitted on all rows (the leak)": "the scaler saw every row",
    "sample standard deviation (ddof=1)": "ddof=1",
    "pooled error over all rows (not the average of the fold errors)": "pooled error",
    "sum of the fold errors": "sum of the fold errors",
    "interleaved folds": "not contiguous",
    "intercept left out of the prediction": "the intercept b is missing",
    "ridge_fit given n * lam (scikit-learn's alpha)": "ridge_fit takes the course's lambda",
    "root mean squared error per fold": "root of each fold's mean squared error",
    "divided by the variance, not the standard deviation": "divided by the variance",
}

WRONG_PROX = {
    "unguarded division by the norm (0 / 0 for a group of zeros, silenced by max)": """
def group_soft_threshold(w, groups, t):
    w, groups = np.asarray(w, float), np.asarray(groups)
    out = np.zeros_like(w)
    for g in np.unique(groups):
        m = groups == g
        out[m] = max(0.0, 1 - t / np.linalg.norm(w[m])) * w[m]
    return out
""",
    "zeroes only groups strictly below the threshold (NaN for a zero group at t = 0)": """
def group_soft_threshold(w, groups, t):
    w, groups = np.asarray(w, float), np.asarray(groups)
    out = np.zeros_like(w)
    for g in np.unique(groups):
        m = groups == g
        n = np.linalg.norm(w[m])
        if n >= t:
            out[m] = (1 - t / n) * w[m]
    return out
""",
    "divides by the squared norm": """
def group_soft_threshold(w, groups, t):
    w, groups = np.asarray(w, float), np.asarray(groups)
    out = np.zeros_like(w)
    for g in np.unique(groups):
        m = groups == g
        n2 = np.sum(w[m] ** 2)
        if n2 > t:
            out[m] = (1 - t / n2) * w[m]
    return out
""",
    "elementwise soft threshold (the lasso's step)": """
def group_soft_threshold(w, groups, t):
    w = np.asarray(w, float)
    return np.sign(w) * np.maximum(np.abs(w) - t, 0.0)
""",
    "squared norms' step (shrinks, never zeroes)": """
def group_soft_threshold(w, groups, t):
    return np.asarray(w, float) / (1 + t)
""",
    "no clipping at zero": """
def group_soft_threshold(w, groups, t):
    w, groups = np.asarray(w, float), np.asarray(groups)
    out = w.copy()
    for g in np.unique(groups):
        m = groups == g
        n = np.linalg.norm(w[m])
        out[m] = (1 - t / n) * w[m] if n > 0 else 0.0
    return out
""",
    "divides by a zero norm": """
def group_soft_threshold(w, groups, t):
    w, groups = np.asarray(w, float), np.asarray(groups)
    out = w.copy()
    for g in np.unique(groups):
        m = groups == g
        n = np.linalg.norm(w[m])
        out[m] = w[m] / n * max(0.0, n - t)          # 0 / 0 for a group of zeros
    return out
""",
    "hard threshold (keeps a group unchanged)": """
def group_soft_threshold(w, groups, t):
    w, groups = np.asarray(w, float), np.asarray(groups)
    out = w.copy()
    for g in np.unique(groups):
        m = groups == g
        if np.linalg.norm(w[m]) <= t:
            out[m] = 0.0
    return out
""",
    "groups taken as adjacent blocks of equal size": """
def group_soft_threshold(w, groups, t):
    w = np.asarray(w, float)
    size = len(w) // len(np.unique(groups))
    out = np.zeros_like(w)
    for s in range(0, len(w), size):
        n = np.linalg.norm(w[s:s + size])
        if n > t:
            out[s:s + size] = (1 - t / n) * w[s:s + size]
    return out
""",
    "modifies w in place": """
def group_soft_threshold(w, groups, t):
    groups = np.asarray(groups)
    for g in np.unique(groups):
        m = groups == g
        n = np.linalg.norm(w[m])
        w[m] = (1 - t / n) * w[m] if n > t else 0.0
    return w
""",
    "returns a list": """
def group_soft_threshold(w, groups, t):
    w, groups = np.asarray(w, float), np.asarray(groups)
    out = np.zeros_like(w)
    for g in np.unique(groups):
        m = groups == g
        n = np.linalg.norm(w[m])
        if n > t:
            out[m] = (1 - t / n) * w[m]
    return out.tolist()
""",
}


@pytest.mark.parametrize("answer_id, test_id", [("ex_cv_scaled", "test_cv_scaled"), ("ex_group_prox", "test_group_prox")])
def test_reference_answer_passes_the_visible_test(answer_id, test_id):
    ns = _namespace()
    exec(_solution(answer_id), ns)
    exec(_visible(test_id), ns)


@pytest.mark.parametrize("wrong", sorted(WRONG_CV), ids=lambda s: s.replace(" ", "_"))
def test_visible_cv_test_catches(wrong):
    ns = _namespace()
    exec(WRONG_CV[wrong], ns)
    with pytest.raises(AssertionError):
        exec(_visible("test_cv_scaled"), ns)


@pytest.mark.parametrize("wrong", sorted(NAMED_CV), ids=lambda s: s.replace(" ", "_"))
def test_visible_cv_test_names_the_likely_mistake(wrong):
    ns = _namespace()
    exec(WRONG_CV[wrong], ns)
    with pytest.raises(AssertionError, match=re.escape(NAMED_CV[wrong])):
        exec(_visible("test_cv_scaled"), ns)


def test_visible_cv_test_tells_fold_average_from_pooled():
    """Seven rows in three folds of 3, 2, 2: the two errors differ (with six rows they would be equal)."""
    ns = _namespace()
    exec(_solution("ex_cv_scaled"), ns)
    exec(WRONG_CV["pooled error over all rows (not the average of the fold errors)"].replace(
        "def kfold_mse_standardized", "def pooled"), ns)
    X = np.array([[1.0, 0.0], [2.0, 1.0], [3.0, 0.0], [4.0, 1.0], [50.0, 0.0], [6.0, 1.0], [7.0, 0.0]])
    y = np.array([1.0, 2.0, 2.5, 4.0, 3.0, 6.0, 6.5])
    a, b = ns["kfold_mse_standardized"](X, y, 0.1, 3), ns["pooled"](X, y, 0.1, 3)
    assert abs(a - b) > 1e-3 * a


@pytest.mark.parametrize("wrong, named", [("divides by the squared norm", "not its square"),
                                          ("unguarded division by the norm (0 / 0 for a group of zeros, silenced by max)",
                                           "divided by its norm 0"),
                                          # second pass (issue 14): lesson 4's lasso step, a hard threshold and the
                                          # squared norms' step each read only 'expected [2.4, 3.2, 0, 0], got ...'
                                          ("elementwise soft threshold (the lasso's step)",
                                           "the lasso's elementwise soft threshold"),
                                          ("hard threshold (keeps a group unchanged)", "a hard threshold"),
                                          ("squared norms' step (shrinks, never zeroes)", "the squared norms' step")])
def test_visible_prox_test_names_the_likely_mistake(wrong, named):
    ns = _namespace()
    exec(WRONG_PROX[wrong], ns)
    with pytest.raises(AssertionError, match=re.escape(named)):
        exec(_visible("test_group_prox"), ns)


@pytest.mark.parametrize("wrong", sorted(WRONG_PROX), ids=lambda s: s.replace(" ", "_"))
def test_visible_prox_test_catches(wrong):
    ns = _namespace()
    exec(WRONG_PROX[wrong], ns)
    with pytest.raises(AssertionError):
        exec(_visible("test_group_prox"), ns)


def test_lesson_names_the_exact_conversion():
    text = markdown()
    assert "C = \\frac{1}{2n\\lambda}" in text and "not the \"$\\lambda = 1/C$\"" in text


@pytest.mark.parametrize("split", [1, 2, 3])
def test_elastic_net_keeps_the_correlated_pair_on_other_splits(ns, split):
    from sklearn.linear_model import ElasticNetCV, LassoCV
    from sklearn.model_selection import KFold, train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = ns["X_dia"], ns["y_dia"]
    tr, _ = train_test_split(np.arange(len(y)), test_size=0.3, random_state=split)
    cv = KFold(5, shuffle=True, random_state=0)
    lasso = make_pipeline(StandardScaler(), LassoCV(cv=cv)).fit(X[tr], y[tr])[-1].coef_
    enet = make_pipeline(StandardScaler(), ElasticNetCV(l1_ratio=0.5, cv=cv)).fit(X[tr], y[tr])[-1].coef_
    assert np.all(enet[[4, 5]] != 0) and np.sum(enet == 0) < np.sum(lasso == 0)
