"""One submission: the lesson's reference (:class:`Lesson`), running a rebuilt notebook
in the sandbox, scoring its records against the reference's, and its feedback page.

Everything here is charged to the submission's own time budget and never raises for
anything in the submission; :mod:`.grade` runs it once per student.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .course import SOURCE, CourseError
from .outcome import Result, Status, clean_text
from .outdir import Interrupted


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
    # sources of the cells the trusted source notebook declares skip-render (see skip_render_sources)
    skip_render: frozenset = frozenset()
    # what the lesson's own cells import, imported by the sandbox before it is ready (speedups.preimports)
    preimport: tuple = ()

    @property
    def max_score(self):
        return float(sum(self.points.values()))


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


def record_caps(lesson: Lesson) -> dict | None:
    """The most records kept from each graded cell: a few times the reference's count
    (a cell passes only with exactly the reference's records, so more never changes its
    verdict); cells not listed keep none. None (no caps) while the reference itself is
    being recorded (``lesson.reference`` None: :func:`run_reference`)."""
    if lesson.reference is None:
        return None
    return {gid: 4 * len(lesson.reference.get(gid, [])) + 4 for gid in lesson.points}


SKIP_RENDER = "skip-render"


def skip_render_sources(source, lesson: str = "the lesson") -> frozenset:
    """The sources of the code cells that the trusted source notebook declares
    ``metadata.l2reg.grading = "skip-render"``: cells that only draw a figure or show a
    widget. The grader runs them in full (every name they define is defined) but the kernel
    formats nothing for display, so no figure is drawn (docs/design.md, section 7).

    Only the source notebook declares: a submission's cells are matched by their source,
    never by their metadata, so a student cannot mark a cell; and a declaration on an
    nbgrader cell (answer or test) is refused, so a graded cell always runs as written.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[
    ...     nbformat.v4.new_code_cell("plot(x)", metadata={"l2reg": {"grading": "skip-render"}}),
    ...     nbformat.v4.new_code_cell("x = 1")])
    >>> sorted(skip_render_sources(nb))
    ['plot(x)']
    """
    found = set()
    for i, cell in enumerate(source.cells):
        decl = cell.get("metadata", {}).get("l2reg", {})
        decl = decl.get("grading") if isinstance(decl, dict) else None
        if decl is None:
            continue
        if decl != SKIP_RENDER or cell.get("cell_type") != "code" or cell.get("metadata", {}).get("nbgrader"):
            raise CourseError(
                f"{lesson}: cell {i + 1}: metadata.l2reg.grading: expected \"{SKIP_RENDER}\" on a code cell "
                f"that is not an nbgrader cell, got {decl!r} on a {cell.get('cell_type')} cell"
                + (" with nbgrader metadata" if cell.get("metadata", {}).get("nbgrader") else ""))
        found.add(cell.source)
    return frozenset(found)


def run_notebook(nb, sandbox, cell_status: dict, records: dict | None = None, skip_render: frozenset = frozenset()):
    """Run the code cells of ``nb`` in ``sandbox``, storing outputs in the cells and the
    status of graded cells in ``cell_status``; raise SandboxDied if the kernel stops.
    ``records``: grade_id -> the most records kept from that cell (see :func:`record_caps`);
    when given, other cells keep no records. ``skip_render``: the sources of the cells run
    without drawing (:func:`skip_render_sources`); never an nbgrader cell."""
    import nbformat

    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        label = f"cell {meta['grade_id']}" if meta.get("grade_id") else f"cell {i + 1}"
        graded = bool(meta.get("grade"))
        cap = None if records is None else (records.get(meta.get("grade_id"), 0) if graded else 0)
        render = bool(meta) or cell.source not in skip_render
        if render:
            r = sandbox.run_cell(cell.source, label, cap)
        else:
            r = sandbox.run_cell(cell.source, label, cap, render=False)
        t = time.thread_time()
        cell.outputs = [nbformat.from_dict(o) for o in r.outputs]
        if getattr(sandbox, "budget", None) is not None:  # the grader's work on this submission
            sandbox.budget.charge(time.thread_time() - t)
        cell.execution_count = r.execution_count
        if graded:
            cell_status[meta["grade_id"]] = r.status


@dataclass
class Executed:
    """One submission run but not scored: what :func:`execute_one` gives and, on a
    cluster, what a worker sends back (making it needs no reference record's value;
    :func:`score_executed` compares)."""

    student_id: str
    notebook: object = None  # the rebuilt notebook with its outputs; None when it was not rebuilt
    cell_status: dict = field(default_factory=dict)  # grade_id -> "ok" / "error", for the graded cells run
    notes: list = field(default_factory=list)
    flags: list = field(default_factory=list)  # what was restored from the official notebook
    failure: str | None = None  # why grading stopped, if it did
    seconds: float = 0.0
    budget: object = field(default=None, repr=False, compare=False)  # the submission's sandbox.Budget


def execute_one(lesson: Lesson, student_id: str, path: Path, limits, mpl_cache, run=None, pool=None) -> Executed:
    """Read, rebuild and run one submission; never raises for anything in the submission.

    Needs of ``lesson`` only the official notebooks and :func:`record_caps` (how many
    records each test cell makes), not the reference values. Reading, rebuilding and
    running are charged to the submission's :class:`~.sandbox.Budget`. ``pool``: a
    :class:`~.pool.SandboxPool` whose sandbox started ahead this submission takes;
    without it, a sandbox is started for it (with the lesson's pre-imports when
    ``limits.preimport``)."""
    from .restore import NotGradable, build, read_submission
    from .sandbox import Budget, NotebookTimeout, Sandbox, SandboxDied

    t0 = time.monotonic()
    budget = Budget(limits.notebook_timeout, limits.notebook_timeout * limits.wall_factor)
    ex = Executed(student_id, budget=budget)

    def not_rebuilt(reason):
        ex.failure, ex.budget, ex.seconds = reason, None, time.monotonic() - t0
        return ex

    try:
        with budget.stage("reading the notebook"):
            student = read_submission(path)
        with budget.stage("rebuilding the notebook"):
            built = build(lesson.release, lesson.source, student, also_official=lesson.also)
    except NotGradable as exc:
        return not_rebuilt(str(exc))
    except OSError as exc:
        return not_rebuilt(f"cannot read the notebook ({exc.strerror})")
    except NotebookTimeout as exc:
        return not_rebuilt(str(exc))
    except RecursionError:
        return not_rebuilt("the notebook is nested too deeply to rebuild")
    except Exception as exc:  # noqa: BLE001 - a notebook too odd to rebuild
        return not_rebuilt(f"cannot rebuild the notebook ({type(exc).__name__})")
    del student
    for gid in built.missing:
        ex.notes.append(f"answer cell {gid} is missing from the submission: its tests score 0")
    if built.flags:
        ex.notes.append("restored from the official notebook: " + "; ".join(built.flags))
    ex.flags = list(built.flags)
    nb = built.notebook
    try:
        if run is not None:
            run.check()
        sb = pool.take(budget) if pool is not None else Sandbox(
            limits, mpl_cache, budget, lesson.preimport if limits.preimport else ())
        with sb:
            if run is not None:
                run.started(sb)
            try:
                run_notebook(nb, sb, ex.cell_status, record_caps(lesson),
                             lesson.skip_render if limits.skip_render else frozenset())
            finally:
                if run is not None:
                    run.stopped(sb)
    except SandboxDied as exc:
        ex.failure = str(exc)
    except Interrupted:
        raise
    except Exception as exc:  # noqa: BLE001 - e.g. an output nbformat cannot take: the cells before it keep their points
        ex.failure = f"internal error while running the notebook ({type(exc).__name__})"
    if run is not None:
        run.check()
    ex.notebook = nb
    ex.seconds = time.monotonic() - t0
    return ex


def score_executed(lesson: Lesson, ex: Executed) -> Result:
    """The result of a run submission: its records compared with the reference's."""
    t0 = time.monotonic() - ex.seconds
    if ex.notebook is None:
        return not_scored(lesson, ex.student_id, ex.failure, t0)
    res = Result(ex.student_id, budget=ex.budget)
    res.notes = list(ex.notes)
    res.executed = ex.notebook
    res.cells = score_cells(lesson, ex.notebook, ex.cell_status)
    res.score = sum(c["score"] for c in res.cells.values())
    if ex.failure:
        res.fail(ex.failure)
        res.notes.append(f"grading stopped: {ex.failure}; cells after that point score 0")
    elif ex.flags:
        res.flag("; ".join(ex.flags))
    res.seconds = time.monotonic() - t0
    return res


