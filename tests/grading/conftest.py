"""Fixtures shared by the grading tests.

``graded_class``: ONE ``l2reg grade`` run per test session over the class that the grading
tests assert on (each ``l2reg grade`` pays nbgrader's import, a temporary course, the
reference run and the sandbox canary before the first student): the honest, broken,
tampered, runaway and hostile cases of submission_kit.py, the attack findings that need a
real run (a lone surrogate, an output nested 900 levels deep, forged last words, names
that are not UTF-8) and submissions made from the self-study edition. Each test file
asserts its own part of the one run. The output folder is read only: a test that writes
into one uses ``graded_class.copy(tmp_path / "g")``.
"""

from __future__ import annotations

import csv
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from submission_kit import (  # noqa: E402
    ROOT, Listener, attack_cases, run_grade, sandboxed_cases, self_study_cases, write_cases,
)


@dataclass
class GradedClass:
    """The class graded once per session (read only: copy ``out`` before writing into it)."""

    subs: Path  # the submissions folder
    out: Path  # grades.csv, summary.txt, gradebook.db, feedback/
    proc: object  # the run's subprocess.CompletedProcess
    cases: dict  # name -> (files, expected score, expected status) for every student
    env: dict  # the environment the run had (L2REG_ANSWER_KEY names a decoy key)
    listener: object  # the loopback server the network case tried to reach (closed)
    before: dict = field(default_factory=dict)  # relative path -> bytes of some submissions
    rows: dict = field(default_factory=dict)  # student_id -> grades.csv row
    csv_text: str = ""

    def copy(self, dst) -> Path:
        """A private copy of the output folder, for a test that writes into one."""
        return Path(shutil.copytree(self.out, dst, symlinks=True))


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory) -> GradedClass:
    """``l2reg grade 01_penalty SUBS --out OUT --jobs 2 --cell-timeout 8 --notebook-timeout 300``
    over every case of submission_kit (``sandboxed_cases``: ``cases`` but the tamper cases
    test_restore_tamper_cases.py checks without a kernel; ``attack_cases``; ``self_study_cases``),
    with an answer key where a leaking grader would expose it."""
    base = tmp_path_factory.mktemp("graded-class")
    subs, out = base / "submissions", base / "out"
    listener = Listener()
    selected = {**sandboxed_cases(ROOT, out, subs, listener.port), **attack_cases(), **self_study_cases()}
    write_cases(subs, selected)
    # names that are not UTF-8: a file in a student's folder, and a top-level file
    open(os.path.join(os.fsencode(subs / "bob"), b"notes\xff.txt"), "wb").close()
    open(os.path.join(os.fsencode(subs), b"zz\xfe.txt"), "wb").close()
    before = {"honest_full.ipynb": (subs / "honest_full.ipynb").read_bytes()}
    key = base / "answer-key.json"
    key.write_text('{"quiz/q5": "a"}  ### BEGIN SOLUTION q5 = "a"', encoding="utf-8")
    env = dict(os.environ, L2REG_ANSWER_KEY=str(key))
    proc = run_grade(subs, out, jobs=2, env=env)
    listener.close()
    g = GradedClass(subs, out, proc, selected, env, listener, before)
    if (out / "grades.csv").exists():
        g.csv_text = (out / "grades.csv").read_text(encoding="utf-8")
        with open(out / "grades.csv", newline="", encoding="utf-8") as f:
            g.rows = {r["student_id"]: r for r in csv.DictReader(f)}
    return g
