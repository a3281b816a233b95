"""A grading round trip through nbgrader in a temporary course.

Reference answers score full marks, the untouched lesson scores zero, and a partly
wrong submission scores exactly the points of the parts it got right. nbgrader's own
autograde checks the hidden tests' records in the kernel against the answer key that
L2REG_ANSWER_KEY names (see l2reg.checks).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest

from l2reg.checks import KEY_ENV
from l2reg.grading.answers import reference_records, write_answer_key
from l2reg.grading.course import TempCourse

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "notebooks"))
import nbrun  # noqa: E402
from nbrun import ROOT, lesson_names, source_notebook  # noqa: E402

LESSON_NAMES = lesson_names()


def solution_code(source: str) -> str:
    """The instructor's answer with the nbgrader markers removed."""
    return re.sub(r"^\s*### (BEGIN|END) SOLUTION\s*$\n?", "", source, flags=re.M)


def answered(lesson_nb, lesson: str, overrides=None):
    """A copy of the released lesson with the reference answers typed in, except ``overrides``
    (grade_id to the code a student wrote instead)."""
    source = nbformat.read(str(source_notebook(lesson)), as_version=4)
    reference = {
        c.metadata["nbgrader"]["grade_id"]: solution_code(c.source)
        for c in source.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }
    nb = nbformat.read(str(lesson_nb), as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            cell.source = (overrides or {}).get(meta["grade_id"], reference[meta["grade_id"]])
    return nb


def points(lesson: str) -> dict:
    nb = nbformat.read(str(source_notebook(lesson)), as_version=4)
    return {
        c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"]
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade")
    }


@pytest.fixture(scope="module", params=LESSON_NAMES)
def course(request, tmp_path_factory):
    lesson = request.param
    # the records of the session's one execution of the instructor notebook (nbrun), which
    # is what reference_records computes (test_reference_run_ignores_a_stray_answer_key below
    # runs reference_records itself)
    key = write_answer_key(nbrun.reference_records(lesson), tmp_path_factory.mktemp("key") / "key.json")
    with pytest.MonkeyPatch.context() as mp, TempCourse(ROOT, [lesson]) as c:
        mp.setenv(KEY_ENV, str(key))
        c.lesson = lesson
        c.released = next(c.generate(lesson).glob("*.ipynb"))
        yield c


def test_reference_answers_get_full_marks(course):
    lesson = course.lesson
    course.submit(lesson, "reference", answered(course.released, lesson))
    result = course.autograde(lesson, "reference")
    assert result["success"], result.get("error") or result.get("log")
    s = course.scores(lesson, "reference")
    assert s["max_score"] == sum(points(lesson).values())
    assert s["score"] == s["max_score"], s["cells"]


def test_untouched_lesson_scores_zero(course):
    lesson = course.lesson
    course.submit(lesson, "untouched", course.released)
    assert course.autograde(lesson, "untouched")["success"]
    s = course.scores(lesson, "untouched")
    assert s["score"] == 0, s["cells"]
    assert s["max_score"] == sum(points(lesson).values())


PARTLY_WRONG = {
    "01_penalty": {
        # uses the test set's own statistics: passes nothing
        "ex_standardize": (
            "def standardize(X_train, X_test):\n"
            "    z = lambda A: (A - A.mean(axis=0)) / A.std(axis=0)\n"
            "    return z(np.asarray(X_train, float)), z(np.asarray(X_test, float))\n"
        ),
        "quiz_q2": 'q2 = "a"',
        "quiz_q3": "q3 = 0.02",  # the seeds' loose reading of weight_decay
    },
}
PARTLY_WRONG["02_gradient"] = {
    # the penalty's gradient without its factor 2
    "ex_gradient": (
        "def ridge_grad(w, X, y, lam):\n"
        "    return -2.0 / len(y) * (X.T @ (y - X @ w)) + lam * w\n"
    ),
    "quiz_q3": "q3 = 0.25",  # 1 / mu_max is a safe step, not the threshold
    "quiz_q5": 'q5 = "c"',
}
PARTLY_WRONG["03_decay_factor"] = {
    # forgets that a factor of exactly zero empties the weight in one step, and rounds the
    # logarithm down: fails the visible and hidden tests
    "ex_steps": (
        "def steps_to_shrink(lr, lam, fraction):\n"
        "    f = abs(1 - 2 * lr * lam)\n"
        "    if f >= 1 or f == 0:\n"
        "        return math.inf\n"
        "    return int(math.log(fraction) / math.log(f))\n"
    ),
    "quiz_q3": "q3 = 0.003",  # the seeds' loose reading: weight_decay = lambda
}
PARTLY_WRONG["04_geometry"] = {
    # a hard threshold (keeps z unchanged above t) instead of the soft one
    "ex_soft": "def soft_threshold(z, t):\n    z = np.asarray(z, float)\n    return np.where(np.abs(z) > t, z, 0.0)\n",
    "quiz_q4": "q4 = 0.05",  # scikit-learn's alpha taken as lambda_1
}
PARTLY_WRONG["05_choosing_lambda"] = {
    # interleaved folds (rows i, i + k, ...) instead of contiguous blocks: fails the visible
    # and hidden tests
    "ex_kfold": (
        "def kfold_cv_errors(X, y, lams, k):\n"
        "    X, y = np.asarray(X, float), np.asarray(y, float)\n"
        "    errors = np.zeros(len(lams))\n"
        "    for i in range(k):\n"
        "        fold = np.arange(i, len(y), k)\n"
        "        train = np.setdiff1d(np.arange(len(y)), fold)\n"
        "        for j, lam in enumerate(lams):\n"
        "            w, b = ridge_fit(X[train], y[train], lam)\n"
        "            errors[j] += np.mean((y[fold] - X[fold] @ w - b) ** 2) / k\n"
        "    return errors\n"
    ),
    "quiz_q2": "q2 = 10.0",  # alpha = n * lam with the full n, not the training-fold size
    "quiz_q3": "q3 = 100.0",  # the seeds' loose reading: C = 1 / lambda
}
PARTLY_WRONG["06_bayesian_view"] = {
    # the sum-of-squares conversion (lambda = sigma^2 / tau^2) in a mean-loss world
    "ex_map": (
        "def map_weights(X, y, sigma, tau):\n"
        "    return ridge_fit(X, y, sigma ** 2 / tau ** 2, fit_intercept=False)[0]\n"
    ),
    "quiz_q2": 'q2 = "a"',
}
PARTLY_WRONG["07_adamw"] = {
    # Adam without the bias corrections 1 - beta**t: fails the visible and hidden tests
    "ex_adam": (
        "def adam_step(w, g, m, v, t, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled=False):\n"
        "    beta1, beta2 = betas\n"
        "    w, g = np.asarray(w, float), np.asarray(g, float)\n"
        "    if decoupled:\n"
        "        w = w * (1 - lr * weight_decay)\n"
        "    else:\n"
        "        g = g + weight_decay * w\n"
        "    m = beta1 * m + (1 - beta1) * g\n"
        "    v = beta2 * v + (1 - beta2) * g * g\n"
        "    return w - lr * m / (np.sqrt(v) + eps), m, v\n"
    ),
    "quiz_q3": "q3 = 0.02",  # the seeds' loose reading: weight_decay = lambda (0.02; the answer is 0.04)
    "quiz_q4": 'q4 = "a"',  # AdamW's weight_decay taken for an L2 lambda
}
PARTLY_WRONG["08_in_practice"] = {
    # standardizes once with every row (the leak the lesson warns about): fails the visible and hidden tests
    "ex_cv_scaled": (
        "def kfold_mse_standardized(X, y, lam, k):\n"
        "    X, y = np.asarray(X, float), np.asarray(y, float)\n"
        "    Z = (X - X.mean(axis=0)) / X.std(axis=0)\n"
        "    total = 0.0\n"
        "    for fold in np.array_split(np.arange(len(y)), k):\n"
        "        train = np.setdiff1d(np.arange(len(y)), fold)\n"
        "        w, b = ridge_fit(Z[train], y[train], lam)\n"
        "        total += np.mean((y[fold] - Z[fold] @ w - b) ** 2)\n"
        "    return float(total / k)\n"
    ),
    "quiz_q1": "q1 = 200.0",  # the seeds' loose reading: C = 1 / lambda
    "quiz_q4": "q4 = 0.2",  # 1 / (alpha t) without the factor 2: 0.3 off in log10, outside the 0.05 tolerance
}
WRONG_TESTS = {
    "01_penalty": {"test_standardize", "test_quiz_q2", "test_quiz_q3"},
    "02_gradient": {"test_gradient", "test_quiz_q3", "test_quiz_q5"},
    "03_decay_factor": {"test_steps", "test_quiz_q3"},
    "04_geometry": {"test_soft", "test_quiz_q4"},
    "05_choosing_lambda": {"test_kfold", "test_quiz_q2", "test_quiz_q3"},
    "06_bayesian_view": {"test_map", "test_quiz_q2"},
    "07_adamw": {"test_adam", "test_quiz_q3", "test_quiz_q4"},
    "08_in_practice": {"test_cv_scaled", "test_quiz_q1", "test_quiz_q4"},
}


def test_partly_wrong_scores_in_between(course):
    lesson = course.lesson
    assert lesson in PARTLY_WRONG, f"write a partly wrong submission for {lesson}"
    course.submit(lesson, "partial", answered(course.released, lesson, PARTLY_WRONG[lesson]))
    assert course.autograde(lesson, "partial")["success"]
    s = course.scores(lesson, "partial")
    expected = {gid: (0.0 if gid in WRONG_TESTS[lesson] else pts) for gid, pts in points(lesson).items()}
    assert s["cells"] == expected
    assert 0 < s["score"] == sum(expected.values()) < s["max_score"]


def test_reference_run_ignores_a_stray_answer_key(tmp_path, monkeypatch):
    """The trusted reference run records; it must not check itself against whatever
    answer key the instructor's environment happens to name."""
    lesson = LESSON_NAMES[0]
    stray = tmp_path / "stray.json"
    stray.write_text("{}")  # every record would fail against an empty key
    monkeypatch.setenv(KEY_ENV, str(stray))
    by_cell = reference_records(ROOT, lesson)
    assert all(by_cell.values()), "every graded cell records something"
