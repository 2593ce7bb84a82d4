"""Rating matrices: the explicit model on known cells, and implicit feedback on every cell.

Matrices only, as in the rest of this stage: ``R`` is users × items, scipy sparse, and its
**stored entries are the known cells** (an explicitly stored 0 is a known zero; a cell that
is not stored is unknown, never a zero).

Explicit (Koren, Bell & Volinsky 2009): r̂_ij = μ + b_i + c_j + ⟨u_i, v_j⟩ fitted on the
known cells K only.  With ``penalty="per_rating"`` (the default) every known cell carries
the penalties of its row and column, the objective Funk's SGD and scikit-surprise's ``SVD``
descend (and ALS-WR's weighted λ):

    Q = Σ_K [(r_ij − r̂_ij)² + α‖u_i‖² + β‖v_j‖² + γ b_i² + δ c_j²];

with ``penalty="total"`` each factor is penalised once,

    Q = Σ_K (r_ij − r̂_ij)² + α‖U‖² + β‖V‖² + γ‖b‖² + δ‖c‖².

μ is the mean known rating.  Both solvers descend the same Q for either choice.  Solvers: ``sgd`` (Funk's per-entry steps, run by strata so
that they are parallel and bitwise reproducible for a seed), ``als`` (exact alternating
ridge solves of each row's (u_i, b_i) over its known cells: Q never rises) and
``baseline`` (μ + b_i + c_j alone, by the same ALS).

Implicit (Hu, Koren & Volinsky 2008): p_ij = [x_ij > 0], w_ij = 1 + α|x_ij|,

    Q = Σ_all w_ij (p_ij − ⟨u_i, v_j⟩)² + λ(‖U‖² + ‖V‖²),

by ALS without a dense users × items array (YᵀY + Yᵀ(W_i − I)Y), each row solved exactly
(``exact``) or by a few warm-started conjugate-gradient steps (``cg``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from . import kernels as rk
from ..engine.common import Tracker, check_penalty, check_rank, make_rng
from ..engine.strata import Strata
from ..engine.threads import one_blas_thread

__all__ = ["RatingFactorization", "EXPLICIT_SOLVERS", "IMPLICIT_SOLVERS", "fit_explicit", "fit_implicit",
           "explicit_loss", "implicit_loss", "as_ratings", "fold_in_explicit", "fold_in_implicit"]

EXPLICIT_SOLVERS = ("sgd", "als", "baseline")
PENALTIES = ("per_rating", "total")
IMPLICIT_SOLVERS = ("cg", "exact")


@dataclass(frozen=True, eq=False)
class RatingFactorization:
    """R ≈ μ + b 1ᵀ + 1 cᵀ + U Vᵀ (explicit; the biases are 0 for implicit), with how it was obtained."""

    U: np.ndarray  # (n_users, k)
    V: np.ndarray  # (n_items, k)
    user_bias: np.ndarray
    item_bias: np.ndarray
    global_mean: float
    model: str  # "explicit" or "implicit"
    solver: str
    loss_curve: np.ndarray
    n_iter: int
    converged: bool
    rating_range: tuple = (-np.inf, np.inf)
    params: dict = field(default_factory=dict)

    @property
    def objective(self) -> float:
        return float(self.loss_curve[-1])


def as_ratings(R) -> sp.csr_matrix:
    """R as float64 CSR with sorted, unique stored cells (duplicates are an error, not a sum)."""
    if not sp.issparse(R):
        raise ValueError("R must be a scipy sparse matrix whose stored entries are the known cells "
                         "(a dense array cannot tell an unknown cell from a zero)")
    coo = R.tocoo()
    if coo.nnz and np.unique(coo.row.astype(np.int64) * R.shape[1] + coo.col).size != coo.nnz:
        raise ValueError("R stores some (user, item) cell more than once; keep one rating per cell")
    R = sp.csr_matrix((coo.data.astype(np.float64), (coo.row, coo.col)), shape=R.shape)
    R.sort_indices()
    if R.nnz == 0:
        raise ValueError("R has no known cells")
    if not np.all(np.isfinite(R.data)):
        raise ValueError("R has NaN or infinite ratings")
    return R


def explicit_loss(R, U, V, b, c, mu, *, alpha=0.0, beta=0.0, gamma=0.0, delta=0.0, penalty="per_rating") -> float:
    """Q of the explicit model: squared errors on the stored cells of R plus the four penalties."""
    R = as_ratings(R)
    return _explicit_objective(R, U, V, b, c, mu, alpha, beta, gamma, delta, *_counts(R, _check_penalty(penalty)))


def _check_penalty(penalty: str) -> str:
    if penalty not in PENALTIES:
        raise ValueError(f"penalty must be one of {', '.join(PENALTIES)}; got {penalty!r}")
    return penalty


def _cells(R):
    """The number of known cells of each row and of each column."""
    return np.diff(R.indptr).astype(np.float64), np.bincount(R.indices, minlength=R.shape[1]).astype(np.float64)


def _counts(R, penalty, cells=None):
    """How many times each row's and column's penalties count: its known cells, or once."""
    if penalty == "total":
        return np.ones(R.shape[0]), np.ones(R.shape[1])
    return cells if cells is not None else _cells(R)


def _explicit_objective(R, U, V, b, c, mu, alpha, beta, gamma, delta, n_row, n_col) -> float:
    """:func:`explicit_loss` of an already checked R (the fits call it every sweep)."""
    res = np.empty(R.nnz)
    rk.explicit_residuals(R.indptr, R.indices, R.data, U, V, b, c, float(mu), res)
    return float(res @ res + alpha * n_row @ np.einsum("ij,ij->i", U, U) + beta * n_col @ np.einsum("ij,ij->i", V, V)
                 + gamma * n_row @ b**2 + delta * n_col @ c**2)


def implicit_loss(X, U, V, *, alpha=10.0, reg=0.0) -> float:
    """Q of the implicit model over every cell, from the stored cells and the two Gram matrices."""
    return _implicit_objective(as_ratings(X), U, V, alpha, reg)


def _implicit_objective(X, U, V, alpha, reg) -> float:
    """:func:`implicit_loss` of an already checked X."""
    stored = np.empty(X.shape[0])
    rk.implicit_stored_terms(X.indptr, X.indices, X.data, U, V, float(alpha), stored)
    return float(np.vdot(U.T @ U, V.T @ V) + stored.sum() + reg * (np.vdot(U, U) + np.vdot(V, V)))


def _penalties(**values) -> dict:
    return {name: check_penalty(name, value) for name, value in values.items()}


@one_blas_thread
def fit_explicit(R, n_components=100, *, solver="sgd", alpha=0.1, beta=0.1, gamma=0.02, delta=0.02,
                 penalty="per_rating", learning_rate=0.01, max_iter=30, tol=0.0, init_scale=0.1,
                 random_state=None) -> RatingFactorization:
    """The explicit model μ + b_i + c_j + ⟨u_i, v_j⟩ on the known cells of R.

    Parameters
    ----------
    R : scipy sparse (n_users, n_items); stored entries are the known ratings.
    n_components : int
        k; ignored by ``baseline``.
    solver : {"sgd", "als", "baseline"}
    alpha, beta, gamma, delta : float
        L2 weights of U, V, the user biases and the item biases.
    penalty : {"per_rating", "total"}
        Whether every known cell carries its row's and column's penalties (the default, the
        objective of Funk's SGD) or each factor is penalised once (see the module's docstring).
    learning_rate : float
        SGD's step η (constant).  The defaults (k = 100, η = 0.01, α = β = 0.1, γ = δ = 0.02,
        30 epochs) were chosen on MovieLens-100k's five folds (RMSE 0.911 with folds of seed 0,
        0.912 with seed 1); scikit-surprise's ``SVD`` settings (η = 0.005, all weights 0.02,
        20 epochs) give 0.936 there.
    max_iter : int
        Epochs (SGD) or sweeps (ALS).
    tol : float
        Stop when Q falls by less than this (relative) in a sweep; 0 runs ``max_iter``.
    init_scale : float
        Factors start as N(0, init_scale²) (seeded); biases at 0.
    """
    if solver not in EXPLICIT_SOLVERS:
        raise ValueError(f"Unknown explicit solver {solver!r}; choose one of {', '.join(EXPLICIT_SOLVERS)}")
    R = as_ratings(R)
    per_rating = _check_penalty(penalty) == "per_rating"
    cells = _cells(R)
    n_row, n_col = _counts(R, penalty, cells)
    n, m = R.shape
    k = 0 if solver == "baseline" else check_rank(n_components, (max(n, m), max(n, m)))
    pen = _penalties(alpha=alpha, beta=beta, gamma=gamma, delta=delta, learning_rate=learning_rate,
                     init_scale=init_scale)
    rng = make_rng(random_state)
    mu = float(R.data.mean())
    U = pen["init_scale"] * rng.standard_normal((n, k))
    V = pen["init_scale"] * rng.standard_normal((m, k))
    b, c = np.zeros(n), np.zeros(m)
    Rt = R.T.tocsr()
    tracker = Tracker(f"ExplicitMF(solver={solver!r})", max_iter, tol)
    penalty_weights = (pen["alpha"], pen["beta"], pen["gamma"], pen["delta"])
    strata = Strata(R, max(k, 1)) if solver == "sgd" else None
    # an SGD step carries its share of the penalties: all of them, or 1/n of a row's
    share_row, share_col = (np.ones(n), np.ones(m)) if per_rating else (1.0 / np.maximum(c, 1) for c in cells)
    while True:
        if solver == "sgd":
            shifts, col_map, seeds = strata.schedule(rng)
            rk.explicit_epoch(strata.rows, strata.cols, strata.vals, strata.ptr, strata.B, shifts, col_map, seeds,
                              U, V, b, c, mu, pen["learning_rate"], pen["alpha"], pen["beta"], pen["gamma"],
                              pen["delta"], share_row, share_col)
        else:
            factors = solver == "als"
            rk.explicit_rows(R.indptr, R.indices, R.data, U, b, V, c, mu, pen["alpha"], pen["gamma"], factors,
                             per_rating)
            rk.explicit_rows(Rt.indptr, Rt.indices, Rt.data, V, c, U, b, mu, pen["beta"], pen["delta"], factors,
                             per_rating)
        if tracker.add(_explicit_objective(R, U, V, b, c, mu, *penalty_weights, n_row, n_col)):
            break
    if tol > 0:  # tol = 0 asks for max_iter epochs: nothing to warn about
        tracker.finish()
    return RatingFactorization(U, V, b, c, mu, "explicit", solver, np.array(tracker.curve), len(tracker.curve),
                               tracker.converged, (float(R.data.min()), float(R.data.max())),
                               params=dict(pen, n_components=k, solver=solver, penalty=penalty, max_iter=max_iter,
                                           tol=tol))


@one_blas_thread
def fit_implicit(X, n_components=64, *, solver="cg", alpha=10.0, reg=0.01, max_iter=15, tol=0.0, cg_steps=2,
                 init_scale=0.01, random_state=None) -> RatingFactorization:
    """Implicit-feedback ALS: Σ_all w_ij (p_ij − ⟨u_i, v_j⟩)² + reg(‖U‖² + ‖V‖²), w = 1 + α|x|.

    ``exact`` solves each row's k × k system; ``cg`` takes ``cg_steps`` conjugate-gradient
    steps from the row's previous value (Takács et al.'s scheme, which the `implicit` library uses
    with 3 steps).  Two steps is the default: the rows are solved less exactly each sweep, which
    regularises, and on MovieLens-100k it ranks better than three (chosen on a validation split
    inside the training cells: P@10 0.1600 against 0.1583; on five test splits, 8–10 seeds each,
    P@10 0.0007–0.007 higher than with three steps and than `implicit`'s) in less time.  The factors
    start uniform in [0, init_scale) (seeded), as the `implicit` library's do: after a few CG
    sweeps this ranks a little better than a start centred on 0 (MovieLens-100k, 5 seeds: P@10
    0.2252 against 0.2240).
    """
    if solver not in IMPLICIT_SOLVERS:
        raise ValueError(f"Unknown implicit solver {solver!r}; choose one of {', '.join(IMPLICIT_SOLVERS)}")
    X = as_ratings(X)
    n, m = X.shape
    k = check_rank(n_components, (max(n, m), max(n, m)))
    pen = _penalties(alpha=alpha, reg=reg, init_scale=init_scale)
    if isinstance(cg_steps, bool) or not isinstance(cg_steps, (int, np.integer)) or cg_steps < 1:
        raise ValueError(f"cg_steps must be a positive integer; got {cg_steps!r}")
    rng = make_rng(random_state)
    U = pen["init_scale"] * rng.random((n, k))
    V = pen["init_scale"] * rng.random((m, k))
    Xt = X.T.tocsr()
    tracker = Tracker(f"ImplicitMF(solver={solver!r})", max_iter, tol)
    while True:
        for F, G, M in ((U, V, X), (V, U, Xt)):
            gram = np.ascontiguousarray(G.T @ G)
            if solver == "exact":
                rk.implicit_rows_exact(M.indptr, M.indices, M.data, F, G, gram, pen["alpha"], pen["reg"])
            else:
                rk.implicit_rows_cg(M.indptr, M.indices, M.data, F, G, gram, pen["alpha"], pen["reg"], int(cg_steps))
        if tracker.add(_implicit_objective(X, U, V, pen["alpha"], pen["reg"])):
            break
    if tol > 0:  # tol = 0 asks for max_iter epochs: nothing to warn about
        tracker.finish()
    return RatingFactorization(U, V, np.zeros(n), np.zeros(m), 0.0, "implicit", solver, np.array(tracker.curve),
                               len(tracker.curve), tracker.converged,
                               params=dict(pen, n_components=k, solver=solver, max_iter=max_iter, tol=tol,
                                           cg_steps=int(cg_steps)))


def _new_rows(R_new, n_items: int) -> sp.csr_matrix:
    """New users' rows (stored entries = their known cells), checked like R but allowed to be empty."""
    if not sp.issparse(R_new) or R_new.shape[1] != n_items:
        raise ValueError(f"the new users' rows must be a scipy sparse matrix with {n_items} columns (the items)")
    coo = R_new.tocoo()
    R_new = sp.csr_matrix((coo.data.astype(np.float64), (coo.row, coo.col)), shape=R_new.shape)
    if R_new.nnz != coo.nnz:
        raise ValueError("the new users' rows store some cell more than once")
    R_new.sort_indices()
    if not np.all(np.isfinite(R_new.data)):
        raise ValueError("the new users' rows have NaN or infinite values")
    return R_new


@one_blas_thread
def fold_in_explicit(R_new, V, item_bias, global_mean, *, alpha=0.1, gamma=0.02, penalty="per_rating",
                     with_factors=True):
    """Factors and biases of new users from their known cells, the items held fixed: (U_new, b_new).

    Each row is the exact ridge solve an ALS half-sweep makes (the same objective and penalties
    as the fit), so a user folded in is placed as a training user would be; a row without
    cells gets zeros (μ plus the item's bias).
    """
    R_new = _new_rows(R_new, V.shape[0])
    pen = _penalties(alpha=alpha, gamma=gamma)
    per_rating = _check_penalty(penalty) == "per_rating"
    U = np.zeros((R_new.shape[0], V.shape[1]))
    b = np.zeros(R_new.shape[0])
    rk.explicit_rows(R_new.indptr, R_new.indices, R_new.data, U, b, np.ascontiguousarray(V, dtype=np.float64),
                     np.asarray(item_bias, dtype=np.float64), float(global_mean), pen["alpha"], pen["gamma"],
                     bool(with_factors), per_rating)
    return U, b


@one_blas_thread
def fold_in_implicit(X_new, V, *, alpha=10.0, reg=0.01) -> np.ndarray:
    """Factors of new users from their interactions, the items held fixed (one exact implicit-ALS solve each)."""
    X_new = _new_rows(X_new, V.shape[0])
    pen = _penalties(alpha=alpha, reg=reg)
    V = np.ascontiguousarray(V, dtype=np.float64)
    U = np.zeros((X_new.shape[0], V.shape[1]))
    rk.implicit_rows_exact(X_new.indptr, X_new.indices, X_new.data, U, V, np.ascontiguousarray(V.T @ V),
                           pen["alpha"], pen["reg"])
    return U
