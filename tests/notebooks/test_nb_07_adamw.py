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
    "x_tr", "y_tr", "x_val", "y_val", "runs", "mean_mse", "xs", "ys", "xs_val", "ys_val", "grids", "lrs", "wds",
    "median", "spread", "curve_median", "steps_at", "margin", "race0", "removed", "measured_decay", "norms", "reps", "memory", "step_size", "q1", "q2", "q3", "q4", "lam",
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
    # "93 times" more decay for the small-gradient weight, by the formula (the summary's "93 times less")
    ratio = r["adam_decay"][1] / r["adam_decay"][0]
    assert round(ratio) == 93
    np.testing.assert_allclose(r["adam_decay"], 0.01 * 0.1 / r["denominator"])
    # "measured over the run ... 0.029 and 1.92, a ratio of 67" (the summary's "67 times as measured")
    m = ns["measured_decay"]
    np.testing.assert_allclose(m, -np.log(r["adam"][-1] / ns["race0"]["adam"][-1]))
    assert round(m[0], 3) == 0.029 and round(m[1], 2) == 1.92 and round(m[1] / m[0]) == 67
    # "wd * w = 0.1 is as large as its gradient noise" at the start: w = 1, wd = 0.1, noise sd 0.1 * 1
    assert r["adam"][0, 1] * 0.1 == pytest.approx(0.1 * 1.0)


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
    # "replicate 0 is the run above": same data, same start, same numbers
    x0, y0 = ns["xs"][0], ns["ys"][0]
    np.testing.assert_array_equal(x0, ns["x_tr"])
    np.testing.assert_array_equal(ns["xs_val"][0], ns["x_val"])
    i, j = list(ns["lrs"]).index(0.03), list(ns["wds"]).index(0.1)
    assert ns["grids"]["adamw"]["val_mse"][0, i, j] == pytest.approx(ns["runs"]["AdamW, wd 0.1"]["val_mse"], rel=1e-9)
    assert ns["grids"]["adam"]["val_mse"][0, i, j] == pytest.approx(ns["runs"]["Adam + L2, wd 0.1"]["val_mse"], rel=1e-9)
    assert ns["xs"].shape == (8, 20) and ns["xs_val"].shape == (8, 200)
    assert len(ns["lrs"]) * len(ns["wds"]) == 24 and 2 * 8 * 24 == 384


def test_one_weight_decay_two_optimizers(ns):
    r = {k: v["val_mse"] for k, v in ns["runs"].items()}
    # "AdamW leaves a fit close to the undecayed one (0.097 against 0.091)"
    assert round(r["AdamW, wd 0.1"], 3) == 0.097 and round(r["no decay"], 3) == 0.091
    # "Adam + L2 ... a gentle slope that misses both bumps (0.32)": not flat, far from the truth
    assert round(r["Adam + L2, wd 0.1"], 2) == 0.32
    grid = np.linspace(-1, 1, 200)
    from l2reg.network import mlp_predict

    slope = mlp_predict(ns["runs"]["Adam + L2, wd 0.1"]["params"], grid)
    assert np.ptp(slope) > 1.0 and np.all(np.diff(slope) > 0)  # a rising slope, no bump
    # "at weight_decay = 1 ... a flat line: weights nearly 0, 0.600 = predicting the training mean"
    flat = ns["runs"]["Adam + L2, wd 1"]
    assert flat["weight_norm"] < 1e-3 and np.ptp(mlp_predict(flat["params"], grid)) < 0.01
    assert round(flat["val_mse"], 3) == 0.600 and round(ns["mean_mse"], 3) == 0.600
    # "with weight_decay = 0 Adam + L2 and AdamW are the same optimizer"
    from l2reg.network import train_mlp

    w0 = train_mlp(ns["x_tr"], ns["y_tr"], ns["x_val"], ns["y_val"], kind="adamw", lr=0.03, weight_decay=0.0)
    assert w0["val_mse"] == ns["runs"]["no decay"]["val_mse"]


