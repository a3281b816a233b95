"""The lesson-05 building blocks: many_features, bias_variance, LambdaSweep and its widget."""

from __future__ import annotations

import numpy as np
import pytest

from l2reg import ridge_fit
from l2reg.data import many_features
from l2reg.demos import LambdaSweep, bias_variance


@pytest.fixture(scope="module")
def sweep():
    X, y, _ = many_features(50, 8, seed=1)
    Xv, yv, _ = many_features(40, 8, seed=2)
    return LambdaSweep.make(X, y, Xv, yv, np.logspace(-4, 2, 25))


def test_many_features_is_seeded_and_shares_the_truth():
    a = many_features(20, 5, seed=3)
    b = many_features(20, 5, seed=3)
    c = many_features(20, 5, seed=4)
    assert all(np.array_equal(u, v) for u, v in zip(a, b))
    assert np.array_equal(a[2], c[2]) and not np.array_equal(a[0], c[0])
    X, y, w = many_features(20000, 3, seed=0, noise=0.0)
    np.testing.assert_allclose(y, 1.0 + X @ w)


def test_sweep_errors_match_independent_fits(sweep):
    for k in (0, 12, 24):
        w, b = ridge_fit(sweep.X_train, sweep.y_train, sweep.lams[k])
        assert sweep.train_mse[k] == pytest.approx(np.mean((sweep.y_train - sweep.X_train @ w - b) ** 2), rel=1e-8)
        assert sweep.val_mse[k] == pytest.approx(np.mean((sweep.y_val - sweep.X_val @ w - b) ** 2), rel=1e-8)


def test_sweep_choice_and_state(sweep):
    assert sweep.best == int(np.argmin(sweep.val_mse))
    assert sweep.best_lam == sweep.lams[sweep.best]
    s = sweep.state(sweep.best_lam)
    assert s["val_mse"] == pytest.approx(sweep.val_mse[sweep.best], rel=1e-8)
    assert s["best_val_mse"] == sweep.val_mse.min()
    off_grid = sweep.state(0.0123)  # the slider may stop between grid points
    w, b = ridge_fit(sweep.X_train, sweep.y_train, 0.0123)
    np.testing.assert_allclose(off_grid["w"], w)
    assert np.all(np.diff(sweep.lams) > 0)


def test_sweep_sorts_the_grid_and_validates():
    X, y, _ = many_features(30, 4, seed=1)
    s = LambdaSweep.make(X, y, X, y, [1.0, 0.01, 0.1])
    assert s.lams.tolist() == [0.01, 0.1, 1.0]
    with pytest.raises(ValueError, match="^y_val"):
        LambdaSweep.make(X, y, X, y[:-1], [1.0])
    with pytest.raises(ValueError, match=r"^X_val: expected 4 columns to match the columns of X_train, "
                                         r"got an array of shape \(30, 3\)$"):
        LambdaSweep.make(X, y, X[:, :3], y, [1.0])
    with pytest.raises(ValueError, match="^lams"):
        LambdaSweep.make(X, y, X, y, [-1.0])
    with pytest.raises(ValueError, match="^lam"):
        s.state(-1.0)


def test_bias_variance_decomposition():
    r = bias_variance([1e-5, 1e-2, 10.0], n_sims=200, n_keep=5)
    np.testing.assert_allclose(r["total"], r["bias2"] + r["variance"] + r["noise"])
    assert r["examples"].shape == (5, 3, 200) and r["mean_prediction"].shape == (3, 200)
    # the direct Monte Carlo test error agrees with the sum
    np.testing.assert_allclose(r["direct"], r["total"], rtol=0.02)
    assert r["bias2"][2] > r["bias2"][1] and r["variance"][0] > r["variance"][1] > r["variance"][2]
    # without noise there is no noise term, and every training set is the same curve sampled anew
    quiet = bias_variance([1e-2], n_sims=20, noise=0.0)
    assert quiet["noise"] == 0.0 and quiet["total"][0] == pytest.approx(quiet["bias2"][0] + quiet["variance"][0])


def test_bias_variance_validates():
    with pytest.raises(ValueError, match="^n_sims"):
        bias_variance([1.0], n_sims=1)
    with pytest.raises(ValueError, match="^n_keep"):
        bias_variance([1.0], n_sims=5, n_keep=6)


def test_sweep_widget_moves_its_figure(sweep):
    from l2reg.widgets import lambda_sweep_demo

    demo = lambda_sweep_demo(sweep, truth=many_features(2, 8)[2])
    assert demo.controls["lam"].value == pytest.approx(sweep.best_lam, rel=0.02)
    first = demo.image.value
    demo.set(lam=10.0)
    assert demo.image.value != first and demo.renders == 2
    ax_err, ax_w = demo.fig.axes
    s = sweep.state(10.0)
    assert f"validation MSE {s['val_mse']:.3f}" in demo.readout.value
    (w_line,) = [line for line in ax_w.lines if line.get_label() == "ridge weights"]
    np.testing.assert_allclose(w_line.get_ydata(), s["w"])
    with pytest.raises(TypeError, match="^sweep"):
        lambda_sweep_demo("not a sweep")
    with pytest.raises(ValueError, match="^truth"):
        lambda_sweep_demo(sweep, truth=[1.0, 2.0])


def test_prediction_spread_plot():
    from l2reg.plotting import plot_prediction_spread

    g = np.linspace(-1, 1, 5)
    fig = plot_prediction_spread(g, {"a": (np.zeros((3, 5)), g), "b": (np.ones((3, 5)), g)}, truth=g, title="T")
    assert [ax.get_title() for ax in fig.axes] == ["a", "b"] and fig._suptitle.get_text() == "T"
    assert all(ax.get_xlabel() == "x" for ax in fig.axes)
    # Every labelled curve of every panel is explained by a legend (one below the panels, hiding no curve).
    shown = {t.get_text() for legend in [ax.get_legend() for ax in fig.axes] + fig.legends if legend is not None
             for t in legend.get_texts()}
    labels = {line.get_label() for ax in fig.axes for line in ax.get_lines() if not line.get_label().startswith("_")}
    assert labels and labels <= shown, labels - shown
    assert shown == {"fit to one training set", "average fit", "true curve"}
