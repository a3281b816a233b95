"""A graded folder read back for ``l2reg export``: its ``grades.csv`` checked column by column
(an instructor error, in one line, for anything not written by ``l2reg grade``), the lesson
named in its ``summary.txt``, and a roster's names and e-mails joined in.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from .course import CourseError
from .outcome import clean_text
from .roster import RosterEntry

REQUIRED = ("student_id", "score", "max_score", "status")
# Columns of grades.csv that are not test cells (the rest, numeric, are per-cell points).
KNOWN = frozenset({*REQUIRED, "late", "name", "email", "format"})
MAX_BYTES = 50 * 1024 * 1024  # a grades.csv is a few hundred bytes a student
_PLATFORM_NUMBER = re.compile(r"[0-9]{1,20}")  # ASCII digits: what Ruby's to_i and Moodle's ids read
_STATUS = re.compile(r"\A(graded|flagged: .+|failed: .+)\Z", re.DOTALL)
_TRUE = {"true", "yes", "1", "late", "y"}
_FALSE = {"false", "no", "0", "", "n"}


@dataclass(frozen=True)
class Student:
    """One row of grades.csv; ``who`` is the student as grades.csv and the roster know them
    (name, e-mail, the platform's ids: :class:`~.roster.RosterEntry`), also read as
    ``student.name``, ``student.email`` and so on."""

    student_id: str
    score: float
    max_score: float
    status: str
    late: bool = False
    cells: tuple = ()  # ((test cell, points earned), ...) in grades.csv's order
    who: RosterEntry | None = None

    def __getattr__(self, name):
        # the roster's fields (name, sortable_name, email, sis_user_id, ...), "" when unknown
        if name in _WHO_FIELDS:
            who = self.__dict__.get("who")
            return getattr(who, name) if who is not None else ""
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def kind(self) -> str:
        """``graded``, ``flagged`` or ``failed``."""
        return self.status.split(":", 1)[0]

    @property
    def reason(self) -> str:
        return self.status.split(": ", 1)[1] if ": " in self.status else ""


_WHO_FIELDS = frozenset(f.name for f in fields(RosterEntry)) - {"student_id"}


@dataclass
class Graded:
    """What export needs of a graded folder."""

    folder: Path
    lesson: str | None
    max_score: float
    students: list  # of Student, in grades.csv's order
    cells: list = field(default_factory=list)  # test cell names


def _number(text: str, what: str, where: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise CourseError(f"{where}: {what} is not a number: {clean_text(text, 40)!r}") from None
    if not math.isfinite(x) or x < 0:
        raise CourseError(f"{where}: {what} must be a finite number >= 0, got {clean_text(text, 40)!r}")
    return x


def _late(text: str, where: str) -> bool:
    t = text.strip().lower()
    if t in _TRUE:
        return True
    if t in _FALSE:
        return False
    raise CourseError(f"{where}: late must be yes/no (or true/false, 1/0), got {clean_text(text, 40)!r}")


def _lesson_of(folder: Path) -> str | None:
    """The lesson named on the first line of summary.txt ("01_penalty: 12 submission(s) ...")."""
    try:
        with open(folder / "summary.txt", encoding="utf-8", errors="replace") as f:
            first = f.readline(400)
    except OSError:
        return None
    m = re.match(r"([A-Za-z0-9][A-Za-z0-9_.-]{0,99}): \d+ submission", first)
    return m.group(1) if m else None


def read_graded(graded_dir) -> Graded:
    """Read and check ``GRADED_DIR/grades.csv``; a missing folder or a file that is not an
    ``l2reg grade`` grades.csv is a :class:`~.course.CourseError` with a one-line message.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "grades.csv").write_text(
    ...     "student_id,score,max_score,status,late,test_a\\n"
    ...     "101,7,9,graded,yes,2\\n102,0,9,failed: not a notebook,no,0\\n")
    >>> g = read_graded(d)
    >>> [(s.student_id, s.score, s.kind, s.late) for s in g.students]
    [('101', 7.0, 'graded', True), ('102', 0.0, 'failed', False)]
    >>> g.max_score, g.cells
    (9.0, ['test_a'])
    """
    folder = Path(graded_dir)
    if folder.exists() and not folder.is_dir():
        raise CourseError(f"GRADED_DIR: {folder} is not a folder (give the --out folder of `l2reg grade`)")
    if not folder.is_dir():
        raise CourseError(f"GRADED_DIR: no such folder: {folder} (the --out folder of `l2reg grade`)")
    path = folder / "grades.csv"
    if not path.is_file():
        raise CourseError(f"GRADED_DIR: {folder} holds no grades.csv; grade into it first with `l2reg grade`")
    where = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise CourseError(f"{where}: {size} bytes is too large for an l2reg grades.csv")
        data = path.read_bytes()
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CourseError(f"{where}: not UTF-8 text ({exc.reason} at byte {exc.start}); "
                          "not an l2reg grades.csv") from None
    except OSError as exc:
        raise CourseError(f"{where}: cannot read it ({exc.strerror})") from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise CourseError(f"{where}: not a readable CSV ({exc}); not an l2reg grades.csv") from None
    if not rows:
        raise CourseError(f"{where}: empty; not an l2reg grades.csv")
    header = [h.strip() for h in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise CourseError(f"{where}: not an l2reg grades.csv (no {', '.join(missing)} column; "
                          f"it has {clean_text(', '.join(header), 120)})")
    dup = sorted({h for h in header if header.count(h) > 1})
    if dup:
        raise CourseError(f"{where}: column {clean_text(dup[0], 60)!r} appears twice; not an l2reg grades.csv")
    col = {h: i for i, h in enumerate(header)}
    cells = [h for h in header if h not in KNOWN and h]
    students, seen, max_score = [], set(), None
    for n, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue  # a blank line, e.g. at the end
        at = f"{where} line {n}"
        if len(row) != len(header):
            raise CourseError(f"{at}: {len(row)} fields where the header has {len(header)}")
        sid = row[col["student_id"]].strip()
        if not sid:
            raise CourseError(f"{at}: empty student_id")
        if sid in seen:
            raise CourseError(f"{at}: student {clean_text(sid, 60)!r} appears twice")
        seen.add(sid)
        score = _number(row[col["score"]], "score", at)
        top = _number(row[col["max_score"]], "max_score", at)
        if top <= 0:
            raise CourseError(f"{at}: max_score must be > 0, got {clean_text(row[col['max_score']], 40)!r}")
        if max_score is None:
            max_score = top
        elif top != max_score:
            raise CourseError(f"{at}: max_score {top:g} differs from {max_score:g} above (one lesson per grades.csv)")
        if score > top:
            raise CourseError(f"{at}: score {score:g} is above max_score {top:g}")
        status = row[col["status"]].strip()
        if not _STATUS.match(status):
            raise CourseError(f"{at}: status must be graded, flagged: <reason> or failed: <reason>, "
                              f"got {clean_text(status, 60)!r}")
        late = _late(row[col["late"]], at) if "late" in col else False
        earned = []
        for c in cells:
            v = row[col[c]].strip()
            try:
                earned.append((c, float(v)))
            except ValueError:
                earned.append((c, None))  # not a test cell after all (a column added later)
        students.append(Student(
            student_id=clean_text(sid, 200), score=score, max_score=top, status=clean_text(status, 1000),
            late=late, cells=tuple(earned),
            who=RosterEntry(clean_text(sid, 200),
                            name=clean_text(row[col["name"]].strip(), 200) if "name" in col else "",
                            email=clean_text(row[col["email"]].strip(), 200) if "email" in col else ""),
        ))
    cells = [c for c in cells if all(dict(s.cells).get(c) is not None for s in students)]
    students = [replace(s, cells=tuple((c, v) for c, v in s.cells if c in cells)) for s in students]
    return Graded(folder, _lesson_of(folder), max_score if max_score is not None else 0.0, students, cells)


def with_roster(graded: Graded, roster) -> list:
    """Join the roster (``{student_id: entry}``; see :mod:`.roster`) to the students; return
    the notes to show (who is not on the roster, who is on it without a submission)."""
    notes = []
    if roster is None:
        return notes
    joined, absent = [], []
    for s in graded.students:
        e = roster.get(s.student_id)
        if e is None:
            absent.append(s.student_id)
            joined.append(s)
            continue

        def pick(name, e=e, s=s):
            v = getattr(e, name, "") or ""  # the roster's value, else what grades.csv had
            return clean_text(str(v).strip(), 200) if v else getattr(s, name)

        joined.append(replace(s, who=RosterEntry(s.student_id, **{f: pick(f) for f in sorted(_WHO_FIELDS)})))
    graded.students = joined
    if absent:
        notes.append(f"not on the roster (exported without a name): {_ids(absent)}")
    ids = {s.student_id for s in graded.students}
    no_submission = sorted(k for k in roster if k not in ids)
    if no_submission:
        notes.append(f"on the roster without a submission (not in the export): {_ids(no_submission)}")
    return notes


def _ids(ids, most=20) -> str:
    ids = [clean_text(i, 60) for i in ids]
    more = f" and {len(ids) - most} more" if len(ids) > most else ""
    return ", ".join(ids[:most]) + more
