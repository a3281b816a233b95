"""`l2reg grade` over honest, broken, tampered, runaway and hostile submissions of lesson 01.

All cases are graded together in ONE run (``--jobs 2``; the session's ``graded_class`` of
tests/grading/conftest.py, which also holds the attack and self-study cases other files
check), each score and status is asserted exactly, then the gradebook, the feedback and
the host are checked. A small sample of the cases is graded again with ``--jobs 1`` (the
same rows as in the class's run) and then a second time into the same folder with
``--jobs 2`` (the identical grades.csv, no duplicate gradebook rows). See submission_kit.py
for the cases.
"""

from __future__ import annotations

import csv
import html
import json
import os
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from submission_kit import CELL_TIMEOUT, LESSON, ROOT, run_grade, sandboxed_cases, write_cases  # noqa: E402

WALL_FACTOR = json.loads((ROOT / "autograder" / "sandbox.json").read_text())["wall_factor"]
CASE_NAMES = sorted(sandboxed_cases())  # the others: test_restore_tamper_cases.py


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def run(graded_class):
    g = graded_class
    return {"subs": g.subs, "out": g.out, "first": g.proc, "cases": g.cases, "listener": g.listener,
            "honest_before": g.before["honest_full.ipynb"], "env": g.env, "csv1": g.csv_text,
            "names": sorted(g.cases)}


def test_run_succeeds_and_summarizes(run):
    first = run["first"]
    assert first.returncode == 0, first.stderr[-3000:]
    summary = (run["out"] / "summary.txt").read_text(encoding="utf-8")
    assert first.stdout == summary
    assert "broken_not_json: not a notebook" in summary
    assert "runaway_abort: the kernel crashed (SIGABRT)" in summary
    assert "tamper_edited_test: test cell test_quiz_q5 edited" in summary
    assert "hostile_shadowing: l2reg.py, numpy.py" in summary
    # no progress bar when stderr is not a terminal (tqdm, drawn only on one: test_integrity_progress.py)
    assert "grading" not in first.stderr


@pytest.mark.parametrize("name", CASE_NAMES)
def test_score_and_status(run, name):
    rows = {r["student_id"]: r for r in read_csv(run["out"] / "grades.csv")}
    _files, score, status = run["cases"][name]
    # A cell that sleeps uses no CPU time: the wall-clock backstop (wall_factor times the
    # cell's CPU-time limit, autograder/sandbox.json) stops it.
    status = status.format(cell_timeout=CELL_TIMEOUT, wall_timeout=CELL_TIMEOUT * WALL_FACTOR)
    row = rows[name]
    assert (float(row["score"]), row["status"]) == (score, status)
    assert float(row["max_score"]) == 9
    assert sum(float(row[c]) for c in row if c.startswith("test_")) == score


def test_one_row_per_student(run):
    rows = read_csv(run["out"] / "grades.csv")
    assert set(CASE_NAMES) <= set(run["names"])
    assert [r["student_id"] for r in rows] == run["names"]
    assert list(rows[0])[:4] == ["student_id", "score", "max_score", "status"]


def gradebook_state(out):
    from nbgrader.api import Gradebook

    with Gradebook("sqlite:///" + str(out / "gradebook.db")) as gb:
        assignment = gb.find_assignment(LESSON)
        subs = {s.student.id: s for s in assignment.submissions}
        state = {sid: (s.score, s.max_score, sorted((g.name, g.auto_score) for nb in s.notebooks for g in nb.grades))
                 for sid, s in subs.items()}
        return state, len(assignment.submissions), len(gb.students)


def test_gradebook_matches_csv(run):
    state, n_subs, n_students = gradebook_state(run["out"])
    rows = {r["student_id"]: r for r in read_csv(run["out"] / "grades.csv")}
    assert n_subs == n_students == len(rows)
    for sid, row in rows.items():
        score, max_score, grades = state[sid]
        assert (score, max_score) == (float(row["score"]), 9)
        assert dict(grades) == {k: float(v) for k, v in row.items() if k.startswith("test_")}


