"""FigureDemo: controls, a one-line readout and a figure redrawn by blitting the artists a demo declares.

The blitting follows matplotlib's documented pattern ("Faster rendering by
using blitting", https://matplotlib.org/stable/users/explain/animations/blitting.html):
the artists a demo changes are marked ``animated=True``, so a full
``canvas.draw()`` leaves them out; that background is saved with
``copy_from_bbox``; every frame restores it with ``restore_region`` and draws
only the animated artists with ``Figure.draw_artist``. A change of the view
(axis limits, scales, labels, titles, legend entries, the set of artists)
makes a full draw and saves a new background. As the tutorial says, animated
artists are drawn above the static ones: :class:`FigureDemo` lifts their
z-order above every static artist of their axes, so a full draw of the same
figure gives the same picture.
"""

from __future__ import annotations

import base64

import numpy as np

from .. import _validation as v

__all__ = ["FigureDemo", "log_slider", "lambda_slider"]

# True only while the grading sandbox runs a cell that the trusted source notebook declares
# skip-render (set by l2reg.grading._runner; docs/design.md, section 7): a demo is built in
# full (controls, readout, artists) but its frames are neither drawn nor encoded, since
# nothing of that cell is shown. The first frame drawn afterwards is a full draw.
_skip_draw = False


def _png(rgba) -> bytes:
    """Encode an RGBA image (uint8, shape (h, w, 4)) as PNG, built for speed.

    Pillow's PNG encoder filters every row adaptively and compresses at
    level 6, which costs 2.5 to 4 times as much as this: rows go unfiltered
    into zlib at level 1 with run-length matching only (``Z_RLE``), which
    suits a figure of flat colours and thin lines. The file is about a third
    larger than Pillow's, and the bytes are a standard PNG (see the round
    trip through Pillow in the tests).

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg.widgets.core import _png
    >>> _png(np.zeros((2, 3, 4), np.uint8))[:8]
    b'\\x89PNG\\r\\n\\x1a\\n'
    """
    import struct
    import zlib

    h, w, _ = rgba.shape
    raw = np.empty((h, 4 * w + 1), dtype=np.uint8)
    raw[:, 0] = 0  # filter type 0 ("None") for every row
    raw[:, 1:] = rgba.reshape(h, 4 * w)

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)  # 8-bit RGBA, no interlace
    deflate = zlib.compressobj(1, zlib.DEFLATED, 15, 9, zlib.Z_RLE)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", deflate.compress(raw.data) + deflate.flush()) + chunk(b"IEND", b""))


