"""``import l2reg``: how long it takes, and that it does not import matplotlib.

Each measurement runs in a fresh interpreter (``sys.executable``), repeated, and reports
the median:

* ``import time``: ``time.perf_counter()`` around ``import l2reg`` inside the process;
  baseline ``import numpy`` measured the same way (l2reg's only numeric dependency, and
  most of its import time); goal <= 0.15 s;
* ``process wall time``: the whole ``python -c "import l2reg"`` from outside; baseline the
  bare interpreter start ``python -c pass``;
* ``matplotlib modules loaded``: the number of ``matplotlib`` modules in ``sys.modules``
  after ``import l2reg``; goal 0 (plotting and widgets import it only when used). The note
  names any other heavy package (ipywidgets, sklearn, scipy, torch, pandas) found loaded.

The interpreters read compiled bytecode, as an installed package's users do: they run with
``PYTHONPYCACHEPREFIX`` set to a temporary folder (and without ``PYTHONDONTWRITEBYTECODE``),
which a first, untimed import fills. Quick mode: fewer repetitions.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _bench  # noqa: E402

GOAL_SECONDS = 0.15
HEAVY = ("ipywidgets", "sklearn", "scipy", "torch", "pandas")

_INSIDE = """
import json, sys, time
t0 = time.perf_counter()
import {module}
t = time.perf_counter() - t0
heavy = sorted({{name.split(".")[0] for name in sys.modules}} & set({heavy!r}))
print(json.dumps({{"seconds": t, "matplotlib": sum(1 for m in sys.modules if m == "matplotlib"
                   or m.startswith("matplotlib.")), "heavy": heavy}}))
"""


_ENV = None


def _inside(module):
    out = subprocess.run([sys.executable, "-c", _INSIDE.format(module=module, heavy=HEAVY)],
                         capture_output=True, text=True, check=True, env=_ENV)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _wall(code):
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, env=_ENV)
    return time.perf_counter() - t0


def run(quick: bool = False) -> list[dict]:
    global _ENV
    with tempfile.TemporaryDirectory(prefix="l2reg-bench-pycache-") as cache:
        _ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        _ENV["PYTHONPYCACHEPREFIX"] = cache
        try:
            return _measure(quick)
        finally:
            _ENV = None


def _measure(quick):
    n = 5 if quick else 21
    _inside("l2reg"), _inside("numpy"), _wall("pass")  # fill the bytecode and file system caches
    l2reg_runs, numpy_runs, wall_l2reg, wall_bare = [], [], [], []
    for _ in range(n):  # interleaved, so a change of machine load hits both sides alike
        l2reg_runs.append(_inside("l2reg"))
        numpy_runs.append(_inside("numpy"))
        wall_l2reg.append(_wall("import l2reg"))
        wall_bare.append(_wall("pass"))
    t_l2reg = statistics.median(r["seconds"] for r in l2reg_runs)
    t_numpy = statistics.median(r["seconds"] for r in numpy_runs)
    mpl = max(r["matplotlib"] for r in l2reg_runs)
    heavy = sorted({h for r in l2reg_runs for h in r["heavy"]})
    case = "import l2reg"
    return [
        _bench.row("import", case, "import time", t_l2reg, "s", baseline="import numpy",
                   baseline_value=t_numpy, goal=f"<= {GOAL_SECONDS} s", met=t_l2reg <= GOAL_SECONDS,
                   note=f"median of {n} fresh interpreters (best {min(r['seconds'] for r in l2reg_runs):.3g} s); "
                        f"l2reg's own share {t_l2reg - t_numpy:.3g} s"),
        _bench.row("import", case, "process wall time", statistics.median(wall_l2reg), "s",
                   baseline="python -c pass (bare interpreter start)",
                   baseline_value=statistics.median(wall_bare), note=f"median of {n}"),
        _bench.row("import", case, "matplotlib modules loaded", mpl, "modules", goal="== 0", met=mpl == 0,
                   note=f"other heavy packages loaded: {', '.join(heavy) if heavy else 'none'}"),
    ]


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    from run import table

    print(table(run(args.quick)))
