"""Rating-matrix solvers (issue 10, the matrix layer): explicit SGD/ALS/baseline, implicit ALS."""

from __future__ import annotations

import numba
import numpy as np
import pytest
import scipy.sparse as sp

from topicmf import ExplicitMF, ImplicitMF
from topicmf.factorize.ratings import kernels as rk
from topicmf.factorize.engine import threads as _threads
from topicmf.factorize.ratings.models import explicit_loss, fit_explicit, fit_implicit, implicit_loss

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# The lecture's table: users × films, blank = unknown.
USERS = ["Маша", "Юля", "Вова", "Коля", "Петя", "Ваня"]
FILMS = ["Пила", "Улица Вязов", "Ванильное небо", "1+1"]
LECTURE = [[5, 4, 1, 2], [5, 5, 2, None], [None, None, 3, 5], [3, None, 4, 5], [None, None, None, 4],
           [None, 5, 3, 3]]


def lecture():
    cells = [(i, j, v) for i, row in enumerate(LECTURE) for j, v in enumerate(row) if v is not None]
    i, j, v = map(np.array, zip(*cells))
    return sp.csr_matrix((v.astype(float), (i, j)), shape=(6, 4))


def planted(seed=0, n=120, m=90, k=3, density=0.3, noise=0.1):
    rng = np.random.default_rng(seed)
    full = 3.0 + rng.normal(size=(n, k)) @ rng.normal(size=(k, m)) / np.sqrt(k) + rng.normal(0, noise, (n, m))
    mask = rng.random((n, m)) < density
    rows, cols = np.nonzero(mask)
    return sp.csr_matrix((full[rows, cols], (rows, cols)), shape=(n, m)), full, mask


def dense_explicit_loss(R, U, V, b, c, mu, alpha, beta, gamma, delta):
    D = R.toarray()
    known = np.zeros(R.shape, bool)
    coo = R.tocoo()
    known[coo.row, coo.col] = True  # stored zeros are known cells too
    pred = mu + b[:, None] + c[None, :] + U @ V.T
    return float(((D - pred)[known] ** 2).sum() + alpha * (U**2).sum() + beta * (V**2).sum()
                 + gamma * (b**2).sum() + delta * (c**2).sum())


