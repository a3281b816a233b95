"""Second student pass over the demos of lessons 01-03: what a student saw at the sliders' extremes."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest

pytest.importorskip("ipywidgets")


def _pixels(demo):
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(demo.image.value)).convert("RGB")).astype(int)


def _count(rgb, colour, tol=30):
    """Pixels of ``rgb`` within ``tol`` (per channel) of the hex ``colour``."""
    target = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
    return int(np.all(np.abs(rgb - target) <= tol, axis=-1).sum())


@pytest.fixture(scope="module")
def lesson02_data():
    from l2reg.data import collinear_data

    X, y = collinear_data(50, seed=0, spread=0.3)  # as lesson 02 section 3
    return X - X.mean(axis=0), y - y.mean()


@pytest.mark.parametrize("lam, lr", [(1e-4, 1e-3), (1e-4, 10 ** -2.5), (10.0, 1e-3)])
def test_descent_readout_never_rounds_a_converging_factor_to_one(lesson02_data, lam, lr):
    """At the learning-rate slider's low end the factor is 1 - 1e-4 or so: the readout printed
    'converges; error factor per step ... = 1.000', which reads as no progress at all."""
    from l2reg.demos import hessian_eigenvalues
    from l2reg.widgets import gradient_descent_demo

    demo = gradient_descent_demo(*lesson02_data, lam=1e-4, lr=0.5)
    demo.set(lam=lam, lr=lr)
    rate = float(np.max(np.abs(1 - lr * hessian_eigenvalues(lesson02_data[0], lam))))
    text = demo.readout.value
    assert rate < 1 and "converges" in text, text
    shown = re.search(r"max\|1 - lr mu\| = ([^;]+);", text).group(1)
    assert shown != "1.000", text
    if 1 - rate < 1e-3:
        assert shown == f"1 - {1 - rate:.2g}", text
    else:
        assert shown == f"{rate:.3f}", text


def test_descent_readout_keeps_three_decimals_away_from_one(lesson02_data):
    """Lesson 02 quotes the readout's factors to three decimals (0.544 at lambda 7.9e-01, lr 3.2e-01)."""
    from l2reg.widgets import gradient_descent_demo

    demo = gradient_descent_demo(*lesson02_data, lam=1e-4, lr=0.5)
    demo.set(lam=10 ** -0.1, lr=10 ** -0.5)
    assert "converges; error factor per step max|1 - lr mu| = 0.544;" in demo.readout.value


@pytest.mark.parametrize("lam, lr, steps", [(1e-3, 1.0, 2000), (1e-3, 1.0, 1000), (10 ** -0.5, 10 ** -0.1, 1000)])
def test_weight_decay_demo_pure_decay_stays_visible_over_a_swinging_data_run(lam, lr, steps):
    """Where only the data run swings (its factor 1 - 2 lr (1 + lam) below -1, pure decay's factor still
    in (0, 1)), its zig-zag fills a band that covered the pure-decay curve entirely: the blue line must show."""
    from l2reg.plotting import COLORS
    from l2reg.widgets import weight_decay_demo

    assert 0 < 1 - 2 * lr * lam < 1 and 1 - 2 * lr * (1 + lam) < -1
    demo = weight_decay_demo(lam=0.1, lr=0.01, steps=500)
    demo.set(lam=lam, lr=lr, steps=steps)
    rgb = _pixels(demo)
    legend_free = rgb[:, : int(0.74 * rgb.shape[1])]  # the legend stands right of the axes
    assert _count(legend_free, COLORS["blue"]) > 300, "the pure-decay curve is hidden"
    assert _count(legend_free, COLORS["orange"]) > 300, "the data run is hidden"


def test_weight_decay_demo_both_runs_show_where_they_coincide():
    """The guard for the drawing order above: where both runs follow nearly one curve (lambda 100: the balance
    point 0.0099 is almost 0), the thin pure-decay line on top must leave the wide dashed data run visible."""
    from l2reg.plotting import COLORS
    from l2reg.widgets import weight_decay_demo

    demo = weight_decay_demo(lam=0.1, lr=0.01, steps=500)
    demo.set(lam=100.0, lr=1e-4, steps=2000)
    rgb = _pixels(demo)
    rgb = rgb[:, : int(0.74 * rgb.shape[1])]
    assert _count(rgb, COLORS["blue"]) > 150 and _count(rgb, COLORS["orange"]) > 150
