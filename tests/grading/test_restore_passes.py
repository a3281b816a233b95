"""Each restore pass on the eight-cell lesson of ``fixtures/restore/mini.py``: every tamper case in milliseconds.

The tamper cases of the sandboxed grading suite (``submission_kit.py``: edited,
deleted, duplicated, reordered and retyped test cells, changed points, a changed
kernelspec, stripped metadata, a missing answer, a helper cell) and more are each
checked here on the pass that handles it, with the exact flags and the exact
rebuilt notebook: type, source and ``metadata.l2reg`` of every cell, in order.

The grading suite's cases (``submission_kit.cases``) and the test here that covers
each one's rebuild (the sandboxed run still checks the score it leads to):

- tamper_edited_test: test_changed_official_cells_are_flagged_and_restored[edited test]
- tamper_deleted_test: test_deleted_official_cells[test_quiz-...]
- tamper_duplicated_test: test_duplicated_test_cell_is_flagged_once
- tamper_reordered: test_reordered_official_cells
- tamper_retyped: test_retyped_official_cells[test_quiz-markdown-...]
- tamper_points: test_changed_official_cells_are_flagged_and_restored[points]
- tamper_kernelspec: test_kernelspec[kernelspec0-kernelspec changed]
- tamper_stripped: test_all_metadata_stripped
- broken_missing_cell: test_deleted_official_cells[answer-...]
- honest_helper_cell: test_helper_cell_is_kept_after_the_official_cell_it_followed
- honest_untouched: test_untouched_release_runs_the_stubs_as_answers
- runaway_*, hostile_html: test_added_cells_everywhere_and_what_is_dropped (cells inserted after official ones)
- broken_not_json, ...: test_restore_limits.py::test_unreadable_files_are_refused_with_the_reason
"""

from __future__ import annotations

import copy
import logging
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_raw_cell

from l2reg.grading import restore_passes as passes
from l2reg.grading.restore import MAX_CELL_CHARS, Built, NotGradable, build
from l2reg.grading.restore_state import Official, Restoration

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures" / "restore"))
import mini  # noqa: E402

RELEASE, SOURCE = mini.official()


def submitted(**answers):
    return mini.submission(RELEASE, **answers)


def shape(nb):
    """What the rebuilt notebook runs and shows: ``(type, source, metadata.l2reg)`` per cell."""
    return [(c.cell_type, c.source, c.metadata.get("l2reg")) for c in nb.cells]


def official_cells(x="x = 1", q="q = 'b'", after=None, origin=("answer", "answer")):
    """The exact rebuild of the mini lesson: answers ``x`` and ``q`` (None: missing) and
    ``after[i]``, the added sources kept after official cell ``i`` (-1: before all)."""
    after = after or {}
    cells = [
        ("markdown", "# Mini lesson", None),
        ("code", "import math", {"origin": "official"}),
        ("markdown", "Set `x` to one.", None),
        ("code", mini.ANSWER_STUB if x is None else x, {"origin": "official" if x is None else origin[0]}),
        ("code", mini.HIDDEN, {"origin": "official", "student_source": "assert x is not None"}),
        ("markdown", "Quiz: pick b.", None),
        ("code", mini.ANSWER_STUB if q is None else q, {"origin": "official" if q is None else origin[1]}),
        ("code", "assert q in 'abcd'", {"origin": "official", "student_source": "assert q in 'abcd'"}),
    ]
    out = [("code", s, {"origin": "added"}) for s in after.get(-1, [])]
    for i, cell in enumerate(cells):
        out.append(cell)
        out += [("code", s, {"origin": "added"}) for s in after.get(i, [])]
    return out


def rebuild(student):
    before = copy.deepcopy(student)
    built = build(RELEASE, SOURCE, student)
    assert student == before  # the submission is never modified
    nbformat.validate(built.notebook)  # valid, though no cell was validated on its own
    ids = [c.id for c in built.notebook.cells]
    assert len(set(ids)) == len(ids)
    return built


def pass_state(student, *steps):
    """Run the named passes over ``student``; return the Restoration."""
    official, state = Official(RELEASE, SOURCE), Restoration()
    for step in steps:
        if step == "overwrites":
            passes.CollectOverwrites(official, state).preprocess(student, {})
        elif step == "order":
            passes.check_order(official, state)
        elif step == "added":
            passes.carry_added_cells(official, state, student)
        elif step == "kernelspec":
            passes.check_kernelspec(official, state, student)
    return official, state


# --- the whole rebuild ----------------------------------------------------------------

