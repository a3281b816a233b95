"""The grader's second hardening (issue 12), class by class, without a full grading run:
typed outcomes, arguments checked before heavy imports, the sandbox's control groups
(CPU share and quota, memory of all processes, CPU-time accounting), a read-only /dev,
bounded reads on the grader's side, the per-submission budget, the zip and folder
scans, and feedback that never costs points. test_grading_hardening_class.py grades a
class with the cases that need a full run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from submission_kit import LESSON, ROOT  # noqa: E402

from l2reg.grading import cgroups  # noqa: E402
from l2reg.grading.outcome import Result, Status, clean_text  # noqa: E402
from l2reg.grading.sandbox import Budget, Limits, NotebookTimeout, OutputTooLarge, Sandbox  # noqa: E402
from l2reg.grading.submissions import MAX_STUDENT_BYTES, MAX_STUDENT_FILES, find_submissions  # noqa: E402

HAVE_CGROUPS = not cgroups.missing_controls()
needs_cgroups = pytest.mark.skipif(not HAVE_CGROUPS, reason=f"no writable cgroups here: {cgroups.missing_controls()}")


# --- typed outcomes and early checks ----------------------------------------------------

def test_status_text_is_what_grades_csv_always_showed():
    assert Result("a").status_text == "graded"
    assert Result("a").fail("the kernel crashed (SIGABRT)").status_text == "failed: the kernel crashed (SIGABRT)"
    r = Result("a").flag("kernelspec changed")
    assert (r.status, r.reason, r.status_text) == (Status.FLAGGED, "kernelspec changed", "flagged: kernelspec changed")


def test_clean_text_leaves_nothing_a_terminal_or_csv_acts_on():
    forged = "markdown\r\nzz: graded\x1b[2J\x07\u2028\u202e"
    out = clean_text(forged)
    assert "\n" not in out and "\r" not in out and "\x1b" not in out and "\u2028" not in out and "\u202e" not in out
    assert out == "markdown\\r\\nzz: graded\\x1b[2J\\x07\\u2028\\u202e"
    assert Result("a").fail(forged).status_text.count("\n") == 0


def _cli_in_child(*args):
    code = textwrap.dedent(f"""
        import sys
        from l2reg.cli import main
        rc = main({list(args)!r})
        print(rc, "nbgrader" in sys.modules, "nbformat" in sys.modules, "nbconvert" in sys.modules)
    """)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("args, words", [
    (("grade", "99_typo", "x"), ["LESSON", "99_typo", "01_penalty"]),
    (("grade", LESSON, "/nonexistent/subs"), ["SUBMISSIONS", "nonexistent"]),
    (("grade", LESSON, str(ROOT / "lessons"), "--jobs", "0"), ["--jobs", "0"]),
])
def test_mistakes_are_rejected_before_nbgrader_is_imported(args, words):
    """A typo is rejected without importing nbgrader (10-15 s here): the import state
    of the process that rejected it is the measure, not a clock."""
    out = _cli_in_child(*args)
    assert out.stdout.split() == ["2", "False", "False", "False"], out.stdout + out.stderr
    line = out.stderr.strip()
    assert len(line.splitlines()) == 1 and all(w in line for w in words), line


# --- the sandbox's control groups ---------------------------------------------------------

SPINNERS = """
import os, time
kids = []
for _ in range(40):
    pid = os.fork()
    if pid == 0:
        os.setsid()  # its own session: defeats the kernel's autogroup fairness
        while True:
            pass
    kids.append(pid)
print(len(kids))
"""


@needs_cgroups
def test_dozens_of_setsid_spinners_get_at_most_one_core():
    limits = Limits(cell_timeout=30, grace=2, notebook_timeout=600, cpu_cores=1.0)
    with Sandbox(limits) as sb:
        r = sb.run_cell(SPINNERS, "spinners")
        assert r.status == "ok" and r.outputs[0]["text"].strip() == "40"
        c0, t0 = sb.cgroup.cpu_seconds(), time.monotonic()
        time.sleep(4)
        used, wall = sb.cgroup.cpu_seconds() - c0, time.monotonic() - t0
        assert len(sb.cgroup.pids()) >= 40  # they are all in the sandbox's groups
    # The quota is one core per period whatever the sandbox spawns (allow a period of slack).
    assert used / wall <= 1.0 + 0.15, (used, wall)
    print(f"40 setsid spinners: {used:.2f} s of CPU in {wall:.2f} s of wall clock ({used / wall:.2f} cores)")


@needs_cgroups
def test_three_children_cannot_hold_more_than_the_memory_limit_together():
    limits = Limits(cell_timeout=60, grace=5, notebook_timeout=600, memory_mb=2048)
    cell = """
