"""Figures for the lessons.

Every function returns a :class:`matplotlib.figure.Figure` built without
pyplot, so nothing is shown twice and nothing piles up in pyplot's global
state; a notebook shows a figure when it is the value of a cell. matplotlib is
imported inside the functions, so ``import l2reg`` never loads it.

Colours are the Okabe-Ito palette, which stays distinct under the common forms
of colour blindness; lines also differ in style where colour carries meaning.
"""

from __future__ import annotations

import io

import numpy as np

from . import _validation as v

__all__ = [
    "COLORS",
    "new_figure",
    "figure_to_png",
    "legend_outside",
    "plot_fits",
    "plot_coefficient_path",
    "plot_errors_vs_lambda",
    "plot_shrinkage",
    "plot_lines",
    "plot_coefficient_clouds",
    "plot_penalty_geometry",
    "loss_plane",
]

#: Okabe-Ito colours, by name.
COLORS = {
    "black": "#000000",
    "orange": "#E69F00",
    "skyblue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}
#: The order in which series take colours (yellow is left out: it is faint on white).
CYCLE = ("blue", "orange", "green", "vermillion", "purple", "skyblue", "black")
#: Line styles. With 7 colours and 4 styles, series ``i`` and ``j`` differ in colour or
#: style whenever ``i != j (mod 28)``.
STYLES = ("-", "--", "-.", ":")


def color(i: int) -> str:
    """The ``i``-th colour of the cycle."""
    return COLORS[CYCLE[i % len(CYCLE)]]


def style(i: int) -> str:
    """The ``i``-th line style."""
    return STYLES[i % len(STYLES)]


def new_figure(ncols: int = 1, *, width: float = 6.4, height: float = 4.0, dpi: int = 100):
    """A pyplot-free figure with ``ncols`` axes side by side.

    Returns
    -------
    fig : matplotlib.figure.Figure
    axes : Axes or list of Axes
        One Axes when ``ncols == 1``, else a list.

    Examples
    --------
    >>> from l2reg.plotting import new_figure
    >>> fig, ax = new_figure()
    >>> type(fig).__name__
    'Figure'
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width * ncols, height), dpi=dpi, layout="constrained")
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, (axes[0] if ncols == 1 else list(axes))


def legend_outside(ax, *, fontsize=9, **kwargs):
    """A legend to the right of ``ax``, outside the data (constrained layout makes room for it).

    Examples
    --------
    >>> from l2reg.plotting import legend_outside, new_figure
    >>> fig, ax = new_figure()
    >>> _ = ax.plot([0, 1], label="a")
    >>> legend_outside(ax).get_texts()[0].get_text()
    'a'
    """
    # An axes of fixed aspect is shrunk inside its slot: keep it at the slot's left, so that
    # the legend stays in the room constrained layout made for it.
    ax.set_anchor("W")
    return ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, fontsize=fontsize, **kwargs)


def figure_to_png(fig, dpi=None) -> bytes:
    """Render ``fig`` to PNG bytes with the Agg backend.

    Examples
    --------
    >>> from l2reg.plotting import new_figure, figure_to_png
    >>> figure_to_png(new_figure()[0])[:4]
    b'\\x89PNG'
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    buf = io.BytesIO()
    canvas.print_png(buf) if dpi is None else fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


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
    ax2.set_xlabel("lambda (log scale)")
    ax2.set_ylabel("||w|| (log scale)")
    ax2.set_title("The size of the weight vector")
    ax2.legend()
    return fig


def plot_lines(x, series, *, xlabel, ylabel, title, xscale="linear", yscale="linear", marks=None, ax=None,
               linthresh=1.0, colors=None, linestyles=None):
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

    Returns
    -------
    Figure

    Examples
    --------
    >>> from l2reg.plotting import plot_lines
    >>> fig = plot_lines([1, 2, 3], {"a": [1, 4, 9]}, xlabel="x", ylabel="y", title="t", yscale="log")
    >>> fig.axes[0].get_yscale()
    'log'
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
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
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


def plot_coefficient_clouds(clouds, *, truth=None, title="Fitted weights over many training sets"):
    """Scatter of two-feature weight vectors, one cloud per method, and a zoom on the tightest cloud.

    Parameters
    ----------
    clouds : dict of str to array_like of shape (k, 2)
        Label to fitted ``(w1, w2)``, one row per training set.
    truth : (float, float), optional
        The true weights, drawn as a star.

    Returns
    -------
    Figure

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg.plotting import plot_coefficient_clouds
    >>> fig = plot_coefficient_clouds({"a": np.zeros((3, 2))}, truth=(1, 1))
    >>> fig.axes[0].get_xlabel()
    'w1'
    """
    from matplotlib.patches import Rectangle

    clouds = {label: np.asarray(W, dtype=float) for label, W in clouds.items()}
    fig, (ax, zoom) = new_figure(2, width=4.4, height=4.4)
    markers = ("o", "s", "^", "D")

    def draw(target, size, star):
        for i, (label, W) in enumerate(clouds.items()):
            target.scatter(W[:, 0], W[:, 1], s=size, alpha=0.55, color=color(i), marker=markers[i % 4], label=label,
                           edgecolors="none", zorder=2 + i)
        if truth is not None:
            # Drawn last, black with a white rim: it stays visible inside a dense cloud.
            target.scatter([truth[0]], [truth[1]], s=star, marker="*", color=COLORS["black"], edgecolors="white",
                           linewidths=1.2, zorder=10, label="true weights")
        target.set_xlabel("w1")
        target.set_ylabel("w2")

    star = None if truth is None else np.asarray(truth, dtype=float)

    def window(P, pad=0.08):
        """The bulk of the points (1st to 99th percentile) and the truth, padded: a few wild fits do not set the scale."""
        lo, hi = np.percentile(P, 1, axis=0), np.percentile(P, 99, axis=0)
        if star is not None:
            lo, hi = np.minimum(lo, star), np.maximum(hi, star)
        half = 0.5 * (1 + 2 * pad) * max((hi - lo).max(), 1e-9)
        mid = 0.5 * (lo + hi)
        return mid - half, mid + half

    draw(ax, 14, 260)
    lo, hi = window(np.concatenate(list(clouds.values())))
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_aspect("equal")
    ax.set_title(title, fontsize=10)
    # The right panel zooms on the tightest cloud (and the truth), where it would be a dot on the left.
    spread = {label: np.ptp(np.percentile(W, [5, 95], axis=0), axis=0).max() for label, W in clouds.items()}
    tight = min(spread, key=spread.get)
    zlo, zhi = window(clouds[tight], pad=0.25)
    draw(zoom, 22, 320)
    zoom.set_xlim(zlo[0], zhi[0])
    zoom.set_ylim(zlo[1], zhi[1])
    zoom.set_aspect("equal")
    zoom.set_title(f"Zoom on the {tight} cloud", fontsize=10)
    ax.add_patch(Rectangle(zlo, *(zhi - zlo), fill=False, ec="0.3", lw=1.0, ls="--", zorder=11))
    legend_outside(zoom)
    return fig


def plot_shrinkage(names, groups, *, title="How much of each coefficient the penalty keeps"):
    """Grouped bars: for each setting, the ratio ridge / least squares per coefficient.

    Parameters
    ----------
    names : list of str
        Coefficient names (one group of bars each).
    groups : dict of str to array_like
        Setting label to the kept fraction of each coefficient.

    Returns
    -------
    Figure

    Examples
    --------
    >>> from l2reg.plotting import plot_shrinkage
    >>> fig = plot_shrinkage(["a", "b"], {"raw": [1.0, 0.5], "scaled": [0.7, 0.7]})
    >>> fig.axes[0].get_ylabel()
    'ridge coefficient / least-squares coefficient'
    """
    fig, ax = new_figure()
    k = len(groups)
    width = 0.8 / k
    pos = np.arange(len(names))
    hatches = ("", "//", "..", "xx")
    for i, (label, kept) in enumerate(groups.items()):
        bars = ax.bar(pos + (i - (k - 1) / 2) * width, kept, width, color=color(i),
                      hatch=hatches[i % len(hatches)], edgecolor="white", label=label)
        ax.bar_label(bars, fmt="%.2f", fontsize=9)
    ax.axhline(1.0, color="0.4", lw=1, ls=":", label="no shrinkage")
    ax.set_xticks(pos, names)
    ax.set_ylim(0, 1.35)
    ax.set_xlabel("feature")
    ax.set_ylabel("ridge coefficient / least-squares coefficient")
    ax.set_title(title)
    ax.legend(loc="upper center", ncol=k + 1, fontsize=9)
    return fig


def plot_penalty_geometry(X, y, solutions, *, paths=None, title="", lim=None, ax=None):
    """Data-loss contours in the weight plane, with penalty balls touching them.

    Parameters
    ----------
    X : array_like of shape (n, 2)
        Centred features.
    y : array_like of shape (n,)
        Centred target.
    solutions : dict of str to (kind, w)
        Label to a penalty kind (``"l2"``, ``"l1"``, ``"elastic net"``) and the
        penalized solution ``w``; the ball of that penalty through ``w`` is drawn.
    paths : dict of str to array_like of shape (k, 2), optional
        Label to a path of solutions, drawn as a line. Path ``i`` takes the colour of
        solution ``i``, so a method keeps one colour.
    title : str
    lim : float, optional
        Half-width of the square window; from the least-squares weights by default.
    ax : Axes, optional

    Returns
    -------
    Figure

    Examples
    --------
    >>> from l2reg.data import geometry_data
    >>> from l2reg.demos import penalized_solution
    >>> from l2reg.plotting import plot_penalty_geometry
    >>> X, y = geometry_data()
    >>> fig = plot_penalty_geometry(X, y, {"ridge": ("l2", penalized_solution(X, y, 0.5, "l2"))}, title="t")
    >>> fig.axes[0].get_xlabel(), fig.axes[0].get_aspect()
    ('w1', 1.0)
    """
    from .demos import loss_contour, penalty_boundary

    if ax is None:
        fig, ax = new_figure(width=5.6, height=5.4)
    else:
        fig = ax.figure
    loss_plane(ax, X, y, lim=lim, title=title)
    for i, (label, path) in enumerate((paths or {}).items()):
        path = np.asarray(path, dtype=float)
        ax.plot(path[:, 0], path[:, 1], color=color(i), ls="-", lw=2.2, label=label)
    markers = ("o", "s", "D", "^")
    for i, (label, (kind, w)) in enumerate(solutions.items()):
        B = penalty_boundary(w, kind)
        ax.plot(B[:, 0], B[:, 1], color=color(i), ls=style(i + 1), lw=2.0, zorder=4)
        # The data-loss contour through the solution, exact and thick over the faint background
        # contours: where it touches the ball is the point of the figure.
        C = loss_contour(X, y, w)
        ax.plot(C[:, 0], C[:, 1], color=color(i), ls="-", lw=2.6, zorder=4)
        ax.plot([w[0]], [w[1]], markers[i % 4], ms=9, color=color(i), zorder=5,
                label=f"{label}: ({w[0]:.2f}, {w[1]:.2f}), its ball and contour")
    legend_outside(ax, fontsize=8)
    return fig


def loss_plane(ax, X, y, *, lim=None, title=""):
    """The weight plane of :func:`plot_penalty_geometry` and the geometry demo, without solutions.

    Draws faint contours of the data loss (no intercept), the axes through the
    origin and the least-squares weights ``w*`` (a star), on a square window of
    half-width ``lim`` (``1.6 max|w*|`` by default), with equal aspect, axis
    labels and the title.

    Returns
    -------
    g : ndarray of shape (161,)
        The grid coordinates of both axes.
    Z : ndarray of shape (161, 161)
        The data loss on the grid, as ``contour`` expects it.

    Examples
    --------
    >>> from l2reg.data import geometry_data
    >>> from l2reg.plotting import loss_plane, new_figure
    >>> fig, ax = new_figure()
    >>> g, Z = loss_plane(ax, *geometry_data(), title="t")
    >>> Z.shape, ax.get_title(), ax.get_lines()[-1].get_label().startswith("w*")
    ((161, 161), 't', True)
    """
    from .demos import loss_surface
    from .ridge import ridge_fit

    w_ls = ridge_fit(X, y, 0.0, fit_intercept=False)[0]
    lim = 1.6 * float(np.abs(w_ls).max()) if lim is None else lim
    g = np.linspace(-lim, lim, 161)
    Z = loss_surface(X, y, 0.0, g, g)
    # Thin and light, so that the contour through each solution (drawn thick) stands out.
    ax.contour(g, g, Z, levels=np.quantile(Z, np.linspace(0.0, 0.6, 14) ** 2), cmap="viridis",
               linewidths=0.6, alpha=0.45, zorder=1)
    ax.axhline(0, color="0.6", lw=0.8)
    ax.axvline(0, color="0.6", lw=0.8)
    ax.plot([w_ls[0]], [w_ls[1]], "*", ms=15, color=COLORS["black"], label=f"w* = ({w_ls[0]:.1f}, {w_ls[1]:.1f})")
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_xlabel("w1")
    ax.set_ylabel("w2")
    ax.set_title(title, fontsize=10)
    return g, Z


__all__ += ["plot_prediction_spread"]


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


__all__ += ["plot_heatmap"]


def plot_heatmap(values, row_labels, col_labels, *, xlabel, ylabel, title, cbar_label, marks=None, fmt=".3f",
                 cmap="viridis", vmin=None, vmax=None, ax=None, scale="auto"):
    """A grid of values as coloured cells, each annotated with its value.

    Parameters
    ----------
    values : array_like of shape (a, b)
        Row ``i`` is drawn at ``row_labels[i]`` (bottom to top), column ``j`` at
        ``col_labels[j]``.
    row_labels, col_labels : list of str
        Tick labels of the rows (y axis) and columns (x axis).
    xlabel, ylabel, title, cbar_label : str
        Axis labels, title and the label of the colour bar.
    marks : list of (int, int), optional
        Cells ``(i, j)`` to outline (say, the best column of each row).
    fmt : str, default ".3f"
        Format of the annotations.
    cmap : str, default "viridis"
        A perceptually uniform, colour-blind-safe colour map ("viridis" or "cividis").
    vmin, vmax : float, optional
        Colour limits, to share one scale between two heatmaps.
    scale : {"auto", "linear", "log"}, default "auto"
        Colour scale; "auto" is logarithmic when all values are positive and the
        largest is more than 3 times the smallest (an error grid, where a linear
        scale spends its colours on a few bad cells and the rest look alike).
    ax : Axes, optional
        Draw into this Axes instead of a new figure.

    Returns
    -------
    Figure

    Examples
    --------
    >>> from l2reg.plotting import plot_heatmap
    >>> fig = plot_heatmap([[1.0, 2.0], [3.0, 4.0]], ["a", "b"], ["c", "d"], xlabel="x", ylabel="y",
    ...                    title="t", cbar_label="error", marks=[(0, 1)])
    >>> [t.get_text() for t in fig.axes[0].texts]
    ['1.000', '2.000', '3.000', '4.000']
    >>> fig.axes[1].get_ylabel()  # 1 to 4: more than a factor of 3, so a log colour scale
    'error (log scale)'
    """
    from matplotlib.patches import Rectangle

    values = np.asarray(values, dtype=float)
    if ax is None:
        fig, ax = new_figure(width=5.4, height=4.2)
    else:
        fig = ax.figure
    from matplotlib.colors import LogNorm, Normalize

    scale = v.check_choice("scale", scale, ("auto", "linear", "log"))
    lo = np.nanmin(values) if vmin is None else vmin
    hi = np.nanmax(values) if vmax is None else vmax
    if scale == "auto":
        scale = "log" if lo > 0 and hi > 3 * lo else "linear"
    norm = LogNorm(lo, hi) if scale == "log" else Normalize(lo, hi)
    im = ax.imshow(values, origin="lower", cmap=cmap, norm=norm, aspect="auto")
    for (i, j), val in np.ndenumerate(values):
        light = float(norm(val)) < 0.6 if hi > lo else True  # dark cells get white text
        ax.text(j, i, format(val, fmt), ha="center", va="center", fontsize=9,
                color="white" if light else "black")
    for i, j in marks or []:
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, lw=2.5, ec=COLORS["vermillion"]))
    ax.set_xticks(range(values.shape[1]), col_labels)
    ax.set_yticks(range(values.shape[0]), row_labels)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    fig.colorbar(im, ax=ax, label=cbar_label + (" (log scale)" if scale == "log" else ""))
    return fig


