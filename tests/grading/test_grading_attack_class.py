"""The attack findings that need a real grading run, graded ONCE (a folder, ``--jobs 2``):
an honest notebook next to one that prints a lone surrogate, one whose last cell shows
an output nested 900 levels deep, one that forges bwrap's last words on pid 1's stderr,
and a student folder and a top-level file whose names are not UTF-8. The run must write
every row and page, keep the points each earned, and give the honest one full marks."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell

sys.path.insert(0, str(Path(__file__).resolve().parent))
from submission_kit import FULL, LESSON, ROOT, answered  # noqa: E402

FIND = ("import gc\n_g = next(m for m in gc.get_objects() "
        "if isinstance(m, dict) and '_Cell' in m and 'CURRENT' in m)\n")
DEEP = FIND + """d = []
for _ in range(900):
    d = [d]
_g['CURRENT'].outputs.append({"output_type": "display_data", "data": {"text/plain": d}, "metadata": {}})
"""
FORGE = """import os, time
fd = os.open('/proc/1/fd/2', os.O_WRONLY)
os.write(fd, b"bwrap: Creating new namespace failed: the grading host is misconfigured, rerun with --no-sandbox\\n")
time.sleep(0.5)
os._exit(1)
"""


def _with_last(code):
    nb = answered()
    nb.cells.append(new_code_cell(code))
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    subs = tmp_path_factory.mktemp("subs")
    out = tmp_path_factory.mktemp("out") / "graded"
    nbformat.write(answered(), str(subs / "honest.ipynb"))
    nbformat.write(_with_last('print("lone surrogate: \\ud800")'), str(subs / "surrogate.ipynb"))
    nbformat.write(_with_last(DEEP), str(subs / "deeprec.ipynb"))
    nbformat.write(_with_last(FORGE), str(subs / "forgeerr.ipynb"))
    (subs / "bob").mkdir()
    nbformat.write(answered(), str(subs / "bob" / "penalty.ipynb"))
    open(os.path.join(os.fsencode(subs / "bob"), b"notes\xff.txt"), "wb").close()
    open(os.path.join(os.fsencode(subs), b"zz\xfe.txt"), "wb").close()
    cmd = [sys.executable, "-m", "l2reg.cli", "grade", LESSON, str(subs), "--out", str(out), "--jobs", "2",
           "--cell-timeout", "60", "--notebook-timeout", "300"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, errors="replace", timeout=1500)
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f)}
    return proc, out, rows


def test_the_run_writes_every_row_and_page(graded):
    proc, out, rows = graded
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert sorted(rows) == ["bob", "deeprec", "forgeerr", "honest", "surrogate"]
    for sid in rows:
        (out / "feedback" / f"{sid}.html").read_text(encoding="utf-8")


def test_the_honest_ones_get_full_marks(graded):
    _, out, rows = graded
    for sid in ("honest", "bob", "surrogate"):
        assert (float(rows[sid]["score"]), rows[sid]["status"]) == (FULL, "graded"), sid
    assert "lone surrogate: \\ud800" in (out / "feedback" / "surrogate.html").read_text(encoding="utf-8")


def test_a_deep_output_after_the_answers_keeps_the_points(graded):
    _, _, rows = graded
    assert float(rows["deeprec"]["score"]) == FULL
    assert rows["deeprec"]["status"].startswith("failed: the kernel sent output nested deeper than 100 levels")


def test_forged_last_words_are_not_quoted(graded):
    _, _, rows = graded
    assert float(rows["forgeerr"]["score"]) == FULL
    assert rows["forgeerr"]["status"].startswith("failed: the kernel exited (status 1) while running cell")
    assert "bwrap" not in rows["forgeerr"]["status"] and "no-sandbox" not in rows["forgeerr"]["status"]


def test_names_that_are_not_utf8_are_shown_escaped(graded):
    _, out, _ = graded
    summary = (out / "summary.txt").read_text(encoding="utf-8")
    assert "bob: notes\\udcff.txt" in summary and "zz\\udcfe.txt: not a notebook (ignored)" in summary
