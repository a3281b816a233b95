"""Every number and claim that lesson 05 states in its text, checked on its own output."""

from __future__ import annotations

import numpy as np
import pytest

from nbrun import run_and_collect, source_notebook

NAMES = [
    "batches", "lams_bv", "best_bv", "gap_bv", "n_sims", "mean_prediction", "truth", "variance", "bias2",
    "bias2_naive", "bias2_se", "total", "direct", "batch_var0", "pool_var0", "gaps0", "inner", "drawn", "avg", "other_draws", "n_lam", "sweep", "lam_val", "X_tr", "y_tr", "X_val", "y_val", "X_te", "y_te",
    "w_true", "lams", "cv", "lam_cv", "cv_gap", "search", "ridgecv", "ridgecv_r2", "m", "n", "wrong_gap", "gap62",
    "loo", "loo_sk_gap", "loo_brute_gap", "lam_loo", "kfold_n_gap", "Xc", "yc", "w_ours", "b_ours", "exact",
    "loose", "c_gap", "loose_gap", "lam_c", "n_c", "guide_mse", "rt", "rt_median", "rt_share", "lam_cv_x10", "scale_gap", "by_n",
    "q1", "q2", "q3", "q4", "q5", "per_draw", "cv_minus_val", "gap", "gap_se", "match_max", "match_se",
]


@pytest.fixture(scope="module")
def ns():
    return run_and_collect(source_notebook("05_choosing_lambda"), NAMES)


def held_out_mse(ns, lam):
    from l2reg import ridge_fit

    w, b = ridge_fit(ns["X_tr"], ns["y_tr"], lam)
    return float(np.mean((ns["y_te"] - ns["X_te"] @ w - b) ** 2))


def _bv_claims(lams, bias2, se, variance, total, direct, batch_var, noise):
    """The sentences of section 1 that must hold for any set of simulations."""
    assert lams[0] == pytest.approx(1e-6) and lams[-1] == 10
    assert variance[0] > 20 * noise  # "swings wildly": tens of times the noise
    assert batch_var.max() > 2 * batch_var.min()  # "hard to measure: a few wild fits dominate it"
    # "up to 1e-3 it is tiny, below 0.002": where it can be told from zero (on other simulations
    # the far left reads up to 0.005, inside its Monte-Carlo error)
    small = lams <= 1e-3
    assert np.all(bias2[small] < np.maximum(0.002, 2 * se[small]))
    k_first = int(np.flatnonzero(lams > 1e-3)[0])
    assert np.all(np.diff(bias2[k_first - 1:]) > 0)  # then it grows
    assert bias2[-1] == pytest.approx(0.43, abs=0.005)  # "reaches 0.43 at lambda = 10"
    assert np.all(np.abs(bias2[lams < 2e-4]) < 2 * se[lams < 2e-4])  # cannot be told from zero
    assert np.all(np.diff(variance[:20]) < 0)  # the variance falls
    k = int(np.argmin(total))
    assert 3e-3 < lams[k] < 2e-2  # the U, "lowest near 6e-3"
    assert total[0] > 10 * total[k] and total[-1] > 3 * total[k]
    assert np.max(np.abs(total - direct) / direct) < 0.01