def _grid_claims(grids, lrs, wds, ys, ys_val, first_set):
    """The sentences of section 6 about the grid, checked on one set of replicates."""
    va, vw = grids["adam"]["val_mse"], grids["adamw"]["val_mse"]
    ma, mw = np.median(va, axis=0), np.median(vw, axis=0)
    col = {w: k for k, w in enumerate(wds)}
    np.testing.assert_array_equal(va[:, :, 0], vw[:, :, 0])  # "the wd = 0 column is the same in both"
    # AdamW up to 0.01 "differs from the first column by at most 0.01 in every row"
    for w in (1e-4, 1e-3, 1e-2):
        assert np.all(np.abs(mw[:, col[w]] - mw[:, 0]) <= 0.01)
    # AdamW at 0.1 "as good or slightly better", at 1 "worse everywhere"
    assert np.all(mw[:, col[0.1]] <= mw[:, 0] + 0.001)
    assert np.all(mw[:, col[1.0]] > mw[:, 0] + 0.03)
    if first_set:  # "the best median in every row": this set only (another set has one near-tie row)
        np.testing.assert_array_equal(wds[np.argmin(mw, axis=1)], [0.1] * len(lrs))
    else:
        assert np.all(np.isin(wds[np.argmin(mw, axis=1)], [1e-2, 0.1]))
    # "0.1 in every row here (on other replicates a row's best can sit at 0.01, in a near-tie with 0.1)"
    assert np.all(mw[:, col[0.1]] - mw.min(axis=1) < 0.002)
    # Adam + L2 "best at 0.001 in every row, from 0.1 up much worse than no decay"
    np.testing.assert_array_equal(wds[np.argmin(ma, axis=1)], [0.001] * len(lrs))
    assert np.all(ma[:, col[0.1]:] > ma[:, :1] + 0.03)
    # "at 1 with learning rates 0.03 and 0.1 every replicate ends on the flat line"
    mean_mse = np.mean((ys_val - ys.mean(axis=1, keepdims=True)) ** 2, axis=1)
    for lr in (0.03, 0.1):
        i = list(lrs).index(lr)
        np.testing.assert_allclose(va[:, i, col[1.0]], mean_mse, atol=0.01)
    # "every row of every replicate varies less under AdamW than under Adam + L2" (wd 0 to 0.1)
    good = slice(0, col[0.1] + 1)
    assert np.all(np.ptp(vw[:, :, good], axis=2) < np.ptp(va[:, :, good], axis=2))
    # "which optimizer": Adam + L2's best never more than 0.002 above AdamW's, below it in most
    S = va.shape[0]
    ba, bw = va.reshape(S, -1).min(axis=1), vw.reshape(S, -1).min(axis=1)
    assert np.all(ba <= bw + 0.002) and np.sum(ba < bw - 1e-9) > S / 2
    # "the best decay beat no decay by about 0.006 in the median, far less than the spread"
    no_decay = va[:, :, 0].min(axis=1)
    gain = no_decay - np.minimum(ba, bw)
    assert np.median(gain) < np.ptp(no_decay) / 3
    # AdamW's best weight decay does not fall 33-fold with the learning rate
    assert lrs[-1] / lrs[0] == pytest.approx(100 / 3)
    best_w = wds[np.argmin(mw, axis=1)]
    assert best_w[-1] >= best_w[0]
    # learning curves at lr 0.01 (median over the replicates)
    i = list(lrs).index(0.01)
    steps = grids["adam"]["steps"]
    none = np.median(grids["adam"]["val_curve"][:, i, 0], axis=0)
    coupled = np.median(grids["adam"]["val_curve"][:, i, col[0.1]], axis=0)
    assert none[-1] > none.min() + 0.003  # "creeps up"
    assert steps[np.argmin(coupled)] <= 200 and coupled[-1] > coupled[-7] > coupled[-13]  # "still climbing"
    for c in (np.median(grids["adam"]["val_curve"][:, i, col[1e-3]], axis=0),
              np.median(grids["adamw"]["val_curve"][:, i, col[0.1]], axis=0)):
        assert c[-1] - c.min() < (none[-1] - none.min()) / 2  # "hold it down"
    return ma, mw, gain, ba, bw, no_decay


