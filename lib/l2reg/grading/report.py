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

from .outcome import Status, clean_text, encodable

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
                        dynamic_ncols=True, leave=True)

    def step(self, label):
        self.done += 1
        self.bar.set_postfix_str(clean_text(label, 60), refresh=False)
        self.bar.update(1)
        if self.done >= self.total:
            self.close()

    def close(self):
        self.bar.close()


def write_csv(path: Path, lesson: Lesson, results: list):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["student_id", "score", "max_score", "status", *lesson.points])
    for r in sorted(results, key=lambda r: r.student_id):
        w.writerow([clean_text(r.student_id), f"{r.score:g}", f"{lesson.max_score:g}", r.status_text,
                    *(f"{r.cells[g]['score']:g}" for g in lesson.points)])
    path.write_text(encodable(buf.getvalue()), encoding="utf-8")


def summary_text(lesson: Lesson, results: list, skipped: list, seconds: float, jobs: int,
                 warnings: list = ()) -> str:
    """The run's summary; every name and reason from a submission goes through
    :func:`~.outcome.clean_text`, so none can start a line of its own."""
    n = len(results)
    by = {s: sorted((r for r in results if r.status is s), key=lambda r: r.student_id) for s in Status}
    lines = [
        f"{lesson.name}: {n} submission(s) in {seconds:.0f} s with {jobs} job(s): "
        f"{len(by[Status.GRADED])} graded, {len(by[Status.FLAGGED])} flagged, {len(by[Status.FAILED])} failed",
    ]
    lines += [f"warning: {w}" for w in warnings]
    if by[Status.FAILED]:
        lines.append("Could not be graded normally (failed):")
        lines += [f"  {clean_text(r.student_id)}: {clean_text(r.reason, 1000)}" for r in by[Status.FAILED]]
    if by[Status.FLAGGED]:
        lines.append("Graded from the restored official notebook (flagged):")
        lines += [f"  {clean_text(r.student_id)}: {clean_text(r.reason, 1000)}" for r in by[Status.FLAGGED]]
    extras = [r for r in sorted(results, key=lambda r: r.student_id) if r.extra_files]
    if extras:
        lines.append("Extra files not used:")
        lines += [f"  {clean_text(r.student_id)}: {clean_text(', '.join(r.extra_files[:10]), 1000)}" for r in extras]
    if skipped:
        lines.append("Not a submission (skipped):")
        lines += [f"  {clean_text(name)}: {clean_text(why)}" for name, why in skipped]
    return "\n".join(lines) + "\n"
