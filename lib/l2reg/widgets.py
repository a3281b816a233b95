"""Interactive demos: thin ipywidgets wrappers over :mod:`l2reg.demos`.

Each demo owns one matplotlib figure. Moving a control changes the data of
the figure's artists and re-renders it into an :class:`ipywidgets.Image` in
place, so the picture updates without a new output or a flicker. Where no
kernel runs (an exported notebook), the demo's initial figure is shown as a
static PNG. ipywidgets and matplotlib are imported only when a demo is built.
"""

from __future__ import annotations

import base64

import numpy as np

from . import _validation as v
from .demos import (
    PENALTIES,
    PolynomialRidge,
    decay_trajectory,
    gradient_descent_path,
    hessian_eigenvalues,
    loss_contour,
    loss_ellipses,
    loss_surface,
    one_weight_densities,
    penalized_solution,
    penalty_boundary,
)
from .plotting import COLORS, new_figure, plot_fits
from .ridge import ridge_fit

__all__ = ["FigureDemo", "lambda_fit_demo", "gradient_descent_demo", "weight_decay_demo", "geometry_demo", "prior_width_demo"]


def _png(rgba) -> bytes:
    """Encode an RGBA image (uint8, shape (h, w, 4)) as PNG, built for speed.

    Pillow's PNG encoder filters every row adaptively and compresses at
    level 6, which costs 2.5 to 4 times as much as this: rows go unfiltered
    into zlib at level 1 with run-length matching only (``Z_RLE``), which
    suits a figure of flat colours and thin lines. The file is about a third
    larger than Pillow's, and the bytes are a standard PNG (see the round
    trip through Pillow in the tests).
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
    """Redraw only the artists that change; keep the rest as a saved image.

    After ``FigureDemo``'s ``draw`` has updated the figure, :meth:`render`
    finds the artists it touched (matplotlib marks every changed artist
    *stale*), restores the saved background and draws just those, plus
    whatever lies above them inside the axes. A legend over changing artists
    is rendered once on a transparent canvas and composited on top of each
    frame, since drawing its text again is slow. When the background itself
    changes (axis limits, scales or labels, a changed or removed artist of the
    background), it falls back to a full draw and saves a new background.
    The result equals a full draw to within 1 of 255 per channel (the tests
    check this for every demo). Axis objects (ticks, tick labels, grid lines)
    always stay in the background: a demo that redraws over grid lines would
    show its lines above them.
    """

    def __init__(self, fig):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        self.fig = fig
        self.canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
        self._dynamic = {}  # id -> artist redrawn on every frame
        self._order = []  # the dynamic artists in drawing order
        self._static = {}  # id -> artist baked into the background
        self._background = None
        self._legends = []
        self._signature = None
        self.full_draws = 0
        self.blits = 0

    def _layers(self):
        """Per axes: its artists in the order ``Axes.draw`` draws them."""
        from matplotlib.axis import Axis

        layers = []
        for ax in self.fig.axes:
            children = [a for a in ax.get_children()
                        if a is not ax.patch and a is not ax.get_legend() and not isinstance(a, Axis)]
            layers.append((ax, sorted(children, key=lambda a: a.get_zorder())))
        return layers

    def _current_signature(self):
        parts = [tuple(self.fig.bbox.bounds), self.fig.dpi, len(self.fig.texts), len(self.fig.legends)]
        for ax in self.fig.axes:
            legend = ax.get_legend()
            parts.append((tuple(ax.get_position().bounds), ax.get_xlim(), ax.get_ylim(),
                          ax.get_xscale(), ax.get_yscale(), ax.get_xlabel(), ax.get_ylabel(),
                          id(legend), legend is not None and legend.stale))
        return tuple(parts)

    def _reach(self, a):
        """Where ``a`` may paint: its axes if clipped to them, else the figure."""
        return a.axes.bbox if a.get_clip_on() and a.axes is not None else self.fig.bbox

    def _covers(self, a, reach, renderer) -> bool:
        """Whether ``a`` paints inside ``reach`` (a display-space Bbox)."""
        from matplotlib.transforms import Bbox

        # Extents leave out line widths and antialiasing (a horizontal line has height 0): pad them.
        inter = Bbox.intersection(a.get_window_extent(renderer).padded(3.0), reach)
        return inter is not None and inter.width > 0 and inter.height > 0

    def render(self) -> None:
        """Bring the canvas up to date with the figure."""
        layers = self._layers()
        present = {id(a): a for _, artists in layers for a in artists}
        signature = self._current_signature()
        if self._background is None:
            return self._full_draw(layers, present, {})
        # Changed artists that are part of the background, and artists new since the last frame.
        stale = {k: a for k, a in present.items() if k in self._static and a.stale}
        new = {k: a for k, a in present.items() if k not in self._static and k not in self._dynamic}
        if (stale or signature != self._signature or any(k not in present for k in self._static)
                or not self._can_add(layers, new)):
            return self._full_draw(layers, present, {**stale, **new})
        self._dynamic = {k: a for k, a in self._dynamic.items() if k in present}
        self._dynamic.update(new)
        self._order = [a for _, artists in layers for a in artists if id(a) in self._dynamic]
        self._blit()

    def _can_add(self, layers, new) -> bool:
        """Whether the new artists can be drawn over the background as they are.

        They can unless a background artist lies above one of them and paints
        where it may paint: that one would have to be drawn again, on top.
        """
        from matplotlib.transforms import Bbox

        if not new:
            return True
        renderer = self.canvas.get_renderer()
        for _, artists in layers:
            reach = None
            for a in artists:
                if id(a) in new:
                    reach = self._reach(a) if reach is None else Bbox.union([reach, self._reach(a)])
                elif reach is not None and id(a) in self._static and self._covers(a, reach, renderer):
                    return False
        return True

    def _full_draw(self, layers, present, changed) -> None:
        from matplotlib.transforms import Bbox

        dynamic = {k: a for k, a in self._dynamic.items() if k in present}
        dynamic.update(changed)
        renderer = self.canvas.get_renderer()
        for _, artists in layers:
            reach = None  # where this axes' dynamic artists may paint
            for a in artists:
                if id(a) not in dynamic and reach is not None and self._covers(a, reach, renderer):
                    dynamic[id(a)] = a  # drawn over a dynamic artist: redraw it on top
                if id(a) in dynamic:
                    reach = self._reach(a) if reach is None else Bbox.union([reach, self._reach(a)])
        for a in present.values():
            a.set_animated(id(a) in dynamic)
        self._order = [a for _, artists in layers for a in artists if id(a) in dynamic]
        # A legend is drawn last, over its axes. Where the axes have dynamic artists, it is
        # rendered once on a transparent canvas and composited on top of every frame,
        # because drawing its text again would cost more than the rest of the frame.
        overlays = [ax.get_legend() for ax in self.fig.axes
                    if ax.get_legend() is not None and any(a.axes is ax for a in self._order)]
        for ax in self.fig.axes:
            if ax.get_legend() is not None:
                ax.get_legend().set_animated(ax.get_legend() in overlays)
        self.canvas.draw()
        self._background = self.canvas.copy_from_bbox(self.fig.bbox)
        self._legends = []
        if overlays:
            renderer.clear()
            height = int(round(self.fig.bbox.height))
            pixels = np.asarray(self.canvas.buffer_rgba())
            for legend in overlays:
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
        self._dynamic = dynamic
        self._static = {k: a for k, a in present.items() if k not in dynamic}
        self._signature = self._current_signature()
        self._paint()
        self.full_draws += 1

    def _blit(self) -> None:
        self.canvas.restore_region(self._background)
        self._paint()
        self.blits += 1

    def _paint(self) -> None:
        renderer = self.canvas.get_renderer()
        for a in self._order:
            a.draw(renderer)
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
    the figure's artists (``set_data``, ``set_text``, ...) and may return a
    line of text for the readout above the figure. Only what ``draw`` changed is
    redrawn over a saved background (blitting); the result is encoded as PNG
    into :attr:`image`, so the picture changes without a new output or a
    flicker. Numbers that change with the controls belong in the readout:
    the browser draws that text at no cost, while redrawing text in the figure
    is slow.

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

    Attributes
    ----------
    widget : ipywidgets.VBox
        The controls, the readout and the image, ready to display.
    image : ipywidgets.Image
        The current rendering, PNG.
    readout : ipywidgets.Label
        The text ``draw`` returned last.
    renders : int
        How many times the figure has been drawn.
    full_draws : int
        How many of those drew the whole figure (the rest redrew only what changed).

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
    >>> demo = FigureDemo(fig, draw, {"a": W.FloatSlider(value=1.0)})
    >>> demo.set(a=2.0)
    >>> [float(y) for y in line.get_ydata()], demo.readout.value, demo.renders
    ([0.0, 2.0], 'a = 2.0', 2)
    """

    def __init__(self, fig, draw, controls):
        import ipywidgets as W

        v.as_callable("draw", draw)
        self.fig = fig
        self._draw = draw
        self.controls = dict(controls)
        self.renders = 0
        self.image = W.Image(format="png", layout=W.Layout(max_width="100%", height="auto"))
        self.readout = W.Label(layout=W.Layout(min_height="1.6em"))
        # Controls that do not fit on one line wrap to the next rather than being squeezed.
        controls_box = W.HBox(list(self.controls.values()), layout=W.Layout(flex_flow="row wrap"))
        self.widget = W.VBox([controls_box, self.readout, self.image])
        for ax in fig.axes:
            legend = ax.get_legend()
            if legend is not None:
                legend.get_frame().set_alpha(1.0)  # opaque: redrawn lines never show through
        self._blitter = _Blitter(fig)
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.refresh()
        # The first rendering laid the figure out; keep that layout so that later
        # renderings skip the (costly) layout pass and the axes never jump.
        fig.set_layout_engine("none")
        # Draw once more with the same values: the blitter learns which artists ``draw``
        # changes now, with a full draw here, rather than on the user's first move.
        self._draw(**self.values())
        self._blitter.render()

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
        self._blitter.render()
        self.image.value = self._blitter.png()
        self.renders += 1

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


