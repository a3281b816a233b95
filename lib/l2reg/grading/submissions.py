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


def find_submissions(submissions, scratch: Path, notebook=None, format: str = "auto") -> Found:
    """Scan a folder or zip of submissions; ``scratch`` is a private temporary folder;
    ``notebook`` is the lesson's notebook file name (it tells one student's zipped folder
    from a zipped folder of a class: see the module's layout rule); ``format``: one of
    :data:`.platforms.FORMATS`."""
    from .platforms import FORMATS

    if format not in FORMATS:
        raise CourseError(f"--format: expected one of {', '.join(FORMATS)}, got {format!r}")
    path = Path(submissions)
    if not path.exists():
        raise CourseError(f"SUBMISSIONS: no such file or folder: {path}")
    if path.is_dir():
        return _read_folder(path, notebook, format)
    if path.suffix.lower() == ".zip" or zipfile.is_zipfile(path):
        return _read_zip(path, scratch, notebook, format)
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


def _safe_files(infos):
    """``(files, left_out)``: ``[(info, parts)]`` of the members that are files with a safe
    path, their names read by :func:`.platforms.member_name`, system files (``__MACOSX``,
    dot files) dropped; ``left_out`` as :func:`extract_zip` lists it."""
    from .platforms import member_name

    files, left_out = [], []
    for info in infos:
        parts, why = _member_path(info, member_name(info))
        if why:
            left_out.append((info.filename, why))
        elif not info.is_dir() and all(_visible(Path(p)) for p in parts):
            files.append((info, parts))
    return files, left_out


def _plain_students_in_zip(files, notebook) -> int:
    """How many students the plain layout finds among the members no platform names
    (``doejane_12_34_penalty.ipynb`` is also a valid plain id: the platform's name wins)."""
    from .platforms import named_by_platform

    paths = [p for _, p in files]
    wrap = _wrapper(paths, notebook)
    rels = [p[len(wrap):] for p in paths if p[:len(wrap)] == wrap]
    return len({_student_of(r) for r in rels if not named_by_platform(r)} - {None})


def _read_zip(path: Path, scratch: Path, notebook, format: str, depth: int = 0) -> Found:
    from .platforms import detect, named_by_platform

    if format == "plain":
        return _read_plain_zip(path, scratch, notebook)
    zf, infos = _open_zip(path)
    with zf:
        files, left_out = _safe_files(infos)
        if (depth == 0 and len(files) == 1 and files[0][1][-1].lower().endswith(".zip")
                and not named_by_platform(files[0][1])):  # (one student's own zip is theirs)
            # SUBMISSIONS is a zip holding only the platform's zip (zipped again): read that one
            inner = scratch / "inner.zip"
            why = _copy_member(zf, files[0][0], inner, MAX_TOTAL_BYTES)
            if not why and not zipfile.is_zipfile(inner):
                why = "is not a readable zip file"
            if why:
                raise CourseError(f"SUBMISSIONS: {path.name} holds only {clean_text(files[0][0].filename)}, which {why}")
            found = _read_zip(inner, scratch, notebook, format, depth=1)
            found.inner = "/".join(files[0][1])
            return found
        detected = format == "auto"
        wrap = ()
        if detected:
            format, wrap = detect([p for _, p in files], _plain_students_in_zip(files, notebook), path.name)
        if format == "plain":
            found = _read_plain_zip(path, scratch, notebook)
            found.detected = detected
            return found
        dest = scratch / "unzipped"
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        located = [(info, parts[len(wrap):]) for info, parts in files if parts[:len(wrap)] == wrap]
        by_student, unattributed = _attribute(format, located, lambda x: "/".join(x[1]))
        _check_named(format, by_student, files, path.name)

        def unpack(sid, info, pf):
            own = PurePosixPath(pf.file).name
            target = dest / sid / (own if len(os.fsencode(own)) <= 200 else "submitted.ipynb")
            target.parent.mkdir(parents=True, exist_ok=True)
            why = _copy_member(zf, info, target, MAX_MEMBER_BYTES)
            return (None, why) if why else (target, None)

        found = _platform_entries(format, by_student, notebook, unpack)
    found.skipped.extend(unattributed[:MAX_LISTED])
    if len(unattributed) > MAX_LISTED:
        found.skipped.append(("...", f"and {len(unattributed) - MAX_LISTED} more entries (ignored)"))
    _list_left_out(found, path, left_out)
    found.detected = detected
    return found


def _attribute(format: str, located, shown):
    """``({student id: [(PlatformFile, item)]}, unattributed)`` for ``located``, a list of
    ``(item, parts)`` (parts relative to the platform's top)."""
    from .platforms import DESCRIPTION, PLATFORM_ID, canvas_files, parse, resolve_canvas

    if format == "canvas":  # a name may read as two students': see platforms.resolve_canvas
        readings = [canvas_files(parts[0]) if len(parts) == 1 else [] for _, parts in located]
        chosen = resolve_canvas(readings)
    else:
        readings = chosen = [parse(format, parts) for _, parts in located]
    by_student, unattributed = {}, []
    for (item, parts), pf, read in zip(located, chosen, readings):
        if pf is None and format == "canvas" and read:
            unattributed.append((shown((item, parts)), "named as several students' files (ignored)"))
            continue
        if pf is None or not PLATFORM_ID.match(pf.student_id):
            unattributed.append((shown((item, parts)), f"not named as in {DESCRIPTION[format]} (ignored)"))
            continue
        by_student.setdefault(pf.student_id, []).append((pf, item))
    return by_student, sorted(unattributed)


