"""Execute a notebook in a fresh kernel and bring values back from it."""

from __future__ import annotations

import base64
import pickle
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell

_COLLECT = """
import base64 as _b64, pickle as _pickle
print(_b64.b64encode(_pickle.dumps({_k: globals()[_k] for _k in %r})).decode())
"""


def execute(path, *, timeout=300, allow_errors=False):
    """Run every cell of the notebook at ``path`` in a new kernel; return the notebook."""
    nb = nbformat.read(str(path), as_version=4)
    with tempfile.TemporaryDirectory() as cwd:
        NotebookClient(nb, timeout=timeout, allow_errors=allow_errors,
                       resources={"metadata": {"path": cwd}}).execute()
    return nb


def run_and_collect(path, names, *, timeout=300) -> dict:
    """Run the notebook at ``path``, then return the global variables ``names`` from its kernel."""
    nb = nbformat.read(str(path), as_version=4)
    nb.cells.append(new_code_cell(_COLLECT % (list(names),)))
    with tempfile.TemporaryDirectory() as cwd:
        NotebookClient(nb, timeout=timeout, resources={"metadata": {"path": cwd}}).execute()
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    return pickle.loads(base64.b64decode(text.strip()))


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
