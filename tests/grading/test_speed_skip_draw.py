"""The widgets' skip-draw flag (issue 18, "grading at scale"): while the grading sandbox runs
a cell the trusted source declares skip-render, :class:`l2reg.widgets.FigureDemo` builds its
demo (controls, readout, artists, every name) but does not draw or encode its first frame,
which nobody sees. The next frame drawn is the one a demo built normally shows.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from submission_kit import ROOT  # noqa: E402

import l2reg.widgets.core as core  # noqa: E402
from l2reg.widgets import lambda_fit_demo  # noqa: E402

needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")


@pytest.fixture
def skipping(monkeypatch):
    monkeypatch.setattr(core, "_skip_draw", True)
    return core


def _pixels(demo):
    from PIL import Image
    import io

    return np.asarray(Image.open(io.BytesIO(demo.image.value)).convert("RGBA"), dtype=int)


def test_a_demo_built_under_the_flag_is_not_drawn(skipping):
    demo = lambda_fit_demo(lam=1e-3)
    assert demo.renders == 0 and demo.full_draws == 0 and demo.image.value == b""
    normal_readout = None
    skipping._skip_draw = False
    normal = lambda_fit_demo(lam=1e-3)
    normal_readout = normal.readout.value
    assert demo.readout.value == normal_readout != ""  # the demo's numbers are computed all the same
    assert demo.values() == normal.values()
    # the first drawing lays the figure out; until then its layout engine is kept
    assert demo.fig.get_layout_engine() is not None and normal.fig.get_layout_engine() is not None
    assert type(demo.fig.get_layout_engine()).__name__ == "ConstrainedLayoutEngine"
    assert type(normal.fig.get_layout_engine()).__name__ == "PlaceHolderLayoutEngine"


def test_the_next_frame_is_the_one_a_normal_demo_shows(skipping):
    demo = lambda_fit_demo(lam=1e-3)
    skipping._skip_draw = False
    demo.set(lam=1.0)
    normal = lambda_fit_demo(lam=1e-3)
    normal.set(lam=1.0)
    assert demo.renders == 1 and demo.full_draws == 1
    assert demo.readout.value == normal.readout.value
    a, b = _pixels(demo), _pixels(normal)
    assert a.shape == b.shape
    assert np.abs(a - b).max() <= 1  # a full draw against a blitted frame (core.py's own bound)
    # and from then on the demo blits as usual, with its layout kept
    demo.set(lam=10.0)
    assert demo.full_draws == 1 and demo.renders == 2
    assert type(demo.fig.get_layout_engine()).__name__ == "PlaceHolderLayoutEngine"


def test_refresh_draws_again_once_the_flag_is_cleared(skipping):
    demo = lambda_fit_demo(lam=1e-3)
    demo.refresh()
    assert demo.renders == 0
    skipping._skip_draw = False
    demo.refresh()
    assert demo.renders == 1 and len(demo.image.value) > 1000


@needs_bwrap
def test_the_sandbox_sets_the_flag_only_for_skip_render_cells():
    """In the sandbox: a skip-render cell builds the demo without drawing it (the
    ``skip_widget_draw`` switch on), a rendered cell draws; with the switch off the
    skip-render cell draws its first frame (and shows nothing, as before)."""
    import matplotlib

    from l2reg.grading.sandbox import Sandbox, load_limits

    probe = "print(_d.renders, len(_d.image.value) > 1000, _d.readout.value != '')"
    seen = {}
    for switch in (True, False):
        limits = load_limits(ROOT, skip_widget_draw=switch)
        with Sandbox(limits, matplotlib.get_cachedir()) as sb:
            assert sb.run_cell("%matplotlib inline\nfrom l2reg import widgets").status == "ok"
            quiet = sb.run_cell("_d = widgets.lambda_fit_demo(lam=1e-3)\n_d", "c1", None, render=False)
            after_quiet = sb.run_cell(probe)
            drawn = sb.run_cell("_d = widgets.lambda_fit_demo(lam=1e-3)\n_d", "c2")
            after_drawn = sb.run_cell(probe)
        assert quiet.status == drawn.status == "ok"
        assert [o["output_type"] for o in quiet.outputs] == []
        assert any("image/png" in o.get("data", {}) for o in drawn.outputs)
        seen[switch] = (after_quiet.outputs[0]["text"], after_drawn.outputs[0]["text"])
    assert seen[True] == ("0 False True\n", "1 True True\n")
    assert seen[False] == ("1 True True\n", "1 True True\n")
