"""FigureDemo's redraw-only-what-changed (blitting) must give the picture a full draw gives.

Every demo of the lessons is driven through its controls; after each move the canvas
is compared with a full ``canvas.draw()`` of the same figure state. Blitted frames may
differ from it only by rounding in the legend compositing (at most 1 of 255 per
channel), and most moves must be blits, not full draws.
"""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("matplotlib")

from l2reg.data import collinear_data, geometry_data, many_features  # noqa: E402
from l2reg.demos import LambdaSweep, PolynomialRidge  # noqa: E402


def _sweep_demo():
    from l2reg.widgets import lambda_sweep_demo

    X, y, w = many_features(40, 8, seed=1)
    Xv, yv, _ = many_features(40, 8, seed=2)
    return lambda_sweep_demo(LambdaSweep.make(X, y, Xv, yv, np.logspace(-4, 2, 25)), truth=w)


def _prior_demo():
    from l2reg.widgets import prior_width_demo

    x = np.array([1.0, -1.0, 2.0, -2.0, 0.5, -0.5])
    return prior_width_demo(x, 0.8 * x + np.array([0.3, -0.2, 0.1, 0.4, -0.6, 0.0]), 1.0, tau=0.3)


def _gd_demo():
    from l2reg.widgets import gradient_descent_demo

    X, y = collinear_data(40, seed=0, spread=0.3)
    return gradient_descent_demo(X - X.mean(0), y - y.mean(), lam=1e-3, lr=0.5, steps=30)


def _early_stopping_demo():
    from l2reg.practice import EarlyStopping
    from l2reg.widgets import early_stopping_demo

    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 40))
    y = X[:, 0] + rng.standard_normal(20)
    Xv = rng.standard_normal((30, 40))
    yv = Xv[:, 0] + rng.standard_normal(30)
    return early_stopping_demo(EarlyStopping.make(X, y, Xv, yv, steps=200, decay=0.05), step=10)


DEMOS = {
    "lambda_fit": lambda: __import__("l2reg.widgets").widgets.lambda_fit_demo(
        PolynomialRidge.make(n_train=12, degree=9, seed=0), lam=1e-3),
    "gradient_descent": _gd_demo,
    "weight_decay": lambda: __import__("l2reg.widgets").widgets.weight_decay_demo(steps=100),
    "geometry": lambda: __import__("l2reg.widgets").widgets.geometry_demo(*geometry_data(), lam=0.5),
    "lambda_sweep": _sweep_demo,
    "prior_width": _prior_demo,
    "adamw": lambda: __import__("l2reg.widgets").widgets.adamw_demo(steps=60),
    "early_stopping": _early_stopping_demo,
}


def full_draw_pixels(fig):
    """The figure as a plain full draw shows it (nothing animated), as an RGBA array."""
    artists = [a for ax in fig.axes for a in ax.get_children()]
    flags = [a.get_animated() for a in artists]
    for a in artists:
        a.set_animated(False)
    try:
        fig.canvas.draw()
        return np.array(fig.canvas.buffer_rgba())
    finally:
        for a, flag in zip(artists, flags):
            a.set_animated(flag)


def decode_png(data: bytes) -> np.ndarray:
    """The RGBA pixels of PNG bytes, decoded by Pillow (an independent decoder)."""
    from PIL import Image

    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.mode == "RGBA"
    return np.array(image)


def moves(control, k=5):
    """``k`` values of a control across its range (every option of a drop-down)."""
    if hasattr(control, "options"):
        return list(control.options)[::-1]
    if hasattr(control, "base"):
        return [control.base**e for e in np.linspace(control.min, control.max, k)]
    return list(np.linspace(control.min, control.max, k))