def grade_one(lesson: Lesson, student_id: str, path: Path, limits, mpl_cache, run=None, pool=None) -> Result:
    """Grade one submission (:func:`execute_one`, then :func:`score_executed`); never
    raises for anything in the submission.

    Reading, rebuilding and running are charged to the submission's
    :class:`~.sandbox.Budget`; over it, the result is ``failed`` with the
    points of the cells that ran."""
    return score_executed(lesson, execute_one(lesson, student_id, path, limits, mpl_cache, run, pool))


def feedback_page(lesson: Lesson, res: Result) -> str:
    """The feedback page of a scored result; best effort: the points are already
    final, so a page that cannot be built (or would cost more than the submission's
    time left) becomes a page without the notebook."""
    from .feedback import render

    budget = res.budget
    who = f"{res.student_id} ({clean_text(res.name, 100)})" if res.name else res.student_id  # roster or platform name
    args = (res.cells, lesson.hidden, who, lesson.name, res.status_text, res.score, lesson.max_score)
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


def _check_reference(lesson: str, points: dict, reference: dict):
    for gid in points:
        if not reference.get(gid):
            raise CourseError(
                f"{lesson}: test cell {gid} records nothing for the reference solution; "
                "hidden tests must call l2reg.checks.record"
            )


def load_lesson(root: Path, lesson: str, course, trusted_kernel: bool = True) -> Lesson:
    """The lesson as grading needs it. ``trusted_kernel``: take the reference records from
    the instructor notebook run in a trusted kernel (:func:`.answers.reference_records`);
    False leaves ``reference`` None for :func:`run_reference` to fill in from the sandbox."""
    import nbformat

    from .answers import reference_records
    from .feedback import hidden_lines
    from .speedups import preimports

    released = next(course.generate(lesson).glob("*.ipynb"))
    release = nbformat.read(str(released), as_version=4)
    source = nbformat.read(str(next((root / SOURCE / lesson).glob("*.ipynb"))), as_version=4)
    skip = skip_render_sources(source, lesson)
    reference = reference_records(root, lesson) if trusted_kernel else None
    points = {}
    for c in release.cells:
        m = c.metadata.get("nbgrader", {})
        if m.get("grade") and c.cell_type == "code":
            points[m["grade_id"]] = float(m.get("points", 0))
    if reference is not None:
        _check_reference(lesson, points, reference)
    # A student who cloned the repository submits the self-study edition: generated here
    # (not read from lessons/, which may be stale in an instructor's checkout), so that
    # its quiz test cells are not flagged as edited (see restore.build's also_official).
    # After the classroom one, not beside it in a thread: nbgrader's BaseConverter.start
    # chdirs into its course folder for the conversion (nbgrader/converters/base.py).
    from .course import TempCourse

    with TempCourse(root, [lesson], edition="self-study") as self_study:
        also = [nbformat.read(str(self_study.generate(lesson) / released.name), as_version=4)]
    return Lesson(lesson, release, source, reference, points, released.stem, hidden_lines(source), also, skip,
                  preimports(source))


