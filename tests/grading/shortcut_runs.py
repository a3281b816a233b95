"""The hostile class of lesson 01 graded with a given set of grading shortcuts, once per test
run however many processes ask (tests/grading/test_shortcuts_hostile*.py).

The five runs of the ladder take about 50 s each, so two test files hold them, one process
each (tests/conftest.py groups by file). A run is kept in a folder both processes share, made
for the run by tests/conftest.py: the first process to ask for a mode grades it under
a lock, the other one waits for the lock and reads the result.
"""

from __future__ import annotations

import atexit
import csv
import fcntl
import io
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from submission_kit import LESSON, ROOT, cases, write_cases  # noqa: E402

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


def _grade(subs, out, switches):
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

    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(answers, "reference_records", counted)
        monkeypatch.setattr(pool, "SandboxPool", Pool)
        report = grade(LESSON, subs, out, jobs=2, course_root=ROOT, progress_stream=io.StringIO(),
                       limits_overrides={"cell_timeout": CELL_TIMEOUT, "notebook_timeout": 300, **switches})
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return {"student_ids": [r.student_id for r in report], "rows": rows, "trusted_kernel_runs": len(calls),
            "out": str(out), "handed_out": sum(p.handed_out for p in pools),
            "preimport": [p.preimport for p in pools]}


_OWN: list[Path] = []


def _folder() -> Path:
    # Under `pytest -n`, tests/conftest.py makes a folder for the run that every process sees
    # and removes it at the end; a single process keeps the runs in a folder of its own.
    shared = os.environ.get("L2REG_XDIST_GROUPS")
    if shared:
        base = Path(shared)
    else:
        if not _OWN:
            _OWN.append(Path(tempfile.mkdtemp(prefix="l2reg-shortcuts-")))
            atexit.register(shutil.rmtree, _OWN[0], True)
        base = _OWN[0]
    folder = base / "shortcuts-hostile"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class _Lock:
    def __init__(self, path: Path):
        self.path = path

    def __enter__(self):
        self.f = open(self.path, "w")
        fcntl.flock(self.f, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.f, fcntl.LOCK_UN)
        self.f.close()


def the_cases() -> dict:
    """The kit's cases, written once to the shared submissions folder."""
    folder = _folder()
    subs = folder / "subs"
    selected = cases(ROOT, folder / "out", subs, 9)  # port 9: nothing listens (the network case)
    with _Lock(folder / "subs.lock"):
        if not (folder / "subs.done").exists():
            write_cases(subs, selected)
            (folder / "subs.done").write_text("", encoding="utf-8")
    return selected


def graded(mode: str) -> dict:
    """The class graded in ``mode`` (a name in MODES), graded by whichever process asks first."""
    switches = dict(LADDER)[mode]
    folder = _folder()
    subs = folder / "subs"
    the_cases()
    result = folder / f"{mode}.json"
    with _Lock(folder / f"{mode}.lock"):
        if not result.exists():
            got = _grade(subs, folder / f"out-{mode}", switches)
            tmp = result.with_suffix(".tmp")
            tmp.write_text(json.dumps(got), encoding="utf-8")
            tmp.replace(result)
    got = json.loads(result.read_text(encoding="utf-8"))
    got["out"] = Path(got["out"])
    return got
