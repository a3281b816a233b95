"""The lesson 7 grid over several replicates: :func:`decay_grid_seeds`.

:func:`l2reg.network.decay_grid` trains one data set from one start; lesson 7 repeats the
grid of learning rates and weight decays over several data sets and initial weights, and
draws learning curves. Each replicate is exactly :func:`l2reg.network.train_mlp` (tested
run by run); the replicates of one cell are trained at once by the optimizer classes
acting on arrays with a leading replicate axis. Re-exported by :mod:`l2reg.network`.

Examples
--------
>>> from l2reg import network, network_grid
>>> network.decay_grid_seeds is network_grid.decay_grid_seeds
True
"""

from __future__ import annotations

import numpy as np

from ._params import (
    Array,
    Choice,
    Int,
    IntSequence,
    Matrix,
    Nonnegative,
    Pair,
    Vector,
    validate_params,
)
from .network import DECAYED, KINDS, PARAMS, init_mlp
from .optim import Adam, AdamW

__all__ = ["decay_grid_seeds"]


@validate_params({
    "xs": Matrix(), "ys": Array(same_shape_as="xs"), "xs_val": Matrix(rows_of="xs"),
    "ys_val": Array(same_shape_as="xs_val"), "lrs": Vector(nonnegative=True), "weight_decays": Vector(nonnegative=True),
    "kind": Choice(*KINDS), "seeds": IntSequence(rows_of="xs", minimum=0), "steps": Int(minimum=0),
    "every": Int(minimum=1), "n_hidden": Int(minimum=1),
    "betas": Pair(minimum=0.0, maximum=1.0, include_maximum=False), "eps": Nonnegative(),
})
def decay_grid_seeds(xs, ys, xs_val, ys_val, lrs, weight_decays, *, kind, seeds, steps=600, every=10,
                     n_hidden=32, betas=(0.9, 0.999), eps=1e-8):
    """:func:`decay_grid` repeated over several data sets and starts, with learning curves.

    Replicate ``r`` trains on ``(xs[r], ys[r])`` from ``init_mlp(n_hidden,
    seed=seeds[r])`` and is validated on ``(xs_val[r], ys_val[r])``: exactly
    :func:`train_mlp` with those arguments (to float64 rounding). All
    replicates of one (learning rate, weight decay) cell are trained at once,
    one :class:`l2reg.Adam` or :class:`l2reg.AdamW` per parameter array acting
    on arrays with a leading replicate axis, so the optimizer arithmetic is
    the tested classes' own.

    Parameters
    ----------
    xs, ys : array_like of shape (S, n)
        One training set per row.
    xs_val, ys_val : array_like of shape (S, m)
        One validation set per row.
    lrs : array_like of shape (a,)
        Learning rates, >= 0.
    weight_decays : array_like of shape (b,)
        Weight decays of ``W1`` and ``W2``, >= 0 (the biases are never decayed).
    kind : {"adam", "adamw"}
        Adam with coupled L2, or AdamW.
    seeds : sequence of int, length S
        Seed of each replicate's initial weights.
    steps : int, default 600
        Full-batch steps, >= 0.
    every : int, default 10
        The errors are recorded before the first step, after every ``every``
        steps and after the last one.
    n_hidden : int, default 32
    betas : tuple of float, default (0.9, 0.999)
    eps : float, default 1e-8
        As in :func:`train_mlp`.

    Returns
    -------
    dict
        ``"val_mse"``, ``"train_mse"``, ``"weight_norm"``: arrays of shape
        (S, a, b), after the last step (``weight_norm`` is
        ``||W1||^2 + ||W2||^2``); ``"val_curve"`` and ``"train_curve"``, of
        shape (S, a, b, T), the errors at the steps ``"steps"`` (shape (T,));
        ``"best"``, int array of shape (S, a), each replicate's best column per
        learning rate; ``"lrs"``, ``"weight_decays"``, ``"seeds"``.

    Raises
    ------
    TypeError, ValueError
        If an input is not as described (the message names it).

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg.data import noisy_curve
    >>> from l2reg.network import decay_grid_seeds, train_mlp
    >>> sets = [noisy_curve(10, seed=s) for s in (0, 1)]
    >>> xs, ys = np.array([s[0] for s in sets]), np.array([s[1] for s in sets])
    >>> g = decay_grid_seeds(xs, ys, xs, ys, [0.01], [0.0, 0.1], kind="adamw", seeds=[0, 1], steps=20, every=5)
    >>> g["val_mse"].shape, g["val_curve"].shape, g["steps"].tolist()
    ((2, 1, 2), (2, 1, 2, 5), [0, 5, 10, 15, 20])
    >>> run = train_mlp(xs[1], ys[1], xs[1], ys[1], kind="adamw", lr=0.01, weight_decay=0.1, steps=20, seed=1)
    >>> bool(np.isclose(g["val_mse"][1, 0, 1], run["val_mse"], rtol=1e-12))
    True
    """
    S, wds = xs.shape[0], weight_decays
    at = np.unique(np.r_[np.arange(0, steps + 1, every), steps])
    slot = {int(t): i for i, t in enumerate(at)}
    starts = [init_mlp(n_hidden, seed=s) for s in seeds]
    P0 = {k: np.stack([p[k] for p in starts]) for k in PARAMS}  # W1 (S, 1, h), b1 (S, h), W2 (S, h), b2 (S, 1)
    cls = Adam if kind == "adam" else AdamW
    shape = (S, len(lrs), len(wds))
    curves = np.empty(shape + (len(at), 2))
    norms = np.empty(shape)
    n = xs.shape[1]

    def forward(P, X):
        H = np.tanh(X[:, :, None] * P["W1"] + P["b1"][:, None, :])
        return H, np.einsum("snh,sh->sn", H, P["W2"]) + P["b2"]

    for i, lr in enumerate(lrs):
        for j, wd in enumerate(wds):
            opts = {k: cls(lr=lr, betas=betas, eps=eps, weight_decay=wd if k in DECAYED else 0.0) for k in PARAMS}
            P = dict(P0)
            for t in range(steps + 1):
                H, f = forward(P, xs)
                r = f - ys
                if t in slot:
                    curves[:, i, j, slot[t], 0] = np.mean(r**2, axis=1)
                    curves[:, i, j, slot[t], 1] = np.mean((forward(P, xs_val)[1] - ys_val) ** 2, axis=1)
                if t == steps:
                    break
                d = 2.0 * r / n  # the same backpropagation as mlp_loss_and_grads, per replicate
                dZ = d[:, :, None] * P["W2"][:, None, :] * (1.0 - H**2)
                grads = {"W1": np.einsum("sn,snh->sh", xs, dZ)[:, None, :], "b1": dZ.sum(axis=1),
                         "W2": np.einsum("snh,sn->sh", H, d), "b2": d.sum(axis=1, keepdims=True)}
                P = {k: opts[k].step(P[k], grads[k]) for k in PARAMS}
            norms[:, i, j] = np.sum(P["W1"] ** 2, axis=(1, 2)) + np.sum(P["W2"] ** 2, axis=1)
    return {"val_mse": curves[..., -1, 1].copy(), "train_mse": curves[..., -1, 0].copy(),
            "weight_norm": norms, "val_curve": curves[..., 1].copy(), "train_curve": curves[..., 0].copy(),
            "steps": at, "best": np.argmin(curves[..., -1, 1], axis=2), "lrs": lrs, "weight_decays": wds,
            "seeds": np.array(seeds)}
