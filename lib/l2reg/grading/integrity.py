"""Answers that call the library: a static check of each submission's answer cells.

A source notebook declares, on an answer cell, the ``l2reg`` names that answer must not
use: ``metadata.l2reg.forbid = ["ridge_fit", ...]`` (docs/design.md section 7). The
declarations are read from the trusted source notebook only, never from a submission.
After a submission is rebuilt (:mod:`.restore`), :func:`check_notebook` reads the code of
the notebook that ran, parses it with :mod:`ast` in the grader (nothing of it is ever
executed here) and reports each answer cell that reaches a forbidden name.

What is seen, statically, in notebook order (the lesson's own cells included, since they
import names the answers may use): ``import l2reg``, ``import l2reg.ridge as r``,
``from l2reg import x as y``, ``from l2reg.ridge import x``, star imports, assignments of
any of these to other names, attribute chains, ``getattr``, ``__import__``,
``importlib.import_module``, ``sys.modules[...]``, ``vars(m)``/``m.__dict__``/
``globals()`` subscripts, ``operator.attrgetter``, strings built from constants (``+``,
``*``, f-strings, ``join``, slices, ``reversed``, ``chr``, common ``str`` methods,
base64 and rot13), the code inside ``exec``/``eval``/``compile`` of such strings and
inside IPython magics (``%timeit ridge_fit(...)``), the module, names or ``getattr``
passed into the student's own function or lambda (``(lambda m: m.ridge_fit)(l2reg)``),
helper functions or values defined in cells the student added or in other answers, and
library functions that call a
forbidden one (``l2reg.demos.PolynomialRidge`` uses ``ridge_fit``) or are its private
parts (``l2reg.ridge._ridge_solve``), from a static index of the library's own source.

What cannot be seen: code built at run time from values that are not constants (input,
files, arithmetic on character codes, data from the hidden tests), ``exec`` of such code,
objects reached through the interpreter's internals (frames, ``gc``, ``__subclasses__``),
names picked at run time from the module's own listing (``dir(l2reg)``,
``vars(l2reg).items()``, ``inspect.getmembers``), modules passed into a student's function
other than by a plain call of its name (a method, ``map``, a decorator), strings built by
generators or ``map``,
``operator.methodcaller``, pickled or marshalled code, and other libraries that solve the
same problem (scikit-learn's ``Ridge``). A cell that does not parse is no use (it cannot
run either).

A statement replaces a name's meaning only when it surely rebinds it (an assignment, an
import, a definition, both branches of an ``if``, a ``with`` target, a walrus statement:
:func:`.integrity_eval.definite`); a rebinding that may not happen (a loop's, one branch's)
leaves the library's meaning in place too. A loop, ``with``, ``except ... as`` or
comprehension variable means its own value in its own body, so a student's variable
spelled like a library function is no use.

The check is bounded: cells are already cut to the grader's caps
(:data:`.restore.MAX_CELL_CHARS`, :data:`.restore.MAX_ADDED_CHARS`); recursion here is
depth-limited, string folding is limited in count and length, and the check's CPU time
is charged to the submission's budget by the caller.

Examples
--------
>>> lib = library_index()
>>> cells = [Cell("official", None, "from l2reg import ridge_fit"),
...          Cell("answer", "ex", "def f(X, y):\\n    return ridge_fit(X, y, 0.1)[0]")]
>>> [f.text for f in check_cells(cells, {"ex": ["ridge_fit"]}, lib)]
['ex uses l2reg.ridge_fit']
>>> check_cells([Cell("answer", "ex", "import numpy as np")], {"ex": ["ridge_fit"]}, lib)
[]
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from .integrity_eval import _Analysis, _parse
from .integrity_index import PACKAGE, Library, library_index
from .integrity_scope import definite

__all__ = ["FORBID_KEY", "PACKAGE", "POLICIES", "Cell", "Checker", "Finding", "Library", "answer_tests", "apply",
           "check_cells", "check_notebook", "declared", "library_index", "notebook_cells"]

#: Where a source notebook's answer cell declares its forbidden names.
FORBID_KEY = "forbid"


@dataclass(frozen=True)
class Cell:
    """One code cell of the notebook that ran: ``origin`` is ``official``, ``answer`` or
    ``added`` (:func:`.restore.build`'s ``metadata.l2reg.origin``); ``grade_id`` names answers."""

    origin: str
    grade_id: str | None
    source: str


@dataclass(frozen=True)
class Finding:
    """An answer cell that uses a forbidden name: ``name`` as the student reached it
    (``l2reg.ridge.ridge_fit``), ``root`` the declared name it leads to when different."""

    cell: str
    name: str
    root: str | None = None
    how: str = ""

    @property
    def text(self) -> str:
        extra = f" ({self.how} l2reg.{self.root})" if self.root else ""
        return f"{self.cell} uses {self.name}{extra}"



def check_cells(cells, forbids: dict, lib: Library | None = None) -> list:
    """The findings for the code ``cells`` (in notebook order) given the declarations
    ``forbids`` (answer grade_id -> list of names); an empty list when nothing is used.

    Every cell that does not parse is skipped: it can neither run nor use anything."""
    lib = lib or library_index()
    forbids = {g: list(n) for g, n in forbids.items() if n}
    if not forbids:
        return []
    an = _Analysis(lib)
    per_cell = []  # (cell, [(stmt, binds, uses, refs)])
    for idx, cell in enumerate(cells):
        tree = _parse(cell.source) if cell.source else None
        if tree is not None and cell.origin != "official":
            an.collect_calls(tree)
        units = []
        if tree is not None:
            student = cell.origin != "official"
            for stmt in tree.body:
                uses, refs = set(), set()
                binds = an._bindings(stmt, None, uses)
                if student:
                    for sub, sc in an.scoped(stmt, None):
                        an._use_node(sub, sc, uses, refs)
                # a binding the statement surely makes replaces the name; one it may make adds to it
                sure = set(binds) if isinstance(stmt, (ast.Import, ast.ImportFrom)) else definite(stmt)
                for n, vals in binds.items():
                    if n in sure:
                        an.env[n] = set(vals)
                    else:
                        an.env.setdefault(n, set()).update(vals)
                units.append([stmt, set(binds), uses, refs])
        snap = {k: set(v) for k, v in an.env.items()} if cell.origin != "official" else None
        per_cell.append((cell, units, snap))
    # function and class bodies of student cells: their own names over the module's, as they
    # are when the cell has run and at the end (the tests call them after the cell)
    final = an.env
    for cell, units, snap in per_cell:
        if cell.origin == "official":
            continue
        merged = {k: set(v) for k, v in final.items()}
        for k, v in snap.items():
            merged.setdefault(k, set()).update(v)
        for unit in units:
            stmt, binds, uses, refs = unit
            for fn in [n for n in ast.walk(stmt) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                    ast.ClassDef, ast.Lambda))][:500]:
                an.env = merged
                scope, globs = an.function_scope(fn)
                binds |= globs
                body = fn.body if isinstance(fn.body, list) else [fn.body]
                for s in body:
                    for sub, sc in an.scoped(s, scope):
                        an._use_node(sub, sc, uses, refs)
                an.memo.clear()  # keyed by id(scope): the next scope may reuse the id
            an.env = final
    findings = []
    for i, (cell, units, _) in enumerate(per_cell):
        if cell.origin != "answer" or cell.grade_id not in forbids:
            continue
        bad = lib.forbidden(forbids[cell.grade_id])
        names = set(forbids[cell.grade_id])
        reached = set()
        for unit in units:
            reached |= unit[2]
        # what this answer reaches through names other student cells define
        seen, todo = set(), [r for u in units for r in u[3]]
        while todo:
            n = todo.pop()
            if n in seen:
                continue
            seen.add(n)
            for j, (other, ounits, _) in enumerate(per_cell):
                if j == i or other.origin == "official":
                    continue
                for u in ounits:
                    if n in u[1]:
                        reached |= u[2]
                        todo.extend(u[3])
        found = {}  # one finding per definition reached, under the shortest name it was reached by
        for m, a in sorted(reached, key=lambda u: (len(u[0]), u)):
            canon = lib.canonical(m, a) or (m, a)
            shown = f"{m}.{a}"
            if canon in bad:
                root, how = bad[canon]
                found.setdefault(canon, Finding(cell.grade_id, shown, None if root == a else root, how))
            elif lib.canonical(m, a) is None and a in names:
                found.setdefault(canon, Finding(cell.grade_id, shown))
        findings += sorted(found.values(), key=lambda f: f.name)
    return findings



