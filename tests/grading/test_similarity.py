"""Similarity across the class (grading/similarity.py, over copydetect) on small texts:
what counts, what is boilerplate, escaping, and that a class is fingerprinted once per
student and compared only where fingerprints are shared (counted, not timed)."""

from __future__ import annotations

import csv
import io
import random

import pytest
from nbformat.v4 import new_code_cell, new_notebook

from l2reg.grading import similarity as S

A = ("def ridge_closed_form(X, y, lam):\n"
     "    A = np.asarray(X, dtype=float)\n"
     "    rows, cols = A.shape\n"
     "    gram = A.T @ A\n"
     "    for j in range(cols):\n"
     "        gram[j, j] += rows * lam\n"
     "    return np.linalg.lstsq(gram, A.T @ np.asarray(y, dtype=float), rcond=None)[0]\n")
B = A.replace("gram", "G").replace("rows", "m").replace("cols", "k").replace("A", "M")  # renamed
C = ("def ridge_closed_form(X, y, lam):\n"
     "    X = np.array(X, float)\n"
     "    n = X.shape[0]\n"
     "    inv = np.linalg.inv(X.T.dot(X) / n + lam * np.identity(X.shape[1]))\n"
     "    return inv.dot(X.T.dot(np.array(y, float))) / n\n")


def test_renamed_copies_are_found_and_others_are_not():
    pairs = S.find_pairs({"a": A, "b": B, "c": C})
    assert [(p.a, p.b) for p in pairs] == [("a", "b")]
    assert pairs[0].similarity == pytest.approx(1.0)
    assert "        gram[j, j] += rows * lam" in pairs[0].shared_lines()


def test_the_lessons_code_is_boilerplate():
    # two students who both typed the lesson's own solution share nothing beyond it
    assert S.find_pairs({"a": A, "b": B}, boilerplate=A) == []
    # a copy of something else still shows, beside the template
    extra = "def helper(values):\n    total = 0\n    for v in values:\n        total += v * v\n    return total ** 0.5\n"
    pairs = S.find_pairs({"a": A + extra, "b": B + extra.replace("total", "acc")}, boilerplate=A)
    assert [(p.a, p.b) for p in pairs] == [("a", "b")]
    shared = pairs[0].shared_lines()
    assert "    gram = A.T @ A" not in shared and "        total += v * v" in shared


def test_code_in_most_of_the_class_is_common_code():
    texts = {f"s{i:02d}": A for i in range(S.COMMON + 2)}
    texts["other"] = C
    assert S.find_pairs(texts) == []  # A is in more than COMMON students: like MOSS's -m, ignored


def test_empty_answers_are_not_compared():
    assert S.find_pairs({"a": "", "b": "   \n", "c": A}) == []


def cell(src, origin, gid=None):
    meta = {"l2reg": {"origin": origin}}
    if gid:
        meta["nbgrader"] = {"grade_id": gid, "solution": True}
    return new_code_cell(src, metadata=meta)


def test_only_answer_cells_count_and_quiz_answers_do_not():
    nb = new_notebook(cells=[
        cell("import numpy as np", "official"),
        cell(A, "answer", "ex_closed_form"),
        cell("q1 = 2.5", "answer", "quiz_q1"),
        cell("scratch = 1", "added"),
    ])
    text = S.answer_text(nb)
    assert text == f"# ex_closed_form\n{A}\n"
    assert S.answer_text(new_notebook()) == ""


def test_answer_text_is_capped():
    nb = new_notebook(cells=[cell("x = 1\n" * 100_000, "answer", "ex")])
    assert len(S.answer_text(nb)) == S.MAX_TEXT


def test_csv_and_html_escape_what_comes_from_submissions():
    evil = "bob\n1,mallory,eve,1.0"
    code = A + "    # </pre><script>alert(1)</script> \u202e\x1b[2K\n"
    pairs = S.find_pairs({evil: code, "eve": code})
    assert len(pairs) == 1
    table = list(csv.reader(io.StringIO(S.csv_text(pairs))))
    assert len(table) == 2 and table[1][1:3] == ["bob\\n1,mallory,eve,1.0", "eve"] or \
        table[1][1:3] == ["eve", "bob\\n1,mallory,eve,1.0"]
    assert "\x1b" not in table[1][7] and "\\x1b[2K" in table[1][7] and "\\u202e" in table[1][7]
    page = S.html_page("01_penalty", pairs, 2)
    assert "<script" not in page and "&lt;/pre&gt;&lt;script&gt;" in page
    assert "\u202e" not in page and "\x1b" not in page
    assert "Content-Security-Policy" in page


def test_a_failed_comparison_still_replaces_the_files(tmp_path, monkeypatch):
    def broken(*a, **k):
        raise MemoryError

    monkeypatch.setattr(S, "find_pairs", broken)
    with pytest.raises(MemoryError):
        S.write(tmp_path, "01_penalty", {"a": A}, "")
    assert (tmp_path / "similarity.csv").read_text().startswith("rank,student_a")
    assert "could not be made" in (tmp_path / "similarity.html").read_text()


def synthetic_class(n, seed=0):
    rng = random.Random(seed)
    names = ["X", "y", "lam", "w", "n", "p", "Z", "b", "coef", "beta", "M", "res", "total", "acc"]
    ops = ["np.linalg.solve", "np.linalg.inv", "np.dot", "np.eye", "np.mean", "np.sum", "np.sqrt", "np.asarray"]
    texts = {}
    for i in range(n):
        lines = []
        for _ in range(rng.randint(15, 30)):  # names are tokenized away: constants make students differ
            a, b, c = rng.sample(names, 3)
            f = rng.choice(ops)
            k1, k2 = rng.randint(2, 999), round(rng.uniform(0, 10), 2)
            lines.append(rng.choice([f"    {a} = {f}({b}, {c}) * {k1}", f"    {a} = {b} @ {c} + {k2} * {f}({a})",
                                     f"    for {a} in range({k1}):\n        {b} += {f}({c}[{a}]) - {k2}"]))
        texts[f"s{i:03d}"] = "def ridge_closed_form(X, y, lam):\n" + "\n".join(lines) + "\n    return w\n"
    texts["copier"] = texts["s007"].replace("total", "grand")
    return texts


def test_a_class_is_fingerprinted_once_per_student_and_compared_where_it_shares(monkeypatch):
    import copydetect

    made, compared = [], []
    real_fp, real_cmp = S._fingerprint, copydetect.compare_files
    monkeypatch.setattr(S, "_fingerprint", lambda *a, **k: made.append(1) or real_fp(*a, **k))
    monkeypatch.setattr(copydetect, "compare_files", lambda x, y: compared.append(1) or real_cmp(x, y))
    texts = synthetic_class(120)
    pairs = S.find_pairs(texts, boilerplate="def ridge_closed_form(X, y, lam):\n    return w\n")
    n = len(texts)
    assert len(made) == n + 1  # each student once, and the boilerplate
    assert len(compared) < n * (n - 1) / 2 / 10  # far fewer than all pairs
    assert (pairs[0].a, pairs[0].b) == ("copier", "s007") and pairs[0].similarity == pytest.approx(1.0)