def _check_named(format: str, by_student: dict, files: list, where: str):
    """``--format canvas|moodle`` on files none of which that platform names so."""
    from .platforms import DESCRIPTION

    if files and not by_student:
        example = "/".join(files[0][1])
        raise CourseError(f"SUBMISSIONS: no file of {where} is named as in {DESCRIPTION[format]} "
                          f"(e.g. {example!r}); check --format")


def _platform_entries(format: str, by_student: dict, notebook, unpack) -> Found:
    """One :class:`Entry` per student of ``by_student``; ``unpack(sid, item, pf)`` gives
    ``(path, None)`` or ``(None, why)`` for the one notebook chosen."""
    from .platforms import choose

    entries, total = [], 0
    for sid, files in sorted(by_student.items()):
        late = any(f.late for f, _ in files)
        name = next((f.shown_name for f, _ in files if f.shown_name), "")
        if len(files) > MAX_STUDENT_FILES:
            entries.append(Entry(sid, problem=f"the submission holds {len(files)} files, more than "
                                 f"{MAX_STUDENT_FILES}", late=late, name=name))
            continue
        pick = choose(files, notebook)
        entry = Entry(sid, None, pick.problem, list(pick.extra_files), late, name, list(pick.notes))
        if pick.notebook is not None:
            chosen = next(f for f, item in files if item is pick.notebook)
            size = getattr(pick.notebook, "file_size", None)
            total += size or 0
            if total > MAX_TOTAL_BYTES:
                raise CourseError(f"SUBMISSIONS: the notebooks unpack to more than {MAX_TOTAL_BYTES >> 30} GB")
            entry.notebook, why = unpack(sid, pick.notebook, chosen)
            if why:
                entry.problem = f"the notebook {chosen.file} {why}"
        entries.append(entry)
    if format == "moodle" and len(entries) > 1 and len({e.name for e in entries}) == 1:
        for e in entries:  # blind marking: every folder says "Participant" (in the site's language)
            e.name = ""
    return Found(entries, [], format)


def _copy_member(zf, info, target: Path, cap: int) -> str | None:
    """Unpack one member to ``target``, at most ``cap`` bytes; None, or why it was not
    unpacked (nothing is left at ``target`` then)."""
    if info.file_size > cap:
        return f"is larger than {cap >> 20} MB"
    written = 0
    try:
        with zf.open(info) as src, open(target, "wb") as out:
            while chunk := src.read(1 << 20):
                written += len(chunk)
                if written > cap:
                    break
                out.write(chunk)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, RuntimeError, NotImplementedError,
            ValueError, zlib.error, UnicodeError, LookupError, OverflowError, TypeError) as exc:
        target.unlink(missing_ok=True)
        return f"cannot be unpacked ({getattr(exc, 'strerror', None) or str(exc) or type(exc).__name__})"
    if written > cap:
        target.unlink(missing_ok=True)
        return f"is larger than {cap >> 20} MB"
    return None


def _read_folder(path: Path, notebook, format: str) -> Found:
    """A folder: plain (:func:`scan_folder`), or a platform's zip unzipped into it, told
    from its top-level names (and those one folder down when it holds one folder only)."""
    from .platforms import detect, named_by_platform

    detected = format == "auto"
    if format == "plain":
        return scan_folder(path)
    try:
        top = sorted(p for p in path.iterdir() if _visible(p) and not p.is_symlink())
    except OSError as exc:
        raise CourseError(f"SUBMISSIONS: {path} cannot be read ({exc.strerror or type(exc).__name__})") from None
    if detected:
        listing = [(p.name, "x") if p.is_dir() else (p.name,) for p in top]
        plain = sum(1 for p, parts in zip(top, listing) if not named_by_platform(parts) and (
            STUDENT_ID.match(p.name) if p.is_dir() else p.suffix.lower() == ".ipynb" and STUDENT_ID.match(p.stem)))
        if not plain and len(top) == 1 and top[0].is_dir() and not named_by_platform(listing[0]):
            # one folder around a platform's files (the download unzipped into a folder of its own)
            inner = sorted(p for p in top[0].iterdir() if _visible(p) and not p.is_symlink())
            inner_listing = [(p.name, "x") if p.is_dir() else (p.name,) for p in inner]
            if any(named_by_platform(parts) for parts in inner_listing):
                top, listing = inner, inner_listing
        format, _ = detect(listing, plain, str(path))
    if format == "plain":
        found = scan_folder(path)
        found.detected = detected
        return found
    located = []
    for item in top:
        if item.is_file():
            located.append((item, (item.name,)))
        elif item.is_dir():
            count = 0
            for dirpath, dirnames, filenames in os.walk(item):
                base = Path(dirpath)
                dirnames[:] = sorted(d for d in dirnames if _visible(Path(d)) and not (base / d).is_symlink())
                for name in sorted(filenames):
                    p = base / name
                    if _visible(p) and not p.is_symlink() and p.is_file():
                        located.append((p, (item.name, *p.relative_to(item).parts)))
                        count += 1
                if count > MAX_STUDENT_FILES:  # the entry's own count check names it
                    break
    by_student, unattributed = _attribute(format, located, lambda x: "/".join(x[1]))
    _check_named(format, by_student, located, str(path))

    def in_place(sid, p, pf):
        size = p.stat().st_size
        return (None, f"is larger than {MAX_MEMBER_BYTES >> 20} MB") if size > MAX_MEMBER_BYTES else (p, None)

    found = _platform_entries(format, by_student, notebook, in_place)
    found.skipped.extend(unattributed[:MAX_LISTED])
    if len(unattributed) > MAX_LISTED:
        found.skipped.append(("...", f"and {len(unattributed) - MAX_LISTED} more entries (ignored)"))
    found.detected = detected
    return found
