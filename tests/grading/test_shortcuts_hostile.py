"""The hostile class (submission_kit.cases: honest, broken, tampered, runaway and hostile
submissions of lesson 01) graded twice, once with every shortcut of issue 18 off
(figures drawn, the reference recorded in a trusted nbclient kernel and checked by the
canary) and once with all on (skip-render cells draw nothing, the reference recorded in the
sandbox): every row of grades.csv, every cell's points and every status are identical, and
each mode's scores are the kit's expected ones. One graded class per mode.
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
OFF = {"skip_render": False, "sandboxed_reference": False}
ON = {"skip_render": True, "sandboxed_reference": True}


def _grade(subs, out, switches, monkeypatch):
    from l2reg.grading import answers
    from l2reg.grading.grade import grade

    calls = []
    real = answers.reference_records

    def counted(*a, **k):
        calls.append(a)
        return real(*a, **k)

    monkeypatch.setattr(answers, "reference_records", counted)
    report = grade(LESSON, subs, out, jobs=2, course_root=ROOT, progress_stream=io.StringIO(),
                   limits_overrides={"cell_timeout": CELL_TIMEOUT, "notebook_timeout": 300, **switches})
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return {"report": report, "rows": rows, "trusted_kernel_runs": len(calls), "out": out}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("shortcuts")
    subs = base / "subs"
    selected = cases(ROOT, base / "out", subs, 9)  # port 9: nothing listens (the network case)
    write_cases(subs, selected)
    mp = pytest.MonkeyPatch()
    try:
        got = {name: _grade(subs, base / f"out-{name}", switches, mp)
               for name, switches in (("off", OFF), ("on", ON))}
    finally:
        mp.undo()
    return {"cases": selected, **got}


def test_scores_and_statuses_are_identical_with_and_without_the_shortcuts(runs):
    assert runs["on"]["rows"] == runs["off"]["rows"]
    assert [r.student_id for r in runs["on"]["report"]] == [r.student_id for r in runs["off"]["report"]]


@pytest.mark.parametrize("mode", ["off", "on"])
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
