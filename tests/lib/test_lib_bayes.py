"""The Bayesian view of ridge: Gaussian prior, posterior, MAP, and their link to ridge_fit."""

import inspect
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import l2reg
from l2reg import (
    log_likelihood,
    log_prior,
    map_estimate,
    neg_log_posterior,
    posterior,
    ridge_fit,
    ridge_lambda,
    ridge_loss,
)
from l2reg.bayes import Posterior

SHAPES = [(30, 5), (20, 20), (10, 40), (1, 3), (50, 1), (5, 8), (2, 1)]
NOISE_PRIOR = [(1.0, 1.0), (0.5, 2.0), (3.0, 0.1), (0.1, 10.0)]


def make_data(n, p, seed=0):
    """Uncentred features and targets, so that the intercept matters."""
    rng = np.random.default_rng(1000 * n + p + seed)
    X = rng.normal(size=(n, p)) + rng.uniform(-3, 3, size=p)
    y = X @ rng.normal(size=p) + 4.0 + 0.5 * rng.normal(size=n)
    return X, y


def rel_err(actual, expected):
    return np.linalg.norm(np.asarray(actual) - expected) / max(np.linalg.norm(expected), 1e-300)


def centred(X, y, fit_intercept):
    if fit_intercept:
        return X - X.mean(axis=0), y - y.mean()
    return X, y


# --- ridge_lambda ------------------------------------------------------------------


def test_ridge_lambda_formula():
    assert ridge_lambda(1.0, 0.5, 100) == pytest.approx(0.04, rel=1e-15)
    assert ridge_lambda(2.0, 1.0, 1) == 4.0
    for sigma, tau, n in [(0.3, 1.7, 13), (5.0, 0.01, 1000)]:
        assert ridge_lambda(sigma, tau, n) == pytest.approx(sigma**2 / (n * tau**2), rel=1e-14)
    # a narrower prior is a larger penalty; more data is a smaller one
    assert ridge_lambda(1.0, 0.1, 10) > ridge_lambda(1.0, 1.0, 10) > ridge_lambda(1.0, 1.0, 100)
    assert isinstance(ridge_lambda(1, 1, 1), float)


# --- MAP == ridge ------------------------------------------------------------------


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize(("sigma", "tau"), NOISE_PRIOR)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_map_is_ridge_fit_with_lambda_sigma2_over_n_tau2(shape, sigma, tau, fit_intercept):
    X, y = make_data(*shape)
    n = shape[0]
    w, b = map_estimate(X, y, sigma, tau, fit_intercept=fit_intercept)
    w_ridge, b_ridge = ridge_fit(X, y, ridge_lambda(sigma, tau, n), fit_intercept=fit_intercept)
    assert w.shape == (shape[1],) and w.dtype == np.float64 and isinstance(b, float)
    assert rel_err(w, w_ridge) <= 1e-10
    assert abs(b - b_ridge) <= 1e-10 * max(abs(b_ridge), 1.0)
    if not fit_intercept:
        assert b == 0.0
    # the posterior mean is the MAP (the posterior is Gaussian: mean == mode)
    post = posterior(X, y, sigma, tau, fit_intercept=fit_intercept)
    assert isinstance(post, Posterior)
    assert rel_err(post.mean, w) <= 1e-12
    assert post.b == pytest.approx(b, rel=1e-12, abs=1e-12)


entries = st.integers(-20, 20).map(lambda k: k / 4)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 8).flatmap(lambda n: st.tuples(st.just(n), st.integers(1, 6))).flatmap(
        lambda np_: st.tuples(
            hnp.arrays(np.float64, np_, elements=entries),
            hnp.arrays(np.float64, (np_[0],), elements=entries),
        )
    ),
    st.floats(0.1, 10.0),
    st.floats(0.1, 10.0),
    st.booleans(),
)
def test_map_is_ridge_fit_property(data, sigma, tau, fit_intercept):
    X, y = data
    w, b = map_estimate(X, y, sigma, tau, fit_intercept=fit_intercept)
    lam = ridge_lambda(sigma, tau, X.shape[0])
    w_ridge, b_ridge = ridge_fit(X, y, lam, fit_intercept=fit_intercept)
    scale = np.linalg.norm(w_ridge) + 1e-12 * (np.linalg.norm(y) / max(np.linalg.norm(X), 1.0))
    assert np.linalg.norm(w - w_ridge) <= 1e-9 * scale + 1e-12
    assert abs(b - b_ridge) <= 1e-9 * (abs(b_ridge) + np.abs(y).max() + 1.0)


# --- the covariance ------------------------------------------------------------------


