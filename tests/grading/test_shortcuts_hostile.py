"""The hostile class (submission_kit.cases: honest, broken, tampered, runaway and hostile
submissions of lesson 01) graded once with every shortcut of issue 18 off (figures drawn,
the reference recorded in a trusted nbclient kernel and checked by the canary, every
sandbox started cold for its submission with nothing imported), then with the shortcuts
turned on one at a time, each run adding one to the one before: skip-render cells draw
nothing and the reference is recorded in the sandbox ("on-before", the two first ones),
then widget demos skip their first frame ("+skip_widget_draw"), then each sandbox imports
the lesson's own imports before it is ready ("+preimport"), then each sandbox is started
while the one before it runs ("on", the defaults). Every row of grades.csv, every cell's
points and every status are identical in every run, so each shortcut changes no score,
and each run's scores are the kit's expected ones. One graded class per run.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from submission_kit import LESSON, ROOT, cases, write_cases  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")

CELL_TIMEOUT = 4
WALL_FACTOR = json.loads((ROOT / "autograder" / "sandbox.json").read_text())["wall_factor"]
OFF = {"skip_render": False, "sandboxed_reference": False, "skip_widget_draw": False, "preimport": False,
       "prestart": False}
# each run turns one more shortcut on than the one before it
LADDER = [("off", OFF),
          ("on-before", dict(OFF, skip_render=True, sandboxed_reference=True)),
          ("+skip_widget_draw", dict(OFF, skip_render=True, sandboxed_reference=True, skip_widget_draw=True)),
          ("+preimport", dict(OFF, skip_render=True, sandboxed_reference=True, skip_widget_draw=True, preimport=True)),
          ("on", dict(OFF, skip_render=True, sandboxed_reference=True, skip_widget_draw=True, preimport=True,
                      prestart=True))]
MODES = [name for name, _ in LADDER]


def _grade(subs, out, switches, monkeypatch):
    from l2reg.grading import answers, pool
    from l2reg.grading.grade import grade

    calls, pools = [], []
    real, real_pool = answers.reference_records, pool.SandboxPool

    def counted(*a, **k):
        calls.append(a)
        return real(*a, **k)

    class Pool(real_pool):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            pools.append(self)

    monkeypatch.setattr(answers, "reference_records", counted)
    monkeypatch.setattr(pool, "SandboxPool", Pool)
    report = grade(LESSON, subs, out, jobs=2, course_root=ROOT, progress_stream=io.StringIO(),
                   limits_overrides={"cell_timeout": CELL_TIMEOUT, "notebook_timeout": 300, **switches})
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return {"report": report, "rows": rows, "trusted_kernel_runs": len(calls), "out": out,
            "handed_out": sum(p.handed_out for p in pools), "preimport": [p.preimport for p in pools]}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("shortcuts")
    subs = base / "subs"
    selected = cases(ROOT, base / "out", subs, 9)  # port 9: nothing listens (the network case)
    write_cases(subs, selected)
    mp = pytest.MonkeyPatch()
    try:
        got = {name: _grade(subs, base / f"out-{name}", switches, mp) for name, switches in LADDER}
    finally:
        mp.undo()
    return {"cases": selected, **got}


@pytest.mark.parametrize("before, after", list(zip(MODES, MODES[1:])))
def test_scores_and_statuses_are_identical_with_and_without_each_shortcut(runs, before, after):
    assert runs[after]["rows"] == runs[before]["rows"]
    assert [r.student_id for r in runs[after]["report"]] == [r.student_id for r in runs[before]["report"]]


@pytest.mark.parametrize("mode", MODES)
def test_each_mode_gives_the_kits_scores(runs, mode):
    rows = {r["student_id"]: r for r in runs[mode]["rows"]}
    assert set(runs["cases"]) <= set(rows)
    for name, (_files, score, status) in runs["cases"].items():
        status = status.format(cell_timeout=CELL_TIMEOUT, wall_timeout=CELL_TIMEOUT * WALL_FACTOR)
        assert (float(rows[name]["score"]), rows[name]["status"]) == (score, status), name


def test_the_shortcuts_were_taken_only_when_on(runs):
    """On: no trusted kernel ran and the figures of skip-render cells are not in the
    feedback; off: the reference came from the trusted kernel and the figures are there."""
    assert runs["on"]["trusted_kernel_runs"] == 0 and runs["off"]["trusted_kernel_runs"] == 1
    pages = {m: (runs[m]["out"] / "feedback" / "honest_full.html").read_text(encoding="utf-8") for m in ("on", "off")}
    images = {m: len(re.findall(r'<img[^>]*src="data:image/png', page)) for m, page in pages.items()}
    assert images["off"] >= 6  # five figures and the widget's first frame (nbconvert's CSS has a PNG too: not counted)
    assert images["on"] == 0
    assert "Visible test passed." in pages["on"] and "Score: 9 / 9" in pages["on"]
    # sandboxes started ahead were handed to submissions only with prestart on
    assert runs["on"]["handed_out"] > 0
    assert all(runs[m]["handed_out"] == 0 for m in MODES if m != "on")
