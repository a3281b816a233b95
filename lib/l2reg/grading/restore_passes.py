"""The passes that rebuild a submission, each one job, run in this order by :func:`.restore.build`.

1. :class:`CollectOverwrites`: nbgrader's ``OverwriteCells``, collecting a flag for each
   official cell the student changed, and taking the answers (matched by ``grade_id``).
2. :func:`check_order`: flags official cells that appear out of their official order.
3. :func:`carry_added_cells`: sorts the cells without nbgrader metadata into official
   plain cells, official cells whose metadata was stripped, and cells the student
   added (kept after the official cell they followed, within the caps).
4. :func:`check_kernelspec`: flags a kernelspec other than the official one.
5. :func:`assemble`: the notebook to execute, made from the release alone plus the
   answers and added cells carried over.

Each pass reads the official notebooks through :class:`~.restore_state.Official`
(indexed once) and writes what it finds to one :class:`~.restore_state.Restoration`.
None modifies the submission, and none validates cells one by one: every cell of the
result is built here from strings and the release's own metadata, so the cost is
linear in the size of the submission.

Examples
--------
A release of two answer cells, and a submission with them swapped and no kernelspec:

>>> from nbformat.v4 import new_code_cell, new_notebook
>>> from l2reg.grading.restore_state import Official, Restoration
>>> def answer(gid, src):
...     meta = {"nbgrader": {"grade_id": gid, "solution": True, "grade": False, "locked": False}}
...     return new_code_cell(src, metadata=meta)
>>> release = new_notebook(cells=[answer("a", "..."), answer("b", "...")],
...     metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
>>> student = new_notebook(cells=[answer("b", "y = 2"), answer("a", "x = 1")])
>>> official, state = Official(release, release), Restoration()
>>> _ = CollectOverwrites(official, state).preprocess(student, {})
>>> check_order(official, state)
>>> carry_added_cells(official, state, student)
>>> check_kernelspec(official, state, student)
>>> state.answers, state.flags(official)
({'b': 'y = 2', 'a': 'x = 1'}, ['cells reordered', 'kernelspec missing'])
>>> [(c.source, c.metadata.l2reg.origin) for c in assemble(official, state).cells]
[('x = 1', 'answer'), ('y = 2', 'answer')]
"""

from __future__ import annotations

import json

from nbformat.corpus.words import generate_corpus_id
from nbformat.notebooknode import NotebookNode, from_dict
from nbformat.v4 import nbformat as NBFORMAT, nbformat_minor as NBFORMAT_MINOR
from nbgrader.preprocessors import OverwriteCells
from nbgrader.utils import compute_checksum

from .restore import MAX_ADDED_CELLS, MAX_ADDED_CHARS, MAX_CELL_CHARS, NotGradable
from .restore_state import grade_meta, printable, source_of, type_of


