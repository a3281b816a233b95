"""Similarity across the class: pairs of students whose answer cells are near-identical.

Built on ``copydetect`` (https://github.com/blingenf/copydetect), which implements the
winnowing fingerprints of Schleimer, Wilkerson and Aiken, "Winnowing: Local Algorithms
for Document Fingerprinting" (SIGMOD 2003), as MOSS does: each student's answers are
tokenized with Pygments (names become ``V``/``F``, strings ``S``, so renaming does not
hide a copy), cut into k-grams and fingerprinted ONCE (``copydetect.CodeFingerprint``,
whose ``boilerplate`` argument drops the hashes of the lesson's own code, as
``CopyDetector._get_boilerplate_hashes`` does with ``win_size=1``); two students are
compared with ``copydetect.compare_files``, which gives each side's share of copied
tokens and the copied slices.

Only answer cells count (``metadata.l2reg.origin == "answer"`` in the notebook that ran),
quiz answers excluded (one right answer is the same for everyone). The lesson's own code
(the student release, both editions, and the instructor's source, solutions included)
is boilerplate. Like MOSS's ``-m`` option, a fingerprint found in more than
:data:`COMMON` students is treated as common code too, which also keeps the pair count
near linear: pairs are found through an index from fingerprint to students, and only
pairs that share enough fingerprints to reach the threshold are compared with
``compare_files`` (measured for classes of 50 to 200 in ``tests/grading/test_similarity.py``).
"""

from __future__ import annotations

import csv
import html
import io
import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from .outcome import clean_text, encodable

#: Fingerprints found in more students than this are common code (MOSS's ``-m``, default 10).
COMMON = 10
#: Pairs shown: either student's share of copied tokens at least this (copydetect's display threshold).
THRESHOLD = 0.33
#: Characters of one student's answers fingerprinted (the rest is not compared).
MAX_TEXT = 100_000
#: Shared lines kept per pair in similarity.csv.
MAX_LINES = 40


def _is_quiz(gid) -> bool:
    return isinstance(gid, str) and gid.startswith("quiz_")  # the quiz markup's convention (grading/edition.py)


def answer_text(nb) -> str:
    """The code of the answer cells (not quiz answers) of the notebook that ran, in order,
    each after a ``# <grade_id>`` line, cut to :data:`MAX_TEXT` characters."""
    parts = []
    for cell in getattr(nb, "cells", None) or []:
        meta = cell.get("metadata", {})
        gid = meta.get("nbgrader", {}).get("grade_id")
        if cell.get("cell_type") != "code" or meta.get("l2reg", {}).get("origin") != "answer" or _is_quiz(gid):
            continue
        src = cell.get("source", "")
        parts.append(f"# {gid}\n{src if isinstance(src, str) else ''.join(src)}\n")
    return encodable("".join(parts))[:MAX_TEXT]


def lesson_code(*notebooks) -> str:
    """All code of the given official notebooks (template and lesson code): the boilerplate."""
    out = []
    for nb in notebooks:
        for cell in getattr(nb, "cells", None) or []:
            if cell.get("cell_type") == "code":
                out.append(cell.get("source", "") + "\n")
    return "".join(out)


@dataclass
class Pair:
    """Two students' answers: each one's share of tokens found in the other's, the number of
    shared tokens, and the shared text of each side (copydetect's slices)."""

    a: str
    b: str
    similarity_a: float
    similarity_b: float
    tokens: int
    text_a: str = field(repr=False, default="")
    text_b: str = field(repr=False, default="")
    slices_a: list = field(repr=False, default_factory=list)
    slices_b: list = field(repr=False, default_factory=list)

    @property
    def similarity(self) -> float:
        return max(self.similarity_a, self.similarity_b)

    def shared_lines(self) -> list:
        """The lines of ``a``'s answers that hold shared text, in order, without repeats."""
        lines, seen = [], set()
        for s, e in self.slices_a:
            start = self.text_a.rfind("\n", 0, s) + 1
            end = self.text_a.find("\n", e)
            for line in self.text_a[start: end if end >= 0 else len(self.text_a)].split("\n"):
                line = line.rstrip()
                if line.strip() and line not in seen:
                    seen.add(line)
                    lines.append(line)
        return lines


def _fingerprint(text, k, win, boilerplate):
    from copydetect import CodeFingerprint

    return CodeFingerprint("answers.py", k, win, boilerplate=boilerplate, language="python", fp=io.StringIO(text))


