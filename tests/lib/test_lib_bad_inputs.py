"""Every public function and optimizer rejects bad input with a message naming the
parameter, what was expected and what was received. The bad inputs are generated from the
parameter constraints each function declares next to itself (``func.parameter_constraints``,
see ``l2reg._params``), as scikit-learn generates its invalid parameters from its
``validate_params`` declarations: one table of bad values per kind of constraint, tried on
every declared parameter of every function, so a function added with a declaration is
covered without a new table, and one without a declaration fails
``test_every_public_callable_declares_every_parameter``.
"""

import inspect
import re

import l2reg
import l2reg.data
import l2reg.demos
import l2reg.network
import l2reg.practice
import numpy as np
import pytest
from l2reg import SGD, Adam, AdamW
from l2reg import _params as P
from l2reg._validation import describe

N, NCOLS = 4, 3
T, V = TypeError, ValueError


def good_args(func_name=None):
    """Valid arguments, by parameter name (fresh arrays each time), with ``func_name``'s own
    (:data:`OVERRIDES`) where a name means something else there."""
    rng = np.random.default_rng(0)
    args = {
        "w": rng.normal(size=NCOLS), "X": rng.normal(size=(N, NCOLS)), "y": rng.normal(size=N),
        "lam": 0.1, "b": 0.5, "lams": np.array([0.0, 0.1, 1.0]), "f": lambda u: float(u @ u),
        "eps": 1e-6, "lr": 0.01, "fit_intercept": True, "per_example": False, "k": 2,
        "sigma": 0.5, "tau": 2.0, "n": 10, "weight_decay": 0.1, "decoupled": False,
        "momentum": 0.5, "betas": (0.9, 0.999), "grad": np.ones(NCOLS), "grads": np.ones((2, NCOLS)),
        "x": np.linspace(-1.0, 1.0, 5), "degree": 3, "seed": 0, "noise": 0.25, "spread": 0.05,
        "p": 5, "mean": None, "std": None, "w_star": (3.5, 2.1), "corr": 0.6, "scale": (1.0, 0.7),
        # l2reg.practice
        "C": 1.0, "max_iter": 50, "tol": 1e-8, "groups": np.array([0, 0, 1]), "t": 0.1, "squared": False,
        "w0": np.zeros(NCOLS), "steps": 5, "X_train": rng.normal(size=(N, NCOLS)), "y_train": rng.normal(size=N),
        "X_val": rng.normal(size=(N + 1, NCOLS)), "y_val": rng.normal(size=N + 1), "decay": 0.1, "step": 2,
        "repeats": 1, "min_seconds": 1e-4,
        # l2reg.network (x above, y below)
        "x_val": np.linspace(-1.0, 1.0, N + 1), "kind": "adam",  # y_val: above
        "n_hidden": 4, "lrs": np.array([0.0, 0.01]), "weight_decays": np.array([0.0, 0.1]),
        "scales": np.array([10.0, 0.1]), "every": 2, "seeds": [0, 1],
        "xs": rng.normal(size=(2, 5)), "ys": rng.normal(size=(2, 5)), "xs_val": rng.normal(size=(2, 6)),
        "ys_val": rng.normal(size=(2, 6)), "params": l2reg.network.init_mlp(4, seed=1),
        # l2reg.demos
        "target": 2.0, "factor": 0.5, "toward": "0.91", "l1": 0.1, "l2": 0.05, "max_sweeps": 100,
        "l1s": np.array([0.0, 0.1]), "l2_ratio": 0.5, "radius": 1.0, "norm": "l2", "levels": np.array([1.0, 2.0]),
        "points": 7, "w1": np.linspace(-1.0, 1.0, 3), "w2": np.linspace(0.0, 2.0, 4), "n_train": 8, "n_test": 20,
        "grid_points": 10, "n_sims": 3, "n_keep": 2, "grid": np.linspace(-2.0, 2.0, 9),
    }
    args.update({name: make() for name, make in OVERRIDES.get(func_name, {}).items()})
    return args


