"""Every widget demo of every lesson, moved with the keyboard in JupyterLab in headless Chromium.

For each lesson notebook: open it in JupyterLab, Run > Run All Cells, wait until every
code cell has run and the kernel is idle; check that only exercise and quiz cells
(nbgrader ``solution`` or ``grade``) show an error or anything on stderr, and that every
unanswered quiz cell does show its NotImplementedError (so the check can see errors). Then, for every
cell that builds a demo (``widgets.<name>_demo(...)``), find its widget box, and for each
slider focus the handle and press arrow keys: the readout must move and the demo's figure
must change (a new PNG arrives from the kernel, with other bytes and other pixels; the
figure is every image in the demo's output, so a background and an overlay count together). Each
dropdown gets another option and each set of toggle buttons two other choices, with the same
checks; the demo's readout line must be shown whole (wrapped, not cut off). A screenshot of each demo goes to
``test-artifacts/browser/<lesson>-<n>.png``.

Skips (with the reason) when chromium or the playwright package is missing; see conftest.py.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import nbformat
import pytest

from ._lab import JS_KERNEL_IDLE, lab_page, open_and_run_all

pytestmark = pytest.mark.browser

LESSONS = Path(__file__).resolve().parents[2] / "lessons"

RUN_TIMEOUT_MS = 300_000  # one lesson, Run All Cells
STEP_TIMEOUT_MS = 30_000  # one control moved until its new figure is shown
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

# The demo's figure is every <img> in its widget output (one PNG today; a static background
# and a transparent overlay stacked in a grid would be two). Its state is the list of their
# sources once every one has finished loading (blob: URLs from ipywidgets' Image view),
# or null while one is still loading or none has a picture.
JS_FIGURE_SRCS = """area => {
  const imgs = [...area.querySelectorAll('img')];
  if (!imgs.length || !imgs.every(i => i.complete) || !imgs.some(i => i.naturalWidth > 0)) return null;
  return imgs.map(i => i.src);
}"""

JS_FIGURE_SHA = """async area => {
  const out = [];
  for (const img of area.querySelectorAll('img')) {
    if (!img.src) { out.push(''); continue; }
    const buf = await (await fetch(img.src)).arrayBuffer();
    const d = await crypto.subtle.digest('SHA-256', buf);
    out.push([...new Uint8Array(d)].map(b => b.toString(16).padStart(2, '0')).join(''));
  }
  return out.join(',');
}"""

# The smallest page rectangle holding every image of the figure.
JS_FIGURE_BOX = """area => {
  const rs = [...area.querySelectorAll('img')].map(i => i.getBoundingClientRect()).filter(r => r.width && r.height);
  const x = Math.min(...rs.map(r => r.left)), y = Math.min(...rs.map(r => r.top));
  return {x: x, y: y, width: Math.max(...rs.map(r => r.right)) - x, height: Math.max(...rs.map(r => r.bottom)) - y};
}"""


def wait_kernel_idle(page) -> None:
    page.wait_for_function(JS_KERNEL_IDLE, timeout=STEP_TIMEOUT_MS)


def figure_srcs(area):
    return area.evaluate(JS_FIGURE_SRCS)


def figure_state(page, area):
    """(image sources, sha256 of their PNG bytes, screenshot of the figure) of a demo."""
    page.wait_for_function(f"area => ({JS_FIGURE_SRCS})(area) !== null", arg=area.element_handle(),
                           timeout=STEP_TIMEOUT_MS)
    srcs = figure_srcs(area)
    return srcs, area.evaluate(JS_FIGURE_SHA), page.screenshot(clip=area.evaluate(JS_FIGURE_BOX))


def wait_new_figure(page, area, old_srcs) -> None:
    """Wait until the figure shows a new rendering: some image has a new source, all loaded."""
    page.wait_for_function(
        f"""([area, old]) => {{ const s = ({JS_FIGURE_SRCS})(area);
                                return s !== null && JSON.stringify(s) !== JSON.stringify(old); }}""",
        arg=[area.element_handle(), old_srcs], timeout=STEP_TIMEOUT_MS)


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


def move_slider(page, slider, area, label: str) -> None:
    """Focus the slider's handle, press keys until its readout moves; check the figure changes."""
    handle = slider.locator(".noUi-handle")
    readout = slider.locator(".widget-readout")
    assert handle.count() == 1, f"{label}: no slider handle"
    start_srcs, start_sha, start_png = figure_state(page, area)
    start_value = readout.inner_text()
    moved = 0
    for keys in (["ArrowRight", "ArrowRight", "PageUp"], ["ArrowLeft", "ArrowLeft", "PageDown"]):
        for key in keys:
            before_value, before_srcs = readout.inner_text(), figure_srcs(area)
            handle.focus()
            page.keyboard.press(key)
            # The readout moves unless the slider is at its end already.
            deadline = time.monotonic() + 2
            while readout.inner_text() == before_value and time.monotonic() < deadline:
                page.wait_for_timeout(50)
            if readout.inner_text() == before_value:
                break
            moved += 1
            wait_new_figure(page, area, before_srcs)  # continuous_update=False: one rendering per key
        if moved:
            break
    assert moved, f"{label}: the keyboard did not move the slider (readout stays {start_value!r})"
    wait_kernel_idle(page)
    end_srcs, end_sha, end_png = figure_state(page, area)
    end_value = readout.inner_text()
    assert end_value != start_value, f"{label}: readout did not change"
    assert end_srcs != start_srcs, f"{label}: the figure was not re-rendered"
    assert end_sha != start_sha, f"{label}: the figure has the same PNGs after {start_value} -> {end_value}"
    assert end_png != start_png, f"{label}: the figure looks the same on screen after {start_value} -> {end_value}"


