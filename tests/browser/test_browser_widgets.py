"""Every widget demo of every lesson, moved with the keyboard in JupyterLab in headless Chromium.

For each lesson notebook: open it in JupyterLab, Run > Run All Cells, wait until every
code cell has run and the kernel is idle; check that only exercise and quiz cells
(nbgrader ``solution`` or ``grade``) show an error or anything on stderr, and that every
unanswered quiz cell does show its NotImplementedError (so the check can see errors). Then, for every
cell that builds a demo (``widgets.<name>_demo(...)``), find its widget box, and for each
slider focus the handle and press arrow keys: the readout must move and the demo's image
must change (a new PNG arrives from the kernel, with other bytes and other pixels). Each
dropdown gets another option, with the same checks. A screenshot of each demo goes to
``test-artifacts/browser/<lesson>-<n>.png``.

Skips (with the reason) when chromium or the playwright package is missing; see conftest.py.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.browser

LESSONS = Path(__file__).resolve().parents[2] / "lessons"

RUN_TIMEOUT_MS = 300_000  # one lesson, Run All Cells
STEP_TIMEOUT_MS = 30_000  # one control moved until its new image is shown
DEMO_CALL = re.compile(r"\bwidgets\.\w+_demo\(")
STDERR = 'application/vnd.jupyter.stderr'
TOP_LEVEL_RAISE = re.compile(r"^raise NotImplementedError", re.MULTILINE)


def lesson_notebooks() -> list[Path]:
    return sorted(p for p in LESSONS.glob("*/*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def is_exercise(cell) -> bool:
    """An exercise or quiz cell: nbgrader solution or grade cell (expected to raise in lessons/)."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("solution") or meta.get("grade"))


# --- page helpers ------------------------------------------------------------------------

# All code cells have run (a number in their prompt) and the notebook's kernel is idle.
JS_ALL_RUN = """() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  if (!panel) return false;
  const ind = panel.querySelector('.jp-Notebook-ExecutionIndicator');
  if (!ind || ind.getAttribute('data-status') !== 'idle') return false;
  const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];
  return prompts.length > 0 && prompts.every(p => /^\\[\\d+\\]:$/.test(p.textContent.trim()));
}"""

JS_KERNEL_IDLE = """() => {
  const ind = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator');
  return !!ind && ind.getAttribute('data-status') === 'idle';
}"""

# The image's current source, once loaded and decoded (blob: URLs from ipywidgets' Image view).
JS_IMG_SRC = """img => (img.complete && img.naturalWidth > 0) ? img.src : null"""

JS_IMG_SHA = """async img => {
  const buf = await (await fetch(img.src)).arrayBuffer();
  const d = await crypto.subtle.digest('SHA-256', buf);
  return [...new Uint8Array(d)].map(b => b.toString(16).padStart(2, '0')).join('');
}"""


def wait_kernel_idle(page) -> None:
    page.wait_for_function(JS_KERNEL_IDLE, timeout=STEP_TIMEOUT_MS)


def image_state(img):
    """(src, sha256 of the PNG bytes, element screenshot) of the demo's image."""
    img.page.wait_for_function(f"img => ({JS_IMG_SRC})(img) !== null", arg=img.element_handle(),
                               timeout=STEP_TIMEOUT_MS)
    src = img.evaluate(JS_IMG_SRC)
    return src, img.evaluate(JS_IMG_SHA), img.screenshot()


def wait_new_image(img, old_src: str) -> None:
    """Wait until the image shows a new rendering (a new blob URL, loaded)."""
    img.page.wait_for_function(
        f"([img, old]) => {{ const s = ({JS_IMG_SRC})(img); return s !== null && s !== old; }}",
        arg=[img.element_handle(), old_src], timeout=STEP_TIMEOUT_MS)


# The kernel has started and is idle: the status bar reads "<kernel name> | Idle".
JS_KERNEL_READY = """() => [...document.querySelectorAll('#jp-main-statusbar .jp-StatusBar-TextItem')]
  .some(e => /^(?!No Kernel).+ \\| Idle$/.test(e.textContent.trim()))"""

JS_ANY_QUEUED = """() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputArea-prompt')]
  .some(p => p.textContent.trim() !== '[ ]:')"""


