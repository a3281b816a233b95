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
from submission_kit import LESSON, ROOT  # noqa: E402

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
