"""``l2reg grade``: grade a folder or zip of submissions of one lesson.

For each student: read the notebook, rebuild it from the official version
(:mod:`.restore`), run it in the sandbox (:mod:`.sandbox`), compare its records
with the reference records outside the sandbox, then write the feedback page.
Each of these stages is charged to the submission's own time budget. Scores come
first: a feedback page that cannot be built never costs points.

The run writes into a staging folder inside ``--out`` while the previous results
stay in place, and switches them in at the end (see :func:`.outdir.switch`); the output
folder is locked for the whole run. The gradebook is written by this (the parent)
process only.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from .course import SOURCE, CourseError, check_lesson, find_course_root
from .outcome import Result, Status, clean_text, encodable
from .outdir import STAGING_PREFIX, Interrupted, RunState, lock_out, switch



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
    # other releases whose cells count as unmodified: the self-study edition (lessons/)
    also: list = field(default_factory=list)

    @property
    def max_score(self):
        return float(sum(self.points.values()))


@dataclass
class Report:
    """What one ``l2reg grade`` run gives: the results (sorted by student id), the
    summary text (also in ``summary.txt``; the CLI prints it) and the folder written."""

    lesson: str
    results: list
    summary: str
    out: Path
    warnings: list = field(default_factory=list)

    def __iter__(self):
        return iter(self.results)

    def __len__(self):
        return len(self.results)


def score_cells(lesson: Lesson, executed, cell_status: dict) -> dict:
    """Points per graded cell: earned iff the cell ran without error and its records
    are exactly the reference's keys, each once, each matching the reference."""
    from ..checks import matches
    from .answers import records_by_cell

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


def not_scored(lesson: Lesson, student_id: str, reason: str, t0: float | None = None) -> Result:
    """A failed result with every graded cell at 0 ("not run")."""
    res = Result(student_id).fail(reason)
    res.cells = score_cells(lesson, None, {})
    res.seconds = time.monotonic() - t0 if t0 is not None else 0.0
    return res


def record_caps(lesson: Lesson) -> dict:
    """The most records kept from each graded cell: a few times the reference's count
    (a cell passes only with exactly the reference's records, so more never changes its
    verdict); cells not listed keep none."""
    return {gid: 4 * len(lesson.reference.get(gid, [])) + 4 for gid in lesson.points}


def run_notebook(nb, sandbox, cell_status: dict, records: dict | None = None):
    """Run the code cells of ``nb`` in ``sandbox``, storing outputs in the cells and the
    status of graded cells in ``cell_status``; raise SandboxDied if the kernel stops.
    ``records``: grade_id -> the most records kept from that cell (see :func:`record_caps`);
    when given, other cells keep no records."""
    import nbformat

    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        label = f"cell {meta['grade_id']}" if meta.get("grade_id") else f"cell {i + 1}"
        graded = bool(meta.get("grade"))
        cap = None if records is None else (records.get(meta.get("grade_id"), 0) if graded else 0)
        r = sandbox.run_cell(cell.source, label, cap)
        t = time.thread_time()
        cell.outputs = [nbformat.from_dict(o) for o in r.outputs]
        if getattr(sandbox, "budget", None) is not None:  # the grader's work on this submission
            sandbox.budget.charge(time.thread_time() - t)
        cell.execution_count = r.execution_count
        if graded:
            cell_status[meta["grade_id"]] = r.status


def grade_one(lesson: Lesson, student_id: str, path: Path, limits, mpl_cache, run=None) -> Result:
    """Grade one submission; never raises for anything in the submission.

    Reading, rebuilding and running are charged to the submission's
    :class:`~.sandbox.Budget`; over it, the result is ``failed`` with the
    points of the cells that ran."""
    from .restore import NotGradable, build, read_submission
    from .sandbox import Budget, NotebookTimeout, Sandbox, SandboxDied

    t0 = time.monotonic()
    budget = Budget(limits.notebook_timeout, limits.notebook_timeout * limits.wall_factor)
    res = Result(student_id, budget=budget)
    try:
        with budget.stage("reading the notebook"):
            student = read_submission(path)
        with budget.stage("rebuilding the notebook"):
            built = build(lesson.release, lesson.source, student, also_official=lesson.also)
    except NotGradable as exc:
        return not_scored(lesson, student_id, str(exc), t0)
    except OSError as exc:
        return not_scored(lesson, student_id, f"cannot read the notebook ({exc.strerror})", t0)
    except NotebookTimeout as exc:
        return not_scored(lesson, student_id, str(exc), t0)
    except RecursionError:
        return not_scored(lesson, student_id, "the notebook is nested too deeply to rebuild", t0)
    except Exception as exc:  # noqa: BLE001 - a notebook too odd to rebuild
        return not_scored(lesson, student_id, f"cannot rebuild the notebook ({type(exc).__name__})", t0)
    del student
    for gid in built.missing:
        res.notes.append(f"answer cell {gid} is missing from the submission: its tests score 0")
    if built.flags:
        res.notes.append("restored from the official notebook: " + "; ".join(built.flags))
    nb = built.notebook
    cell_status = {}
    failure = None
    try:
        if run is not None:
            run.check()
        with Sandbox(limits, mpl_cache, budget) as sb:
            if run is not None:
                run.started(sb)
            try:
                run_notebook(nb, sb, cell_status, record_caps(lesson))
            finally:
                if run is not None:
                    run.stopped(sb)
    except SandboxDied as exc:
        failure = str(exc)
    except Interrupted:
        raise
    except Exception as exc:  # noqa: BLE001 - e.g. an output nbformat cannot take: the cells before it keep their points
        failure = f"internal error while running the notebook ({type(exc).__name__})"
    if run is not None:
        run.check()
    res.executed = nb
    res.cells = score_cells(lesson, nb, cell_status)
    res.score = sum(c["score"] for c in res.cells.values())
    if failure:
        res.fail(failure)
        res.notes.append(f"grading stopped: {failure}; cells after that point score 0")
    elif built.flags:
        res.flag("; ".join(built.flags))
    res.seconds = time.monotonic() - t0
    return res