def test_bias_variance(ns):
    lams, batches = ns["lams_bv"], ns["batches"]
    assert len(batches) == 8 and ns["n_sims"] == 2000 and all(len(b["examples"]) == 20 for b in batches)
    noise = 0.0625
    assert batches[0]["noise"] == pytest.approx(noise)
    variance, bias2, se = ns["variance"], ns["bias2"], ns["bias2_se"]
    _bv_claims(lams, bias2, se, variance, ns["total"], ns["direct"], ns["batch_var0"], noise)
    assert np.all(bias2[lams <= 1e-3] < 0.002)  # this run: "below 0.002" everywhere up to 1e-3
    # the pooled numbers, from the batches (sims 250 i .. 250 i + 249), and the identity
    np.testing.assert_allclose(ns["mean_prediction"], np.mean([b["mean_prediction"] for b in batches], axis=0))
    np.testing.assert_allclose(ns["total"], ns["bias2_naive"] + variance * (1999 / 2000) + noise)
    np.testing.assert_allclose(bias2, ns["bias2_naive"] - variance / 2000)
    # "about 3.7, some sixty times the noise"; "from one batch to the next it ranges from 1.3 to 8.6"
    assert round(variance[0], 1) == 3.7 and round(variance[0] / noise / 10) == 6
    assert round(ns["batch_var0"].min(), 1) == 1.3 and round(ns["batch_var0"].max(), 1) == 8.6
    # "below lambda ~ 3e-4 it cannot be told from zero (drawn only where it exceeds twice its error)"
    drawn = ns["drawn"]
    assert lams[drawn[0]] == pytest.approx(3.16e-4, rel=0.01) and np.array_equal(drawn, np.arange(drawn[0], len(lams)))
    # "adds variance / 2000 ~ 0.002 ... and with 500 training sets 0.007"
    assert round(variance[0] / 2000, 3) == 0.002 and round(variance[0] / 500, 3) == 0.007
    # "lowest near 6e-3", "within half a percent"
    assert lams[ns["best_bv"]] == pytest.approx(5.6e-3, rel=0.05) and ns["gap_bv"] < 0.005
    # "too small: right on average": the average of 2000 fits lies on the true curve
    assert np.sqrt(np.mean((ns["mean_prediction"][0] - ns["truth"]) ** 2)) < 0.1
    # "even whole pools of 2000 disagree: 2.84, 5.34 and 8.52 on three other pools, 45 to 136 times the noise"
    pv = ns["pool_var0"]
    assert [round(v, 2) for v in pv] == [2.84, 5.34, 8.52]
    assert round(pv.min() / noise) == 45 and round(pv.max() / noise) == 136
    # "within 0.01 of the true curve for |x| < 0.8 (by at most 0.03 on the other pools); near the ends
    # it misses by more (0.08 here, up to 0.52 on another pool)"
    gaps, inner = ns["gaps0"], ns["inner"]
    x = batches[0]["x_test"]
    assert np.array_equal(inner, np.abs(x) < 0.8) and gaps.shape == (4, len(x))
    assert gaps[0, inner].max() < 0.01 and round(gaps[1:, inner].max(), 2) <= 0.03
    assert round(gaps[0].max(), 2) == 0.08 and round(gaps[1:].max(), 2) == 0.52
    assert np.all(gaps[:, ~inner].max(axis=1) > gaps[:, inner].max(axis=1))  # the largest misses are at the ends
    # "a negative bias^2, -0.0015 +- 0.0110 ... zero, give or take 0.011"
    assert round(bias2[0], 4) == -0.0015 and round(2 * se[0], 4) == 0.0110 and abs(bias2[0]) < 2 * se[0]


def test_bias_variance_claims_hold_for_other_simulations():
    """The same sentences on 2000 other training sets (seeds 2000 to 3999)."""
    from l2reg.demos import bias_variance

    lams = np.logspace(-6, 1, 29)
    batches = [bias_variance(lams, n_train=30, degree=9, n_sims=250, noise=0.25, seed=2000 + 250 * i)
               for i in range(8)]
    means = np.array([b["mean_prediction"] for b in batches])
    scatter = np.mean([b["variance"] for b in batches], axis=0) + means.var(axis=0).mean(axis=1)
    variance = scatter * 2000 / 1999
    bias2 = np.mean((means.mean(axis=0) - batches[0]["truth"]) ** 2, axis=1) - variance / 2000
    se = np.array([b["bias2"] - b["variance"] / 249 for b in batches]).std(axis=0, ddof=1) / np.sqrt(8)
    total = bias2 + variance + 0.0625
    direct = np.mean([b["direct"] for b in batches], axis=0)
    _bv_claims(lams, bias2, se, variance, total, direct, np.array([b["variance"][0] for b in batches]), 0.0625)
    # without the correction, 500 training sets would add variance / 500 at the left: "a spurious rise"
    naive500 = bias_variance(lams[:4], n_sims=500, seed=2000)["bias2"]
    assert naive500[0] > naive500[3]


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


