"""`l2reg grade` and `l2reg bundle`: instructor errors, zip submissions, the handout."""

from __future__ import annotations

import csv
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from submission_kit import LESSON, ROOT, answered, untouched  # noqa: E402

import nbformat  # noqa: E402


def l2reg(*args, env=None):
    return subprocess.run([sys.executable, "-m", "l2reg.cli", *args], cwd=ROOT, capture_output=True,
                          text=True, env=env, timeout=900)


def one_line_status_2(out, *words):
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    for w in words:
        assert w in lines[0]


def test_unknown_lesson(tmp_path):
    (tmp_path / "subs").mkdir()
    out = l2reg("grade", "99_nothing", str(tmp_path / "subs"), "--out", str(tmp_path / "out"))
    one_line_status_2(out, "99_nothing", "01_penalty")
    assert not (tmp_path / "out").exists()


def test_missing_submissions(tmp_path):
    out = l2reg("grade", LESSON, str(tmp_path / "nowhere"), "--out", str(tmp_path / "out"))
    one_line_status_2(out, "SUBMISSIONS", "nowhere")


def test_not_a_zip(tmp_path):
    bad = tmp_path / "subs.zip"
    bad.write_text("not a zip")
    out = l2reg("grade", LESSON, str(bad), "--out", str(tmp_path / "out"))
    one_line_status_2(out, "zip")


def test_refuses_without_bwrap(tmp_path):
    (tmp_path / "subs").mkdir()
    env = dict(os.environ, PATH=str(tmp_path))  # no bwrap on PATH
    out = l2reg("grade", LESSON, str(tmp_path / "subs"), "--out", str(tmp_path / "out"), env=env)
    one_line_status_2(out, "bwrap", "refusing to grade unsandboxed")


def test_zip_of_submissions_is_extracted_safely(tmp_path):
    archive = tmp_path / "download.zip"
    outside = tmp_path / "escaped.ipynb"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("export/alice/penalty.ipynb", nbformat.writes(answered()))
        zf.writestr("export/bob.ipynb", nbformat.writes(untouched()))
        zf.writestr("export/../escaped.ipynb", nbformat.writes(answered()))
        zf.writestr("/abs.ipynb", nbformat.writes(answered()))
        link = zipfile.ZipInfo("export/carol.ipynb")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/work/main/solutions/01_penalty/penalty.ipynb")
        zf.writestr("export/__MACOSX/._alice", "junk")
    out_dir = tmp_path / "out"
    out = l2reg("grade", LESSON, str(archive), "--out", str(out_dir), "--cell-timeout", "30")
    assert out.returncode == 0, out.stderr[-2000:]
    rows = list(csv.DictReader(open(out_dir / "grades.csv", encoding="utf-8")))
    assert [(r["student_id"], r["score"], r["status"]) for r in rows] == [
        ("alice", "9", "graded"), ("bob", "0", "graded")]
    assert not outside.exists()
    summary = (out_dir / "summary.txt").read_text(encoding="utf-8")
    assert "unsafe path" in summary and "symbolic link" in summary


def test_bundle_is_the_student_handout(tmp_path):
    out = l2reg("bundle", str(tmp_path / "handout.zip"))
    assert out.returncode == 0, out.stderr
    names = zipfile.ZipFile(tmp_path / "handout.zip").namelist()
    tops = {n.split("/")[1] for n in names}
    assert tops == {"lessons", "lib", "pyproject.toml", "README.md"}
    assert any(n.endswith("lessons/01_penalty/penalty.ipynb") for n in names)
    assert any(n.endswith("lib/l2reg/__init__.py") for n in names)
    for n in names:
        assert not any(part in ("solutions", "autograder", "tests", "__pycache__") for part in n.split("/")), n
        assert "egg-info" not in n


def test_bundle_wants_a_zip_name(tmp_path):
    one_line_status_2(l2reg("bundle", str(tmp_path / "handout.tar")), ".zip")


def test_relative_paths_and_the_default_out_folder(tmp_path):
    """An instructor types relative paths, and --out defaults to ./graded."""
    (tmp_path / "subs").mkdir()
    nbformat.write(untouched(), str(tmp_path / "subs" / "ann.ipynb"))
    out = subprocess.run([sys.executable, "-m", "l2reg.cli", "grade", LESSON, "subs", "--course", str(ROOT)],
                         cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(open(tmp_path / "graded" / "grades.csv")))
    assert [(r["student_id"], r["score"], r["status"]) for r in rows] == [("ann", "0", "graded")]
    assert (tmp_path / "graded" / "feedback" / "ann.html").is_file()
