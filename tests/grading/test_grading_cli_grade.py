"""`l2reg grade` and `l2reg bundle`: instructor errors, zip submissions, the handout."""

from __future__ import annotations

import csv
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path


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


def test_zip_of_submissions_is_extracted_safely_from_a_relative_path_into_the_default_out(tmp_path):
    """The zip is unpacked safely; and an instructor types relative paths (the zip's, here), and
    --out defaults to ./graded. (One grading run for both: each run pays the set-up.)"""
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
    out = subprocess.run([sys.executable, "-m", "l2reg.cli", "grade", LESSON, "download.zip", "--course", str(ROOT),
                          "--cell-timeout", "30"], cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-2000:]
    out_dir = tmp_path / "graded"
    rows = list(csv.DictReader(open(out_dir / "grades.csv", encoding="utf-8")))
    assert [(r["student_id"], r["score"], r["status"]) for r in rows] == [
        ("alice", "9", "graded"), ("bob", "0", "graded")]
    assert [r["max_score"] for r in rows] == ["9", "9"]
    assert not outside.exists()
    assert not (tmp_path / "abs.ipynb").exists() and not Path("/abs.ipynb").exists()
    summary = (out_dir / "summary.txt").read_text(encoding="utf-8")
    assert "unsafe path" in summary and "symbolic link" in summary
    assert (out_dir / "feedback" / "bob.html").is_file() and (out_dir / "feedback" / "alice.html").is_file()


# `l2reg bundle` writing the handout (its file list and contents) is checked once, in
# tests/notebooks/test_nb_generated.py::test_the_bundle_holds_the_classroom_edition.


def test_bundle_wants_a_zip_name(tmp_path):
    one_line_status_2(l2reg("bundle", str(tmp_path / "handout.tar")), ".zip")
