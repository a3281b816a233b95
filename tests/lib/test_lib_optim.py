"""SGD, Adam and AdamW on NumPy arrays: decay semantics, hand-computed steps, state,
input checks. (The comparison with PyTorch itself is in test_lib_optim_torch.py.)"""

import inspect
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import l2reg
from l2reg import SGD, Adam, AdamW, decay_factor, ridge_fit, ridge_gradient

SETTINGS = settings(max_examples=40, deadline=None)


def grad_sequence(steps, p, seed=0):
    """Random gradients of mixed scales, so Adam's per-coordinate scaling matters."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(steps, p)) * rng.choice([1e-2, 1.0, 1e2], size=p)


def run(opt, w, grads):
    """The trajectory (w_1, ..., w_k) for a fixed gradient sequence."""
    out = []
    for g in grads:
        w = opt.step(w, g)
        out.append(w)
    return np.array(out)


def textbook_adam(w, grads, lr, betas, eps, weight_decay, decoupled):
    """Adam / AdamW as written in the papers (Kingma & Ba; Loshchilov & Hutter), with
    bias-corrected moments: an independent reference for the arithmetic of l2reg.optim."""
    beta1, beta2 = betas
    m = np.zeros_like(w)
    s = np.zeros_like(w)
    out, denoms = [], []
    for t, g in enumerate(grads, start=1):
        if decoupled:
            w = w - lr * weight_decay * w
        else:
            g = g + weight_decay * w
        m = beta1 * m + (1 - beta1) * g
        s = beta2 * s + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)
        s_hat = s / (1 - beta2**t)
        denom = np.sqrt(s_hat) + eps
        w = w - lr * m_hat / denom
        out.append(w)
        denoms.append(denom)
    return np.array(out), np.array(denoms), m, s


# --- SGD: weight decay in the course's notation ---------------------------------


@pytest.mark.parametrize("decoupled", [False, True])
@pytest.mark.parametrize(("lr", "wd"), [(0.1, 0.02), (0.5, 1.0), (0.01, 0.3), (1.5, 1.0)])
def test_sgd_with_zero_gradient_is_pure_decay(lr, wd, decoupled):
    w0 = np.array([3.0, -1.0, 0.25, 100.0])
    traj = run(SGD(lr, weight_decay=wd, decoupled=decoupled), w0, np.zeros((40, 4)))
    k = np.arange(1, 41)[:, None]
    np.testing.assert_allclose(traj, w0 * (1 - lr * wd) ** k, rtol=1e-13, atol=0)


def test_sgd_decay_factor_of_the_lesson():
    """lr = 0.01, lam = 0.1: weight_decay = 2 * lam shrinks by 0.998 per step."""
    opt = SGD(lr=0.01, weight_decay=2 * 0.1)
    assert opt.step([1.0], [0.0])[0] == pytest.approx(0.998, rel=1e-15)
    assert decay_factor(0.01, 0.1) == pytest.approx(0.998, rel=1e-15)


def make_regression(n=40, p=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    y = X @ rng.normal(size=p) + 0.3 * rng.normal(size=n)
    return X, y


def test_coupled_sgd_with_two_lambda_is_the_course_update():
    """SGD(weight_decay=2 lam) on the data gradient is w (1 - 2 lr lam) - lr dL_data/dw,
    step after step, with the gradient computed at each side's own w."""
    X, y = make_regression()
    lr, lam = 0.05, 0.3
    opt = SGD(lr=lr, weight_decay=2 * lam)
    w_opt = w_course = np.zeros(X.shape[1])
    for _ in range(100):
        w_opt = opt.step(w_opt, ridge_gradient(w_opt, X, y, 0.0))
        w_course = w_course * decay_factor(lr, lam) - lr * ridge_gradient(w_course, X, y, 0.0)
        np.testing.assert_allclose(w_opt, w_course, rtol=1e-12, atol=1e-15)


def test_decoupled_sgd_computes_the_course_update_exactly():
    X, y = make_regression(seed=1)
    lr, lam = 0.05, 0.3
    opt = SGD(lr=lr, weight_decay=2 * lam, decoupled=True)
    w_opt = w_course = np.ones(X.shape[1])
    for _ in range(50):
        w_opt = opt.step(w_opt, ridge_gradient(w_opt, X, y, 0.0))
        w_course = w_course * decay_factor(lr, lam) - lr * ridge_gradient(w_course, X, y, 0.0)
        assert np.array_equal(w_opt, w_course)  # same operations in the same order


