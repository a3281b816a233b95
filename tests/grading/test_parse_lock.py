"""The grader builds syntax trees one thread at a time.

CPython 3.11's AST constructor keeps its recursion depth in state shared by the threads of
the interpreter: two grading threads (``--jobs 2``) parsing at once can fail with a spurious
``SystemError: AST constructor recursion depth mismatch`` (python/cpython#106905), which
scored a student 0 in a hostile-class run. Every parse of the grader goes through
``integrity_index.parse_python``, which holds one lock.
"""

from __future__ import annotations

import ast
import re
import threading
import time
from pathlib import Path

import l2reg.grading
from l2reg.grading import integrity_eval, integrity_index

GRADING = Path(l2reg.grading.__file__).resolve().parent


def test_parses_from_many_threads_never_overlap(monkeypatch):
    real = ast.parse
    inside, most = [0], [0]
    guard = threading.Lock()

    def slow_parse(*a, **k):
        with guard:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        time.sleep(0.005)  # long enough for another thread to come in, were it let
        try:
            return real(*a, **k)
        finally:
            with guard:
                inside[0] -= 1

    monkeypatch.setattr(ast, "parse", slow_parse)
    trees = []

    def work():
        for i in range(10):
            trees.append(integrity_eval._parse_plain(f"x{i} = [a for a in range({i})]"))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(trees) == 40 and all(isinstance(t, ast.Module) for t in trees)
    assert most[0] == 1


def test_no_grading_module_calls_ast_parse_itself():
    calls = {}
    for path in sorted(GRADING.glob("*.py")):
        code = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                         if not line.lstrip().startswith((">>>", "...", "#")))
        found = re.findall(r"\bast\.parse\(|\bcompile\([^)]*PyCF_ONLY_AST", code)
        if found:
            calls[path.name] = len(found)
    assert calls == {"integrity_index.py": 1}  # the one inside parse_python


def test_parse_python_is_ast_parse():
    src = "def f(x):\n    return {k: v for k, v in x.items() if k}\n"
    assert ast.dump(integrity_index.parse_python(src)) == ast.dump(ast.parse(src))
