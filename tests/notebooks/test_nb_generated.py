"""Both editions are exactly what nbgrader makes of solutions/, and give nothing away.

``lessons/`` holds the self-study edition: its quiz checks answer back, without
holding the answers in plain text. ``l2reg bundle`` hands out the classroom
edition: its quiz checks only look at an answer's form, so a student cannot
learn from them whether an answer is right.
"""

from __future__ import annotations

import contextlib
import filecmp
import io
import json
import re
import zipfile

import nbformat
import numpy as np
import pytest

import l2reg.checks
from l2reg.grading.bundle import TOP
from l2reg.grading.course import generate_lessons
from l2reg.grading.edition import parse_answer
from nbrun import LESSONS, ROOT, lesson_names, lesson_notebook, source_notebook

LESSON_NAMES = lesson_names()
EDITIONS = ("self-study", "classroom")
HIDDEN = "### BEGIN HIDDEN TESTS"


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    out = {}
    for edition in EDITIONS:
        out[edition] = tmp_path_factory.mktemp(edition)
        generate_lessons(ROOT, out=out[edition], edition=edition)
    return out


def _differences(left, right):
    cmp = filecmp.dircmp(left, right, ignore=[".ipynb_checkpoints", "__pycache__"])

    def walk(c, prefix=""):
        found = [f"only in {left.name}/: {prefix}{n}" for n in c.left_only]
        found += [f"only in the regenerated edition: {prefix}{n}" for n in c.right_only]
        found += [f"differs: {prefix}{n}" for n in c.diff_files + c.funny_files]
        for name, sub in c.subdirs.items():
            found += walk(sub, f"{prefix}{name}/")
        return found

    # dircmp compares shallowly by size and time; compare bytes as well.
    found = walk(cmp)
    for path in right.rglob("*"):
        if path.is_file():
            other = left / path.relative_to(right)
            if other.is_file() and other.read_bytes() != path.read_bytes():
                found.append(f"differs: {path.relative_to(right)}")
    return sorted(set(found))


def test_regenerating_changes_nothing(regenerated):
    """lessons/ is the self-study edition, byte for byte."""
    found = _differences(LESSONS, regenerated["self-study"])
    assert not found, "lessons/ has drifted from solutions/; run `l2reg lessons`:\n" + "\n".join(found)


def test_the_bundle_holds_the_classroom_edition(regenerated, tmp_path):
    """`l2reg bundle` zips the classroom edition nbgrader makes from solutions/, not lessons/,
    with the package and nothing of the instructor's. (The command, run once: it generates
    every lesson, so the handout's file list is checked here too.)"""
    import subprocess
    import sys

    path = tmp_path / "handout.zip"
    out = subprocess.run([sys.executable, "-m", "l2reg.cli", "bundle", str(path)], cwd=ROOT, capture_output=True,
                         text=True, timeout=900)
    assert out.returncode == 0, out.stderr
    names = zipfile.ZipFile(path).namelist()
    assert {n.split("/")[1] for n in names} == {"lessons", "lib", "pyproject.toml", "README.md"}
    assert all(n.startswith(f"{TOP}/") for n in names)
    assert any(n.endswith("lessons/01_penalty/penalty.ipynb") for n in names)
    assert any(n.endswith("lib/l2reg/__init__.py") for n in names)
    for n in names:
        assert not any(part in ("solutions", "autograder", "tests", "__pycache__") for part in n.split("/")), n
        assert "egg-info" not in n
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(path) as zf:
        zf.extractall(unpacked)
    found = _differences(unpacked / TOP / "lessons", regenerated["classroom"])
    assert not found, "the handout's lessons/ is not the classroom edition:\n" + "\n".join(found)
    assert _differences(LESSONS, regenerated["classroom"]), "the two editions should differ"


def _edition_notebook(regenerated, edition, lesson):
    return nbformat.read(str(regenerated[edition] / lesson / source_notebook(lesson).name), as_version=4)


