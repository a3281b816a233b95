"""``l2reg export``: a graded folder's ``grades.csv`` as a file a learning platform imports
as it is.

Three formats (``--to``):

``canvas``
    Canvas's gradebook import CSV: ``Student, ID, SIS User ID, SIS Login ID, Section,
    <assignment>``, the "Points Possible" row right after the header, one row per student,
    scores out of the lesson's maximum. Canvas matches a row by its ``ID`` (the Canvas user
    id, what ``l2reg grade`` takes from a Canvas download), then by the SIS ids, then by
    name; the assignment column by "Title (id)", then by title, else it creates the
    assignment with the Points Possible of the file.
``moodle``
    The assignment's offline grading worksheet (Moodle's "Download grading worksheet"
    columns): ``Identifier`` ("Participant N", N the participant id of a Moodle download),
    ``Full name``, ``Email address``, ``Status``, ``Grade``, ``Maximum Grade``, ``Grade can be
    changed``, ``Last modified (submission)``, ``Last modified (grade)`` (the export's time)
    and ``Feedback comments`` (the score, the tests not passed and the status, as HTML text).
``csv``
    A plain CSV for any spreadsheet: ``student_id, name, email, score, max_score, percent,
    status, late`` (see :data:`PLAIN_COLUMNS`).

A failed student (``failed: ...`` in grades.csv: not a notebook, crashed, over a limit) gets
an empty grade on Canvas and Moodle by default (``failed="blank"``): both importers leave an
empty grade alone, so the submission stays "needs grading" for the instructor instead of
receiving a zero nobody decided; ``failed="score"`` exports the points earned before the
failure. The plain CSV keeps the score by default. Flagged students keep their score (the
reason is in the Moodle comment and the plain CSV's status).

Every export is UTF-8 with a byte-order mark (both importers accept it; Excel needs it to
show accented names) and CRLF line ends. Text cells are made safe for spreadsheets: control
characters are escaped (:func:`~.outcome.clean_text`), newlines never reach a cell, and a
cell starting with ``= + - @`` gets a leading apostrophe so that no spreadsheet runs it as
a formula (OWASP's advice for CSV injection). Scores are written with a dot and no
thousands separator, which both importers read whatever the site's language.
"""

from __future__ import annotations

import csv
import html
import io
import os
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .course import CourseError
from .graded import (  # noqa: F401 - read_graded re-exported (l2reg.grading.export.read_graded)
    _PLATFORM_NUMBER, Graded, Student, _ids, read_graded, with_roster,
)
from .outcome import FORMULA_START, clean_text, spreadsheet_cell

FORMATS = ("canvas", "moodle", "csv")
FAILED_POLICIES = ("blank", "score")
PLAIN_COLUMNS = ("student_id", "name", "email", "score", "max_score", "percent", "status", "late")


@dataclass
class Exported:
    """What :func:`export` wrote: the file (None for stdout), how many rows, and notes
    for the instructor (who was left blank, who is missing from the roster...)."""

    path: Path | None
    to: str
    rows: int
    blank: list
    notes: list
    text: str = field(repr=False, default="")

    def summary(self) -> str:
        where = "standard output" if self.path is None else str(self.path)
        lines = [f"wrote {where}: {self.rows} student(s), {_DESCRIPTION[self.to]}"]
        return "\n".join([*lines, *self.notes]) + "\n"


_DESCRIPTION = {
    "canvas": "Canvas gradebook import (Grades > Import)",
    "moodle": "Moodle offline grading worksheet (assignment > Upload grading worksheet)",
    "csv": "plain CSV",
}


# --- cells ----------------------------------------------------------------------------

def safe_cell(text) -> str:
    """``text`` as a spreadsheet-safe cell of an export (:func:`~.outcome.spreadsheet_cell`,
    cut at 2,000 characters)."""
    return spreadsheet_cell(text, 2000)


def number(x: float) -> str:
    """A score as both importers read it: a dot, no exponent, no thousands separator.

    Examples
    --------
    >>> number(7.0), number(7.5), number(0.1 + 0.2), number(1234567.0)
    ('7', '7.5', '0.3', '1234567')
    """
    text = f"{x:.6f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def _php_safe(text: str) -> str:
    """Moodle reads the worksheet with PHP's fgetcsv, whose escape character is a backslash:
    a backslash right before a double quote (or at the end of a quoted cell, before its
    closing quote) would swallow that quote and shift every later column, so that the
    whole upload is refused. A space keeps the two apart."""
    text = text.replace('\\"', '\\ "')
    return text + " " if text.endswith("\\") else text


