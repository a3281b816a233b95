"""``l2reg grade``: grade a folder or zip of submissions of one lesson.

Checks the instructor's arguments, locks the output folder, loads the lesson and runs the
reference canary, then grades each submission (:mod:`.scoring`; spread over workers by
:mod:`.dispatch`), records it in the gradebook and writes its feedback page; the run's
outputs are written by :mod:`.report`. Scores come first: a feedback page that cannot be
built never costs points.

The run writes into a staging folder inside ``--out`` while the previous results
stay in place, and switches them in at the end (see :func:`.outdir.switch`); the output
folder is locked for the whole run. The gradebook is written by this (the parent)
process only.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from . import cluster  # imports no Dask: only run_cluster does
from .course import SOURCE, CourseError, check_lesson, find_course_root
from .dispatch import run_local
from .outcome import Result, Status, clean_text, encodable
from .outdir import STAGING_PREFIX, Interrupted, RunState, lock_out, switch
from .report import Progress, Report, summary_text, write_csv
from .scoring import Lesson, feedback_page, grade_one, load_lesson, not_scored, run_reference

__all__ = ["grade", "Interrupted", "Report"]


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
          limits_overrides: dict | None = None, progress_stream=sys.stderr, db=None, scheduler=None,
          format: str = "auto", roster=None, library_calls: str = "flag") -> Report:
    """Grade every submission of one lesson into the folder ``out``; return a :class:`Report`.
    ``db``: the gradebook's database URL (see :mod:`.gradebook`), DIR/gradebook.db when None.
    ``scheduler``: a Dask scheduler's address; the notebooks then run on its workers
    (:mod:`.cluster`) and ``jobs`` is not used. Without it Dask is never imported.
    ``format``: how SUBMISSIONS is laid out, one of :data:`.platforms.FORMATS` ("auto" tells
    plain folders, Canvas and Moodle downloads apart by their names); ``roster``: a CSV
    file of the class (:func:`.roster.read_roster`) for names and e-mails.
    ``library_calls``: "flag" (default) or "zero", what an answer that uses an ``l2reg``
    name its source cell forbids gets (:mod:`.integrity`); the run also writes
    DIR/similarity.csv and DIR/similarity.html (:mod:`.similarity`).

    Raises :class:`~.course.CourseError` for instructor mistakes (checked before
    anything slow) and :class:`Interrupted` on SIGINT/SIGTERM, after cleaning up:
    ``out`` then still holds the previous run."""
    t0 = time.monotonic()
    from .speedups import skip_iri_checker

    # before anything imports nbformat (the gradebook, nbgrader, the platforms' readers): once
    # jsonschema is imported it is too late (see .speedups; 2 to 4.5 s of the set-up)
    skip_iri_checker()
    root, subs_path, out = _check_args(lesson_name, submissions, out, jobs, course_root)
    from .platforms import FORMATS
    from .roster import read_roster

    if format not in FORMATS:
        raise CourseError(f"--format: expected one of {', '.join(FORMATS)}, got {format!r}")
    from .integrity import POLICIES

    if library_calls not in POLICIES:
        raise CourseError(f"--library-calls: expected one of {', '.join(POLICIES)}, got {library_calls!r}")
    people = read_roster(roster) if roster is not None else None
    lock = lock_out(out)
    run = RunState()
    handlers = run.arm()
    stage = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))
    client = None
    try:
        # first, so that an unreachable scheduler is refused in seconds, before the slow set-up
        client = cluster.connect(scheduler) if scheduler is not None else None
        for stale in out.glob(STAGING_PREFIX + "*"):  # left by a run that was killed outright
            if stale != stage:
                shutil.rmtree(stale, ignore_errors=True)
        return _grade_into(lesson_name, root, subs_path, out, stage, jobs, limits_overrides, progress_stream, run,
                           t0, db, client, format, people, library_calls)
    except BaseException:
        run.abort()
        raise
    finally:
        cluster.close(client)
        shutil.rmtree(stage, ignore_errors=True)
        from .cgroups import leftover_groups, remove_groups

        remove_groups(leftover_groups())  # e.g. of a sandbox interrupted halfway through its start
        for sig, h in handlers.items():
            signal.signal(sig, h)
        os.close(lock)


def _grade_into(lesson_name, root, subs_path, out, stage, jobs, limits_overrides, progress_stream, run, t0, db,
                client=None, format="auto", people=None, library_calls="flag"):
    import logging
    import warnings

    from .cgroups import missing_controls
    from .course import TempCourse
    from .gradebook import Gradebook
    from .sandbox import check_sandbox, load_limits
    from .platforms import DESCRIPTION
    from .submissions import find_submissions

    limits = load_limits(root, **(limits_overrides or {}))
    mpl_cache = _mpl_cache()
    # The reference records come from the solution run in the sandbox as a submission is
    # (scoring.run_reference), which also proves the sandbox works; on a cluster, or with
    # sandboxed_reference off, from a trusted kernel, checked by the canary below.
    sandboxed = client is None and limits.sandboxed_reference
    if client is None and not sandboxed:  # on a cluster each worker checks its own sandbox (cluster.run_cluster)
        check_sandbox(limits, mpl_cache)
    elif sandboxed:
        from .bwrap import bwrap_command

        bwrap_command(limits)  # no bubblewrap: refused in one line now, not after the set-up
    notes = [f"the sandboxes cannot be limited in: {', '.join(m)} (no writable cgroup for it here)"
             for m in [missing_controls()] if m]
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="nbformat")
    warnings.filterwarnings("ignore", message=".*not in session.*")
    with tempfile.TemporaryDirectory(prefix="l2reg-grade-") as scratch, contextlib.ExitStack() as stack:
        notebook = next(iter(sorted((root / SOURCE / lesson_name).glob("*.ipynb"))), None)
        found = find_submissions(subs_path, Path(scratch), notebook.name if notebook else None, format, people)
        pool = None
        if client is None and limits.prestart and notebook is not None:
            # Each sandbox of this run (the reference's, then one per submission) is started
            # while the one before it runs (the reference's while nbgrader generates the
            # editions); single-use, killed when its submission is done.
            import nbformat

            from .pool import SandboxPool
            from .speedups import preimports

            pool = stack.enter_context(SandboxPool(
                limits, mpl_cache, preimports(nbformat.read(str(notebook), as_version=4)) if limits.preimport else (),
                ahead=jobs, run=run))
            pool.expect(1 + sum(entry.notebook is not None for entry in found.entries))
        with TempCourse(root, [lesson_name]) as course:
            db_url = _prepare_gradebook(out, stage, lesson_name, course, db)
            lesson = load_lesson(root, lesson_name, course, trusted_kernel=not sandboxed)
        run.arm()
        run.check()
        reference = root / SOURCE / lesson_name / f"{lesson.notebook_id}.ipynb"
        if sandboxed:
            with _Background(run) as bg:
                # The solution runs in its sandbox (another process: this thread only waits on
                # its pipe) while this thread finishes the set-up that needs no reference
                # record; nothing is scored or run for a student before it is done.
                pending = bg.submit(run_reference, lesson, reference, limits, mpl_cache, run, pool)
                try:
                    checker, similarity = _rest_of_setup(lesson, library_calls, bool(found.entries))
                    refused = None
                except CourseError as exc:  # said after the reference's own refusal, as before
                    refused = exc
                lesson.reference = pending.result()  # its CourseError refuses the run, as before
                if refused is not None:
                    raise refused
        else:
            if client is None:  # on a cluster every worker runs it before its first submission
                why = cluster.refusal(lesson, grade_one(lesson, "reference", reference, limits, mpl_cache, run, pool))
                if why:
                    raise CourseError(why)
            checker, similarity = _rest_of_setup(lesson, library_calls, False)
        answers = {}  # student id -> answer cells' code, for similarity.csv
        feedback_dir = stage / "feedback"
        feedback_dir.mkdir()
        progress = Progress(len(found.entries), progress_stream)
        results = []

        def grade_and_render(entry):
            return render(entry, grade_one(lesson, entry.student_id, entry.notebook, limits, mpl_cache, run, pool))

        def identify(entry, res):
            """What the platform's names and the roster say of the student (and of what was handed in)."""
            res.late, res.handed_in = entry.late, list(entry.notes)
            person = people.get(entry.student_id) if people else None
            res.name = person.name if person and person.name else entry.name
            res.email = person.email if person else ""
            res.notes.extend(entry.notes)
            return res

        def render(entry, res):
            identify(entry, res)
            checker.check(res)  # before the page, which shows the status
            if res.executed is not None:
                answers[res.student_id] = similarity.answer_text(res.executed)
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
                    res = identify(entry, not_scored(lesson, entry.student_id, entry.problem))
                    res.extra_files = list(entry.extra_files)
                    finish(res, feedback_page(lesson, res), gb)
                else:
                    todo.append(entry)
            if client is None:
                outcomes = run_local(grade_and_render, todo, jobs, run)
            else:
                outcomes = cluster.run_cluster(client, lesson, limits, todo, run, reference, render)
            for entry, outcome, error in outcomes:
                if error is not None:
                    res = identify(entry, not_scored(lesson, entry.student_id,
                                                     f"internal error ({type(error).__name__}: {error})"))
                    res.extra_files = list(entry.extra_files)
                    outcome = res, feedback_page(lesson, res)
                finish(*outcome, gb)
        write_csv(stage / "grades.csv", lesson, results)
        try:
            pairs = similarity.write(stage, lesson_name, answers,
                                     similarity.lesson_code(lesson.release, lesson.source, *lesson.also))
        except Exception as exc:  # noqa: BLE001 - the grades stand without it
            pairs = None
            notes.append(f"similarity report not written ({type(exc).__name__}: {clean_text(exc, 200)})")
        source = f"read as: {found.format} ({DESCRIPTION[found.format]}{', told from its names' if found.detected else ''}" \
                 f"{', inside ' + found.inner if found.inner else ''})"
        text = encodable(summary_text(lesson, results, found.skipped, time.monotonic() - t0,
                                      jobs if client is None else "a Dask cluster", notes,
                                      source, people))
        if pairs is not None:
            text += "\n".join(similarity.summary_lines(pairs)) + "\n"
        (stage / "summary.txt").write_text(encodable(text), encoding="utf-8")
        run.check()
        switch(stage, out)
    results.sort(key=lambda r: r.student_id)
    return Report(lesson_name, results, text, out, notes)