def test_the_grid(ns):
    lrs, wds, grids = ns["lrs"], ns["wds"], ns["grids"]
    assert grids["adam"]["val_mse"].shape == (8, 4, 6) and grids["adam"]["val_curve"].shape == (8, 4, 6, 61)
    np.testing.assert_array_equal(wds, [0, 1e-4, 1e-3, 1e-2, 0.1, 1])
    ma, mw, gain, ba, bw, no_decay = _grid_claims(grids, lrs, wds, ns["ys"], ns["ys_val"], first_set=True)
    np.testing.assert_allclose(ns["median"]["adam"], ma)
    # "the spread between replicates is 0.04 to 0.11 (the largest over the rows) in the columns that do well"
    spread = ns["spread"]
    good = np.r_[spread["adam"].max(axis=0)[:4], spread["adamw"].max(axis=0)[:5]]
    assert round(good.min(), 2) == 0.04 and round(good.max(), 2) == 0.11
    # "... larger than most differences between neighbouring cells"
    neighbours = np.abs(np.diff(np.c_[ma[:, :4], mw[:, :5]], axis=1))
    assert np.mean(neighbours < good.min()) > 0.75
    # curve numbers: "lowest after about 300 steps", "bottoms out near step 160"
    cm, steps = ns["curve_median"], ns["steps_at"]
    assert steps[np.argmin(cm["no decay"])] == 300 and steps[np.argmin(cm["Adam + L2, wd 0.1"])] == 160
    # "by 0.005 in the median", "never more than 0.002 above", "about 0.006 in the median"
    margin = bw - ba
    assert round(np.median(margin), 3) == 0.005 and margin.min() >= -0.002
    assert round(np.median(gain), 3) == 0.006 and round(gain.max(), 3) == 0.015
    assert round(no_decay.min(), 3) == 0.074 and round(no_decay.max(), 3) == 0.102
    np.testing.assert_allclose(ns["margin"], margin)


def test_the_conclusions_survive_other_replicates():
    """The same sentences on 8 other replicates (data, validation set and start all new)."""
    from l2reg.data import noisy_curve
    from l2reg.network import decay_grid_seeds

    reps = list(range(8, 16))
    tr = [noisy_curve(20, seed=r) for r in reps]
    va = [noisy_curve(200, seed=100 + r) for r in reps]
    xs, ys = np.array([x for x, _ in tr]), np.array([y for _, y in tr])
    xv, yv = np.array([x for x, _ in va]), np.array([y for _, y in va])
    lrs, wds = np.array([0.003, 0.01, 0.03, 0.1]), np.array([0.0, 1e-4, 1e-3, 1e-2, 1e-1, 1.0])
    grids = {k: decay_grid_seeds(xs, ys, xv, yv, lrs, wds, kind=k, seeds=reps) for k in ("adam", "adamw")}
    _grid_claims(grids, lrs, wds, ys, yv, first_set=False)


def test_the_flat_range_as_stated(ns):
    """ "The error is flat over the two decades from 0.0001 to 0.01": the nonzero weight decays at which
    AdamW's median error stays within 0.01 of no decay in every row (the claim just before it)."""
    import re

    import nbformat

    text = "\n".join(c.source for c in nbformat.read(str(source_notebook("07_adamw")), as_version=4).cells
                     if c.cell_type == "markdown")
    said = re.search(r"The error is flat over (?:the )?(\w+) decades(?: from ([0-9.]+) to ([0-9.]+))?", text)
    assert said, "the sentence on AdamW's flat range was not found"
    mw, wds = ns["median"]["adamw"], ns["wds"]
    flat = [w for k, w in enumerate(wds) if w > 0 and np.all(np.abs(mw[:, k] - mw[:, 0]) <= 0.01)]
    assert flat == list(wds[1:len(flat) + 1])  # one unbroken range from the smallest nonzero decay up
    decades = round(np.log10(max(flat) / min(flat)))
    assert {"one": 1, "two": 2, "three": 3, "four": 4}[said[1]] == decades
    assert said[2] and (float(said[2]), float(said[3])) == (min(flat), max(flat)), "the range is named"


