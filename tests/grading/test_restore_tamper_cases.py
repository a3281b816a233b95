"""The tamper cases of submission_kit.py that change only what the grader restores, rebuilt
on the real lesson 01 without a kernel.

For each, :func:`l2reg.grading.restore.build` must give exactly the case's expected flags,
and the very notebook it builds for the honest submission with the same answers
(``honest_full``): the sandbox runs only the rebuilt notebook, so these cases score what
``honest_full`` scores, which the one sandboxed run of the class (test_grading_hostile.py)
asserts. That run keeps the tamper cases whose answers differ (edited, deleted and retyped
test cells). The restore passes themselves are tested on a small fixture in
test_restore_passes.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from submission_kit import FULL, RELEASE, ROOT, SOURCE, answered, kernel_free_cases  # noqa: E402

from l2reg.grading.restore import build, read_submission  # noqa: E402

CASES = kernel_free_cases()


@pytest.fixture(scope="module")
def official():
    release = nbformat.read(str(RELEASE), as_version=4)
    source = nbformat.read(str(SOURCE), as_version=4)
    also = [nbformat.read(str(ROOT / "lessons" / "01_penalty" / "penalty.ipynb"), as_version=4)]
    return release, source, also


def _rebuild(official, nb, tmp_path, name):
    release, source, also = official
    path = tmp_path / f"{name}.ipynb"
    path.write_text(nb if isinstance(nb, str) else nbformat.writes(nb), encoding="utf-8")
    return build(release, source, read_submission(path), also_official=also)


def _cells(built):
    return [(c.cell_type, c.source, c.metadata.get("l2reg"), c.metadata.get("nbgrader")) for c in built.notebook.cells]


def test_the_honest_submission_rebuilds_unflagged(official, tmp_path):
    built = _rebuild(official, answered(), tmp_path, "honest_full")
    assert (built.flags, built.missing, built.added) == ([], [], 0)


@pytest.mark.parametrize("name", sorted(CASES))
def test_tamper_case_is_the_honest_notebook_with_its_flags(official, tmp_path, name):
    (content,), score, status = list(CASES[name][0].values()), CASES[name][1], CASES[name][2]
    honest = _rebuild(official, answered(), tmp_path, "honest_full")
    built = _rebuild(official, content, tmp_path, name)
    assert "flagged: " + "; ".join(built.flags) == status
    assert (built.missing, built.added) == ([], 0)
    assert _cells(built) == _cells(honest)
    assert built.notebook.metadata.get("kernelspec") == honest.notebook.metadata.get("kernelspec")
    assert score == FULL  # what honest_full scores in the sandboxed run
