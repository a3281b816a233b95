"""The small network of lesson 7, its training, the batched grid and the decay race (no browser)."""

from __future__ import annotations

import numpy as np
import pytest

from l2reg import Adam, AdamW, numerical_gradient
from l2reg.data import noisy_curve
from l2reg.network import (
    adam_decay_race,
    decay_grid,
    init_mlp,
    mlp_loss_and_grads,
    mlp_predict,
    train_mlp,
)


@pytest.fixture(scope="module")
def data():
    (x, y), (xv, yv) = noisy_curve(12, seed=3), noisy_curve(40, seed=4)
    return x, y, xv, yv


def test_backprop_matches_finite_differences(data):
    x, y, _, _ = data
    p = init_mlp(5, seed=2)
    _, grads = mlp_loss_and_grads(p, x, y)
    for name, arr in p.items():
        def loss_of(flat, name=name, arr=arr):
            return mlp_loss_and_grads({**p, name: flat.reshape(arr.shape)}, x, y)[0]
        num = numerical_gradient(loss_of, arr.ravel())
        np.testing.assert_allclose(grads[name].ravel(), num, rtol=1e-6, atol=1e-9, err_msg=name)
        assert grads[name].shape == arr.shape


def test_predict_is_the_formula():
    p = init_mlp(4, seed=5)
    x = np.array([-1.0, 0.2, 0.9])
    expected = np.tanh(np.outer(x, p["W1"][0]) + p["b1"]) @ p["W2"] + p["b2"][0]
    np.testing.assert_allclose(mlp_predict(p, x), expected, rtol=1e-15)


def test_training_is_deterministic_and_uses_the_optimizers(data):
    x, y, xv, yv = data
    a = train_mlp(x, y, xv, yv, kind="adam", lr=0.02, weight_decay=0.05, steps=30, n_hidden=6)
    b = train_mlp(x, y, xv, yv, kind="adam", lr=0.02, weight_decay=0.05, steps=30, n_hidden=6)
    np.testing.assert_array_equal(a["history"], b["history"])
    # by hand: one optimizer per array, biases in a group without decay
    for kind, cls in (("adam", Adam), ("adamw", AdamW)):
        p = init_mlp(6, seed=0)
        opts = {k: cls(lr=0.02, weight_decay=0.05 if k.startswith("W") else 0.0) for k in p}
        for _ in range(30):
            _, g = mlp_loss_and_grads(p, x, y)
            p = {k: opts[k].step(p[k], g[k]) for k in p}
        run = train_mlp(x, y, xv, yv, kind=kind, lr=0.02, weight_decay=0.05, steps=30, n_hidden=6)
        for k in p:
            np.testing.assert_array_equal(run["params"][k], p[k])
            # the optimizers it returns are the ones that trained: their moment estimates too
            np.testing.assert_array_equal(run["optimizers"][k].exp_avg, opts[k].exp_avg)
            np.testing.assert_array_equal(run["optimizers"][k].exp_avg_sq, opts[k].exp_avg_sq)
            assert run["optimizers"][k].steps == 30 and type(run["optimizers"][k]) is cls
        assert run["val_mse"] == pytest.approx(np.mean((mlp_predict(p, xv) - yv) ** 2), rel=1e-14)


def test_biases_are_not_decayed(data):
    x, y, xv, yv = data
    # zero learning rate for the data step is impossible to separate, so compare two decays:
    # the biases see only the data gradient, so with lr = 0 nothing moves at all
    run = train_mlp(x, y, xv, yv, kind="adamw", lr=0.0, weight_decay=10.0, steps=5, n_hidden=4)
    p0 = init_mlp(4, seed=0)
    for k in p0:
        np.testing.assert_array_equal(run["params"][k], p0[k])
    # with a zero data gradient (y = predictions) only the weights shrink
    y_fit = mlp_predict(p0, x)
    run = train_mlp(x, y_fit, xv, yv, kind="adamw", lr=0.1, weight_decay=1.0, steps=1, n_hidden=4)
    np.testing.assert_allclose(run["params"]["W1"], 0.9 * p0["W1"], rtol=1e-12)
    np.testing.assert_allclose(run["params"]["W2"], 0.9 * p0["W2"], rtol=1e-12)
    np.testing.assert_array_equal(run["params"]["b1"], p0["b1"])


