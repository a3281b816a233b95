"""A small NumPy network trained with Adam + L2 or AdamW, and the two-weight decay race.

Lesson 7 compares Adam with coupled L2 weight decay (``torch.optim.Adam``'s
``weight_decay``) and AdamW's decoupled decay. This module holds the pure
computations behind it:

* a one-hidden-layer tanh network on one input, with manual backpropagation
  (:func:`init_mlp`, :func:`mlp_predict`, :func:`mlp_loss_and_grads`);
* full-batch training with :class:`l2reg.Adam` or :class:`l2reg.AdamW`, the
  biases in their own parameter group without weight decay (:func:`train_mlp`),
  and a grid of learning rates and weight decays (:func:`decay_grid`), also over
  several data sets and starts (:func:`decay_grid_seeds`, from
  :mod:`l2reg.network_grid`);
* :func:`adam_decay_race`, the numbers behind :func:`l2reg.widgets.adamw_demo`:
  two weights with pure-noise gradients of very different sizes, under Adam + L2
  and under AdamW.

Everything is deterministic: a seed fixes the initial weights and the noise.
"""

from __future__ import annotations

import numpy as np

from . import _validation as v
from ._adam import adam_kernel, bias_corrections
from ._params import (
    Checked,
    Choice,
    Int,
    Nonnegative,
    Pair,
    Real,
    Vector,
    validate_params,
)
from .optim import Adam, AdamW

__all__ = ["KINDS", "init_mlp", "mlp_predict", "mlp_loss_and_grads", "train_mlp", "decay_grid", "decay_grid_seeds", "adam_decay_race"]

#: The two ways of decaying: Adam with coupled L2 (``"adam"``) and AdamW (``"adamw"``).
KINDS = ("adam", "adamw")
#: The parameter arrays of the network, in order; weights are decayed, biases are not.
PARAMS = ("W1", "b1", "W2", "b2")
DECAYED = ("W1", "W2")
_BETAS = Pair(minimum=0.0, maximum=1.0, include_maximum=False)


def _check_params(name, params):
    """The network's parameter dict, checked: the four arrays of :data:`PARAMS`, as new float64 arrays."""
    v.check_keys(name, params, PARAMS)
    W1 = v.as_array(f"{name}['W1']", params["W1"], ndim=2)
    h = W1.shape[1]
    v.check_shape(f"{name}['W1']", W1, (1, h), "a network with one input")
    other = f"the columns of {name}['W1']"
    b1 = v.as_vector(f"{name}['b1']", params["b1"], length=h, other=other)
    W2 = v.as_vector(f"{name}['W2']", params["W2"], length=h, other=other)
    b2 = v.as_vector(f"{name}['b2']", params["b2"], length=1)
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}


# x and y of one data set, and of the validation set
_XY = {"x": Vector(), "y": Vector(length_of=("x", 0), other="the length of x")}
_XY_VAL = {"x_val": Vector(), "y_val": Vector(length_of=("x_val", 0), other="the length of x_val")}
_PARAMS = {"params": Checked(_check_params, kind="mlp-params")}


@validate_params({"n_hidden": Int(minimum=1), "seed": Int(minimum=0), "scale": Nonnegative()})
def init_mlp(n_hidden=32, *, seed=0, scale=2.0):
    """Initial parameters of a network ``x -> tanh(x W1 + b1) W2 + b2`` with one input.

    Parameters
    ----------
    n_hidden : int, default 32
        Hidden units, >= 1.
    seed : int, default 0
        Seed of the random generator.
    scale : float, default 2.0
        Standard deviation of the input weights ``W1`` (the biases ``b1`` are
        uniform on ``[-scale, scale]``, so the units bend at different ``x``);
        the output weights ``W2`` have standard deviation ``1 / sqrt(n_hidden)``
        and ``b2`` starts at 0.

    Returns
    -------
    dict of str to ndarray
        ``"W1"`` of shape (1, n_hidden), ``"b1"`` (n_hidden,), ``"W2"``
        (n_hidden,) and ``"b2"`` of shape (1,).

    Raises
    ------
    TypeError, ValueError
        If ``n_hidden`` is not a positive integer, ``seed`` not a non-negative
        integer, or ``scale`` is negative or not finite.

    Examples
    --------
    >>> from l2reg.network import init_mlp
    >>> p = init_mlp(4, seed=1)
    >>> {k: a.shape for k, a in p.items()}
    {'W1': (1, 4), 'b1': (4,), 'W2': (4,), 'b2': (1,)}
    >>> bool((init_mlp(4, seed=1)["W1"] == p["W1"]).all())
    True
    """
    rng = np.random.default_rng(seed)
    return {
        "W1": scale * rng.standard_normal((1, n_hidden)),
        "b1": rng.uniform(-scale, scale, size=n_hidden),
        "W2": rng.standard_normal(n_hidden) / np.sqrt(n_hidden),
        "b2": np.zeros(1),
    }


