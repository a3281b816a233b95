"""The library-call check (grading/integrity.py) on small sources: every evasion it claims
to see, what it must not flag, hostile cells, the declarations of every lesson, and the
policies. Milliseconds each: nothing here runs a notebook."""

from __future__ import annotations

import glob
import time

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from l2reg.grading import integrity as I
from l2reg.grading.integrity import Cell, check_cells, library_index
from l2reg.grading.outcome import Result, Status

LIB = library_index()
# the lesson's own import cell (lesson 01 imports ridge_fit this way)
OFFICIAL = Cell("official", None, "import numpy as np\nfrom l2reg import ridge_fit, ridge_loss\n"
                                  "from l2reg import plotting, widgets")


def found(src, forbid=("ridge_fit",), before=(), after=()):
    cells = [OFFICIAL, *before, Cell("answer", "ex", src), *after]
    return [f.text for f in check_cells(cells, {"ex": list(forbid)}, LIB)]


EVASIONS = {
    "the lesson's own import": ("def f(X, y):\n    return ridge_fit(X, y, 1.0)[0]", "l2reg.ridge_fit"),
    "from import": ("from l2reg import ridge_fit\n", "l2reg.ridge_fit"),
    "from import alias": ("from l2reg import ridge_fit as rf\ndef f(X, y):\n    return rf(X, y, 1)", "l2reg.ridge_fit"),
    "module alias": ("import l2reg as L\nL.ridge_fit(1)", "l2reg.ridge_fit"),
    "submodule": ("from l2reg.ridge import ridge_fit\n", "l2reg.ridge.ridge_fit"),
    "submodule alias": ("import l2reg.ridge as r\nr.ridge_fit", "l2reg.ridge.ridge_fit"),
    "dotted import": ("import l2reg.ridge\nl2reg.ridge.ridge_fit(1)", "l2reg.ridge.ridge_fit"),
    "module of a module": ("from l2reg import ridge\nridge.ridge_fit", "l2reg.ridge.ridge_fit"),
    "name reassigned": ("import l2reg\nf = l2reg.ridge_fit\ng = f\n", "l2reg.ridge_fit"),
    "tuple assignment": ("import l2reg\na, b = 1, l2reg.ridge_fit", "l2reg.ridge_fit"),
    "getattr constant": ("import l2reg\ngetattr(l2reg, 'ridge_fit')", "l2reg.ridge_fit"),
    "getattr concatenated": ("import l2reg\ngetattr(l2reg, 'ridge' + '_' + 'fit')", "l2reg.ridge_fit"),
    "getattr variable": ("import l2reg\nn = 'ridge'\nn += '_fit'\ngetattr(l2reg, n)", "l2reg.ridge_fit"),
    "getattr f-string": ("import l2reg\np = 'ridge'\ngetattr(l2reg, f'{p}_fit')", "l2reg.ridge_fit"),
    "getattr join": ("import l2reg\ngetattr(l2reg, '_'.join(['ridge', 'fit']))", "l2reg.ridge_fit"),
    "getattr reversed slice": ("import l2reg\ngetattr(l2reg, 'tif_egdir'[::-1])", "l2reg.ridge_fit"),
    "getattr reversed()": ("import l2reg\ngetattr(l2reg, ''.join(reversed('tif_egdir')))", "l2reg.ridge_fit"),
    "getattr percent format": ("import l2reg\ngetattr(l2reg, '%s_fit' % 'ridge')", "l2reg.ridge_fit"),
    "getattr str.format": ("import l2reg\ngetattr(l2reg, '{}_{}'.format('ridge', 'fit'))", "l2reg.ridge_fit"),
    "getattr upper/lower": ("import l2reg\ngetattr(l2reg, 'RIDGE_FIT'.lower())", "l2reg.ridge_fit"),
    "getattr chr": ("import l2reg\ngetattr(l2reg, chr(114) + 'idge_fit')", "l2reg.ridge_fit"),
    "getattr base64": ("import base64, l2reg\ngetattr(l2reg, base64.b64decode('cmlkZ2VfZml0').decode())",
                       "l2reg.ridge_fit"),
    "getattr rot13": ("import codecs, l2reg\ngetattr(l2reg, codecs.decode('evqtr_svg', 'rot13'))", "l2reg.ridge_fit"),
    "__getattribute__": ("import l2reg\nl2reg.__getattribute__('ridge_fit')", "l2reg.ridge_fit"),
    "__import__": ("__import__('l2reg').ridge_fit", "l2reg.ridge_fit"),
    "__import__ submodule": ("__import__('l2reg.ridge', fromlist=['x']).ridge_fit", "l2reg.ridge_fit"),
    "builtins.__import__": ("import builtins\nbuiltins.__import__('l2reg').ridge_fit", "l2reg.ridge_fit"),
    "importlib": ("import importlib\nimportlib.import_module('l2reg').ridge_fit", "l2reg.ridge_fit"),
    "importlib from-import": ("from importlib import import_module as im\nim('l2reg.ridge').ridge_fit",
                              "l2reg.ridge.ridge_fit"),
    "sys.modules": ("import sys\nsys.modules['l2reg'].ridge_fit", "l2reg.ridge_fit"),
    "sys.modules.get": ("import sys\nsys.modules.get('l2reg').ridge_fit", "l2reg.ridge_fit"),
    "vars()": ("import l2reg\nvars(l2reg)['ridge_fit']", "l2reg.ridge_fit"),
    "__dict__": ("import l2reg\nl2reg.__dict__['ridge_fit']", "l2reg.ridge_fit"),
    "globals()": ("globals()['ridge_fit'](1)", "l2reg.ridge_fit"),
    "function __globals__": ("from l2reg import l2_penalty\nl2_penalty.__globals__['ridge_loss']",
                             "l2reg.penalty.ridge_loss", ("ridge_loss",)),
    "operator.attrgetter": ("import operator, l2reg\noperator.attrgetter('ridge_fit')(l2reg)", "l2reg.ridge_fit"),
    "star import": ("from l2reg import *\ndef f(X, y):\n    return ridge_fit(X, y, 1)", "l2reg.ridge_fit"),
    "star import of a submodule": ("from l2reg.ridge import *\nridge_fit", "l2reg.ridge.ridge_fit"),
    "eval of a constant": ("eval('ridge' + '_fit')(1)", "l2reg.ridge_fit"),
    "exec of a constant": ("exec('import l2reg as m; m.ridge_fit')", "l2reg.ridge_fit"),
    "exec in exec": ("exec(\"exec('ridge_fit')\")", "l2reg.ridge_fit"),
    "compile": ("compile('ridge_fit', 'x', 'eval')", "l2reg.ridge_fit"),
    "line magic": ("%timeit -n 1 -r 1 ridge_fit(X, y, 1)", "l2reg.ridge_fit"),
    "cell magic": ("%%time\nw = ridge_fit(X, y, 1)", "l2reg.ridge_fit"),
    "get_ipython().run_cell": ("get_ipython().run_cell('ridge_fit')", "l2reg.ridge_fit"),
    "import inside the function": ("def f(X, y):\n    from l2reg import ridge_fit as g\n    return g(X, y, 1)",
                                   "l2reg.ridge_fit"),
    "default argument": ("import l2reg\ndef f(X, y, g=l2reg.ridge_fit):\n    return g(X, y, 1)", "l2reg.ridge_fit"),
    "lambda": ("f = lambda X, y: ridge_fit(X, y, 1)", "l2reg.ridge_fit"),
    "walrus": ("import l2reg\n(g := l2reg.ridge_fit)", "l2reg.ridge_fit"),
    "re-export through another module": ("from l2reg.practice import ridge_fit", "l2reg.practice.ridge_fit"),
    "library caller": ("from l2reg.demos import PolynomialRidge",
                       "l2reg.demos.PolynomialRidge (which calls l2reg.ridge_fit)"),
    "private part": ("from l2reg.ridge import _ridge_solve", "l2reg.ridge._ridge_solve (part of l2reg.ridge_fit)"),
    # review H10: names kept in a list or tuple, importlib's own __import__
    "getattr join of a list variable": ("import l2reg\nparts = ['ridge', '_fit']\ngetattr(l2reg, ''.join(parts))",
                                        "l2reg.ridge_fit"),
    "getattr join of a tuple variable": ("import l2reg\nparts = 'ridge', 'fit'\ngetattr(l2reg, '_'.join(parts))",
                                         "l2reg.ridge_fit"),
    "importlib.__import__": ("import importlib\nimportlib.__import__('l2reg').ridge_fit", "l2reg.ridge_fit"),
    # a rebinding that may not happen leaves the library's name in place
    "rebound only in an if": ("if X is None:\n    ridge_fit = None\nridge_fit(X, y, 1)", "l2reg.ridge_fit"),
    "rebound by a loop that may not run": ("for ridge_fit in []:\n    pass\nridge_fit(X, y, 1)", "l2reg.ridge_fit"),
    "rebound in one branch only": ("if X is None:\n    ridge_fit = None\nelse:\n    pass\nridge_fit(X, y, 1)",
                                   "l2reg.ridge_fit"),
    "a loop over the library": ("import l2reg\nfor g in [l2reg.ridge_fit]:\n    g(X, y, 1)", "l2reg.ridge_fit"),
    "a with over the library": ("import l2reg\nwith l2reg.ridge_fit as g:\n    pass", "l2reg.ridge_fit"),
    "a loop variable bound to the module": ("import l2reg\nfor r in [l2reg]:\n    r.ridge_fit", "l2reg.ridge_fit"),
    "a loop over a list of names": ("import l2reg\nnames = ['ridge_fit']\nfor n in names:\n    g = getattr(l2reg, n)",
                                    "l2reg.ridge_fit"),
    # a comprehension's variable does not leak; a walrus in one branch may not run
    "a comprehension variable does not rebind": ("_ = [0 for ridge_fit in [1]]\nridge_fit(X, y, 1)", "l2reg.ridge_fit"),
    # the library's module passed into the student's own function or lambda
    "a module passed into a lambda": ("(lambda m: m.ridge_fit)(__import__('l2reg'))", "l2reg.ridge_fit"),
    "a module and a name passed into a function": ("import l2reg\ndef get(m, n):\n    return getattr(m, n)\n"
                                                   "def f(X, y):\n    return get(l2reg, 'ridge_fit')(X, y, 1)",
                                                   "l2reg.ridge_fit"),
    "a module passed by keyword": ("import l2reg\ng = lambda mod: mod.ridge_fit\ng(mod=l2reg)", "l2reg.ridge_fit"),
    "a walrus in one branch": ("x = (ridge_fit := None) if X is None else 0\nridge_fit(X, y, 1)", "l2reg.ridge_fit"),
}