def test_figures_fit_on_their_canvas(ns):
    """Each figure cell of the lesson, run on the lesson's own values: no text off the canvas, no
    legend over data, no clashing tick labels (l2reg.plotting.layout_problems)."""
    import ast

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import nbformat
    from matplotlib.figure import Figure

    from l2reg.plotting import layout_problems

    cells = [c.source for c in nbformat.read(str(source_notebook("07_adamw")), as_version=4).cells
             if c.cell_type == "code"]
    env = {}
    exec(cells[0].replace("%matplotlib inline", ""), env)
    env.update(ns)
    checked = 0
    for source in cells:
        if "plotting." not in source or "widgets." in source:
            continue
        tree = ast.parse(source)
        last = tree.body.pop() if isinstance(tree.body[-1], ast.Expr) else None
        plt.close("all")
        exec(compile(tree, "<cell>", "exec"), env)
        shown = eval(compile(ast.Expression(last.value), "<cell>", "eval"), env) if last else None
        figures = {plt.figure(n) for n in plt.get_fignums()} | ({shown} if isinstance(shown, Figure) else set())
        for fig in figures:
            assert layout_problems(fig) == [], (source.splitlines()[0], layout_problems(fig))
            checked += 1
    plt.close("all")
    assert checked >= 4  # the race, the fits, the two maps, the learning curves


def _norm_claims(norms):
    none, w001, w01 = norms["no decay"], norms["AdamW, wd 0.01"], norms["AdamW, wd 0.1"]
    assert np.all(np.diff(none) > 0)  # "without decay the weights grow with the learning rate"
    assert np.all(w01 < none) and w001[-1] < none[-1]  # AdamW shrinks them; 0.01 already at lr 0.1
    assert w01.max() / w01.min() < 1.5 < none[-1] / none[0]  # held about level at 0.1, across a 33-fold lr * wd


def test_the_weight_norms(ns):
    norms = ns["norms"]
    _norm_claims(norms)
    # "from 145 to 245", "245 to 181 at learning rate 0.1", "between 99 and 116"
    assert round(norms["no decay"][0]) == 145 and round(norms["no decay"][-1]) == 245
    assert round(norms["AdamW, wd 0.01"][-1]) == 181
    assert round(norms["AdamW, wd 0.1"].min()) == 99 and round(norms["AdamW, wd 0.1"].max()) == 116
    # the first replicate's run above is one of them
    assert ns["runs"]["no decay"]["weight_norm"] > 0


def test_the_weight_norms_on_other_replicates():
    from l2reg.data import noisy_curve
    from l2reg.network import train_mlp

    reps, lrs = range(8, 16), [0.003, 0.01, 0.03, 0.1]
    tr, va = [noisy_curve(20, seed=r) for r in reps], [noisy_curve(200, seed=100 + r) for r in reps]
    norms = {name: np.array([np.median([train_mlp(*tr[k], *va[k], kind=kind, lr=lr, weight_decay=wd, seed=r)["weight_norm"]
                                        for k, r in enumerate(reps)]) for lr in lrs])
             for name, (kind, wd) in {"no decay": ("adam", 0.0), "AdamW, wd 0.01": ("adamw", 0.01),
                                      "AdamW, wd 0.1": ("adamw", 0.1)}.items()}
    _norm_claims(norms)


def _vhat_memory(x, y, seed, lr, steps=600):
    """AdamW (wd 0.1 on W1, W2) with v_hat rebuilt by hand from the gradient history: (memory, step size) of W1."""
    from l2reg import AdamW
    from l2reg.network import init_mlp, mlp_loss_and_grads

    p = init_mlp(32, seed=seed)
    opts = {k: AdamW(lr=lr, weight_decay=0.1 if k in ("W1", "W2") else 0.0) for k in p}
    history = []
    for _ in range(steps):
        _, g = mlp_loss_and_grads(p, x, y)
        history.append(g["W1"])
        p = {k: opts[k].step(p[k], g[k]) for k in p}
    _, g = mlp_loss_and_grads(p, x, y)
    G = np.array(history)
    decay2, decay1 = 0.999 ** np.arange(steps)[::-1], 0.9 ** np.arange(steps)[::-1]
    v_hat = np.tensordot(0.001 * decay2, G**2, axes=1) / (1 - 0.999**steps)
    m_hat = np.tensordot(0.1 * decay1, G, axes=1) / (1 - 0.9**steps)
    return np.median(np.sqrt(v_hat) / np.abs(g["W1"])), np.median(np.abs(m_hat) / (np.sqrt(v_hat) + 1e-8))