def open_and_run_all(page, lab, notebook: str, workspace: str) -> None:
    """Open the notebook in a fresh workspace, wait for its kernel, then Run > Run All Cells."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.goto(lab.lab_url(notebook, workspace), wait_until="domcontentloaded")
    page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first.wait_for(state="attached", timeout=120_000)
    page.wait_for_function(JS_KERNEL_READY, timeout=120_000, polling=200)
    for attempt in range(3):
        page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        page.locator(".lm-Menu .lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
        try:
            page.wait_for_function(JS_ANY_QUEUED, timeout=10_000, polling=200)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise AssertionError(f"{notebook}: Run > Run All Cells did not start any cell") from None
    page.wait_for_function(JS_ALL_RUN, timeout=RUN_TIMEOUT_MS, polling=500)


def stderr_texts(page, nb) -> list[str]:
    """For each cell, the text of its error and stderr outputs as JupyterLab shows them ('' if none)."""
    cells = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")
    assert cells.count() == len(nb.cells), "JupyterLab shows another number of cells than the notebook has"
    return cells.evaluate_all(
        f"""cells => cells.map(c => [...c.querySelectorAll('.jp-OutputArea-output[data-mime-type="{STDERR}"]')]
                                  .map(o => o.textContent.trim()).join('\\n'))""")


def check_outputs(page, nb, lesson: str, when: str) -> None:
    """Errors only where expected: the unfinished exercises raise, nothing else does."""
    texts = stderr_texts(page, nb)
    unexpected = [f"cell {i}: {text[:500]}" for i, (cell, text) in enumerate(zip(nb.cells, texts))
                  if text and not is_exercise(cell)]
    assert not unexpected, f"{lesson}: error or stderr output outside exercise cells {when}:\n" + "\n".join(unexpected)
    # The check sees errors at all: every unanswered quiz cell (a top-level
    # `raise NotImplementedError()`) shows its NotImplementedError.
    unanswered = [i for i, c in enumerate(nb.cells) if is_exercise(c) and TOP_LEVEL_RAISE.search(c.source)]
    silent = [i for i in unanswered if "NotImplementedError" not in texts[i]]
    assert not silent, f"{lesson}: unanswered quiz cells {silent} show no NotImplementedError {when}"


def move_slider(page, slider, img, label: str) -> None:
    """Focus the slider's handle, press keys until its readout moves; check the image changes."""
    handle = slider.locator(".noUi-handle")
    readout = slider.locator(".widget-readout")
    assert handle.count() == 1, f"{label}: no slider handle"
    start_src, start_sha, start_png = image_state(img)
    start_value = readout.inner_text()
    moved = 0
    for keys in (["ArrowRight", "ArrowRight", "PageUp"], ["ArrowLeft", "ArrowLeft", "PageDown"]):
        for key in keys:
            before_value, before_src = readout.inner_text(), img.evaluate(JS_IMG_SRC)
            handle.focus()
            page.keyboard.press(key)
            # The readout moves unless the slider is at its end already.
            deadline = time.monotonic() + 2
            while readout.inner_text() == before_value and time.monotonic() < deadline:
                page.wait_for_timeout(50)
            if readout.inner_text() == before_value:
                break
            moved += 1
            wait_new_image(img, before_src)  # continuous_update=False: one rendering per key
        if moved:
            break
    assert moved, f"{label}: the keyboard did not move the slider (readout stays {start_value!r})"
    wait_kernel_idle(page)
    end_src, end_sha, end_png = image_state(img)
    end_value = readout.inner_text()
    assert end_value != start_value, f"{label}: readout did not change"
    assert end_src != start_src, f"{label}: the image was not re-rendered"
    assert end_sha != start_sha, f"{label}: the image is the same PNG after {start_value} -> {end_value}"
    assert end_png != start_png, f"{label}: the image looks the same on screen after {start_value} -> {end_value}"


def change_dropdown(page, dropdown, img, label: str) -> None:
    """Pick another option of the dropdown; check the image changes."""
    select = dropdown.locator("select")
    assert select.count() == 1, f"{label}: no <select>"
    options = select.locator("option").all_inner_texts()
    current = select.evaluate("s => s.options[s.selectedIndex].textContent")
    assert len(options) > 1, f"{label}: nothing to choose from {options}"
    start_src, start_sha, start_png = image_state(img)
    for choice in [o for o in options if o != current][:2]:
        before_src = img.evaluate(JS_IMG_SRC)
        select.focus()
        select.select_option(label=choice)
        wait_new_image(img, before_src)
    wait_kernel_idle(page)
    end_src, end_sha, end_png = image_state(img)
    assert end_src != start_src, f"{label}: the image was not re-rendered"
    assert end_sha != start_sha, f"{label}: the image is the same PNG after choosing another option"
    assert end_png != start_png, f"{label}: the image looks the same on screen after choosing another option"


# --- the test ----------------------------------------------------------------------------

@pytest.mark.parametrize("path", lesson_notebooks(), ids=lambda p: p.parent.name)
def test_widget_demos_respond(path, jupyter_lab, browser, artifacts):
    lesson = path.parent.name
    nb = nbformat.read(str(jupyter_lab.root / lesson / path.name), as_version=4)
    demo_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and DEMO_CALL.search(c.source)]
    assert demo_cells, f"{lesson}: no cell calls widgets.<name>_demo(...)"
    context = browser.new_context(viewport={"width": 1400, "height": 1800}, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(STEP_TIMEOUT_MS)
    page_errors: list[str] = []
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    try:
        open_and_run_all(page, jupyter_lab, f"{lesson}/{path.name}", workspace=f"test-{lesson}")
        check_outputs(page, nb, lesson, "after Run All Cells")

        cells = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")
        for n, index in enumerate(demo_cells, start=1):
            label = f"{lesson} demo {n} (cell {index})"
            box = cells.nth(index).locator(".jp-OutputArea-output .widget-vbox:has(img.widget-image)")
            assert box.count() == 1, f"{label}: the demo's widget is not displayed (widget boxes: {box.count()})"
            img = box.locator("img.widget-image")
            assert img.count() == 1, f"{label}: expected one image, found {img.count()}"
            img.scroll_into_view_if_needed()
            sliders = box.locator(".widget-slider")
            dropdowns = box.locator(".widget-dropdown")
            assert sliders.count() >= 1, f"{label}: no slider"
            for k in range(sliders.count()):
                slider = sliders.nth(k)
                name = slider.locator(".widget-label").inner_text().strip()
                move_slider(page, slider, img, f"{label}, slider {name!r}")
            for k in range(dropdowns.count()):
                dropdown = dropdowns.nth(k)
                name = dropdown.locator(".widget-label").inner_text().strip()
                change_dropdown(page, dropdown, img, f"{label}, dropdown {name!r}")
            box.screenshot(path=str(artifacts / f"{lesson}-{n}.png"))

        check_outputs(page, nb, lesson, "after moving the controls")
        assert not page_errors, f"{lesson}: JavaScript errors in the page: {page_errors}"
    except Exception:
        try:
            page.screenshot(path=str(artifacts / f"{lesson}-failure.png"), full_page=True)
        except Exception:
            pass
        raise
    finally:
        context.close()
        try:
            jupyter_lab.shutdown_kernels()
        except OSError:
            pass
