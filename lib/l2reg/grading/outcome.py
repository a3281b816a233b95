"""What grading one submission gives: a typed status with a reason, the points per
graded cell, and the one function that makes submission-derived text safe to print.

The status column of ``grades.csv`` is :meth:`Result.status_text`: ``graded``,
``flagged: <reason>`` or ``failed: <reason>``; code never parses it back.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass, field

# Characters a terminal, spreadsheet or browser would act on or hide: every character of
# the Unicode categories Cc (controls), Cf (format: zero-width, bidi marks, BOM, tags),
# Cs (lone surrogates, which no UTF-8 file can hold), Co (private use), Cn (unassigned),
# Zl and Zp (line and paragraph separators).
_ESCAPED = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _escape(c: str) -> str:
    o = ord(c)
    if c in "\n\r\t":
        return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}[c]
    if o < 0x100:
        return f"\\x{o:02x}"
    return f"\\u{o:04x}" if o < 0x10000 else f"\\U{o:08x}"


def encodable(text) -> str:
    """``text`` with every lone surrogate shown as an escape (``\\udcff``), so that it can
    be written as UTF-8; everything else is kept, newlines included.

    Examples
    --------
    >>> encodable("notes\\udcff.txt")
    'notes\\\\udcff.txt'
    """
    if not isinstance(text, str):
        text = str(text)
    return re.sub(r"[\ud800-\udfff]", lambda m: _escape(m.group()), text)


def clean_text(text, limit: int = 300) -> str:
    """``text`` on one line with every control, format, surrogate, private-use,
    unassigned and separator character shown as an escape, cut at ``limit``.

    Used for everything derived from a submission that reaches ``grades.csv``,
    ``summary.txt``, the terminal or the progress line (student ids, flags from
    a forged notebook, the sandbox's last words), so that no submission can start
    a line, move the cursor, hide or reorder text, or forge a row; the result can
    always be written as UTF-8.

    Examples
    --------
    >>> clean_text("zz\\nyy: graded\\x1b[2K")
    'zz\\\\nyy: graded\\\\x1b[2K'
    >>> clean_text("bob\\u200b.ipynb \\ud800")
    'bob\\\\u200b.ipynb \\\\ud800'
    >>> clean_text("a" * 10, limit=4)
    'aaaa...'
    """
    if not isinstance(text, str):
        text = str(text)
    text = "".join(_escape(c) if unicodedata.category(c) in _ESCAPED else c for c in text[: limit * 2 + 16])
    return text if len(text) <= limit else text[:limit] + "..."


# What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def spreadsheet_cell(text, limit: int = 300) -> str:
    """``text`` as a CSV cell a spreadsheet shows as text: :func:`clean_text` (on one line,
    no control characters, cut at ``limit``), and a leading apostrophe where a spreadsheet
    would start a formula. grades.csv and every ``l2reg export`` file use it.

    Examples
    --------
    >>> spreadsheet_cell('=HYPERLINK("http://x", "y")')
    '\\'=HYPERLINK("http://x", "y")'
    >>> spreadsheet_cell("Doe, Jane\\nline two")
    'Doe, Jane\\\\nline two'
    >>> spreadsheet_cell("@SUM(A1)"), spreadsheet_cell("-2+3"), spreadsheet_cell("O'Neil"), spreadsheet_cell(None)
    ("'@SUM(A1)", "'-2+3", "O'Neil", '')
    """
    text = clean_text("" if text is None else str(text), limit)
    return "'" + text if text.startswith(FORMULA_START) else text


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
    late: bool = False  # the platform marked the submission late (Canvas's _LATE)
    name: str = ""  # the student's name: the roster's, else the one the platform's file names give
    email: str = ""  # from the roster
    handed_in: list = field(default_factory=list)  # notes on what was handed in (which of several notebooks was graded)

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
