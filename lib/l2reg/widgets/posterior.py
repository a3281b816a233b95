"""Lesson 06 demo: prior, likelihood and posterior of one weight as the prior width changes."""

from __future__ import annotations

import numpy as np

from .. import _validation as v
from ..demos import one_weight_densities
from ..plotting import COLORS, legend_outside, new_figure, plain_log_labels
from .core import FigureDemo, log_slider

__all__ = ["prior_width_demo"]


def prior_width_demo(x, y, sigma, *, tau=0.5):
    """Drag the prior width tau; watch prior, likelihood and posterior of one weight.

    Left: the three densities over the weight (the likelihood rescaled to
    integrate to one) and the MAP estimate, which is the ridge solution with
    ``lam = sigma**2 / (n tau**2)``. Right: the posterior mean with a band of
    two posterior standard deviations across all tau, with the current tau marked.

    Parameters
    ----------
    x, y : array_like of shape (n,)
        Centred input and target.
    sigma : float
        Noise standard deviation.
    tau : float
        Initial prior standard deviation.

    Returns
    -------
    FigureDemo

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg.widgets import prior_width_demo
    >>> x = np.array([1.0, -1.0, 2.0, -2.0]); y = np.array([1.5, -0.5, 2.5, -3.5])
    >>> demo = prior_width_demo(x, y, 1.0, tau=0.5)
    >>> before = demo.image.value
    >>> demo.set(tau=5.0)
    >>> demo.image.value != before
    True
    """
    x = v.as_vector("x", x)
    y = v.as_vector("y", y, length=x.size, other="x")
    sigma = v.as_positive("sigma", sigma)
    tau = v.as_positive("tau", tau)
    taus = np.logspace(-2, 1, 121)
    summary = [one_weight_densities(x, y, sigma, t, [0.0]) for t in taus]
    means = np.array([d["mean"] for d in summary])
    sds = np.array([d["sd"] for d in summary])
    w_ls = summary[0]["w_ls"]
    half = 2.5 * max(abs(w_ls), 1.0)
    grid = np.linspace(-half, half, 601)
    fig, (ax, ax2) = new_figure(2, width=5.0, height=4.0)
    (prior_l,) = ax.plot(grid, grid * 0, color=COLORS["blue"], lw=2, label="prior N(0, tau^2)")
    (like_l,) = ax.plot(grid, grid * 0, color=COLORS["orange"], ls="--", lw=2, label="likelihood (rescaled)")
    (post_l,) = ax.plot(grid, grid * 0, color=COLORS["green"], ls="-.", lw=2.5, label="posterior")
    map_l = ax.axvline(0.0, color=COLORS["vermillion"], ls=":", lw=1.5, label="MAP = ridge solution")
    ax.set_xlim(-half, half)
    # A fixed frame, four times the likelihood's peak: a narrow prior's spike runs off the top
    # (the readout gives its height) instead of squashing everything else.
    top = 4.0 * float(one_weight_densities(x, y, sigma, tau, grid)["likelihood"].max())
    ax.set_ylim(0.0, top)
    ax.set_xlabel("weight w")
    ax.set_ylabel("density")
    ax.set_title("Prior, likelihood and posterior of the weight")
    # below the axes: inside, it covered the prior's peak at tau near 0.1
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)
    ax2.semilogx(taus, means, color=COLORS["green"], lw=2, label="posterior mean")
    ax2.fill_between(taus, means - 2 * sds, means + 2 * sds, color=COLORS["green"], alpha=0.2,
                     label="mean +- 2 posterior sd")
    ax2.axhline(w_ls, color=COLORS["orange"], ls="--", lw=1.5, label=f"least squares {w_ls:.2f}")
    tau_l = ax2.axvline(tau, color=COLORS["black"], ls=":", lw=1.2, label="current tau")
    plain_log_labels(ax2)
    ax2.set_xlabel("prior width tau (log scale)")
    ax2.set_ylabel("weight w")
    ax2.set_title("Wider prior, weaker penalty")
    legend_outside(ax2, fontsize=8)

    def draw(tau):
        d = one_weight_densities(x, y, sigma, tau, grid)
        prior_l.set_ydata(d["prior"])
        like_l.set_ydata(d["likelihood"])
        post_l.set_ydata(d["posterior"])
        map_l.set_xdata([d["mean"], d["mean"]])
        tau_l.set_xdata([tau, tau])
        text = f"tau = {tau:.2g}: lambda = sigma^2 / (n tau^2) = {d['lam']:.3g}, MAP = {d['mean']:.3f}"
        peaks = {"prior": d["prior"].max(), "posterior": d["posterior"].max()}
        off = [f"{name} peaks at {peak:.3g}" for name, peak in peaks.items() if peak > top]
        return text + (f" (off the top: {', '.join(off)})" if off else "")

    return FigureDemo(fig, draw, {"tau": log_slider(tau, min_exp=-2, max_exp=1, description="tau")},
                      animated=[prior_l, like_l, post_l, map_l, tau_l])
