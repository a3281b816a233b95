"""What bounds the grader's own work on one submission: deep JSON, many cells, much added code.

A notebook nested 100,000 levels deep is refused by ``read_submission`` with a
reason, before anything is rebuilt or run, and no RecursionError escapes; a
notebook of 30,000 one-line cells is refused without nbformat ever parsing it, and
``build`` refuses 30,000 added cells after visiting only as many as its cap. Costs
are asserted as counts, or relative to rebuilding the official lesson in the same
run, never as absolute times.
"""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell

from l2reg.grading import restore, restore_passes
from l2reg.grading.restore import (MAX_ADDED_CELLS, MAX_CELLS, MAX_JSON_DEPTH, NotGradable, build, json_depth,
                                   read_submission)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "restore"
TOO_DEEP = f"not a notebook: nested deeper than {MAX_JSON_DEPTH} levels"


@pytest.fixture(scope="module")
def lesson():
    """Lesson 01 as stored beside the characterization: (release, source, an honest submission)."""
    release = nbformat.read(str(FIXTURES / "lesson01_release.json"), as_version=4)
    source = nbformat.read(str(FIXTURES / "lesson01_source.json"), as_version=4)
    return release, source, copy.deepcopy(release)


def write(tmp_path, text):
    path = tmp_path / "submission.ipynb"
    path.write_text(text, encoding="utf-8")
    return path


def notebook_text(cells=(), metadata=None):
    """A minimal valid nbformat 4 notebook as JSON text; ``cells`` are JSON texts."""
    meta = json.dumps(metadata or {})
    return '{"nbformat": 4, "nbformat_minor": 5, "metadata": %s, "cells": [%s]}' % (meta, ", ".join(cells))


def nested(levels, leaf="1"):
    """``levels`` nested JSON arrays around ``leaf``, as text."""
    return "[" * levels + leaf + "]" * levels


def deep_cell(where, levels):
    """A code cell whose metadata, outputs or source list nests ``levels`` arrays deep."""
    if where == "metadata":
        return '{"cell_type": "code", "id": "a", "metadata": {"deep": %s}, "execution_count": null, ' \
               '"source": "x = 1", "outputs": []}' % nested(levels)
    if where == "outputs":
        return '{"cell_type": "code", "id": "a", "metadata": {}, "execution_count": 1, "source": "x", "outputs": ' \
               '[{"output_type": "display_data", "metadata": {}, "data": {"application/json": %s}}]}' % nested(levels)
    return '{"cell_type": "code", "id": "a", "metadata": {}, "execution_count": null, "outputs": [], ' \
           '"source": ["x = 1", %s]}' % nested(levels, '"y"')


# --- what read_submission refuses, and why ---------------------------------------------

@pytest.mark.parametrize("content, reason", [
    ("this is not a notebook {", "not a notebook: invalid JSON (Expecting value: line 1 column 1 (char 0))"),
    (b"\xff\xfe{}", "not a notebook: the file is not UTF-8 text"),
    ("[1, 2]", "not a notebook: no nbformat version"),
    ('{"cells": []}', "not a notebook: no nbformat version"),
    ('{"nbformat": 5, "cells": []}', "not a notebook this grader reads: nbformat 5 (expected 4)"),
    ('{"nbformat": "4", "cells": []}', "not a notebook this grader reads: nbformat '4' (expected 4)"),
    ('{"nbformat": 4, "cells": {}}', "not a notebook: no list of cells"),
    ('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [7]}', "not a notebook nbformat can read (TypeError)"),
])
def test_unreadable_files_are_refused_with_the_reason(tmp_path, content, reason):
    path = tmp_path / "submission.ipynb"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(NotGradable) as info:
        read_submission(path)
    assert str(info.value) == reason


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(restore, "MAX_NOTEBOOK_BYTES", 2 << 20)
    path = write(tmp_path, " " * (3 << 20))
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("read"))
    with pytest.raises(NotGradable, match=r"^the notebook is 3 MB, more than 2 MB$"):
        read_submission(path)


def test_a_v3_notebook_with_a_bom_is_read_as_v4(tmp_path):
    v3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": [
        {"cell_type": "code", "input": "x = 1", "language": "python", "outputs": [], "metadata": {}}]}]}
    path = tmp_path / "old.ipynb"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(v3).encode())
    nb = read_submission(path)
    assert nb.nbformat == 4 and [(c.cell_type, c.source) for c in nb.cells] == [("code", "x = 1")]


