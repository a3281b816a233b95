"""The grader's shortcuts (issue 18, "a cheaper notebook"), one by one, without a class:

* skip-render: declared only by the trusted source notebook, matched by source, never an
  nbgrader cell; in the kernel such a cell runs in full and draws nothing;
* the reference records from the sandbox (scoring.run_reference) are the trusted kernel's;
* alembic's head asked in-process is what nbgrader's subprocess answers.

tests/grading/test_shortcuts_hostile.py grades the hostile class with and without them.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from submission_kit import LESSON, ROOT, SOURCE  # noqa: E402

from l2reg.grading.course import CourseError  # noqa: E402
from l2reg.grading.scoring import run_notebook, skip_render_sources  # noqa: E402

needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")


def _declared(cell):
    return cell.metadata.get("l2reg", {}).get("grading") == "skip-render"


def test_every_lesson_declares_only_plain_code_cells():
    for path in sorted((ROOT / "solutions").glob("*/*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        found = skip_render_sources(nb, path.parent.name)  # raises on a declaration it refuses
        declared = [c for c in nb.cells if _declared(c)]
        assert len(found) == len(declared), path  # no two declared cells share a source
        for c in declared:
            assert c.cell_type == "code" and "nbgrader" not in c.metadata, path
    lesson01 = skip_render_sources(nbformat.read(str(SOURCE), as_version=4))
    assert any("widgets.lambda_fit_demo" in s for s in lesson01)
    assert any(s.startswith("lams = np.logspace") for s in lesson01)  # draws and defines lams, sweep


@pytest.mark.parametrize("cell, why", [
    (nbformat.v4.new_code_cell("x = 1", metadata={"l2reg": {"grading": "skip-render"},
                                                  "nbgrader": {"grade": True, "grade_id": "t", "points": 1}}),
     "nbgrader metadata"),
    (nbformat.v4.new_markdown_cell("text", metadata={"l2reg": {"grading": "skip-render"}}), "markdown"),
    (nbformat.v4.new_code_cell("x = 1", metadata={"l2reg": {"grading": "skip"}}), "'skip'"),
])
def test_a_declaration_the_grader_cannot_honour_is_refused(cell, why):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("y = 2"), cell])
    with pytest.raises(CourseError) as err:
        skip_render_sources(nb, "01_x")
    assert "01_x: cell 2: metadata.l2reg.grading" in str(err.value) and why in str(err.value)


class _Recording:
    """A stand-in for the sandbox that records how each cell was asked to run."""

    budget = None

    def __init__(self):
        self.calls = []

    def run_cell(self, source, label, records=None, render=True):
        from l2reg.grading.sandbox import CellResult

        self.calls.append((source, render))
        return CellResult("ok", [], len(self.calls))


def test_only_the_trusted_declaration_counts():
    """A student's cell that carries the declaration in its own metadata is rendered; an
    answer cell whose text equals a declared cell's is rendered (nbgrader cells always are);
    a plain cell with a declared cell's text runs without drawing, whoever wrote it (its
    drawings never count)."""
    skip = frozenset({"plot(x)"})
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("plot(x)"),
        nbformat.v4.new_code_cell("draw(y)", metadata={"l2reg": {"grading": "skip-render"}}),
        nbformat.v4.new_code_cell("plot(x)", metadata={"nbgrader": {"solution": True, "grade_id": "a"}}),
        nbformat.v4.new_code_cell("plot(x)", metadata={"nbgrader": {"grade": True, "grade_id": "t", "points": 1}}),
    ])
    sb = _Recording()
    status = {}
    run_notebook(nb, sb, status, None, skip)
    assert sb.calls == [("plot(x)", False), ("draw(y)", True), ("plot(x)", True), ("plot(x)", True)]
    assert status == {"t": "ok"}
    sb = _Recording()
    run_notebook(nb, sb, {}, None)  # no shortcut: everything renders
    assert [r for _, r in sb.calls] == [True] * 4


@needs_bwrap
def test_a_skip_render_cell_runs_in_full_and_draws_nothing():
    import matplotlib

    from l2reg.grading.sandbox import Sandbox, load_limits

    code = ("fig, ax = plt.subplots()\nax.plot([1, 2, 3])\nprint('drawn?')\n"
            "display({'text/plain': 'raw'}, raw=True)\ndisplay(3)\nfig")
    with Sandbox(load_limits(ROOT), matplotlib.get_cachedir()) as sb:
        assert sb.run_cell("%matplotlib inline\nimport matplotlib.pyplot as plt\n"
                           "from IPython.display import display").status == "ok"
        full = sb.run_cell(code, "c1")
        quiet = sb.run_cell(code, "c2", None, render=False)
        after = sb.run_cell("print(type(_).__name__, type(fig).__name__, len(plt.get_fignums()))\n3")
    kinds = lambda r: [(o["output_type"], sorted(o.get("data", {}))) for o in r.outputs]  # noqa: E731
    assert ("execute_result", ["image/png", "text/plain"]) in kinds(full)
    assert kinds(quiet) == [("stream", []), ("display_data", ["text/plain"])]  # the print and the raw display
    assert quiet.status == "ok" and quiet.outputs[0]["text"] == "drawn?\n"
    # the next cell renders again; the result was stored (_), the name defined, the figure closed
    assert after.outputs[0]["text"] == "Figure Figure 0\n"
    assert kinds(after)[-1] == ("execute_result", ["text/plain"])


@needs_bwrap
def test_sandboxed_reference_records_equal_the_trusted_kernels(tmp_path):
    """scoring.run_reference (the solution run in the sandbox as a submission is, figures
    not drawn) records exactly what the instructor notebook records in a trusted kernel."""
    import matplotlib

    from l2reg.checks import matches
    from l2reg.grading.course import TempCourse
    from l2reg.grading.limits import load_limits
    from l2reg.grading.scoring import load_lesson, run_reference

    sys.path.insert(0, str(ROOT / "tests" / "notebooks"))
    from nbrun import reference_records  # the session's one execution of the instructor notebook

    with TempCourse(ROOT, [LESSON]) as course:
        lesson = load_lesson(ROOT, LESSON, course, trusted_kernel=False)
    assert lesson.reference is None and lesson.skip_render
    got = run_reference(lesson, SOURCE, load_limits(ROOT), matplotlib.get_cachedir())
    want = reference_records(LESSON)
    assert list(got) == list(lesson.points) and set(want) == set(got)
    for gid, recs in want.items():
        assert [r["key"] for r in got[gid]] == [r["key"] for r in recs]
        for mine, theirs in zip(got[gid], recs):
            assert matches(mine["value"], theirs["value"], theirs["rtol"], theirs["atol"]), (gid, mine["key"])
            assert (mine["rtol"], mine["atol"]) == (theirs["rtol"], theirs["atol"])


@needs_bwrap
def test_a_failing_reference_is_refused_with_its_reason(tmp_path):
    import matplotlib

    from l2reg.grading.course import TempCourse
    from l2reg.grading.limits import load_limits
    from l2reg.grading.scoring import load_lesson, run_reference

    broken = nbformat.read(str(SOURCE), as_version=4)
    for cell in broken.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "quiz_q5":
            cell.source = 'q5 = "not an option"'
    path = tmp_path / "penalty.ipynb"
    nbformat.write(broken, str(path))
    with TempCourse(ROOT, [LESSON]) as course:
        lesson = load_lesson(ROOT, LESSON, course, trusted_kernel=False)
    with pytest.raises(CourseError) as err:
        run_reference(lesson, path, load_limits(ROOT), matplotlib.get_cachedir())
    assert "the reference solution of 01_penalty fails in the sandbox (test cell test_quiz_q5 raised " \
           "AssertionError: q5 must be one of" in str(err.value)


def test_alembic_head_in_process_is_what_nbgraders_subprocess_says(monkeypatch):
    import os

    import nbgrader.api

    from l2reg.grading import speedups

    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    speedups.use_alembic_head_in_process()
    speedups.use_alembic_head_in_process()  # idempotent
    patched = nbgrader.api.get_alembic_version
    original = patched.__wrapped_original__
    assert getattr(original, "__wrapped_original__", None) is None
    assert patched() == speedups.alembic_head() == original()


def test_switches_in_sandbox_json_must_be_true_or_false(tmp_path):
    from l2reg.grading.limits import SANDBOX_CONFIG, load_limits

    (tmp_path / SANDBOX_CONFIG).parent.mkdir(parents=True)
    (tmp_path / SANDBOX_CONFIG).write_text(json.dumps({"skip_render": False}))
    assert load_limits(tmp_path).skip_render is False and load_limits(tmp_path).sandboxed_reference is True
    (tmp_path / SANDBOX_CONFIG).write_text(json.dumps({"skip_render": "no"}))
    with pytest.raises(CourseError, match="skip_render: expected true or false, got 'no'"):
        load_limits(tmp_path)


SWITCHES = ("skip_render", "sandboxed_reference", "skip_widget_draw", "preimport", "prestart")
OFF_BY_DEFAULT = ()  # none: each is on unless sandbox.json turns it off


def test_every_shortcut_has_a_switch_in_sandbox_json_on_by_default_and_said_what_it_does():
    from l2reg.grading.limits import Limits, load_limits

    data = json.loads((ROOT / "autograder" / "sandbox.json").read_text(encoding="utf-8"))
    limits = load_limits(ROOT, **{name: False for name in SWITCHES})
    for name in SWITCHES:
        default = name not in OFF_BY_DEFAULT
        assert data[name] is default and getattr(Limits(), name) is default, name
        assert f"{name}:" in data["_shortcuts"], name
        assert getattr(limits, name) is False, name  # each can be turned off on its own
    assert load_limits(ROOT, prestart=True).prestart is True  # and prestart turned on
    assert "skip_widget_draw" in Limits().runner_limits()  # the runner is told
