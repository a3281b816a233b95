"""The nbgrader gradebook that ``l2reg grade`` writes: SQLite by default, any database
SQLAlchemy and nbgrader support with ``--db URL`` (PostgreSQL is the tested one).

nbgrader's FAQ advises against sharing one SQLite file between graders; a department
whose graders grade different lessons at the same time points them all at one
PostgreSQL database (``--db postgresql+psycopg://user:password@host/dbname``; the
driver is ``pip install "psycopg[binary]"``, the ``hosting`` extra of this package).

Two things in nbgrader's :class:`nbgrader.api.Gradebook` are not safe when two
processes open a *fresh* database or create the *same student* at once: its
constructor creates the tables and an ``alembic_version`` table when it finds no
table, and ``update_or_create_student`` inserts a student it did not find. On
PostgreSQL both steps here run under an advisory lock (``pg_advisory_lock``), so the
second grader waits for the first and then finds the tables or the student; on any
database a student that another grader inserted in the meantime is looked up again
instead of failing. Everything else two graders of *different* lessons write is
disjoint (each lesson's assignment, its submissions, their grades).

``prepare`` drops one lesson's earlier submissions (so a run regrades that lesson from
scratch) and leaves every other lesson's rows alone.

The ``--from-exchange`` path (``collected``/``publish``) grades what nbgrader's own
``nbgrader collect LESSON`` gathered into a course folder's ``submitted/`` and writes
back what the formgrader and ``nbgrader release_feedback`` read: the autograded folder
per student and the feedback page next to the submission's timestamp and secret.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
from pathlib import Path

from nbgrader.api import Gradebook as _NbgraderGradebook
from nbgrader.api import InvalidEntry, MissingEntry

from .course import CourseError, _environment_tools_on_path

DEFAULT_FILE = "gradebook.db"


def _masked(url) -> str:
    return url.render_as_string(hide_password=True)


def resolve_db_url(db, out) -> str:
    """The gradebook URL: ``db`` checked, or ``sqlite:///<out>/gradebook.db``.

    Parameters
    ----------
    db : str or None
        A SQLAlchemy database URL (``sqlite:///path.db``,
        ``postgresql+psycopg://user:password@host:port/dbname``), or None.
    out : path
        The output folder, home of the default SQLite gradebook.

    Returns
    -------
    str
        The URL to hand to nbgrader.

    Raises
    ------
    CourseError
        One line naming ``--db``, what was expected and what was received (the
        password masked), when the URL cannot be parsed or its driver is missing.

    Examples
    --------
    >>> resolve_db_url(None, "/srv/graded")
    'sqlite:////srv/graded/gradebook.db'
    >>> resolve_db_url("postgresql+psycopg://grader:secret@db.example.org/l2reg", "/x")
    'postgresql+psycopg://grader:secret@db.example.org/l2reg'
    >>> resolve_db_url("gradebook.db", "/x")
    Traceback (most recent call last):
    ...
    l2reg.grading.course.CourseError: --db: expected a database URL such as sqlite:////abs/path/gradebook.db or postgresql+psycopg://user:password@host/dbname, got 'gradebook.db'
    """
    if db is None:
        return "sqlite:///" + str(Path(out).resolve() / DEFAULT_FILE)
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    expected = ("expected a database URL such as sqlite:////abs/path/gradebook.db or "
                "postgresql+psycopg://user:password@host/dbname")
    if not isinstance(db, str) or not db.strip():
        raise CourseError(f"--db: {expected}, got {db!r}")
    try:
        url = make_url(db)
    except ArgumentError:
        raise CourseError(f"--db: {expected}, got {db!r}") from None
    try:
        dialect = url.get_dialect()
    except NoSuchModuleError:
        raise CourseError(f"--db: {expected}, got the unknown database kind {url.drivername!r} "
                          f"in {_masked(url)}") from None
    try:
        if hasattr(dialect, "import_dbapi"):
            dialect.import_dbapi()
        else:  # SQLAlchemy < 2
            dialect.dbapi()
    except ImportError as exc:
        hint = ' (pip install "psycopg[binary]")' if url.get_backend_name() == "postgresql" else ""
        raise CourseError(f"--db: the driver for {url.drivername} is not installed{hint}: {exc}") from None
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise CourseError(f"--db: {expected}, got {db!r} (an SQLite gradebook needs a file)")
        if not Path(url.database).is_absolute():
            raise CourseError(f"--db: an SQLite path must be absolute (four slashes: sqlite:////...), got {db!r}")
        if not Path(url.database).parent.is_dir():
            raise CourseError(f"--db: no such folder for the SQLite gradebook: {Path(url.database).parent}")
    return db


def _lock_key(name: str) -> int:
    """A 64-bit advisory-lock key for ``name``."""
    return int.from_bytes(hashlib.sha256(f"l2reg:{name}".encode()).digest()[:8], "big", signed=True)


@contextlib.contextmanager
def _advisory_lock(url: str, name: str):
    """Hold a PostgreSQL session advisory lock named ``name`` (a no-op elsewhere)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    if make_url(url).get_backend_name() != "postgresql":
        yield
        return
    key = _lock_key(name)
    engine = create_engine(url, future=True)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
    finally:
        engine.dispose()


class Gradebook(_NbgraderGradebook):
    """nbgrader's gradebook, safe for several graders on one database.

    Creating the tables of a fresh database and creating a student are serialized
    (see the module docstring); everything else is nbgrader's own code.

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> with Gradebook("sqlite:///" + os.path.join(d, "gb.db")) as gb:
    ...     gb.update_or_create_student("alice").id
    'alice'
    """

    def __init__(self, db_url, course_id="default_course", authenticator=None, courses=()):
        _environment_tools_on_path()  # nbgrader runs `alembic` from PATH on a fresh database
        with _advisory_lock(db_url, "schema"):
            super().__init__(db_url, course_id=course_id, authenticator=authenticator)
            self._ensure_courses(courses)

    def _ensure_courses(self, courses):
        """Create the course rows ``courses`` names. nbgrader's ``generate_assignment``
        writes the assignment with ``CourseDirectory.course_id``, whose default is ``""``,
        and its constructor creates no course for an empty id: SQLite, which does not
        enforce foreign keys, takes the assignment anyway; PostgreSQL refuses it
        (``assignment_course_id_fkey``) unless the course row exists."""
        from nbgrader.api import Course

        for cid in courses:
            if self.db.get(Course, cid) is None:
                self.db.add(Course(id=cid))
                self.db.commit()

    def update_or_create_student(self, student_id, **kwargs):
        if self.engine.dialect.name == "postgresql":
            # Held until nbgrader's commit (or rollback) ends this transaction.
            from sqlalchemy import text

            self.db.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _lock_key(f"student:{student_id}")})
        try:
            return super().update_or_create_student(student_id, **kwargs)
        except InvalidEntry:
            # Inserted by another grader between our lookup and our insert.
            self.db.rollback()
            student = self.find_student(student_id)
            for attr, value in kwargs.items():
                setattr(student, attr, value)
            self.db.commit()
            return student


