"""Feedback pages reuse one exporter per thread and memoize per-string filters
(lib/l2reg/grading/feedback.py): a page must not depend on which thread built it, what
was rendered before, or on the memoization."""

from __future__ import annotations

import base64
import re
import struct
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

import l2reg.grading.feedback as fb

ROOT = Path(__file__).resolve().parents[2]


def _png() -> str:
    """A 2x2 PNG, base64."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return base64.b64encode(png).decode()


def _lesson_page_notebook():
    """Lesson 01's source notebook (markdown full of LaTeX, the graded cells' metadata),
    each code cell given a stream, a PNG and, for one, an error with ANSI colours."""
    nb = nbformat.read(ROOT / "solutions" / "01_penalty" / "penalty.ipynb", as_version=4)
    png = _png()
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        cell.execution_count = i
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"cell {i} <b>&amp;</b>\n"),
                        nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"})]
        if i % 7 == 0:
            cell.outputs.append(nbformat.v4.new_output(
                "error", ename="ValueError", evalue="lam < 0", traceback=["\x1b[31mValueError\x1b[0m: lam < 0"]))
    return nb


def _student_notebook():
    """A different, hostile page: forged placeholders and markup in code sources and outputs
    (what a student controls; markdown cells come from the official release, see restore.py)."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(r"Penalty $\lambda \|w\|^2$ and $$\sum_i w_i^2$$")]
    for i in range(12):
        cell = nbformat.v4.new_code_cell(f"%%bash\necho {i}" if i == 3 else f"w = {i} * 2  # </pre><script>x</script>")
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="l2regmath" + "0" * 32 + "n0x <i>\n"),
                        nbformat.v4.new_output("execute_result", data={"text/plain": f"{i}</pre>"}, execution_count=i)]
        nb.cells.append(cell)
    return nb


PAGES = [
    (_lesson_page_notebook, {"penalty-1": {"passed": True, "score": 1, "points": 1, "why": None}}, "amy"),
    (_student_notebook, {}, "bob <b>"),
]


def _render(i):
    make, results, who = PAGES[i]
    return fb.render(make(), results, ["assert ridge(1) == 2"], who, "01_penalty", "graded", 1, 5, ["note <i>"])


def _normal(page: str) -> str:
    """The page without nbformat's random cell ids (the page's nonce never reaches it)."""
    return re.sub(r'id="cell-id=[^"]*"', 'id="cell-id"', page)


def _cold():
    """Forget this thread's exporter and every memo."""
    fb._LOCAL.__dict__.clear()
    for memo in (fb._clean_html_memo, fb._highlight_memo, fb._latex_to_mathml_memo):
        memo.cache_clear()


def test_pages_rendered_concurrently_equal_pages_rendered_one_at_a_time():
    _cold()
    alone = [_normal(_render(i)) for i in range(len(PAGES))]
    assert "<math" in alone[0] and "data:image/png;base64," in alone[0]
    assert alone[0] != alone[1]
    _cold()
    order = [i % len(PAGES) for i in range(12)]
    with ThreadPoolExecutor(max_workers=4) as pool:  # first pages of new threads race on cold and warm memos
        together = list(pool.map(lambda i: _normal(_render(i)), order))
    for i, page in zip(order, together):
        assert page == alone[i]


def _document(page: str) -> str:
    """The page as BeautifulSoup's html.parser reads and writes it (what nbconvert's
    HTMLExporter does to its pages last), without the random cell ids."""
    from bs4 import BeautifulSoup

    return _normal(str(BeautifulSoup(page, features="html.parser")))


def test_a_page_equals_one_from_a_fresh_nbconvert_exporter(monkeypatch):
    """No reuse, no memo, nbconvert's own filters and its HTMLExporter.from_notebook_node
    with its BeautifulSoup pass (as before): the same document, the same string once both
    go through BeautifulSoup (apart from the cell ids)."""
    import jinja2
    from nbconvert import HTMLExporter

    warm = [_document(_render(i)) for i in range(len(PAGES))]
    warm = [_document(_render(i)) for i in range(len(PAGES))]  # the second time, from the memos
    assert warm[0].count('alt="No description has been provided for this image"') == sum(
        1 for c in PAGES[0][0]().cells if c.cell_type == "code")

    def fresh():
        exporter = HTMLExporter(template_name="classic", template_file="l2reg_feedback.html.j2",
                                extra_loaders=[jinja2.DictLoader({"l2reg_feedback.html.j2": fb._TEMPLATE})])
        exporter.exclude_input_prompt = False
        return exporter

    def export(exporter, nb, resources):
        return exporter.from_notebook_node(nb, resources)[0]

    monkeypatch.setattr(fb, "_exporter", fresh)
    monkeypatch.setattr(fb, "_export", export)
    monkeypatch.setattr(fb, "latex_to_mathml", fb._latex_to_mathml)
    monkeypatch.setattr(fb, "_cell", lambda kind, source, **kw: getattr(nbformat.v4, f"new_{kind}_cell")(source, **kw))
    before = [_render(i) for i in range(len(PAGES))]
    assert [_document(page) for page in before] == warm


def test_the_exporter_keeps_nothing_of_a_page():
    _render(1)
    assert fb._LOCAL.exporter._nb_metadata == {}


@pytest.mark.parametrize("forged", ["l2regmath" + "0" * 32 + "n0x"])
def test_a_memoized_page_still_escapes_and_keeps_placeholders_unforgeable(forged):
    page = _render(1)
    page = _render(1)
    assert "<script>x</script>" not in page and "</pre><script>" not in page
    assert "&lt;/pre&gt;&lt;script&gt;x&lt;/script&gt;" in page  # the code cell's source, escaped
    assert "<i>" not in page and "&lt;i&gt;" in page and "bob &lt;b&gt;" in page
    assert page.count("<math") == 2 and forged in page


def test_long_strings_are_not_memoized():
    _cold()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1\n" * (fb._MEMO_CHARS // 6 + 1)),
                nbformat.v4.new_markdown_cell("$" + "x+" * fb._MEMO_TEX + "x$")]
    page = fb.render(nb, {}, [], "amy", "01_penalty", "graded", 0, 0, [])
    assert page.count("x = 1") == 0 and page.count("<math") == 1  # highlighted (spans), converted
    assert fb._highlight_memo.cache_info().currsize == 0 and fb._latex_to_mathml_memo.cache_info().currsize == 0
    assert fb._clean_html_memo.cache_info().currsize == 0  # its highlighted HTML is over _MEMO_HTML too
