"""Finding the submissions: one notebook per student, in a folder or a zip.

``<student_id>.ipynb`` or ``<student_id>/<anything>.ipynb``. A zip is
extracted safely (no absolute or ``..`` paths, no links, limits on member count
and sizes) into a temporary folder first.

The layout rule, for a zip, decided from its listing alone: when everything in the
zip sits under one top folder (``export/...``, as zipping a folder gives), that folder
is unwrapped if it holds at least one *student folder* (a folder named as a valid
student id with a ``.ipynb`` inside), or loose notebooks none of which has the lesson's
own notebook name (``export/alice.ipynb``, ``export/bob.ipynb``: an instructor zipped
the folder of a class). Then its entries are read as above (``<id>.ipynb`` and
``<id>/``; anything else is skipped). Otherwise the top folder is itself one student's:
``alice/penalty.ipynb`` with ``alice/scratch.ipynb`` is student ``alice`` (who handed
in two notebooks) when the lesson's notebook is ``penalty.ipynb``, and
``alice/penalty.ipynb`` with ``alice/data/x.csv`` is student ``alice`` with one extra
file.

Only what belongs to a student is unpacked: anything else (top-level non-notebooks,
folders not named as student ids, links, unsafe paths) is listed as skipped from the
zip's directory and never written to disk, so it can neither fill the disk nor stop
the run. A zip that cannot be read as a whole is an instructor error
(:class:`~.course.CourseError`); a member that cannot be unpacked costs only the
student it belongs to.

A Canvas or Moodle download (``--format``, told from the names under ``auto``) is read by
:mod:`.downloads` under the same caps.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .course import CourseError
from .outcome import clean_text

# \A...\Z, not ^...$: "$" also matches before a trailing newline, which made
# "nlid\n.ipynb" a second student beside "nlid".
STUDENT_ID = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}\Z")
MAX_MEMBER_BYTES = 100 << 20  # one file
MAX_STUDENT_FILES = 10_000  # files of one student
MAX_STUDENT_BYTES = 1 << 30  # unpacked bytes of one student
MAX_MEMBERS = 1_000_000  # members of the whole zip (its central directory is read at once)
MAX_TOTAL_BYTES = 64 << 30  # unpacked bytes of the whole zip: the disk must hold it
MAX_LISTED = 200  # members left out of a zip that the summary names one by one
_IGNORED_DIRS = {"__MACOSX", ".ipynb_checkpoints", "__pycache__"}


@dataclass
class Entry:
    """One student's submission, or why there is none."""

    student_id: str
    notebook: Path | None = None
    problem: str | None = None  # set when there is no notebook to grade
    extra_files: list = field(default_factory=list)
    late: bool = False  # the platform marked it late (Canvas's _LATE)
    name: str = ""  # the student's name as the platform's file names give it
    notes: list = field(default_factory=list)  # e.g. which of several notebooks was graded


@dataclass
class Found:
    entries: list  # of Entry, sorted by student id
    skipped: list  # of (name, reason) for things that are no student's submission
    format: str = "plain"  # "plain", "canvas" or "moodle" (see platforms.FORMATS)
    detected: bool = False  # the format was told from the names (--format auto)
    inner: str = ""  # the zip inside SUBMISSIONS that was read, when SUBMISSIONS held only that


def _visible(path: Path) -> bool:
    return not path.name.startswith(".") and path.name not in _IGNORED_DIRS


def _student_of(parts) -> str | None:
    """The student a path (parts relative to the submissions folder) belongs to, if any:
    ``<id>.ipynb`` at the top, or anything under ``<id>/``."""
    if not parts or not _visible(Path(parts[0])):
        return None
    if len(parts) == 1:
        p = PurePosixPath(parts[0])
        sid = p.stem if p.suffix.lower() == ".ipynb" else None
    else:
        sid = parts[0]
    return sid if sid is not None and STUDENT_ID.match(sid) else None


