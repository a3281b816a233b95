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
    assert f"{problem.state(1.0)['test_mse']:.3f}" in demo.fig.axes[0].get_title()
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
