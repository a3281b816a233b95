"""SGD, Adam and AdamW on NumPy arrays, with PyTorch's semantics.

Each optimizer keeps its state (the step count and, for momentum and Adam, the
moment buffers) for *one* parameter array ``w``. One call
``w = opt.step(w, grad)`` is one ``torch.optim`` step on a float64 tensor: it
returns a new array and never modifies its arguments. The first call fixes the
shape of ``w``; :meth:`reset` forgets the state to start over.

The arithmetic mirrors ``torch.optim``'s single-tensor code (``foreach=False``)
operation by operation, so trajectories agree with PyTorch's to float64
round-off for the same gradients. (They are not always bit for bit equal:
PyTorch's vectorized CPU kernels use fused multiply-adds and their own square
root.)

Weight decay, in the course's notation (docs/design.md section 3), where the
penalized loss is ``L_data(w) + lam * ||w||^2``:

* coupled (L2 in the gradient, ``SGD`` and ``Adam``): ``weight_decay * w`` is
  added to the gradient, so ``weight_decay = 2 * lam``. For SGD the step is
  ``w <- w * (1 - 2 * lr * lam) - lr * dL_data/dw``.
* decoupled (``AdamW``, ``SGD(decoupled=True)``): ``w <- w * (1 - lr * weight_decay)``
  first, then the optimizer's step on the data gradient alone.

For plain SGD the two are the same update; they differ as soon as the gradient
is transformed (momentum, Adam's per-coordinate scaling).
"""

from __future__ import annotations

import numpy as np

from . import _adam
from ._optimizer import _as_new_array, _copy, _Optimizer
from ._params import Bool, Nonnegative, Pair, validate_params

__all__ = ["SGD", "Adam", "AdamW"]
_ADAM_PARAMS = {
    "lr": Nonnegative(), "betas": Pair(minimum=0.0, maximum=1.0, include_maximum=False),
    "eps": Nonnegative(), "weight_decay": Nonnegative(),
}


