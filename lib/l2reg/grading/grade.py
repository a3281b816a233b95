"""``l2reg grade``: grade a folder or zip of submissions of one lesson.

For each student: read the notebook, rebuild it from the official version
(:mod:`.restore`), run it in the sandbox (:mod:`.sandbox`), compare its records
with the reference records outside the sandbox, and write the gradebook,
``grades.csv``, the feedback page and the summary. The gradebook is written by
this (the parent) process only.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from ..checks import matches
from .answers import records_by_cell, reference_records
from .course import SOURCE, CourseError, TempCourse, check_lesson, find_course_root
from .restore import NotGradable, build, read_submission
from .sandbox import Limits, Sandbox, SandboxDied, check_sandbox, load_limits
from .submissions import find_submissions


@dataclass
class Lesson:
    """Everything about the lesson that grading needs, computed once per run."""

    name: str
    release: object  # official student notebook (nbgrader release version)
    source: object  # official instructor notebook (hidden tests included)
    reference: dict  # grade_id -> [records]
    points: dict  # grade_id -> points, in notebook order
    notebook_id: str
    hidden: list = field(default_factory=list)

    @property
    def max_score(self):
        return float(sum(self.points.values()))


@dataclass
class Result:
    student_id: str
    status: str = "graded"
    score: float = 0.0
    cells: dict = field(default_factory=dict)  # grade_id -> {"score", "points", "passed", "why"}
    notes: list = field(default_factory=list)
    executed: object = None
    seconds: float = 0.0


def score_cells(lesson: Lesson, executed, cell_status: dict) -> dict:
    """Points per graded cell: earned iff the cell ran without error and its records
    are exactly the reference's keys, each once, each matching the reference."""
    try:
        got_by_cell = records_by_cell(executed) if executed is not None else {}
    except Exception:  # noqa: BLE001 - malformed outputs: nothing recorded
        got_by_cell = {}
    out = {}
    for gid, pts in lesson.points.items():
        expected = {r["key"]: r for r in lesson.reference[gid]}
        got = got_by_cell.get(gid, [])
        why = None
        status = cell_status.get(gid)
        if status is None:
            why = "not run"
        elif status != "ok":
            why = "the cell raised an error"
        else:
            try:
                keys = Counter(r.get("key") if isinstance(r, dict) else None for r in got)
                if set(keys) != set(expected) or any(n != 1 for n in keys.values()):
                    why = "the hidden tests did not all run exactly once"
                else:
                    for r in got:
                        ref = expected[r["key"]]
                        if not matches(r.get("value"), ref["value"], ref["rtol"], ref["atol"]):
                            why = "a hidden test did not pass"
                            break
            except Exception:  # noqa: BLE001 - malformed records from the kernel
                why = "malformed test output"
        passed = why is None
        out[gid] = {"score": float(pts) if passed else 0.0, "points": float(pts), "passed": passed, "why": why}
    return out


def grade_one(lesson: Lesson, student_id: str, path: Path, limits: Limits, mpl_cache) -> Result:
    """Grade one submission; never raises for anything in the submission."""
    import nbformat

    t0 = time.monotonic()
    res = Result(student_id)
    try:
        student = read_submission(path)
    except NotGradable as exc:
        res.status = f"failed: {exc}"
        res.cells = score_cells(lesson, None, {})
        res.seconds = time.monotonic() - t0
        return res
    except OSError as exc:
        res.status = f"failed: cannot read the notebook ({exc.strerror})"
        res.cells = score_cells(lesson, None, {})
        return res
    try:
        built = build(lesson.release, lesson.source, student)
    except Exception as exc:  # noqa: BLE001 - a notebook too odd to rebuild
        res.status = f"failed: cannot rebuild the notebook ({type(exc).__name__})"
        res.cells = score_cells(lesson, None, {})
        return res
    for gid in built.missing:
        res.notes.append(f"answer cell {gid} is missing from the submission: its tests score 0")
    if built.flags:
        res.notes.append("restored from the official notebook: " + "; ".join(built.flags))
    nb = built.notebook
    cell_status = {}
    failure = None
    try:
        with Sandbox(limits, mpl_cache) as sb:
            for i, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                meta = cell.metadata.get("nbgrader", {})
                label = f"cell {meta['grade_id']}" if meta.get("grade_id") else f"cell {i + 1}"
                r = sb.run_cell(cell.source, label)
                cell.outputs = [nbformat.from_dict(o) for o in r.outputs]
                cell.execution_count = r.execution_count
                if meta.get("grade"):
                    cell_status[meta["grade_id"]] = r.status
    except SandboxDied as exc:
        failure = str(exc)
    res.executed = nb
    res.cells = score_cells(lesson, nb, cell_status)
    res.score = sum(c["score"] for c in res.cells.values())
    if failure:
        res.status = f"failed: {failure}"
        res.notes.append(f"grading stopped: {failure}; cells after that point score 0")
    elif built.flags:
        res.status = "flagged: " + "; ".join(built.flags)
    res.seconds = time.monotonic() - t0
    return res


