"""A learning platform's download read into one :class:`~.submissions.Entry` per student:
a Canvas or Moodle "download all submissions" zip (or that zip inside another, or unpacked
into a folder), each member attributed by :mod:`.platforms`, one notebook per student
unpacked under the caps of :mod:`.submissions` (read from there at call time, so that one
set of caps holds for every layout).
"""

from __future__ import annotations

import os
import shutil
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from . import submissions as subs
from .course import CourseError
from .outcome import clean_text
from .submissions import (
    STUDENT_ID,
    Entry,
    Found,
    _list_left_out,
    _member_path,
    _open_zip,
    _read_plain_zip,
    _student_of,
    _visible,
    _wrapper,
    scan_folder,
)


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


def read_zip(path: Path, scratch: Path, notebook, format: str, depth: int = 0, roster=None) -> Found:
    from .platforms import detect, named_by_platform

    if format == "plain":
        return _read_plain_zip(path, scratch, notebook)
    zf, infos = _open_zip(path)
    with zf:
        files, left_out = _safe_files(infos)
        if (depth == 0 and len(files) == 1 and files[0][1][-1].lower().endswith(".zip")
                and not named_by_platform(files[0][1])):  # (one student's own zip is theirs)
            # SUBMISSIONS is a zip holding only the platform's zip (zipped again): read that one
            own = files[0][1][-1]  # its own name, so that what is said of it names it so
            inner = scratch / "inner" / (own if len(os.fsencode(own)) <= 200 else "inner.zip")
            inner.parent.mkdir(parents=True, exist_ok=True)
            declared = files[0][0].file_size
            free = shutil.disk_usage(scratch).free  # (ZipExtFile cuts the data at the declared file_size)
            if declared > free:
                raise CourseError(f"SUBMISSIONS: {path.name} holds only {clean_text(files[0][0].filename)}, which "
                                  f"unpacks to {declared / 2**20:.1f} MB, more than the {free / 2**20:.1f} MB free "
                                  f"in the scratch folder")
            why = _copy_member(zf, files[0][0], inner, subs.MAX_TOTAL_BYTES)
            if not why and not zipfile.is_zipfile(inner):
                why = "is not a readable zip file"
            if why:
                raise CourseError(f"SUBMISSIONS: {path.name} holds only {clean_text(files[0][0].filename)}, which {why}")
            found = read_zip(inner, scratch, notebook, format, depth=1, roster=roster)
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
        by_student, unattributed = _attribute(format, located, lambda x: "/".join(x[1]), roster)
        _check_named(format, by_student, files, path.name)

        def unpack(sid, info, pf):
            own = PurePosixPath(pf.file).name
            target = dest / sid / (own if len(os.fsencode(own)) <= 200 else "submitted.ipynb")
            target.parent.mkdir(parents=True, exist_ok=True)
            why = _copy_member(zf, info, target, subs.MAX_MEMBER_BYTES)
            return (None, why) if why else (target, None)

        found = _platform_entries(format, by_student, notebook, unpack)
    found.skipped.extend(unattributed[:subs.MAX_LISTED])
    if len(unattributed) > subs.MAX_LISTED:
        found.skipped.append(("...", f"and {len(unattributed) - subs.MAX_LISTED} more entries (ignored)"))
    _list_left_out(found, path, left_out)
    found.detected = detected
    return found


def _attribute(format: str, located, shown, roster=None):
    """``({student id: [(PlatformFile, item)]}, unattributed)`` for ``located``, a list of
    ``(item, parts)`` (parts relative to the platform's top)."""
    from .platforms import DESCRIPTION, PLATFORM_ID, canvas_files, parse, resolve_canvas

    if format == "canvas":  # a name may read as two students': see platforms.resolve_canvas
        readings = [canvas_files(parts[0]) if len(parts) == 1 else [] for _, parts in located]
        chosen = resolve_canvas(readings, roster)
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
        if len(files) > subs.MAX_STUDENT_FILES:
            entries.append(Entry(sid, problem=f"the submission holds {len(files)} files, more than "
                                 f"{subs.MAX_STUDENT_FILES}", late=late, name=name))
            continue
        pick = choose(files, notebook)
        entry = Entry(sid, None, pick.problem, list(pick.extra_files), late, name, list(pick.notes))
        if pick.notebook is not None:
            chosen = next(f for f, item in files if item is pick.notebook)
            size = getattr(pick.notebook, "file_size", None)
            total += size or 0
            if total > subs.MAX_TOTAL_BYTES:
                raise CourseError(f"SUBMISSIONS: the notebooks unpack to more than {subs.MAX_TOTAL_BYTES >> 30} GB")
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


def read_folder(path: Path, notebook, format: str, roster=None) -> Found:
    """A folder: plain (:func:`scan_folder`), or a platform's zip unzipped into it, told
    from its top-level names (and those one folder down when it holds one folder only)."""
    from .platforms import detect, named_by_platform

    detected = format == "auto"
    if format == "plain":
        return scan_folder(path)
    try:
        top, odd = _entries_of(path)
    except OSError as exc:
        raise CourseError(f"SUBMISSIONS: {path} cannot be read ({exc.strerror or type(exc).__name__})") from None
    if detected:
        listing = [(p.name, "x") if p.is_dir() else (p.name,) for p in top]
        plain = sum(1 for p, parts in zip(top, listing) if not named_by_platform(parts) and (
            STUDENT_ID.match(p.name) if p.is_dir() else p.suffix.lower() == ".ipynb" and STUDENT_ID.match(p.stem)))
        if not plain and len(top) == 1 and top[0].is_dir() and not named_by_platform(listing[0]):
            # one folder around a platform's files (the download unzipped into a folder of its own)
            try:
                inner, inner_odd = _entries_of(top[0])
            except OSError:  # read as the one folder it is (its reading names why)
                inner, inner_odd = [], []
            inner_listing = [(p.name, "x") if p.is_dir() else (p.name,) for p in inner]
            if any(named_by_platform(parts) for parts in inner_listing):
                top, listing, odd = inner, inner_listing, inner_odd
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
                if count > subs.MAX_STUDENT_FILES:  # the entry's own count check names it
                    break
    by_student, unattributed = _attribute(format, located, lambda x: "/".join(x[1]), roster)
    _check_named(format, by_student, located, str(path))

    def in_place(sid, p, pf):
        size = p.stat().st_size
        return (None, f"is larger than {subs.MAX_MEMBER_BYTES >> 20} MB") if size > subs.MAX_MEMBER_BYTES else (p, None)

    found = _platform_entries(format, by_student, notebook, in_place)
    unattributed = sorted(unattributed + odd)
    found.skipped.extend(unattributed[:subs.MAX_LISTED])
    if len(unattributed) > subs.MAX_LISTED:
        found.skipped.append(("...", f"and {len(unattributed) - subs.MAX_LISTED} more entries (ignored)"))
    found.detected = detected
    return found


def _entries_of(folder: Path):
    """``(entries, odd)``: the visible files and folders of ``folder``, sorted, and
    ``(name, why)`` for the links and special files beside them (listed, never read)."""
    top, odd = [], []
    for p in sorted(folder.iterdir()):
        if not _visible(p):
            continue
        if p.is_symlink():
            odd.append((p.name, "a symbolic link (ignored)"))
        elif p.is_file() or p.is_dir():
            top.append(p)
        else:
            odd.append((p.name, "not a file or folder (ignored)"))
    return top, odd
