"""decay_grid_seeds: the lesson 7 grid over several data sets, against train_mlp run by run."""

from __future__ import annotations

import numpy as np
import pytest

from l2reg.data import noisy_curve
from l2reg.network import decay_grid, decay_grid_seeds, train_mlp


def _sets(seeds, n, offset=0):
    data = [noisy_curve(n, seed=s + offset) for s in seeds]
    return np.array([d[0] for d in data]), np.array([d[1] for d in data])


@pytest.mark.parametrize("kind", ["adam", "adamw"])
def test_every_replicate_is_train_mlp(kind):
    seeds = [0, 3, 7]
    xs, ys = _sets(seeds, 12)
    xv, yv = _sets(seeds, 30, offset=100)
    lrs, wds = [0.01, 0.05], [0.0, 0.1, 1.0]
    g = decay_grid_seeds(xs, ys, xv, yv, lrs, wds, kind=kind, seeds=seeds, steps=40, every=15)
    assert g["steps"].tolist() == [0, 15, 30, 40]  # the last step is always recorded
    for r, s in enumerate(seeds):
        for i, lr in enumerate(lrs):
            for j, wd in enumerate(wds):
                run = train_mlp(xs[r], ys[r], xv[r], yv[r], kind=kind, lr=lr, weight_decay=wd, steps=40, seed=s)
                np.testing.assert_allclose(g["val_curve"][r, i, j], run["history"][g["steps"], 1], rtol=1e-10)
                np.testing.assert_allclose(g["train_curve"][r, i, j], run["history"][g["steps"], 0], rtol=1e-10)
                assert g["weight_norm"][r, i, j] == pytest.approx(run["weight_norm"], rel=1e-10)
    np.testing.assert_array_equal(g["best"], np.argmin(g["val_mse"], axis=2))
    np.testing.assert_array_equal(g["val_mse"], g["val_curve"][..., -1])


def test_one_replicate_is_decay_grid():
    xs, ys = _sets([0], 20)
    xv, yv = _sets([1], 200)
    lrs, wds = [0.003, 0.03], [1e-3, 0.1]
    g = decay_grid_seeds(xs, ys, xv, yv, lrs, wds, kind="adam", seeds=[0], steps=60)
    ref = decay_grid(xs[0], ys[0], xv[0], yv[0], lrs, wds, kind="adam", steps=60)
    np.testing.assert_allclose(g["val_mse"][0], ref["val_mse"], rtol=1e-10)


def test_inputs_are_not_modified():
    xs, ys = _sets([0, 1], 8)
    before = xs.copy(), ys.copy()
    decay_grid_seeds(xs, ys, xs, ys, [0.01], [0.1], kind="adamw", seeds=[0, 1], steps=3)
    np.testing.assert_array_equal(xs, before[0])
    np.testing.assert_array_equal(ys, before[1])


@pytest.mark.parametrize(("change", "error", "match"), [
    ({"seeds": [0]}, ValueError, r"seeds: expected 2 seeds, one per row of xs, got 1"),
    ({"seeds": 3}, TypeError, r"seeds: expected a sequence of 2 integers"),
    ({"seeds": [0, 1.5]}, TypeError, r"seeds\[1\]: expected an integer"),
    ({"ys": np.zeros((2, 7))}, ValueError, r"ys: expected shape \(2, 8\) to match xs"),
    ({"xs_val": np.zeros((3, 8)), "ys_val": np.zeros((3, 8))}, ValueError, r"xs_val: expected 2 rows"),
    ({"lrs": [0.1, -1.0]}, ValueError, r"lrs"),
    ({"weight_decays": [-0.5]}, ValueError, r"weight_decays"),
    ({"kind": "sgd"}, ValueError, r"kind"),
    ({"every": 0}, ValueError, r"every: expected an integer >= 1"),
    ({"xs": np.zeros(8)}, ValueError, r"xs"),
])
def test_bad_input_is_named(change, error, match):
    xs, ys = _sets([0, 1], 8)
    kw = {"xs": xs, "ys": ys, "xs_val": xs, "ys_val": ys, "lrs": [0.01], "weight_decays": [0.1],
          "kind": "adam", "seeds": [0, 1], "steps": 2}
    kw.update(change)
    with pytest.raises(error, match=match):
        decay_grid_seeds(**kw)


def test_lives_in_network_grid_and_is_reexported_by_network():
    """network.py stays under the project's ~500-line rule; the lessons' import still works,
    whichever module is imported first (checked in a fresh interpreter each way)."""
    import subprocess
    import sys
    from pathlib import Path

    import l2reg.network as network
    import l2reg.network_grid as network_grid

    assert network.decay_grid_seeds is network_grid.decay_grid_seeds
    assert "decay_grid_seeds" in network.__all__
    for first in ("l2reg.network", "l2reg.network_grid"):
        code = (f"import {first}\nfrom l2reg.network import decay_grid_seeds\n"
                "from l2reg.network_grid import decay_grid_seeds as g\nassert decay_grid_seeds is g")
        subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        network.nope
    assert len(Path(network.__file__).read_text().splitlines()) <= 500


@pytest.mark.parametrize("lrs", [[0.1, -1.0], [np.nan], [[0.1]], []])
def test_bad_learning_rates_get_decay_grids_message(lrs):
    """The learning rates are checked by _validation.as_nonnegative_vector, as decay_grid does."""
    xs, ys = _sets([0], 8)
    with pytest.raises(ValueError) as ours:
        decay_grid_seeds(xs, ys, xs, ys, lrs, [0.1], kind="adam", seeds=[0], steps=1)
    with pytest.raises(ValueError) as theirs:
        decay_grid(xs[0], ys[0], xs[0], ys[0], lrs, [0.1], kind="adam", steps=1)
    assert str(ours.value) == str(theirs.value)
    assert str(ours.value).startswith("lrs")