# --- deep JSON ------------------------------------------------------------------------

@pytest.mark.parametrize("where", ["metadata", "outputs", "source"])
@pytest.mark.parametrize("levels", [100_000, 5_000, 400, MAX_JSON_DEPTH])
def test_deep_json_is_refused_before_anything_runs(tmp_path, where, levels):
    # ``levels`` arrays inside a cell: the file nests 4 or more levels deeper.
    path = write(tmp_path, notebook_text([deep_cell(where, levels)]))
    with pytest.raises(NotGradable) as info:
        read_submission(path)
    assert str(info.value) == TOO_DEEP


@pytest.mark.parametrize("text", [nested(100_000), '{"a": ' * 100_000 + "1" + "}" * 100_000,
                                  nested(100_000)[:-5], "[" * 100_000])
def test_deep_or_broken_json_at_the_top_is_refused_with_a_reason(tmp_path, text):
    # The depth is counted before any parser runs, so broken deep JSON is refused for its depth too.
    with pytest.raises(NotGradable) as info:
        read_submission(write(tmp_path, text))
    assert str(info.value) == TOO_DEEP


def test_json_at_the_depth_limit_is_read_rebuilt_copied_and_written(tmp_path, lesson):
    release, source, _ = lesson
    # notebook {1} > cells [2] > cell {3} > metadata {4} > deep: the rest in arrays.
    student = json.loads(nbformat.writes(release))
    student["cells"][0]["metadata"]["deep"] = json.loads(nested(MAX_JSON_DEPTH - 4))
    text = json.dumps(student)
    assert json_depth(text) == MAX_JSON_DEPTH
    nb = read_submission(write(tmp_path, text))
    built = build(release, source, nb)
    assert built.flags == [] and built.added == 0
    copy.deepcopy(nb)
    nbformat.writes(nb)
    student["cells"][0]["metadata"]["deep"] = [student["cells"][0]["metadata"]["deep"]]
    with pytest.raises(NotGradable, match=TOO_DEEP):
        read_submission(write(tmp_path, json.dumps(student)))


def test_brackets_inside_strings_do_not_count(tmp_path):
    src = json.dumps("[[[{{" * 50_000 + '\\" "]]] \\\\')
    nb = read_submission(write(tmp_path, notebook_text(
        ['{"cell_type": "code", "id": "a", "metadata": {}, "execution_count": null, "outputs": [], "source": %s}' % src])))
    assert nb.cells[0].source.startswith("[[[{{")


@pytest.mark.parametrize("text, depth", [
    ("1", 0), ('"[[["', 0), ("[]", 1), ("{}", 1), ('[[], {"a": [{}]}]', 4),
    ('{"a": "\\"]]]", "b": [["\\\\"]]}', 3), ('["\\u005b", "\\\\\\"["]', 1), ('[1, [2, [3]], [4]]', 3),
])
def test_json_depth(text, depth):
    json.loads(text)  # the cases are valid JSON
    assert json_depth(text) == depth


def test_a_forged_nbformat_version_is_shown_short_and_escaped(tmp_path):
    with pytest.raises(NotGradable) as info:
        read_submission(write(tmp_path, json.dumps({"nbformat": "4\nzz: graded" + "x" * 10_000, "cells": []})))
    assert str(info.value) == "not a notebook this grader reads: nbformat '4\\nzz: graded" + "x" * 26 + " (expected 4)"


# --- many cells -----------------------------------------------------------------------

def markdown_cells(n):
    return ['{"cell_type": "markdown", "id": "c%d", "metadata": {}, "source": "x"}' % k for k in range(n)]


def test_cells_over_the_cap_are_refused(tmp_path):
    assert len(read_submission(write(tmp_path, notebook_text(markdown_cells(MAX_CELLS)))).cells) == MAX_CELLS
    with pytest.raises(NotGradable) as info:
        read_submission(write(tmp_path, notebook_text(markdown_cells(MAX_CELLS + 1))))
    assert str(info.value) == f"the notebook has {MAX_CELLS + 1:,} cells, more than {MAX_CELLS:,}: merge or delete some"