def test_vhat_remembers(ns):
    """'it works here because v_hat still remembers the large early gradients': sqrt(v_hat) far above the
    gradient now, and Adam's step far from +-1, in all 32 runs, and on other replicates."""
    memory, step_size = ns["memory"], ns["step_size"]
    assert memory.shape == step_size.shape == (8, 4)
    assert memory.min() > 10 and step_size.max() < 0.1  # "more than 10 times", "below 0.1"
    got = _vhat_memory(ns["xs"][0], ns["ys"][0], 0, 0.01)  # v_hat from its definition, not the optimizer's state
    np.testing.assert_allclose(got, (memory[0, 1], step_size[0, 1]), rtol=1e-6)
    from l2reg.data import noisy_curve

    for r in range(8, 12):
        x, y = noisy_curve(20, seed=r)
        for lr in (0.003, 0.1):
            mem, size = _vhat_memory(x, y, r, lr)
            assert mem > 5 and size < 0.2, (r, lr, mem, size)


def test_the_race_against_no_decay(ns):
    r, r0 = ns["race"], ns["race0"]
    # "without decay the noise alone carries both weights to 1.06"
    assert np.all(np.round(r0["adam"][-1], 2) == 1.06) and np.array_equal(r0["adam"], r0["adamw"])
    removed = ns["removed"]
    # "AdamW removes the same 23% from both weights", "Adam + L2 only 3% ... but 85%"
    assert np.all(np.round(100 * removed["adamw"]) == 23)
    assert round(100 * removed["adam"][0]) == 3 and round(100 * removed["adam"][1]) == 85
    assert round(r["adam"][-1, 0], 2) == 1.03 and 0.999**300 == pytest.approx(0.74, abs=0.005)


def test_the_race_holds_for_other_noise():
    """On other noise draws the large-gradient weight keeps losing only a few percent, AdamW's far more."""
    from l2reg.network import adam_decay_race

    for seed in range(1, 8):
        r, r0 = adam_decay_race(0.01, 0.1, 300, seed=seed), adam_decay_race(0.01, 0.0, 300, seed=seed)
        lost = 1 - r["adam"][-1] / r0["adam"][-1]
        lost_w = 1 - r["adamw"][-1] / r0["adamw"][-1]
        assert 0.01 < lost[0] < 0.05 and lost[1] > 0.8 and np.all(lost_w > 0.2)
        measured = -np.log(r["adam"][-1] / r0["adam"][-1])  # nan where the weight crossed zero
        if np.all(np.isfinite(measured)):
            assert measured[1] / measured[0] > 50  # tens of times more strongly, as measured


def test_torch_adam_decoupled_is_adamw():
    """ "PyTorch's AdamW class is exactly Adam(decoupled_weight_decay=True)" where torch has it."""
    torch = pytest.importorskip("torch")
    import inspect

    if "decoupled_weight_decay" not in inspect.signature(torch.optim.Adam).parameters:
        pytest.skip("this torch has no decoupled_weight_decay")
    assert issubclass(torch.optim.AdamW, torch.optim.Adam)
    p = torch.nn.Parameter(torch.tensor([1.0, -2.0], dtype=torch.float64))
    q = torch.nn.Parameter(p.detach().clone())
    a = torch.optim.Adam([p], lr=0.1, weight_decay=0.5, decoupled_weight_decay=True)
    b = torch.optim.AdamW([q], lr=0.1, weight_decay=0.5)
    for g in ([1.0, 0.1], [0.3, -2.0], [-1.0, 0.0]):
        p.grad = torch.tensor(g, dtype=torch.float64)
        q.grad = p.grad.clone()
        a.step()
        b.step()
        assert torch.equal(p, q)


def test_quiz_answer_key(ns):
    from l2reg import Adam, AdamW
    from l2reg.network import adam_decay_race

    # q1: under coupled L2, the weight with the larger gradients has the smaller effective decay
    r = adam_decay_race(1e-3, 1e-2, steps=100, scales=(5.0, 0.05), seed=9)
    assert r["adam_decay"][0] < r["adam_decay"][1]
    assert ns["q1"] == "b"
    (lr2, wd2), (lr3, lam3) = _quiz_numbers()
    # q2: AdamW with a zero gradient multiplies by the factor
    w = np.array([3.0, -2.0])
    np.testing.assert_allclose(AdamW(lr=lr2, weight_decay=wd2).step(w, np.zeros(2)), ns["q2"] * w, rtol=1e-15)
    # q3: coupled weight_decay adds the penalty's gradient 2 * lam * w
    g = np.array([0.1, 0.2])
    np.testing.assert_allclose(Adam(lr=lr3, weight_decay=ns["q3"]).step(w, g),
                               Adam(lr=lr3).step(w, g + 2 * lam3 * w), rtol=1e-14)
    assert ns["q4"] == "c"


