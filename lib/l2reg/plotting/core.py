"""The palette, pyplot-free figures, legends outside the data, PNG output, and the layout check every figure passes."""

from __future__ import annotations

import io

import numpy as np

__all__ = ["COLORS", "CYCLE", "STYLES", "color", "style", "new_figure", "legend_outside", "figure_to_png", "layout_problems",
           "plain_log_labels"]


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


def plain_log_labels(ax):
    """Label the log-scaled axes of ``ax`` between decades with plain decimals: 0.6, 2, 3 (not 6×10⁻¹, 2×10⁰).

    Which ticks get a label stays matplotlib's choice (its
    ``LogFormatterSciNotation``: on an axis spanning about a decade it labels
    some ticks between the decades); only the text changes. On an axis of at
    most two decades every label is plain (1, not 10⁰, beside 0.6 and 2); a
    wider axis labels only decades and keeps them as powers of ten. Call it
    after the scale is set: ``set_xscale``/``set_yscale`` reset the formatters.

    Examples
    --------
    >>> from l2reg.plotting import new_figure, plain_log_labels
    >>> fig, ax = new_figure()
    >>> _ = ax.loglog([0.55, 4.0], [0.55, 4.0])
    >>> plain_log_labels(ax)
    >>> fig.canvas.draw()
    >>> lo, hi = ax.get_ylim()
    >>> [t.get_text() for t in ax.yaxis.get_minorticklabels() if t.get_text() and lo <= t.get_position()[1] <= hi]
    ['0.6', '2', '3', '4']
    >>> [t.get_text() for t in ax.yaxis.get_majorticklabels() if t.get_text() and lo <= t.get_position()[1] <= hi]
    ['1']
    """
    from matplotlib.ticker import LogFormatterSciNotation

    class Plain(LogFormatterSciNotation):
        def __call__(self, x, pos=None):
            text = super().__call__(x, pos)
            lo, hi = sorted(abs(v) for v in self.axis.get_view_interval())
            if not text or not (lo > 0 and np.log10(hi / lo) <= 2):
                return text  # no label, or a wide axis: only decades are labelled, as 10^k
            return f"{x:.6g}"  # a short axis labels ticks between decades: all of them plain, 1 too

    for axis, scale in ((ax.xaxis, ax.get_xscale()), (ax.yaxis, ax.get_yscale())):
        if scale == "log":
            axis.set_major_formatter(Plain(labelOnlyBase=False))
            axis.set_minor_formatter(Plain(labelOnlyBase=False))


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
