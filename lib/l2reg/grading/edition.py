"""The two editions of a lesson, made by nbgrader from one source notebook.

* **self-study** (what ``lessons/`` holds): every quiz test cell ends with a
  :func:`l2reg.quiz.check` call that tells the student at once whether the
  answer is right, with a one-line explanation sealed under the answer.
* **classroom** (what ``l2reg bundle`` hands out, and what ``l2reg grade``
  compares submissions with): the quiz test cells only check an answer's form.

Both come from ``solutions/`` through ``nbgrader generate_assignment``, with
:class:`QuizEdition` as its first preprocessor (nbgrader runs the preprocessors
listed in ``GenerateAssignment.preprocessors`` in order; this one must see the
solution regions before ``ClearSolutions`` replaces them).

How a lesson author marks a quiz question (``docs/design.md`` and the lesson
sources show it in use): the answer cell has ``grade_id`` ``quiz_<x>`` and its
test cell ``test_quiz_<x>``; inside the answer cell's solution region::

    ### BEGIN SOLUTION
    q1 = 2.5
    # right: 0.1 * (3**2 + 4**2) = 0.1 * 25 = 2.5.
    # wrong 0.5: that is lambda * ||w||; the penalty uses the squared norm.
    # hint: square each weight, add them up, multiply by lambda.
    ### END SOLUTION

``# right:`` is required; ``# wrong <python expression>:`` lines (any number)
give the message for an anticipated wrong answer, sealed under that answer;
``# hint:`` (optional, shown in plain text after any other wrong answer) must
not give the answer away. A numeric question whose hidden test records with a
tolerance says so with the same tolerance, e.g. ``# within: rtol=0.01``,
``# within: atol=0.006`` or ``# within: log10 atol=0.01`` (the tolerance on the
base-10 logarithm); the check then accepts every answer on a grid of step
about a fifth of the tolerance around the right one (so it agrees with the
grader except within a tenth of the tolerance of its edge). A cell tagged ``self-study-only`` or
``classroom-only`` appears only in that edition (e.g. the sentence that says
what the quiz checks).
"""

from __future__ import annotations

import ast
import json
import math
import re

from traitlets import Enum

from nbgrader.preprocessors import NbGraderPreprocessor

from ..quiz import normalize, seal
from .integrity_index import parse_python

EDITIONS = ("self-study", "classroom")
ONLY_TAGS = {"self-study": "self-study-only", "classroom": "classroom-only"}
_REGION = re.compile(r"^[ \t]*### BEGIN SOLUTION[^\n]*\n(.*?)^[ \t]*### END SOLUTION", re.S | re.M)
_HIDDEN = "### BEGIN HIDDEN TESTS"


class QuizError(ValueError):
    """A quiz question marked up in a way the editions cannot be built from."""


def _evaluate(expr: str, where: str):
    import numpy as np

    try:
        # The instructor's own notebook: trusted text, evaluated with math and NumPy at hand.
        return eval(compile(expr, where, "eval"), {"__builtins__": {}, "math": math, "np": np})  # noqa: S307
    except Exception as exc:  # noqa: BLE001
        raise QuizError(f"{where}: cannot evaluate {expr!r}: {exc}") from None


