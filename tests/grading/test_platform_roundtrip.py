"""A class from lesson 01's own notebooks, zipped as Canvas and as Moodle hand it out,
graded with `l2reg grade` (one run per platform), exported with `l2reg export`, and the
export read back by each platform's importer rules (export_readers.py): every student's
score where it belongs, late flags kept, nothing lost, nothing duplicated."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import export_readers as readers
import submission_kit as kit
from platform_kit import Student, Upload, canvas_zip, moodle_zip, roster_csv

ROOT = Path(__file__).resolve().parents[2]
FULL = kit.FULL


def _class(platform):
    """(students, expected {id: (score, status prefix, exported grade or None)}). On Canvas
    102 re-uploaded the notebook (the newest counts) and is late; a Moodle download holds
    only the latest file of a name and marks no lateness."""
    nb = kit.answered
    partial = [Upload("penalty.ipynb", nb(kit.HONEST), resubmission=1)]
    if platform == "canvas":
        partial.insert(0, Upload("penalty.ipynb", kit.untouched()))
    students = [
        Student(101, "Jane Doe", [Upload("penalty.ipynb", nb())]),                       # honest
        Student(102, "Ana María López", partial, late=True),                              # partial
        Student(103, "Bo Li", [Upload("penalty.ipynb", kit.untouched())]),                # nothing answered
        Student(104, "Kim O'Brien, Jr.", [Upload("penalty.ipynb", kit.with_answer("quiz_q5", 'q5 = "c"'))]),  # wrong
        Student(105, "Ed Ng", [Upload("penalty.ipynb", "this is not a notebook {")]),    # broken
        Student(106, "=Zoë Ångström", [Upload("report.pdf", b"%PDF-1.4 not a notebook")],  # a PDF only
                sortable_name="=Ångström, Zoë"),
        Student(107, "Li Wei", [Upload("penalty.ipynb", kit._edited_test())]),            # flagged
    ]
    expected = {
        "101": (FULL, "graded", FULL), "102": (FULL - 4, "graded", FULL - 4), "103": (0, "graded", 0),
        "104": (FULL - 1, "graded", FULL - 1), "105": (0, "failed", None), "106": (0, "failed", None),
        "107": (FULL - 1, "flagged", FULL - 1),
    }
    return students, expected


def _grade(tmp_path, name, make_zip):
    students, expected = _class(name)
    z = make_zip(tmp_path / f"{name}.zip", students)
    out = tmp_path / f"graded-{name}"
    r = subprocess.run([sys.executable, "-m", "l2reg.cli", "grade", "01_penalty", str(z), "--out", str(out),
                        "--jobs", "2", "--cell-timeout", "20"], check=False, capture_output=True, text=True, cwd=ROOT,
                       timeout=1800)
    assert r.returncode == 0, r.stderr[-3000:]
    rows = {row["student_id"]: row for row in csv.DictReader(io.StringIO((out / "grades.csv").read_text()))}
    return students, expected, out, rows, r.stdout


def _late(text):
    return text.strip().lower() in ("true", "yes", "1", "late")


def _export(out, to, *extra):
    r = subprocess.run([sys.executable, "-m", "l2reg.cli", "export", str(out), "--to", to, *extra],
                       check=False, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr
    return r.stdout


@pytest.fixture(scope="module")
def canvas_run(tmp_path_factory):
    return _grade(tmp_path_factory.mktemp("canvas"), "canvas", canvas_zip)


@pytest.fixture(scope="module")
def moodle_run(tmp_path_factory):
    return _grade(tmp_path_factory.mktemp("moodle"), "moodle", moodle_zip)


def _check_grades_csv(rows, expected, late_ids):
    assert sorted(rows) == sorted(expected)  # every student once, no one else
    for sid, (score, status, _exported) in expected.items():
        assert float(rows[sid]["score"]) == score, (sid, rows[sid])
        assert rows[sid]["status"].split(":")[0] == status, (sid, rows[sid]["status"])
        assert _late(rows[sid].get("late", "")) == (sid in late_ids), (sid, rows[sid].get("late"))


def test_canvas_zip_graded_exported_and_imported(canvas_run, tmp_path):
    students, expected, out, rows, summary = canvas_run
    _check_grades_csv(rows, expected, late_ids={"102"})
    assert "\nread as: canvas (" in summary  # the summary says which layout it read
    roster = roster_csv(tmp_path / "roster.csv", students, flavour="canvas")
    _export(out, "canvas", "--roster", str(roster), "--assignment", "Penalty (555)")
    data = (out / "export-canvas.csv").read_bytes()
    course = [readers.CanvasStudent(s.id, s.name, s.sortable, f"S{s.id:06d}", s.mail) for s in students]
    got = readers.canvas_import(data, course, assignments={555: "Penalty"})
    assert got.delimiter == "," and got.unmatched == [] and got.duplicates == []
    assert got.assignments == [("Penalty", 555, "9")]
    assert {str(k): v["Penalty"] for k, v in got.grades.items()} == {
        sid: (None if g is None else f"{g:g}") for sid, (_s, _st, g) in expected.items()}
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    names = {row[1]: row[0] for row in parsed[2:]}
    # Canvas's Student column is the sortable name; "=Ångström, Zoë" stays text, not a formula
    assert names == {str(s.id): ("'" if s.sortable.startswith("=") else "") + s.sortable for s in students}
    # the same file read by name only (a course whose ids differ): SIS ids still place every row
    course_by_sis = [readers.CanvasStudent(s.id + 10_000, s.name, s.sortable, f"S{s.id:06d}", s.mail) for s in students]
    by_sis = readers.canvas_import(data, course_by_sis, assignments={555: "Penalty"})
    assert {k - 10_000 for k in by_sis.grades} == {s.id for s in students} and by_sis.unmatched == []
    # the plain CSV keeps the late flag and every score
    _export(out, "csv", "--roster", str(roster))
    plain = list(csv.DictReader(io.StringIO((out / "export-csv.csv").read_text(encoding="utf-8-sig"))))
    assert sorted(r["student_id"] for r in plain) == sorted(expected)
    assert {r["student_id"] for r in plain if r["late"] == "yes"} == {"102"}
    assert {r["student_id"]: float(r["score"]) for r in plain} == {k: v[0] for k, v in expected.items()}


def test_moodle_zip_graded_exported_and_imported(moodle_run, tmp_path):
    students, expected, out, rows, summary = moodle_run
    _check_grades_csv(rows, expected, late_ids=set())  # a Moodle download does not mark lateness
    assert "\nread as: moodle (" in summary
    roster = roster_csv(tmp_path / "roster.csv", students, flavour="moodle")
    _export(out, "moodle", "--roster", str(roster))
    data = (out / "export-moodle.csv").read_bytes()
    got = readers.moodle_import(data, participants={s.id for s in students}, max_grade=FULL)
    assert sorted(got) == sorted(s.id for s in students)
    assert {str(k): v.grade for k, v in got.items()} == {sid: g for sid, (_s, _st, g) in expected.items()}
    assert {str(k) for k, v in got.items() if v.skipped} == {"105", "106"}  # failed: left for the instructor
    assert "Tests not passed" in got[102].comment and "Flagged: test cell test_quiz_q5 edited" in got[107].comment
    assert got[105].comment.startswith("01_penalty: not graded automatically: not a notebook")
    records = readers.php_fgetcsv_all(data.decode("utf-8-sig").replace("\r\n", "\n"))
    names = {r[0]: r[1] for r in records[1:] if r != [None]}
    assert names["Participant 101"] == "Jane Doe" and names["Participant 106"] == "'=Zoë Ångström"