def _forward(p, x):
    H = np.tanh(x[:, None] * p["W1"][0] + p["b1"])
    return H, H @ p["W2"] + p["b2"][0]


@validate_params({**_PARAMS, "x": Vector()})
def mlp_predict(params, x):
    """The network's outputs ``tanh(x W1 + b1) W2 + b2`` for inputs ``x``.

    Parameters
    ----------
    params : dict of str to array_like
        As from :func:`init_mlp`.
    x : array_like of shape (n,)
        Inputs.

    Returns
    -------
    ndarray of shape (n,)

    Raises
    ------
    TypeError, ValueError
        If ``params`` lacks a key or has wrong shapes, or ``x`` is not a
        non-empty vector of finite numbers.

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg.network import mlp_predict
    >>> p = {"W1": np.array([[1.0, -1.0]]), "b1": np.zeros(2), "W2": np.array([1.0, 1.0]), "b2": np.array([0.5])}
    >>> mlp_predict(p, [0.0, 2.0]).tolist()   # tanh is odd: the two units cancel
    [0.5, 0.5]
    """
    return _forward(params, x)[1]


def _loss_and_grads(p, x, y):
    H, f = _forward(p, x)
    r = f - y
    d = 2.0 * r / len(y)  # dL/df for the mean squared error
    dZ = np.outer(d, p["W2"]) * (1.0 - H**2)
    grads = {"W1": (x @ dZ)[None, :], "b1": dZ.sum(axis=0), "W2": H.T @ d, "b2": np.array([d.sum()])}
    return float(np.mean(r**2)), grads


@validate_params({**_PARAMS, **_XY})
def mlp_loss_and_grads(params, x, y):
    """The mean squared error of the network on ``(x, y)`` and its gradient (backpropagation).

    This is the *data* loss only: weight decay is the optimizer's business.

    Parameters
    ----------
    params : dict of str to array_like
        As from :func:`init_mlp`.
    x, y : array_like of shape (n,)
        Inputs and targets.

    Returns
    -------
    loss : float
        ``mean((mlp_predict(params, x) - y)**2)``.
    grads : dict of str to ndarray
        The gradient with respect to each parameter array, of its shape.

    Raises
    ------
    TypeError, ValueError
        If ``params`` is malformed, or ``x`` and ``y`` are not vectors of
        finite numbers of the same length.

    Examples
    --------
    >>> import numpy as np
    >>> from l2reg import numerical_gradient
    >>> from l2reg.network import init_mlp, mlp_loss_and_grads
    >>> p, x, y = init_mlp(3, seed=0), np.array([-0.5, 0.1, 0.7]), np.array([1.0, 0.0, -1.0])
    >>> loss, g = mlp_loss_and_grads(p, x, y)
    >>> def loss_of_w2(w2):
    ...     return mlp_loss_and_grads({**p, "W2": w2}, x, y)[0]
    >>> bool(np.allclose(g["W2"], numerical_gradient(loss_of_w2, p["W2"]), rtol=1e-6))
    True
    """
    return _loss_and_grads(params, x, y)


def _optimizers(kind, lr, weight_decay, betas, eps):
    cls = Adam if kind == "adam" else AdamW
    # Two parameter groups, as in PyTorch: weights decayed, biases not.
    return {k: cls(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay if k in DECAYED else 0.0)
            for k in PARAMS}


