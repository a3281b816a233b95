"""The faults an attack on the hardened grader found, each tested on the function at
fault: unencodable text (lone surrogates), zips zipfile cannot read, content of a zip
that belongs to no student, the one-folder layout rule, invisible characters, forgeable
feedback placeholders, records that grow the grader's memory, forged last words of the
sandbox, and replies nested too deeply."""

from __future__ import annotations

import os
import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from submission_kit import ROOT  # noqa: E402,F401

from l2reg.grading.outcome import Result, Status, clean_text, encodable  # noqa: E402
from l2reg.grading.submissions import CourseError, find_submissions  # noqa: E402

NB = '{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}'


def _zip(path, members):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return path


def _found(path, tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir(exist_ok=True)
    found = find_submissions(path, scratch, "penalty.ipynb")  # lesson 01's notebook, as l2reg grade passes it
    return {e.student_id: e for e in found.entries}, dict(found.skipped), scratch


# --- 1 and 9: every submission-derived string is encodable and visible ---------------------

@pytest.mark.parametrize("char, shown", [
    ("\ud800", "\\ud800"), ("\udcff", "\\udcff"),  # Cs: lone surrogates (from json or surrogateescape)
    ("\u200b", "\\u200b"), ("\u200f", "\\u200f"), ("\u061c", "\\u061c"), ("\ufeff", "\\ufeff"),
    ("\u2060", "\\u2060"), ("\U000e0041", "\\U000e0041"),  # Cf: invisible, bidi, BOM, tag characters
    ("\ue000", "\\ue000"),  # Co: private use
    ("\u0378", "\\u0378"),  # Cn: unassigned
    ("\u2028", "\\u2028"), ("\u2029", "\\u2029"),  # Zl, Zp
    ("\x85", "\\x85"), ("\x1b", "\\x1b"), ("\n", "\\n"),  # Cc
])
def test_clean_text_shows_every_invisible_or_unencodable_character(char, shown):
    out = clean_text(f"bob{char}.ipynb")
    assert out == f"bob{shown}.ipynb"
    out.encode("utf-8")  # never raises


def test_clean_text_keeps_ordinary_text_and_still_cuts_at_the_limit():
    assert clean_text("Zoë 李 λ‖w‖² ok") == "Zoë 李 λ‖w‖² ok"
    assert clean_text("\u200b" * 100, limit=12) == "\\u200b\\u200b..."


def test_encodable_escapes_only_surrogates():
    text = "line one\nnotes\udcff.txt \ud800 λ"
    assert encodable(text) == "line one\nnotes\\udcff.txt \\ud800 λ"
    encodable(text).encode("utf-8")


def test_csv_and_summary_with_surrogates_are_written(tmp_path):
    from l2reg.grading.report import summary_text, write_csv
    from l2reg.grading.scoring import Lesson

    lesson = Lesson("01_penalty", None, None, {"t": []}, {"t": 2.0}, "penalty")
    res = Result("bob", cells={"t": {"score": 0.0, "points": 2.0, "passed": False, "why": "x"}})
    res.fail("lone surrogate: \ud800")
    res.extra_files = ["notes\udcff.txt"]
    write_csv(tmp_path / "grades.csv", lesson, [res])
    assert "failed: lone surrogate: \\ud800" in (tmp_path / "grades.csv").read_text(encoding="utf-8")
    text = summary_text(lesson, [res], [("zz\udcfe.txt", "not a notebook (ignored)")], 1.0, 1)
    text.encode("utf-8")
    assert "notes\\udcff.txt" in text and "zz\\udcfe.txt" in text


def test_feedback_page_with_surrogates_in_outputs_and_notes_can_be_written(tmp_path):
    import nbformat

    from l2reg.grading.scoring import Lesson, feedback_page

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("print('x')")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="lone surrogate: \ud800\n")]
    nb.cells = [cell]
    lesson = Lesson("01_penalty", None, None, {"t": []}, {"t": 2.0}, "penalty")
    res = Result("bob", score=2.0, cells={"t": {"score": 2.0, "points": 2.0, "passed": True, "why": None}})
    res.executed = nb
    res.notes = ["ignored extra files: notes\udcff.txt"]
    page = feedback_page(lesson, res)
    assert (res.score, res.status) == (2.0, Status.GRADED)
    (tmp_path / "bob.html").write_text(encodable(page), encoding="utf-8")
    written = (tmp_path / "bob.html").read_text(encoding="utf-8")
    assert "\\ud800" in written and "notes\\udcff.txt" in written