def assert_figure_changed(page, area, start, label: str, action: str) -> None:
    """Once the kernel is idle, the figure must differ from ``start`` (a figure_state) in every way."""
    wait_kernel_idle(page)
    start_srcs, start_sha, start_png = start
    end_srcs, end_sha, end_png = figure_state(page, area)
    assert end_srcs != start_srcs, f"{label}: the figure was not re-rendered"
    assert end_sha != start_sha, f"{label}: the figure has the same PNGs after {action}"
    assert end_png != start_png, f"{label}: the figure looks the same on screen after {action}"


def change_dropdown(page, dropdown, area, label: str) -> None:
    """Pick another option of the dropdown; check the figure changes."""
    select = dropdown.locator("select")
    assert select.count() == 1, f"{label}: no <select>"
    options = select.locator("option").all_inner_texts()
    current = select.evaluate("s => s.options[s.selectedIndex].textContent")
    assert len(options) > 1, f"{label}: nothing to choose from {options}"
    start_srcs, start_sha, start_png = figure_state(page, area)
    for choice in [o for o in options if o != current][:2]:
        before_srcs = figure_srcs(area)
        select.focus()
        select.select_option(label=choice)
        wait_new_figure(page, area, before_srcs)
    assert_figure_changed(page, area, (start_srcs, start_sha, start_png), label, "choosing another option")


def change_toggle_buttons(page, toggles, area, label: str) -> None:
    """Click two other buttons of a set of toggle buttons; check the figure changes."""
    buttons = toggles.locator("button")
    assert buttons.count() > 1, f"{label}: nothing to choose from"
    others = [k for k in range(buttons.count()) if "mod-active" not in (buttons.nth(k).get_attribute("class") or "")]
    start_srcs, start_sha, start_png = figure_state(page, area)
    for k in others[:2]:
        before_srcs = figure_srcs(area)
        buttons.nth(k).click()
        wait_new_figure(page, area, before_srcs)
    assert_figure_changed(page, area, (start_srcs, start_sha, start_png), label, "choosing another button")