def hessian(f, w, h=1.0):
    """Second differences; exact up to rounding for a quadratic f, whatever h."""
    p = w.size
    H = np.empty((p, p))
    E = np.eye(p) * h
    for i in range(p):
        for j in range(p):
            H[i, j] = (
                f(w + E[i] + E[j]) - f(w + E[i] - E[j]) - f(w - E[i] + E[j]) + f(w - E[i] - E[j])
            ) / (4 * h * h)
    return H


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize(("sigma", "tau"), [(1.0, 1.0), (0.5, 2.0), (2.0, 0.3)])
@pytest.mark.parametrize("shape", [(12, 3), (4, 6), (1, 2)], ids=str)
def test_covariance_is_the_inverse_hessian_of_the_negative_log_posterior(shape, sigma, tau, fit_intercept):
    X, y = make_data(*shape, seed=1)
    post = posterior(X, y, sigma, tau, fit_intercept=fit_intercept)
    x_mean, y_mean = X.mean(axis=0), y.mean()

    def f(w):
        # with an intercept, b is minimized out: b(w) = mean(y) - mean(X) @ w
        b = y_mean - x_mean @ w if fit_intercept else 0.0
        return neg_log_posterior(w, X, y, sigma, tau, b=b)

    H = hessian(f, post.mean, h=0.5 * tau)
    np.testing.assert_allclose(np.linalg.inv(H), post.cov, rtol=1e-6, atol=1e-9 * tau**2)
    # symmetric positive definite, and the closed form
    assert np.array_equal(post.cov, post.cov.T)
    assert np.linalg.eigvalsh(post.cov).min() > 0
    np.linalg.cholesky(post.cov)
    Xc, _ = centred(X, y, fit_intercept)
    precision = Xc.T @ Xc / sigma**2 + np.eye(shape[1]) / tau**2
    np.testing.assert_allclose(post.cov @ precision, np.eye(shape[1]), atol=1e-10)
    # the mean minimizes f: its gradient (by central differences) vanishes there
    g = np.array([(f(post.mean + e) - f(post.mean - e)) / 2 for e in np.eye(shape[1]) * 1e-3 * tau])
    assert np.abs(g).max() <= 1e-6 * (1 + abs(f(post.mean)))


def test_one_example_with_intercept_gives_back_the_prior():
    post = posterior([[2.0, -1.0]], [3.0], sigma=1.0, tau=0.7)
    np.testing.assert_array_equal(post.mean, [0.0, 0.0])
    np.testing.assert_allclose(post.cov, 0.49 * np.eye(2), rtol=1e-15)
    assert post.b == 3.0


# --- negative log posterior, prior and likelihood ----------------------------------


@pytest.mark.parametrize(("sigma", "tau"), NOISE_PRIOR)
@pytest.mark.parametrize("shape", [(15, 3), (4, 6)], ids=str)
def test_scaled_neg_log_posterior_is_the_ridge_loss(shape, sigma, tau):
    """(2 sigma^2 / n) * neg_log_posterior - ridge_loss is the same constant (zero) at
    every (w, b); adding the normalizers gives -(log likelihood + log prior)."""
    X, y = make_data(*shape, seed=2)
    n, p = shape
    lam = ridge_lambda(sigma, tau, n)
    rng = np.random.default_rng(3)
    const = n / 2 * math.log(2 * math.pi * sigma**2) + p / 2 * math.log(2 * math.pi * tau**2)
    diffs = []
    for _ in range(6):
        w, b = 3 * rng.normal(size=p), rng.normal()
        nlp = neg_log_posterior(w, X, y, sigma, tau, b=b)
        loss = ridge_loss(w, X, y, lam, b=b)
        diffs.append(2 * sigma**2 / n * nlp - loss)
        assert 2 * sigma**2 / n * nlp == pytest.approx(loss, rel=1e-12)
        full = -(log_likelihood(w, X, y, sigma, b=b) + log_prior(w, tau))
        assert full - nlp == pytest.approx(const, rel=1e-12, abs=1e-10)
    assert np.ptp(diffs) <= 1e-12 * max(1.0, abs(loss))


def test_log_densities_against_scalar_formulas():
    # prior: product of N(0, tau^2) densities
    w, tau = np.array([0.3, -1.2]), 0.8
    density = np.prod(np.exp(-(w**2) / (2 * tau**2)) / math.sqrt(2 * math.pi * tau**2))
    assert log_prior(w, tau) == pytest.approx(math.log(density), rel=1e-14)
    # likelihood: product of N(x w + b, sigma^2) densities of y
    X, y = np.array([[1.0, 2.0], [0.5, -1.0], [2.0, 0.0]]), np.array([1.0, 0.0, -2.0])
    sigma, b = 0.6, 0.4
    mu = X @ w + b
    density = np.prod(np.exp(-((y - mu) ** 2) / (2 * sigma**2)) / math.sqrt(2 * math.pi * sigma**2))
    assert log_likelihood(w, X, y, sigma, b=b) == pytest.approx(math.log(density), rel=1e-13)
    assert neg_log_posterior(w, X, y, sigma, tau, b) == pytest.approx(
        np.sum((y - mu) ** 2) / (2 * sigma**2) + np.sum(w**2) / (2 * tau**2), rel=1e-14
    )


