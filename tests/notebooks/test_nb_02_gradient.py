"""Every number and claim that lesson 02 states in its text, checked on its own output."""

from __future__ import annotations

import numpy as np
import pytest

from nbrun import run_and_collect, source_notebook

NAMES = [
    "extra", "lam", "w", "analytic", "numeric", "slipped", "relative_error_values", "hs", "errors",
    "h_best", "err_default", "X2", "runs", "fits", "Xc", "lams", "kappa", "q1", "q2", "q3", "q4", "q5",
    "y2", "lr_demo", "lam_stops", "factor", "fastest", "diverges", "last_converging", "lam_limit",
]


@pytest.fixture(scope="module")
def ns():
    # relative_error is a function: bring back its values instead
    from nbrun import SOLUTIONS  # noqa: F401

    names = [n for n in NAMES if n != "relative_error_values"]
    out = run_and_collect(source_notebook("02_gradient"), names)
    rel = lambda a, b: np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b))  # noqa: E731
    out["relative_error_values"] = (rel(out["analytic"], out["numeric"]), rel(out["slipped"], out["numeric"]))
    return out


def test_penalty_adds_two_lambda_w(ns):
    np.testing.assert_allclose(ns["extra"], 2 * ns["lam"] * ns["w"], rtol=1e-12)


def test_finite_difference_check_separates_right_from_wrong(ns):
    right, wrong = ns["relative_error_values"]
    assert right < 1e-9  # "near 1e-9 or below means the formula is right"
    assert 1e-2 < wrong < 1  # "the slip shows up at the level of 1e-1"


def test_best_step_is_near_1e_5(ns):
    errors, hs = np.array(ns["errors"]), ns["hs"]
    assert 3e-6 <= ns["h_best"] <= 3e-5
    k = int(np.argmin(errors))
    # the V: error grows on both sides, like 1/h on the left and h^2 on the right
    assert errors[0] > 1e4 * errors[k] and errors[-1] > 1e4 * errors[k]
    right = np.polyfit(np.log10(hs[-12:]), np.log10(errors[-12:]), 1)[0]
    assert 1.7 < right < 2.3
    # "the default h = 1e-6: one decade left of the bottom of the V, on the rounding side; its error about
    # twenty times the smallest, yet more than ten times below 1e-9"
    assert round(np.log10(ns["h_best"]) - np.log10(1e-6)) == 1
    assert 10 <= ns["err_default"] / errors.min() <= 40
    assert ns["err_default"] < 1e-10


def test_gradient_descent_claims(ns):
    X2, runs = ns["X2"], ns["runs"]
    assert np.corrcoef(X2.T)[0, 1] == pytest.approx(0.95, abs=0.01)
    for lam, run in runs.items():
        mu = run["mu"]
        assert mu[0] == pytest.approx(np.linalg.eigvalsh(2 / len(X2) * X2.T @ X2)[0] + 2 * lam)
        assert run["lr"] < 2 / mu[-1]
        # the predicted factor is a bound: the distance never exceeds dist0 * rate^t
        t = np.arange(len(run["dist"]))
        assert np.all(run["dist"] <= run["dist"][0] * run["rate"] ** t * (1 + 1e-9) + 1e-15)
    assert runs[0.1]["rate"] < runs[0.0]["rate"]  # the penalty speeds it up
    assert runs[0.1]["dist"][-1] < 1e-8  # "matches the closed form to about 1e-9"
    assert 1e-4 < runs[0.0]["dist"][-1] < 1e-2  # "still around 1e-3 away"