@validate_params({
    **_XY, **_XY_VAL, "kind": Choice(*KINDS), "lr": Nonnegative(), "weight_decay": Nonnegative(),
    "steps": Int(minimum=0), "n_hidden": Int(minimum=1), "seed": Int(minimum=0), "betas": _BETAS, "eps": Nonnegative(),
})
def train_mlp(x, y, x_val, y_val, *, kind, lr, weight_decay, steps=600, n_hidden=32, seed=0,
              betas=(0.9, 0.999), eps=1e-8):
    """Train the network full batch with Adam + L2 or AdamW; report its errors.

    Each parameter array has its own optimizer. The weights ``W1`` and ``W2``
    get ``weight_decay``, the biases ``b1`` and ``b2`` none (the two parameter
    groups one sets up in PyTorch). With ``kind="adam"`` the decay is coupled,
    ``weight_decay * w`` added to the gradient as in ``torch.optim.Adam``
    (``weight_decay = 2 * lam`` for ``L_data + lam * ||w||^2``); with
    ``kind="adamw"`` it is ``torch.optim.AdamW``'s ``w * (1 - lr * weight_decay)``.

    Parameters
    ----------
    x, y : array_like of shape (n,)
        Training inputs and targets.
    x_val, y_val : array_like of shape (m,)
        Validation inputs and targets (never trained on).
    kind : {"adam", "adamw"}
        The optimizer.
    lr : float
        Learning rate, >= 0.
    weight_decay : float
        Weight decay of ``W1`` and ``W2``, >= 0.
    steps : int, default 600
        Full-batch steps, >= 0.
    n_hidden : int, default 32
        Hidden units.
    seed : int, default 0
        Seed of the initial weights (:func:`init_mlp`).
    betas : tuple of float, default (0.9, 0.999)
    eps : float, default 1e-8
        As in :class:`l2reg.Adam`.

    Returns
    -------
    dict
        ``"params"`` (the trained parameters), ``"train_mse"`` and ``"val_mse"``
        (floats, after the last step), ``"weight_norm"`` (``||W1||^2 + ||W2||^2``,
        the decayed part), ``"history"`` (array of shape (steps + 1, 2): training
        and validation error before the first and after each step), ``"optimizers"``
        (each parameter's :class:`l2reg.Adam` or :class:`l2reg.AdamW` after the last
        step, with its moment estimates ``exp_avg`` and ``exp_avg_sq``).

    Raises
    ------
    TypeError, ValueError
        If an input is not as described (the message names it).

    Examples
    --------
    >>> from l2reg.data import noisy_curve
    >>> from l2reg.network import train_mlp
    >>> (x, y), (xv, yv) = noisy_curve(20, seed=0), noisy_curve(50, seed=1)
    >>> run = train_mlp(x, y, xv, yv, kind="adamw", lr=0.01, weight_decay=0.1, steps=50)
    >>> run["history"].shape, bool(run["train_mse"] < run["history"][0, 0])
    ((51, 2), True)
    >>> run["optimizers"]["W1"].steps
    50
    """
    p = init_mlp(n_hidden, seed=seed)
    opts = _optimizers(kind, lr, weight_decay, betas, eps)
    history = np.empty((steps + 1, 2))
    for t in range(steps + 1):
        loss, grads = _loss_and_grads(p, x, y)
        history[t] = loss, float(np.mean((_forward(p, x_val)[1] - y_val) ** 2))
        if t < steps:
            p = {k: opts[k].step(p[k], grads[k]) for k in PARAMS}
    return {
        "params": p,
        "train_mse": float(history[-1, 0]),
        "val_mse": float(history[-1, 1]),
        "weight_norm": float(np.sum(p["W1"] ** 2) + np.sum(p["W2"] ** 2)),
        "history": history,
        "optimizers": opts,
    }