# --- limits --------------------------------------------------------------------------


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_wide_prior_tends_to_least_squares_and_narrow_prior_to_zero(fit_intercept):
    X, y = make_data(40, 4, seed=4)
    w_ls, b_ls = ridge_fit(X, y, 0.0, fit_intercept=fit_intercept)
    def w_map(tau):
        return map_estimate(X, y, 1.0, tau, fit_intercept)[0]

    errors = [rel_err(w_map(tau), w_ls) for tau in (1.0, 1e2, 1e4, 1e6)]
    assert all(a > b for a, b in zip(errors, errors[1:]))
    assert errors[-1] < 1e-9
    assert map_estimate(X, y, 1.0, 1e6, fit_intercept)[1] == pytest.approx(b_ls, rel=1e-8, abs=1e-8)
    norms = [np.linalg.norm(w_map(tau)) for tau in (1.0, 1e-1, 1e-2, 1e-4)]
    assert all(a > b for a, b in zip(norms, norms[1:]))
    assert norms[-1] < 1e-5 * norms[0]  # shrinks like tau**2
    # ... and the intercept tends to mean(y) (or stays 0)
    b0 = map_estimate(X, y, 1.0, 1e-6, fit_intercept)[1]
    assert b0 == pytest.approx(y.mean() if fit_intercept else 0.0, rel=1e-9, abs=1e-12)
    # the posterior spread follows the prior: cov -> tau^2 I as tau -> 0
    tau = 1e-4
    cov = posterior(X, y, 1.0, tau, fit_intercept).cov
    np.testing.assert_allclose(cov, tau**2 * np.eye(4), rtol=1e-4, atol=1e-4 * tau**2)


# --- brute force in one dimension ------------------------------------------------------


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_one_weight_posterior_against_a_grid_and_monte_carlo(fit_intercept):
    """The closed form against a brute-force grid posterior (over w, and over b too with
    the flat intercept prior), and samples from the closed form against the grid's CDF."""
    rng = np.random.default_rng(5)
    n, sigma, tau = 8, 1.5, 0.7
    x = rng.normal(size=n) + 1.0
    y = 0.8 * x + 2.0 + sigma * rng.normal(size=n)
    X = x[:, None]
    post = posterior(X, y, sigma, tau, fit_intercept=fit_intercept)
    mean, sd = post.mean[0], math.sqrt(post.cov[0, 0])

    ws = np.linspace(mean - 10 * sd, mean + 10 * sd, 2001)
    if fit_intercept:
        bs = np.linspace(y.mean() - 10, y.mean() + 10, 1001)  # the flat prior, truncated far out
        resid = y[None, None, :] - ws[:, None, None] * x[None, None, :] - bs[None, :, None]
        logp = -np.sum(resid**2, axis=2) / (2 * sigma**2) - ws[:, None] ** 2 / (2 * tau**2)
        logp -= logp.max()
        density = np.exp(logp).sum(axis=1)  # integrate b out
    else:
        resid = y[None, :] - ws[:, None] * x[None, :]
        logp = -np.sum(resid**2, axis=1) / (2 * sigma**2) - ws**2 / (2 * tau**2)
        density = np.exp(logp - logp.max())
    density /= np.trapezoid(density, ws) if hasattr(np, "trapezoid") else np.trapz(density, ws)
    dw = ws[1] - ws[0]
    grid_mean = np.sum(ws * density) * dw
    grid_var = np.sum((ws - grid_mean) ** 2 * density) * dw
    assert grid_mean == pytest.approx(mean, rel=1e-6, abs=1e-8)
    assert grid_var == pytest.approx(sd**2, rel=1e-6)
    # the grid agrees with neg_log_posterior at a few points (b minimized out)
    for k in (700, 1000, 1300):
        b = y.mean() - x.mean() * ws[k] if fit_intercept else 0.0
        at_mean = neg_log_posterior([mean], X, y, sigma, tau, b=post.b)
        ratio = math.exp(at_mean - neg_log_posterior([ws[k]], X, y, sigma, tau, b=b))
        assert density[k] / density[1000] == pytest.approx(ratio, rel=1e-6)

    # Monte Carlo: samples from N(mean, sd^2) mapped through the grid's CDF are uniform
    cdf = np.cumsum(density) * dw
    samples = rng.normal(mean, sd, size=4000)
    u = np.sort(np.interp(samples, ws, cdf))
    ks = np.max(np.abs(u - (np.arange(1, u.size + 1) - 0.5) / u.size))
    assert ks < 0.03  # Kolmogorov-Smirnov: 1.36 / sqrt(4000) = 0.0215 at the 5% level
    assert np.mean(samples) == pytest.approx(grid_mean, abs=4 * sd / math.sqrt(4000))