def test_a_folder_with_undecodable_file_names_is_scanned(tmp_path):
    subs = tmp_path / "subs"
    (subs / "bob").mkdir(parents=True)
    (subs / "bob" / "penalty.ipynb").write_text(NB)
    open(os.path.join(os.fsencode(subs / "bob"), b"notes\xff.txt"), "wb").close()
    open(os.path.join(os.fsencode(subs), b"zz\xfe.txt"), "wb").close()
    found = find_submissions(subs, tmp_path)
    (bob,) = found.entries
    assert bob.notebook is not None and bob.extra_files == ["notes\udcff.txt"]
    assert clean_text(bob.extra_files[0]) == "notes\\udcff.txt"
    assert [clean_text(n) for n, _ in found.skipped] == ["zz\\udcfe.txt"]


# --- 2: what zipfile raises on hostile zips ---------------------------------------------

def _bad_utf8_zip(path):
    """A zip whose member bob/\\xff\\xfeAA.txt is flagged UTF-8 but is not (zipfile's
    constructor raises UnicodeDecodeError)."""
    _zip(path, [("alice.ipynb", NB), ("bob/penalty.ipynb", NB), ("bob/QQQQAA.txt", "x")])
    data = path.read_bytes()
    assert data.count(b"bob/QQQQAA.txt") == 2  # local header and central directory
    data = data.replace(b"bob/QQQQAA.txt", b"bob/\xff\xfeQQAA.txt")
    # set the UTF-8 flag (bit 11) on every header of that member
    out = bytearray(data)
    for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        i = out.find(sig)
        while i >= 0:
            flags = int.from_bytes(out[i + off:i + off + 2], "little") | 0x800
            out[i + off:i + off + 2] = flags.to_bytes(2, "little")
            i = out.find(sig, i + 4)
    path.write_bytes(bytes(out))
    return path


def test_a_zip_zipfile_cannot_list_is_one_instructor_error(tmp_path):
    archive = _bad_utf8_zip(tmp_path / "bad.zip")
    with pytest.raises(UnicodeDecodeError):
        zipfile.ZipFile(archive)
    with pytest.raises(CourseError) as info:
        _found(archive, tmp_path)
    msg = str(info.value)
    assert msg.startswith(f"SUBMISSIONS: {archive} is not a readable zip file (UnicodeDecodeError")
    assert "\n" not in msg


@pytest.mark.parametrize("damage", ["bad_method", "corrupt_deflate"])
def test_an_unreadable_member_costs_only_its_student(tmp_path, damage):
    archive = _zip(tmp_path / "class.zip", [("alice.ipynb", NB), ("bob/penalty.ipynb", NB * 50)])
    data = bytearray(archive.read_bytes())
    i = data.find(b"bob/penalty.ipynb") - 30  # its local header
    j = data.find(b"bob/penalty.ipynb", data.find(b"PK\x01\x02")) - 46  # its central directory entry
    assert data[i:i + 4] == b"PK\x03\x04" and data[j:j + 4] == b"PK\x01\x02"
    if damage == "bad_method":  # compression method 99: zipfile raises NotImplementedError
        data[i + 8:i + 10] = (77).to_bytes(2, "little")
        data[j + 10:j + 12] = (77).to_bytes(2, "little")
    else:  # garbage instead of the deflate stream: zlib.error
        start = i + 30 + len(b"bob/penalty.ipynb")
        data[start:start + 20] = b"\xff" * 20
    archive.write_bytes(bytes(data))
    entries, _, _ = _found(archive, tmp_path)
    assert entries["alice"].notebook is not None and entries["alice"].problem is None
    assert entries["bob"].notebook is None and "cannot be unpacked" in entries["bob"].problem


