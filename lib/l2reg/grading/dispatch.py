"""How the submissions of a run are spread over workers.

:func:`run_local` grades ``--jobs`` submissions at a time in threads of this process (each
in its own sandbox process). The caller gets each result as it completes, in whatever
order; an exception raised for one item is handed back as that item's outcome, never
raised, except :class:`~.outdir.Interrupted`, which stops the run.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, as_completed

from .outdir import Interrupted


def run_local(fn, items, jobs: int, run):
    """Yield ``(item, outcome, error)`` for each of ``items`` as ``fn(item)`` completes,
    ``jobs`` at a time: ``outcome`` is what ``fn`` returned, or None with ``error`` the
    exception it raised. On an interrupt (or any exception while the caller handles an
    outcome) the other items are cancelled after ``run.abort()`` kills their sandboxes."""
    pool = ThreadPoolExecutor(max_workers=jobs)
    try:
        futures = {pool.submit(fn, item): item for item in items}
        for fut in as_completed(futures):
            try:
                outcome, error = fut.result(), None
            except Interrupted:
                raise
            except Exception as exc:  # noqa: BLE001 - a bug must not stop the others
                outcome, error = None, exc
            yield futures[fut], outcome, error
    except BaseException:
        run.abort()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