import os, time
kids = []
for _ in range(3):
    pid = os.fork()
    if pid == 0:
        hog = b"x" * (1 << 30)  # 1 GB, written, so it is resident
        time.sleep(4)
        os._exit(0)
    kids.append(pid)
codes = [os.waitpid(k, 0)[1] for k in kids]
print(sum(c == 0 for c in codes))
"""
    with Sandbox(limits) as sb:
        r = sb.run_cell(cell, "hogs")
        peak = sb.cgroup.memory_peak()
        oom = sb.cgroup.oom_killed()
    survived = int(r.outputs[0]["text"])
    assert survived < 3 and oom  # the per-process limit alone let all three hold 1 GB
    assert peak <= limits.memory_mb << 20


def test_dev_is_read_only_and_dev_shm_is_sized():
    with Sandbox(Limits(cell_timeout=20, grace=2, notebook_timeout=120)) as sb:
        r = sb.run_cell("""
import errno
res = []
for p in ("/dev/big", "/dev/shm/big"):
    try:
        with open(p, "wb") as f:
            f.write(b"x" * (4 << 20))
        res.append("wrote " + p)
    except OSError as e:
        res.append(errno.errorcode[e.errno])
with open("/dev/null", "wb") as f:
    f.write(b"fine")
print(res)
""")
    assert r.status == "ok", r.outputs
    assert r.outputs[0]["text"].strip() == "['EROFS', 'ENOSPC']"


@needs_cgroups
def test_time_limits_count_the_sandboxes_own_cpu_time():
    """A cell that waits for the CPU (here: stopped outright, as if its neighbour held
    every core) is not timed out on the wall clock while its CPU time is under the limit."""
    limits = Limits(cell_timeout=2, grace=1, notebook_timeout=60, wall_factor=20)
    with Sandbox(limits) as sb:
        assert sb.accounted
        t0 = time.monotonic()
        r = sb.run_cell("import time\ntime.sleep(6)\nprint('slept')", "sleeper")
        assert r.status == "ok" and r.outputs[0]["text"] == "slept\n"
        assert time.monotonic() - t0 > limits.cell_timeout + limits.grace  # longer than the CPU limit


def test_budget_counts_the_graders_own_work_on_a_submission():
    budget = Budget(cpu_seconds=0.2, wall_seconds=100)
    with pytest.raises(NotebookTimeout, match=r"ran longer than 0.2 s \(stopped while rebuilding"):
        with budget.stage("rebuilding the notebook"):
            t = time.thread_time()
            while time.thread_time() - t < 0.3:
                pass
    # A sandbox started on a spent budget runs nothing.
    with Sandbox(Limits(cell_timeout=5, grace=1, notebook_timeout=60), budget=budget) as sb:
        with pytest.raises(NotebookTimeout):
            sb.run_cell("1 + 1", "cell 1")


# --- the grader's own memory --------------------------------------------------------------

FLOOD = """
import os, sys, json
_fd = int(sys.argv[2])
_line = (json.dumps({"status": "ok", "outputs": [
    {"output_type": "stream", "name": "stdout", "text": "x" * (15 << 20)}]}) + "\\n").encode()
os.write(_fd, _line)
"""

RSS_SCRIPT = """
import json, resource, sys
import nbformat
from l2reg.grading.scoring import run_notebook
from l2reg.grading.sandbox import Limits, Sandbox

def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

limits = Limits(cell_timeout=30, grace=5, notebook_timeout=900, message_mb=16, notebook_output_mb=32)
nb = nbformat.v4.new_notebook()
nb.cells = [nbformat.v4.new_code_cell(sys.argv[1]) for _ in range(int(sys.argv[2]))]
with Sandbox(limits) as sb:
    sb.run_cell("x = 1")
    base = rss_mb()
    status = {}
    run_notebook(nb, sb, status)
