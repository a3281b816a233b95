"""nbrun executes a notebook once per session and serves every later request from that run."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

import nbrun


@pytest.fixture
def counted(monkeypatch, tmp_path):
    """A private cache folder, and a count of the kernels nbrun starts."""
    monkeypatch.setenv(nbrun.CACHE_ENV, str(tmp_path / "cache"))
    (tmp_path / "cache").mkdir()
    runs = []

    class Client(nbrun.NotebookClient):
        def execute(self, *a, **k):
            runs.append(len(self.nb.cells))
            return super().execute(*a, **k)

    monkeypatch.setattr(nbrun, "NotebookClient", Client)
    return runs


def _write(path, *sources):
    nb = new_notebook(cells=[new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))
    return path


def test_one_execution_serves_the_notebook_and_its_globals(counted, tmp_path):
    path = _write(tmp_path / "nb.ipynb", "x = 3\nprint('hello')", "import numpy as np\na = np.arange(4) * x",
                  "f = lambda: 1\n_private = 5")
    nb = nbrun.executed(path)
    assert counted == [4]  # the three cells and the dump cell, once
    assert len(nb.cells) == 3 and nb.cells[0].outputs[0]["text"] == "hello\n"
    got = nbrun.run_and_collect(path, ["x", "a"])
    assert got["x"] == 3 and got["a"].tolist() == [0, 3, 6, 9]
    assert nbrun.executed(path).cells[0].outputs == nb.cells[0].outputs
    assert counted == [4]  # still one kernel
    # a name the dump leaves out (private, or a function) is collected by a run of its own
    assert nbrun.run_and_collect(path, ["_private"]) == {"_private": 5}
    assert counted == [4, 4]


def test_an_edited_notebook_is_executed_again(counted, tmp_path):
    path = _write(tmp_path / "nb.ipynb", "x = 1")
    assert nbrun.run_and_collect(path, ["x"]) == {"x": 1}
    _write(path, "x = 2")
    assert nbrun.run_and_collect(path, ["x"]) == {"x": 2}
    assert counted == [2, 2]


def test_a_failing_notebook_raises_and_is_not_cached(counted, tmp_path):
    from nbclient.exceptions import CellExecutionError

    path = _write(tmp_path / "nb.ipynb", "raise ValueError('boom')")
    for _ in range(2):
        with pytest.raises(CellExecutionError, match="boom"):
            nbrun.executed(path)
    assert counted == [2, 2]
    assert nbrun.errors(nbrun.execute(path, allow_errors=True)) == [(0, "ValueError", "boom")]
