"""What gets executed for a submission: the official notebook with the student's answers.

The notebook that runs is built from the official student version (nbgrader's
release) with the test cells taken from the official *source* (hidden tests
included). From the submission only two things are taken: the answer cells,
matched by ``grade_id``, and code cells the student added (no nbgrader
metadata, not an official cell), kept after the official cell they followed.
Everything else the student changed is replaced and reported as a flag.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

MAX_NOTEBOOK_BYTES = 20 << 20
MAX_CELL_CHARS = 200_000


class NotGradable(Exception):
    """The submission cannot be read as a notebook."""


def read_submission(path):
    """The submission as an nbformat v4 notebook, or :class:`NotGradable`."""
    import nbformat

    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        raise NotGradable(f"the notebook is {size >> 20} MB, more than {MAX_NOTEBOOK_BYTES >> 20} MB")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NotGradable("not a notebook: the file is not UTF-8 text")
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise NotGradable(f"not a notebook: invalid JSON ({str(exc).splitlines()[0][:100]})")
    if not isinstance(data, dict) or "nbformat" not in data:
        raise NotGradable("not a notebook: no nbformat version")
    version = data.get("nbformat")
    if version not in (3, 4):
        raise NotGradable(f"not a notebook this grader reads: nbformat {version!r} (expected 4)")
    if version == 4 and not isinstance(data.get("cells"), list):
        raise NotGradable("not a notebook: no list of cells")
    try:
        import logging

        logging.getLogger("traitlets").setLevel(logging.CRITICAL)
        nb = nbformat.reads(text, as_version=4)
    except Exception as exc:  # noqa: BLE001 - anything nbformat rejects
        raise NotGradable(f"not a notebook nbformat can read ({type(exc).__name__})")
    if not isinstance(nb.get("cells"), list):
        raise NotGradable("not a notebook: no list of cells")
    return nb


def _nbmeta(cell):
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    m = meta.get("nbgrader") if isinstance(meta, dict) else None
    return m if isinstance(m, dict) and isinstance(m.get("grade_id"), str) else None


def _source(cell):
    src = cell.get("source", "") if isinstance(cell, dict) else ""
    if isinstance(src, list):
        src = "".join(s for s in src if isinstance(s, str))
    return src if isinstance(src, str) else ""


def _ctype(cell):
    return cell.get("cell_type") if isinstance(cell, dict) else None


@dataclass
class Built:
    notebook: object  # the notebook to execute
    flags: list = field(default_factory=list)  # what the student changed that was restored
    missing: list = field(default_factory=list)  # answer cells not found
    added: int = 0  # student-added code cells kept


def build(release, source, student) -> Built:
    """The notebook to execute for ``student``, with what was restored.

    Each cell of the result carries ``metadata.l2reg.origin``: ``official``,
    ``answer`` (the student's answer cell) or ``added`` (a cell the student added),
    and test cells carry ``metadata.l2reg.student_source``, the visible source.
    """
    import nbformat
    from nbgrader.utils import compute_checksum

    flags: list[str] = []
    missing: list[str] = []
    rcells = release.cells
    r_index = {}
    for i, c in enumerate(rcells):
        m = _nbmeta(c)
        if m:
            r_index[m["grade_id"]] = i
    s_cells = {(_nbmeta(c) or {}).get("grade_id"): c for c in source.cells if _nbmeta(c)}
    ucells = [c for c in student.cells if isinstance(c, dict)]

    # Which student cells are which official cells.
    by_gid: dict[str, list] = {}
    for c in ucells:
        m = _nbmeta(c)
        if m:
            by_gid.setdefault(m["grade_id"], []).append(c)
    unknown = sorted(g for g in by_gid if g not in r_index)
    if unknown:
        flags.append("unknown nbgrader cells " + ", ".join(repr(g[:40]) for g in unknown[:3]) + " ignored")

    stripped = []
    plain_sources = {}
    for i, c in enumerate(rcells):
        if not _nbmeta(c):
            plain_sources.setdefault((_ctype(c), _source(c)), []).append(i)
    graded_sources = {_source(c).strip(): _nbmeta(c)["grade_id"] for c in rcells if _nbmeta(c) and _nbmeta(c).get("locked")}

    answers = {}
    deleted = []
    for gid, i in r_index.items():
        r = rcells[i]
        meta = r.metadata.nbgrader
        got = by_gid.get(gid, [])
        kind = "answer cell" if meta.get("solution") else "test cell" if meta.get("grade") else "cell"
        if not got:
            if meta.get("solution"):
                missing.append(gid)
            else:
                deleted.append((gid, f"{kind} {gid} deleted"))
            continue
        if len(got) > 1:
            flags.append(f"{kind} {gid} duplicated")
        u = got[0]
        if _ctype(u) != r.cell_type:
            flags.append(f"{kind} {gid} retyped ({r.cell_type} -> {str(_ctype(u))[:20]})")
        um = _nbmeta(u)
        if meta.get("solution"):
            answers[gid] = _source(u)[:MAX_CELL_CHARS]
            if bool(um.get("solution")) is not True or bool(um.get("grade")) != bool(meta.get("grade")) \
                    or bool(um.get("locked")) != bool(meta.get("locked")):
                flags.append(f"nbgrader metadata of {gid} changed")
            continue
        # A locked cell: anything but the official version is tampering.
        if _ctype(u) == r.cell_type:
            probe = nbformat.from_dict({"cell_type": r.cell_type, "source": _source(u), "metadata": {"nbgrader": dict(um)}})
            try:
                same = compute_checksum(probe) == meta.get("checksum")
            except Exception:  # noqa: BLE001 - malformed metadata, e.g. points "lots"
                same = False
            if not same:
                if _source(u) != r.source:
                    flags.append(f"{kind} {gid} edited")
                elif meta.get("grade") and str(um.get("points")) != str(meta.get("points")):
                    flags.append(f"points of {gid} changed")
                else:
                    flags.append(f"nbgrader metadata of {gid} changed")

    order = []
    for c in ucells:
        m = _nbmeta(c)
        if m and m["grade_id"] in r_index and m["grade_id"] not in order:
            order.append(m["grade_id"])
    official_order = [g for g in sorted(r_index, key=r_index.get) if g in order]
    if order != official_order:
        flags.append("cells reordered")

    # Student cells without nbgrader metadata: official plain cells, stripped
    # official cells, or cells the student added.
    added_after: dict[int, list] = {}
    anchor = -1
    n_added = 0
    used = set()
    for c in ucells:
        m = _nbmeta(c)
        if m:
            if m["grade_id"] in r_index:
                anchor = max(anchor, r_index[m["grade_id"]])
            continue
        src = _source(c)
        key = (_ctype(c), src)
        cands = [i for i in plain_sources.get(key, []) if i not in used]
        if cands:
            later = [i for i in cands if i > anchor]
            i = later[0] if later else cands[0]
            used.add(i)
            anchor = max(anchor, i)
            continue
        if src.strip() and src.strip() in graded_sources:
            stripped.append(graded_sources[src.strip()])
            anchor = max(anchor, r_index[graded_sources[src.strip()]])
            continue
        nxt = anchor + 1
        if _ctype(c) == "code" and nxt < len(rcells) and (_nbmeta(rcells[nxt]) or {}).get("grade_id") in missing \
                and _nbmeta(rcells[nxt]).get("solution"):
            # An answer cell that lost its metadata, in the answer cell's place.
            gid = _nbmeta(rcells[nxt])["grade_id"]
            answers[gid] = src[:MAX_CELL_CHARS]
            missing.remove(gid)
            stripped.append(gid)
            anchor = nxt
            continue
        if _ctype(c) == "code" and src.strip():
            added_after.setdefault(anchor, []).append(src[:MAX_CELL_CHARS])
            n_added += 1
    flags[:0] = [f"answer cell {gid} missing" for gid in missing] + [t for g, t in deleted if g not in stripped]
    if stripped:
        names = sorted(set(stripped), key=r_index.get)
        flags.append("nbgrader metadata stripped from " + ", ".join(names[:3]) + (" and others" if len(names) > 3 else ""))
    elif not by_gid and r_index:
        flags.append("nbgrader metadata stripped")

    ks, rks = student.get("metadata", {}).get("kernelspec"), release.metadata.get("kernelspec", {})
    if not isinstance(ks, dict) or ks.get("name") != rks.get("name") or ks.get("language") != rks.get("language"):
        if by_gid or ks:  # a fully stripped notebook is reported once, above
            flags.append("kernelspec changed" if isinstance(ks, dict) else "kernelspec missing")

    cells = []

    def add_student_cells(anchor_index):
        for src in added_after.get(anchor_index, []):
            cells.append(nbformat.v4.new_code_cell(src, metadata={"l2reg": {"origin": "added"}}))

    add_student_cells(-1)
    for i, r in enumerate(rcells):
        m = _nbmeta(r)
        meta = json.loads(json.dumps(dict(r.metadata)))
        if m and m.get("solution") and r.cell_type == "code":
            gid = m["grade_id"]
            meta["l2reg"] = {"origin": "answer" if gid in answers else "official"}
            cells.append(nbformat.v4.new_code_cell(answers.get(gid, r.source), metadata=meta))
        elif m and m.get("grade") and r.cell_type == "code":
            meta["l2reg"] = {"origin": "official", "student_source": r.source}
            cells.append(nbformat.v4.new_code_cell(_source(s_cells[m["grade_id"]]), metadata=meta))
        elif r.cell_type == "code":
            meta["l2reg"] = {"origin": "official"}
            cells.append(nbformat.v4.new_code_cell(r.source, metadata=meta))
        elif r.cell_type == "markdown":
            cells.append(nbformat.v4.new_markdown_cell(r.source, metadata=meta))
        else:
            cells.append(nbformat.v4.new_raw_cell(r.source, metadata=meta))
        add_student_cells(i)
    nb = nbformat.v4.new_notebook(cells=cells, metadata=json.loads(json.dumps(dict(release.metadata))))
    return Built(nb, flags, missing, n_added)
