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
and each run's scores are the kit's expected ones. One graded class per run: this file's
process grades the first three, test_shortcuts_hostile_on.py's the last two
(tests/grading/shortcut_runs.py keeps each run for both).
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

MINE = MODES[:3]  # graded by this file's process; the others by test_shortcuts_hostile_on.py's
# each pair of consecutive runs, the last pair read in test_shortcuts_hostile_on.py
PAIRS = list(zip(MINE, MINE[1:]))


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
