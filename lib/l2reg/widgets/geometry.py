"""Lesson 04 demo: data-loss contours, a penalty's path of solutions and the ball the solution touches."""

from __future__ import annotations

import numpy as np

from .. import _validation as v
from ..demos import PENALTIES, loss_contour, penalized_solution, penalty_boundary
from ..plotting import COLORS, legend_outside, loss_plane, new_figure
from .core import FigureDemo, log_slider

__all__ = ["geometry_demo"]


def geometry_demo(X, y, *, lam=0.5, kind="l2"):
    """Drag lambda and pick a penalty; watch the solution move between w* and the origin.

    The ellipses are contours of the data loss (no intercept; pass centred
    data), centred on the least-squares weights w*. For the chosen penalty the
    figure draws its whole path of solutions, the solution at the slider's
    lambda, and the penalty ball through that solution: the data-loss contour
    touches the ball exactly there, which is the penalty/constraint duality.
    The readout gives the solution and says where it lies, and when the dot
    hides what it sits on: the star w* (tiny lambda) or the ball itself
    (large lambda, a ball no larger than the dot).

    Parameters
    ----------
    X : array_like of shape (n, 2)
    y : array_like of shape (n,)
    lam : float
        Initial penalty strength.
    kind : {"l2", "l1", "elastic net"}
        Initial penalty.

    Returns
    -------
    FigureDemo

    Examples
    --------
    >>> from l2reg.data import geometry_data
    >>> from l2reg.widgets import geometry_demo
    >>> demo = geometry_demo(*geometry_data(), lam=0.5)
    >>> before = demo.image.value
    >>> demo.set(kind="l1", lam=3.0)
    >>> demo.image.value != before, "on an axis" in demo.readout.value
    (True, True)
    """
    import ipywidgets as W

    X, y = v.as_two_feature_data(X, y)
    lam = v.as_nonnegative("lam", lam)
    kind = v.check_choice("kind", kind, PENALTIES)
    lams = np.logspace(-3, 2, 121)
    paths = {k: np.array([penalized_solution(X, y, s, k) for s in lams]) for k in PENALTIES}
    w_ls = penalized_solution(X, y, 0.0, "l2")
    fig, ax = new_figure(width=8.4, height=5.6)
    loss_plane(ax, X, y, title="Data-loss contours and the penalized solution")
    (path_line,) = ax.plot([], [], color=COLORS["blue"], lw=2, label="path of solutions as lambda grows")
    (ball,) = ax.plot([], [], color=COLORS["orange"], ls="--", lw=2, label="penalty ball through the solution")
    (touch,) = ax.plot([], [], color=COLORS["vermillion"], lw=2.6, label="data-loss contour through the solution")
    (point,) = ax.plot([], [], "o", ms=9, color=COLORS["vermillion"], label="solution at this lambda")
    legend = legend_outside(ax, fontsize=8)
    ball_key = legend.get_texts()[[h.get_label() for h in legend.legend_handles].index(ball.get_label())]

    def dot_radius():
        """The dot's radius in data units (the window is square, with equal aspect)."""
        px_per_unit = abs(ax.transData.transform((1.0, 0.0))[0] - ax.transData.transform((0.0, 0.0))[0])
        return point.get_markersize() / 2 * fig.dpi / 72 / px_per_unit

    def draw(lam, kind):
        w = penalized_solution(X, y, lam, kind)
        path_line.set_data(paths[kind][:, 0], paths[kind][:, 1])
        point.set_data([w[0]], [w[1]])
        if np.any(w != 0):
            B = penalty_boundary(w, kind)
            ball.set_data(B[:, 0], B[:, 1])
            ball_key.set_text(ball.get_label())
        else:  # a ball of radius 0: nothing to draw, and the legend says so
            ball.set_data([], [])
            ball_key.set_text("penalty ball: none (w = 0)")
        C = loss_contour(X, y, w)
        touch.set_data(C[:, 0], C[:, 1])
        if np.all(w == 0):
            where = "at the origin (exactly: the ball has shrunk to a point, so none is drawn)"
        elif np.any(w == 0):
            where = "on an axis (a weight is exactly 0)"
        else:
            where = "off the axes"
        if np.any(w != 0) and np.max(np.linalg.norm(B - w, axis=1)) < 1.5 * dot_radius():  # the dot covers the ball
            where += "; the penalty ball through it is no larger than the dot, which (almost) hides it"
        if np.linalg.norm(w - w_ls) < 0.02 * np.linalg.norm(w_ls):  # the dot covers the star
            where += "; next to w*: the contour through it is a tiny ellipse around w*, under the dot"
        return f"{kind}, lambda = {lam:.3g}: w = ({w[0]:.2f}, {w[1]:.2f}), {where}"

    lam_control = log_slider(max(lam, 1e-3), min_exp=-3, max_exp=2, description="lambda")
    lam_control.step = 0.01
    controls = {
        "lam": lam_control,
        "kind": W.Dropdown(options=list(PENALTIES), value=kind, description="penalty"),
    }
    return FigureDemo(fig, draw, controls, animated=[path_line, ball, touch, point])