class CollectOverwrites(OverwriteCells):
    """nbgrader's ``OverwriteCells``, reporting each change as a flag and taking the answers.

    nbgrader's version (``nbgrader/preprocessors/overwritecells.py``) looks each
    submitted nbgrader cell up in the gradebook, repairs its type, locked state,
    points and, for locked cells, its source in place, and *logs* each change
    through :meth:`report_change`. Here the official cells come from the release
    in memory, the submission is left as it is (:func:`assemble` builds the
    notebook from the release anyway), and :meth:`report_change` *collects* the
    change as the flag text instructors see. The first cell with a ``grade_id``
    counts; later ones are reported as duplicates. Locked cells are compared by
    nbgrader's checksum (:func:`nbgrader.utils.compute_checksum`), as nbgrader does,
    with the checksum of each accepted version (``Official.versions``: the release's
    and each alternative release's, e.g. the self-study edition's quiz test cells).

    Parameters
    ----------
    official : Official
    state : Restoration
        Receives ``answers``, ``missing``, ``deleted``, ``unknown``, ``changes``, ``seen``.
    """

    def __init__(self, official, state, **kw):
        super().__init__(**kw)
        self.official = official
        self.state = state

    def preprocess(self, nb, resources):
        """Check every submitted cell, then record the official cells never met."""
        for index, cell in enumerate(nb.cells):
            self.preprocess_cell(cell, resources, index)
        st = self.state
        for gid in self.official.index:
            if gid in st.seen:
                continue
            if self.official.meta(gid).get("solution"):
                st.missing.append(gid)
            elif gid not in self.official.optional:  # not in every accepted release
                st.deleted.append((gid, f"{self.official.kind(gid)} {gid} deleted"))
        return nb, resources

    def report_change(self, name, attr, old, new):
        """Collect the change of ``attr`` in the official cell ``name`` as a flag."""
        kind = self.official.kind(name)
        text = {
            "copies": f"{kind} {name} duplicated",
            "cell_type": f"{kind} {name} retyped ({old} -> {printable(str(new)[:20])})",
            "source": f"{kind} {name} edited",
            "points": f"points of {name} changed",
        }.get(attr, f"nbgrader metadata of {name} changed")
        flags = self.state.changes.setdefault(name, [])
        if attr == "copies":
            flags.insert(0, text)
        else:
            flags.append(text)

    def preprocess_cell(self, cell, resources, cell_index):
        """Compare one submitted cell with its official version (first copy only)."""
        m = grade_meta(cell)
        if m is None:
            return cell, resources
        st, gid = self.state, m["grade_id"]
        st.any_grade_id = True
        if gid not in self.official.index:
            if not self._checksum_matches(cell, m, self.official.extra.get(gid, ())):
                st.unknown.add(gid)  # (a cell only an alternative release has, unmodified, is left out)
            return cell, resources
        if gid in st.seen:
            if gid not in st.duplicated:
                st.duplicated.add(gid)
                self.report_change(gid, "copies", 1, 2)
            return cell, resources
        st.seen.append(gid)
        r = self.official.cells[self.official.index[gid]]
        meta = r.metadata.nbgrader
        if type_of(cell) != r.cell_type:
            self.report_change(gid, "cell_type", r.cell_type, type_of(cell))
        if meta.get("solution"):
            st.answers[gid] = source_of(cell)[:MAX_CELL_CHARS]
            if bool(m.get("solution")) is not True or bool(m.get("grade")) != bool(meta.get("grade")) \
                    or bool(m.get("locked")) != bool(meta.get("locked")):
                self.report_change(gid, "nbgrader", dict(meta), dict(m))
        elif type_of(cell) == r.cell_type and not self._checksum_matches(
                cell, m, [checksum for _, checksum in self.official.versions[gid]]):
            if all(source_of(cell) != src for src, _ in self.official.versions[gid]):
                self.report_change(gid, "source", r.source, source_of(cell))
            elif meta.get("grade") and str(m.get("points")) != str(meta.get("points")):
                self.report_change(gid, "points", meta.get("points"), m.get("points"))
            else:
                self.report_change(gid, "nbgrader", dict(meta), dict(m))
        return cell, resources

    @staticmethod
    def _checksum_matches(cell, m, accepted):
        """Whether nbgrader's checksum of the submitted cell is one of ``accepted`` (those of
        the official versions of the cell: the release's and each alternative release's)."""
        accepted = [a for a in accepted if a]
        if not accepted:
            return False
        probe = from_dict({"cell_type": type_of(cell), "source": source_of(cell), "metadata": {"nbgrader": dict(m)}})
        try:
            return compute_checksum(probe) in accepted
        except Exception:  # noqa: BLE001 - malformed metadata, e.g. points "lots"
            return False


def check_order(official, state):
    """Flag ``cells reordered`` when the official cells met are out of official order.

    Parameters
    ----------
    official : ~.restore_state.Official
    state : ~.restore_state.Restoration
        Reads ``seen`` (filled by :class:`CollectOverwrites`), sets ``reordered``.
    """
    state.reordered = state.seen != sorted(state.seen, key=official.index.get)


def carry_added_cells(official, state, student):
    """Place each submitted cell without nbgrader metadata; keep the ones the student added.

    Walking the submission in order, with an *anchor* at the last official cell
    recognised, a cell without (valid) nbgrader metadata is, first match wins:
    an official plain cell (same type and source; the first unused copy after the
    anchor); an official locked cell whose metadata was stripped (same source);
    the answer to the missing answer cell right after the anchor (a code cell in
    its place); or, if it is a non-empty code cell, a cell the student added,
    kept after the anchor. Markdown, raw and empty cells the student added are
    dropped: they do not change what runs.

    The added code is capped at :data:`~.restore.MAX_ADDED_CELLS` cells and
    :data:`~.restore.MAX_ADDED_CHARS` characters. Over a cap the submission is
    refused (``NotGradable``) rather than cut: dropping some of a student's cells
    would run a program they did not write (a later answer using a helper from a
    dropped cell fails with a ``NameError``), and the score would blame the wrong
    cell. A refusal names the cap, so the student can merge cells and resubmit
    and the instructor sees one clear ``failed:`` row. The walk stops at the first
    cell over a cap, so a refused submission costs no more than an accepted one.

    Parameters
    ----------
    official : ~.restore_state.Official
    state : ~.restore_state.Restoration
        Reads ``missing`` (after :class:`CollectOverwrites`); sets ``added_after``,
        ``n_added``, ``added_chars``, ``stripped``, and moves recovered answers
        from ``missing`` to ``answers``.
    student : nbformat.NotebookNode

    Raises
    ------
    NotGradable
        Over :data:`~.restore.MAX_ADDED_CELLS` or :data:`~.restore.MAX_ADDED_CHARS`.
    """
    anchor, used, cells = -1, set(), official.cells
    for c in student.cells:
        if not isinstance(c, dict):
            continue
        m = grade_meta(c)
        if m:
            if m["grade_id"] in official.index:
                anchor = max(anchor, official.index[m["grade_id"]])
            continue
        src, ctype = source_of(c), type_of(c)
        cands = [i for i in official.plain.get((ctype, src), []) if i not in used]
        if cands:
            later = [i for i in cands if i > anchor]
            i = later[0] if later else cands[0]
            used.add(i)
            anchor = max(anchor, i)
            continue
        if (ctype, src) in official.extra_plain:
            continue  # a cell of an alternative release only (e.g. a self-study-only sentence)
        if src.strip() and src.strip() in official.locked:
            gid = official.locked[src.strip()]
            state.stripped.append(gid)
            anchor = max(anchor, official.index[gid])
            continue
        nxt = anchor + 1
        gid = (grade_meta(cells[nxt]) or {}).get("grade_id") if nxt < len(cells) else None
        if ctype == "code" and gid in state.missing and official.meta(gid).get("solution"):
            # An answer cell that lost its metadata, in the answer cell's place.
            state.answers[gid] = src[:MAX_CELL_CHARS]
            state.missing.remove(gid)
            state.stripped.append(gid)
            anchor = nxt
            continue
        if ctype == "code" and src.strip():
            kept = src[:MAX_CELL_CHARS]
            state.n_added += 1
            state.added_chars += len(kept)
            if state.n_added > MAX_ADDED_CELLS:
                raise NotGradable(f"more than {MAX_ADDED_CELLS} code cells were added to the official ones: "
                                  "merge or delete some")
            if state.added_chars > MAX_ADDED_CHARS:
                raise NotGradable(f"the code cells added to the official ones hold more than {MAX_ADDED_CHARS:,} "
                                  "characters: delete some")
            state.added_after.setdefault(anchor, []).append(kept)


