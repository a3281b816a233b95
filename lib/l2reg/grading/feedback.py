"""Per-student feedback: the executed notebook as HTML, made safe to show.

Built with nbconvert's HTML exporter from a cleaned copy of the executed
notebook: test cells show their student-version source (never the hidden
tests), record outputs are removed, tracebacks of test cells are cut to their
last line, output data is reduced to plain text and PNG images (no HTML,
JavaScript, SVG or metadata from the student's kernel), and lines of hidden
tests are blanked wherever a student's output repeats them. A table of the
graded cells and what was restored or could not run goes on top. Everything
from the student is escaped.

Pages are self-contained: the template drops the classic template's CDN scripts
(jQuery, require.js, MathJax, mermaid), a Content-Security-Policy forbids any
fetch, and LaTeX in markdown cells is converted to MathML on the grader's side
(latex2mathml; browsers render MathML natively), so a page reads the same offline.
The page's size is bounded (each text and the page's total), and the executed
notebook is never copied whole.

Cost: each grading thread builds its exporter (traitlets, jinja environment, the
compiled templates) once and reuses it; the notebook is validated once (nbconvert's
``optimistic_validation``) instead of once per cell and once per preprocessor; and the
pure, per-string steps that repeat across a class's pages (a code cell's highlighted
and bleached source, a formula's MathML) are memoized, bounded in count and size.
``HTMLExporter``'s last step, a BeautifulSoup parse and re-serialization of the whole
page (to add a default ``alt`` to images and ``tabindex`` to JupyterLab-template cells,
which the classic template has none of), is replaced by the same ``alt`` given in each
PNG's output metadata. A page is the same document as one built from scratch: the same
string once both go through BeautifulSoup (apart from nbformat's random cell ids).
"""

from __future__ import annotations

import functools
import html
import re
import threading

from ..checks import MIME
from .outcome import encodable

_B64 = re.compile(r"^[A-Za-z0-9+/=\s]*$")
_MAX_TEXT = 200_000
_MAX_PAGE = 4_000_000  # characters of sources, outputs and MathML in one page; beyond, they are not shown
# The rendered page (after HTML escaping, nbconvert's markup and the MathML put in): over
# this, the page is built without the notebook (see PageTooLarge).
_MAX_HTML = 4 * _MAX_PAGE + 2_000_000
_CSP = ("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "img-src data:; style-src 'unsafe-inline'\">")
# nbconvert's classic page without the blocks that load scripts from a CDN.
_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_jquery -%}{%- endblock -%}
{%- block html_head_js_requirejs -%}{%- endblock -%}
{%- block html_head_js_mermaidjs -%}{%- endblock -%}
{%- block html_head_js_mathjax -%}{%- endblock -%}
"""
_MATH = re.compile(r"\$\$(.+?)\$\$|\\\[(.+?)\\\]|(?<![\\$\w])\$(?=\S)([^$\n]+?)(?<=\S)\$(?![\w$])", re.S)
_MATHML_TAGS = {"math", "mrow", "mi", "mn", "mo", "ms", "msup", "msub", "msubsup", "mfrac", "msqrt", "mroot",
                "mover", "munder", "munderover", "mtext", "mspace", "mstyle", "mtable", "mtr", "mtd", "mpadded",
                "mphantom", "menclose", "semantics", "annotation", "merror", "mfenced", "mmultiscripts",
                "mprescripts", "none", "mlabeledtr"}
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)((?:\s+[A-Za-z:-]+=\"[^\"<>]*\")*)\s*(/?)>")
# What nbconvert's HTMLExporter writes (with BeautifulSoup) into an image without alt text.
_ALT = "No description has been provided for this image"
# Memos (below) keep strings up to these lengths, the most recent 256 code cells and 1024
# formulas: a lesson's longest code cell is under 4,000 characters; a hostile class fills
# them with at most ~256 * (8k + 50k) + 256 * 2 * 50k + 1024 * (2k + MathML) characters.
_MEMO_CHARS = 8_000  # a code cell's source
_MEMO_HTML = 50_000  # its highlighted HTML
_MEMO_TEX = 2_000  # a formula
_LANGUAGE = "python"  # every page's language_info name (see feedback_notebook)
_LOCAL = threading.local()  # one exporter per grading thread (an HTMLExporter mutates itself per page)


def latex_to_mathml(tex: str, display: bool = False) -> str:
    r"""MathML for one LaTeX formula, or the formula escaped as text if it cannot be
    converted or the result holds anything but MathML elements.

    Examples
    --------
    >>> latex_to_mathml(r"\lambda \|w\|^2").startswith('<math xmlns="http://www.w3.org/1998/Math/MathML"')
    True
    >>> latex_to_mathml(r"\text{<script>}")
    '<code>\\text{&lt;script&gt;}</code>'
    """
    if len(tex) <= _MEMO_TEX:
        return _latex_to_mathml_memo(tex, display)
    return _latex_to_mathml(tex, display)


@functools.lru_cache(maxsize=1024)
def _latex_to_mathml_memo(tex: str, display: bool) -> str:
    return _latex_to_mathml(tex, display)


def _latex_to_mathml(tex: str, display: bool) -> str:
    try:
        from latex2mathml.converter import convert

        out = convert(tex, display="block" if display else "inline")
    except Exception:  # noqa: BLE001 - LaTeX the converter does not know
        out = None
    if out is not None:
        rest = _TAG.sub(lambda m: "" if m.group(2) in _MATHML_TAGS else "<", out)
        if "<" not in rest and ">" not in rest:
            return out
    return f"<code>{html.escape(tex)}</code>"


@functools.lru_cache(maxsize=256)
def _clean_html_memo(text: str) -> str:
    from nbconvert.filters import clean_html

    return clean_html(text)


def _clean_html(text):
    """nbconvert's ``clean_html`` filter (bleach over the highlighted source of each code
    cell: a pure function of the string), memoized: most code cells of a class's pages
    are the lesson's own, highlighted and bleached once per process."""
    from nbconvert.filters import clean_html

    if isinstance(text, str) and len(text) <= _MEMO_HTML:
        return _clean_html_memo(str(text))  # str(): a Markup and its plain string give the same result
    return clean_html(text)