class _Blitter:
    """Draw the declared artists over a saved background; redraw in full when the view changes.

    A legend of an axes that holds animated artists is drawn last in a full
    draw, over them. Drawing its text again on every frame would cost more
    than the rest of the frame, so it is rendered once per background on a
    transparent canvas and composited over each frame (within 1 of 255 per
    channel of a full draw).
    """

    def __init__(self, fig, animated):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        self.fig = fig
        self.canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
        self.animated = list(animated)
        self._background = None
        self._view = None
        self._legends = []
        self.full_draws = 0
        self.blits = 0
        for a in self.animated:
            a.set_animated(True)
        # Animated artists are drawn after everything static: give them z-orders to match,
        # above every static artist of their axes (spines included), in their own order.
        for ax in fig.axes:
            mine = sorted((a for a in self.animated if a.axes is ax), key=lambda a: a.get_zorder())
            if not mine:
                continue
            static = [a.get_zorder() for a in ax.get_children()
                      if not a.get_animated() and a is not ax.get_legend() and a is not ax.patch]
            top = max(static, default=0.0)
            for k, a in enumerate(mine):
                a.set_zorder(max(a.get_zorder(), top + 0.01 * (k + 1)))
        order = {id(ax): i for i, ax in enumerate(fig.axes)}
        self.animated.sort(key=lambda a: (order.get(id(a.axes), len(order)), a.get_zorder()))
        self._overlaid = [ax.get_legend() for ax in fig.axes
                          if ax.get_legend() is not None and any(a.axes is ax for a in self.animated)]

    def view(self) -> tuple:
        """What the background shows besides the animated artists; a change means a full draw."""
        parts = [tuple(self.fig.bbox.bounds), self.fig.dpi,
                 tuple(t.get_text() for t in self.fig.texts), len(self.fig.legends)]
        for ax in self.fig.axes:
            legend = ax.get_legend()
            parts.append((tuple(ax.get_position().bounds), ax.get_xlim(), ax.get_ylim(), ax.get_xscale(),
                          ax.get_yscale(), ax.get_xlabel(), ax.get_ylabel(), ax.get_title(),
                          tuple(id(a) for a in ax.get_children()),
                          None if legend is None else tuple(t.get_text() for t in legend.get_texts())))
        return tuple(parts)

    def render(self) -> None:
        """Bring the canvas up to date with the figure."""
        if self._background is None or self.view() != self._view:
            self._full_draw()
        else:
            self.canvas.restore_region(self._background)
            self._paint()
            self.blits += 1

    def _full_draw(self) -> None:
        from matplotlib.transforms import Bbox

        self._overlaid = [ax.get_legend() for ax in self.fig.axes
                          if ax.get_legend() is not None and any(a.axes is ax for a in self.animated)]
        for legend in self._overlaid:
            legend.set_animated(True)
        self.canvas.draw()  # everything but the animated artists (and the overlaid legends)
        self._background = self.canvas.copy_from_bbox(self.fig.bbox)
        self._legends = []
        if self._overlaid:
            renderer = self.canvas.get_renderer()
            renderer.clear()
            height = int(round(self.fig.bbox.height))
            pixels = np.asarray(self.canvas.buffer_rgba())
            for legend in self._overlaid:
                legend.draw(renderer)
                box = Bbox.intersection(legend.get_window_extent(renderer).padded(3.0), self.fig.bbox)
                if box is None:
                    continue
                rows = slice(max(height - int(np.ceil(box.y1)), 0), height - int(np.floor(box.y0)))
                cols = slice(int(np.floor(box.x0)), int(np.ceil(box.x1)))
                rgba = pixels[rows, cols].astype(np.float32)
                alpha = rgba[..., 3:] / 255.0
                self._legends.append((rows, cols, rgba[..., :3] * alpha, 1.0 - alpha))
            self.canvas.restore_region(self._background)
        self._view = self.view()
        self._paint()
        self.full_draws += 1

    def _paint(self) -> None:
        for a in self.animated:
            self.fig.draw_artist(a)
        if self._legends:
            pixels = np.asarray(self.canvas.buffer_rgba())
            for rows, cols, premultiplied, keep in self._legends:
                below = pixels[rows, cols, :3]
                below[...] = np.rint(premultiplied + keep * below)

    def png(self) -> bytes:
        """The canvas as PNG bytes."""
        return _png(np.asarray(self.canvas.buffer_rgba()))


