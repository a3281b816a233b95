"""Reading an export back the way each platform's importer reads it.

Written from the importers' source, step by step, not from l2reg's writer:

- Canvas: instructure/canvas-lms app/models/gradebook_importer.rb (csv_stream,
  semicolon_delimited?/identify_delimiter, the nil and decimal_comma_to_period converters,
  check_for_non_student_row, header?/row_has_student_headers?/update_column_count,
  strip_non_assignment_columns, parse_assignments with Assignment.title_and_id,
  process_pp, process_student, process_submissions, no_score?) on Ruby's CSV (RFC 4180,
  strict about quotes).
- Moodle: moodle/moodle lib/csvlib.class.php (csv_import_reader::load_csv_content: BOM
  stripped, CRLF -> LF, trimmed, PHP fgetcsv with enclosure '"' and escape '\\', the
  csvweirdcolumns check), mod/assign/feedback/offline/importgradeslib.php (columns found by
  their exact header, "Participant " stripped off the Identifier) and locallib.php
  process_import_grades (the skip rules). ``unformat_float`` (lib/moodlelib.php; not in the
  reference index, written from its documented behaviour: trim, '' -> null, spaces removed,
  the language's decimal separator -> '.', then PHP's float cast) and ``strtotime`` are
  emulated for the formats the worksheet uses.

Each returns what the platform would record, so a test can compare it with grades.csv.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

# --- Canvas ---------------------------------------------------------------------------

class CanvasRefused(Exception):
    """Canvas's importer fails the upload (invalid header row, malformed CSV)."""


def _ruby_rows(text: str, sep: str) -> list:
    """Ruby's CSV, strict (no liberal_parsing): a quoted field must be closed and followed by
    the separator or the line end; an unquoted field must hold no quote and no bare CR/LF
    (MalformedCSVError otherwise). Unquoted empty fields are nil, quoted empty ones ""."""
    rows, i, n = [], 0, len(text)
    while i < n:
        row = []
        if text.startswith("\r\n", i) or text[i] == "\n":
            rows.append([])
            i += 2 if text.startswith("\r\n", i) else 1
            continue
        while True:
            if i < n and text[i] == '"':
                i += 1
                value = ""
                while True:
                    if i >= n:
                        raise CanvasRefused("CSV::MalformedCSVError: Unclosed quoted field")
                    if text[i] == '"':
                        if i + 1 < n and text[i + 1] == '"':
                            value += '"'
                            i += 2
                            continue
                        i += 1
                        break
                    value += text[i]
                    i += 1
                if i < n and text[i] != sep and not text.startswith("\r\n", i) and text[i] != "\n":
                    raise CanvasRefused("CSV::MalformedCSVError: Any value after quoted field isn't allowed")
                row.append(value)
            else:
                j = i
                while j < n and text[j] != sep and text[j] not in "\r\n":
                    j += 1
                value = text[i:j]
                if '"' in value:
                    raise CanvasRefused("CSV::MalformedCSVError: Illegal quoting")
                if j < n and text[j] == "\r" and not text.startswith("\r\n", j):
                    raise CanvasRefused("CSV::MalformedCSVError: Unquoted fields do not allow \\r or \\n")
                row.append(value if value else None)
                i = j
            if i < n and text[i] == sep:
                i += 1
                continue
            i += 2 if text.startswith("\r\n", i) else 1
            break
        rows.append(row)
    return rows


def _parse_line_count(line: str, sep: str) -> int:
    rows = _ruby_rows(line, sep)
    return len(rows[0]) if rows else 0


def canvas_delimiter(text: str) -> str:
    """semicolon_delimited?: the first three physical lines, split on each separator; a
    separator counts if every line gives the same number of fields."""
    lines = text.splitlines(keepends=True)[:3]
    counts = {}
    for sep in (";", ","):
        counts[sep] = 0
        try:
            n = [_parse_line_count(line, sep) for line in lines]
        except CanvasRefused:
            continue
        if len(set(n)) == 1:
            counts[sep] = n[0]
    return ";" if counts[";"] > counts[","] else ","


def _decimal_comma_to_period(field):
    if field is None or not re.fullmatch(r"-?[0-9.,]+%?", field):
        return field
    parts = re.split(r"[,.]", field)
    while parts and parts[-1] == "":  # Ruby's String#split drops trailing empty strings
        parts.pop()
    if not parts:
        return field
    last = parts.pop()
    return last if not parts else "".join(parts) + "." + last


def _to_i(text) -> int:
    m = re.match(r"\s*([+-]?\d+)", text or "")
    return int(m.group(1)) if m else 0


def title_and_id(header: str):
    m = re.fullmatch(r"(.*)\s\((\d+)\)", header, re.DOTALL)
    return (m.group(1), m.group(2)) if m else (header, None)


