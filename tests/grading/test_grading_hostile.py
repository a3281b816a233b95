"""`l2reg grade` over honest, broken, tampered, runaway and hostile submissions of lesson 01.

All cases are graded together in ONE run (``--jobs 2``), each score and status is
asserted exactly, then the gradebook, the feedback and the host are checked. A second
run into the same folder must give the identical grades.csv and no duplicate gradebook
rows, and ``--jobs 1`` must grade a sample of the cases the same. See
submission_kit.py for the cases.
"""

from __future__ import annotations

import csv
import html
import json
import os
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from submission_kit import LESSON, ROOT, cases, write_cases  # noqa: E402

CELL_TIMEOUT = 8
WALL_FACTOR = json.loads((ROOT / "autograder" / "sandbox.json").read_text())["wall_factor"]
CASE_NAMES = sorted(cases())


def run_grade(subs, out, jobs, env=None):
    cmd = [sys.executable, "-m", "l2reg.cli", "grade", LESSON, str(subs), "--out", str(out),
           "--jobs", str(jobs), "--cell-timeout", str(CELL_TIMEOUT), "--notebook-timeout", "300"]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env, timeout=1800)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


class Listener:
    """A TCP server on the host's loopback that counts connections."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self.stop = True
        self.thread.join()
        self.sock.close()


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    subs, out = base / "submissions", base / "out"
    listener = Listener()
    selected = cases(ROOT, out, subs, listener.port)
    write_cases(subs, selected)
    honest_before = (subs / "honest_full.ipynb").read_bytes()
    # An answer key where a leaking grader would expose it.
    key = base / "answer-key.json"
    key.write_text('{"quiz/q5": "a"}  ### BEGIN SOLUTION q5 = "a"', encoding="utf-8")
    env = dict(os.environ, L2REG_ANSWER_KEY=str(key))
    first = run_grade(subs, out, jobs=2, env=env)
    listener.close()
    yield {
        "subs": subs, "out": out, "first": first, "cases": selected, "listener": listener,
        "honest_before": honest_before, "env": env,
        "csv1": (out / "grades.csv").read_text(encoding="utf-8") if (out / "grades.csv").exists() else "",
    }


def test_run_succeeds_and_summarizes(run):
    first = run["first"]
    assert first.returncode == 0, first.stderr[-3000:]
    summary = (run["out"] / "summary.txt").read_text(encoding="utf-8")
    assert first.stdout == summary
    assert "broken_not_json: not a notebook" in summary
    assert "runaway_abort: the kernel crashed (SIGABRT)" in summary
    assert "tamper_edited_test: test cell test_quiz_q5 edited" in summary
    assert "hostile_shadowing: l2reg.py, numpy.py" in summary
    assert "grading [" in first.stderr  # the progress bar


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
    assert [r["student_id"] for r in rows] == CASE_NAMES
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
    assert sorted(p.stem for p in fb.glob("*.html")) == CASE_NAMES
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


def test_regrade_is_identical(run):
    second = run_grade(run["subs"], run["out"], jobs=2, env=run["env"])
    assert second.returncode == 0, second.stderr[-3000:]
    assert (run["out"] / "grades.csv").read_text(encoding="utf-8") == run["csv1"]
    state, n_subs, n_students = gradebook_state(run["out"])
    assert n_subs == n_students == len(CASE_NAMES)
    assert sorted(p.stem for p in (run["out"] / "feedback").glob("*.html")) == CASE_NAMES


ONE_JOB = ["broken_not_json", "honest_partial", "hostile_fake_records", "runaway_abort"]


def test_one_job_grades_the_same(run, tmp_path):
    subs = tmp_path / "subs"
    write_cases(subs, {n: run["cases"][n] for n in ONE_JOB})
    out = run_grade(subs, tmp_path / "out", jobs=1, env=run["env"])
    assert out.returncode == 0, out.stderr[-3000:]
    first = {r["student_id"]: r for r in read_csv(run["out"] / "grades.csv")}
    assert read_csv(tmp_path / "out" / "grades.csv") == [first[n] for n in ONE_JOB]
