"""Two costs of a grading run's fixed set-up that buy nothing here (issue 18, "a cheaper
notebook"; measured in ``tests/benchmarks/bench_grading.py``).

* **alembic's head, in-process.** Whenever nbgrader opens a gradebook with no tables (the
  run's fresh gradebook, and the throw-away one of each temporary course that
  ``generate_assignment`` writes), :class:`nbgrader.api.Gradebook` calls
  ``nbgrader.api.get_alembic_version``, which starts the ``alembic heads`` command as a
  subprocess: a second interpreter importing SQLAlchemy and alembic, 1 to 7 s each time on
  a loaded machine, two or three times per run. :func:`alembic_head` asks alembic's own
  :class:`~alembic.script.ScriptDirectory` of nbgrader's migration scripts the same
  question in this process (what ``alembic heads`` prints is ``ScriptDirectory.get_heads``:
  alembic/command.py, ``heads``); with anything but exactly one head it falls back to
  nbgrader's own function. A test compares the two.
* **jsonschema's IRI checker.** ``import nbformat`` imports jsonschema, which imports
  ``rfc3987_syntax`` when installed (jupyter-events pulls it in) and builds an Earley
  parser of RFC 3987's grammar at import time: 1 to 2.5 s. It only checks the formats
  ``iri`` and ``iri-reference`` (jsonschema/_format.py), which no nbformat schema uses.
  :func:`skip_iri_checker` keeps it from loading in the ``l2reg grade`` process, before
  nbformat is first imported (once it is, nothing changes).
"""

from __future__ import annotations

import functools
import sys


@functools.lru_cache(maxsize=1)
def alembic_head() -> str:
    """The head revision of nbgrader's gradebook migrations, as ``alembic heads`` gives it.

    Examples
    --------
    >>> head = alembic_head()
    >>> len(head) == 12 and all(ch in "0123456789abcdef" for ch in head)
    True
    """
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR

    heads = ScriptDirectory(ALEMBIC_DIR).get_heads()
    if len(heads) != 1:  # pragma: no cover - nbgrader ships one line of migrations
        return _original()()
    return heads[0]


def _original():
    import nbgrader.api

    return getattr(nbgrader.api.get_alembic_version, "__wrapped_original__", nbgrader.api.get_alembic_version)


def use_alembic_head_in_process() -> None:
    """Make nbgrader's ``get_alembic_version`` (called when a gradebook is created) use
    :func:`alembic_head` instead of a subprocess. Idempotent."""
    import nbgrader.api

    if getattr(nbgrader.api.get_alembic_version, "__wrapped_original__", None) is not None:
        return
    original = nbgrader.api.get_alembic_version

    def get_alembic_version() -> str:
        return alembic_head()

    get_alembic_version.__wrapped_original__ = original
    nbgrader.api.get_alembic_version = get_alembic_version


def skip_iri_checker() -> None:
    """Keep ``rfc3987_syntax`` from being imported by jsonschema in this process (see the
    module docstring); does nothing once jsonschema is imported."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)
