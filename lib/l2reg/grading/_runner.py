"""The process that runs a student's notebook inside the sandbox.

``l2reg grade`` starts it under bubblewrap (see :mod:`l2reg.grading.sandbox`)
as ``python -I -m l2reg.grading._runner IN_FD OUT_FD LIMITS_JSON [PREIMPORT_JSON]``
(the trusted modules to import before it says it is ready). It reads one
JSON request per line from ``IN_FD`` (``{"source": ..., "timeout": ...}``),
runs the source as one cell in an IPython ``InteractiveShell`` and writes one
JSON line per cell to ``OUT_FD``: ``{"status": "ok" | "error", "outputs": [...],
"execution_count": n}``, the outputs in nbformat v4 form.

A request with ``"render": false`` (a cell the trusted source notebook declares
``skip-render``: see :mod:`l2reg.grading.sandbox` and docs/design.md, section 7) runs
its source in full, but objects are not formatted for display: IPython's
``DisplayFormatter.format`` returns nothing, so a matplotlib figure (the displayhook's
``print_figure`` or the inline backend's ``show``) is never drawn or encoded, and
``display(obj)`` publishes nothing. Every name the cell defines, ``_`` and ``Out``
included, is defined as usual; printed text and raw displays are kept. With
``skip_widget_draw`` in the limits, l2reg's widget demos built in such a cell skip their
first frame as well (``l2reg.widgets.core._skip_draw``): the demo, its controls and its
readout exist, its figure is drawn the next time it changes.

Nothing this process says is trusted by the grader: the student's code shares
the process and could write anything to ``OUT_FD``. The grader only takes the
*records* from the outputs and compares them with the reference outside the
sandbox, so a forged answer needs the answer itself. This runner's job is only
to run the cells faithfully for an honest notebook and to keep a dishonest one
within its limits (resource limits, per-cell alarm, capped outputs).
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import sys
import time


class CellTimeout(BaseException):
    """Raised in the student's code when a cell runs out of time."""


class _Cell:
    """The outputs of the cell being run, with a cap on their total size."""

    def __init__(self, cap):
        self.cap = cap
        self.size = 0
        self.outputs = []
        self.truncated = False

    def _room(self, n):
        if self.size + n > self.cap:
            self.truncated = True
            return False
        self.size += n
        return True

    def stream(self, name, text):
        if not text:
            return
        room = self.cap - self.size
        if room <= 0:
            self.truncated = True
            return
        if len(text) > room:
            text = text[:room]
            self.truncated = True
        self.size += len(text)
        if self.outputs and self.outputs[-1].get("output_type") == "stream" and self.outputs[-1]["name"] == name:
            self.outputs[-1]["text"] += text
        else:
            self.outputs.append({"output_type": "stream", "name": name, "text": text})

    def data(self, output_type, data, metadata, execution_count=None):
        try:
            data = {str(k): (v if isinstance(v, (str, dict, list)) else str(v)) for k, v in dict(data).items()}
            metadata = json.loads(json.dumps(metadata or {}, default=str))
            n = len(json.dumps(data, default=str))
        except Exception:  # noqa: BLE001 - whatever a student's object does, drop it
            return
        if not self._room(n):
            return
        out = {"output_type": output_type, "data": data, "metadata": metadata}
        if output_type == "execute_result":
            out["execution_count"] = execution_count
        self.outputs.append(out)


CURRENT = None
RENDER = True  # False while a skip-render cell runs: objects are not formatted for display


class _Stream(io.TextIOBase):
    def __init__(self, name):
        self.name_ = name

    @property
    def name(self):  # noqa: D401 - file-like
        return "<" + self.name_ + ">"

    def writable(self):
        return True

    def write(self, s):
        if not isinstance(s, str):
            s = str(s)
        if CURRENT is not None:
            CURRENT.stream(self.name_, s)
        return len(s)

    def flush(self):
        pass

    def isatty(self):
        return False


def _make_shell():
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.formatters import DisplayFormatter
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
            if CURRENT is not None:
                CURRENT.data("display_data", data, metadata)

        def clear_output(self, wait=False):
            if CURRENT is not None:
                CURRENT.outputs[:] = []

    class Hook(DisplayHook):
        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            if CURRENT is not None:
                CURRENT.data("execute_result", format_dict, md_dict, self.shell.execution_count)

        def finish_displayhook(self):
            pass

    class Formatter(DisplayFormatter):
        def format(self, obj, include=None, exclude=None):
            # IPython's display() skips an object whose format dict is empty, and its
            # displayhook still stores the result (``_``, ``Out``) before writing nothing.
            if not RENDER:
                return {}, {}
            return super().format(obj, include=include, exclude=exclude)

    class Shell(InteractiveShell):
        displayhook_class = Hook
        display_pub_class = Publisher

        def init_display_formatter(self):
            self.display_formatter = Formatter(parent=self)
            self.configurables.append(self.display_formatter)

        def enable_gui(self, gui=None):
            pass  # no event loop: %matplotlib inline draws into the outputs

        def _showtraceback(self, etype, evalue, stb):
            if CURRENT is not None:
                text = "\n".join(stb) if isinstance(stb, list) else str(stb)
                CURRENT.error = {
                    "output_type": "error",
                    "ename": getattr(etype, "__name__", str(etype)),
                    "evalue": str(evalue)[:10000],
                    "traceback": [text[-50000:]],
                }

    cfg = Config()
    cfg.HistoryManager.enabled = False
    cfg.InteractiveShell.colors = "nocolor"
    cfg.InteractiveShell.autocall = 0
    cfg.InteractiveShell.xmode = "Plain"
    return Shell.instance(config=cfg)


