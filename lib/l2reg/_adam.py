"""Adam's elementwise step in PyTorch's order of operations: the one kernel behind
:class:`l2reg.Adam`, :class:`l2reg.AdamW` and the network's batched training.

Private. :func:`adam_kernel` mirrors ``torch.optim.adam._single_tensor_adam``
(``foreach=False``) operation by operation, on arrays of any shape whose moments it
updates in place; the hyper-parameters may be arrays that broadcast against them (one
learning rate per network of a batch). :func:`adam_blocked` runs it over a large array
in cache-sized blocks, with the same result to the last bit.

Examples
--------
>>> import numpy as np
>>> from l2reg._adam import adam_blocked, bias_corrections
>>> w, g = np.array([1.0, 1.0]), np.array([1000.0, -0.001])
>>> m, s = np.zeros(2), np.zeros(2)
>>> bc1, bc2_sqrt = bias_corrections(0.9, 0.999, 1)
>>> new = adam_blocked(w, g, m, s, lr=0.01, weight_decay=0.0, decoupled=False,
...                    beta1=0.9, beta2=0.999, eps=1e-8, step_size=0.01 / bc1, bc2_sqrt=bc2_sqrt)
>>> (new - w).round(6).tolist()           # the first step moves by about lr
[-0.01, 0.01]
"""

from __future__ import annotations

import numpy as np

BLOCK = 8192  # entries per block of the elementwise step: 64 KiB, cache-sized


def bias_corrections(beta1, beta2, step):
    """``(1 - beta1**t, sqrt(1 - beta2**t))`` for step ``t``, as torch computes them.

    Parameters
    ----------
    beta1, beta2 : float
    step : int
        The step number ``t >= 1`` (torch keeps it as a float tensor).

    Returns
    -------
    tuple of float

    Examples
    --------
    >>> bias_corrections(0.5, 0.75, 1)
    (0.5, 0.5)
    """
    step = float(step)
    return 1 - beta1**step, (1 - beta2**step) ** 0.5


def adam_kernel(w, grad, m, s, out, work, work2, *, lr, weight_decay, decoupled, beta1, beta2,
                eps, step_size, bc2_sqrt):
    """One Adam step: ``m`` and ``s`` updated in place, the new parameters written to ``out``.

    ``w``, ``grad``, ``m``, ``s``, ``out``, ``work`` and ``work2`` have one shape; ``w`` and
    ``grad`` are only read; ``work`` and ``work2`` are scratch. ``lr``, ``weight_decay`` and
    ``step_size`` (``lr / (1 - beta1**t)``) are numbers or arrays broadcasting against ``w``.
    Each in-place operation below computes exactly the plain expression in its comment.

    Parameters
    ----------
    w, grad, m, s, out, work, work2 : ndarray
    lr, weight_decay, step_size : float or ndarray
    decoupled : bool
        AdamW's ``w * (1 - lr * weight_decay)`` (True) or Adam's ``grad + weight_decay * w``.
    beta1, beta2, eps, bc2_sqrt : float

    Returns
    -------
    ndarray
        ``out``.

    Examples
    --------
    >>> import numpy as np
    >>> w, z = np.array([2.0]), np.zeros(1)
    >>> m, s, out = np.zeros(1), np.zeros(1), np.empty(1)
    >>> adam_kernel(w, z, m, s, out, np.empty(1), np.empty(1), lr=0.1, weight_decay=0.5,
    ...             decoupled=True, beta1=0.9, beta2=0.999, eps=1e-8, step_size=1.0,
    ...             bc2_sqrt=1.0).tolist()   # only the decay acts: 2 * (1 - 0.1 * 0.5)
    [1.9]
    """
    if np.any(weight_decay != 0):
        if decoupled:
            np.multiply(w, 1 - lr * weight_decay, out=out)  # param.mul_(1 - lr * weight_decay)
            w = out
        else:
            # grad = grad + wd * w   (grad.add(param, alpha=weight_decay))
            g = np.multiply(w, weight_decay, out=out)
            grad = np.add(grad, g, out=g)
    # exp_avg.lerp_(grad, 1 - beta1): ATen's lerp picks its formula by the weight.
    weight = 1 - beta1
    diff = np.subtract(grad, m, out=work)  # grad - m
    if abs(weight) < 0.5:
        diff *= weight
        m += diff  # m + weight * (grad - m)
    else:
        diff *= 1 - weight
        np.subtract(grad, diff, out=m)  # grad - (grad - m) * (1 - weight)
    # exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2):
    # s * beta2 + ((1 - beta2) * grad) * grad
    s *= beta2
    sq = np.multiply(grad, 1 - beta2, out=work)
    sq *= grad
    s += sq
    # denom = sqrt(s) / bias_correction2_sqrt + eps
    denom = np.sqrt(s, out=work)
    denom /= bc2_sqrt
    denom += eps
    # param.addcdiv_(exp_avg, denom, value=-step_size): w + (-step_size * m) / denom;
    # 0 / 0 (only when eps == 0 and every gradient of a coordinate was 0) is a zero
    # step, not NaN.
    step = np.multiply(m, -step_size, out=work2)
    if eps > 0:  # denom >= eps > 0 everywhere
        np.divide(step, denom, out=step)
    else:
        zero = denom == 0
        np.divide(step, denom, out=step, where=~zero)
        step[zero] = 0.0
    return np.add(w, step, out=out)