def parse_answer(source: str, grade_id: str) -> dict:
    """The answer, explanation, anticipated wrong answers and hint of one quiz answer cell.

    Examples
    --------
    >>> from l2reg.grading.edition import parse_answer
    >>> cell = '### BEGIN SOLUTION\\nq = 0.5\\n# right: half.\\n# wrong 2: the inverse.\\n### END SOLUTION'
    >>> q = parse_answer(cell, "quiz_q")
    >>> q["name"], q["value"], q["right"], q["wrong"], q["hint"]
    ('q', 0.5, 'half.', [(2, 'the inverse.')], '')
    """
    regions = _REGION.findall(source)
    if len(regions) != 1:
        raise QuizError(f"{grade_id}: expected one solution region, found {len(regions)}")
    region = regions[0]
    try:
        tree = parse_python(region)
    except SyntaxError as exc:
        raise QuizError(f"{grade_id}: the solution region is not Python: {exc}") from None
    assigns = [n for n in tree.body if isinstance(n, ast.Assign)]
    if len(assigns) != 1 or len(assigns[0].targets) != 1 or not isinstance(assigns[0].targets[0], ast.Name) \
            or len(tree.body) != 1:
        raise QuizError(f"{grade_id}: expected the solution region to be one assignment, e.g. q1 = 2.5")
    name = assigns[0].targets[0].id
    value = _evaluate(ast.get_source_segment(region, assigns[0].value), grade_id)
    right, hint, wrong, within = None, "", [], None
    for line in region.splitlines():
        line = line.strip()
        if m := re.fullmatch(r"#\s*within:\s*(log10\s+)?((?:[ar]tol=[0-9.eE+-]+[ ,]*)+)", line):
            tols = dict(re.findall(r"([ar]tol)=([0-9.eE+-]+)", m.group(2)))
            try:
                within = {"log10": bool(m.group(1)), "atol": float(tols.get("atol", 0.0)),
                          "rtol": float(tols.get("rtol", 0.0))}
            except ValueError:
                raise QuizError(f"{grade_id}: cannot read the tolerance in {line!r}") from None
        elif m := re.fullmatch(r"#\s*right:\s*(.+)", line):
            right = m.group(1).strip()
        elif m := re.fullmatch(r"#\s*hint:\s*(.+)", line):
            hint = m.group(1).strip()
        elif m := re.fullmatch(r"#\s*wrong\s+(.+?):\s+(.+)", line):
            wrong.append((_evaluate(m.group(1), grade_id), m.group(2).strip()))
        elif line.startswith("#"):
            raise QuizError(f"{grade_id}: comment {line!r} is not '# right:', '# wrong <answer>:' or '# hint:'")
    if not right:
        raise QuizError(f"{grade_id}: no '# right: <explanation>' line in the solution region")
    if within is not None:
        bad = [v for v in [value, *(w for w, _ in wrong)] if not _is_number(v) or (within["log10"] and not v > 0)]
        if bad or within["atol"] < 0 or within["rtol"] < 0 or within["atol"] + within["rtol"] <= 0:
            raise QuizError(f"{grade_id}: '# within:' needs numeric answers (> 0 for log10) and a tolerance > 0")
    seen = {normalize(value)}
    for w, _ in wrong:
        if normalize(w) in seen:
            raise QuizError(f"{grade_id}: wrong answer {w!r} is the answer or listed twice")
        seen.add(normalize(w))
    return {"name": name, "value": value, "right": right, "wrong": wrong, "hint": hint, "within": within}


def _is_number(v) -> bool:
    import numbers

    return isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(float(v))


def _grid(question):
    """``(step, scale)`` and the grid keys of the right and wrong answers of a question with a tolerance."""
    from ..quiz import grid_key

    within = question["within"]
    scale = "log10" if within["log10"] else "linear"

    def on_scale(v):
        return math.log10(v) if within["log10"] else float(v)

    a = on_scale(question["value"])
    tol = within["atol"] + within["rtol"] * abs(a)
    # A "nice" step (1, 2 or 5 times a power of ten) of at most a fifth of the tolerance.
    base = 10.0 ** math.floor(math.log10(tol / 5))
    step = max(m * base for m in (1, 2, 5) if m * base <= tol / 5 * (1 + 1e-12))
    step = float(f"{step:.1g}")

    def keys(centre):
        lo, hi = math.ceil((centre - tol) / step - 1e-9), math.floor((centre + tol) / step + 1e-9)
        return [f"grid:{k}" for k in range(lo, hi + 1)]

    right = keys(a)
    assert grid_key(question["value"], (step, scale)) in right
    taken = set(right)
    wrong = []
    for w, text in question["wrong"]:
        mine = [k for k in keys(on_scale(w)) if k not in taken]
        taken.update(mine)
        wrong.append((mine, text))
    return (step, scale), right, wrong