def _quiz_numbers():
    """(lr, weight_decay) of Q2 and (lr, lambda) of Q3, read from the questions' text."""
    import re

    import nbformat

    text = "\n".join(c.source for c in nbformat.read(str(source_notebook("07_adamw")), as_version=4).cells
                     if c.cell_type == "markdown")
    q2 = re.search(r"\*\*Q2\.\*\* `torch\.optim\.AdamW\(params, lr=([0-9.e-]+), weight_decay=([0-9.e-]+)\)`", text)
    q3 = re.search(r"\*\*Q3\.\*\*.*?\\lambda = ([0-9.]+)\$.*?lr=([0-9.e-]+)", text, re.S)
    assert q2 and q3, "the quiz questions' numbers were not found"
    return (float(q2[1]), float(q2[2])), (float(q3[2]), float(q3[1]))


def test_quiz_numbers_are_not_the_worked_examples(ns):
    """Q2 and Q3 ask what section 5 computes, on other numbers: the answer is worked out, not looked up."""
    (lr2, wd2), (_, lam3) = _quiz_numbers()
    assert (lr2, wd2) != (ns["lr_w"], ns["wd_w"]), "Q2 repeats section 5's AdamW example (its printout is the answer)"
    assert 1 - lr2 * wd2 != pytest.approx(1 - ns["lr_w"] * ns["wd_w"])
    # section 5 works lambda = 0.005 and states "weight_decay=0.01 is L2 with lambda = 0.005"
    assert lam3 != ns["lam"] and lam3 != 0.005 and 2 * lam3 != 0.01, "Q3 repeats section 5's lambda"


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
    # 3. lr 0.1, wd 10 (the slider's far corner): lr * wd = 1, each step starts from zero
    a, b = adam_decay_race(0.1, 10.0, 300), adam_decay_race(0.1, 10.0, 300, w0=5.0)
    np.testing.assert_allclose(a["adamw"][1:], b["adamw"][1:], atol=1e-12)  # nothing of the start is kept
    assert np.all(np.abs(a["adamw"][1:]) <= 0.1 * 1.001)  # "about +-lr"
    from l2reg.widgets.descent import LR_EXPS, WD_EXPS

    assert 10.0 ** LR_EXPS[1] == pytest.approx(0.1) and 10.0 ** WD_EXPS[1] == pytest.approx(10.0)
    # ... and the demo's readout says so there, and only there
    from l2reg.widgets import adamw_demo

    demo = adamw_demo(lr=0.01, weight_decay=0.1)
    assert "zeroing them" not in demo.readout.value
    demo.set(lr=10.0 ** LR_EXPS[1], weight_decay=10.0 ** WD_EXPS[1])
    assert "AdamW lr * wd = 1.0e+00 for both: each AdamW step multiplies the weights by 1 - lr * wd = 0, zeroing them" \
        in demo.readout.value, demo.readout.value
    demo.set(weight_decay=10.0 ** (WD_EXPS[1] - 0.1))
    assert "zeroing them" not in demo.readout.value


# --- The visible test against the typical wrong answers ---------------------------------------
# The visible test of exercise 1 is run, as the student runs it, on plausible wrong answers (each
# must fail it with an AssertionError whose message shows the difference) and on right answers
# written in other ways (each must pass).


def _run_visible(answer):
    import nbformat

    from l2reg import Adam, AdamW

    nb = nbformat.read(str(source_notebook("07_adamw")), as_version=4)
    (cell,) = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_adam"]
    ns = {"np": np, "Adam": Adam, "AdamW": AdamW}
    exec(answer, ns)
    exec(cell.source.split("### BEGIN HIDDEN TESTS")[0], ns)


_ADAM_RIGHT = """def adam_step(w, g, m, v, t, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled=False):
    beta1, beta2 = betas
    w, g = np.asarray(w, dtype=float), np.asarray(g, dtype=float)
    if decoupled:
        w = w * (1 - lr * weight_decay)
    else:
        g = g + weight_decay * w
    m = beta1 * np.asarray(m, dtype=float) + (1 - beta1) * g
    v = beta2 * np.asarray(v, dtype=float) + (1 - beta2) * g * g
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
"""