# --- 5: content of no student is listed, never unpacked ---------------------------------

def test_content_of_no_student_is_never_unpacked_and_never_stops_the_run(tmp_path, monkeypatch):
    import l2reg.grading.submissions as subs

    monkeypatch.setattr(subs, "MAX_TOTAL_BYTES", 4 << 20)
    members = [("alice.ipynb", NB), ("bob/penalty.ipynb", NB)]
    members += [(f"zed_extra_{i}.bin", b"\0" * (3 << 20)) for i in range(3)]
    members += [("not an id/penalty.ipynb", NB), ("not an id/big.bin", b"\0" * (3 << 20))]
    entries, skipped, scratch = _found(_zip(tmp_path / "class.zip", members), tmp_path)
    assert sorted(entries) == ["alice", "bob"] and all(e.notebook for e in entries.values())
    assert skipped["zed_extra_0.bin"] == "not a notebook (ignored)"
    assert skipped["not an id/"] == "not a valid student id (ignored)"
    unpacked = sorted(str(p.relative_to(scratch)) for p in scratch.rglob("*") if p.is_file())
    assert unpacked == ["unzipped/alice.ipynb", "unzipped/bob/penalty.ipynb"]


def test_the_skipped_list_of_a_zip_is_bounded(tmp_path):
    import l2reg.grading.submissions as subs

    members = [("alice.ipynb", NB)] + [(f"junk{i}.txt", "x") for i in range(subs.MAX_LISTED + 50)]
    found = find_submissions(_zip(tmp_path / "class.zip", members), tmp_path)
    assert len(found.skipped) == subs.MAX_LISTED + 1
    assert found.skipped[-1] == ("...", "and 50 more entries (ignored)")


# --- 8: the one-folder layout rule ---------------------------------------------------------

@pytest.mark.parametrize("members, expected", [
    # one student's folder, zipped: the folder is the student
    ([("alice/penalty.ipynb", NB), ("alice/scratch.ipynb", NB)],
     {"alice": "more than one notebook in alice/: penalty.ipynb, scratch.ipynb"}),
    ([("alice/penalty.ipynb", NB), ("alice/data/x.csv", "1,2")], {"alice": None}),
    ([("alice/penalty.ipynb", NB)], {"alice": None}),
    ([("alice/work/penalty.ipynb", NB), ("alice/notes.txt", "x")], {"work": None}),
    # a folder of student folders, zipped: unwrapped
    ([("export/amy/penalty.ipynb", NB), ("export/ben/penalty.ipynb", NB), ("export/cy.ipynb", NB)],
     {"amy": None, "ben": None, "cy": None}),
    ([("export/amy/penalty.ipynb", NB), ("export/__MACOSX/amy/._penalty.ipynb", "x")], {"amy": None}),
    # a zipped folder of a class's loose notebooks: unwrapped (none has the lesson's name)
    ([("submissions/alice.ipynb", NB), ("submissions/bob.ipynb", NB)], {"alice": None, "bob": None}),
    ([("submissions/alice.ipynb", NB)], {"alice": None}),
])
def test_a_single_top_folder_is_unwrapped_around_student_folders_or_a_class(tmp_path, members, expected):
    entries, _, _ = _found(_zip(tmp_path / "one.zip", members), tmp_path)
    assert {sid: e.problem for sid, e in entries.items()} == expected
    assert all(e.notebook is not None for e in entries.values() if e.problem is None)


def test_a_phantom_folder_gets_no_row(tmp_path):
    entries, _, _ = _found(_zip(tmp_path / "one.zip", [("alice/penalty.ipynb", NB), ("alice/data/x.csv", "1")]),
                           tmp_path)
    assert list(entries) == ["alice"] and entries["alice"].extra_files == ["data/x.csv"]


# --- 3: feedback placeholders cannot be forged; the page cap holds after expansion --------

def _notebook(markdown, output_text, n_cells=1):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(markdown)]
    for _ in range(n_cells):
        cell = nbformat.v4.new_code_cell("print('x')")
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=output_text)]
        nb.cells.append(cell)
    return nb


