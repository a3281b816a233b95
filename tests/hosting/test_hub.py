"""The course on JupyterHub, end to end, in a real browser (Playwright driving Debian's chromium).

The hub is JupyterHub from PyPI with configurable-http-proxy from npm, started from
``deploy/jupyterhub/jupyterhub_config.py`` on 127.0.0.1 (``_hub.py``), with system accounts
logged in by password (PAM) and servers started as those accounts. Then:

1. the instructor logs in to the formgrader (the hub service ``l2reg``) and releases lesson 01
   (the Release button: nbgrader's release_assignment into the exchange);
2. two students log in, fetch it in JupyterLab's Assignments tab, type their answers into the
   notebook (alice the reference answers, bob a wrong ridge solver), save and submit;
3. the instructor collects (the Collect button: nbgrader collect), and the grader account
   grades with ``l2reg grade 01_penalty <course> --from-exchange`` into the course's gradebook;
4. the formgrader's submissions page shows both scores, as grades.csv has them;
5. the instructor releases the feedback (the Release Feedback button: nbgrader
   release_feedback) and each student fetches it: each gets their own page, not the other's.

Screenshots of each step go to test-artifacts/hosting/.
"""

from __future__ import annotations

import csv
import importlib.util
import secrets
import time

import nbformat
import pytest

from . import _hub
from ._helpers import ROOT, answered_lesson

# The browser tests' launcher (Debian's chromium through Playwright), loaded by path as
# tests/benchmarks/bench_browser.py does.
_spec = importlib.util.spec_from_file_location("l2reg_browser_lab", ROOT / "tests" / "browser" / "_lab.py")
_lab = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_lab)
launch_chromium, missing_browser = _lab.launch_chromium, _lab.missing_browser

LESSON, NOTEBOOK = "01_penalty", "penalty"
ARTIFACTS = ROOT / "test-artifacts" / "hosting"
WRONG_SOLVER = "def ridge_closed_form(X, y, lam):\n    return np.zeros(X.shape[1])\n"
TIMEOUT_MS = 240_000


@pytest.fixture(scope="module")
def hub():
    why = _hub.missing() or missing_browser()
    if why:
        pytest.skip(why)
    h = _hub.Hub(secrets.token_hex(2))
    try:
        h.start()
        yield h
    finally:
        h.stop()


@pytest.fixture(scope="module")
def browser(playwright_driver):
    # The session's one Playwright (tests/conftest.py): the browser tests' may still be alive.
    b = launch_chromium(playwright_driver)
    try:
        yield b
    finally:
        b.close()


def login(browser, hub, account, next_path=None):
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    page = ctx.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{hub.url}/hub/login" + (f"?next={next_path}" if next_path else ""))
    page.fill("#username_input", account)
    page.fill("#password_input", hub.accounts[account])
    page.click("#login_submit")
    return page


def shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def formgrader_action(page, column, success):
    """Click the formgrader's button in ``column`` of lesson 01's row; wait for its success modal."""
    page.click(f"tr:has-text('{LESSON}') td.{column} a")
    dialog = page.locator(".modal-dialog")
    dialog.locator(f"text={success}").wait_for()
    text = dialog.inner_text()
    dialog.locator("button:has-text('OK')").click()
    dialog.wait_for(state="hidden")
    return text


def open_assignments(page):
    """Nbgrader -> Assignment List; returns the labels the Nbgrader menu offered."""
    page.wait_for_selector(".lm-MenuBar-content")
    page.click(".lm-MenuBar-itemLabel:text-is('Nbgrader')")
    item = page.locator(".lm-Menu-itemLabel:text-is('Assignment List')")
    item.wait_for()
    labels = page.locator(".lm-Menu-content .lm-Menu-itemLabel").all_inner_texts()
    item.click()
    page.wait_for_selector("#released_assignments_list")
    return labels


def answer_and_submit(page, hub, account, answers):
    """In the student's JupyterLab: fetch lesson 01, type ``answers`` (cell index -> source)
    into the notebook, save, submit."""
    # A student's JupyterLab (deploy/jupyterhub/students/): the Assignments tab, no formgrader.
    labels = open_assignments(page)
    assert "Assignment List" in labels and "Formgrader" not in labels, labels
    assert not {"Create assignment", "Course List"} & set(labels), labels
    assert page.request.get(f"{hub.url}/user/{account}/formgrader").status == 404
    page.click("#released_assignments_list .list_item:has-text('01_penalty') button:has-text('Fetch')")
    page.click(f"#fetched_assignments_list a.assignment-notebooks-link:has-text('{LESSON}')")
    page.click(f"#nbgrader-l2reg-{LESSON} a:text-is('{NOTEBOOK}')")
    cells = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")
    cells.nth(max(answers)).wait_for(state="attached")
    for i, source in sorted(answers.items()):
        cell = cells.nth(i)
        cell.scroll_into_view_if_needed()
        cell.locator(".cm-content").click()
        page.keyboard.press("Control+a")
        page.keyboard.insert_text(source)
    page.keyboard.press("Escape")
    page.keyboard.press("Control+s")
    saved = hub.home(account) / LESSON / f"{NOTEBOOK}.ipynb"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        nb = nbformat.read(str(saved), as_version=4)
        if all(nb.cells[i].source == src for i, src in answers.items()):
            break
        time.sleep(1)
    else:
        pytest.fail(f"{account}'s answers typed in the browser did not reach {saved}")
    shot(page, f"02-{account.split('-')[-1]}-answered")
    page.click(".lm-TabBar-tab:has-text('Assignments')")
    page.click(f"#fetched_assignments_list .list_item:has-text('{LESSON}') button:has-text('Submit')")
    page.wait_for_selector(f"#submitted_assignments_list .list_item:has-text('{LESSON}')")
    shot(page, f"03-{account.split('-')[-1]}-submitted")


