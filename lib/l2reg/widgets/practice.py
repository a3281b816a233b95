"""Lesson 08 demo: early stopping of gradient descent against the ridge path."""

from __future__ import annotations

import math

import numpy as np

from .. import _validation as v
from ..plotting import COLORS, new_figure
from .core import FigureDemo, log_slider

__all__ = ["early_stopping_demo"]


def early_stopping_demo(es, *, step=30):
    """Drag the step t of gradient descent; compare it with ridge at ``lambda = 1 / (2 alpha t)``.

    Left: training and validation error over the steps (log axes), without
    and with weight decay, the current step (dotted line), gradient descent's
    validation error there (circle) and the validation error of the ridge fit
    at ``lambda = 1 / (2 alpha t)`` (diamond). Right: each weight of gradient
    descent after ``t`` steps against the same weight of that ridge fit; on the
    diagonal they agree. All numbers come from
    :meth:`l2reg.practice.EarlyStopping.state`.

    Parameters
    ----------
    es : l2reg.practice.EarlyStopping
        The two descents and their errors.
    step : int, default 30
        Initial step, between 1 and ``es.steps``.

    Returns
    -------
    FigureDemo

    Raises
    ------
    TypeError
        If ``es`` is not an :class:`~l2reg.practice.EarlyStopping`.
    ValueError
        If ``step`` is not an integer between 1 and ``es.steps``.

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg.practice import EarlyStopping
    >>> from l2reg.widgets import early_stopping_demo
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((20, 40)); y = X[:, 0] + rng.standard_normal(20)
    >>> Xv = rng.standard_normal((30, 40)); yv = Xv[:, 0] + rng.standard_normal(30)
    >>> demo = early_stopping_demo(EarlyStopping.make(X, y, Xv, yv, steps=200, decay=0.05), step=10)
    >>> before = demo.image.value
    >>> demo.set(step=100.0)
    >>> demo.image.value != before, demo.readout.value.startswith("step t = 100:")
    (True, True)
    """
    from matplotlib.ticker import NullLocator

    from ..practice import EarlyStopping

    v.check_instance("es", es, EarlyStopping)
    step = v.as_int("step", step, minimum=1, maximum=es.steps)
    t = np.arange(1, es.steps + 1)
    fig, (ax_err, ax_w) = new_figure(2, width=5.2, height=4.6)
    ax_err.plot(t, es.train_gd[1:], color=COLORS["blue"], lw=2, label="training, no decay")
    ax_err.plot(t, es.val_gd[1:], color=COLORS["blue"], lw=2, ls="--", label="validation, no decay")
    ax_err.plot(t, es.train_decay[1:], color=COLORS["orange"], lw=2, ls="-.", label="training, weight decay")
    ax_err.plot(t, es.val_decay[1:], color=COLORS["orange"], lw=2, ls=":", label="validation, weight decay")
    start = es.state(step)
    marker = ax_err.axvline(step, color=COLORS["black"], lw=1.2, ls=":", label="current step t")
    (gd_dot,) = ax_err.plot([step], [start["val_gd"]], "o", ms=11, mfc="none", mew=2, color=COLORS["blue"],
                            label="validation error, gradient descent at t")
    (ridge_dot,) = ax_err.plot([step], [start["val_ridge"]], "D", ms=5, color=COLORS["vermillion"],
                               label="ridge validation error, lambda = 1/(2 alpha t)")
    ax_err.set_xscale("log")
    ax_err.set_yscale("log")
    ridge_val = [es.state(s)["val_ridge"] for s in (1, es.steps)]
    everything = np.concatenate([es.train_gd[1:], es.val_gd[1:], es.train_decay[1:], es.val_decay[1:], ridge_val])
    low, high = max(everything.min(), 1e-12 * everything.max()), everything.max()
    ax_err.set_ylim(low / 2, high * 2)
    ax_err.set_xlim(0.8, es.steps * 1.25)
    ax_err.set_xlabel("gradient-descent step t (log scale)")
    ax_err.set_ylabel("mean squared error (log scale)")
    ax_err.set_title("Error over the steps")

    top = 1.1 * max(np.abs(es.W_gd).max(), np.abs(es.state(es.steps)["w_ridge"]).max(), 1e-12)
    ax_w.plot([-top, top], [-top, top], color="0.5", lw=1, label="equal weights")
    (w_dots,) = ax_w.plot(start["w_ridge"], start["w_gd"], "o", ms=3.5, color=COLORS["green"],
                          alpha=0.7, label="one weight each")
    ax_w.set_xlim(-top, top)
    ax_w.set_ylim(-top, top)
    # symmetric log axes, linear near 0: the small weights of early steps and the large ones of late
    # steps are both readable with limits that never change
    lin = max(top / 100, 1e-12)
    ax_w.set_xscale("symlog", linthresh=lin)
    ax_w.set_yscale("symlog", linthresh=lin)
    powers = 10.0 ** np.arange(math.floor(math.log10(lin)) + 1, math.floor(math.log10(top)) + 1)
    ticks = np.concatenate([-powers[::-1], [0.0], powers])
    for axis in (ax_w.xaxis, ax_w.yaxis):
        axis.set_ticks(ticks, labels=[f"{t:g}" for t in ticks])
        axis.set_minor_locator(NullLocator())
    ax_w.set_xlabel("ridge weight at lambda = 1/(2 alpha t)\n(symmetric log)")
    ax_w.set_ylabel("gradient-descent weight after t steps\n(symmetric log)")
    ax_w.set_title("The weights, one dot each")
    handles = [h for ax in (ax_err, ax_w) for h in ax.get_legend_handles_labels()[0]]
    fig.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=8)  # below the axes: hides no data

    def draw(step):
        s = es.state(int(round(step)))
        k = s["step"]
        marker.set_xdata([k, k])
        gd_dot.set_data([k], [s["val_gd"]])
        ridge_dot.set_data([k], [s["val_ridge"]])
        w_dots.set_data(s["w_ridge"], s["w_gd"])
        return (f"step t = {k}: lambda = 1/(2 alpha t) = {s['lam']:.3g}; validation MSE gradient descent "
                f"{s['val_gd']:.4g}, ridge {s['val_ridge']:.4g}, with decay {s['val_decay']:.4g}; "
                f"weights differ by {s['gap']:.0%} of ridge's length")

    slider = log_slider(float(step), min_exp=0.0, max_exp=math.log10(es.steps), description="step t")
    slider.readout_format = ".0f"
    return FigureDemo(fig, draw, {"step": slider}, animated=[marker, gd_dot, ridge_dot, w_dots])
