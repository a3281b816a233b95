"""The pure computations behind the demos, and the widgets that wrap them (no browser)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from l2reg import ridge_fit
from l2reg.demos import PolynomialRidge


@pytest.fixture(scope="module")
def problem():
    return PolynomialRidge.make(n_train=12, degree=9, seed=0)


def test_state_matches_an_independent_fit(problem):
    X = problem.features(problem.x_train)
    # the features are standardized with the training statistics
    np.testing.assert_allclose(X.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(X.std(axis=0), 1.0)
    s = problem.state(0.01)
    w, b = ridge_fit(X, problem.y_train, 0.01)
    np.testing.assert_allclose(s["w"], w)
    np.testing.assert_allclose(s["y_grid"], problem.features(problem.x_grid) @ w + b)
    assert s["train_mse"] == pytest.approx(np.mean((problem.y_train - X @ w - b) ** 2))


def test_sweep_agrees_with_state(problem):
    lams = np.array([1e-6, 1e-3, 1.0])
    sw = problem.sweep(lams)
    for k, lam in enumerate(lams):
        s = problem.state(lam)
        np.testing.assert_allclose(sw["W"][k], s["w"], rtol=1e-7, atol=1e-9)
        assert sw["train_mse"][k] == pytest.approx(s["train_mse"], rel=1e-7)
        assert sw["test_mse"][k] == pytest.approx(s["test_mse"], rel=1e-7)


def test_bad_lambda_is_named(problem):
    with pytest.raises(ValueError, match="^lams"):
        problem.sweep([-1.0])
    with pytest.raises(ValueError, match="^n_train"):
        PolynomialRidge.make(n_train=1)


def test_lambda_fit_demo_moves_its_figure(problem):
    from l2reg.widgets import lambda_fit_demo

    demo = lambda_fit_demo(problem, lam=1e-3)
    assert demo.renders == 1
    first = demo.image.value
    demo.set(lam=1.0)
    assert demo.renders == 2
    assert demo.image.value != first and demo.image.value[:4] == b"\x89PNG"
    fit_line = demo.fig.axes[0].lines[-1]
    np.testing.assert_allclose(fit_line.get_ydata(), problem.state(1.0)["y_grid"])
    assert f"{problem.state(1.0)['test_mse']:.3f}" in demo.readout.value
    # moving the slider itself, as a user does, goes through the same path
    demo.controls["lam"].value = 0.1
    assert demo.renders == 3
    np.testing.assert_allclose(fit_line.get_ydata(), problem.state(0.1)["y_grid"], rtol=1e-6)


def test_demo_rejects_unknown_controls_and_bad_arguments(problem):
    from l2reg.widgets import lambda_fit_demo

    demo = lambda_fit_demo(problem)
    with pytest.raises(ValueError, match="^values"):
        demo.set(alpha=1.0)
    with pytest.raises(TypeError, match="^problem"):
        lambda_fit_demo("not a problem")
    with pytest.raises(ValueError, match="^lam"):
        lambda_fit_demo(problem, lam=-1.0)


def test_demo_shows_a_static_image_where_no_kernel_runs(problem):
    from l2reg.widgets import lambda_fit_demo

    bundle = lambda_fit_demo(problem)._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    import base64

    assert base64.b64decode(bundle["image/png"])[:4] == b"\x89PNG"


def test_importing_l2reg_loads_no_plotting_or_widgets():
    import subprocess

    code = (
        "import sys, l2reg, l2reg.demos, l2reg.widgets, l2reg.plotting; "
        "heavy = [m for m in ('matplotlib', 'ipywidgets', 'nbgrader', 'sklearn') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ---------------------------------------------------------------- lesson 02


@pytest.fixture(scope="module")
def centred():
    from l2reg.data import collinear_data

    X, y = collinear_data(40, seed=2, spread=0.3)
    return X - X.mean(axis=0), y - y.mean()


def test_gradient_descent_path_follows_the_update(centred):
    from l2reg import ridge_gradient
    from l2reg.demos import gradient_descent_path

    X, y = centred
    path = gradient_descent_path(X, y, 0.2, 0.1, 5, w0=[1.0, -1.0])
    w = np.array([1.0, -1.0])
    for t in range(1, 6):
        w = w - 0.1 * ridge_gradient(w, X, y, 0.2)
        np.testing.assert_allclose(path[t], w, rtol=1e-13)


def test_gradient_descent_path_stops_where_it_diverges(centred):
    from l2reg.demos import gradient_descent_path, hessian_eigenvalues

    X, y = centred
    lr = 2.5 / hessian_eigenvalues(X, 0.0)[-1]
    path = gradient_descent_path(X, y, 0.0, lr, 5000)
    finite = np.all(np.isfinite(path), axis=1)
    assert finite[0] and not finite[-1]
    assert np.all(finite[: np.argmin(finite)]) and not np.any(finite[np.argmin(finite):])


def test_hessian_eigenvalues_and_condition_number(centred):
    from l2reg.demos import condition_number, hessian_eigenvalues

    X, _ = centred
    n = len(X)
    for lam in (0.0, 0.3):
        np.testing.assert_allclose(hessian_eigenvalues(X, lam), np.linalg.eigvalsh(2 / n * X.T @ X + 2 * lam * np.eye(2)))
        assert condition_number(X, [lam])[0] == pytest.approx(np.linalg.cond(X.T @ X + n * lam * np.eye(2)))
    wide = np.random.default_rng(0).standard_normal((3, 5))  # p > n: singular at lambda = 0
    kappa = condition_number(wide, [0.0, 1.0])
    assert np.isinf(kappa[0]) and np.isfinite(kappa[1])


def test_loss_surface_is_the_ridge_loss(centred):
    from l2reg import ridge_loss
    from l2reg.demos import loss_surface

    X, y = centred
    w1, w2 = np.linspace(-2, 2, 5), np.linspace(-1, 3, 4)
    Z = loss_surface(X, y, 0.3, w1, w2)
    assert Z.shape == (4, 5)
    for i, b in enumerate(w2):
        for j, a in enumerate(w1):
            assert Z[i, j] == pytest.approx(ridge_loss([a, b], X, y, 0.3), rel=1e-12)
    with pytest.raises(ValueError, match=r"^X: expected 2 columns, got an array of shape \(4, 3\)$"):
        loss_surface(np.zeros((4, 3)), np.zeros(4), 0.1, w1, w2)


def test_gradient_descent_demo_moves(centred):
    from l2reg.demos import gradient_descent_path
    from l2reg.widgets import gradient_descent_demo

    X, y = centred
    demo = gradient_descent_demo(X, y, lam=1e-3, lr=0.3, steps=30)
    first = demo.image.value
    demo.set(lam=0.5)
    assert demo.image.value != first
    path_line = demo.fig.axes[0].lines[0]
    np.testing.assert_allclose(path_line.get_xdata(), gradient_descent_path(X, y, 0.5, 0.3, 30)[:, 0])
    assert "converges" in demo.readout.value
    demo.set(lr=3.0)
    assert "diverges" in demo.readout.value
    with pytest.raises(ValueError, match="columns of X"):
        gradient_descent_demo(np.zeros((5, 3)), np.zeros(5))


# ---------------------------------------------------------------- lesson 03


def test_decay_trajectory_pure_and_against_data():
    from l2reg import decay_factor
    from l2reg.demos import decay_trajectory

    pure = decay_trajectory(2.0, 0.05, 0.3, 20)
    np.testing.assert_allclose(pure, 2.0 * decay_factor(0.05, 0.3) ** np.arange(21), rtol=1e-13)
    data = decay_trajectory(2.0, 0.05, 0.3, 2000, target=1.5)
    assert data[-1] == pytest.approx(1.5 / 1.3, rel=1e-10)
    # one step by hand: w(1 - 2 lr lam) - lr * 2 (w - c)
    assert data[1] == pytest.approx(2.0 * (1 - 0.03) - 0.05 * 2 * (2.0 - 1.5))
    unstable = decay_trajectory(1.0, 0.5, 5.0, 400)
    assert not np.isfinite(unstable[-1]) or abs(unstable[-1]) > 1e100


def test_weight_decay_demo_moves_and_reports_the_regime():
    from l2reg.demos import decay_trajectory
    from l2reg.widgets import weight_decay_demo

    demo = weight_decay_demo(lam=0.1, lr=0.01, steps=100)
    first = demo.image.value
    assert "decays smoothly" in demo.readout.value
    demo.set(lam=15.0, lr=0.05, steps=30)
    assert demo.image.value != first
    assert "flips sign" in demo.readout.value
    pure = demo.fig.axes[0].lines[0]
    np.testing.assert_allclose(pure.get_ydata(), decay_trajectory(2.0, 0.05, 15.0, 30))
    demo.set(lam=30.0, lr=0.05)
    assert "unstable" in demo.readout.value
    with pytest.raises(ValueError, match="^steps: expected one of 30, 100"):
        weight_decay_demo(steps=250)
    with pytest.raises(TypeError, match="^steps"):
        weight_decay_demo(steps=True)


# ---------------------------------------------------------------- lesson 04


@pytest.fixture(scope="module")
def plane():
    from l2reg.data import geometry_data

    return geometry_data()


@pytest.mark.parametrize("l1, l2", [(0.0, 0.0), (0.3, 0.0), (3.0, 0.0), (1.0, 0.5), (0.0, 0.7), (50.0, 1.0)])
def test_elastic_net_matches_scikit_learn(plane, l1, l2):
    from sklearn.linear_model import ElasticNet, LinearRegression

    from l2reg.demos import elastic_net_fit

    X, y = plane
    ours = elastic_net_fit(X, y, l1, l2)
    a = l1 / 2 + l2
    if a == 0:
        ref = LinearRegression(fit_intercept=False).fit(X, y).coef_
    else:
        ref = ElasticNet(alpha=a, l1_ratio=(l1 / 2) / a, fit_intercept=False, tol=1e-13,
                         max_iter=200_000).fit(X, y).coef_
    np.testing.assert_allclose(ours, ref, atol=1e-8)


def test_elastic_net_on_more_features_matches_scikit_learn():
    from sklearn.linear_model import Lasso

    from l2reg.demos import elastic_net_fit

    rng = np.random.default_rng(3)
    X = rng.standard_normal((30, 8))
    X -= X.mean(axis=0)
    y = X @ np.array([2.0, 0, 0, -1.0, 0, 0, 0, 0.5]) + 0.1 * rng.standard_normal(30)
    y -= y.mean()
    ours = elastic_net_fit(X, y, 0.2)
    ref = Lasso(alpha=0.1, fit_intercept=False, tol=1e-13, max_iter=200_000).fit(X, y).coef_
    np.testing.assert_allclose(ours, ref, atol=1e-8)
    assert np.sum(ours == 0) >= 3  # exact zeros


@pytest.mark.parametrize("lam", [0.01, 0.3, 4.0])
def test_constrained_minimizer_is_the_penalized_solution(plane, lam):
    from l2reg.demos import constrained_minimizer, penalized_solution

    X, y = plane
    for kind, norm, size in [("l2", "l2", np.linalg.norm), ("l1", "l1", lambda w: np.abs(w).sum())]:
        w = penalized_solution(X, y, lam, kind)
        np.testing.assert_allclose(constrained_minimizer(X, y, size(w), norm=norm), w, atol=1e-9)


def test_constrained_minimizer_inside_and_errors(plane):
    from l2reg.demos import constrained_minimizer

    X, y = plane
    np.testing.assert_allclose(constrained_minimizer(X, y, 100.0), [3.5, 2.1], rtol=1e-12)
    with pytest.raises(ValueError, match="^norm"):
        constrained_minimizer(X, y, 1.0, norm="l3")
    with pytest.raises(ValueError, match="^radius"):
        constrained_minimizer(X, y, 0.0)


@pytest.mark.parametrize("kind", ["l2", "l1", "elastic net"])
def test_penalty_boundary_is_a_level_set(kind):
    from l2reg.demos import penalty_boundary, penalty_value

    w = np.array([1.3, -0.4])
    B = penalty_boundary(w, kind, points=101)
    np.testing.assert_allclose([penalty_value(b, kind) for b in B], penalty_value(w, kind), rtol=1e-12)


def test_geometry_demo_moves_between_penalties(plane):
    from l2reg.demos import penalized_solution
    from l2reg.widgets import geometry_demo

    X, y = plane
    demo = geometry_demo(X, y, lam=0.5, kind="l2")
    first = demo.image.value
    point = demo.fig.axes[0].lines[-1]
    np.testing.assert_allclose([point.get_xdata()[0], point.get_ydata()[0]], penalized_solution(X, y, 0.5, "l2"))
    demo.set(kind="l1", lam=3.0)
    assert demo.image.value != first and "on an axis" in demo.readout.value
    demo.set(kind="elastic net")
    assert demo.readout.value.startswith("elastic net")


# ---------------------------------------------------------------- lesson 06


def test_one_weight_densities_are_normalized_and_conjugate():
    from l2reg.bayes import posterior
    from l2reg.demos import one_weight_densities

    rng = np.random.default_rng(4)
    x = rng.standard_normal(10)
    x -= x.mean()
    y = 0.5 * x + rng.standard_normal(10)
    y -= y.mean()
    grid = np.linspace(-8, 8, 40_001)
    d = one_weight_densities(x, y, 0.9, 0.4, grid)
    for name in ("prior", "likelihood", "posterior"):
        assert np.trapezoid(d[name], grid) == pytest.approx(1.0, abs=1e-6)
    # the posterior is proportional to prior times likelihood
    prod = d["prior"] * d["likelihood"]
    np.testing.assert_allclose(prod / np.trapezoid(prod, grid), d["posterior"], atol=1e-8)
    post = posterior(x[:, None], y, 0.9, 0.4, fit_intercept=False)
    assert d["mean"] == pytest.approx(post.mean[0]) and d["sd"] ** 2 == pytest.approx(post.cov[0, 0])


def test_prior_width_demo_moves():
    from l2reg.demos import one_weight_densities
    from l2reg.widgets import prior_width_demo

    x = np.array([1.0, -1.0, 2.0, -2.0])
    y = np.array([1.5, -0.5, 2.5, -3.5])
    demo = prior_width_demo(x, y, 1.0, tau=0.5)
    first = demo.image.value
    demo.set(tau=5.0)
    assert demo.image.value != first
    post_line = demo.fig.axes[0].lines[2]
    grid = post_line.get_xdata()
    np.testing.assert_allclose(post_line.get_ydata(), one_weight_densities(x, y, 1.0, 5.0, grid)["posterior"])


@pytest.mark.parametrize("lam", [0.0, 0.3, 5.0])
def test_loss_ellipses_lie_on_their_level_and_close(lam):
    from l2reg import ridge_fit, ridge_loss
    from l2reg.data import geometry_data
    from l2reg.demos import loss_ellipses

    X, y = geometry_data()
    w_lam = ridge_fit(X, y, lam, fit_intercept=False)[0]
    bottom = ridge_loss(w_lam, X, y, lam)
    levels = bottom + np.array([0.01, 0.5, 4.0])
    E = loss_ellipses(X, y, lam, levels, points=73)
    assert E.shape == (3, 73, 2)
    for level, ellipse in zip(levels, E):
        np.testing.assert_allclose([ridge_loss(w, X, y, lam) for w in ellipse], level, rtol=1e-10)
        np.testing.assert_allclose(ellipse[0], ellipse[-1], atol=1e-12)
        np.testing.assert_allclose(ellipse.mean(axis=0), w_lam, atol=0.05 * np.ptp(ellipse))
    assert np.isnan(loss_ellipses(X, y, lam, [bottom - 1e-3])).all()


def test_loss_contour_passes_through_its_point_and_rejects_bad_input():
    from l2reg import ridge_loss
    from l2reg.data import geometry_data
    from l2reg.demos import loss_contour, loss_ellipses

    X, y = geometry_data()
    w = np.array([0.7, -1.2])
    C = loss_contour(X, y, w, points=3601)
    np.testing.assert_allclose([ridge_loss(c, X, y, 0.0) for c in C], ridge_loss(w, X, y, 0.0), rtol=1e-10)
    assert np.min(np.linalg.norm(C - w, axis=1)) < 0.01
    with pytest.raises(ValueError, match="^X: expected linearly independent columns"):
        loss_contour(np.ones((5, 2)), np.arange(5.0), w)
    with pytest.raises(ValueError, match="^w"):
        loss_contour(X, y, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="^lam"):
        loss_ellipses(X, y, -1.0, [1.0])


def test_state_builds_the_features_once_per_problem(monkeypatch):
    import sys

    from l2reg.demos import PolynomialRidge

    demos_module = sys.modules[PolynomialRidge.__module__]  # where the class looks its helpers up

    problem = PolynomialRidge.make(n_train=12, degree=9, seed=3)
    calls = []
    real = demos_module.polynomial_features
    monkeypatch.setattr(demos_module, "polynomial_features", lambda *a, **k: calls.append(a) or real(*a, **k))
    first = problem.state(1e-3)
    built = len(calls)
    assert built == 3  # training, test and grid inputs, once
    for lam in (1e-2, 1e-1, 1.0):
        problem.state(lam)
    problem.sweep([1e-3, 1.0])
    assert len(calls) == built, "a slider move rebuilt the features"
    # and the numbers are those of features built afresh
    Z = problem.features(problem.x_grid)
    np.testing.assert_allclose(first["y_grid"], Z @ first["w"] + first["b"])