kept = sum(len(o.get("text", "")) for c in nb.cells for o in c.outputs)
dropped = sum("output dropped by the grader" in o.get("text", "") for c in nb.cells for o in c.outputs)
print(json.dumps({"growth_mb": rss_mb() - base, "kept_mb": kept / 2**20, "dropped": dropped}))
"""


def test_replies_written_straight_to_the_result_pipe_keep_the_grader_bounded(tmp_path):
    """40 cells each forging a 15 MB reply (600 MB in all, past the runner's own 1 MB
    cap): the grader keeps at most notebook_output_mb of outputs and its peak RSS grows
    by far less than the flood."""
    out = subprocess.run([sys.executable, "-c", RSS_SCRIPT, FLOOD, "40"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["kept_mb"] <= 32 + 1 and got["dropped"] > 0
    assert got["growth_mb"] < 600 / 3, got
    print(f"grader RSS growth under a 600 MB flood: {got['growth_mb']:.0f} MB (kept {got['kept_mb']:.1f} MB)")


def test_a_reply_over_the_per_cell_cap_is_not_read_whole():
    limits = Limits(cell_timeout=30, grace=5, notebook_timeout=300, message_mb=2)
    with Sandbox(limits) as sb, pytest.raises(OutputTooLarge, match="larger than 2 MB"):
        sb.run_cell("import os, sys\nos.write(int(sys.argv[2]), b'x' * (8 << 20))", "cell 3")
        assert len(sb._buf) <= (2 << 20) + (1 << 16)


# --- one student's files never stop the class ---------------------------------------------

def test_default_caps_per_student():
    assert (MAX_STUDENT_FILES, MAX_STUDENT_BYTES) == (10_000, 1 << 30)


def _zip(path, members):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return path


def test_each_student_of_a_hostile_zip_gets_exactly_one_entry(tmp_path, monkeypatch):
    import l2reg.grading.submissions as subs

    monkeypatch.setattr(subs, "MAX_STUDENT_BYTES", 3 << 20)  # the same code path as 1 GB, faster
    monkeypatch.setattr(subs, "MAX_MEMBER_BYTES", 2 << 20)
    nb = '{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}'
    members = [("export/fine/penalty.ipynb", nb), ("export/plain.ipynb", nb)]
    members += [(f"export/many/f{i}.txt", "x") for i in range(MAX_STUDENT_FILES + 1)]
    members += [("export/many/penalty.ipynb", nb)]
    members += [(f"export/bomb/part{i}.bin", b"\0" * (1 << 20)) for i in range(5)] + [("export/bomb/a.ipynb", nb)]
    members += [("export/clash", "a file"), ("export/clash/penalty.ipynb", nb)]
    members += [("export/longname/" + "d" * 300 + "/penalty.ipynb", nb)]
    members += [("export/" + "e" * 300 + "/penalty.ipynb", nb)]
    members += [("export/huge/penalty.ipynb", " " * (3 << 20))]
    members += [("export/nlid\n.ipynb", nb), ("export/nlid.ipynb", nb)]
    archive = _zip(tmp_path / "class.zip", members)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    found = find_submissions(archive, scratch)
    entries = {e.student_id: e for e in found.entries}
    assert sorted(entries) == ["bomb", "clash", "fine", "huge", "longname", "many", "nlid", "plain"]
    assert entries["fine"].notebook is not None and entries["plain"].notebook is not None
    assert entries["nlid"].notebook is not None and entries["nlid"].notebook.name == "nlid.ipynb"
    assert entries["many"].problem == f"the submission holds {MAX_STUDENT_FILES + 2} files, more than {MAX_STUDENT_FILES}"
    assert entries["bomb"].problem == "the submission unpacks to more than 3 MB"
    assert entries["clash"].problem == "the submission holds a file and a folder both named clash"
    assert entries["longname"].problem.startswith("longname/ddd") and "cannot be unpacked" in entries["longname"].problem
    assert entries["huge"].problem == "the notebook penalty.ipynb is larger than 2 MB"
    skipped = dict(found.skipped)
    assert skipped["nlid\n.ipynb"] == "not a valid student id (ignored)"
    assert not (scratch / "unzipped" / "export" / "many").exists()  # the disk is freed


def test_a_student_folder_over_the_caps_is_one_failed_entry(tmp_path, monkeypatch):
    import l2reg.grading.submissions as subs

    monkeypatch.setattr(subs, "MAX_STUDENT_FILES", 50)
    (tmp_path / "many").mkdir()
    for i in range(60):
        (tmp_path / "many" / f"f{i}.txt").write_text("x")
    (tmp_path / "ok.ipynb").write_text("{}")
    found = find_submissions(tmp_path, tmp_path)
    got = {e.student_id: e.problem for e in found.entries}
    assert got == {"many": "the submission holds more than 50 files", "ok": None}


# --- feedback never costs points ----------------------------------------------------------

def test_a_feedback_page_that_cannot_be_built_keeps_the_points():
    from l2reg.grading.scoring import Lesson, feedback_page

    lesson = Lesson("01_penalty", None, None, {"t": []}, {"t": 2.0}, "penalty")
    res = Result("amy", score=2.0, cells={"t": {"score": 2.0, "points": 2.0, "passed": True, "why": None}})
    res.executed = object()  # not a notebook: nbconvert cannot render it
    page = feedback_page(lesson, res)
    assert (res.score, res.status) == (2.0, Status.GRADED)
    assert "Score: 2 / 2" in page and "the notebook could not be shown" in page
    assert "Content-Security-Policy" in page