def test_demo_instruction_on_the_sliders_stops(ns):
    """Section 4, step 2: the learning rate 3.2e-01 and the lambdas named are stops of the demo's own
    sliders, and the demo's readout says what the prose says there."""
    from l2reg.widgets import gradient_descent_demo

    demo = gradient_descent_demo(ns["X2"], ns["y2"], lam=1e-4, lr=0.5)  # as in the lesson
    lam_s, lr_s = demo.controls["lam"], demo.controls["lr"]

    def stops(slider):
        k = np.arange(round((slider.max - slider.min) / slider.step) + 1)
        return slider.base ** (slider.min + k * slider.step)

    assert np.any(np.isclose(stops(lr_s), ns["lr_demo"], rtol=1e-12)) and f"{ns['lr_demo']:.1e}" == "3.2e-01"
    assert abs(ns["lr_demo"] - 0.3) == np.abs(stops(lr_s) - 0.3).min()  # the stop nearest 0.3
    np.testing.assert_allclose(ns["lam_stops"], stops(lam_s), rtol=1e-12)
    f, fastest, div, last = ns["factor"], ns["fastest"], ns["diverges"], ns["last_converging"]
    assert f"{ns['lam_stops'][0]:.1e}" == "1.0e-04" and round(f[ns["lam_stops"][0]], 3) == 0.971
    assert f"{fastest:.1e}" == "7.9e-01" and round(f[fastest], 3) == 0.544
    assert f"{last:.1e}" == "1.3e+00" and round(f[last], 3) == 0.838 and f[last] < 1
    assert f"{div:.1e}" == "1.6e+00" and f[div] >= 1
    assert round(ns["lam_limit"], 2) == 1.52 and last < ns["lam_limit"] < div
    # falls, then grows again
    order = sorted(f)
    k = order.index(fastest)
    assert all(f[a] >= f[b] for a, b in zip(order[:k], order[1:k + 1]))
    assert all(f[a] <= f[b] for a, b in zip(order[k:], order[k + 1:]))
    for lam, verdict in ((last, "converges"), (div, "diverges")):
        demo.set(lam=lam, lr=ns["lr_demo"])
        assert f"{verdict}; error factor per step max|1 - lr mu| = {f[lam]:.3f}" in demo.readout.value


def test_section3_speed_up_on_its_own_data(ns):
    """Section 6's last paragraph: on section 3's data the condition number falls from 36 to 12."""
    k = {lam: run["mu"][-1] / run["mu"][0] for lam, run in ns["runs"].items()}
    assert round(k[0.0]) == 36 and round(k[0.1]) == 12
    assert 2.5 < k[0.0] / k[0.1] < 3.5  # "about threefold"
    for lam, run in ns["runs"].items():
        assert run["rate"] == pytest.approx(1 - 1 / k[lam], rel=1e-12)


def test_multicollinearity_claims(ns):
    ls, ridge = ns["fits"]["least squares"], ns["fits"]["ridge (lambda = 0.1)"]
    assert ls.shape == ridge.shape == (200, 2)
    ratio = ls[:, 0].std() / ridge[:, 0].std()
    assert 30 < ratio < 40  # "a spread about 35 times smaller"
    # the sum is pinned down equally well by both
    assert ls.sum(axis=1).std() == pytest.approx(ridge.sum(axis=1).std(), rel=0.1)
    # ridge is near (1, 1) and slightly shrunk towards the origin
    assert np.all(np.abs(ridge.mean(axis=0) - 1) < 0.1) and np.all(ridge.mean(axis=0) < 1)


def test_the_clouds_zoom_title_reads(ns):
    """The figure's right panel is titled after the tight cloud's label: 'Zoom on the ridge (lambda = 0.1) cloud'
    (the label 'ridge, lambda = 0.1' made it 'Zoom on the ridge, lambda = 0.1 cloud')."""
    import matplotlib.pyplot as plt

    from l2reg import plotting

    fig = plotting.plot_coefficient_clouds(ns["fits"], truth=(1.0, 1.0), title="t")
    assert fig.axes[1].get_title() == "Zoom on the ridge (lambda = 0.1) cloud"
    plt.close(fig)


