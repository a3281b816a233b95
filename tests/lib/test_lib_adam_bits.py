"""Adam's arithmetic, bit for bit: the trajectories of Adam, AdamW and the network's batched
training are compared with ones stored (as SHA-256 digests of their float64 bytes) before
the three Adam kernels became one. Any change in the order of operations changes a digest.

To record new digests after a deliberate change of arithmetic, run this file as a script:
``python tests/lib/test_lib_adam_bits.py`` rewrites ``fixtures/adam_bits.json``.
"""

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from l2reg import Adam, AdamW
from l2reg.network import adam_decay_race, decay_grid, train_mlp

STORED = Path(__file__).with_name("fixtures") / "adam_bits.json"
# train_mlp multiplies through BLAS (``@``), whose kernels OpenBLAS chooses by CPU: its bits,
# recorded on one machine, differ in the last places on another CPU (an AMD EPYC gave other
# digests with the same code). Its values are stored too, recorded with the one kernel on that
# EPYC: where the digest differs, they must agree to 1e-12 relative (the optimizer trajectories
# and the einsum-based decay grid do not go through BLAS and are compared bit for bit everywhere).
STORED_VALUES = Path(__file__).with_name("fixtures") / "adam_bits_mlp_values.json"

SETTINGS = {
    "default": dict(lr=1e-3),
    "decay": dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
    "low-beta1": dict(lr=0.1, betas=(0.3, 0.9), eps=1e-8, weight_decay=1.0),  # lerp's other branch
    "zero-betas": dict(lr=0.01, betas=(0.0, 0.0), eps=1e-8, weight_decay=0.01),
    "eps-zero": dict(lr=0.02, betas=(0.9, 0.999), eps=0.0, weight_decay=0.0),  # 0 / 0 coordinates
    "eps-zero-decay": dict(lr=0.02, betas=(0.5, 0.999), eps=0.0, weight_decay=0.05),
}
SHAPES = {"0d": (), "1": (1,), "7": (7,), "3x4": (3, 4), "20001": (20001,)}  # 20001: 3 blocks
STEPS = 25


def digest(*arrays):
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a, dtype=np.float64)
        h.update(str(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _grads(shape, seed):
    rng = np.random.default_rng(seed)
    w0 = rng.normal(size=shape)
    g = rng.normal(size=(STEPS, *shape)) * rng.choice([1e-3, 1.0, 1e3], size=shape)
    if len(shape) == 1 and shape[0] > 2:
        g[:, 1] = 0.0  # a coordinate whose gradient is always exactly zero
    return w0, g


def optimizer_cases():
    for cls in (Adam, AdamW):
        for sname, settings in SETTINGS.items():
            for shname, shape in SHAPES.items():
                yield f"{cls.__name__}-{sname}-{shname}", cls, settings, shape


def compute_optimizer(cls, settings, shape):
    w0, grads = _grads(shape, seed=len(shape) * 7 + sum(shape))
    opt = cls(**settings)
    w, steps = w0, []
    for t, g in enumerate(grads):
        if t % 5 == 4 and np.ndim(w) == 2:
            w = np.asfortranarray(w)  # a non-contiguous-in-C input now and then
        w = opt.step(w, g)
        steps.append(w)
    stepped = digest(np.array(steps), opt.exp_avg, opt.exp_avg_sq, opt.denominator())
    traj = cls(**settings).trajectory(w0, grads)
    return stepped, digest(traj)


def _data():
    x = np.linspace(-1.0, 1.0, 15)
    xv = np.linspace(-0.9, 0.9, 11)
    return x, np.sin(3 * x), xv, np.sin(3 * xv)


def _train(kind):
    return train_mlp(*_data(), kind=kind, lr=0.02, weight_decay=0.3, steps=40, n_hidden=5)


def compute_network():
    out = {}
    for kind in ("adam", "adamw"):
        run = _train(kind)
        out[f"train_mlp-{kind}"] = digest(run["history"], *(run["params"][k] for k in sorted(run["params"])))
        grid = decay_grid(*_data(), [0.01, 0.05], [0.0, 0.3, 3.0], kind=kind, steps=40, n_hidden=5)
        out[f"decay_grid-{kind}"] = digest(grid["val_mse"], grid["train_mse"])
    race = adam_decay_race(0.01, 0.1, steps=60)
    out["adam_decay_race"] = digest(race["adam"], race["adamw"], race["denominator"], race["adam_decay"])
    return out


def network_values():
    """train_mlp's history and parameters for the cases of :func:`compute_network`."""
    out = {}
    for kind in ("adam", "adamw"):
        run = _train(kind)
        out[f"train_mlp-{kind}"] = {"history": np.asarray(run["history"], float).tolist(),
                                    **{k: np.asarray(run["params"][k], float).tolist() for k in sorted(run["params"])}}
    return out


def compute_all():
    out = {}
    for name, cls, settings, shape in optimizer_cases():
        out[f"{name}-step"], out[f"{name}-trajectory"] = compute_optimizer(cls, settings, shape)
    out.update(compute_network())
    return out


@pytest.fixture(scope="module")
def stored():
    return json.loads(STORED.read_text())


@pytest.mark.parametrize(("name", "cls", "settings", "shape"),
                         [pytest.param(*c, id=c[0]) for c in optimizer_cases()])
def test_optimizer_trajectory_is_bit_identical_to_the_stored_one(stored, name, cls, settings, shape):
    stepped, traj = compute_optimizer(cls, settings, shape)
    assert stepped == stored[f"{name}-step"]
    assert traj == stored[f"{name}-trajectory"]


def test_network_training_is_bit_identical_to_the_stored_one(stored):
    got = compute_network()
    blas = {k for k in got if k.startswith("train_mlp-")}
    assert {k: v for k, v in got.items() if k not in blas} == {k: stored[k] for k in got if k not in blas}
    differ = {k for k in blas if got[k] != stored[k]}
    if differ:  # another CPU's BLAS kernels: the values recorded, to round-off
        recorded = json.loads(STORED_VALUES.read_text())
        values = network_values()
        for k in sorted(differ):
            for part, want in recorded[k].items():
                np.testing.assert_allclose(values[k][part], want, rtol=1e-12, atol=0, err_msg=f"{k}: {part}")


def test_the_stored_digests_cover_every_case(stored):
    assert set(stored) == set(compute_all())


if __name__ == "__main__":  # pragma: no cover - records the digests
    STORED.write_text(json.dumps(compute_all(), indent=1, sort_keys=True) + "\n")
    STORED_VALUES.write_text(json.dumps(network_values(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {STORED} and {STORED_VALUES}")