def feedback_page(lesson: Lesson, res: Result) -> str:
    """The feedback page of a scored result; best effort: the points are already
    final, so a page that cannot be built (or would cost more than the submission's
    time left) becomes a page without the notebook."""
    from .feedback import render

    budget = res.budget
    args = (res.cells, lesson.hidden, res.student_id, lesson.name, res.status_text, res.score, lesson.max_score)
    notes = list(res.notes)
    executed = res.executed
    if executed is not None and budget is not None and (budget.cpu_left() <= 0 or budget.wall_left() <= 0):
        executed, notes = None, [*notes, "the notebook is not shown: no time was left to render it"]
    try:
        if budget is not None and executed is not None:
            with budget.stage("rendering the feedback"):
                return render(executed, *args, notes)
        return render(executed, *args, notes)
    except Exception as exc:  # noqa: BLE001 - odd outputs must not stop the run or cost points
        from .feedback import PageTooLarge
        from .sandbox import NotebookTimeout

        if isinstance(exc, NotebookTimeout) and res.status is not Status.FAILED:
            res.fail(str(exc))
        why = str(exc) if isinstance(exc, (NotebookTimeout, PageTooLarge)) else type(exc).__name__
        return render(None, *args, [*notes, f"the notebook could not be shown ({why})"])


def load_lesson(root: Path, lesson: str, course) -> Lesson:
    import nbformat

    from .answers import reference_records
    from .feedback import hidden_lines

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
    # A student who cloned the repository submits the self-study edition: generated here
    # (not read from lessons/, which may be stale in an instructor's checkout), so that
    # its quiz test cells are not flagged as edited (see restore.build's also_official).
    from .course import TempCourse

    with TempCourse(root, [lesson], edition="self-study") as self_study:
        also = [nbformat.read(str(self_study.generate(lesson) / released.name), as_version=4)]
    return Lesson(lesson, release, source, reference, points, released.stem, hidden_lines(source), also)


class Progress:
    def __init__(self, total, stream=sys.stderr):
        self.total, self.done, self.stream = total, 0, stream
        self.tty = hasattr(stream, "isatty") and stream.isatty()

    def step(self, label):
        self.done += 1
        width = 30
        filled = int(width * self.done / max(self.total, 1))
        line = f"grading [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} {clean_text(label, 60)}"
        if self.tty:
            self.stream.write("\r" + line[:100].ljust(100))
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def _prepare_gradebook(out: Path, stage: Path, lesson: str, course, db=None) -> str:
    """The one place the gradebook's URL is chosen. Point the temporary course at it after
    dropping this lesson's earlier submissions there (see :func:`.gradebook.prepare`), so
    that the run regrades from scratch.

    By default (``db`` None) the gradebook is DIR/gradebook.db, written through a copy in
    the staging folder that :func:`.outdir.switch` moves into DIR at the end, so an interrupted
    run leaves the previous one intact. A ``--db`` database is written in place."""
    from .gradebook import prepare

    if db is None:
        if (out / "gradebook.db").exists():
            shutil.copy2(out / "gradebook.db", stage / "gradebook.db")
        db_url = prepare(None, stage, lesson)
    else:
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
            # as nbgrader's SaveAutoGrades: only a manual score calls for a human (else the
            # formgrader lists every submission as "needs manual grading")
            grade.needs_manual_grade = grade.manual_score is not None
        nb.flagged = res.status is not Status.GRADED
    gb.db.commit()


