"""Shared pieces of the benchmarks in this folder: the row schema, timing, skipping.

Every ``bench_*.py`` module here exposes ``run(quick: bool) -> list[dict]`` and is run by
``tests/benchmarks/run.py``. Each row is a dict with exactly the keys of :data:`KEYS`:

benchmark, case, metric : str
    What was measured (e.g. ``"ridge_path"``, ``"n=200 p=50 K=100"``, ``"time vs Ridge loop"``).
value : float
    The measurement (seconds, a ratio, a difference...).
unit : str
    Its unit (``"s"``, ``"ms"``, ``"rel"``...).
baseline : str or None
    What it is compared with, measured in the same run, side by side.
baseline_value : float or None
    The baseline's measurement, in the same unit.
ratio : float or None
    ``value / baseline_value``: for times, below 1 means faster than the baseline.
goal : str or None
    The goal the row is judged by, in words (e.g. ``"ratio <= 1.5"``).
met : bool or None
    Whether the goal was met (None: no goal).
note : str
    Anything a reader needs to interpret the row.

A module that cannot run here (a missing optional dependency) raises :class:`Skip`; the
runner reports it as skipped. Modules import this one with
``sys.path.insert(0, <this folder>)`` followed by ``import _bench``.
"""

from __future__ import annotations

import gc
import math
import statistics
import time

KEYS = ("benchmark", "case", "metric", "value", "unit", "baseline", "baseline_value",
        "ratio", "goal", "met", "note")


class Skip(Exception):
    """Raised by a benchmark module's ``run`` when it cannot run here; the message says why."""


def row(benchmark, case, metric, value, unit, *, baseline=None, baseline_value=None,
        ratio=None, goal=None, met=None, note=""):
    """One result row with every key of :data:`KEYS`.

    ``ratio`` defaults to ``value / baseline_value`` when both are given. Numbers are
    converted to plain floats (and ``met`` to a plain bool) so the row is JSON-ready.
    """
    value = float(value)
    if baseline_value is not None:
        baseline_value = float(baseline_value)
        if ratio is None and baseline_value != 0:
            ratio = value / baseline_value
    return {
        "benchmark": str(benchmark),
        "case": str(case),
        "metric": str(metric),
        "value": value,
        "unit": str(unit),
        "baseline": None if baseline is None else str(baseline),
        "baseline_value": baseline_value,
        "ratio": None if ratio is None else float(ratio),
        "goal": None if goal is None else str(goal),
        "met": None if met is None else bool(met),
        "note": str(note),
    }


def timeit(fn, repeat=5, number=None, *, min_time=0.01, warmup=1, budget=None):
    """Time ``fn()``: seconds per call, best and median over ``repeat`` repeats.

    The same as :func:`compare` with one function.
    """
    return compare({"fn": fn}, repeat, number, min_time=min_time, warmup=warmup, budget=budget)["fn"]


def compare(fns, repeat=5, number=None, *, min_time=0.01, warmup=1, budget=None):
    """Time several functions side by side: seconds per call of each, best and median.

    ``warmup`` calls of each are made first and not timed. Each repeat calls a function
    ``number`` times; if ``number`` is None it is chosen per function (1, 2, 4, 8, ...) so
    that one repeat takes at least ``min_time`` seconds, as :mod:`timeit`'s autorange does.
    The repeats are interleaved (f, g, f, g, ...) so that a change in the machine's load
    hits every function alike. With ``budget`` (seconds), no new round of repeats starts
    once that much time has passed, after at least one round. The garbage collector is
    disabled while timing.

    Parameters
    ----------
    fns : dict
        Name -> function of no arguments.

    Returns
    -------
    dict
        Name -> ``{"best", "median"`` (seconds per call), ``"number", "repeat", "times"``
        (seconds per call of every repeat)``}``.
    """
    t_start = time.perf_counter()
    numbers, times = {}, {}
    for name, fn in fns.items():
        for _ in range(warmup):
            fn()
        k = number
        if k is None:
            k = 1
            while _run(fn, k) < min_time and k < 10**6:
                k *= 2
        numbers[name], times[name] = k, []
    for i in range(repeat):
        if budget is not None and i > 0 and time.perf_counter() - t_start > budget:
            break
        for name, fn in fns.items():
            times[name].append(_run(fn, numbers[name]) / numbers[name])
    return {name: {"best": min(ts), "median": statistics.median(ts), "number": numbers[name],
                   "repeat": len(ts), "times": ts} for name, ts in times.items()}


def _run(fn, number):
    enabled = gc.isenabled()
    gc.disable()
    try:
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        return time.perf_counter() - t0
    finally:
        if enabled:
            gc.enable()


def finite(x) -> bool:
    """Whether ``x`` is a finite real number."""
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def fmt(x, digits=3) -> str:
    """A short human form of a number: ``3`` significant digits, or an empty string for None."""
    if x is None:
        return ""
    if isinstance(x, bool):
        return "yes" if x else "NO"
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    if x == 0:
        return "0"
    if 1e-3 <= abs(x) < 1e5:
        return f"{x:.{digits}g}"
    return f"{x:.{max(digits - 1, 1)}e}"