# arguments that mean something else in one function (factories: fresh arrays each time)
OVERRIDES = {
    "practice.logistic_fit": {"y": lambda: np.array([0.0, 1.0, 0.0, 1.0])},
    "practice.logistic_path": {"y": lambda: np.array([0.0, 1.0, 0.0, 1.0]), "lams": lambda: np.array([0.1, 1.0])},
    "practice.best_time": {"f": lambda: (lambda: None)},
    **{f"network.{name}": {"y": lambda: np.linspace(1.0, 0.0, 5)}
       for name in ("mlp_loss_and_grads", "train_mlp", "decay_grid")},
    "network.init_mlp": {"scale": lambda: 2.0},
    **{f"demos.{name}": {"X": lambda: np.random.default_rng(1).normal(size=(N, 2)), "w": lambda: np.array([0.5, -1.0])}
       for name in ("loss_surface", "constrained_minimizer", "loss_ellipses", "loss_contour")},
    **{f"demos.{name}": {"kind": lambda: "elastic net"} for name in ("penalty_value", "penalized_solution",
                                                                      "penalty_boundary")},
    "demos.decay_trajectory": {"w0": lambda: 1.0},
    "demos.format_factor": {"f": lambda: 0.99999},
    "demos.one_weight_densities": {"y": lambda: np.linspace(1.0, -1.0, 5)},
    "network.adam_decay_race": {"w0": lambda: 1.0},
}


# the optimizers whose step() is tried, each configured as a user would
STEPPERS = {
    "SGD": lambda: SGD(0.1, weight_decay=0.1, momentum=0.9),
    "SGD-decoupled": lambda: SGD(0.1, weight_decay=0.1, decoupled=True),
    "Adam": lambda: Adam(0.1, weight_decay=0.1),
    "AdamW": lambda: AdamW(0.1),
}


class Stepper:
    """``opt.step`` of a new optimizer, as a callable the table can be applied to."""

    def __init__(self, make):
        self.opt = make()
        self.parameter_constraints = type(self.opt).step.parameter_constraints
        self.__signature__ = inspect.signature(self.opt.step)

    def __call__(self, w, grad):
        return self.opt.step(w, grad)


class Trajectory(Stepper):
    """``opt.trajectory`` of a new optimizer, as a callable the table can be applied to."""

    def __init__(self, make):
        self.opt = make()
        self.parameter_constraints = type(self.opt).trajectory.parameter_constraints
        self.__signature__ = inspect.signature(self.opt.trajectory)

    def __call__(self, w, grads):
        return self.opt.trajectory(w, grads)


class Method:
    """A public method of a new object (``make()``), as a callable the table can be applied to."""

    def __init__(self, make, name):
        self.obj = make()
        self.method = getattr(self.obj, name)
        self.parameter_constraints = self.method.parameter_constraints
        self.__signature__ = inspect.signature(self.method)

    def __call__(self, **kwargs):
        return self.method(**kwargs)


def _polynomial_ridge():
    return l2reg.demos.PolynomialRidge.make(8, degree=3, n_test=20, grid_points=10)


def _lambda_sweep():
    a = good_args()
    return l2reg.demos.LambdaSweep.make(a["X_train"], a["y_train"], a["X_val"], a["y_val"], a["lams"])


def _early_stopping():
    a = good_args()
    return l2reg.practice.EarlyStopping.make(a["X_train"], a["y_train"], a["X_val"], a["y_val"], steps=5, decay=0.1)


# objects whose methods are tried, by the name of their class in a module's __all__
METHODS = {
    "practice.EarlyStopping": {"state": _early_stopping},
    "demos.PolynomialRidge": {name: _polynomial_ridge for name in ("features", "fit", "state", "sweep")},
    "demos.LambdaSweep": {"state": _lambda_sweep},
}
# classes built by a classmethod ``make`` rather than by calling them
FACTORIES = {"practice.EarlyStopping", "demos.PolynomialRidge", "demos.LambdaSweep"}


def _module_callables(prefix, module):
    out = {}
    for name in module.__all__:
        obj = getattr(module, name)
        key = f"{prefix}.{name}"
        if key in FACTORIES:
            out[f"{key}.make"] = obj.make
        elif inspect.isfunction(obj) or inspect.isclass(obj):
            out[key] = obj
        for method, make in METHODS.get(key, {}).items():
            out[f"{key}.{method}"] = Method(make, method)
    return out