@functools.lru_cache(maxsize=256)
def _highlight_memo(source: str, magics: str | None) -> str:
    return _LOCAL.highlight(source, metadata={"magics_language": magics} if magics is not None else {})


def _highlight_code(source, language=None, metadata=None):
    """nbconvert's ``highlight_code`` filter (pygments), memoized by source like
    :func:`_clean_html`; the lexer is the page's language (:data:`_LANGUAGE`) as
    ``HTMLExporter`` would choose it, and a cell's ``magics_language`` stays in the key."""
    magics = metadata.get("magics_language") if metadata else None
    if language is None and isinstance(source, str) and len(source) <= _MEMO_CHARS and (
            magics is None or isinstance(magics, str)):
        return _highlight_memo(str(source), magics)
    return _LOCAL.highlight(source, language, metadata)


def _exporter():
    """This thread's HTML exporter, built (and its templates compiled) on first use.

    nbconvert's ``HTMLExporter.from_notebook_node`` registers per-page filters and records
    each page's metadata on the instance, so an exporter is never shared between threads."""
    exporter = getattr(_LOCAL, "exporter", None)
    if exporter is None:
        import jinja2
        from nbconvert import HTMLExporter
        from nbconvert.filters import Highlight2HTML

        exporter = HTMLExporter(template_name="classic", template_file="l2reg_feedback.html.j2",
                                extra_loaders=[jinja2.DictLoader({"l2reg_feedback.html.j2": _TEMPLATE})],
                                filters={"clean_html": _clean_html, "highlight_code": _highlight_code})
        # What HTMLExporter.from_notebook_node builds per page from language_info (ours: always _LANGUAGE).
        _LOCAL.highlight = Highlight2HTML(pygments_lexer=_LANGUAGE, parent=exporter)
        exporter.exclude_input_prompt = False
        # One nbformat validation after the preprocessors instead of one after each of the
        # twelve (four enabled): see Exporter._preprocess in nbconvert/exporters/exporter.py.
        exporter.optimistic_validation = True
        _LOCAL.exporter = exporter
    return exporter


def _cell(cell_type: str, source: str, **fields):
    """A cell as nbformat.v4's ``new_*_cell`` makes it, without validating it alone:
    the whole notebook is validated once by the exporter (see :func:`_exporter`)."""
    from nbformat import NotebookNode
    from nbformat.corpus.words import generate_corpus_id

    cell = NotebookNode(id=generate_corpus_id(), cell_type=cell_type, metadata=NotebookNode(), source=source)
    if cell_type == "code":
        cell.update(execution_count=None, outputs=[])
    cell.update(fields)
    return cell