def test_the_explicit_objective_counts_known_cells_only_and_its_gradient_matches_finite_differences():
    R, _, _ = planted(1, n=12, m=9, density=0.4)
    rng = np.random.default_rng(0)
    U, V, b, c = rng.normal(size=(12, 2)), rng.normal(size=(9, 2)), rng.normal(size=12), rng.normal(size=9)
    pen = dict(alpha=0.3, beta=0.2, gamma=0.1, delta=0.4, penalty="total")
    weights = [pen[name] for name in ("alpha", "beta", "gamma", "delta")]
    assert explicit_loss(R, U, V, b, c, 3.0, **pen) == pytest.approx(dense_explicit_loss(R, U, V, b, c, 3.0, *weights))
    # per rating: each known cell carries its row's and column's penalties
    n_i, m_j = np.diff(R.indptr), np.bincount(R.indices, minlength=9)
    per_cell = dense_explicit_loss(R, U, V, b, c, 3.0, 0, 0, 0, 0) + (
        0.3 * n_i @ (U**2).sum(1) + 0.2 * m_j @ (V**2).sum(1) + 0.1 * n_i @ b**2 + 0.4 * m_j @ c**2)
    assert explicit_loss(R, U, V, b, c, 3.0, **dict(pen, penalty="per_rating")) == pytest.approx(per_cell)
    # the gradient the SGD step follows, summed over the known cells, against finite differences
    res = np.empty(R.nnz)
    rk.explicit_residuals(R.indptr, R.indices, R.data, U, V, b, c, 3.0, res)
    rows = np.repeat(np.arange(12), np.diff(R.indptr))
    grad_U = np.zeros_like(U)
    np.add.at(grad_U, rows, -2 * res[:, None] * V[R.indices])
    grad_U += 2 * pen["alpha"] * U
    grad_b = np.bincount(rows, -2 * res, minlength=12) + 2 * pen["gamma"] * b
    eps = 1e-6
    for (i, r) in [(0, 0), (5, 1), (11, 0)]:
        Up, Um = U.copy(), U.copy()
        Up[i, r] += eps
        Um[i, r] -= eps
        numeric = (explicit_loss(R, Up, V, b, c, 3.0, **pen) - explicit_loss(R, Um, V, b, c, 3.0, **pen)) / (2 * eps)
        assert numeric == pytest.approx(grad_U[i, r], rel=1e-5, abs=1e-6)
    bp, bm = b.copy(), b.copy()
    bp[3] += eps
    bm[3] -= eps
    numeric = (explicit_loss(R, U, V, bp, c, 3.0, **pen) - explicit_loss(R, U, V, bm, c, 3.0, **pen)) / (2 * eps)
    assert numeric == pytest.approx(grad_b[3], rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("per_rating", [False, True])
def test_an_als_half_step_is_the_dense_ridge_solve_over_each_users_known_cells(per_rating):
    R, _, _ = planted(2, n=15, m=10, density=0.5)
    rng = np.random.default_rng(1)
    U, V, b, c = np.zeros((15, 3)), rng.normal(size=(10, 3)), np.zeros(15), rng.normal(size=10)
    mu, alpha, gamma = 3.0, 0.7, 0.3
    rk.explicit_rows(R.indptr, R.indices, R.data, U, b, V, c, mu, alpha, gamma, True, per_rating)
    for i in range(15):
        j = R.indices[R.indptr[i]:R.indptr[i + 1]]
        Z = np.hstack([V[j], np.ones((j.size, 1))])
        t = R.data[R.indptr[i]:R.indptr[i + 1]] - mu - c[j]
        s = j.size if per_rating else 1
        x = np.linalg.solve(Z.T @ Z + s * np.diag([alpha] * 3 + [gamma]), Z.T @ t)
        np.testing.assert_allclose(np.append(U[i], b[i]), x, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("penalty", ["per_rating", "total"])
def test_sgd_and_als_descend_the_same_objective(penalty):
    """SGD's recorded curve is the objective it descends: it ends near ALS's optimum, either way."""
    R, _, _ = planted(5, n=80, m=60, density=0.4)
    weights = dict(alpha=0.05, beta=0.05, gamma=0.02, delta=0.02) if penalty == "per_rating" else dict(
        alpha=2.0, beta=2.0, gamma=1.0, delta=1.0)
    als = fit_explicit(R, 3, solver="als", max_iter=200, tol=1e-12, penalty=penalty, random_state=0, **weights)
    sgd = fit_explicit(R, 3, solver="sgd", max_iter=300, learning_rate=0.005, penalty=penalty, random_state=0,
                       **weights)
    assert als.objective <= sgd.objective <= 1.02 * als.objective
    assert sgd.loss_curve[-1] < sgd.loss_curve[0]


def test_als_never_rises_and_sgd_and_als_recover_planted_ratings():
    R, full, mask = planted(3)
    als = fit_explicit(R, 3, solver="als", max_iter=30, alpha=0.5, beta=0.5, gamma=0.5, delta=0.5, penalty="total",
                       random_state=0)
    assert np.all(np.diff(als.loss_curve) <= 1e-9 * als.loss_curve[0])
    sgd = fit_explicit(R, 3, solver="sgd", max_iter=60, learning_rate=0.02, alpha=0.02, beta=0.02, random_state=0)
    base = fit_explicit(R, solver="baseline", max_iter=10, gamma=5.0, delta=5.0, penalty="total")
    held = ~mask
    rmse = {}
    for name, f in (("als", als), ("sgd", sgd), ("baseline", base)):
        pred = f.global_mean + f.user_bias[:, None] + f.item_bias[None, :] + f.U @ f.V.T
        rmse[name] = float(np.sqrt(np.mean((pred[held] - full[held]) ** 2)))
    assert rmse["als"] < 0.2 and rmse["sgd"] < 0.25  # the noise is 0.1; the ratings spread ±1
    assert rmse["baseline"] > 2 * rmse["als"]  # biases alone cannot hold the interactions


def test_unknown_cells_never_matter_but_a_stored_zero_does():
    R = lecture()
    fit = fit_explicit(R, 2, solver="als", max_iter=20, random_state=0)
    # the same known cells stored in another order, with no value at the unknown ones: the same fit
    coo = R.tocoo()
    order = np.random.default_rng(0).permutation(coo.nnz)
    shuffled = sp.coo_matrix((coo.data[order], (coo.row[order], coo.col[order])), shape=R.shape)
    again = fit_explicit(shuffled, 2, solver="als", max_iter=20, random_state=0)
    assert np.array_equal(fit.U, again.U) and np.array_equal(fit.item_bias, again.item_bias)
    # Петя × Пила: a known 0, stored explicitly
    with_zero = sp.coo_matrix((np.append(coo.data, 0.0), (np.append(coo.row, 4), np.append(coo.col, 0))),
                              shape=R.shape)
    assert with_zero.nnz == R.nnz + 1
    zero_fit = fit_explicit(with_zero, 2, solver="als", max_iter=20, random_state=0)
    assert zero_fit.global_mean < fit.global_mean and zero_fit.user_bias[4] < fit.user_bias[4] - 0.1


def test_the_lecture_table():
    R = lecture()
    model = ExplicitMF(2, solver="als", alpha=0.1, beta=0.1, gamma=0.1, delta=0.1, max_iter=50, random_state=0).fit(R)
    kolya, elm = USERS.index("Коля"), FILMS.index("Улица Вязов")
    guess = float(model.predict([kolya], [elm])[0])
    assert 1.0 <= guess <= 5.0  # clipped to the scale seen
    np.testing.assert_allclose(model.predict(R.nonzero()[0], R.nonzero()[1]), R.data, atol=0.6)
    items, scores = model.recommend(np.arange(6), n_items=2)
    for u in range(6):  # never a film the user rated; the unrated ones, best first
        unrated = [j for j, v in enumerate(LECTURE[u]) if v is None]
        assert list(items[u][: len(unrated)]) == sorted(unrated, key=lambda j: -model.predict([u], [j])[0])[:2]
        assert all(j == -1 for j in items[u][len(unrated):])
    # an unknown user or item falls back to μ + the known bias
    np.testing.assert_allclose(model.predict([-1], [elm]), np.clip(model.global_mean_ + model.item_bias_[elm], 1, 5))


def test_sgd_is_bitwise_reproducible_and_the_same_on_one_thread_and_two(monkeypatch):
    monkeypatch.setattr(_threads, "SMALL_WORK", 0)
    R, _, _ = planted(4, n=200, m=150)
    runs = []
    for threads in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
        numba.set_num_threads(threads)
        try:
            runs.append(fit_explicit(R, 4, solver="sgd", max_iter=5, random_state=7))
        finally:
            numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    a, b = runs
    assert np.array_equal(a.U, b.U) and np.array_equal(a.V, b.V) and np.array_equal(a.user_bias, b.user_bias)
    c = fit_explicit(R, 4, solver="sgd", max_iter=5, random_state=7)
    assert np.array_equal(a.U, c.U) and np.array_equal(a.loss_curve, c.loss_curve)


def test_implicit_objective_and_exact_als_against_dense_weighted_least_squares():
    rng = np.random.default_rng(5)
    X = sp.random(20, 15, density=0.25, random_state=rng, format="csr")
    X.data = rng.integers(1, 5, X.nnz).astype(float)
    alpha, reg, k = 10.0, 0.1, 3
    U, V = rng.normal(size=(20, k)), rng.normal(size=(15, k))
    D = X.toarray()
    P, Wt = (D > 0).astype(float), 1.0 + alpha * np.abs(D)
    dense = float((Wt * (P - U @ V.T) ** 2).sum() + reg * ((U**2).sum() + (V**2).sum()))
    assert implicit_loss(X, U, V, alpha=alpha, reg=reg) == pytest.approx(dense)
    gram = V.T @ V
    rk.implicit_rows_exact(X.indptr, X.indices, X.data, U, V, gram, alpha, reg)
    for i in range(20):
        Wi = np.diag(Wt[i])
        expected = np.linalg.solve(V.T @ Wi @ V + reg * np.eye(k), V.T @ Wi @ P[i])
        np.testing.assert_allclose(U[i], expected, rtol=1e-9, atol=1e-12)
    # conjugate gradient from zero reaches the exact solve in k steps (exact arithmetic), close here
    U_cg = np.zeros_like(U)
    rk.implicit_rows_cg(X.indptr, X.indices, X.data, U_cg, V, gram, alpha, reg, k + 2)
    np.testing.assert_allclose(U_cg, U, rtol=1e-6, atol=1e-8)


def test_implicit_als_never_rises_and_cg_follows_it():
    rng = np.random.default_rng(6)
    X = sp.csr_matrix((rng.random((80, 60)) < 0.1).astype(float))
    exact = fit_implicit(X, 5, solver="exact", max_iter=10, random_state=0)
    cg = fit_implicit(X, 5, solver="cg", max_iter=10, random_state=0)
    assert np.all(np.diff(exact.loss_curve) <= 1e-9 * exact.loss_curve[0])
    assert cg.objective <= 1.01 * exact.objective


@pytest.mark.parametrize("alpha", [10.0, 100.0, 1000.0])
def test_implicit_als_works_for_large_confidence_weights(alpha):
    rng = np.random.default_rng(8)
    # two planted groups of users, each buying from its own half of the items
    group = np.arange(60) % 2
    likes = (rng.random((60, 40)) < 0.35) & (group[:, None] == (np.arange(40) // 20)[None, :])
    counts = likes * rng.integers(1, 6, (60, 40))
    X = sp.csr_matrix(counts.astype(float))
    for solver in ("exact", "cg"):
        fit = fit_implicit(X, 4, solver=solver, alpha=alpha, reg=0.1, max_iter=10, random_state=0)
        assert np.all(np.isfinite(fit.U)) and np.all(np.isfinite(fit.V)) and np.isfinite(fit.objective)
        if solver == "exact":
            assert np.all(np.diff(fit.loss_curve) <= 1e-9 * fit.loss_curve[0])
        model = ImplicitMF(4, solver=solver, alpha=alpha, reg=0.1, max_iter=10, random_state=0).fit(X)
        items, _ = model.recommend(np.arange(60), n_items=3)
        own_half = (items // 20) == group[:, None]
        assert own_half.mean() > 0.95  # recommendations come from the user's own group's items


def test_implicit_recommendations_leave_out_known_items_unless_asked():
    X = sp.csr_matrix(np.array([[1, 0, 1, 0], [1, 1, 0, 1], [0, 1, 1, 0], [1, 0, 1, 0], [0, 1, 1, 0],
                                [0, 0, 1, 1]], dtype=float))  # the lecture's purchases
    model = ImplicitMF(2, solver="exact", alpha=10, reg=0.1, max_iter=10, random_state=0).fit(X)
    items, _ = model.recommend(np.arange(6), n_items=1)
    for u in range(6):
        assert X[u, items[u, 0]] == 0
    with_known, _ = model.recommend([0], n_items=4, exclude_known=False)
    assert set(with_known[0]) == {0, 1, 2, 3}


@pytest.mark.parametrize("bad, message", [
    (np.ones((3, 3)), "scipy sparse"),
    (sp.csr_matrix((3, 3)), "no known cells"),
    (sp.coo_matrix(([1.0, 2.0], ([0, 0], [1, 1])), shape=(2, 2)), "more than once"),
    (sp.csr_matrix(np.array([[np.nan, 1.0]])), "NaN"),
])
def test_bad_rating_matrices_get_a_clear_error(bad, message):
    with pytest.raises(ValueError, match=message):
        fit_explicit(bad, 1, max_iter=1)
    with pytest.raises(ValueError, match=r"The 'solver' parameter of ExplicitMF must be a str among \{'sgd', 'als', 'baseline'\}"):
        fit_explicit(lecture(), 1, solver="svd++")


@pytest.mark.parametrize("penalty", ["per_rating", "total"])
def test_an_explicit_user_folded_in_is_the_als_solve_a_training_user_gets(penalty):
    R, _, _ = planted(3, n=60, m=40)
    model = ExplicitMF(3, solver="als", penalty=penalty, max_iter=150, random_state=0).fit(R)
    # an ALS sweep ends with the items' half-step, so each user's last solve saw an older V: re-solve
    # every user against the final V and compare the fold-in of each with that exact row solve
    U, b = model.fold_in(R)
    for i in (0, 7, 59):
        row = R[i]
        cols, vals = row.indices, row.data
        Z = np.hstack([model.item_factors_[cols], np.ones((cols.size, 1))])
        scale = cols.size if penalty == "per_rating" else 1.0
        A = Z.T @ Z + scale * np.diag([model.alpha] * 3 + [model.gamma])
        x = np.linalg.solve(A, Z.T @ (vals - model.global_mean_ - model.item_bias_[cols]))
        np.testing.assert_allclose(np.r_[U[i], b[i]], x, rtol=1e-8, atol=1e-10)
    # after convergence the fold-in of a training user lands where training put it
    np.testing.assert_allclose(U, model.user_factors_, atol=2e-3)
    items, scores = model.recommend_new(R[:5], n_items=4)
    ref_items, _ = model.recommend(np.arange(5), n_items=4)
    assert (items == ref_items).mean() > 0.9


def test_an_implicit_user_folded_in_is_the_exact_weighted_least_squares_solve():
    rng = np.random.default_rng(4)
    X = sp.random(30, 20, density=0.2, random_state=rng, data_rvs=lambda k: rng.integers(1, 4, k).astype(float))
    model = ImplicitMF(4, solver="exact", alpha=5.0, reg=0.1, max_iter=5, random_state=0).fit(X.tocsr())
    new = sp.csr_matrix(([2.0, 1.0, 3.0], ([0, 0, 0], [1, 4, 9])), shape=(1, 20))
    u, b = model.fold_in(new)
    V = model.item_factors_
    x = new.toarray()[0]
    w, p = 1 + 5.0 * np.abs(x), (x > 0).astype(float)
    expected = np.linalg.solve(V.T @ (w[:, None] * V) + 0.1 * np.eye(4), V.T @ (w * p))
    np.testing.assert_allclose(u[0], expected, rtol=1e-9)
    assert b.tolist() == [0.0]
    items, _ = model.recommend_new(new, n_items=20)
    assert not {1, 4, 9} & set(items[0].tolist()) and (items[0] == -1).sum() == 3
    with pytest.raises(ValueError, match="20 columns"):
        model.fold_in(sp.csr_matrix((1, 19)))
