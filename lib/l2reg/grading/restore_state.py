"""What the restore passes share: the official notebooks indexed once, and what was found in one submission.

:class:`Official` is built from the release and source once per rebuild;
:class:`Restoration` collects what each pass of :mod:`.restore_passes` finds and
phrases it as flags. The helpers read a submitted cell defensively: any field may
be missing or of the wrong type.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def grade_meta(cell):
    """The cell's nbgrader metadata if it names a string ``grade_id``, else None.

    Examples
    --------
    >>> grade_meta({"metadata": {"nbgrader": {"grade_id": "q1", "solution": True}}})
    {'grade_id': 'q1', 'solution': True}
    >>> grade_meta({"metadata": {"nbgrader": {"grade_id": 5}}}), grade_meta([])
    (None, None)
    """
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    m = meta.get("nbgrader") if isinstance(meta, dict) else None
    return m if isinstance(m, dict) and isinstance(m.get("grade_id"), str) else None


def source_of(cell):
    """The cell's source as one string (string parts of a list joined; anything else empty).

    Examples
    --------
    >>> source_of({"source": ["a = 1\\n", 2, "b = 2"]}), source_of({"source": 3}), source_of("cell")
    ('a = 1\\nb = 2', '', '')
    """
    src = cell.get("source", "") if isinstance(cell, dict) else ""
    if isinstance(src, list):
        src = "".join(s for s in src if isinstance(s, str))
    return src if isinstance(src, str) else ""


def printable(text):
    """``text`` with each character that is not printable (newlines, controls, ...) escaped.

    Text a submission chose reaches the restore flags only through here (or through
    ``repr``), so a flag shown in grades.csv, the summary or a terminal cannot forge
    a line or move the cursor.

    Examples
    --------
    >>> printable("code\\nzz: graded\\x1b[2K")
    'code\\\\nzz: graded\\\\x1b[2K'
    """
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def type_of(cell):
    """The cell's ``cell_type`` as submitted (any value, or None)."""
    return cell.get("cell_type") if isinstance(cell, dict) else None


class Official:
    """The official notebooks, indexed once for every pass.

    Parameters
    ----------
    release : nbformat.NotebookNode
        The official student version (nbgrader's release).
    source : nbformat.NotebookNode
        The official instructor version (hidden tests included).

    Attributes
    ----------
    release : nbformat.NotebookNode
    cells : list
        The release's cells.
    index : dict
        ``grade_id`` to its position in ``cells``.
    hidden : dict
        ``grade_id`` to the source's version of that cell (hidden tests included).
    plain : dict
        ``(cell_type, source)`` of each release cell without nbgrader metadata, to
        its positions.
    locked : dict
        Stripped source of each locked release cell (of any accepted release), to its ``grade_id``.
    versions : dict
        ``grade_id`` of each release cell to the ``(source, checksum)`` of every version
        of it accepted as unmodified: the release's, then each alternative's.
    optional : set
        ``grade_id`` of release cells some alternative release lacks: a submission
        made from that release does not hold them, and that is no deletion.
    extra : dict
        ``grade_id`` of nbgrader cells only an alternative release has, to their
        accepted checksums: such a cell, unmodified, is left out silently.
    extra_plain : set
        ``(cell_type, source)`` of the cells without nbgrader metadata that only an
        alternative release has: left out, never run as a cell the student added.

    Notes
    -----
    ``also`` lists alternative releases of the same lesson, e.g. the self-study
    edition next to the classroom one (:mod:`l2reg.grading.edition`): each cell a
    submission holds is accepted as unmodified if it equals (by nbgrader's checksum)
    that cell in the release *or* in any alternative, cell by cell. The notebook
    that runs is always built from ``release`` alone.

    Examples
    --------
    >>> from nbformat.v4 import new_code_cell, new_notebook
    >>> def test(src, checksum):
    ...     meta = {"grade_id": "t", "grade": True, "locked": True, "points": 1, "checksum": checksum}
    ...     return new_code_cell(src, metadata={"nbgrader": meta})
    >>> classroom, self_study = new_notebook(cells=[test("assert a", "c1")]), new_notebook(cells=[test("assert a\\ncheck(a)", "c2")])
    >>> Official(classroom, classroom, also=[self_study]).versions["t"]
    [('assert a', 'c1'), ('assert a\\ncheck(a)', 'c2')]
    """

    def __init__(self, release, source, also=()):
        self.release = release
        self.cells = release.cells
        self.index = {}
        self.plain = {}
        self.locked = {}
        self.versions = {}
        for i, c in enumerate(self.cells):
            m = grade_meta(c)
            if m:
                self.index[m["grade_id"]] = i
                self.versions[m["grade_id"]] = [(source_of(c), m.get("checksum"))]
                if m.get("locked"):
                    self.locked[source_of(c).strip()] = m["grade_id"]
            else:
                self.plain.setdefault((type_of(c), source_of(c)), []).append(i)
        self.hidden = {grade_meta(c)["grade_id"]: c for c in source.cells if grade_meta(c)}
        self.optional, self.extra, self.extra_plain = set(), {}, set()
        for alt in also:
            self._accept(alt)

    def _accept(self, alt):
        """Index the alternative release ``alt``: its versions of the release's cells, and its own cells."""
        gids = set()
        for c in alt.cells:
            m = grade_meta(c)
            if m is None:
                if (type_of(c), source_of(c)) not in self.plain:
                    self.extra_plain.add((type_of(c), source_of(c)))
                continue
            gid = m["grade_id"]
            gids.add(gid)
            if gid not in self.index:
                self.extra.setdefault(gid, set()).add(m.get("checksum"))
                continue
            version = (source_of(c), m.get("checksum"))
            if version not in self.versions[gid]:
                self.versions[gid].append(version)
            if m.get("locked") and self.meta(gid).get("locked"):
                self.locked.setdefault(source_of(c).strip(), gid)
        self.optional |= set(self.index) - gids

    def meta(self, gid):
        """nbgrader metadata of the official cell ``gid``."""
        return self.cells[self.index[gid]].metadata.nbgrader

    def kind(self, gid):
        """``answer cell``, ``test cell`` or ``cell``: how flags name the official cell ``gid``."""
        meta = self.meta(gid)
        return "answer cell" if meta.get("solution") else "test cell" if meta.get("grade") else "cell"


