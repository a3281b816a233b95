"""Grading on a Dask cluster: ``l2reg grade ... --scheduler ADDRESS`` (docs/design.md §7).

This machine (the client) does everything a local run does except run the notebooks: it
checks the arguments, reads the submissions, computes the reference records, scores each
submission against them, renders the feedback and writes ``grades.csv``, ``summary.txt``
and the gradebook. A worker gets the lesson without its answers (the official notebooks
and how many records each test cell makes), the sandbox limits and one submission's
bytes; it rebuilds the notebook, runs it in its own bubblewrap sandbox and sends back the
executed notebook and each test cell's status (:class:`~.scoring.Executed`). So a worker
needs l2reg (the same code as the client: checked) and bubblewrap, and no shared folder.

The reference canary runs once on every worker process, before its first submission:
every result carries the worker's canary (its records only), which the client scores
against its reference records; a worker whose sandbox does not give the reference solution
full marks stops the run (:class:`~.course.CourseError`), as the local canary does.

Lost workers: Dask runs the tasks of a worker that died again on another worker; a task
that was running on ``distributed.scheduler.allowed-failures`` + 1 workers that all died
(3 + 1 by default) fails with ``KilledWorker`` ("marked as bad after it kills a fixed
number of workers", https://distributed.dask.org/en/stable/resilience.html; the scheduler
counts every task *assigned* to a dying worker, https://examples.dask.org/resilience.html).
A worker's death counts against every submission it held, so a bystander can be given up
with the culprit: every submission given up is graded once more, alone on the cluster,
after all the others; given up again, it is ``failed: ...``, never retried again. At most
as many submissions are in flight as the cluster has threads, so a worker holds only the
submissions it is running (one more for a while after another worker died).

Nothing here imports Dask until :func:`run_cluster` is called; without ``--scheduler``
a run never does (a test checks ``sys.modules``).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path

from .course import CourseError
from .outcome import clean_text
from .outdir import Interrupted, RunState

CONNECT_TIMEOUT = 5.0  # seconds to reach the scheduler
WORKER_TIMEOUT = 120.0  # seconds without any worker before the run gives up
POLL = 0.25  # seconds between checks for an interrupt while waiting for results


# --- what the client sends ------------------------------------------------------------

@dataclass
class Spec:
    """What every task of one run needs: sent once per run (a task the others depend on,
    so the scheduler can make it again if the workers holding it die)."""

    token: str
    lesson: object  # scoring.Lesson without answers (see :func:`without_answers`)
    limits: object  # limits.Limits of the client (sandbox.json and the command line)
    reference: bytes  # the instructor notebook, for the worker's canary
    digest: str  # the client's :func:`code_digest`


def without_answers(lesson):
    """A copy of ``lesson`` whose reference records keep only their keys: enough for a
    worker to cap the records it keeps (:func:`~.scoring.record_caps`), not to score.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from dataclasses import dataclass
    >>> @dataclass
    ... class L:
    ...     reference: dict
    >>> without_answers(L({"t1": [{"key": "a", "value": 1.0, "rtol": 0, "atol": 0}]})).reference
    {'t1': [{'key': 'a'}]}
    """
    if lesson.reference is None:
        return lesson
    return replace(lesson, reference={gid: [{"key": r.get("key")} for r in recs]
                                      for gid, recs in lesson.reference.items()})


def code_digest() -> str:
    """SHA-256 of this l2reg package's Python sources (paths and bytes): what runs a
    submission, so a worker with other code than the client is refused, not trusted.

    Examples
    --------
    >>> len(code_digest())
    64
    """
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for p in sorted(root.rglob("*.py")):
        if "__pycache__" in p.parts:
            continue
        h.update(str(p.relative_to(root)).encode())
        h.update(b"\0")
        h.update(p.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def _payload(path: Path):
    """A submission as sent to a worker: its bytes, or only its size when it is over
    :data:`~.restore.MAX_NOTEBOOK_BYTES` (the worker then refuses it exactly as a local
    run does, from a sparse file of that size). Raises OSError when unreadable."""
    from .restore import MAX_NOTEBOOK_BYTES

    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        return ("size", size)
    with open(path, "rb") as f:
        data = f.read(MAX_NOTEBOOK_BYTES + 1)
    return ("bytes", data)


def _write_payload(folder: Path, payload) -> Path:
    path = folder / "submission.ipynb"
    kind, value = payload
    with open(path, "wb") as f:
        if kind == "size":
            f.truncate(int(value))
        else:
            f.write(value)
    return path


# --- the worker's side ----------------------------------------------------------------

_SIDES: OrderedDict = OrderedDict()  # run token -> _WorkerSide, in this worker process
_SIDES_LOCK = threading.Lock()
_MAX_SIDES = 8  # runs remembered per worker process (a few graders may share a cluster)


class _WorkerSide:
    """One run as a worker process sees it: the spec, the run's stop flag (set by
    :func:`_abort_on_worker`) and, once prepared, the sandbox check and the canary."""

    def __init__(self, spec: Spec):
        self.spec = spec
        self.run = RunState()
        self.lock = threading.Lock()
        self.ready = None

    def prepare(self) -> dict:
        with self.lock:
            if self.ready is None:
                self.ready = self._prepare()
            return self.ready

    def _prepare(self) -> dict:
        from .sandbox import check_sandbox
        from .scoring import execute_one

        mpl_cache = _mpl_cache()
        try:
            check_sandbox(self.spec.limits, mpl_cache)
        except CourseError as exc:
            return {"refuse": str(exc)}
        with tempfile.TemporaryDirectory(prefix="l2reg-cluster-") as d:
            path = _write_payload(Path(d), ("bytes", self.spec.reference))
            ex = execute_one(self.spec.lesson, "reference", path, self.spec.limits, mpl_cache, self.run)
        return {"mpl_cache": mpl_cache, "canary": _records_only(ex)}


def _mpl_cache():
    from .grade import _mpl_cache as host_cache

    return host_cache()


def _records_only(ex):
    """``ex`` with its notebook cut to the graded code cells and their records: all that
    scoring reads (:func:`~.answers.records_by_cell`), a few kB on the wire."""
    import copy

    from ..checks import MIME

    if ex.notebook is None:
        return replace(ex, budget=None)
    nb = copy.copy(ex.notebook)
    cells = []
    for cell in ex.notebook.cells:
        if cell.get("cell_type") != "code" or not cell.get("metadata", {}).get("nbgrader", {}).get("grade"):
            continue
        c = copy.copy(cell)
        c["outputs"] = [o for o in cell.get("outputs", []) if MIME in o.get("data", {})]
        c["source"] = ""
        cells.append(c)
    nb["cells"] = cells
    return replace(ex, notebook=nb, budget=None)


def _side(spec: Spec) -> _WorkerSide:
    with _SIDES_LOCK:
        side = _SIDES.get(spec.token)
        if side is None:
            side = _SIDES[spec.token] = _WorkerSide(spec)
            while len(_SIDES) > _MAX_SIDES:
                _SIDES.popitem(last=False)
        _SIDES.move_to_end(spec.token)
        return side


def _spec_task(spec: Spec) -> Spec:
    return spec


def grade_task(spec: Spec, student_id: str, payload) -> dict:
    """Run one submission on this worker (a Dask task; never raises for anything in the
    submission). Returns ``{"worker", "canary", "executed", "wall_used"}``, or
    ``{"worker", "refuse"}`` when this worker must not grade, or ``{"worker",
    "interrupted"}`` after the client aborted the run."""
    from .scoring import execute_one

    try:
        from distributed import get_worker

        worker = f"{get_worker().address} (pid {os.getpid()})"
    except (ImportError, ValueError):  # called outside a worker (unit tests)
        worker = f"pid {os.getpid()}"
    side = _side(spec)
    try:
        side.run.check()
        ready = side.prepare()
        if "refuse" in ready:
            return {"worker": worker, "refuse": ready["refuse"]}
        with tempfile.TemporaryDirectory(prefix="l2reg-cluster-") as d:
            path = _write_payload(Path(d), payload)
            ex = execute_one(spec.lesson, student_id, path, spec.limits, ready["mpl_cache"], side.run)
    except Interrupted:
        return {"worker": worker, "interrupted": True}
    wall_used = time.monotonic() - ex.budget.t0 if ex.budget is not None else 0.0
    # the code installed here as the result leaves: compared with the client's as it arrives
    return {"worker": worker, "canary": ready["canary"], "executed": ex, "wall_used": wall_used,
            "digest": code_digest()}


async def _abort_on_worker(token: str):
    """Stop the sandboxes of run ``token`` in this worker process (``client.run``, which
    takes ``wait=False`` only for a coroutine function: it runs on the worker's event loop)."""
    with _SIDES_LOCK:
        side = _SIDES.get(token)
    if side is not None:
        side.run.abort()


async def _forget_on_worker(token: str):
    with _SIDES_LOCK:
        _SIDES.pop(token, None)


# --- the client's side ----------------------------------------------------------------

def connect(address: str, timeout: float = CONNECT_TIMEOUT):
    """A ``distributed.Client`` of the scheduler at ``address``, or a one-line
    :class:`~.course.CourseError` within about ``timeout`` seconds."""
    try:
        from distributed import Client
    except ImportError:
        raise CourseError("--scheduler: needs Dask's distributed package (pip install 'l2reg[cluster]')") from None
    if not isinstance(address, str) or not address.strip():
        raise CourseError(f"--scheduler: expected a scheduler address such as tcp://host:8786, got {address!r}")
    try:
        return Client(address, timeout=timeout, set_as_default=False)
    except Exception as exc:  # noqa: BLE001 - any failure to connect is the instructor's to fix
        _drop_half_made_client(exc, Client)
        raise CourseError(f"--scheduler: cannot reach a Dask scheduler at {clean_text(address, 200)} "
                          f"({type(exc).__name__}: {clean_text(exc, 200)})") from None


def _drop_half_made_client(exc, client_type):
    """A Client whose constructor failed still closes itself when collected, waiting 6 s
    and printing a traceback; mark it closed and stop its event loop now."""
    tb = exc.__traceback__
    while tb is not None:
        c = tb.tb_frame.f_locals.get("self")
        if isinstance(c, client_type):
            try:
                c.status = "closed"
                c._loop_runner.stop()
            except Exception:  # noqa: BLE001 - best effort
                pass
        tb = tb.tb_next


def _killed_reason(exc) -> str:
    n = getattr(exc, "allowed_failures", None)
    times = f"{n + 1} Dask workers" if isinstance(n, int) else "its Dask workers"
    return f"grading it alone stopped {times} (each died while running it); not retried"


def refusal(lesson, canary, where: str = "") -> str | None:
    """Why the reference solution's result ``canary`` forbids grading, or None when it
    scores full marks; ``where`` names the sandbox (e.g. a worker)."""
    from .outcome import Status

    if canary.score == lesson.max_score:
        return None
    why = canary.reason if canary.status is Status.FAILED else ", ".join(
        f"{g}: {c['why']}" for g, c in canary.cells.items() if not c["passed"])
    return (f"the reference solution of {lesson.name} scores {canary.score:g} / {lesson.max_score:g} "
            f"in the sandbox{where} ({why}); not grading")


def close(client):
    """Close a client from :func:`connect` (None: nothing to do); never raises."""
    if client is not None:
        try:
            client.close(timeout=5)
        except Exception:  # noqa: BLE001 - the scheduler may be gone already
            pass


def run_cluster(client, lesson, limits, entries, run: RunState, reference: Path, render, *,
                worker_timeout: float = WORKER_TIMEOUT):
    """Grade ``entries`` on the cluster of ``client`` (from :func:`connect`); yield
    ``(entry, outcome, error)`` as :func:`~.dispatch.run_local` does, ``outcome`` being
    ``render(entry, res)`` of the scored result.

    Raises :class:`~.course.CourseError` when no worker joins within ``worker_timeout``
    seconds, a worker may not grade (other code, no sandbox, the canary short of full
    marks) or the scheduler is lost. On any exception (an interrupt included) the run's
    tasks are cancelled and its sandboxes on the workers stopped before it propagates."""
    from distributed import KilledWorker
    from distributed import wait as dask_wait

    from .scoring import not_scored

    address = client.scheduler.address
    token = uuid.uuid4().hex
    futures = {}
    try:
        try:
            client.wait_for_workers(1, timeout=worker_timeout)
        except TimeoutError:
            raise CourseError(f"--scheduler: no Dask worker joined the scheduler at {clean_text(address, 200)} "
                              f"within {worker_timeout:g} s (start one with: dask worker {clean_text(address, 200)})")
        spec = Spec(token, without_answers(lesson), limits, Path(reference).read_bytes(), code_digest())
        spec_future = client.submit(_spec_task, spec, key=f"l2reg-lesson-{token}", pure=False)
        pending = list(reversed(entries))
        # Entries whose task Dask gave up on (KilledWorker): each is graded once more, alone on
        # the cluster, so that a bystander that shared a dying worker with the culprit is
        # graded, and only a submission that kills its workers by itself is failed.
        suspects, alone = [], set()
        verified = set()
        idle_since = None
        while pending or futures or suspects:
            run.check()
            threads = sum(client.nthreads().values())
            if threads == 0:
                idle_since = idle_since or time.monotonic()
                if time.monotonic() - idle_since > worker_timeout:
                    raise CourseError(f"--scheduler: the scheduler at {clean_text(address, 200)} has had no "
                                      f"worker for {worker_timeout:g} s; nothing of this run was kept")
            else:
                idle_since = None
            batch = []
            while pending and len(futures) + len(batch) < max(threads, 1):
                batch.append(pending.pop())
            if not batch and not pending and not futures and suspects:
                batch.append(suspects.pop(0))
                alone.add(batch[0].student_id)
            for entry in batch:
                try:
                    payload = _payload(Path(entry.notebook))
                except OSError as exc:
                    res = not_scored(lesson, entry.student_id, f"cannot read the notebook ({exc.strerror})")
                    yield entry, render(entry, res), None
                    continue
                suffix = "-alone" if entry.student_id in alone else ""
                fut = client.submit(grade_task, spec_future, entry.student_id, payload,
                                    key=f"l2reg-grade-{entry.student_id}-{token}{suffix}", pure=False)
                futures[fut] = entry
            if not futures:
                continue
            try:
                with client.as_current():  # wait() syncs through the current client; ours is not the default
                    done, _ = dask_wait(list(futures), timeout=POLL, return_when="FIRST_COMPLETED")
            except TimeoutError:
                continue
            for fut in done:
                entry = futures.pop(fut)
                if (fut.status == "error" and entry.student_id not in alone
                        and isinstance(fut.exception(), KilledWorker)):
                    suspects.append(entry)
                    continue
                outcome, error = _collect(fut, entry, lesson, address, verified, KilledWorker, spec.digest)
                if outcome is not None:
                    outcome = render(entry, outcome)
                yield entry, outcome, error
    except BaseException as exc:
        run.abort()
        try:
            client.run(_abort_on_worker, token, wait=False, on_error="ignore")
            client.cancel(list(futures), force=True)
        except Exception:  # noqa: BLE001 - the scheduler may be gone: nothing left to stop
            pass
        if isinstance(exc, OSError):  # a comm to the scheduler closed or timed out (distributed's CommClosedError)
            raise CourseError(f"--scheduler: lost the Dask scheduler at {clean_text(address, 200)} during the run "
                              f"({type(exc).__name__}); nothing of this run was kept") from None
        raise
    finally:
        try:
            client.run(_forget_on_worker, token, wait=False, on_error="ignore")
        except Exception:  # noqa: BLE001 - the scheduler may be gone: nothing to forget
            pass


def _collect(fut, entry, lesson, address, verified, killed_type, spec_digest):
    """``(Result, None)`` for a finished task, ``(None, exc)`` for a bug in it; raises
    CourseError for what stops the run."""
    from concurrent.futures import CancelledError

    from .scoring import not_scored, score_executed

    try:
        out = fut.result()
    except killed_type as exc:
        return not_scored(lesson, entry.student_id, _killed_reason(exc)), None
    except CancelledError:
        raise CourseError(f"--scheduler: lost the Dask scheduler at {clean_text(address, 200)} during the run; "
                          "nothing of this run was kept") from None
    except Exception as exc:  # noqa: BLE001 - a bug costs this submission only, as in a local run
        return None, exc
    who = clean_text(out.get("worker"), 200)
    if "refuse" in out:
        raise CourseError(f"Dask worker {who} may not grade: {clean_text(out['refuse'], 500)}")
    if out.get("interrupted"):
        return None, RuntimeError(f"the run was stopped on Dask worker {who}")
    if out.get("digest") != spec_digest and out.get("digest") != code_digest():
        # not the code this machine had when the run started, nor the code it has now (an
        # installation being upgraded meanwhile is compared as of now): another l2reg
        raise CourseError(f"Dask worker {who} may not grade: it runs other l2reg code than this machine "
                          f"(code digest {clean_text(out.get('digest'), 12)}, here {spec_digest[:12]}); "
                          "install the same l2reg on every worker")
    if who not in verified:
        why = refusal(lesson, score_executed(lesson, out["canary"]), f" of Dask worker {who}")
        if why:
            raise CourseError(why)
        verified.add(who)
    ex = out["executed"]
    if ex.budget is not None:  # its clock is the worker's: continue it on this one
        ex.budget.t0 = time.monotonic() - out.get("wall_used", 0.0)
    return score_executed(lesson, ex), None
