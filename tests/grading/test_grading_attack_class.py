"""The attack findings that need a real grading run, graded ONCE (a folder, ``--jobs 2``; they
are students of the session's ``graded_class``, tests/grading/conftest.py): an honest notebook
next to one that prints a lone surrogate, one whose last cell shows an output nested 900
levels deep, one that forges bwrap's last words on pid 1's stderr, and a student folder and a
top-level file whose names are not UTF-8. The run must write every row and page, keep the
points each earned, and give the honest one full marks."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from submission_kit import FULL, attack_cases  # noqa: E402

ATTACK = sorted(attack_cases())


@pytest.fixture(scope="module")
def graded(graded_class):
    return graded_class.proc, graded_class.out, graded_class.rows


def test_the_run_writes_every_row_and_page(graded):
    proc, out, rows = graded
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert ATTACK == ["bob", "deeprec", "forgeerr", "honest", "surrogate"]
    assert set(ATTACK) <= set(rows)
    for sid in ATTACK:  # each page can be read back as UTF-8 and states the row's score
        page = (out / "feedback" / f"{sid}.html").read_text(encoding="utf-8")
        assert f"Score: {float(rows[sid]['score']):g} / {float(rows[sid]['max_score']):g}" in page, sid


def test_the_honest_ones_get_full_marks(graded):
    _, out, rows = graded
    for sid in ("honest", "bob", "surrogate"):
        assert (float(rows[sid]["score"]), rows[sid]["status"]) == (FULL, "graded"), sid
    assert "lone surrogate: \\ud800" in (out / "feedback" / "surrogate.html").read_text(encoding="utf-8")


def test_a_deep_output_after_the_answers_keeps_the_points(graded):
    _, _, rows = graded
    assert float(rows["deeprec"]["score"]) == FULL
    assert rows["deeprec"]["status"].startswith("failed: the kernel sent output nested deeper than 100 levels")


def test_forged_last_words_are_not_quoted(graded):
    _, _, rows = graded
    assert float(rows["forgeerr"]["score"]) == FULL
    assert rows["forgeerr"]["status"].startswith("failed: the kernel exited (status 1) while running cell")
    assert "bwrap" not in rows["forgeerr"]["status"] and "no-sandbox" not in rows["forgeerr"]["status"]


def test_names_that_are_not_utf8_are_shown_escaped(graded):
    _, out, _ = graded
    summary = (out / "summary.txt").read_text(encoding="utf-8")
    assert "bob: notes\\udcff.txt" in summary and "zz\\udcfe.txt: not a notebook (ignored)" in summary
