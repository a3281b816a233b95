"""nbgrader's "Validate" button on a lesson, clicked in JupyterLab in headless Chromium.

The student's JupyterLab has nbgrader's lab extension (the toolbar button) and its
``validate_assignment`` server extension (which runs the saved notebook in a fresh
kernel with nbgrader's Validator and reports the grade cells that fail). Three copies of
one lesson are written next to it in the served folder (the repository's lessons/ is
never touched) and validated through the button:

* ``unfinished``: the lesson as released, every exercise and quiz raising
  NotImplementedError. The dialog must be nbgrader's error dialog and list exactly the
  lesson's test (grade) cells, each with a NotImplementedError or a NameError.
* ``one_left``: every exercise and quiz answered from the matching ``solutions/`` notebook
  (cells matched by nbgrader ``grade_id``) except the last quiz question. The dialog must
  list exactly that question's test cell, failing with a NameError for its answer.
* ``finished``: every answer filled in. The dialog must say
  "Success! Your notebook passes all the tests."

The server runs from the folder above the served lessons/, as the README's
``jupyter lab lessons/`` does, and that folder holds no ``nbgrader_config.py``: the
button works with nbgrader's defaults, as it does for a student (see conftest.py and
``_lab.py``). A screenshot of each dialog goes to
``test-artifacts/browser/validate-<lesson>-<case>.png``.

The lesson is 03_decay_factor, the quickest to validate (about 4 s of kernel time here;
the slowest lessons take 15 s).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from ._lab import ROOT, lab_page, open_notebook

pytestmark = pytest.mark.browser

LESSON = "03_decay_factor"
NOTEBOOK = "decay_factor.ipynb"
VALIDATE_TIMEOUT_MS = 300_000  # save, then run the whole notebook in a new kernel
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
SUCCESS = "Success! Your notebook passes all the tests."
MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*(\n|$)", re.MULTILINE)


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def fill_in(lesson_nb, solution_nb, leave_out=()):
    """The lesson with each solution cell's source taken from the solutions/ notebook.

    Cells are matched by nbgrader ``grade_id``; the ``### BEGIN/END SOLUTION`` marker
    lines are dropped, as a student would write just the code. Cells whose grade_id is in
    ``leave_out`` stay as released.
    """
    answers = {nbgrader_meta(c).get("grade_id"): c.source for c in solution_nb.cells
               if nbgrader_meta(c).get("solution")}
    nb = nbformat.from_dict(lesson_nb)  # a copy
    filled = 0
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if meta.get("solution") and meta["grade_id"] not in leave_out:
            assert meta["grade_id"] in answers, f"no solution cell {meta['grade_id']!r} in solutions/"
            cell.source = MARKER.sub("", answers[meta["grade_id"]])
            assert "raise NotImplementedError" not in cell.source
            filled += 1
    assert filled, "no solution cell was filled in"
    return nb


# The dialog's body, as nbgrader's lab extension builds it (src/common/validate.ts): for
# each failed cell a paragraph "The following cell failed:", then its source and its error.
JS_DIALOG = """dialog => {
  const body = dialog.querySelector('#validation-message');
  const failed = [];
  if (body) {
    const kids = [...body.children];
    kids.forEach((el, i) => {
      if (el.textContent.trim() === 'The following cell failed:')
        failed.push({source: kids[i + 1] ? kids[i + 1].innerText : '',
                     error: kids[i + 2] ? kids[i + 2].innerText : ''});
    });
  }
  return {
    title: (dialog.querySelector('.jp-Dialog-header') || {}).textContent || '',
    classes: [...dialog.classList, ...(body ? [...body.classList] : [])],
    text: (dialog.querySelector('.jp-Dialog-body') || dialog).innerText,
    failed,
  };
}"""


def click_validate(page, label: str) -> dict:
    """Click the toolbar's Validate button; return what the dialog says, then close it."""
    button = page.locator(f"{PANEL} .jp-Toolbar .validate-button")
    assert button.count() == 1, f"{label}: no Validate button in the notebook toolbar (nbgrader lab extension)"
    assert button.inner_text().strip() == "Validate", f"{label}: button reads {button.inner_text()!r}"
    button.locator("button").click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(state="visible", timeout=VALIDATE_TIMEOUT_MS)
    result = dialog.evaluate(JS_DIALOG)
    return result


