"""The course folder and throw-away nbgrader courses built from it.

The repository is an nbgrader course whose root is the repository root
(``autograder/nbgrader_config.py``). Commands never let nbgrader write into it
directly: each works in a temporary course that holds a copy of what it needs,
with its own gradebook, and copies back only the results it was asked for.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

CONFIG_RELATIVE = Path("autograder") / "nbgrader_config.py"
SOURCE = "solutions"
RELEASE = "lessons"
_COPY_IGNORE = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc")


class CourseError(Exception):
    """An instructor-side problem: a missing course, lesson or folder."""


def is_course_root(path) -> bool:
    path = Path(path)
    return (path / CONFIG_RELATIVE).is_file() and (path / SOURCE).is_dir()


def find_course_root(explicit=None) -> Path:
    """Locate the course: ``explicit``, else the working folder or a parent of
    it, else the source checkout this package was installed from."""
    if explicit is not None:
        root = Path(explicit).resolve()
        if not is_course_root(root):
            raise CourseError(
                f"--course: expected a folder holding {SOURCE}/ and {CONFIG_RELATIVE}, got {root}"
            )
        return root
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents, Path(__file__).resolve().parents[3]):
        if is_course_root(candidate):
            return candidate
    raise CourseError(
        f"no course found: run from the l2reg repository (a folder holding {SOURCE}/ "
        f"and {CONFIG_RELATIVE}) or pass --course DIR"
    )


def lesson_names(root) -> list[str]:
    """The lessons of the course: the folders of ``solutions/``, sorted."""
    src = Path(root) / SOURCE
    return sorted(p.name for p in src.iterdir() if p.is_dir() and not p.name.startswith("."))


def check_lesson(root, lesson: str) -> str:
    names = lesson_names(root)
    if lesson not in names:
        raise CourseError(f"LESSON: expected one of {', '.join(names)}, got {lesson!r}")
    return lesson


def load_config(root, work_root):
    """The course's nbgrader configuration, pointed at ``work_root``."""
    from traitlets.config.loader import PyFileConfigLoader

    cfg_path = Path(root) / CONFIG_RELATIVE
    config = PyFileConfigLoader(cfg_path.name, path=str(cfg_path.parent)).load_config()
    config.CourseDirectory.root = str(work_root)
    config.CourseDirectory.db_url = "sqlite:///" + str(Path(work_root) / "gradebook.db")
    # The file-system exchange is not used: keep nbgrader from looking for it.
    config.Exchange.root = str(Path(work_root) / "exchange")
    return config


def _environment_tools_on_path() -> None:
    """Put this interpreter's scripts folder first on PATH.

    nbgrader's gradebook runs the ``alembic`` command found on PATH, which is
    missing (or another environment's) when ``.venv/bin/l2reg`` runs without
    the environment activated. Then have nbgrader ask alembic in this process
    instead (:mod:`.speedups`: the subprocess costs seconds per fresh gradebook);
    the command stays found for anything else that runs it.
    """
    bindir = os.path.dirname(sys.executable)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if parts[:1] != [bindir]:
        os.environ["PATH"] = os.pathsep.join([bindir, *[p for p in parts if p != bindir]])
    from .speedups import use_alembic_head_in_process

    use_alembic_head_in_process()


class TempCourse:
    """A private nbgrader course holding copies of some lessons' sources.

    ``edition`` is the edition :meth:`generate` writes (see
    :mod:`l2reg.grading.edition`): ``"classroom"`` by default, the handout that
    submissions are graded against. Use as a context manager; the folder is
    removed on exit.
    """

    def __init__(self, root, lessons, edition="classroom"):
        from .edition import EDITIONS

        if edition not in EDITIONS:
            raise CourseError(f"edition: expected one of {', '.join(EDITIONS)}, got {edition!r}")
        self.root = Path(root)
        self.lessons = list(lessons)
        self.edition = edition
        self._tmp = None
        self.path = None
        self.api = None

    def __enter__(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="l2reg-course-")
        self.path = Path(self._tmp.name)
        for lesson in self.lessons:
            shutil.copytree(self.root / SOURCE / lesson, self.path / SOURCE / lesson, ignore=_COPY_IGNORE)
        os.makedirs(self.path / "exchange", exist_ok=True)
        _environment_tools_on_path()
        from nbgrader.apps import NbGraderAPI

        from .edition import preprocessors

        config = load_config(self.root, self.path)
        config.GenerateAssignment.preprocessors = preprocessors()
        config.QuizEdition.edition = self.edition
        self.api = NbGraderAPI(config=config)
        self.api.log.setLevel(logging.ERROR)
        return self

    def __exit__(self, *exc):
        self._tmp.cleanup()
        return False

    def generate(self, lesson: str) -> Path:
        """Run nbgrader generate_assignment; return the released folder."""
        result = self.api.generate_assignment(lesson)
        if not result.get("success"):
            raise CourseError(
                f"nbgrader could not generate {lesson}:\n{result.get('error') or result.get('log')}"
            )
        return self.path / RELEASE / lesson


    def submit(self, lesson: str, student_id: str, notebook) -> Path:
        """Place a student's notebook (a path or a NotebookNode) as their submission."""
        import nbformat

        dest_dir = self.path / "submitted" / student_id / lesson
        dest_dir.mkdir(parents=True, exist_ok=True)
        name = next((self.root / SOURCE / lesson).glob("*.ipynb")).name
        dest = dest_dir / name
        if isinstance(notebook, (str, os.PathLike)):
            shutil.copyfile(notebook, dest)
        else:
            nbformat.write(notebook, str(dest))
        return dest

    def autograde(self, lesson: str, student_id: str) -> dict:
        """Run nbgrader autograde for one submission; nbgrader's result dict."""
        return self.api.autograde(lesson, student_id)

    def scores(self, lesson: str, student_id: str) -> dict:
        """Score and per-test points of one autograded submission, from the gradebook."""
        from nbgrader.api import Gradebook

        with Gradebook(self.api.coursedir.db_url) as gb:
            submission = gb.find_submission(lesson, student_id)
            cells = {}
            for nb in submission.notebooks:
                for grade in nb.grades:
                    cells[grade.name] = grade.score
            return {"score": submission.score, "max_score": submission.max_score, "cells": cells}


def generate_lessons(root, out=None, lessons=None, edition="self-study") -> list[Path]:
    """Regenerate student lessons from ``solutions/`` with nbgrader.

    Parameters
    ----------
    root : path
        The course root.
    out : path, optional
        Where the lesson folders go; ``<root>/lessons`` by default. Each
        generated lesson folder replaces the one of the same name there.
    lessons : list of str, optional
        Which lessons; all of them by default.
    edition : {"self-study", "classroom"}
        Which edition (:mod:`l2reg.grading.edition`); ``lessons/`` holds the
        self-study one, ``l2reg bundle`` hands out the classroom one.

    Returns
    -------
    list of Path
        The lesson folders written.
    """
    root = Path(root)
    names = lesson_names(root) if not lessons else [check_lesson(root, n) for n in lessons]
    out = Path(out) if out is not None else root / RELEASE
    written = []
    with TempCourse(root, names, edition=edition) as course:
        for name in names:
            released = course.generate(name)
            dest = out / name
            if dest.exists():
                shutil.rmtree(dest)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(released, dest, ignore=_COPY_IGNORE)
            written.append(dest)
    return written
