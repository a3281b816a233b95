"""Test-suite settings shared by every folder."""

import os
import sys
from pathlib import Path

import pytest

# Kernels started by the tests (nbclient, nbgrader) run this interpreter: put its folder
# first on PATH so any tool that looks up "python" finds the same environment.
os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def playwright_driver():
    """One Playwright for the whole test session, shared by tests/browser and tests/hosting.

    Playwright's sync API runs an event loop in the calling thread, so a second
    ``sync_playwright()`` started while the first is alive is refused ("using Playwright Sync
    API inside the asyncio loop"): the browser tests' session browser and the hub test's must
    come from one driver."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        yield pw


# --- one execution of each lesson notebook per session ------------------------------------
#
# nbval runs every notebook of solutions/ (docs/design.md, "Checks"); the stated-number tests
# (tests/notebooks/test_nb_*.py), the round trips and the reference records need the same
# notebooks executed. In one session they share nbval's execution: its items for solutions/
# run first, and when the last cell of a notebook has run (every cell passed), what its kernel
# ends with is stored in the session cache of tests/notebooks/nbrun.py before nbval stops the
# kernel: the executed notebook (nbval's outputs of each cell) and the notebook's globals.
# A test file run on its own finds no entry and executes the notebook itself (nbrun).

_NBRUN = Path(__file__).resolve().parent / "notebooks"
_SOLUTIONS = Path(__file__).resolve().parents[1] / "solutions"


def _nbval_solution_cell(item) -> bool:
    return type(item).__name__ == "IPyNbCell" and _SOLUTIONS in Path(str(item.path)).parents


def _sources(nb):
    return None if nb is None else [(c.cell_type, c.source) for c in nb.cells]


class _ShareNbvalRuns:
    """Keeps nbval's execution of each solutions/ notebook for the tests that need it."""

    def __init__(self):
        self.outputs = {}  # IPyNbFile -> {cell_num: outputs}
        self.failed = set()
        self.data = {}  # IPyNbFile -> the bytes of the notebook nbval collected

    def pytest_collection_modifyitems(self, items):
        import nbformat

        first = [i for i in items if _nbval_solution_cell(i)]
        for nbfile in {i.parent for i in first}:
            data = Path(str(nbfile.path)).read_bytes()
            # nbval runs the cells it read at collection: keep the run only if these bytes are them
            read = nbformat.reads(data.decode("utf-8"), as_version=4)
            if _sources(read) == _sources(getattr(nbfile, "nb", None)):
                self.data[nbfile] = data
            else:
                self.failed.add(nbfile)
        if first:
            rest = [i for i in items if not _nbval_solution_cell(i)]
            items[:] = first + rest

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        if not _nbval_solution_cell(item):
            return
        report = outcome.get_result()
        if report.failed or report.skipped:
            self.failed.add(item.parent)
        elif call.when == "call":
            self.outputs.setdefault(item.parent, {})[item.cell_num] = list(getattr(item, "test_outputs", []))

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_teardown(self, item, nextitem):
        if _nbval_solution_cell(item) and (nextitem is None or nextitem.parent is not item.parent):
            try:
                self._store(item.parent)
            finally:
                self.outputs.pop(item.parent, None)
        yield  # nbval's teardown stops the kernel

    def _store(self, nbfile):
        import nbformat

        import nbrun

        kernel = getattr(nbfile, "kernel", None)
        outputs = self.outputs.get(nbfile, {})
        data = self.data.get(nbfile)
        if data is None or nbfile in self.failed or kernel is None or not kernel.is_alive():
            return  # not a clean run: the tests that need this notebook execute it themselves
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        if len(outputs) != len(code):
            return
        paths = nbrun.cache_paths(nbfile.path, data)
        msg_id = kernel.execute_cell_input(nbrun.DUMP % (str(paths[1]),), allow_stdin=False)
        kernel.await_reply(msg_id, timeout=300)
        kernel.await_idle(msg_id, 300)
        if not paths[1].exists():
            return
        for num, cell in enumerate(code):
            cell.outputs = [nbformat.from_dict(o) for o in outputs[num]]
        nbrun.store(nbfile.path, nb, paths[1], data)


def pytest_configure(config):
    import tempfile

    sys.path.insert(0, str(_NBRUN))
    import nbrun

    if not os.environ.get(nbrun.CACHE_ENV):
        config._l2reg_nb_cache = tempfile.mkdtemp(prefix="l2reg-nb-cache-")
        os.environ[nbrun.CACHE_ENV] = config._l2reg_nb_cache
    config.pluginmanager.register(_ShareNbvalRuns(), "l2reg-share-nbval-runs")


def pytest_unconfigure(config):
    import shutil

    folder = getattr(config, "_l2reg_nb_cache", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        os.environ.pop("L2REG_NB_CACHE", None)