class FigureDemo:
    """Controls, a one-line readout and a figure that ``draw`` updates in place.

    Moving a control calls ``draw`` with the controls' values. ``draw`` changes
    the data of the ``animated`` artists (``set_data``, ``set_segments``, ...)
    and may return a line of text for the readout above the figure. The rest
    of the figure is a saved background: each frame restores it and draws only
    the animated artists (matplotlib's blitting pattern), then encodes the
    canvas as PNG into :attr:`image`, so the picture changes without a new
    output or a flicker. When ``draw`` changes the view (axis limits, scales,
    labels, titles, legend entries, or adds or removes artists) the whole
    figure is drawn again and a new background saved. Numbers that change with
    the controls belong in the readout: the browser draws that text at no cost,
    while redrawing text in the figure is slow.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure, already holding the artists ``draw`` will update.
    draw : callable
        Called as ``draw(**values)`` with the controls' current values; it
        updates the artists (it must not create new axes) and returns the
        readout text or None.
    controls : dict of str to ipywidgets.ValueWidget
        The controls, by the keyword ``draw`` receives their value as.
    animated : sequence of matplotlib.artist.Artist
        Every artist of ``fig`` that ``draw`` changes without changing the
        view, and any artist that must stay drawn above them. They are drawn
        above the figure's other artists of their axes. An artist ``draw``
        changes that is not listed keeps its old picture until the view changes.

    Attributes
    ----------
    widget : ipywidgets.VBox
        The controls, the readout and the image, ready to display.
    image : ipywidgets.Image
        The current rendering, PNG.
    readout : ipywidgets.Label
        The text ``draw`` returned last (shown above the figure, wrapped at the page's width).
    renders : int
        How many times the figure has been drawn.
    full_draws : int
        How many of those drew the whole figure (the rest drew only the animated artists).

    Examples
    --------
    >>> import ipywidgets as W
    >>> from l2reg.plotting import new_figure
    >>> from l2reg.widgets import FigureDemo
    >>> fig, ax = new_figure()
    >>> (line,) = ax.plot([0, 1], [0, 0])
    >>> ax.set_ylim(-3, 3)
    (-3.0, 3.0)
    >>> def draw(a):
    ...     line.set_ydata([0, a])
    ...     return f"a = {a}"
    >>> demo = FigureDemo(fig, draw, {"a": W.FloatSlider(value=1.0)}, animated=[line])
    >>> demo.set(a=2.0)
    >>> [float(y) for y in line.get_ydata()], demo.readout.value, demo.renders, demo.full_draws
    ([0.0, 2.0], 'a = 2.0', 2, 1)
    """

    def __init__(self, fig, draw, controls, *, animated):
        import ipywidgets as W
        from matplotlib.artist import Artist

        v.as_callable("draw", draw)
        if isinstance(animated, (str, bytes, Artist)) or not hasattr(animated, "__iter__"):
            raise TypeError(f"animated: expected a sequence of matplotlib artists, got {type(animated).__name__}")
        animated = list(animated)
        for a in animated:
            if not isinstance(a, Artist) or (a.axes not in fig.axes and a not in fig.get_children()):
                raise ValueError(f"animated: expected artists of the figure fig, got {a!r}")
        self.fig = fig
        self._draw = draw
        self.controls = dict(controls)
        self.renders = 0
        self.image = W.Image(format="png", layout=W.Layout(max_width="100%", height="auto"))
        self.readout = W.Label()
        # What the page shows of the readout: the same text in an HTML widget whose lines wrap
        # (a Label is one line, cut off with an ellipsis where the text is longer than the page).
        self._readout_view = W.HTML(layout=W.Layout(min_height="1.6em", width="auto", max_width="100%"))
        W.dlink((self.readout, "value"), (self._readout_view, "value"), transform=_wrapping_html)
        # Controls that do not fit on one line wrap to the next rather than being squeezed.
        controls_box = W.HBox(list(self.controls.values()), layout=W.Layout(flex_flow="row wrap"))
        self.widget = W.VBox([controls_box, self._readout_view, self.image])
        for ax in fig.axes:
            legend = ax.get_legend()
            if legend is not None:
                legend.get_frame().set_alpha(1.0)  # opaque: animated lines never show through
        self._blitter = _Blitter(fig, animated)
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self._laid_out = False
        self.refresh()

    @property
    def full_draws(self) -> int:
        return self._blitter.full_draws

    def values(self) -> dict:
        """The controls' current values, by keyword."""
        return {name: c.value for name, c in self.controls.items()}

    def refresh(self) -> None:
        """Redraw the figure from the current values and update the image."""
        text = self._draw(**self.values())
        if text is not None:
            self.readout.value = str(text)
        if _skip_draw:
            return  # a skip-render cell in the grading sandbox: nothing is shown
        self._blitter.render()
        self.image.value = self._blitter.png()
        self.renders += 1
        if not self._laid_out:
            # The first rendering laid the figure out; keep that layout so that later
            # renderings skip the (costly) layout pass and the axes never jump.
            self.fig.set_layout_engine("none")
            self._laid_out = True

    def set(self, **values) -> None:
        """Move controls programmatically, as a user would (for tests)."""
        v.check_names("values", values, self.controls)
        for name, value in values.items():
            self.controls[name].value = value

    def _on_change(self, change) -> None:
        self.refresh()

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["image/png"] = base64.b64encode(self.image.value).decode("ascii")
        if self.readout.value:
            bundle["text/plain"] = self.readout.value
        return bundle


def _wrapping_html(text: str) -> str:
    """The readout text as HTML that wraps at the page's width (escaped: it is shown as text)."""
    import html

    return f'<div class="l2reg-readout" style="white-space: normal; line-height: 1.35">{html.escape(text)}</div>'


def log_slider(value, *, min_exp, max_exp, description, step=0.1):
    """A base-10 log slider that redraws when released.

    Examples
    --------
    >>> from l2reg.widgets import log_slider
    >>> s = log_slider(0.1, min_exp=-3, max_exp=1, description="lambda")
    >>> s.min, s.max, s.value
    (-3.0, 1.0, 0.1)
    """
    import ipywidgets as W

    return W.FloatLogSlider(
        value=value, base=10, min=min_exp, max=max_exp, step=step,
        description=description, readout_format=".1e", continuous_update=False,
        layout=W.Layout(width="480px"), style={"description_width": "initial"},
    )


def lambda_slider(value=1e-3, *, min_exp=-8, max_exp=2, description="lambda"):
    """A base-10 log slider for a penalty strength.

    Examples
    --------
    >>> from l2reg.widgets import lambda_slider
    >>> lambda_slider(1e-2).description
    'lambda'
    """
    return log_slider(value, min_exp=min_exp, max_exp=max_exp, description=description)
