"""Canvas and Moodle downloads read by the platforms' own naming rules (no grading here:
every test reads names or zips only, in milliseconds).

The zips come from platform_kit, which writes member names as the platforms' source does;
a few names are also written out by hand below, as the platforms' documentation and
source show them, so that the parser is not only checked against the kit.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from platform_kit import (  # noqa: E402
    Student,
    Upload,
    canvas_members,
    canvas_zip,
    moodle_members,
    moodle_zip,
    roster_csv,
    write_zip,
)

from l2reg.grading.course import CourseError  # noqa: E402
from l2reg.grading.platforms import canvas_file, choose, detect, moodle_file  # noqa: E402
from l2reg.grading.roster import read_roster  # noqa: E402
from l2reg.grading.submissions import find_submissions  # noqa: E402


def nb(tag: str) -> str:
    """A tiny notebook whose content says which upload it is."""
    return ('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "markdown", '
            f'"id": "a", "metadata": {{}}, "source": "{tag}"}}]}}')


HARD_NAMES = [
    ("Jane Doe", None),
    ("Zoë Ünal-Şahin", None),
    ("Mary_Ann O'Neil", None),  # an underscore and an apostrophe
    ("李 小龍", None),
    ("Jean-Luc de la Tour", "de la Tour, Jean-Luc"),
    ("Agent 007_5_", "Agent_12_, 007"),  # _<digits>_ runs, which Canvas joins
    ("Plain", "Plain"),  # one word: no comma in the sortable name
    ("Anon", "anon, late"),  # a name that reads like Canvas's own words
]


# --- Canvas file names ------------------------------------------------------------------

@pytest.mark.parametrize("name, expected", [
    # (student id, shown name, file, kind, attachment id, late), as content_zipper.rb writes them
    ("doejane_1234_5678_penalty.ipynb", ("1234", "doejane", "penalty.ipynb", "upload", 5678, False)),
    ("doejane_LATE_1234_5678_penalty-1.ipynb", ("1234", "doejane", "penalty-1.ipynb", "upload", 5678, True)),
    ("doejane_1234_5678_hw_3_4_final.ipynb", ("1234", "doejane", "hw_3_4_final.ipynb", "upload", 5678, False)),
    ("o_neilmary_ann_77_9_my work.ipynb", ("77", "o_neilmary_ann", "my work.ipynb", "upload", 9, False)),
    ("ünalşahinzoë_5_6_x.ipynb", ("5", "ünalşahinzoë", "x.ipynb", "upload", 6, False)),
    ("_12_34_x.ipynb", ("12", "", "x.ipynb", "upload", 34, False)),  # an empty sortable name
    ("_LATE_12_34_x.ipynb", ("12", "", "x.ipynb", "upload", 34, True)),
    ("latejane_LATE_12_34_x.ipynb", ("12", "latejane", "x.ipynb", "upload", 34, True)),  # "Late, Jane"
    ("anon_qRA51_5678_penalty.ipynb", ("anon_qRA51", "", "penalty.ipynb", "upload", 5678, False)),
    ("LATE_anon_qRA51_5678_penalty.ipynb", ("anon_qRA51", "", "penalty.ipynb", "upload", 5678, True)),
    ("doejane_1234_text.html", ("1234", "doejane", "doejane_1234_text.html", "text", None, False)),
    ("doejane_LATE_1234_link.html", ("1234", "doejane", "doejane_LATE_1234_link.html", "link", None, True)),
    ("anon_qRA51_text.html", ("anon_qRA51", "", "anon_qRA51_text.html", "text", None, False)),
    ("penalty.ipynb", None),
    ("doejane_penalty.ipynb", None),
    ("doejane_1234_penalty.ipynb", None),  # no attachment id
    ("doejane_1234_5678_", None),  # no file name
])
def test_canvas_names(name, expected):
    pf = canvas_file(name)
    if expected is None:
        assert pf is None
        return
    assert (pf.student_id, pf.shown_name, pf.file, pf.kind, pf.attachment_id, pf.late) == expected


def test_every_canvas_name_the_kit_writes_reads_back():
    students = [Student(100 + i, n, [Upload("penalty.ipynb", "x"), Upload("penalty.ipynb", "y", resubmission=2),
                                     Upload('a:b*c?.ipynb', "z"), Upload("report_2_3.pdf", "p")],
                        sortable_name=s, late=bool(i % 2), text="t", url="u")
                for i, (n, s) in enumerate(HARD_NAMES)]
    for anonymous in (False, True):
        members = canvas_members(students, anonymous)
        got = [canvas_file(m) for m, _ in members]
        assert all(got), [m for (m, _), g in zip(members, got) if not g]
        by_student = {}
        for pf in got:
            by_student.setdefault(pf.student_id, []).append(pf)
        assert len(by_student) == len(students)
        for st in students:
            files = by_student[f"anon_{st.anon}" if anonymous else str(st.id)]
            assert {f.late for f in files} == {st.late}
            assert [f.file for f in files if f.kind == "upload"] == [
                "penalty.ipynb", "penalty-2.ipynb", "a_b_c_.ipynb", "report_2_3.pdf"]
            assert sorted(f.kind for f in files) == ["link", "text", "upload", "upload", "upload", "upload"]


# --- Moodle file names ------------------------------------------------------------------

@pytest.mark.parametrize("parts, expected", [
    # (student id, shown name, file, kind), as downloader.php / locallib.php write them
    (("Jane Doe_42_assignsubmission_file", "penalty.ipynb"), ("42", "Jane Doe", "penalty.ipynb", "file")),
    (("Jane Doe_42_assignsubmission_file_", "penalty.ipynb"), ("42", "Jane Doe", "penalty.ipynb", "file")),
    (("Jane Doe_42_assignsubmission_file", "a", "b", "x.ipynb"), ("42", "Jane Doe", "a/b/x.ipynb", "file")),
    (("Jane Doe_42_assignsubmission_file_penalty_2.ipynb",), ("42", "Jane Doe", "penalty_2.ipynb", "file")),
    (("Participant_42_assignsubmission_file_x.ipynb",), ("42", "Participant", "x.ipynb", "file")),
    (("Mary Ann ONeil_7_assignsubmission_onlinetext", "onlinetext.html"),
     ("7", "Mary Ann ONeil", "onlinetext.html", "onlinetext")),
    (("Zoë 12 Smith_7_assignsubmission_file", "x.ipynb"), ("7", "Zoë 12 Smith", "x.ipynb", "file")),
    (("Jane Doe_42_assignsubmission_file_",), None),  # a folder's name alone is no file
    (("Jane Doe_42_assignsubmission_file", ), None),
    (("Jane Doe_assignsubmission_file", "x.ipynb"), None),  # no participant id ("Default group")
    (("Jane Doe_42_assignsubmission", "x.ipynb"), None),
    (("Jane Doe_42_assignsubmission_pdf", "x.pdf"), ("42", "Jane Doe", "x.pdf", "pdf")),  # another plugin
    (("42", "x.ipynb"), None),
])
def test_moodle_names(parts, expected):
    pf = moodle_file(parts)
    assert (None if pf is None else (pf.student_id, pf.shown_name, pf.file, pf.kind)) == expected


def test_every_moodle_name_the_kit_writes_reads_back():
    students = [Student(500 + i, n, [Upload("penalty.ipynb", "x"), Upload("notes_1_2.pdf", "p", folder="extra/deep")],
                        text="t") for i, (n, _) in enumerate(HARD_NAMES)]
    for layout in ("folders", "flat"):
        for blind in (False, True):
            for legacy in (False, True):
                members = moodle_members(students, layout, blind, legacy)
                got = [moodle_file(tuple(m.split("/"))) for m, _ in members]
                assert all(got), members
                assert sorted({g.student_id for g in got}) == sorted(str(s.id) for s in students)
                files = {(g.student_id, g.file) for g in got if g.kind == "file"}
                deep = "extra/deep/notes_1_2.pdf" if layout == "folders" else "notes_1_2.pdf"
                assert files == {(str(s.id), f) for s in students for f in ("penalty.ipynb", deep)}


# --- detection ----------------------------------------------------------------------------

def test_detection_from_names():
    assert detect([("doejane_1_2_x.ipynb",), ("junk.txt",)], 0, "z") == ("canvas", ())
    assert detect([("Jane Doe_1_assignsubmission_file", "x.ipynb")], 0, "z") == ("moodle", ())
    assert detect([("alice.ipynb",)], 1, "z") == ("plain", ())
    assert detect([], 0, "z") == ("plain", ())
    assert detect([("w", "doejane_1_2_x.ipynb"), ("w", "doejane_1_3_y.ipynb")], 0, "z") == ("canvas", ("w",))
    with pytest.raises(CourseError, match="mixes layouts .*--format"):
        detect([("doejane_1_2_x.ipynb",), ("Jane Doe_1_assignsubmission_file", "x.ipynb")], 0, "z")
    with pytest.raises(CourseError, match="mixes layouts"):
        detect([("doejane_1_2_x.ipynb",), ("alice.ipynb",)], 1, "z")
    with pytest.raises(CourseError, match="no layout l2reg knows"):
        detect([("notes.pdf",), ("bad id.ipynb",)], 0, "z")


# --- whole zips ------------------------------------------------------------------------

def _entries(path, tmp_path, fmt="auto", notebook="penalty.ipynb"):
    scratch = tmp_path / f"scratch-{path.stem}"
    scratch.mkdir(exist_ok=True)
    found = find_submissions(path, scratch, notebook, fmt)
    return found, {e.student_id: e for e in found.entries}, scratch


CLASS = [
    Student(101, "Jane Doe", [Upload("penalty.ipynb", nb("jane-first")),
                              Upload("penalty.ipynb", nb("jane-second"), resubmission=1)], late=True),
    Student(102, "Zoë O'Brien_Smith", [Upload("penalty.ipynb", nb("zoe")), Upload("report.pdf", b"%PDF-1.4")],
            text="my answers are in the notebook"),
    Student(103, "Al Pdf", [Upload("answers.pdf", b"%PDF-1.4")]),
    Student(104, "Bo Zip", [Upload("work.zip", b"PK\x05\x06" + b"\0" * 18)]),
    Student(105, "Cy Link", [], url="https://example.edu/nb"),
    Student(106, "Di Order", [Upload("scratch.ipynb", nb("di-old"), attachment_id=20),
                              Upload("penalty.ipynb", nb("di-new"), attachment_id=10)]),
]


def _content(entry):
    return Path(entry.notebook).read_text(encoding="utf-8")


def test_a_canvas_zip(tmp_path):
    archive = canvas_zip(tmp_path / "c.zip", CLASS, extra=[("__MACOSX/._doejane_LATE_101_9001_penalty.ipynb", b"x"),
                                                             (".DS_Store", b"x"), ("readme.txt", b"x")])
    found, e, scratch = _entries(archive, tmp_path)
    assert (found.format, found.detected) == ("canvas", True)
    assert sorted(e) == ["101", "102", "103", "104", "105", "106"]
    # the resubmission: the highest attachment id is graded, the other noted
    assert e["101"].late and "jane-second" in _content(e["101"])
    assert e["101"].notes == ["graded the last uploaded notebook penalty-1.ipynb (attachment 9002); "
                              "not graded: penalty.ipynb (attachment 9001)"]
    assert "penalty.ipynb (older notebook, not graded)" in e["101"].extra_files
    assert not any(x.late for k, x in e.items() if k != "101")
    # non-notebooks are listed, never graded, never fatal
    assert "zoe" in _content(e["102"]) and e["102"].problem is None
    assert e["102"].extra_files == ["report.pdf", "obrien_smithzoë_102_text.html (online text entry, not graded)"]
    assert e["103"].notebook is None and e["103"].problem == "no .ipynb notebook handed in (found: answers.pdf)"
    assert e["104"].problem == "no .ipynb notebook handed in (found: work.zip (a zip file: not unpacked, not graded))"
    assert e["105"].problem.startswith("no .ipynb notebook handed in (found: linkcy_105_link.html (website URL")
    # attachment ids, not upload order in the zip, say which is newest
    assert "di-old" in _content(e["106"]) and e["106"].notes[0].startswith("graded the last uploaded notebook scratch")
    assert e["102"].name == "obrien_smithzoë" and e["101"].name == "doejane"
    assert dict(found.skipped) == {"readme.txt": 'not named as in a Canvas "Download Submissions" zip (ignored)'}
    # only the chosen notebooks were unpacked: nothing of the PDFs, zips, html or junk
    unpacked = sorted(str(p.relative_to(scratch)) for p in scratch.rglob("*") if p.is_file())
    assert unpacked == ["unzipped/101/penalty-1.ipynb", "unzipped/102/penalty.ipynb", "unzipped/106/scratch.ipynb"]


def test_canvas_anonymous_and_names_without_the_utf8_flag(tmp_path):
    archive = canvas_zip(tmp_path / "a.zip", CLASS[:2], anonymous=True, utf8_flag=False)
    found, e, _ = _entries(archive, tmp_path)
    assert sorted(e) == sorted(f"anon_{s.anon}" for s in CLASS[:2])
    assert e[f"anon_{CLASS[0].anon}"].late and "jane-second" in _content(e[f"anon_{CLASS[0].anon}"])
    named = canvas_zip(tmp_path / "n.zip", [Student(9, "Zoë Ünal", [Upload("ödev.ipynb", nb("z"))])], utf8_flag=False)
    assert any("├" in i.filename for i in zipfile.ZipFile(named).infolist())  # what zipfile alone reads
    found, e, _ = _entries(named, tmp_path)
    assert e["9"].name == "ünalzoë" and Path(e["9"].notebook).name == "ödev.ipynb"


@pytest.mark.parametrize("layout, legacy, blind", [("folders", False, False), ("folders", True, False),
                                                   ("flat", False, False), ("folders", False, True)])
def test_a_moodle_zip(tmp_path, layout, legacy, blind):
    students = [
        Student(7, "Jane Doe", [Upload("penalty.ipynb", nb("jane")), Upload("scratch.ipynb", nb("jane-scratch")),
                                Upload("data.csv", "1,2", folder="data")], text="hello"),
        Student(8, "Mary_Ann O'Neil", [Upload("work.ipynb", nb("mary"), folder="deep/er")]),
        Student(9, "Al Pdf", [Upload("answers.pdf", b"%PDF")]),
        Student(10, "Two Books", [Upload("a.ipynb", nb("a")), Upload("b.ipynb", nb("b"))]),
    ]
    archive = moodle_zip(tmp_path / "m.zip", students, layout, blind, legacy, extra=[("__MACOSX/x", b"")])
    found, e, _ = _entries(archive, tmp_path)
    assert (found.format, sorted(e), found.skipped) == ("moodle", ["10", "7", "8", "9"], [])
    assert "jane" in _content(e["7"]) and "jane-scratch" not in _content(e["7"])
    assert e["7"].notes == ["graded penalty.ipynb; not graded: scratch.ipynb"]
    assert "onlinetext.html (onlinetext submission, not graded)" in e["7"].extra_files
    assert "mary" in _content(e["8"]) and e["8"].problem is None
    assert e["8"].name == ("" if blind else "Mary Ann ONeil")  # blind: no "Participant" as everyone's name
    assert e["9"].problem == "no .ipynb notebook handed in (found: answers.pdf)"
    assert e["10"].problem == "more than one notebook and none named as the lesson's: a.ipynb, b.ipynb"
    assert not any(x.late for x in e.values())


def test_a_platform_zip_unzipped_into_a_folder_or_zipped_again(tmp_path):
    archive = canvas_zip(tmp_path / "c.zip", CLASS)
    for where, wrap in (("flat", ""), ("wrapped", "Course-Assignment submissions/")):
        folder = tmp_path / where
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                (folder / wrap / info.filename).parent.mkdir(parents=True, exist_ok=True)
                (folder / wrap / info.filename).write_bytes(zf.read(info))
        found, e, _ = _entries(folder, tmp_path)
        assert found.format == "canvas" and sorted(e) == ["101", "102", "103", "104", "105", "106"]
        assert "jane-second" in _content(e["101"]) and e["101"].late
    # the download zipped again with a folder around it, and the download inside another zip
    wrapped = write_zip(tmp_path / "w.zip", [("Course submissions/" + n, d) for n, d in canvas_members(CLASS)])
    found, e, _ = _entries(wrapped, tmp_path)
    assert found.format == "canvas" and "jane-second" in _content(e["101"])
    outer = write_zip(tmp_path / "outer.zip", [("c.zip", archive.read_bytes())])
    found, e, _ = _entries(outer, tmp_path)
    assert (found.format, found.inner) == ("canvas", "c.zip") and "jane-second" in _content(e["101"])
    lone = canvas_zip(tmp_path / "lone.zip", [CLASS[3]])  # one student, who handed in a zip: theirs, not a class
    found, e, _ = _entries(lone, tmp_path)
    assert found.format == "canvas" and e["104"].problem.startswith("no .ipynb notebook handed in (found: work.zip")
    broken = write_zip(tmp_path / "broken.zip", [("download.zip", b"not a zip")])
    with pytest.raises(CourseError, match="broken.zip holds only download.zip, which is not a readable zip file"):
        _entries(broken, tmp_path)
    moodle = moodle_zip(tmp_path / "m.zip", [Student(7, "Jane Doe", [Upload("x.ipynb", nb("j"), folder="a/b")])])
    folder = tmp_path / "mfolder"
    zipfile.ZipFile(moodle).extractall(folder)
    found, e, _ = _entries(folder, tmp_path)
    assert found.format == "moodle" and "j" in _content(e["7"]) and Path(e["7"].notebook).is_relative_to(folder)


def test_format_given_or_refused(tmp_path):
    archive = canvas_zip(tmp_path / "c.zip", CLASS[:1])
    found, e, _ = _entries(archive, tmp_path, "plain")  # as plain, today's reading: the file names are ids
    assert found.format == "plain" and sorted(e) == ["doejane_LATE_101_9001_penalty", "doejane_LATE_101_9002_penalty-1"]
    with pytest.raises(CourseError, match="no file of c.zip is named as in a Moodle"):
        _entries(archive, tmp_path, "moodle")
    with pytest.raises(CourseError, match="--format: expected one of auto, plain, canvas, moodle, got 'blackboard'"):
        _entries(archive, tmp_path, "blackboard")
    mixed = write_zip(tmp_path / "mixed.zip", canvas_members(CLASS[:1]) + moodle_members(CLASS[2:3]))
    with pytest.raises(CourseError, match="mixes layouts") as info:
        _entries(mixed, tmp_path)
    assert "\n" not in str(info.value)
    found, e, _ = _entries(mixed, tmp_path, "moodle")
    assert sorted(e) == ["103"] and len(found.skipped) == 2
    junk = write_zip(tmp_path / "junk.zip", [("notes.pdf", b"x"), ("a b.ipynb", b"{}")])
    with pytest.raises(CourseError, match="no layout l2reg knows"):
        _entries(junk, tmp_path)


def test_plain_zips_read_as_before(tmp_path):
    members = [("alice.ipynb", nb("a")), ("bob/penalty.ipynb", nb("b")), ("notes.pdf", b"x")]
    found, e, _ = _entries(write_zip(tmp_path / "p.zip", members), tmp_path)
    assert (found.format, sorted(e), found.skipped) == ("plain", ["alice", "bob"], [("notes.pdf", "not a notebook (ignored)")])
    assert found.detected


def test_hostile_platform_members(tmp_path, monkeypatch):
    import l2reg.grading.submissions as subs

    monkeypatch.setattr(subs, "MAX_MEMBER_BYTES", 10_000)
    members = canvas_members([Student(1, "Ok Fine", [Upload("penalty.ipynb", nb("ok"))]),
                              Student(2, "Big One", [Upload("penalty.ipynb", " " * 20_000)])])
    members += [("../evil_3_4_x.ipynb", b"{}"), ("/abs_5_6_x.ipynb", b"{}"),
                ("doe jane_123456789012345678901_1_x.ipynb", b"{}"),  # an id longer than any platform's
                ("doejane_7_8_line\nbreak.ipynb", nb("nl"))]
    found, e, scratch = _entries(write_zip(tmp_path / "h.zip", members), tmp_path)
    assert sorted(e) == ["1", "2", "7"]
    assert e["2"].problem == "the notebook penalty.ipynb is larger than 0 MB" and e["2"].notebook is None
    assert "nl" in _content(e["7"])
    skipped = dict(found.skipped)
    assert skipped["h.zip:../evil_3_4_x.ipynb"] == "unsafe path (ignored)"
    assert skipped["h.zip:/abs_5_6_x.ipynb"] == "unsafe path (ignored)"
    assert "ignored" in skipped["doe jane_123456789012345678901_1_x.ipynb"]
    assert not (scratch / "unzipped" / "2").exists() or not any((scratch / "unzipped" / "2").iterdir())
    assert not any(p.name.startswith("evil") for p in tmp_path.rglob("*"))


def test_choose_rules():
    from l2reg.grading.platforms import PlatformFile as F

    one = [(F("1", "", "x.ipynb", "file"), "x")]
    assert choose(one).notebook == "x"
    nested = [(F("1", "", "a/penalty.ipynb", "file"), "deep"), (F("1", "", "other.ipynb", "file"), "top")]
    assert choose(nested, "penalty.ipynb").notebook == "deep"  # the lesson's name first
    assert choose(nested, "lesson.ipynb").notebook == "top"  # then the only one at the top
    pdf = [(F("1", "", "a.PDF", "file"), "p")]
    assert choose(pdf).notebook is None and choose(pdf).extra_files == ["a.PDF"]
    upper = [(F("1", "", "A.IPYNB", "upload", 5), "u")]
    assert choose(upper).notebook == "u"


# --- rosters ------------------------------------------------------------------------------

def test_rosters(tmp_path):
    students = [Student(101, "Jane Doe"), Student(102, "Zoë Ünal", email="zoe@example.edu")]
    for flavour in ("plain", "canvas", "moodle"):
        roster = read_roster(roster_csv(tmp_path / f"{flavour}.csv", students, flavour))
        assert sorted(roster) == ["101", "102"], flavour
        assert roster["102"].name == "Zoë Ünal", flavour
        assert roster["102"].email == "zoe@example.edu", flavour
    canvas = read_roster(tmp_path / "canvas.csv")
    assert canvas["101"].sortable_name == "Doe, Jane" and canvas["101"].section == "Section 1"
    bom = tmp_path / "bom.csv"
    bom.write_bytes("\ufeffStudent ID , Name,EMAIL\r\nanon_qRA51,Anon,\r\n\r\n".replace("Student ID ", "student_id").encode())
    assert read_roster(bom)["anon_qRA51"].label == "Anon"


@pytest.mark.parametrize("content, message", [
    (None, "cannot be read"),
    (b"", "is empty"),
    (b"who,what\n1,2\n", "unknown header"),
    (b"student_id,name\n1,A\n1,B\n", "line 3: student id 1 appears twice"),
    (b"student_id,name\nbad id,A\n", "line 2: 'bad id' is not a student id"),
    ("student_id,name\n1,Zo\u00eb\n".encode("latin-1"), "not UTF-8"),
    (b'student_id,name\n1,"unclosed\n', None),  # csv reads it; the one row is kept
])
def test_a_malformed_roster_is_one_line(tmp_path, content, message):
    path = tmp_path / "r.csv"
    if content is not None:
        path.write_bytes(content)
    if message is None:
        assert list(read_roster(path)) == ["1"]
        return
    with pytest.raises(CourseError, match=message) as info:
        read_roster(path)
    assert "\n" not in str(info.value) and str(info.value).startswith("--roster: ")


def test_the_kit_refuses_what_moodle_cannot_hold():
    with pytest.raises(ValueError, match="one file per name"):
        moodle_members([Student(1, "A", [Upload("x.ipynb"), Upload("x.ipynb", resubmission=1)])])


# --- what the run writes of it (grades.csv, summary) ----------------------------------------

def test_grades_csv_and_summary_carry_late_names_and_the_roster(tmp_path):
    import csv

    from l2reg.grading.outcome import Result
    from l2reg.grading.report import summary_text, write_csv
    from l2reg.grading.roster import RosterEntry
    from l2reg.grading.scoring import Lesson

    lesson = Lesson("01_penalty", None, None, {"t": []}, {"t": 2.0}, "penalty")
    cells = {"t": {"score": 2.0, "points": 2.0, "passed": True, "why": ""}}
    late = Result("101", score=2.0, cells=cells, late=True, name="Jane Doe", email="jd@example.edu",
                  handed_in=["graded the last uploaded notebook penalty-1.ipynb (attachment 9002); not graded: ..."])
    odd = Result("999", score=0.0, cells=cells, name="=HYPERLINK(1)\nx").fail("no .ipynb notebook handed in")
    write_csv(tmp_path / "grades.csv", lesson, [odd, late])
    rows = list(csv.DictReader(open(tmp_path / "grades.csv", encoding="utf-8")))
    assert [(r["student_id"], r["late"], r["name"], r["email"]) for r in rows] == [
        ("101", "true", "Jane Doe", "jd@example.edu"), ("999", "false", "'=HYPERLINK(1)\\nx", "")]
    assert list(rows[0])[:7] == ["student_id", "score", "max_score", "status", "late", "name", "email"]
    roster = {"101": RosterEntry("101", "Jane Doe"), "102": RosterEntry("102", "Bo Li", email="bo@example.edu")}
    text = summary_text(lesson, [late, odd], [], 1.0, 1, source='read as: canvas (a Canvas "Download '
                        'Submissions" zip, told from its names)', roster=roster)
    lines = text.splitlines()
    assert lines[1] == 'read as: canvas (a Canvas "Download Submissions" zip, told from its names)'
    assert "Late (as the platform marked them):\n  101 (Jane Doe)\n" in text
    assert "Several files handed in:\n  101 (Jane Doe): graded the last uploaded notebook penalty-1.ipynb" in text
    assert "Not on the roster (graded all the same):\n  999 (=HYPERLINK(1)\\nx)\n" in text
    assert "On the roster, no submission:\n  102 (Bo Li <bo@example.edu>)\n" in text
    assert "  999 (=HYPERLINK(1)\\nx): no .ipynb notebook handed in" in text


# --- names a hostile or odd student can make (H9) ----------------------------------------------

def test_a_canvas_name_ending_in_another_students_id_takes_nothing_of_theirs(tmp_path):
    # Canvas keeps a trailing "_<digits>" of a sortable name ("Doe, Jane_102" -> doejane_102;
    # content_zipper.rb joins only "_<digits>_" runs), so student 101 so named writes
    # "doejane_102_101_<att>_...": read first-field-first, that is student 102's file.
    members = [("doejane_102_101_9005_penalty.ipynb", nb("hostile-101")),
               ("doejane_102_101_text.html", b"t"),
               ("realname_102_9001_penalty.ipynb", nb("victim-102")),
               ("bo_103_9002_hw_3_4_final.ipynb", nb("bo-103"))]  # digits fields in a display name stay its own
    found, e, _ = _entries(write_zip(tmp_path / "h.zip", members), tmp_path, notebook="final.ipynb")
    assert sorted(e) == ["101", "102", "103"]
    assert "victim-102" in _content(e["102"]) and e["102"].name == "realname" and not e["102"].notes
    assert "hostile-101" in _content(e["101"]) and e["101"].name == "doejane_102"
    assert e["101"].extra_files == ["doejane_102_101_text.html (online text entry, not graded)"]
    assert "bo-103" in _content(e["103"]) and Path(e["103"].notebook).name == "hw_3_4_final.ipynb"


@pytest.mark.parametrize("name", [
    "doejane_0101_9002_penalty.ipynb",  # a leading zero: no platform writes it (Canvas would read user 101)
    "doejane_123456789012345678901_9001_penalty.ipynb",  # 21 digits: no user id (9001 is the attachment's)
])
def test_canvas_ids_are_as_canvas_writes_them(tmp_path, name):
    members = [("doejane_101_9001_penalty.ipynb", nb("real")), (name, nb("odd"))]
    found, e, _ = _entries(write_zip(tmp_path / "c.zip", members), tmp_path, "canvas")  # (auto: also a plain id)
    assert sorted(e) == ["101"] and "real" in _content(e["101"])
    assert name in dict(found.skipped)


def test_moodle_ids_are_as_moodle_writes_them(tmp_path):
    members = [("Jane Doe_7_assignsubmission_file/penalty.ipynb", nb("real")),
               ("Jane Doe_007_assignsubmission_file/penalty.ipynb", nb("zero")),  # importziplib: no such participant
               ("Jane_Doe_8_assignsubmission_file/penalty.ipynb", nb("under"))]  # a Moodle name holds no "_"
    found, e, _ = _entries(write_zip(tmp_path / "m.zip", members), tmp_path, "moodle")  # (auto: also plain ids)
    assert sorted(e) == ["7"] and "real" in _content(e["7"]) and len(found.skipped) == 2
    assert moodle_file(("Jane Doe_007_assignsubmission_file", "x.ipynb")) is None
    assert moodle_file(("Jane_Doe_8_assignsubmission_file", "x.ipynb")) is None
    roster = tmp_path / "r.csv"
    roster.write_bytes(b"Identifier,Full name\nParticipant 007,A\n")
    assert list(read_roster(roster)) == ["7"]


def test_a_forged_canvas_name_is_read_in_linear_time():
    from l2reg.grading.platforms import canvas_files

    assert len(canvas_files("_1" * 30_000 + "_x.ipynb")) == 8  # a few readings, not 30 000
    assert canvas_files("_" * 60_000) == [] and canvas_files("a" * 60_000 + "_1_2_x")[0].student_id == "1"


def test_a_zip_in_a_zip_larger_than_the_free_disk_is_refused_before_unpacking(tmp_path, monkeypatch):
    import shutil
    from collections import namedtuple

    inner = canvas_zip(tmp_path / "c.zip", CLASS)
    outer = write_zip(tmp_path / "outer.zip", [("c.zip", inner.read_bytes())])
    free = inner.stat().st_size - 1  # (a zip bomb's inner member declares up to 64 GB)
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage(free * 2, free, free))
    with pytest.raises(CourseError, match=r"outer.zip holds only c.zip, which unpacks to .* more than the .* free") as info:
        _entries(outer, tmp_path)
    assert "\n" not in str(info.value)
    assert not any(p.name == "c.zip" for p in (tmp_path / "scratch-outer").rglob("*"))


def test_a_zip_in_a_zip_is_named_by_its_own_name(tmp_path):
    inner = canvas_zip(tmp_path / "c.zip", CLASS[:1], extra=[("readme.txt", b"x"), ("/abs.txt", b"x")])
    found, _, _ = _entries(write_zip(tmp_path / "outer.zip", [("sub/c.zip", inner.read_bytes())]), tmp_path)
    assert sorted(dict(found.skipped)) == ["c.zip:/abs.txt", "readme.txt"] and found.inner == "sub/c.zip"
    twice = write_zip(tmp_path / "twice.zip", [("again.zip", write_zip(tmp_path / "o.zip", [("c.zip", b"")]).read_bytes())])
    with pytest.raises(CourseError, match=r"SUBMISSIONS: again.zip is in no layout"):
        _entries(twice, tmp_path)


def test_a_canvas_roster_settles_a_name_ending_in_another_students_id(tmp_path):
    # 101 is "Student, Test_102" (doctored or not), 102 handed in nothing: only the roster can tell
    members = [("studenttest_102_101_9005_penalty.ipynb", nb("test-101"))]
    archive = write_zip(tmp_path / "c.zip", members)
    found, e, _ = _entries(archive, tmp_path)
    assert sorted(e) == ["102"]  # as Canvas itself reads it back (the first two all-digit fields)
    students = [Student(101, "Test_102 Student", sortable_name="Student, Test_102"), Student(102, "Real Name")]
    roster = read_roster(roster_csv(tmp_path / "r.csv", students, "canvas"))
    scratch = tmp_path / "s2"
    scratch.mkdir()
    found = find_submissions(archive, scratch, "penalty.ipynb", "auto", roster=roster)
    assert [(x.student_id, x.name) for x in found.entries] == [("101", "studenttest_102")]
    plain = read_roster(roster_csv(tmp_path / "p.csv", students[:1], "plain"))  # no sortable name: the ids decide
    found = find_submissions(archive, scratch, "penalty.ipynb", "canvas", roster=plain)
    assert [x.student_id for x in found.entries] == ["101"]


def test_links_and_odd_files_in_an_unpacked_download_are_listed_never_read(tmp_path):
    import os

    folder = tmp_path / "dl"
    folder.mkdir()
    (folder / "doejane_101_9001_penalty.ipynb").write_text(nb("jane"))
    os.symlink("/etc/passwd", folder / "evil_102_9002_penalty.ipynb")
    os.symlink("/etc", folder / "Bo_8_assignsubmission_file")
    os.mkfifo(folder / "fifo_103_9003_penalty.ipynb")
    found, e, _ = _entries(folder, tmp_path, "canvas")
    assert sorted(e) == ["101"]
    assert dict(found.skipped) == {"evil_102_9002_penalty.ipynb": "a symbolic link (ignored)",
                                   "Bo_8_assignsubmission_file": "a symbolic link (ignored)",
                                   "fifo_103_9003_penalty.ipynb": "not a file or folder (ignored)"}


def test_an_unreadable_folder_inside_an_unpacked_download_is_no_crash(tmp_path, monkeypatch):
    import l2reg.grading.downloads as downloads

    folder = tmp_path / "dl"
    (folder / "my wrap").mkdir(parents=True)
    (folder / "my wrap" / "doejane_1_2_penalty.ipynb").write_text(nb("x"))
    real = downloads._entries_of

    def unreadable(p):  # (as chmod 0 is for anyone but root, who runs these tests)
        if p.name == "my wrap":
            raise PermissionError(13, "Permission denied")
        return real(p)

    monkeypatch.setattr(downloads, "_entries_of", unreadable)
    with pytest.raises(CourseError, match="no layout l2reg knows") as info:
        _entries(folder, tmp_path)
    assert "\n" not in str(info.value)
    monkeypatch.setattr(downloads, "_entries_of", real)
    assert _entries(folder, tmp_path)[0].format == "canvas"
