"""l2_penalty, ridge_loss, ridge_gradient, numerical_gradient and decay_factor."""

import numpy as np
import pytest

from l2reg import decay_factor, l2_penalty, numerical_gradient, ridge_gradient, ridge_loss


def make_problem(n=15, p=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) + 1.0
    y = rng.normal(size=n) + 2.0
    w = rng.normal(size=p)
    return w, X, y


# --- l2_penalty ----------------------------------------------------------------


def test_l2_penalty_lesson_numbers():
    assert l2_penalty([10], 1) == 100.0
    assert l2_penalty([0.1], 1) == pytest.approx(0.01, rel=1e-15)
    assert isinstance(l2_penalty([10], 1), float)


@pytest.mark.parametrize("lam", [0.0, 0.3, 2.0])
def test_l2_penalty_is_lam_times_sum_of_squares(lam):
    w = np.array([3.0, -4.0, 0.5])
    assert l2_penalty(w, lam) == pytest.approx(lam * (9 + 16 + 0.25), rel=1e-15)
    assert l2_penalty(-w, lam) == l2_penalty(w, lam)
    assert l2_penalty(2 * w, lam) == pytest.approx(4 * l2_penalty(w, lam), rel=1e-15)


# --- ridge_loss ----------------------------------------------------------------


def test_ridge_loss_by_hand():
    X = [[1.0, 2.0], [0.0, 1.0], [2.0, 0.0]]
    y = [1.0, 2.0, 3.0]
    w = [1.0, -1.0]
    # predictions -1, -1, 2 (+ b); errors 2, 3, 1 with b = 0
    assert ridge_loss(w, X, y, 0.0) == pytest.approx((4 + 9 + 1) / 3, rel=1e-15)
    assert ridge_loss(w, X, y, 0.5) == pytest.approx(14 / 3 + 0.5 * 2, rel=1e-15)
    # with b = 1: errors 1, 2, 0; b is not in the penalty
    assert ridge_loss(w, X, y, 0.5, b=1.0) == pytest.approx(5 / 3 + 1.0, rel=1e-15)


def test_ridge_loss_is_mean_not_sum():
    w, X, y = make_problem(n=40)
    data = np.mean((y - X @ w) ** 2)
    assert ridge_loss(w, X, y, 0.0) == pytest.approx(data, rel=1e-14)
    # repeating every example leaves a mean unchanged
    X2, y2 = np.vstack([X, X]), np.concatenate([y, y])
    assert ridge_loss(w, X2, y2, 0.2, 0.7) == pytest.approx(ridge_loss(w, X, y, 0.2, 0.7), rel=1e-13)


def test_ridge_loss_accepts_numpy_scalars_and_0d_arrays():
    w, X, y = make_problem()
    ref = ridge_loss(w, X, y, 0.25, 1.5)
    assert ridge_loss(w, X, y, np.float32(0.25), np.array(1.5)) == pytest.approx(ref, rel=1e-15)
    assert ridge_loss(w, X, y, np.array(0.25), np.int64(1) + 0.5) == pytest.approx(ref, rel=1e-15)


# --- ridge_gradient ------------------------------------------------------------


@pytest.mark.parametrize("lam", [0.0, 0.1, 3.0])
@pytest.mark.parametrize("b", [0.0, -1.3])
@pytest.mark.parametrize(("n", "p"), [(15, 4), (3, 8), (1, 1)])
def test_ridge_gradient_matches_numerical_gradient(n, p, lam, b):
    w, X, y = make_problem(n, p, seed=n + p)
    analytic = ridge_gradient(w, X, y, lam, b)
    numeric = numerical_gradient(lambda u: ridge_loss(u, X, y, lam, b), w)
    assert analytic.shape == (p,)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-7)


def test_ridge_gradient_formula():
    w, X, y = make_problem()
    n = X.shape[0]
    expected = -2 / n * X.T @ (y - X @ w - 0.4) + 2 * 0.3 * w
    np.testing.assert_allclose(ridge_gradient(w, X, y, 0.3, 0.4), expected, rtol=1e-13)
    # the penalty adds exactly 2 lam w
    np.testing.assert_allclose(
        ridge_gradient(w, X, y, 0.3) - ridge_gradient(w, X, y, 0.0), 2 * 0.3 * w, rtol=1e-12, atol=1e-14
    )