def _markdown():
    import nbformat

    nb = nbformat.read(str(source_notebook("05_choosing_lambda")), as_version=4)
    return " ".join(" ".join(c.source for c in nb.cells if c.cell_type == "markdown").split())


def test_cv_lies_above_validation_all_along_our_draw(ns):
    """"all along the grid: by 1.04 at 1e-4, 0.51 where the two come closest (lambda ~ 0.05) and 1.11 at 100".
    (It said "most at small lambda"; on this draw the gap at lambda = 100 is the wider one.)"""
    d, lams = ns["cv_minus_val"], ns["lams"]
    np.testing.assert_allclose(d, ns["cv"] - ns["sweep"].val_mse)
    assert np.all(d > 0) and d[-1] > d[0]
    assert (round(d[0], 2), round(d.min(), 2), round(d[-1], 2)) == (1.04, 0.51, 1.11)
    assert lams[0] == pytest.approx(1e-4) and lams[-1] == 100
    assert round(lams[np.argmin(d)], 2) == 0.05
    text = _markdown()
    assert "most at small" not in text
    assert ("all along the grid: by 1.04 at $\\lambda = 10^{-4}$, 0.51 where the two come closest "
            "($\\lambda \\approx 0.05$) and 1.11 at $\\lambda = 100$") in text


def test_rules_of_thumb_text_gives_the_cv_choice_as_printed(ns):
    """The text said 1.66 for the CV choice's test MSE, printed 1.655 (it is 1.6546)."""
    g = ns["guide_mse"]
    (key,) = [k for k in g if k.startswith("CV choice")]
    assert f"against {g[key]:.3f} at the CV choice" in _markdown()


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
    assert round(min(g.values()), 3) == 1.655  # the CV choice, "1.655"
    assert ns["lam_cv_x10"] == pytest.approx(100 * ns["lam_cv"]) and ns["scale_gap"] < 1e-10
    by_n = ns["by_n"]
    assert by_n[60] == pytest.approx(0.2, rel=0.01) and by_n[1000] == pytest.approx(0.01, rel=0.01)
    assert by_n[60] > by_n[200] > by_n[1000]
    alphas = [n * lam for n, lam in by_n.items()]
    assert 10 - 0.1 <= min(alphas) and max(alphas) <= 16  # "between 10 and 16"
    # "by a factor of 6 to 32 over 10 other draws", "n lambda between 5 and 24 over the other draws"
    other, n_lam = ns["other_draws"], ns["n_lam"]
    assert other.shape == (10, 3) and np.all(other[:, 0] > other[:, 2])  # falls from n = 60 to n = 1000
    ratio = other[:, 0] / other[:, 2]
    assert round(ratio.min()) == 6 and round(ratio.max()) == 32
    assert round(n_lam.min()) == 5 and round(n_lam.max()) == 24
    np.testing.assert_allclose(n_lam, other * [60, 200, 1000])


def _rules_table(seeds):
    """Section 7's table on other draws of the 60 training rows: the columns of the lesson's rt."""
    from l2reg import ridge_fit, ridge_kfold_errors
    from l2reg.data import many_features

    X_te, y_te, _ = many_features(2000, seed=99)
    lams = np.logspace(-4, 2, 61)
    rows = []
    for s in seeds:
        X, y, _ = many_features(60, seed=s)
        mse = lambda lam: float(np.mean((y_te - X_te @ ridge_fit(X, y, lam)[0] - ridge_fit(X, y, lam)[1]) ** 2))
        lam_s = float(lams[np.argmin(ridge_kfold_errors(X, y, lams, 5))])
        rows.append([mse(lam) for lam in (1e-6, 1e-4, 1e-2, 10.0, lam_s)] + [lam_s, min(mse(lam) for lam in lams)])
    return np.array(rows)


