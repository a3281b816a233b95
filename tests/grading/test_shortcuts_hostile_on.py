"""The last two runs of the ladder in test_shortcuts_hostile.py ("+preimport" and "on"),
graded in a second test process (tests/grading/shortcut_runs.py), with the comparison of
"+preimport" against the last run of the other file and the check that each shortcut was taken
only when on.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shortcut_runs import CELL_TIMEOUT, MODES, WALL_FACTOR, graded, the_cases  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")

MINE = MODES[3:]  # graded by this file's process; the others by test_shortcuts_hostile.py's
PAIRS = list(zip(MODES[2:], MODES[3:]))[::-1]  # its own pair first, then the one with the other file's run


@pytest.mark.parametrize("mode", MINE)
def test_each_mode_gives_the_kits_scores(mode):
    run, kit = graded(mode), the_cases()
    rows = {r["student_id"]: r for r in run["rows"]}
    assert set(kit) <= set(rows)
    for name, (_files, score, status) in kit.items():
        status = status.format(cell_timeout=CELL_TIMEOUT, wall_timeout=CELL_TIMEOUT * WALL_FACTOR)
        assert (float(rows[name]["score"]), rows[name]["status"]) == (score, status), name


@pytest.mark.parametrize("before, after", PAIRS)
def test_scores_and_statuses_are_identical_with_and_without_each_shortcut(before, after):
    assert graded(after)["rows"] == graded(before)["rows"]
    assert graded(after)["student_ids"] == graded(before)["student_ids"]


def test_the_shortcuts_were_taken_only_when_on():
    """On: no trusted kernel ran and the figures of skip-render cells are not in the
    feedback; off: the reference came from the trusted kernel and the figures are there."""
    runs = {m: graded(m) for m in MODES}
    assert runs["on"]["trusted_kernel_runs"] == 0 and runs["off"]["trusted_kernel_runs"] == 1
    pages = {m: (runs[m]["out"] / "feedback" / "honest_full.html").read_text(encoding="utf-8") for m in ("on", "off")}
    images = {m: len(re.findall(r'<img[^>]*src="data:image/png', page)) for m, page in pages.items()}
    assert images["off"] >= 6  # five figures and the widget's first frame (nbconvert's CSS has a PNG too: not counted)
    assert images["on"] == 0
    assert "Visible test passed." in pages["on"] and "Score: 9 / 9" in pages["on"]
    # sandboxes started ahead were handed to submissions only with prestart on
    assert runs["on"]["handed_out"] > 0
    assert all(runs[m]["handed_out"] == 0 for m in MODES if m != "on")
