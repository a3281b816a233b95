"""Running a student's cells in a bubblewrap sandbox.

One :class:`Sandbox` is one student's kernel: a ``bwrap`` process (command line in
:mod:`.bwrap`) running
:mod:`l2reg.grading._runner` with

* no network (``--unshare-all``: own network, PID, IPC, UTS and user namespaces),
* a read-only view of only what Python needs: ``/usr`` (and the ``/lib*``
  links), ``/etc/ld.so*``, the interpreter's prefix, the virtual environment
  and the folder the ``l2reg`` package is imported from; nothing else of the
  host: not the repository's ``solutions/``, ``autograder/`` or tests, not the
  grader's output folder or gradebook, not other submissions;
* small private tmpfs mounts for ``/tmp`` (also HOME) and the working folder,
  a read-only root, a minimal environment (no ``L2REG_ANSWER_KEY``);
* resource limits set before any student code runs (address space, CPU time,
  file size, processes, open files), and control groups covering all its
  processes together (CPU share and quota, total memory, process count: see
  :mod:`.cgroups`);
* a time limit per cell and per notebook on the sandbox's own CPU time, with a
  wall-clock backstop, enforced from outside by killing the whole sandbox;
* a read-only ``/dev``; bounded reads on the grader's side (per cell and per
  notebook).

Cells go in and results come out over two pipes; no socket is involved.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

from .course import CourseError
from .bwrap import WORKDIR, bwrap_command, sandbox_env  # noqa: F401 - WORKDIR re-exported
from .limits import SANDBOX_CONFIG, Limits, load_limits  # noqa: F401 - the sandbox's limits, re-exported

class SandboxDied(Exception):
    """The kernel stopped answering: it crashed, exited, or was killed by the grader.

    The subclasses say why; ``str()`` is the reason shown to the instructor."""


class KernelCrashed(SandboxDied):
    """The kernel crashed, exited, ran out of memory or stopped answering."""


class SandboxTimeout(SandboxDied):
    """A cell overran its time limit and ignored the interrupt, so the sandbox was killed."""


class NotebookTimeout(SandboxDied):
    """The submission used up its time (CPU or wall clock) for the whole notebook."""


class OutputTooLarge(SandboxDied):
    """One reply of the kernel was larger than the grader accepts for a cell."""


class ProtocolError(SandboxDied):
    """The kernel sent something that is not a reply."""


def _signal_name(code):
    try:
        return signal.Signals(code).name
    except ValueError:
        return f"signal {code}"


class Budget:
    """The time of one submission: CPU seconds (the sandbox's, and the grader's own work on
    it measured with ``time.thread_time``) and a wall-clock backstop.

    Every stage spent on one submission is charged here (reading, rebuilding, running,
    feedback), so a notebook that is cheap to run but costly to rebuild or render is
    stopped like one that runs too long."""

    def __init__(self, cpu_seconds: float, wall_seconds: float):
        self.cpu_limit, self.wall_limit = float(cpu_seconds), float(wall_seconds)
        self.cpu_used = 0.0
        self.t0 = time.monotonic()

    def charge(self, seconds: float):
        self.cpu_used += max(0.0, seconds)

    def cpu_left(self) -> float:
        return self.cpu_limit - self.cpu_used

    def wall_left(self) -> float:
        return self.wall_limit - (time.monotonic() - self.t0)

    def check(self, doing: str):
        """Raise :class:`NotebookTimeout` if the budget is spent."""
        if self.cpu_left() < 0:
            raise NotebookTimeout(f"the notebook ran longer than {self.cpu_limit:g} s (stopped while {doing})")
        if self.wall_left() < 0:
            raise NotebookTimeout(f"the notebook took longer than {self.wall_limit:g} s of wall-clock time "
                                  f"(stopped while {doing})")

    def stage(self, doing: str):
        """Context manager charging the calling thread's CPU time to this budget."""
        budget = self

        class _Stage:
            def __enter__(self):
                self.t = time.thread_time()

            def __exit__(self, *exc):
                budget.charge(time.thread_time() - self.t)
                if exc[0] is None:
                    budget.check(doing)
                return False

        return _Stage()