def _rules_claims(rt):
    """The sentences about the 10-draw table that must hold on any 10 draws."""
    share = (rt[:, 0] - rt[:, 2]) / (rt[:, 0] - rt[:, 4])
    assert 0.1 < np.median(share) < 0.35  # "gains only" a small part of what CV gains
    med = np.median(rt, axis=0)
    assert med[2] < med[0] and med[4] < med[2] and med[6] <= med[4]  # 1e-2 a little, CV more, in the median
    assert np.all(rt[:, 3] > rt[:, 4])  # "lambda = 10 is worse than the CV choice in all 10 draws"
    worse = int(np.sum(rt[:, 4] > rt[:, 2]))
    assert 1 <= worse <= 4  # "CV wins in most draws, not all"


def test_rules_of_thumb_over_ten_draws(ns):
    rt = ns["rt"]
    assert rt.shape == (10, 7)
    np.testing.assert_allclose(rt, _rules_table(range(20, 30)), rtol=1e-12)
    _rules_claims(rt)
    # the numbers of the text: "18%", "1.83, against 1.90 ... and 1.70", "3 of the 10", "median 3.37"
    assert round(100 * np.median(ns["rt_share"])) == 18
    med = ns["rt_median"]
    assert (round(med[2], 2), round(med[0], 2), round(med[4], 2), round(med[3], 2)) == (1.83, 1.90, 1.70, 3.37)
    assert int(np.sum(rt[:, 4] > rt[:, 2])) == 3


@pytest.mark.parametrize("seeds", [range(10, 20), range(30, 40)])
def test_rules_of_thumb_claims_hold_on_other_draws(seeds):
    _rules_claims(_rules_table(seeds))


def _cv_against_validation_claims(per_draw, lams):
    """The sentences on the 100-draw averages that must hold on any 100 draws: the gap is large against
    its Monte-Carlo error at small lambda and within it at lambda = 10 and 100; CV and validation differ
    from the fits on 48 and 60 rows by little beside the gap at small lambda."""
    se = lambda a: a.std(axis=0, ddof=1) / np.sqrt(len(a))  # noqa: E731
    g = per_draw["5-fold CV"] - per_draw["validation set"]
    gap, gap_se = g.mean(axis=0), se(g)
    assert np.argmax(gap) < 10 and gap[0] > 4 * gap_se[0]  # "widest at small lambda", real
    assert gap[33] > 2 * gap_se[33]  # still there at lambda ~ 0.2
    assert abs(gap[50]) < 2.5 * gap_se[50] and abs(gap[-1]) < 2.5 * gap_se[-1]  # none detectable at 10, 100
    m48, m60 = per_draw["fits on 48 rows"].mean(axis=0), per_draw["fits on 60 rows"].mean(axis=0)
    assert np.all(m48[:50] > m60[:50])  # a smaller training set is worse
    d48 = per_draw["5-fold CV"] - per_draw["fits on 48 rows"]
    d60 = per_draw["validation set"] - per_draw["fits on 60 rows"]
    # "they differ by at most ... over the grid, small beside the gap between the CV and validation curves at
    # small lambda": within half that gap on any 100 draws. (Not "within two standard errors": on the draws
    # from seed 20000 CV and the 48-row fits differ by 0.24 at lambda = 100, 4.5 standard errors.)
    assert max(np.abs(d48.mean(axis=0)).max(), np.abs(d60.mean(axis=0)).max()) < gap[0] / 2
    return gap, gap_se