def adam_blocked(w, grad, m, s, *, work=None, **hyper):
    """:func:`adam_kernel` over C-ordered flat views, in blocks that stay in the CPU's cache.

    Every operation is elementwise, so processing ``BLOCK`` entries at a time (one pass over
    memory instead of one per operation) gives the same result. ``m`` and ``s`` must be
    C-contiguous arrays of the shape of ``w`` (updated in place); ``hyper`` are the scalar
    keyword arguments of :func:`adam_kernel`; ``work``, if given, is a ``(2, block)``
    scratch array reused between calls.

    Parameters
    ----------
    w, grad : array_like of one shape (0-d included)
    m, s : ndarray
    work : ndarray of shape (2, min(w.size, BLOCK)), optional
    **hyper
        ``lr``, ``weight_decay``, ``decoupled``, ``beta1``, ``beta2``, ``eps``,
        ``step_size``, ``bc2_sqrt``.

    Returns
    -------
    ndarray
        The new parameters, a new C-ordered array of the shape of ``w``.

    Raises
    ------
    ValueError
        If ``m`` or ``s`` is not a writeable C-contiguous float64 array of the shape of
        ``w``: updating a reshaped copy would lose the update.

    Examples
    --------
    >>> import numpy as np
    >>> m, s = np.zeros(()), np.zeros(())
    >>> adam_blocked(np.array(1.0), np.array(0.0), m, s, lr=0.1, weight_decay=0.0,
    ...              decoupled=False, beta1=0.9, beta2=0.999, eps=0.0, step_size=1.0,
    ...              bc2_sqrt=1.0).tolist()    # 0 / 0 is no step
    1.0
    """
    shape = np.shape(w)
    for name, state in (("m", m), ("s", s)):
        # a reshape of a non-contiguous array is a copy: the update would be lost
        if not (isinstance(state, np.ndarray) and state.shape == shape
                and state.dtype == np.float64 and state.flags.c_contiguous and state.flags.writeable):
            raise ValueError(
                f"{name}: expected a writeable C-contiguous float64 array of shape {shape} "
                f"(updated in place), received "
                + (f"{type(state).__name__}" if not isinstance(state, np.ndarray) else
                   f"shape {state.shape}, dtype {state.dtype}, "
                   f"C-contiguous {state.flags.c_contiguous}, writeable {state.flags.writeable}")
            )
    out = np.empty(shape)  # the new w, in C order
    # w and grad in C order too (a copy only if they are not C-contiguous; never written)
    flat = (np.reshape(w, -1), np.reshape(grad, -1), m.reshape(-1), s.reshape(-1), out.reshape(-1))
    size = flat[0].size
    block = min(size, BLOCK)
    if work is None or work.shape[1] != block:
        work = np.empty((2, block))
    for lo in range(0, size, block):
        hi = min(lo + block, size)
        scratch = work[:, : hi - lo]
        adam_kernel(*(a[lo:hi] for a in flat), scratch[0], scratch[1], **hyper)
    return out