class SGD(_Optimizer):
    """Stochastic gradient descent with weight decay and momentum, as ``torch.optim.SGD``.

    One step with gradient ``g`` (``decoupled=False``, PyTorch's SGD with
    ``dampening=0``, ``nesterov=False``)::

        g   <- g + weight_decay * w                     # coupled L2
        buf <- g (first step), momentum * buf + g (later) # only if momentum > 0
        w   <- w - lr * buf                             # buf = g without momentum

    With ``decoupled=True`` the decay is applied to the weights first and the
    momentum buffer only sees the data gradient (as AdamW does for Adam)::

        w   <- w * (1 - lr * weight_decay)
        buf <- g (first step), momentum * buf + g (later)
        w   <- w - lr * buf

    Without momentum the two are the same update,
    ``w * (1 - lr * weight_decay) - lr * g``, and agree up to float64
    round-off; with momentum they differ (the coupled decay is accumulated in
    the buffer). In the course's notation, for ``L_data + lam * ||w||^2``,
    ``weight_decay = 2 * lam`` and the step is
    ``w <- w * (1 - 2 * lr * lam) - lr * dL_data/dw`` (see
    :func:`l2reg.decay_factor`); with ``decoupled=True`` it is computed in
    exactly that order.

    Parameters
    ----------
    lr : float
        Learning rate alpha, >= 0.
    weight_decay : float, default 0.0
        Weight decay, >= 0; ``2 * lam`` in the course's notation.
    decoupled : bool, default False
        Apply the decay to the weights (True) instead of adding it to the
        gradient (False, PyTorch's SGD).
    momentum : float, default 0.0
        Momentum factor, >= 0 (as PyTorch checks it); 0 is plain SGD.

    Attributes
    ----------
    steps : int
        Steps taken since construction or :meth:`reset`.
    momentum_buffer : ndarray or None
        A copy of the momentum buffer; None without momentum or before the
        first step.

    Raises
    ------
    TypeError
        If a hyper-parameter is not a real number, or ``decoupled`` is not a
        bool.
    ValueError
        If a hyper-parameter is negative, NaN or infinite.

    Examples
    --------
    A step of SGD with ``weight_decay = 2 * lam`` is the course's update
    ``w * (1 - 2 * lr * lam) - lr * g``:

    >>> import numpy as np
    >>> from l2reg import SGD, decay_factor
    >>> lr, lam = 0.1, 0.01
    >>> w, g = np.array([10.0, -2.0]), np.array([1.0, 0.5])
    >>> opt = SGD(lr=lr, weight_decay=2 * lam)
    >>> new = opt.step(w, g)
    >>> new.tolist()
    [9.88, -2.046]
    >>> bool(np.allclose(new, w * decay_factor(lr, lam) - lr * g, rtol=1e-15))
    True

    With momentum the buffer remembers past gradients:

    >>> opt = SGD(lr=0.1, momentum=0.9)
    >>> w = opt.step([0.0], [1.0])
    >>> w = opt.step(w, [1.0])
    >>> w.round(12).tolist(), opt.momentum_buffer.round(12).tolist()
    ([-0.29], [1.9])
    """

    @validate_params({"lr": Nonnegative(), "weight_decay": Nonnegative(), "decoupled": Bool(),
                      "momentum": Nonnegative()})
    def __init__(self, lr, weight_decay=0.0, decoupled=False, momentum=0.0):
        self._lr, self._weight_decay, self._decoupled, self._momentum = lr, weight_decay, decoupled, momentum
        super().__init__()

    def __repr__(self):
        return (
            f"SGD(lr={self._lr!r}, weight_decay={self._weight_decay!r}, "
            f"decoupled={self._decoupled!r}, momentum={self._momentum!r})"
        )

    @property
    def lr(self):
        """float: The learning rate."""
        return self._lr

    @property
    def weight_decay(self):
        """float: The weight decay (``2 * lam`` in the course's notation)."""
        return self._weight_decay

    @property
    def decoupled(self):
        """bool: Whether the decay is applied to the weights rather than the gradient."""
        return self._decoupled

    @property
    def momentum(self):
        """float: The momentum factor."""
        return self._momentum

    @property
    def momentum_buffer(self):
        """ndarray or None: A copy of the momentum buffer (None before the first step)."""
        return _copy(self._buf)

    def _clear(self):
        self._buf = None

    def _update(self, w, grad):
        lr, wd, momentum = self._lr, self._weight_decay, self._momentum
        # torch.optim.sgd._single_tensor_sgd, in the same order of operations.
        if wd != 0:
            if self._decoupled:
                w = w * (1 - lr * wd)
            else:
                grad = grad + wd * w  # grad.add(param, alpha=weight_decay)
        if momentum != 0:
            if self._buf is None:
                self._buf = grad.copy()
            else:
                self._buf = self._buf * momentum + grad  # buf.mul_(momentum).add_(grad)
            grad = self._buf
        return w + (-lr) * grad  # param.add_(grad, alpha=-lr)