def _export(exporter, nb, resources) -> str:
    """``HTMLExporter.from_notebook_node`` (nbconvert/exporters/html.py) without its
    BeautifulSoup pass over the page, about 60% of a page's time with the filters memoized:
    the pass sets ``alt`` on images that have none (ours carry it, see :func:`_clean_output`)
    and ``tabindex`` on ``.jp-Notebook`` cells (the lab template's; the classic has none)."""
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    resources = exporter._init_resources(resources)
    # highlight_code is ours (the exporter's filters trait), as HTMLExporter would keep it.
    exporter.register_filter("filter_data_type", WidgetsDataTypeFilter(
        notebook_metadata=exporter._nb_metadata, parent=exporter, resources=resources))
    body, _ = TemplateExporter.from_notebook_node(exporter, nb, resources)
    return body


class PageTooLarge(Exception):
    """The rendered feedback page would exceed its size cap."""


def _with_math_tokens(source: str, math: dict, room: list | None = None) -> str:
    """``source`` with each formula replaced by a token; ``math`` maps tokens to MathML.

    Tokens hold a random nonce drawn once per page (``math["nonce"]``), so text from a
    student (an output, a source) can never name one; the MathML put in is charged to
    ``room`` (a one-item list of characters left), and a formula over it stays text."""
    import secrets

    nonce = math.setdefault("nonce", secrets.token_hex(16))

    def sub(m):
        if room is not None and room[0] <= 0:
            return m.group()
        display = m.group(3) is None
        mathml = latex_to_mathml(m.group(1) or m.group(2) or m.group(3), display)
        if room is not None:
            room[0] -= len(mathml)
        token = f"l2regmath{nonce}n{len(math)}x"
        math[token] = mathml
        return token

    return _MATH.sub(sub, source)


def hidden_lines(source_nb) -> list:
    """Lines of the hidden tests of a source notebook (for scrubbing outputs)."""
    lines = set()
    for cell in source_nb.cells:
        inside = False
        for line in cell.get("source", "").splitlines():
            s = line.strip()
            if s.startswith("### BEGIN HIDDEN TESTS"):
                inside = True
                continue
            if s.startswith("### END HIDDEN TESTS"):
                inside = False
                continue
            if inside and len(s) >= 8:
                lines.add(s)
    return sorted(lines, key=len, reverse=True)


def _scrub(text, hidden):
    if not isinstance(text, str):
        text = str(text)
    text = encodable(text[:_MAX_TEXT])  # a lone surrogate (valid JSON "\ud800") cannot be written as UTF-8
    for line in hidden:
        if line in text:
            text = text.replace(line, "[hidden test]")
    return text


def _clean_output(out, test_cell, hidden):
    kind = out.get("output_type")
    if kind == "stream":
        name = out.get("name") if out.get("name") in ("stdout", "stderr") else "stdout"
        return {"output_type": "stream", "name": name, "text": _scrub(out.get("text", ""), hidden)}
    if kind == "error":
        ename, evalue = _scrub(out.get("ename", ""), hidden)[:200], _scrub(out.get("evalue", ""), hidden)[:5000]
        tb = out.get("traceback") if not test_cell else None
        if isinstance(tb, list) and all(isinstance(t, str) for t in tb):
            tb = [_scrub(t, hidden) for t in tb]
        else:
            tb = [f"{ename}: {evalue}"]
        return {"output_type": "error", "ename": ename, "evalue": evalue, "traceback": tb}
    if kind in ("display_data", "execute_result"):
        data = out.get("data") if isinstance(out.get("data"), dict) else {}
        if MIME in data:
            return None
        clean = {}
        if isinstance(data.get("text/plain"), str):
            clean["text/plain"] = _scrub(data["text/plain"], hidden)
        png = data.get("image/png")
        if isinstance(png, str) and len(png) < 5_000_000 and _B64.match(png):
            clean["image/png"] = png
        if not clean:
            return None
        res = {"output_type": kind, "data": clean, "metadata": {"image/png": {"alt": _ALT}} if "image/png" in clean else {}}
        if kind == "execute_result":
            res["execution_count"] = None
        return res
    return None