__all__ += ["layout_problems"]


def layout_problems(fig, *, margin: float = 0.5) -> list:
    """What a reader would find cut off or unreadable in ``fig``: drawn text off the canvas, clashing ticks.

    The figure is drawn in full (animated artists included) while every text
    matplotlib actually draws (titles, axis labels, tick labels, legend entries,
    annotations) is recorded with its window extent. Reported: a text or a
    legend whose extent leaves the figure's bbox by more than ``margin``
    pixels, a legend inside an axes that hides a data point (a vertex of a
    line or a marker of a scatter, inside the axes' view), and two drawn tick
    labels of one axis that overlap.

    Returns
    -------
    list of str
        One line per problem; empty when there is none.

    Examples
    --------
    >>> from l2reg.plotting import layout_problems, new_figure
    >>> fig, ax = new_figure()
    >>> _ = ax.set_title("inside")
    >>> layout_problems(fig)
    []
    >>> _ = ax.text(1.5, 0.5, "far right", transform=ax.transAxes)
    >>> [p.split(":")[0] for p in layout_problems(fig)]
    ["text 'far right' leaves the canvas"]
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    drawn = []
    original = Text.draw

    def recording(self, renderer):
        original(self, renderer)
        if self.get_visible() and self.get_text().strip():
            drawn.append((self, self.get_window_extent(renderer)))

    artists = [a for a in fig.findobj() if a.get_animated()]
    Text.draw = recording
    try:
        for a in artists:
            a.set_animated(False)
        canvas.draw()
    finally:
        Text.draw = original
        for a in artists:
            a.set_animated(True)
    renderer = canvas.get_renderer()
    W, H = fig.bbox.width, fig.bbox.height

    def off(e):
        return e.x0 < -margin or e.y0 < -margin or e.x1 > W + margin or e.y1 > H + margin

    where = lambda e: f"x {e.x0:.0f}..{e.x1:.0f}, y {e.y0:.0f}..{e.y1:.0f} (canvas {W:.0f} x {H:.0f})"  # noqa: E731
    problems = [f"text {t.get_text()!r} leaves the canvas: {where(e)}" for t, e in drawn if off(e)]
    legends = [ax.get_legend() for ax in fig.axes] + list(fig.legends)
    for legend in legends:
        if legend is not None and legend.get_visible() and off(legend.get_window_extent(renderer)):
            problems.append(f"a legend leaves the canvas: {where(legend.get_window_extent(renderer))}")
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None or not legend.get_visible():
            continue
        box = legend.get_window_extent(renderer)
        for artist, xy in _data_points(ax):
            inside = ((xy[:, 0] > box.x0) & (xy[:, 0] < box.x1) & (xy[:, 1] > box.y0) & (xy[:, 1] < box.y1))
            if inside.any():
                problems.append(f"the legend of the axes titled {ax.get_title()!r} hides {int(inside.sum())} "
                                f"data point(s) of {artist.get_label()!r}")
    extent = {id(t): e for t, e in drawn}
    for ax in fig.axes:
        for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            labels = [t for t in axis.get_majorticklabels() + axis.get_minorticklabels() if id(t) in extent]
            for i, a in enumerate(labels):
                for b in labels[i + 1:]:
                    ea, eb = extent[id(a)], extent[id(b)]
                    if min(ea.x1, eb.x1) - max(ea.x0, eb.x0) > 1 and min(ea.y1, eb.y1) - max(ea.y0, eb.y0) > 1:
                        problems.append(f"{name} tick labels {a.get_text()!r} and {b.get_text()!r} overlap"
                                        f" in the axes titled {ax.get_title()!r}")
    return problems


def _data_points(ax):
    """(artist, display coordinates of its data points within the view) for the lines and scatters of ``ax``."""
    from matplotlib.collections import PathCollection

    view = ax.bbox
    out = []
    for artist in list(ax.get_lines()) + [c for c in ax.collections if isinstance(c, PathCollection)]:
        if not artist.get_visible():
            continue
        if isinstance(artist, PathCollection):
            xy = artist.get_offset_transform().transform(artist.get_offsets())
        else:
            data = np.column_stack([np.asarray(artist.get_xdata(), float), np.asarray(artist.get_ydata(), float)])
            if data.shape[0] == 2 and artist.get_transform() is not ax.transData:
                continue  # axhline / axvline: two ends on the axes' edges, not data points
            xy = artist.get_transform().transform(data)
        xy = xy[np.all(np.isfinite(xy), axis=1)]
        xy = xy[(xy[:, 0] >= view.x0) & (xy[:, 0] <= view.x1) & (xy[:, 1] >= view.y0) & (xy[:, 1] <= view.y1)]
        if xy.size:
            out.append((artist, xy))
    return out