@pytest.mark.parametrize("name", DEMOS)
def test_blitted_frames_equal_a_full_draw(name):
    demo = DEMOS[name]()
    checked = 0
    for control in demo.controls.values():
        for value in moves(control):
            if value == control.value:
                continue
            control.value = value
            # The PNG the widget shows, decoded by Pillow, is the canvas the blitter painted.
            shown = decode_png(demo.image.value)
            np.testing.assert_array_equal(shown, np.array(demo.fig.canvas.buffer_rgba()))
            reference = full_draw_pixels(demo.fig)
            diff = np.abs(shown.astype(int) - reference.astype(int))
            assert diff.max() <= 1, f"{name}: moving to {value!r} differs from a full draw by {diff.max()}"
            # Nudge the figure back through the blitter so the next move starts from its own state.
            demo.refresh()
            checked += 1
    assert checked >= 4
    assert demo._blitter.blits > 0


@pytest.mark.parametrize("name", DEMOS)
def test_slider_steps_redraw_only_what_changed(name):
    import ipywidgets as W

    demo = DEMOS[name]()
    sliders = [c for c in demo.controls.values() if isinstance(c, (W.FloatLogSlider, W.IntSlider, W.FloatSlider))]
    for control in sliders:
        start = control.value
        # Inside the range (the extremes may change the axes), and each value a move.
        values = [v for v in moves(control, 9)[1:-1] if v != start]
        before = demo.full_draws
        for value in values:
            control.value = value
        assert demo.full_draws == before, f"{name}: slider steps drew the whole figure"
        control.value = start


def test_png_is_a_standard_png_of_the_canvas():
    from PIL import Image

    from l2reg.widgets import _png

    rng = np.random.default_rng(0)
    rgba = rng.integers(0, 256, size=(7, 5, 4), dtype=np.uint8)
    decoded = Image.open(io.BytesIO(_png(rgba)))
    assert decoded.mode == "RGBA" and decoded.size == (5, 7)
    np.testing.assert_array_equal(np.array(decoded), rgba)


def test_a_changed_axis_range_redraws_in_full_and_stays_exact():
    import ipywidgets as W

    from l2reg.plotting import new_figure
    from l2reg.widgets import FigureDemo

    fig, ax = new_figure()
    (line,) = ax.plot([0, 1, 2], [0, 1, 0], label="line")
    ax.legend(loc="upper right")

    def draw(top):
        line.set_ydata([0, top, 0])
        ax.set_ylim(0, max(1.0, top))
        return f"top = {top}"

    demo = FigureDemo(fig, draw, {"top": W.FloatSlider(value=0.5, min=0, max=3)}, animated=[line])
    demo.set(top=0.8)  # same range: the line alone is redrawn after the first move
    demo.set(top=0.9)
    blits = demo._blitter.blits
    demo.set(top=2.5)  # the range grows: a full draw
    assert demo._blitter.blits == blits and demo.readout.value == "top = 2.5"
    assert np.abs(np.array(fig.canvas.buffer_rgba()).astype(int) - full_draw_pixels(fig)).max() <= 1


def test_artists_created_by_draw_are_drawn_and_removed_ones_vanish():
    import ipywidgets as W

    from l2reg.plotting import new_figure
    from l2reg.widgets import FigureDemo

    fig, ax = new_figure()
    ax.set_xlim(0, 3)
    ax.set_ylim(0, 3)
    made = []

    def draw(k):
        for a in made:
            a.remove()
        made[:] = [ax.plot([0, 3], [i, i])[0] for i in range(int(k))]

    demo = FigureDemo(fig, draw, {"k": W.IntSlider(value=1, min=0, max=3)}, animated=[])
    for k in (2, 3, 0, 2):
        demo.set(k=k)
        assert np.abs(np.array(fig.canvas.buffer_rgba()).astype(int) - full_draw_pixels(fig)).max() <= 1