def test_honest_submission_rebuilds_exactly():
    built = rebuild(submitted())
    assert (built.flags, built.missing, built.added) == ([], [], 0)
    assert shape(built.notebook) == official_cells()
    # Every other piece of metadata is the release's, copied (the release is not shared).
    for got, r in zip(built.notebook.cells, RELEASE.cells):
        assert {k: v for k, v in got.metadata.items() if k != "l2reg"} == r.metadata
        assert got.metadata is not r.metadata
    assert built.notebook.metadata == RELEASE.metadata and built.notebook.metadata is not RELEASE.metadata
    assert "l2reg" not in RELEASE.cells[1].metadata


def test_untouched_release_runs_the_stubs_as_answers():
    built = rebuild(mini.submission(RELEASE, x=mini.ANSWER_STUB, q=mini.ANSWER_STUB))
    assert built.flags == [] and shape(built.notebook) == official_cells(mini.ANSWER_STUB, mini.ANSWER_STUB)


def test_overwrite_pass_is_nbgraders_and_reports_without_logging(caplog):
    student = submitted()
    student.cells[mini.at(student, "test_quiz")].source = "pass"
    official, state = Official(RELEASE, SOURCE), Restoration()
    pre = passes.CollectOverwrites(official, state)
    from nbgrader.preprocessors import OverwriteCells

    assert isinstance(pre, OverwriteCells)
    with caplog.at_level(logging.DEBUG):
        pre.preprocess(student, {})
    assert state.changes == {"test_quiz": ["test cell test_quiz edited"]}
    assert state.answers == {"answer": "x = 1", "quiz": "q = 'b'"}
    assert state.seen == ["intro", "answer", "test_answer", "quiz", "test_quiz"]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


# --- CollectOverwrites: official cells the student changed ---------------------------

@pytest.mark.parametrize("tamper, flags", [
    (lambda nb: setattr(nb.cells[mini.at(nb, "test_quiz")], "source", "pass"), ["test cell test_quiz edited"]),
    (lambda nb: setattr(nb.cells[mini.at(nb, "intro")], "source", "Set x to two."), ["cell intro edited"]),
    (lambda nb: nb.cells[mini.at(nb, "test_quiz")].metadata.nbgrader.update(points=100),
     ["points of test_quiz changed"]),
    (lambda nb: nb.cells[mini.at(nb, "test_quiz")].metadata.nbgrader.update(points="lots"),
     ["points of test_quiz changed"]),
    (lambda nb: (nb.cells[mini.at(nb, "test_quiz")].metadata.nbgrader.update(points=9),
                 setattr(nb.cells[mini.at(nb, "test_quiz")], "source", "pass")), ["test cell test_quiz edited"]),
    (lambda nb: nb.cells[mini.at(nb, "test_answer")].metadata.nbgrader.update(grade=False),
     ["nbgrader metadata of test_answer changed"]),
    (lambda nb: nb.cells[mini.at(nb, "quiz")].metadata.nbgrader.update(solution=False),
     ["nbgrader metadata of quiz changed"]),
    (lambda nb: nb.cells[mini.at(nb, "quiz")].metadata.nbgrader.update(locked=True),
     ["nbgrader metadata of quiz changed"]),
    (lambda nb: nb.cells[mini.at(nb, "quiz")].metadata.nbgrader.update(grade=True, points=5),
     ["nbgrader metadata of quiz changed"]),
    # Neither nbgrader nor the grader trusts these: no flag, nothing to restore.
    (lambda nb: nb.cells[mini.at(nb, "test_quiz")].metadata.nbgrader.update(checksum="0" * 32), []),
    (lambda nb: nb.cells[mini.at(nb, "test_quiz")].metadata.nbgrader.update(locked=False), []),  # grade cells are locked
    (lambda nb: nb.cells[mini.at(nb, "test_quiz")].metadata.update(editable=True, tags=["x"]), []),
], ids=["edited test", "edited locked markdown", "points", "points not a number", "points and source",
        "test not graded", "answer not a solution", "answer locked", "answer graded", "checksum forged",
        "test unlocked", "other metadata"])
def test_changed_official_cells_are_flagged_and_restored(tamper, flags):
    student = submitted()
    tamper(student)
    built = rebuild(student)
    assert (built.flags, built.missing) == (flags, [])
    assert shape(built.notebook) == official_cells()


