"""Every number and claim that lesson 07 states in its text, checked on its own output.

No statement depends on PyTorch: the lesson's comparison cell prints its result only where
torch is installed, and tests/lib/test_lib_optim_torch.py checks the agreement itself.
"""

from __future__ import annotations

import numpy as np
import pytest

from nbrun import run_and_collect, source_notebook

NAMES = [
    "race", "gap_coupled", "decayed", "w0", "g0", "lr_w", "wd_w", "sgd_w", "sgd_l2", "lam_needed",
    "x_tr", "x_val", "runs", "grids", "lrs", "wds", "q1", "q2", "q3", "q4",
]


@pytest.fixture(scope="module")
def ns():
    return run_and_collect(source_notebook("07_adamw"), NAMES)


def test_the_noise_only_race(ns):
    r = ns["race"]
    assert r["adam"].shape == (301, 2) and np.all(r["adam"][0] == 1.0)  # both start at 1, 300 steps
    assert r["adamw_decay"] == pytest.approx(0.01 * 0.1)
    # "under AdamW both weights end at the same 0.81"
    assert r["adamw"][-1, 0] == pytest.approx(r["adamw"][-1, 1], abs=1e-6)
    assert round(r["adamw"][-1, 0], 2) == 0.81
    # "not decayed at all (it ends near 1.03)", "drops to about 0.16"
    assert r["adam"][-1, 0] >= 1.0 and round(r["adam"][-1, 0], 2) == 1.03
    assert round(r["adam"][-1, 1], 2) == pytest.approx(0.16, abs=0.01)
    # "about 90 times" more decay for the small-gradient weight
    ratio = r["adam_decay"][1] / r["adam_decay"][0]
    assert 85 <= ratio < 95
    np.testing.assert_allclose(r["adam_decay"], 0.01 * 0.1 / r["denominator"])


def test_pytorch_conventions(ns):
    assert ns["gap_coupled"] < 1e-15  # Adam(weight_decay = 2 lam) is Adam on the penalized gradient
    np.testing.assert_allclose(ns["decayed"] / ns["w0"], 1 - ns["lr_w"] * ns["wd_w"], rtol=1e-15)
    assert 1 - ns["lr_w"] * ns["wd_w"] == pytest.approx(0.99999, abs=1e-15)
    np.testing.assert_allclose(ns["sgd_w"], ns["sgd_l2"], rtol=1e-15)  # decoupled SGD: lambda = wd / 2
    lam = ns["lam_needed"]
    # "about 0.51 for one weight and 0.0055 for the other: nearly a hundredfold apart"
    assert round(lam[0], 2) == 0.51 and round(lam[1], 4) == 0.0055
    assert 80 < lam[0] / lam[1] < 100


def test_the_network_setup(ns):
    assert len(ns["x_tr"]) == 20 and len(ns["x_val"]) == 200
    for run in ns["runs"].values():
        assert run["history"].shape == (601, 2)
        assert run["params"]["W2"].shape == (32,)


def test_one_weight_decay_two_optimizers(ns):
    adam, adamw = ns["runs"]["adam"], ns["runs"]["adamw"]
    assert adam["val_mse"] > 0.3 and adamw["val_mse"] < 0.1  # nearly straight line vs a good fit
    assert adam["weight_norm"] < adamw["weight_norm"] / 10


def test_the_grid(ns):
    lrs, wds, grids = ns["lrs"], ns["wds"], ns["grids"]
    assert grids["adam"]["val_mse"].shape == (4, 5)
    adam, adamw = grids["adam"]["val_mse"], grids["adamw"]["val_mse"]
    # Adam + L2: best weight_decay 0.001 for every learning rate
    np.testing.assert_array_equal(wds[grids["adam"]["best"]], [0.001] * 4)
    assert np.all(adam[:, 2] > adam[:, 1])  # "from 0.01 up it is already worse"
    assert np.all(adam[:, 3:] > adam[:, 2:3])
    # "at 0.1 ... validation MSE about 0.33 for every learning rate from 0.01 up"
    np.testing.assert_allclose(adam[lrs >= 0.01, 3], 0.33, atol=0.01)
    # AdamW: "the error hardly changes from 1e-4 to 0.1 (by less than 0.01 in every row)";
    # "only at weight_decay = 1 does the error rise"
    assert wds[0] == 1e-4 and wds[3] == 0.1 and wds[4] == 1
    assert np.all(adamw[:, :4].max(axis=1) - adamw[:, :4].min(axis=1) < 0.01)
    assert np.all(adamw[:, 4] > adamw[:, :4].max(axis=1) + 0.05)
    # "forgiving under AdamW, touchy under Adam + L2": the spread of each row
    assert np.all(np.ptp(adamw[:, :4], axis=1) < np.ptp(adam[:, :4], axis=1))


def test_quiz_answer_key(ns):
    from l2reg import Adam, AdamW
    from l2reg.network import adam_decay_race

    # q1: under coupled L2, the weight with the larger gradients has the smaller effective decay
    r = adam_decay_race(1e-3, 1e-2, steps=100, scales=(5.0, 0.05), seed=9)
    assert r["adam_decay"][0] < r["adam_decay"][1]
    assert ns["q1"] == "b"
    # q2: AdamW with a zero gradient multiplies by the factor
    w = np.array([3.0, -2.0])
    np.testing.assert_allclose(AdamW(lr=0.001, weight_decay=0.01).step(w, np.zeros(2)), ns["q2"] * w, rtol=1e-15)
    # q3: coupled weight_decay adds the penalty's gradient 2 * lam * w
    g = np.array([0.1, 0.2])
    np.testing.assert_allclose(Adam(lr=1e-3, weight_decay=ns["q3"]).step(w, g),
                               Adam(lr=1e-3).step(w, g + 2 * 0.005 * w), rtol=1e-14)
    assert ns["q4"] == "c"


def test_what_the_demo_instructions_promise():
    from l2reg.network import adam_decay_race

    # 1. weight decay 1 (lr 0.01): AdamW still one curve, Adam + L2 far apart
    r = adam_decay_race(0.01, 1.0, 300)
    np.testing.assert_allclose(r["adamw"][:, 0], r["adamw"][:, 1], atol=1e-6)
    assert r["adam"][-1, 0] - r["adam"][-1, 1] > 0.5
    # 2. learning rate 1e-3 (weight decay 0.1): AdamW's weights hardly move in 300 steps
    r = adam_decay_race(1e-3, 0.1, 300)
    assert r["adamw_decay"] == pytest.approx(1e-4)
    assert np.all(np.abs(r["adamw"] - 1.0) < 0.05)
