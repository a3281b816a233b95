"""The rebuild of every stored submission matches what ``restore.build`` gave before it was split into passes.

``fixtures/restore/characterization.json.xz`` holds, for each case, the submitted file
exactly as written and what ``read_submission`` + ``build`` returned for it when the
fixture was made: the ``NotGradable`` reason, or the rebuilt notebook, the flags, the
missing answers and the number of added cells. The cases are every notebook of the
grading suite's hostile class (``submission_kit.cases`` as of commit 444de60: 37
notebooks) plus the 38 tamper variants of :func:`variants` (solution cells turned
markdown, metadata and points edited, stripped answers, added cells in odd places,
...). The official notebooks are the copies of lesson 01 beside it
(``lesson01_release.json``, ``lesson01_source.json``: the self-study edition of that
day, named .json so that nbval does not run them), so neither lesson edits nor kit
edits move it; the test never imports the kit.

The outcomes were recorded with the single ``build()`` function of commit 475fde6 and
are matched exactly (cell ids aside, which nbformat draws at random) by the passes.
Regenerate ONLY to record a deliberate behaviour change, and say so in the commit
(it rebuilds the kit's current cases on the stored lesson with the current code)::

    .venv/bin/python tests/grading/test_restore_characterization.py --regenerate
"""

from __future__ import annotations

import copy
import json
import lzma
import sys
from pathlib import Path

import nbformat
import pytest

from l2reg.grading.restore import MAX_CELL_CHARS, NotGradable, build, read_submission

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures" / "restore"
STORE = FIXTURES / "characterization.json.xz"
RELEASE = FIXTURES / "lesson01_release.json"
SOURCE = FIXTURES / "lesson01_source.json"


def official():
    return nbformat.read(str(RELEASE), as_version=4), nbformat.read(str(SOURCE), as_version=4)


