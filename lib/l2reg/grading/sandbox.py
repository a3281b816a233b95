"""Running a student's cells in a bubblewrap sandbox.

One :class:`Sandbox` is one student's kernel: a ``bwrap`` process running
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
  file size, processes, open files) and a wall-clock limit per cell and per
  notebook enforced from outside by killing the whole sandbox.

Cells go in and results come out over two pipes; no socket is involved.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .course import CONFIG_RELATIVE, CourseError

SANDBOX_CONFIG = Path("autograder") / "sandbox.json"
WORKDIR = "/home/student"


@dataclass
class Limits:
    """Limits of one student's kernel (``autograder/sandbox.json``)."""

    cell_timeout: float = 60.0  # seconds of wall clock per cell (nbgrader's Execute.timeout)
    notebook_timeout: float = 600.0  # seconds of wall clock for the whole notebook
    grace: float = 5.0  # seconds a cell may overrun before the sandbox is killed
    memory_mb: int = 2048  # address space of each process
    cpu_seconds: int = 600  # CPU time of each process
    file_size_mb: int = 64  # largest file the kernel may write
    tmp_size_mb: int = 256  # each private tmpfs (/tmp, the working folder)
    processes: int = 64  # processes and threads
    open_files: int = 256
    output_kb_per_cell: int = 1024  # captured output of one cell
    message_mb: int = 16  # largest reply the grader reads for one cell
    startup_timeout: float = 60.0

    def runner_limits(self) -> dict:
        return {
            "memory_bytes": self.memory_mb << 20,
            "cpu_seconds": self.cpu_seconds,
            "file_size_bytes": self.file_size_mb << 20,
            "processes": self.processes,
            "open_files": self.open_files,
            "output_bytes_per_cell": self.output_kb_per_cell << 10,
        }


def load_limits(root, **overrides) -> Limits:
    """Limits from ``autograder/sandbox.json`` (and nbgrader's ``Execute.timeout``),
    then ``overrides`` (None values ignored)."""
    limits = Limits()
    cfg = Path(root) / CONFIG_RELATIVE
    if cfg.is_file():
        from traitlets.config.loader import PyFileConfigLoader

        try:
            c = PyFileConfigLoader(cfg.name, path=str(cfg.parent)).load_config()
            if "timeout" in c.Execute:
                limits.cell_timeout = float(c.Execute.timeout)
        except Exception:  # noqa: BLE001 - a broken config is reported by nbgrader itself
            pass
    path = Path(root) / SANDBOX_CONFIG
    if path.is_file():
        data = json.loads(path.read_text(encoding="utf-8"))
        for k, v in data.items():
            if k.startswith("_"):
                continue
            if not hasattr(limits, k):
                raise CourseError(f"{SANDBOX_CONFIG}: unknown setting {k!r}")
            setattr(limits, k, type(getattr(limits, k))(v))
    for k, v in overrides.items():
        if v is not None:
            setattr(limits, k, type(getattr(limits, k))(v))
    return limits


def _package_root() -> Path:
    import l2reg

    return Path(l2reg.__file__).resolve().parent.parent


def _ro_paths() -> list[str]:
    """Host folders the kernel sees read-only, outermost first."""
    paths = ["/usr"]
    for p in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives"):
        if os.path.exists(p):
            paths.append(p)
    for p in {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix), str(_package_root())}:
        if not p.startswith("/usr/") and p != "/usr":
            paths.append(p)
    # The interpreter binary itself may be a link into yet another prefix.
    exe_dir = os.path.dirname(os.path.realpath(sys.executable))
    if not any(exe_dir == p or exe_dir.startswith(p + "/") for p in paths):
        paths.append(exe_dir)
    return sorted(set(paths), key=lambda p: (p.count("/"), p))


def bwrap_path():
    return shutil.which("bwrap")


