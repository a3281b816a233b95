"""Helpers shared by the hosting tests: small classes of submissions and the ``l2reg`` command."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def answered_lesson(lesson: str, root: Path = ROOT, release_dir: str = "lessons"):
    """The released lesson (``root/release_dir/lesson``) with every answer cell holding the
    instructor's solution code (from ``root/solutions``)."""
    import nbformat

    (source,) = (root / "solutions" / lesson).glob("*.ipynb")
    (release,) = (root / release_dir / lesson).glob("*.ipynb")
    src = nbformat.read(str(source), as_version=4)
    # The solution region without its markers and without the quiz markup comments
    # (``# right:``, ``# wrong ...:``, ``# hint:``, ``# within:``), which no student types.
    markup = r"^\s*(### (BEGIN|END) SOLUTION|# (right|wrong|hint|within)\b.*)\s*$\n?"
    solutions = {c.metadata["nbgrader"]["grade_id"]: re.sub(markup, "", c.source, flags=re.M)
                 for c in src.cells if c.metadata.get("nbgrader", {}).get("solution")}
    nb = nbformat.read(str(release), as_version=4)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution") and gid in solutions:
            cell.source = solutions[gid]
    return nb


def small_class(folder: Path, lesson: str) -> Path:
    """Two students: ``alice`` answers with the instructor's solution (full marks), ``bob``
    hands in the released lesson untouched (the answer cells still raise NotImplementedError)."""
    import nbformat

    folder.mkdir(parents=True, exist_ok=True)
    (release,) = (ROOT / "lessons" / lesson).glob("*.ipynb")
    nbformat.write(answered_lesson(lesson), str(folder / "alice.ipynb"))
    shutil.copyfile(release, folder / "bob.ipynb")
    return folder


def l2reg(*args, timeout=900):
    """Run the ``l2reg`` command as an instructor would (from the course root)."""
    return subprocess.run([sys.executable, "-m", "l2reg.cli", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def start_l2reg(*args):
    return subprocess.Popen([sys.executable, "-m", "l2reg.cli", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
