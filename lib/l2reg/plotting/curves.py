"""Figures of curves: fits to data, coefficient paths, errors against lambda, any set of lines, spreads of fits."""

from __future__ import annotations

import numpy as np

from .core import COLORS, CYCLE, color, legend_outside, new_figure, plain_log_labels, style

__all__ = ["plot_fits", "plot_coefficient_path", "plot_lines", "plot_errors_vs_lambda", "plot_prediction_spread"]


def plot_fits(x, y, curves, *, x_grid=None, truth=None, title="", ylim=(-2.0, 2.0), ax=None, colors=None,
              legend_loc=None):
    """Data points, an optional true curve, and fitted curves.

    Parameters
    ----------
    x, y : array_like
        Training points.
    curves : dict of str to array_like
        Label to predictions on ``x_grid``.
    x_grid : array_like
        Where the curves are evaluated.
    truth : array_like, optional
        True function on ``x_grid``, drawn dashed.
    title : str
    ylim : (float, float)
        Vertical limits, so that wild fits do not squash the picture.
    ax : Axes, optional
        Draw into this Axes instead of a new figure.
    colors : list of str, optional
        Names from :data:`COLORS` for the curves, in order, so that one model
        keeps its colour from figure to figure; the cycle by default.
    legend_loc : str, optional
        A matplotlib legend location inside the axes, for a caller that knows
        where no data is; by default the legend goes outside, right of the axes.

    Returns
    -------
    Figure

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg.plotting import plot_fits
    >>> g = np.linspace(0, 1, 5)
    >>> fig = plot_fits([0, 1], [0, 1], {"line": g}, x_grid=g, title="t")
    >>> fig.axes[0].get_title()
    't'
    """
    if ax is None:
        fig, ax = new_figure(width=6.4 if legend_loc else 8.2)  # room for a legend right of the axes
    else:
        fig = ax.figure
    if truth is not None:
        ax.plot(x_grid, truth, color=COLORS["black"], ls="--", lw=1.5, label="true curve")
    for i, (label, yhat) in enumerate(curves.items()):
        c = COLORS[colors[i]] if colors else color(i)
        k = CYCLE.index(colors[i]) if colors else i
        ax.plot(x_grid, yhat, color=c, ls=style(k), lw=2, label=label)
    ax.scatter(x, y, s=36, color=COLORS["vermillion"], edgecolor="white", zorder=3, label="training points")
    ax.set_ylim(*ylim)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(title)
    if legend_loc is None:
        legend_outside(ax)
    else:
        ax.legend(loc=legend_loc, fontsize=9)
    return fig


def plot_coefficient_path(lams, W, *, names=None, title="Ridge coefficients shrink as lambda grows"):
    """Each coefficient against lambda (log axis), with the norm ||w|| beside it.

    Parameters
    ----------
    lams : array_like of shape (K,)
        Positive penalty strengths.
    W : array_like of shape (K, p)
        Row ``k`` holds the coefficients at ``lams[k]`` (as from ``ridge_path``).
    names : list of str, optional
        Coefficient labels; ``w1 ... wp`` by default.

    Returns
    -------
    Figure

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg.plotting import plot_coefficient_path
    >>> fig = plot_coefficient_path([0.1, 1.0], np.array([[2.0, 1.0], [1.0, 0.5]]))
    >>> len(fig.axes)
    2
    """
    lams = np.asarray(lams, dtype=float)
    W = np.asarray(W, dtype=float)
    names = names or [f"w{j + 1}" for j in range(W.shape[1])]
    fig, (ax, ax2) = new_figure(2, width=5.2)
    for j in range(W.shape[1]):
        ax.semilogx(lams, W[:, j], color=color(j), ls=style(j), lw=1.8, label=names[j])
    ax.axhline(0.0, color="0.6", lw=0.8)
    # symlog: linear near zero, logarithmic beyond 1, so small and large weights both show
    ax.set_yscale("symlog", linthresh=1.0)
    ax.set_xlabel("lambda (log scale)")
    ax.set_ylabel("coefficient value (symmetric log scale)")
    ax.set_title(title)
    legend_outside(ax, fontsize=8)
    ax2.loglog(lams, np.linalg.norm(W, axis=1), color=COLORS["blue"], lw=2, label="||w||")
    plain_log_labels(ax)
    plain_log_labels(ax2)
    ax2.set_xlabel("lambda (log scale)")
    ax2.set_ylabel("||w|| (log scale)")
    ax2.set_title("The size of the weight vector")
    ax2.legend()
    return fig


