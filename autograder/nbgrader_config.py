"""nbgrader configuration for the l2reg course.

The course root is the repository root: instructor notebooks live in
``solutions/`` (nbgrader's *source* step) and the student versions that
``l2reg lessons`` generates live in ``lessons/`` (its *release* step).

``l2reg`` loads this file itself; nbgrader's own command line finds it when it
is run from this folder or given ``--config autograder/nbgrader_config.py``.
"""

import os

c = get_config()  # noqa: F821 (provided by traitlets when the file is loaded)

_here = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.root = os.path.dirname(_here)
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "lessons"
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints",
    "*.pyc",
    "__pycache__",
    "feedback",
]

# The edition generate_assignment writes (l2reg.grading.edition): the self-study one,
# which is what lessons/ holds; `l2reg bundle` and `l2reg grade` ask for the classroom one.
from l2reg.grading.edition import preprocessors as _edition_preprocessors  # noqa: E402

c.GenerateAssignment.preprocessors = _edition_preprocessors()
c.QuizEdition.edition = "self-study"

# What a student sees in place of a solution region.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Grading: a cell that runs longer than this is stopped and counts as failed.
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True
c.Execute.raise_on_iopub_timeout = False
c.Execute.kernel_name = "python3"