def finish_one(gb, lesson: Lesson, res: Result, page: str, feedback_dir: Path, notes: list):
    """Record one student's result in the gradebook and write their feedback page.

    Per student: whatever goes wrong here costs this student's page or gradebook entry
    (said in ``notes``, which the summary lists), never the run; their grades.csv row
    always stays (the caller keeps ``res``)."""
    try:
        _record_in_gradebook(gb, lesson, res)
    except Exception as exc:  # noqa: BLE001
        try:
            gb.db.rollback()
        except Exception:  # noqa: BLE001
            pass
        notes.append(f"{clean_text(res.student_id)}: not recorded in the gradebook "
                     f"({type(exc).__name__}: {clean_text(exc, 200)})")
    try:
        (feedback_dir / f"{res.student_id}.html").write_text(encodable(page), encoding="utf-8")
    except Exception as exc:  # noqa: BLE001
        notes.append(f"{clean_text(res.student_id)}: feedback page not written "
                     f"({type(exc).__name__}: {clean_text(exc, 200)})")


def write_csv(path: Path, lesson: Lesson, results: list):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["student_id", "score", "max_score", "status", *lesson.points])
    for r in sorted(results, key=lambda r: r.student_id):
        w.writerow([clean_text(r.student_id), f"{r.score:g}", f"{lesson.max_score:g}", r.status_text,
                    *(f"{r.cells[g]['score']:g}" for g in lesson.points)])
    path.write_text(encodable(buf.getvalue()), encoding="utf-8")


def summary_text(lesson: Lesson, results: list, skipped: list, seconds: float, jobs: int,
                 warnings: list = ()) -> str:
    """The run's summary; every name and reason from a submission goes through
    :func:`~.outcome.clean_text`, so none can start a line of its own."""
    n = len(results)
    by = {s: sorted((r for r in results if r.status is s), key=lambda r: r.student_id) for s in Status}
    lines = [
        f"{lesson.name}: {n} submission(s) in {seconds:.0f} s with {jobs} job(s): "
        f"{len(by[Status.GRADED])} graded, {len(by[Status.FLAGGED])} flagged, {len(by[Status.FAILED])} failed",
    ]
    lines += [f"warning: {w}" for w in warnings]
    if by[Status.FAILED]:
        lines.append("Could not be graded normally (failed):")
        lines += [f"  {clean_text(r.student_id)}: {clean_text(r.reason, 1000)}" for r in by[Status.FAILED]]
    if by[Status.FLAGGED]:
        lines.append("Graded from the restored official notebook (flagged):")
        lines += [f"  {clean_text(r.student_id)}: {clean_text(r.reason, 1000)}" for r in by[Status.FLAGGED]]
    extras = [r for r in sorted(results, key=lambda r: r.student_id) if r.extra_files]
    if extras:
        lines.append("Extra files not used:")
        lines += [f"  {clean_text(r.student_id)}: {clean_text(', '.join(r.extra_files[:10]), 1000)}" for r in extras]
    if skipped:
        lines.append("Not a submission (skipped):")
        lines += [f"  {clean_text(name)}: {clean_text(why)}" for name, why in skipped]
    return "\n".join(lines) + "\n"


def _check_args(lesson_name, submissions, out, jobs, course_root):
    """Everything an instructor can mistype, checked before anything slow is imported."""
    root = find_course_root(course_root)
    check_lesson(root, lesson_name)
    # Absolute paths: nbgrader's gradebook URL and the sandbox's binds need them, and an
    # instructor naturally types relative ones (the default --out is ./graded).
    subs_path = Path(submissions).resolve()
    if not subs_path.exists():
        raise CourseError(f"SUBMISSIONS: no such file or folder: {subs_path}")
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise CourseError(f"--jobs: expected a positive whole number, got {jobs!r}")
    out = Path(out).resolve()
    if out.exists() and not out.is_dir():
        raise CourseError(f"--out: {out} exists and is not a folder")
    if out == subs_path or subs_path in out.parents:
        raise CourseError(f"--out: {out} is inside SUBMISSIONS ({subs_path}); choose another folder")
    return root, subs_path, out