def log_slider(value, *, min_exp, max_exp, description):
    """A base-10 log slider that redraws when released."""
    import ipywidgets as W

    return W.FloatLogSlider(
        value=value, base=10, min=min_exp, max=max_exp, step=0.1,
        description=description, readout_format=".1e", continuous_update=False,
        layout=W.Layout(width="480px"), style={"description_width": "initial"},
    )


def lambda_slider(value=1e-3, *, min_exp=-8, max_exp=2, description="lambda"):
    """A base-10 log slider for a penalty strength."""
    return log_slider(value, min_exp=min_exp, max_exp=max_exp, description=description)


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
              x_grid=problem.x_grid, truth=problem.truth, ax=ax_fit, title="Ridge fit at the current lambda")
    fit_line = ax_fit.lines[-1]
    ax_err.loglog(lams, sweep["train_mse"], color=COLORS["blue"], lw=2, label="training error")
    ax_err.loglog(lams, sweep["test_mse"], color=COLORS["orange"], lw=2, ls="--", label="test error")
    marker = ax_err.axvline(lam, color=COLORS["black"], lw=1.2, ls=":", label="current lambda")
    (train_dot,) = ax_err.plot([lam], [start["train_mse"]], "o", color=COLORS["blue"])
    (test_dot,) = ax_err.plot([lam], [start["test_mse"]], "s", color=COLORS["orange"])
    ax_err.set_xlabel("lambda (log scale)")
    ax_err.set_ylabel("mean squared error (log scale)")
    ax_err.set_title("Error against lambda")
    ax_err.legend(fontsize=9, loc="center left")

    def draw(lam):
        s = problem.state(lam)
        fit_line.set_ydata(s["y_grid"])
        marker.set_xdata([lam, lam])
        train_dot.set_data([lam], [s["train_mse"]])
        test_dot.set_data([lam], [s["test_mse"]])
        return f"lambda = {lam:.1e}: training MSE {s['train_mse']:.3f}, test MSE {s['test_mse']:.3f}"

    return FigureDemo(fig, draw, {"lam": lambda_slider(lam, min_exp=min_exp, max_exp=max_exp)})