@pytest.mark.parametrize("gid, new_type, flag", [
    ("test_quiz", "markdown", "test cell test_quiz retyped (code -> markdown)"),
    ("test_quiz", "raw", "test cell test_quiz retyped (code -> raw)"),
    ("intro", "code", "cell intro retyped (markdown -> code)"),
    ("test_quiz", "x" * 50, "test cell test_quiz retyped (code -> " + "x" * 20 + ")"),
    ("test_quiz", "code\nzz: graded\r\x1b[2K", "test cell test_quiz retyped (code -> code\\nzz: graded\\r\\x1b[2K)"),
    ("test_quiz", ["code"], "test cell test_quiz retyped (code -> ['code'])"),
])
def test_retyped_official_cells(gid, new_type, flag):
    student = submitted()
    student.cells[mini.at(student, gid)]["cell_type"] = new_type
    built = rebuild(student)
    assert built.flags == [flag] and shape(built.notebook) == official_cells()


def test_answer_turned_markdown_is_flagged_and_still_run_as_the_answer():
    student = submitted(q="q = 'b'")
    i = mini.at(student, "quiz")
    student.cells[i] = new_markdown_cell(student.cells[i].source, metadata=student.cells[i].metadata)
    built = rebuild(student)
    assert built.flags == ["answer cell quiz retyped (code -> markdown)"]
    assert shape(built.notebook) == official_cells()


@pytest.mark.parametrize("gid, flags, missing, x", [
    ("test_quiz", ["test cell test_quiz deleted"], [], "x = 1"),
    ("intro", ["cell intro deleted"], [], "x = 1"),
    ("answer", ["answer cell answer missing"], ["answer"], None),
])
def test_deleted_official_cells(gid, flags, missing, x):
    student = submitted()
    del student.cells[mini.at(student, gid)]
    built = rebuild(student)
    assert (built.flags, built.missing, built.added) == (flags, missing, 0)
    assert shape(built.notebook) == official_cells(x=x)


def test_everything_deleted_flags_each_cell_once_in_order():
    student = submitted()
    student.cells = []
    built = rebuild(student)
    assert built.flags == ["answer cell answer missing", "answer cell quiz missing", "cell intro deleted",
                           "test cell test_answer deleted", "test cell test_quiz deleted", "nbgrader metadata stripped"]
    assert built.missing == ["answer", "quiz"]
    assert shape(built.notebook) == official_cells(None, None)


@pytest.mark.parametrize("copies", [2, 3])
def test_duplicated_test_cell_is_flagged_once(copies):
    student = submitted()
    i = mini.at(student, "test_quiz")
    for _ in range(copies - 1):
        student.cells.insert(i + 1, copy.deepcopy(student.cells[i]))
    built = rebuild(student)
    assert built.flags == ["test cell test_quiz duplicated"] and shape(built.notebook) == official_cells()


def test_duplicated_answer_takes_the_first_copy_and_flags_it_before_other_changes():
    student = submitted()
    i = mini.at(student, "quiz")
    twin = copy.deepcopy(student.cells[i])
    twin.source = "q = 'z'"
    twin["cell_type"] = "raw"
    student.cells.insert(i, twin)  # the retyped wrong copy comes first
    built = rebuild(student)
    assert built.flags == ["answer cell quiz duplicated", "answer cell quiz retyped (code -> raw)"]
    assert shape(built.notebook) == official_cells(q="q = 'z'")


def test_unknown_grade_ids_are_ignored_and_named_at_most_three():
    student = submitted()
    for k in range(5):
        student.cells.insert(2, new_code_cell(f"bonus{k} = 1", metadata={"nbgrader": {
            "grade_id": f"bonus_{k}_" + "z" * 60, "grade": True, "points": 99, "solution": False, "locked": True}}))
    built = rebuild(student)
    names = ", ".join(repr(f"bonus_{k}_" + "z" * 32) for k in range(3))
    assert built.flags == [f"unknown nbgrader cells {names} ignored"]
    assert shape(built.notebook) == official_cells()  # not run, and not counted as added


def test_answer_is_cut_at_the_cell_limit():
    long = "q = 'b'\n" + "#" * (MAX_CELL_CHARS + 5)
    built = rebuild(submitted(q=long))
    assert built.flags == [] and shape(built.notebook) == official_cells(q=long[:MAX_CELL_CHARS])


def test_source_given_as_a_list_of_lines():
    student = submitted()
    student.cells[mini.at(student, "quiz")]["source"] = ["q = ", "'b'", 7]
    assert shape(rebuild(student).notebook) == official_cells(q="q = 'b'")


# --- check_order ----------------------------------------------------------------------

def test_reordered_official_cells():
    student = submitted()
    i, j = mini.at(student, "quiz"), mini.at(student, "test_quiz")
    student.cells[i], student.cells[j] = student.cells[j], student.cells[i]
    _, state = pass_state(student, "overwrites", "order")
    assert state.reordered and state.seen[-2:] == ["test_quiz", "quiz"]
    built = rebuild(student)
    assert built.flags == ["cells reordered"] and shape(built.notebook) == official_cells()


