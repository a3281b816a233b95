"""The benchmarks' quick mode runs, so tests/benchmarks/ never rots.

Runs ``tests/benchmarks/run.py --quick`` in a subprocess and checks its JSON: every module
ran (or skipped for a stated, allowed reason), the rows of the numeric, import, notebook and
grading benchmarks are all there with finite numbers, and the *correctness* rows (equal
coefficients, equal leave-one-out errors, equal optimizer trajectories, no matplotlib on
import, no failing notebook cell) hold. No timing goal is asserted here: timings depend on
the machine and its load, and are reported by the command, not tested.
"""

from __future__ import annotations

import importlib.util
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUN = ROOT / "tests" / "benchmarks" / "run.py"

# module -> (benchmark, case, metric) rows its quick mode must produce
EXPECTED = {
    "ridge": [("ridge_path", "n=200 p=50 K=100", m) for m in (
        "time vs Ridge loop", "time vs ridge_regression multi-alpha", "time vs sklearn best",
        "time vs bare SVD", "coefficients vs Ridge loop", "coefficients vs ridge_regression")]
    + [("ridge_loo", "n=200 p=50 K=100", m) for m in ("time vs RidgeCV", "LOO errors vs RidgeCV")],
    "optim": [("optim", f"{name} p={p}", m) for name in ("Adam", "AdamW") for p in ("1e3", "1e6")
              for m in ("trajectory vs torch", "time per step vs torch")],
    "import": [("import", "import l2reg", m) for m in ("import time", "process wall time",
                                                       "matplotlib modules loaded")],
    "notebooks": [("notebooks", "01_penalty", "execute"), ("notebooks", "all lessons", "total"),
                  ("notebooks", "all lessons", "cells with errors")],
    "grading": [("grading", "01_penalty, N submissions", "l2reg grade --jobs 1: seconds per notebook")],
    "widgets": [("widgets", demo, m) for demo in (
        "01 lambda_fit_demo", "02 gradient_descent_demo", "03 weight_decay_demo", "04 geometry_demo",
        "05 lambda_sweep_demo", "06 prior_width_demo", "07 adamw_demo")
        for m in ("slider step, median of 20", "slider step, p95 of 20", "full redraws among the slider steps")],
    "browser": [("browser", "trivial widget", m) for m in (
        "slider→label median", "slider→label p95", "lost updates")],
    "cluster": [("cluster", "01_penalty, N submissions", m) for m in (
        "--scheduler, 1 worker(s): seconds per notebook",
        "--scheduler, 1 worker(s): overhead per submission vs --jobs 1")],
}
# metrics that state a result, not a speed: their goal must be met
CORRECTNESS = {"coefficients vs Ridge loop", "coefficients vs ridge_regression", "LOO errors vs RidgeCV",
               "trajectory vs torch", "matplotlib modules loaded", "cells with errors", "lost updates"}
# the only reasons a module may skip: what it needs is not installed
ALLOWED_SKIPS = {
    "optim": lambda: importlib.util.find_spec("torch") is None,
    "grading": lambda: shutil.which("bwrap") is None,
    "cluster": lambda: shutil.which("bwrap") is None or importlib.util.find_spec("distributed") is None,
    # the browser benchmark needs Debian's Chromium and Playwright
    "browser": lambda: not Path("/usr/bin/chromium").exists() or importlib.util.find_spec("playwright") is None,
}


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "quick.json"
    proc = subprocess.run([sys.executable, str(RUN), "--quick", "--json", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, f"run.py --quick exited {proc.returncode}\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return json.loads(out.read_text(encoding="utf-8"))


def test_every_module_ran_or_skipped_for_an_allowed_reason(result):
    for name, status in result["modules"].items():
        assert status["status"] != "error", f"{name}: {status['reason']}"
        if status["status"] == "skipped":
            allowed = ALLOWED_SKIPS.get(name)
            assert allowed is not None and allowed(), f"{name} skipped: {status['reason']}"
    for name in EXPECTED:
        assert name in result["modules"], f"no benchmark module {name}"


def test_expected_rows_are_there(result):
    have = {(r["benchmark"], r["case"], r["metric"]) for r in result["rows"]}
    for name, rows in EXPECTED.items():
        if result["modules"][name]["status"] == "skipped":
            continue
        missing = [r for r in rows if r not in have]
        assert not missing, f"{name}: missing rows {missing}"


def test_rows_have_the_schema_and_finite_numbers(result):
    keys = {"benchmark", "case", "metric", "value", "unit", "baseline", "baseline_value",
            "ratio", "goal", "met", "note"}
    for r in result["rows"]:
        assert set(r) == keys, r
        if r["case"] == "skipped":
            continue
        assert isinstance(r["value"], (int, float)) and math.isfinite(r["value"]), r
        for key in ("baseline_value", "ratio"):
            assert r[key] is None or math.isfinite(r[key]), r
        assert r["met"] in (True, False, None), r


def test_correctness_rows_hold(result):
    checked = [r for r in result["rows"] if r["metric"] in CORRECTNESS]
    assert checked, "no correctness rows"
    failed = [r for r in checked if r["met"] is not True]
    assert not failed, failed


def test_machine_is_recorded(result):
    machine = result["machine"]
    for key in ("cpu_count", "platform", "python", "numpy", "scikit-learn", "timestamp",
                "load_average_start", "load_average_end"):
        assert key in machine, key
