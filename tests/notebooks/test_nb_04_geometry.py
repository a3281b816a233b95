"""Every number and claim that lesson 04 states in its text, checked on its own output."""

from __future__ import annotations

import numpy as np
import pytest

from nbrun import run_and_collect, source_notebook

NAMES = [
    "X", "y", "w_star", "lam", "w_ridge", "grad_data", "lams", "path", "kept", "eigvals", "k1", "worst",
    "l1s", "lasso_path", "threshold", "direction", "w_lasso", "w_diamond", "ours_lasso", "sk_lasso", "ours_enet",
    "sk_enet", "q1", "q2", "q3", "q4",
]


@pytest.fixture(scope="module")
def ns():
    return run_and_collect(source_notebook("04_geometry"), NAMES)


def test_least_squares_is_exactly_w_star(ns):
    np.testing.assert_allclose(ns["w_star"], [3.5, 2.1], rtol=1e-12)
    assert len(ns["y"]) == 40
    np.testing.assert_allclose(ns["X"].mean(axis=0), 0.0, atol=1e-12)


def test_tangency(ns):
    np.testing.assert_allclose(ns["grad_data"], -2 * ns["lam"] * ns["w_ridge"], atol=1e-12)
    # "between the origin and w*": smaller norm, higher data loss
    assert np.linalg.norm(ns["w_ridge"]) < np.linalg.norm(ns["w_star"])
    assert np.all((ns["w_ridge"] > 0) & (ns["w_ridge"] < ns["w_star"]))


def test_path_bends_by_the_eigenvalue_rule(ns):
    path, lams = ns["path"], ns["lams"]
    norms = np.linalg.norm(path, axis=1)
    assert np.all(np.diff(norms) < 0)
    n = len(ns["y"])
    np.testing.assert_allclose(ns["kept"], ns["eigvals"] / (ns["eigvals"] + n * lams[ns["k1"]]), rtol=1e-10)
    assert ns["kept"][0] < ns["kept"][1]  # the long axis shrinks fastest
    # not a straight line: the direction changes along the path
    d = path / norms[:, None]
    assert np.abs(d[0] - d[-1]).max() > 0.05


def test_penalty_equals_constraint(ns):
    assert ns["worst"] < 1e-12


def test_lasso_zeroes_and_ridge_does_not(ns):
    from l2reg.demos import penalized_solution

    X, y, thr = ns["X"], ns["y"], ns["threshold"]
    assert thr == pytest.approx(1.6432, abs=1e-4)
    # exactly at the optimality-condition threshold: non-zero just below, zero just above
    assert penalized_solution(X, y, thr * (1 - 1e-6), "l1")[1] > 0
    assert penalized_solution(X, y, thr * (1 + 1e-6), "l1")[1] == 0
    lasso, l1s = ns["lasso_path"], ns["l1s"]
    assert np.all((lasso[:, 1] == 0) == (l1s > thr))  # zero exactly from the threshold on
    d = ns["direction"]
    assert d[1] / d[0] == pytest.approx(30, abs=0.5)  # "w2 falls 30 times faster"
    assert np.all(np.abs(ns["path"][:, 1]) > 1e-3)  # the ridge path stays off the axis
    assert ns["w_lasso"][1] == 0 and ns["w_diamond"][1] == 0
    np.testing.assert_allclose(ns["w_lasso"], ns["w_diamond"], atol=1e-9)


def test_sklearn_scaling(ns):
    np.testing.assert_allclose(ns["ours_lasso"], ns["sk_lasso"], atol=1e-9)
    np.testing.assert_allclose(ns["ours_enet"], ns["sk_enet"], atol=1e-9)
    assert np.all(ns["ours_enet"] != 0) and np.all(ns["ours_lasso"] != 0)  # checked off the axes


def test_elastic_net_can_zero_a_weight(ns):
    from l2reg.demos import penalized_solution

    X, y = ns["X"], ns["y"]
    assert penalized_solution(X, y, 20.0, "elastic net")[1] == 0.0
    w = penalized_solution(X, y, 10.0, "elastic net")  # on the w1 axis, not at the origin: a corner
    assert w[1] == 0.0 and w[0] > 0.1


def test_quiz_answer_key(ns):
    from sklearn.linear_model import Lasso

    from l2reg.demos import elastic_net_fit

    assert ns["q1"] == "b"
    w, g = np.array([1.5, 2.0]), np.array([-3.0, -4.0])
    assert ns["q2"] == pytest.approx(-(g @ w) / (2 * w @ w))
    assert ns["q3"] == "c"
    X, y = ns["X"], ns["y"]
    np.testing.assert_allclose(
        elastic_net_fit(X, y, ns["q4"]),
        Lasso(alpha=0.05, fit_intercept=False, tol=1e-12, max_iter=100_000).fit(X, y).coef_, atol=1e-9)


