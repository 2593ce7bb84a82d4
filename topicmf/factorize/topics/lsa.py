"""LSA: the truncated SVD X ≈ Ũ_k Σ_k Ṽ_kᵀ, and the "SVD in machine learning" solvers.

``randomized``, ``arpack`` and ``dense`` compute the SVD directly.  ``als``,
``gd`` and ``sgd`` minimise ½‖X − WH‖² + ½α_W‖W‖² + ½α_H‖H‖² without
constraints (alternating least squares; full gradient steps; per-entry
stochastic steps); their product is then put in SVD form, so every solver
reports singular values and splits Σ between the factors the same way.

The randomized SVD and every step are written against
:class:`~topicmf.factorize.topics.rows.Rows`; ``randomized`` runs unchanged on a cluster's
row blocks.
"""

from __future__ import annotations

import numpy as np

from ...spec.topics import LSA
from ..engine.common import Tracker, as_csr, check_rank, make_rng, validated
from ..engine.threads import one_blas_thread
from .nmf import Problem, Step, local_rows_only, rows_of, squared_objective
from .result import Factorization
from .local import LocalRows
from .rows import Rows
from .sgd import SquaredSgd
from .svd import randomized_svd, sign_fix, truncated_svd

__all__ = ["fit_lsa", "lsa_transform", "split_sigma", "LeastSquares", "GradientDescent", "ITERATIVE_STEPS",
           "DIRECT_SOLVERS"]

_L = LSA.params.default  # every default from the model's parameter table (topicmf.spec.topics)


def split_sigma(singular_values, Vt, sigma):
    """H for a split of Σ: Ṽᵀ (left: Σ goes to W), ΣṼᵀ (right) or √ΣṼᵀ (sqrt)."""
    if sigma == "left":
        return Vt
    if sigma == "right":
        return singular_values[:, None] * Vt
    return np.sqrt(singular_values)[:, None] * Vt


class LeastSquares(Step):
    """Alternating least squares of the regularized reconstruction (unconstrained)."""

    def __call__(self, problem: Problem, iteration: int) -> float:
        rows, Ht, p = problem.rows, problem.Ht, problem.params
        k = Ht.shape[1]
        rows.least_squares_w(Ht, Ht.T @ Ht + p["alpha_W"] * np.eye(k), None, nonnegative=False)
        At, C = rows.products_h()
        Ht[:] = np.linalg.solve(C + p["alpha_H"] * np.eye(k), At.T).T
        return squared_objective(problem, At, C)


class GradientDescent(Step):
    """One gradient step per factor with step learning_rate / L (L: the block's Lipschitz constant)."""

    def __call__(self, problem: Problem, iteration: int) -> float:
        rows, Ht, p = problem.rows, problem.Ht, problem.params
        B = Ht.T @ Ht
        rows.gradient_w(Ht, B, p["learning_rate"] / (np.linalg.eigvalsh(B)[-1] + p["alpha_W"]), p["alpha_W"])
        At, C = rows.products_h()
        Ht -= p["learning_rate"] / (np.linalg.eigvalsh(C)[-1] + p["alpha_H"]) * (Ht @ C - At + p["alpha_H"] * Ht)
        return squared_objective(problem, At, C)


#: The iterative solvers' steps (the registry, topicmf.spec.topics, names them and says which iterate).
ITERATIVE_STEPS = {"als": LeastSquares, "gd": GradientDescent, "sgd": lambda: SquaredSgd(nonnegative=False)}


def _randomized(rows: Rows, k, n_oversamples, n_power_iter, rng):
    s, Vt = randomized_svd(rows, k, n_oversamples=n_oversamples, n_power_iter=n_power_iter, rng=rng, left=None)
    return s, Vt, n_power_iter


def _on_the_whole_matrix(solver: str):
    def direct(rows: Rows, k, n_oversamples, n_power_iter, rng):
        _, s, Vt, passes = truncated_svd(local_rows_only(rows, solver).X, k, solver=solver, rng=rng)
        return s, Vt, passes

    return direct


#: The direct solvers: (s, Vt, passes) from the rows (the registry names them and says which run on a cluster).
DIRECT_SOLVERS = {"randomized": _randomized, "arpack": _on_the_whole_matrix("arpack"),
                  "dense": _on_the_whole_matrix("dense")}


