"""Every figure has a title, labelled axes and a legend, in colour-blind-safe colours."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.colors import to_hex

from l2reg import plotting

G = np.linspace(-1, 1, 20)
FIGURES = {
    "plot_fits": lambda: plotting.plot_fits([0.0, 0.5], [0.0, 1.0], {"a": G, "b": -G}, x_grid=G, truth=G**2, title="t"),
    "plot_coefficient_path": lambda: plotting.plot_coefficient_path(
        np.logspace(-3, 1, 5), np.random.default_rng(0).normal(size=(5, 9))),
    "plot_errors_vs_lambda": lambda: plotting.plot_errors_vs_lambda(
        [0.1, 1.0, 10.0], [0.1, 0.2, 0.3], [0.5, 0.3, 0.4], marks={"best": 1.0}),
    "plot_shrinkage": lambda: plotting.plot_shrinkage(["a", "b"], {"raw": [1.0, 0.6], "std": [0.5, 0.5]}),
}
PALETTE = {c.lower() for c in plotting.COLORS.values()}


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_figure_is_labelled(name):
    fig = FIGURES[name]()
    assert fig.axes
    for ax in fig.axes:
        assert ax.get_title(), f"{name}: an axes has no title"
        assert ax.get_xlabel() and ax.get_ylabel(), f"{name}: an axis has no label"
        assert ax.get_legend() is not None, f"{name}: an axes has no legend"
    assert plotting.figure_to_png(fig)[:4] == b"\x89PNG"


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_series_use_the_palette_and_stay_distinct(name):
    fig = FIGURES[name]()
    for ax in fig.axes:
        styles = []
        for line in ax.get_lines():
            if line.get_label().startswith("_"):
                continue
            assert to_hex(line.get_color()).lower() in PALETTE | {"#999999", "#666666"}
            styles.append((to_hex(line.get_color()), line.get_linestyle()))
        assert len(styles) == len(set(styles)), f"{name}: two series look the same"


def test_style_cycle_is_distinct_for_many_series():
    combos = {(plotting.color(i), plotting.style(i)) for i in range(28)}
    assert len(combos) == 28


# ----------------------------------------------------------------------------
# Each of the nine figure functions: what the figure shows, not only that it runs.
# ----------------------------------------------------------------------------


def legend_texts(ax_or_fig):
    legend = ax_or_fig.get_legend() if hasattr(ax_or_fig, "get_legend") else ax_or_fig.legends[0]
    return [t.get_text() for t in legend.get_texts()]


def labelled(ax):
    return {line.get_label(): line for line in ax.get_lines() if not line.get_label().startswith("_")}


def test_every_figure_keeps_its_text_on_the_canvas_and_its_legends_off_the_data():
    figures = dict(FIGURES)
    figures.update(CONTENT_FIGURES)
    for name, build in figures.items():
        assert plotting.layout_problems(build()) == [], name


def test_plot_fits_shows_the_points_the_truth_and_each_curve():
    fig = FIGURES["plot_fits"]()
    ax = fig.axes[0]
    assert ax.get_title() == "t" and (ax.get_xlabel(), ax.get_ylabel()) == ("x", "y")
    assert legend_texts(ax) == ["true curve", "a", "b", "training points"]
    lines = labelled(ax)
    np.testing.assert_allclose(lines["true curve"].get_ydata(), G**2)
    np.testing.assert_allclose(lines["a"].get_ydata(), G)
    np.testing.assert_allclose(lines["b"].get_ydata(), -G)
    np.testing.assert_allclose(ax.collections[0].get_offsets(), [[0.0, 0.0], [0.5, 1.0]])
    assert ax.get_ylim() == (-2.0, 2.0)
    # colours by name keep a model's colour from figure to figure; an explicit legend place is honoured
    fig = plotting.plot_fits([0.0], [0.0], {"m": G}, x_grid=G, colors=["green"], legend_loc="upper left")
    assert to_hex(fig.axes[0].get_lines()[0].get_color()) == plotting.COLORS["green"].lower()
    assert fig.axes[0].get_legend()._loc == 2  # matplotlib's code for "upper left"


def test_plot_coefficient_path_gives_nine_coefficients_nine_looks_and_the_norm():
    lams = np.logspace(-3, 1, 5)
    W = np.random.default_rng(0).normal(size=(5, 9))
    fig = plotting.plot_coefficient_path(lams, W)
    ax, ax2 = fig.axes
    assert legend_texts(ax) == [f"w{j}" for j in range(1, 10)]
    lines = labelled(ax)
    for j in range(9):
        np.testing.assert_allclose(lines[f"w{j + 1}"].get_xdata(), lams)
        np.testing.assert_allclose(lines[f"w{j + 1}"].get_ydata(), W[:, j])
    looks = {(to_hex(line.get_color()), line.get_linestyle()) for line in lines.values()}
    assert len(looks) == 9
    assert ax.get_yscale() == "symlog" and ax.get_xscale() == "log"
    np.testing.assert_allclose(labelled(ax2)["||w||"].get_ydata(), np.linalg.norm(W, axis=1))
    assert ax2.get_yscale() == "log" and ax2.get_ylabel() == "||w|| (log scale)"
    names = plotting.plot_coefficient_path(lams, W[:, :2], names=["income", "rooms"])
    assert legend_texts(names.axes[0]) == ["income", "rooms"]


def test_plot_errors_vs_lambda_shows_both_errors_and_the_marks():
    fig = FIGURES["plot_errors_vs_lambda"]()
    ax = fig.axes[0]
    assert legend_texts(ax) == ["training error", "test error", "best"]
    lines = labelled(ax)
    np.testing.assert_allclose(lines["training error"].get_ydata(), [0.1, 0.2, 0.3])
    np.testing.assert_allclose(lines["test error"].get_ydata(), [0.5, 0.3, 0.4])
    assert list(lines["best"].get_xdata()) == [1.0, 1.0]
    assert (ax.get_xscale(), ax.get_yscale()) == ("log", "log")
    assert ax.get_title() == "Training and test error against lambda"


def test_plot_shrinkage_bars_are_the_kept_fractions():
    fig = FIGURES["plot_shrinkage"]()
    ax = fig.axes[0]
    heights = [round(p.get_height(), 9) for p in ax.patches if p.get_height() > 0]
    assert heights == [1.0, 0.6, 0.5, 0.5]
    assert [t.get_text() for t in ax.texts] == ["1.00", "0.60", "0.50", "0.50"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    assert legend_texts(ax) == ["no shrinkage", "raw", "std"]
    assert ax.get_xlabel() == "feature"


def test_plot_lines_draws_each_series_marks_and_scales():
    fig = plotting.plot_lines([1, 2, 3], {"measured": [1, 4, 9], "predicted": [1, 4, 9]}, xlabel="x", ylabel="y",
                              title="t", yscale="symlog", linthresh=0.5, marks={"here": 2.0},
                              linestyles=["-", ":"])
    ax = fig.axes[0]
    assert legend_texts(ax) == ["measured", "predicted", "here"]
    lines = labelled(ax)
    np.testing.assert_allclose(lines["predicted"].get_ydata(), [1, 4, 9])
    assert list(lines["here"].get_xdata()) == [2.0, 2.0]
    assert ax.get_yscale() == "symlog" and ax.yaxis.get_transform().linthresh == 0.5
    # The dotted prediction is drawn above the solid measurement it coincides with, and thicker.
    assert lines["predicted"].get_zorder() > lines["measured"].get_zorder()
    assert lines["predicted"].get_linewidth() > lines["measured"].get_linewidth()
    # The legend sits outside the axes, right of them, where it hides nothing.
    fig.canvas.draw()
    assert ax.get_legend().get_window_extent().x0 > ax.bbox.x1


def test_plot_coefficient_clouds_shows_each_cloud_the_truth_on_top_and_a_zoom():
    rng = np.random.default_rng(1)
    wide = 1 + 3 * rng.normal(size=(100, 2))
    tight = 0.9 + 0.02 * rng.normal(size=(100, 2))
    fig = plotting.plot_coefficient_clouds({"least squares": wide, "ridge": tight}, truth=(1.0, 1.0), title="c")
    ax, zoom = fig.axes
    assert ax.get_title() == "c" and zoom.get_title() == "Zoom on the ridge cloud"
    for a in (ax, zoom):
        assert (a.get_xlabel(), a.get_ylabel()) == ("w1", "w2")
        offsets = [c.get_offsets() for c in a.collections]
        np.testing.assert_allclose(offsets[0], wide)
        np.testing.assert_allclose(offsets[1], tight)
        np.testing.assert_allclose(offsets[2], [[1.0, 1.0]])
        assert a.collections[2].get_zorder() > max(c.get_zorder() for c in a.collections[:2])
    assert legend_texts(zoom) == ["least squares", "ridge", "true weights"]
    # the zoom holds the tight cloud and the truth, and is far smaller than the full view
    (x0, x1), (y0, y1) = zoom.get_xlim(), zoom.get_ylim()
    assert x0 < np.percentile(tight[:, 0], 1) and x1 > 1.0 and y0 < np.percentile(tight[:, 1], 1) and y1 > 1.0
    assert (x1 - x0) < 0.2 * np.ptp(ax.get_xlim())


def test_plot_penalty_geometry_touches_each_ball_with_the_contour_through_the_solution():
    from l2reg.data import geometry_data
    from l2reg.demos import penalized_solution, penalty_value

    X, y = geometry_data()
    solutions = {"ridge": ("l2", penalized_solution(X, y, 2.0, "l2")), "lasso": ("l1", penalized_solution(X, y, 3.0, "l1"))}
    fig = plotting.plot_penalty_geometry(X, y, solutions, title="g")
    ax = fig.axes[0]
    assert ax.get_title() == "g" and ax.get_aspect() == 1.0 and (ax.get_xlabel(), ax.get_ylabel()) == ("w1", "w2")
    texts = legend_texts(fig)  # its own figure: one legend under the square plot
    assert texts[0].startswith("w* = (") and len(texts) == 5
    assert texts[1].startswith("ridge: (") and texts[2].startswith("lasso: (")
    assert texts[3].startswith("broken line: the penalty ball") and texts[4].startswith("wide pale band: the data-loss")
    lines = ax.get_lines()
    for label, (kind, w) in solutions.items():
        (marker,) = [line for line in lines if line.get_label().startswith(label + ":")]
        np.testing.assert_allclose(np.column_stack([marker.get_xdata(), marker.get_ydata()]), [w])
        same = [line for line in lines if line.get_color() == marker.get_color() and line is not marker]
        level = np.mean((y - X @ w) ** 2)
        on_contour = [line for line in same
                      if np.allclose([np.mean((y - X @ p) ** 2) for p in line.get_xydata()], level, rtol=1e-9)]
        on_ball = [line for line in same
                   if np.allclose([penalty_value(p, kind) for p in line.get_xydata()], penalty_value(w, kind))]
        assert len(on_contour) == 1 and len(on_ball) == 1, label
        # the highlighted contour is thicker than the background contours
        assert on_contour[0].get_linewidth() > 2 * max(c.get_linewidth().max() for c in ax.collections)
        # ... and unlike a path of the same colour (solid, 2.2 wide): a band three times wider
        assert on_contour[0].get_linewidth() >= 3 * 2.2 and on_contour[0].get_alpha() < 0.5
    # drawn into a given axes, the legend goes right of that axes
    fig2, ax2 = plotting.new_figure()
    plotting.plot_penalty_geometry(X, y, solutions, ax=ax2)
    assert legend_texts(ax2) == texts and not fig2.legends


def test_plot_prediction_spread_draws_every_fit_and_the_average():
    g = np.linspace(-1, 1, 5)
    curves = np.arange(15.0).reshape(3, 5) / 10
    fig = plotting.plot_prediction_spread(g, {"a": (curves, curves.mean(0)), "b": (-curves, -curves.mean(0))},
                                          truth=g, title="T")
    for ax, sign in zip(fig.axes, (1, -1)):
        thin = [line for line in ax.get_lines() if line.get_linewidth() < 1]
        assert len(thin) == 3
        np.testing.assert_allclose(np.array([line.get_ydata() for line in thin]), sign * curves)
        np.testing.assert_allclose(labelled(ax)["average fit"].get_ydata(), sign * curves.mean(0))
        np.testing.assert_allclose(labelled(ax)["true curve"].get_ydata(), g)
        assert ax.get_ylim() == (-2.0, 2.0) and ax.get_ylabel() == "prediction"
    assert legend_texts(fig) == ["fit to one training set", "average fit", "true curve"]


def test_plot_heatmap_colours_a_wide_range_on_a_robust_log_scale():
    from matplotlib.colors import LogNorm
    from matplotlib.patches import Rectangle

    values = [[0.05, 0.1, 3.0], [0.06, 0.2, 0.3]]
    fig = plotting.plot_heatmap(values, ["r0", "r1"], ["c0", "c1", "c2"], xlabel="wd", ylabel="lr", title="h",
                                cbar_label="MSE", marks=[(0, 0), (1, 0)])
    ax, cbar = fig.axes
    image = ax.get_images()[0]
    # The one very bad cell (3.0) does not set the scale: the top is Tukey's fence, and the bar says "more".
    q1, q3 = np.percentile(values, [25, 75])
    assert isinstance(image.norm, LogNorm) and image.norm.vmin == 0.05
    assert image.norm.vmax == pytest.approx(q3 + 1.5 * (q3 - q1)) and image.norm.vmax < 1.0
    assert image.colorbar.extend == "max"
    assert cbar.get_ylabel() == "MSE (log scale)"
    np.testing.assert_allclose(image.get_array(), values)
    assert [t.get_text() for t in ax.texts] == ["0.050", "0.100", "3.000", "0.060", "0.200", "0.300"]
    # 0.3 sits well up the colour bar; with a linear scale to 3.0 it would sit at 8%, with 0.05
    assert float(image.norm(0.3)) == pytest.approx(np.log(0.3 / 0.05) / np.log(image.norm.vmax / 0.05))
    assert float(image.norm(0.3)) > 0.7
    boxes = [p.get_xy() for p in ax.patches if isinstance(p, Rectangle)]
    assert boxes == [(-0.5, -0.5), (-0.5, 0.5)]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["c0", "c1", "c2"]
    # shared limits are honoured as given
    shared = plotting.plot_heatmap(values, ["r0", "r1"], ["c0", "c1", "c2"], xlabel="x", ylabel="y", title="t",
                                   cbar_label="e", vmin=0.01, vmax=5.0)
    norm = shared.axes[0].get_images()[0].norm
    assert (norm.vmin, norm.vmax) == (0.01, 5.0) and shared.axes[0].get_images()[0].colorbar.extend == "neither"
    narrow = plotting.plot_heatmap([[1.0, 1.5]], ["r"], ["a", "b"], xlabel="x", ylabel="y", title="t", cbar_label="e")
    assert not isinstance(narrow.axes[0].get_images()[0].norm, LogNorm)
    with pytest.raises(ValueError, match="^scale"):
        plotting.plot_heatmap([[1.0]], ["r"], ["a"], xlabel="x", ylabel="y", title="t", cbar_label="e", scale="sqrt")
    assert plotting.robust_limits(values, [[10.0]]) == plotting.robust_limits(np.r_[np.ravel(values), 10.0])
    with pytest.raises(ValueError, match="^grids"):
        plotting.robust_limits([np.nan])


def test_layout_problems_reports_a_legend_over_data():
    fig, ax = plotting.new_figure()
    ax.plot(np.linspace(0, 1, 50), np.full(50, 0.95), label="high line")
    ax.set_ylim(0, 1)
    ax.legend(loc="upper right")
    assert any("hides" in p and "'high line'" in p for p in plotting.layout_problems(fig))


CONTENT_FIGURES = {
    "plot_lines": lambda: plotting.plot_lines([1, 2, 3], {"a": [1, 4, 9], "b": [2, 3, 4]}, xlabel="x", ylabel="y",
                                              title="t", marks={"m": 2.0}),
    "plot_coefficient_clouds": lambda: plotting.plot_coefficient_clouds(
        {"a": np.random.default_rng(0).normal(size=(50, 2)), "b": 0.1 * np.random.default_rng(1).normal(size=(50, 2))},
        truth=(0.0, 0.0)),
    "plot_penalty_geometry": lambda: plotting.plot_penalty_geometry(
        *__import__("l2reg.data").data.geometry_data(),
        {"ridge": ("l2", __import__("l2reg.demos").demos.penalized_solution(
            *__import__("l2reg.data").data.geometry_data(), 1.0, "l2"))}, title="g"),
    "plot_prediction_spread": lambda: plotting.plot_prediction_spread(
        G, {"a": (np.zeros((2, G.size)), G), "b": (np.ones((2, G.size)), G)}, truth=G, title="T"),
    "plot_heatmap": lambda: plotting.plot_heatmap([[1.0, 2.0], [3.0, 4.0]], ["a", "b"], ["c", "d"], xlabel="x",
                                                  ylabel="y", title="t", cbar_label="e"),
}