def check_call(question: dict, salt: str) -> str:
    """The lines the self-study edition adds to a quiz test cell."""
    # Every entry of a question is padded to one length, so lengths do not tell the right one.
    n = max(len(json.dumps({"right": False, "text": t}, ensure_ascii=False).encode("utf-8"))
            for t in [question["right"], *(t for _, t in question["wrong"])])
    if question.get("within") is None:
        grid = None
        entries = [seal(salt, question["value"], True, question["right"], length=n)]
        entries += [seal(salt, w, False, text, length=n) for w, text in question["wrong"]]
    else:
        grid, right, wrong = _grid(question)
        entries = [seal(salt, None, True, question["right"], key=k, length=n) for k in right]
        entries += [seal(salt, None, False, text, key=k, length=n) for keys, text in wrong for k in keys]
    lines = ["from l2reg.quiz import check as _check", f"_check({question['name']}, {salt!r}, ["]
    lines += [f"    {e!r}," for e in sorted(entries)]  # sorted: the order says nothing about which is right
    tail = f"], name={question['name']!r}"
    tail += f", hint={question['hint']!r}" if question["hint"] else ""
    tail += f", grid={grid!r})" if grid else ")"
    return "\n".join(lines + [tail])


_FORM_LINE = re.compile(r"^print\(\"\w+ has the right form\.\"\)[ \t]*\n?", re.M)


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


class QuizEdition(NbGraderPreprocessor):
    """nbgrader preprocessor: keep the cells of one edition and, for the
    self-study edition, add the answer checks to the quiz test cells."""

    edition = Enum(list(EDITIONS), default_value="self-study",
                   help="which edition generate_assignment writes").tag(config=True)

    def preprocess(self, nb, resources):
        other = ONLY_TAGS["classroom" if self.edition == "self-study" else "self-study"]
        nb.cells = [c for c in nb.cells if other not in c.get("metadata", {}).get("tags", [])]
        info = resources.get("nbgrader", {}) if isinstance(resources, dict) else {}
        prefix = f"l2reg:{info.get('assignment', '')}/{info.get('notebook', '')}"
        questions = {}
        for cell in nb.cells:
            gid = _meta(cell).get("grade_id", "")
            if cell.cell_type == "code" and _meta(cell).get("solution") and gid.startswith("quiz_"):
                if not re.search(r"^\s*#\s*right:", cell.source, re.M):
                    # Not marked up yet: that edition's cell keeps the form check only.
                    # tests/notebooks/test_nb_structure.py requires the markup of every lesson.
                    self.log.warning("%s: no '# right:' line, so no answer check in the self-study edition", gid)
                    continue
                questions[gid] = parse_answer(cell.source, gid)
        tests = {_meta(c).get("grade_id"): c for c in nb.cells if _meta(c).get("grade")}
        for gid, question in questions.items():
            test = tests.get("test_" + gid)
            if test is None:
                raise QuizError(f"{gid}: no test cell test_{gid}")
            if self.edition != "self-study":
                continue
            call = check_call(question, f"{prefix}:{gid}")
            head, sep, tail = test.source.partition(_HIDDEN)
            # The check says whether the answer is right, so the classroom edition's
            # "qN has the right form." line would only come first and mislead.
            head = _FORM_LINE.sub("", head)
            test.source = head.rstrip("\n") + "\n" + call + "\n" + (sep + tail if sep else "")
        return nb, resources


def preprocessors() -> list:
    """``GenerateAssignment.preprocessors`` with :class:`QuizEdition` first."""
    from nbgrader.converters import GenerateAssignment

    default = GenerateAssignment.class_traits()["preprocessors"].default()
    return [QuizEdition, *[p for p in default if p is not QuizEdition]]