def find_pairs(texts: dict, boilerplate: str = "", threshold: float = THRESHOLD, common: int = COMMON) -> list:
    """The pairs of students whose answers share at least ``threshold`` of either one's
    tokens, most similar first.

    Parameters
    ----------
    texts : dict
        student id -> answer text (:func:`answer_text`).
    boilerplate : str
        Code whose fingerprints never count (:func:`lesson_code`).
    threshold : float
        Smallest share of copied tokens (of either student) reported.
    common : int
        A fingerprint in more students than this counts as common code.

    Returns
    -------
    list of Pair

    Examples
    --------
    >>> a = "def f(x):\\n    total = 0\\n    for v in x:\\n        total += v * v\\n    return total ** 0.5\\n"
    >>> b = a.replace("total", "acc")
    >>> c = "def f(x):\\n    import math\\n    return math.hypot(*x)\\n"
    >>> [(p.a, p.b, round(p.similarity, 2)) for p in find_pairs({"s1": a, "s2": b, "s3": c})]
    [('s1', 's2', 1.0)]
    """
    import numpy as np
    from copydetect import compare_files, defaults
    from copydetect.utils import get_token_coverage

    k = defaults.NOISE_THRESHOLD
    win = max(1, defaults.GUARANTEE_THRESHOLD - defaults.NOISE_THRESHOLD + 1)
    bp = np.unique(np.array(list(_fingerprint(boilerplate, k, 1, None).hashes))) if boilerplate.strip() else []
    prints = {}
    for sid, text in texts.items():
        if text.strip():
            try:
                prints[sid] = _fingerprint(text, k, win, bp)
            except Exception:  # noqa: BLE001 - text the tokenizer cannot take: not compared
                continue
    counts = Counter(h for fp in prints.values() for h in fp.hashes)
    shared_by = defaultdict(list)
    for sid, fp in prints.items():
        dropped = {h for h in fp.hashes if counts[h] > common}
        if dropped:  # common code: as if it were boilerplate
            fp.hashes = fp.hashes - dropped
            fp.hash_idx = {h: i for h, i in fp.hash_idx.items() if h not in dropped}
            fp.token_coverage = get_token_coverage(fp.hash_idx, k, len(fp.filtered_code))
        for h in fp.hashes:
            shared_by[h].append(sid)
    # For each pair sharing a fingerprint, how many positions of each side the shared ones
    # cover: each covers at most k tokens, so this bounds each side's copied share from
    # above, and only pairs whose bound reaches the threshold are compared.
    reach = defaultdict(lambda: [0, 0])
    for h, sids in shared_by.items():
        if len(sids) > 1:
            for a, b in itertools.combinations(sorted(sids), 2):
                r = reach[(a, b)]
                r[0] += len(prints[a].hash_idx[h])
                r[1] += len(prints[b].hash_idx[h])
    pairs = []
    for (a, b), (na, nb) in sorted(reach.items()):
        fa, fb = prints[a], prints[b]
        if not fa.token_coverage or not fb.token_coverage:
            continue
        if max(na * k / fa.token_coverage, nb * k / fb.token_coverage) < threshold:
            continue
        tokens, (sa, sb), (sl_a, sl_b) = compare_files(fa, fb)
        if max(sa, sb) < threshold:
            continue
        pairs.append(Pair(a, b, float(sa), float(sb), int(tokens), fa.raw_code, fb.raw_code,
                          [tuple(map(int, s)) for s in np.asarray(sl_a).T.tolist()],
                          [tuple(map(int, s)) for s in np.asarray(sl_b).T.tolist()]))
    pairs.sort(key=lambda p: (-p.similarity, -p.tokens, p.a, p.b))
    return pairs