def test_cells_of_a_v3_notebook_are_counted_over_its_worksheets(tmp_path):
    cell = '{"cell_type": "markdown", "metadata": {}, "source": "x"}'
    half = ", ".join([cell] * (MAX_CELLS // 2 + 1))
    text = '{"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": [%s]}, {"cells": [%s]}]}' % (
        half, half)
    with pytest.raises(NotGradable, match=f"^the notebook has {MAX_CELLS + 2:,} cells"):
        read_submission(write(tmp_path, text))


def cpu(fn, repeat=1):
    t = time.process_time()
    for _ in range(repeat):
        fn()
    return time.process_time() - t


@pytest.fixture(scope="module")
def thirty_thousand(lesson):
    """The official lesson followed by 30,000 one-line code cells, in memory and as a 4.6 MB file."""
    release, _, honest = lesson
    nb = copy.deepcopy(honest)
    # Built as nbformat would read them, without validating each (that alone takes seconds).
    nb.cells += [nbformat.from_dict({"cell_type": "code", "id": f"added-{k}", "metadata": {}, "execution_count": None,
                                     "source": f"x{k} = {k}", "outputs": []}) for k in range(30_000)]
    return nb, json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False)


def test_thirty_thousand_cells_are_refused_without_parsing_them(tmp_path, lesson, thirty_thousand, monkeypatch):
    release, source, honest = lesson
    nb, text = thirty_thousand
    assert len(text) > 4_000_000
    path = write(tmp_path, text)
    parsed = []
    real_reads = nbformat.reads
    monkeypatch.setattr(nbformat, "reads", lambda *a, **k: parsed.append(1) or real_reads(*a, **k))
    with pytest.raises(NotGradable, match=r"^the notebook has 30,065 cells, more than 2,000"):
        read_submission(path)
    assert parsed == []  # nbformat never parsed nor validated the 30,000 cells

    def refuse():
        with pytest.raises(NotGradable):
            read_submission(path)

    # Refusing costs less than half of what nbformat alone spends reading the file (its parse
    # and validation of every cell), which the grader used to pay before rebuilding the cells.
    assert min(cpu(refuse) for _ in range(3)) < cpu(lambda: real_reads(text, as_version=4)) / 2


def test_thirty_thousand_added_cells_stop_the_rebuild_at_the_cap(lesson, thirty_thousand, monkeypatch):
    release, source, honest = lesson
    nb, _ = thirty_thousand
    seen = []
    real = restore_passes.source_of
    monkeypatch.setattr(restore_passes, "source_of", lambda cell: seen.append(1) or real(cell))
    with pytest.raises(NotGradable, match=f"^more than {MAX_ADDED_CELLS} code cells were added"):
        build(release, source, nb)
    # The walk read the official cells and stopped one cell past the cap.
    assert len(seen) <= 2 * len(honest.cells) + MAX_ADDED_CELLS + 1 < len(nb.cells) // 20
    monkeypatch.undo()

    def refuse():
        with pytest.raises(NotGradable):
            build(release, source, nb)

    assert cpu(refuse) < cpu(lambda: build(release, source, honest), repeat=50)


def test_added_cells_under_the_cap_cost_in_proportion(lesson):
    release, source, honest = lesson
    nb = copy.deepcopy(honest)
    nb.cells += [new_code_cell(f"x{k} = {k}") for k in range(MAX_ADDED_CELLS)]
    nb.cells += [new_markdown_cell(f"note {k}") for k in range(MAX_CELLS - len(nb.cells))]
    built = build(release, source, nb)
    assert built.added == MAX_ADDED_CELLS and len(built.notebook.cells) == len(release.cells) + MAX_ADDED_CELLS
    # 2,000 cells, 30 times the lesson's: well under 50 rebuilds of the lesson.
    assert cpu(lambda: build(release, source, nb)) < cpu(lambda: build(release, source, honest), repeat=50)


def test_caps_are_documented_module_constants():
    for name in ("MAX_NOTEBOOK_BYTES", "MAX_CELL_CHARS", "MAX_JSON_DEPTH", "MAX_CELLS", "MAX_ADDED_CELLS",
                 "MAX_ADDED_CHARS"):
        documented = restore.__doc__ + restore.read_submission.__doc__ + restore.build.__doc__
        assert isinstance(getattr(restore, name), int) and f":data:`{name}`" in documented, name
