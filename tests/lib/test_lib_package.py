"""The package surface: exports, version, import hygiene, docstrings."""

import importlib
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


def _design_api_block():
    """The code block of docs/design.md section 4 (the public API), and the prose after it."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "design.md").read_text(encoding="utf-8")
    section = text.split("## 4. Public API", 1)[1].split("\n## ", 1)[0]
    block = section.split("```", 2)[1]
    return block, section.split("```", 2)[2]


def test_design_page_lists_the_public_api_as_the_code_has_it():
    """docs/design.md section 4 names every entry of l2reg.__all__, no other, with its real
    parameters and defaults; and the public submodules' names it lists are their __all__."""
    import ast
    import re

    block, prose = _design_api_block()
    calls = re.findall(r"\b([A-Za-z_]\w*)\(([^()]*(?:\([^()]*\)[^()]*)*)\)", block)
    documented = {name: params for name, params in calls if name in l2reg.__all__}
    assert set(documented) == set(l2reg.__all__)
    for name, params in documented.items():
        sig = inspect.signature(getattr(l2reg, name))
        parts = [p.strip() for p in re.split(r",\s*(?![^()]*\))", params) if p.strip()]
        assert [p.split("=")[0] for p in parts] == list(sig.parameters), name
        for part in parts:
            if "=" in part:
                param, default = part.split("=", 1)
                assert ast.literal_eval(default) == sig.parameters[param].default, (name, param)
    for module in (importlib.import_module("l2reg.network"), importlib.import_module("l2reg.practice")):
        listed = prose.split(f"`{module.__name__}` (", 1)[1].split(")", 1)[0]
        names = {n.strip() for n in listed.replace("lesson 08:", "").replace("\n", " ").split(",")}
        assert names == {n for n in module.__all__ if callable(getattr(module, n))}, module.__name__