def csv_text(pairs: list) -> str:
    """``similarity.csv``: one row per pair, ranked; every field from a submission escaped."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["rank", "student_a", "student_b", "similarity", "similarity_a", "similarity_b", "shared_tokens",
                "shared_lines"])
    for i, p in enumerate(pairs, 1):
        lines = p.shared_lines()
        shown = "\n".join(lines[:MAX_LINES]) + (f"\n... {len(lines) - MAX_LINES} more" if len(lines) > MAX_LINES else "")
        w.writerow([i, clean_text(p.a), clean_text(p.b), f"{p.similarity:.3f}", f"{p.similarity_a:.3f}",
                    f"{p.similarity_b:.3f}", p.tokens, clean_text(shown, 8000)])
    return encodable(buf.getvalue())


def _show(text: str) -> str:
    """Text for a ``<pre>``: each line escaped like every submission text, then HTML-escaped."""
    return html.escape("\n".join(clean_text(line, len(line) + 16) for line in text.split("\n")))


def _marked(text: str, slices) -> str:
    out, pos = [], 0
    for s, e in sorted(slices):
        s, e = max(s, pos), max(e, pos)
        out.append(_show(text[pos:s]))
        out.append(f"<mark>{_show(text[s:e])}</mark>")
        pos = e
    out.append(_show(text[pos:]))
    return "".join(out)


def html_page(lesson: str, pairs: list, n_students: int) -> str:
    """``similarity.html``: the ranked pairs and, for each, both students' answers with the
    shared parts marked; self-contained (no script, no network: the feedback pages' policy)."""
    from .feedback import _CSP

    e = html.escape
    rows = "".join(
        f"<tr><td>{i}</td><td><a href='#p{i}'>{e(clean_text(p.a))}</a></td><td>{e(clean_text(p.b))}</td>"
        f"<td>{p.similarity:.2f}</td><td>{p.similarity_a:.2f}</td><td>{p.similarity_b:.2f}</td><td>{p.tokens}</td></tr>"
        for i, p in enumerate(pairs, 1))
    details = "".join(
        f"<h2 id='p{i}'>{i}. {e(clean_text(p.a))} and {e(clean_text(p.b))}: {p.similarity:.2f}</h2>"
        "<div style='display:flex;gap:1em'>"
        f"<div style='flex:1;min-width:0'><h3>{e(clean_text(p.a))}</h3><pre style='white-space:pre-wrap'>"
        f"{_marked(p.text_a, p.slices_a)}</pre></div>"
        f"<div style='flex:1;min-width:0'><h3>{e(clean_text(p.b))}</h3><pre style='white-space:pre-wrap'>"
        f"{_marked(p.text_b, p.slices_b)}</pre></div></div>"
        for i, p in enumerate(pairs, 1))
    body = (f"<h1>Similar answers: {e(lesson)}</h1>"
            f"<p>{n_students} students compared on their answer cells (quiz answers and the lesson's own code "
            f"left out); {len(pairs)} pair(s) share at least {THRESHOLD:.0%} of either one's tokens. Shared code "
            "is <mark>marked</mark>. Similar is not proof of copying: read the answers.</p>"
            "<table border='1' cellpadding='4' style='border-collapse:collapse'><tr><th>rank</th><th>student</th>"
            "<th>student</th><th>similarity</th><th>share of first</th><th>share of second</th>"
            f"<th>shared tokens</th></tr>{rows}</table>{details}")
    return encodable(f"<!DOCTYPE html><html><head><meta charset='utf-8'>{_CSP}<title>similarity {e(lesson)}</title>"
                     f"</head><body style='font-family:sans-serif;margin:1em'>{body}</body></html>")


def summary_lines(pairs: list, top: int = 5) -> list:
    """The summary's lines on similarity (the most similar pairs)."""
    if not pairs:
        return ["Similar answers: none (similarity.csv)"]
    lines = [f"Similar answers ({len(pairs)} pair(s); similarity.csv, similarity.html):"]
    lines += [f"  {clean_text(p.a)} and {clean_text(p.b)}: {p.similarity:.2f} ({p.tokens} shared tokens)"
              for p in pairs[:top]]
    return lines


def write(stage, lesson: str, texts: dict, boilerplate: str) -> list:
    """Compare ``texts`` and write ``similarity.csv`` and ``similarity.html`` into ``stage``;
    return the pairs."""
    try:
        pairs = find_pairs(texts, boilerplate)
    except Exception as exc:  # both files still replace the previous run's, saying so
        (stage / "similarity.csv").write_text(csv_text([]), encoding="utf-8")
        (stage / "similarity.html").write_text(encodable(
            f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>similarity</title></head><body>"
            f"<p>The similarity report could not be made ({html.escape(type(exc).__name__)}).</p></body></html>"),
            encoding="utf-8")
        raise
    (stage / "similarity.csv").write_text(csv_text(pairs), encoding="utf-8")
    (stage / "similarity.html").write_text(html_page(lesson, pairs, len(texts)), encoding="utf-8")
    return pairs