def _write(rows) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    for row in rows:
        w.writerow(row)
    return "\ufeff" + buf.getvalue()


def _grade(s: Student, failed: str) -> str:
    return "" if s.kind == "failed" and failed == "blank" else number(s.score)


# --- Canvas ---------------------------------------------------------------------------
# Canvas's gradebook importer (instructure/canvas-lms, app/models/gradebook_importer.rb):
# - header: row[0] includes "Student", row[1] includes "ID"; "SIS User ID" then "SIS Login ID"
#   (optionally "Integration ID", "Root Account"), and the last student column must include
#   "Section" (header?, update_column_count). Every later column not matching
#   NON_ASSIGNMENT_COLUMN_HEADERS ("Current Score", "Final Grade", ... matched anywhere in the
#   title) is an assignment: "Title (id)" by id, else by exact title, else a new one
#   (parse_assignments), so we write exactly one assignment column.
# - a row whose first cell includes "Points Possible" sets the points (process_pp); a row
#   whose cells are all empty or "Muted"/"Manual Posting" is skipped.
# - a student row: ID (to_i) against the course's students, then SIS User ID / SIS Login ID,
#   then Student == name or sortable name (process_student); the grade is stripped, and an
#   empty grade or "-" means "no score": nothing changes (no_score?, no_change_to_value?).
# - cells go through decimal_comma_to_period ("7,5" -> "7.5"), and the file is semicolon-
#   separated if its first three physical lines split consistently into more fields on ";"
#   (identify_delimiter): a newline inside a quoted cell there would break that guess, so no
#   cell ever holds one.
# - grades are compared at two decimals (no_change_to_value?); unposted anonymous
#   assignments cannot be imported (gradeable?).
CANVAS_HEADER = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
_CANVAS_NON_ASSIGNMENT = ("Current Score", "Current Points", "Current Grade", "Final Score", "Final Points",
                          "Final Grade", "Override Score", "Override Grade", "Override Status")
_CANVAS_RESERVED = ("Student", "LastName", "FirstName", "ID", "SIS User ID", "SIS Login ID", "Section",
                    "Integration ID", "Root Account")


def check_canvas_assignment(name: str) -> str:
    """The assignment column's title, or a CourseError saying why Canvas would not read it
    as this assignment."""
    if not name.strip() or name != clean_text(name, 255) or "\n" in name:
        raise CourseError(f"--assignment: expected a one-line title of at most 255 characters, "
                          f"got {clean_text(name, 60)!r}")
    hit = next((w for w in _CANVAS_NON_ASSIGNMENT if w in name), None)
    if hit or name.strip() in _CANVAS_RESERVED:
        raise CourseError(f"--assignment: Canvas treats a column titled {name!r} as "
                          f"{'a total (it contains ' + repr(hit) + ')' if hit else 'a student column'}, "
                          "not an assignment; choose another title")
    if name.startswith(FORMULA_START):
        raise CourseError(f"--assignment: a title starting with {name[0]!r} is read as a formula by "
                          "spreadsheets; choose another title")
    return name.strip()


def canvas_rows(graded: Graded, assignment: str, failed: str = "blank") -> list:
    bad = [s.student_id for s in graded.students if not _PLATFORM_NUMBER.fullmatch(s.student_id)]
    if bad:
        raise CourseError(
            f"--to canvas: Canvas matches students by their Canvas user id, and these ids are not: "
            f"{_ids(bad, 5)} (grade Canvas's own 'Download Submissions' zip; anonymous ids "
            "cannot be imported)")
    rows = [[*CANVAS_HEADER, assignment], ["Points Possible", "", "", "", "", number(graded.max_score)]]
    for s in graded.students:
        name = s.sortable_name or s.name
        if "Points Possible" in name:  # would turn the row into a points row (check_for_non_student_row)
            name = ""
        rows.append([safe_cell(name), s.student_id, safe_cell(s.sis_user_id), safe_cell(s.sis_login_id),
                     safe_cell(s.section), _grade(s, failed)])
    return rows


