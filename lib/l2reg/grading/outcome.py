"""What grading one submission gives: a typed status with a reason, the points per
graded cell, and the one function that makes submission-derived text safe to print.

The status column of ``grades.csv`` is :meth:`Result.status_text`: ``graded``,
``flagged: <reason>`` or ``failed: <reason>``; code never parses it back.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

# C0 and C1 control characters, DEL, and the Unicode line/paragraph separators and
# bidirectional overrides, which a terminal or spreadsheet would act on.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def clean_text(text, limit: int = 300) -> str:
    """``text`` on one line with every control character shown as an escape, cut at ``limit``.

    Used for everything derived from a submission that reaches ``grades.csv``,
    ``summary.txt``, the terminal or the progress line (student ids, flags from
    a forged notebook, the sandbox's last words), so that no submission can start
    a line, move the cursor or forge a row.

    Examples
    --------
    >>> clean_text("zz\\nyy: graded\\x1b[2K")
    'zz\\\\nyy: graded\\\\x1b[2K'
    >>> clean_text("a" * 10, limit=4)
    'aaaa...'
    """
    if not isinstance(text, str):
        text = str(text)

    def esc(m):
        c = m.group()
        return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(c) or (
            f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")

    text = _CONTROL.sub(esc, text)
    return text if len(text) <= limit else text[:limit] + "..."


class Status(enum.Enum):
    """How a submission was graded."""

    GRADED = "graded"  # run as submitted (after restoring nothing)
    FLAGGED = "flagged"  # graded from the restored official notebook; the reason says what was restored
    FAILED = "failed"  # could not be graded normally; cells not run score 0


@dataclass
class Result:
    """The outcome of grading one student's submission."""

    student_id: str
    status: Status = Status.GRADED
    reason: str = ""
    score: float = 0.0
    cells: dict = field(default_factory=dict)  # grade_id -> {"score", "points", "passed", "why"}
    notes: list = field(default_factory=list)
    extra_files: list = field(default_factory=list)  # files next to the notebook that were not used
    executed: object = None  # the executed notebook, until its feedback page is built
    seconds: float = 0.0
    budget: object = field(default=None, repr=False, compare=False)  # the submission's sandbox.Budget

    def fail(self, reason: str) -> "Result":
        self.status, self.reason = Status.FAILED, reason
        return self

    def flag(self, reason: str) -> "Result":
        self.status, self.reason = Status.FLAGGED, reason
        return self

    @property
    def status_text(self) -> str:
        """The status as ``grades.csv`` shows it, on one line."""
        if self.status is Status.GRADED:
            return "graded"
        return f"{self.status.value}: {clean_text(self.reason, 1000)}"
