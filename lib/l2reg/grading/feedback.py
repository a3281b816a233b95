"""Per-student feedback: the executed notebook as HTML, made safe to show.

Built with nbconvert's HTML exporter from a cleaned copy of the executed
notebook: test cells show their student-version source (never the hidden
tests), record outputs are removed, tracebacks of test cells are cut to their
last line, output data is reduced to plain text and PNG images (no HTML,
JavaScript, SVG or metadata from the student's kernel), and lines of hidden
tests are blanked wherever a student's output repeats them. A table of the
graded cells and what was restored or could not run goes on top. Everything
from the student is escaped.
"""

from __future__ import annotations

import copy
import html
import re

from ..checks import MIME

_B64 = re.compile(r"^[A-Za-z0-9+/=\s]*$")
_MAX_TEXT = 200_000


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
    text = text[:_MAX_TEXT]
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
        res = {"output_type": kind, "data": clean, "metadata": {}}
        if kind == "execute_result":
            res["execution_count"] = None
        return res
    return None


def feedback_notebook(executed, results: dict, hidden):
    """A copy of ``executed`` that is safe to show the student, with a marker
    cell under each graded cell."""
    import nbformat

    nb = copy.deepcopy(executed)
    cells = []
    for cell in nb.cells:
        l2 = cell.metadata.get("l2reg", {})
        meta = cell.metadata.get("nbgrader", {})
        test = bool(meta.get("grade")) and cell.cell_type == "code"
        if cell.cell_type == "code":
            if test:
                cell.source = l2.get("student_source", "")
            cell.outputs = [o for o in (_clean_output(o, test, hidden) for o in cell.get("outputs", [])) if o]
            count = cell.get("execution_count")
            cell.execution_count = count if isinstance(count, int) else None
        cell.metadata = {}
        cells.append(cell)
        if test:
            gid = meta.get("grade_id")
            r = results.get(gid, {})
            verdict = "passed" if r.get("passed") else "did not pass"
            why = f" ({r['why']})" if r.get("why") and not r.get("passed") else ""
            cells.append(nbformat.v4.new_markdown_cell(
                f"**{html.escape(gid)}: {r.get('score', 0):g} / {r.get('points', 0):g} points, "
                f"{verdict}{html.escape(why)}**"
            ))
    nb.cells = cells
    nb.metadata = {"kernelspec": executed.metadata.get("kernelspec", {}), "language_info": {"name": "python"}}
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
    """The feedback page as one HTML string."""
    top = summary_html(student_id, lesson, status, score, max_score, results, notes)
    if executed is None:
        return f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(student_id)}</title></head><body>{top}</body></html>"
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="classic")
    exporter.exclude_input_prompt = False
    body, _ = exporter.from_notebook_node(
        feedback_notebook(executed, results, hidden), resources={"metadata": {"name": f"{lesson} {student_id}"}}
    )
    m = re.search(r"<body[^>]*>", body)
    if m:
        return body[: m.end()] + top + body[m.end():]
    return top + body
