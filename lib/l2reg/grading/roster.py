"""``--roster CSV``: the class list that maps the platform's ids to names and e-mails.

Three headers are read (compared case-blind, surrounding spaces and a UTF-8 byte-order mark
ignored; other columns ignored; the first line is the header):

- plain: ``student_id,name,email`` (``email`` optional);
- Canvas's gradebook export: ``Student,ID,SIS User ID,SIS Login ID,Section`` (``ID`` is the
  Canvas user id the download names files by; ``Student`` is the sortable name,
  "Doe, Jane"; Canvas exports no e-mail column, so ``SIS Login ID`` is used as the e-mail
  when it holds an ``@``); its "Points Possible" and "Muted" rows, which have no ``ID``,
  are skipped;
- Moodle's offline grading worksheet: ``Identifier,Full name,Email address`` (``Identifier``
  is ``Participant <participant id>``, the id the download names folders by).

A roster that cannot be read (no such file, not UTF-8, no known header, an id that is
neither digits nor a plain student id, one id twice) is an instructor error
(:class:`~.course.CourseError`, one line). Rows with an empty id are skipped.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from .course import CourseError
from .outcome import clean_text

MAX_ROSTER_BYTES = 20 << 20
_PLAIN_ID = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}\Z")  # submissions.STUDENT_ID
_PLATFORM_ID = re.compile(r"\A(?:0|[1-9][0-9]{0,19}|anon_[A-Za-z0-9]{1,32})\Z")  # platforms.PLATFORM_ID


@dataclass(frozen=True)
class RosterEntry:
    """One student of the roster; any field but ``student_id`` may be empty."""

    student_id: str
    name: str = ""  # "Jane Doe" (Canvas: the sortable name turned round)
    sortable_name: str = ""  # "Doe, Jane" (Canvas's Student column)
    email: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""

    @property
    def label(self) -> str:
        """``Jane Doe <jane@example.edu>``, or whichever part is known."""
        if self.name and self.email:
            return f"{self.name} <{self.email}>"
        return self.name or self.email


def _display(sortable: str) -> str:
    last, sep, first = sortable.partition(",")
    return f"{first.strip()} {last.strip()}" if sep and first.strip() else sortable.strip()


def read_roster(path) -> dict:
    """``{student_id: RosterEntry}`` read from the CSV file ``path`` (see the module).

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "r.csv")
    >>> _ = open(p, "w").write("Identifier,Full name,Email address\\nParticipant 42,Jane Doe,jd@example.edu\\n")
    >>> read_roster(p)["42"].label
    'Jane Doe <jd@example.edu>'
    """
    path = Path(path)
    where = f"--roster: {path}"
    try:
        if path.stat().st_size > MAX_ROSTER_BYTES:
            raise CourseError(f"{where} is larger than {MAX_ROSTER_BYTES >> 20} MB; expected a class list")
        raw = path.read_bytes()
    except CourseError:
        raise
    except OSError as exc:
        raise CourseError(f"{where} cannot be read ({exc.strerror or type(exc).__name__})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CourseError(f"{where} is not UTF-8 text (byte {exc.start}); save it as CSV UTF-8") from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise CourseError(f"{where} is not a CSV file ({clean_text(exc, 200)})") from None
    if not rows:
        raise CourseError(f"{where} is empty; expected a header line and one line per student")
    header = [h.strip().lower() for h in rows[0]]
    col = {h: i for i, h in reversed(list(enumerate(header)))}

    def get(row, name):
        i = col.get(name)
        return row[i].strip() if i is not None and i < len(row) else ""

    if "student_id" in col:
        kind, id_col = "plain", "student_id"
    elif "id" in col and "student" in col:
        kind, id_col = "canvas", "id"
    elif "identifier" in col:
        kind, id_col = "moodle", "identifier"
    else:
        shown = clean_text(",".join(rows[0]), 120)
        raise CourseError(f"{where}: unknown header {shown!r}; expected student_id,name,email or Canvas's "
                          "Student,ID,... or Moodle's Identifier,Full name,Email address")
    roster = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        sid = get(row, id_col)
        if kind == "moodle":
            m = re.fullmatch(r"\D*?(\d{1,20})", sid)  # "Participant 42" (the word is translated)
            sid = str(int(m.group(1))) if m else sid  # the id as the download writes it (no leading zero)
        if not sid:
            continue  # Canvas's "Points Possible" / "Muted" rows
        if not (_PLATFORM_ID.match(sid) or _PLAIN_ID.match(sid)):
            raise CourseError(f"{where} line {line}: {clean_text(sid, 60)!r} is not a student id "
                              "(expected a platform's number or a plain id)")
        if kind == "plain":
            entry = RosterEntry(sid, get(row, "name"), "", get(row, "email"))
        elif kind == "canvas":
            login = get(row, "sis login id")
            entry = RosterEntry(sid, _display(get(row, "student")), get(row, "student"),
                                login if "@" in login else "", get(row, "sis user id"), login, get(row, "section"))
        else:
            entry = RosterEntry(sid, get(row, "full name"), "", get(row, "email address"))
        if sid in roster and roster[sid] != entry:
            raise CourseError(f"{where} line {line}: student id {sid} appears twice with different details")
        roster[sid] = entry
    return roster
