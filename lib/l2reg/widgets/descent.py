"""Lesson 02, 03 and 07 demos: gradient descent on a ridge loss, one weight under decay, Adam + L2 against AdamW."""

from __future__ import annotations

import numpy as np

from .. import _validation as v
from ..demos import decay_regime, decay_trajectory, format_factor, gradient_descent_path, hessian_eigenvalues, loss_ellipses, loss_surface
from ..plotting import COLORS, legend_outside, new_figure, plain_log_labels
from ..ridge import ridge_fit
from .core import FigureDemo, log_slider

__all__ = ["gradient_descent_demo", "weight_decay_demo", "adamw_demo", "STEP_CHOICES", "LR_EXPS", "WD_EXPS"]


def gradient_descent_demo(X, y, *, lam=0.0, lr=0.3, steps=60):
    """Drag lambda and the learning rate; watch gradient descent on a two-weight ridge loss.

    Left: contours of the ridge loss (no intercept; pass centred data), the exact
    minimizer and the first ``steps`` iterates from the origin. Middle: the same
    around the minimizer, ``w_t - w*`` magnified 8 times, where the zig-zag of the
    late steps across a narrow valley shows. Right: the distance of each iterate
    to the minimizer, on a log scale; a run that diverges stops where it overflows.

    Parameters
    ----------
    X : array_like of shape (n, 2)
        Centred features.
    y : array_like of shape (n,)
        Centred targets.
    lam, lr : float
        Initial penalty and learning rate.
    steps : int
        Iterations shown.

    Returns
    -------
    FigureDemo

    Examples
    --------
    >>> from l2reg.data import collinear_data
    >>> from l2reg.widgets import gradient_descent_demo
    >>> X, y = collinear_data(50, spread=0.3)
    >>> demo = gradient_descent_demo(X - X.mean(0), y - y.mean())
    >>> before = demo.image.value
    >>> demo.set(lam=1.0)
    >>> demo.image.value != before
    True
    """
    X, y = v.as_two_feature_data(X, y)
    lam = v.as_nonnegative("lam", lam)
    lr = v.as_nonnegative("lr", lr)
    steps = v.as_int("steps", steps, minimum=1)
    w_ls = ridge_fit(X, y, 0.0, fit_intercept=False)[0]
    half = max(1.5, 1.3 * float(np.abs(w_ls).max()))
    grid = np.linspace(-half, half, 121)
    zoom = half / 8.0
    fig, (ax_c, ax_z, ax_d) = new_figure(3, width=4.3, height=4.0)
    from matplotlib.collections import LineCollection

    contours = LineCollection([], cmap="viridis", linewidths=0.8, zorder=1)
    ax_c.add_collection(contours, autolim=False)
    near = LineCollection([], cmap="viridis", linewidths=0.8, zorder=1)
    ax_z.add_collection(near, autolim=False)
    state = {"lam": None}
    (path_line,) = ax_c.plot([], [], "-o", ms=1.8, lw=0.7, color=COLORS["vermillion"],
                          label="gradient descent")  # thin: a zig-zag across a narrow valley stays readable
    (opt_dot,) = ax_c.plot([], [], "*", ms=13, mfc="none", mew=1.5, color=COLORS["black"], label="minimizer")
    ax_c.set_xlim(-half, half)
    ax_c.set_ylim(-half, half)
    ax_c.set_xlabel("w1")
    ax_c.set_ylabel("w2")
    ax_c.set_title("Ridge loss and gradient descent from the origin", fontsize=10)
    (near_path,) = ax_z.plot([], [], "-o", ms=2.2, lw=0.8, color=COLORS["vermillion"])
    (near_opt,) = ax_z.plot([0.0], [0.0], "*", ms=13, mfc="none", mew=1.5, color=COLORS["black"])
    ax_z.set_xlim(-zoom, zoom)
    ax_z.set_ylim(-zoom, zoom)
    ax_z.set_aspect("equal")
    ax_z.set_xlabel("w1 - w1*")
    ax_z.set_ylabel("w2 - w2*")
    ax_z.set_title("Around the minimizer (8x)", fontsize=10)
    (dist_line,) = ax_d.semilogy([], [], color=COLORS["blue"], lw=2, label="||w_t - w*||")
    (rate_line,) = ax_d.semilogy([], [], color=COLORS["orange"], ls="--", lw=1.5, label="predicted rate")
    ax_d.set_xlim(0, steps)
    ax_d.set_ylim(1e-8, 1e3)
    plain_log_labels(ax_d)
    ax_d.set_xlabel("step t")
    ax_d.set_ylabel("distance to the minimizer (log scale)")
    ax_d.set_title("Distance to the minimizer per step", fontsize=10)

    # One legend below both panels: the path and the distance curves go anywhere in their panels.
    fig.legend(handles=[path_line, opt_dot, dist_line, rate_line], loc="outside lower center", ncol=4, fontsize=9)

    def draw(lam, lr):
        w_star = ridge_fit(X, y, lam, fit_intercept=False)[0]
        if lam != state["lam"]:  # the contours depend on lambda only: computed once per lambda
            # Levels spread over the loss values in view, drawn as exact ellipses.
            levels = np.unique(np.quantile(loss_surface(X, y, lam, grid, grid), np.linspace(0.0, 0.9, 16) ** 2))
            ellipses = loss_ellipses(X, y, lam, levels)
            # Around the minimizer: the lower levels, whose ellipses are small, densely.
            low = np.unique(np.quantile(loss_surface(X, y, lam, grid, grid), np.linspace(0.0, 0.3, 16) ** 2))
            state.update(lam=lam, levels=levels, segments=list(ellipses), low=low,
                         near=list(loss_ellipses(X, y, lam, low) - w_star))
        for lines, segments, levels in ((contours, state["segments"], state["levels"]),
                                        (near, state["near"], state["low"])):
            lines.set_segments(segments)
            lines.set_array(levels)
            lines.set_clim(levels[0], levels[-1])
        path = gradient_descent_path(X, y, lam, lr, steps)
        path_line.set_data(path[:, 0], path[:, 1])
        opt_dot.set_data([w_star[0]], [w_star[1]])
        near_path.set_data(path[:, 0] - w_star[0], path[:, 1] - w_star[1])
        eig = hessian_eigenvalues(X, lam)
        rate = float(np.max(np.abs(1.0 - lr * eig)))
        t = np.arange(steps + 1)
        dist = np.linalg.norm(path - w_star, axis=1)
        dist_line.set_data(t, dist)
        rate_line.set_data(t, dist[0] * rate**t)
        verdict = "converges" if rate < 1 else "diverges"
        # Three decimals, except within 1e-3 of 1, where they would print a converging 0.9999 as 1.000.
        shown = format_factor(rate) if abs(1.0 - rate) < 1e-3 else f"{rate:.3f}"
        return (f"lambda = {lam:.2g}, learning rate = {lr:.2g}: {verdict}; error factor per step "
                f"max|1 - lr mu| = {shown}; learning-rate limit 2/mu_max = {2 / eig[-1]:.3f}")

    controls = {
        "lam": log_slider(max(lam, 1e-4), min_exp=-4, max_exp=1, description="lambda"),
        "lr": log_slider(lr, min_exp=-3, max_exp=0.5, description="learning rate"),
    }
    return FigureDemo(fig, draw, controls, animated=[contours, opt_dot, path_line, near, near_opt, near_path, dist_line, rate_line])