@dataclass
class CellResult:
    status: str  # "ok" or "error"
    outputs: list = field(default_factory=list)
    execution_count: int | None = None


MAX_RECORD_BYTES = 1 << 16  # one record kept past the notebook's output cap
MAX_NOTEBOOK_RECORD_BYTES = 16 << 20  # all records kept past it
_DROPPED = {"output_type": "stream", "name": "stderr",
            "text": "\n[output dropped by the grader: this notebook's outputs are over {mb} MB]\n"}


class Sandbox:
    """One sandboxed kernel. Use as a context manager.

    Time limits count the CPU time of the sandbox's own control group when the host
    accounts it (see :mod:`.cgroups`), with ``wall_factor`` times as much wall-clock
    time as a backstop; without accounting they are wall-clock limits."""

    def __init__(self, limits: Limits, mpl_cache: str | None = None, budget: Budget | None = None,
                 preimport=()):
        self.cgroup = None
        self.limits = limits
        self.mpl_cache = mpl_cache
        self.budget = budget or Budget(limits.notebook_timeout, limits.notebook_timeout * limits.wall_factor)
        # trusted modules the runner imports before it says it is ready (see .speedups.preimports)
        self.preimport = [[str(m), [str(n) for n in names]] for m, names in preimport]
        self.proc = None
        self._cpu0 = self._t0 = None  # the sandbox's CPU time and the clock when it was spawned
        self._startup_cpu = 0.0  # CPU seconds its start took (interpreter, shell, pre-imports)
        self._buf = bytearray()
        self._kept = 0  # bytes of outputs kept for this notebook
        self._record_bytes = 0  # bytes of records kept for this notebook past its output cap
        self._ready = False  # the runner said it is ready: from then on stderr is the student's to write
        self._w = self._r = None

    def __enter__(self):
        try:
            if not self._ready:
                self.start()
        except BaseException:
            self.kill()
            raise
        return self

    def __exit__(self, *exc):
        self.kill()
        return False

    def _cpu(self):
        """CPU seconds of the whole sandbox, or the wall clock when not accounted."""
        used = self.cgroup.cpu_seconds() if self.cgroup else None
        return used if used is not None else time.monotonic()

    @property
    def accounted(self) -> bool:
        return self.cgroup is not None and self.cgroup.cpu_seconds() is not None

    def start(self):
        """Start the kernel and wait until it is ready (:meth:`spawn`, then :meth:`wait_ready`)."""
        if self.proc is None:
            self.spawn()
        self.wait_ready()

    def spawn(self):
        """Start the kernel's processes (cgroup, bwrap, the runner) without waiting for them."""
        from .cgroups import SandboxCgroup

        try:
            self.cgroup = SandboxCgroup(self.limits.memory_mb << 20, self.limits.processes + 8,
                                        self.limits.cpu_cores)
        except OSError:
            self.cgroup = None  # reported once per run by cgroups.missing_controls()
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        cmd = bwrap_command(self.limits, self.mpl_cache) + [
            sys.executable, "-I", "-m", "l2reg.grading._runner",
            str(req_r), str(resp_w), json.dumps(self.limits.runner_limits()),
        ] + ([json.dumps(self.preimport)] if self.preimport else [])
        files = self.cgroup.procs_files() if self.cgroup else []
        if files:
            # Join the groups before bwrap starts, so that every process of the sandbox
            # is in them: a shell writes its own pid, then becomes bwrap.
            cmd = ["/bin/sh", "-c",
                   'n=$0; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 111; shift; n=$((n-1)); done; exec "$@"',
                   str(len(files)), *files, *cmd]
        try:
            self.proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                pass_fds=(req_r, resp_w), env=sandbox_env(), start_new_session=True,
            )
        finally:
            os.close(req_r)
            os.close(resp_w)
        self._w = req_w
        self._r = resp_r
        os.set_blocking(resp_r, False)
        os.set_blocking(req_w, False)
        self._cpu0, self._t0 = self._cpu(), time.monotonic()

    def wait_ready(self):
        """Wait for the kernel's "ready" line, within the start's limits counted from
        :meth:`spawn`; the CPU time of the start is charged to :attr:`budget` (and kept
        in ``startup_cpu`` for :meth:`adopt`). Once ready, it returns at once."""
        if self._ready:
            return
        try:
            # what a kernel started ahead already said counts first, however long ago
            self._buf += os.read(self._r, 1 << 10)
        except BlockingIOError:
            pass
        hello = None
        try:
            hello = self._read_line(self._cpu0, self._t0, self.limits.startup_timeout,
                                    self.limits.startup_timeout * self.limits.wall_factor, "the kernel's start",
                                    "starting", 1 << 10)
        finally:
            used = self._cpu() - self._cpu0
            cpu = hello.get("cpu") if isinstance(hello, dict) else None
            if not self.accounted and isinstance(cpu, (int, float)) and not isinstance(cpu, bool) and cpu >= 0:
                # Without a cgroup the clock stands in for CPU time, and a kernel started
                # ahead mostly waited: take the runner's own CPU time, which it says before
                # any student code runs (so it is trusted), when that is less.
                used = min(float(cpu), used)
            self._startup_cpu = max(0.0, used)
            self.budget.charge(self._startup_cpu)
        if not isinstance(hello, dict) or not hello.get("ready"):
            raise KernelCrashed("the kernel did not start")
        self._ready = True

    def adopt(self, budget: Budget):
        """Hand a kernel started ahead (:class:`~.pool.SandboxPool`) to the submission whose
        ``budget`` it is: its start is charged there, as a kernel started for it would be."""
        self.budget = budget
        budget.charge(self._startup_cpu)

    def kill(self):
        if self.proc is not None:
            self.kill_now()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:  # pragma: no cover
                pass
            if self.proc.stderr:
                self.proc.stderr.close()
            self.proc = None
        for fd in (self._w, self._r):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._w = self._r = None
        if self.cgroup is not None:
            self.cgroup.remove()
            self.cgroup = None

    def kill_now(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def _died(self, doing):
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        err = b""
        try:
            err = self.proc.stderr.read(2000) if code is not None else b""
        except Exception:  # noqa: BLE001
            pass
        if code is None:
            return KernelCrashed(f"the kernel stopped answering while {doing}")
        if self.cgroup is not None and self.cgroup.oom_killed():
            return KernelCrashed(f"the kernel ran out of memory ({self.limits.memory_mb} MB for all its "
                                 f"processes) while {doing}")
        if code < 0:
            return KernelCrashed(f"the kernel crashed ({_signal_name(-code)}) while {doing}")
        if code > 128 and code - 128 < 65:
            return KernelCrashed(f"the kernel crashed ({_signal_name(code - 128)}) while {doing}")
        msg = f"the kernel exited (status {code}) while {doing}"
        # bwrap's own words are trusted only during startup: once the runner is ready, the
        # student's code can write to the same pipe (/proc/1/fd/2) and forge any message.
        if not self._ready and b"bwrap:" in err:
            from .outcome import clean_text

            msg += ": " + clean_text(err.decode("utf-8", "replace").strip().splitlines()[-1], 300)
        return KernelCrashed(msg)

    def _over(self, cpu0, t0, cpu_limit, wall_limit, label, doing):
        """The error to raise if the running cell is over its limits, else None."""
        used, wall = self._cpu() - cpu0, time.monotonic() - t0
        grace = self.limits.grace
        if self.budget.cpu_left() - used < -grace or self.budget.wall_left() < -grace:
            return NotebookTimeout(
                f"the notebook ran longer than {self.budget.cpu_limit:g} s (stopped while {doing})"
                if self.budget.cpu_left() - used < -grace else
                f"the notebook took longer than {self.budget.wall_limit:g} s of wall-clock time "
                f"(stopped while {doing})")
        if used > cpu_limit + grace:
            # The runner's own interrupt counts only its own CPU time; this counts every
            # process of the sandbox (children it forked keep spinning after an interrupt).
            return SandboxTimeout(f"{label} used more than {cpu_limit:g} s of CPU time (all its processes together)")
        if wall > wall_limit + grace:
            return SandboxTimeout(f"{label} ran longer than {wall_limit:g} s of wall-clock time "
                                  "and ignored the interrupt")
        return None

    def _read_line(self, cpu0, t0, cpu_limit, wall_limit, label, doing, cap):
        """One JSON reply, reading at most ``cap`` bytes, within the limits."""
        while b"\n" not in self._buf:
            over = self._over(cpu0, t0, cpu_limit, wall_limit, label, doing)
            if over is not None:
                self.kill_now()
                raise over
            ready, _, _ = select.select([self._r], [], [], 0.25)
            if not ready:
                continue
            try:
                # Never read past the cap: what the grader holds for one cell is bounded
                # on its own side, whatever the kernel writes.
                chunk = os.read(self._r, min(1 << 16, cap + 1 - len(self._buf)))
            except BlockingIOError:
                continue
            if not chunk:
                raise self._died(doing)
            self._buf += chunk
            if len(self._buf) > cap and b"\n" not in self._buf:
                self.kill_now()
                raise OutputTooLarge(f"output larger than {cap >> 20} MB while {doing}")
        i = self._buf.index(b"\n")
        line = bytes(self._buf[:i])
        del self._buf[:i + 1]
        from .restore import MAX_JSON_DEPTH, json_depth

        t = time.thread_time()  # parsing is the grader's work on this submission: charged to it
        try:
            if json_depth(line) > MAX_JSON_DEPTH:
                # nbformat (and the feedback) would recurse on it: refused before parsing
                self.kill_now()
                raise ProtocolError(f"the kernel sent output nested deeper than {MAX_JSON_DEPTH} levels "
                                    f"while {doing}")
            return json.loads(line)
        except (ValueError, RecursionError):
            self.kill_now()
            raise ProtocolError(f"the kernel sent garbage while {doing}")
        finally:
            self.budget.charge(time.thread_time() - t)

    def _send(self, data: bytes, t0, wall_limit, doing):
        view = memoryview(data)
        while view:
            if time.monotonic() - t0 > wall_limit:
                self.kill_now()
                raise KernelCrashed(f"the kernel stopped reading while {doing}; it was stopped")
            _, ready, _ = select.select([], [self._w], [], 0.25)
            if ready:
                try:
                    view = view[os.write(self._w, view):]
                except BlockingIOError:
                    pass

    def run_cell(self, source: str, label: str = "a cell", records: int | None = None,
                 render: bool = True) -> CellResult:
        """Run one cell; raise a :class:`SandboxDied` subclass if the kernel does not answer in time.

        ``records``: the most records (:data:`~l2reg.checks.MIME` outputs) kept from this
        cell (0 for a cell that is not graded; None: no limit but the output caps).
        ``render`` False: the cell runs in full but the kernel formats no object for
        display (a figure is never drawn; see :mod:`._runner`): for the cells the trusted
        source declares ``skip-render``."""
        doing = f"running {label}"
        self.budget.check(doing)
        lim = self.limits
        factor = lim.wall_factor if self.accounted else 1.0
        cpu_limit = max(0.0, min(lim.cell_timeout, self.budget.cpu_left()))
        wall_limit = max(0.0, min(lim.cell_timeout * factor, self.budget.wall_left()))
        request = {"source": source, "timeout": cpu_limit if self.accounted else wall_limit, "wall": wall_limit,
                   "cpu": self.accounted}
        if not render:
            request["render"] = False
        cpu0, t0 = self._cpu(), time.monotonic()
        try:
            try:
                self._send((json.dumps(request) + "\n").encode("utf-8", "replace"), t0, wall_limit + lim.grace, doing)
            except (BrokenPipeError, OSError) as exc:
                if isinstance(exc, SandboxDied):
                    raise
                raise self._died(doing)
            try:
                reply = self._read_line(cpu0, t0, cpu_limit, wall_limit, label, doing, lim.message_mb << 20)
            except SandboxTimeout as exc:
                raise SandboxTimeout(f"{exc}; the kernel was stopped") from None
        finally:
            self.budget.charge(self._cpu() - cpu0)
        if not isinstance(reply, dict) or not isinstance(reply.get("outputs"), list):
            self.kill_now()
            raise ProtocolError(f"the kernel sent garbage while {doing}")
        execution_count = reply.get("execution_count")
        status = reply.get("status") if reply.get("status") in ("ok", "error") else "error"
        with self.budget.stage(f"reading the outputs of {label}"):
            outputs = self._keep([o for o in (_valid_output(o) for o in reply["outputs"]) if o is not None],
                                 records)
            del reply
        count = execution_count
        return CellResult(status, outputs, count if isinstance(count, int) else None)

    def _keep(self, outputs: list, records: int | None = None) -> list:
        """The outputs the grader keeps: at most ``records`` records of this cell (none of a
        cell that is not graded: grading reads them from graded cells only), and all other
        outputs until the notebook's outputs reach ``notebook_output_mb``; past that, only
        records (each at most :data:`MAX_RECORD_BYTES`, :data:`MAX_NOTEBOOK_RECORD_BYTES`
        in all), and a marker saying what was dropped."""
        from ..checks import MIME

        cap = self.limits.notebook_output_mb << 20
        kept, dropped, n_records, extra_records = [], False, 0, False
        for o in outputs:
            record = MIME in o.get("data", {})
            if record:
                n_records += 1
                if records is not None and n_records > records:
                    # more than the cell can pass with (the reference's count): the verdict
                    # is the same with these dropped
                    extra_records = True
                    continue
            n = _size(o)
            if self._kept + n <= cap:
                self._kept += n
                kept.append(o)
            elif record and n <= MAX_RECORD_BYTES and self._record_bytes + n <= MAX_NOTEBOOK_RECORD_BYTES:
                self._record_bytes += n
                kept.append({"output_type": o["output_type"], "data": {MIME: o["data"][MIME]}, "metadata": {},
                             **({"execution_count": None} if o["output_type"] == "execute_result" else {})})
            else:
                dropped = True
        if dropped:
            kept.append(dict(_DROPPED, text=_DROPPED["text"].format(mb=self.limits.notebook_output_mb)))
        if extra_records and records:
            kept.append(dict(_DROPPED, text=f"\n[test records dropped by the grader: more than {records} in one cell]\n"))
        return kept


def _size(out) -> int:
    """Bytes an output holds (its strings), without serializing it again."""
    if out.get("output_type") == "stream":
        return len(out["text"])
    if out.get("output_type") == "error":
        return len(out["evalue"]) + sum(len(t) for t in out["traceback"]) + 100
    return sum(len(v) if isinstance(v, str) else len(json.dumps(v, default=str)) for v in out["data"].values())


def _valid_output(out):
    """An nbformat v4 output built from what the kernel sent, or None if malformed."""
    if not isinstance(out, dict):
        return None
    kind = out.get("output_type")
    if kind == "stream":
        if out.get("name") in ("stdout", "stderr") and isinstance(out.get("text"), str):
            return {"output_type": "stream", "name": out["name"], "text": out["text"]}
        return None
    if kind == "error":
        tb = out.get("traceback")
        return {"output_type": "error", "ename": str(out.get("ename", ""))[:1000],
                "evalue": str(out.get("evalue", ""))[:10000],
                "traceback": [t for t in tb if isinstance(t, str)] if isinstance(tb, list) else []}
    if kind in ("display_data", "execute_result"):
        data = out.get("data")
        if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
            return None
        res = {"output_type": kind, "data": data, "metadata": {}}
        if kind == "execute_result":
            count = out.get("execution_count")
            res["execution_count"] = count if isinstance(count, int) else None
        return res
    return None


def check_sandbox(limits: Limits, mpl_cache=None) -> None:
    """Refuse (CourseError) when the sandbox cannot run at all on this machine."""
    try:
        with Sandbox(limits, mpl_cache) as sb:
            r = sb.run_cell("1 + 1", "a check")
    except SandboxDied as exc:
        raise CourseError(f"the grading sandbox (bwrap) does not work here: {exc}; refusing to grade unsandboxed")
    if r.status != "ok":
        raise CourseError("the grading sandbox (bwrap) does not run Python; refusing to grade unsandboxed")