def test_plain_cells_moved_are_not_a_reorder():
    student = submitted()
    student.cells.append(student.cells.pop(1))  # "import math" to the end
    built = rebuild(student)
    assert (built.flags, built.added) == ([], 0) and shape(built.notebook) == official_cells()


# --- carry_added_cells ----------------------------------------------------------------

def test_helper_cell_is_kept_after_the_official_cell_it_followed():
    student = submitted(q="q = pick()")
    student.cells.insert(mini.at(student, "quiz"), new_code_cell("def pick():\n    return 'b'"))
    _, state = pass_state(student, "overwrites", "added")
    assert state.added_after == {5: ["def pick():\n    return 'b'"]} and state.n_added == 1
    built = rebuild(student)
    assert (built.flags, built.added) == ([], 1)
    assert shape(built.notebook) == official_cells(q="q = pick()", after={5: ["def pick():\n    return 'b'"]})


def test_added_cells_everywhere_and_what_is_dropped():
    student = submitted()
    student.cells.insert(0, new_code_cell("first = 1"))
    student.cells.insert(mini.at(student, "test_answer") + 1, new_code_cell(["after = ", "2"]))
    student.cells += [new_code_cell("last = 3"), new_code_cell("  \n"), new_markdown_cell("notes"),
                      new_raw_cell("raw"), new_code_cell("import math")]  # a second copy of an official cell
    built = rebuild(student)
    assert (built.flags, built.added) == ([], 4)
    assert shape(built.notebook) == official_cells(after={-1: ["first = 1"], 4: ["after = 2"],
                                                          7: ["last = 3", "import math"]})


def test_added_cells_lose_their_metadata_and_outputs():
    student = submitted()
    cell = new_code_cell("print(1)", metadata={"l2reg": {"origin": "official"}, "nbgrader": {"grade": True}},
                         execution_count=4, outputs=[nbformat.v4.new_output("stream", text="1\n")])
    student.cells.insert(2, cell)
    built = rebuild(student)
    added = built.notebook.cells[2]
    assert (added.source, dict(added.metadata), added.outputs, added.execution_count) == (
        "print(1)", {"l2reg": {"origin": "added"}}, [], None)


def test_edited_plain_cell_runs_as_an_added_cell_beside_the_official_one():
    student = submitted()
    student.cells[1].source = "import math as m"
    built = rebuild(student)
    assert (built.flags, built.added) == ([], 1)
    assert shape(built.notebook) == official_cells(after={0: ["import math as m"]})


def test_added_cell_is_cut_at_the_cell_limit():
    student = submitted()
    student.cells.insert(2, new_code_cell("y = 1\n" * MAX_CELL_CHARS))
    built = rebuild(student)
    assert shape(built.notebook) == official_cells(after={1: [("y = 1\n" * MAX_CELL_CHARS)[:MAX_CELL_CHARS]]})


def test_stripped_test_cell_is_recognised_by_its_source():
    student = submitted()
    student.cells[mini.at(student, "test_quiz")].metadata = {}
    built = rebuild(student)
    assert (built.flags, built.added) == (["nbgrader metadata stripped from test_quiz"], 0)
    assert shape(built.notebook) == official_cells()


def test_stripped_and_edited_test_cell_is_deleted_and_the_edit_added():
    student = submitted()
    cell = student.cells[mini.at(student, "test_quiz")]
    cell.metadata, cell.source = {}, "pass"
    built = rebuild(student)
    assert (built.flags, built.added) == (["test cell test_quiz deleted"], 1)
    assert shape(built.notebook) == official_cells(after={6: ["pass"]})


def test_stripped_answer_in_its_place_is_recovered():
    student = submitted(q="q = 'c'")
    student.cells[mini.at(student, "quiz")].metadata = {}
    _, state = pass_state(student, "overwrites")
    assert state.missing == ["quiz"]
    passes.carry_added_cells(Official(RELEASE, SOURCE), state, student)
    assert (state.missing, state.answers["quiz"], state.stripped) == ([], "q = 'c'", ["quiz"])
    built = rebuild(student)
    assert (built.flags, built.missing, built.added) == (["nbgrader metadata stripped from quiz"], [], 0)
    assert shape(built.notebook) == official_cells(q="q = 'c'")


def test_stripped_answer_elsewhere_is_missing_and_added():
    student = submitted(q="q = 'c'")
    cell = student.cells.pop(mini.at(student, "quiz"))
    cell.metadata = {}
    student.cells.insert(1, cell)
    built = rebuild(student)
    assert (built.flags, built.missing, built.added) == (["answer cell quiz missing"], ["quiz"], 1)
    assert shape(built.notebook) == official_cells(q=None, after={0: ["q = 'c'"]})