def _adam(old, new, count=1):
    assert _ADAM_RIGHT.count(old) == count, old
    return _ADAM_RIGHT.replace(old, new)


ADAM_WRONG = {
    "no bias correction": _adam("    m_hat = m / (1 - beta1**t)\n    v_hat = v / (1 - beta2**t)\n",
                                "    m_hat, v_hat = m, v\n"),
    "bias correction of m only": _adam("v_hat = v / (1 - beta2**t)", "v_hat = v"),
    "bias correction one step behind (t - 1)": _adam("m_hat = m / (1 - beta1**t)\n    v_hat = v / (1 - beta2**t)",
                                                     "m_hat = m / (1 - beta1**(t + 1))\n    v_hat = v / (1 - beta2**(t + 1))"),
    "decay after Adam's step": _adam(
        "    if decoupled:\n        w = w * (1 - lr * weight_decay)\n    else:\n        g = g + weight_decay * w\n",
        "    if not decoupled:\n        g = g + weight_decay * w\n").replace(
        "    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v\n",
        "    w = w - lr * m_hat / (np.sqrt(v_hat) + eps)\n"
        "    return (w * (1 - lr * weight_decay) if decoupled else w), m, v\n"),
    "decoupled decay without the learning rate": _adam("w = w * (1 - lr * weight_decay)", "w = w * (1 - weight_decay)"),
    "coupled term doubled (2 lambda taken twice)": _adam("g = g + weight_decay * w", "g = g + 2 * weight_decay * w"),
    "coupled term times the learning rate": _adam("g = g + weight_decay * w", "g = g + lr * weight_decay * w"),
    "coupled term in m only": _adam(
        "    else:\n        g = g + weight_decay * w\n    m = beta1 * np.asarray(m, dtype=float) + (1 - beta1) * g\n",
        "    m = beta1 * np.asarray(m, dtype=float) + (1 - beta1) * (g + (0 if decoupled else weight_decay) * w)\n"),
    "coupled term added to the step, not the gradient": _adam(
        "    else:\n        g = g + weight_decay * w\n", "").replace(
        "    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v\n",
        "    step = m_hat / (np.sqrt(v_hat) + eps) + (0 if decoupled else weight_decay) * w\n"
        "    return w - lr * step, m, v\n"),
    "decoupled flag ignored (always coupled)": _adam("    if decoupled:\n", "    if False:\n"),
    "decay on both ways at once": _adam("    else:\n        g = g + weight_decay * w\n",
                                        "    g = g + weight_decay * w\n"),
    "wrong sign": _adam("return w - lr * m_hat", "return w + lr * m_hat"),
    "eps inside the square root": _adam("np.sqrt(v_hat) + eps", "np.sqrt(v_hat + eps)"),
    "betas swapped": _adam("beta1, beta2 = betas", "beta2, beta1 = betas"),
    "betas ignored (always the defaults)": _adam("beta1, beta2 = betas", "beta1, beta2 = 0.9, 0.999"),
    "eps ignored": _adam("np.sqrt(v_hat) + eps", "np.sqrt(v_hat) + 1e-8"),
    "v of |g|, not g squared": _adam("(1 - beta2) * g * g", "(1 - beta2) * np.abs(g)"),
    "returns m_hat and v_hat": _adam("eps), m, v", "eps), m_hat, v_hat"),
    "modifies m in place": _adam("    m = beta1 * np.asarray(m, dtype=float) + (1 - beta1) * g\n",
                                 "    m *= beta1\n    m += (1 - beta1) * g\n"),
    "modifies w in place": _adam("        w = w * (1 - lr * weight_decay)\n", "        w *= 1 - lr * weight_decay\n"),
    "returns only w": _adam("eps), m, v", "eps)"),
    # the student reviewer's wrong answers (each moved w by only 5e-10 to 1e-7 at t = 1)
    "coupled term halved (wd / 2)": _adam("g = g + weight_decay * w", "g = g + weight_decay / 2 * w"),
    "decoupled factor halved (wd / 2)": _adam("w = w * (1 - lr * weight_decay)", "w = w * (1 - lr * weight_decay / 2)"),
    "decoupled lr * wd counted twice": _adam("w = w * (1 - lr * weight_decay)", "w = w * (1 - 2 * lr * weight_decay)"),
    "decoupled decay applied twice": _adam("w = w * (1 - lr * weight_decay)", "w = w * (1 - lr * weight_decay) ** 2"),
    # second pass (issue 14): a bias correction counted from t - 1 divides by 1 - beta**0 = 0 at t = 1,
    # and (w, v, m) returned in the wrong order
    "bias corrections from t - 1 (0 / 0 at t = 1)": _adam(
        "m_hat = m / (1 - beta1**t)\n    v_hat = v / (1 - beta2**t)",
        "m_hat = m / (1 - beta1**(t - 1))\n    v_hat = v / (1 - beta2**(t - 1))"),
    "returns (w, v, m)": _adam("eps), m, v", "eps), v, m"),
}
# What the failure message must name for these (beyond the quantity that fails first).
ADAM_NAMED = {
    "bias corrections from t - 1 (0 / 0 at t = 1)": "not finite",
    "returns (w, v, m)": "in the order (w, m, v)",
    "returns m_hat and v_hat": "That is m_hat",
}
# Where the first failure must be, for the wrong answers a student could blame on float noise: a
# wrong coupled term changes the gradient, so m fails first and says so; a wrong decoupled factor
# or eps leaves m and v right, and the message says that the mistake is in how w moves.
ADAM_FAILS_ON = {
    "coupled term doubled (2 lambda taken twice)": "m (the raw average",
    "coupled term halved (wd / 2)": "m (the raw average",
    "coupled term times the learning rate": "m (the raw average",
    "decay on both ways at once": "m (the raw average",
    "eps inside the square root": "m and v are right",
    "decoupled factor halved (wd / 2)": "m and v are right",
    "decoupled lr * wd counted twice": "m and v are right",
    "decoupled decay applied twice": "m and v are right",
    "decoupled decay without the learning rate": "m and v are right",
    "decay after Adam's step": "m and v are right",
}
ADAM_RIGHT = {
    "the reference solution": _ADAM_RIGHT,
    "PyTorch's order of operations": """def adam_step(w, g, m, v, t, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled=False):
    b1, b2 = betas
    w = np.array(w, dtype=float)
    g = np.array(g, dtype=float)
    if weight_decay and decoupled:
        w = w * (1 - lr * weight_decay)
    elif weight_decay:
        g = g + weight_decay * w
    m = np.array(m, dtype=float) * b1 + (1 - b1) * g
    v = np.array(v, dtype=float) * b2 + (1 - b2) * g**2
    denom = np.sqrt(v) / np.sqrt(1 - b2**t) + eps
    return w - (lr / (1 - b1**t)) * m / denom, m, v
""",
}


