"""`l2reg grade` on a Canvas and a Moodle download of a small lesson-01 class, end to end
through the command line (each run pays the set-up and the reference run: two runs only)."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from platform_kit import Student, Upload, canvas_zip, moodle_zip, roster_csv
from submission_kit import FULL, LESSON, ROOT, answered, untouched

import nbformat


def l2reg(*args):
    return subprocess.run([sys.executable, "-m", "l2reg.cli", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=900)


def rows(out: Path) -> dict:
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        return {r["student_id"]: r for r in csv.DictReader(f)}


def test_a_canvas_download_with_a_resubmission_a_late_student_a_pdf_and_a_broken_notebook(tmp_path):
    cls = [
        Student(101, "Jane Doe", [Upload("penalty.ipynb", nbformat.writes(untouched())),
                                  Upload("penalty.ipynb", nbformat.writes(answered()), resubmission=1)], late=True),
        Student(102, "Zoë O'Brien_Smith", [Upload("penalty.ipynb", "{ this is not json")]),
        Student(103, "Al Pdf", [Upload("answers.pdf", b"%PDF-1.4 ...")], text="see the PDF"),
    ]
    archive = canvas_zip(tmp_path / "course-penalty submissions.zip", cls, extra=[("__MACOSX/._x", b"")])
    roster = roster_csv(tmp_path / "gradebook.csv", cls[:2] + [Student(104, "Never Submitted")], "canvas")
    out = l2reg("grade", LESSON, str(archive), "--out", str(tmp_path / "out"), "--roster", str(roster))
    assert out.returncode == 0, out.stderr[-3000:]
    got = rows(tmp_path / "out")
    assert sorted(got) == ["101", "102", "103"]
    assert (got["101"]["score"], got["101"]["status"], got["101"]["late"]) == (f"{FULL}", "graded", "true")
    assert got["101"]["name"] == "Jane Doe" and got["101"]["email"] == "jane.doe.101@example.edu"  # the roster's
    assert got["102"]["status"].startswith("failed: ") and got["102"]["late"] == "false"
    assert got["103"]["status"] == "failed: no .ipynb notebook handed in (found: answers.pdf, " \
        "pdfal_103_text.html (online text entry, not graded))"
    assert got["103"]["name"] == "pdfal"  # not on the roster: the name Canvas's file names give
    summary = out.stdout
    assert summary.splitlines()[1] == 'read as: canvas (a Canvas "Download Submissions" zip, told from its names)'
    assert "Late (as the platform marked them):\n  101 (Jane Doe)\n" in summary
    assert ("  101 (Jane Doe): graded the last uploaded notebook penalty-1.ipynb (attachment 9002); "
            "not graded: penalty.ipynb (attachment 9001)") in summary
    assert "Not on the roster (graded all the same):\n  103 (pdfal)\n" in summary
    assert "On the roster, no submission:\n  104 (Never Submitted <never.submitted.104@example.edu>)" in summary
    page = (tmp_path / "out" / "feedback" / "101.html").read_text(encoding="utf-8")
    assert "101 (Jane Doe)" in page and "graded the last uploaded notebook penalty-1.ipynb" in page


def test_a_moodle_download_in_folders_with_nested_files_and_an_online_text(tmp_path):
    cls = [
        Student(7, "Mary_Ann O'Neil", [Upload("penalty.ipynb", nbformat.writes(answered()), folder="work/final"),
                                       Upload("data.csv", "1,2", folder="work")]),
        Student(8, "Online Only", [], text="I typed my answers here"),
        Student(9, "Zed Untouched", [Upload("penalty.ipynb", nbformat.writes(untouched()))]),
    ]
    archive = moodle_zip(tmp_path / "moodle.zip", cls)
    roster = roster_csv(tmp_path / "worksheet.csv", cls[:2], "moodle")
    out = l2reg("grade", LESSON, str(archive), "--out", str(tmp_path / "out"), "--roster", str(roster),
                "--format", "moodle")
    assert out.returncode == 0, out.stderr[-3000:]
    got = rows(tmp_path / "out")
    assert {k: (r["score"], r["status"], r["late"], r["name"]) for k, r in got.items()} == {
        "7": (f"{FULL}", "graded", "false", "Mary_Ann O'Neil"),  # the roster's name, not Moodle's folder name
        "8": ("0", "failed: no .ipynb notebook handed in (found: onlinetext.html (onlinetext submission, "
              "not graded))", "false", "Online Only"),
        "9": ("0", "graded", "false", "Zed Untouched"),
    }
    assert out.stdout.splitlines()[1] == 'read as: moodle (a Moodle "Download all submissions" zip)'
    assert "Not on the roster (graded all the same):\n  9 (Zed Untouched)\n" in out.stdout
    assert "  7: work/data.csv" in out.stdout  # the extra file, listed


def test_platform_instructor_errors_are_one_line(tmp_path):
    bad = tmp_path / "roster.csv"
    bad.write_text("who,what\n1,2\n")
    archive = canvas_zip(tmp_path / "c.zip", [Student(1, "A B", [Upload("penalty.ipynb", "{}")])])
    for args, words in (
        (["--roster", str(bad)], ["--roster", "unknown header"]),
        (["--format", "blackboard"], ["--format", "blackboard"]),
        (["--format", "moodle"], ["no file of c.zip", "Moodle"]),
    ):
        out = l2reg("grade", LESSON, str(archive), "--out", str(tmp_path / "out"), *args)
        assert out.returncode == 2, out.stderr
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1 and all(w in lines[0] for w in words), out.stderr