class _Background:
    """One worker thread for the set-up. On the way out it waits for its work; when the
    set-up fails or is interrupted meanwhile, it first stops the run's sandboxes
    (``run.abort()``), so that the work stops too and no sandbox outlives the run."""

    def __init__(self, run):
        from concurrent.futures import ThreadPoolExecutor

        self.run = run
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="l2reg-setup")

    def __enter__(self):
        return self.pool

    def __exit__(self, kind, exc, tb):
        if kind is not None:
            self.run.abort()
        self.pool.shutdown(wait=True, cancel_futures=True)
        return False


def _rest_of_setup(lesson, library_calls, pages: bool):
    """The set-up that needs no reference record: the integrity checker (which refuses a
    solution that uses what it forbids) and the similarity report's module; with
    ``pages``, also the imports of the feedback pages' exporter (the first page's cost)."""
    from . import similarity
    from .integrity import Checker

    checker = Checker(lesson, library_calls)
    with contextlib.suppress(Exception):  # without it similarity.write says so; the grades do not wait for it
        import copydetect  # noqa: F401 - what similarity.write fingerprints with, even for no answers
    if pages:
        import nbconvert.exporters.templateexporter
        import nbconvert.filters  # noqa: F401 - what feedback.render imports
    return checker, similarity


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
