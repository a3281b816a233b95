"""The state every optimizer of :mod:`l2reg.optim` shares: step count, shape, checked steps.

Private: :class:`_Optimizer` is the base of :class:`l2reg.SGD`, :class:`l2reg.Adam` and
:class:`l2reg.AdamW`; it checks the arguments of ``step`` and ``trajectory`` once and leaves
the update itself to the subclass's ``_update``.

Examples
--------
>>> from l2reg import SGD
>>> from l2reg._optimizer import _Optimizer
>>> issubclass(SGD, _Optimizer)
True
"""

from __future__ import annotations

import numpy as np

from . import _validation as v
from ._params import Array, check_params, declare_params

_FIRST_STEP = "the first call to step() (reset() starts over)"


def _copy(arr):
    """A new float64 array copy of a state array, or None before the first step.

    (For a 0-d parameter NumPy arithmetic gives scalars; this gives 0-d arrays.)
    """
    return None if arr is None else np.array(arr, dtype=np.float64)


def _as_new_array(out):
    """``out``, a freshly computed result, as an ndarray (a 0-d array, not a NumPy scalar)."""
    return out if isinstance(out, np.ndarray) else np.array(out, dtype=np.float64)


# step's arguments; w and grad are only read, so a float64 array is not copied
_STEP_PARAMS = {"w": Array(borrow=True), "grad": Array(same_shape_as="w", borrow=True)}
# grads: (steps, *w.shape), checked against w after the conversion
_TRAJECTORY_PARAMS = {"w": Array(), "grads": Array()}


class _Optimizer:
    """The state shared by every optimizer: the step count and the shape of ``w``."""

    def __init__(self):
        self._steps = 0
        self._shape = None
        self._clear()

    def _clear(self):  # pragma: no cover - overridden
        raise NotImplementedError

    def _update(self, w, grad):  # pragma: no cover - overridden
        raise NotImplementedError

    @property
    def steps(self):
        """int: The number of steps taken since construction or :meth:`reset`."""
        return self._steps

    def reset(self):
        """Forget the state: the step count, the buffers and the shape of ``w``.

        Returns
        -------
        None

        Examples
        --------
        >>> from l2reg import SGD
        >>> opt = SGD(lr=0.1)
        >>> w = opt.step([1.0, 2.0], [0.0, 0.0])
        >>> opt.steps
        1
        >>> opt.reset()
        >>> opt.steps
        0
        >>> opt.step([1.0], [1.0]).tolist()   # any shape again
        [0.9]
        """
        self._steps = 0
        self._shape = None
        self._clear()

    @declare_params(_STEP_PARAMS)
    def step(self, w, grad):
        """Take one step from ``w`` with the gradient ``grad``.

        Parameters
        ----------
        w : array_like
            The current parameters: a non-empty array of finite numbers, of
            any shape; every call after the first must use the same shape.
        grad : array_like
            The gradient of the (data) loss at ``w``, of the same shape.

        Returns
        -------
        ndarray
            The new parameters, a new float64 array of the shape of ``w``.
            Neither ``w`` nor ``grad`` is modified.

        Raises
        ------
        TypeError
            If ``w`` or ``grad`` does not hold real numbers.
        ValueError
            If ``w`` or ``grad`` is empty or holds NaN or infinity, if ``grad``
            does not have the shape of ``w``, or if ``w`` does not have the
            shape it had in the first call to ``step``.

        Examples
        --------
        >>> from l2reg import SGD
        >>> opt = SGD(lr=0.1)
        >>> w = opt.step([1.0, 2.0], [1.0, -1.0])
        >>> w.tolist()
        [0.9, 2.1]
        >>> opt.step(w, [0.0, 0.0, 0.0])
        Traceback (most recent call last):
        ...
        ValueError: grad: expected shape (2,) to match w, got shape (3,)
        >>> opt.step([1.0, 2.0, 3.0], [0.0, 0.0, 0.0])
        Traceback (most recent call last):
        ...
        ValueError: w: expected shape (2,) to match the first call to step() (reset() starts over), got shape (3,)
        """
        values = check_params(_STEP_PARAMS, {"w": w, "grad": grad})
        w, grad = values["w"], values["grad"]
        if self._shape is not None:
            v.check_shape("w", w, self._shape, _FIRST_STEP)
        # Nothing below can fail: the state changes only for a valid call.
        self._shape = w.shape
        self._steps += 1
        return _as_new_array(self._update(w, grad))

    @declare_params(_TRAJECTORY_PARAMS)
    def trajectory(self, w, grads):
        """Take one step per row of ``grads``, which do not depend on ``w``; return every iterate.

        The same as calling :meth:`step` once per row (the result is identical
        to the last bit), with the inputs checked once instead of at every
        step, which makes long runs on small ``w`` several times faster.

        Parameters
        ----------
        w : array_like
            The starting parameters (see :meth:`step`).
        grads : array_like of shape (steps, *w.shape)
            The gradient of the (data) loss for each step, in order.

        Returns
        -------
        ndarray of shape (steps + 1, *w.shape)
            ``w`` and the parameters after each step.

        Examples
        --------
        >>> import numpy as np
        >>> from l2reg import SGD
        >>> SGD(lr=0.5).trajectory([1.0], [[1.0], [1.0]]).tolist()
        [[1.0], [0.5], [0.0]]
        """
        values = check_params(_TRAJECTORY_PARAMS, {"w": w, "grads": grads})
        w, grads = values["w"], values["grads"]
        if self._shape is not None:
            v.check_shape("w", w, self._shape, _FIRST_STEP)
        v.check_shape("grads", grads, (grads.shape[0], *w.shape) if grads.ndim else (1, *w.shape),
                      "w, one row per step")
        self._shape = w.shape
        out = np.empty((grads.shape[0] + 1, *w.shape))
        out[0] = w
        for t, grad in enumerate(grads):
            self._steps += 1
            out[t + 1] = self._update(out[t], grad)
        return out