def _set_limits(limits):
    import resource

    def lim(name, value):
        if value:
            resource.setrlimit(name, (int(value), int(value)))

    lim(resource.RLIMIT_AS, limits.get("memory_bytes"))
    lim(resource.RLIMIT_CPU, limits.get("cpu_seconds"))
    lim(resource.RLIMIT_FSIZE, limits.get("file_size_bytes"))
    lim(resource.RLIMIT_NPROC, limits.get("processes"))
    lim(resource.RLIMIT_NOFILE, limits.get("open_files"))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _write_all(fd, data: bytes):
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


_MODULE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")


def _preimport(preimports) -> None:
    """Import the trusted modules the grader names (``[[module, [name, ...]], ...]``: what
    the lesson's own import statements import, see ``l2reg.grading.speedups.preimports``)
    before the kernel says it is ready, binding no name: the lesson's first cell then finds
    them in ``sys.modules``. One that fails is left to fail in the cell, as it would."""
    if not isinstance(preimports, list):
        return
    for item in preimports:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str) and _MODULE.match(item[0])
                and isinstance(item[1], list) and all(isinstance(n, str) and _MODULE.match(n) for n in item[1])):
            continue
        try:
            __import__(item[0], fromlist=item[1])
        except Exception:  # noqa: BLE001 - the cell that imports it says why
            pass


def _skip_widget_draw(on: bool) -> None:
    """Tell l2reg's widget demos (when imported) not to draw their frames: see
    ``l2reg.widgets.core._skip_draw``. Only for a cell run with ``"render": false``."""
    core = sys.modules.get("l2reg.widgets.core")
    if core is not None:
        core._skip_draw = on


def _on_alarm(signum, frame):
    raise CellTimeout("the cell ran out of time")


def main(argv=None):
    global CURRENT, RENDER
    argv = sys.argv[1:] if argv is None else argv
    in_fd, out_fd, limits = int(argv[0]), int(argv[1]), json.loads(argv[2])
    preimports = json.loads(argv[3]) if len(argv) > 3 else []
    # The student's code gets /dev/null as its standard streams; what it prints
    # through sys.stdout/sys.stderr is captured per cell.
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    _set_limits(limits)
    sys.stdout, sys.stderr = _Stream("stdout"), _Stream("stderr")
    shell = _make_shell()
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.signal(signal.SIGPROF, _on_alarm)
    cap = int(limits.get("output_bytes_per_cell", 1 << 20))
    reader = os.fdopen(in_fd, "r", encoding="utf-8")
    _preimport(preimports)
    # Nothing of the student's has run yet, so the CPU time said here is trusted (the
    # grader charges it to the submission where no cgroup accounts the sandbox).
    _write_all(out_fd, (json.dumps({"ready": True, "cpu": time.process_time()}) + "\n").encode())
    for line in reader:
        request = json.loads(line)
        CURRENT = cell = _Cell(cap)
        cell.error = None
        RENDER = request.get("render", True) is not False
        skip_draw = not RENDER and bool(limits.get("skip_widget_draw"))
        # The interrupt: after "timeout" seconds of this process's CPU time when the
        # grader counts the sandbox's CPU time ("cpu"), so a cell slowed down by a busy
        # neighbour is not interrupted early; after "wall" seconds of wall clock in any
        # case (a cell that sleeps uses no CPU).
        timeout = float(request.get("timeout", 60))
        wall = float(request.get("wall", timeout))
        if request.get("cpu"):
            signal.setitimer(signal.ITIMER_PROF, max(timeout, 0.001))
        signal.setitimer(signal.ITIMER_REAL, max(wall, 0.001))
        try:
            if skip_draw:
                _skip_widget_draw(True)
            shell.run_cell(request["source"], store_history=True)
        except BaseException as exc:  # noqa: BLE001 - e.g. a timeout between cells
            cell.error = {"output_type": "error", "ename": type(exc).__name__, "evalue": str(exc)[:1000], "traceback": []}
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.setitimer(signal.ITIMER_PROF, 0)
            if skip_draw:
                _skip_widget_draw(False)
        CURRENT = None
        RENDER = True
        outputs = cell.outputs + ([cell.error] if cell.error else [])
        if cell.truncated:
            outputs.append({"output_type": "stream", "name": "stderr", "text": "\n[output truncated by the grader]\n"})
        reply = {"status": "error" if cell.error else "ok", "outputs": outputs,
                 "execution_count": shell.execution_count - 1}
        _write_all(out_fd, (json.dumps(reply, default=str) + "\n").encode("utf-8", "replace"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