def visible_text(page: str) -> str:
    """What a browser shows: tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def test_feedback_is_safe(run):
    fb = run["out"] / "feedback"
    assert sorted(p.stem for p in fb.glob("*.html")) == run["names"]
    for page in fb.glob("*.html"):
        raw = page.read_text(encoding="utf-8")
        text = visible_text(raw)
        secrets = ["BEGIN HIDDEN TESTS", "_hidden_tests", "closed_form/random"]
        if not page.stem.startswith("hostile_"):  # hostile code may spell these itself
            secrets += ["standardize/", "quiz/q", "_record(", "application/vnd.l2reg.record"]
        for secret in secrets:
            assert secret not in text, (page.name, secret)
        # hostile HTML from the student is shown as text, never as markup
        assert not re.search(r"<script>\s*alert|<img[^>]*onerror|\"><script>", raw), page.name
    untouched = visible_text((fb / "honest_untouched.html").read_text(encoding="utf-8"))
    for answer in ('q5 = "a"', "q1 = 2.5", "q3 = 0.01", "mean = X_train.mean(axis=0)"):  # no answers
        assert answer not in untouched
    partial = visible_text((fb / "honest_partial.html").read_text(encoding="utf-8"))
    assert "Score: 5 / 9" in partial and "test_standardize: 0 / 2 points, did not pass" in partial
    assert "Visible test passed." in visible_text((fb / "honest_full.html").read_text(encoding="utf-8"))
    hostile = visible_text((fb / "hostile_html.html").read_text(encoding="utf-8"))
    assert '<script>alert("stdout")</script>' in hostile  # shown, escaped
    missing = visible_text((fb / "broken_missing_cell.html").read_text(encoding="utf-8"))
    assert "answer cell quiz_q3 is missing" in missing


def test_host_untouched(run):
    for path in (ROOT / "pwned.txt", run["out"] / "pwned.txt", Path("/tmp/pwned.txt"),
                 Path(os.path.expanduser("~/pwned.txt"))):
        assert not path.exists(), path
    assert (run["subs"] / "honest_full.ipynb").read_bytes() == run["honest_before"]
    assert run["listener"].connections == 0


# graded again: a sample with one of each kind of outcome (failed before running, partial,
# hostile, crashed, flagged)
SAMPLE = ["broken_not_json", "honest_partial", "hostile_fake_records", "runaway_abort", "tamper_edited_test"]


@pytest.fixture(scope="module")
def regraded(run, tmp_path_factory):
    """The sample graded with ``--jobs 1``, then again into the same folder with ``--jobs 2``."""
    base = tmp_path_factory.mktemp("regrade")
    subs, out = base / "subs", base / "out"
    write_cases(subs, {n: run["cases"][n] for n in SAMPLE})
    one_job = run_grade(subs, out, jobs=1, env=run["env"])
    csv1 = (out / "grades.csv").read_text(encoding="utf-8") if one_job.returncode == 0 else None
    second = run_grade(subs, out, jobs=2, env=run["env"])
    return {"subs": subs, "out": out, "one_job": one_job, "csv1": csv1, "second": second}


def test_one_job_grades_the_same(run, regraded):
    assert regraded["one_job"].returncode == 0, regraded["one_job"].stderr[-3000:]
    first = {r["student_id"]: r for r in read_csv(run["out"] / "grades.csv")}
    rows = list(csv.DictReader(regraded["csv1"].splitlines()))
    assert rows == [first[n] for n in SAMPLE]


def test_regrade_is_identical(regraded):
    second = regraded["second"]
    assert second.returncode == 0, second.stderr[-3000:]
    assert (regraded["out"] / "grades.csv").read_text(encoding="utf-8") == regraded["csv1"]
    state, n_subs, n_students = gradebook_state(regraded["out"])
    assert n_subs == n_students == len(SAMPLE)
    assert sorted(p.stem for p in (regraded["out"] / "feedback").glob("*.html")) == SAMPLE