def _render(nb):
    from l2reg.grading.feedback import render

    return render(nb, {}, [], "bob", "01_penalty", "graded", 0, 0, [])


@pytest.mark.parametrize("forged", ["l2regmath0x", "l2regmath31x", "l2regmath1n0x", "l2regmath" + "0" * 32 + "n0x"])
def test_student_output_cannot_name_a_math_placeholder(forged):
    page = _render(_notebook(r"The penalty $\lambda \|w\|^2$ and $$\sum_i w_i^2$$.", forged * 50 + "\n"))
    assert page.count("<math") == 2  # the two formulas of the markdown cell, nothing from the output
    assert forged * 50 in page


def test_a_math_heavy_page_is_capped_after_expansion(monkeypatch):
    import l2reg.grading.feedback as fb

    monkeypatch.setattr(fb, "_MAX_PAGE", 200_000)
    monkeypatch.setattr(fb, "_MAX_HTML", 4 * 200_000 + 2_000_000)
    markdown = " ".join([r"$\frac{\lambda}{2}\sum_{i=1}^{n} w_i^2$"] * 3000)  # ~1.5k chars of MathML each
    page = _render(_notebook(markdown, "ok\n"))
    assert len(page) < fb._MAX_HTML
    assert 0 < page.count("<math") < 3000


def test_a_page_over_the_html_cap_is_shown_without_the_notebook(monkeypatch):
    import l2reg.grading.feedback as fb
    from l2reg.grading.scoring import Lesson, feedback_page

    monkeypatch.setattr(fb, "_MAX_HTML", 300_000)
    lesson = Lesson("01_penalty", None, None, {"t": []}, {"t": 2.0}, "penalty")
    res = Result("bob", score=2.0, cells={"t": {"score": 2.0, "points": 2.0, "passed": True, "why": None}})
    res.executed = _notebook("text", "&<>" * 60_000)  # escaping makes it 5x longer
    page = feedback_page(lesson, res)
    assert (res.score, res.status) == (2.0, Status.GRADED)
    assert "the page would be larger than" in page and len(page) < 300_000


# --- 4: records kept only from graded cells, a few times the reference's count ------------

def _sandbox():
    from l2reg.grading.sandbox import Limits, Sandbox

    return Sandbox(Limits(notebook_output_mb=1))


def _record(i, size=10):
    from l2reg.checks import MIME

    return {"output_type": "display_data", "data": {MIME: {"key": f"k{i}", "value": "x" * size}}, "metadata": {}}


def test_records_are_capped_per_cell_and_dropped_from_ungraded_cells():
    from l2reg.checks import MIME

    sb = _sandbox()
    kept = sb._keep([_record(i) for i in range(1000)], records=8)
    assert sum(MIME in o.get("data", {}) for o in kept) == 8
    assert "more than 8 in one cell" in kept[-1]["text"]
    kept = sb._keep([_record(i) for i in range(50)] + [{"output_type": "stream", "name": "stdout", "text": "hi"}],
                    records=0)
    assert kept == [{"output_type": "stream", "name": "stdout", "text": "hi"}]


def test_records_past_the_output_cap_are_bounded_per_notebook():
    from l2reg.checks import MIME
    from l2reg.grading.sandbox import MAX_NOTEBOOK_RECORD_BYTES

    sb = _sandbox()
    sb._keep([{"output_type": "stream", "name": "stdout", "text": "x" * (1 << 20)}])  # fills the output cap
    total = 0
    for cell in range(2 * MAX_NOTEBOOK_RECORD_BYTES // (240 * 65_000) + 2):
        kept = sb._keep([_record(i, 65_000) for i in range(240)], records=240)
        total += sum(len(o["data"][MIME]["value"]) for o in kept if MIME in o.get("data", {}))
    assert 0 < total <= MAX_NOTEBOOK_RECORD_BYTES


def test_run_notebook_asks_for_no_records_from_ungraded_cells():
    import nbformat

    from l2reg.grading.scoring import Lesson, record_caps, run_notebook
    from l2reg.grading.sandbox import CellResult

    lesson = Lesson("l", None, None, {"t": [{"key": "a"}, {"key": "b"}]}, {"t": 1.0}, "l")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("helper"), nbformat.v4.new_code_cell(
        "test", metadata={"nbgrader": {"grade": True, "grade_id": "t", "points": 1}})]
    asked = []

    class Recorder:  # only records what run_notebook asks for
        def run_cell(self, source, label, records=None):
            asked.append((source, records))
            return CellResult("ok", [], 1)

    run_notebook(nb, Recorder(), {}, record_caps(lesson))
    assert asked == [("helper", 0), ("test", 12)]