@pytest.fixture(scope="module")
def lesson_copies(jupyter_lab):
    """The three notebooks of this test, written next to the served lesson."""
    lesson_nb = nbformat.read(str(ROOT / "lessons" / LESSON / NOTEBOOK), as_version=4)
    solution_nb = nbformat.read(str(ROOT / "solutions" / LESSON / NOTEBOOK), as_version=4)
    quizzes = [nbgrader_meta(c)["grade_id"] for c in lesson_nb.cells
               if nbgrader_meta(c).get("solution") and nbgrader_meta(c)["grade_id"].startswith("quiz_")]
    assert quizzes, f"{LESSON} has no quiz"
    last_quiz = quizzes[-1]
    folder = jupyter_lab.root / LESSON
    notebooks = {
        "unfinished": lesson_nb,
        "one_left": fill_in(lesson_nb, solution_nb, leave_out={last_quiz}),
        "finished": fill_in(lesson_nb, solution_nb),
    }
    for case, nb in notebooks.items():
        nbformat.write(nb, str(folder / f"validate_{case}.ipynb"))
    grade_cells = {nbgrader_meta(c)["grade_id"]: c.source.strip() for c in lesson_nb.cells
                   if nbgrader_meta(c).get("grade") and c.cell_type == "code"}
    assert grade_cells, f"{LESSON} has no test cells"
    assert f"test_{last_quiz}" in grade_cells, f"no test cell test_{last_quiz} for {last_quiz}"
    expected = {
        "unfinished": sorted(grade_cells.values()),
        "one_left": [grade_cells[f"test_{last_quiz}"]],
        "finished": [],
    }
    return {"expected": expected, "last_quiz": last_quiz}


@pytest.mark.parametrize("case", ["unfinished", "one_left", "finished"])
def test_validate_button(case, lesson_copies, jupyter_lab, browser, artifacts):
    label = f"{LESSON} {case}"
    expected = lesson_copies["expected"][case]
    failure_shot = artifacts / f"validate-{LESSON}-{case}-failure.png"
    with lab_page(browser, jupyter_lab, failure_shot, timeout_ms=30_000) as (page, page_errors):
        open_notebook(page, jupyter_lab, f"{LESSON}/validate_{case}.ipynb", workspace=f"validate-{case}")
        result = click_validate(page, label)
        # The whole report in the screenshot: lift the dialog's height cap (not its content).
        page.add_style_tag(content=".jp-Dialog-content { max-height: none !important; height: auto !important; }")
        page.locator(".jp-Dialog .jp-Dialog-content").screenshot(
            path=str(artifacts / f"validate-{LESSON}-{case}.png"))
        summary = f"{label}: dialog {result['title']!r}, classes {result['classes']}:\n{result['text'][:3000]}"
        assert result["title"].strip() == "Validation Results", summary

        if not expected:
            assert "validation-success" in result["classes"], summary
            assert "nbgrader-SuccessDialog" in result["classes"], summary
            assert "nbgrader-ErrorDialog" not in result["classes"], summary
            assert result["text"].strip() == SUCCESS, summary
            assert not result["failed"], summary
        else:
            assert "validation-failed" in result["classes"], summary
            assert "nbgrader-ErrorDialog" in result["classes"], summary
            assert SUCCESS not in result["text"], summary
            reported = sorted(f["source"].strip() for f in result["failed"])
            assert reported == expected, (
                f"{summary}\n\nexpected these test cells to fail:\n" + "\n---\n".join(expected))
            for failure in result["failed"]:
                assert re.search(r"NotImplementedError|NameError", failure["error"]), (
                    f"{label}: unexpected error for cell\n{failure['source']}\n:\n{failure['error']}")
            if case == "one_left":
                quiz_var = lesson_copies["last_quiz"].split("_", 1)[1]  # quiz_q5 -> q5
                assert f"name '{quiz_var}' is not defined" in result["failed"][0]["error"], summary

        page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept").click()
        page.locator(".jp-Dialog").wait_for(state="detached")
        # The button saved the notebook before validating: the copy on disk still holds
        # what this case wrote (the browser did not save an older or emptied version).
        saved = nbformat.read(str(jupyter_lab.root / LESSON / f"validate_{case}.ipynb"), as_version=4)
        unanswered = [nbgrader_meta(c)["grade_id"] for c in saved.cells
                      if nbgrader_meta(c).get("solution") and "raise NotImplementedError" in c.source]
        want = {"unfinished": None, "one_left": [lesson_copies["last_quiz"]], "finished": []}[case]
        if want is not None:
            assert unanswered == want, f"{label}: the saved notebook has unanswered cells {unanswered}"
        else:
            assert unanswered, f"{label}: the saved unfinished notebook has no unanswered cell"
        assert not page_errors, f"{label}: JavaScript errors in the page: {page_errors}"
