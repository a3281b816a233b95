"""Adam and AdamW steps: ``l2reg.optim`` against ``torch.optim`` on the CPU.

For p in {1e3, 1e6} parameters, both sides start from the same float64 ``w0`` and take T
steps with the same fixed sequence of float64 gradients (drawn once, with per-coordinate
scales 1e-2, 1 and 1e2 so Adam's normalization matters):

* l2reg: ``w = opt.step(w, g)`` (a new array each step, inputs validated, never modified);
* torch: ``param.grad = g; opt.step()`` with ``torch.optim.Adam/AdamW(..., foreach=False)``
  (the single-tensor code that l2reg mirrors), in its default number of threads.

Rows (benchmark ``optim``, case ``Adam p=1e6`` ...):

* ``trajectory vs torch``: max over steps and coordinates of |w_l2reg - w_torch| /
  max(1, max |w_torch|); goal <= 1e-12 (the tolerance of tests/lib/test_lib_optim_torch.py:
  equal to float64 round-off, see that file for why not always bit for bit);
* ``time per step vs torch``: seconds per step (a run of T steps including the creation of
  the optimizer, divided by T; best of several runs); goal at p = 1e6: ratio <= 1.5.

Raises ``Skip`` when PyTorch is not installed. Quick mode: fewer steps and repeats.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _bench  # noqa: E402

SIZES = [1_000, 1_000_000]
SETTINGS = {
    "Adam": dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1),
    "AdamW": dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1),
}
TRAJ_TOL = 1e-12


def gradients(p, steps, seed=0):
    rng = np.random.default_rng(seed)
    w0 = rng.normal(size=p)
    scales = rng.choice([1e-2, 1.0, 1e2], size=p)
    return w0, rng.normal(size=(steps, p)) * scales


def bench(name, p, steps, repeat, torch):
    import l2reg

    ours_cls = getattr(l2reg, name)
    torch_cls = getattr(torch.optim, name)
    settings = SETTINGS[name]
    w0, G = gradients(p, steps)
    Gt = [torch.from_numpy(g) for g in G]  # the same memory: no copy inside the timed loop

    def ours(record=None):
        opt = ours_cls(**settings)
        w = w0
        for g in G:
            w = opt.step(w, g)
            if record is not None:
                record.append(w)
        return w

    def theirs(record=None):
        param = torch.nn.Parameter(torch.tensor(w0, dtype=torch.float64))
        opt = torch_cls([param], foreach=False, **settings)
        for g in Gt:
            param.grad = g
            opt.step()
            if record is not None:
                record.append(param.detach().numpy().copy())
        return param

    traj_ours, traj_theirs = [], []
    ours(traj_ours)
    theirs(traj_theirs)
    worst = max(float(np.abs(a - b).max()) / max(1.0, float(np.abs(b).max()))
                for a, b in zip(traj_ours, traj_theirs))
    exact = all(np.array_equal(a, b) for a, b in zip(traj_ours, traj_theirs))

    t_ours = _bench.timeit(ours, repeat, number=1)
    t_theirs = _bench.timeit(theirs, repeat, number=1)
    per_ours, per_theirs = 1e3 * t_ours["best"] / steps, 1e3 * t_theirs["best"] / steps
    case = f"{name} p={p:.0e}".replace("e+0", "e")
    goal = p >= 1_000_000
    ratio = per_ours / per_theirs
    return [
        _bench.row("optim", case, "trajectory vs torch", worst, "rel",
                   baseline=f"torch.optim.{name}(foreach=False)", goal=f"<= {TRAJ_TOL:g}",
                   met=worst <= TRAJ_TOL,
                   note=f"{steps} steps, float64; {'bit for bit equal' if exact else 'not bit for bit equal'}"),
        _bench.row("optim", case, "time per step vs torch", per_ours, "ms",
                   baseline=f"torch.optim.{name}(foreach=False), {torch.get_num_threads()} threads",
                   baseline_value=per_theirs, goal="ratio <= 1.5" if goal else None,
                   met=(ratio <= 1.5) if goal else None,
                   note=f"best of {repeat} runs of {steps} steps (medians {1e3 * t_ours['median'] / steps:.3g} "
                        f"vs {1e3 * t_theirs['median'] / steps:.3g} ms)"),
    ]


def run(quick: bool = False) -> list[dict]:
    try:
        import torch
    except ImportError as exc:
        raise _bench.Skip(f"PyTorch is not installed ({exc})") from None
    rows = []
    for p in SIZES:
        steps = (20 if quick else 200) if p < 10**5 else (3 if quick else 20)
        repeat = 3 if quick else 9
        for name in SETTINGS:
            rows += bench(name, p, steps, repeat, torch)
    return rows


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    from run import table

    print(table(run(args.quick)))
