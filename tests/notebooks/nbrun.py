"""Execute a notebook in a fresh kernel and bring values back from it.

Each notebook of ``solutions/`` is executed once per test session and the result shared:
:func:`executed` gives the executed notebook (outputs in its cells), :func:`run_and_collect`
the values of its global variables, :func:`reference_records` the records of its hidden
tests. The one execution is nbval's (``solutions/`` is collected by nbval and run first in a
full run, see tests/conftest.py, which stores what nbval's kernel ends with in the session
cache), or, when a test file is run on its own, nbclient's here, stored the same way.

The cache is a folder named by ``L2REG_NB_CACHE`` (made and removed by tests/conftest.py),
keyed by the notebook's path and the SHA-256 of its bytes, so an edited notebook is executed
again. Without the variable (this module used outside pytest), an in-process cache is used.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import os
import pickle
import shutil
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell

from l2reg.checks import KEY_ENV

CACHE_ENV = "L2REG_NB_CACHE"

_COLLECT = """
import base64 as _b64, pickle as _pickle
print(_b64.b64encode(_pickle.dumps({_k: globals()[_k] for _k in %r})).decode())
"""

# Run in the kernel after the last cell: every global that pickles, each pickled on its own
# (so one that does not pickle, or does not unpickle in the test process, such as an object of
# a class the notebook defines, costs only itself), written to the file named.
DUMP = """
def _l2reg_dump(_path):
    import pickle as _pickle, types as _types
    _skip = (_types.ModuleType, _types.FunctionType, _types.BuiltinFunctionType, type)
    _out = {}
    for _k, _v in list(globals().items()):
        if _k.startswith("_") or _k in ("In", "Out", "exit", "quit", "get_ipython") or isinstance(_v, _skip):
            continue
        if type(_v).__module__.split(".")[0] in ("matplotlib", "ipywidgets", "IPython", "traitlets"):
            continue
        try:
            _out[_k] = _pickle.dumps(_v)
        except Exception:
            pass
    with open(_path, "wb") as _f:
        _pickle.dump(_out, _f)