def _regions(source: str, begin: str, end: str) -> list[str]:
    return re.findall(re.escape(begin) + r"\n(.*?)" + re.escape(end), source, flags=re.S)


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("lesson", LESSON_NAMES)
def test_no_solution_or_hidden_test_leaks(lesson, edition, regenerated):
    source = nbformat.read(str(source_notebook(lesson)), as_version=4)
    student = _edition_notebook(regenerated, edition, lesson)
    student_text = "\n".join(c.source for c in student.cells)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in student_text

    secret, public = [], []
    for cell in source.cells:
        hidden = _regions(cell.source, "### BEGIN SOLUTION", "### END SOLUTION")
        hidden += _regions(cell.source, "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
        secret += [line.strip() for block in hidden for line in block.splitlines()]
        rest = re.sub(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n.*?### END \1", "", cell.source, flags=re.S)
        public += [line.strip() for line in rest.splitlines()]
    assert secret, "found no solution or hidden-test regions to check"
    # A secret line that also stands outside the secret regions is not a secret.
    secret = {line for line in secret if len(line) > 3 and line not in set(public)}
    student_lines = {line.strip() for line in student_text.splitlines()}
    leaked = sorted(secret & student_lines)
    assert not leaked, f"lines of solutions or hidden tests found in the {edition} edition of {lesson}: {leaked}"


# ---------------------------------------------------------------- the quizzes

def _quizzes(lesson):
    """(grade_id, parsed answer, source test cell) of each marked-up quiz question of a lesson."""
    nb = nbformat.read(str(source_notebook(lesson)), as_version=4)
    tests = {c.metadata.nbgrader["grade_id"]: c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}
    found = []
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if gid.startswith("quiz_") and cell.metadata.nbgrader.get("solution") and "# right:" in cell.source:
            found.append((gid, parse_answer(cell.source, gid), tests["test_" + gid]))
    return found


QUIZZES = [(lesson, gid, q, test) for lesson in LESSON_NAMES for gid, q, test in _quizzes(lesson)]
QUIZ_IDS = [f"{lesson}-{gid}" for lesson, gid, _, _ in QUIZZES]


def _cell(regenerated, edition, lesson, gid):
    nb = _edition_notebook(regenerated, edition, lesson)
    (cell,) = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == gid]
    return cell.source


def _run(source, name, value):
    """Run a visible test cell with ``name = value``: (printed text, AssertionError text or None)."""
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(source, {"np": np, "math": __import__("math"), name: value})  # noqa: S102 - our own cells
    except AssertionError as exc:
        return out.getvalue(), str(exc)
    return out.getvalue(), None


def _graded_right(test_cell, name, value, right_value, monkeypatch):
    """Whether the grader counts ``value`` right: the hidden test's record of it against the solution's."""
    hidden = test_cell.source.split(HIDDEN, 1)[1]
    recorded = []
    monkeypatch.setattr(l2reg.checks, "record", lambda key, v, **tol: recorded.append((v, tol)))
    for v in (right_value, value):
        exec(hidden, {"np": np, "math": __import__("math"), name: v})  # noqa: S102
    (ref, tol), (got, _) = recorded
    return l2reg.checks.matches(l2reg.checks.encode(got), l2reg.checks.encode(ref), **tol)


def _probes(q):
    """Answers to try: the right one, the listed wrong ones, and others of the same form."""
    v = q["value"]
    if isinstance(v, str):
        return [v, *[w for w, _ in q["wrong"]], *[c for c in "abcd" if c != v]]
    if isinstance(v, (list, tuple)):
        return [v, *[w for w, _ in q["wrong"]], [x + 1.0 for x in v], list(reversed(v))]
    probes = [v, *[w for w, _ in q["wrong"]], v * 1.5, -v, v + 1.0]
    within = q["within"]
    if within:
        # Well inside and well outside the tolerance (the edge itself is fuzzy: docs of l2reg.grading.edition).
        if within["log10"]:
            probes += [v * 10 ** (f * within["atol"]) for f in (-0.6, 0.6, -1.6, 1.6)]
        else:
            tol = within["atol"] + within["rtol"] * abs(v)
            probes += [v + f * tol for f in (-0.6, 0.6, -1.6, 1.6)]
    return probes


@pytest.mark.parametrize("lesson, gid, q, test", QUIZZES, ids=QUIZ_IDS)
def test_self_study_quiz_answers_back_as_the_grader_would(lesson, gid, q, test, regenerated, monkeypatch):
    cell = _cell(regenerated, "self-study", lesson, "test_" + gid)
    visible = cell.split(HIDDEN)[0]
    printed, failed = _run(visible, q["name"], q["value"])
    assert failed is None and f"is right: {q['right']}" in printed, (printed, failed)
    for w, text in q["wrong"]:
        _, failed = _run(visible, q["name"], w)
        assert failed is not None and failed.endswith(text), (w, failed)
    for probe in _probes(q):
        printed, failed = _run(visible, q["name"], probe)
        says_right = failed is None and "is right" in printed
        assert says_right == _graded_right(test, q["name"], probe, q["value"], monkeypatch), (
            f"{lesson} {gid}: the self-study check and the grader disagree on {probe!r}: {printed} {failed}")


@pytest.mark.parametrize("lesson, gid, q, test", QUIZZES, ids=QUIZ_IDS)
def test_self_study_quiz_holds_no_answer_in_plain_text(lesson, gid, q, test, regenerated):
    """The answer and every message are sealed; none of them, nor the answer's normalized text, is readable."""
    text = json.dumps(nbformat.read(str(lesson_notebook(lesson)), as_version=4))
    cell = _cell(regenerated, "self-study", lesson, "test_" + gid)
    assert "l2reg.quiz" in cell
    for message in [q["right"], *(t for _, t in q["wrong"])]:
        assert message not in cell and json.dumps(message)[1:-1] not in text, message
    literal = repr(q["value"])
    assert f"{q['name']} = {literal}" not in cell
    if not isinstance(q["value"], str):  # a letter is in the question's list of choices anyway
        assert literal not in cell


@pytest.mark.parametrize("lesson", LESSON_NAMES)
def test_classroom_edition_cannot_check_answers(lesson, regenerated, monkeypatch):
    """No answer checks, no sealed entries: each quiz test cell is the source's visible part, and it says the
    same about a right answer and a wrong one of the same form."""
    nb = _edition_notebook(regenerated, "classroom", lesson)
    text = json.dumps(nb)
    assert "l2reg.quiz" not in text and "_check(" not in text
    assert not re.search(r"[0-9a-f]{24}:[A-Za-z0-9+/=]{40,}", text), "a sealed entry in the classroom edition"
    assert not any("self-study-only" in c.metadata.get("tags", []) for c in nb.cells)
    source = nbformat.read(str(source_notebook(lesson)), as_version=4)
    for gid, q, test in _quizzes(lesson):
        cell = _cell(regenerated, "classroom", lesson, "test_" + gid)
        assert cell.strip() == test.source.split(HIDDEN)[0].strip()
        right = _run(cell, q["name"], q["value"])
        assert right[1] is None, right
        wrong_same_form = [p for p in _probes(q)[1:] if _run(cell, q["name"], p)[1] is None
                           and not _graded_right(test, q["name"], p, q["value"], monkeypatch)]
        assert wrong_same_form, f"{gid}: no wrong answer of the right form to try"
        for probe in wrong_same_form:
            assert _run(cell, q["name"], probe) == right, f"{gid}: the classroom check tells {probe!r} apart"
    assert any(c.metadata.get("nbgrader", {}).get("grade_id", "").startswith("test_quiz") for c in source.cells)