def gradient_descent_demo(X, y, *, lam=0.0, lr=0.3, steps=60):
    """Drag lambda and the learning rate; watch gradient descent on a two-weight ridge loss.

    Left: contours of the ridge loss (no intercept; pass centred data), the exact
    minimizer and the first ``steps`` iterates from the origin. Right: the
    distance of each iterate to the minimizer, on a log scale; a run that
    diverges stops where it overflows.

    Parameters
    ----------
    X : array_like of shape (n, 2)
        Centred features.
    y : array_like of shape (n,)
        Centred targets.
    lam, lr : float
        Initial penalty and learning rate.
    steps : int
        Iterations shown.

    Returns
    -------
    FigureDemo

    Examples
    --------
    >>> from l2reg.data import collinear_data
    >>> from l2reg.widgets import gradient_descent_demo
    >>> X, y = collinear_data(50, spread=0.3)
    >>> demo = gradient_descent_demo(X - X.mean(0), y - y.mean())
    >>> before = demo.image.value
    >>> demo.set(lam=1.0)
    >>> demo.image.value != before
    True
    """
    X, y = v.as_two_feature_data(X, y)
    lam = v.as_nonnegative("lam", lam)
    lr = v.as_nonnegative("lr", lr)
    steps = v.as_int("steps", steps, minimum=1)
    w_ls = ridge_fit(X, y, 0.0, fit_intercept=False)[0]
    half = max(1.5, 1.3 * float(np.abs(w_ls).max()))
    grid = np.linspace(-half, half, 121)
    fig, (ax_c, ax_d) = new_figure(2, width=5.0, height=4.2)
    from matplotlib.collections import LineCollection

    contours = LineCollection([], cmap="viridis", linewidths=0.8, zorder=1)
    ax_c.add_collection(contours, autolim=False)
    state = {"lam": None}
    (path_line,) = ax_c.plot([], [], "-o", ms=3, lw=1.2, color=COLORS["vermillion"], label="gradient descent")
    (opt_dot,) = ax_c.plot([], [], "*", ms=16, color=COLORS["black"], label="minimizer")
    ax_c.set_xlim(-half, half)
    ax_c.set_ylim(-half, half)
    ax_c.set_xlabel("w1")
    ax_c.set_ylabel("w2")
    ax_c.set_title("Ridge loss and gradient descent from the origin")
    ax_c.legend(fontsize=9, loc="upper left")
    (dist_line,) = ax_d.semilogy([], [], color=COLORS["blue"], lw=2, label="||w_t - w*||")
    (rate_line,) = ax_d.semilogy([], [], color=COLORS["orange"], ls="--", lw=1.5, label="predicted rate")
    ax_d.set_xlim(0, steps)
    ax_d.set_ylim(1e-8, 1e3)
    ax_d.set_xlabel("step t")
    ax_d.set_ylabel("distance to the minimizer (log scale)")
    ax_d.set_title("Distance to the minimizer per step")
    ax_d.legend(fontsize=9, loc="lower left")

    def draw(lam, lr):
        w_star = ridge_fit(X, y, lam, fit_intercept=False)[0]
        if lam != state["lam"]:  # the contours depend on lambda only: computed once per lambda
            # Levels spread over the loss values in view, drawn as exact ellipses.
            levels = np.unique(np.quantile(loss_surface(X, y, lam, grid, grid), np.linspace(0.0, 0.9, 16) ** 2))
            state.update(lam=lam, levels=levels, segments=list(loss_ellipses(X, y, lam, levels)))
        contours.set_segments(state["segments"])
        contours.set_array(state["levels"])
        contours.set_clim(state["levels"][0], state["levels"][-1])
        path = gradient_descent_path(X, y, lam, lr, steps)
        path_line.set_data(path[:, 0], path[:, 1])
        opt_dot.set_data([w_star[0]], [w_star[1]])
        eig = hessian_eigenvalues(X, lam)
        rate = float(np.max(np.abs(1.0 - lr * eig)))
        t = np.arange(steps + 1)
        dist = np.linalg.norm(path - w_star, axis=1)
        dist_line.set_data(t, dist)
        rate_line.set_data(t, dist[0] * rate**t)
        verdict = "converges" if rate < 1 else "diverges"
        return (f"lambda = {lam:.2g}, learning rate = {lr:.2g}: {verdict}; error factor per step "
                f"max|1 - lr mu| = {rate:.3f}; learning-rate limit 2/mu_max = {2 / eig[-1]:.3f}")

    controls = {
        "lam": log_slider(max(lam, 1e-4), min_exp=-4, max_exp=1, description="lambda"),
        "lr": log_slider(lr, min_exp=-3, max_exp=0.5, description="learning rate"),
    }
    return FigureDemo(fig, draw, controls)


