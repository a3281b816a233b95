"""Figures of weights and grids: clouds of fitted weights, shrinkage bars, the penalty geometry, heat maps."""

from __future__ import annotations

import numpy as np

from .. import _validation as v
from .core import COLORS, color, legend_outside, new_figure, plain_log_labels, style

__all__ = ["plot_coefficient_clouds", "plot_shrinkage", "plot_penalty_geometry", "loss_plane", "plot_heatmap", "robust_limits"]


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
    from ..demos import loss_contour, penalty_boundary

    own = ax is None
    if own:
        fig, ax = new_figure(width=6.0, height=7.2)
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
        # The data-loss contour through the solution, exact, as a wide pale band: thicker than the
        # faint background contours and unlike the thin solid path of the same colour, so that
        # where it touches the ball (the point of the figure) shows.
        C = loss_contour(X, y, w)
        ax.plot(C[:, 0], C[:, 1], color=color(i), ls="-", lw=7.0, alpha=0.35, solid_capstyle="butt", zorder=3)
        ax.plot([w[0]], [w[1]], markers[i % 4], ms=9, color=color(i), zorder=5,
                label=f"{label}: ({w[0]:.2f}, {w[1]:.2f})")
    # What the unlabelled lines are, once for every solution (each in its solution's colour).
    from matplotlib.lines import Line2D

    keys = [Line2D([], [], color="0.35", ls="--", lw=2.0, label="broken line: the penalty ball through each solution"),
            Line2D([], [], color="0.35", lw=7.0, alpha=0.35, solid_capstyle="butt",
                   label="wide pale band: the data-loss contour through each solution")]
    handles = [h for h in ax.get_lines() if not h.get_label().startswith("_")] + keys
    if own:  # its own figure: the legend under the square plot, where its long entries fit
        fig.legend(handles=handles, loc="outside lower center", ncol=1, fontsize=9)
        # Constrained layout shrinks a fixed-aspect axes only after a first solve: on the first
        # draw the title of a three-solution figure overran the canvas by 9 px. One solve here
        # makes every draw (the first PNG included) the settled layout.
        fig.get_layout_engine().execute(fig)
    else:
        legend_outside(ax, fontsize=8, handles=handles)
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
    from ..demos import loss_surface
    from ..ridge import ridge_fit

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


def robust_limits(*grids):
    """Colour limits for heat maps of ``grids`` that a few outlying cells do not stretch.

    From the smallest value up to Tukey's upper fence, ``Q3 + 1.5 (Q3 - Q1)``
    of all the values (or the largest value, if that is lower). Pass the same
    limits to several :func:`plot_heatmap` calls to share one scale.

    Examples
    --------
    >>> from l2reg.plotting import robust_limits
    >>> [round(x, 3) for x in robust_limits([[0.08, 0.09, 0.1], [0.11, 0.09, 0.58]])]
    [0.08, 0.134]
    >>> robust_limits([1.0, 2.0], [3.0])
    (1.0, 3.0)
    """
    flat = np.concatenate([np.ravel(np.asarray(g, dtype=float)) for g in grids])
    flat = flat[np.isfinite(flat)]
    if flat.size == 0:
        raise ValueError("grids: expected at least one finite value, got none")
    q1, q3 = np.percentile(flat, [25, 75])
    return float(flat.min()), float(min(flat.max(), q3 + 1.5 * (q3 - q1)))


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
        Colour limits, to share one scale between two heatmaps (see
        :func:`robust_limits`); by default the robust limits of ``values``, so
        that a few very bad cells do not make all the others look alike. Cells
        beyond the limits take the end colours (and keep their numbers).
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
    robust_lo, robust_hi = robust_limits(values)
    lo = robust_lo if vmin is None else vmin
    hi = robust_hi if vmax is None else vmax
    if scale == "auto":
        scale = "log" if lo > 0 and hi > 3 * lo else "linear"
    norm = LogNorm(lo, hi) if scale == "log" else Normalize(lo, hi)
    im = ax.imshow(values, origin="lower", cmap=cmap, norm=norm, aspect="auto")
    for (i, j), val in np.ndenumerate(values):
        light = float(np.clip(norm(val), 0, 1)) < 0.6 if hi > lo else True  # dark cells get white text
        ax.text(j, i, format(val, fmt), ha="center", va="center", fontsize=9,
                color="white" if light else "black")
    for i, j in marks or []:
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, lw=2.5, ec=COLORS["vermillion"]))
    ax.set_xticks(range(values.shape[1]), col_labels)
    ax.set_yticks(range(values.shape[0]), row_labels)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    # Cells beyond the colour limits take the end colours; the bar's pointed ends say so.
    extend = {(False, False): "neither", (True, False): "min", (False, True): "max", (True, True): "both"}[
        (bool(np.nanmin(values) < lo), bool(np.nanmax(values) > hi))]
    bar = fig.colorbar(im, ax=ax, extend=extend, label=cbar_label + (" (log scale)" if scale == "log" else ""))
    plain_log_labels(bar.ax)  # a log colour bar: 0.2, 0.3 between the decades
    return fig