NON_ASSIGNMENT = ("Current Score", "Current Points", "Current Grade", "Final Score", "Final Points",
                  "Final Grade", "Override Score", "Override Grade", "Override Status")


@dataclass
class CanvasStudent:
    id: int
    name: str = ""
    sortable_name: str = ""
    sis_user_id: str = ""
    login_id: str = ""


@dataclass
class CanvasImport:
    delimiter: str
    assignments: list  # [(title, existing id or None, points possible)]
    grades: dict  # canvas user id -> {assignment title: grade text or None (no score)}
    unmatched: list = field(default_factory=list)  # rows Canvas could not tie to a student
    duplicates: list = field(default_factory=list)  # students with more than one row


def canvas_import(data: bytes, students, assignments=()) -> CanvasImport:
    """What Canvas's gradebook importer makes of ``data`` for a course with ``students``
    (CanvasStudent) and existing ``assignments`` ({id: title})."""
    text = data.decode("utf-8")  # CSV.foreach: UTF-8, a BOM stays in the first cell
    sep = canvas_delimiter(text)
    rows = _ruby_rows(text, sep)
    # skip_lines /^[;, ]+$/: a line of separators and spaces only
    rows = [r for r in rows if not (r and all(c is None or set(c) <= {" "} for c in r) and any(c is None for c in r))]
    rows = [[_decimal_comma_to_period(c) for c in r] for r in rows]
    if not rows:
        raise CanvasRefused("Invalid header row")
    header = rows[0]
    if not (len(header) > 3 and header[0] and "Student" in header[0] and header[1] and "ID" in header[1]):
        raise CanvasRefused("Invalid header row")
    student_columns = 3
    sis_user = sis_login = None
    if header[2] and re.search(r"SIS\s+Login\s+ID", header[2]):
        sis_login, student_columns = 2, 4
    elif (header[2] and re.search(r"SIS\s+User\s+ID", header[2]) and len(header) > 3 and header[3]
          and re.search(r"SIS\s+Login\s+ID", header[3])):
        i = 1 if len(header) > 4 and header[4] and re.search(r"Integration\s+ID", header[4]) else 0
        sis_user, sis_login, student_columns = 2, 3, student_columns + 2 + i
        if len(header) > 4 + i and header[4 + i] and re.search(r"Root\s+Account", header[4 + i]):
            student_columns += 1
    last = header[student_columns - 1] if len(header) >= student_columns else None
    if not last or "Section" not in last:
        raise CanvasRefused("Invalid header row")
    rest = [h for h in header[student_columns:] if not (h and re.search("|".join(NON_ASSIGNMENT), h))]
    known = dict(assignments)
    by_title = {t: i for i, t in known.items()}
    found = []
    for h in rest:
        title, aid = title_and_id(h or "")
        existing = int(aid) if aid is not None and int(aid) in known else by_title.get(h)
        found.append({"header": h, "title": known.get(existing, title), "id": existing,
                      "index": header.index(h), "points": None})
    result = CanvasImport(sep, [], {})
    by_id = {s.id: s for s in students}
    for row in rows[1:]:
        row = row + [None] * (len(header) - len(row))
        if row[0] is not None and "Points Possible" in row[0]:
            for a in found:
                if row[a["index"]]:
                    a["points"] = row[a["index"]]
            continue
        if all(re.fullmatch(r"\s*(Muted|Manual Posting.*)?\s*", c, re.IGNORECASE) for c in row if c is not None):
            continue
        student = by_id.get(_to_i(row[1])) if row[1] else None
        if student is None and sis_user is not None and row[sis_user]:
            student = next((s for s in students if s.sis_user_id == row[sis_user]), None)
        if student is None and sis_login is not None and row[sis_login]:
            student = next((s for s in students if s.login_id == row[sis_login]), None)
        if student is None:
            name = row[0]
            student = next((s for s in students if name and (s.name == name or s.sortable_name == name)), None)
        if student is None:
            result.unmatched.append(row)
            continue
        if student.id in result.grades:
            result.duplicates.append(student.id)
        grades = {}
        for a in found:
            g = row[a["index"]]
            g = g.strip() if g is not None else None
            grades[a["title"]] = None if (g is None or g == "" or g == "-") else g  # no_score?
        result.grades[student.id] = grades
    result.assignments = [(a["title"], a["id"], a["points"]) for a in found]
    return result


# --- Moodle ---------------------------------------------------------------------------

class MoodleRefused(Exception):
    """Moodle refuses the upload (csvweirdcolumns, invalidgradeimport)."""


