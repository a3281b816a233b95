"""The grading sandbox, the notebook rebuild and the submission scan, without a full run."""

from __future__ import annotations

import os
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import submission_kit as kit  # noqa: E402

from l2reg.grading.restore import NotGradable, build, read_submission  # noqa: E402
from l2reg.grading.sandbox import KernelCrashed, Limits, Sandbox, SandboxDied, SandboxTimeout  # noqa: E402
from l2reg.grading.submissions import extract_zip, scan_folder  # noqa: E402

LIMITS = Limits(cell_timeout=3, grace=2, notebook_timeout=60, wall_factor=3)


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(LIMITS) as sb:
        yield sb


def run(sb, source):
    r = sb.run_cell(source)
    text = "".join(o.get("text", "") for o in r.outputs if o["output_type"] == "stream")
    return r.status, text.strip(), r.outputs


def test_sees_only_python_and_the_package(sandbox, monkeypatch):
    status, text, _ = run(sandbox, (
        "import os, l2reg\n"
        f"print(os.path.exists({str(kit.ROOT / 'solutions')!r}), os.path.exists({str(kit.ROOT / 'autograder')!r}),"
        f" os.path.exists({str(kit.ROOT / 'tests')!r}), os.path.exists({str(kit.ROOT / 'README.md')!r}))\n"
        "print(sorted(os.listdir('.')), os.getuid(), 'L2REG_ANSWER_KEY' in os.environ, l2reg.ridge_fit.__name__)"))
    assert status == "ok"
    assert text.splitlines() == ["False False False False", "[] 65534 False ridge_fit"]


def test_cannot_write_the_host_or_reach_the_network(sandbox):
    targets = [str(kit.ROOT / "pwned"), "/usr/pwned", os.path.dirname(sys.executable) + "/pwned"]
    status, text, _ = run(sandbox, (
        "import socket\nres = []\n"
        f"for p in {targets!r}:\n"
        "    try:\n        open(p, 'w'); res.append('wrote ' + p)\n    except OSError as e:\n        res.append(e.errno)\n"
        "try:\n    socket.create_connection(('1.1.1.1', 80), timeout=2); res.append('net')\n"
        "except OSError as e:\n    res.append('no net')\nprint(res)"))
    assert status == "ok" and "no net" in text and "'net'" not in text
    # What counts is the host: none of the files may exist outside the sandbox.
    for target in targets:
        assert not os.path.exists(target), f"the sandbox wrote {target} on the host"
        # Inside, a write may only succeed on the sandbox's private /tmp (a checkout under
        # /tmp, as in some CI runs, is shadowed by it); everywhere else the root is read-only.
        if not target.startswith("/tmp/"):
            assert f"wrote {target}" not in text, f"{target} was writable inside the sandbox"


def test_limits_hold(sandbox):
    assert run(sandbox, "x = bytearray(3 * 1024**3)")[2][-1]["ename"] == "MemoryError"
    assert run(sandbox, "open('big', 'wb').write(b'x' * (80 << 20))")[2][-1]["evalue"].endswith("File too large")
    status, _, outputs = run(sandbox, "while True:\n    pass")
    assert status == "error" and outputs[-1]["ename"] == "CellTimeout"
    status, text, _ = run(sandbox, "print('y' * (5 << 20))")
    assert status == "ok" and len(text) < (LIMITS.output_kb_per_cell << 10) + 100
    assert "truncated" in text
    assert run(sandbox, "print('alive')")[1] == "alive"


