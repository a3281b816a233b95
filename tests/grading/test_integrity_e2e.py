"""The integrity report end to end: a small class of lesson 01 graded for real (sandbox and
all): an honest student, one whose answer calls ``ridge_fit``, two who copied each other
(renamed variables), and one more honest student who wrote their own answers. Then the
caller alone again with ``--library-calls zero`` through the command line."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from submission_kit import FULL, LESSON, ROOT, answered  # noqa: E402

from l2reg.grading.grade import grade  # noqa: E402

CALLER = "def ridge_closed_form(X, y, lam):\n    return ridge_fit(X, y, lam, fit_intercept=False)[0]\n"
COPIED = {
    "ex_closed_form": (
        "def ridge_closed_form(X, y, lam):\n"
        "    A = np.asarray(X, dtype=float)\n"
        "    t = np.asarray(y, dtype=float)\n"
        "    rows, cols = A.shape\n"
        "    gram = A.T @ A\n"
        "    for j in range(cols):\n"
        "        gram[j, j] += rows * lam\n"
        "    rhs = A.T @ t\n"
        "    return np.linalg.lstsq(gram, rhs, rcond=None)[0]\n"),
    "ex_standardize": (
        "def standardize(X_train, X_test):\n"
        "    tr = np.array(X_train, dtype=float)\n"
        "    te = np.array(X_test, dtype=float)\n"
        "    centre = tr.sum(axis=0) / len(tr)\n"
        "    spread = np.sqrt(((tr - centre) ** 2).mean(axis=0))\n"
        "    return (tr - centre) / spread, (te - centre) / spread\n"),
}
RENAMES = [("A", "M"), ("t", "v"), ("rows", "n_rows"), ("cols", "n_cols"), ("gram", "G"), ("rhs", "b"),
           ("tr", "train"), ("te", "test"), ("centre", "mu"), ("spread", "sd")]
OWN = {
    "ex_closed_form": (
        "def ridge_closed_form(X, y, lam):\n"
        "    X = np.array(X, float)\n"
        "    n = X.shape[0]\n"
        "    inv = np.linalg.inv(X.T.dot(X) / n + lam * np.identity(X.shape[1]))\n"
        "    return inv.dot(X.T.dot(np.array(y, float))) / n\n"),
    "ex_standardize": (
        "def standardize(X_train, X_test):\n"
        "    m = np.mean(X_train, axis=0)\n"
        "    s = np.std(X_train, axis=0)\n"
        "    scale = lambda Z: (np.asarray(Z, float) - m) / s\n"
        "    return scale(X_train), scale(X_test)\n"),
}


def renamed(code: str) -> str:
    import re

    for a, b in RENAMES:
        code = re.sub(rf"\b{a}\b", b, code)
    return code


def write(folder: Path, students: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for sid, nb in students.items():
        nbformat.write(nb, str(folder / f"{sid}.ipynb"))
    return folder


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("integrity")
    subs = write(base / "subs", {
        "honest": answered(),
        "caller": answered({"ex_closed_form": CALLER}),
        "copy_a": answered(COPIED),
        "copy_b": answered({g: renamed(c) for g, c in COPIED.items()}),
        "own_work": answered(OWN),
    })
    report = grade(LESSON, subs, base / "out", jobs=2, course_root=ROOT, progress_stream=io.StringIO(),
                   limits_overrides={"cell_timeout": 20, "notebook_timeout": 300})
    return base, report


def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_scores_and_statuses(graded):
    base, _ = graded
    got = {r["student_id"]: (float(r["score"]), r["status"]) for r in rows(base / "out" / "grades.csv")}
    assert got == {
        "honest": (FULL, "graded"),
        "caller": (FULL, "flagged: ex_closed_form uses l2reg.ridge_fit"),  # flag keeps the score
        "copy_a": (FULL, "graded"),
        "copy_b": (FULL, "graded"),
        "own_work": (FULL, "graded"),
    }


def test_the_summary_and_the_feedback_name_the_case(graded):
    base, report = graded
    assert "caller: ex_closed_form uses l2reg.ridge_fit" in report.summary
    page = (base / "out" / "feedback" / "caller.html").read_text(encoding="utf-8")
    assert "ex_closed_form uses l2reg.ridge_fit" in page


def test_the_copied_pair_ranks_first_with_its_shared_lines(graded):
    base, report = graded
    table = rows(base / "out" / "similarity.csv")
    assert table, "no pair reported"
    first = table[0]
    assert (first["rank"], {first["student_a"], first["student_b"]}) == ("1", {"copy_a", "copy_b"})
    assert float(first["similarity"]) > 0.9
    # the shared lines are copy_a's own, from both exercises
    assert "lstsq(gram, rhs" in first["shared_lines"] and "spread" in first["shared_lines"]
    # the honest student typed the lesson's own solution: boilerplate, in no pair
    assert all("honest" not in (r["student_a"], r["student_b"]) for r in table)
    # every other pair is well below the copied one
    assert all(float(r["similarity"]) < float(first["similarity"]) for r in table[1:])
    assert "copy_a and copy_b" in report.summary.split("Similar answers")[1].splitlines()[1]


def test_the_html_view_is_self_contained(graded):
    base, _ = graded
    page = (base / "out" / "similarity.html").read_text(encoding="utf-8")
    assert "Content-Security-Policy" in page and "<script" not in page and "http" not in page.split("</head>")[1]
    assert "copy_a" in page and "<mark>" in page


def test_zero_policy_through_the_command_line(graded, tmp_path, capsys):
    from l2reg.cli import main

    subs = write(tmp_path / "subs", {"caller": answered({"ex_closed_form": CALLER})})
    code = main(["grade", LESSON, str(subs), "--out", str(tmp_path / "out"), "--course", str(ROOT),
                 "--library-calls", "zero", "--notebook-timeout", "300"])
    assert code == 0
    (row,) = rows(tmp_path / "out" / "grades.csv")
    # ex_closed_form's test cell (2 points) scores 0, everything else stays
    assert (float(row["score"]), row["test_closed_form"], row["status"]) == (
        FULL - 2, "0", "flagged: ex_closed_form uses l2reg.ridge_fit")


def test_an_unknown_policy_is_an_instructor_error(tmp_path, capsys):
    from l2reg.cli import main

    subs = write(tmp_path / "subs", {"x": answered()})
    assert main(["grade", LESSON, str(subs), "--out", str(tmp_path / "out"), "--course", str(ROOT),
                 "--library-calls", "maybe"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["l2reg grade: --library-calls: expected one of flag, zero, got 'maybe'"]