def test_static_fallback_carries_the_figure_and_the_readout():
    demo = DEMOS["lambda_fit"]()
    demo.set(lam=1.0)
    demo.set(lam=1e-3)
    bundle = demo._repr_mimebundle_()
    # The static PNG decodes (base64, then an independent PNG decoder) to the figure on screen.
    np.testing.assert_array_equal(decode_png(base64.b64decode(bundle["image/png"])),
                                  np.array(demo.fig.canvas.buffer_rgba()))
    assert base64.b64decode(bundle["image/png"]) == demo.image.value
    assert bundle["text/plain"] == demo.readout.value and demo.readout.value.startswith("lambda = 1.0e-03")
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_draw_must_be_callable():
    import ipywidgets as W

    from l2reg.plotting import new_figure
    from l2reg.widgets import FigureDemo

    with pytest.raises(TypeError, match="^draw"):
        FigureDemo(new_figure()[0], "not a function", {"a": W.FloatSlider()}, animated=[])


def control_positions(demo, k=5):
    """Each control across its range with the others at their start, then every corner of the ranges."""
    import itertools

    start = demo.values()
    out = [{**start, name: value} for name, c in demo.controls.items() for value in moves(c, k)]
    ends = [moves(c, 2) if not hasattr(c, "options") else list(c.options) for c in demo.controls.values()]
    out += [dict(zip(demo.controls, combo)) for combo in itertools.product(*ends)]
    return out


@pytest.mark.parametrize("name", DEMOS)
def test_no_text_leaves_the_canvas_at_any_control_position(name):
    from l2reg.plotting import layout_problems

    demo = DEMOS[name]()
    seen = 0
    for values in control_positions(demo):
        demo.set(**values)
        problems = layout_problems(demo.fig)
        assert problems == [], f"{name} at {values}: {problems}"
        assert demo.readout.value, f"{name} at {values}: no readout"
        seen += 1
    assert seen >= 2 * len(demo.controls)


def test_layout_check_catches_a_label_off_the_canvas():
    from l2reg.plotting import layout_problems, new_figure

    fig, ax = new_figure()
    ax.set_ylabel("weight")
    assert layout_problems(fig) == []
    fig.set_layout_engine("none")
    ax.set_position([0.0, 0.1, 0.9, 0.8])  # the y label and tick labels now hang off the left edge
    problems = layout_problems(fig)
    assert any("'weight' leaves the canvas" in p for p in problems), problems


def test_animated_must_be_artists_of_the_figure():
    import ipywidgets as W

    from l2reg.plotting import new_figure
    from l2reg.widgets import FigureDemo

    fig, ax = new_figure()
    other, other_ax = new_figure()
    (stranger,) = other_ax.plot([0, 1])
    with pytest.raises(ValueError, match="^animated: expected artists of the figure"):
        FigureDemo(fig, lambda a: None, {"a": W.FloatSlider()}, animated=[stranger])
    with pytest.raises(ValueError, match="^animated"):
        FigureDemo(fig, lambda a: None, {"a": W.FloatSlider()}, animated=["line"])
    (line,) = ax.plot([0, 1])
    for bad in (None, line, "line"):
        with pytest.raises(TypeError, match="^animated: expected a sequence of matplotlib artists"):
            FigureDemo(fig, lambda a: None, {"a": W.FloatSlider()}, animated=bad)


def test_the_readout_is_shown_whole_and_as_text():
    import ipywidgets as W

    from l2reg.plotting import new_figure
    from l2reg.widgets import FigureDemo

    fig, ax = new_figure()
    (line,) = ax.plot([0, 1], [0, 0])
    text = "a < b & c: " + "a long readout " * 20

    demo = FigureDemo(fig, lambda a: text if a else "short", {"a": W.IntSlider(value=0)}, animated=[line])
    view = demo.widget.children[1]
    assert demo.readout.value == "short" and "short" in view.value
    demo.set(a=1)
    assert demo.readout.value == text
    # shown escaped, in a block whose lines wrap rather than being cut off at the page's edge
    assert "a &lt; b &amp; c" in view.value and "white-space: normal" in view.value