# --- Moodle ---------------------------------------------------------------------------
# Moodle's offline grading worksheet (moodle/moodle):
# - columns as mod/assign/gradingtable.php writes them when downloading: Identifier
#   (get_string('hiddenuser') "Participant " + the participant's unique id), Full name, the
#   identity fields (Email address), Status, Grade, Maximum Grade, Grade can be changed, Last
#   modified (submission), Last modified (grade), then each feedback plugin's editor field
#   ("Feedback comments"); English strings from mod/assign/lang/en/assign.php.
# - the importer (mod/assign/feedback/offline/importgradeslib.php, locallib.php
#   process_import_grades, importgradesform.php) finds the columns Identifier, Grade and Last
#   modified (grade) by their exact (localised) header, strips "Participant " off the
#   Identifier, and skips a row whose grade is empty or negative, above the assignment's
#   maximum, unchanged, locked, or older than Moodle's own grade by more than 60 s
#   (strtotime of Last modified (grade)) unless "ignore modified" is ticked; a feedback
#   column replaces the comment whenever it differs (an empty one clears it).
# - feedback comments are stored as FORMAT_HTML (mod/assign/feedback/comments/locallib.php
#   set_editor_text): our text is HTML-escaped, lines joined with <br>.
# - lib/csvlib.class.php load_csv_content: strips a UTF-8 BOM, turns CRLF into LF, reads
#   with fgetcsv (enclosure '"', PHP's default escape '\\') and refuses the whole file when
#   a row has a different number of fields than the header (csvweirdcolumns).
MOODLE_HEADER = ("Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade",
                 "Grade can be changed", "Last modified (submission)", "Last modified (grade)",
                 "Feedback comments")
MOODLE_PARTICIPANT = "Participant "


def feedback_lines(graded: Graded, s: Student, failed: str = "blank") -> list:
    """The feedback summary of one student, as plain-text lines (the Moodle comment)."""
    lesson = graded.lesson or "this lesson"
    score = f"{number(s.score)} / {number(graded.max_score)} points"
    if s.kind == "failed":
        # what ran before the stop is no verdict on the tests that did not run: no test list
        lines = [f"{lesson}: not graded automatically: {s.reason}."]
        if failed == "score":
            lines.append(f"{score}, earned before grading stopped.")
        elif s.score:
            lines.append(f"({score} earned before grading stopped; your instructor will decide.)")
        else:
            lines.append("Your instructor will look at it.")
    else:
        lines = [f"{lesson}: {score}, graded automatically."]
        missed = [c for c, v in s.cells if not v]
        if missed:
            lines.append("Tests not passed: " + ", ".join(missed) + ".")
        if s.kind == "flagged":
            lines.append(f"Flagged: {s.reason}.")
    if s.late:
        lines.append("Submitted late.")
    return lines


def moodle_rows(graded: Graded, failed: str = "blank", now: datetime | None = None) -> list:
    bad = [s.student_id for s in graded.students if not _PLATFORM_NUMBER.fullmatch(s.student_id)]
    if bad:
        raise CourseError(
            f"--to moodle: Moodle matches students by their participant number, and these ids are not: "
            f"{_ids(bad, 5)} (grade Moodle's own 'Download all submissions' zip)")
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)
    stamp = now.isoformat()  # ISO 8601 with its offset: strtotime reads it in any server timezone
    rows = [list(MOODLE_HEADER)]
    for s in graded.students:
        status = s.status + (" - late" if s.late else "")
        comment = "<br>".join(html.escape(line, quote=False) for line in feedback_lines(graded, s, failed))
        rows.append([f"{MOODLE_PARTICIPANT}{s.student_id}", _php_safe(safe_cell(s.name)),
                     _php_safe(safe_cell(s.email)), _php_safe(safe_cell(status)), _grade(s, failed),
                     number(graded.max_score), "Yes", "", stamp, _php_safe(safe_cell(comment))])
    return rows


# --- plain CSV ------------------------------------------------------------------------

