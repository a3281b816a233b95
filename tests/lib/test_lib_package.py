"""The package surface: exports, version, import hygiene, docstrings."""

import importlib.metadata
import inspect
import subprocess
import sys

import pytest

import l2reg

PUBLIC = [
    "l2_penalty",
    "ridge_loss",
    "ridge_gradient",
    "numerical_gradient",
    "decay_factor",
    "ridge_fit",
    "ridge_path",
]


def test_exports_and_version():
    assert set(PUBLIC) <= set(l2reg.__all__)
    for name in l2reg.__all__:
        assert hasattr(l2reg, name), name
    assert l2reg.__version__ == "0.1.0"
    assert importlib.metadata.version("l2reg") == l2reg.__version__


def test_import_loads_no_heavy_dependency():
    code = (
        "import sys, l2reg\n"
        "heavy = ['matplotlib', 'ipywidgets', 'nbgrader', 'sklearn', 'scipy', 'IPython', 'torch']\n"
        "loaded = [m for m in heavy if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


@pytest.mark.parametrize("name", l2reg.__all__)
def test_numpydoc_sections(name):
    obj = getattr(l2reg, name)
    doc = inspect.getdoc(obj)
    # classes document their constructor; functions also what they return
    sections = ("Parameters", "Raises", "Examples") if inspect.isclass(obj) else ("Parameters", "Returns", "Raises", "Examples")
    for section in sections:
        assert f"\n{section}\n{'-' * len(section)}\n" in doc, (name, section)
    assert ">>> " in doc.split("Examples", 1)[1]
    # every parameter is documented
    for param in inspect.signature(getattr(l2reg, name)).parameters:
        assert f"\n{param} :" in doc or f"\n{param}," in doc, (name, param)
