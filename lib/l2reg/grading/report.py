"""What a run writes and says: the :class:`Report` returned to the CLI, grades.csv, the
summary text and the progress line. Every name and reason from a submission goes through
:func:`~.outcome.clean_text`, so none can start a line of its own.
"""

from __future__ import annotations

import csv
import io
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .outcome import Status, clean_text, encodable, spreadsheet_cell

if TYPE_CHECKING:
    from .scoring import Lesson


@dataclass
class Report:
    """What one ``l2reg grade`` run gives: the results (sorted by student id), the
    summary text (also in ``summary.txt``; the CLI prints it) and the folder written."""

    lesson: str
    results: list
    summary: str
    out: Path
    warnings: list = field(default_factory=list)

    def __iter__(self):
        return iter(self.results)

    def __len__(self):
        return len(self.results)


class Progress:
    """The run's progress bar: tqdm (https://tqdm.github.io) on ``stream``, drawn only when
    ``stream`` is a terminal; a log file or a pipe gets nothing (the summary says it all).
    Each step shows the last student's id and status, escaped like all submission text."""

    def __init__(self, total, stream=sys.stderr):
        from tqdm import tqdm

        self.total, self.done = total, 0
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        # disable= when not a terminal: tqdm then writes nothing at all (tqdm.std.tqdm.__init__)
        self.bar = tqdm(total=total, file=stream, disable=not self.tty, desc="grading", unit="notebook",
                        dynamic_ncols=True, leave=True, mininterval=0, miniters=1)  # a step is seconds apart

    def step(self, label):
        self.done += 1
        self.bar.set_postfix_str(clean_text(label, 60), refresh=False)
        self.bar.update(1)
        if self.done >= self.total:
            self.close()

    def close(self):
        self.bar.close()


def write_csv(path: Path, lesson: Lesson, results: list):
    """grades.csv: ``student_id, score, max_score, status, late, name, email`` and the points
    of each graded cell. ``late`` is ``true`` when the platform marked the submission late
    (Canvas's ``_LATE``; Moodle's download and plain folders mark none), else ``false``;
    ``name`` and ``email`` come from ``--roster``, else the name the platform's file names
    give, else are empty."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["student_id", "score", "max_score", "status", "late", "name", "email", *lesson.points])
    for r in sorted(results, key=lambda r: r.student_id):
        w.writerow([clean_text(r.student_id), f"{r.score:g}", f"{lesson.max_score:g}", r.status_text,
                    "true" if r.late else "false", spreadsheet_cell(r.name), spreadsheet_cell(r.email),
                    *(f"{r.cells[g]['score']:g}" for g in lesson.points)])
    path.write_text(encodable(buf.getvalue()), encoding="utf-8")


def _who(r) -> str:
    return clean_text(r.student_id) + (f" ({clean_text(r.name, 100)})" if r.name else "")


def summary_text(lesson: Lesson, results: list, skipped: list, seconds: float, jobs: int,
                 warnings: list = (), source: str = "", roster: dict | None = None) -> str:
    """The run's summary; every name and reason from a submission goes through
    :func:`~.outcome.clean_text`, so none can start a line of its own. ``jobs``: the
    number of local jobs, or a phrase such as "a Dask cluster". ``source``: the
    line saying which format SUBMISSIONS was read as; ``roster``: ``--roster``'s entries
    (``{student_id: RosterEntry}``), to list who is not on it and who handed in nothing."""
    how = f"with {jobs} job(s)" if isinstance(jobs, int) else f"on {jobs}"  # e.g. "on a Dask cluster"
    n = len(results)
    by = {s: sorted((r for r in results if r.status is s), key=lambda r: r.student_id) for s in Status}
    lines = [
        f"{lesson.name}: {n} submission(s) in {seconds:.0f} s {how}: "
        f"{len(by[Status.GRADED])} graded, {len(by[Status.FLAGGED])} flagged, {len(by[Status.FAILED])} failed",
    ]
    if source:
        lines.append(clean_text(source, 1000))
    lines += [f"warning: {w}" for w in warnings]
    if by[Status.FAILED]:
        lines.append("Could not be graded normally (failed):")
        lines += [f"  {_who(r)}: {clean_text(r.reason, 1000)}" for r in by[Status.FAILED]]
    if by[Status.FLAGGED]:
        lines.append("Graded from the restored official notebook (flagged):")
        lines += [f"  {_who(r)}: {clean_text(r.reason, 1000)}" for r in by[Status.FLAGGED]]
    ordered = sorted(results, key=lambda r: r.student_id)
    late = [r for r in ordered if r.late]
    if late:
        lines.append("Late (as the platform marked them):")
        lines += [f"  {_who(r)}" for r in late]
    handed = [r for r in ordered if r.handed_in]
    if handed:
        lines.append("Several files handed in:")
        lines += [f"  {_who(r)}: {clean_text('; '.join(r.handed_in), 1000)}" for r in handed]
    extras = [r for r in ordered if r.extra_files]
    if extras:
        lines.append("Extra files not used:")
        lines += [f"  {clean_text(r.student_id)}: {clean_text(', '.join(r.extra_files[:10]), 1000)}" for r in extras]
    if roster is not None:
        graded = {r.student_id for r in results}
        off = [r for r in ordered if r.student_id not in roster]
        if off:
            lines.append("Not on the roster (graded all the same):")
            lines += [f"  {_who(r)}" for r in off]
        missing = sorted(set(roster) - graded)
        if missing:
            lines.append("On the roster, no submission:")
            lines += [f"  {clean_text(sid)}" + (f" ({clean_text(roster[sid].label, 200)})" if roster[sid].label else "")
                      for sid in missing]
    if skipped:
        lines.append("Not a submission (skipped):")
        lines += [f"  {clean_text(name)}: {clean_text(why)}" for name, why in skipped]
    return "\n".join(lines) + "\n"
