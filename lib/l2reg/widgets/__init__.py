"""Interactive demos: thin ipywidgets wrappers over :mod:`l2reg.demos`.

Each demo owns one matplotlib figure and a :class:`~l2reg.widgets.core.FigureDemo`.
Moving a control changes the data of the artists the demo declared animated and
redraws only those over a saved background, then shows the figure as a PNG in
an :class:`ipywidgets.Image` in place, so the picture updates without a new
output or a flicker. Where no kernel runs (an exported notebook), the demo's
initial figure is shown as a static PNG. ipywidgets and matplotlib are imported
only when a demo is built.

Modules: :mod:`~l2reg.widgets.core` (the machinery), :mod:`~l2reg.widgets.fitting`
(lessons 01 and 05), :mod:`~l2reg.widgets.descent` (02, 03, 07),
:mod:`~l2reg.widgets.geometry` (04), :mod:`~l2reg.widgets.posterior` (06).
"""

from .core import FigureDemo, _png, lambda_slider, log_slider
from .descent import LR_EXPS, STEP_CHOICES, WD_EXPS, adamw_demo, gradient_descent_demo, weight_decay_demo
from .fitting import lambda_fit_demo, lambda_sweep_demo
from .geometry import geometry_demo
from .posterior import prior_width_demo
from .practice import early_stopping_demo

__all__ = ["FigureDemo", "log_slider", "lambda_slider", "lambda_fit_demo", "gradient_descent_demo",
           "weight_decay_demo", "geometry_demo", "lambda_sweep_demo", "prior_width_demo", "adamw_demo",
           "early_stopping_demo",
           "STEP_CHOICES", "LR_EXPS", "WD_EXPS", "_png"]
