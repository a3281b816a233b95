"""Building a class's submissions exactly as Canvas and Moodle hand them out, for the
platform tests (grading in, export and round trips).

A class is a list of :class:`Student`, each with :class:`Upload` files; ``canvas_zip``
and ``moodle_zip`` write the zip the platform's "download all submissions" gives, member
names built by the platforms' own rules (reproduced here from their source):

Canvas, ``instructure/canvas-lms`` ``lib/content_zipper.rb`` (``get_filename``,
``add_upload_submission``, ``sanitize_*``, ``add_text_or_url``): a file is
``{sortable name}[_LATE]_{user id}_{attachment id}_{display name}``; the sortable name
lowercased, ``_<digits>_`` runs lose their underscores, then every character that is not a
word character (Unicode letter, mark, digit, connector) dropped (``"Doe, Jane"`` ->
``doejane``); anonymous grading drops the name and uses ``anon_{anonymous id}`` (five
base58 characters, ``lib/anonymity.rb``), so a late anonymous file is
``LATE_anon_{id}_...``; a text entry is ``{prefix}_text.html``, a URL ``{prefix}_link.html``;
in the display name ``/\\:*?"<>|`` and NUL runs become ``_``. A re-uploaded file of the same
name gets ``-1``, ``-2`` ... before its extension (``app/models/attachment.rb``
``make_unique_filename``).

Moodle, ``moodle/moodle`` ``mod/assign/classes/downloader.php`` (4.1+; earlier versions
in ``mod/assign/locallib.php``): the prefix is ``clean_filename(fullname with "_" -> " "
+ "_" + participant id)`` (blind marking: ``Participant_{id}``); folders layout
``{prefix}_assignsubmission_file/{path}/{name}`` (before 4.1 the folder ended in ``_``),
online text ``{prefix}_assignsubmission_onlinetext/onlinetext.html``; flat layout
``clean_filename({prefix}_assignsubmission_file_{name})`` (subfolders dropped).
``clean_filename`` (PARAM_FILE, ``lib/moodlelib.php``) drops control characters and
``&<>"`|':\\/``.

Notebook content may be given as an ``nbformat`` notebook, a ``str`` or ``bytes``.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


@dataclass
class Upload:
    """One file a student handed in.

    ``name``: the name the student uploaded (``penalty.ipynb``); ``content``: notebook,
    str or bytes; ``resubmission``: Canvas only, the n-th re-upload of a file of that name
    (its display name gains ``-n``; Moodle keeps only the latest file of a name, so it is
    ignored there); ``attachment_id``: Canvas only, given or numbered in
    upload order (later uploads get higher ids); ``folder``: Moodle folders layout only,
    the subfolder inside the submission (``"data"`` gives ``.../data/name``)."""

    name: str
    content: object = b""
    resubmission: int = 0
    attachment_id: int | None = None
    folder: str = ""

    def data(self) -> bytes:
        c = self.content
        if isinstance(c, bytes):
            return c
        if isinstance(c, str):
            return c.encode("utf-8")
        return nbformat.writes(c).encode("utf-8")


@dataclass
class Student:
    """One student as the platform knows them.

    ``id``: Canvas user id / Moodle participant id (what l2reg uses as the student id);
    ``name``: full name ("Jane Doe"); ``sortable_name``: Canvas's ("Doe, Jane"; default
    built from ``name``); ``email``; ``late``: Canvas marks the files ``_LATE``;
    ``text``: an online text entry (Canvas ``_text.html``, Moodle ``onlinetext``);
    ``url``: a Canvas website-URL submission (``_link.html``); ``anonymous_id``: Canvas
    anonymous grading id (default derived from ``id``)."""

    id: int
    name: str
    uploads: list = field(default_factory=list)
    sortable_name: str | None = None
    email: str | None = None
    late: bool = False
    text: str | None = None
    url: str | None = None
    anonymous_id: str | None = None

    @property
    def sortable(self) -> str:
        if self.sortable_name is not None:
            return self.sortable_name
        first, _, last = self.name.rpartition(" ")
        return f"{last}, {first}" if first else last

    @property
    def anon(self) -> str:
        if self.anonymous_id is not None:
            return self.anonymous_id
        n, out = self.id * 7919 + 12345, ""
        for _ in range(5):
            n, r = divmod(n, 58)
            out += BASE58[r]
        return out

    @property
    def mail(self) -> str:
        return self.email or f"{re.sub(r'[^a-z0-9]+', '.', self.name.lower()).strip('.') or 'student'}.{self.id}@example.edu"


# --- Canvas ---------------------------------------------------------------------------

def _ruby_word(ch: str) -> bool:
    # Onigmo's [[:word:]]: Letter | Mark | Decimal_Number | Connector_Punctuation
    cat = unicodedata.category(ch)
    return cat[0] in "LM" or cat in ("Nd", "Pc")


def canvas_user_name(sortable_name: str) -> str:
    """``sanitize_user_name``: ``_<digits>_`` loses its underscores, then lowercased."""
    return re.sub(r"_(\d+)_", r"\1", sortable_name).lower()


def canvas_prefix(student: Student, anonymous: bool = False) -> str:
    """``get_filename``: ``[name, "LATE" if late, id].compact.join("_")``, then every
    non-word character dropped."""
    name = None if anonymous else canvas_user_name(student.sortable)
    ident = f"anon_{student.anon}" if anonymous else str(student.id)
    joined = "_".join(p for p in (name, "LATE" if student.late else None, ident) if p is not None)
    return "".join(ch for ch in joined if _ruby_word(ch))


def canvas_display_name(name: str, resubmission: int = 0) -> str:
    """The attachment's display name: a re-upload gains ``-n`` before the extension
    (``make_unique_filename``'s extension rule), then ``sanitize_attachment_filename``."""
    if resubmission:
        m = re.search(r"(\.[A-Za-z][A-Za-z0-9]*)*(\.[A-Za-z0-9]*)$", name)
        ext = m.group(0) if m else ""
        name = f"{name[:len(name) - len(ext)]}-{resubmission}{ext}"
    return re.sub(r'[\x00/\\:*?"<>|]+', "_", name)


def canvas_members(students, anonymous: bool = False, first_attachment_id: int = 9000) -> list:
    """``[(member name, bytes)]`` of a Canvas "Download Submissions" zip, in upload order."""
    members, next_id = [], first_attachment_id
    for st in students:
        prefix = canvas_prefix(st, anonymous)
        for up in st.uploads:
            att = up.attachment_id
            if att is None:
                next_id += 1
                att = next_id
            else:
                next_id = max(next_id, att)
            members.append((f"{prefix}_{att}_{canvas_display_name(up.name, up.resubmission)}", up.data()))
        if st.text is not None:
            members.append((f"{prefix}_text.html", f"<html><body>{st.text}</body></html>".encode()))
        if st.url is not None:
            members.append((f"{prefix}_link.html", f'<html><meta http-equiv="refresh" content="0; url={st.url}"></html>'.encode()))
    return members


def canvas_zip(path, students, anonymous: bool = False, extra=(), first_attachment_id: int = 9000,
               utf8_flag: bool = True) -> Path:
    """Write the Canvas zip of ``students`` to ``path``; ``extra``: more ``(name, bytes)``
    members (e.g. ``__MACOSX/._x``) appended as they are; ``utf8_flag=False`` stores
    non-ASCII names as raw UTF-8 without the zip's UTF-8 flag (as rubyzip does unless
    ``Zip.unicode_names`` is set), which readers decode as cp437 unless told otherwise."""
    return write_zip(path, canvas_members(students, anonymous, first_attachment_id) + list(extra), utf8_flag)


# --- Moodle ---------------------------------------------------------------------------

def moodle_clean_filename(name: str) -> str:
    """``clean_param($name, PARAM_FILE)``."""
    name = re.sub(r"[\x00-\x1f\x7f]|[&<>\"`|':\\/]", "", name)
    return "" if name in (".", "..") else name


def moodle_prefix(student: Student, blind: bool = False) -> str:
    full = "Participant" if blind else student.name
    return moodle_clean_filename(full.replace("_", " ") + "_" + str(student.id))


def moodle_members(students, layout: str = "folders", blind: bool = False, legacy: bool = False) -> list:
    """``[(member name, bytes)]`` of a Moodle "Download all submissions" zip.

    ``layout``: ``"folders"`` (the default since Moodle 3.1, one folder per student and
    plugin) or ``"flat"`` (files named with the prefix); ``legacy``: folders end in ``_``
    (Moodle 3.1-4.0)."""
    if layout not in ("folders", "flat"):
        raise ValueError(f"layout: expected 'folders' or 'flat', got {layout!r}")
    members, seen = [], set()
    tail = "_" if legacy else ""
    for st in students:
        prefix = moodle_prefix(st, blind)
        for up in st.uploads:
            if layout == "folders":
                folder = moodle_clean_filename(f"{prefix}_assignsubmission_file{tail}")
                sub = "/".join(p for p in up.folder.strip("/").split("/") if p)
                members.append((f"{folder}/{sub + '/' if sub else ''}{up.name}", up.data()))
            else:
                members.append((moodle_clean_filename(f"{prefix}_assignsubmission_file_{up.name}"), up.data()))
        if st.text is not None:
            html = f"<p>{st.text}</p>".encode()
            if layout == "folders":
                members.append((f"{moodle_clean_filename(prefix + '_assignsubmission_onlinetext' + tail)}/onlinetext.html", html))
            else:
                members.append((moodle_clean_filename(f"{prefix}_assignsubmission_onlinetext_onlinetext.html"), html))
    for name, _ in members:
        if name in seen:  # Moodle's file area holds one file per path (a re-upload replaces it)
            raise ValueError(f"two uploads would both be {name!r}: Moodle keeps one file per name and folder")
        seen.add(name)
    return members


def moodle_zip(path, students, layout: str = "folders", blind: bool = False, legacy: bool = False, extra=(),
               utf8_flag: bool = True) -> Path:
    """Write the Moodle zip of ``students`` to ``path`` (see :func:`moodle_members`)."""
    return write_zip(path, moodle_members(students, layout, blind, legacy) + list(extra), utf8_flag)


# --- shared ---------------------------------------------------------------------------

class _RawUTF8Info(zipfile.ZipInfo):
    """A member whose name is stored as UTF-8 bytes without the UTF-8 flag (bit 11)."""

    def _encodeFilenameFlags(self):
        return self.filename.encode("utf-8"), self.flag_bits & ~0x800


def write_zip(path, members, utf8_flag: bool = True) -> Path:
    """Write ``[(name, bytes)]`` as a zip (names as given, duplicates kept)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            info = (zipfile.ZipInfo if utf8_flag else _RawUTF8Info)(name, date_time=(2026, 11, 30, 12, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return path


def roster_csv(path, students, flavour: str = "plain") -> Path:
    """A roster file: ``"plain"`` (``student_id,name,email``), ``"canvas"`` (the gradebook
    export's ``Student,ID,SIS User ID,SIS Login ID,Section`` with its "Points Possible" row)
    or ``"moodle"`` (the grading worksheet's ``Identifier,Full name,Email address``)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    if flavour == "plain":
        w.writerow(["student_id", "name", "email"])
        w.writerows([st.id, st.name, st.mail] for st in students)
    elif flavour == "canvas":
        w.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section"])
        w.writerow(["    Points Possible", "", "", "", ""])
        w.writerows([st.sortable, st.id, f"S{st.id:06d}", st.mail, "Section 1"] for st in students)
    elif flavour == "moodle":
        w.writerow(["Identifier", "Full name", "Email address", "Status", "Grade"])
        w.writerows([f"Participant {st.id}", st.name, st.mail, "Submitted for grading", ""] for st in students)
    else:
        raise ValueError(f"flavour: expected 'plain', 'canvas' or 'moodle', got {flavour!r}")
    path = Path(path)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path