def run_reference(lesson: Lesson, path: Path, limits, mpl_cache, run=None, pool=None) -> dict:
    """The reference records, ``{grade_id: [record, ...]}``: the instructor notebook at
    ``path`` rebuilt and run exactly as a submission is (:func:`execute_one`: the same
    sandbox, limits and shortcuts), so that the reference and every submission treat each
    cell alike (``pool``: the run's :class:`~.pool.SandboxPool`, as for a submission).
    No student code runs in that sandbox, so what it records is trusted; it
    also proves the sandbox works. Raises :class:`~.course.CourseError` when the solution
    fails there, a test cell records nothing, or two records share a key."""
    from dataclasses import replace

    from .answers import records_by_cell
    from .sandbox import check_sandbox

    ex = execute_one(replace(lesson, reference=None), "reference", path, limits, mpl_cache, run, pool)
    why = ex.failure
    if why is None:
        for cell in ex.notebook.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if gid in lesson.points and ex.cell_status.get(gid) != "ok":
                err = next((o for o in cell.get("outputs", []) if o.get("output_type") == "error"), None)
                why = f"test cell {gid} raised " + (f"{err.get('ename')}: {err.get('evalue')}" if err else "an error")
                break
    if why is not None:
        check_sandbox(limits, mpl_cache)  # a sandbox that cannot run at all is said as such
        raise CourseError(f"the reference solution of {lesson.name} fails in the sandbox ({why}); not grading")
    by_cell = records_by_cell(ex.notebook)
    _check_reference(lesson.name, lesson.points, by_cell)
    seen = {}
    for gid, recs in by_cell.items():
        for rec in recs:
            if rec["key"] in seen:
                raise CourseError(f"{lesson.name}: record key {rec['key']!r} appears in {seen[rec['key']]} and {gid}")
            seen[rec["key"]] = gid
    return {gid: by_cell.get(gid, []) for gid in lesson.points}