# ------------------------------------------------- typical wrong answers fail the visible tests

from visible import assert_caught, prepare, run_visible, visible_test  # noqa: E402

RADIUS_HEAD = """def lambda_for_radius(X, y, radius):
    norm = lambda lam: np.linalg.norm(ridge_fit(X, y, lam, fit_intercept=False)[0])
    if norm(0.0) <= radius:
        return 0.0
"""


def _bisect(lo="1e-12", hi="1.0", widen=True, fit="fit_intercept=False", cmp=">", iters=200, log=True):
    norm = f"np.linalg.norm(ridge_fit(X, y, lam, {fit})[0])" if fit else "np.linalg.norm(ridge_fit(X, y, lam)[0])"
    mid = "np.sqrt(lo * hi)" if log else "(lo + hi) / 2"
    return f"""def lambda_for_radius(X, y, radius):
    norm = lambda lam: {norm}
    if norm(0.0) <= radius:
        return 0.0
    lo, hi = {lo}, {hi}
    while {widen} and norm(hi) > radius:
        hi *= 10
    for _ in range({iters}):
        mid = {mid}
        if norm(mid) {cmp} radius:
            lo = mid
        else:
            hi = mid
    return float({mid})
"""


RADIUS_RIGHT = _bisect()
RADIUS_WRONG = {
    "unwidened bracket [1e-12, 1]": _bisect(widen=False),
    "fixed bracket [1e-8, 1e4]": _bisect(lo="1e-8", hi="1e4", widen=False),
    "fixed bracket [1e-6, 1e6]": _bisect(lo="1e-6", hi="1e6", widen=False),
    "fixed lower end 1e-6, upper end widened": _bisect(lo="1e-6"),
    "fixed wide bracket [1e-7, 1e8]": _bisect(lo="1e-7", hi="1e8", widen=False),
    "right, but an int 0 for the inside case": _bisect().replace("return 0.0", "return 0"),
    "lower end too high (1e-3)": _bisect(lo="1e-3"),
    "comparison the wrong way": _bisect(cmp="<"),
    "too few steps (20)": _bisect(iters=20),
    "fits an intercept": _bisect(fit=""),
    "returns an int for the inside case": RADIUS_HEAD.replace("return 0.0", "return 0") + "    return 1\n",
    "bracket from lambda = 0 (the midpoint sqrt(lo * hi) stays at 0)": _bisect(lo="0.0"),
    "inside test the wrong way round": _bisect().replace("if norm(0.0) <= radius:", "if norm(0.0) >= radius:"),
    "tangency formula at the least-squares weights":
        RADIUS_HEAD + "    w = ridge_fit(X, y, 0.0, fit_intercept=False)[0]\n"
                      "    return float(-ridge_gradient(w * radius / np.linalg.norm(w), X, y, 0.0) @ w / (2 * radius ** 2))\n",
}
SOFT_HEAD = "def soft_threshold(z, t):\n"
SOFT_RIGHT = "    z = np.asarray(z, dtype=float)\n    return np.sign(z) * np.maximum(np.abs(z) - t, 0.0)"
SOFT_WRONG = {
    "no sign": "    return np.maximum(z - t, 0.0)",
    "no clamp at zero": "    return z - t * np.sign(z)",
    "hard threshold": "    return z * (np.abs(z) > t)",
    "clip": "    return np.clip(z, -t, t)",
    "in place": "    z[np.abs(z) <= t] = 0.0\n    z -= t * np.sign(z)\n    return z",
    "returns a list": "    return [float(np.sign(v) * max(abs(v) - t, 0.0)) for v in z]",
    "shrinks by a factor": "    return z / (1 + t)",
    "a copy that keeps an integer dtype": ("    out = z.copy()\n    out[np.abs(z) <= t] = 0\n"
                                           "    out[z > t] = z[z > t] - t\n    out[z < -t] = z[z < -t] + t\n    return out"),
    "Python's max, one element at a time": "    return np.array([np.sign(v) * max(abs(v) - t, 0.0) for v in z])",
    "flattens the array": "    return np.sign(z).ravel() * np.maximum(np.abs(z).ravel() - t, 0.0)",
    # passed: every visible case had t > 0
    "returns z itself when t = 0": "    if t == 0:\n        return z\n    return np.sign(z) * np.maximum(np.abs(z) - t, 0.0)",
}


@pytest.fixture(scope="module")
def radius_ns():
    return prepare("04_geometry", "ex_radius", "test_radius")