#: The step counts ``weight_decay_demo`` can show. Changing the range is a new view of
#: the run, redrawn in full, so it is a set of buttons rather than a slider.
STEP_CHOICES = (30, 100, 300, 500, 1000, 2000)


def weight_decay_demo(*, lam=0.1, lr=0.01, steps=500, w0=2.0, target=1.0):
    """Drag lambda and the learning rate; watch one weight decay over the steps.

    Each step multiplies the weight by ``1 - 2 lr lam``. Two runs are drawn:
    pure decay (no data loss) and decay against the data loss
    ``(w - target)**2``, which settles where the two pulls balance,
    ``target / (1 + lam)``.

    Parameters
    ----------
    lam, lr : float
        Initial penalty and learning rate.
    steps : int
        Initial number of steps shown, one of ``STEP_CHOICES`` (buttons switch between them).
    w0 : float
        Starting weight.
    target : float
        Minimizer of the data loss alone.

    Returns
    -------
    FigureDemo

    Examples
    --------
    >>> from l2reg.widgets import weight_decay_demo
    >>> demo = weight_decay_demo(lam=0.1, lr=0.01)
    >>> before = demo.image.value
    >>> demo.set(lam=1.0)
    >>> demo.image.value != before
    True
    """
    lam = v.as_nonnegative("lam", lam)
    lr = v.as_nonnegative("lr", lr)
    steps = v.check_choice("steps", v.as_int("steps", steps), STEP_CHOICES)
    w0 = v.as_scalar("w0", w0)
    target = v.as_scalar("target", target)
    t = np.arange(steps + 1)
    fig, ax = new_figure(width=7.0, height=4.2)
    (pure,) = ax.plot(t, np.zeros_like(t, dtype=float), color=COLORS["blue"], lw=2, label="pure decay")
    (data,) = ax.plot(t, np.zeros_like(t, dtype=float), color=COLORS["orange"], ls="--", lw=2,
                      label=f"decay against data loss (w - {target:g})^2")
    balance = ax.axhline(0.0, color=COLORS["green"], ls=":", lw=1.5, label="balance point target / (1 + lambda)")
    ax.axhline(0.0, color="0.6", lw=0.8)
    ax.set_xlim(0, steps)
    span = 1.3 * max(abs(w0), abs(target))
    ax.set_ylim(-span, span)
    ax.set_xlabel("step t")
    ax.set_ylabel("weight w")
    ax.set_title("One weight under weight decay")
    ax.legend(fontsize=9, loc="upper right")

    def draw(lam, lr, steps):
        factor = 1.0 - 2.0 * lr * lam
        t = np.arange(steps + 1)
        pure_w = decay_trajectory(w0, lr, lam, steps)
        data_w = decay_trajectory(w0, lr, lam, steps, target=target)
        pure.set_data(t, pure_w)
        data.set_data(t, data_w)
        balance.set_ydata([target / (1.0 + lam)] * 2)
        ax.set_xlim(0, steps)
        # A growing weight would leave the window: switch to a symmetric log axis then.
        both = np.concatenate([pure_w, data_w])
        biggest = float(np.max(np.abs(both[np.isfinite(both)])))
        if biggest > span:
            ax.set_yscale("symlog", linthresh=1.0)
            top = 10.0 ** np.ceil(np.log10(min(biggest, 1e300)))  # whole decades: the axis moves less often
            ax.set_ylim(-top, top)
            ax.set_ylabel("weight w (symmetric log scale)")
        else:
            ax.set_yscale("linear")
            ax.set_ylim(-span, span)
            ax.set_ylabel("weight w")
        if abs(factor) < 1:
            regime = "decays smoothly" if factor >= 0 else "flips sign each step but shrinks"
        else:
            regime = "does not shrink: unstable" if factor < -1 else "does not shrink"
        return f"lambda = {lam:.2g}, learning rate = {lr:.2g}: factor 1 - 2*lr*lambda = {factor:.4f}, pure decay {regime}"

    import ipywidgets as W

    controls = {
        "lam": log_slider(lam, min_exp=-3, max_exp=2, description="lambda"),
        "lr": log_slider(lr, min_exp=-4, max_exp=0, description="learning rate"),
        "steps": W.ToggleButtons(options=list(STEP_CHOICES), value=steps, description="steps shown",
                                 style={"description_width": "initial", "button_width": "4.5em"}),
    }
    return FigureDemo(fig, draw, controls)