_l2reg_dump(%r)
del _l2reg_dump
"""

_MEMORY: dict = {}


def cache_key(path, data: bytes | None = None) -> str:
    """The cache key of the notebook at ``path``: its resolved path and the hash of its bytes
    (``data``: the bytes that were executed, when the file may have changed since)."""
    path = Path(path).resolve()
    digest = hashlib.sha256(path.read_bytes() if data is None else data).hexdigest()[:20]
    return f"{path.parent.name}-{path.stem}-{digest}"


def cache_paths(path, data: bytes | None = None):
    """(executed notebook, globals dump) files of ``path`` in the session cache, or None
    when no cache folder is set."""
    folder = os.environ.get(CACHE_ENV)
    if not folder:
        return None
    key = cache_key(path, data)
    return Path(folder) / f"{key}.ipynb", Path(folder) / f"{key}.globals.pkl"


def store(path, nb, dump_file=None, data: bytes | None = None):
    """Put the executed notebook ``nb`` of ``path`` (and the globals dump written by
    :data:`DUMP` at ``dump_file``, if given) in the cache, under the key of ``data``, the
    bytes executed (by default the file's bytes now)."""
    paths = cache_paths(path, data)
    if paths is None:
        _MEMORY[cache_key(path, data)] = (nb, pickle.loads(Path(dump_file).read_bytes()) if dump_file else None)
        return
    # Two test processes share the folder: each file appears whole (written beside, then
    # renamed), the globals before the notebook, so a reader that finds the notebook finds both.
    if dump_file is not None and Path(dump_file) != paths[1]:
        part = paths[1].with_name(paths[1].name + f".{os.getpid()}.part")
        shutil.move(str(dump_file), str(part))
        os.replace(part, paths[1])
    part = paths[0].with_name(paths[0].name + f".{os.getpid()}.part")
    nbformat.write(nb, str(part))
    os.replace(part, paths[0])


@contextlib.contextmanager
def _one_at_a_time(path):
    """Held while this process executes ``path`` for the cache, so that the other test
    process, wanting the same notebook, waits for this run instead of starting its own."""
    paths = cache_paths(path)
    if paths is None:
        yield
        return
    with open(paths[0].with_name(paths[0].name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _cached(path):
    paths = cache_paths(path)
    if paths is None:
        return _MEMORY.get(cache_key(path), (None, None))
    nb = nbformat.read(str(paths[0]), as_version=4) if paths[0].exists() else None
    dump = pickle.loads(paths[1].read_bytes()) if paths[1].exists() else None
    return nb, dump


def _run(path, *, timeout, with_dump):
    """Execute ``path`` with nbclient in a new kernel (a temporary working folder, no answer
    key named in its environment: as the grader's reference run); store and return the
    executed notebook (without the dump cell)."""
    data = Path(path).read_bytes()  # the key is that of the bytes executed
    nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    saved = os.environ.pop(KEY_ENV, None)
    try:
        with tempfile.TemporaryDirectory() as cwd:
            dump_file = Path(cwd) / "globals.pkl"
            if with_dump:
                nb.cells.append(new_code_cell(DUMP % (str(dump_file),)))
            NotebookClient(nb, timeout=timeout, resources={"metadata": {"path": cwd}}).execute()
            if with_dump:
                nb.cells.pop()
            store(path, nb, dump_file if with_dump else None, data)
    finally:
        if saved is not None:
            os.environ[KEY_ENV] = saved
    return nb


def executed(path, *, timeout=300):
    """The notebook at ``path`` executed top to bottom (once per session, see the module
    docstring); raises nbclient's CellExecutionError if a cell fails. Do not change it."""
    nb, _ = _cached(path)
    if nb is not None:
        return nb
    with _one_at_a_time(path):
        nb, _ = _cached(path)  # the other process may have run it meanwhile
        return nb if nb is not None else _run(path, timeout=timeout, with_dump=True)


def execute(path, *, timeout=300, allow_errors=False):
    """Run every cell of the notebook at ``path`` in a new kernel; return the notebook.
    (Never cached: for notebooks that are not the lesson sources, or errors allowed.)"""
    nb = nbformat.read(str(path), as_version=4)
    with tempfile.TemporaryDirectory() as cwd:
        NotebookClient(nb, timeout=timeout, allow_errors=allow_errors,
                       resources={"metadata": {"path": cwd}}).execute()
    return nb


def run_and_collect(path, names, *, timeout=300) -> dict:
    """The global variables ``names`` the notebook at ``path`` ends with.

    From the session's one execution of the notebook when it pickled them all; otherwise
    the notebook is run again here with a cell that pickles exactly those names (a name
    that is not defined, or does not pickle, then fails here with the kernel's error)."""
    names = list(names)
    _, dump = _cached(path)
    if dump is None:
        with _one_at_a_time(path):
            _, dump = _cached(path)
            if dump is None:
                _run(path, timeout=timeout, with_dump=True)
                _, dump = _cached(path)
    if dump is not None and all(n in dump for n in names):
        try:
            return {n: pickle.loads(dump[n]) for n in names}
        except Exception:  # noqa: BLE001 - e.g. a class the notebook defined: collect directly
            pass
    nb = nbformat.read(str(path), as_version=4)
    nb.cells.append(new_code_cell(_COLLECT % (names,)))
    with tempfile.TemporaryDirectory() as cwd:
        NotebookClient(nb, timeout=timeout, resources={"metadata": {"path": cwd}}).execute()
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    return pickle.loads(base64.b64decode(text.strip()))


def reference_records(lesson: str, *, timeout=300) -> dict:
    """What :func:`l2reg.grading.answers.reference_records` returns for ``lesson`` (the
    records of its instructor notebook by graded cell), from the session's one execution;
    fails if two records share a key."""
    from l2reg.grading.answers import records_by_cell

    by_cell = records_by_cell(executed(source_notebook(lesson), timeout=timeout))
    keys = [rec["key"] for recs in by_cell.values() for rec in recs]
    assert len(keys) == len(set(keys)), f"{lesson}: record keys repeat: {sorted(keys)}"
    return by_cell


def errors(nb) -> list[tuple[int, str, str]]:
    """(cell index, exception name, value) for each error output of an executed notebook."""
    found = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                found.append((i, out.ename, out.evalue))
    return found


ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
LESSONS = ROOT / "lessons"


def lesson_names() -> list[str]:
    """The lessons of the course: the folders of solutions/."""
    return sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir() and not p.name.startswith("."))


def notebooks(folder: Path) -> list[Path]:
    return sorted(p for p in Path(folder).rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def source_notebook(lesson: str) -> Path:
    """The one instructor notebook of a lesson."""
    (path,) = notebooks(SOLUTIONS / lesson)
    return path


def lesson_notebook(lesson: str) -> Path:
    """The student notebook generated for a lesson."""
    return LESSONS / lesson / source_notebook(lesson).name