@pytest.mark.parametrize("name", list(EVASIONS))
def test_each_evasion_is_seen(name):
    src, expected, *forbid = EVASIONS[name]
    assert found(src, *forbid) == [f"ex uses {expected}"]


def test_uses_through_cells_the_student_added():
    helper = Cell("added", None, "def helper(X, y):\n    return ridge_fit(X, y, 1.0)")
    assert found("def f(X, y):\n    return helper(X, y)", before=[helper]) == ["ex uses l2reg.ridge_fit"]
    value = Cell("added", None, "W = ridge_fit(X_train, y_train, 0.1)")
    assert found("def f(X, y):\n    return W", before=[value]) == ["ex uses l2reg.ridge_fit"]
    chain = [Cell("added", None, "def a(X):\n    return ridge_fit(X, 1, 1)"), Cell("added", None, "def b(X):\n    return a(X)")]
    assert found("def f(X):\n    return b(X)", before=chain) == ["ex uses l2reg.ridge_fit"]
    setter = Cell("added", None, "def setup():\n    global g\n    import l2reg\n    g = l2reg.ridge_fit")
    assert found("def f(X):\n    return g(X)", before=[setter]) == ["ex uses l2reg.ridge_fit"]
    # an added cell that uses it but that the answer never refers to is not the answer's use
    assert found("def f(X, y):\n    return X", before=[value]) == []


