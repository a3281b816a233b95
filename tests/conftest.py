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
    if getattr(config, "workerinput", None) is None and getattr(config.option, "numprocesses", None):
        config._l2reg_xdist_groups = tempfile.mkdtemp(prefix="l2reg-xdist-groups-")
        os.environ[_GROUPS_ENV] = config._l2reg_xdist_groups


def pytest_unconfigure(config):
    import shutil

    folder = getattr(config, "_l2reg_nb_cache", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        os.environ.pop("L2REG_NB_CACHE", None)
    folder = getattr(config, "_l2reg_xdist_groups", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        os.environ.pop(_GROUPS_ENV, None)


# --- two test processes ---------------------------------------------------------------------
#
# The README's test command runs the suite in two processes (pytest-xdist, `-n 2`). xdist gives
# each process its own session, so a session or module fixture used in both would be built
# twice. Every test is therefore put in exactly one group, and a group runs in one process, in
# collection order:
# - the tests on the one graded class (tests/grading/conftest.py) together;
# - the tests of JupyterLab in Chromium and of the hub together (one Playwright, one lab);
# - the tests on the one PostgreSQL server together;
# - each lesson's solutions/ notebook (nbval) with its stated-number tests, so the tests find
#   nbval's execution in the session cache (tests/notebooks/nbrun.py, shared by both processes);
# - every other test with the rest of its file (its module fixtures are built once).
# The groups start in an order that keeps both processes busy to the end: the lessons' notebooks
# first (they fill the cache the later groups read), then the long groups, then the rest.
#
# xdist's own `--dist loadgroup` reads `xdist_group` marks by renaming each test's node id, which
# pytest 9.2 no longer allows (`Node.nodeid` is read from `_id`; xdist 3.8 still sets `_nodeid`):
# so each worker writes the group of every test it collected to a file, and the scheduler
# below (xdist's LoadScopeScheduling, with our groups as its scopes) reads it.

_ROOT = Path(__file__).resolve().parents[1]
_GROUPS_ENV = "L2REG_XDIST_GROUPS"

# Groups known to run long, started first (longest first, from a serial run on this machine).
_LONG_GROUPS = (
    "graded-class",
    "tests/grading/test_grading_roundtrip.py",
    "browser",
    "tests/test_benchmarks_quick.py",
    "tests/grading/test_cluster.py",
    "tests/grading/test_shortcuts_hostile.py",
    "tests/grading/test_shortcuts_hostile_on.py",
    "tests/grading/test_platform_roundtrip.py",
    "postgres",
)


def _xdist_group(item) -> str:
    names = set(getattr(item, "fixturenames", ()))
    if "graded_class" in names:
        return "graded-class"
    if names & {"playwright_driver", "browser", "jupyter_lab"}:
        return "browser"
    if "postgres" in names:
        return "postgres"
    path = Path(str(item.path)).resolve()
    if _nbval_solution_cell(item):
        return "lesson-" + path.parent.name[:2]
    if path.parent == _NBRUN and path.name.startswith("test_nb_0"):
        return "lesson-" + path.name[len("test_nb_"):][:2]
    return path.relative_to(_ROOT).as_posix() if _ROOT in path.parents else path.as_posix()


def _xdist_rank(group: str) -> int:
    if group.startswith("lesson-"):
        return 0
    if group in _LONG_GROUPS:
        return 1 + _LONG_GROUPS.index(group)
    return 1 + len(_LONG_GROUPS)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    workerinput = getattr(config, "workerinput", None)
    folder = os.environ.get(_GROUPS_ENV)
    if workerinput is None or not folder:
        return
    import json

    groups = {item: _xdist_group(item) for item in items}
    order = {item: i for i, item in enumerate(items)}
    items.sort(key=lambda item: (_xdist_rank(groups[item]), not _nbval_solution_cell(item), order[item]))
    # nbval's solutions/ cells are moved first again by _ShareNbvalRuns: each group stays in order
    path = Path(folder) / f"{workerinput['workerid']}.json"
    part = path.with_name(path.name + ".part")
    part.write_text(json.dumps({item.nodeid: groups[item] for item in items}), encoding="utf-8")
    os.replace(part, path)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "load" or not os.environ.get(_GROUPS_ENV):
        return None  # an explicit --dist mode is xdist's
    import json

    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        """xdist's scheduling by scope, with the groups above as the scopes, in the order the
        workers collected them."""

        _groups = None

        def _split_scope(self, nodeid):
            if self._groups is None:
                files = sorted(Path(os.environ[_GROUPS_ENV]).glob("*.json"))
                self._groups = json.loads(files[0].read_text(encoding="utf-8")) if files else {}
            return self._groups.get(nodeid, nodeid)

    config.option.loadscopereorder = False
    return GroupScheduling(config, log)