def php_fgetcsv_all(text: str, delimiter=",", enclosure='"', escape="\\") -> list:
    """Every record PHP's fgetcsv reads from ``text`` (LF line ends). In an enclosed field
    a doubled enclosure is one; the escape character and the character after it are both
    kept, so an escaped enclosure does not end the field; text after the closing
    enclosure up to the delimiter is appended. An empty line is [None]."""
    rows, i, n = [], 0, len(text)
    while i < n:
        row = []
        if text[i] == "\n":
            rows.append([None])
            i += 1
            continue
        while True:
            value = ""
            j = i
            while j < n and text[j] in " \t" and text[j] != delimiter:
                j += 1
            if j < n and text[j] == enclosure:
                i = j + 1
                while True:
                    if i >= n:
                        break  # unterminated: PHP takes the rest
                    c = text[i]
                    if c == escape and i + 1 < n:
                        value += c + text[i + 1]
                        i += 2
                    elif c == enclosure:
                        if i + 1 < n and text[i + 1] == enclosure:
                            value += enclosure
                            i += 2
                        else:
                            i += 1
                            break
                    else:
                        value += c
                        i += 1
                while i < n and text[i] not in (delimiter, "\n"):
                    value += text[i]
                    i += 1
            else:
                while i < n and text[i] not in (delimiter, "\n"):
                    value += text[i]
                    i += 1
            row.append(value)
            if i < n and text[i] == delimiter:
                i += 1
                continue
            i += 1  # the line end (or past the end)
            break
        rows.append(row)
    return rows


def unformat_float(text):
    """lib/moodlelib.php unformat_float (English: decsep '.'), non-strict."""
    t = (text or "").strip(" \t\n\r\0\x0b")
    if t == "":
        return None
    t = t.replace(" ", "")
    m = re.match(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", t)  # PHP's (float) cast: the numeric prefix, else 0
    return float(m.group(0)) if m else 0.0


def strtotime(text):
    """PHP strtotime for what a worksheet holds: ISO 8601 with an offset, or Moodle's userdate
    ("Wednesday, 2 December 2026, 1:12 AM", taken as UTC here); else False."""
    t = (text or "").strip()
    try:
        d = datetime.fromisoformat(t)
        return int((d if d.tzinfo else d.replace(tzinfo=timezone.utc)).timestamp())
    except ValueError:
        pass
    try:
        return int(datetime.strptime(t, "%A, %d %B %Y, %I:%M %p").replace(tzinfo=timezone.utc).timestamp())
    except ValueError:
        return False


@dataclass
class MoodleGrade:
    grade: float | None
    comment: str | None  # the stored HTML, or None when the row leaves the comment alone
    skipped: str = ""  # why the grade was not saved ("" if it was)


def moodle_import(data: bytes, participants, max_grade: float, existing=None, ignoremodified=False) -> dict:
    """What Moodle's "Upload grading worksheet" saves: {participant id: MoodleGrade}.
    ``participants``: the assignment's participant ids; ``existing``: {participant id:
    (grade, timemodified)} already in Moodle."""
    existing = existing or {}
    text = data.decode("utf-8")
    text = text.removeprefix("\ufeff")  # core_text::trim_utf8_bom
    text = re.sub(r"\r\n?", "\n", text).strip(" \t\n\r\0\x0b")
    records = [r for r in php_fgetcsv_all(text) if not (len(r) == 1 and r[0] is None)]
    if not records:
        raise MoodleRefused("csvemptyfile")
    width = len(records[0])
    for r in records:
        if len(r) != width:
            raise MoodleRefused(f"csvweirdcolumns: a row of {len(r)} fields under a header of {width}")
        for c in r:
            # the rows are stored with fputcsv and read again with fgetcsv: identical only
            # when no backslash stands right before a quote or at a cell's end
            if c is not None and ('\\"' in c or c.endswith("\\")):
                raise MoodleRefused(f"a cell would not survive Moodle's temporary copy: {c!r}")
    columns = records[0]
    index = {}
    for k, name in enumerate(columns):
        for want in ("Grade", "Identifier", "Last modified (grade)", "Feedback comments"):
            if name == want:
                index[want] = k
    if not all(w in index for w in ("Grade", "Identifier", "Last modified (grade)")):
        raise MoodleRefused("invalidgradeimport")
    out = {}
    for r in records[1:]:
        idstr = r[index["Identifier"]]
        uid = idstr[len("Participant "):]
        if not uid.isdigit() or int(uid) not in participants:
            continue
        uid = int(uid)
        grade = unformat_float(r[index["Grade"]])
        modified = strtotime(r[index["Last modified (grade)"]])
        old = existing.get(uid)
        stale = old is not None and old[1] > (modified if modified is not False else 0) + 60
        why = ""
        if old is not None and old[0] == grade:
            why = "unchanged"
        elif grade is None or grade < 0:
            why = "no value"
        elif not ignoremodified and stale:
            why = "modified in Moodle more recently"
        elif grade > max_grade:
            why = "out of range"
        comment = None
        if index.get("Feedback comments") and (ignoremodified or not stale):
            comment = r[index["Feedback comments"]]
        if uid in out:
            raise AssertionError(f"participant {uid} has two rows")
        out[uid] = MoodleGrade(None if why else grade, comment, why)
    return out