def test_why_cv_lies_above_the_validation_curve(ns):
    avg, lams, per_draw = ns["avg"], ns["lams"], ns["per_draw"]
    assert all(a.shape == (100, len(lams)) for a in per_draw.values())
    for name, a in per_draw.items():
        np.testing.assert_allclose(avg[name], a.mean(axis=0))
    # "they differ by at most 0.08 and 0.06 over the grid (with Monte-Carlo standard errors of 0.03 to 0.08),
    # small beside the gap between the CV and validation curves at small lambda" (that claim in the helper)
    d48 = per_draw["5-fold CV"] - per_draw["fits on 48 rows"]
    d60 = per_draw["validation set"] - per_draw["fits on 60 rows"]
    se = lambda a: a.std(axis=0, ddof=1) / np.sqrt(100)  # noqa: E731
    assert round(np.abs(d48.mean(axis=0)).max(), 2) == 0.08 and round(np.abs(d60.mean(axis=0)).max(), 2) == 0.06
    assert round(min(se(d48).min(), se(d60).min()), 2) == 0.03 and round(max(se(d48).max(), se(d60).max()), 2) == 0.08
    np.testing.assert_allclose(list(ns["match_max"].values()), [np.abs(d48.mean(axis=0)).max(), np.abs(d60.mean(axis=0)).max()])
    # "widest at small lambda (3.0 against 2.1 at 1e-4, a gap of 0.88 +- 0.12), 0.20 +- 0.06 at
    # lambda ~ 0.2, and too small for 100 draws to detect at lambda = 10 (0.00 +- 0.09)"
    gap, gap_se = _cv_against_validation_claims(per_draw, lams)
    np.testing.assert_allclose(ns["gap"], gap)
    np.testing.assert_allclose(ns["gap_se"], gap_se)
    assert lams[0] == pytest.approx(1e-4) and lams[33] == pytest.approx(0.2, rel=0.01) and lams[50] == 10
    assert round(avg["5-fold CV"][0], 1) == 3.0 and round(avg["validation set"][0], 1) == 2.1
    assert (round(gap[0], 2), round(gap_se[0], 2)) == (0.88, 0.12)
    assert (round(gap[33], 2), round(gap_se[33], 2)) == (0.20, 0.06)
    assert (round(gap[50], 2) + 0, round(gap_se[50], 2)) == (0.0, 0.09)
    assert np.all(gap[:50] > 0)
    assert np.all(avg["fits on 48 rows"][:50] > avg["fits on 60 rows"][:50])  # a smaller training set is worse
    # "in our single draw the gap at the minima is 2.12 against 1.51; ... below the test error there, 1.66"
    assert round(ns["cv"].min(), 2) == 2.12 and round(ns["sweep"].val_mse.min(), 2) == 1.51
    assert round(held_out_mse(ns, ns["lam_val"]), 2) == 1.66
    # "at lambda = 100 ... still differ by 1.1 (4.0 against 2.9)"
    assert lams[-1] == 100 and round(ns["cv"][-1], 1) == 4.0 and round(ns["sweep"].val_mse[-1], 1) == 2.9
    # "... against 0.00 +- 0.11 on average"
    assert round(ns["cv"][-1] - ns["sweep"].val_mse[-1], 1) == 1.1
    assert (round(gap[-1], 2) + 0, round(gap_se[-1], 2)) == (0.0, 0.11)