def _gid(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _at(nb, gid):
    return next(i for i, c in enumerate(nb.cells) if _gid(c) == gid)


def variants():
    """Tamper cases beyond the grading suite's, each ``{name: notebook text}``."""
    sys.path.insert(0, str(HERE))
    import submission_kit as kit

    out = {}

    def case(name):
        def deco(fn):
            nb = kit.answered()
            out["variant_" + name] = nbformat.writes(fn(nb) or nb)
            return fn
        return deco

    @case("answer_turned_markdown")
    def _(nb):
        i = _at(nb, "quiz_q2")
        nb.cells[i] = nbformat.v4.new_markdown_cell(nb.cells[i].source, metadata=nb.cells[i].metadata)

    @case("test_turned_raw")
    def _(nb):
        i = _at(nb, "test_quiz_q1")
        nb.cells[i] = nbformat.v4.new_raw_cell(nb.cells[i].source, metadata=nb.cells[i].metadata)

    @case("test_not_graded")
    def _(nb):
        nb.cells[_at(nb, "test_quiz_q2")].metadata.nbgrader["grade"] = False

    @case("test_unlocked")
    def _(nb):
        nb.cells[_at(nb, "test_quiz_q2")].metadata.nbgrader["locked"] = False

    @case("points_not_a_number")
    def _(nb):
        nb.cells[_at(nb, "test_quiz_q4")].metadata.nbgrader["points"] = "lots"

    @case("points_and_source")
    def _(nb):
        cell = nb.cells[_at(nb, "test_quiz_q4")]
        cell.metadata.nbgrader["points"] = 50
        cell.source = "q4 = 0.5"

    @case("checksum_forged")
    def _(nb):
        nb.cells[_at(nb, "test_quiz_q3")].metadata.nbgrader["checksum"] = "0" * 32

    @case("answer_not_solution")
    def _(nb):
        nb.cells[_at(nb, "quiz_q1")].metadata.nbgrader["solution"] = False

    @case("answer_made_graded")
    def _(nb):
        nb.cells[_at(nb, "quiz_q1")].metadata.nbgrader.update(grade=True, points=5)

    @case("answer_locked")
    def _(nb):
        nb.cells[_at(nb, "quiz_q1")].metadata.nbgrader["locked"] = True

    @case("answer_stripped_in_place")
    def _(nb):
        nb.cells[_at(nb, "quiz_q3")].metadata = {}

    @case("answer_stripped_elsewhere")
    def _(nb):
        cell = nb.cells.pop(_at(nb, "quiz_q3"))
        cell.metadata = {}
        nb.cells.insert(_at(nb, "quiz_q1"), cell)

    @case("test_stripped")
    def _(nb):
        nb.cells[_at(nb, "test_quiz_q2")].metadata = {}

    @case("test_stripped_and_edited")
    def _(nb):
        cell = nb.cells[_at(nb, "test_quiz_q2")]
        cell.metadata = {}
        cell.source = "pass"

    @case("many_tests_stripped")
    def _(nb):
        for gid in ("test_quiz_q1", "test_quiz_q2", "test_quiz_q3", "test_quiz_q4", "test_quiz_q5"):
            nb.cells[_at(nb, gid)].metadata = {}

    @case("unknown_grade_ids")
    def _(nb):
        for k in range(5):
            nb.cells.insert(3, nbformat.v4.new_code_cell(f"x{k} = {k}", metadata={"nbgrader": {
                "grade_id": f"bonus_{k}" * 9, "grade": True, "points": 100, "solution": False, "locked": True}}))

    @case("grade_id_not_a_string")
    def _(nb):
        nb.cells[_at(nb, "test_quiz_q5")].metadata.nbgrader["grade_id"] = 5

    @case("duplicated_answer")
    def _(nb):
        i = _at(nb, "quiz_q4")
        twin = copy.deepcopy(nb.cells[i])
        twin.source = "q4 = 123"
        nb.cells.insert(i + 1, twin)

    @case("duplicated_answer_first_wrong")
    def _(nb):
        i = _at(nb, "quiz_q4")
        twin = copy.deepcopy(nb.cells[i])
        twin.source = "q4 = 123"
        nb.cells.insert(i, twin)

    @case("deleted_plain_cells")
    def _(nb):
        del nb.cells[1]
        del nb.cells[9]

    @case("edited_plain_cell")
    def _(nb):
        nb.cells[3].source = "flexible = None  # mine"

    @case("duplicated_plain_cell")
    def _(nb):
        nb.cells.insert(10, copy.deepcopy(nb.cells[9]))
        nb.cells.insert(40, copy.deepcopy(nb.cells[9]))

    @case("plain_cells_moved")
    def _(nb):
        cell = nb.cells.pop(9)
        nb.cells.append(cell)

    @case("added_everywhere")
    def _(nb):
        nb.cells.insert(0, nbformat.v4.new_code_cell("first = 1"))
        nb.cells.insert(_at(nb, "test_quiz_q1") + 1, nbformat.v4.new_code_cell("after_test = 1"))
        nb.cells.insert(_at(nb, "quiz_q1"), nbformat.v4.new_code_cell("before_answer = 1"))
        nb.cells.append(nbformat.v4.new_code_cell("last = 1"))
        nb.cells.append(nbformat.v4.new_code_cell("last_too = 2"))
        nb.cells.append(nbformat.v4.new_code_cell("   \n"))
        nb.cells.append(nbformat.v4.new_markdown_cell("my notes"))
        nb.cells.append(nbformat.v4.new_raw_cell("raw notes"))

    @case("added_with_metadata_and_outputs")
    def _(nb):
        cell = nbformat.v4.new_code_cell("print(1)", metadata={"tags": ["x"], "l2reg": {"origin": "official"}})
        cell.outputs = [nbformat.v4.new_output("stream", text="1\n")]
        cell.execution_count = 3
        nb.cells.insert(5, cell)

    @case("added_too_long")
    def _(nb):
        nb.cells.insert(5, nbformat.v4.new_code_cell("x = 1\n" * (MAX_CELL_CHARS // 3)))

    @case("answer_too_long")
    def _(nb):
        nb.cells[_at(nb, "quiz_q5")].source = 'q5 = "a"\n' + "#" * (MAX_CELL_CHARS + 10)

    @case("source_as_list")
    def _(nb):
        nb.cells[_at(nb, "quiz_q5")].source = ['q5 = ', '"a"\n']
        nb.cells.insert(4, nbformat.v4.new_code_cell(["a = 1\n", "b = 2\n"]))

    @case("reversed")
    def _(nb):
        nb.cells.reverse()

    @case("kernelspec_missing")
    def _(nb):
        del nb.metadata["kernelspec"]

    @case("kernelspec_language")
    def _(nb):
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "R"}

    @case("kernelspec_not_a_dict")
    def _(nb):
        nb.metadata["kernelspec"] = "python3"

    @case("stripped_but_kernelspec")
    def _(nb):
        for c in nb.cells:
            c.metadata = {}

    @case("everything_deleted")
    def _(nb):
        nb.cells = []

    @case("only_added")
    def _(nb):
        nb.cells = [nbformat.v4.new_code_cell("q5 = 'a'"), nbformat.v4.new_markdown_cell("hi")]

    @case("release_metadata_forged")
    def _(nb):
        nb.metadata["language_info"] = {"name": "evil"}
        nb.metadata["widgets"] = {"state": {}}
        nb.cells[_at(nb, "quiz_q1")].metadata["tags"] = ["raises-exception"]

    @case("test_cell_outputs_forged")
    def _(nb):
        cell = nb.cells[_at(nb, "test_quiz_q5")]
        cell.outputs = [nbformat.v4.new_output("display_data", data={kit.MIME: {"key": "quiz/q5", "value": "a"}})]

    untouched = kit.untouched()
    out["variant_untouched_release"] = nbformat.writes(untouched)
    return out


def inputs():
    """``{case: submitted text}``: the grading suite's notebooks, then :func:`variants`."""
    sys.path.insert(0, str(HERE))
    import submission_kit as kit

    got = {}
    saved = kit.RELEASE, kit.SOURCE
    kit.RELEASE, kit.SOURCE = RELEASE, SOURCE
    try:
        for name, (files, _score, _status) in kit.cases().items():
            for rel, text in files.items():
                if rel.endswith(".ipynb"):
                    got[rel] = text
        got.update(variants())
    finally:
        kit.RELEASE, kit.SOURCE = saved
    return got


def outcome(text, tmp_path, release, source):
    """What the grader makes of one submitted file, as plain JSON."""
    path = tmp_path / "submission.ipynb"
    path.write_text(text, encoding="utf-8")
    try:
        student = read_submission(path)
    except NotGradable as exc:
        return {"not_gradable": str(exc)}
    built = build(release, source, student)
    return {"notebook": json.loads(json.dumps(built.notebook)), "flags": built.flags,
            "missing": built.missing, "added": built.added}


def without_ids(result):
    """``result`` with the rebuilt cells' ``id`` removed (nbformat draws new ids at random)."""
    if "notebook" not in result:
        return result
    nb = dict(result["notebook"], cells=[{k: v for k, v in c.items() if k != "id"} for c in result["notebook"]["cells"]])
    return dict(result, notebook=nb)


def load():
    with lzma.open(STORE, "rt", encoding="utf-8") as f:
        return json.load(f)


STORED = load() if STORE.exists() else {}


def test_store_covers_every_class_of_case():
    # The store is read as it was made; it does not import the grading kit, which builds
    # its submissions from a freshly generated edition of the lesson.
    classes = {case.split("_")[0].split("/")[0] for case in STORED}
    assert classes == {"honest", "broken", "tamper", "runaway", "hostile", "variant"}
    assert len(STORED) >= 70
    outcomes = [v["outcome"] for v in STORED.values()]
    assert sum("not_gradable" in o for o in outcomes) == 2 and sum(bool(o.get("flags")) for o in outcomes) == 33


@pytest.mark.parametrize("case", sorted(STORED))
def test_rebuild_matches_stored(case, tmp_path):
    release, source = official()
    want = STORED[case]
    got = outcome(want["submitted"], tmp_path, release, source)
    assert without_ids(got) == without_ids(want["outcome"])
    if "notebook" in got:  # cell ids are random, but present and unique
        ids = [c["id"] for c in got["notebook"]["cells"]]
        assert len(set(ids)) == len(ids) and all(isinstance(i, str) and 1 <= len(i) <= 64 for i in ids)


def regenerate():
    import tempfile

    release, source = official()
    data = {}
    with tempfile.TemporaryDirectory() as d:
        for case, text in inputs().items():
            data[case] = {"submitted": text, "outcome": outcome(text, Path(d), release, source)}
    with lzma.open(STORE, "wt", encoding="utf-8", preset=9 | lzma.PRESET_EXTREME) as f:
        json.dump(data, f, sort_keys=True)
    return data


if __name__ == "__main__":
    if sys.argv[1:] == ["--regenerate"]:
        stored = regenerate()
        print(f"{len(stored)} cases -> {STORE} ({STORE.stat().st_size} bytes)")
        for case, v in sorted(stored.items()):
            o = v["outcome"]
            print(case, o.get("not_gradable") or (o["flags"], o["missing"], o["added"]))
    else:
        sys.exit(__doc__)