class Adam(_Optimizer):
    """Adam with coupled L2 weight decay, as ``torch.optim.Adam``.

    One step with gradient ``g`` (step number ``t = 1, 2, ...``; PyTorch's
    Adam with ``amsgrad=False``, ``maximize=False``)::

        g <- g + weight_decay * w                  # L2 in the gradient (coupled)
        m <- beta1 * m + (1 - beta1) * g           # exp_avg
        s <- beta2 * s + (1 - beta2) * g * g       # exp_avg_sq
        denom = sqrt(s) / sqrt(1 - beta2**t) + eps # see denominator()
        w <- w - lr / (1 - beta1**t) * m / denom

    Because the decay term ``weight_decay * w`` goes through the moments, it
    is divided by ``denom`` like the data gradient: a coordinate with a large
    gradient history (large ``denom``) is decayed *less*. :class:`AdamW`
    decays every coordinate by the same factor instead. In the course's
    notation ``weight_decay = 2 * lam``.

    Parameters
    ----------
    lr : float, default 1e-3
        Learning rate, >= 0.
    betas : tuple of float, default (0.9, 0.999)
        Decay rates ``(beta1, beta2)`` of the two moment averages, each in
        [0, 1).
    eps : float, default 1e-8
        Added to the denominator, >= 0.
    weight_decay : float, default 0.0
        Coupled L2 weight decay, >= 0.

    Attributes
    ----------
    steps : int
        Steps taken since construction or :meth:`reset`.
    exp_avg : ndarray or None
        A copy of the first-moment average ``m`` (None before the first step).
    exp_avg_sq : ndarray or None
        A copy of the second-moment average ``s`` (None before the first step).

    Raises
    ------
    TypeError
        If a hyper-parameter is not a real number, or ``betas`` is not a pair.
    ValueError
        If ``lr``, ``eps`` or ``weight_decay`` is negative, NaN or infinite,
        or a beta is outside [0, 1).

    Notes
    -----
    With ``eps == 0`` a coordinate whose gradients have all been exactly zero
    has ``m = 0`` and ``denom = 0``; PyTorch returns NaN there, this class
    leaves the coordinate unchanged. Everywhere else the two agree.

    Examples
    --------
    The first step moves each coordinate by about ``lr``, whatever the size of
    its gradient:

    >>> import numpy as np
    >>> from l2reg import Adam
    >>> opt = Adam(lr=0.01)
    >>> w = opt.step([1.0, 1.0, 1.0], [1000.0, -0.001, 0.0])
    >>> (w - 1.0).round(6).tolist()
    [-0.01, 0.01, 0.0]
    >>> opt.steps, opt.exp_avg.round(12).tolist()
    (1, [100.0, -0.0001, 0.0])
    """

    _decoupled = False

    @validate_params(_ADAM_PARAMS)
    def __init__(self, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        self._lr, self._betas, self._eps, self._weight_decay = lr, betas, eps, weight_decay
        super().__init__()

    def __repr__(self):
        return (
            f"{type(self).__name__}(lr={self._lr!r}, betas={self._betas!r}, "
            f"eps={self._eps!r}, weight_decay={self._weight_decay!r})"
        )

    @property
    def lr(self):
        """float: The learning rate."""
        return self._lr

    @property
    def betas(self):
        """tuple of float: ``(beta1, beta2)``."""
        return self._betas

    @property
    def eps(self):
        """float: The term added to the denominator."""
        return self._eps

    @property
    def weight_decay(self):
        """float: The weight decay."""
        return self._weight_decay

    @property
    def exp_avg(self):
        """ndarray or None: A copy of the first-moment average (None before the first step)."""
        return _copy(self._exp_avg)

    @property
    def exp_avg_sq(self):
        """ndarray or None: A copy of the second-moment average (None before the first step)."""
        return _copy(self._exp_avg_sq)

    def _clear(self):
        self._exp_avg = None
        self._exp_avg_sq = None
        self._work = None  # two scratch blocks, reused by every step

    def _bias_corrections(self):
        """``(1 - beta1**t, sqrt(1 - beta2**t))`` for the current step ``t``, as torch."""
        return _adam.bias_corrections(*self._betas, self._steps)

    def _denominator(self, bias_correction2_sqrt):
        return np.sqrt(self._exp_avg_sq) / bias_correction2_sqrt + self._eps

    def denominator(self):
        """The current per-coordinate denominator ``sqrt(s_hat) + eps`` of Adam's step.

        ``sqrt(exp_avg_sq) / sqrt(1 - beta2**t) + eps`` after ``t = steps``
        steps, computed as PyTorch computes it. The last step moved ``w`` by
        ``-lr / (1 - beta1**t) * exp_avg / denominator()`` (after AdamW's
        decay). With :class:`Adam`'s coupled L2 the decay term
        ``weight_decay * w`` is part of the gradient and so is divided by this
        denominator: coordinates with a large denominator are decayed less.
        With :class:`AdamW` the decay ``w * (1 - lr * weight_decay)`` does not
        depend on it.

        Returns
        -------
        ndarray or None
            A new array of the shape of ``w``; None before the first step.

        Examples
        --------
        >>> import numpy as np
        >>> from l2reg import Adam
        >>> opt = Adam(lr=0.1, eps=0.0)
        >>> opt.denominator() is None
        True
        >>> w = opt.step([0.0, 0.0], [3.0, -0.5])
        >>> opt.denominator().round(12).tolist()   # |g| after one step
        [3.0, 0.5]
        """
        if self._exp_avg_sq is None:
            return None
        return _as_new_array(self._denominator(self._bias_corrections()[1]))

    def _update(self, w, grad):
        # The moments are this object's own C-ordered arrays, updated in place; the work
        # arrays are reused, so a step allocates only the new w (see l2reg._adam).
        if self._exp_avg is None:
            self._exp_avg = np.zeros(np.shape(w))
            self._exp_avg_sq = np.zeros(np.shape(w))
        block = min(self._exp_avg.size, _adam.BLOCK)
        if self._work is None or self._work.shape[1] != block:
            self._work = np.empty((2, block))
        bias_correction1, bias_correction2_sqrt = self._bias_corrections()
        beta1, beta2 = self._betas
        return _adam.adam_blocked(
            w, grad, self._exp_avg, self._exp_avg_sq, work=self._work, lr=self._lr,
            weight_decay=self._weight_decay, decoupled=self._decoupled, beta1=beta1, beta2=beta2,
            eps=self._eps, step_size=self._lr / bias_correction1, bc2_sqrt=bias_correction2_sqrt)


class AdamW(Adam):
    """Adam with decoupled weight decay, as ``torch.optim.AdamW``.

    One step first shrinks the weights, then takes :class:`Adam`'s step on
    the data gradient alone::

        w <- w * (1 - lr * weight_decay)           # the same factor for every coordinate
        (Adam's step with g, without weight decay)

    Unlike Adam's coupled L2, the decay is not divided by Adam's
    per-coordinate :meth:`denominator`: every coordinate is decayed by the same
    factor, whatever its gradient history. The factor is the course's
    ``1 - 2 * lr * lam`` for ``weight_decay = 2 * lam``, but the rest of the step
    is Adam's normalized one, so AdamW does not in general minimize
    ``L_data + lam * ||w||^2``.

    Parameters
    ----------
    lr : float, default 1e-3
        Learning rate, >= 0.
    betas : tuple of float, default (0.9, 0.999)
        Decay rates ``(beta1, beta2)`` of the two moment averages, each in
        [0, 1).
    eps : float, default 1e-8
        Added to the denominator, >= 0.
    weight_decay : float, default 1e-2
        Decoupled weight decay, >= 0: the weights are multiplied by
        ``1 - lr * weight_decay`` at every step.

    Attributes
    ----------
    steps : int
        Steps taken since construction or :meth:`reset`.
    exp_avg : ndarray or None
        A copy of the first-moment average (None before the first step).
    exp_avg_sq : ndarray or None
        A copy of the second-moment average (None before the first step).

    Raises
    ------
    TypeError
        If a hyper-parameter is not a real number, or ``betas`` is not a pair.
    ValueError
        If ``lr``, ``eps`` or ``weight_decay`` is negative, NaN or infinite,
        or a beta is outside [0, 1).

    Examples
    --------
    With a zero gradient only the decay acts: ``w * (1 - lr * weight_decay)``.

    >>> from l2reg import Adam, AdamW
    >>> opt = AdamW(lr=0.1, weight_decay=0.5)
    >>> opt.step([2.0, -4.0], [0.0, 0.0]).tolist()
    [1.9, -3.8]

    Adam's coupled decay is instead normalized, like a gradient, to a step of
    about ``lr``:

    >>> Adam(lr=0.1, weight_decay=0.5).step([2.0, -4.0], [0.0, 0.0]).round(6).tolist()
    [1.9, -3.9]
    """

    _decoupled = True

    @validate_params(_ADAM_PARAMS)
    def __init__(self, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        # the arguments are checked above: call Adam's undecorated __init__ so that they are
        # not checked twice (functools.wraps keeps it as __wrapped__)
        Adam.__init__.__wrapped__(self, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
