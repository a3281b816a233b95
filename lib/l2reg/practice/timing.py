"""Timing for lesson 08's cost table: :func:`best_time`, the fastest of several timed batches."""

from __future__ import annotations

import time

from .._params import Function, Int, Positive, validate_params

__all__ = ["best_time"]


@validate_params({"f": Function(), "repeats": Int(minimum=1), "min_seconds": Positive()})
def best_time(f, *, repeats=5, min_seconds=0.02):
    """Seconds one call of ``f()`` takes: the fastest of ``repeats`` timed batches.

    Like :mod:`timeit`: each batch calls ``f`` often enough to last at least
    ``min_seconds``, and the minimum over batches is the least disturbed by
    other work on the machine. Compare such times as ratios measured in one run.

    Parameters
    ----------
    f : callable
        Called with no arguments.
    repeats : int, default 5
        Number of batches, >= 1.
    min_seconds : float, default 0.02
        Least duration of one batch, > 0.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If ``f`` is not callable.
    ValueError
        If ``repeats`` < 1 or ``min_seconds`` <= 0.

    Examples
    --------
    >>> from l2reg.practice import best_time
    >>> t = best_time(lambda: sum(range(100)), repeats=2, min_seconds=0.001)
    >>> bool(0 < t < 0.01)
    True
    """
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            f()
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            break
        number = max(number * 2, int(number * 1.2 * min_seconds / max(elapsed, 1e-9)))
    best = elapsed / number
    for _ in range(repeats - 1):
        start = time.perf_counter()
        for _ in range(number):
            f()
        best = min(best, (time.perf_counter() - start) / number)
    return best
