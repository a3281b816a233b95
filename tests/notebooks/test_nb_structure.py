"""Every lesson has the shape docs/design.md section 5 asks for, in solutions/ and lessons/ alike."""

from __future__ import annotations

import re

import nbformat
import pytest

from nbrun import LESSONS, SOLUTIONS, lesson_names, lesson_notebook, notebooks, source_notebook

LESSON_NAMES = lesson_names()
ALL_NOTEBOOKS = notebooks(SOLUTIONS) + notebooks(LESSONS)


def _nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def _tags(cell) -> list:
    return cell.metadata.get("tags", [])


def test_there_are_lessons():
    assert LESSON_NAMES, "solutions/ holds no lesson folders"
    for name in LESSON_NAMES:
        assert re.fullmatch(r"\d\d_[a-z_]+", name), f"lesson folder {name!r} is not NN_topic"


@pytest.mark.parametrize("lesson", LESSON_NAMES)
def test_each_lesson_is_generated(lesson):
    source_notebook(lesson)  # exactly one notebook
    assert lesson_notebook(lesson).is_file(), f"lessons/{lesson} is missing: run `l2reg lessons`"


def test_no_lesson_without_a_source():
    extra = sorted({p.name for p in LESSONS.iterdir() if p.is_dir()} - set(LESSON_NAMES))
    assert not extra, f"lessons/ holds folders with no source in solutions/: {extra}"


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: str(p.relative_to(p.parents[2])))
def test_committed_without_outputs(path):
    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"cells with outputs or execution counts: {dirty}"


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: str(p.relative_to(p.parents[2])))
def test_only_exercise_cells_may_raise(path):
    """The `raises-exception` tag marks exactly the answer cells and their test cells."""
    nb = nbformat.read(str(path), as_version=4)
    for i, cell in enumerate(nb.cells):
        meta = _nbgrader(cell)
        graded = cell.cell_type == "code" and (meta.get("solution") or meta.get("grade"))
        tagged = "raises-exception" in _tags(cell)
        assert bool(graded) == tagged, (
            f"cell {i}: answer and test cells must carry the raises-exception tag, and no other cell may"
        )


@pytest.mark.parametrize("lesson", LESSON_NAMES)
def test_lesson_shape(lesson):
    nb = nbformat.read(str(source_notebook(lesson)), as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "By the end you can" in text, "no learning objectives"
    assert re.search(r"^## Summary", text, re.M), "no summary"
    assert "widgets." in code, "no widget demo"

    ids = [_nbgrader(c)["grade_id"] for c in nb.cells if "grade_id" in _nbgrader(c)]
    assert len(ids) == len(set(ids)), f"duplicate grade ids: {ids}"
    tests = [c for c in nb.cells if _nbgrader(c).get("grade")]
    quiz = [c for c in tests if _nbgrader(c)["grade_id"].startswith("test_quiz")]
    exercises = [c for c in tests if not _nbgrader(c)["grade_id"].startswith("test_quiz")]
    assert len(quiz) >= 3, "a quiz needs at least three autograded questions"
    assert exercises, "no coding exercise"
    for cell in tests:
        assert _nbgrader(cell).get("points", 0) > 0, f"{_nbgrader(cell)['grade_id']} is worth no points"
        assert "### BEGIN HIDDEN TESTS" in cell.source, f"{_nbgrader(cell)['grade_id']} has no hidden tests"
        visible = cell.source.split("### BEGIN HIDDEN TESTS")[0]
        assert visible.strip(), f"{_nbgrader(cell)['grade_id']} has no visible test"
        hidden = cell.source.split("### BEGIN HIDDEN TESTS")[1]
        # Hidden tests record results for a checker outside the kernel; an assert there
        # would put the answer where the student's code can read it (l2reg.checks).
        assert "record(" in hidden, f"{_nbgrader(cell)['grade_id']}: hidden tests must record results"
        assert not re.search(r"\bassert\b", hidden), f"{_nbgrader(cell)['grade_id']}: no assert in hidden tests"
    solutions = [c for c in nb.cells if _nbgrader(c).get("solution")]
    assert all("### BEGIN SOLUTION" in c.source for c in solutions)


@pytest.mark.parametrize("lesson", LESSON_NAMES)
def test_cells_are_short(lesson):
    """One idea a cell: no code cell over 30 lines, no markdown cell over 40."""
    nb = nbformat.read(str(source_notebook(lesson)), as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.metadata.get("nbgrader", {}).get("grade"):
            continue  # test cells hold hidden tests students never see
        limit = 30 if cell.cell_type == "code" else 40
        assert len(cell.source.splitlines()) <= limit, f"cell {i} is {len(cell.source.splitlines())} lines"


@pytest.mark.parametrize("lesson", LESSON_NAMES)
def test_every_quiz_question_answers_back(lesson):
    """Each quiz answer cell carries what the self-study edition's check needs (l2reg.grading.edition):
    one assignment, a '# right:' explanation, and a test cell test_quiz_<x>."""
    from l2reg.grading.edition import parse_answer

    nb = nbformat.read(str(source_notebook(lesson)), as_version=4)
    ids = {_nbgrader(c).get("grade_id") for c in nb.cells}
    quiz = [c for c in nb.cells if _nbgrader(c).get("solution") and _nbgrader(c)["grade_id"].startswith("quiz_")]
    assert quiz, "no quiz answer cells"
    for cell in quiz:
        gid = _nbgrader(cell)["grade_id"]
        q = parse_answer(cell.source, gid)  # raises QuizError naming what is missing
        assert q["right"], f"{gid}: no explanation"
        assert "test_" + gid in ids, f"{gid}: no test cell test_{gid}"
        assert re.search(rf"\b{q['name']}\b", cell.source.split("### BEGIN SOLUTION")[0] + "".join(
            c.source for c in nb.cells if _nbgrader(c).get("grade_id") == "test_" + gid)), gid


@pytest.mark.parametrize("lesson", LESSON_NAMES)
def test_edition_cells(lesson):
    """Cells for one edition only are markdown, tagged for one edition, and lessons/ holds the self-study ones."""
    source = nbformat.read(str(source_notebook(lesson)), as_version=4)
    for i, cell in enumerate(source.cells):
        tags = set(_tags(cell)) & {"self-study-only", "classroom-only"}
        assert len(tags) <= 1, f"cell {i} is tagged for both editions"
        assert not tags or cell.cell_type == "markdown", f"cell {i}: only markdown cells may differ by edition"
    student = nbformat.read(str(lesson_notebook(lesson)), as_version=4)
    assert not any("classroom-only" in _tags(c) for c in student.cells), "lessons/ holds classroom-only cells"