def grade(lesson_name: str, submissions, out, jobs: int = 1, course_root=None,
          limits_overrides: dict | None = None, progress_stream=sys.stderr, db=None) -> Report:
    """Grade every submission of one lesson into the folder ``out``; return a :class:`Report`.
    ``db``: the gradebook's database URL (see :mod:`.gradebook`), DIR/gradebook.db when None.

    Raises :class:`~.course.CourseError` for instructor mistakes (checked before
    anything slow) and :class:`Interrupted` on SIGINT/SIGTERM, after cleaning up:
    ``out`` then still holds the previous run."""
    t0 = time.monotonic()
    root, subs_path, out = _check_args(lesson_name, submissions, out, jobs, course_root)
    lock = lock_out(out)
    run = RunState()
    handlers = run.arm()
    stage = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))
    try:
        for stale in out.glob(STAGING_PREFIX + "*"):  # left by a run that was killed outright
            if stale != stage:
                shutil.rmtree(stale, ignore_errors=True)
        return _grade_into(lesson_name, root, subs_path, out, stage, jobs, limits_overrides, progress_stream, run,
                           t0, db)
    except BaseException:
        run.abort()
        raise
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        from .cgroups import leftover_groups, remove_groups

        remove_groups(leftover_groups())  # e.g. of a sandbox interrupted halfway through its start
        for sig, h in handlers.items():
            signal.signal(sig, h)
        os.close(lock)


def _grade_into(lesson_name, root, subs_path, out, stage, jobs, limits_overrides, progress_stream, run, t0, db):
    import logging
    import warnings

    from .cgroups import missing_controls
    from .course import TempCourse
    from .gradebook import Gradebook
    from .sandbox import check_sandbox, load_limits
    from .submissions import find_submissions

    limits = load_limits(root, **(limits_overrides or {}))
    mpl_cache = _mpl_cache()
    check_sandbox(limits, mpl_cache)
    notes = [f"the sandboxes cannot be limited in: {', '.join(m)} (no writable cgroup for it here)"
             for m in [missing_controls()] if m]
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="nbformat")
    warnings.filterwarnings("ignore", message=".*not in session.*")
    with tempfile.TemporaryDirectory(prefix="l2reg-grade-") as scratch:
        notebook = next(iter(sorted((root / SOURCE / lesson_name).glob("*.ipynb"))), None)
        found = find_submissions(subs_path, Path(scratch), notebook.name if notebook else None)
        with TempCourse(root, [lesson_name]) as course:
            db_url = _prepare_gradebook(out, stage, lesson_name, course, db)
            lesson = load_lesson(root, lesson_name, course)
        run.arm()
        run.check()
        canary = grade_one(lesson, "reference", root / SOURCE / lesson_name / f"{lesson.notebook_id}.ipynb",
                           limits, mpl_cache, run)
        if canary.score != lesson.max_score:
            why = canary.reason if canary.status is Status.FAILED else ", ".join(
                f"{g}: {c['why']}" for g, c in canary.cells.items() if not c["passed"])
            raise CourseError(
                f"the reference solution of {lesson_name} scores {canary.score:g} / {lesson.max_score:g} "
                f"in the sandbox ({why}); not grading"
            )
        feedback_dir = stage / "feedback"
        feedback_dir.mkdir()
        progress = Progress(len(found.entries), progress_stream)
        results = []

        def grade_and_render(entry):
            res = grade_one(lesson, entry.student_id, entry.notebook, limits, mpl_cache, run)
            res.extra_files = list(entry.extra_files)
            if res.extra_files:
                res.notes.append("ignored extra files: " + ", ".join(res.extra_files[:10]))
            page = feedback_page(lesson, res)
            res.executed = None  # keep memory flat: the page is all that is kept
            return res, page

        def finish(res: Result, page: str, gb):
            finish_one(gb, lesson, res, page, feedback_dir, notes)
            results.append(res)
            progress.step(f"{res.student_id}: {res.status_text[:50]}")

        with Gradebook(db_url) as gb:
            todo = []
            for entry in found.entries:
                if entry.notebook is None:
                    res = not_scored(lesson, entry.student_id, entry.problem)
                    finish(res, feedback_page(lesson, res), gb)
                else:
                    todo.append(entry)
            pool = ThreadPoolExecutor(max_workers=jobs)
            try:
                futures = {pool.submit(grade_and_render, e): e for e in todo}
                for fut in as_completed(futures):
                    entry = futures[fut]
                    try:
                        res, page = fut.result()
                    except Interrupted:
                        raise
                    except Exception as exc:  # noqa: BLE001 - a bug must not stop the others
                        res = not_scored(lesson, entry.student_id, f"internal error ({type(exc).__name__}: {exc})")
                        res.extra_files = list(entry.extra_files)
                        page = feedback_page(lesson, res)
                    finish(res, page, gb)
            except BaseException:
                run.abort()
                pool.shutdown(wait=True, cancel_futures=True)
                raise
            pool.shutdown(wait=True)
        write_csv(stage / "grades.csv", lesson, results)
        text = encodable(summary_text(lesson, results, found.skipped, time.monotonic() - t0, jobs, notes))
        (stage / "summary.txt").write_text(encodable(text), encoding="utf-8")
        run.check()
        switch(stage, out)
    results.sort(key=lambda r: r.student_id)
    return Report(lesson_name, results, text, out, notes)


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