@pytest.mark.parametrize("offset", [20_000, 40_000, 60_000])
def test_why_cv_lies_above_the_validation_curve_on_other_draws(offset):
    """Section 3's 100-draw experiment on other seeds: the claims made against the Monte-Carlo error hold."""
    from l2reg import ridge_kfold_errors, ridge_path
    from l2reg.data import many_features

    X_te, y_te, _ = many_features(2000, seed=99)
    lams = np.logspace(-4, 2, 61)
    folds = np.array_split(np.arange(60), 5)

    def held_out(X, y):
        W, b = ridge_path(X, y, lams)
        return np.mean((y_te[:, None] - X_te @ W.T - b) ** 2, axis=0)

    per_draw = {name: np.zeros((100, len(lams))) for name in ("5-fold CV", "fits on 48 rows", "validation set", "fits on 60 rows")}
    for s in range(100):
        X, y, _ = many_features(60, seed=offset + s)
        X_v, y_v, _ = many_features(60, seed=offset + 10_000 + s)
        W, b = ridge_path(X, y, lams)
        per_draw["5-fold CV"][s] = ridge_kfold_errors(X, y, lams, 5)
        per_draw["validation set"][s] = np.mean((y_v[:, None] - X_v @ W.T - b) ** 2, axis=0)
        per_draw["fits on 60 rows"][s] = held_out(X, y)
        per_draw["fits on 48 rows"][s] = np.mean([held_out(np.delete(X, f, 0), np.delete(y, f)) for f in folds], axis=0)
    _cv_against_validation_claims(per_draw, lams)


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


# --- The visible tests against the typical wrong answers --------------------------------------
# Each exercise's visible test is run, as the student runs it, on a list of plausible wrong
# answers (each must fail it with an AssertionError) and on right answers written in other ways
# (each must pass).


def _visible_test(grade_id):
    import nbformat

    nb = nbformat.read(str(source_notebook("05_choosing_lambda")), as_version=4)
    (cell,) = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    return cell.source.split("### BEGIN HIDDEN TESTS")[0]


def _run_visible(grade_id, answer):
    from l2reg import ridge_fit, ridge_kfold_errors
    from l2reg.data import many_features

    ns = {"np": np, "ridge_fit": ridge_fit, "ridge_kfold_errors": ridge_kfold_errors,
          "many_features": many_features}
    exec(answer, ns)
    exec(_visible_test(grade_id), ns)


