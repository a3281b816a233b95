"""`l2reg grade` on submissions made from the self-study edition (lessons/, what a student
who cloned the repository works in): graded against the classroom release without a
false "test cell test_quiz_qN edited" flag, while a real edit is still flagged.

The three submissions are students of the session's ``graded_class`` (tests/grading/conftest.py),
graded once in the sandbox (the restore rules themselves are unit tested in
test_restore_editions.py).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from submission_kit import _gid, self_study_edited, self_study_untouched  # noqa: E402


def test_the_self_study_submissions_are_what_they_say():
    untouched = self_study_untouched()
    # what makes this edition differ: its quiz test cells answer back
    assert any("l2reg.quiz import check" in c.source for c in untouched.cells if _gid(c) == "test_quiz_q1")
    edited = next(c for c in self_study_edited().cells if _gid(c) == "test_quiz_q1")
    assert edited.source != next(c for c in untouched.cells if _gid(c) == "test_quiz_q1").source


def test_self_study_submissions_are_graded_not_flagged(graded_class):
    out = graded_class.proc
    assert out.returncode == 0, out.stderr[-2000:]
    rows = graded_class.rows
    assert [(r["student_id"], r["score"], r["max_score"], r["status"]) for r in
            (rows[s] for s in ("answered", "edited", "untouched"))] == [
        ("answered", "9", "9", "graded"),
        ("edited", "9", "9", "flagged: test cell test_quiz_q1 edited"),
        ("untouched", "0", "9", "graded"),
    ]
    # the summary counts every student of the class by kind
    statuses = [r["status"] for r in rows.values()]
    graded = statuses.count("graded")
    flagged = sum(s.startswith("flagged:") for s in statuses)
    failed = sum(s.startswith("failed:") for s in statuses)
    assert graded + flagged + failed == len(rows) == len(graded_class.cases)
    summary = (graded_class.out / "summary.txt").read_text(encoding="utf-8")
    assert f"{len(rows)} submission(s)" in summary and f"{graded} graded, {flagged} flagged, {failed} failed" in summary
    flagged_part = summary.split("Graded from the restored official notebook (flagged):\n", 1)[1]
    assert re.search(r"^  edited: test cell test_quiz_q1 edited$", flagged_part, re.M)
    assert not re.search(r"^  (answered|untouched): ", flagged_part, re.M)