def public_callables():
    """Every public function and optimizer class of the package and of its public modules
    (``data``, ``practice``), the optimizers' step, and the public methods of the demos' objects."""
    out = {name: getattr(l2reg, name) for name in l2reg.__all__}
    out.update({f"data.{name}": getattr(l2reg.data, name) for name in l2reg.data.__all__})
    out.update(_module_callables("practice", l2reg.practice))
    out.update(_module_callables("network", l2reg.network))
    out.update(_module_callables("demos", l2reg.demos))
    out.update({f"{name}.step": Stepper(make) for name, make in STEPPERS.items()})
    out.update({f"{name}.trajectory": Trajectory(make) for name, make in STEPPERS.items()})
    return out


def constraints_of(func):
    target = func.__init__ if inspect.isclass(func) else func
    return target.parameter_constraints


def is_callable_api(func):
    return (inspect.isfunction(func) or inspect.isclass(func) or inspect.ismethod(func)
            or isinstance(func, (Stepper, Method)))


def parameters_of(func):
    return [p for p in inspect.signature(func).parameters if p != "self"]


COMMON = [("None", None, T), ("str", "abc", T), ("bytes", b"1", T)]
ARRAY_COMMON = COMMON + [
    ("list-of-str", ["a", "b", "c"], T),
    ("complex", np.array([1 + 1j, 2.0, 3.0]), T),
    ("object-array", np.array([1.0, None, 3.0], dtype=object), T),
    ("bool-array", np.array([True, False, True]), T),
    ("dict", {"a": 1.0}, T),
]
SCALAR_COMMON = COMMON + [
    ("bool", True, T), ("numpy-bool", np.False_, T), ("complex", 1 + 0j, T), ("list", [0.1], T),
    ("nan", float("nan"), V), ("inf", float("inf"), V), ("-inf", -float("inf"), V),
    ("numpy-nan", np.float64("nan"), V), ("0d-nan", np.array(np.nan), V),
    ("1-element-array", np.array([0.1]), V), ("2d-array", np.ones((2, 2)), V),
]
NEGATIVE = [("negative", -0.5, V), ("tiny-negative", -1e-300, V), ("numpy-negative", np.float32(-2), V),
            ("negative-one", -1.0, V)]
NOT_POSITIVE = [("zero", 0.0, V), ("int-zero", 0, V)]
BOOL = COMMON + [("int-one", 1, T), ("int-zero", 0, T), ("float", 1.0, T), ("array", np.array([True]), V)]
CALLABLE = COMMON + [("int", 3, T), ("list", [len], T)]
INT_COMMON = COMMON + [("bool", True, T), ("float", 2.0, T), ("nan", float("nan"), T), ("list", [2], T),
                       ("1-element-array", np.array([2]), V), ("array", np.array([3]), V)]
LAMBDAS = ARRAY_COMMON + [
    ("nan", [0.1, np.nan], V), ("inf", [np.inf], V), ("negative", [0.0, 1.0, -0.1], V),
    ("empty", [], V), ("2d", [[0.1, 1.0]], V), ("scalar", 0.1, V),
]
ARRAY = ARRAY_COMMON + [
    ("nan", np.array([0.0, np.nan, 0.0]), V), ("inf", np.array([0.0, 0.0, np.inf]), V),
    ("empty", [], V), ("empty-2d", np.zeros((0, 3)), V), ("ragged", [[1.0, 2.0], [3.0]], V),
]
# the one Pair in the package: Adam's betas, each in [0, 1)
BETAS = COMMON + [
    ("scalar", 0.9, T), ("set", {0.9, 0.99}, T), ("one", (0.9,), V), ("three", (0.9, 0.99, 0.999), V),
    ("2d", np.array([[0.9, 0.99]]), V),
    ("beta1-one", (1.0, 0.99), V, "betas[0]"), ("beta2-one", (0.9, 1.0), V, "betas[1]"),
    ("beta1-negative", (-0.1, 0.99), V, "betas[0]"), ("beta2-nan", (0.9, float("nan")), V, "betas[1]"),
    ("beta2-str", (0.9, "0.99"), T, "betas[1]"), ("beta1-bool", (True, 0.99), T, "betas[0]"),
]


def with_entry(length, index, value):
    v = np.zeros(length)
    v[index] = value
    return v