#: The step counts ``weight_decay_demo`` can show. Changing the range is a new view of
#: the run, redrawn in full, so it is a set of buttons rather than a slider.
STEP_CHOICES = (30, 100, 300, 500, 1000, 2000)
#: The top of the weight-decay demo's symmetric log axis: a run beyond it is off the plot.
SYMLOG_TOP = 1e6


def weight_decay_demo(*, lam=0.1, lr=0.01, steps=500, w0=2.0, target=1.0):
    """Drag lambda and the learning rate; watch one weight decay over the steps.

    Each step multiplies the weight by ``1 - 2 lr lam``. Two runs are drawn:
    pure decay (no data loss) and decay against the data loss
    ``(w - target)**2``, which settles where the two pulls balance,
    ``target / (1 + lam)``, when its factor ``1 - 2 lr (1 + lam)`` lies in
    ``(-1, 1)``. A run that leaves the window switches the axis to a symmetric
    log scale up to ``SYMLOG_TOP`` and stops where it leaves that. The readout
    describes both runs (factor, regime, last value).

    Parameters
    ----------
    lam, lr : float
        Initial penalty and learning rate.
    steps : int
        Initial number of steps shown, one of ``STEP_CHOICES`` (buttons switch between them).
    w0 : float
        Starting weight.
    target : float
        Minimizer of the data loss alone.

    Returns
    -------
    FigureDemo

    Examples
    --------
    >>> from l2reg.widgets import weight_decay_demo
    >>> demo = weight_decay_demo(lam=0.1, lr=0.01)
    >>> before = demo.image.value
    >>> demo.set(lam=1.0)
    >>> demo.image.value != before
    True
    """
    import ipywidgets as W

    lam = v.as_nonnegative("lam", lam)
    lr = v.as_nonnegative("lr", lr)
    steps = v.check_choice("steps", v.as_int("steps", steps), STEP_CHOICES)
    w0 = v.as_scalar("w0", w0)
    target = v.as_scalar("target", target)
    t = np.arange(steps + 1)
    span = 1.3 * max(abs(w0), abs(target))
    fig, ax = new_figure(width=7.8, height=4.2)
    # The data run lies below and wide, pure decay over it and thin (z-orders), the balance line on top: where
    # the data run swings every step its zig-zag fills a band that would hide a line below it, and where the
    # two runs coincide the thin line leaves the wide dashes visible on both sides.
    (pure,) = ax.plot(t, np.zeros_like(t, dtype=float), color=COLORS["blue"], lw=1.5, label="pure decay", zorder=2.2)
    (data,) = ax.plot(t, np.zeros_like(t, dtype=float), color=COLORS["orange"], ls="--", lw=3,
                      label=f"decay against\ndata loss (w - {target:g})^2", zorder=2.1)
    balance = ax.axhline(0.0, color=COLORS["green"], ls=":", lw=1.5, label="balance point\ntarget / (1 + lambda)",
                         zorder=2.3)
    ax.axhline(0.0, color="0.6", lw=0.8)
    ax.set_xlabel("step t")
    ax.set_title("One weight under weight decay")
    legend_outside(ax)

    def frame(log):
        """Linear within +-span; a growing run gets a fixed symmetric log axis up to 1e6 instead."""
        if log:
            ax.set_yscale("symlog", linthresh=1.0)
            ax.set_ylim(-SYMLOG_TOP, SYMLOG_TOP)
            ax.set_yticks([-1e6, -1e3, -1.0, 0.0, 1.0, 1e3, 1e6])
            ax.set_ylabel("weight w (symmetric log scale)")
        else:
            ax.set_yscale("linear")
            ax.set_ylim(-span, span)
            ax.set_ylabel("weight w")

    # Lay the figure out once in its widest state (log ticks), so that no state cuts off a label.
    frame(True)
    fig.draw_without_rendering()
    fig.set_layout_engine("none")

    def draw(lam, lr, steps):
        f = 1.0 - 2.0 * lr * lam
        g = 1.0 - 2.0 * lr * (1.0 + lam)  # the data run's gap to the balance point shrinks by g per step
        t = np.arange(steps + 1)
        pure_w = decay_trajectory(w0, lr, lam, steps)
        data_w = decay_trajectory(w0, lr, lam, steps, target=target)
        pure.set_data(t, _until_off(pure_w))
        data.set_data(t, _until_off(data_w))
        b = target / (1.0 + lam)
        balance.set_ydata([b, b])
        ax.set_xlim(0, steps)
        both = np.concatenate([pure_w, data_w])
        biggest = float(np.max(np.abs(both))) if np.all(np.isfinite(both)) else np.inf
        frame(biggest > span)

        def run(name, factor, w, toward=None):
            end = w[-1]
            size = ("overflows" if not np.isfinite(end) else f"is still {end:.6g}" if abs(end - w0) < 1e-3 * abs(w0)
                    else f"is {end:.3g}")
            if toward is None and np.isfinite(end) and abs(end) < 1e-300 and w0 != 0:
                # Below 1e-300 floats lose digits (5e-324 is the smallest, and a weight can stick
                # there): say the size the factor gives, and what the plot shows, a line on zero.
                size = ("is exactly 0" if factor == 0 else
                        f"is about 1e{np.log10(abs(w0)) + steps * np.log10(abs(factor)):.0f}")
            off = " (off the plot)" if not np.isfinite(end) or abs(end) > (SYMLOG_TOP if biggest > span else span) else ""
            tiny = ": on the zero line (too small for a float)" if size.startswith("is about 1e") else ""
            return (f"{name}: factor {format_factor(factor)}, {decay_regime(factor, toward=toward)}; "
                    f"w {size} at step {steps}{tiny}{off}")

        return (f"lambda = {lam:.3g}, lr = {lr:.3g}. " + run("Pure decay", f, pure_w) + ". "
                + run("Against the data", g, data_w, toward=f"{b:.3g}"))

    controls = {
        "lam": log_slider(lam, min_exp=-3, max_exp=2, description="lambda"),
        "lr": log_slider(lr, min_exp=-4, max_exp=0, description="learning rate"),
        "steps": W.ToggleButtons(options=list(STEP_CHOICES), value=steps, description="steps shown",
                                 style={"description_width": "initial", "button_width": "4.5em"}),
    }
    return FigureDemo(fig, draw, controls, animated=[pure, data, balance])