def declared(source) -> dict:
    """``grade_id -> [names]`` of the answer cells of the trusted source notebook that
    declare ``metadata.l2reg.forbid``."""
    out = {}
    for cell in source.cells:
        nbg = cell.metadata.get("nbgrader", {})
        names = cell.metadata.get(PACKAGE, {}).get(FORBID_KEY)
        if nbg.get("solution") and nbg.get("grade_id") and names:
            out[nbg["grade_id"]] = [str(n) for n in names]
    return out


def answer_tests(source) -> dict:
    """``answer grade_id -> [graded test cell ids]``: the graded cells after each answer
    cell, up to the next answer cell (how every lesson places an exercise's tests)."""
    out, current = {}, None
    for cell in source.cells:
        nbg = cell.metadata.get("nbgrader", {})
        if nbg.get("solution") and nbg.get("grade_id"):
            current = nbg["grade_id"]
            out.setdefault(current, [])
        elif nbg.get("grade") and current is not None and cell.cell_type == "code":
            out[current].append(nbg["grade_id"])
    return out


def notebook_cells(nb) -> list:
    """The code cells of a notebook :func:`.restore.build` made, as :class:`Cell`."""
    cells = []
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        meta = cell.get("metadata", {})
        origin = meta.get(PACKAGE, {}).get("origin", "official")
        gid = meta.get("nbgrader", {}).get("grade_id")
        src = cell.get("source", "")
        cells.append(Cell(origin, gid, src if isinstance(src, str) else "".join(src)))
    return cells


