"""`l2reg grade --db`: the nbgrader gradebook on PostgreSQL (Debian's server, started by the
``postgres`` fixture in a temporary folder on a free port of 127.0.0.1).

* grading into PostgreSQL gives what grading into the default SQLite gradebook gives:
  the same grades.csv and the same gradebook rows (every grade of every submission);
* two graders running ``l2reg grade`` at the same time on different lessons into one
  fresh PostgreSQL gradebook both succeed and lose no row, and a later regrade of one
  lesson replaces that lesson's rows without touching the other's;
* a bad ``--db`` is an instructor's error: one line, exit status 2, no password shown.

The class is small on purpose (the solution and the untouched lesson): what is tested
is the database, not the grader.
"""

from __future__ import annotations

import csv

import pytest
from nbgrader.api import Gradebook

from l2reg.grading.course import CourseError
from l2reg.grading.gradebook import resolve_db_url

from ._helpers import l2reg, small_class, start_l2reg

L1, L2 = "01_penalty", "02_gradient"


def gradebook_rows(url: str, lesson: str) -> dict:
    """Everything the formgrader shows of one lesson, read with nbgrader's own API."""
    with Gradebook(url) as gb:
        a = gb.find_assignment(lesson)
        return {
            "cells": sorted((nb.name, gc.name, gc.max_score) for nb in a.notebooks for gc in nb.grade_cells),
            "submissions": sorted(s.student.id for s in a.submissions),
            "scores": {s.student.id: (s.score, s.max_score) for s in a.submissions},
            "grades": sorted((s.student.id, nb.name, g.name, g.auto_score, g.max_score, nb.flagged)
                             for s in a.submissions for nb in s.notebooks for g in nb.grades),
            "ids": sorted((s.id, g.id) for s in a.submissions for nb in s.notebooks for g in nb.grades),
        }


def without_ids(rows: dict) -> dict:
    return {k: v for k, v in rows.items() if k != "ids"}


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def graded(proc):
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def check_lesson_rows(rows: dict, out_dir):
    """The gradebook holds one submission per student of the small class, one grade per test
    cell each, with the scores grades.csv reports: alice full marks, bob less."""
    assert rows["submissions"] == ["alice", "bob"]
    assert len(rows["grades"]) == 2 * len(rows["cells"]) > 0
    csv_rows = {r["student_id"]: r for r in read_csv(out_dir / "grades.csv")}
    for sid, (score, max_score) in rows["scores"].items():
        assert float(csv_rows[sid]["score"]) == score
        assert float(csv_rows[sid]["max_score"]) == max_score
    assert rows["scores"]["alice"][0] == rows["scores"]["alice"][1] > 0
    assert rows["scores"]["bob"][0] < rows["scores"]["bob"][1]


@pytest.fixture(scope="module")
def sqlite_baseline(tmp_path_factory):
    """Lesson 01 graded into the default SQLite gradebook (DIR/gradebook.db)."""
    base = tmp_path_factory.mktemp("sqlite")
    subs = small_class(base / "subs", L1)
    graded(l2reg("grade", L1, str(subs), "--out", str(base / "out")))
    url = "sqlite:///" + str(base / "out" / "gradebook.db")
    return {"subs": subs, "out": base / "out", "rows": gradebook_rows(url, L1)}


def test_postgres_gives_the_same_grades_as_sqlite(postgres, sqlite_baseline, tmp_path):
    url = postgres.create_database("same_as_sqlite")
    graded(l2reg("grade", L1, str(sqlite_baseline["subs"]), "--out", str(tmp_path / "out"), "--db", url))
    assert not (tmp_path / "out" / "gradebook.db").exists()  # the grades went to PostgreSQL
    rows = gradebook_rows(url, L1)
    check_lesson_rows(rows, tmp_path / "out")
    assert without_ids(rows) == without_ids(sqlite_baseline["rows"])
    assert (tmp_path / "out" / "grades.csv").read_text() == (sqlite_baseline["out"] / "grades.csv").read_text()


def test_two_graders_at_once_keep_every_row(postgres, sqlite_baseline, tmp_path):
    url = postgres.create_database("two_graders")  # fresh: both graders create its tables at once
    subs2 = small_class(tmp_path / "subs2", L2)
    runs = [start_l2reg("grade", L1, str(sqlite_baseline["subs"]), "--out", str(tmp_path / "out1"), "--db", url),
            start_l2reg("grade", L2, str(subs2), "--out", str(tmp_path / "out2"), "--db", url)]
    for proc in runs:
        _, err = proc.communicate(timeout=900)
        assert proc.returncode == 0, err[-3000:]
    rows1, rows2 = gradebook_rows(url, L1), gradebook_rows(url, L2)
    check_lesson_rows(rows1, tmp_path / "out1")
    check_lesson_rows(rows2, tmp_path / "out2")
    assert without_ids(rows1) == without_ids(sqlite_baseline["rows"])
    with Gradebook(url) as gb:
        assert sorted(s.id for s in gb.students) == ["alice", "bob"]  # each student once
        assert sorted(a.name for a in gb.assignments) == [L1, L2]

    # Regrading lesson 01 from scratch replaces its rows and leaves lesson 02's as they were.
    graded(l2reg("grade", L1, str(sqlite_baseline["subs"]), "--out", str(tmp_path / "out1"), "--db", url))
    again1 = gradebook_rows(url, L1)
    assert without_ids(again1) == without_ids(rows1)
    assert set(again1["ids"]).isdisjoint(rows1["ids"])  # new rows, the old ones gone
    assert gradebook_rows(url, L2) == rows2  # same rows, same ids


def one_line_error(proc, *words):
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


def test_bad_db_url_is_one_line(tmp_path):
    subs = small_class(tmp_path / "subs", L1)
    one_line_error(l2reg("grade", L1, str(subs), "--out", str(tmp_path / "out"), "--db", "gradebook.db"),
                   "--db", "expected a database URL", "'gradebook.db'")
    assert not (tmp_path / "out" / "grades.csv").exists()


@pytest.mark.parametrize("db, words", [
    ("nosuchdb://x/y", ["--db", "unknown database kind", "nosuchdb"]),
    ("sqlite:///relative.db", ["--db", "absolute"]),
    ("sqlite://", ["--db", "needs a file"]),
    ("", ["--db", "expected a database URL"]),
    ("sqlite:////no/such/folder/gradebook.db", ["--db", "no such folder", "/no/such/folder"]),
])
def test_db_url_checks(db, words):
    with pytest.raises(CourseError) as info:
        resolve_db_url(db, "/unused")
    message = str(info.value)
    assert "\n" not in message
    for w in words:
        assert w in message, message


def test_unreachable_or_refused_database_is_one_line_without_the_password(postgres, tmp_path):
    subs = small_class(tmp_path / "subs", L1)
    wrong = postgres.url("postgres").replace(postgres.password, "not-the-password-123")
    line = one_line_error(l2reg("grade", L1, str(subs), "--out", str(tmp_path / "out"), "--db", wrong),
                          "--db", "cannot open the gradebook", "***")
    assert "not-the-password-123" not in line
    assert not (tmp_path / "out" / "grades.csv").exists()
