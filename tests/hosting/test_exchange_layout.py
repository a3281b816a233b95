"""``l2reg grade --from-exchange``'s two ends, without a hub: what ``nbgrader collect`` leaves
in a course folder becomes ``l2reg grade``'s plain layout (``collected``), and the results go
back where the formgrader and ``nbgrader release_feedback`` look (``publish``)."""

from __future__ import annotations

import os

import pytest
from nbgrader.api import Gradebook as NbgraderGradebook
from nbgrader.utils import parse_utc

from l2reg.grading.course import CourseError
from l2reg.grading.gradebook import Gradebook, collected, publish

STAMP = "2026-12-01 22:10:58.507844 UTC"


def collected_course(root):
    """A course folder as nbgrader collect leaves it: alice and bob submitted lesson 01,
    bob also lesson 02; carol's folder holds a link instead of a submission."""
    for student, lesson in (("alice", "01_penalty"), ("bob", "01_penalty"), ("bob", "02_gradient")):
        d = root / "submitted" / student / lesson
        d.mkdir(parents=True)
        (d / f"{lesson[3:]}.ipynb").write_text(f'{{"who": "{student}"}}')
        (d / "timestamp.txt").write_text(STAMP)
        (d / "submission_secret.txt").write_text(f"secret-{student}")
    (root / "submitted" / "carol").mkdir()
    os.symlink(root / "submitted" / "alice" / "01_penalty", root / "submitted" / "carol" / "01_penalty")
    return root


def test_collected_gives_one_folder_per_student_of_that_lesson(tmp_path):
    course = collected_course(tmp_path / "course")
    dest = collected(course, "01_penalty", tmp_path / "subs")
    assert sorted(p.name for p in dest.iterdir()) == ["alice", "bob"]
    assert [p.name for p in (dest / "bob").iterdir()] == ["penalty.ipynb"]  # not lesson 02's, no timestamp
    assert (dest / "alice" / "penalty.ipynb").read_text() == '{"who": "alice"}'


def test_collected_without_submitted_folder_names_the_step(tmp_path):
    with pytest.raises(CourseError, match=r"--from-exchange: .*nbgrader collect 01_penalty"):
        collected(tmp_path, "01_penalty", tmp_path / "subs")


def test_publish_writes_what_the_formgrader_and_release_feedback_read(tmp_path):
    course = collected_course(tmp_path / "course")
    url = "sqlite:///" + str(tmp_path / "gradebook.db")
    with Gradebook(url) as gb:
        gb.add_assignment("01_penalty")
        for sid in ("alice", "bob"):
            gb.update_or_create_student(sid)
            gb.add_submission("01_penalty", sid)
    out = tmp_path / "graded"
    (out / "feedback").mkdir(parents=True)
    for sid in ("alice", "bob"):
        (out / "feedback" / f"{sid}.html").write_text(f"<p>feedback for {sid}</p>")
    assert publish(course, "01_penalty", out, url) == ["alice", "bob"]
    for sid in ("alice", "bob"):
        auto = course / "autograded" / sid / "01_penalty"
        fb = course / "feedback" / sid / "01_penalty"
        assert (auto / "penalty.ipynb").read_text() == f'{{"who": "{sid}"}}'
        assert (auto / "timestamp.txt").read_text() == STAMP
        assert (fb / "penalty.html").read_text() == f"<p>feedback for {sid}</p>"
        assert (fb / "submission_secret.txt").read_text() == f"secret-{sid}"
        assert (fb / "timestamp.txt").read_text() == STAMP
    assert not (course / "feedback" / "bob" / "02_gradient").exists()
    with NbgraderGradebook(url) as gb:
        # the formgrader counts a submission as autograded only when this equals timestamp.txt
        assert gb.find_submission("01_penalty", "alice").timestamp == parse_utc(STAMP)