def scan_folder(folder: Path, problems: dict | None = None) -> Found:
    """One :class:`Entry` per student found in ``folder``; ``problems`` (student id ->
    reason, e.g. from unpacking a zip) turn that student's entry into a failure."""
    by_id: dict[str, list] = {}
    skipped = []
    for item in sorted(folder.iterdir()):
        if not _visible(item):
            continue
        if item.is_symlink():
            skipped.append((item.name, "a symbolic link (ignored)"))
            continue
        if item.is_file():
            if item.suffix.lower() != ".ipynb":
                skipped.append((item.name, "not a notebook (ignored)"))
                continue
            sid = item.stem
            if not STUDENT_ID.match(sid):
                skipped.append((item.name, "not a valid student id (ignored)"))
                continue
            by_id.setdefault(sid, []).append(Entry(sid, notebook=item))
        elif item.is_dir():
            sid = item.name
            if not STUDENT_ID.match(sid):
                skipped.append((item.name + "/", "not a valid student id (ignored)"))
                continue
            by_id.setdefault(sid, []).append(_scan_student_dir(sid, item))
    for sid, reason in (problems or {}).items():
        by_id[sid] = [Entry(sid, problem=reason)]
    entries = []
    for sid, found in sorted(by_id.items()):
        if len(found) > 1:
            entries.append(Entry(sid, problem=f"two submissions: {sid}.ipynb and {sid}/"))
        else:
            entries.append(found[0])
    return Found(entries, skipped)


def _scan_student_dir(sid: str, folder: Path) -> Entry:
    """The notebook of one student's folder, or why there is none; never raises for
    what the folder holds (too many files, too many bytes, unreadable names)."""
    files, size = [], 0
    try:
        for dirpath, dirnames, filenames in os.walk(folder, onerror=_raise):
            base = Path(dirpath)
            dirnames[:] = sorted(d for d in dirnames if _visible(Path(d)) and not (base / d).is_symlink())
            for name in sorted(filenames):
                p = base / name
                if not _visible(p) or p.is_symlink() or not p.is_file():
                    continue
                files.append(p)
                size += p.stat().st_size
                if len(files) > MAX_STUDENT_FILES:
                    return Entry(sid, problem=f"the submission holds more than {MAX_STUDENT_FILES} files")
                if size > MAX_STUDENT_BYTES:
                    return Entry(sid, problem=f"the submission holds more than {MAX_STUDENT_BYTES >> 20} MB")
    except OSError as exc:
        return Entry(sid, problem=f"the submission's folder cannot be read ({exc.strerror or type(exc).__name__})")
    files.sort()
    notebooks = [p for p in files if p.suffix.lower() == ".ipynb"]
    top = [p for p in notebooks if p.parent == folder]
    chosen = top if top else notebooks
    extra = [str(p.relative_to(folder)) for p in files if p not in chosen[:1]]
    if not chosen:
        names = ", ".join(str(p.relative_to(folder)) for p in files[:5]) or "nothing"
        return Entry(sid, problem=f"no .ipynb notebook in {sid}/ (found: {names})")
    if len(chosen) > 1:
        names = ", ".join(str(p.relative_to(folder)) for p in chosen[:5])
        return Entry(sid, problem=f"more than one notebook in {sid}/: {names}")
    return Entry(sid, notebook=chosen[0], extra_files=extra)


def _raise(exc):
    raise exc


def _wrapper(names, notebook=None) -> tuple:
    """The one folder a zip may hold around the submissions, from the member names
    alone (see the module's layout rule): ``(name,)`` when every visible member lies
    under one top folder that holds at least one student folder (a folder named as a
    valid student id with a notebook somewhere inside) or loose notebooks of which none
    is named ``notebook`` (the lesson's notebook file name, compared case-blind), else
    ``()``."""
    visible = [p for p in names if p and _visible(Path(p[0]))]
    tops = {p[0] for p in visible}
    if len(tops) != 1:
        return ()
    (top,) = tops
    student_dirs = {p[1] for p in visible if len(p) > 2 and _visible(Path(p[1])) and STUDENT_ID.match(p[1])
                    and p[-1].lower().endswith(".ipynb")}
    if student_dirs:
        return (top,)
    loose = {p[1].lower() for p in visible if len(p) == 2 and p[1].lower().endswith(".ipynb")}
    return (top,) if loose and (notebook is None or notebook.lower() not in loose) else ()


@dataclass
class Unzipped:
    left_out: list  # (member, reason) for members left out
    problems: dict  # student id -> why their files could not be unpacked
    root: Path  # the folder holding the submissions (inside the zip's one wrapper folder, if any)
    unattributed: list = field(default_factory=list)  # (top entry, reason) for what is no student's (not unpacked)