@validate_params({
    **_XY, **_XY_VAL, "lrs": Vector(nonnegative=True), "weight_decays": Vector(nonnegative=True),
    "kind": Choice(*KINDS), "steps": Int(minimum=0), "n_hidden": Int(minimum=1), "seed": Int(minimum=0),
})
def decay_grid(x, y, x_val, y_val, lrs, weight_decays, *, kind, steps=600, n_hidden=32, seed=0):
    """Validation error of :func:`train_mlp` for every learning rate and weight decay.

    Parameters
    ----------
    x, y, x_val, y_val : array_like
        As in :func:`train_mlp`.
    lrs : array_like of shape (a,)
        Learning rates, >= 0.
    weight_decays : array_like of shape (b,)
        Weight decays, >= 0.
    kind : {"adam", "adamw"}
    steps, n_hidden, seed : int
        As in :func:`train_mlp` (the same initial weights for every cell).

    Returns
    -------
    dict
        ``"val_mse"`` and ``"train_mse"``, arrays of shape (a, b) (row ``i`` is
        ``lrs[i]``, column ``j`` is ``weight_decays[j]``); ``"best"``, an int
        array of shape (a,): for each learning rate the column of the lowest
        validation error; ``"lrs"`` and ``"weight_decays"``.

    Raises
    ------
    TypeError, ValueError
        If an input is not as described.

    Examples
    --------
    >>> from l2reg.data import noisy_curve
    >>> from l2reg.network import decay_grid
    >>> (x, y), (xv, yv) = noisy_curve(20, seed=0), noisy_curve(50, seed=1)
    >>> g = decay_grid(x, y, xv, yv, [0.01, 0.03], [0.0, 0.1, 1.0], kind="adam", steps=20)
    >>> g["val_mse"].shape, g["best"].shape
    ((2, 3), (2,))
    """
    wds = weight_decays
    LR, WD = np.meshgrid(lrs, wds, indexing="ij")
    train, val = _train_batch(x, y, x_val, y_val, LR.ravel(), WD.ravel(), kind, steps,
                              init_mlp(n_hidden, seed=seed))
    val = val.reshape(LR.shape)
    return {"val_mse": val, "train_mse": train.reshape(LR.shape), "best": np.argmin(val, axis=1),
            "lrs": lrs, "weight_decays": wds}


def _batch_forward(P, x):
    """Outputs of ``G`` networks at once: ``P`` holds arrays with a leading axis of length G."""
    H = np.tanh(x[None, :, None] * P["W1"][:, None, :] + P["b1"][:, None, :])
    return H, np.einsum("gnh,gh->gn", H, P["W2"]) + P["b2"][:, None]


def _train_batch(x, y, x_val, y_val, lrs, wds, kind, steps, p0, betas=(0.9, 0.999), eps=1e-8):
    """Train one network per pair ``(lrs[g], wds[g])`` from ``p0``, all at once.

    The same arithmetic as :class:`l2reg.Adam` and :class:`l2reg.AdamW` (their
    kernel, :func:`l2reg._adam.adam_kernel`), vectorized over the G configurations, so
    that a grid takes the time of a few single runs. :func:`train_mlp`, which
    uses the optimizer classes themselves, is the reference it is tested against.
    """
    G = len(lrs)
    beta1, beta2 = betas
    P = {"W1": np.repeat(p0["W1"], G, axis=0), "b1": np.tile(p0["b1"], (G, 1)),
         "W2": np.tile(p0["W2"], (G, 1)), "b2": np.repeat(p0["b2"], G)}
    lr = {k: lrs.reshape((G,) + (1,) * (P[k].ndim - 1)) for k in PARAMS}
    wd = {k: (wds if k in DECAYED else np.zeros(G)).reshape(lr[k].shape) for k in PARAMS}
    m = {k: np.zeros_like(a) for k, a in P.items()}
    s = {k: np.zeros_like(a) for k, a in P.items()}
    work = {k: np.empty((2, *a.shape)) for k, a in P.items()}
    n = len(y)
    for t in range(1, steps + 1):
        H, f = _batch_forward(P, x)
        d = 2.0 * (f - y) / n
        dZ = d[:, :, None] * P["W2"][:, None, :] * (1.0 - H**2)
        grads = {"W1": np.einsum("n,gnh->gh", x, dZ), "b1": dZ.sum(axis=1),
                 "W2": np.einsum("gnh,gn->gh", H, d), "b2": d.sum(axis=1)}
        bc1, bc2_sqrt = bias_corrections(beta1, beta2, t)
        for k in PARAMS:
            out = np.empty_like(P[k])
            P[k] = adam_kernel(P[k], grads[k], m[k], s[k], out, work[k][0], work[k][1], lr=lr[k],
                               weight_decay=wd[k], decoupled=kind == "adamw", beta1=beta1,
                               beta2=beta2, eps=eps, step_size=lr[k] / bc1, bc2_sqrt=bc2_sqrt)
    train = np.mean((_batch_forward(P, x)[1] - y) ** 2, axis=1)
    val = np.mean((_batch_forward(P, x_val)[1] - y_val) ** 2, axis=1)
    return train, val


