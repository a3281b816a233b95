"""Slider-to-figure latency in a real browser, next to a trivial widget's round trip.

JupyterLab (on a temporary copy of lessons/) in headless Debian chromium driven by
Playwright, started by the same code as the browser tests (``tests/browser/_lab.py``).
Each lesson (quick mode: lesson 03 only) gets one extra last cell, the *trivial widget*:
an IntSlider whose observer sets a Label to the slider's value. The lesson is run with
Run > Run All Cells; then, for every slider of every demo (``widgets.<name>_demo(...)``),
the slider's handle is focused and ArrowRight (ArrowLeft once at the end of its range) is
pressed ``STEPS`` times (full: 30 per slider, quick: 5), and the trivial slider likewise
(full: 60 presses per lesson, quick: 10), in the same kernel, right after the demos.

What is timed, inside the page (``performance.now()``, no Playwright round trip in it):
from the ``keydown`` on the slider handle to the first change of the ``src`` of any
``<img>`` in the demo's output (a MutationObserver; the figure may be one image or a
background and an overlay), and for the trivial widget to the first change of the
Label's text. Each press waits for its update to land (plus the kernel going idle)
before the next, so presses never queue; a press with no update within ``CAP_S``
seconds counts as lost. The sliders have ``continuous_update=False``: ipywidgets 8
sends the value on noUiSlider's ``change`` event, which each arrow key fires once.

Rows: per demo (case ``<lesson>/<demo>``), over all demos, and for the trivial widget:
median and p95 in ms (demo rows compare with the trivial widget's median and p95 as
baseline) and the number of lost updates. Run directly for a table:
``python tests/benchmarks/bench_browser.py [--quick] [--json]``. Called from inside a
running asyncio loop (where Playwright's sync API cannot start, e.g. a pytest session
that still holds the browser tests' Playwright), ``run`` runs this file in a child process.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

sys.path.insert(0, str(HERE))
try:
    from _bench import Skip
except ImportError:  # the shared module is not there (yet)
    class Skip(Exception):
        """This benchmark cannot run here; the message says why."""

BENCH = "browser"
STEPS_FULL, STEPS_QUICK = 30, 5  # key presses per demo slider
TRIVIAL_FULL, TRIVIAL_QUICK = 60, 10  # key presses on the trivial slider, per lesson
QUICK_LESSON = "03_decay_factor"
CAP_S = 15.0  # a press whose update has not landed after this long is lost
DEMO_CALL = re.compile(r"\bwidgets\.(\w+)_demo\(")

TRIVIAL_CELL = '''# Benchmark only (added by tests/benchmarks/bench_browser.py): the trivial widget.
import ipywidgets as _bw
_bench_slider = _bw.IntSlider(value=0, min=0, max=10**6, description="trivial", continuous_update=False)
_bench_label = _bw.Label("0")
_bench_slider.add_class("l2reg-bench-slider")
_bench_label.add_class("l2reg-bench-echo")
_bench_slider.observe(lambda change: setattr(_bench_label, "value", str(change["new"])), names="value")
_bw.VBox([_bench_slider, _bench_label])'''

# A probe on one target: timestamps of the keydown on ``handle`` and of the first and
# last change under ``target`` after it: any <img>'s src (kind "img", also images added
# or replaced) or any text (kind "text"), and the last image 'load' event (decoded).
JS_PROBE = """([target, handle, kind]) => {
  if (window.__l2regProbe) window.__l2regProbe.disconnect();
  const st = {t0: null, first: null, last: null, loaded: null, armed: false};
  const mark = () => {
    if (!st.armed) return;
    const now = performance.now();
    if (st.first === null) st.first = now;
    st.last = now;
  };
  const isImg = n => n.nodeType === 1 && (n.tagName === 'IMG' || !!n.querySelector('img'));
  const obs = new MutationObserver(muts => {
    for (const m of muts) {
      if (kind !== 'img') { mark(); continue; }
      if (m.type === 'attributes' && m.target.tagName === 'IMG') mark();
      else if (m.type === 'childList' && [...m.addedNodes].some(isImg)) mark();
    }
  });
  obs.observe(target, kind === 'img'
    ? {subtree: true, childList: true, attributes: true, attributeFilter: ['src']}
    : {subtree: true, childList: true, characterData: true});
  const onLoad = e => { if (st.armed && e.target.tagName === 'IMG') st.loaded = performance.now(); };
  target.addEventListener('load', onLoad, true);
  const onKey = e => {
    if (!handle.contains(e.target)) return;
    st.t0 = performance.now(); st.first = st.last = st.loaded = null; st.armed = true;
  };
  document.addEventListener('keydown', onKey, true);
  st.disconnect = () => {
    obs.disconnect();
    target.removeEventListener('load', onLoad, true);
    document.removeEventListener('keydown', onKey, true);
  };
  window.__l2regProbe = st;
}"""

JS_RESULT = """() => { const s = window.__l2regProbe;
  return {t0: s.t0, first: s.first, last: s.last, loaded: s.loaded}; }"""

JS_LANDED = "() => window.__l2regProbe.first !== null"
# Nothing changed for 50 ms (a second image of the same update would have arrived).
JS_SETTLED = "() => performance.now() - window.__l2regProbe.last > 50"


def _load_lab():
    """tests/browser/_lab.py, loaded by path (tests/ is not an installed package)."""
    spec = importlib.util.spec_from_file_location("l2reg_browser_lab", ROOT / "tests" / "browser" / "_lab.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _row(case, metric, value, unit, *, baseline=None, baseline_value=None, ratio=None,
         goal=None, met=None, note=""):
    if ratio is None and baseline_value:
        ratio = value / baseline_value
    return {
        "benchmark": BENCH, "case": str(case), "metric": str(metric), "value": float(value),
        "unit": str(unit), "baseline": baseline,
        "baseline_value": None if baseline_value is None else float(baseline_value),
        "ratio": None if ratio is None else float(ratio), "goal": goal,
        "met": None if met is None else bool(met), "note": str(note),
    }


def p95(xs):
    """95th percentile, linear interpolation between order statistics (as numpy's default)."""
    xs = sorted(xs)
    if len(xs) == 1:
        return xs[0]
    k = 0.95 * (len(xs) - 1)
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def _log(msg):
    print(f"[bench_browser] {msg}", file=sys.stderr, flush=True)


class Series:
    """Latencies (ms) of one case: to the first change, the last change, the image decoded."""

    def __init__(self):
        self.first, self.last, self.loaded, self.presses, self.lost = [], [], [], 0, 0
        self.controls: list[str] = []

    def extend(self, other: "Series"):
        self.first += other.first
        self.last += other.last
        self.loaded += other.loaded
        self.presses += other.presses
        self.lost += other.lost
        self.controls += other.controls


def press_and_time(page, target, handle, readout, kind: str, steps: int, lab_mod) -> Series:
    """Press arrow keys on ``handle`` ``steps`` times; time each until ``target`` changes."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    out = Series()
    page.evaluate(JS_PROBE, [target.element_handle(), handle.element_handle(), kind])
    key, turns = "ArrowRight", 0
    handle.focus()
    while out.presses < steps:
        before = readout.inner_text()
        page.keyboard.press(key)
        if readout.inner_text() == before:  # at the end of its range: turn around
            turns += 1
            if turns > 2:
                break
            key = "ArrowLeft" if key == "ArrowRight" else "ArrowRight"
            page.wait_for_function(lab_mod.JS_KERNEL_IDLE, timeout=int(CAP_S * 1000))
            continue
        out.presses += 1
        try:
            page.wait_for_function(JS_LANDED, timeout=int(CAP_S * 1000))
        except PlaywrightTimeout:
            out.lost += 1
            handle.focus()
            continue
        page.wait_for_function(lab_mod.JS_KERNEL_IDLE, timeout=int(CAP_S * 1000))
        page.wait_for_function(JS_SETTLED, timeout=int(CAP_S * 1000))
        r = page.evaluate(JS_RESULT)
        out.first.append(r["first"] - r["t0"])
        out.last.append(r["last"] - r["t0"])
        if r["loaded"] is not None:
            out.loaded.append(r["loaded"] - r["t0"])
    page.evaluate("() => window.__l2regProbe.disconnect()")
    return out


def bench_lesson(page, lab, lab_mod, path: Path, steps: int, trivial_steps: int):
    """Open and run one lesson; return ({demo case: Series}, trivial Series)."""
    import nbformat

    lesson = path.parent.name
    served = lab.root / lesson / path.name
    nb = nbformat.read(str(served), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(TRIVIAL_CELL))
    nbformat.write(nb, str(served))
    t = time.perf_counter()
    lab_mod.open_and_run_all(page, lab, f"{lesson}/{path.name}", workspace=f"bench-{lesson}")
    _log(f"{lesson}: ran all cells in {time.perf_counter() - t:.1f} s")
    cells = page.locator(f"{lab_mod.ACTIVE_PANEL} .jp-Notebook .jp-Cell")
    demos: dict[str, Series] = {}
    for index, cell in enumerate(nb.cells):
        match = DEMO_CALL.search(cell.source) if cell.cell_type == "code" else None
        if not match:
            continue
        case = f"{lesson}/{match.group(1)}"
        if case in demos:
            case = f"{case} (cell {index})"
        area = cells.nth(index).locator(".jp-OutputArea-output:has(img)")
        if area.count() != 1:
            raise RuntimeError(f"{case}: the demo's widget output is not displayed ({area.count()} found)")
        area.locator("img").first.scroll_into_view_if_needed()
        series = Series()
        sliders = area.locator(".widget-slider")
        for k in range(sliders.count()):
            slider = sliders.nth(k)
            name = slider.locator(".widget-label").inner_text().strip()
            s = press_and_time(page, area, slider.locator(".noUi-handle"), slider.locator(".widget-readout"),
                               "img", steps, lab_mod)
            s.controls = [name]
            series.extend(s)
        demos[case] = series
        _log(f"{case}: {series.presses} presses on {series.controls}, "
             f"median {_med(series.first):.0f} ms, lost {series.lost}")
    trivial_cell = cells.nth(len(nb.cells) - 1)
    slider = trivial_cell.locator(".l2reg-bench-slider")
    echo = trivial_cell.locator(".l2reg-bench-echo")
    slider.scroll_into_view_if_needed()
    trivial = press_and_time(page, echo, slider.locator(".noUi-handle"), slider.locator(".widget-readout"),
                             "text", trivial_steps, lab_mod)
    _log(f"{lesson} trivial widget: {trivial.presses} presses, median {_med(trivial.first):.0f} ms, "
         f"lost {trivial.lost}")
    return demos, trivial


def _med(xs):
    return statistics.median(xs) if xs else float("nan")


def _rows(demos: dict[str, Series], trivial: Series, load: str) -> list[dict]:
    rows = []
    t_med, t_p95 = _med(trivial.first), (p95(trivial.first) if trivial.first else float("nan"))
    timing = ("from keydown on the slider handle to the first src change of an <img> in the demo's "
              "output, in the page (performance.now)")
    if not trivial.first:
        raise RuntimeError("the trivial widget never answered: no baseline")
    pooled = Series()
    for s in demos.values():
        pooled.extend(s)
    cases = list(demos.items())
    if len(demos) > 1:
        cases.append(("all demos", pooled))
    for case, s in cases:
        if s.first:
            extra = (f"; to the last image change median {_med(s.last):.1f} ms"
                     + (f", image decoded median {_med(s.loaded):.1f} ms" if s.loaded else ""))
            rows.append(_row(case, "slider→figure median", _med(s.first), "ms",
                             baseline="trivial widget slider→label median", baseline_value=t_med,
                             note=f"{len(s.first)} key presses, sliders {s.controls}; {timing}{extra}; {load}"))
            rows.append(_row(case, "slider→figure p95", p95(s.first), "ms",
                             baseline="trivial widget slider→label p95", baseline_value=t_p95,
                             note=f"{len(s.first)} key presses; {load}"))
        rows.append(_row(case, "lost updates", s.lost, "count", goal="0 lost", met=s.lost == 0,
                         note=f"of {s.presses} key presses: no figure change within {CAP_S:g} s"))
    note = (f"{len(trivial.first)} key presses on an IntSlider whose observer sets a Label (same "
            f"kernels as the demos); keydown to the Label's text change, in the page; {load}")
    rows.append(_row("trivial widget", "slider→label median", t_med, "ms", note=note))
    rows.append(_row("trivial widget", "slider→label p95", t_p95, "ms", note=note))
    rows.append(_row("trivial widget", "lost updates", trivial.lost, "count", goal="0 lost",
                     met=trivial.lost == 0,
                     note=f"of {trivial.presses} key presses: no Label change within {CAP_S:g} s"))
    return rows


def _in_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _run_in_child(quick: bool) -> list[dict]:
    """Run this file in a new interpreter and return its rows.

    Playwright's sync API refuses to start inside a running asyncio loop, which is where a
    caller is when it already drives a browser (e.g. a pytest session whose browser
    fixtures are still open).
    """
    cmd = [sys.executable, str(Path(__file__).resolve()), "--json"] + (["--quick"] if quick else [])
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, timeout=3600)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited with code {proc.returncode}")
    out = json.loads(proc.stdout)
    if isinstance(out, dict) and "skipped" in out:
        raise Skip(out["skipped"])
    return out


def run(quick: bool) -> list[dict]:
    lab_mod = _load_lab()
    reason = lab_mod.missing_browser()
    if reason is not None:
        raise Skip(f"the browser benchmark {reason}")
    if _in_event_loop():
        return _run_in_child(quick)
    from playwright.sync_api import sync_playwright

    lessons = sorted(p for p in lab_mod.LESSONS.glob("*/*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    if quick:
        lessons = [p for p in lessons if p.parent.name == QUICK_LESSON]
    steps = STEPS_QUICK if quick else STEPS_FULL
    trivial_steps = TRIVIAL_QUICK if quick else TRIVIAL_FULL
    base = Path(tempfile.mkdtemp(prefix="l2reg-bench-browser-"))
    demos: dict[str, Series] = {}
    trivial = Series()
    load_before = os.getloadavg()
    try:
        lab = lab_mod.start_lab(base)
        try:
            with sync_playwright() as pw:
                browser = lab_mod.launch_chromium(pw)
                try:
                    for path in lessons:
                        context = browser.new_context(viewport={"width": 1400, "height": 1800},
                                                      device_scale_factor=1)
                        page = context.new_page()
                        page.set_default_timeout(60_000)
                        try:
                            d, t = bench_lesson(page, lab, lab_mod, path, steps, trivial_steps)
                        finally:
                            context.close()
                            lab.shutdown_kernels()
                        demos.update(d)
                        trivial.extend(t)
                finally:
                    browser.close()
        finally:
            lab.stop()
    finally:
        shutil.rmtree(base, ignore_errors=True)
    load_after = os.getloadavg()
    load = (f"load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after, "
            f"{os.cpu_count()} CPUs")
    return _rows(demos, trivial, load)


def _table(rows):
    lines = [f"{'case':34} {'metric':24} {'value':>9} {'unit':5} {'ratio':>6}  note"]
    for r in rows:
        ratio = "" if r["ratio"] is None else f"{r['ratio']:.2f}"
        lines.append(f"{r['case']:34} {r['metric']:24} {r['value']:9.1f} {r['unit']:5} {ratio:>6}  {r['note']}")
    return "\n".join(lines)


if __name__ == "__main__":
    quick, as_json = "--quick" in sys.argv[1:], "--json" in sys.argv[1:]
    try:
        result = run(quick)
    except Skip as exc:
        print(json.dumps({"skipped": str(exc)}) if as_json else f"skipped: {exc}")
        sys.exit(0)
    print(json.dumps(result, indent=1) if as_json else _table(result))
