"""Sandboxes started ahead of the submissions that will use them (the ``prestart`` shortcut,
autograder/sandbox.json): :class:`SandboxPool`.
"""

from __future__ import annotations

from .limits import Limits
from .sandbox import Budget, Sandbox, SandboxDied


class SandboxPool:
    """Sandboxes started ahead of the submissions that will use them (issue 18: "the next
    sandbox can start while the current one runs").

    Each is a new, single-use :class:`Sandbox` (its own cgroup, bwrap namespaces, tmpfs
    and interpreter) started before anyone knows whose it will be: nothing of a student
    is in it until :meth:`take` hands it to one submission, which kills it when done; a
    sandbox is never handed out twice. Starting ahead only moves its start (the
    interpreter, the IPython shell, the trusted pre-imports) off the submission's critical
    path; its CPU time is charged to that submission as a start of its own would be
    (:meth:`Sandbox.adopt`). At most ``ahead`` wait at a time, and never more than the
    takes still announced with :meth:`expect`, so that none is started for nobody. A
    sandbox that failed to start is replaced by one started for the submission, so a
    start ahead never costs a student anything. ``run`` (an :class:`~.outdir.RunState`)
    knows every one of them, so an interrupt kills them too; :meth:`close` kills those
    left. Thread-safe.

    Every sandbox is spawned by one thread of the pool's own, which lives until
    :meth:`close`: bwrap runs with ``--die-with-parent`` (``PR_SET_PDEATHSIG``), and
    prctl(2) says the "parent" there is the *thread* that created the process, so a
    sandbox spawned by a thread that then ends (the set-up's, or a grading thread
    finishing its last submission) is killed with SIGKILL in the middle of the next
    submission's notebook. That was the fault that kept ``prestart`` off
    (tests/grading/test_speed_prestart.py, test_a_spare_outlives_the_thread_that_asked_for_it)."""

    def __init__(self, limits: Limits, mpl_cache: str | None = None, preimport=(), ahead: int = 1, run=None):
        import threading

        self.limits, self.mpl_cache, self.preimport = limits, mpl_cache, tuple(preimport)
        self.ahead, self.run = max(0, int(ahead)), run
        from concurrent.futures import ThreadPoolExecutor

        self._spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="l2reg-spawner")
        self._spares = []
        self._expected = 0
        self._closed = False
        self._lock = threading.Lock()
        self.started_ahead = 0  # how many sandboxes were started ahead (for tests)
        self.handed_out = 0  # how many of them were handed to a submission

    def expect(self, n: int) -> None:
        """Announce ``n`` more :meth:`take` calls; start sandboxes ahead for them."""
        with self._lock:
            self._expected += max(0, int(n))
            self._fill()

    def _fill(self):  # with the lock held
        while not self._closed and len(self._spares) < min(self.ahead, self._expected):
            if self.run is not None and self.run.stop.is_set():
                return
            sb = Sandbox(self.limits, self.mpl_cache, preimport=self.preimport)
            try:
                self._spawner.submit(sb.spawn).result()  # forked by the pool's thread: see above
            except Exception:  # noqa: BLE001 - take() starts one for the submission instead
                sb.kill()
                return
            if self.run is not None:
                self.run.started(sb)
            self._spares.append(sb)
            self.started_ahead += 1

    def take(self, budget: Budget | None = None) -> Sandbox:
        """A sandbox for one submission, charged to its ``budget``: one started ahead and
        ready, or else a new one not yet started (the caller's ``with`` starts it)."""
        with self._lock:
            self._expected = max(0, self._expected - 1)
            sb = self._spares.pop(0) if self._spares else None
            self._fill()
        if sb is not None:
            try:
                sb.wait_ready()
            except SandboxDied:
                sb = self._discard(sb)
            except BaseException:
                self._discard(sb)
                raise
        if sb is None:
            return Sandbox(self.limits, self.mpl_cache, budget, self.preimport)
        sb.adopt(budget or Budget(self.limits.notebook_timeout, self.limits.notebook_timeout * self.limits.wall_factor))
        with self._lock:
            self.handed_out += 1
        return sb

    def _discard(self, sb):
        if self.run is not None:
            self.run.stopped(sb)
        sb.kill()
        return None

    def wait_spares(self) -> None:
        """Wait until every sandbox started ahead and not yet taken is ready (a benchmark's
        way to time a submission as if its sandbox had started during the one before)."""
        with self._lock:
            spares = list(self._spares)
        for sb in spares:
            try:
                sb.wait_ready()
            except SandboxDied:
                pass  # take() replaces it

    def close(self) -> None:
        """Kill the sandboxes started ahead that nobody took; start no more."""
        with self._lock:
            self._closed = True
            spares, self._spares = self._spares, []
        for sb in spares:
            self._discard(sb)
        self._spawner.shutdown(wait=True)  # after the kills: its sandboxes die with it

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
