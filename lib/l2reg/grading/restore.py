"""What gets executed for a submission: the official notebook with the student's answers.

The notebook that runs is built from the official student version (nbgrader's
release) with the test cells taken from the official *source* (hidden tests
included). From the submission only two things are taken: the answer cells,
matched by ``grade_id``, and code cells the student added (no nbgrader
metadata, not an official cell), kept after the official cell they followed.
Everything else the student changed is replaced and reported as a flag.

:func:`read_submission` turns a file into a notebook or refuses it with
:class:`NotGradable` before anything runs; :func:`build` runs the passes of
:mod:`.restore_passes` over it, one job each (see that module), sharing what they
find through :mod:`.restore_state`. Both cost time
linear in the submission's size, and both bound it: a file over
:data:`MAX_NOTEBOOK_BYTES`, JSON nested deeper than :data:`MAX_JSON_DEPTH`, more
than :data:`MAX_CELLS` cells, or added code over :data:`MAX_ADDED_CELLS` cells or
:data:`MAX_ADDED_CHARS` characters is refused with a reason the student can act on.

Examples
--------
>>> from pathlib import Path
>>> import tempfile
>>> path = Path(tempfile.mkdtemp()) / "deep.ipynb"
>>> _ = path.write_text('{"nbformat": 4, "cells": [], "metadata": {"x": ' + "[" * 500 + "]" * 500 + "}}")
>>> read_submission(path)
Traceback (most recent call last):
...
l2reg.grading.restore.NotGradable: not a notebook: nested deeper than 100 levels
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field

#: Largest submission file read, in bytes.
MAX_NOTEBOOK_BYTES = 20 << 20
#: Longest source kept from one student cell (an answer or an added cell), in characters;
#: the rest is cut off.
MAX_CELL_CHARS = 200_000
#: Deepest nesting of JSON arrays and objects read. A real notebook nests about 6 levels
#: (notebook, cells, cell, outputs, output, data) plus what a cell displays as JSON; 100
#: leaves room for that and keeps every recursive consumer downstream (nbformat, the copy
#: module, nbconvert's templates) far from Python's recursion limit of 1000 frames.
MAX_JSON_DEPTH = 100
#: Most cells read from a submission, counted before nbformat parses and validates them
#: (nbformat's validation costs about 40 µs a cell). A lesson has about 70 cells.
MAX_CELLS = 2_000
#: Most code cells a student may add to the official ones (see :mod:`.restore_passes`).
MAX_ADDED_CELLS = 500
#: Most characters of code a student may add in all, after each cell is cut to
#: :data:`MAX_CELL_CHARS`: about 20,000 lines, far above a course's helper cells.
MAX_ADDED_CHARS = 1_000_000


class NotGradable(Exception):
    """The submission cannot be graded: the message says why, in words for the student."""


# Bytes that are not brackets: deleted before counting. Working on the UTF-8 bytes is
# safe: every byte of a multi-byte character is >= 0x80, never a quote, backslash or bracket.
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def json_depth(text) -> int:
    """How deeply the arrays and objects of a JSON document nest, in linear time.

    Escaped backslashes and quotes are removed, then every string (between two
    remaining quotes), then everything but brackets; the depth is the highest
    running count of opening minus closing brackets. All of it runs in C
    (``bytes.replace``, ``split``, ``translate``) except the final count, one
    step per bracket, so no JSON parser, recursion or regular expression is
    involved: a 5 MB notebook costs less than parsing it.

    Parameters
    ----------
    text : str or bytes
        The document (bytes as UTF-8). For valid JSON the result is exact; for
        anything else it is a count of the brackets outside quotes.

    Returns
    -------
    int
        The deepest nesting: 0 for a scalar, 1 for ``[]`` or ``{}``.

    Examples
    --------
    >>> json_depth('{"a": [1, {"b": "]]]]"}], "c": "\\\\\\"[["}')
    3
    >>> json_depth(b"[[[]], []]"), json_depth("3")
    (3, 0)
    """
    data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    brackets = b"".join(data.split(b'"')[0::2]).translate(None, _NOT_BRACKETS)
    return max(itertools.accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _count_cells(data: dict) -> int:
    """Cells of a parsed v4 notebook, or of all worksheets of a v3 one."""
    if data.get("nbformat") == 4:
        return len(data["cells"])
    sheets = data.get("worksheets")
    sheets = sheets if isinstance(sheets, list) else []
    return sum(len(s["cells"]) for s in sheets if isinstance(s, dict) and isinstance(s.get("cells"), list))


def read_submission(path):
    """The submission at ``path`` as an nbformat v4 notebook.

    Everything that can make reading or rebuilding costly is checked first, on the
    raw JSON, before nbformat parses or validates anything.

    Parameters
    ----------
    path : pathlib.Path
        The submitted ``.ipynb`` file.

    Returns
    -------
    nbformat.NotebookNode
        The notebook, converted to nbformat 4.

    Raises
    ------
    NotGradable
        The file is over :data:`MAX_NOTEBOOK_BYTES`, not UTF-8, not JSON, nested
        deeper than :data:`MAX_JSON_DEPTH`, not an nbformat 3 or 4 notebook, or it
        holds more than :data:`MAX_CELLS` cells.
    OSError
        The file cannot be read.
    """
    import nbformat

    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        raise NotGradable(f"the notebook is {size >> 20} MB, more than {MAX_NOTEBOOK_BYTES >> 20} MB")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NotGradable("not a notebook: the file is not UTF-8 text")
    too_deep = NotGradable(f"not a notebook: nested deeper than {MAX_JSON_DEPTH} levels")
    if json_depth(raw) > MAX_JSON_DEPTH:
        raise too_deep
    try:
        data = json.loads(text)
    except RecursionError:  # json's C decoder stops cleanly at the recursion limit
        raise too_deep from None
    except ValueError as exc:
        raise NotGradable(f"not a notebook: invalid JSON ({str(exc).splitlines()[0][:100]})")
    if not isinstance(data, dict) or "nbformat" not in data:
        raise NotGradable("not a notebook: no nbformat version")
    version = data.get("nbformat")
    if version not in (3, 4):
        raise NotGradable(f"not a notebook this grader reads: nbformat {version!r:.40} (expected 4)")
    if version == 4 and not isinstance(data.get("cells"), list):
        raise NotGradable("not a notebook: no list of cells")
    n_cells = _count_cells(data)
    if n_cells > MAX_CELLS:
        raise NotGradable(f"the notebook has {n_cells:,} cells, more than {MAX_CELLS:,}: merge or delete some")
    del data
    try:
        import logging

        logging.getLogger("traitlets").setLevel(logging.CRITICAL)
        nb = nbformat.reads(text, as_version=4)
    except Exception as exc:  # noqa: BLE001 - anything nbformat rejects
        raise NotGradable(f"not a notebook nbformat can read ({type(exc).__name__})")
    if not isinstance(nb.get("cells"), list):
        raise NotGradable("not a notebook: no list of cells")
    return nb


@dataclass
class Built:
    """The notebook to execute for one submission, and what rebuilding it found.

    Attributes
    ----------
    notebook : nbformat.NotebookNode
        The notebook to execute (see :func:`build`).
    flags : list of str
        What the student changed that was restored, one phrase each, in a fixed
        order (missing and deleted cells, unknown cells, per official cell,
        order, stripped metadata, kernelspec).
    missing : list of str
        ``grade_id`` of each answer cell not found: its tests score 0.
    added : int
        How many student-added code cells were kept.
    """

    notebook: object
    flags: list = field(default_factory=list)
    missing: list = field(default_factory=list)
    added: int = 0


def build(release, source, student, also_official=None) -> Built:
    """The notebook to execute for ``student``, with what was restored.

    Each cell of the result carries ``metadata.l2reg.origin``: ``official``,
    ``answer`` (the student's answer cell) or ``added`` (a cell the student added),
    and test cells carry ``metadata.l2reg.student_source``, the visible source.
    Answers and added cells are cut to :data:`MAX_CELL_CHARS` characters. The passes are those of :mod:`.restore_passes`, in this order:
    :class:`~.restore_passes.CollectOverwrites`, :func:`~.restore_passes.check_order`,
    :func:`~.restore_passes.carry_added_cells`, :func:`~.restore_passes.check_kernelspec`,
    :func:`~.restore_passes.assemble`. ``student`` is not modified.

    Parameters
    ----------
    release : nbformat.NotebookNode
        The official student version (nbgrader's release of the lesson).
    source : nbformat.NotebookNode
        The official instructor version, whose test cells hold the hidden tests.
    student : nbformat.NotebookNode
        The submission, as :func:`read_submission` returns it.
    also_official : list of nbformat.NotebookNode, optional
        Other releases of the same lesson whose cells count as unmodified too, cell
        by cell (e.g. the self-study edition next to the classroom ``release``: a
        student who submits it changed nothing). Only ``release`` is run.

    Returns
    -------
    Built

    Raises
    ------
    NotGradable
        The student added more than :data:`MAX_ADDED_CELLS` code cells or
        :data:`MAX_ADDED_CHARS` characters of code.
    """
    from . import restore_passes as passes
    from .restore_state import Official, Restoration

    official = Official(release, source, also=also_official or ())
    state = Restoration()
    passes.CollectOverwrites(official, state).preprocess(student, {})
    passes.check_order(official, state)
    passes.carry_added_cells(official, state, student)
    passes.check_kernelspec(official, state, student)
    return Built(passes.assemble(official, state), state.flags(official), state.missing, state.n_added)
