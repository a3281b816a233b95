"""The output folder of ``l2reg grade`` and the run's interruption.

A run holds an exclusive ``fcntl`` lock on ``DIR/.l2reg-grade.lock`` (a second run on
the same folder is refused in one line), writes into ``DIR/.l2reg-staging-*/`` and
moves its results into ``DIR`` at the end with SIGINT/SIGTERM held back, so ``DIR``
always holds one complete run. :class:`RunState` turns those signals into
:class:`Interrupted` and stops the run's sandboxes.
"""

from __future__ import annotations

import fcntl
import os
import signal
import threading
from pathlib import Path

from .course import CourseError

LOCK_NAME = ".l2reg-grade.lock"
STAGING_PREFIX = ".l2reg-staging-"
OUTPUTS = ("grades.csv", "summary.txt", "gradebook.db", "feedback", "similarity.csv", "similarity.html")


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived during a run."""

    def __init__(self, signum):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class RunState:
    """State shared by the threads of one run: live sandboxes, and the stop flag an
    interrupt sets so that no new work starts."""

    def __init__(self):
        self.stop = threading.Event()
        self.sandboxes = set()
        self.lock = threading.Lock()

    def check(self):
        if self.stop.is_set():
            raise Interrupted(signal.SIGTERM)

    def started(self, sb):
        with self.lock:
            self.sandboxes.add(sb)
        if self.stop.is_set():
            sb.kill_now()

    def stopped(self, sb):
        with self.lock:
            self.sandboxes.discard(sb)

    def arm(self) -> dict:
        """Turn SIGINT and SIGTERM into :class:`Interrupted` (main thread only); return the
        handlers replaced. Called again after running the reference notebook: nbclient's
        event loop resets SIGTERM to the default (which would kill the run uncleaned)."""
        if threading.current_thread() is not threading.main_thread():
            return {}

        def on_signal(signum, frame):
            self.abort()
            raise Interrupted(signum)

        return {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}

    def abort(self):
        self.stop.set()
        with self.lock:
            for sb in list(self.sandboxes):
                sb.kill_now()


def lock_out(out: Path):
    """Hold an exclusive lock on DIR for the run, or refuse in one line."""
    out.mkdir(parents=True, exist_ok=True)
    fd = os.open(out / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        try:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        finally:
            os.close(fd)
        raise CourseError(f"--out: {out} is in use by another l2reg grade run"
                          f"{f' (pid {holder})' if holder.isdigit() else ''}; wait for it to finish")
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)
    return fd


def switch(stage: Path, out: Path):
    """Move the staged results into DIR, with SIGINT/SIGTERM held back meanwhile, so an
    interrupt leaves either the previous run or this one, never a mix."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        trash = stage / "old"
        trash.mkdir()
        for name in OUTPUTS:
            if (stage / name).exists():
                if (out / name).exists():
                    os.replace(out / name, trash / name)
                os.replace(stage / name, out / name)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
