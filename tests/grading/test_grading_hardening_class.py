"""Issue 12 on a whole class, graded ONCE (a zip, ``--jobs 2``): an honest notebook next to
the worst CPU neighbour, students whose files are hostile (10,001 files, a file and a
folder of one name, a 300-character folder, an oversized only-notebook, an id with a
trailing newline), control characters in a forged notebook, a student who searches the
kernel for the answers, and the feedback pages. Then, on the same output folder: a second
run is refused while a third runs, and the third is stopped with a real SIGTERM halfway;
the folder must still hold the first run, with nothing left behind."""

from __future__ import annotations

import csv
import hashlib
import html
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from submission_kit import FULL, LESSON, ROOT, answered, index, insert_after, untouched  # noqa: E402

from l2reg.grading import cgroups  # noqa: E402

CELL_TIMEOUT, NOTEBOOK_TIMEOUT = 8, 40

SPINNERS = """import os
for _ in range(40):
    if os.fork() == 0:
        os.setsid()  # its own session: defeats the kernel's autogroup fairness
        while True:
            pass
"""

# After the spinners: a cell that waits and swallows every interrupt, so the sandbox
# stays up as long as the grader lets it.
SWALLOW = """import time
while True:
    try:
        time.sleep(0.1)
    except BaseException:
        pass
"""

SEARCH = """import os, sys, binascii
def _search():
    needles = [binascii.unhexlify(h).decode() for h in %r]
    places = [repr(dict(os.environ))]
    for name, mod in list(sys.modules.items()):
        if name.startswith("l2reg"):
            places.append(repr(vars(mod)))
    import l2reg
    files, seen = 0, set()
    # Where the grader could have left something first (the kernel's folders, the package),
    # then everything else the sandbox shows, up to a count a cell can read in its time.
    for top in ("/tmp", "/home", os.path.dirname(os.path.dirname(l2reg.__file__)), "/"):
        for d, dirs, names in os.walk(top):
            if files >= 3000:
                break
            dirs[:] = [x for x in dirs if not (d == "/" and x in ("proc", "sys", "dev"))]
            for n in names:
                p = os.path.join(d, n)
                if files >= 3000 or p in seen:
                    continue
                seen.add(p)
                try:
                    with open(p, "rb") as f:
                        places.append(f.read(1 << 14).decode("utf-8", "replace"))
                    files += 1
                except OSError:
                    pass
    found = sum(any(x in p for p in places) for x in needles)
    print(f"searched {files} files for {len(needles)} reference values: {found} found")
_search()
"""