def test_a_library_function_the_student_passes_to_the_answer_elsewhere_is_not_the_answers_use():
    # a higher-order answer (it takes the fit function) tried in the student's own cell with the
    # library's: the answer itself never names it
    trial = Cell("added", None, "cv(ridge_fit, X, y)")
    assert found("def cv(fit, X, y):\n    return fit(X, y, 1)", after=[trial]) == []


def test_uses_through_another_answer():
    other = Cell("answer", "ex_other", "def mine(X, y):\n    return ridge_fit(X, y, 1)")
    cells = [OFFICIAL, other, Cell("answer", "ex", "def f(X, y):\n    return mine(X, y)")]
    got = check_cells(cells, {"ex": ["ridge_fit"]}, LIB)
    assert [f.text for f in got] == ["ex uses l2reg.ridge_fit"]


NOT_USES = {
    "honest": "def f(X, y, lam):\n    n, p = X.shape\n    return np.linalg.solve(X.T @ X + n * lam * np.eye(p), X.T @ y)",
    "an allowed library function": "def f(w, X, y, lam):\n    return ridge_loss(w, X, y, lam)",
    "a parameter of the same name": "def f(ridge_fit):\n    return ridge_fit(1)",
    "a local of the same name": "def f(X):\n    ridge_fit = np.eye\n    return ridge_fit(3)",
    "rebound at top level": "ridge_fit = lambda *a: 0\nridge_fit(1)",
    "the name in a string": "print('do not call ridge_fit here')",
    "the name in a comment": "# ridge_fit(X, y, lam) would do it\nx = 1",
    "an unknown attribute": "import l2reg\nl2reg.ridge_fit_mine",
    "getattr of a computed string": "import l2reg\ngetattr(l2reg, input())",
    "a cell that does not parse": "def f(:\n    return ridge_fit(X, y, 1)",
    # review H10: an honest student's own names that happen to be the library's, at top level
    "a name imported from another library": "from numpy.linalg import solve as ridge_fit\nridge_fit(np.eye(2), np.ones(2))",
    "a loop variable of the same name": "for ridge_fit in range(3):\n    print(ridge_fit)",
    "a with target of the same name": "import contextlib\nwith contextlib.nullcontext(1) as ridge_fit:\n    print(ridge_fit)",
    "a comprehension variable of the same name": "print([ridge_fit * 2 for ridge_fit in range(3)])",
    "an exception name": "try:\n    pass\nexcept Exception as ridge_fit:\n    print(ridge_fit)",
    "an exception name in a function": "def f():\n    try:\n        pass\n    except Exception as ridge_fit:\n"
                                       "        print(ridge_fit)",
    "both branches rebind it": "if X.shape[0] > 10:\n    ridge_fit = 0.1\nelse:\n    ridge_fit = 1.0\nprint(ridge_fit)",
    "a walrus of the same name": "(ridge_fit := 3)\nprint(ridge_fit)",
    "a docstring naming it": "def f(X, y):\n    \"\"\"Like l2reg.ridge_fit(X, y, lam), by hand.\"\"\"\n    return X",
    "its own function of the same name": "def ridge_fit(X, y, lam):\n    return X\ndef f(X, y):\n    return ridge_fit(X, y, 1)",
}