def extract_zip(path: Path, dest: Path, notebook=None) -> Unzipped:
    """Extract ``path`` into ``dest`` safely.

    Returns an :class:`Unzipped`: ``(member, reason)`` for members left out, and
    ``{student_id: reason}`` for students whose files cannot be unpacked (more than
    :data:`MAX_STUDENT_FILES` files or :data:`MAX_STUDENT_BYTES` bytes, an oversized
    notebook, a file and a folder of the same name, a name the file system refuses).
    One student's files never stop the others'."""
    left_out, problems = [], {}
    zf, infos = _open_zip(path)
    with zf:
        safe = []
        for info in infos:
            parts, why = _member_path(info, info.filename)
            if why:
                left_out.append((info.filename, why))
            else:
                safe.append((info, parts))
        wrap = _wrapper([p for _, p in safe], notebook)

        def student(parts):
            rel = parts[len(wrap):] if parts[:len(wrap)] == wrap else None
            return _student_of(rel) if rel else None

        # What can be told from the zip's directory, before unpacking anything.
        files = [(i, p) for i, p in safe if not i.is_dir()]
        file_paths = {p for _, p in files}
        dir_paths = {p[:k] for _, p in safe for k in range(1, len(p))} | {p for i, p in safe if i.is_dir()}
        for clash in sorted(file_paths & dir_paths):
            # As a folder, the clashing path belongs to the student of anything under it.
            for sid in {student(clash), student((*clash, "x"))} - {None}:
                problems.setdefault(sid, f"the submission holds a file and a folder both named "
                                         f"{'/'.join(clash[len(wrap):])}")
        count, declared = Counter(), Counter()
        for info, parts in files:
            sid = student(parts)
            if sid:
                count[sid] += 1
                declared[sid] += info.file_size
        for sid, n in count.items():
            if n > MAX_STUDENT_FILES:
                problems.setdefault(sid, f"the submission holds {n} files, more than {MAX_STUDENT_FILES}")
            elif declared[sid] > MAX_STUDENT_BYTES:
                problems.setdefault(sid, f"the submission unpacks to more than {MAX_STUDENT_BYTES >> 20} MB")
        total = 0
        written_by = Counter()
        unattributed = {}  # top entry (relative to the wrapper) -> why it is no student's
        for info, parts in safe:
            sid = student(parts)
            if sid in problems:
                continue
            if sid is None:  # no student's: listed as skipped (once per top entry, as a folder scan does), never unpacked
                rel = parts[len(wrap):]
                if rel and _visible(Path(rel[0])):
                    top_file = len(rel) == 1 and not info.is_dir()
                    key = rel[0] if top_file else rel[0] + "/"
                    if key not in unattributed:
                        unattributed[key] = ("not a notebook (ignored)" if top_file and not key.lower().endswith(".ipynb")
                                             else "not a valid student id (ignored)")
                continue
            target = dest.joinpath(*parts)
            try:
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                if info.file_size > MAX_MEMBER_BYTES:
                    if sid and parts[-1].lower().endswith(".ipynb"):
                        problems[sid] = f"the notebook {parts[-1]} is larger than {MAX_MEMBER_BYTES >> 20} MB"
                    left_out.append((info.filename, f"larger than {MAX_MEMBER_BYTES >> 20} MB (ignored)"))
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                written = 0
                with zf.open(info) as src, open(target, "wb") as out:
                    while True:
                        chunk = src.read(1 << 20)
                        if not chunk:
                            break
                        written += len(chunk)
                        total += len(chunk)
                        written_by[sid] += len(chunk)
                        if written > MAX_MEMBER_BYTES or (sid and written_by[sid] > MAX_STUDENT_BYTES):
                            break
                        if total > MAX_TOTAL_BYTES:
                            raise CourseError(
                                f"SUBMISSIONS: {path} unpacks to more than {MAX_TOTAL_BYTES >> 30} GB"
                            )
                        out.write(chunk)
            except CourseError:
                raise
            except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, RuntimeError, NotImplementedError,
                    ValueError, zlib.error, UnicodeError, LookupError, OverflowError, TypeError) as exc:
                # what zipfile raises on one hostile member (bad CRC, truncated data, an
                # unknown compression method, encryption, a corrupt deflate stream)
                try:
                    if target.is_file():
                        target.unlink()
                except OSError:  # e.g. the name itself is what the file system refused
                    pass
                why = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
                if sid:
                    problems[sid] = f"{'/'.join(parts[len(wrap):])} cannot be unpacked ({why})"
                else:
                    left_out.append((info.filename, f"cannot be unpacked ({why}) (ignored)"))
                continue
            if sid and written_by[sid] > MAX_STUDENT_BYTES:
                problems[sid] = f"the submission unpacks to more than {MAX_STUDENT_BYTES >> 20} MB"
                target.unlink(missing_ok=True)
            elif written > MAX_MEMBER_BYTES:
                target.unlink(missing_ok=True)
                if sid and parts[-1].lower().endswith(".ipynb"):
                    problems[sid] = f"the notebook {parts[-1]} is larger than {MAX_MEMBER_BYTES >> 20} MB"
                left_out.append((info.filename, f"larger than {MAX_MEMBER_BYTES >> 20} MB (ignored)"))
        root = dest.joinpath(*wrap)
        for sid in problems:  # free the disk now: nothing of theirs is graded
            for p in (root / sid, root / f"{sid}.ipynb"):
                if p.is_dir() and not p.is_symlink():
                    shutil.rmtree(p, ignore_errors=True)
                elif p.exists():
                    p.unlink(missing_ok=True)
    return Unzipped(left_out, problems, root, list(unattributed.items()))


