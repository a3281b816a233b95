"""The reference records of a lesson: what its hidden tests record for the solution.

They come from running the instructor notebook in ``solutions/`` in a trusted
kernel. A submission's records are compared with these outside the student's
kernel (see :mod:`l2reg.checks`).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from ..checks import KEY_ENV, MIME
from .course import SOURCE, CourseError


def records_by_cell(nb) -> dict:
    """``{grade_id: [record, ...]}`` for the graded cells of an executed notebook,
    in output order (a cell with no record maps to an empty list)."""
    found = {}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") != "code" or not meta.get("grade"):
            continue
        found[meta["grade_id"]] = [
            out["data"][MIME]
            for out in cell.get("outputs", [])
            if out.get("output_type") in ("display_data", "execute_result") and MIME in out.get("data", {})
        ]
    return found


def reference_records(root, lesson: str, *, timeout: int = 300) -> dict:
    """Run the lesson's instructor notebook and return its records by graded cell.

    Raises
    ------
    CourseError
        If the notebook fails, or two records share a key.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    (path,) = sorted((Path(root) / SOURCE / lesson).glob("*.ipynb"))
    nb = nbformat.read(str(path), as_version=4)
    # The reference run must record, not check itself against an answer key that happens
    # to be named in the instructor's environment: the kernel inherits the environment.
    saved = os.environ.pop(KEY_ENV, None)
    try:
        with tempfile.TemporaryDirectory(prefix="l2reg-reference-") as cwd:
            NotebookClient(nb, timeout=timeout, resources={"metadata": {"path": cwd}}).execute()
    except CellExecutionError as exc:
        raise CourseError(f"the reference solution of {lesson} fails: {str(exc).strip().splitlines()[-1]}")
    finally:
        if saved is not None:
            os.environ[KEY_ENV] = saved
    by_cell = records_by_cell(nb)
    seen = {}
    for grade_id, recs in by_cell.items():
        for rec in recs:
            if rec["key"] in seen:
                raise CourseError(
                    f"{lesson}: record key {rec['key']!r} appears in {seen[rec['key']]} and {grade_id}"
                )
            seen[rec["key"]] = grade_id
    return by_cell


def write_answer_key(by_cell: dict, path) -> Path:
    """Write the flat ``{key: record}`` answer key that :func:`l2reg.checks.record`
    reads when ``L2REG_ANSWER_KEY`` names it."""
    key = {rec["key"]: rec for recs in by_cell.values() for rec in recs}
    path = Path(path)
    path.write_text(json.dumps(key, indent=1, sort_keys=True), encoding="utf-8")
    return path
