"""The fixed set-up of ``l2reg grade`` (issue 18, "a cheaper notebook"): what it skips and
what it overlaps changes no guarantee.

* jsonschema's IRI grammar is never loaded by a run (speedups.skip_iri_checker must come
  before anything imports nbformat: the gradebook, nbgrader, the platforms' readers);
* the reference solution runs in its sandbox while the grader finishes its set-up, and a
  reference that fails is still refused with its reason, the previous output untouched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from submission_kit import LESSON, ROOT, bwrap_children  # noqa: E402

needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")

_NO_IRI = r'''
import sys
from l2reg.grading.grade import grade
grade(sys.argv[1], sys.argv[2], sys.argv[3], course_root=sys.argv[4])
print("rfc3987_syntax loaded:", sys.modules.get("rfc3987_syntax") is not None)
'''


@needs_bwrap
def test_a_run_never_loads_the_iri_grammar(tmp_path):
    (tmp_path / "empty").mkdir()
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    proc = subprocess.run([sys.executable, "-c", _NO_IRI, LESSON, str(tmp_path / "empty"), str(tmp_path / "out"),
                           str(ROOT)], capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "rfc3987_syntax loaded: False" in proc.stdout
    assert (tmp_path / "out" / "grades.csv").is_file()


@needs_bwrap
def test_a_failing_reference_refuses_the_run_and_keeps_the_previous_output(tmp_path):
    """The reference runs in the background while the set-up goes on (and a class waits to
    be graded, two jobs): when it fails, the run is refused with its reason as before, the
    staging folder is gone, the previous run's files are byte for byte the same and no
    sandbox is left running."""
    import io

    import nbformat

    from l2reg.grading.course import CourseError
    from l2reg.grading.grade import grade
    from l2reg.grading.outdir import LOCK_NAME, STAGING_PREFIX
    from submission_kit import answered

    course = tmp_path / "course"
    shutil.copytree(ROOT / "autograder", course / "autograder")
    (course / "solutions" / LESSON).mkdir(parents=True)
    broken = nbformat.read(str(ROOT / "solutions" / LESSON / "penalty.ipynb"), as_version=4)
    changed = [c for c in broken.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "quiz_q5"]
    assert len(changed) == 1
    changed[0].source = 'q5 = "not an option"'
    nbformat.write(broken, str(course / "solutions" / LESSON / "penalty.ipynb"))
    subs = tmp_path / "subs"
    subs.mkdir()
    for sid in ("s1", "s2", "s3"):
        nbformat.write(answered(), str(subs / f"{sid}.ipynb"))
    out = tmp_path / "out"
    (out / "feedback").mkdir(parents=True)
    (out / "grades.csv").write_text("student_id,score\nold,3\n")
    (out / "summary.txt").write_text("the previous run\n")
    (out / "feedback" / "old.html").write_text("<p>old</p>")
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    with pytest.raises(CourseError) as err:
        grade(LESSON, subs, out, jobs=2, course_root=course, progress_stream=io.StringIO())
    assert "the reference solution of 01_penalty fails in the sandbox (test cell test_quiz_q5 raised " \
           "AssertionError: q5 must be one of" in str(err.value)
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != LOCK_NAME}
    assert after == before
    assert not list(out.glob(STAGING_PREFIX + "*"))
    assert bwrap_children() == []