@validate_params({
    "lr": Nonnegative(), "weight_decay": Nonnegative(), "steps": Int(minimum=1), "scales": Vector(positive=True),
    "w0": Real(), "seed": Int(minimum=0), "betas": _BETAS, "eps": Nonnegative(),
})
def adam_decay_race(lr, weight_decay, steps=300, *, scales=(10.0, 0.1), w0=1.0, seed=0,
                    betas=(0.9, 0.999), eps=1e-8):
    """Two weights whose gradients are pure noise of different sizes, under Adam + L2 and AdamW.

    The data gradient of weight ``i`` at step ``t`` is ``scales[i] * z_t``, with
    the *same* standard normal noise ``z_t`` for both weights (the data do not
    care about either weight on average; only weight decay pulls them to 0).
    Adam's step is invariant to the scale of a gradient, so under AdamW the two
    weights follow the same trajectory (up to ``eps``). Under Adam with coupled
    L2 the decay term ``weight_decay * w`` is divided by Adam's denominator,
    which is large for the large-gradient weight: that weight is hardly decayed.

    Parameters
    ----------
    lr : float
        Learning rate, >= 0.
    weight_decay : float
        Weight decay, >= 0: coupled for Adam (``2 * lam``), decoupled for AdamW.
    steps : int, default 300
        Steps, >= 1.
    scales : tuple of float, default (10.0, 0.1)
        Gradient size of each weight, > 0.
    w0 : float, default 1.0
        Starting value of every weight.
    seed : int, default 0
        Seed of the noise.
    betas : tuple of float, default (0.9, 0.999)
    eps : float, default 1e-8
        As in :class:`l2reg.Adam`.

    Returns
    -------
    dict
        ``"t"``: steps ``0..steps``; ``"adam"`` and ``"adamw"``: arrays of shape
        ``(steps + 1, len(scales))``, the weights after each step;
        ``"denominator"``: Adam + L2's :meth:`~l2reg.Adam.denominator` after the
        last step; ``"adam_decay"``: ``lr * weight_decay / denominator``, the
        effective per-step decay of each weight under Adam + L2 at the end;
        ``"adamw_decay"``: ``lr * weight_decay``, AdamW's, the same for all.

    Raises
    ------
    TypeError, ValueError
        If an input is not as described.

    Examples
    --------
    >>> from l2reg.network import adam_decay_race
    >>> r = adam_decay_race(0.01, 0.1, steps=200)
    >>> r["adam"].shape, round(r["adamw_decay"], 6)
    ((201, 2), 0.001)
    >>> bool(abs(r["adamw"][-1, 0] - r["adamw"][-1, 1]) < 1e-6)   # AdamW: the same for both
    True
    >>> bool(r["adam_decay"][1] > 50 * r["adam_decay"][0])        # Adam + L2: not at all
    True
    """
    z = np.random.default_rng(seed).standard_normal(steps)
    adam = Adam(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
    adamw = AdamW(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
    grads = scales * z[:, None]  # row t: the gradient of step t + 1
    start = np.full(len(scales), w0)
    out = {"adam": adam.trajectory(start, grads), "adamw": adamw.trajectory(start, grads)}
    denom = adam.denominator()
    return {"t": np.arange(steps + 1), **out, "denominator": denom,
            "adam_decay": lr * weight_decay / denom, "adamw_decay": lr * weight_decay}


# The lesson 7 grid over several replicates lives in its own module (this one stays under
# 500 lines) and is re-exported here, where the lessons import it from. network_grid imports
# this module's names, so the re-export is resolved on first access (PEP 562), which works
# whichever of the two modules is imported first.
def __getattr__(name):
    if name == "decay_grid_seeds":
        from .network_grid import decay_grid_seeds

        return decay_grid_seeds
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