def load_lesson(root: Path, lesson: str, course) -> Lesson:
    import nbformat

    released = next(course.generate(lesson).glob("*.ipynb"))
    release = nbformat.read(str(released), as_version=4)
    source = nbformat.read(str(next((root / SOURCE / lesson).glob("*.ipynb"))), as_version=4)
    reference = reference_records(root, lesson)
    points = {}
    for c in release.cells:
        m = c.metadata.get("nbgrader", {})
        if m.get("grade") and c.cell_type == "code":
            points[m["grade_id"]] = float(m.get("points", 0))
    for gid in points:
        if not reference.get(gid):
            raise CourseError(
                f"{lesson}: test cell {gid} records nothing for the reference solution; "
                "hidden tests must call l2reg.checks.record"
            )
    from .feedback import hidden_lines

    return Lesson(lesson, release, source, reference, points, released.stem, hidden_lines(source))


class Progress:
    def __init__(self, total, stream=sys.stderr):
        self.total, self.done, self.stream = total, 0, stream
        self.tty = hasattr(stream, "isatty") and stream.isatty()

    def step(self, label):
        self.done += 1
        width = 30
        filled = int(width * self.done / max(self.total, 1))
        line = f"grading [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} {label}"
        if self.tty:
            self.stream.write("\r" + line[:100].ljust(100))
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def _prepare_gradebook(out: Path, lesson: str, course, db=None):
    """Point the temporary course at the gradebook (``--db``, default DIR/gradebook.db) after
    dropping this lesson's earlier submissions there, so that the run regrades from scratch."""
    from .gradebook import prepare

    db_url = prepare(db, out, lesson)
    course.api.coursedir.db_url = db_url
    return db_url


def _record_in_gradebook(gb, lesson: Lesson, res: Result):
    gb.update_or_create_student(res.student_id)
    sub = gb.add_submission(lesson.name, res.student_id)
    for nb in sub.notebooks:
        for grade in nb.grades:
            c = res.cells.get(grade.name)
            grade.auto_score = c["score"] if c else 0.0
        nb.flagged = res.status != "graded"
    gb.db.commit()


def write_csv(path: Path, lesson: Lesson, results: list):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["student_id", "score", "max_score", "status", *lesson.points])
    for r in sorted(results, key=lambda r: r.student_id):
        w.writerow([r.student_id, f"{r.score:g}", f"{lesson.max_score:g}", r.status,
                    *(f"{r.cells[g]['score']:g}" for g in lesson.points)])
    tmp = path.with_suffix(".csv.tmp")
    tmp.write_text(buf.getvalue(), encoding="utf-8")
    os.replace(tmp, path)


def summary_text(lesson: Lesson, results: list, skipped: list, seconds: float, jobs: int) -> str:
    n = len(results)
    graded = sum(r.status == "graded" for r in results)
    flagged = [r for r in results if r.status.startswith("flagged")]
    failed = [r for r in results if r.status.startswith("failed")]
    lines = [
        f"{lesson.name}: {n} submission(s) in {seconds:.0f} s with {jobs} job(s): "
        f"{graded} graded, {len(flagged)} flagged, {len(failed)} failed",
    ]
    if failed:
        lines.append("Could not be graded normally (failed):")
        lines += [f"  {r.student_id}: {r.status[len('failed: '):]}" for r in sorted(failed, key=lambda r: r.student_id)]
    if flagged:
        lines.append("Graded from the restored official notebook (flagged):")
        lines += [f"  {r.student_id}: {r.status[len('flagged: '):]}" for r in sorted(flagged, key=lambda r: r.student_id)]
    extras = [r for r in results if any(n.startswith("ignored") for n in r.notes)]
    if extras:
        lines.append("Extra files not used:")
        lines += [f"  {r.student_id}: {n[len('ignored extra files: '):]}" for r in extras for n in r.notes if n.startswith("ignored")]
    if skipped:
        lines.append("Not a submission (skipped):")
        lines += [f"  {name}: {why}" for name, why in skipped]
    return "\n".join(lines) + "\n"


