"""The `l2reg` command: `l2reg lessons`, and one-line errors for instructor mistakes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def l2reg(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "l2reg.cli", *args], cwd=cwd, capture_output=True, text=True)


def test_lessons_writes_where_asked(tmp_path):
    out = l2reg("lessons", "01_penalty", "--out", str(tmp_path))
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "01_penalty" / "penalty.ipynb").is_file()
    assert not (ROOT / "gradebook.db").exists()


def test_unknown_lesson_is_one_line_and_status_2(tmp_path):
    out = l2reg("lessons", "99_nothing", "--out", str(tmp_path))
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "99_nothing" in lines[0] and "01_penalty" in lines[0]


def test_missing_course_is_one_line_and_status_2(tmp_path):
    out = l2reg("lessons", "--course", str(tmp_path / "nowhere"))
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1 and "--course" in out.stderr


def test_no_command_prints_usage():
    out = l2reg()
    assert out.returncode == 2 and "usage" in out.stderr.lower()