@pytest.fixture(scope="module")
def soft_ns():
    return prepare("04_geometry", "ex_soft", "test_soft")


def test_right_answers_pass_the_visible_tests(radius_ns, soft_ns):
    assert run_visible(*radius_ns, RADIUS_RIGHT, visible_test("04_geometry", "test_radius")) is None
    assert run_visible(*soft_ns, SOFT_HEAD + SOFT_RIGHT, visible_test("04_geometry", "test_soft")) is None


@pytest.mark.parametrize("mistake", RADIUS_WRONG)
def test_radius_mistakes_fail(mistake, radius_ns):
    assert_caught(run_visible(*radius_ns, RADIUS_WRONG[mistake], visible_test("04_geometry", "test_radius")), mistake)


# an answer of 0.0 for a radius below ||w*||: the message names the two usual causes (it read only
# 'expected lambda = 1.21307677, got 0.0')
RADIUS_ZERO_CAUSES = {
    "bracket from lambda = 0 (the midpoint sqrt(lo * hi) stays at 0)": "never leaves 0",
    "inside test the wrong way round": "is that test the right way round?",
}


@pytest.mark.parametrize("mistake", RADIUS_ZERO_CAUSES)
def test_radius_answer_zero_names_its_cause(mistake, radius_ns):
    exc = run_visible(*radius_ns, RADIUS_WRONG[mistake], visible_test("04_geometry", "test_radius"))
    assert isinstance(exc, AssertionError) and "got 0.0" in str(exc), exc
    assert RADIUS_ZERO_CAUSES[mistake] in str(exc) and "||w*|| = 4.082" in str(exc), str(exc)


@pytest.mark.parametrize("mistake", SOFT_WRONG)
def test_soft_threshold_mistakes_fail(mistake, soft_ns):
    assert_caught(run_visible(*soft_ns, SOFT_HEAD + SOFT_WRONG[mistake], visible_test("04_geometry", "test_soft")), mistake)


def test_geometry_widget_readout_says_what_the_extremes_show():
    """At lambda = 1e-3 the dot hides the star and the contour through it; at 100 the L1 ball is not drawn."""
    from l2reg.data import geometry_data
    from l2reg.widgets import geometry_demo

    demo = geometry_demo(*geometry_data(), lam=0.5)
    assert "next to w*" not in demo.readout.value
    for kind in ("l2", "l1", "elastic net"):
        demo.set(kind=kind, lam=1e-3)
        assert "next to w*" in demo.readout.value, demo.readout.value
    demo.set(kind="l1", lam=100.0)
    assert "at the origin" in demo.readout.value and "none is drawn" in demo.readout.value
    ball = [line for line in demo.fig.axes[0].get_lines() if line.get_label().startswith("penalty ball")][0]
    assert len(ball.get_xdata()) == 0
    keys = lambda: [t.get_text() for t in demo.fig.axes[0].get_legend().get_texts()]  # noqa: E731
    assert "penalty ball: none (w = 0)" in keys() and "penalty ball through the solution" not in keys()
    demo.set(kind="l2")
    assert "off the axes" in demo.readout.value and len(ball.get_xdata()) > 0
    assert "penalty ball through the solution" in keys()


def test_geometry_widget_readout_says_when_the_dot_hides_the_ball():
    """At a large ridge lambda the ball through the solution is smaller than the dot: the readout says so."""
    from l2reg.data import geometry_data
    from l2reg.widgets import geometry_demo

    demo = geometry_demo(*geometry_data(), lam=0.5)
    for lam in (0.5, 10.0):
        demo.set(kind="l2", lam=lam)
        assert "hides it" not in demo.readout.value, demo.readout.value
    demo.set(kind="l2", lam=100.0)
    assert "no larger than the dot, which (almost) hides it" in demo.readout.value, demo.readout.value
    ball = [line for line in demo.fig.axes[0].get_lines() if line.get_label().startswith("penalty ball")][0]
    ax = demo.fig.axes[0]
    px = ax.transData.transform(np.column_stack([ball.get_xdata(), ball.get_ydata()]))
    dot = ax.transData.transform([[line.get_xdata()[0], line.get_ydata()[0]] for line in ax.get_lines()
                                  if line.get_label() == "solution at this lambda"])[0]
    # the whole ball lies within 1.5 dot radii (9 points wide, at the figure's dpi) of the dot's centre
    assert np.max(np.linalg.norm(px - dot, axis=1)) < 1.5 * 4.5 * demo.fig.dpi / 72
    demo.set(kind="l1", lam=100.0)
    assert "hides it" not in demo.readout.value  # no ball at all: the readout says that instead
