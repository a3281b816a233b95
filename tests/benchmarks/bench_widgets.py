"""Widget demos: the time of one slider step, against a bare redraw of the same figure.

Every demo of the lessons is built with the arguments its lesson uses. Then its sliders
are moved one step at a time, as the arrow keys move them, up to the end of the range and
back, 200 steps in all (20 in quick mode) shared among the demo's sliders. Each step is
timed from setting the slider's value to the new PNG being in the image widget: the
lesson's numbers, the redraw and the PNG encoding, everything the kernel does for one step.

Rows, per demo:

* ``slider step``: median and p95 callback time; the p95 row is judged by the goal
  p95 <= 30 ms and reported as a ratio to a bare ``canvas.draw()`` of the same figure
  (what re-plotting would cost before any PNG encoding), measured in the same run;
* ``full redraws``: how many of the steps had to draw the whole figure (axis limits,
  labels or the set of artists changed); the rest redrew only what changed;
* ``view change`` (demos with buttons or a drop-down): the time of switching the view,
  which redraws in full by design.

Run with ``python tests/benchmarks/run.py --only widgets`` or on its own:
``python tests/benchmarks/bench_widgets.py [--quick]``.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _bench  # noqa: E402

GOAL_MS = 30.0


def lesson_demos() -> dict:
    """Builders of every lesson's demo, with the lesson's own arguments, by name."""
    from l2reg import widgets
    from l2reg.data import collinear_data, geometry_data, many_features
    from l2reg.demos import LambdaSweep, PolynomialRidge

    def gradient():
        X2, y2 = collinear_data(50, seed=0, spread=0.3)
        return widgets.gradient_descent_demo(X2 - X2.mean(axis=0), y2 - y2.mean(), lam=1e-4, lr=0.5)

    def sweep():
        X_tr, y_tr, w_true = many_features(60, seed=9)
        X_val, y_val, _ = many_features(60, seed=109)
        s = LambdaSweep.make(X_tr, y_tr, X_val, y_val, np.logspace(-4, 2, 61))
        return widgets.lambda_sweep_demo(s, truth=w_true)

    def prior():
        rng = np.random.default_rng(0)
        x1 = rng.standard_normal(8)
        x1 -= x1.mean()
        y1 = 0.8 * x1 + 1.0 * rng.standard_normal(8)
        return widgets.prior_width_demo(x1, y1 - y1.mean(), 1.0, tau=0.3)

    return {
        "01 lambda_fit_demo": lambda: widgets.lambda_fit_demo(
            PolynomialRidge.make(n_train=12, degree=9, seed=0), lam=1e-3),
        "02 gradient_descent_demo": gradient,
        "03 weight_decay_demo": lambda: widgets.weight_decay_demo(lam=0.1, lr=0.01, steps=500),
        "04 geometry_demo": lambda: widgets.geometry_demo(*geometry_data(), lam=0.5, kind="l2"),
        "05 lambda_sweep_demo": sweep,
        "06 prior_width_demo": prior,
        "07 adamw_demo": lambda: widgets.adamw_demo(lr=0.01, weight_decay=0.1),
    }


def slider_positions(control) -> list:
    """Every value a slider takes under the arrow keys, in order."""
    base = getattr(control, "base", None)
    count = int(round((control.max - control.min) / control.step)) + 1
    stops = [control.min + k * control.step for k in range(count)]
    return [base**s for s in stops] if base is not None else stops


def walk(control, steps: int) -> list:
    """``steps`` arrow-key moves from the slider's value: up to the end, back, and so on."""
    positions = slider_positions(control)
    here = int(np.argmin([abs(p - control.value) for p in positions]))
    direction, out = 1, []
    for _ in range(steps):
        if not 0 <= here + direction < len(positions):
            direction = -direction
        here += direction
        out.append(positions[here])
    return out


def _timed_set(control, value) -> float:
    t0 = time.perf_counter()
    control.value = value
    return time.perf_counter() - t0


def measure(demo, steps: int) -> dict:
    """Drive a demo: ``steps`` slider steps shared among its sliders, then every view."""
    import ipywidgets as W

    sliders = {k: c for k, c in demo.controls.items() if isinstance(c, (W.FloatLogSlider, W.IntSlider, W.FloatSlider))}
    views = {k: c for k, c in demo.controls.items() if k not in sliders}
    full_before = demo.full_draws
    times = []
    for i, control in enumerate(sliders.values()):
        share = steps // len(sliders) + (1 if i < steps % len(sliders) else 0)
        times += [_timed_set(control, value) for value in walk(control, share)]
    full = demo.full_draws - full_before
    view_times = []
    for control in views.values():
        start = control.value
        view_times += [_timed_set(control, value) for value in control.options if value != start]
        view_times.append(_timed_set(control, start))
    draw = _bench.timeit(demo.fig.canvas.draw, repeat=7, number=1)
    return {"times": np.array(times), "full": full, "views": np.array(view_times),
            "draw": draw["median"], "png_kb": len(demo.image.value) / 1024}


def run(quick: bool = False) -> list:
    os.environ.setdefault("MPLBACKEND", "Agg")
    try:
        import ipywidgets  # noqa: F401
        import matplotlib  # noqa: F401
    except ImportError as e:
        raise _bench.Skip(f"needs ipywidgets and matplotlib: {e}") from None
    steps = 20 if quick else 200
    rows = []
    for name, build in lesson_demos().items():
        demo = build()
        m = measure(demo, steps)
        t = m["times"] * 1e3
        median, p95 = float(np.median(t)), float(np.percentile(t, 95))
        draw_ms = m["draw"] * 1e3
        rows.append(_bench.row("widgets", name, f"slider step, median of {t.size}", median, "ms",
                               baseline="bare canvas.draw()", baseline_value=draw_ms,
                               note=f"PNG {m['png_kb']:.0f} KB"))
        rows.append(_bench.row("widgets", name, f"slider step, p95 of {t.size}", p95, "ms",
                               baseline="bare canvas.draw()", baseline_value=draw_ms,
                               goal=f"p95 <= {GOAL_MS:g} ms", met=p95 <= GOAL_MS,
                               note=f"slowest step {t.max():.0f} ms"))
        rows.append(_bench.row("widgets", name, "full redraws among the slider steps", m["full"], "count",
                               note=f"of {t.size} steps; the others redrew only what changed"))
        if m["views"].size:
            rows.append(_bench.row("widgets", name, f"view change, median of {m['views'].size}",
                                   float(np.median(m["views"])) * 1e3, "ms",
                                   baseline="bare canvas.draw()", baseline_value=draw_ms,
                                   note="buttons or drop-down: a new view, redrawn in full"))
    return rows


if __name__ == "__main__":
    for r in run(quick="--quick" in sys.argv[1:]):
        ratio = "" if r["ratio"] is None else f"  x{r['ratio']:.2f} of {r['baseline']} ({r['baseline_value']:.0f} ms)"
        met = "" if r["met"] is None else ("  met" if r["met"] else "  MISSED")
        print(f"{r['case']:26s} {r['metric']:38s} {r['value']:8.1f} {r['unit']}{ratio}{met}  {r['note']}")
    sys.exit(0)
