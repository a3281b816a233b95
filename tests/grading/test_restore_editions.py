"""Restore with two editions of one lesson: the classroom release and the self-study one.

``l2reg grade`` compares submissions with the classroom release and accepts, cell
by cell, the self-study edition's version of each official cell as unmodified too
(``build(..., also_official=[self_study])``). The fixture is the eight-cell lesson of
``fixtures/restore/mini.py`` released twice by nbgrader's own preprocessors; the
self-study edition differs as the real ones do (its test cells end with an extra
check call, it has a plain sentence of its own) plus a locked cell of its own, and the
classroom one has a locked cell the other lacks.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell

from l2reg.grading.restore import build

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures" / "restore"))
import mini  # noqa: E402

CHECK = "\n_check(q)  # answers back"
SS_ONLY = "The check under each answer tells you at once whether it is right."


def _release(src):
    from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions, ComputeChecksums, LockCells

    release, resources = copy.deepcopy(src), {"language": "python"}
    for step in (ClearSolutions(), ClearHiddenTests(), LockCells(), ComputeChecksums()):
        release, resources = step.preprocess(release, resources)
    return release


def _editions():
    """``(classroom, self_study, source)``, both releases made from one source by nbgrader."""
    src = mini.source()
    classroom_src = copy.deepcopy(src)
    classroom_src.cells.insert(5, new_markdown_cell("The check only tells you the form.", metadata=mini._nbgrader(
        "classroom_note", locked=True)))
    ss = copy.deepcopy(src)
    for c in ss.cells:
        gid = c.metadata.get("nbgrader", {}).get("grade_id")
        if gid == "test_quiz":
            c.source += CHECK
        elif gid == "test_answer":
            head, sep, tail = c.source.partition("### BEGIN HIDDEN TESTS")
            c.source = head + "_check(x)\n" + sep + tail
    ss.cells.insert(5, new_markdown_cell(SS_ONLY))
    ss.cells.insert(6, new_markdown_cell("Self-study only, locked.", metadata=mini._nbgrader("ss_note", locked=True)))
    return _release(classroom_src), _release(ss), classroom_src


CLASSROOM, SELF_STUDY, SOURCE = _editions()


def at(nb, gid):
    return mini.at(nb, gid)


def rebuild(student, also=(SELF_STUDY,)):
    return build(CLASSROOM, SOURCE, student, also_official=list(also))


def answered(release):
    return mini.submission(release)


def test_the_fixture_editions_differ_where_the_real_ones_do():
    ss, cl = SELF_STUDY.cells, CLASSROOM.cells
    assert ss[at(SELF_STUDY, "test_quiz")].source == "assert q in 'abcd'" + CHECK
    assert cl[at(CLASSROOM, "test_quiz")].source == "assert q in 'abcd'"
    assert ss[at(SELF_STUDY, "test_quiz")].metadata.nbgrader.checksum != \
        cl[at(CLASSROOM, "test_quiz")].metadata.nbgrader.checksum


def test_untouched_self_study_submission_is_not_flagged_and_runs_the_classroom_cells():
    built = rebuild(answered(SELF_STUDY))
    reference = rebuild(answered(CLASSROOM))
    assert built.flags == [] and built.missing == [] and built.added == 0
    assert reference.flags == []
    shape = [(c.cell_type, c.source, c.metadata.get("l2reg")) for c in built.notebook.cells]
    assert shape == [(c.cell_type, c.source, c.metadata.get("l2reg")) for c in reference.notebook.cells]
    # the test cells run the source's hidden tests, never the self-study check call
    assert not any(CHECK.strip() in c.source for c in built.notebook.cells)
    assert built.notebook.cells[at(CLASSROOM, "test_answer")].source == mini.HIDDEN


def test_untouched_classroom_submission_is_not_flagged():
    assert rebuild(answered(CLASSROOM)).flags == []
    assert rebuild(answered(CLASSROOM), also=()).flags == []


def test_without_the_alternative_the_self_study_cells_are_flagged_as_before():
    assert build(CLASSROOM, SOURCE, answered(SELF_STUDY)).flags == [
        "cell classroom_note deleted", "unknown nbgrader cells 'ss_note' ignored",
        "test cell test_answer edited", "test cell test_quiz edited"]


def test_edited_self_study_test_cell_is_flagged_and_restored():
    nb = answered(SELF_STUDY)
    nb.cells[at(nb, "test_quiz")].source = "assert q in 'abcd'\n_check(q)  # answers back\nprint('hi')"
    built = rebuild(nb)
    assert built.flags == ["test cell test_quiz edited"]
    assert built.notebook.cells[at(CLASSROOM, "test_quiz")].source == "assert q in 'abcd'"


def test_self_study_test_cell_with_the_check_call_removed_is_flagged():
    nb = answered(SELF_STUDY)
    cell = nb.cells[at(nb, "test_answer")]
    assert "_check(x)" in cell.source
    cell.source = cell.source.replace("_check(x)", "pass")
    assert rebuild(nb).flags == ["test cell test_answer edited"]


def test_changed_points_on_a_self_study_test_cell_are_flagged_as_points():
    nb = answered(SELF_STUDY)
    nb.cells[at(nb, "test_quiz")].metadata.nbgrader.points = 5
    assert rebuild(nb).flags == ["points of test_quiz changed"]


def test_a_mix_of_editions_cell_by_cell_is_accepted():
    nb = answered(CLASSROOM)
    nb.cells[at(nb, "test_quiz")] = copy.deepcopy(SELF_STUDY.cells[at(SELF_STUDY, "test_quiz")])
    assert rebuild(nb).flags == []


def test_cells_of_one_edition_only():
    # the classroom-only locked cell missing from a self-study submission is no deletion,
    # the self-study-only cells are left out (not run), and either edited is still reported
    built = rebuild(answered(SELF_STUDY))
    assert SS_ONLY not in [c.source for c in built.notebook.cells]
    assert "The check only tells you the form." in [c.source for c in built.notebook.cells]
    nb = answered(SELF_STUDY)
    nb.cells[at(nb, "ss_note")].source = "edited"
    assert rebuild(nb).flags == ["unknown nbgrader cells 'ss_note' ignored"]
    nb = answered(CLASSROOM)
    nb.cells[at(nb, "classroom_note")].source = "edited"
    assert rebuild(nb).flags == ["cell classroom_note edited"]


def test_self_study_test_cell_stripped_of_its_metadata_is_recognised_not_added():
    nb = answered(SELF_STUDY)
    cell = nb.cells[at(nb, "test_quiz")]
    cell.metadata = nbformat.from_dict({})
    built = rebuild(nb)
    assert built.flags == ["nbgrader metadata stripped from test_quiz"]
    assert built.added == 0


def test_a_code_cell_the_student_adds_is_still_kept():
    nb = answered(SELF_STUDY)
    nb.cells.insert(at(nb, "answer") + 1, new_code_cell("y = 2"))
    built = rebuild(nb)
    assert built.flags == [] and built.added == 1
    assert [c.source for c in built.notebook.cells if c.metadata.get("l2reg", {}).get("origin") == "added"] == ["y = 2"]


@pytest.mark.parametrize("also", [None, []])
def test_build_keeps_its_three_argument_form(also):
    nb = answered(CLASSROOM)
    assert build(CLASSROOM, SOURCE, nb).flags == build(CLASSROOM, SOURCE, nb, also_official=also).flags == []