@pytest.mark.parametrize("source, reason, kind", [
    ("import os\nos.abort()", "the kernel crashed (SIGABRT)", KernelCrashed),
    ("import os\nos._exit(3)", "the kernel exited (status 3)", KernelCrashed),
    # A cell that sleeps uses no CPU time: it is stopped by the wall-clock backstop,
    # wall_factor (3) times the cell's CPU-time limit.
    ("import signal, time\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True:\n    time.sleep(0.1)",
     "cell x ran longer than 9 s of wall-clock time and ignored the interrupt; the kernel was stopped", SandboxTimeout),
    # A cell that spins is stopped on the sandbox's CPU time (a generous wall clock, so
    # that a loaded machine does not reach it first).
    ("import signal\nsignal.signal(signal.SIGPROF, signal.SIG_IGN)\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
     "while True:\n    pass", "cell x used more than 3 s of CPU time (all its processes together); the kernel was stopped",
     SandboxTimeout),
])
def test_a_dead_kernel_is_reported(source, reason, kind):
    limits = LIMITS if "sleep" in source else Limits(cell_timeout=3, grace=2, notebook_timeout=60, wall_factor=40)
    with Sandbox(limits) as sb, pytest.raises(kind, match=reason.replace("(", r"\(").replace(")", r"\)")) as err:
        sb.run_cell(source, "cell x")
    assert str(err.value) == reason or str(err.value).startswith(reason + " while")


@pytest.fixture(scope="module")
def official():
    return (nbformat.read(str(kit.RELEASE), as_version=4), nbformat.read(str(kit.SOURCE), as_version=4))


def test_rebuild_takes_answers_and_added_cells_only(official):
    release, source = official
    built = build(release, source, kit._helper_cell())
    assert built.flags == [] and built.missing == [] and built.added == 1
    code = [c.source for c in built.notebook.cells if c.cell_type == "code"]
    assert any("BEGIN HIDDEN TESTS" in s for s in code)  # hidden tests restored from the source
    i = next(i for i, s in enumerate(code) if s.startswith("def _solve_ridge"))
    assert code[i + 1].startswith("def ridge_closed_form(X, y, lam):\n    return _solve_ridge")


def test_rebuild_restores_and_flags(official):
    release, source = official
    nb = kit.answered()
    test = nb.cells[kit.index(nb, "test_quiz_q1")]
    test.source = "pass"
    nb.cells[kit.index(nb, "test_quiz_q2")].metadata["nbgrader"]["points"] = 10
    built = build(release, source, nb)
    assert built.flags == ["test cell test_quiz_q1 edited", "points of test_quiz_q2 changed"]
    cell = next(c for c in built.notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_quiz_q1")
    assert "_record(\"quiz/q1\", q1)" in cell.source
    assert cell.metadata["nbgrader"]["points"] == 1


@pytest.mark.parametrize("text, reason", [
    ("", "invalid JSON"), ("[]", "no nbformat"), ('{"nbformat": 4, "cells": 3}', "no list of cells"),
    ('{"nbformat": 2}', "nbformat 2"),
])
def test_unreadable_submissions(tmp_path, text, reason):
    p = tmp_path / "x.ipynb"
    p.write_text(text)
    with pytest.raises(NotGradable, match=reason):
        read_submission(p)


def test_scan_folder(tmp_path):
    for rel in ["a.ipynb", "b/x.ipynb", "b/numpy.py", "c/one.ipynb", "c/two.ipynb", "d/readme.txt",
                "e.ipynb", "e/x.ipynb", ".hidden.ipynb", "notes.pdf", "bad id.ipynb"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("{}")
    found = scan_folder(tmp_path)
    got = {e.student_id: (e.notebook.name if e.notebook else None, e.problem, e.extra_files) for e in found.entries}
    assert got["a"] == ("a.ipynb", None, [])
    assert got["b"] == ("x.ipynb", None, ["numpy.py"])
    assert got["c"][1].startswith("more than one notebook")
    assert got["d"][1] == "no .ipynb notebook in d/ (found: readme.txt)"
    assert got["e"][1].startswith("two submissions")
    assert sorted(got) == ["a", "b", "c", "d", "e"]
    assert {name for name, _ in found.skipped} == {"notes.pdf", "bad id.ipynb"}


def test_zip_bomb_member_is_left_out(tmp_path, monkeypatch):
    import l2reg.grading.submissions as subs

    monkeypatch.setattr(subs, "MAX_MEMBER_BYTES", 1000)
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.ipynb", "0" * 100_000)
        zf.writestr("ok.ipynb", "{}")
    dest = tmp_path / "out"
    dest.mkdir()
    left = extract_zip(archive, dest).left_out
    assert [n for n, _ in left] == ["big.ipynb"] and sorted(os.listdir(dest)) == ["ok.ipynb"]