def feedback_notebook(executed, results: dict, hidden, math: dict | None = None):
    """A new notebook, safe to show the student, built from ``executed`` (never a copy
    of it), with a marker cell under each graded cell; ``math`` collects the MathML of
    the formulas in markdown cells, replaced by tokens (see :func:`render`)."""
    import nbformat

    math = {} if math is None else math
    room = [_MAX_PAGE]
    cells = []
    for cell in executed.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        ctype = cell.get("cell_type")
        test = bool(meta.get("grade")) and ctype == "code"
        source = cell.get("source", "")
        source = encodable(source if isinstance(source, str) else str(source))
        if ctype == "code":
            if test:
                source = encodable(cell.get("metadata", {}).get("l2reg", {}).get("student_source", ""))
            room[0] -= len(source[:_MAX_TEXT])
            if room[0] <= 0:
                source = "# [source not shown: the page is full]"
            outputs = []
            for o in cell.get("outputs", []):
                if room[0] <= 0:
                    outputs.append({"output_type": "stream", "name": "stderr",
                                    "text": "[output not shown: the page is full]\n"})
                    break
                c = _clean_output(o, test, hidden)
                if c:
                    room[0] -= sum(len(v) for v in c.get("data", {}).values()) + len(c.get("text", ""))
                    outputs.append(c)
            count = cell.get("execution_count")
            new = _cell("code", source[:_MAX_TEXT], execution_count=count if isinstance(count, int) else None)
            new.outputs = [nbformat.from_dict(o) for o in outputs]
        elif ctype == "markdown":
            room[0] -= len(source[:_MAX_TEXT])
            new = _cell("markdown", _with_math_tokens(source[:_MAX_TEXT], math, room)
                        if room[0] > 0 else "[not shown: the page is full]")
        else:
            room[0] -= len(source[:_MAX_TEXT])
            new = _cell("raw", source[:_MAX_TEXT] if room[0] > 0 else "[not shown: the page is full]")
        cells.append(new)
        if test:
            gid = meta.get("grade_id")
            r = results.get(gid, {})
            verdict = "passed" if r.get("passed") else "did not pass"
            why = f" ({r['why']})" if r.get("why") and not r.get("passed") else ""
            cells.append(_cell(
                "markdown", f"**{html.escape(gid)}: {r.get('score', 0):g} / {r.get('points', 0):g} points, "
                f"{verdict}{html.escape(why)}**"
            ))
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    ks = executed.get("metadata", {}).get("kernelspec", {})
    nb.metadata = {"language_info": {"name": _LANGUAGE}}
    if isinstance(ks, dict) and isinstance(ks.get("name"), str) and isinstance(ks.get("display_name"), str):
        nb.metadata["kernelspec"] = {"name": encodable(ks["name"]), "display_name": encodable(ks["display_name"])}
    return nb


def summary_html(student_id, lesson, status, score, max_score, results, notes) -> str:
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(gid)}</td><td>{'passed' if r['passed'] else 'not passed'}</td>"
        f"<td>{r['score']:g} / {r['points']:g}</td><td>{e(r.get('why') or '')}</td></tr>"
        for gid, r in results.items()
    )
    items = "".join(f"<li>{e(n)}</li>" for n in notes)
    return (
        '<div class="l2reg-feedback" style="font-family:sans-serif;margin:1em auto;max-width:60em">'
        f"<h1>Feedback: {e(lesson)}, {e(student_id)}</h1>"
        f"<p><b>Score: {score:g} / {max_score:g}</b> &mdash; status: {e(status)}</p>"
        + (f"<ul>{items}</ul>" if items else "")
        + '<table border="1" cellpadding="4" style="border-collapse:collapse">'
        "<tr><th>graded cell</th><th>result</th><th>points</th><th>note</th></tr>"
        f"{rows}</table></div>"
    )


def render(executed, results, hidden, student_id, lesson, status, score, max_score, notes) -> str:
    """The feedback page as one self-contained HTML string (no network needed)."""
    top = summary_html(student_id, lesson, status, score, max_score, results, [encodable(n) for n in notes])
    if executed is None:
        return (f"<!DOCTYPE html><html><head><meta charset='utf-8'>{_CSP}<title>{html.escape(student_id)}</title>"
                f"</head><body>{top}</body></html>")
    exporter = _exporter()
    math = {}
    try:
        body = _export(exporter, feedback_notebook(executed, results, hidden, math),
                       {"metadata": {"name": f"{lesson} {student_id}"}})
    finally:
        exporter._nb_metadata.clear()  # nbconvert keeps each page's metadata on the exporter: not across pages
    if len(body) > _MAX_HTML:
        raise PageTooLarge(f"the page would be larger than {_MAX_HTML // 1_000_000} million characters")
    nonce = math.pop("nonce", None)
    if math:
        body = re.sub(rf"l2regmath{nonce}n\d+x", lambda m: math.get(m.group(), m.group()), body)
        if len(body) > _MAX_HTML:
            raise PageTooLarge(f"the page would be larger than {_MAX_HTML // 1_000_000} million characters")
    m = re.search(r"<head[^>]*>", body)
    if m:
        body = body[: m.end()] + _CSP + body[m.end():]
    m = re.search(r"<body[^>]*>", body)
    if m:
        return body[: m.end()] + top + body[m.end():]
    return top + body
