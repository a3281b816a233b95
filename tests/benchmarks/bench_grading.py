"""Grading throughput: `l2reg grade` with 1 and 2 jobs against plain nbclient.

Run by ``tests/benchmarks/run.py`` (through :func:`run`), or on its own (not collected by
pytest):

    python tests/benchmarks/bench_grading.py [--n 8] [--json bench_grading.json]

It writes N honest submissions of lesson 01 (full, partial and untouched answers),
then measures

* nbclient: executing the same N notebooks one after the other with nbclient and
  the python3 kernel (no sandbox, no grading, no feedback): the baseline;
* l2reg grade --jobs 1 and --jobs 2: the whole command (sandboxed execution,
  restoring, scoring, gradebook, feedback), and the same minus its fixed set-up
  (generating the release and running the reference solution once), measured by
  grading an empty folder.

On its own it prints a table of notebooks graded per minute and writes the numbers as
JSON. Through ``run(quick)`` it returns rows (benchmark ``grading``): seconds per notebook
of each way against nbclient's; quick mode grades 1 submission with 1 job
only and does not measure the set-up separately. It raises
``Skip`` when bubblewrap (``bwrap``), which the grader requires, is not installed.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "grading"))
sys.path.insert(0, str(HERE))

from submission_kit import HONEST, LESSON, ROOT, answered, untouched  # noqa: E402


def make_submissions(folder: Path, n: int) -> list:
    import nbformat

    kinds = [answered(), answered(HONEST), untouched()]
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        p = folder / f"student{i:03d}.ipynb"
        nbformat.write(kinds[i % len(kinds)], str(p))
        paths.append(p)
    return paths


def time_nbclient(paths) -> float:
    import nbformat
    from nbclient import NotebookClient

    t0 = time.perf_counter()
    for p in paths:
        nb = nbformat.read(str(p), as_version=4)
        with tempfile.TemporaryDirectory() as cwd:
            NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                           resources={"metadata": {"path": cwd}}).execute()
    return time.perf_counter() - t0


def time_grade(subs: Path, out: Path, jobs: int) -> float:
    from l2reg.grading.grade import grade

    t0 = time.perf_counter()
    grade(LESSON, subs, out, jobs=jobs, course_root=ROOT, progress_stream=io.StringIO())
    return time.perf_counter() - t0


def measure(n: int, jobs=(1, 2), setup=True):
    """Seconds for nbclient and for ``l2reg grade`` with each number of jobs; the set-up
    (grading an empty folder), or None without ``setup``."""
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    os.environ.setdefault("MPLBACKEND", "Agg")
    with tempfile.TemporaryDirectory(prefix="l2reg-bench-") as tmp:
        tmp = Path(tmp)
        paths = make_submissions(tmp / "subs", n)
        if setup:
            (tmp / "empty").mkdir()
            setup = time_grade(tmp / "empty", tmp / "out0", 1)
        else:
            setup = None
        runs = {"nbclient": time_nbclient(paths)}
        for j in jobs:
            runs[f"l2reg grade --jobs {j}"] = time_grade(tmp / "subs", tmp / f"out{j}", j)
    return runs, setup


def run(quick: bool = False) -> list:
    """Rows for tests/benchmarks/run.py: seconds per graded notebook against nbclient's."""
    import _bench

    if shutil.which("bwrap") is None:
        raise _bench.Skip("bubblewrap (bwrap) is not installed; l2reg grade refuses to run without it")
    n = 1 if quick else 8
    runs, setup = measure(n, (1,) if quick else (1, 2), setup=not quick)
    base = runs["nbclient"] / n
    rows = []
    for name, seconds in runs.items():
        if name == "nbclient":
            continue
        note = "including the fixed set-up (generating the release, running the reference once)"
        if setup is not None:
            net = max(seconds - setup, 1e-9) / n
            note = (f"without the fixed set-up ({setup:.1f} s): {net:.2f} s per notebook, "
                    f"{net / base:.2f} x nbclient")
        rows.append(_bench.row("grading", f"{LESSON}, N submissions", f"{name}: seconds per notebook",
                               seconds / n, "s", baseline="nbclient, no sandbox or grading", baseline_value=base,
                               note=f"N = {n}; {note}"))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=8, help="number of submissions (default 8)")
    parser.add_argument("--json", default="bench_grading.json", help="where to write the results")
    args = parser.parse_args(argv)
    runs, setup = measure(args.n)

    rows = []
    base = args.n / runs["nbclient"] * 60
    for name, seconds in runs.items():
        per_min = args.n / seconds * 60
        row = {"run": name, "notebooks": args.n, "seconds": round(seconds, 2), "per_minute": round(per_min, 2),
               "vs_nbclient": round(per_min / base, 3)}
        if name != "nbclient":
            net = max(seconds - setup, 1e-9)
            row["per_minute_without_setup"] = round(args.n / net * 60, 2)
            row["vs_nbclient_without_setup"] = round(args.n / net * 60 / base, 3)
        rows.append(row)

    print(f"lesson {LESSON}, {args.n} notebooks, {os.cpu_count()} CPUs; fixed set-up of l2reg grade: {setup:.1f} s")
    print(f"{'run':<22}{'seconds':>9}{'nb/min':>9}{'x nbclient':>12}{'nb/min*':>10}{'x nbclient*':>13}")
    for r in rows:
        print(f"{r['run']:<22}{r['seconds']:>9.1f}{r['per_minute']:>9.1f}{r['vs_nbclient']:>12.2f}"
              f"{r.get('per_minute_without_setup', r['per_minute']):>10.1f}"
              f"{r.get('vs_nbclient_without_setup', r['vs_nbclient']):>13.2f}")
    print("* without the fixed set-up")
    result = {"lesson": LESSON, "cpus": os.cpu_count(), "python": platform.python_version(),
              "setup_seconds": round(setup, 2), "runs": rows}
    Path(args.json).write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
