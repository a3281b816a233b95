"""Run every benchmark in tests/benchmarks/, print one table and write JSON.

    .venv/bin/python tests/benchmarks/run.py [--quick] [--json PATH] [--only NAME ...] [--threads N] [--markdown]

Each ``bench_*.py`` module beside this file exposes ``run(quick: bool) -> list[dict]``
returning rows of the schema in ``_bench.py`` (benchmark, case, metric, value, unit,
baseline, baseline_value, ratio, goal, met, note). Every comparison is measured side by
side in this one run; ``ratio`` is ``value / baseline_value``.

``--quick`` runs each module's short version (what CI runs, through
``tests/test_benchmarks_quick.py``): every row is still produced, with smaller sizes and
fewer repeats, so it checks that the benchmarks run and that the correctness rows hold,
not the timing goals. ``--only`` runs the named modules (``ridge`` or ``bench_ridge``).

``--threads N`` (default 1) limits BLAS, OpenMP and PyTorch to N threads in this process
and in the kernels and interpreters it starts, by setting ``OMP_NUM_THREADS``,
``OPENBLAS_NUM_THREADS`` and ``MKL_NUM_THREADS`` before anything imports NumPy; ``0`` leaves
the libraries' defaults. On a small machine shared with other work, multi-threaded BLAS spends
most of its time waiting for a busy core and its timings vary tenfold; with one thread they
are stable. Both sides of every comparison run under the same limit.

A module that raises ``Skip`` (e.g. PyTorch is not installed) is reported as skipped. Any
other exception in a module becomes an ``error`` row, the other modules still run, and the
exit status is 1. The JSON holds the rows, each module's status and duration, and the
machine: CPUs, platform, Python and library versions, load average, time stamp.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import importlib.util
import json
import math
import os
import platform
import subprocess
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

import _bench  # noqa: E402

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
COLUMNS = ("benchmark", "case", "metric", "value", "baseline", "baseline_value", "ratio", "goal", "met", "note")


def discover(only=None) -> list[Path]:
    """The ``bench_*.py`` modules of this folder, sorted; only those named in ``only``."""
    paths = sorted(HERE.glob("bench_*.py"))
    if only:
        wanted = {name.removeprefix("bench_").removesuffix(".py") for name in only}
        unknown = wanted - {p.stem.removeprefix("bench_") for p in paths}
        if unknown:
            raise SystemExit(f"run.py: no benchmark module named {', '.join(sorted(unknown))} "
                             f"(have: {', '.join(p.stem.removeprefix('bench_') for p in paths)})")
        paths = [p for p in paths if p.stem.removeprefix("bench_") in wanted]
    return paths


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def _is_skip(exc) -> bool:
    # a module may define its own Skip; any exception class of that name counts
    return isinstance(exc, _bench.Skip) or type(exc).__name__ == "Skip"


def _status_row(name, status, note):
    return _bench.row(name, status, status, 0.0, "", met=False if status == "error" else None, note=note)


def _check_rows(rows):
    if not isinstance(rows, list):
        raise TypeError(f"run() returned {type(rows).__name__}, expected a list of rows")
    for r in rows:
        if not isinstance(r, dict) or set(r) != set(_bench.KEYS):
            raise TypeError(f"malformed row (keys must be exactly {_bench.KEYS}): {r!r}")
    return rows


def run_module(path: Path, quick: bool) -> tuple[list, dict]:
    """Import and run one module; return its rows and a status record."""
    name = path.stem.removeprefix("bench_")
    t0 = time.perf_counter()
    print(f"[run.py] {name}{' (quick)' if quick else ''} ...", file=sys.stderr, flush=True)
    try:
        module = _load(path)
        if not hasattr(module, "run"):
            raise AttributeError(f"{path.name} has no run(quick) function")
        rows = _check_rows(module.run(quick))
        status = {"status": "ok", "reason": ""}
    except Exception as exc:  # noqa: BLE001 - one module's failure must not stop the others
        if _is_skip(exc):
            rows = [_status_row(name, "skipped", str(exc))]
            status = {"status": "skipped", "reason": str(exc)}
        else:
            tb = traceback.format_exc()
            print(tb, file=sys.stderr)
            reason = f"{type(exc).__name__}: {exc}"
            rows = [_status_row(name, "error", reason)]
            status = {"status": "error", "reason": reason, "traceback": tb}
    status["seconds"] = round(time.perf_counter() - t0, 2)
    print(f"[run.py] {name}: {status['status']} in {status['seconds']:.1f} s", file=sys.stderr, flush=True)
    return rows, status


def _version(dist):
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _git_commit():
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                             text=True, timeout=10)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def _load_average():
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (OSError, AttributeError):
        return None


def machine_info() -> dict:
    """What the numbers were measured on."""
    return {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "processor": platform.machine(),
        "python": platform.python_version(),
        "numpy": _version("numpy"),
        "scikit-learn": _version("scikit-learn"),
        "torch": _version("torch"),
        "nbclient": _version("nbclient"),
        "distributed": _version("distributed"),  # bench_cluster
        "l2reg_commit": _git_commit(),
        "load_average_start": _load_average(),
        "timestamp": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def _cell(r, key):
    x = r[key]
    if key == "value":
        return f"{_bench.fmt(x)} {r['unit']}".strip()
    if key == "baseline_value":
        return "" if x is None else f"{_bench.fmt(x)} {r['unit']}".strip()
    if key in ("ratio", "met"):
        return _bench.fmt(x)
    return "" if x is None else str(x)


def table(rows, markdown=False) -> str:
    """The rows as an aligned text table (or a Markdown table)."""
    head = ["benchmark", "case", "metric", "value", "baseline", "baseline value", "ratio", "goal", "met", "note"]
    body = [[_cell(r, k) for k in COLUMNS] for r in rows]
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in line) + " |" for line in body]
        return "\n".join(lines)
    widths = [max(len(h), *(len(line[i]) for line in body)) if body else len(h) for i, h in enumerate(head)]
    widths[-1] = 0  # the note is last and not padded
    fmt_line = lambda line: "  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip()  # noqa: E731
    return "\n".join([fmt_line(head), fmt_line(["-" * w for w in widths[:-1]] + ["----"])]
                     + [fmt_line(line) for line in body])


def _json_ready(rows):
    """Rows with non-finite numbers replaced by None (strict JSON has no NaN), noted."""
    out = []
    for r in rows:
        r = dict(r)
        for key in ("value", "baseline_value", "ratio"):
            if r[key] is not None and not math.isfinite(r[key]):
                r["note"] = (r["note"] + f"; {key} was {r[key]}").lstrip("; ")
                r[key] = None
        out.append(r)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the short version of every benchmark (CI)")
    parser.add_argument("--json", default="bench-results.json", help="where to write the results "
                        "(default bench-results.json)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these modules (e.g. ridge optim)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP/PyTorch threads "
                        "(default 1; 0: the libraries' defaults)")
    parser.add_argument("--markdown", action="store_true", help="also print the table in Markdown")
    args = parser.parse_args(argv)

    # The notebook kernels ("python3") are found on PATH: use this environment's.
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    os.environ.setdefault("MPLBACKEND", "Agg")
    if "numpy" in sys.modules:  # pragma: no cover - run.py imports nothing numeric before this
        print("run.py: NumPy was imported before the thread limit was set", file=sys.stderr)
    if args.threads > 0:
        for var in THREAD_VARS:
            os.environ[var] = str(args.threads)

    machine = machine_info()
    machine["threads"] = {var: os.environ.get(var) for var in THREAD_VARS}
    t0 = time.perf_counter()
    rows, modules = [], {}
    for path in discover(args.only):
        module_rows, status = run_module(path, args.quick)
        rows += module_rows
        modules[path.stem.removeprefix("bench_")] = status
    machine["load_average_end"] = _load_average()
    machine["seconds"] = round(time.perf_counter() - t0, 1)

    print(table(rows))
    if args.markdown:
        print()
        print(table(rows, markdown=True))
    missed = [r for r in rows if r["met"] is False and r["case"] not in ("error",)]
    errors = [name for name, s in modules.items() if s["status"] == "error"]
    skipped = [f"{name} ({s['reason']})" for name, s in modules.items() if s["status"] == "skipped"]
    print(f"\n{len(rows)} rows from {len(modules)} modules in {machine['seconds']:.0f} s on "
          f"{machine['cpu_count']} CPUs, load average {machine['load_average_start']} -> "
          f"{machine['load_average_end']}; {len(missed)} goals missed"
          + (f"; skipped: {', '.join(skipped)}" if skipped else "")
          + (f"; ERRORS in: {', '.join(errors)}" if errors else ""))

    result = {"quick": args.quick, "machine": machine, "modules": modules, "rows": _json_ready(rows)}
    Path(args.json).write_text(json.dumps(result, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    print(f"wrote {args.json}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
