"""`l2reg export`: each writer on small grades.csv fixtures, read back by a reader that
follows the platform's importer (tests/grading/export_readers.py), and every instructor
error in one line with exit status 2."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import export_readers as readers
from l2reg.cli import main
from l2reg.grading.course import CourseError
from l2reg.grading.export import (
    MOODLE_HEADER,
    PLAIN_COLUMNS,
    canvas_rows,
    export,
    moodle_rows,
    read_graded,
    safe_cell,
    with_roster,
)

HEADER = "student_id,score,max_score,status,late,test_ex,test_q1,test_q2"
CLASS = [  # (id, score, status, late, cells)
    ("1001", "9", "graded", "no", "2,1,1"),
    ("1002", "7.5", "graded", "yes", "2,0,1"),
    ("1003", "0", "failed: not a notebook: invalid JSON (Expecting value: line 1 column 1 (char 0))", "no", "0,0,0"),
    ("1004", "8", "flagged: test cell test_q2 edited", "no", "2,1,0"),
    ("1005", "3", "failed: cell quiz_q5 ran longer than 60 s of CPU time", "yes", "2,1,0"),
    ("1006", "0.3", "graded", "no", "0,0,0"),
]
NOW = datetime(2026, 12, 2, 2, 0, 0, tzinfo=timezone.utc)


def write_graded(folder: Path, rows=CLASS, header=HEADER, lesson="01_penalty") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [header] + [",".join([sid, score, "9", _q(status), late, cells]) for sid, score, status, late, cells in rows]
    (folder / "grades.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "summary.txt").write_text(f"{lesson}: {len(rows)} submission(s) in 40 s with 1 job(s): ...\n")
    return folder


def _q(text):
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow([text])
    return buf.getvalue()


def canvas_students(ids=(1001, 1002, 1003, 1004, 1005, 1006)):
    return [readers.CanvasStudent(i, name=f"Student {i}") for i in ids]


# --- Canvas -----------------------------------------------------------------------------

def test_canvas_export_reads_back_by_canvas_rules(tmp_path):
    d = write_graded(tmp_path / "graded")
    done = export(d, "canvas")
    assert done.path == d / "export-canvas.csv" and done.rows == 6
    data = done.path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfStudent,ID,SIS User ID,SIS Login ID,Section,01_penalty\r\n")
    assert data.split(b"\r\n")[1] == b"Points Possible,,,,,9"
    got = readers.canvas_import(data, canvas_students())
    assert got.delimiter == "," and not got.unmatched and not got.duplicates
    assert got.assignments == [("01_penalty", None, "9")]  # a new assignment out of 9 points
    grades = {sid: g["01_penalty"] for sid, g in got.grades.items()}
    # failed students are left blank ("no score": Canvas changes nothing there)
    assert grades == {1001: "9", 1002: "7.5", 1003: None, 1004: "8", 1005: None, 1006: "0.3"}
    assert done.blank == ["1003", "1005"]
    assert any("left blank" in n and "1003, 1005" in n for n in done.notes)


def test_canvas_failed_score_and_existing_assignment(tmp_path):
    d = write_graded(tmp_path / "graded")
    out = tmp_path / "c.csv"
    export(d, "canvas", out=out, assignment="Lesson 1: the penalty (4242)", failed="score")
    got = readers.canvas_import(out.read_bytes(), canvas_students(), assignments={4242: "Lesson 1: the penalty"})
    assert got.assignments == [("Lesson 1: the penalty", 4242, "9")]
    assert {s: g["Lesson 1: the penalty"] for s, g in got.grades.items()} == {
        1001: "9", 1002: "7.5", 1003: "0", 1004: "8", 1005: "3", 1006: "0.3"}
    # an existing assignment's plain title matches it too (parse_assignments' backward compat)
    export(d, "canvas", out=out, assignment="Lesson 1: the penalty")
    got = readers.canvas_import(out.read_bytes(), canvas_students(), assignments={4242: "Lesson 1: the penalty"})
    assert got.assignments[0][1] == 4242


HOSTILE_NAMES = {
    "1001": SimpleNamespace(name="Jane Doe", sortable_name="Doe, Jane", email="jane@example.edu",
                            sis_user_id="S1", sis_login_id="jdoe", section="A"),
    "1002": SimpleNamespace(name='Bob "Bobby" Tables', sortable_name='Tables; Bob "Bobby"', email="=cmd|'/c calc'!A1",
                            sis_user_id="", sis_login_id="", section="B;C"),
    "1003": SimpleNamespace(name="line\nbreak", sortable_name="break,\r\nline", email="", sis_user_id="",
                            sis_login_id="", section=""),
    "1004": SimpleNamespace(name="Points Possible", sortable_name="Points Possible", email="@x", sis_user_id="",
                            sis_login_id="", section=""),
    "1005": SimpleNamespace(name='=HYPERLINK("http://evil","x")', sortable_name='+1,2', email="", sis_user_id="-3",
                            sis_login_id="", section=""),
    "1006": SimpleNamespace(name="Zoë Ångström", sortable_name="Ångström, Zoë", email="", sis_user_id="",
                            sis_login_id="", section="\\"),
}


def _no_formula_cells(rows):
    for row in rows:
        for cell in row:
            if cell and cell[0] in "=+-@\t\r":
                pytest.fail(f"a spreadsheet would run {cell!r} as a formula")
            assert "\n" not in cell and "\r" not in cell


def test_canvas_hostile_names_neither_shift_columns_nor_run(tmp_path):
    d = write_graded(tmp_path / "graded")
    graded = read_graded(d)
    with_roster(graded, HOSTILE_NAMES)
    rows = canvas_rows(graded, "01_penalty")
    _no_formula_cells(rows)
    from l2reg.grading.export import _write

    data = _write(rows).encode("utf-8")
    # the names are kept (as text): the Canvas parse sees the same six students, comma-separated
    got = readers.canvas_import(data, canvas_students())
    assert got.delimiter == ","
    assert {s: g["01_penalty"] for s, g in got.grades.items()} == {
        1001: "9", 1002: "7.5", 1003: None, 1004: "8", 1005: None, 1006: "0.3"}
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert parsed[2][:6] == ["Doe, Jane", "1001", "S1", "jdoe", "A", "9"]
    assert parsed[3][0] == 'Tables; Bob "Bobby"' and parsed[3][4] == "B;C"
    assert parsed[4][0] == "break,\\r\\nline"  # escaped, on one line
    assert parsed[5][0] == ""  # a student named "Points Possible" must not become the points row
    assert parsed[6][0] == "'+1,2" and parsed[6][2] == "'-3"
    assert parsed[7][0] == "Ångström, Zoë"


def test_canvas_names_by_name_when_the_id_is_unknown(tmp_path):
    """Rows Canvas cannot tie to a student by ID fall back to SIS ids, then names; an id
    that is not in the course leaves the row unmatched (Canvas lists it), never misplaced."""
    d = write_graded(tmp_path / "graded")
    graded = read_graded(d)
    with_roster(graded, HOSTILE_NAMES)
    from l2reg.grading.export import _write

    data = _write(canvas_rows(graded, "01_penalty")).encode("utf-8")
    course = [readers.CanvasStudent(1001, "Jane Doe", "Doe, Jane", "S1", "jdoe")]
    got = readers.canvas_import(data, course)
    assert list(got.grades) == [1001] and len(got.unmatched) == 5


def test_canvas_refuses_ids_it_cannot_match(tmp_path):
    d = write_graded(tmp_path / "graded", rows=[("alice", "9", "graded", "no", "2,1,1"),
                                                ("anon_x7Yq", "3", "graded", "no", "2,1,0"),
                                                ("\uff12\uff10", "3", "graded", "no", "2,1,0")])  # full-width digits
    with pytest.raises(CourseError, match=r"Canvas user id.*alice, anon_x7Yq, \uff12\uff10"):
        export(d, "canvas")
    with pytest.raises(CourseError, match=r"participant number.*alice"):
        export(d, "moodle")
    assert export(d, "csv").rows == 3  # the plain CSV takes any id


@pytest.mark.parametrize("title, why", [
    ("Final Grade", "a total"), ("Quiz (Current Score)", "a total"), ("Student", "a student column"),
    ("=1+1", "formula"), ("two\nlines", "one-line"), ("", "one-line"),
])
def test_canvas_assignment_titles_canvas_would_misread(tmp_path, title, why):
    d = write_graded(tmp_path / "graded")
    with pytest.raises(CourseError, match=why):
        export(d, "canvas", assignment=title)


def test_canvas_without_a_lesson_name_needs_assignment(tmp_path):
    d = write_graded(tmp_path / "graded")
    (d / "summary.txt").unlink()
    with pytest.raises(CourseError, match="--assignment NAME"):
        export(d, "canvas")
    assert export(d, "canvas", assignment="Penalty").rows == 6


# --- Moodle -----------------------------------------------------------------------------

def test_moodle_worksheet_reads_back_by_moodle_rules(tmp_path):
    d = write_graded(tmp_path / "graded")
    done = export(d, "moodle", now=NOW)
    data = done.path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf" + ",".join(MOODLE_HEADER).encode() + b"\r\n")
    got = readers.moodle_import(data, participants={1001, 1002, 1003, 1004, 1005, 1006}, max_grade=9)
    assert {p: g.grade for p, g in got.items()} == {1001: 9, 1002: 7.5, 1003: None, 1004: 8, 1005: None, 1006: 0.3}
    assert got[1003].skipped == "no value" and got[1005].skipped == "no value"
    comments = {p: [line for line in g.comment.split("<br>")] for p, g in got.items()}
    assert comments[1001] == ["01_penalty: 9 / 9 points, graded automatically."]
    assert comments[1002] == ["01_penalty: 7.5 / 9 points, graded automatically.", "Tests not passed: test_q1.",
                              "Submitted late."]
    assert comments[1003] == [("01_penalty: not graded automatically: not a notebook: invalid JSON (Expecting value: "
                               "line 1 column 1 (char 0))."), "Your instructor will look at it."]
    assert comments[1005] == ["01_penalty: not graded automatically: cell quiz_q5 ran longer than 60 s of CPU time.",
                              "(3 / 9 points earned before grading stopped; your instructor will decide.)",
                              "Submitted late."]
    assert comments[1004][-1] == "Flagged: test cell test_q2 edited."
    rows = list(readers.php_fgetcsv_all(data.decode("utf-8-sig").replace("\r\n", "\n")))
    assert rows[1][:8] == ["Participant 1001", "", "", "graded", "9", "9", "Yes", ""]
    assert rows[2][3] == "graded - late"
    assert rows[1][8] == "2026-12-02T02:00:00+00:00" and readers.strtotime(rows[1][8]) == int(NOW.timestamp())


def test_moodle_respects_grades_changed_in_moodle_after_the_export(tmp_path):
    d = write_graded(tmp_path / "graded")
    data = export(d, "moodle", now=NOW).path.read_bytes()
    later = int(NOW.timestamp()) + 3600
    earlier = int(NOW.timestamp()) - 3600
    got = readers.moodle_import(data, {1001, 1002}, 9, existing={1001: (5.0, later), 1002: (5.0, earlier)})
    assert got[1001].grade is None and got[1001].skipped == "modified in Moodle more recently"
    assert got[1001].comment is None  # nor its comment
    assert got[1002].grade == 7.5
    # a Moodle assignment whose maximum grade is below the lesson's skips the grade (documented)
    got = readers.moodle_import(data, {1001, 1002}, max_grade=8)
    assert got[1001].skipped == "out of range" and got[1002].grade == 7.5


def test_moodle_comments_are_html_text_and_survive_php(tmp_path):
    evil = 'failed: cell <script>alert(1)</script> wrote "x\\" and \\"y\\'
    d = write_graded(tmp_path / "graded", rows=[("7", "1", evil, "no", "1,0,0"), ("8", "9", "graded", "no", "2,1,1")])
    graded = read_graded(d)
    with_roster(graded, {"7": SimpleNamespace(name='Ann "A, B" \\', email="-@x", sortable_name="", sis_user_id="",
                                              sis_login_id="", section="")})
    rows = moodle_rows(graded, "score", NOW)
    _no_formula_cells(rows)
    from l2reg.grading.export import _write

    data = _write(rows).encode("utf-8")
    got = readers.moodle_import(data, {7, 8}, 9)  # would raise on a shifted column
    assert got[7].grade == 1 and got[8].grade == 9
    assert "&lt;script&gt;" in got[7].comment and "<script>" not in got[7].comment
    assert "<br>1 / 9 points, earned before grading stopped." in got[7].comment
    # and the reader is faithful: the same cells without the PHP guard break Moodle's parse
    raw = io.StringIO()
    csv.writer(raw, lineterminator="\n").writerows([["Identifier", "Grade", "Last modified (grade)", "Full name"],
                                                    ["Participant 7", "1", NOW.isoformat(), 'Ann \\"x\\']])
    with pytest.raises(readers.MoodleRefused):
        readers.moodle_import(raw.getvalue().encode(), {7}, 9)


# --- plain CSV --------------------------------------------------------------------------

def test_plain_csv(tmp_path):
    d = write_graded(tmp_path / "graded")
    done = export(d, "csv")
    rows = list(csv.DictReader(io.StringIO(done.path.read_text(encoding="utf-8-sig"), newline="")))
    assert tuple(rows[0]) == PLAIN_COLUMNS
    assert [(r["student_id"], r["score"], r["percent"], r["late"]) for r in rows] == [
        ("1001", "9", "100", "no"), ("1002", "7.5", "83.33", "yes"), ("1003", "0", "0", "no"),
        ("1004", "8", "88.89", "no"), ("1005", "3", "33.33", "yes"), ("1006", "0.3", "3.33", "no")]
    assert rows[2]["status"].startswith("failed: not a notebook") and done.blank == []
    blank = export(d, "csv", out=tmp_path / "b.csv", failed="blank")
    rows = list(csv.DictReader(io.StringIO(blank.path.read_text(encoding="utf-8-sig"), newline="")))
    assert (rows[2]["score"], rows[2]["percent"]) == ("", "") and blank.blank == ["1003", "1005"]


def test_grades_without_late_column_and_with_names(tmp_path):
    """A grades.csv from before the late column: nobody late; name/email columns are used
    when there is no roster."""
    d = tmp_path / "g"
    d.mkdir()
    (d / "grades.csv").write_text("student_id,score,max_score,status,name,email,test_a\n"
                                  "12,2,2,graded,\"Lee, Ann\",ann@x.org,2\n", encoding="utf-8")
    (d / "summary.txt").write_text("01_penalty: 1 submission(s) in 3 s with 1 job(s)\n")
    rows = list(csv.reader(io.StringIO(export(d, "csv").path.read_text(encoding="utf-8-sig"))))
    assert rows[1] == ["12", "Lee, Ann", "ann@x.org", "2", "2", "100", "graded", "no"]


# --- errors -----------------------------------------------------------------------------

@pytest.mark.parametrize("content, match", [
    (None, "no grades.csv"),
    (b"", "empty"),
    (b"\xff\xfe\x00garbage", "not UTF-8"),
    (b"name,points\nx,1\n", "no student_id, score, max_score, status column"),
    (b"student_id,score,max_score,status\n1,5,9,graded\n1,6,9,graded\n", "appears twice"),
    (b"student_id,score,max_score,status\n1,10,9,graded\n", "above max_score"),
    (b"student_id,score,max_score,status\n1,nan,9,graded\n", "finite"),
    (b"student_id,score,max_score,status\n1,-1,9,graded\n", "finite"),
    (b"student_id,score,max_score,status\n1,x,9,graded\n", "not a number"),
    (b"student_id,score,max_score,status\n1,5,9,great\n", "status must be"),
    (b"student_id,score,max_score,status\n1,5,9,graded\n2,5,10,graded\n", "differs"),
    (b"student_id,score,max_score,status\n1,5,9\n", "3 fields"),
    (b"student_id,score,max_score,status,late\n1,5,9,graded,maybe\n", "late must be"),
    (b'student_id,score,max_score,status\n1,5,9,"graded\n', "not a readable CSV"),
    (b"student_id,score,max_score,status,score\n1,5,9,graded,5\n", "appears twice"),
])
def test_a_grades_csv_that_is_not_ours_is_one_line(tmp_path, capsys, content, match):
    d = tmp_path / "graded"
    d.mkdir()
    if content is not None:
        (d / "grades.csv").write_bytes(content)
    with pytest.raises(CourseError, match=match):
        read_graded(d)
    assert main(["export", str(d), "--to", "canvas"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("l2reg export: ") and err.count("\n") == 1
    assert sorted(p.name for p in d.iterdir()) == (["grades.csv"] if content is not None else [])


@pytest.mark.parametrize("argv, match", [
    (["export", "{missing}", "--to", "canvas"], "no such folder"),
    (["export", "{d}/grades.csv", "--to", "canvas"], "is not a folder"),
    (["export", "{d}", "--to", "blackboard"], "expected one of canvas, moodle, csv, got 'blackboard'"),
    (["export", "{d}"], "--to: missing"),
    (["export", "{d}", "--to", "csv", "--failed", "zero"], "--failed: expected one of blank, score"),
    (["export", "{d}", "--to", "moodle", "--assignment", "X"], "only --to canvas"),
    (["export", "{d}", "--to", "csv", "-o", "{d}/grades.csv"], "grading run's own files"),
    (["export", "{d}", "--to", "csv", "-o", "{d}"], "is a folder"),
    (["export", "{d}", "--to", "csv", "-o", "{missing}/x.csv"], "no such folder"),
])
def test_cli_errors_are_one_line_exit_2(tmp_path, capsys, argv, match):
    d = write_graded(tmp_path / "graded")
    before = {p.name: p.read_bytes() for p in d.iterdir()}
    argv = [a.format(d=d, missing=tmp_path / "nope") for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert match in err and err.count("\n") == 1
    assert {p.name: p.read_bytes() for p in d.iterdir()} == before  # nothing written, nothing lost


def test_cli_writes_and_reports(tmp_path):
    d = write_graded(tmp_path / "graded")
    r = subprocess.run([sys.executable, "-m", "l2reg.cli", "export", str(d), "--to", "canvas"],
                       check=False, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == f"wrote {d / 'export-canvas.csv'}: 6 student(s), Canvas gradebook import " \
                                       "(Grades > Import)"
    assert "left blank (failed" in r.stdout and "1003, 1005" in r.stdout
    # -o -: the file on standard output, the report on standard error
    r = subprocess.run([sys.executable, "-m", "l2reg.cli", "export", str(d), "--to", "csv", "-o", "-"],
                       check=False, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.startswith("\ufeffstudent_id,name,email") and "wrote standard output" in r.stderr
    assert sorted(p.name for p in d.iterdir()) == ["export-canvas.csv", "grades.csv", "summary.txt"]  # no temp file left


def test_safe_cell_doctest_cases():
    assert safe_cell("-1") == "'-1" and safe_cell("1-") == "1-" and safe_cell(None) == ""


# --- with H1's roster reader ----------------------------------------------------------

@pytest.mark.parametrize("flavour", ["plain", "canvas", "moodle"])
def test_roster_names_reach_every_export(tmp_path, flavour):
    from platform_kit import Student, roster_csv

    class_ = [Student(1001, "Jane Doe"), Student(1002, 'Ana "Q" López, Jr.'),
              Student(1003, "=Eve Hacker", sortable_name="=Hacker, Eve"),
              Student(1099, "Never Submitted")]
    roster = roster_csv(tmp_path / f"{flavour}.csv", class_, flavour=flavour)
    d = write_graded(tmp_path / "graded", rows=CLASS[:4])  # 1004 is not on the roster
    notes = export(d, "canvas", roster=roster).notes
    assert "not on the roster (exported without a name): 1004" in notes
    assert "on the roster without a submission (not in the export): 1099" in notes
    parsed = list(csv.reader(io.StringIO((d / "export-canvas.csv").read_text(encoding="utf-8-sig"), newline="")))
    by_id = {r[1]: r for r in parsed[2:]}
    assert sorted(by_id) == ["1001", "1002", "1003", "1004"]
    if flavour == "canvas":  # the sortable name and SIS ids of Canvas's own export
        assert by_id["1001"][:5] == ["Doe, Jane", "1001", "S001001", class_[0].mail, "Section 1"]
    else:
        assert by_id["1001"][0] == "Jane Doe"
    assert by_id["1003"][0].startswith("'") and by_id["1004"][0] == ""
    export(d, "moodle", roster=roster, now=NOW)
    got = readers.moodle_import((d / "export-moodle.csv").read_bytes(), {1001, 1002, 1003, 1004}, 9)
    assert {p: g.grade for p, g in got.items()} == {1001: 9, 1002: 7.5, 1003: None, 1004: 8}
    records = readers.php_fgetcsv_all((d / "export-moodle.csv").read_text(encoding="utf-8-sig").replace("\r\n", "\n"))
    names = {r[0]: (r[1], r[2]) for r in records[1:]}
    assert names["Participant 1002"] == ('Ana "Q" López, Jr.', class_[1].mail)
    # a Canvas roster has only the sortable name, which the roster reader turns round
    assert names["Participant 1003"][0] == ("Eve =Hacker" if flavour == "canvas" else "'=Eve Hacker")


# --- the suite's hostile class (graded once per session) ------------------------------

def test_export_of_the_hostile_class(graded_class, tmp_path):
    """The real grades.csv of a class of honest, broken, tampered, runaway and hostile
    submissions: the plain export keeps every student once with their score and status,
    no cell would run as a formula, and the platform formats refuse its plain ids in one
    line without writing anything."""
    out = tmp_path / "plain.csv"
    done = export(graded_class.out, "csv", out=out)
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"), newline="")))
    assert tuple(rows[0]) == PLAIN_COLUMNS
    _no_formula_cells(rows)
    got = {r[0]: r for r in rows[1:]}
    assert sorted(got) == sorted(graded_class.rows) and len(rows) - 1 == len(graded_class.rows) == done.rows
    for sid, row in graded_class.rows.items():
        assert float(got[sid][3]) == float(row["score"]) and got[sid][4] == row["max_score"], sid
        assert got[sid][6] in (row["status"], "'" + row["status"]), sid
        assert got[sid][7] == ("yes" if row.get("late") == "true" else "no"), sid
    for to in ("canvas", "moodle"):
        with pytest.raises(CourseError, match="not:"):
            export(graded_class.out, to, out=tmp_path / f"{to}.csv")
        assert not (tmp_path / f"{to}.csv").exists()
