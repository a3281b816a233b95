"""The solution notebooks against their floor: N x an empty notebook.

Every notebook of ``solutions/`` is executed top to bottom with nbclient and the
``python3`` kernel (a new kernel each, in a temporary working folder, as
tests/notebooks/nbrun.py does), and so is an empty notebook (one empty code cell) before
each of them, interleaved. The empty notebook is the floor: starting a kernel, running
nothing, shutting it down. Rows (benchmark ``notebooks``):

* one per lesson: seconds for the whole notebook (kernel start to shutdown), against the
  median empty notebook; the ratio says how many kernel starts the lesson costs;
* ``all lessons`` / ``total``: the sum over the lessons against N x the floor; goal <= 60 s;
* ``all lessons`` / ``cells with errors``: outputs of type error; goal 0;
* ``slowest cell #1`` ... ``#10``: the cells that take longest (from nbclient's execution
  timestamps), with their lesson, index and first line.

Quick mode: one lesson (``QUICK_LESSON``) and one empty notebook.
"""

from __future__ import annotations

import datetime
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _bench  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
GOAL_SECONDS = 60.0
QUICK_LESSON = "01_penalty"
SLOWEST = 10


def lessons() -> list[tuple[str, Path]]:
    found = []
    for folder in sorted(p for p in SOLUTIONS.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for nb in sorted(folder.glob("*.ipynb")):
            found.append((folder.name, nb))
    return found


def execute(nb) -> float:
    """Run ``nb`` (a NotebookNode, changed in place) in a new python3 kernel; seconds taken."""
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory(prefix="l2reg-bench-nb-") as cwd:
        client = NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                                record_timing=True, resources={"metadata": {"path": cwd}})
        t0 = time.perf_counter()
        client.execute()
        return time.perf_counter() - t0


def empty_notebook():
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(cells=[new_code_cell("")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nbformat.from_dict(nb)


def _stamp(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def cell_times(lesson, nb):
    """(seconds, lesson, cell index, first line) for every executed code cell."""
    out = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        ex = cell.get("metadata", {}).get("execution", {})
        start, end = ex.get("iopub.execute_input") or ex.get("shell.execute_request"), ex.get("shell.execute_reply")
        if not (start and end):
            continue
        first = next((line for line in cell.source.splitlines() if line.strip()), "")
        out.append(((_stamp(end) - _stamp(start)).total_seconds(), lesson, i, first.strip()))
    return out


def errors(nb) -> int:
    return sum(1 for cell in nb.cells for o in cell.get("outputs", []) if o.get("output_type") == "error")


def run(quick: bool = False) -> list[dict]:
    import nbformat

    chosen = lessons()
    if not chosen:
        raise RuntimeError(f"no notebooks under {SOLUTIONS}")
    if quick:
        chosen = [item for item in chosen if item[0] == QUICK_LESSON] or chosen[:1]

    execute(empty_notebook())  # warm-up: the first kernel start pays for cold caches
    floors, seconds, cells, failed = [], {}, [], {}
    for lesson, path in chosen:
        floors.append(execute(empty_notebook()))
        nb = nbformat.read(str(path), as_version=4)
        seconds[lesson] = execute(nb)
        cells += cell_times(lesson, nb)
        failed[lesson] = errors(nb)
    floor = statistics.median(floors)

    rows = []
    for lesson, t in seconds.items():
        rows.append(_bench.row("notebooks", lesson, "execute", t, "s", baseline="empty notebook (kernel start)",
                               baseline_value=floor,
                               note=f"{sum(1 for c in cells if c[1] == lesson)} code cells"
                                    + (f"; {failed[lesson]} cells raised" if failed[lesson] else "")))
    total = sum(seconds.values())
    n = len(seconds)
    rows.append(_bench.row("notebooks", "all lessons", "total", total, "s",
                           baseline=f"{n} x empty notebook", baseline_value=sum(floors),
                           goal=f"<= {GOAL_SECONDS:g} s" if not quick else None,
                           met=(total <= GOAL_SECONDS) if not quick else None,
                           note=f"{n} lessons; floor median {floor:.2f} s "
                                f"(min {min(floors):.2f}, max {max(floors):.2f})"))
    bad = sum(failed.values())
    rows.append(_bench.row("notebooks", "all lessons", "cells with errors", bad, "cells", goal="== 0",
                           met=bad == 0, note=", ".join(f"{k}: {v}" for k, v in failed.items() if v)))
    for rank, (t, lesson, index, first) in enumerate(sorted(cells, reverse=True)[:SLOWEST], 1):
        rows.append(_bench.row("notebooks", f"{lesson} cell {index}", f"slowest cell #{rank}", t, "s",
                               note=first[:100]))
    return rows


if __name__ == "__main__":
    import argparse
    import os

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    from run import table

    print(table(run(args.quick)))