@pytest.mark.parametrize("kind", ["adam", "adamw"])
def test_batched_grid_equals_single_runs(data, kind):
    x, y, xv, yv = data
    lrs, wds = [0.005, 0.05], [0.0, 0.01, 0.5]
    g = decay_grid(x, y, xv, yv, lrs, wds, kind=kind, steps=80, n_hidden=8, seed=1)
    for i, lr in enumerate(lrs):
        for j, wd in enumerate(wds):
            run = train_mlp(x, y, xv, yv, kind=kind, lr=lr, weight_decay=wd, steps=80, n_hidden=8, seed=1)
            assert g["val_mse"][i, j] == pytest.approx(run["val_mse"], rel=1e-10)
            assert g["train_mse"][i, j] == pytest.approx(run["train_mse"], rel=1e-10)
    np.testing.assert_array_equal(g["best"], np.argmin(g["val_mse"], axis=1))


def test_errors_name_the_parameter(data):
    x, y, xv, yv = data
    with pytest.raises(ValueError, match="^kind"):
        train_mlp(x, y, xv, yv, kind="sgd", lr=0.1, weight_decay=0.0)
    with pytest.raises(ValueError, match="^weight_decay"):
        train_mlp(x, y, xv, yv, kind="adam", lr=0.1, weight_decay=-1.0)
    with pytest.raises(ValueError, match=r"^lrs: expected every entry >= 0, got -0.1 at index 1$"):
        decay_grid(x, y, xv, yv, [0.1, -0.1], [0.0], kind="adam")
    with pytest.raises(ValueError, match=r"^weight_decays: expected every entry >= 0, got -2.0 at index 0$"):
        decay_grid(x, y, xv, yv, [0.1], [-2.0, 1.0], kind="adam")
    with pytest.raises(ValueError, match="^y"):
        mlp_loss_and_grads(init_mlp(3), x, y[:-1])
    with pytest.raises(ValueError, match="^params"):
        mlp_predict({"W1": np.ones((1, 3))}, x)
    with pytest.raises(ValueError, match="^scales"):
        adam_decay_race(0.01, 0.1, scales=(1.0, 0.0))


def test_decay_race_is_the_optimizers_on_scaled_noise():
    r = adam_decay_race(0.01, 0.1, steps=50, scales=(10.0, 0.1), seed=4)
    z = np.random.default_rng(4).standard_normal(50)
    adam, adamw = Adam(lr=0.01, weight_decay=0.1), AdamW(lr=0.01, weight_decay=0.1)
    w, ww = np.ones(2), np.ones(2)
    for t in range(50):
        w, ww = adam.step(w, [10.0 * z[t], 0.1 * z[t]]), adamw.step(ww, [10.0 * z[t], 0.1 * z[t]])
        np.testing.assert_array_equal(r["adam"][t + 1], w)
        np.testing.assert_array_equal(r["adamw"][t + 1], ww)
    np.testing.assert_array_equal(r["denominator"], adam.denominator())
    np.testing.assert_allclose(r["adam_decay"], 0.01 * 0.1 / adam.denominator())
    assert r["adamw_decay"] == pytest.approx(0.001)
    # AdamW: scale-invariant, one trajectory (eps aside); Adam + L2: far apart
    np.testing.assert_allclose(r["adamw"][:, 0], r["adamw"][:, 1], atol=1e-6)
    assert r["adam"][-1, 0] - r["adam"][-1, 1] > 0.3


def test_adamw_demo_moves_and_shows_the_race():
    from l2reg.widgets import adamw_demo

    demo = adamw_demo(lr=0.01, weight_decay=0.1, steps=100)
    first = demo.image.value
    demo.set(weight_decay=1.0)
    assert demo.image.value != first and demo.renders == 2
    r = adam_decay_race(0.01, 1.0, 100)
    left, right = demo.fig.axes[0], demo.fig.axes[1]
    np.testing.assert_allclose(left.lines[0].get_ydata(), r["adam"][:, 0])
    np.testing.assert_allclose(left.lines[1].get_ydata(), r["adam"][:, 1])
    np.testing.assert_allclose(right.lines[0].get_ydata(), r["adamw"][:, 0])
    assert f"AdamW lr * wd = {r['adamw_decay']:.1e}" in demo.readout.value
    demo.controls["lr"].value = 0.001  # as a user drags it
    assert demo.renders == 3 and "AdamW lr * wd = 1.0e-03" in demo.readout.value


def test_heatmap_annotates_and_marks():
    from l2reg.plotting import plot_heatmap

    fig = plot_heatmap(np.arange(6.0).reshape(2, 3), ["r0", "r1"], ["c0", "c1", "c2"], xlabel="x", ylabel="y",
                       title="t", cbar_label="err", marks=[(1, 2)], fmt=".1f")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == ["0.0", "1.0", "2.0", "3.0", "4.0", "5.0"]
    assert len(ax.patches) == 1 and ax.patches[0].get_xy() == (1.5, 0.5)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["r0", "r1"]
    assert ax.images[0].get_cmap().name == "viridis"