def test_all_metadata_stripped():
    student = submitted(x="x = 1", q="q = 'b'")
    for c in student.cells:
        c.metadata = {}
    built = rebuild(student)
    assert built.flags == ["nbgrader metadata stripped from intro, answer, test_answer and others"]
    assert (built.missing, built.added) == ([], 0) and shape(built.notebook) == official_cells()
    student.metadata = {}  # the kernelspec too: still one flag
    assert rebuild(student).flags == built.flags


def test_three_stripped_cells_are_named_without_and_others():
    student = submitted()
    for gid in ("intro", "test_answer", "test_quiz"):
        student.cells[mini.at(student, gid)].metadata = {}
    assert rebuild(student).flags == ["nbgrader metadata stripped from intro, test_answer, test_quiz"]


# --- check_kernelspec -----------------------------------------------------------------

@pytest.mark.parametrize("kernelspec, flag", [
    ({"name": "evil", "display_name": "Evil", "language": "python"}, "kernelspec changed"),
    ({"name": "python3", "display_name": "Python 3", "language": "R"}, "kernelspec changed"),
    ("python3", "kernelspec missing"),
    (None, "kernelspec missing"),
    ({"name": "python3", "display_name": "Anything", "language": "python"}, None),
])
def test_kernelspec(kernelspec, flag):
    student = submitted()
    if kernelspec is None:
        del student.metadata["kernelspec"]
    else:
        student.metadata["kernelspec"] = kernelspec
    _, state = pass_state(student, "overwrites", "kernelspec")
    assert state.kernelspec == flag
    built = rebuild(student)
    assert built.flags == ([flag] if flag else [])
    assert built.notebook.metadata.kernelspec == mini.KERNELSPEC  # always the release's


def test_flags_come_in_a_fixed_order():
    student = submitted()
    del student.cells[mini.at(student, "intro")]
    del student.cells[mini.at(student, "answer")]
    student.cells.insert(0, new_code_cell("b = 1", metadata={"nbgrader": {"grade_id": "bonus"}}))
    student.cells[mini.at(student, "test_quiz")].source = "pass"
    i, j = mini.at(student, "quiz"), mini.at(student, "test_answer")
    student.cells[i], student.cells[j] = student.cells[j], student.cells[i]
    student.cells.append(new_code_cell("import math"))
    student.cells[mini.at(student, "test_quiz")].metadata.nbgrader["points"] = 3
    student.metadata["kernelspec"]["name"] = "other"
    built = rebuild(student)
    assert built.flags == ["answer cell answer missing", "cell intro deleted", "unknown nbgrader cells 'bonus' ignored",
                           "test cell test_quiz edited", "cells reordered", "kernelspec changed"]


# --- assemble -------------------------------------------------------------------------

def test_assemble_validates_nothing_cell_by_cell(monkeypatch):
    student = submitted()
    student.cells += [new_code_cell(f"v{k} = {k}") for k in range(50)]
    calls = []
    real = nbformat.validate  # what nbformat.v4.new_*_cell and new_notebook call
    monkeypatch.setattr(nbformat, "validate", lambda *a, **k: calls.append(1) or real(*a, **k))
    nbformat.v4.new_code_cell("probe")
    assert calls == [1]  # the counter sees nbformat's own constructors
    calls.clear()
    built = build(RELEASE, SOURCE, student)
    assert isinstance(built, Built) and built.added == 50 and calls == []


def test_cap_on_added_cells_is_checked_in_the_walk(monkeypatch):
    monkeypatch.setattr(passes, "MAX_ADDED_CELLS", 3)
    student = submitted()
    student.cells += [new_code_cell(f"v{k} = {k}") for k in range(3)]
    assert build(RELEASE, SOURCE, student).added == 3
    student.cells.append(new_code_cell("one = 'too many'"))
    with pytest.raises(NotGradable, match=r"^more than 3 code cells were added to the official ones: merge or delete some$"):
        build(RELEASE, SOURCE, student)


def test_cap_on_added_characters(monkeypatch):
    monkeypatch.setattr(passes, "MAX_ADDED_CHARS", 10)
    student = submitted()
    student.cells.append(new_code_cell("a = 12345"))  # 9 characters
    assert build(RELEASE, SOURCE, student).added == 1
    student.cells.append(new_code_cell("b = 2"))
    with pytest.raises(NotGradable, match=r"^the code cells added to the official ones hold more than 10 characters"):
        build(RELEASE, SOURCE, student)