def plot_lines(x, series, *, xlabel, ylabel, title, xscale="linear", yscale="linear", marks=None, ax=None,
               linthresh=1.0, colors=None, linestyles=None, legend=True):
    """Several curves over one x axis, each in its own colour and line style.

    Parameters
    ----------
    x : array_like of shape (k,)
    series : dict of str to array_like of shape (k,)
        Label to values.
    xlabel, ylabel, title : str
    xscale, yscale : {"linear", "log", "symlog"}
    marks : dict of str to float, optional
        Labelled x positions to mark with vertical lines.
    ax : Axes, optional
        Draw into this Axes instead of a new figure.
    linthresh : float, default 1.0
        With ``yscale="symlog"``: the range ``(-linthresh, linthresh)`` is linear.
    colors, linestyles : list, optional
        Per series: names from :data:`COLORS` and matplotlib line styles, to pair
        related series (say, a measurement and its prediction); the cycle by default.
    legend : bool, default True
        Whether to draw the legend (right of the axes). Panels side by side that show the
        same series need it once: pass False for all but one.

    Returns
    -------
    Figure

    Examples
    --------
    >>> from l2reg.plotting import plot_lines
    >>> fig = plot_lines([1, 2, 3], {"a": [1, 4, 9]}, xlabel="x", ylabel="y", title="t", yscale="log")
    >>> fig.axes[0].get_yscale()
    'log'
    >>> plot_lines([1, 2], {"a": [1, 2]}, xlabel="x", ylabel="y", title="t", legend=False).axes[0].get_legend() is None
    True
    """
    if ax is None:
        fig, ax = new_figure(width=8.2)  # the legend sits right of the axes
    else:
        fig = ax.figure
    for i, (label, values) in enumerate(series.items()):
        c = COLORS[colors[i]] if colors else color(i)
        ls = linestyles[i] if linestyles else style(i)
        # A dashed or dotted line is drawn above the solid ones (and a dotted one thicker), so a
        # prediction that coincides with a measurement stays visible on top of it.
        solid = ls in ("-", "solid")
        ax.plot(x, values, color=c, ls=ls, lw=2.0 if ls not in (":", "dotted") else 2.6,
                zorder=2.0 if solid else 2.1, label=label)
    k = len(series)
    for i, (label, pos) in enumerate((marks or {}).items()):
        ax.axvline(pos, color=color(k + i), ls=style(k + i), lw=1.2, label=label)
    ax.set_xscale(xscale)
    if yscale == "symlog":
        ax.set_yscale("symlog", linthresh=linthresh)
    else:
        ax.set_yscale(yscale)
    plain_log_labels(ax)  # 0.6, 2, 3 between the decades, not 6x10^-1
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if legend:
        legend_outside(ax)
    return fig


def plot_errors_vs_lambda(lams, train, test, *, marks=None, title="Training and test error against lambda"):
    """Training and test mean squared error against lambda (log axes).

    Parameters
    ----------
    lams, train, test : array_like of shape (K,)
    marks : dict of str to float, optional
        Labelled lambdas to mark with vertical lines.

    Returns
    -------
    Figure

    Examples
    --------
    >>> from l2reg.plotting import plot_errors_vs_lambda
    >>> fig = plot_errors_vs_lambda([0.1, 1.0], [0.1, 0.2], [0.3, 0.25])
    >>> fig.axes[0].get_xscale()
    'log'
    """
    return plot_lines(
        lams, {"training error": train, "test error": test}, marks=marks, title=title,
        xlabel="lambda (log scale)", ylabel="mean squared error (log scale)", xscale="log", yscale="log",
    )


def plot_prediction_spread(x, panels, *, truth=None, title="Predictions from many training sets", ylim=(-2.0, 2.0)):
    """Side-by-side panels of many fitted curves, their average and the truth.

    Parameters
    ----------
    x : array_like of shape (k,)
        Where the curves are evaluated.
    panels : dict of str to (array_like of shape (m, k), array_like of shape (k,))
        Panel title to the ``m`` fitted curves (thin lines) and their average
        over all simulations (thick line).
    truth : array_like of shape (k,), optional
        The true curve, drawn dashed in every panel.
    title : str
        Title of the whole figure.
    ylim : (float, float)
        Vertical limits shared by the panels.

    Returns
    -------
    Figure

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg.plotting import plot_prediction_spread
    >>> g = np.linspace(0, 1, 4)
    >>> fig = plot_prediction_spread(g, {"a": (np.zeros((2, 4)), g), "b": (np.ones((2, 4)), g)}, truth=g)
    >>> [ax.get_title() for ax in fig.axes]
    ['a', 'b']
    """
    fig, axes = new_figure(len(panels), width=4.2, height=3.8)
    axes = axes if isinstance(axes, list) else [axes]
    for ax, (label, (curves, mean)) in zip(axes, panels.items()):
        curves = np.asarray(curves, dtype=float)
        for i, c in enumerate(curves):
            ax.plot(x, c, color=COLORS["skyblue"], lw=0.8, alpha=0.7,
                    label="fit to one training set" if i == 0 else None)
        ax.plot(x, mean, color=COLORS["blue"], lw=2.5, label="average fit")
        if truth is not None:
            ax.plot(x, truth, color=COLORS["black"], ls="--", lw=1.5, label="true curve")
        ax.set_ylim(*ylim)
        ax.set_xlabel("x")
        ax.set_ylabel("prediction")
        ax.set_title(label)
    # One legend for all panels, below them, where it hides no curve.
    handles = [line for line in axes[0].get_lines() if not line.get_label().startswith("_")]
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), fontsize=9)
    fig.suptitle(title)
    return fig