# --- the test ----------------------------------------------------------------------------

# The demo's readout line: present, not empty, and not cut off (its text fits its box, and its
# box lies inside the demo's output, so a long readout wraps instead of running off the page).
JS_READOUT_FITS = """(el) => {
  const r = el.getBoundingClientRect(), area = el.closest('.jp-OutputArea-output').getBoundingClientRect();
  const sizes = {scroll: [el.scrollWidth, el.scrollHeight], client: [el.clientWidth, el.clientHeight],
                 box: [r.left, r.right], area: [area.left, area.right], shown: r.height};
  return {text: el.innerText, sizes: sizes,
          fits: el.scrollWidth <= el.clientWidth + 1 && el.scrollHeight <= el.clientHeight + 1
                && r.left >= area.left - 1 && r.right <= area.right + 1};
}"""


def check_readout_shown_whole(box, label: str) -> None:
    readout = box.locator(".l2reg-readout")
    assert readout.count() == 1, f"{label}: no readout line above the figure"
    state = readout.evaluate(JS_READOUT_FITS)
    assert state["text"].strip(), f"{label}: the readout is empty"
    assert state["fits"], f"{label}: the readout is cut off ({state['sizes']}): {state['text']!r}"


@pytest.mark.parametrize("path", lesson_notebooks(), ids=lambda p: p.parent.name)
def test_widget_demos_respond(path, jupyter_lab, browser, artifacts):
    lesson = path.parent.name
    nb = nbformat.read(str(jupyter_lab.root / lesson / path.name), as_version=4)
    demo_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and DEMO_CALL.search(c.source)]
    assert demo_cells, f"{lesson}: no cell calls widgets.<name>_demo(...)"
    failure_shot = artifacts / f"{lesson}-failure.png"
    with lab_page(browser, jupyter_lab, failure_shot, timeout_ms=STEP_TIMEOUT_MS, full_page=True) as (page, page_errors):
        open_and_run_all(page, jupyter_lab, f"{lesson}/{path.name}", workspace=f"test-{lesson}",
                         timeout_ms=RUN_TIMEOUT_MS)
        check_outputs(page, nb, lesson, "after Run All Cells")

        cells = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")
        for n, index in enumerate(demo_cells, start=1):
            label = f"{lesson} demo {n} (cell {index})"
            # The demo's widget output: its controls and its figure (one image or more).
            box = cells.nth(index).locator(".jp-OutputArea-output:has(img.widget-image)")
            assert box.count() == 1, f"{label}: the demo's widget is not displayed (widget outputs: {box.count()})"
            assert box.locator("img.widget-image").count() >= 1, f"{label}: the demo shows no image"
            box.locator("img.widget-image").first.scroll_into_view_if_needed()
            sliders = box.locator(".widget-slider")
            dropdowns = box.locator(".widget-dropdown")
            assert sliders.count() >= 1, f"{label}: no slider"
            for k in range(sliders.count()):
                slider = sliders.nth(k)
                name = slider.locator(".widget-label").inner_text().strip()
                move_slider(page, slider, box, f"{label}, slider {name!r}")
            for k in range(dropdowns.count()):
                dropdown = dropdowns.nth(k)
                name = dropdown.locator(".widget-label").inner_text().strip()
                change_dropdown(page, dropdown, box, f"{label}, dropdown {name!r}")
            toggles = box.locator(".widget-toggle-buttons")
            for k in range(toggles.count()):
                group = toggles.nth(k)
                name = group.locator(".widget-label").first.inner_text().strip()
                change_toggle_buttons(page, group, box, f"{label}, buttons {name!r}")
            check_readout_shown_whole(box, label)
            box.screenshot(path=str(artifacts / f"{lesson}-{n}.png"))

        check_outputs(page, nb, lesson, "after moving the controls")
        assert not page_errors, f"{lesson}: JavaScript errors in the page: {page_errors}"
