"""Grading on a Dask cluster: `l2reg grade --scheduler` with 1 and 2 workers against local `--jobs`.

Run by ``tests/benchmarks/run.py`` (through :func:`run`), or on its own (not collected by
pytest):

    python tests/benchmarks/bench_cluster.py [--n 6]

It writes N honest submissions of lesson 01 (full, partial and untouched answers, as
bench_grading does), then grades them, side by side in one run,

* locally with ``--jobs 1`` and ``--jobs 2`` (the baselines);
* on a ``distributed.LocalCluster`` of worker processes on 127.0.0.1 (one thread each)
  with 1 worker, then scaled to 2 workers: the same command with ``--scheduler``.

Each time is the whole command (``grade()``), the cluster's start excluded. The cluster's
overhead per submission is ``(T_cluster(w) - T_local(jobs=w)) / N``: shipping the lesson and
each submission and scoring on the client, plus the run's fixed differences spread over N
(the reference recorded in a trusted kernel on the client and the canary on every worker
process, where a local run records the reference once in the sandbox; the worker
processes' first imports). Quick mode (CI) grades 1 submission with ``--jobs 1`` and on 1 worker.
Raises ``Skip`` without bubblewrap or without Dask's distributed package.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "grading"))
sys.path.insert(0, str(HERE))

from bench_grading import make_submissions  # noqa: E402
from submission_kit import LESSON, ROOT  # noqa: E402


def time_grade(subs: Path, out: Path, jobs: int = 1, scheduler=None) -> float:
    from l2reg.grading.grade import grade

    t0 = time.perf_counter()
    report = grade(LESSON, subs, out, jobs=jobs, course_root=ROOT, progress_stream=io.StringIO(), scheduler=scheduler)
    seconds = time.perf_counter() - t0
    assert len(report) == len(list(subs.glob("*.ipynb"))), "not every submission was graded"
    return seconds


def measure(n: int, workers=(1, 2)) -> dict:
    """Seconds of each way of grading the same ``n`` submissions, measured in this run."""
    from distributed import LocalCluster

    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    os.environ.setdefault("MPLBACKEND", "Agg")
    runs = {}
    with tempfile.TemporaryDirectory(prefix="l2reg-bench-cluster-") as tmp:
        tmp = Path(tmp)
        make_submissions(tmp / "subs", n)
        for w in workers:
            runs[f"local --jobs {w}"] = time_grade(tmp / "subs", tmp / f"local{w}", jobs=w)
        with LocalCluster(n_workers=workers[0], threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None, memory_limit=0) as cluster:
            for w in workers:
                cluster.scale(w)
                _wait_for_workers(cluster, w)
                runs[f"cluster, {w} worker(s)"] = time_grade(tmp / "subs", tmp / f"cluster{w}",
                                                             scheduler=cluster.scheduler_address)
    return runs


def _wait_for_workers(cluster, n, timeout=120):
    deadline = time.monotonic() + timeout
    while len(cluster.scheduler.workers) != n:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the LocalCluster did not reach {n} workers in {timeout} s")
        time.sleep(0.2)


def rows_for(runs: dict, n: int, workers) -> list:
    import _bench

    load = os.getloadavg()[0]
    rows = []
    for w in workers:
        local, remote = runs[f"local --jobs {w}"], runs[f"cluster, {w} worker(s)"]
        rows.append(_bench.row("cluster", f"{LESSON}, N submissions", f"--scheduler, {w} worker(s): seconds per notebook",
                               remote / n, "s", baseline=f"local --jobs {w}", baseline_value=local / n,
                               note=f"N = {n}; whole command, cluster start excluded; load {load:.1f}"))
        rows.append(_bench.row("cluster", f"{LESSON}, N submissions",
                               f"--scheduler, {w} worker(s): overhead per submission vs --jobs {w}",
                               (remote - local) / n, "s",
                               note=f"(T_cluster - T_local) / N, N = {n}: shipping and scoring on the client, "
                                    "plus the run's fixed differences spread over N (the reference recorded in a "
                                    "trusted kernel on the client and a canary per worker process, where a local "
                                    f"run records it once in the sandbox; the workers' first imports); load {load:.1f}"))
    if len(workers) > 1:
        one, two = runs[f"cluster, {workers[0]} worker(s)"], runs[f"cluster, {workers[-1]} worker(s)"]
        rows.append(_bench.row("cluster", f"{LESSON}, N submissions",
                               f"throughput: {workers[-1]} workers vs {workers[0]} (notebooks per minute)",
                               n / two * 60, "nb/min", baseline=f"cluster, {workers[0]} worker(s)",
                               baseline_value=n / one * 60,
                               note=f"N = {n}; ratio > 1: more notebooks per minute; both workers share this "
                                    f"machine's {os.cpu_count()} cores; load {load:.1f}"))
    return rows


def run(quick: bool = False) -> list:
    """Rows for tests/benchmarks/run.py (benchmark ``cluster``)."""
    import _bench

    if shutil.which("bwrap") is None:
        raise _bench.Skip("bubblewrap (bwrap) is not installed; l2reg grade refuses to run without it")
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise _bench.Skip("Dask's distributed package is not installed (pip install 'l2reg[cluster]')") from None
    n, workers = (1, (1,)) if quick else (6, (1, 2))
    return rows_for(measure(n, workers), n, workers)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=6, help="number of submissions (default 6)")
    args = parser.parse_args(argv)
    runs = measure(args.n)
    for name, seconds in runs.items():
        print(f"{name:<24}{seconds:>9.1f} s{args.n / seconds * 60:>9.1f} nb/min")
    for r in rows_for(runs, args.n, (1, 2)):
        ratio = "" if r["ratio"] is None else f"  ratio {r['ratio']:.2f}"
        print(f"{r['metric']:<70}{r['value']:>9.2f} {r['unit']}{ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
