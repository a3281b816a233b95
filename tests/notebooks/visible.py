"""Run a lesson's visible test against a student's answer, without a kernel.

A visible test is a student's first teacher: every typical wrong answer must make
it fail with a message that shows the difference. The test files of the lessons
list such wrong answers and check them with :func:`run_visible`.
"""

from __future__ import annotations

import ast

import nbformat

from nbrun import source_notebook

HIDDEN = "### BEGIN HIDDEN TESTS"


def _cells(lesson):
    return nbformat.read(str(source_notebook(lesson)), as_version=4).cells


def context(lesson, upto_gid):
    """The source of every plain code cell above the cell ``upto_gid`` (no magics, no demos, no plots):
    what a visible test may rely on."""
    lines = []
    for cell in _cells(lesson):
        if cell.metadata.get("nbgrader", {}).get("grade_id") == upto_gid:
            break
        if cell.cell_type != "code" or cell.metadata.get("nbgrader", {}).get("grade_id"):
            continue
        code = "\n".join(l for l in cell.source.splitlines() if not l.lstrip().startswith("%"))
        if _only_draws(code):
            continue  # a figure or a demo: nothing a visible test needs
        lines.append(code)
    return "\n".join(lines)


def _only_draws(code):
    """Whether every statement of ``code`` is a call into l2reg.plotting or l2reg.widgets."""
    def root(node):
        while isinstance(node, (ast.Attribute, ast.Call)):
            node = node.value if isinstance(node, ast.Attribute) else node.func
        return node.id if isinstance(node, ast.Name) else None

    body = ast.parse(code).body
    return bool(body) and all(isinstance(st, ast.Expr) and root(st.value) in ("plotting", "widgets") for st in body)


def visible_test(lesson, gid):
    """The visible part of test cell ``gid`` (everything above its hidden tests)."""
    (cell,) = [c for c in _cells(lesson) if c.metadata.get("nbgrader", {}).get("grade_id") == gid]
    return cell.source.split(HIDDEN)[0]


def answer(lesson, gid):
    """The reference answer cell's source (with its solution markers)."""
    (cell,) = [c for c in _cells(lesson) if c.metadata.get("nbgrader", {}).get("grade_id") == gid]
    return cell.source


def prepare(lesson, answer_gid, test_gid):
    """A namespace holding everything the lesson defines above the answer cell."""
    namespace: dict = {}
    exec(context(lesson, answer_gid), namespace)  # noqa: S102 - the lesson's own cells
    extra = context(lesson, test_gid)[len(context(lesson, answer_gid)):]
    return namespace, extra


def run_visible(namespace, extra, answer_source, test_source):
    """Define ``answer_source`` in a copy of ``namespace``, run the cells between it and the test,
    then the visible test: the exception it raised, or None when it passed."""
    ns = dict(namespace)
    try:
        exec(answer_source, ns)  # noqa: S102
        exec(extra, ns)  # noqa: S102
    except Exception as exc:  # noqa: BLE001 - a broken answer may break the cells after it
        return exc
    try:
        exec(test_source, ns)  # noqa: S102
    except Exception as exc:  # noqa: BLE001
        return exc
    return None


def assert_caught(exc, mistake):
    """The visible test failed on ``mistake``: with an assertion whose message says what was expected
    and what came instead, or with the error the wrong code itself raised (e.g. a singular matrix)."""
    assert exc is not None, f"the visible test passes a typical wrong answer: {mistake}"
    if isinstance(exc, AssertionError):
        message = str(exc)
        assert message and ("expected" in message or "modified" in message or "got" in message), (
            f"{mistake}: the failure message does not show the difference: {message!r}")
