"""Lesson 01 and 05 demos: a ridge fit against lambda, and a lambda sweep's training and validation error."""

from __future__ import annotations

import numpy as np

from .. import _validation as v
from ..demos import PolynomialRidge
from ..plotting import COLORS, legend_outside, new_figure, plain_log_labels, plot_fits
from .core import FigureDemo, lambda_slider

__all__ = ["lambda_fit_demo", "lambda_sweep_demo"]


class _ErrorPanel:
    """The panel lessons 01 and 05 share: training and held-out error over lambda, and the current lambda."""

    def __init__(self, ax, lams, train, held_out, *, held_out_name, lam, title, best=None):
        ax.loglog(lams, train, color=COLORS["blue"], lw=2, label="training error")
        ax.loglog(lams, held_out, color=COLORS["orange"], lw=2, ls="--", label=f"{held_out_name} error")
        if best is not None:
            k = int(np.argmin(held_out))
            ax.plot([lams[k]], [held_out[k]], "*", ms=15, color=COLORS["vermillion"],
                    label=f"chosen lambda = {lams[k]:.2g}")
        self.marker = ax.axvline(lam, color=COLORS["black"], lw=1.2, ls=":", label="current lambda")
        (self.train_dot,) = ax.plot([lam], [np.nan], "o", color=COLORS["blue"])
        (self.held_out_dot,) = ax.plot([lam], [np.nan], "s", color=COLORS["orange"])
        plain_log_labels(ax)  # 0.6, 2, 3 between the decades, not 6x10^-1
        ax.set_xlabel("lambda (log scale)")
        ax.set_ylabel("mean squared error (log scale)")
        ax.set_title(title)
        legend_outside(ax, fontsize=8)
        self.animated = [self.marker, self.train_dot, self.held_out_dot]

    def update(self, lam, train, held_out):
        self.marker.set_xdata([lam, lam])
        self.train_dot.set_data([lam], [train])
        self.held_out_dot.set_data([lam], [held_out])


def lambda_fit_demo(problem=None, *, lam=1e-3, min_exp=-8, max_exp=2):
    """Drag lambda and watch the fitted polynomial and its errors.

    Left: the training points, the true curve and the ridge fit at the
    slider's lambda. Right: training and test error over all lambdas, with
    the current lambda marked.

    Parameters
    ----------
    problem : l2reg.demos.PolynomialRidge, optional
        The data and features; ``PolynomialRidge.make()`` by default.
    lam : float, default 1e-3
        Initial lambda.
    min_exp, max_exp : int
        The slider spans ``10**min_exp`` to ``10**max_exp``.

    Returns
    -------
    FigureDemo

    Examples
    --------
    >>> from l2reg.widgets import lambda_fit_demo
    >>> demo = lambda_fit_demo(lam=1e-3)
    >>> before = demo.image.value
    >>> demo.set(lam=1.0)
    >>> demo.image.value != before
    True
    """
    problem = PolynomialRidge.make() if problem is None else problem
    v.check_instance("problem", problem, PolynomialRidge)
    lam = v.as_nonnegative("lam", lam)
    lams = np.logspace(min_exp, max_exp, 121)
    sweep = problem.sweep(lams)

    fig, (ax_fit, ax_err) = new_figure(2, width=5.0, height=3.8)
    start = problem.state(lam)
    plot_fits(problem.x_train, problem.y_train, {"ridge fit": start["y_grid"]},
              x_grid=problem.x_grid, truth=problem.truth, ax=ax_fit, title="Ridge fit at the current lambda",
              legend_loc="lower right")  # below the data at every lambda of the slider (rendered and checked)
    fit_line = ax_fit.lines[-1]
    panel = _ErrorPanel(ax_err, lams, sweep["train_mse"], sweep["test_mse"], held_out_name="test", lam=lam,
                        title="Error against lambda")

    def draw(lam):
        s = problem.state(lam)
        fit_line.set_ydata(s["y_grid"])
        panel.update(lam, s["train_mse"], s["test_mse"])
        return f"lambda = {lam:.1e}: training MSE {s['train_mse']:.3f}, test MSE {s['test_mse']:.3f}"

    points = ax_fit.collections[-1]  # the training points stay above the fit
    return FigureDemo(fig, draw, {"lam": lambda_slider(lam, min_exp=min_exp, max_exp=max_exp)},
                      animated=[fit_line, points, *panel.animated])


def lambda_sweep_demo(sweep, *, lam=None, min_exp=-4, max_exp=2, truth=None):
    """Drag lambda over the training and validation error curves of a sweep.

    Left: training and validation error over the grid (log axes), the current
    lambda (dotted line and dots) and the chosen lambda (star, lowest validation
    error). Right: the weights at the current lambda, next to ``truth`` if given.
    All numbers come from :meth:`l2reg.demos.LambdaSweep.state`.

    Parameters
    ----------
    sweep : l2reg.demos.LambdaSweep
        The grid and its errors.
    lam : float, optional
        Initial lambda; the chosen one by default.
    min_exp, max_exp : float
        The slider spans ``10**min_exp`` to ``10**max_exp``.
    truth : array_like of shape (p,), optional
        True weights, drawn as hollow markers.

    Returns
    -------
    FigureDemo

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg.data import many_features
    >>> from l2reg.demos import LambdaSweep
    >>> from l2reg.widgets import lambda_sweep_demo
    >>> X, y, _ = many_features(40, 5, seed=1); Xv, yv, _ = many_features(40, 5, seed=2)
    >>> demo = lambda_sweep_demo(LambdaSweep.make(X, y, Xv, yv, np.logspace(-4, 2, 13)))
    >>> before = demo.image.value
    >>> demo.set(lam=10.0)
    >>> demo.image.value != before
    True
    """
    from ..demos import LambdaSweep

    v.check_instance("sweep", sweep, LambdaSweep)
    lam = sweep.best_lam if lam is None else v.as_nonnegative("lam", lam)
    p = sweep.X_train.shape[1]
    fig, (ax_err, ax_w) = new_figure(2, width=5.0, height=3.8)
    panel = _ErrorPanel(ax_err, sweep.lams, sweep.train_mse, sweep.val_mse, held_out_name="validation", lam=lam,
                        title="Training and validation error", best=True)
    start = sweep.state(lam)
    index = np.arange(1, p + 1)
    if truth is not None:
        truth = v.as_vector("truth", truth, length=p, other="the columns of the sweep's X_train")
        ax_w.plot(index, truth, "o", mfc="none", color=COLORS["black"], label="true weights")
    (w_dots,) = ax_w.plot(index, start["w"], "D", ms=5, color=COLORS["green"], label="ridge weights")
    ax_w.axhline(0.0, color="0.6", lw=0.8)
    top = 1.2 * max(np.abs(sweep.state(0.0)["w"]).max(), 0 if truth is None else np.abs(truth).max())
    ax_w.set_ylim(-top, top)
    ax_w.set_xlabel("feature j")
    ax_w.set_ylabel("weight w_j")
    ax_w.set_title("Weights at the current lambda")
    legend_outside(ax_w, fontsize=8)

    def draw(lam):
        s = sweep.state(lam)
        panel.update(lam, s["train_mse"], s["val_mse"])
        w_dots.set_ydata(s["w"])
        return f"lambda = {lam:.1e}: training MSE {s['train_mse']:.3f}, validation MSE {s['val_mse']:.3f}"

    return FigureDemo(fig, draw, {"lam": lambda_slider(lam, min_exp=min_exp, max_exp=max_exp)},
                      animated=[*panel.animated, w_dots])