def test_condition_number_claims(ns):
    Xc, lams, kappa = ns["Xc"], ns["lams"], ns["kappa"]
    n = len(Xc)
    for lam in (0.0, 0.1, 3.0):
        direct = np.linalg.cond(Xc.T @ Xc + n * lam * np.eye(2))
        from l2reg.demos import condition_number

        assert condition_number(Xc, [lam])[0] == pytest.approx(direct, rel=1e-8)
    k0 = np.linalg.cond(Xc.T @ Xc)
    k01 = np.linalg.cond(Xc.T @ Xc + n * 0.1 * np.eye(2))
    assert k0 > 1000 and k01 < 20  # "above a thousand", "below 20"
    assert np.all(np.diff(kappa) < 0) and kappa[-1] < 1.5  # falls towards 1


def test_quiz_answer_key(ns):
    from l2reg import ridge_gradient

    np.testing.assert_allclose(ns["q1"], ridge_gradient(np.array([3.0, -1.0]), np.zeros((2, 2)), np.zeros(2), 0.5))
    assert ns["q2"] == pytest.approx(1e-8 * (1e-5 / 1e-4) ** 2)
    assert ns["q3"] == pytest.approx(2 / 4)
    assert ns["q4"] == pytest.approx(np.linalg.cond(np.diag([100.0, 0.01]) + np.eye(2)))
    assert ns["q5"] == "b"


# ------------------------------------------------- typical wrong answers fail the visible tests

from visible import assert_caught, prepare, run_visible, visible_test  # noqa: E402

GRAD_HEAD = "def ridge_grad(w, X, y, lam):\n    n = len(y)\n"
GRAD_RIGHT = "return -2.0 / n * (X.T @ (y - X @ w)) + 2.0 * lam * w"
GRAD_WRONG = {
    "forgot the factor 2 of the data term": "return -1.0 / n * (X.T @ (y - X @ w)) + 2.0 * lam * w",
    "forgot the factor 2 of the penalty": "return -2.0 / n * (X.T @ (y - X @ w)) + lam * w",
    "sum for mean": "return -2.0 * (X.T @ (y - X @ w)) + 2.0 * lam * w",
    "wrong n (columns)": "return -2.0 / X.shape[1] * (X.T @ (y - X @ w)) + 2.0 * lam * w",
    "wrong sign of the data term": "return 2.0 / n * (X.T @ (y - X @ w)) + 2.0 * lam * w",
    "wrong sign of the penalty": "return -2.0 / n * (X.T @ (y - X @ w)) - 2.0 * lam * w",
    "penalty of the mean": "return -2.0 / n * (X.T @ (y - X @ w)) + 2.0 * lam * w / n",
    "centres X in place": "X -= X.mean(0)\n    return -2.0 / n * (X.T @ (y - X @ w)) + 2.0 * lam * w",
    "centres a copy": "Xc = X - X.mean(0)\n    return -2.0 / n * (Xc.T @ (y - Xc @ w)) + 2.0 * lam * w",
    "updates w in place": "w *= 1.0\n    w += 0.0\n    g = -2.0 / n * (X.T @ (y - X @ w)) + 2.0 * lam * w\n    w -= g\n    return g",
    "returns the loss": "return np.mean((y - X @ w) ** 2) + lam * w @ w",
}
DESCENT_HEAD = "def gradient_descent(X, y, lam, lr, steps):\n    w = np.zeros(np.shape(X)[1])\n"
DESCENT_RIGHT = "for _ in range(steps):\n        w = w - lr * ridge_gradient(w, X, y, lam)\n    return w"
DESCENT_WRONG = {
    "one step too many": "for _ in range(steps + 1):\n        w = w - lr * ridge_gradient(w, X, y, lam)\n    return w",
    "one step too few": "for _ in range(steps - 1):\n        w = w - lr * ridge_gradient(w, X, y, lam)\n    return w",
    "wrong sign": "for _ in range(steps):\n        w = w + lr * ridge_gradient(w, X, y, lam)\n    return w",
    "no penalty": "for _ in range(steps):\n        w = w - lr * ridge_gradient(w, X, y, 0.0)\n    return w",
    "starts from ones": "w = np.ones_like(w)\n    for _ in range(steps):\n        w = w - lr * ridge_gradient(w, X, y, lam)\n    return w",
    "centres X in place": "X -= X.mean(0)\n    for _ in range(steps):\n        w = w - lr * ridge_gradient(w, X, y, lam)\n    return w",
    "centres copies": "X, y = X - X.mean(0), y - y.mean()\n    for _ in range(steps):\n        w = w - lr * ridge_gradient(w, X, y, lam)\n    return w",
    "decay applied after the step": "for _ in range(steps):\n        w = (1 - 2 * lr * lam) * (w - lr * ridge_gradient(w, X, y, 0.0))\n    return w",
    "returns the path": "path = [w]\n    for _ in range(steps):\n        w = w - lr * ridge_gradient(w, X, y, lam)\n        path.append(w)\n    return np.array(path)",
}