def bwrap_command(limits: Limits, mpl_cache: str | None = None) -> list[str]:
    bwrap = bwrap_path()
    if bwrap is None:
        raise CourseError(
            "bubblewrap (bwrap) is not installed: it is needed to run submissions safely "
            "(Debian: apt-get install bubblewrap); refusing to grade unsandboxed"
        )
    tmp = str(limits.tmp_size_mb << 20)
    cmd = [
        bwrap, "--unshare-all", "--unshare-user", "--uid", "65534", "--gid", "65534",
        "--die-with-parent", "--new-session", "--disable-userns",
    ]
    for link in ("/bin", "/lib", "/lib64", "/sbin", "/lib32", "/libx32"):
        if os.path.islink(link):
            cmd += ["--symlink", os.readlink(link), link]
        elif os.path.isdir(link):
            cmd += ["--ro-bind", link, link]
    cmd += ["--proc", "/proc", "--dev", "/dev"]
    cmd += ["--size", tmp, "--tmpfs", "/tmp", "--dir", "/tmp/home", "--dir", "/tmp/mpl"]
    for p in _ro_paths():
        cmd += ["--ro-bind", p, p]
    if mpl_cache:
        for f in os.listdir(mpl_cache):
            if f.endswith(".json"):
                cmd += ["--ro-bind", os.path.join(mpl_cache, f), "/tmp/mpl/" + f]
    cmd += ["--size", tmp, "--tmpfs", WORKDIR, "--chdir", WORKDIR]
    cmd += ["--size", "1048576", "--tmpfs", "/dev/shm"]
    cmd += ["--remount-ro", "/"]
    return cmd


def sandbox_env() -> dict:
    return {
        "PATH": os.path.dirname(sys.executable) + ":/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp/home",
        "USER": "student",
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": "/tmp/mpl",
        "IPYTHONDIR": "/tmp/home/.ipython",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }


_CGROUP_BASE = None
_CGROUP_COUNT = 0


def pids_cgroup_base():
    """A writable cgroup folder with the ``pids`` controller, or None.

    RLIMIT_NPROC does not bind a sandbox started by root (the kernel exempts the
    initial root user), so when the grader can create cgroups it also caps the
    sandbox's process count with ``pids.max``."""
    global _CGROUP_BASE
    if _CGROUP_BASE is None:
        _CGROUP_BASE = ""
        for base in ("/sys/fs/cgroup/pids", "/sys/fs/cgroup"):
            if os.path.isfile(os.path.join(base, "cgroup.procs")) and os.access(base, os.W_OK):
                if base == "/sys/fs/cgroup":
                    try:
                        with open(os.path.join(base, "cgroup.subtree_control")) as f:
                            if "pids" not in f.read().split():
                                continue
                    except OSError:
                        continue
                _CGROUP_BASE = base
                break
    return _CGROUP_BASE or None


def _make_cgroup(processes: int):
    global _CGROUP_COUNT
    base = pids_cgroup_base()
    if not base:
        return None
    _CGROUP_COUNT += 1
    path = os.path.join(base, f"l2reg-{os.getpid()}-{_CGROUP_COUNT}-{time.monotonic_ns()}")
    try:
        os.mkdir(path)
        with open(os.path.join(path, "pids.max"), "w") as f:
            f.write(str(processes))
        return path
    except OSError:
        try:
            os.rmdir(path)
        except OSError:
            pass
        return None


def _remove_cgroup(path):
    if not path:
        return
    for _ in range(50):
        try:
            os.rmdir(path)
            return
        except OSError:
            try:
                with open(os.path.join(path, "cgroup.procs")) as f:
                    for pid in f.read().split():
                        try:
                            os.kill(int(pid), signal.SIGKILL)
                        except (ProcessLookupError, ValueError):
                            pass
            except OSError:
                return
            time.sleep(0.1)


class SandboxDied(Exception):
    """The kernel stopped answering: it crashed, exited, or was killed by the grader."""


def _signal_name(code):
    try:
        return signal.Signals(code).name
    except ValueError:
        return f"signal {code}"


@dataclass
class CellResult:
    status: str  # "ok" or "error"
    outputs: list = field(default_factory=list)
    execution_count: int | None = None