_KFOLD_HEAD = "def kfold_cv_errors(X, y, lams, k):\n    X, y = np.asarray(X, float), np.asarray(y, float)\n    n = len(y)\n"
_KFOLD_RIGHT = _KFOLD_HEAD + """    folds = np.array_split(np.arange(n), k)
    errors = np.zeros(len(lams))
    for fold in folds:
        train = np.setdiff1d(np.arange(n), fold)
        for j, lam in enumerate(lams):
            w, b = ridge_fit(X[train], y[train], lam)
            errors[j] += np.mean((y[fold] - X[fold] @ w - b) ** 2) / k
    return errors
"""
KFOLD_WRONG = {
    "sum for mean in each fold": _KFOLD_RIGHT.replace("np.mean((y[fold]", "np.sum((y[fold]"),
    "pooled over rows, not averaged over folds": _KFOLD_RIGHT.replace(
        "np.mean((y[fold] - X[fold] @ w - b) ** 2) / k", "np.sum((y[fold] - X[fold] @ w - b) ** 2) / n"),
    "divided by k - 1 folds": _KFOLD_RIGHT.replace(") ** 2) / k", ") ** 2) / (k - 1)"),
    "interleaved folds": _KFOLD_RIGHT.replace("folds = np.array_split(np.arange(n), k)",
                                              "folds = [np.arange(i, n, k) for i in range(k)]"),
    "remainder in the last fold": _KFOLD_RIGHT.replace(
        "folds = np.array_split(np.arange(n), k)",
        "size = n // k\n    folds = [np.arange(i * size, (i + 1) * size if i < k - 1 else n) for i in range(k)]"),
    "shuffled folds": _KFOLD_RIGHT.replace(
        "folds = np.array_split(np.arange(n), k)",
        "folds = np.array_split(np.random.default_rng(0).permutation(n), k)"),
    "trained on every row, the fold included": _KFOLD_RIGHT.replace("ridge_fit(X[train], y[train], lam)",
                                                                    "ridge_fit(X, y, lam)"),
    "fold and training rows swapped": _KFOLD_RIGHT.replace(
        "w, b = ridge_fit(X[train], y[train], lam)\n            errors[j] += np.mean((y[fold] - X[fold] @ w - b)",
        "w, b = ridge_fit(X[fold], y[fold], lam)\n            errors[j] += np.mean((y[train] - X[train] @ w - b)"),
    "intercept forgotten in the prediction": _KFOLD_RIGHT.replace("X[fold] @ w - b)", "X[fold] @ w)"),
    "penalized intercept (no intercept fitted)": _KFOLD_RIGHT.replace(
        "w, b = ridge_fit(X[train], y[train], lam)",
        "w, b = ridge_fit(X[train], y[train], lam, fit_intercept=False)"),
    "lambda scaled by the training size": _KFOLD_RIGHT.replace("ridge_fit(X[train], y[train], lam)",
                                                               "ridge_fit(X[train], y[train], lam * len(train))"),
    "lambda scaled to the full n": _KFOLD_RIGHT.replace("ridge_fit(X[train], y[train], lam)",
                                                        "ridge_fit(X[train], y[train], lam * n / len(train))"),
    "lambdas sorted": _KFOLD_RIGHT.replace("for j, lam in enumerate(lams):", "for j, lam in enumerate(sorted(lams)):"),
    "a list, not an array": _KFOLD_RIGHT.replace("    return errors\n", "    return list(errors)\n"),
    "centres X in place": _KFOLD_RIGHT.replace("    n = len(y)\n", "    n = len(y)\n").replace(
        "X, y = np.asarray(X, float), np.asarray(y, float)", "X = np.asarray(X); X -= X.mean(axis=0); y = np.asarray(y, float)"),
    "centres y in place": _KFOLD_RIGHT.replace(
        "X, y = np.asarray(X, float), np.asarray(y, float)", "X = np.asarray(X, float); y = np.asarray(y); y -= y.mean()"),
}
KFOLD_RIGHT = {
    "the reference solution": _KFOLD_RIGHT,
    "weights averaged per fold with a list": _KFOLD_HEAD + """    out = []
    for lam in lams:
        errs = []
        for fold in np.array_split(np.arange(n), k):
            mask = np.ones(n, bool); mask[fold] = False
            w, b = ridge_fit(X[mask], y[mask], lam)
            errs.append(((y[fold] - (X[fold] @ w + b)) ** 2).mean())
        out.append(np.mean(errs))
    return np.array(out)
""",
}

C_WRONG = {
    "lambda = 1 / C": "def C_from_lambda(lam, n):\n    return 1 / lam\n",
    "factor 2 forgotten": "def C_from_lambda(lam, n):\n    return 1 / (n * lam)\n",
    "n forgotten": "def C_from_lambda(lam, n):\n    return 1 / (2 * lam)\n",
    "upside down": "def C_from_lambda(lam, n):\n    return 2 * n * lam\n",
    "n - 1 for n": "def C_from_lambda(lam, n):\n    return 1 / (2 * (n - 1) * lam)\n",
    "lambda / (2 n)": "def C_from_lambda(lam, n):\n    return lam / (2 * n)\n",
    "half instead of double": "def C_from_lambda(lam, n):\n    return 2 / (n * lam)\n",
    "integer division": "def C_from_lambda(lam, n):\n    return 1 // (2 * n * lam)\n",
    "rounded to 3 decimals": "def C_from_lambda(lam, n):\n    return round(1 / (2 * n * lam), 3)\n",
}
C_RIGHT = {
    "the reference solution": "def C_from_lambda(lam, n):\n    return 1.0 / (2.0 * n * lam)\n",
    "written differently": "def C_from_lambda(lam, n):\n    return 0.5 / lam / n\n",
}


@pytest.mark.parametrize("name", sorted(KFOLD_WRONG))
def test_visible_kfold_test_catches(name):
    with pytest.raises(AssertionError) as failure:
        _run_visible("test_kfold", KFOLD_WRONG[name])
    assert str(failure.value), "the failure must say what is wrong"
    if name in KFOLD_NAMES_CAUSE:
        assert KFOLD_NAMES_CAUSE[name] in str(failure.value), str(failure.value)


