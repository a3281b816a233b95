"""Ridge regression over many penalties: ``l2reg.ridge_path`` and ``ridge_loo_errors``
against scikit-learn, side by side on the same data.

``ridge_path`` (benchmark ``ridge_path``), for (n, p) in {(200, 50), (2000, 200),
(200, 2000)} and K in {10, 100, 1000} penalties ``lam = logspace(-3, 2, K)``, with an
intercept, is timed against

* a loop of K ``sklearn.linear_model.Ridge(alpha=n * lam).fit(X, y)`` (the course's
  conversion: l2reg minimizes the *mean* squared error + lam ||w||^2, scikit-learn the
  *sum* + alpha ||w||^2); goal: at least 20x faster at K = 100 (ratio <= 0.05);
* scikit-learn's own multi-penalty SVD solve, ``ridge_regression(Xc, Y, alpha=n * lams,
  solver="svd")`` with ``y`` repeated as K targets, one alpha each (it has no intercept,
  so the timed function centres X and y first, as ridge_path does);
* the better of those two ("scikit-learn's best"); goal: ratio <= 1.2;
* the bare thin SVD of the centred X, ``np.linalg.svd(Xc, full_matrices=False)``, which
  any SVD-based path must compute; goal: ratio <= 1.5.

The coefficients (weights and intercept of all K fits) must agree with the loop's, and the
weights with ``ridge_regression``'s, to 1e-8 of the largest coefficient in absolute value.

``ridge_loo_errors`` (benchmark ``ridge_loo``), same shapes and K, is timed against
``RidgeCV(alphas=n * lams, store_cv_results=True).fit(X, y)`` (efficient leave-one-out,
scikit-learn's default ``gcv_mode``), whose ``cv_results_.mean(axis=0)`` are the same mean
squared leave-one-out errors; goals: equal to 1e-8 (relative, per lambda) and no slower
(ratio <= 1).

Times are milliseconds per call, the best of several repeats (interleaved between the
sides, after a warm-up, within a time budget), in float64, on the same arrays for both
sides. Quick mode: (200, 50) with K = 100 only, fewer repeats.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _bench  # noqa: E402

SHAPES = [(200, 50), (2000, 200), (200, 2000)]
KS = [10, 100, 1000]
COEF_TOL = 1e-8
LOO_TOL = 1e-8


def make_data(n, p, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * rng.uniform(0.5, 2.0, size=p) + rng.normal(size=p)
    w = rng.standard_normal(p)
    y = X @ w + 3.0 + 0.5 * rng.standard_normal(n)
    return X, y


def lambdas(k):
    return np.logspace(-3, 2, k)


def _ms(t):
    return 1e3 * t["best"]


def _timing_note(t):
    return f"best of {t['repeat']} x {t['number']} (median {1e3 * t['median']:.3g} ms)"


def bench_path(n, p, k, quick):
    from sklearn.linear_model import Ridge, ridge_regression

    from l2reg import ridge_path

    X, y = make_data(n, p)
    lams = lambdas(k)
    alphas = n * lams
    case = f"n={n} p={p} K={k}"

    def path():
        return ridge_path(X, y, lams)

    def loop():
        return [Ridge(alpha=a).fit(X, y) for a in alphas]

    def multi():
        x_mean = X.mean(axis=0)
        yc = y - y.mean()
        return ridge_regression(X - x_mean, np.tile(yc[:, None], (1, k)), alpha=alphas, solver="svd")

    Xc = X - X.mean(axis=0)

    def svd():
        return np.linalg.svd(Xc, full_matrices=False)

    # results first (also the warm-up of each)
    W, b = path()
    models = loop()
    W_loop = np.array([m.coef_ for m in models])
    b_loop = np.array([m.intercept_ for m in models])
    W_multi = multi()

    # interleaved repeats; the loop of K fits is slow, so it gets few of them
    t = _bench.compare({"path": path, "multi": multi, "svd": svd}, 5 if quick else 15, warmup=0,
                       budget=2 if quick else 10)
    t_path, t_multi, t_svd = t["path"], t["multi"], t["svd"]
    t_loop = _bench.timeit(loop, 1 if quick else 3, number=1, warmup=0, budget=0 if quick else 5)

    rows = []
    goal20 = k == 100
    r = _ms(t_path) / _ms(t_loop)
    rows.append(_bench.row("ridge_path", case, "time vs Ridge loop", _ms(t_path), "ms",
                           baseline=f"{k} x sklearn Ridge(alpha=n*lam).fit", baseline_value=_ms(t_loop),
                           goal="ratio <= 0.05 (20x faster)" if goal20 else None,
                           met=(r <= 0.05) if goal20 else None,
                           note=f"{1 / r:.0f}x faster; ridge_path {_timing_note(t_path)}"))
    rows.append(_bench.row("ridge_path", case, "time vs ridge_regression multi-alpha", _ms(t_path), "ms",
                           baseline="sklearn ridge_regression(svd, K targets)", baseline_value=_ms(t_multi),
                           note=f"sklearn {_timing_note(t_multi)}"))
    best_name, best = min([("Ridge loop", t_loop), ("ridge_regression multi-alpha", t_multi)],
                          key=lambda item: item[1]["best"])
    r = _ms(t_path) / _ms(best)
    rows.append(_bench.row("ridge_path", case, "time vs sklearn best", _ms(t_path), "ms",
                           baseline=f"sklearn best ({best_name})", baseline_value=_ms(best),
                           goal="ratio <= 1.2", met=r <= 1.2))
    r = _ms(t_path) / _ms(t_svd)
    rows.append(_bench.row("ridge_path", case, "time vs bare SVD", _ms(t_path), "ms",
                           baseline="np.linalg.svd(Xc, full_matrices=False)", baseline_value=_ms(t_svd),
                           goal="ratio <= 1.5", met=r <= 1.5, note=f"SVD {_timing_note(t_svd)}"))

    ours = np.column_stack([W, b])
    theirs = np.column_stack([W_loop, b_loop])
    diff = np.abs(ours - theirs).max() / np.abs(theirs).max()
    rows.append(_bench.row("ridge_path", case, "coefficients vs Ridge loop", diff, "rel",
                           goal=f"<= {COEF_TOL:g}", met=diff <= COEF_TOL,
                           note="max |difference| over all weights and intercepts / max |coefficient|"))
    diff = np.abs(W - W_multi).max() / np.abs(W_multi).max()
    rows.append(_bench.row("ridge_path", case, "coefficients vs ridge_regression", diff, "rel",
                           goal=f"<= {COEF_TOL:g}", met=diff <= COEF_TOL,
                           note="max |difference| over all weights / max |weight|"))
    return rows


def _ridgecv(alphas):
    from sklearn.linear_model import RidgeCV

    try:
        return RidgeCV(alphas=alphas, store_cv_results=True), "cv_results_"
    except TypeError:  # scikit-learn < 1.5
        return RidgeCV(alphas=alphas, store_cv_values=True), "cv_values_"


def bench_loo(n, p, k, quick):
    from l2reg import ridge_loo_errors

    X, y = make_data(n, p, seed=1)
    lams = lambdas(k)
    case = f"n={n} p={p} K={k}"

    def ours():
        return ridge_loo_errors(X, y, lams)

    def theirs():
        model, attr = _ridgecv(n * lams)
        model.fit(X, y)
        return getattr(model, attr)

    e_ours = ours()
    e_theirs = theirs().mean(axis=0)
    t = _bench.compare({"ours": ours, "theirs": theirs}, 5 if quick else 15, warmup=0,
                       budget=2 if quick else 10)
    t_ours, t_theirs = t["ours"], t["theirs"]
    diff = float(np.max(np.abs(e_ours - e_theirs) / np.abs(e_theirs)))
    r = _ms(t_ours) / _ms(t_theirs)
    return [
        _bench.row("ridge_loo", case, "time vs RidgeCV", _ms(t_ours), "ms",
                   baseline="sklearn RidgeCV(alphas=n*lams, store_cv_results=True).fit",
                   baseline_value=_ms(t_theirs), goal="ratio <= 1 (no slower)", met=r <= 1.0,
                   note=f"ridge_loo_errors {_timing_note(t_ours)}; RidgeCV {_timing_note(t_theirs)}"),
        _bench.row("ridge_loo", case, "LOO errors vs RidgeCV", diff, "rel",
                   goal=f"<= {LOO_TOL:g}", met=diff <= LOO_TOL,
                   note="max over lambdas of |difference| / RidgeCV's mean squared LOO error"),
    ]


def run(quick: bool = False) -> list[dict]:
    shapes = [(200, 50)] if quick else SHAPES
    ks = [100] if quick else KS
    rows = []
    for n, p in shapes:
        for k in ks:
            rows += bench_path(n, p, k, quick)
    for n, p in shapes:
        for k in ks:
            rows += bench_loo(n, p, k, quick)
    return rows


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from run import table

    print(table(run(args.quick)))