def check_notebook(nb, forbids: dict, lib: Library | None = None) -> list:
    """:func:`check_cells` on the notebook that ran for a submission; never raises for
    anything in it (a cell too odd to analyse counts as no use, said in the result)."""
    try:
        return check_cells(notebook_cells(nb), forbids, lib)
    except RecursionError:
        return []


POLICIES = ("flag", "zero")


def apply(res, findings: list, policy: str, tests: dict) -> None:
    """Put ``findings`` into the :class:`~.outcome.Result` ``res``: a flag (the status
    stays ``failed`` if it failed, with a note), and under ``policy`` ``zero`` the test
    cells of each flagged answer (``tests``: :func:`answer_tests`) score 0."""
    if not findings:
        return
    from .outcome import Status

    text = "; ".join(f.text for f in findings)
    res.notes.append(f"answers that use the library: {text}")
    if policy == "zero":
        for f in findings:
            for gid in tests.get(f.cell, ()):
                c = res.cells.get(gid)
                if c is not None and c["score"]:
                    c["score"], c["passed"] = 0.0, False
                    c["why"] = f"{f.cell} uses {f.name} (--library-calls zero)"
        res.score = sum(c["score"] for c in res.cells.values())
    if res.status is Status.FAILED:
        return
    if res.status is Status.FLAGGED:
        res.reason = f"{res.reason}; {text}"
    else:
        res.flag(text)


class Checker:
    """The check of one run: the lesson's declarations read once from its trusted source,
    the library indexed once, and the reference solution proved clean (an instructor
    whose own solution uses what it forbids gets a :class:`~.course.CourseError`).

    :meth:`check` is called for every result whose notebook was rebuilt; its CPU time is
    charged to that submission's budget."""

    def __init__(self, lesson, policy: str = "flag"):
        from .course import CourseError

        if policy not in POLICIES:
            raise CourseError(f"--library-calls: expected one of {', '.join(POLICIES)}, got {policy!r}")
        self.policy = policy
        self.forbids = declared(lesson.source)
        self.tests = answer_tests(lesson.source)
        self.lib = library_index() if self.forbids else None
        if self.forbids:
            cells = []
            for c in lesson.source.cells:
                if c.cell_type == "code":
                    m = c.metadata.get("nbgrader", {})
                    cells.append(Cell("answer" if m.get("solution") else "official", m.get("grade_id"), c.source))
            bad = check_cells(cells, self.forbids, self.lib)
            if bad:
                raise CourseError(f"{lesson.name}: the solution itself uses what its metadata.l2reg.forbid forbids "
                                  f"({'; '.join(f.text for f in bad)}); not grading")

    def check(self, res) -> list:
        """Check ``res.executed`` (the notebook that ran) and record the findings in ``res``."""
        import time

        if not self.forbids or res.executed is None:
            return []
        t = time.thread_time()
        try:
            findings = check_notebook(res.executed, self.forbids, self.lib)
        finally:
            if res.budget is not None:
                res.budget.charge(time.thread_time() - t)
        apply(res, findings, self.policy, self.tests)
        return findings
