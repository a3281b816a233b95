"""`l2reg grade` on submissions made from the self-study edition (lessons/, what a student
who cloned the repository works in): graded against the classroom release without a
false "test cell test_quiz_qN edited" flag, while a real edit is still flagged.

One small class, graded once in the sandbox (the restore rules themselves are unit
tested in test_restore_editions.py).
"""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from submission_kit import LESSON, ROOT, SOURCE, solution_code  # noqa: E402

SELF_STUDY = ROOT / "lessons" / LESSON / "penalty.ipynb"


def _gid(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _answered_self_study():
    source = nbformat.read(str(SOURCE), as_version=4)
    reference = {_gid(c): solution_code(c.source) for c in source.cells if c.metadata.get("nbgrader", {}).get("solution")}
    nb = nbformat.read(str(SELF_STUDY), as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = reference[_gid(cell)]
    return nb


def test_self_study_submissions_are_graded_not_flagged(tmp_path):
    untouched = nbformat.read(str(SELF_STUDY), as_version=4)
    # what makes this edition differ: its quiz test cells answer back
    assert any("l2reg.quiz import check" in c.source for c in untouched.cells if _gid(c) == "test_quiz_q1")
    subs = tmp_path / "subs"
    subs.mkdir()
    nbformat.write(untouched, str(subs / "untouched.ipynb"))
    nbformat.write(_answered_self_study(), str(subs / "answered.ipynb"))
    edited = _answered_self_study()
    cell = next(c for c in edited.cells if _gid(c) == "test_quiz_q1")
    cell.source = re.sub(r"^_check\(", "print('skipped') or _check(", cell.source, count=1, flags=re.M)
    assert cell.source != next(c for c in untouched.cells if _gid(c) == "test_quiz_q1").source
    nbformat.write(edited, str(subs / "edited.ipynb"))

    out_dir = tmp_path / "out"
    out = subprocess.run([sys.executable, "-m", "l2reg.cli", "grade", LESSON, str(subs), "--out", str(out_dir),
                          "--cell-timeout", "60"], cwd=ROOT, capture_output=True, text=True, timeout=1500)
    assert out.returncode == 0, out.stderr[-2000:]
    rows = list(csv.DictReader(open(out_dir / "grades.csv", encoding="utf-8")))
    assert [(r["student_id"], r["score"], r["max_score"], r["status"]) for r in rows] == [
        ("answered", "9", "9", "graded"),
        ("edited", "9", "9", "flagged: test cell test_quiz_q1 edited"),
        ("untouched", "0", "9", "graded"),
    ]
    summary = (out_dir / "summary.txt").read_text(encoding="utf-8")
    assert "3 submission(s)" in summary and "2 graded, 1 flagged, 0 failed" in summary