def check_kernelspec(official, state, student):
    """Flag a kernelspec whose ``name`` or ``language`` is not the release's.

    nbgrader's ``OverwriteKernelspec`` silently replaces the submitted kernelspec
    with the source's; here :func:`assemble` takes the release's metadata whole,
    and this pass only reports. A notebook stripped of all nbgrader metadata is
    reported once, by :meth:`Restoration.flags`, unless it kept a kernelspec.

    Parameters
    ----------
    official : ~.restore_state.Official
    state : ~.restore_state.Restoration
        Sets ``kernelspec`` to the flag, if any.
    student : nbformat.NotebookNode
    """
    meta = student.get("metadata")
    ks = meta.get("kernelspec") if isinstance(meta, dict) else None
    rks = official.release.metadata.get("kernelspec", {})
    if not isinstance(ks, dict) or ks.get("name") != rks.get("name") or ks.get("language") != rks.get("language"):
        if state.any_grade_id or ks:
            state.kernelspec = "kernelspec changed" if isinstance(ks, dict) else "kernelspec missing"


def _cell(cell_type, source, metadata):
    """A v4 cell, as ``nbformat.v4.new_*_cell`` makes it but without validating it again."""
    cell = NotebookNode(id=generate_corpus_id(), cell_type=cell_type, metadata=from_dict(metadata))
    if cell_type == "code":
        cell.execution_count = None
    cell.source = source
    if cell_type == "code":
        cell.outputs = []
    return cell


def assemble(official, state):
    """The notebook to execute: the release's cells, answers and hidden tests swapped in, added cells after their anchor.

    Answer cells take the student's source (``origin`` ``answer``; the
    release's when it is missing), test cells the source's version with the
    hidden tests (``student_source`` keeps the visible one), every other cell
    and the notebook metadata are the release's, copied.

    Parameters
    ----------
    official : ~.restore_state.Official
    state : ~.restore_state.Restoration
        After the other passes.

    Returns
    -------
    nbformat.NotebookNode
        A valid nbformat 4 notebook (validated by the tests, not here: every
        part of it is a string or the release's own metadata).
    """
    cells = []

    def add_student_cells(anchor):
        for src in state.added_after.get(anchor, []):
            cells.append(_cell("code", src, {"l2reg": {"origin": "added"}}))

    add_student_cells(-1)
    for i, r in enumerate(official.cells):
        m = grade_meta(r)
        meta = json.loads(json.dumps(dict(r.metadata)))
        if r.cell_type == "code":
            if m and m.get("solution"):
                gid = m["grade_id"]
                meta["l2reg"] = {"origin": "answer" if gid in state.answers else "official"}
                src = state.answers.get(gid, r.source)
            elif m and m.get("grade"):
                meta["l2reg"] = {"origin": "official", "student_source": r.source}
                src = source_of(official.hidden[m["grade_id"]])
            else:
                meta["l2reg"] = {"origin": "official"}
                src = r.source
            cells.append(_cell("code", src, meta))
        else:
            cells.append(_cell("markdown" if r.cell_type == "markdown" else "raw", r.source, meta))
        add_student_cells(i)
    metadata = from_dict(json.loads(json.dumps(dict(official.release.metadata))))
    return NotebookNode(nbformat=NBFORMAT, nbformat_minor=NBFORMAT_MINOR, metadata=metadata, cells=cells)