def test_course_on_jupyterhub_end_to_end(hub, browser):
    alice, bob = hub.students
    (instructor,) = hub.instructors

    # 1. The instructor releases lesson 01 from the formgrader.
    fg = login(browser, hub, instructor, "/services/l2reg/formgrader")
    fg.wait_for_selector(f"tr:has-text('{LESSON}') td.release a")
    log = formgrader_action(fg, "release", f"Successfully released '{LESSON}'")
    shot(fg, "01-instructor-released")
    released = hub.exchange / "l2reg" / "outbound" / LESSON / f"{NOTEBOOK}.ipynb"
    assert released.is_file(), log
    classroom = hub.course / "classroom" / LESSON / f"{NOTEBOOK}.ipynb"
    assert released.read_bytes() == classroom.read_bytes()  # the classroom edition went out

    # 2. Two students fetch, answer (alice right, bob with a wrong ridge solver) and submit.
    reference = answered_lesson(LESSON, hub.course, "classroom")
    right = {i: c.source for i, c in enumerate(reference.cells)
             if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")}
    solver = next(i for i, c in enumerate(reference.cells)
                  if c.metadata.get("nbgrader", {}).get("grade_id") == "ex_closed_form")
    wrong = {**right, solver: WRONG_SOLVER}
    pages = {}
    for account, answers in ((alice, right), (bob, wrong)):
        pages[account] = login(browser, hub, account)
        answer_and_submit(pages[account], hub, account, answers)

    # 3. The instructor collects; the grader account grades what was collected.
    fg.goto(f"{hub.url}/services/l2reg/formgrader/manage_assignments")
    fg.wait_for_selector(f"tr:has-text('{LESSON}') td.collect a")
    formgrader_action(fg, "collect", f"Successfully collected submissions of '{LESSON}'")
    for account in (alice, bob):
        assert (hub.course / "submitted" / account / LESSON / f"{NOTEBOOK}.ipynb").is_file()
    # The same exchange through nbgrader's command line, as README gives it for the grader's terminal.
    listed = hub.as_account(hub.grader, str(_hub.BINDIR / "nbgrader"), "list", "--inbound")
    assert listed.returncode == 0, listed.stderr
    for account in (alice, bob):
        assert f"l2reg {account} {LESSON}" in listed.stdout + listed.stderr, listed.stdout + listed.stderr
    graded = hub.home(hub.grader) / "graded"
    run = hub.as_account(hub.grader, str(_hub.BINDIR / "l2reg"), "grade", LESSON, str(hub.course),
                         "--from-exchange", "--course", str(hub.course), "--out", str(graded), timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    with open(graded / "grades.csv", newline="", encoding="utf-8") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    assert set(rows) == {alice, bob}
    full = float(rows[alice]["max_score"])
    assert float(rows[alice]["score"]) == full > 0, rows[alice]
    assert rows[alice]["status"] == rows[bob]["status"] == "graded", rows  # classroom edition: nothing restored
    assert float(rows[bob]["test_closed_form"]) == 0 < float(rows[alice]["test_closed_form"])
    assert float(rows[bob]["score"]) < full

    # 4. The formgrader shows both scores (nbgrader's own pages, from the course's gradebook).
    fg.goto(f"{hub.url}/services/l2reg/formgrader/manage_submissions/{LESSON}")
    for account in (alice, bob):
        row = fg.locator(f"tr:has-text('{account}')")
        row.wait_for()
        text = row.inner_text()
        assert f"{float(rows[account]['score']):g} / {full:g}" in text, text
        assert row.locator("td.status").inner_text().strip() == "graded", text  # not "needs ... grading"
    shot(fg, "04-formgrader-scores")

    # 5. Feedback: nbgrader release_feedback (the formgrader's button); each student fetches it.
    fg.goto(f"{hub.url}/services/l2reg/formgrader/manage_assignments")
    fg.wait_for_selector(f"tr:has-text('{LESSON}') td.release-feedback a")
    formgrader_action(fg, "release-feedback", f"Successfully released feedback of '{LESSON}'")
    pages_seen = {}
    for account in (alice, bob):
        page = pages[account]
        page.click(".lm-TabBar-tab:has-text('Assignments')")
        page.click(f"#submitted_assignments_list .list_item:has-text('{LESSON}') button:has-text('Fetch Feedback')")
        feedback_dir = hub.home(account) / LESSON / "feedback"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not list(feedback_dir.glob("*/*.html")):
            time.sleep(1)
        found = sorted(feedback_dir.glob("*/*.html"))
        assert [p.name for p in found] == [f"{NOTEBOOK}.html"], found
        pages_seen[account] = found[0].read_text(encoding="utf-8")
        shot(page, f"05-{account.split('-')[-1]}-feedback")
    for account, other in ((alice, bob), (bob, alice)):
        page_text = pages_seen[account]
        assert page_text == (graded / "feedback" / f"{account}.html").read_text(encoding="utf-8")
        assert account in page_text and other not in page_text
    # The exchange names each page by a hash of the submission's secret: nothing there
    # says whose it is, and no student can list the folder (nbgrader makes it 0711).
    exchange_feedback = hub.exchange / "l2reg" / "feedback"
    assert len(list(exchange_feedback.glob("*.html"))) == 2
    listing = hub.as_account(bob, "ls", str(exchange_feedback))
    assert listing.returncode != 0, listing.stdout
