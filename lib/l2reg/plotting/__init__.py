"""Figures for the lessons.

Every function returns a :class:`matplotlib.figure.Figure` built without
pyplot, so nothing is shown twice and nothing piles up in pyplot's global
state; a notebook shows a figure when it is the value of a cell. matplotlib is
imported inside the functions, so ``import l2reg`` never loads it.

Colours are the Okabe-Ito palette, which stays distinct under the common forms
of colour blindness; lines also differ in style where colour carries meaning.

Modules: :mod:`~l2reg.plotting.core` (palette, figures, legends, PNG, the layout
check), :mod:`~l2reg.plotting.curves` (curves over one axis),
:mod:`~l2reg.plotting.panels` (weights, bars, geometry, heat maps).
"""

from .core import (COLORS, CYCLE, STYLES, color, figure_to_png, layout_problems, legend_outside, new_figure,
                   plain_log_labels, style)
from .curves import plot_coefficient_path, plot_errors_vs_lambda, plot_fits, plot_lines, plot_prediction_spread
from .panels import (loss_plane, plot_coefficient_clouds, plot_heatmap, plot_penalty_geometry, plot_shrinkage,
                     robust_limits)

__all__ = ["COLORS", "CYCLE", "STYLES", "color", "style", "new_figure", "legend_outside", "figure_to_png",
           "layout_problems", "plot_fits", "plot_coefficient_path", "plot_errors_vs_lambda", "plot_lines",
           "plot_prediction_spread", "plot_coefficient_clouds", "plot_shrinkage", "plot_penalty_geometry",
           "loss_plane", "plot_heatmap", "robust_limits", "plain_log_labels"]