def geometry_demo(X, y, *, lam=0.5, kind="l2"):
    """Drag lambda and pick a penalty; watch the solution move between w* and the origin.

    The ellipses are contours of the data loss (no intercept; pass centred
    data), centred on the least-squares weights w*. For the chosen penalty the
    figure draws its whole path of solutions, the solution at the slider's
    lambda, and the penalty ball through that solution: the data-loss contour
    touches the ball exactly there, which is the penalty/constraint duality.

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
    w_ls = ridge_fit(X, y, 0.0, fit_intercept=False)[0]
    lams = np.logspace(-3, 2, 121)
    paths = {k: np.array([penalized_solution(X, y, s, k) for s in lams]) for k in PENALTIES}
    lim = 1.6 * float(np.abs(w_ls).max())
    g = np.linspace(-lim, lim, 161)
    Z = loss_surface(X, y, 0.0, g, g)
    fig, ax = new_figure(width=6.2, height=6.0)
    ax.contour(g, g, Z, levels=np.quantile(Z, np.linspace(0.0, 0.6, 14) ** 2), cmap="viridis", linewidths=0.8)
    ax.axhline(0, color="0.6", lw=0.8)
    ax.axvline(0, color="0.6", lw=0.8)
    ax.plot([w_ls[0]], [w_ls[1]], "*", ms=15, color=COLORS["black"], label=f"w* = ({w_ls[0]:.1f}, {w_ls[1]:.1f})")
    (path_line,) = ax.plot([], [], color=COLORS["blue"], lw=2, label="path of solutions as lambda grows")
    (ball,) = ax.plot([], [], color=COLORS["orange"], ls="--", lw=2, label="penalty ball through the solution")
    (touch,) = ax.plot([], [], color=COLORS["vermillion"], lw=1.5, label="data-loss contour through the solution")
    (point,) = ax.plot([], [], "o", ms=9, color=COLORS["vermillion"], label="solution at this lambda")
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_xlabel("w1")
    ax.set_ylabel("w2")
    ax.set_title("Data-loss contours and the penalized solution")
    ax.legend(fontsize=9, loc="upper left")

    def draw(lam, kind):
        w = penalized_solution(X, y, lam, kind)
        path_line.set_data(paths[kind][:, 0], paths[kind][:, 1])
        point.set_data([w[0]], [w[1]])
        if np.any(w != 0):
            B = penalty_boundary(w, kind)
            ball.set_data(B[:, 0], B[:, 1])
        else:
            ball.set_data([], [])
        C = loss_contour(X, y, w)
        touch.set_data(C[:, 0], C[:, 1])
        if np.all(w == 0):
            where = "at the origin"
        elif np.any(w == 0):
            where = "on an axis (a weight is exactly 0)"
        else:
            where = "off the axes"
        return f"{kind}, lambda = {lam:.3g}: w = ({w[0]:.2f}, {w[1]:.2f}), {where}"

    lam_control = log_slider(max(lam, 1e-3), min_exp=-3, max_exp=2, description="lambda")
    lam_control.step = 0.01
    controls = {
        "lam": lam_control,
        "kind": W.Dropdown(options=list(PENALTIES), value=kind, description="penalty"),
    }
    return FigureDemo(fig, draw, controls)


__all__ += ["lambda_sweep_demo"]


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
    from .demos import LambdaSweep

    v.check_instance("sweep", sweep, LambdaSweep)
    lam = sweep.best_lam if lam is None else v.as_nonnegative("lam", lam)
    p = sweep.X_train.shape[1]
    fig, (ax_err, ax_w) = new_figure(2, width=5.0, height=3.8)
    ax_err.loglog(sweep.lams, sweep.train_mse, color=COLORS["blue"], lw=2, label="training error")
    ax_err.loglog(sweep.lams, sweep.val_mse, color=COLORS["orange"], lw=2, ls="--", label="validation error")
    ax_err.plot([sweep.best_lam], [sweep.val_mse[sweep.best]], "*", ms=15, color=COLORS["vermillion"],
                label=f"chosen lambda = {sweep.best_lam:.2g}")
    marker = ax_err.axvline(lam, color=COLORS["black"], lw=1.2, ls=":", label="current lambda")
    start = sweep.state(lam)
    (train_dot,) = ax_err.plot([lam], [start["train_mse"]], "o", color=COLORS["blue"])
    (val_dot,) = ax_err.plot([lam], [start["val_mse"]], "s", color=COLORS["orange"])
    ax_err.set_xlabel("lambda (log scale)")
    ax_err.set_ylabel("mean squared error (log scale)")
    ax_err.set_title("Training and validation error")
    ax_err.legend(fontsize=9, loc="lower right")
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
    ax_w.legend(fontsize=9, loc="upper right")

    def draw(lam):
        s = sweep.state(lam)
        marker.set_xdata([lam, lam])
        train_dot.set_data([lam], [s["train_mse"]])
        val_dot.set_data([lam], [s["val_mse"]])
        w_dots.set_ydata(s["w"])
        return f"lambda = {lam:.1e}: training MSE {s['train_mse']:.3f}, validation MSE {s['val_mse']:.3f}"

    return FigureDemo(fig, draw, {"lam": lambda_slider(lam, min_exp=min_exp, max_exp=max_exp)})


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
    ax.legend(fontsize=8, loc="upper left")
    ax2.semilogx(taus, means, color=COLORS["green"], lw=2, label="posterior mean")
    ax2.fill_between(taus, means - 2 * sds, means + 2 * sds, color=COLORS["green"], alpha=0.2,
                     label="mean +- 2 posterior sd")
    ax2.axhline(w_ls, color=COLORS["orange"], ls="--", lw=1.5, label=f"least squares {w_ls:.2f}")
    tau_l = ax2.axvline(tau, color=COLORS["black"], ls=":", lw=1.2, label="current tau")
    ax2.set_xlabel("prior width tau (log scale)")
    ax2.set_ylabel("weight w")
    ax2.set_title("Wider prior, weaker penalty")
    ax2.legend(fontsize=8, loc="lower right")

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

    return FigureDemo(fig, draw, {"tau": log_slider(tau, min_exp=-2, max_exp=1, description="tau")})


__all__ += ["adamw_demo"]

#: The base-10 exponents the learning-rate and weight-decay sliders of ``adamw_demo`` span.
LR_EXPS, WD_EXPS = (-4, -1), (-3, 1)


def adamw_demo(*, lr=0.01, weight_decay=0.1, steps=300, scales=(10.0, 0.1)):
    """Drag the weight decay and the learning rate; watch two weights under Adam + L2 and AdamW.

    Both weights start at 1 and get pure-noise gradients, one ``scales[0]``
    times the noise, the other ``scales[1]`` times the same noise, so only the
    decay pulls them to 0. Left: Adam with coupled L2 (``torch.optim.Adam``'s
    ``weight_decay``), which decays the large-gradient weight far less. Right:
    AdamW, where both follow one trajectory. The numbers come from
    :func:`l2reg.network.adam_decay_race`.

    Parameters
    ----------
    lr, weight_decay : float
        Initial learning rate and weight decay.
    steps : int
        Steps shown.
    scales : tuple of float
        Gradient size of the two weights.

    Returns
    -------
    FigureDemo

    Examples
    --------
    >>> from l2reg.widgets import adamw_demo
    >>> demo = adamw_demo(lr=0.01, weight_decay=0.1)
    >>> before = demo.image.value
    >>> demo.set(weight_decay=1.0)
    >>> demo.image.value != before
    True
    """
    from .network import adam_decay_race

    lr = v.as_nonnegative("lr", lr)
    weight_decay = v.as_nonnegative("weight_decay", weight_decay)
    steps = v.as_int("steps", steps, minimum=1)
    scales = v.as_vector("scales", scales, length=2)
    v.check_positive_entries("scales", scales)
    t = np.arange(steps + 1)
    # One frame for every setting: the trajectories' extent over the largest learning rate
    # on the slider (the widest runs) and a few weight decays, padded.
    lr_max = 10.0**LR_EXPS[1]
    runs = [adam_decay_race(rate, wd, steps, scales=scales)
            for rate in (lr, lr_max) for wd in np.logspace(WD_EXPS[0], WD_EXPS[1], 5)]
    both = np.concatenate([np.concatenate([r["adam"], r["adamw"]]).ravel() for r in runs])
    top, bottom = 1.1 * max(1.0, float(both.max())), 1.1 * min(-0.1, float(both.min()))
    fig, axes = new_figure(2, width=4.8, height=3.8)
    lines = {}
    for ax, kind, name in zip(axes, ("adam", "adamw"), ("Adam + L2 (coupled)", "AdamW (decoupled)")):
        lines[kind] = [
            ax.plot(t, np.ones_like(t, dtype=float), color=COLORS["blue"], lw=2,
                    label=f"weight with gradients x {scales[0]:g}")[0],
            ax.plot(t, np.ones_like(t, dtype=float), color=COLORS["orange"], ls="--", lw=2,
                    label=f"weight with gradients x {scales[1]:g}")[0],
        ]
        ax.axhline(0.0, color="0.6", lw=0.8)
        ax.set_xlim(0, steps)
        ax.set_ylim(bottom, top)
        ax.set_xlabel("step t")
        ax.set_ylabel("weight w")
        ax.legend(fontsize=8, loc="lower left")
        ax.set_title(name, fontsize=10)

    def draw(lr, weight_decay):
        r = adam_decay_race(lr, weight_decay, steps, scales=scales)
        for kind in ("adam", "adamw"):
            for k, line in enumerate(lines[kind]):
                line.set_ydata(r[kind][:, k])
        a, b = r["adam_decay"]
        return (f"learning rate {lr:.1e}, weight decay {weight_decay:.1e}. Decay per step: "
                f"Adam + L2 {a:.1e} (gradients x {scales[0]:g}) vs {b:.1e} (x {scales[1]:g}); "
                f"AdamW lr * wd = {r['adamw_decay']:.1e} for both")

    controls = {
        "lr": log_slider(lr, min_exp=LR_EXPS[0], max_exp=LR_EXPS[1], description="learning rate"),
        "weight_decay": log_slider(weight_decay, min_exp=WD_EXPS[0], max_exp=WD_EXPS[1], description="weight decay"),
    }
    return FigureDemo(fig, draw, controls)
