"""Finding the submissions: one notebook per student, in a folder or a zip.

``<student_id>.ipynb`` or ``<student_id>/<anything>.ipynb``. A zip is
extracted safely (no absolute or ``..`` paths, no links, limits on member count
and sizes) into a temporary folder first.
"""

from __future__ import annotations

import re
import shutil
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .course import CourseError

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$")
MAX_MEMBERS = 10_000
MAX_MEMBER_BYTES = 100 << 20
MAX_TOTAL_BYTES = 1 << 30
_IGNORED_DIRS = {"__MACOSX", ".ipynb_checkpoints", "__pycache__"}


@dataclass
class Entry:
    """One student's submission, or why there is none."""

    student_id: str
    notebook: Path | None = None
    problem: str | None = None  # set when there is no notebook to grade
    extra_files: list = field(default_factory=list)


@dataclass
class Found:
    entries: list  # of Entry, sorted by student id
    skipped: list  # of (name, reason) for things that are no student's submission


def _visible(path: Path) -> bool:
    return not path.name.startswith(".") and path.name not in _IGNORED_DIRS


def scan_folder(folder: Path) -> Found:
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
    entries = []
    for sid, found in sorted(by_id.items()):
        if len(found) > 1:
            entries.append(Entry(sid, problem=f"two submissions: {sid}.ipynb and {sid}/"))
        else:
            entries.append(found[0])
    return Found(entries, skipped)


def _scan_student_dir(sid: str, folder: Path) -> Entry:
    files = []
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder)
        if any(not _visible(Path(part)) for part in rel.parts):
            continue
        if p.is_symlink() or not p.is_file():
            continue
        files.append(p)
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


def extract_zip(path: Path, dest: Path) -> list:
    """Extract ``path`` into ``dest`` safely; return (member, reason) for members left out."""
    left_out = []
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise CourseError(f"SUBMISSIONS: {path} is not a readable zip file ({exc})")
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise CourseError(f"SUBMISSIONS: {path} holds {len(infos)} files, more than {MAX_MEMBERS}")
        total = 0
        for info in infos:
            name = info.filename.replace("\\", "/")
            parts = PurePosixPath(name).parts
            mode = info.external_attr >> 16
            if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in parts or not parts:
                left_out.append((info.filename, "unsafe path (ignored)"))
                continue
            if stat.S_ISLNK(mode):
                left_out.append((info.filename, "a symbolic link (ignored)"))
                continue
            if info.flag_bits & 0x1:
                left_out.append((info.filename, "encrypted (ignored)"))
                continue
            target = dest.joinpath(*parts)
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            if info.file_size > MAX_MEMBER_BYTES:
                left_out.append((info.filename, f"larger than {MAX_MEMBER_BYTES >> 20} MB (ignored)"))
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            written = 0
            too_big = False
            try:
                with zf.open(info) as src, open(target, "wb") as out:
                    while True:
                        chunk = src.read(1 << 20)
                        if not chunk:
                            break
                        written += len(chunk)
                        total += len(chunk)
                        if written > MAX_MEMBER_BYTES:
                            too_big = True
                            break
                        if total > MAX_TOTAL_BYTES:
                            raise CourseError(
                                f"SUBMISSIONS: {path} unpacks to more than {MAX_TOTAL_BYTES >> 20} MB"
                            )
                        out.write(chunk)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, RuntimeError) as exc:
                target.unlink(missing_ok=True)
                left_out.append((info.filename, f"unreadable ({exc}) (ignored)"))
                continue
            if too_big:
                target.unlink(missing_ok=True)
                left_out.append((info.filename, f"larger than {MAX_MEMBER_BYTES >> 20} MB (ignored)"))
    return left_out


def _unwrap(folder: Path) -> Path:
    """A zip often holds one folder around the submissions: descend into it when it
    holds student folders or several notebooks."""
    items = [p for p in folder.iterdir() if _visible(p)]
    if len(items) == 1 and items[0].is_dir() and not items[0].is_symlink():
        inner = [p for p in items[0].iterdir() if _visible(p)]
        if any(p.is_dir() for p in inner) or sum(p.suffix.lower() == ".ipynb" for p in inner) > 1:
            return items[0]
    return folder


def find_submissions(submissions, scratch: Path) -> Found:
    """Scan a folder or zip of submissions; ``scratch`` is a private temporary folder."""
    path = Path(submissions)
    if not path.exists():
        raise CourseError(f"SUBMISSIONS: no such file or folder: {path}")
    if path.is_dir():
        return scan_folder(path)
    if path.suffix.lower() == ".zip" or zipfile.is_zipfile(path):
        dest = scratch / "unzipped"
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        left_out = extract_zip(path, dest)
        found = scan_folder(_unwrap(dest))
        found.skipped.extend((f"{path.name}:{name}", why) for name, why in left_out)
        return found
    raise CourseError(f"SUBMISSIONS: expected a folder or a .zip file, got {path}")