def _until_off(w):
    """``w`` for drawing: a run that leaves the symmetric log axis stops at its edge (NaN after)."""
    out = np.array(w, dtype=float)
    off = np.flatnonzero(~(np.abs(out) <= SYMLOG_TOP))
    if off.size:
        k = off[0]
        out[k] = np.copysign(1.5 * SYMLOG_TOP, out[k]) if not np.isnan(out[k]) else np.nan
        out[k + 1:] = np.nan
    return out


#: The base-10 exponents the learning-rate and weight-decay sliders of ``adamw_demo`` span.
LR_EXPS, WD_EXPS = (-4, -1), (-3, 1)


def adamw_demo(*, lr=0.01, weight_decay=0.1, steps=300, scales=(10.0, 0.1)):
    """Drag the weight decay and the learning rate; watch two weights under Adam + L2 and AdamW.

    Both weights start at 1 and get pure-noise gradients, one ``scales[0]``
    times the noise, the other ``scales[1]`` times the same noise, so only the
    decay pulls them to 0. Left: Adam with coupled L2 (``torch.optim.Adam``'s
    ``weight_decay``), which decays the large-gradient weight far less. Right:
    AdamW, where both follow one trajectory. The numbers come from
    :func:`l2reg.network.adam_decay_race`.

    Parameters
    ----------
    lr, weight_decay : float
        Initial learning rate and weight decay.
    steps : int
        Steps shown.
    scales : tuple of float
        Gradient size of the two weights.

    Returns
    -------
    FigureDemo

    Examples
    --------
    >>> from l2reg.widgets import adamw_demo
    >>> demo = adamw_demo(lr=0.01, weight_decay=0.1)
    >>> before = demo.image.value
    >>> demo.set(weight_decay=1.0)
    >>> demo.image.value != before
    True
    """
    from ..network import adam_decay_race

    lr = v.as_nonnegative("lr", lr)
    weight_decay = v.as_nonnegative("weight_decay", weight_decay)
    steps = v.as_int("steps", steps, minimum=1)
    scales = v.as_vector("scales", scales, length=2)
    v.check_positive_entries("scales", scales)
    t = np.arange(steps + 1)
    # One frame for every setting: the trajectories' extent over the largest learning rate
    # on the slider (the widest runs) and a few weight decays, padded.
    lr_max = 10.0**LR_EXPS[1]
    runs = [adam_decay_race(rate, wd, steps, scales=scales)
            for rate in (lr, lr_max) for wd in np.logspace(WD_EXPS[0], WD_EXPS[1], 5)]
    both = np.concatenate([np.concatenate([r["adam"], r["adamw"]]).ravel() for r in runs])
    top, bottom = 1.1 * max(1.0, float(both.max())), 1.1 * min(-0.1, float(both.min()))
    fig, axes = new_figure(2, width=4.8, height=3.8)
    lines = {}
    for ax, kind, name in zip(axes, ("adam", "adamw"), ("Adam + L2 (coupled)", "AdamW (decoupled)")):
        lines[kind] = [
            ax.plot(t, np.ones_like(t, dtype=float), color=COLORS["blue"], lw=2,
                    label=f"weight with gradients x {scales[0]:g}")[0],
            ax.plot(t, np.ones_like(t, dtype=float), color=COLORS["orange"], ls="--", lw=2,
                    label=f"weight with gradients x {scales[1]:g}")[0],
        ]
        ax.axhline(0.0, color="0.6", lw=0.8)
        ax.set_xlim(0, steps)
        ax.set_ylim(bottom, top)
        ax.set_xlabel("step t")
        ax.set_ylabel("weight w")
        ax.set_title(name, fontsize=10)
    # One legend for both panels, below them: outside the data at every setting.
    fig.legend(handles=lines["adam"], loc="outside lower center", ncol=2, fontsize=9)

    def draw(lr, weight_decay):
        r = adam_decay_race(lr, weight_decay, steps, scales=scales)
        for kind in ("adam", "adamw"):
            for k, line in enumerate(lines[kind]):
                line.set_ydata(r[kind][:, k])
        a, b = r["adam_decay"]
        text = (f"learning rate {lr:.1e}, weight decay {weight_decay:.1e}. Decay per step: "
                f"Adam + L2 {a:.1e} (gradients x {scales[0]:g}) vs {b:.1e} (x {scales[1]:g}); "
                f"AdamW lr * wd = {r['adamw_decay']:.1e} for both")
        if abs(lr * weight_decay - 1.0) < 1e-9:  # the sliders' far corner, lr 0.1 and wd 10
            text += (": each AdamW step multiplies the weights by 1 - lr * wd = 0, zeroing them, so each"
                     f" is only that step's Adam move (at most about lr = {lr:.2g} in size) and keeps nothing of where it was")
        elif lr * weight_decay > 1.0:
            text += (f": each AdamW step multiplies the weights by 1 - lr * wd = {1 - lr * weight_decay:.2g},"
                     " a negative factor: they flip sign every step")
        return text

    controls = {
        "lr": log_slider(lr, min_exp=LR_EXPS[0], max_exp=LR_EXPS[1], description="learning rate"),
        "weight_decay": log_slider(weight_decay, min_exp=WD_EXPS[0], max_exp=WD_EXPS[1], description="weight decay"),
    }
    return FigureDemo(fig, draw, controls, animated=lines["adam"] + lines["adamw"])