# --- numerical_gradient --------------------------------------------------------


def test_numerical_gradient_of_known_functions():
    w = np.array([0.3, -1.2, 2.0])
    np.testing.assert_allclose(numerical_gradient(lambda u: np.sum(np.sin(u)), w), np.cos(w), rtol=1e-8)
    A = np.array([[2.0, 1.0, 0.0], [1.0, 3.0, 0.5], [0.0, 0.5, 1.0]])
    # central differences are exact for quadratics, up to round-off
    np.testing.assert_allclose(numerical_gradient(lambda u: u @ A @ u, w), 2 * A @ w, rtol=1e-8)
    assert numerical_gradient(lambda u: 5.0, w).tolist() == [0.0, 0.0, 0.0]


def test_numerical_gradient_step_size_matters():
    f = lambda u: float(u[0] ** 3)  # noqa: E731
    coarse = numerical_gradient(f, [1.0], eps=0.1)[0]
    assert coarse == pytest.approx(3 + 0.1**2, rel=1e-9)  # central difference error h^2 f'''/6
    assert numerical_gradient(f, [1.0])[0] == pytest.approx(3.0, rel=1e-9)


def test_numerical_gradient_never_mutates_w_and_passes_copies():
    w = np.array([1.0, 2.0, 3.0])
    before = w.copy()
    seen = []

    def greedy(u):
        seen.append(u)
        value = float(np.sum(u**2))
        u[:] = 1e6  # a badly behaved f changes its argument
        return value

    grad = numerical_gradient(greedy, w)
    assert np.array_equal(w, before)
    np.testing.assert_allclose(grad, 2 * before, rtol=1e-8)
    assert len(seen) == 2 * w.size
    assert all(not np.shares_memory(u, w) for u in seen)


@pytest.mark.parametrize(
    ("f", "exc"),
    [
        (lambda u: float("nan"), ValueError),
        (lambda u: np.inf, ValueError),
        (lambda u: u, ValueError),  # an array, not a number
        (lambda u: "1.0", TypeError),
        (lambda u: None, TypeError),
        (lambda u: 1j, TypeError),
    ],
)
def test_numerical_gradient_rejects_bad_return_values(f, exc):
    with pytest.raises(exc) as info:
        numerical_gradient(f, [1.0, 2.0])
    assert str(info.value).startswith("f: expected f(w) to return a finite number, got ")


def test_numerical_gradient_rejects_a_step_lost_in_round_off():
    with pytest.raises(ValueError, match=r"^eps: "):
        numerical_gradient(lambda u: float(u @ u), [1e30], eps=1e-6)


# --- decay_factor --------------------------------------------------------------


def test_decay_factor_lesson_example():
    assert abs(decay_factor(0.01, 0.1) - 0.998) <= 1e-15
    assert isinstance(decay_factor(0.01, 0.1), float)


@pytest.mark.parametrize(("lr", "lam", "expected"), [(0, 5, 1.0), (0.1, 0, 1.0), (0.25, 1, 0.5), (0.5, 1, 0.0), (1, 1, -1.0)])
def test_decay_factor_values_including_negative(lr, lam, expected):
    assert decay_factor(lr, lam) == pytest.approx(expected, abs=1e-15)


def test_decay_factor_is_one_sgd_step_on_the_penalty():
    """w - lr * d/dw (L_data + lam ||w||^2) == w * decay_factor - lr * dL_data/dw."""
    w, X, y = make_problem()
    lr, lam = 0.05, 0.7
    data_grad = ridge_gradient(w, X, y, 0.0)
    sgd = w - lr * ridge_gradient(w, X, y, lam)
    np.testing.assert_allclose(sgd, w * decay_factor(lr, lam) - lr * data_grad, rtol=1e-13, atol=1e-15)