# the first message names the likely cause (the student reviewer found the old one pointing the wrong way)
KFOLD_NAMES_CAUSE = {
    "interleaved folds": "contiguous blocks in order",
    "shuffled folds": "contiguous",
    "trained on every row, the fold included": "the validation fold included",
    "intercept forgotten in the prediction": "forget the intercept",
    "sum for mean in each fold": "the mean (not the sum)",
    "divided by k - 1 folds": "divided by k (not k - 1)",
}


@pytest.mark.parametrize("name", sorted(KFOLD_RIGHT))
def test_visible_kfold_test_passes(name):
    _run_visible("test_kfold", KFOLD_RIGHT[name])


@pytest.mark.parametrize("name", sorted(C_WRONG))
def test_visible_C_test_catches(name):
    with pytest.raises(AssertionError) as failure:
        _run_visible("test_C", C_WRONG[name])
    assert "expected C =" in str(failure.value)
    if name in C_NAMES_CAUSE:
        for part in C_NAMES_CAUSE[name]:
            assert part in str(failure.value), str(failure.value)


# "too small" when it is too small, and the mistake named where it is a usual one
C_NAMES_CAUSE = {
    "lambda = 1 / C": ("times too large", "that is 1 / lambda"),
    "factor 2 forgotten": ("2 times too large", "the factor 2 missing"),
    "n forgotten": ("times too large", "the n missing"),
    "upside down": ("times too large", "upside down"),
    "lambda / (2 n)": ("times too small",),
    "integer division": ("not positive",),
    "rounded to 3 decimals": ("off by a relative",),  # not "1 times too large"
}


@pytest.mark.parametrize("name", sorted(C_RIGHT))
def test_visible_C_test_passes(name):
    _run_visible("test_C", C_RIGHT[name])


def test_log_axes_label_between_decades_with_plain_decimals():
    """The validation figures span 0.6 to 4 on a log axis: their labels read 0.6, 2, 3, 4, not 6x10^-1, 2x10^0."""
    import numpy as np

    from l2reg import plotting

    lams = np.logspace(-4, 2, 50)
    err = 0.6 + 3.4 / (1 + np.exp(-np.log(lams)))
    for fig in (plotting.plot_lines(lams, {"error": err}, xlabel="lambda", ylabel="MSE", title="t",
                                    xscale="log", yscale="log"),
                plotting.plot_errors_vs_lambda(lams, err, err * 1.1)):
        plotting.figure_to_png(fig)
        ax = fig.axes[0]
        lo, hi = ax.get_ylim()
        texts = [t.get_text() for t in ax.yaxis.get_majorticklabels() + ax.yaxis.get_minorticklabels()
                 if t.get_text() and lo <= t.get_position()[1] <= hi]
        assert texts and not any("times" in t for t in texts), texts
        assert {"2", "3"} <= set(texts), texts


def test_lambda_sweep_demo_labels_plain_decimals():
    import numpy as np

    from l2reg.demos import LambdaSweep
    from l2reg.widgets import lambda_sweep_demo

    r = np.random.default_rng(0)
    X, Xv = r.standard_normal((40, 5)), r.standard_normal((40, 5))
    w = r.standard_normal(5)
    y, yv = X @ w + r.standard_normal(40), Xv @ w + r.standard_normal(40)
    demo = lambda_sweep_demo(LambdaSweep.make(X, y, Xv, yv, np.logspace(-4, 2, 13)))
    ax = demo.fig.axes[0]
    lo, hi = ax.get_ylim()
    texts = [t.get_text() for t in ax.yaxis.get_majorticklabels() + ax.yaxis.get_minorticklabels()
             if t.get_text() and lo <= t.get_position()[1] <= hi]
    assert texts and not any("times" in t for t in texts), texts