@pytest.fixture(scope="module")
def grad_ns():
    return prepare("02_gradient", "ex_gradient", "test_gradient")


@pytest.fixture(scope="module")
def descent_ns():
    return prepare("02_gradient", "ex_descent", "test_descent")


def test_right_answers_pass_the_visible_tests(grad_ns, descent_ns):
    assert run_visible(*grad_ns, GRAD_HEAD + "    " + GRAD_RIGHT, visible_test("02_gradient", "test_gradient")) is None
    assert run_visible(*descent_ns, DESCENT_HEAD + "    " + DESCENT_RIGHT,
                       visible_test("02_gradient", "test_descent")) is None


@pytest.mark.parametrize("mistake", GRAD_WRONG)
def test_gradient_mistakes_fail(mistake, grad_ns):
    exc = run_visible(*grad_ns, GRAD_HEAD + "    " + GRAD_WRONG[mistake], visible_test("02_gradient", "test_gradient"))
    assert_caught(exc, mistake)


@pytest.mark.parametrize("mistake", DESCENT_WRONG)
def test_descent_mistakes_fail(mistake, descent_ns):
    exc = run_visible(*descent_ns, DESCENT_HEAD + "    " + DESCENT_WRONG[mistake], visible_test("02_gradient", "test_descent"))
    assert_caught(exc, mistake)


#: Mistakes whose own error (not an assertion) stopped the visible test: the test now says what it expected.
DESCENT_CRASH = {
    "returns nothing for zero steps": "if steps == 0:\n        return\n    for _ in range(steps):\n"
                                      "        w = w - lr * ridge_gradient(w, X, y, lam)\n    return w",
}


@pytest.mark.parametrize("mistake", DESCENT_CRASH)
def test_descent_crashes_are_named(mistake, descent_ns):
    """An answer that returns None after 0 steps fails with an assertion naming the step count, the shape
    wanted and the None it got (not 'got ()', the shape of None), not with a TypeError from inside np.allclose."""
    exc = run_visible(*descent_ns, DESCENT_HEAD + "    " + DESCENT_CRASH[mistake], visible_test("02_gradient", "test_descent"))
    assert isinstance(exc, AssertionError), f"{mistake}: {type(exc).__name__}: {exc}"
    assert "after exactly 0 steps expected an array of shape (2,), got None" in str(exc), str(exc)


#: Typical mistakes whose failure must say what went wrong, not only the expected and the received numbers.
GRAD_NAMED = {
    "forgot the factor 2 of the penalty": ("return -2.0 / n * (X.T @ (y - X @ w)) + lam * w", "2 * lam * w, not lam * w"),
}


@pytest.mark.parametrize("mistake", GRAD_NAMED)
def test_gradient_mistakes_are_named(mistake, grad_ns):
    """Forgetting the 2 of 2 lam w, the lesson's point, read only 'expected the finite differences [...], got [...]:
    largest difference 0.396'."""
    body, words = GRAD_NAMED[mistake]
    exc = run_visible(*grad_ns, GRAD_HEAD + "    " + body, visible_test("02_gradient", "test_gradient"))
    assert isinstance(exc, AssertionError) and words in str(exc), f"{mistake}: {exc!r}"