def _connect_error(url: str, exc) -> CourseError:
    from sqlalchemy.engine import make_url

    orig = getattr(exc, "orig", None) or exc
    first = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    return CourseError(f"--db: cannot open the gradebook at {_masked(make_url(url))}: {first}")


def prepare(db, out, lesson: str, course_id: str = "") -> str:
    """Open (creating it if needed) the gradebook and drop ``lesson``'s earlier
    submissions, so that the run regrades that lesson from scratch; other lessons'
    rows are left as they are. ``course_id`` is the nbgrader course id the lesson is
    generated under (``CourseDirectory.course_id``); its course row is created. Returns
    the URL.

    Examples
    --------
    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> url = prepare(None, d, "01_penalty")
    >>> with Gradebook(url) as gb:
    ...     gb.add_assignment("01_penalty").name
    ...     gb.update_or_create_student("alice").id
    ...     gb.add_submission("01_penalty", "alice").student.id
    '01_penalty'
    'alice'
    'alice'
    >>> _ = prepare(url, d, "01_penalty")
    >>> with Gradebook(url) as gb:
    ...     len(gb.find_assignment("01_penalty").submissions), [s.id for s in gb.students]
    (0, ['alice'])
    """
    from sqlalchemy.exc import SQLAlchemyError

    url = resolve_db_url(db, out)
    try:
        with Gradebook(url, courses=(course_id,)) as gb:
            try:
                assignment = gb.find_assignment(lesson)
            except MissingEntry:
                assignment = None
            if assignment is not None:
                for sub in list(assignment.submissions):
                    gb.remove_submission(lesson, sub.student.id)
    except SQLAlchemyError as exc:
        raise _connect_error(url, exc) from None
    return url


