"""One set of control groups per sandbox: CPU share and quota, total memory, process count.

Resource limits (``setrlimit``) are per process, so a submission that forks gets
a new allowance per child. A control group covers every process of the sandbox
together, whatever it spawns and whichever session each child starts:

* ``cpu``: an equal share for every sandbox (``cpu.shares`` 1024 in v1,
  ``cpu.weight`` 100 in v2) and a quota of ``cpu_cores`` (at most one core) per
  period (``cpu.cfs_quota_us``/``cpu.cfs_period_us`` in v1, ``cpu.max`` in v2;
  kernel docs, Documentation/scheduler/sched-bwc.rst);
* ``cpuacct`` (v1) or ``cpu.stat`` ``usage_usec`` (v2): the sandbox's own CPU
  time, which the grader's time limits count, so a notebook slowed down by a
  busy neighbour is not timed out (Documentation/admin-guide/cgroup-v1/cpuacct.rst);
* ``memory``: ``memory.limit_in_bytes`` and, where swap accounting exists,
  ``memory.memsw.limit_in_bytes`` (v1, Documentation/admin-guide/cgroup-v1/memory.rst)
  or ``memory.max`` and ``memory.swap.max`` 0 (v2). The limit covers the
  anonymous memory of all the sandbox's processes and what they write to its
  tmpfs mounts (tmpfs pages are charged to the cgroup of the writer);
* ``pids``: ``pids.max``, because RLIMIT_NPROC does not bind a sandbox started by
  root.

cgroup v1 groups are made below the grader's own group of each hierarchy (read
from ``/proc/self/cgroup``) so the limits of a container still hold; in v2 the
grader's group must allow child groups with these controllers (the "no internal
processes" rule: Documentation/admin-guide/cgroup-v2.rst). What cannot be set up
is reported once, by :func:`missing_controls`, and ends up in the run's summary.
"""

from __future__ import annotations

import os
import signal
import threading
import time

V1_CONTROLLERS = ("cpu", "cpuacct", "memory", "pids")
_lock = threading.Lock()
_count = 0
_layout = None  # {"v1": {controller: base}, "v2": base or None}