def find_submissions(submissions, scratch: Path, notebook=None, format: str = "auto", roster=None) -> Found:
    """Scan a folder or zip of submissions; ``scratch`` is a private temporary folder;
    ``notebook`` is the lesson's notebook file name (it tells one student's zipped folder
    from a zipped folder of a class: see the module's layout rule); ``format``: one of
    :data:`.platforms.FORMATS`; ``roster``: :func:`.roster.read_roster`'s dict, which
    settles a Canvas name that reads as two students' (:func:`.platforms.resolve_canvas`)."""
    from .platforms import FORMATS

    if format not in FORMATS:
        raise CourseError(f"--format: expected one of {', '.join(FORMATS)}, got {format!r}")
    path = Path(submissions)
    if not path.exists():
        raise CourseError(f"SUBMISSIONS: no such file or folder: {path}")
    # a platform's layout (downloads reads this module's caps and helpers)
    from .downloads import read_folder, read_zip

    if path.is_dir():
        return read_folder(path, notebook, format, roster)
    if path.suffix.lower() == ".zip" or zipfile.is_zipfile(path):
        return read_zip(path, scratch, notebook, format, roster=roster)
    raise CourseError(f"SUBMISSIONS: expected a folder or a .zip file, got {path}")


def _read_plain_zip(path: Path, scratch: Path, notebook) -> Found:
    dest = scratch / "unzipped"
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    unzipped = extract_zip(path, dest, notebook)
    root = unzipped.root if unzipped.root.is_dir() else dest
    found = scan_folder(root, unzipped.problems)
    others = sorted(unzipped.unattributed)
    found.skipped.extend(others[:MAX_LISTED])
    if len(others) > MAX_LISTED:
        found.skipped.append(("...", f"and {len(others) - MAX_LISTED} more entries (ignored)"))
    _list_left_out(found, path, unzipped.left_out)
    return found


def _list_left_out(found: Found, path: Path, left: list):
    found.skipped.extend((f"{path.name}:{name}", why) for name, why in left[:MAX_LISTED])
    if len(left) > MAX_LISTED:
        found.skipped.append((f"{path.name}:...", f"and {len(left) - MAX_LISTED} more members (ignored)"))


def _member_path(info, name: str):
    """``(parts, None)`` for a member whose path is safe to unpack, else ``(parts, why)``."""
    name = name.replace("\\", "/")
    parts = PurePosixPath(name).parts
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in parts or not parts:
        return parts, "unsafe path (ignored)"
    if stat.S_ISLNK(info.external_attr >> 16):
        return parts, "a symbolic link (ignored)"
    if info.flag_bits & 0x1:
        return parts, "encrypted (ignored)"
    return parts, None


def _open_zip(path: Path):
    """``(ZipFile, infolist)``, or :class:`CourseError`: whatever zipfile raises on a
    hostile or damaged directory (BadZipFile, a UnicodeDecodeError for a name flagged UTF-8
    that is not, ValueError, EOFError, struct.error, ...) makes the zip as a whole
    unreadable, which only the instructor can fix."""
    try:
        zf = zipfile.ZipFile(path)
        infos = zf.infolist()
    except Exception as exc:  # noqa: BLE001
        raise CourseError(f"SUBMISSIONS: {path} is not a readable zip file "
                          f"({type(exc).__name__}: {clean_text(exc, 200)})") from None
    if len(infos) > MAX_MEMBERS:
        zf.close()
        raise CourseError(f"SUBMISSIONS: {path} holds {len(infos)} files, more than {MAX_MEMBERS}")
    return zf, infos
