"""Reading a learning platform's "download all submissions" zip: which student each file
belongs to, by the platform's own naming rules, and which notebook of theirs to grade.

The rules, from the platforms' source (the code that writes these names, and the code
each platform uses to read them back when an instructor uploads marked files):

**Canvas** "Download Submissions" (``instructure/canvas-lms``: ``lib/content_zipper.rb``
``get_filename``, ``add_upload_submission``, ``add_text_or_url``, ``sanitize_user_name``,
``sanitize_file_name``, ``sanitize_attachment_filename``; read back by
``app/models/assignment.rb`` ``infer_comment_context_from_filename``). A flat zip of
``{name}[_LATE]_{user id}_{attachment id}_{display name}``, where ``{name}`` is the
sortable name ("Doe, Jane") with ``_<digits>_`` runs joined, lowercased and stripped of
every non-word character (``doejane``; Unicode letters stay, so do underscores). With
anonymous grading the name is left out and the id is ``anon_{anonymous id}`` (five base58
characters, ``lib/anonymity.rb``), so a file is ``anon_{id}_...`` or ``LATE_anon_{id}_...``.
A text entry is ``{name}[_LATE]_{id}_text.html`` and a website URL ``..._link.html`` (no
attachment id). The display name has ``/\\:*?"<>|`` and NUL runs replaced by ``_``; a file
uploaded again under the same name is renamed ``name-1.ext``, ``name-2.ext`` ...
(``app/models/attachment.rb`` ``make_unique_filename``). Canvas itself reads these back by
taking the first two all-digit ``_`` fields as user and attachment id; this parser takes
the first ``_{digits}_{digits}_`` after the name (the same fields: ``LATE`` is upper case
in a lower-cased name). A name can still end in ``_{digits}`` (only ``_<digits>_`` runs are
joined: "Doe, Jane_102" gives ``doejane_102``), so a member may read as two students'
(``doejane_102_101_9005_x.ipynb``: 102's, or 101's named ``doejane_102``); Canvas writes one
name per student, so of the readings the one whose id no other member names differently
is taken (:func:`resolve_canvas`), the first when several agree. Ids are as the platforms
write them: digits without a leading zero, at most 20. The student id is
the user id (``anon_{id}`` under anonymous grading). Canvas puts only the latest attempt's
files in the zip, so several notebooks of one student were handed in together: the one
with the highest attachment id (the last uploaded) is graded, the others are noted.

**Moodle** "Download all submissions" (``moodle/moodle``: ``mod/assign/classes/downloader.php``
``get_student_prefix`` and ``load_submissionplugin_filelist`` (4.1+; before that
``mod/assign/locallib.php`` ``download_submissions``); read back by
``mod/assign/feedback/file/importziplib.php`` ``is_valid_filename_for_import``). The
prefix is ``clean_filename(fullname with "_" replaced by " " + "_" + participant id)``
(blind marking: ``Participant_{id}``), so a name holds no ``_``. Folders layout (the
default since 3.1): ``{prefix}_assignsubmission_{plugin}/{path}`` (until 4.0 the folder
ended in ``_``, which Moodle's importer accepts both ways); flat layout:
``{prefix}_assignsubmission_{plugin}_{file name}``. ``clean_filename`` (PARAM_FILE,
``lib/moodlelib.php``) drops control characters and ``&<>"`|':\\/``. Only the ``file``
plugin's files are submissions to grade; ``onlinetext`` and other plugins are listed. The
student id is the participant id (the same in blind and named downloads). Team
submissions use the group's name and id in the same places.

Names in a zip without the UTF-8 flag are read as UTF-8 when they decode as such
(rubyzip, which Canvas uses, writes UTF-8 names without setting the flag).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from .course import CourseError

FORMATS = ("auto", "plain", "canvas", "moodle")
DESCRIPTION = {
    "plain": "<student_id>.ipynb or <student_id>/ notebooks",
    "canvas": 'a Canvas "Download Submissions" zip',
    "moodle": 'a Moodle "Download all submissions" zip',
}
# The platform's own ids: digits (Canvas user id, Moodle participant id), or Canvas's
# anonymous id. \A...\Z, never ^...$ (see submissions.STUDENT_ID).
PLATFORM_ID = re.compile(r"\A(?:0|[1-9][0-9]{0,19}|anon_[A-Za-z0-9]{1,32})\Z")

# Canvas: instructure/canvas-lms lib/content_zipper.rb (get_filename, add_upload_submission,
# add_text_or_url), lib/anonymity.rb (SecureRandom.base58(5)); read back by
# app/models/assignment.rb infer_comment_context_from_filename (first two all-digit fields).
_CANVAS_ANON = re.compile(r"\A(?:(?P<late>LATE)_)?(?P<id>anon_[1-9A-HJ-NP-Za-km-z]{5})_(?P<rest>.+)\Z", re.DOTALL)
_MAX_READINGS = 8
# The id fields after a name (matched at each "_" of a member's name: see canvas_files).
_CANVAS_FIELDS = re.compile(r"(?:_(?P<late>LATE))?_(?P<id>0|[1-9][0-9]{0,19})_(?P<rest>.+)\Z", re.DOTALL)
_CANVAS_REST = re.compile(r"\A(?:(?P<att>[0-9]{1,20})_(?P<file>.+)|(?P<kind>text|link)\.html)\Z", re.DOTALL)
# Moodle: moodle/moodle mod/assign/classes/downloader.php get_student_prefix and
# load_submissionplugin_filelist; read back by mod/assign/feedback/file/importziplib.php
# is_valid_filename_for_import (explode("_", part, 5): name, id, plugin type, plugin, rest).
_MOODLE = re.compile(r"\A(?P<name>[^_]*)_(?P<id>0|[1-9][0-9]{0,19})_assignsubmission_(?P<plugin>[a-z0-9]+)(?P<rest>_.*)?\Z", re.DOTALL)


@dataclass(frozen=True)
class PlatformFile:
    """One file of a platform's zip, attributed to a student by the platform's rules."""

    student_id: str
    shown_name: str  # the student's name as the platform wrote it ("doejane", "Jane Doe"; "" when anonymous)
    file: str  # the file's own name (Moodle folders layout: its path inside the submission)
    kind: str  # Canvas: "upload", "text", "link"; Moodle: the plugin ("file", "onlinetext", ...)
    attachment_id: int | None = None  # Canvas uploads
    late: bool = False  # Canvas's _LATE

    @property
    def uploaded(self) -> bool:
        """A file the student uploaded (the only kind that can be a notebook to grade)."""
        return self.kind in ("upload", "file")

    @property
    def notebook(self) -> bool:
        return self.uploaded and self.file.lower().endswith(".ipynb")

    def label(self) -> str:
        """How the summary names the file."""
        if self.kind == "text":
            return f"{self.file} (online text entry, not graded)"
        if self.kind == "link":
            return f"{self.file} (website URL, not graded)"
        if self.kind not in ("upload", "file"):
            return f"{self.file} ({self.kind} submission, not graded)"
        if self.file.lower().endswith(".zip"):
            return f"{self.file} (a zip file: not unpacked, not graded)"
        return self.file


def canvas_file(name: str) -> PlatformFile | None:
    """The :class:`PlatformFile` a Canvas zip member called ``name`` (no folder) is, or
    None when Canvas does not name files so.

    >>> canvas_file("doejane_LATE_1234_5678_penalty-1.ipynb")
    PlatformFile(student_id='1234', shown_name='doejane', file='penalty-1.ipynb', kind='upload', attachment_id=5678, late=True)
    >>> canvas_file("anon_qRA51_text.html").kind
    'text'
    >>> canvas_file("penalty.ipynb") is None
    True
    """
    files = canvas_files(name)
    return files[0] if files else None


def canvas_files(name: str) -> list:
    """Every :class:`PlatformFile` a Canvas member called ``name`` can be, first field
    first (a name may end in ``_{digits}``: see the module).

    >>> [(f.student_id, f.shown_name, f.file) for f in canvas_files("doejane_102_101_9005_x.ipynb")]
    [('102', 'doejane', '9005_x.ipynb'), ('101', 'doejane_102', 'x.ipynb')]
    """
    m = _CANVAS_ANON.match(name)
    matches = [("", m)] if m else (
        (name[:i], m) for i in range(len(name)) if name[i] == "_" and not name.endswith("LATE", 0, i)
        and (m := _CANVAS_FIELDS.match(name, i)))
    out = []
    for shown, m in matches:
        if len(out) == _MAX_READINGS:  # (a real name has one or two; a forged one of "_1" * 30000 no more)
            break
        rest = _CANVAS_REST.match(m["rest"])
        if not rest:
            continue
        late = m["late"] is not None
        if rest["kind"]:
            out.append(PlatformFile(m["id"], shown, name, rest["kind"], None, late))
        else:
            out.append(PlatformFile(m["id"], shown, rest["file"], "upload", int(rest["att"]), late))
    return out


def canvas_name(sortable_name: str) -> str:
    """The name Canvas writes for a sortable name (``sanitize_user_name``: ``_<digits>_``
    runs joined, lowercased; then ``get_filename`` drops every non-word character: Onigmo's
    word is a letter, mark, decimal digit or connector).

    >>> canvas_name("O'Brien_Smith, Zoë"), canvas_name("Student, Test_102"), canvas_name("Doe_12_, Jane")
    ('obrien_smithzoë', 'studenttest_102', 'doe12jane')
    """
    joined = re.sub(r"_([0-9]+)_", r"\1", sortable_name).lower()
    return "".join(ch for ch in joined if unicodedata.category(ch)[0] in "LM" or unicodedata.category(ch) in ("Nd", "Pc"))


def resolve_canvas(readings, roster=None) -> list:
    """One reading (or None) per member, from ``readings``, each member's
    :func:`canvas_files`: a member with one reading names its student so; of a member's
    several readings, those whose id no single-reading member names otherwise are kept and
    the first taken; None when every reading clashes (no name Canvas writes). With a
    ``roster`` (``{id: RosterEntry}``), readings of a student on it (under the name Canvas
    writes for the roster's sortable name, when it has one) are taken first.

    >>> r = resolve_canvas([canvas_files("doejane_102_101_9_x.ipynb"), canvas_files("bo_102_8_y.ipynb")])
    >>> [(f.student_id, f.shown_name) for f in r]
    [('101', 'doejane_102'), ('102', 'bo')]
    """
    named = {}
    for files in readings:
        if len(files) == 1:
            named.setdefault(files[0].student_id, set()).add(files[0].shown_name)
    out = []
    for files in readings:
        if len(files) <= 1:
            out.append(files[0] if files else None)
            continue
        fits = [f for f in files if named.get(f.student_id, {f.shown_name}) == {f.shown_name}]
        if roster:
            fits = [f for f in fits if _on_roster(f, roster)] or fits
        out.append(fits[0] if fits else None)
    return out


def _on_roster(f: PlatformFile, roster) -> bool:
    person = roster.get(f.student_id)
    sortable = getattr(person, "sortable_name", "")
    return person is not None and (not sortable or not f.shown_name or canvas_name(sortable) == f.shown_name)


def moodle_file(parts) -> PlatformFile | None:
    """The :class:`PlatformFile` a Moodle zip member (its path as parts) is, or None.

    >>> moodle_file(("Jane Doe_42_assignsubmission_file", "sub", "penalty.ipynb")).file
    'sub/penalty.ipynb'
    >>> moodle_file(("Jane Doe_42_assignsubmission_file_penalty.ipynb",)).student_id
    '42'
    >>> moodle_file(("Participant_7_assignsubmission_onlinetext_", "onlinetext.html")).kind
    'onlinetext'
    """
    parts = tuple(parts)
    if not parts:
        return None
    m = _MOODLE.match(parts[0])
    if not m:
        return None
    rest = m["rest"] or ""
    if len(parts) > 1:  # folders layout: "<prefix>_assignsubmission_file" (or "..._file_" before 4.1) / path
        if rest not in ("", "_"):
            return None
        file = "/".join(parts[1:])
    else:  # flat layout: "<prefix>_assignsubmission_file_<name>"
        if len(rest) < 2:
            return None
        file = rest[1:]
    return PlatformFile(m["id"], m["name"], file, m["plugin"])


def parse(fmt: str, parts) -> PlatformFile | None:
    """The file a member is under ``fmt`` ("canvas" or "moodle"), or None."""
    if fmt == "canvas":
        return canvas_file(parts[0]) if len(parts) == 1 else None
    return moodle_file(parts)


def member_name(info) -> str:
    """A zip member's name, read as UTF-8 when it carries no UTF-8 flag but decodes as
    UTF-8 (zipfile reads such names as cp437)."""
    name = info.filename
    if not info.flag_bits & 0x800 and not name.isascii():
        try:
            return name.encode("cp437").decode("utf-8")
        except UnicodeError:
            return name
    return name


def strip_wrapper(paths):
    """``(wrapper, paths)``: when every path lies under one top folder that is not itself a
    Moodle submission folder (an instructor unzipped and zipped again), that folder and the
    paths without it; else ``((), paths)``."""
    tops = {p[0] for p in paths if p}
    if len(tops) == 1 and all(len(p) > 1 for p in paths):
        (top,) = tops
        if not _MOODLE.match(top):
            return (top,), [p[1:] for p in paths]
    return (), list(paths)


def named_by_platform(parts) -> bool:
    """Whether Canvas or Moodle names a member so (such names win over the plain layout,
    whose ids may hold ``_``)."""
    return bool(moodle_file(parts) or parse("canvas", parts))


def _counts(paths, plain_students: int) -> dict:
    moodle = sum(1 for p in paths if moodle_file(p))
    canvas = sum(1 for p in paths if not moodle_file(p) and parse("canvas", p))
    return {k: n for k, n in (("canvas", canvas), ("moodle", moodle), ("plain", plain_students)) if n}


def detect(paths, plain_students: int, where: str) -> tuple:
    """``(format, wrapper)`` of a listing of file paths (as parts, system files left out):
    format "canvas", "moodle" or "plain", and the one folder around a platform's files to
    strip (see :func:`strip_wrapper`), if any. ``plain_students``: how many students the
    plain layout finds (the plain layout's own wrapper rule applies there). Raises
    :class:`CourseError` when the listing fits several formats, or none while holding files.

    >>> detect([("doejane_12_34_penalty.ipynb",)], 0, "x.zip")
    ('canvas', ())
    >>> detect([("x", "Jane Doe_12_assignsubmission_file", "penalty.ipynb")], 0, "x.zip")
    ('moodle', ('x',))
    """
    found = _counts(paths, plain_students)
    wrap = ()
    if not found.keys() & {"canvas", "moodle"} and not plain_students:
        wrap, inner = strip_wrapper(paths)
        if wrap:
            found = _counts(inner, 0)
    if len(found) == 1:
        fmt = next(iter(found))
        return fmt, (wrap if fmt != "plain" else ())
    if not found:
        if not paths:
            return "plain", ()
        example = "/".join(paths[0])
        raise CourseError(
            f"SUBMISSIONS: {where} is in no layout l2reg knows (e.g. {example!r}): expected <student_id>.ipynb "
            f"or <student_id>/ notebooks, or a Canvas or Moodle download zip")
    said = ", ".join(f"{n} as {k} names them" for k, n in found.items())
    raise CourseError(f"SUBMISSIONS: {where} mixes layouts ({said}); say which with --format canvas|moodle|plain")


@dataclass
class Choice:
    """What to grade of one student's files."""

    notebook: object | None  # the chosen file's location (whatever the caller attached), or None
    problem: str | None = None  # why nothing is graded
    notes: list = field(default_factory=list)  # said in the student's feedback and the summary
    extra_files: list = field(default_factory=list)  # labels of the files not graded


def choose(files, notebook_name: str | None = None) -> Choice:
    """Pick the notebook to grade from one student's ``[(PlatformFile, location)]``.

    Canvas: the notebook with the highest attachment id (the last uploaded); the others
    are noted. Moodle (no upload order in its zip): the only notebook; else the one named as
    the lesson's notebook; else the only one at the top of the submission's folder; else
    nothing is graded and the notebooks are named."""
    notebooks = [(f, loc) for f, loc in files if f.notebook]
    others = [f.label() for f, _ in files if not f.notebook]
    if not notebooks:
        found = ", ".join(f.label() for f, _ in files[:5]) or "nothing"
        return Choice(None, f"no .ipynb notebook handed in (found: {found})", extra_files=others)
    if all(f.attachment_id is not None for f, _ in notebooks):
        notebooks.sort(key=lambda x: x[0].attachment_id)
        chosen, rest = notebooks[-1], notebooks[:-1]
        notes = []
        if rest:
            names = ", ".join(f"{f.file} (attachment {f.attachment_id})" for f, _ in reversed(rest))
            notes.append(f"graded the last uploaded notebook {chosen[0].file} (attachment {chosen[0].attachment_id}); "
                         f"not graded: {names}")
        return Choice(chosen[1], None, notes, [f"{f.file} (older notebook, not graded)" for f, _ in rest] + others)
    if len(notebooks) == 1:
        return Choice(notebooks[0][1], None, [], others)
    for pick in (
        lambda f: notebook_name is not None and PurePosixPath(f.file).name.lower() == notebook_name.lower(),
        lambda f: "/" not in f.file,
    ):
        hits = [(f, loc) for f, loc in notebooks if pick(f)]
        if len(hits) == 1:
            rest = [f.file for f, _ in notebooks if f is not hits[0][0]]
            return Choice(hits[0][1], None, [f"graded {hits[0][0].file}; not graded: {', '.join(rest)}"],
                          [f"{r} (notebook, not graded)" for r in rest] + others)
    names = ", ".join(f.file for f, _ in notebooks[:5])
    return Choice(None, f"more than one notebook and none named as the lesson's: {names}", extra_files=others)