@dataclass
class Restoration:
    """What the passes found in one submission; :meth:`flags` phrases it.

    Attributes
    ----------
    unknown : set
        ``grade_id`` of submitted nbgrader cells no official cell has.
    changes : dict
        ``grade_id`` to the flags about that official cell (duplicated, retyped, edited, ...).
    seen : list
        Official ``grade_id`` met in the submission, in the order first met.
    duplicated : set
        Official ``grade_id`` met more than once.
    answers : dict
        ``grade_id`` of an answer cell to the student's source (cut to ``MAX_CELL_CHARS``).
    missing : list
        Answer cells not found.
    deleted : list
        ``(grade_id, flag)`` of the other official cells not found.
    stripped : list
        Official cells found without their nbgrader metadata.
    reordered : bool
        Official cells met out of their official order.
    any_grade_id : bool
        The submission holds some nbgrader cell, known or not.
    added_after : dict
        Release position to the sources of the cells added after it (-1: before all).
    n_added, added_chars : int
        How many added code cells were kept, and their characters in all.
    kernelspec : str or None
        The kernelspec flag, if any.
    """

    unknown: set = field(default_factory=set)
    changes: dict = field(default_factory=dict)
    seen: list = field(default_factory=list)
    duplicated: set = field(default_factory=set)
    answers: dict = field(default_factory=dict)
    missing: list = field(default_factory=list)
    deleted: list = field(default_factory=list)
    stripped: list = field(default_factory=list)
    reordered: bool = False
    any_grade_id: bool = False
    added_after: dict = field(default_factory=dict)
    n_added: int = 0
    added_chars: int = 0
    kernelspec: str | None = None

    def flags(self, official):
        """Every flag, in the order instructors have always seen them.

        Parameters
        ----------
        official : Official
            The notebooks the submission was compared with (the order of their cells).

        Returns
        -------
        list of str
            Missing answers and deleted cells, unknown nbgrader cells, the changes
            to each official cell in official order, reordering, stripped
            metadata, the kernelspec.
        """
        out = [f"answer cell {gid} missing" for gid in self.missing]
        out += [text for gid, text in self.deleted if gid not in self.stripped]
        if self.unknown:
            out.append("unknown nbgrader cells " + ", ".join(repr(g[:40]) for g in sorted(self.unknown)[:3]) + " ignored")
        for gid in official.index:
            out += self.changes.get(gid, [])
        if self.reordered:
            out.append("cells reordered")
        if self.stripped:
            names = sorted(set(self.stripped), key=official.index.get)
            out.append("nbgrader metadata stripped from " + ", ".join(names[:3]) + (" and others" if len(names) > 3 else ""))
        elif not self.any_grade_id and official.index:
            out.append("nbgrader metadata stripped")
        if self.kernelspec:
            out.append(self.kernelspec)
        return out