@pytest.mark.parametrize("name", sorted(ADAM_WRONG))
def test_visible_adam_test_catches(name):
    with pytest.raises(AssertionError) as failure:
        _run_visible(ADAM_WRONG[name])
    message = str(failure.value)
    assert message, "the failure must say what is wrong"
    if "modified" not in message and "must return" not in message:
        assert ("largest difference" in message or "not finite" in message) and "step t =" in message
        # the tolerance is stated, and a 1e-10 difference is called a formula difference (a nan has no difference)
        assert "not finite" in message or ("rtol=1e-10" in message and "formula difference, not rounding" in message)
    if name in ADAM_FAILS_ON:
        assert ADAM_FAILS_ON[name] in message, message
        if ADAM_FAILS_ON[name] == "m and v are right":
            assert "the decay factor" in message and "eps (added after the square root)" in message
        else:
            assert ("the gradient that goes into m and v" in message
                    or "AdamW puts no decay term into m and v" in message), message


@pytest.mark.parametrize("name", sorted(ADAM_NAMED))
def test_visible_adam_test_names_the_mistake(name):
    with pytest.raises(AssertionError) as failure:
        _run_visible(ADAM_WRONG[name])
    assert ADAM_NAMED[name] in str(failure.value), str(failure.value)
    if name != "bias corrections from t - 1 (0 / 0 at t = 1)":
        # the named mistake replaces the generic advice, which points elsewhere (beta1, the gradient fed in)
        assert "Check beta1" not in str(failure.value), str(failure.value)


@pytest.mark.parametrize("name", sorted(ADAM_RIGHT))
def test_visible_adam_test_passes(name):
    _run_visible(ADAM_RIGHT[name])
