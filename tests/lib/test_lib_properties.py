"""Hypothesis properties of the penalty and the ridge fits."""

import zlib

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from l2reg import ridge_fit, ridge_loss, ridge_path

SETTINGS = settings(max_examples=60, deadline=None)

# Entries on a grid of quarters: repeated values, zero and duplicated columns
# (rank deficiency) are common, round-off pathologies (1e-300) are not.
entries = st.integers(-20, 20).map(lambda k: k / 4)
lam_values = st.floats(min_value=0.0, max_value=100.0, allow_nan=False, allow_subnormal=False)


@st.composite
def problems(draw, max_n=8, max_p=6):
    n = draw(st.integers(1, max_n))
    p = draw(st.integers(1, max_p))
    X = draw(hnp.arrays(np.float64, (n, p), elements=entries))
    y = draw(hnp.arrays(np.float64, (n,), elements=entries))
    return X, y


def data_scale(X, y):
    """The natural size of a weight: |y| / |X| (1 if either is zero)."""
    nx, ny = np.linalg.norm(X), np.linalg.norm(y)
    return ny / nx if nx > 0 and ny > 0 else 1.0


@SETTINGS
@given(problems(), st.lists(lam_values, min_size=2, max_size=12), st.booleans())
def test_weight_norm_is_non_increasing_in_lam(problem, lams, fit_intercept):
    X, y = problem
    lams = np.sort(np.array(lams))
    W, _ = ridge_path(X, y, lams, fit_intercept=fit_intercept)
    norms = np.linalg.norm(W, axis=1)
    slack = 1e-10 * norms.max() + 1e-300
    assert np.all(np.diff(norms) <= slack), (lams, norms)
    # and ridge_fit, one lambda at a time, agrees with the path
    scale = data_scale(X, y)
    for k in (0, len(lams) // 2, len(lams) - 1):
        w, _ = ridge_fit(X, y, lams[k], fit_intercept=fit_intercept)
        assert np.linalg.norm(w - W[k]) <= 1e-7 * (norms[k] + scale)


@SETTINGS
@given(problems(max_n=10, max_p=4), st.booleans())
def test_lam_zero_is_ordinary_least_squares_with_full_column_rank(problem, fit_intercept):
    X, y = problem
    n, p = X.shape
    design = np.column_stack([X, np.ones(n)]) if fit_intercept else X
    sv = np.linalg.svd(design, compute_uv=False)
    assume(n >= design.shape[1] and sv[-1] > 1e-6 * sv[0])  # full column rank, not borderline
    coef = np.linalg.lstsq(design, y, rcond=None)[0]
    w, b = ridge_fit(X, y, 0.0, fit_intercept=fit_intercept)
    W, B = ridge_path(X, y, [0.0], fit_intercept=fit_intercept)
    tol = 1e-8 * (np.linalg.norm(coef) + data_scale(X, y))
    assert np.linalg.norm(w - coef[:p]) <= tol
    assert np.linalg.norm(W[0] - coef[:p]) <= tol
    b_ref = coef[p] if fit_intercept else 0.0
    assert abs(b - b_ref) <= tol * (1 + np.abs(X).max())
    assert abs(B[0] - b_ref) <= tol * (1 + np.abs(X).max())


@SETTINGS
@given(
    problems(),
    st.data(),
    lam_values,
    st.floats(-1e3, 1e3, allow_nan=False),
)
def test_ridge_loss_is_nonnegative_and_penalty_adds_lam_norm(problem, data, lam, b):
    X, y = problem
    w = data.draw(hnp.arrays(np.float64, (X.shape[1],), elements=st.floats(-1e3, 1e3)))
    loss = ridge_loss(w, X, y, lam, b)
    assert loss >= 0.0
    data_loss = ridge_loss(w, X, y, 0.0, b)
    assert abs(loss - data_loss - lam * (w @ w)) <= 1e-12 * max(loss, 1.0)


@SETTINGS
@given(problems(), lam_values, st.floats(-100, 100, allow_nan=False), st.booleans())
def test_ridge_fit_beats_any_other_weights(problem, lam, shift, perturb_b):
    X, y = problem
    w, b = ridge_fit(X, y, lam)
    best = ridge_loss(w, X, y, lam, b)
    rng = np.random.default_rng(zlib.crc32(X.tobytes()))
    for _ in range(5):
        w2 = w + rng.normal(size=w.size) * (1 + abs(shift))
        b2 = b + (shift if perturb_b else 0.0)
        assert ridge_loss(w2, X, y, lam, b2) >= best - 1e-9 * max(best, 1.0)


@SETTINGS
@given(problems(), st.lists(lam_values, min_size=1, max_size=5), st.floats(-50, 50, allow_nan=False))
def test_intercept_is_never_penalized(problem, lams, c):
    """Adding c to every target moves b by c and leaves w alone, for every lam."""
    X, y = problem
    W, b = ridge_path(X, y, lams)
    W_shift, b_shift = ridge_path(X, y + c, lams)
    scale = data_scale(X, y) + np.linalg.norm(W, axis=1).max()
    assert np.all(np.linalg.norm(W_shift - W, axis=1) <= 1e-9 * scale)
    assert np.allclose(b_shift, b + c, rtol=0, atol=1e-9 * (1 + abs(c) + np.abs(b).max() + scale * np.abs(X).max()))
    for k, lam in enumerate(lams):
        w1, b1 = ridge_fit(X, y, lam)
        w2, b2 = ridge_fit(X, y + c, lam)
        assert np.linalg.norm(w2 - w1) <= 1e-9 * scale
        assert abs(b2 - (b1 + c)) <= 1e-9 * (1 + abs(c) + abs(b1) + scale * np.abs(X).max())