def grade(lesson_name: str, submissions, out, jobs: int = 1, course_root=None,
          limits_overrides: dict | None = None, progress_stream=sys.stderr, db=None) -> list:
    """Grade every submission; return the list of :class:`Result`. ``db``: the gradebook's
    database URL (see :mod:`.gradebook`), DIR/gradebook.db when None."""
    import logging

    from .gradebook import Gradebook

    from .feedback import render

    t0 = time.monotonic()
    root = find_course_root(course_root)
    check_lesson(root, lesson_name)
    # Absolute paths: nbgrader's gradebook URL and the sandbox's binds need them, and an
    # instructor naturally types relative ones (the default --out is ./graded).
    subs_path = Path(submissions).resolve()
    if not subs_path.exists():
        raise CourseError(f"SUBMISSIONS: no such file or folder: {subs_path}")
    if jobs < 1:
        raise CourseError(f"--jobs: expected a positive number, got {jobs}")
    out = Path(out).resolve()
    if out.exists() and not out.is_dir():
        raise CourseError(f"--out: {out} exists and is not a folder")
    limits = load_limits(root, **(limits_overrides or {}))
    mpl_cache = _mpl_cache()
    check_sandbox(limits, mpl_cache)
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    import warnings

    warnings.filterwarnings("ignore", module="nbformat")
    warnings.filterwarnings("ignore", message=".*not in session.*")
    with tempfile.TemporaryDirectory(prefix="l2reg-grade-") as scratch:
        found = find_submissions(subs_path, Path(scratch))
        out.mkdir(parents=True, exist_ok=True)
        with TempCourse(root, [lesson_name]) as course:
            db_url = _prepare_gradebook(out, lesson_name, course, db)
            lesson = load_lesson(root, lesson_name, course)
        canary = grade_one(lesson, "reference", root / SOURCE / lesson_name / f"{lesson.notebook_id}.ipynb",
                           limits, mpl_cache)
        if canary.score != lesson.max_score:
            why = canary.status if canary.status.startswith("failed") else ", ".join(
                f"{g}: {c['why']}" for g, c in canary.cells.items() if not c["passed"])
            raise CourseError(
                f"the reference solution of {lesson_name} scores {canary.score:g} / {lesson.max_score:g} "
                f"in the sandbox ({why}); not grading"
            )
        feedback_dir = out / "feedback"
        if feedback_dir.exists():
            shutil.rmtree(feedback_dir)
        feedback_dir.mkdir()
        progress = Progress(len(found.entries), progress_stream)
        results = []

        def finish(res: Result, gb):
            _record_in_gradebook(gb, lesson, res)
            try:
                page = render(res.executed, res.cells, lesson.hidden, res.student_id, lesson.name, res.status,
                              res.score, lesson.max_score, res.notes)
            except Exception as exc:  # noqa: BLE001 - odd outputs must not stop the run
                page = render(None, res.cells, lesson.hidden, res.student_id, lesson.name, res.status,
                              res.score, lesson.max_score,
                              [*res.notes, f"the notebook could not be shown ({type(exc).__name__})"])
            (feedback_dir / f"{res.student_id}.html").write_text(page, encoding="utf-8")
            res.executed = None  # keep memory flat
            results.append(res)
            progress.step(f"{res.student_id}: {res.status[:50]}")

        with Gradebook(db_url) as gb:
            todo = []
            for entry in found.entries:
                if entry.notebook is None:
                    res = Result(entry.student_id, status=f"failed: {entry.problem}")
                    res.cells = score_cells(lesson, None, {})
                    finish(res, gb)
                else:
                    todo.append(entry)
            with ThreadPoolExecutor(max_workers=jobs) as pool:
                futures = {pool.submit(grade_one, lesson, e.student_id, e.notebook, limits, mpl_cache): e for e in todo}
                for fut in as_completed(futures):
                    entry = futures[fut]
                    try:
                        res = fut.result()
                    except Exception as exc:  # noqa: BLE001 - a bug must not stop the others
                        res = Result(entry.student_id, status=f"failed: internal error ({type(exc).__name__}: {exc})")
                        res.cells = score_cells(lesson, None, {})
                    if entry.extra_files:
                        res.notes.append("ignored extra files: " + ", ".join(entry.extra_files[:10]))
                    finish(res, gb)
        write_csv(out / "grades.csv", lesson, results)
        text = summary_text(lesson, results, found.skipped, time.monotonic() - t0, jobs)
        (out / "summary.txt").write_text(text, encoding="utf-8")
    results.sort(key=lambda r: r.student_id)
    grade.summary = text
    return results


def _mpl_cache():
    """The host's matplotlib font cache folder, bound read-only into the sandbox so
    that each kernel does not rebuild it."""
    try:
        import matplotlib
        import matplotlib.font_manager  # noqa: F401 - builds the font cache if missing

        d = matplotlib.get_cachedir()
        return d if d and any(f.endswith(".json") for f in os.listdir(d)) else None
    except Exception:  # noqa: BLE001
        return None
