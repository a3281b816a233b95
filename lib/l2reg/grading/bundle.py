"""``l2reg bundle``: the student handout as one zip.

It holds ``lessons/``, ``lib/``, ``pyproject.toml`` and ``README.md`` under one
top folder, and never ``solutions/``, ``autograder/`` or ``tests/`` (nor caches,
build metadata or links). Its ``lessons/`` is the *classroom* edition, which
nbgrader generates from ``solutions/`` while the zip is written: the quiz cells
check only an answer's form, unlike the self-study edition the repository's
``lessons/`` holds (:mod:`l2reg.grading.edition`).
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path

from .course import RELEASE, CourseError, generate_lessons

INCLUDE = ("lessons", "lib", "pyproject.toml", "README.md")
_SKIP_DIRS = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache", ".hypothesis"}
_SKIP_SUFFIXES = (".pyc", ".pyo", ".egg-info")
TOP = "l2reg-course"


def bundle_files(root, include=INCLUDE) -> list:
    """Paths (relative to ``root``) of ``include`` that go into the handout, sorted."""
    root = Path(root)
    files = []
    for name in include:
        path = root / name
        if not path.exists():
            raise CourseError(f"bundle: {path} is missing")
        if path.is_file():
            files.append(Path(name))
            continue
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.startswith(".")
                                 and not d.endswith(_SKIP_SUFFIXES))
            for f in sorted(filenames):
                p = Path(dirpath) / f
                if f.startswith(".") or f.endswith(_SKIP_SUFFIXES) or p.is_symlink():
                    continue
                files.append(p.relative_to(root))
    return sorted(files)


def write_bundle(root, out):
    """Write the handout zip; return (path, number of files)."""
    root = Path(root).resolve()
    out = Path(out).resolve()
    if out.suffix.lower() != ".zip":
        raise CourseError(f"OUT: expected a .zip file name, got {out.name}")
    if not out.parent.is_dir():
        raise CourseError(f"OUT: no such folder: {out.parent}")
    tmp = out.with_name(out.name + ".tmp")
    with tempfile.TemporaryDirectory(prefix="l2reg-classroom-") as staging:
        staging = Path(staging)
        generate_lessons(root, out=staging / RELEASE, edition="classroom")
        sources = [(staging, rel) for rel in bundle_files(staging, (RELEASE,))]
        sources += [(root, rel) for rel in bundle_files(root, tuple(n for n in INCLUDE if n != RELEASE))]
        sources.sort(key=lambda item: item[1])
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for base, rel in sources:
                if (base / rel).resolve() == out or (base / rel).resolve() == tmp:
                    continue
                info = zipfile.ZipInfo(f"{TOP}/{rel.as_posix()}", date_time=(2020, 1, 1, 0, 0, 0))
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, (base / rel).read_bytes())
    os.replace(tmp, out)
    return out, len(sources)
