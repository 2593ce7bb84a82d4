"""Frobenius and Poisson NMF: objectives, monotonicity, KKT, planted topics, determinism, bad input."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment
from sklearn.decomposition._nmf import _beta_divergence
from sklearn.exceptions import ConvergenceWarning

from topicmf import MODELS, FrobeniusNMF, PoissonNMF
from topicmf.factorize import factorize
from topicmf.factorize import fit_frobenius, fit_poisson, frobenius_loss, poisson_loss

# tests that run to a fixed max_iter on purpose; the warning itself is tested below
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def planted(seed=0, n=150, m=120, k=4, scale=1.0):
    """Non-negative W, H with anchor words (separable), so the factors are identifiable."""
    rng = np.random.default_rng(seed)
    W = rng.gamma(0.5, 1.0, (n, k)) * scale
    H = rng.gamma(0.3, 1.0, (k, m))
    for t in range(k):  # each topic owns 5 words no other topic uses
        H[:, t * 5 : (t + 1) * 5] = 0.0
        H[t, t * 5 : (t + 1) * 5] = 2.0 + rng.random(5)
    return W, H


def topic_match(H_true, H_fit):
    """Mean cosine similarity of topics after the best one-to-one matching."""
    a = H_true / np.linalg.norm(H_true, axis=1, keepdims=True)
    b = H_fit / np.maximum(np.linalg.norm(H_fit, axis=1, keepdims=True), 1e-300)
    sim = a @ b.T
    rows, cols = linear_sum_assignment(-sim)
    return sim[rows, cols].mean()


def counts(seed=0, shape=(80, 60), density=0.25):
    X = sp.random(*shape, density=density, format="csr", random_state=seed)
    X.data = np.floor(X.data * 6) + 1
    return X


@pytest.mark.parametrize("dense", [False, True])
def test_objectives_equal_scikit_learns_beta_divergence(dense):
    X = counts(1)
    X[3] = 0  # an empty document
    X.eliminate_zeros()
    rng = np.random.default_rng(0)
    W, H = rng.random((80, 5)), rng.random((5, 60))
    data = X.toarray() if dense else X
    assert frobenius_loss(data, W, H) == pytest.approx(_beta_divergence(X, W, H, 2), rel=1e-12)
    assert poisson_loss(data, W, H) == pytest.approx(_beta_divergence(X, W, H, 1), rel=1e-12)
    # penalties: ½α‖·‖² and λΣ, scikit-learn's form without its n_features / n_samples factors
    value = poisson_loss(X, W, H, l2_W=0.3, l2_H=0.2, l1_W=0.1, l1_H=0.05)
    expected = _beta_divergence(X, W, H, 1) + 0.15 * np.sum(W**2) + 0.1 * np.sum(H**2) + 0.1 * W.sum() + 0.05 * H.sum()
    assert value == pytest.approx(expected, rel=1e-12)


def test_objectives_equal_a_dense_reference():
    X = counts(2)
    rng = np.random.default_rng(1)
    W, H = rng.random((80, 3)), rng.random((3, 60))
    D, Y = X.toarray(), W @ H
    assert frobenius_loss(X, W, H) == pytest.approx(0.5 * np.sum((D - Y) ** 2), rel=1e-12)
    mask = D > 0
    kl = np.sum(D[mask] * np.log(D[mask] / Y[mask])) - D.sum() + Y.sum()
    assert poisson_loss(X, W, H) == pytest.approx(kl, rel=1e-12)


@pytest.mark.parametrize("model, solver", [("nmf", "hals"), ("nmf", "mu"), ("pnmf", "cd"), ("pnmf", "mu")])
@pytest.mark.parametrize("penalties", [{}, {"alpha_W": 0.5, "alpha_H": 0.1, "l1_W": 0.05, "l1_H": 0.2}])
def test_objective_never_increases(model, solver, penalties):
    X = counts(3, shape=(120, 90))
    fit = factorize(X, 6, model=model, solver=solver, max_iter=150, tol=0, random_state=0, **penalties)
    curve = fit.loss_curve
    assert len(curve) == fit.n_iter == 150
    assert np.all(np.diff(curve) <= 1e-12 * abs(curve[0])), np.max(np.diff(curve))
    loss = frobenius_loss if model == "nmf" else poisson_loss
    pen = {"l2_W": penalties.get("alpha_W", 0), "l2_H": penalties.get("alpha_H", 0),
           "l1_W": penalties.get("l1_W", 0), "l1_H": penalties.get("l1_H", 0)}
    assert curve[-1] == pytest.approx(loss(X, fit.W, fit.H, **pen), rel=1e-9)


def test_hals_without_extrapolation_is_monotone_too():
    X = counts(4, shape=(100, 80))
    fit = fit_frobenius(X, 5, extrapolate=False, max_iter=100, tol=0, random_state=0)
    assert np.all(np.diff(fit.loss_curve) <= 1e-12 * fit.loss_curve[0])


def _kkt(grad_W, W, grad_H, H, scale):
    """Largest violation of W ⊙ ∇_W = 0 and ∇_W ≥ 0 (same for H), relative to ``scale``."""
    complementarity = max(np.abs(W * grad_W).max(), np.abs(H * grad_H).max())
    negativity = max(-grad_W.min(), -grad_H.min(), 0.0)
    return complementarity / scale, negativity / scale


def test_kkt_conditions_hold_at_convergence_frobenius():
    W0, H0 = planted(5, n=60, m=50, k=3)
    X = sp.csr_matrix(W0 @ H0 + 0.01 * np.random.default_rng(0).random((60, 50)))
    fit = fit_frobenius(X, 3, tol=1e-14, max_iter=3000, random_state=0)
    W, H, D = fit.W, fit.H, X.toarray()
    R = W @ H - D
    comp, neg = _kkt(R @ H.T, W, W.T @ R, H, scale=np.abs(D).max() * np.abs(H).max() * D.shape[1])
    assert comp < 1e-6 and neg < 1e-6


def test_kkt_conditions_hold_at_convergence_poisson():
    W0, H0 = planted(6, n=60, m=50, k=3)
    X = sp.csr_matrix(np.random.default_rng(1).poisson(5 * W0 @ H0).astype(float))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit = fit_poisson(X, 3, tol=1e-15, max_iter=3000, random_state=0)
    W, H, D = fit.W, fit.H, X.toarray()
    Y = W @ H
    G = 1.0 - np.divide(D, Y, out=np.zeros_like(D), where=D > 0)  # ∂D/∂(WH)
    grad_W, grad_H = G @ H.T, W.T @ G
    comp, neg = _kkt(grad_W, W, grad_H, H, scale=D.sum() / D.shape[0])
    assert comp < 1e-5 and neg < 1e-5


@pytest.mark.parametrize("model, solver, noise", [
    ("nmf", "hals", "exact"), ("nmf", "mu", "exact"), ("pnmf", "cd", "exact"), ("pnmf", "mu", "exact"),
    ("pnmf", "cd", "poisson"), ("nmf", "hals", "poisson"), ("pnmf", "sgd", "poisson"), ("nmf", "als", "exact"),
])
def test_planted_topics_are_recovered(model, solver, noise):
    W0, H0 = planted(7, scale=20.0)
    rng = np.random.default_rng(2)
    X = W0 @ H0 if noise == "exact" else rng.poisson(W0 @ H0).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit = factorize(sp.csr_matrix(X), 4, model=model, solver=solver, max_iter=500, tol=1e-9, random_state=0)
    assert np.all(fit.W >= 0) and np.all(fit.H >= 0)
    assert topic_match(H0, fit.H) > (0.99 if noise == "exact" else 0.97)


@pytest.mark.parametrize("model, solver", [(m, s) for m in ("nmf", "pnmf") for s in MODELS[m].solvers])
def test_same_seed_gives_bitwise_identical_factors(model, solver):
    X = counts(8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = factorize(X, 4, model=model, solver=solver, init="random", max_iter=30, random_state=11)
        b = factorize(X, 4, model=model, solver=solver, init="random", max_iter=30, random_state=11)
        c = factorize(X.toarray(), 4, model=model, solver=solver, init="random", max_iter=30, random_state=11)
    assert np.array_equal(a.W, b.W) and np.array_equal(a.H, b.H)
    assert np.array_equal(a.W, c.W) and np.array_equal(a.H, c.H)  # dense input: the same result
    assert np.array_equal(a.loss_curve, b.loss_curve)


@pytest.mark.parametrize("model", ["nmf", "pnmf"])
def test_empty_rows_and_columns_work(model):
    X = counts(9).tolil()
    X[5, :] = 0
    X[:, 7] = 0
    X = X.tocsr()
    X.eliminate_zeros()
    fit = factorize(X, 4, model=model, random_state=0)
    assert np.all(np.isfinite(fit.W)) and np.all(np.isfinite(fit.H))
    assert np.allclose(fit.W[5], 0.0) and np.allclose(fit.H[:, 7], 0.0)


@pytest.mark.parametrize("model", ["nmf", "pnmf", "lsa"])
@pytest.mark.parametrize(
    "X, k, message",
    [
        (np.ones((5, 4)), 5, r"n_components=5 is too large: X has 5 sample\(s\) .* and 4 feature\(s\)"),
        (np.ones((5, 4)), 0, r"The 'n_components' parameter of \w+ must be an int in the range \[1, inf\)\. Got 0"),
        (np.zeros((5, 4)), 2, r"X is all zeros"),
        (np.array([[1.0, np.nan], [1.0, 2.0]]), 1, r"NaN"),
        (np.array([[1.0, np.inf], [1.0, 2.0]]), 1, r"infinity"),
    ],
)
def test_bad_input_raises_a_value_error_naming_the_problem(model, X, k, message):
    with pytest.raises(ValueError, match=message):
        factorize(X, k, model=model)


@pytest.mark.parametrize("model", ["nmf", "pnmf"])
def test_negative_entries_are_rejected_by_nmf(model):
    X = np.array([[1.0, -2.0], [3.0, 4.0]])
    with pytest.raises(ValueError, match="Negative values in data passed to"):
        factorize(X, 1, model=model)
    assert factorize(X, 1, model="lsa").W.shape == (2, 1)  # LSA takes any real matrix


def test_unknown_names_list_the_valid_ones():
    with pytest.raises(ValueError, match="choose one of pnmf, nmf, lsa"):
        factorize(np.ones((3, 3)), 1, model="lda")
    with pytest.raises(ValueError, match=r"The 'solver' parameter of PoissonNMF must be a str among \{'cd', 'mu', 'sgd'\}"):
        factorize(np.ones((3, 3)), 1, model="pnmf", solver="hals")


def test_reaching_max_iter_warns_and_names_the_remedy(caplog):
    X = counts(10)
    with pytest.warns(ConvergenceWarning, match="stopped at max_iter=3 .* increase max_iter or tol"):
        fit = fit_poisson(X, 3, max_iter=3, random_state=0)
    assert not fit.converged and fit.n_iter == 3
    with caplog.at_level(logging.INFO, logger="topicmf.factorize"):
        fit = fit_poisson(X, 3, max_iter=500, tol=1e-4, random_state=0)
    assert fit.converged and "converged after" in caplog.text


@pytest.mark.parametrize("estimator", [FrobeniusNMF, PoissonNMF])
def test_transform_agrees_with_fit_transform_and_inverse_transform(estimator):
    W0, H0 = planted(12, n=80, m=60, k=3)
    X = sp.csr_matrix(np.random.default_rng(3).poisson(10 * W0 @ H0).astype(float))
    model = estimator(3, tol=1e-12, max_iter=2000, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        W = model.fit_transform(X)
    W_again = model.transform(X)
    np.testing.assert_allclose(W_again, W, rtol=1e-3, atol=1e-4 * W.max())
    np.testing.assert_allclose(model.inverse_transform(W), W @ model.components_)
    assert model.transform(X[:7]).shape == (7, 3)


def test_custom_initialisation_is_used():
    X = counts(13)
    rng = np.random.default_rng(0)
    W0, H0 = rng.random((80, 3)), rng.random((3, 60))
    fit = fit_frobenius(X, 3, init="custom", W=W0, H=H0, max_iter=1, solver="mu", tol=0)
    D = X.toarray()
    W1 = W0 * (D @ H0.T) / (W0 @ H0 @ H0.T)  # one Lee–Seung step from the given start
    H1 = H0 * (W1.T @ D) / (W1.T @ W1 @ H0)
    np.testing.assert_allclose(fit.H, H1, rtol=1e-10)
    with pytest.raises(ValueError, match="init='custom' needs W of shape"):
        fit_frobenius(X, 3, init="custom", W=W0[:5], H=H0)
    with pytest.raises(ValueError, match="must be non-negative"):
        fit_poisson(X, 3, init="custom", W=-W0, H=H0)


@pytest.mark.parametrize("model", ["nmf", "pnmf"])
@pytest.mark.parametrize("solver_index", [0, 1])
def test_returned_w_is_the_exact_fold_in_for_the_final_h(model, solver_index):
    X = counts(14)
    spec = MODELS[model]
    fit = factorize(X, 4, model=model, solver=spec.solvers[solver_index], random_state=0)
    np.testing.assert_allclose(spec.transform(X, fit.H), fit.W, rtol=1e-4, atol=1e-6 * fit.W.max())
    loss = frobenius_loss if model == "nmf" else poisson_loss
    assert fit.loss_curve[-1] == pytest.approx(loss(X, fit.W, fit.H), rel=1e-12)


@pytest.mark.parametrize("init", ["nndsvd", "nndsvda"])
def test_the_start_leaves_only_w_with_the_rows(init):
    """The randomized SVD's basis and left vectors are let go once W is formed: they would otherwise stay
    through every iteration (n × (k + 10) and n × k floats: 88 MB at 10⁵ documents, k = 50)."""
    from topicmf.factorize.topics.init import start
    from topicmf.factorize.topics.local import LocalRows

    X = counts(seed=3)
    rows = LocalRows(X, 14)
    H = start(rows, 4, init, np.random.default_rng(0), loss="poisson")
    assert set(rows.arrays) == {"W"} and rows["W"].shape == (X.shape[0], 4) and H.shape == (4, X.shape[1])