@validated(LSA.params)
@one_blas_thread
def fit_lsa(X, n_components, *, solver=_L("solver"), sigma=_L("sigma"), n_power_iter=_L("n_power_iter"),
            n_oversamples=_L("n_oversamples"), max_iter=_L("max_iter"), tol=_L("tol"), alpha_W=_L("alpha_W"),
            alpha_H=_L("alpha_H"), learning_rate=_L("learning_rate"), random_state=_L("random_state")) -> Factorization:
    """Latent semantic analysis: the rank-k truncated SVD of X.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_docs, n_terms)
    n_components : int
    solver : {"randomized", "arpack", "dense", "als", "gd", "sgd"}, default="randomized"
        ``randomized``: Halko–Martinsson–Tropp range finder with
        ``n_power_iter`` QR-normalised power iterations and
        ``n_oversamples`` extra columns; ``arpack``: Lanczos via scipy (needs
        k < min(n_docs, n_terms)); ``dense``: LAPACK; ``als``, ``gd``, ``sgd``:
        iterative minimisation of the regularized reconstruction error.
    sigma : {"left", "right", "sqrt"}, default="left"
        How Σ is split: W = ŨΣ, H = Ṽᵀ; W = Ũ, H = ΣṼᵀ; or W = Ũ√Σ, H = √ΣṼᵀ.
    max_iter, tol, alpha_W, alpha_H, learning_rate :
        Iterative solvers only; ``learning_rate`` scales the 1/L step of gd
        (default 1) and sgd (default 0.5, constant).
    random_state : int, Generator or None

    Returns
    -------
    Factorization
        With ``singular_values`` (largest first) and
        ``explained_variance_ratio`` = σ²/‖X‖²_F; signs are fixed so the
        largest-magnitude entry of each row of H is positive.
    """
    method = LSA.solver(solver)
    rows = rows_of(X, n_components + n_oversamples, None)
    k = check_rank(n_components, rows.shape, strict=method.strict_rank)
    rng = make_rng(random_state)
    norm2 = rows.norm2()
    params = {"sigma": sigma}
    if not method.iterative:
        s, Vt, n_iter = DIRECT_SOLVERS[solver](rows, k, n_oversamples, n_power_iter, rng)
        converged = True
        curve = None  # the objective of the returned factors, below
        params.update(n_power_iter=n_power_iter, n_oversamples=n_oversamples)
    else:
        p = {"alpha_W": alpha_W, "alpha_H": alpha_H, "l1_W": 0.0, "l1_H": 0.0,
             "learning_rate": learning_rate if learning_rate is not None else method.defaults.get("learning_rate")}
        rows = rows.with_width(k)
        n, m = rows.shape
        scale = np.sqrt(np.sqrt(norm2 / (n * m)) / k)
        rows.random("W", k, rng, scale, absolute=False)
        problem = Problem(rows, scale * rng.standard_normal((m, k)), p, rng, k, state={"norm2": norm2})
        tracker = Tracker(f"LSA(solver={solver!r})", max_iter, tol)
        step = ITERATIVE_STEPS[solver]()
        step.start(problem)
        iteration = 0
        while not tracker.add(step(problem, iteration)):
            iteration += 1
        tracker.finish()
        s, Vt = _svd_form(rows, problem.Ht)
        curve, n_iter, converged = np.array(tracker.curve), len(tracker.curve), tracker.converged
        params.update(p, max_iter=max_iter, tol=tol)
    H = split_sigma(s, Vt, sigma)
    # W is the least-squares fit to X for this H (= ŨΣ-split for an exact SVD), so that
    # transform() reproduces it exactly on the training documents
    rows = rows.with_width(k)
    cross = rows.lsa_fold_in(H, params.get("alpha_W", 0.0))
    if curve is None:  # ½‖X − WH‖² from the products already made
        fit = norm2 - 2.0 * cross + float(np.sum(rows.gram("W") * (H @ H.T)))
        curve = np.array([0.5 * max(fit, 0.0)])
    return Factorization(rows.gather("W"), np.ascontiguousarray(H), LSA.name, solver, curve,
                         n_iter, converged, singular_values=s, explained_variance_ratio=s**2 / norm2, params=params)


def _svd_form(rows: Rows, Ht: np.ndarray):
    """Singular values and right vectors (signs fixed) of the rank-k product W H, from two thin QR factorisations."""
    Rw = rows.qr_r("W")
    Qh, Rh = np.linalg.qr(Ht)
    _, s, vt = np.linalg.svd(Rw @ Rh.T)
    Vt = vt @ Qh.T
    return s, Vt * sign_fix(Vt)[:, None]


@one_blas_thread
def lsa_transform(X, H, *, alpha_W=0.0):
    """Fold documents into the LSA space: W = X Hᵀ (HHᵀ + α_W I)⁻¹, the least-squares fit for fixed H."""
    X = as_csr(X)
    H = np.ascontiguousarray(H, dtype=np.float64)
    rows = LocalRows(X, H.shape[0])
    rows.lsa_fold_in(H, alpha_W)
    return rows["W"]