@pytest.mark.parametrize("decoupled", [False, True])
def test_sgd_with_weight_decay_two_lambda_converges_to_ridge_fit(decoupled):
    """Gradient descent on the *data* loss with weight_decay = 2 lam minimizes
    L_data + lam ||w||^2: it reaches ridge_fit(X, y, lam) (no intercept)."""
    X, y = make_regression(n=30, p=4, seed=2)
    lam = 0.2
    opt = SGD(lr=0.1, weight_decay=2 * lam, decoupled=decoupled)
    w = np.zeros(4)
    for _ in range(600):
        w = opt.step(w, ridge_gradient(w, X, y, 0.0))
    w_ridge, _ = ridge_fit(X, y, lam, fit_intercept=False)
    np.testing.assert_allclose(w, w_ridge, rtol=1e-10, atol=1e-12)
    # and a gradient of the full ridge loss with weight_decay = 0 goes to the same place
    plain = SGD(lr=0.1)
    u = np.zeros(4)
    for _ in range(600):
        u = plain.step(u, ridge_gradient(u, X, y, lam))
    np.testing.assert_allclose(u, w_ridge, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("p", [1, 7, 200])
@pytest.mark.parametrize(("lr", "wd"), [(0.1, 0.0), (0.01, 0.5), (0.3, 2.0)])
def test_coupled_equals_decoupled_without_momentum(p, lr, wd):
    w0 = np.random.default_rng(p).normal(size=p)
    grads = grad_sequence(100, p, seed=p)
    coupled = run(SGD(lr, weight_decay=wd), w0, grads)
    decoupled = run(SGD(lr, weight_decay=wd, decoupled=True), w0, grads)
    scale = np.abs(coupled).max(axis=1, keepdims=True)
    assert np.all(np.abs(coupled - decoupled) <= 1e-13 * scale)
    if wd == 0:
        assert np.array_equal(coupled, decoupled)


def test_coupled_and_decoupled_differ_with_momentum():
    w0 = np.array([1.0, -2.0, 3.0])
    grads = grad_sequence(30, 3, seed=3)
    coupled = run(SGD(0.05, weight_decay=0.5, momentum=0.9), w0, grads)
    decoupled = run(SGD(0.05, weight_decay=0.5, momentum=0.9, decoupled=True), w0, grads)
    np.testing.assert_allclose(coupled[0], decoupled[0], rtol=1e-14)  # one step: the same
    assert np.abs(coupled[-1] - decoupled[-1]).max() > 1e-2
    # without weight decay momentum alone is the same for both
    a = run(SGD(0.05, momentum=0.9), w0, grads)
    b = run(SGD(0.05, momentum=0.9, decoupled=True), w0, grads)
    assert np.array_equal(a, b)


def test_sgd_momentum_by_hand():
    opt = SGD(lr=0.1, momentum=0.5, weight_decay=1.0)
    w1 = opt.step([2.0], [1.0])  # g = 1 + 2 = 3; buf = 3; w = 2 - 0.3
    assert w1.tolist() == pytest.approx([1.7], rel=1e-15)
    assert opt.momentum_buffer.tolist() == pytest.approx([3.0], rel=1e-15)
    w2 = opt.step(w1, [0.0])  # g = 1.7; buf = 1.5 + 1.7 = 3.2; w = 1.7 - 0.32
    assert opt.momentum_buffer.tolist() == pytest.approx([3.2], rel=1e-15)
    assert w2.tolist() == pytest.approx([1.38], rel=1e-15)
    assert SGD(0.1).momentum_buffer is None
    plain = SGD(0.1)
    plain.step([1.0], [1.0])
    assert plain.momentum_buffer is None  # no momentum, no buffer


# --- Adam and AdamW ----------------------------------------------------------------


def test_first_adam_step_moves_each_coordinate_by_lr_times_the_sign():
    g = np.array([1e3, 2.5, -1e-3, -7.0, 0.0])
    w0 = np.array([1.0, -1.0, 0.5, 0.0, 2.0])
    lr, eps = 0.01, 1e-8
    w1 = Adam(lr=lr, eps=eps).step(w0, g)
    # m_hat = g, s_hat = g**2: the step is lr * g / (|g| + eps)
    np.testing.assert_allclose(w1, w0 - lr * g / (np.abs(g) + eps), rtol=1e-14, atol=1e-17)
    np.testing.assert_allclose(np.abs(w1 - w0)[:4], lr, rtol=1e-5)
    assert w1[4] == w0[4]


def test_adam_second_step_by_hand():
    lr, (b1, b2), eps = 0.1, (0.9, 0.999), 1e-8
    opt = Adam(lr=lr, betas=(b1, b2), eps=eps)
    w1 = opt.step([0.0], [2.0])
    w2 = opt.step(w1, [-1.0])
    m = 0.9 * 0.2 + 0.1 * -1.0  # 0.08
    s = 0.999 * 0.004 + 0.001 * 1.0  # 0.004996
    step = lr * (m / (1 - 0.81)) / (np.sqrt(s / (1 - 0.999**2)) + eps)
    assert w1[0] == pytest.approx(-0.1, rel=1e-7)
    assert w2[0] == pytest.approx(w1[0] - step, rel=1e-14)
    assert opt.exp_avg[0] == pytest.approx(m, rel=1e-14)
    assert opt.exp_avg_sq[0] == pytest.approx(s, rel=1e-14)


ADAM_SETTINGS = [
    (1e-3, (0.9, 0.999), 1e-8, 0.0),
    (0.05, (0.8, 0.99), 1e-6, 0.1),
    (0.1, (0.5, 0.9), 1e-8, 1.0),
    (0.01, (0.0, 0.0), 1e-8, 0.01),
    (0.02, (0.9, 0.999), 0.0, 0.3),
]


@pytest.mark.parametrize("cls", [Adam, AdamW])
@pytest.mark.parametrize(("lr", "betas", "eps", "wd"), ADAM_SETTINGS)
def test_adam_and_adamw_follow_the_textbook_algorithm(cls, lr, betas, eps, wd):
    p = 6
    w0 = np.random.default_rng(7).normal(size=p)
    grads = grad_sequence(60, p, seed=7)
    opt = cls(lr=lr, betas=betas, eps=eps, weight_decay=wd)
    traj, denoms = [], []
    w = w0
    for g in grads:
        w = opt.step(w, g)
        traj.append(w)
        denoms.append(opt.denominator())
    ref, ref_denoms, m, s = textbook_adam(w0, grads, lr, betas, eps, wd, decoupled=cls is AdamW)
    scale = np.abs(ref).max()
    np.testing.assert_allclose(traj, ref, rtol=1e-11, atol=1e-13 * scale)
    np.testing.assert_allclose(denoms, ref_denoms, rtol=1e-12)
    np.testing.assert_allclose(opt.exp_avg, m, rtol=1e-11, atol=1e-13 * np.abs(m).max())
    np.testing.assert_allclose(opt.exp_avg_sq, s, rtol=1e-12)
    assert opt.steps == 60


def test_adamw_with_zero_gradient_is_pure_decay():
    w0 = np.array([3.0, -1.0, 0.25])
    lr, wd = 0.1, 0.5
    traj = run(AdamW(lr=lr, weight_decay=wd), w0, np.zeros((30, 3)))
    k = np.arange(1, 31)[:, None]
    np.testing.assert_allclose(traj, w0 * (1 - lr * wd) ** k, rtol=1e-13)


def test_adam_with_l2_and_adamw_differ_but_agree_without_decay():
    w0 = np.array([1.0, -2.0, 0.5, 3.0])
    grads = grad_sequence(40, 4, seed=5)
    adam = run(Adam(lr=0.01, weight_decay=0.1), w0, grads)
    adamw = run(AdamW(lr=0.01, weight_decay=0.1), w0, grads)
    assert np.abs(adam[-1] - adamw[-1]).max() > 1e-3
    assert np.array_equal(run(Adam(lr=0.01), w0, grads), run(AdamW(lr=0.01, weight_decay=0.0), w0, grads))


def test_adam_l2_decays_coordinates_with_large_gradients_less_than_adamw():
    """The lesson's point: with Adam's L2 the decay term is divided by the adaptive
    denominator; AdamW shrinks every coordinate by the same factor."""
    lr, wd = 1e-3, 0.1
    w0 = np.array([1.0, 1.0])
    # coordinate 0 sees large noisy gradients, coordinate 1 none
    noise = np.random.default_rng(0).normal(size=200)
    grads = np.column_stack([100.0 * noise, np.zeros(200)])

    def decay_of(cls):
        with_decay = run(cls(lr=lr, weight_decay=wd), w0, grads)[-1]
        without = run(cls(lr=lr, weight_decay=0.0), w0, grads)[-1]
        return without - with_decay  # how far the decay moved each coordinate

    adam, adamw = decay_of(Adam), decay_of(AdamW)
    assert adam[1] > 10 * adam[0] > 0  # Adam: the quiet coordinate is decayed far more
    np.testing.assert_allclose(adamw[0], adamw[1], rtol=0.05)  # AdamW: about the same
    opt = Adam(lr=lr)
    run(opt, w0, grads)
    d = opt.denominator()
    assert d[0] > 1e4 * d[1]


def test_adam_zero_gradients_and_zero_eps_give_no_nan():
    opt = Adam(lr=0.1, eps=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        w = opt.step([1.0, 2.0], [0.0, 3.0])
        w = opt.step(w, [0.0, 3.0])
    assert w[0] == 1.0 and np.isfinite(w).all()
    assert opt.denominator()[0] == 0.0
    # with eps > 0 a zero gradient is a zero step as well
    assert Adam(lr=0.1).step([1.0], [0.0]).tolist() == [1.0]


@SETTINGS
@given(
    st.floats(1e-3, 1e3),
    st.integers(0, 2**31),
    st.sampled_from([Adam, AdamW]),
)
def test_adam_without_eps_is_invariant_to_the_gradient_scale(c, seed, cls):
    w0 = np.random.default_rng(seed).normal(size=3)
    grads = grad_sequence(10, 3, seed=seed)
    a = run(cls(lr=0.01, eps=0.0, weight_decay=0.0), w0, grads)
    b = run(cls(lr=0.01, eps=0.0, weight_decay=0.0), w0, c * grads)
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@SETTINGS
@given(
    st.floats(0.0, 1.0),
    st.floats(0.0, 2.0),
    st.lists(st.floats(-100, 100), min_size=3, max_size=3),
    st.integers(0, 2**31),
)
def test_sgd_coupled_equals_decoupled_property(lr, wd, w0, seed):
    grads = grad_sequence(5, 3, seed=seed)
    a = run(SGD(lr, weight_decay=wd), np.array(w0), grads)
    b = run(SGD(lr, weight_decay=wd, decoupled=True), np.array(w0), grads)
    scale = max(1.0, np.abs(a).max())
    assert np.abs(a - b).max() <= 1e-12 * scale


# --- state, shapes, inputs ---------------------------------------------------------

OPTIMIZERS = {
    "SGD": lambda: SGD(0.1, weight_decay=0.1, momentum=0.9),
    "SGD-decoupled": lambda: SGD(0.1, weight_decay=0.1, decoupled=True),
    "Adam": lambda: Adam(0.1, weight_decay=0.1),
    "AdamW": lambda: AdamW(0.1),
}


@pytest.mark.parametrize("readonly", [False, True], ids=["writeable", "readonly"])
@pytest.mark.parametrize("make", list(OPTIMIZERS.values()), ids=list(OPTIMIZERS))
def test_step_never_modifies_its_arguments(make, readonly):
    opt = make()
    w = np.array([1.0, -2.0, 3.0])
    g = np.array([0.5, 0.5, -1.0])
    if readonly:  # an in-place update would raise
        g.setflags(write=False)
    for _ in range(3):
        if readonly:
            w.setflags(write=False)
        w_copy, g_copy = w.copy(), g.copy()
        new = opt.step(w, g)
        assert np.array_equal(w, w_copy) and np.array_equal(g, g_copy)
        assert new.flags.writeable and new.dtype == np.float64
        assert not np.shares_memory(new, w) and not np.shares_memory(new, g)
        w = new


@pytest.mark.parametrize("make", list(OPTIMIZERS.values()), ids=list(OPTIMIZERS))
def test_changing_a_returned_array_does_not_reach_the_state(make):
    w0, g = np.array([1.0, -2.0]), np.array([0.5, -1.0])
    a, b = make(), make()
    out = a.step(w0, g)
    b.step(w0, g)
    out[...] = 1e6  # the caller owns the result
    assert np.array_equal(a.step(w0, g), b.step(w0, g))


def test_list_inputs_are_not_modified_and_any_shape_is_accepted():
    w, g = [[1.0, 2.0], [3.0, 4.0]], [[0.1, 0.2], [0.3, 0.4]]
    copies = [[list(r) for r in w], [list(r) for r in g]]
    for make in OPTIMIZERS.values():
        opt = make()
        out = opt.step(w, g)
        assert out.shape == (2, 2)
        assert opt.step(out, g).shape == (2, 2)
    assert [w, g] == copies
    scalar = SGD(0.5, weight_decay=1.0).step(2.0, 0.0)  # one weight, a 0-d array
    assert isinstance(scalar, np.ndarray) and scalar.shape == () and float(scalar) == 1.0
    for make in OPTIMIZERS.values():
        opt = make()
        out = opt.step(opt.step(1.0, 0.5), 0.5)
        assert isinstance(out, np.ndarray) and out.shape == () and out.dtype == np.float64
        for name in ("momentum_buffer", "exp_avg", "exp_avg_sq"):
            state = getattr(opt, name, None)
            assert state is None or (isinstance(state, np.ndarray) and state.shape == ())
        if isinstance(opt, Adam):
            assert isinstance(opt.denominator(), np.ndarray)
    ints = Adam(0.1).step(np.array([1, 2], dtype=np.int32), np.array([1, -1], dtype=np.int64))
    assert ints.dtype == np.float64


def test_state_properties_are_copies_and_read_only():
    opt = Adam(0.1)
    assert opt.exp_avg is None and opt.exp_avg_sq is None and opt.denominator() is None
    opt.step([1.0, 2.0], [1.0, -1.0])
    m = opt.exp_avg
    m[...] = 99.0
    assert opt.exp_avg.tolist() == pytest.approx([0.1, -0.1])
    d = opt.denominator()
    d[...] = 0.0
    assert opt.denominator().min() > 0
    for name in ("steps", "exp_avg", "exp_avg_sq", "lr", "betas", "eps", "weight_decay"):
        with pytest.raises(AttributeError):
            setattr(opt, name, 1.0)
    sgd = SGD(0.1, momentum=0.9)
    sgd.step([1.0], [1.0])
    buf = sgd.momentum_buffer
    buf[...] = 5.0
    assert sgd.momentum_buffer.tolist() == [1.0]
    for name in ("steps", "momentum_buffer", "lr", "weight_decay", "decoupled", "momentum"):
        with pytest.raises(AttributeError):
            setattr(sgd, name, 1.0)


def test_hyperparameters_and_repr():
    opt = AdamW()
    assert (opt.lr, opt.betas, opt.eps, opt.weight_decay) == (1e-3, (0.9, 0.999), 1e-8, 1e-2)
    assert repr(opt) == "AdamW(lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.01)"
    assert isinstance(opt, Adam)  # as in torch, AdamW is an Adam
    adam = Adam()
    assert (adam.lr, adam.betas, adam.eps, adam.weight_decay) == (1e-3, (0.9, 0.999), 1e-8, 0.0)
    sgd = SGD(np.float32(0.5), momentum=0)
    assert (sgd.lr, sgd.weight_decay, sgd.decoupled, sgd.momentum) == (0.5, 0.0, False, 0.0)
    assert type(sgd.lr) is float
    assert repr(sgd) == "SGD(lr=0.5, weight_decay=0.0, decoupled=False, momentum=0.0)"
    assert Adam(betas=np.array([0.5, 0.6])).betas == (0.5, 0.6)


@pytest.mark.parametrize("make", list(OPTIMIZERS.values()), ids=list(OPTIMIZERS))
def test_first_call_fixes_the_shape_and_reset_forgets_it(make):
    opt = make()
    w = opt.step(np.ones(3), np.ones(3))
    with pytest.raises(ValueError) as info:
        opt.step(np.ones(4), np.ones(4))
    assert str(info.value) == (
        "w: expected shape (3,) to match the first call to step() (reset() starts over), got shape (4,)"
    )
    with pytest.raises(ValueError) as info:
        opt.step(np.ones((3, 1)), np.ones((3, 1)))
    assert str(info.value).startswith("w: expected shape (3,)")
    with pytest.raises(ValueError) as info:
        opt.step(w, np.ones(4))
    assert str(info.value) == "grad: expected shape (3,) to match w, got shape (4,)"
    with pytest.raises(ValueError) as info:
        opt.step(w, np.array([1.0, np.nan, 1.0]))
    assert str(info.value).startswith("grad: expected finite entries, got nan")
    assert opt.steps == 1  # failed calls change nothing
    fresh = make()
    fresh.step(np.ones(3), np.ones(3))
    assert np.array_equal(opt.step(w, np.ones(3)), fresh.step(w, np.ones(3)))
    opt.reset()
    assert opt.steps == 0
    assert opt.step(np.ones((2, 2)), np.ones((2, 2))).shape == (2, 2)
    assert opt.steps == 1


@pytest.mark.parametrize("make", list(OPTIMIZERS.values()), ids=list(OPTIMIZERS))
def test_reset_gives_the_trajectory_of_a_new_optimizer(make):
    w0 = np.array([0.5, -1.5])
    grads = grad_sequence(8, 2, seed=11)
    opt = make()
    first = run(opt, w0, grads)
    opt.reset()
    assert opt.steps == 0
    assert np.array_equal(run(opt, w0, grads), first)
    assert np.array_equal(run(make(), w0, grads), first)


# --- validation table ----------------------------------------------------------------

# The bad inputs of every hyper-parameter and of step() are generated from the declared
# constraints in test_lib_bad_inputs.py.

CONSTRUCTORS = {
    "SGD": (SGD, {"lr": 0.1, "weight_decay": 0.1, "decoupled": False, "momentum": 0.5}),
    "Adam": (Adam, {"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.1}),
    "AdamW": (AdamW, {"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.1}),
}


@pytest.mark.parametrize("cls_name", list(CONSTRUCTORS))
def test_constructor_table_is_valid_and_complete(cls_name):
    cls, good = CONSTRUCTORS[cls_name]
    cls(**good)
    assert list(inspect.signature(cls).parameters) == list(good)


def test_exact_messages():
    with pytest.raises(ValueError) as info:
        SGD(lr=-0.1)
    assert str(info.value) == "lr: expected a finite number >= 0, got -0.1"
    with pytest.raises(ValueError) as info:
        Adam(betas=(0.9, 1.0))
    assert str(info.value) == "betas[1]: expected a finite number in [0, 1), got 1.0"
    with pytest.raises(TypeError) as info:
        AdamW(betas=0.9)
    assert str(info.value) == "betas: expected a pair of finite numbers in [0, 1), got 0.9"
    with pytest.raises(ValueError) as info:
        AdamW(weight_decay=float("nan"))
    assert str(info.value) == "weight_decay: expected a finite number >= 0, got nan"
    with pytest.raises(TypeError) as info:
        SGD(0.1, decoupled="yes")
    assert str(info.value) == "decoupled: expected a bool (True or False), got str 'yes'"
    with pytest.raises(TypeError) as info:
        SGD()  # lr has no default, as in docs/design.md
    assert "lr" in str(info.value)


# --- documentation -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW"])
def test_exported_with_numpydoc_and_examples(name):
    assert name in l2reg.__all__
    cls = getattr(l2reg, name)
    assert cls.__module__ == "l2reg.optim"
    doc = inspect.getdoc(cls)
    for section in ("Parameters", "Raises", "Examples"):
        assert f"\n{section}\n{'-' * len(section)}\n" in doc, (name, section)
    for param in inspect.signature(cls).parameters:
        assert f"\n{param} :" in doc, (name, param)
    methods = ["step", "reset"] + (["denominator"] if issubclass(cls, Adam) else [])
    for method in methods:
        mdoc = inspect.getdoc(getattr(cls, method))
        assert "\nReturns\n-------\n" in mdoc and ">>> " in mdoc, (name, method)
    assert "\nRaises\n------\n" in inspect.getdoc(cls.step)


@pytest.mark.parametrize("make", [
    lambda: SGD(lr=0.1, momentum=0.9, weight_decay=0.2),
    lambda: SGD(lr=0.1, momentum=0.5, weight_decay=0.2, decoupled=True),
    lambda: Adam(lr=0.01, weight_decay=0.3),
    lambda: AdamW(lr=0.01, weight_decay=0.3),
])
def test_trajectory_is_step_after_step_to_the_last_bit(make):
    rng = np.random.default_rng(3)
    grads = rng.standard_normal((40, 2, 3))
    w0 = rng.standard_normal((2, 3))
    fast, slow = make(), make()
    out = fast.trajectory(w0, grads)
    w, expected = w0, [w0]
    for g in grads:
        w = slow.step(w, g)
        expected.append(w)
    np.testing.assert_array_equal(out, np.array(expected))
    assert fast.steps == slow.steps == 40
    # and it continues where it stopped, as step() does
    np.testing.assert_array_equal(fast.step(out[-1], grads[0]), slow.step(w, grads[0]))


def test_trajectory_checks_its_inputs_before_any_change():
    opt = Adam(lr=0.1)
    with pytest.raises(ValueError, match=r"^grads: expected shape \(2, 2\) to match w, one row per step"):
        opt.trajectory([1.0, 2.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="^grads: expected finite"):
        opt.trajectory([1.0, 2.0], [[1.0, np.nan]])
    assert opt.steps == 0 and opt.exp_avg is None
    opt.step([1.0, 2.0], [0.5, 0.5])
    with pytest.raises(ValueError, match="^w: expected shape"):
        opt.trajectory([1.0], [[1.0]])


@pytest.mark.parametrize("cls_name,checks", [("Adam", 1), ("AdamW", 1), ("SGD", 1)])
def test_constructor_checks_its_arguments_once(monkeypatch, cls_name, checks):
    """AdamW's __init__ is validated and must not run Adam's checks a second time."""
    import l2reg.optim as optim
    from l2reg import _params

    calls = []
    check = _params.check_params
    monkeypatch.setattr(_params, "check_params", lambda *a, **k: calls.append(1) or check(*a, **k))
    opt = getattr(optim, cls_name)(lr=0.1)
    assert len(calls) == checks
    assert opt.lr == 0.1
    with pytest.raises(ValueError, match="^lr"):
        getattr(optim, cls_name)(lr=-1.0)


HYPER = dict(lr=0.1, weight_decay=0.0, decoupled=False, beta1=0.9, beta2=0.999, eps=1e-8,
             step_size=0.1, bc2_sqrt=1.0)


@pytest.mark.parametrize("bad", ["m_strided", "s_fortran", "m_shape", "s_int", "m_readonly", "s_list"])
def test_adam_blocked_refuses_state_it_could_not_update_in_place(bad):
    """m and s are updated through flat views: a non-contiguous (or otherwise unfit) array
    would be reshaped into a copy and its update silently lost."""
    from l2reg._adam import adam_blocked

    w, grad = np.ones((3, 4)), np.full((3, 4), 0.5)
    m, s = np.zeros((3, 4)), np.zeros((3, 4))
    if bad == "m_strided":
        m = np.zeros((3, 8))[:, ::2]
    elif bad == "s_fortran":
        s = np.asfortranarray(np.zeros((3, 4)))
    elif bad == "m_shape":
        m = np.zeros(12)
    elif bad == "s_int":
        s = np.zeros((3, 4), dtype=int)
    elif bad == "m_readonly":
        m.flags.writeable = False
    else:
        s = np.zeros((3, 4)).tolist()
    name = bad[0]
    with pytest.raises(ValueError, match=f"^{name}: expected a writeable C-contiguous"):
        adam_blocked(w, grad, m, s, **HYPER)


def test_adam_blocked_updates_the_state_in_place():
    from l2reg._adam import adam_blocked

    w, grad = np.ones((3, 4)), np.full((3, 4), 0.5)
    m, s = np.zeros((3, 4)), np.zeros((3, 4))
    adam_blocked(w, grad, m, s, **HYPER)
    np.testing.assert_allclose(m, 0.05)
    np.testing.assert_allclose(s, 0.00025)
