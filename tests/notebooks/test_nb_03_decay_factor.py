"""Every number and claim that lesson 03 states in its text, checked on its own output."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nbrun import run_and_collect, source_notebook

NAMES = [
    "factor", "half_life", "runs", "c", "lam_b", "largest_gap", "w_c", "w_exact", "w_wrong", "lam",
    "cases", "lam_s", "limit", "q1", "q2", "q3", "q4", "q5",
]


@pytest.fixture(scope="module")
def ns():
    return run_and_collect(source_notebook("03_decay_factor"), NAMES)


def test_the_seeds_example(ns):
    assert ns["factor"] == pytest.approx(0.998, abs=1e-15)
    assert ns["factor"] ** 1000 == pytest.approx(0.135, abs=5e-4)  # "about 13.5 %"
    assert ns["half_life"] == pytest.approx(346.2, abs=0.05)
    assert abs(ns["half_life"] - math.log(2) / (2 * 0.01 * 0.1)) < 1  # the approximation is close


def test_balance_point(ns):
    balance = ns["c"] / (1 + ns["lam_b"])
    assert balance == pytest.approx(0.8)
    for label, traj in ns["runs"].items():
        assert traj[-1] >= balance - 1e-12  # approaches from above, never overshoots
    assert ns["runs"]["lr = 0.1"][-1] == pytest.approx(balance, abs=1e-9)
    assert ns["runs"]["lr = 0.02"][-1] == pytest.approx(balance, abs=1e-4)
    assert ns["runs"]["lr = 0.005"][-1] - balance > 0.01  # slower, not elsewhere


def test_decay_and_data_pull_the_same_way_then_against_each_other(ns):
    """Section 2: "start at w0 = 2, above both ... once the weight falls below c the data pull turns up"."""
    c = ns["c"]
    for label, traj in ns["runs"].items():
        assert traj[0] == 2.0 and traj[0] > c > 0, label
        assert np.all(np.diff(traj) <= 0) and traj[-1] < traj[0], f"{label}: every run falls (and never rises)"
        below = np.flatnonzero(traj < c)
        assert below.size and np.all(traj[below[0]:] < c), f"{label}: falls below c and stays there"
        # above c both gradients are positive (the step goes down); below c the data gradient is negative
        assert np.all(2 * (traj[:below[0]] - c) >= 0) and np.all(2 * (traj[below[0]:] - c) < 0)


def test_sgd_forms_agree_and_reach_ridge_for_lambda(ns):
    assert ns["largest_gap"] < 1e-14  # "agree to rounding error at every step"
    assert np.linalg.norm(ns["w_c"] - ns["w_exact"]) < 1e-5
    assert np.linalg.norm(ns["w_c"] - ns["w_wrong"]) > 1e-2


def test_stability_table(ns):
    cases = ns["cases"]
    assert abs(cases["2 lr lambda = 0.5"][-1]) < 1e-3 and np.all(cases["2 lr lambda = 0.5"] > 0)
    assert np.all(cases["2 lr lambda = 1.0"][1:] == 0)
    osc = cases["2 lr lambda = 1.5"]
    assert np.all(np.sign(osc[1:]) != np.sign(osc[:-1])) and abs(osc[-1]) < 1e-3
    flip = cases["2 lr lambda = 2.0"]
    assert np.all(np.abs(flip) == 1) and np.all(np.sign(flip[1:]) != np.sign(flip[:-1]))
    div = cases["2 lr lambda = 2.5"]
    assert np.all(np.sign(div[1:]) != np.sign(div[:-1])) and abs(div[-1]) > 100


def test_large_lambda_lowers_the_learning_rate_limit(ns):
    from l2reg.demos import decay_trajectory

    lam, limit = ns["lam_s"], ns["limit"]
    assert limit == pytest.approx(1 / (1 + lam))
    ok = decay_trajectory(2.0, 0.9 * limit, lam, 60, target=1.0)
    bad = decay_trajectory(2.0, 1.1 * limit, lam, 60, target=1.0)
    assert abs(ok[-1] - 1 / (1 + lam)) < 1e-4 and abs(bad[-1]) > 1e3


def test_quiz_answer_key(ns):
    from l2reg import SGD, decay_factor

    assert ns["q1"] == "b"
    assert ns["q2"] == pytest.approx(decay_factor(0.05, 0.5))
    # q3: torch-style coupled weight_decay equals the gradient 2 * lam * w of the penalty
    w = np.array([1.0, -3.0])
    step = SGD(lr=0.1, weight_decay=ns["q3"]).step(w, np.zeros(2))
    np.testing.assert_allclose(step, w - 0.1 * 2 * 0.003 * w)
    assert ns["q4"] == "b"
    assert ns["q5"] == pytest.approx(math.log(0.5) / math.log(decay_factor(0.01, 0.05)), rel=1e-9)


# ------------------------------------------------- typical wrong answers fail the visible tests

from visible import assert_caught, prepare, run_visible, visible_test  # noqa: E402

STEP_HEAD = "def decay_step(w, grad_data, lr, lam):\n"
STEP_RIGHT = "    return (1 - 2 * lr * lam) * w - lr * grad_data"
STEP_WRONG = {
    "forgot the factor 2": "    return (1 - lr * lam) * w - lr * grad_data",
    "decay after the step": "    return (1 - 2 * lr * lam) * (w - lr * grad_data)",
    "wrong sign of the data step": "    return (1 - 2 * lr * lam) * w + lr * grad_data",
    "wrong sign of the decay": "    return (1 + 2 * lr * lam) * w - lr * grad_data",
    "no learning rate in the decay": "    return (1 - 2 * lam) * w - lr * grad_data",
    "no decay": "    return w - lr * grad_data",
    "in place": "    w *= 1 - 2 * lr * lam\n    w -= lr * grad_data\n    return w",
    "returns only the decay": "    return (1 - 2 * lr * lam) * w",
    # scales grad_data in place: the visible test passed; the hidden tests reuse one gradient, and lost points
    "scales grad_data in place": "    grad_data *= lr\n    return (1 - 2 * lr * lam) * w - grad_data",
    "returns a list": "    return [(1 - 2 * lr * lam) * a - lr * g for a, g in zip(w, grad_data)]",
}
STEPS_HEAD = "import math\ndef steps_to_shrink(lr, lam, fraction):\n    f = abs(1 - 2 * lr * lam)\n"
STEPS_RIGHT = """    if f >= 1:
        return math.inf
    if f == 0:
        return 1
    t = math.ceil(math.log(fraction) / math.log(f))
    while t > 0 and f ** (t - 1) <= fraction:
        t -= 1
    while f ** t > fraction:
        t += 1
    return t"""
STEPS_WRONG = {
    "unguarded ceil": "    if f >= 1:\n        return math.inf\n    if f == 0:\n        return 1\n"
                      "    return math.ceil(math.log(fraction) / math.log(f))",
    "floor": "    if f >= 1:\n        return math.inf\n    if f == 0:\n        return 1\n"
             "    return math.floor(math.log(fraction) / math.log(f))",
    "round": "    if f >= 1:\n        return math.inf\n    if f == 0:\n        return 1\n"
             "    return round(math.log(fraction) / math.log(f))",
    "no abs (sign ignored)": "    f = 1 - 2 * lr * lam\n    if f >= 1 or f <= -1:\n        return math.inf\n    if f <= 0:\n        return 1\n"
                             "    return math.ceil(math.log(fraction) / math.log(f))",
    "f > 1 instead of f >= 1": "    if f > 1:\n        return math.inf\n    if f == 0:\n        return 1\n"
                               "    return math.ceil(math.log(fraction) / math.log(f))",
    "zero factor gives 0 steps": "    if f >= 1:\n        return math.inf\n    if f == 0:\n        return 0\n"
                                 "    t = math.ceil(math.log(fraction) / math.log(f))\n    while f ** t > fraction:\n        t += 1\n    return t",
    "strict inequality (|w_t| < fraction)": "    if f >= 1:\n        return math.inf\n    if f == 0:\n        return 1\n    t = 0\n"
                                           "    while f ** t >= fraction:\n        t += 1\n    return t",
    "one step too many": "    if f >= 1:\n        return math.inf\n    if f == 0:\n        return 1\n"
                         "    return math.floor(math.log(fraction) / math.log(f)) + 1",
    # only |f| == 1 treated as "never": a factor below -1 (|w| grows) gave negative steps
    "only a factor of exactly -1 never shrinks": "    if lam == 0 or f == 1:\n        return math.inf\n    if f == 0:\n        return 1\n"
                                                 "    t = math.ceil(math.log(fraction) / math.log(f))\n    while t > 0 and f ** (t - 1) <= fraction:\n"
                                                 "        t -= 1\n    return t",
    "a large number for never": "    if f >= 1:\n        return 10 ** 9\n    if f == 0:\n        return 1\n"
                                "    t = math.ceil(math.log(fraction) / math.log(f))\n    while t > 0 and f ** (t - 1) <= fraction:\n"
                                "        t -= 1\n    while f ** t > fraction:\n        t += 1\n    return t",
}


#: Mistakes whose own error (not an assertion) stopped the visible test: the test now names the case instead.
STEPS_CRASH = {
    "no branch for a zero factor (log of 0)": "    if f >= 1:\n        return math.inf\n"
                                              "    t = math.ceil(math.log(fraction) / math.log(f))\n"
                                              "    while t > 0 and f ** (t - 1) <= fraction:\n        t -= 1\n    return t",
}


@pytest.fixture(scope="module")
def step_ns():
    return prepare("03_decay_factor", "ex_decay_step", "test_decay_step")


@pytest.fixture(scope="module")
def steps_ns():
    return prepare("03_decay_factor", "ex_steps", "test_steps")


def test_right_answers_pass_the_visible_tests(step_ns, steps_ns):
    assert run_visible(*step_ns, STEP_HEAD + STEP_RIGHT, visible_test("03_decay_factor", "test_decay_step")) is None
    assert run_visible(*steps_ns, STEPS_HEAD + STEPS_RIGHT, visible_test("03_decay_factor", "test_steps")) is None


@pytest.mark.parametrize("mistake", STEP_WRONG)
def test_decay_step_mistakes_fail(mistake, step_ns):
    exc = run_visible(*step_ns, STEP_HEAD + STEP_WRONG[mistake], visible_test("03_decay_factor", "test_decay_step"))
    assert_caught(exc, mistake)


@pytest.mark.parametrize("mistake", STEPS_WRONG)
def test_steps_mistakes_fail(mistake, steps_ns):
    exc = run_visible(*steps_ns, STEPS_HEAD + STEPS_WRONG[mistake], visible_test("03_decay_factor", "test_steps"))
    assert_caught(exc, mistake)


# ------------------------------------------------- the weight-decay demo, as section 3 tells a student to use it

def test_the_demo_instruction_uses_slider_stops():
    """"alpha = 0.1 and lambda = 7.9, the slider stops shown as 1.0e-01 and 7.9e+00": both are stops of the
    log sliders (exponent steps of 0.1), and the factor there is -0.59: the weight flips sign and shrinks."""
    from l2reg.widgets import weight_decay_demo

    demo = weight_decay_demo(lam=0.1, lr=0.01, steps=500)
    lam_s, lr_s = demo.controls["lam"], demo.controls["lr"]
    lam, lr = 10 ** 0.9, 10 ** -1.0
    for slider, value, shown in ((lam_s, lam, "7.9e+00"), (lr_s, lr, "1.0e-01")):
        k = (np.log10(value) - slider.min) / slider.step
        assert abs(k - round(k)) < 1e-9 and slider.min <= np.log10(value) <= slider.max
        assert f"{value:{slider.readout_format}}" == shown
    assert 15.0 != 10 ** (round(np.log10(15.0) / 0.1) * 0.1)  # the old instruction's 15 is no stop
    assert round(1 - 2 * lr * lam, 2) == -0.59
    demo.set(lam=lam, lr=lr, steps=30)
    assert "Pure decay: factor -0.5887, flips sign each step but shrinks" in demo.readout.value


@pytest.mark.parametrize("lam_exp, lr_exp, steps", [(-0.8, 0.0, 2000), (0.7, -1.0, 2000), (2.0, -2.8, 2000)])
def test_the_demo_readout_never_prints_a_denormal(lam_exp, lr_exp, steps):
    """Slider stops where pure decay sinks below 1e-300 (floats stick at 5e-324 there): the readout gives the
    size the factor implies and says the line is on zero, instead of a float artefact."""
    from l2reg.demos import decay_trajectory
    from l2reg.widgets import weight_decay_demo

    lam, lr = 10 ** lam_exp, 10 ** lr_exp
    assert abs(decay_trajectory(2.0, lr, lam, steps)[-1]) < 1e-300
    demo = weight_decay_demo(lam=0.1, lr=0.01, steps=500)
    demo.set(lam=lam, lr=lr, steps=steps)
    text = demo.readout.value
    expected = np.log10(2.0) + steps * np.log10(abs(1 - 2 * lr * lam))
    assert f"w is about 1e{expected:.0f} at step {steps}: on the zero line" in text, text
    assert "e-324" not in text and "5e-" not in text
    demo.set(lam=5.0, lr=0.1, steps=30)  # factor exactly 0
    assert "w is exactly 0 at step 30" in demo.readout.value


@pytest.mark.parametrize("mistake", STEPS_CRASH)
def test_steps_crashes_are_named(mistake, steps_ns):
    """An answer that raises on one case fails with an assertion that names the case and the expected value,
    not with a bare 'math domain error'."""
    exc = run_visible(*steps_ns, STEPS_HEAD + STEPS_CRASH[mistake], visible_test("03_decay_factor", "test_steps"))
    assert isinstance(exc, AssertionError), f"{mistake}: {type(exc).__name__}: {exc}"
    assert "steps_to_shrink(0.5, 1.0, 0.5) raised ValueError" in str(exc) and "expected 1" in str(exc), str(exc)


def test_the_balance_figure_tells_its_two_dotted_lines_apart_without_hue():
    """Section 2's figure draws two dotted horizontal lines, the data minimum c and the balance point. They were
    vermillion and reddish purple, which a deuteranope barely tells apart in the legend: one is black now."""
    import ast

    import matplotlib.pyplot as plt
    import nbformat

    cells = nbformat.read(str(source_notebook("03_decay_factor")), as_version=4).cells
    (k,) = [i for i, c in enumerate(cells) if c.cell_type == "code" and "data minimum c" in c.source]
    namespace: dict = {}
    exec(cells[1].source.replace("%matplotlib inline", ""), namespace)  # noqa: S102 - the lesson's imports
    exec(cells[k - 1].source, namespace)  # noqa: S102 - the runs
    body = ast.parse(cells[k].source).body
    exec(compile(ast.Module(body[:-1], []), "cell", "exec"), namespace)  # noqa: S102
    fig = eval(compile(ast.Expression(body[-1].value), "cell", "eval"), namespace)  # noqa: S307
    dotted = {line.get_label(): line.get_color() for line in fig.axes[0].lines if line.get_linestyle() == ":"}
    assert dotted == {"data minimum c (where the data pull turns up)": "#000000",
                      "balance point c / (1 + lambda)": "#CC79A7"}, dotted
    plt.close(fig)


def test_the_demo_instructions_arithmetic_gives_what_it_writes():
    """Section 3, step 2 writes the factor as '1 - 2 * 0.1 * lambda ~ -0.59': the numbers written there must give
    -0.59. It read 7.9, which gives exactly -0.58; the stop shown as 7.9e+00 is 10^0.9 = 7.94."""
    import re

    import nbformat

    cells = nbformat.read(str(source_notebook("03_decay_factor")), as_version=4).cells
    (text,) = [c.source for c in cells if c.cell_type == "markdown" and "`7.9e+00`" in c.source]
    (written,) = re.findall(r"1 - 2 \\cdot ([\d.]+) \\cdot ([\d.]+) \\approx (-[\d.]+)", text)
    lr, lam, factor = map(float, written)
    assert round(1 - 2 * lr * lam, 2) == factor, written
    assert lr == 0.1 and lam == pytest.approx(10 ** 0.9, abs=0.005), written


#: Typical mistakes whose failure must say what went wrong, not only the expected and the received numbers.
STEP_NAMED = {
    "forgot the factor 2": ("    return (1 - lr * lam) * w - lr * grad_data", "that decays w by 1 - lr * lam"),
}


@pytest.mark.parametrize("mistake", STEP_NAMED)
def test_decay_step_mistakes_are_named(mistake, step_ns):
    """Forgetting the 2 of 2 lam w, the lesson's point, read only 'expected [9.88, -2.046], got [9.89, -2.048]'."""
    body, words = STEP_NAMED[mistake]
    exc = run_visible(*step_ns, STEP_HEAD + body, visible_test("03_decay_factor", "test_decay_step"))
    assert isinstance(exc, AssertionError) and words in str(exc), f"{mistake}: {exc!r}"
