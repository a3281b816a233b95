"""Sandboxes started ahead and trusted pre-imports (issue 18, "grading at scale"):

* speedups.preimports: the imports of the trusted source's own cells (never of its nbgrader
  cells, never of a submission), with what ``%matplotlib`` and l2reg's plotting and widgets
  load without an import statement;
* the runner imports them before it says it is ready and binds no name; anything that is
  not a module name is ignored, a module that fails to import is left to the cell;
* pool.SandboxPool: each sandbox is new and handed to one submission only; none is
  started for nobody; one that died before it was taken is replaced by a fresh start; its
  start is charged to the submission that takes it; closing kills the spares.

tests/grading/test_shortcuts_hostile.py grades the hostile class with and without them.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from submission_kit import ROOT, SOURCE, bwrap_children  # noqa: E402

from l2reg.grading.speedups import preimports  # noqa: E402

needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")


def test_preimports_are_the_lessons_own_imports():
    got = dict(preimports(nbformat.read(str(SOURCE), as_version=4)))
    for module in ("numpy", "l2reg", "l2reg.data", "l2reg.demos", "matplotlib.pyplot",
                   "matplotlib_inline.backend_inline", "ipywidgets"):
        assert module in got, module
    assert {"plotting", "widgets", "ridge_fit"} <= set(got["l2reg"])
    # imported only by nbgrader test cells (numbers, l2reg.checks): not pre-imported
    assert "numbers" not in got and "l2reg.checks" not in got


def test_preimports_read_only_top_level_absolute_imports_of_plain_cells():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import a.b as c, d\nfrom e import f\nfrom . import g\n"
                                  "def h():\n    import inner\ntry:\n    import guarded\nexcept ImportError:\n    pass"),
        nbformat.v4.new_code_cell("import answer_only", metadata={"nbgrader": {"solution": True, "grade_id": "x"}}),
        nbformat.v4.new_code_cell("import test_only", metadata={"nbgrader": {"grade": True, "grade_id": "t"}}),
        nbformat.v4.new_markdown_cell("import markdown_only"),
        nbformat.v4.new_code_cell("!pip install x\nimport after_shell_line\nthis is not python("),
        nbformat.v4.new_code_cell("from e import f, k"),
    ])
    assert preimports(nb) == (("a.b", ()), ("d", ()), ("e", ("f", "k")))


@pytest.fixture(scope="module")
def limits():
    from l2reg.grading.limits import load_limits

    return load_limits(ROOT)


def _mpl():
    import matplotlib

    return matplotlib.get_cachedir()


@needs_bwrap
def test_the_runner_imports_them_before_ready_and_binds_no_name(limits):
    from l2reg.grading.sandbox import Sandbox

    probe = "import sys\nprint(sorted(m for m in ('fractions', 'colorsys', 'no_such_module_xyz') if m in sys.modules))"
    with Sandbox(limits, _mpl(), preimport=[("fractions", ("Fraction",)), ("no_such_module_xyz", ()),
                                            ("os; import colorsys", ()), ("colorsys", ("bad name",))]) as sb:
        got = sb.run_cell(probe)
        names = sb.run_cell("print('Fraction' in dir(), 'fractions' in dir())")
    assert got.status == "ok" and got.outputs[0]["text"] == "['fractions']\n"
    assert names.outputs[0]["text"] == "False False\n"
    with Sandbox(limits, _mpl()) as sb:  # no pre-imports: nothing of the kind loaded
        assert sb.run_cell(probe).outputs[0]["text"] == "[]\n"


@needs_bwrap
def test_a_pool_hands_each_sandbox_to_one_submission_and_starts_none_for_nobody(limits):
    from l2reg.grading.pool import SandboxPool
    from l2reg.grading.sandbox import Budget

    before = set(bwrap_children())
    seen = []
    with SandboxPool(limits, _mpl(), ahead=1) as pool:
        pool.expect(3)
        assert pool.started_ahead == 1
        for i in range(3):
            budget = Budget(600, 3000)
            sb = pool.take(budget)
            with sb:
                assert budget.cpu_used > 0  # its start is charged to the submission that took it
                # the next one is already starting while this one runs, and is another process
                assert pool.started_ahead == min(i + 2, 3)
                r = sb.run_cell("import os\nprint(sorted(os.listdir('/tmp')), sorted(os.listdir('.')))\n"
                                "open('/tmp/mine', 'w').write('x'); open('here', 'w').write('x')\n"
                                "print(os.getpid())")
                seen.append((sb.proc.pid, sb, r.outputs[0]["text"]))
        assert pool.started_ahead == pool.handed_out == 3  # none was started for nobody
    assert len({pid for pid, _, _ in seen}) == 3
    assert all(sb.proc is None and sb.cgroup is None for _, sb, _ in seen)  # each one killed, its cgroup removed
    # nothing the one before wrote is there: /tmp holds the sandbox's own folders (and the
    # read-only view of the checkout, when the checkout itself lies under /tmp)
    import ast as _ast

    import l2reg

    here = Path(l2reg.__file__).resolve().parts
    allowed = {"home", "mpl"} | ({here[2]} if here[:2] == ("/", "tmp") else set())
    for _, _, text in seen:
        listing, cwd = _ast.literal_eval("(" + text.splitlines()[0].replace("] [", "], [") + ")")
        assert "mine" not in listing and {"home", "mpl"} <= set(listing) <= allowed and cwd == [], text
    assert set(bwrap_children()) <= before


@needs_bwrap
def test_a_sandbox_that_died_before_it_was_taken_is_replaced(limits):
    from l2reg.grading.pool import SandboxPool
    from l2reg.grading.sandbox import Budget

    with SandboxPool(limits, _mpl(), ahead=1) as pool:
        pool.expect(1)
        spare = pool._spares[0]
        spare.kill_now()
        sb = pool.take(Budget(600, 3000))
        assert sb is not spare and spare.proc is None  # the dead one was cleaned up
        with sb:
            assert sb.run_cell("print(1 + 1)").outputs[0]["text"] == "2\n"
        assert pool.handed_out == 0


@needs_bwrap
def test_a_spare_outlives_the_thread_that_asked_for_it(limits):
    """bwrap's --die-with-parent kills a sandbox when the *thread* that forked it ends
    (prctl(2), PR_SET_PDEATHSIG). The set-up's thread takes the reference's sandbox and
    so asks for the next one, then ends; a grading thread ends after its last submission.
    The spare must still run the next submission's cells: before the pool forked from its
    own thread, this sandbox was SIGKILLed at its first cell (an honest student scored 0)."""
    import threading
    import time

    from l2reg.grading.pool import SandboxPool
    from l2reg.grading.sandbox import Budget

    with SandboxPool(limits, _mpl(), ahead=1) as pool:
        def set_up():
            pool.expect(1)
            pool.wait_spares()  # bwrap is running and has set its parent-death signal
            time.sleep(0.5)

        t = threading.Thread(target=set_up)
        t.start()
        t.join()
        time.sleep(0.5)  # the thread is gone; a signal on its death has been delivered by now
        sb = pool.take(Budget(600, 3000))
        assert pool.handed_out == 1
        with sb:
            assert sb.run_cell("print(6 * 7)").outputs[0]["text"] == "42\n"


@needs_bwrap
def test_closing_the_pool_kills_its_spares_and_an_interrupt_reaches_them(limits):
    from l2reg.grading.outdir import RunState
    from l2reg.grading.pool import SandboxPool

    before = set(bwrap_children())
    run = RunState()
    pool = SandboxPool(limits, _mpl(), ahead=2, run=run)
    pool.expect(5)
    assert len(pool._spares) == 2 and run.sandboxes == set(pool._spares)
    run.abort()  # what an interrupt does: every sandbox of the run is killed
    for sb in pool._spares:
        sb.proc.wait(timeout=10)
    pool.close()
    assert pool._spares == [] and run.sandboxes == set()
    assert set(bwrap_children()) <= before
    pool.expect(1)  # a closed pool starts no more
    assert pool.started_ahead == 2