def vector_length(constraint, good):
    if constraint.length_of is not None:
        source, axis = constraint.length_of
        return np.shape(good[source])[axis]
    return constraint.length or len(good)


def vector_cases(constraint, length):
    cases = ARRAY_COMMON + [
        ("nan", with_entry(length, length // 2, np.nan), V), ("inf", with_entry(length, 0, np.inf), V),
        ("-inf", with_entry(length, length // 2, -np.inf), V), ("nan-in-list", [np.nan] * length, V),
        ("column", np.zeros((length, 1)), V), ("2d", np.zeros((2, 3)), V), ("scalar", 1.0, V),
        ("0d-array", np.array(1.0), V), ("empty", [], V), ("empty-array", np.zeros(0), V),
        ("ragged", [[1.0, 2.0], [3.0]], V),
    ]
    if constraint.positive:
        cases += [("zero-entry", np.where(np.arange(length) == length - 1, 0.0, 1.0), V),
                  ("negative-entry", -np.ones(length), V)]
    if constraint.nonnegative:
        cases += [("negative-entry", with_entry(length, length - 1, -0.5), V)]
    if constraint.labels is not None:
        cases += [("not-a-label", with_entry(length, length - 1, 0.5), V),
                  ("label-two", with_entry(length, 0, 2.0), V)]
    if constraint.length_of is not None or constraint.length is not None:
        cases += [("too-short", np.zeros(length - 1), V), ("too-long", np.zeros(length + 1), V)]
    return cases


def _inner(constraint):
    return constraint.constraint if isinstance(constraint, P.Optional) else constraint


def depends_on(constraint, name):
    """The axes of ``name`` whose size ``constraint`` (of another parameter) must match."""
    c = _inner(constraint)
    axes = set()
    length_of = getattr(c, "length_of", None)
    if length_of and length_of[0] == name:
        axes.add(length_of[1])
    if getattr(c, "columns_of", None) == name:
        axes.add(1)
    if getattr(c, "rows_of", None) == name:
        axes.add(0)
    if getattr(c, "same_shape_as", None) == name:
        axes |= {0, 1}
    return axes


def matrix_cases(name, constraint, constraints, good):
    rows, cols = np.shape(good[name])
    X_nan = np.zeros((rows, cols))
    X_nan[1, cols - 1] = np.nan
    X_inf = np.zeros((rows, cols))
    X_inf[rows - 1, 0] = -np.inf
    cases = ARRAY_COMMON + [
        ("list-of-list-of-str", [["a"] * cols] * rows, T), ("complex-matrix", np.ones((rows, cols), dtype=complex), T),
        ("nan", X_nan, V), ("inf", X_inf, V), ("1d", np.zeros(rows), V), ("3d", np.zeros((rows, cols, 1)), V),
        ("scalar", 2.0, V), ("no-rows", np.zeros((0, cols)), V), ("no-columns", np.zeros((rows, 0)), V),
        ("empty-list", [], V), ("ragged", [[1.0, 2.0, 3.0], [1.0]], V),
    ]
    if constraint.min_rows > 1:
        cases.append(("too-few-rows", np.zeros((constraint.min_rows - 1, cols)), V))
    if constraint.columns is not None:
        cases.append(("wrong-columns", np.zeros((rows, constraint.columns + 1)), V))
    if constraint.columns_of is not None:
        cases.append(("columns-unlike-" + constraint.columns_of, np.zeros((rows, cols + 1)), V))
    if constraint.rows_of is not None:
        cases.append(("rows-unlike-" + constraint.rows_of, np.zeros((rows + 1, cols)), V))
    # a parameter held to X's shape is the one blamed when X's shape changes (the first declared
    # after X, when the checks reach it); X is named too
    for axis, label, shape in ((0, "rows-mismatch", (rows + 1, cols)), (1, "columns-mismatch", (rows, cols + 1))):
        if axis == 1 and (constraint.columns is not None or constraint.columns_of is not None):
            continue  # X's column count is held: X itself is blamed (above)
        if axis == 0 and constraint.rows_of is not None:
            continue
        blamed = [other for other, c in constraints.items() if axis in depends_on(c, name)
                  and not (isinstance(c, P.Optional) and good[other] is None)]
        if blamed:
            cases.append((label, np.zeros(shape), V, blamed[0], name))
    return cases


def bound_cases(bounds):
    """The bounds themselves when excluded, and values beyond them."""
    cases = []
    for side, step in (("minimum", -1.0), ("maximum", 1.0)):
        if side in bounds:
            cases.append((f"beyond-{side}", bounds[side] + step, V))
            if not bounds.get(f"include_{side}", True):
                cases.append((f"at-{side}", bounds[side], V))
    return cases


def int_cases(constraint, good):
    cases = list(INT_COMMON)
    if constraint.minimum is not None:
        below = constraint.minimum - 1
        cases += [({0: "zero", 1: "one"}.get(below, "below-minimum"), below, V), ("negative", -3, V)]
    if callable(constraint.maximum):  # k folds: at most the rows of X; a step: at most those run
        cases.append(("beyond-maximum", constraint.maximum(good) + 1, V))
    elif constraint.maximum is not None:
        cases.append(("beyond-maximum", constraint.maximum + 1, V))
    return cases


CHOICE_COMMON = [("None", None, V), ("other", "zzz", V), ("int", 1, V), ("list", ["a"], V), ("bytes", b"a", V)]


def choice_cases(constraint):
    cases = list(CHOICE_COMMON)
    for option in constraint.options:
        if isinstance(option, str):
            cases += [(f"{option}-upper", option.upper() + "!", V), (f"{option}-padded", f" {option} ", V)]
    return cases


def group_cases(constraint, good):
    source, axis = constraint.length_of
    p = np.shape(good[source])[axis]
    return COMMON + [
        ("dict", {"a": 1}, T), ("floats", np.zeros(p), T), ("float-list", [0.0] * p, T),
        ("strings", ["a"] * p, T), ("bools", np.ones(p, dtype=bool), T), ("nan", [np.nan] * p, T),
        ("too-short", np.zeros(p - 1, dtype=int), V), ("too-long", np.zeros(p + 1, dtype=int), V),
        ("2d", np.zeros((1, p), dtype=int), V), ("scalar", 0, V), ("empty", [], V), ("ragged", [[0, 1], [0]], V),
    ]


def threshold_cases(constraint, good):
    n_groups = len(np.unique(good[constraint.groups]))
    return COMMON + [
        ("bool", True, T), ("complex", 1j, T), ("strings", ["a"] * n_groups, T),
        ("nan", float("nan"), V), ("inf", np.inf, V), ("negative", -0.5, V), ("tiny-negative", -1e-300, V),
        ("negative-entry", with_entry(n_groups, n_groups - 1, -1.0), V), ("nan-entry", with_entry(n_groups, 0, np.nan), V),
        ("one-too-many", np.zeros(n_groups + 1), V), ("2d", np.zeros((n_groups, 1)), V), ("empty", [], V),
    ]


def weight_row_cases(constraint, good):
    source, axis = constraint.length_of
    p = np.shape(good[source])[axis]
    return ARRAY_COMMON + [
        ("nan", with_entry(p, 0, np.nan), V), ("inf-row", np.full((2, p), np.inf), V),
        ("too-short", np.zeros(p - 1), V), ("too-long", np.zeros(p + 1), V), ("rows-too-long", np.zeros((2, p + 1)), V),
        ("3d", np.zeros((1, 1, p)), V), ("scalar", 1.0, V), ("empty", [], V), ("no-rows", np.zeros((0, p)), V),
        ("ragged", [[1.0, 2.0], [3.0]], V),
    ]


def int_sequence_cases(constraint, good):
    rows = np.shape(good[constraint.rows_of])[0]
    good_seq = list(range(rows))
    cases = COMMON + [
        ("int", 3, T), ("dict", {0: 1}, T), ("2d", [good_seq], T), ("0d-array", np.array(1), T),
        ("too-short", good_seq[:-1], V), ("too-long", good_seq + [0], V),
        ("float-entry", good_seq[:-1] + [1.5], T, f"{{name}}[{rows - 1}]"),
        ("bool-entry", [True] + good_seq[1:], T, "{name}[0]"), ("str-entry", ["0"] + good_seq[1:], T, "{name}[0]"),
    ]
    if constraint.minimum is not None:
        cases.append(("below-minimum", good_seq[:-1] + [constraint.minimum - 1], V, f"{{name}}[{rows - 1}]"))
    return cases


def mlp_params_cases(good):
    """l2reg.network's parameter dict: its keys, then each array, blamed by its key."""
    p = good["params"]
    h = p["W1"].shape[1]

    def changed(**arrays):
        return {**p, **arrays}

    without_b2 = {k: a for k, a in p.items() if k != "b2"}
    return COMMON + [
        ("list", [p["W1"]], T), ("tuple", (1.0, 2.0), T), ("no-keys", {}, V), ("missing-b2", without_b2, V),
        ("extra-key", changed(W3=np.zeros(h)), V), ("int-key", {**p, 0: 1.0}, V),
        ("W1-None", changed(W1=None), T, "{name}['W1']"), ("W1-1d", changed(W1=np.zeros(h)), V, "{name}['W1']"),
        ("W1-two-inputs", changed(W1=np.zeros((2, h))), V, "{name}['W1']"),
        ("W1-nan", changed(W1=np.full((1, h), np.nan)), V, "{name}['W1']"),
        ("W1-str", changed(W1=[["a"] * h]), T, "{name}['W1']"),
        ("b1-short", changed(b1=np.zeros(h - 1)), V, "{name}['b1']"),
        ("b1-inf", changed(b1=np.full(h, np.inf)), V, "{name}['b1']"),
        ("W2-long", changed(W2=np.zeros(h + 1)), V, "{name}['W2']"),
        ("W2-column", changed(W2=np.zeros((h, 1))), V, "{name}['W2']"),
        ("b2-two", changed(b2=np.zeros(2)), V, "{name}['b2']"), ("b2-scalar", changed(b2=0.5), V, "{name}['b2']"),
        ("b2-bool", changed(b2=np.array([True])), T, "{name}['b2']"),
    ]


CHECKED = {"mlp-params": mlp_params_cases}  # kind of a Checked constraint -> its bad cases


def cases_for(name, constraint, constraints, good):
    if isinstance(constraint, P.Optional):  # None is valid: the inner constraint's bad values
        return [c for c in cases_for(name, constraint.constraint, constraints, good) if c[1] is not None]
    if isinstance(constraint, P.Vector):
        return vector_cases(constraint, vector_length(constraint, good[name]) if constraint.length_of is None
                            else vector_length(constraint, good))
    if isinstance(constraint, P.Matrix):
        return matrix_cases(name, constraint, constraints, good)
    if isinstance(constraint, P.Array):
        extra = [("shape-mismatch", np.ones(NCOLS + 1), V)] if constraint.same_shape_as else []
        return ARRAY + extra
    if isinstance(constraint, P.Lambdas):
        return LAMBDAS + ([("zero-entry", [0.1, 0.0], V)] if constraint.positive else [])
    if isinstance(constraint, P.Real):
        return SCALAR_COMMON + bound_cases(constraint.bounds)
    if isinstance(constraint, P.Nonnegative):
        return SCALAR_COMMON + NEGATIVE
    if isinstance(constraint, P.Positive):
        return SCALAR_COMMON + NEGATIVE + NOT_POSITIVE
    if isinstance(constraint, P.Int):
        return int_cases(constraint, good)
    if isinstance(constraint, P.Bool):
        return BOOL
    if isinstance(constraint, P.Function):
        return CALLABLE
    if isinstance(constraint, P.Pair):
        assert constraint.bounds == dict(minimum=0.0, maximum=1.0, include_maximum=False), constraint
        return BETAS
    if isinstance(constraint, P.Choice):
        return choice_cases(constraint)
    if isinstance(constraint, P.Text):
        return [("None", None, T), ("bytes", b"0.91", T), ("float", 0.91, T), ("list", ["0.91"], T)]
    if isinstance(constraint, P.GroupLabels):
        return group_cases(constraint, good)
    if isinstance(constraint, P.Thresholds):
        return threshold_cases(constraint, good)
    if isinstance(constraint, P.WeightRows):
        return weight_row_cases(constraint, good)
    if isinstance(constraint, P.IntSequence):
        return int_sequence_cases(constraint, good)
    if isinstance(constraint, P.Checked) and constraint.kind in CHECKED:
        return CHECKED[constraint.kind](good)
    raise AssertionError(f"no bad values for {constraint!r}: add a table above")


def all_cases():
    for func_name, func in public_callables().items():
        if not is_callable_api(func):
            continue
        good = good_args(func_name)
        if isinstance(func, Method):
            good["self"] = func.obj
        constraints = constraints_of(func)
        for name, constraint in constraints.items():
            for case in cases_for(name, constraint, constraints, good):
                label, value, exc = case[:3]
                blamed = (case[3] if len(case) > 3 else name).replace("{name}", name)
                also = case[4] if len(case) > 4 else None
                yield pytest.param(func_name, name, value, exc, blamed, also, id=f"{func_name}-{name}-{label}")


MESSAGE = re.compile(r"(?P<name>[^:]+): expected (?P<what>.+?), got (?P<got>.+)", re.S)


KIND_WORDS = {"U": "strings", "S": "bytes", "O": "objects", "b": "bools", "c": "complex"}


def names_the_received_value(got, value):
    """Whether the 'got' part of a message describes ``value``, or the part of it at fault:
    its type, shape, length, kind of entries, or the offending entry and its index."""
    if isinstance(value, (dict, set)):
        return describe(value) in got or type(value).__name__ in got
    try:
        arr = np.asarray(value)
    except ValueError:
        return "ragged" in got
    if arr.ndim == 0:
        return describe(value) in got or repr(value) in got
    entries = arr.ravel() if arr.dtype.kind in "iuf" else []  # the offending one is named
    return (str(arr.shape) in got or f"length {arr.size}" in got or describe(value) in got
            or KIND_WORDS.get(arr.dtype.kind, "?") in got or any(f"{float(x)!r} at index" in got for x in entries)
            or isinstance(value, tuple) and any(describe(x) in got for x in value))


@pytest.mark.parametrize(("func_name", "arg", "value", "exc", "blamed", "also"), list(all_cases()))
def test_bad_argument_is_rejected_with_a_clear_message(func_name, arg, value, exc, blamed, also):
    func = public_callables()[func_name]
    args = good_args(func_name)
    kwargs = {name: args[name] for name in parameters_of(func)}
    kwargs[arg] = value
    with pytest.raises(exc) as info:
        func(**kwargs)
    message = str(info.value)
    assert type(info.value) is exc  # not a subclass such as numpy's LinAlgError
    match = MESSAGE.fullmatch(message)
    assert match and match["name"] == blamed, message
    assert match["what"].strip() and match["got"].strip(), message
    if blamed == arg:
        assert names_the_received_value(match["got"], value), message
    if also:
        assert also in message.split(":", 1)[1], message
    if isinstance(func, Stepper):  # a rejected step changes nothing
        assert func.opt.steps == 0 and func.opt.step(np.ones(3), np.ones(3)).shape == (3,)


@pytest.mark.parametrize("func_name", list(public_callables()))
def test_every_public_callable_declares_every_parameter(func_name):
    """And the good arguments above are valid, so each rejection is caused by the one bad value."""
    func = public_callables()[func_name]
    if not is_callable_api(func):
        pytest.skip(f"{func_name} is not callable")
    assert list(constraints_of(func)) and set(constraints_of(func)) == set(parameters_of(func))
    args = good_args(func_name)
    func(**{name: args[name] for name in parameters_of(func)})


@pytest.mark.parametrize("prefix", ["data", "network", "practice", "demos"])
def test_every_public_method_with_parameters_is_tried(prefix):
    """A method added to a public class (or a class built otherwise than by ``make``) needs an
    entry in METHODS or FACTORIES above, so its declared parameters are tried too."""
    module = getattr(l2reg, prefix)
    for name in module.__all__:
        cls = getattr(module, name)
        if not inspect.isclass(cls):
            continue
        key = f"{prefix}.{name}"
        for attr, member in vars(cls).items():
            if attr.startswith("_"):
                continue
            if isinstance(member, classmethod):
                assert attr == "make" and key in FACTORIES, (key, attr)
            elif inspect.isfunction(member) and len(inspect.signature(member).parameters) > 1:
                assert attr in METHODS.get(key, {}), (key, attr)