# --- inputs ----------------------------------------------------------------------------

N, P = 4, 3


def good_args():
    rng = np.random.default_rng(0)
    return {
        "w": rng.normal(size=P),
        "X": rng.normal(size=(N, P)),
        "y": rng.normal(size=N),
        "sigma": 0.5,
        "tau": 2.0,
        "n": 10,
        "b": 0.3,
        "fit_intercept": True,
    }


FUNCTIONS = {
    "ridge_lambda": (ridge_lambda, ["sigma", "tau", "n"]),
    "posterior": (posterior, ["X", "y", "sigma", "tau", "fit_intercept"]),
    "map_estimate": (map_estimate, ["X", "y", "sigma", "tau", "fit_intercept"]),
    "neg_log_posterior": (neg_log_posterior, ["w", "X", "y", "sigma", "tau", "b"]),
    "log_prior": (log_prior, ["w", "tau"]),
    "log_likelihood": (log_likelihood, ["w", "X", "y", "sigma", "b"]),
}

# The bad inputs of every parameter are generated from the functions' declared constraints
# in test_lib_bad_inputs.py.


@pytest.mark.parametrize("func_name", list(FUNCTIONS))
def test_table_is_valid_and_complete(func_name):
    func, params = FUNCTIONS[func_name]
    args = good_args()
    func(**{name: args[name] for name in params})
    assert list(inspect.signature(func).parameters) == params


def test_table_covers_every_public_function_of_bayes():
    public = {
        name
        for name in l2reg.__all__
        if inspect.isfunction(getattr(l2reg, name))
        and getattr(l2reg, name).__module__ == "l2reg.bayes"
    }
    assert public == set(FUNCTIONS)


def test_exact_messages():
    with pytest.raises(ValueError) as info:
        posterior(np.zeros((3, 2)), np.zeros(3), sigma=0.0, tau=1.0)
    assert str(info.value) == "sigma: expected a finite number > 0, got 0.0"
    with pytest.raises(ValueError) as info:
        ridge_lambda(1.0, -2.0, 5)
    assert str(info.value) == "tau: expected a finite number > 0, got -2.0"
    with pytest.raises(TypeError) as info:
        ridge_lambda(1.0, 1.0, 5.0)
    assert str(info.value) == "n: expected an integer >= 1, got 5.0"
    with pytest.raises(ValueError) as info:
        map_estimate(np.zeros((3, 2)), np.zeros(4), 1.0, 1.0)
    assert str(info.value) == "y: expected length 3 to match the rows of X, got length 4"


@pytest.mark.parametrize("func_name", list(FUNCTIONS))
def test_inputs_are_never_modified(func_name):
    func, params = FUNCTIONS[func_name]
    args = good_args()
    kwargs = {name: args[name] for name in params}
    for value in kwargs.values():
        if isinstance(value, np.ndarray):
            value.setflags(write=False)
    before = {k: v.copy() for k, v in kwargs.items() if isinstance(v, np.ndarray)}
    result = func(**kwargs)
    for name, copy in before.items():
        assert np.array_equal(kwargs[name], copy), name
    outputs = result if isinstance(result, tuple) else (result,)
    for out in outputs:
        if isinstance(out, np.ndarray):
            assert out.flags.writeable
            assert not any(np.shares_memory(out, v) for v in before.values())


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_numpydoc_sections(name):
    assert name in l2reg.__all__
    doc = inspect.getdoc(getattr(l2reg, name))
    for section in ("Parameters", "Returns", "Raises", "Examples"):
        assert f"\n{section}\n{'-' * len(section)}\n" in doc, (name, section)
    assert ">>> " in doc.split("Examples", 1)[1]
    for param in inspect.signature(getattr(l2reg, name)).parameters:
        assert f"\n{param} :" in doc or f"\n{param}," in doc, (name, param)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_huge_features_posterior_mean_does_not_overflow_to_zero(fit_intercept):
    """X * 1e160 (s**2 overflows): the mean is the least-squares fit of X divided by 1e160
    (the prior is negligible), as ridge_fit gives; it used to be 0."""
    from l2reg import posterior, ridge_fit

    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(20, 3)), rng.normal(size=20)
    w0, b0 = ridge_fit(X, y, 0.0, fit_intercept=fit_intercept)
    with np.errstate(over="ignore"):  # the covariance's s**2 may overflow: d = 0 is its limit
        post = posterior(X * 1e160, y, 1.0, 1.0, fit_intercept=fit_intercept)
    np.testing.assert_allclose(post.mean * 1e160, w0, rtol=1e-8)
    assert post.b == pytest.approx(b0, rel=1e-8, abs=1e-12)