class Sandbox:
    """One sandboxed kernel. Use as a context manager."""

    def __init__(self, limits: Limits, mpl_cache: str | None = None):
        self.cgroup = None
        self.limits = limits
        self.mpl_cache = mpl_cache
        self.proc = None
        self.started = None
        self._buf = b""

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.kill()
        return False

    def start(self):
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        cmd = bwrap_command(self.limits, self.mpl_cache) + [
            sys.executable, "-I", "-m", "l2reg.grading._runner",
            str(req_r), str(resp_w), json.dumps(self.limits.runner_limits()),
        ]
        self.cgroup = _make_cgroup(self.limits.processes + 8)
        if self.cgroup:
            # Join the cgroup before bwrap starts, so that every process of the
            # sandbox is counted.
            cmd = ["/bin/sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', self.cgroup, *cmd]
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
        self.started = time.monotonic()
        hello = self._read_line(time.monotonic() + self.limits.startup_timeout, "starting")
        if not hello.get("ready"):
            raise SandboxDied("the kernel did not start")

    def kill(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            pass
        for fd in (self._w, self._r):
            try:
                os.close(fd)
            except OSError:
                pass
        if self.proc.stderr:
            self.proc.stderr.close()
        self.proc = None
        _remove_cgroup(getattr(self, "cgroup", None))

    def _died(self, doing):
        self.proc_kill_reason = None
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
            return SandboxDied(f"the kernel stopped answering while {doing}")
        if code < 0:
            return SandboxDied(f"the kernel crashed ({_signal_name(-code)}) while {doing}")
        if code > 128 and code - 128 < 65:
            return SandboxDied(f"the kernel crashed ({_signal_name(code - 128)}) while {doing}")
        msg = f"the kernel exited (status {code}) while {doing}"
        if b"bwrap:" in err:
            msg += ": " + err.decode("utf-8", "replace").strip().splitlines()[-1]
        return SandboxDied(msg)

    def _read_line(self, deadline, doing):
        cap = self.limits.message_mb << 20
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill_now()
                raise SandboxDied(f"time limit exceeded while {doing}; the kernel was stopped")
            ready, _, _ = select.select([self._r], [], [], min(left, 1.0))
            if not ready:
                continue
            try:
                chunk = os.read(self._r, 1 << 16)
            except BlockingIOError:
                continue
            if not chunk:
                raise self._died(doing)
            self._buf += chunk
            if len(self._buf) > cap and b"\n" not in self._buf:
                self.kill_now()
                raise SandboxDied(f"output larger than {self.limits.message_mb} MB while {doing}")
        line, self._buf = self._buf.split(b"\n", 1)
        try:
            return json.loads(line)
        except (ValueError, RecursionError):
            self.kill_now()
            raise SandboxDied(f"the kernel sent garbage while {doing}")

    def _send(self, data: bytes, deadline, doing):
        view = memoryview(data)
        while view:
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill_now()
                raise SandboxDied(f"the kernel stopped reading while {doing}; it was stopped")
            _, ready, _ = select.select([], [self._w], [], min(left, 1.0))
            if ready:
                try:
                    view = view[os.write(self._w, view):]
                except BlockingIOError:
                    pass

    def kill_now(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def run_cell(self, source: str, label: str = "a cell") -> CellResult:
        """Run one cell; raise :class:`SandboxDied` if the kernel does not answer in time."""
        doing = f"running {label}"
        now = time.monotonic()
        nb_deadline = self.started + self.limits.notebook_timeout
        if now >= nb_deadline:
            self.kill_now()
            raise SandboxDied(f"the notebook ran longer than {self.limits.notebook_timeout:g} s")
        cell_deadline = now + self.limits.cell_timeout + self.limits.grace
        msg = json.dumps({"source": source, "timeout": self.limits.cell_timeout}) + "\n"
        try:
            self._send(msg.encode("utf-8", "replace"), min(cell_deadline, nb_deadline), doing)
        except (BrokenPipeError, OSError):
            raise self._died(doing)
        try:
            reply = self._read_line(min(cell_deadline, nb_deadline), doing)
        except SandboxDied as exc:
            if time.monotonic() >= nb_deadline - 0.01 and "time limit" in str(exc):
                raise SandboxDied(f"the notebook ran longer than {self.limits.notebook_timeout:g} s "
                                  f"(stopped while {doing})")
            if "time limit" in str(exc):
                raise SandboxDied(f"{label} ran longer than {self.limits.cell_timeout:g} s and "
                                  f"ignored the interrupt; the kernel was stopped")
            raise
        if not isinstance(reply, dict) or not isinstance(reply.get("outputs"), list):
            self.kill_now()
            raise SandboxDied(f"the kernel sent garbage while {doing}")
        status = reply.get("status") if reply.get("status") in ("ok", "error") else "error"
        outputs = [o for o in (_valid_output(o) for o in reply["outputs"]) if o is not None]
        count = reply.get("execution_count")
        return CellResult(status, outputs, count if isinstance(count, int) else None)




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
