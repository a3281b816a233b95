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