def _mounts():
    """``(v1, v2)``: v1 controller -> mount point, and the cgroup2 mount point or None."""
    v1, v2 = {}, None
    try:
        with open("/proc/self/mountinfo", encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError:
        return v1, v2
    for line in lines:
        left, _, right = line.partition(" - ")
        fields, rfields = left.split(), right.split()
        if len(fields) < 5 or len(rfields) < 3:
            continue
        mountpoint, fstype, options = fields[4], rfields[0], rfields[2].split(",")
        if fstype == "cgroup":
            for c in V1_CONTROLLERS:
                if c in options:
                    v1.setdefault(c, mountpoint)
        elif fstype == "cgroup2" and v2 is None:
            v2 = mountpoint
    return v1, v2


def _own_paths():
    """The grader's own cgroup path per v1 controller, and its v2 path ("" key)."""
    own = {}
    try:
        with open("/proc/self/cgroup", encoding="utf-8") as f:
            for line in f.read().splitlines():
                _id, controllers, path = line.split(":", 2)
                for c in controllers.split(",") if controllers else [""]:
                    own[c] = path
    except (OSError, ValueError):
        pass
    return own


def _writable_dir(path):
    return os.path.isfile(os.path.join(path, "cgroup.procs")) and os.access(path, os.W_OK)


def layout():
    """Where sandbox groups go: ``{"v1": {controller: folder}, "v2": folder or None}``."""
    global _layout
    with _lock:
        if _layout is not None:
            return _layout
        v1_mounts, v2_mount = _mounts()
        own = _own_paths()
        v1 = {}
        for c, mount in v1_mounts.items():
            base = os.path.join(mount, own.get(c, "/").lstrip("/"))
            for candidate in (base, mount):
                if _writable_dir(candidate):
                    v1[c] = candidate
                    break
        v2 = None
        if v2_mount and own.get("") is not None:
            base = os.path.join(v2_mount, own[""].lstrip("/"))
            wanted = {"cpu", "memory", "pids"} - set(v1)
            if wanted and _writable_dir(base):
                try:
                    with open(os.path.join(base, "cgroup.controllers")) as f:
                        available = set(f.read().split())
                    if wanted & available:
                        with open(os.path.join(base, "cgroup.subtree_control")) as f:
                            enabled = set(f.read().split())
                        for c in sorted((wanted & available) - enabled):
                            with open(os.path.join(base, "cgroup.subtree_control"), "w") as f:
                                f.write("+" + c)
                        v2 = base
                except OSError:
                    v2 = None
        _layout = {"v1": v1, "v2": v2}
        return _layout


def _v2_controllers():
    base = layout()["v2"]
    if not base:
        return set()
    try:
        with open(os.path.join(base, "cgroup.subtree_control")) as f:
            return set(f.read().split())
    except OSError:
        return set()


def missing_controls() -> list:
    """What the sandboxes cannot be limited by on this host, as short phrases
    (empty when every control is in place)."""
    v1 = layout()["v1"]
    v2 = _v2_controllers()
    missing = []
    if "cpu" not in v1 and "cpu" not in v2:
        missing.append("CPU share and quota")
    if "cpuacct" not in v1 and "cpu" not in v2:
        missing.append("CPU-time accounting (time limits fall back to the wall clock)")
    if "memory" not in v1 and "memory" not in v2:
        missing.append("memory of all processes together (only per process)")
    if "pids" not in v1 and "pids" not in v2:
        missing.append("process count")
    return missing


def _write(path, name, value):
    with open(os.path.join(path, name), "w") as f:
        f.write(str(value))


class SandboxCgroup:
    """The control groups of one sandbox; :meth:`remove` kills what is left in them."""

    def __init__(self, memory_bytes: int, processes: int, cpu_cores: float = 1.0):
        global _count
        with _lock:
            _count += 1
            name = f"l2reg-{os.getpid()}-{_count}-{time.monotonic_ns()}"
        lay = layout()
        self.paths = {}  # controller -> folder (v1), or "v2" -> folder
        period = 100_000
        quota = max(1000, int(period * min(max(cpu_cores, 0.01), 1.0)))
        try:
            for c, base in lay["v1"].items():
                path = os.path.join(base, name)
                os.mkdir(path)
                self.paths[c] = path
                if c == "cpu":
                    _write(path, "cpu.shares", 1024)
                    _write(path, "cpu.cfs_period_us", period)
                    _write(path, "cpu.cfs_quota_us", quota)
                elif c == "memory":
                    _write(path, "memory.limit_in_bytes", memory_bytes)
                    if os.path.exists(os.path.join(path, "memory.memsw.limit_in_bytes")):
                        _write(path, "memory.memsw.limit_in_bytes", memory_bytes)
                elif c == "pids":
                    _write(path, "pids.max", processes)
            v2 = _v2_controllers()
            if v2:
                path = os.path.join(lay["v2"], name)
                os.mkdir(path)
                self.paths["v2"] = path
                if "cpu" in v2 and "cpu" not in lay["v1"]:
                    _write(path, "cpu.weight", 100)
                    _write(path, "cpu.max", f"{quota} {period}")
                if "memory" in v2 and "memory" not in lay["v1"]:
                    _write(path, "memory.max", memory_bytes)
                    if os.path.exists(os.path.join(path, "memory.swap.max")):
                        _write(path, "memory.swap.max", 0)
                if "pids" in v2 and "pids" not in lay["v1"]:
                    _write(path, "pids.max", processes)
        except OSError:
            self.remove()
            raise

    def procs_files(self) -> list:
        """The ``cgroup.procs`` files a process writes its pid to, to join every group."""
        return [os.path.join(p, "cgroup.procs") for p in self.paths.values()]

    def cpu_seconds(self):
        """CPU time used by all the sandbox's processes so far, or None if not accounted."""
        try:
            if "cpuacct" in self.paths:
                with open(os.path.join(self.paths["cpuacct"], "cpuacct.usage")) as f:
                    return int(f.read()) / 1e9
            if "v2" in self.paths and "cpu" not in self.paths:
                with open(os.path.join(self.paths["v2"], "cpu.stat")) as f:
                    for line in f:
                        k, _, v = line.partition(" ")
                        if k == "usage_usec":
                            return int(v) / 1e6
        except (OSError, ValueError):
            pass
        return None

    def oom_killed(self) -> bool:
        """Whether the kernel's OOM killer stopped a process of this sandbox."""
        for c, name in (("memory", "memory.oom_control"), ("v2", "memory.events")):
            if c in self.paths:
                try:
                    with open(os.path.join(self.paths[c], name)) as f:
                        for line in f:
                            k, _, v = line.partition(" ")
                            if k == "oom_kill" and int(v) > 0:
                                return True
                except (OSError, ValueError):
                    pass
        return False

    def memory_peak(self):
        """Largest memory use of the sandbox in bytes, or None."""
        for c, name in (("memory", "memory.max_usage_in_bytes"), ("v2", "memory.peak")):
            if c in self.paths:
                try:
                    with open(os.path.join(self.paths[c], name)) as f:
                        return int(f.read())
                except (OSError, ValueError):
                    pass
        return None

    def pids(self) -> set:
        found = set()
        for p in self.paths.values():
            try:
                with open(os.path.join(p, "cgroup.procs")) as f:
                    found.update(int(x) for x in f.read().split())
            except (OSError, ValueError):
                pass
        return found

    def remove(self):
        """Kill every process still in the groups and remove them (idempotent)."""
        deadline = time.monotonic() + 5
        while self.paths:
            for pid in self.pids():
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            for c, p in list(self.paths.items()):
                try:
                    os.rmdir(p)
                    del self.paths[c]
                except FileNotFoundError:
                    del self.paths[c]
                except OSError:
                    pass
            if not self.paths or time.monotonic() > deadline:
                break
            time.sleep(0.05)


def remove_groups(paths):
    """Kill what is left in the groups at ``paths`` and remove them."""
    for path in paths:
        g = SandboxCgroup.__new__(SandboxCgroup)
        g.paths = {"group": path}
        g.remove()


def leftover_groups(pid=None) -> list:
    """Groups left by grader process ``pid`` (default: this one); for tests and clean-up."""
    prefix = f"l2reg-{pid or os.getpid()}-"
    lay = layout()
    bases = list(lay["v1"].values()) + ([lay["v2"]] if lay["v2"] else [])
    return [os.path.join(b, n) for b in bases if os.path.isdir(b) for n in os.listdir(b) if n.startswith(prefix)]