def reference_needles():
    """Reference values of lesson 01's hidden tests with many significant digits: no
    student who did not compute them can show them by chance."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "notebooks"))
    from nbrun import reference_records  # the session's one execution of the instructor notebook

    def floats(v):
        if isinstance(v, dict):  # l2reg.checks.encode: {"array": ..., "shape": ...}, {"dict": ...}, {"list": ...}
            for x in v.values():
                yield from floats(x)
        elif isinstance(v, list):
            for x in v:
                yield from floats(x)
        elif isinstance(v, float) and abs(v) > 1e-3 and len(repr(v).lstrip("-0.").replace(".", "")) >= 10:
            yield repr(v)

    return sorted({f for recs in reference_records(LESSON).values() for r in recs for f in floats(r["value"])})


def forged_control_characters():
    """A notebook whose test cell claims a cell_type holding a newline, a forged summary
    line and a terminal escape (written as JSON: nbformat would refuse to write it)."""
    import json

    nb = json.loads(nbformat.writes(answered()))
    i = index(answered(), "test_quiz_q5")
    nb["cells"][i]["cell_type"] = "markdown\nzz: graded\x1b[2J"
    return json.dumps(nb)


def build_zip(path: Path, needles):
    hexed = [n.encode().hex() for n in needles]
    w = nbformat.writes
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        hog = insert_after(insert_after(answered(), "test_quiz_q1", SWALLOW), "test_quiz_q1", SPINNERS)
        zf.writestr("class/aa_cpu_hog/penalty.ipynb", w(hog))
        zf.writestr("class/ab_honest.ipynb", w(answered()))
        zf.writestr("class/ctrl_forger.ipynb", forged_control_characters())
        zf.writestr("class/dump.ipynb", w(insert_after(untouched(), "test_quiz_q5", SEARCH % (hexed,))))
        for i in range(10_001):
            zf.writestr(f"class/many/f{i}.txt", "x")
        zf.writestr("class/many/penalty.ipynb", w(answered()))
        zf.writestr("class/clash", "a file")
        zf.writestr("class/clash/penalty.ipynb", w(answered()))
        zf.writestr("class/longname/" + "d" * 300 + "/penalty.ipynb", w(answered()))
        zf.writestr("class/huge_nb/penalty.ipynb", " " * (101 << 20))
        zf.writestr("class/nlid\n.ipynb", w(answered()))
        zf.writestr("class/nlid.ipynb", w(untouched()))


def grade_cmd(subs, out, jobs=2):
    return [sys.executable, "-m", "l2reg.cli", "grade", LESSON, str(subs), "--out", str(out), "--jobs", str(jobs),
            "--cell-timeout", str(CELL_TIMEOUT), "--notebook-timeout", str(NOTEBOOK_TIMEOUT)]


def snapshot(out: Path) -> dict:
    """Every file of the output folder (outside the lock file) by content hash."""
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file() and p.name != ".l2reg-grade.lock"}


def read_rows(out):
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        return {r["student_id"]: r for r in csv.DictReader(f)}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    base = tmp_path_factory.mktemp("hardening")
    needles = reference_needles()
    archive = base / "class.zip"
    build_zip(archive, needles)
    out = base / "out"
    t0 = time.monotonic()
    first = subprocess.run(grade_cmd(archive, out), cwd=ROOT, capture_output=True, text=True, timeout=1800)
    seconds = time.monotonic() - t0
    load = os.getloadavg()
    state = {"base": base, "archive": archive, "out": out, "first": first, "needles": needles,
             "seconds": seconds, "load": load}
    if first.returncode == 0:
        state["rows"] = read_rows(out)
        state["snapshot"] = snapshot(out)
    yield state


def test_the_class_is_graded(run):
    first = run["first"]
    assert first.returncode == 0, first.stderr[-3000:]
    print(f"class of {len(run['rows'])} graded in {run['seconds']:.0f} s, load {run['load']}")


def test_an_honest_notebook_next_to_40_setsid_spinners_scores_full_marks(run):
    rows = run["rows"]
    assert (float(rows["ab_honest"]["score"]), rows["ab_honest"]["status"]) == (FULL, "graded")
    # The spinners were charged to their own sandbox: the cell after them (which swallows
    # interrupts) is stopped on the CPU time of all the sandbox's processes, at most one
    # core's worth (or, on a machine so loaded that the spinners get little of it, on the
    # wall-clock backstop).
    hog = rows["aa_cpu_hog"]
    assert re.fullmatch(rf"failed: cell \d+ (used more than {CELL_TIMEOUT} s of CPU time \(all its processes "
                        rf"together\)|ran longer than {CELL_TIMEOUT * 5} s of wall-clock time and ignored the "
                        rf"interrupt); the kernel was stopped", hog["status"]), hog["status"]
    assert float(hog["score"]) == 5  # the tests before the spinners: closed form 2, standardize 2, q1 1


def test_every_student_of_the_zip_has_exactly_one_row(run):
    rows = run["rows"]
    assert sorted(rows) == ["aa_cpu_hog", "ab_honest", "clash", "ctrl_forger", "dump", "huge_nb", "longname",
                            "many", "nlid"]
    expected = {
        "many": "failed: the submission holds 10002 files, more than 10000",
        "clash": "failed: the submission holds a file and a folder both named clash",
        "huge_nb": "failed: the notebook penalty.ipynb is larger than 100 MB",
        "nlid": "graded",
    }
    for sid, status in expected.items():
        assert rows[sid]["status"] == status
    assert rows["longname"]["status"].startswith("failed: longname/ddd") and "cannot be unpacked" in rows["longname"]["status"]
    assert float(rows["nlid"]["score"]) == 0  # the untouched nlid.ipynb, not the "nlid\n" answered one
    assert "nlid\\n.ipynb: not a valid student id (ignored)" in (run["out"] / "summary.txt").read_text(encoding="utf-8")


def test_control_characters_from_a_submission_reach_no_output(run):
    first = run["first"]
    summary = (run["out"] / "summary.txt").read_text(encoding="utf-8")
    grades = (run["out"] / "grades.csv").read_text(encoding="utf-8")
    for text in (summary, grades, first.stdout, first.stderr):
        assert "\x1b" not in text and "\r" not in text
        assert not any(line.lstrip().startswith("zz:") for line in text.splitlines()), text
    row = run["rows"]["ctrl_forger"]
    assert row["status"].startswith("flagged: ") and "zz: graded" in row["status"]
    assert "\\n" in row["status"] and "\\x1b" in row["status"]
    assert float(row["score"]) == FULL
    assert len(grades.strip().splitlines()) == 1 + len(run["rows"])


def visible(page):
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def test_feedback_pages_are_self_contained_and_show_math_as_mathml(run):
    fb = run["out"] / "feedback"
    assert sorted(p.stem for p in fb.glob("*.html")) == sorted(run["rows"])
    for page in fb.glob("*.html"):
        raw = page.read_text(encoding="utf-8")
        assert not re.search(r"<script[^>]*\bsrc\s*=", raw, re.I), page.name
        assert not re.search(r"<link[^>]*\bhref\s*=\s*[\"']?(https?:)?//", raw, re.I), page.name
        assert not re.search(r"\b(src|href)\s*=\s*[\"']?(https?:)?//", raw, re.I), page.name
        assert not re.search(r"@import|cdnjs|cdn\.jsdelivr|unpkg", raw, re.I), page.name
        assert "Content-Security-Policy" in raw
    honest = (fb / "ab_honest.html").read_text(encoding="utf-8")
    assert honest.count('<math xmlns="http://www.w3.org/1998/Math/MathML"') >= 5
    # No formula is left as raw LaTeX for a script that is not there.
    assert not re.search(r"\$[^$\n]*\\[A-Za-z]+[^$\n]*\$", visible(honest))


def test_no_reference_value_reaches_the_kernel_or_a_page(run):
    needles = run["needles"]
    assert len(needles) >= 5
    dump = (run["out"] / "feedback" / "dump.html").read_text(encoding="utf-8")
    m = re.search(r"searched (\d+) files for (\d+) reference values: (\d+) found", visible(dump))
    assert m, visible(dump)[-3000:]
    assert int(m.group(1)) >= 3000 and int(m.group(2)) == len(needles) and m.group(3) == "0", m
    for sid in ("dump", "nlid", "clash", "many", "huge_nb"):
        page = (run["out"] / "feedback" / f"{sid}.html").read_text(encoding="utf-8")
        assert not [n for n in needles if n in page], sid


def test_no_staging_folder_is_left(run):
    assert not [p for p in run["out"].iterdir() if p.name.startswith(".l2reg-staging-")]
    assert sorted(p.name for p in run["out"].iterdir()) == [
        ".l2reg-grade.lock", "feedback", "gradebook.db", "grades.csv", "similarity.csv", "similarity.html",
        "summary.txt"]


def test_a_second_run_is_refused_and_an_interrupted_run_leaves_the_first(run, tmp_path):
    out = run["out"]
    before = run["snapshot"]
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    env = dict(os.environ, TMPDIR=str(private_tmp))
    third = subprocess.Popen(grade_cmd(run["archive"], out), cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 600
        staging = []
        while not staging and time.monotonic() < deadline and third.poll() is None:
            staging = list(out.glob(".l2reg-staging-*"))
            time.sleep(0.2)
        assert staging, "the run never started writing"
        second = subprocess.run(grade_cmd(run["archive"], out), cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert second.returncode == 2
        assert len(second.stderr.strip().splitlines()) == 1 and "in use by another l2reg grade run" in second.stderr
        assert f"pid {third.pid}" in second.stderr
        # Halfway: some feedback pages of the new run are written in its staging folder.
        while time.monotonic() < deadline and third.poll() is None:
            # The four students with no notebook are written at once; the fifth page
            # (ab_honest) comes while the CPU hog's sandbox is still running.
            if len(list(staging[0].glob("feedback/*.html"))) >= 5:
                break
            time.sleep(0.2)
        assert third.poll() is None, "the run ended before it could be interrupted"
        groups_during = [g for g in cgroups.leftover_groups(pid=third.pid)]
        third.send_signal(signal.SIGTERM)
        _, err = third.communicate(timeout=120)
    finally:
        if third.poll() is None:
            third.kill()
    assert third.returncode == 128 + signal.SIGTERM, err[-2000:]
    assert "interrupted (SIGTERM)" in err and "still holds the previous run" in err
    assert snapshot(out) == before  # grades.csv, summary.txt, gradebook.db, feedback/: the first run's
    assert not list(out.glob(".l2reg-staging-*"))
    assert list(private_tmp.iterdir()) == []  # unzipped submissions, temporary course
    assert groups_during, "the interrupted run had no sandbox running"
    assert cgroups.leftover_groups(pid=third.pid) == []