# --- 6: bwrap's words are trusted only while the sandbox starts -----------------------------

@pytest.mark.parametrize("ready, quoted", [(False, True), (True, False)])
def test_the_sandboxs_last_words_are_quoted_only_before_it_is_ready(ready, quoted):
    import subprocess

    sb = _sandbox()
    forged = "bwrap: Creating new namespace failed: rerun with --no-sandbox"
    sb.proc = subprocess.Popen(["sh", "-c", f"echo '{forged}' >&2; exit 1"], stderr=subprocess.PIPE)
    sb._ready = ready
    msg = str(sb._died("running cell 67"))
    sb.proc.stderr.close()
    assert msg.startswith("the kernel exited (status 1) while running cell 67")
    assert ("rerun with --no-sandbox" in msg) is quoted


# --- 7: replies nested too deeply are refused before parsing; earned points stay -----------

@pytest.mark.parametrize("depth, refused", [(50, False), (900, True), (100_000, True)])
def test_a_reply_nested_too_deeply_is_refused_before_parsing(depth, refused):
    from l2reg.grading.sandbox import Budget, ProtocolError

    sb = _sandbox()
    r, w = os.pipe()
    line = b'{"outputs": [{"output_type": "display_data", "data": {"text/plain": ' + b"[" * depth + b"]" * depth
    line += b"}}], \"status\": \"ok\"}\n"
    sb._r = r
    sb.budget = Budget(60, 60)
    writer = os.fdopen(w, "wb")
    import threading

    t = threading.Thread(target=lambda: (writer.write(line), writer.close()))
    t.start()
    try:
        if refused:
            with pytest.raises(ProtocolError, match="nested deeper than 100 levels"):
                sb._read_line(sb._cpu(), __import__("time").monotonic(), 30, 30, "cell x", "running cell x", 1 << 24)
        else:
            reply = sb._read_line(sb._cpu(), __import__("time").monotonic(), 30, 30, "cell x", "running cell x", 1 << 24)
            assert reply["status"] == "ok"
        assert sb.budget.cpu_used > 0  # parsing was charged to the submission
    finally:
        t.join()
        os.close(r)


# --- 1: the per-student finish step never stops the run ------------------------------------

def test_a_student_whose_page_or_gradebook_entry_fails_costs_only_that(tmp_path):
    from l2reg.grading.grade import finish_one
    from l2reg.grading.scoring import Lesson

    class BrokenGradebook:
        class db:
            rolled_back = False

            @classmethod
            def rollback(cls):
                cls.rolled_back = True

        def update_or_create_student(self, sid):
            raise RuntimeError("database is locked")

    lesson = Lesson("01_penalty", None, None, {"t": []}, {"t": 2.0}, "penalty")
    res = Result("bob", score=2.0, cells={"t": {"score": 2.0, "points": 2.0, "passed": True, "why": None}})
    notes = []
    finish_one(BrokenGradebook(), lesson, res, "<p>\ud800</p>", tmp_path / "no-such-folder", notes)
    assert notes == ["bob: not recorded in the gradebook (RuntimeError: database is locked)",
                     notes[1]] and notes[1].startswith("bob: feedback page not written (FileNotFoundError")
    assert BrokenGradebook.db.rolled_back and res.score == 2.0
    finish_one(BrokenGradebook(), lesson, res, "<p>\ud800</p>", tmp_path, notes)
    assert (tmp_path / "bob.html").read_text(encoding="utf-8") == "<p>\\ud800</p>"