# --- nbgrader's exchange: what `nbgrader collect` gathered, and what the formgrader and
# `nbgrader release_feedback` read back. The folder names are nbgrader's defaults
# (CourseDirectory.submitted_directory / autograded_directory / feedback_directory).

def collected(course_dir, lesson: str, dest) -> Path:
    """Lay out ``<course_dir>/submitted/<student>/<lesson>/*.ipynb`` (what ``nbgrader
    collect`` writes) as ``dest/<student>/`` for ``l2reg grade``; returns ``dest``.

    Raises CourseError when ``course_dir`` holds no ``submitted/`` folder.
    """
    course_dir = Path(course_dir)
    submitted = course_dir / "submitted"
    if not submitted.is_dir():
        raise CourseError(f"--from-exchange: expected an nbgrader course folder holding submitted/ "
                          f"(run `nbgrader collect {lesson}` there first), got {course_dir}")
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for student in sorted(p for p in submitted.iterdir() if p.is_dir() and not p.is_symlink()):
        src = student / lesson
        if not src.is_dir() or src.is_symlink():
            continue
        target = dest / student.name
        target.mkdir()
        for nb in sorted(src.glob("*.ipynb")):
            if nb.is_file() and not nb.is_symlink():
                shutil.copyfile(nb, target / nb.name)
    return dest


def publish(course_dir, lesson: str, out, db_url: str) -> list:
    """Write back into the nbgrader course folder what its formgrader and ``nbgrader
    release_feedback`` read, for every student graded from ``submitted/``.

    For each: ``autograded/<student>/<lesson>/`` (the submitted notebook and its
    ``timestamp.txt``), the gradebook submission's timestamp set to the submitted one
    (the formgrader counts a submission as autograded only when the two agree), and
    ``feedback/<student>/<lesson>/<notebook>.html`` (l2reg's feedback page) with the
    submission's ``timestamp.txt`` and ``submission_secret.txt``, from which
    ``release_feedback`` names the page each student can fetch. Returns the student ids.
    """
    from nbgrader.utils import parse_utc

    course_dir, out = Path(course_dir), Path(out)
    done = []
    with Gradebook(db_url) as gb:
        for page in sorted((out / "feedback").glob("*.html")):
            sid = page.stem
            src = course_dir / "submitted" / sid / lesson
            notebooks = sorted(src.glob("*.ipynb")) if src.is_dir() else []
            if not notebooks:
                continue
            auto = course_dir / "autograded" / sid / lesson
            fb = course_dir / "feedback" / sid / lesson
            for d in (auto, fb):
                if d.exists():
                    shutil.rmtree(d)
                d.mkdir(parents=True)
            for nb in notebooks:
                shutil.copyfile(nb, auto / nb.name)
                shutil.copyfile(page, fb / (nb.stem + ".html"))
            for name in ("timestamp.txt", "submission_secret.txt"):
                if (src / name).is_file():
                    shutil.copyfile(src / name, fb / name)
                    if name == "timestamp.txt":
                        shutil.copyfile(src / name, auto / name)
            stamp = src / "timestamp.txt"
            if stamp.is_file():
                try:
                    submission = gb.find_submission(lesson, sid)
                except MissingEntry:
                    continue
                submission.timestamp = parse_utc(stamp.read_text().strip())
                gb.db.commit()
            done.append(sid)
    return done


def grade_from_exchange(lesson: str, course_dir, out, db=None, **kwargs) -> list:
    """``l2reg grade LESSON COURSE_DIR --from-exchange``: grade what ``nbgrader collect
    LESSON`` gathered in ``COURSE_DIR/submitted/`` with :func:`.grade.grade` (same
    sandbox, same ``DIR`` outputs), into the course's gradebook (``db``, by default
    nbgrader's default ``COURSE_DIR/gradebook.db``), then :func:`publish` the results
    into the course folder. Returns what :func:`.grade.grade` returns.
    """
    import tempfile

    from .grade import grade

    course_dir = Path(course_dir).resolve()
    url = resolve_db_url(db, course_dir)
    with tempfile.TemporaryDirectory(prefix="l2reg-exchange-") as tmp:
        subs = collected(course_dir, lesson, Path(tmp) / "submissions")
        report = grade(lesson, subs, out, db=url, **kwargs)
    publish(course_dir, lesson, Path(out).resolve(), url)
    return report