def plain_rows(graded: Graded, failed: str = "score") -> list:
    """``student_id, name, email, score, max_score, percent, status, late``: one row per
    student of grades.csv; score and percent empty for a failed student with
    ``failed="blank"``; late is ``yes`` or ``no``."""
    rows = [list(PLAIN_COLUMNS)]
    for s in graded.students:
        blank = s.kind == "failed" and failed == "blank"
        pct = "" if blank else number(round(100 * s.score / graded.max_score, 2))
        rows.append([safe_cell(s.student_id), safe_cell(s.name), safe_cell(s.email), _grade(s, failed),
                     number(graded.max_score), pct, safe_cell(s.status), "yes" if s.late else "no"])
    return rows


# --- the command ----------------------------------------------------------------------

def _load_roster(path):
    if path is None:
        return None
    from .roster import read_roster

    return read_roster(path)


def _target(graded: Graded, to: str, out) -> Path | None:
    if out == "-":
        return None
    path = Path(out) if out is not None else graded.folder / f"export-{to}.csv"
    if path.is_dir():
        raise CourseError(f"-o: {path} is a folder; give a file name")
    if not path.parent.is_dir():
        raise CourseError(f"-o: no such folder: {path.parent}")
    from .outdir import LOCK_NAME, OUTPUTS

    if path.parent.resolve() == graded.folder.resolve() and (path.name in OUTPUTS or path.name == LOCK_NAME):
        raise CourseError(f"-o: {path} is one of the grading run's own files; choose another name")
    return path


def _save(path: Path, text: str):
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def export(graded_dir, to, out=None, roster=None, assignment=None, failed=None,
           now: datetime | None = None, stream=None) -> Exported:
    """Write GRADED_DIR's grades for the platform ``to`` (``canvas``, ``moodle`` or ``csv``)
    into ``out`` (default ``GRADED_DIR/export-<to>.csv``; ``"-"``: ``stream``, standard
    output by default). ``roster``: a roster CSV (see :mod:`.roster`) for names, e-mails and
    SIS ids. ``assignment``: the Canvas column title (default: the lesson's name).
    ``failed``: ``blank`` or ``score`` (see the module's text); ``now``: the Moodle worksheet's
    "Last modified (grade)" (default: the current time).

    Raises :class:`~.course.CourseError` (one line) for a missing or foreign GRADED_DIR, an
    unknown format or an id the platform cannot match."""
    if to is None:
        raise CourseError(f"--to: missing; give one of {', '.join(FORMATS)}")
    if to not in FORMATS:
        raise CourseError(f"--to: expected one of {', '.join(FORMATS)}, got {to!r}")
    if failed is None:
        failed = "score" if to == "csv" else "blank"
    if failed not in FAILED_POLICIES:
        raise CourseError(f"--failed: expected one of {', '.join(FAILED_POLICIES)}, got {failed!r}")
    if assignment is not None and to != "canvas":
        raise CourseError(f"--assignment: only --to canvas has an assignment column (got --to {to})")
    graded = read_graded(graded_dir)
    target = _target(graded, to, out)
    notes = with_roster(graded, _load_roster(roster))
    if to == "canvas":
        if assignment is None and graded.lesson is None:
            raise CourseError(f"--assignment: {graded.folder}/summary.txt names no lesson; "
                              "give the Canvas column's title with --assignment NAME")
        title = check_canvas_assignment(assignment if assignment is not None else graded.lesson)
        rows = canvas_rows(graded, title, failed)
    elif to == "moodle":
        rows = moodle_rows(graded, failed, now)
    else:
        rows = plain_rows(graded, failed)
    text = _write(rows)
    blank = [s.student_id for s in graded.students if s.kind == "failed" and failed == "blank"]
    if blank:
        notes.insert(0, f"left blank (failed: grade these by hand, or export with --failed score): {_ids(blank)}")
    flagged = [s.student_id for s in graded.students if s.kind == "flagged"]
    if flagged:
        notes.append(f"flagged, exported with their score (see summary.txt): {_ids(flagged)}")
    if to == "canvas":
        notes.append(f"assignment column {title!r}, out of {number(graded.max_score)} points")
    elif to == "moodle":
        notes.append(f"grades out of {number(graded.max_score)}: the Moodle assignment's maximum grade must be "
                     f"at least that (Moodle skips a grade above it)")
    if target is None:
        (stream or sys.stdout).write(text)
    else:
        _save(target, text)
    return Exported(target, to, len(rows) - (2 if to == "canvas" else 1), blank, notes, text)
