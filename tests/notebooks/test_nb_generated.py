"""lessons/ is exactly what nbgrader makes of solutions/, and gives nothing away."""

from __future__ import annotations

import filecmp
import re

import nbformat
import pytest

from l2reg.grading.course import generate_lessons
from nbrun import LESSONS, ROOT, lesson_names, lesson_notebook, source_notebook

LESSON_NAMES = lesson_names()


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    out = tmp_path_factory.mktemp("lessons")
    generate_lessons(ROOT, out=out)
    return out


def test_regenerating_changes_nothing(regenerated):
    cmp = filecmp.dircmp(LESSONS, regenerated, ignore=[".ipynb_checkpoints", "__pycache__"])

    def differences(c, prefix=""):
        found = [f"only in lessons/: {prefix}{n}" for n in c.left_only]
        found += [f"not committed: {prefix}{n}" for n in c.right_only]
        found += [f"differs: {prefix}{n}" for n in c.diff_files + c.funny_files]
        for name, sub in c.subdirs.items():
            found += differences(sub, f"{prefix}{name}/")
        return found

    # dircmp compares shallowly by size and time; compare bytes as well.
    found = differences(cmp)
    for lesson in LESSON_NAMES:
        for path in (regenerated / lesson).rglob("*"):
            if path.is_file():
                committed = LESSONS / path.relative_to(regenerated)
                if committed.is_file() and committed.read_bytes() != path.read_bytes():
                    found.append(f"differs: {committed.relative_to(ROOT)}")
    assert not found, "lessons/ has drifted from solutions/; run `l2reg lessons`:\n" + "\n".join(sorted(set(found)))


def _regions(source: str, begin: str, end: str) -> list[str]:
    return re.findall(re.escape(begin) + r"\n(.*?)" + re.escape(end), source, flags=re.S)


@pytest.mark.parametrize("lesson", LESSON_NAMES)
def test_no_solution_or_hidden_test_leaks(lesson):
    source = nbformat.read(str(source_notebook(lesson)), as_version=4)
    student = nbformat.read(str(lesson_notebook(lesson)), as_version=4)
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
    assert not leaked, f"lines of solutions or hidden tests found in lessons/{lesson}: {leaked}"
