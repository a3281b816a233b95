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

And one for each submission, :func:`preimports`: the modules a lesson's own cells import,
which the grading sandbox imports before it says it is ready (``preimport`` in
``autograder/sandbox.json``), so that a sandbox started ahead (``prestart``) holds them
before the submission's first cell runs.
"""

from __future__ import annotations

import ast
import functools
import sys

from .integrity_index import parse_python


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


# What the lessons' cells load without an import statement of their own: ``%matplotlib
# inline`` (IPython's magic imports pyplot and the inline backend), and the libraries that
# l2reg's plotting and widgets import when a figure or a demo is first built.
_MAGIC = (("matplotlib.pyplot", ()), ("matplotlib_inline.backend_inline", ()))
_LAZY = {"l2reg.plotting": (("matplotlib.figure", ()), ("matplotlib.backends.backend_agg", ())),
         "l2reg.widgets": (("ipywidgets", ()), ("matplotlib.figure", ()), ("matplotlib.backends.backend_agg", ()))}


def preimports(source) -> tuple:
    """The imports of a trusted source notebook's own code cells (not its nbgrader answer
    or test cells), as ``((module, (name, ...)), ...)`` in the order first seen: what the
    grading sandbox imports before it is ready (:class:`~.sandbox.Sandbox` ``preimport``,
    ``__import__(module, fromlist=names)``, binding no name). Only statements at a cell's
    top level with an absolute module count; a cell with ``%matplotlib`` adds pyplot and
    the inline backend, ``l2reg.plotting`` and ``l2reg.widgets`` the matplotlib and
    ipywidgets modules they import when first used. A submission's cells never add any.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[
    ...     nbformat.v4.new_code_cell("%matplotlib inline\\nimport numpy as np\\nfrom l2reg import ridge_fit"),
    ...     nbformat.v4.new_code_cell("import secrets", metadata={"nbgrader": {"solution": True}})])
    >>> [m for m, _ in preimports(nb)]
    ['matplotlib.pyplot', 'matplotlib_inline.backend_inline', 'numpy', 'l2reg']
    >>> dict(preimports(nb))["l2reg"]
    ('ridge_fit',)
    """
    found = {}

    def add(module, names=()):
        found.setdefault(module, [])
        found[module].extend(n for n in names if n not in found[module])

    for cell in source.cells:
        if cell.get("cell_type") != "code" or cell.get("metadata", {}).get("nbgrader"):
            continue
        lines = str(cell.get("source", "")).splitlines()
        code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in lines)
        if any(line.lstrip().startswith("%matplotlib") for line in lines):
            for module, names in _MAGIC:
                add(module, names)
        try:
            tree = parse_python(code)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    add(alias.name)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [a.name for a in node.names if a.name != "*"]
                add(node.module, names)
                for name in names:
                    for module, more in _LAZY.get(f"{node.module}.{name}", ()):
                        add(module, more)
            else:
                continue
            for module in [a.name for a in getattr(node, "names", ())] + [getattr(node, "module", None) or ""]:
                for lazy, more in _LAZY.get(module, ()):
                    add(lazy, more)
    return tuple((m, tuple(n)) for m, n in found.items())