@pytest.mark.parametrize("name", list(NOT_USES))
def test_not_a_use(name):
    assert found(NOT_USES[name]) == []


def test_the_lessons_own_cells_never_count():
    # the official cells use ridge_fit themselves (demos, hidden tests): that is no answer's use
    official = Cell("official", "test_ex", "w = ridge_fit(X, y, 1.0)\nassert w is not None")
    assert found("x = 1", after=[official]) == []


def test_only_declared_cells_are_checked():
    cells = [OFFICIAL, Cell("answer", "ex_free", "ridge_fit(1)"), Cell("answer", "ex", "y = 2")]
    assert check_cells(cells, {"ex": ["ridge_fit"]}, LIB) == []
    assert check_cells(cells, {}, LIB) == []


HOSTILE = {
    "a long attribute chain": "x" + ".a" * 60_000,
    "deeply nested brackets": "(" * 5_000 + ")" * 5_000,
    "a long concatenation": "+".join(["'a'"] * 60_000),
    "a huge repeat": "import l2reg\ngetattr(l2reg, 'ab' * 10**9)",
    "many functions": "\n".join(f"def f{i}(x):\n    return g{i}(x)" for i in range(3_000)),
    "nested lambdas": "f = " + "lambda: " * 2_000 + "0",
    "a doubling string": "n = 'a'\n" + "n += n\n" * 200 + "import l2reg\ngetattr(l2reg, n)",
    "a lone surrogate": "x = '\udcff'\nridge_fit",
    "a NUL byte": "x = 1\0\nridge_fit",
    "exec nested deep": "exec(" * 50 + "'x'" + ")" * 50,
    "a huge magic": "%timeit " + "x" * 150_000,
    # review H10: the scopes of loops and comprehensions, lists of strings
    "many loops in a function with many names": "def f():\n" + "".join(f"    v{i} = {i}\n" for i in range(3_000))
                                                + "".join(f"    w{i} = [a for a in v{i}]\n" for i in range(3_000)),
    "many with statements": "\n".join(f"with a as b{i}:\n    pass" for i in range(10_000)),
    "deeply nested comprehensions": "x = " + "[" * 300 + "0" + " for a in b]" * 300,
    "many calls of one function": "def f(a):\n    return getattr(a, a)\n" + "f('x' + 'y')\n" * 15_000,
    "many functions each called": "".join(f"def f{i}(a):\n    return a + a\nf{i}('ab')\n" for i in range(5_000)),
    "a long list of strings joined": "import l2reg\np = [" + ",".join(["'a'"] * 60_000) + "]\ngetattr(l2reg, ''.join(p))",
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_cells_neither_crash_nor_hang(name):
    t = time.process_time()
    assert found(HOSTILE[name][: 200_000]) == []  # cut to the grader's cap, as restore.build does
    # the bound is the submission's budget (charged by the caller); this only guards against a
    # quadratic blow-up, at ~100 times what a laptop takes
    assert time.process_time() - t < 60


def test_a_use_after_hostile_padding_is_still_seen():
    pad = "\n".join(f"v{i} = {i}" for i in range(20_000))
    assert found(pad + "\nimport l2reg\nl2reg.ridge_fit") == ["ex uses l2reg.ridge_fit"]


def source_cells(nb):
    cells = []
    for c in nb.cells:
        if c.cell_type == "code":
            m = c.metadata.get("nbgrader", {})
            cells.append(Cell("answer" if m.get("solution") else "official", m.get("grade_id"), c.source))
    return cells


SOURCES = sorted(glob.glob("solutions/*/*.ipynb"))


@pytest.mark.parametrize("path", SOURCES)
def test_each_lessons_declarations_name_library_functions_and_pass_the_reference(path):
    nb = nbformat.read(path, as_version=4)
    forbids = I.declared(nb)
    for gid, names in forbids.items():
        for n in names:
            assert LIB.named(n), f"{path}: {gid} forbids {n!r}, which the library does not define"
    # the instructor's own solution uses none of what it forbids
    assert check_cells(source_cells(nb), forbids, LIB) == []


@pytest.mark.parametrize("path", SOURCES)
def test_every_exercise_with_a_library_implementation_declares_it(path):
    forbids = I.declared(nbformat.read(path, as_version=4))
    exercises = [g for g in forbids if g.startswith("ex_")]
    assert exercises, f"{path}: no exercise declares the library functions it must not use"


def test_ridge_fit_in_an_answer_of_lesson_01_is_flagged_and_each_forbidden_name_is():
    nb = nbformat.read("solutions/01_penalty/penalty.ipynb", as_version=4)
    forbids = I.declared(nb)
    assert "ridge_fit" in forbids["ex_closed_form"]
    for name in forbids["ex_closed_form"]:
        cells = [Cell("answer" if c.grade_id == "ex_closed_form" else c.origin, c.grade_id,
                      f"import l2reg\ndef ridge_closed_form(X, y, lam):\n    return l2reg.{name}"
                      if c.grade_id == "ex_closed_form" else c.source) for c in source_cells(nb)]
        got = [f.text for f in check_cells(cells, forbids, LIB)]
        assert got == [f"ex_closed_form uses l2reg.{name}"], (name, got)


def test_declarations_come_from_solution_cells_only():
    nb = new_notebook(cells=[
        new_code_cell("x", metadata={"nbgrader": {"grade_id": "a", "solution": True}, "l2reg": {"forbid": ["ridge_fit"]}}),
        new_code_cell("y", metadata={"nbgrader": {"grade_id": "t", "grade": True, "points": 1},
                                     "l2reg": {"forbid": ["x"]}}),
        new_code_cell("z", metadata={"nbgrader": {"grade_id": "t2", "grade": True, "points": 1}}),
        new_code_cell("w", metadata={"nbgrader": {"grade_id": "b", "solution": True}}),
        new_code_cell("v", metadata={"nbgrader": {"grade_id": "t3", "grade": True, "points": 1}}),
    ])
    assert I.declared(nb) == {"a": ["ridge_fit"]}
    assert I.answer_tests(nb) == {"a": ["t", "t2"], "b": ["t3"]}


def test_notebook_cells_reads_the_origins_restore_writes():
    nb = new_notebook(cells=[
        new_code_cell("from l2reg import ridge_fit", metadata={"l2reg": {"origin": "official"}}),
        new_code_cell("ridge_fit(1)", metadata={"l2reg": {"origin": "answer"}, "nbgrader": {"grade_id": "ex"}}),
    ])
    assert [f.text for f in I.check_notebook(nb, {"ex": ["ridge_fit"]}, LIB)] == ["ex uses l2reg.ridge_fit"]


def result():
    r = Result("s1")
    r.cells = {"t1": {"score": 2.0, "points": 2.0, "passed": True, "why": None},
               "t2": {"score": 1.0, "points": 1.0, "passed": True, "why": None}}
    r.score = 3.0
    return r


def test_policy_flag_keeps_the_score():
    r = result()
    I.apply(r, [I.Finding("ex", "l2reg.ridge_fit")], "flag", {"ex": ["t1"]})
    assert (r.status, r.score, r.status_text) == (Status.FLAGGED, 3.0, "flagged: ex uses l2reg.ridge_fit")


def test_policy_zero_zeroes_that_answers_tests_only():
    r = result()
    I.apply(r, [I.Finding("ex", "l2reg.ridge_fit")], "zero", {"ex": ["t1"]})
    assert (r.status, r.score, r.cells["t1"]["score"], r.cells["t2"]["score"]) == (Status.FLAGGED, 1.0, 0.0, 1.0)
    assert "--library-calls zero" in r.cells["t1"]["why"]


def test_a_flag_is_added_to_earlier_flags_and_a_failure_stays_a_failure():
    r = result().flag("test cell t1 edited")
    I.apply(r, [I.Finding("ex", "l2reg.ridge_fit")], "flag", {})
    assert r.status_text == "flagged: test cell t1 edited; ex uses l2reg.ridge_fit"
    r = result().fail("the kernel crashed")
    I.apply(r, [I.Finding("ex", "l2reg.ridge_fit")], "flag", {})
    assert r.status is Status.FAILED and any("ex uses l2reg.ridge_fit" in n for n in r.notes)


def test_no_findings_change_nothing():
    r = result()
    I.apply(r, [], "zero", {"ex": ["t1"]})
    assert (r.status, r.score, r.notes) == (Status.GRADED, 3.0, [])


def test_augmented_strings_of_different_names_do_not_mix():
    # each `+=` is folded on its own name (temporary nodes are not memoized by id)
    src = "import l2reg\nn = 'ridge'\nn += '_fit'\nm = 'x'\nm += 'y'\nm += 'z'\ngetattr(l2reg, m)"
    assert found(src) == []
    assert found(src.replace("getattr(l2reg, m)", "getattr(l2reg, n)")) == ["ex uses l2reg.ridge_fit"]


def test_ridge_kfold_errors_in_the_kfold_answer_of_lesson_05_is_flagged_and_each_forbidden_name_is():
    """A student calling the library's k-fold (or leave-one-out) helper instead of writing the folds,
    imported in any of the usual ways, is flagged as lesson 01's ridge_fit is."""
    nb = nbformat.read("solutions/05_choosing_lambda/choosing_lambda.ipynb", as_version=4)
    forbids = I.declared(nb)
    assert set(forbids["ex_kfold"]) >= {"ridge_kfold_errors", "ridge_loo_errors"}
    head = "def kfold_cv_errors(X, y, lams, k):\n    return "
    for name in forbids["ex_kfold"]:
        for answer, used in ((f"import l2reg\n{head}l2reg.{name}(X, y, lams)", f"l2reg.{name}"),
                             (f"from l2reg import {name}\n{head}{name}(X, y, lams)", f"l2reg.{name}"),
                             (f"from l2reg.ridge import {name} as f\n{head}f(X, y, lams)", f"l2reg.ridge.{name}")):
            cells = [Cell("answer" if c.grade_id == "ex_kfold" else c.origin, c.grade_id,
                          answer if c.grade_id == "ex_kfold" else c.source) for c in source_cells(nb)]
            got = [f.text for f in check_cells(cells, forbids, LIB)]
            assert got == [f"ex_kfold uses {used}"], (answer, got)
