"""Frobenius NMF: min ½‖X − WH‖²_F + ½α_W‖W‖² + ½α_H‖H‖² + λ_W ΣW + λ_H ΣH, W, H ≥ 0.

Each solver is a :class:`~topicmf.factorize.topics.nmf.Step` written against
:class:`~topicmf.factorize.topics.rows.Rows`: the W half runs where the rows are, the H half
here, so ``hals`` and ``mu`` run unchanged on a cluster's row blocks.
"""

from __future__ import annotations

import numpy as np

from ...spec.topics import FROBENIUS_NMF
from ..engine import kernels
from ..engine.common import Tracker, as_csr, check_rank, make_rng, validated
from ..engine.threads import one_blas_thread
from .init import start
from .nmf import Problem, Step, penalties_of, rows_of, run, squared_objective
from .result import Factorization
from .rows import MU_EPS
from .sgd import SquaredSgd

__all__ = ["fit_frobenius", "frobenius_transform", "Hals", "FrobeniusMU", "ProjectedLeastSquares", "SOLVER_STEPS",
           "inner_sweeps"]

_F = FROBENIUS_NMF.params.default  # every default from the model's parameter table (topicmf.spec.topics)


def inner_sweeps(n_docs: int, n_terms: int, nnz: int, k: int) -> tuple[int, int]:
    """Sweeps of W's and of H's coordinates per pair of products (Gillis & Glineur 2012).

    Their flop rule repeats the cheap sweeps while they cost less than about half a product; measured
    on 20news and bbc (benchmarks/bench_factorize.py) two sweeps per product are fastest with these kernels.
    """
    return (min(2, 1 + int(0.5 * (1 + (nnz + n_docs * k) / (n_docs * (k + 1))))),
            min(2, 1 + int(0.5 * (1 + (nnz + n_terms * k) / (n_terms * (k + 1))))))


class Hals(Step):
    """Accelerated HALS: exact coordinate descent, a few sweeps per pair of products (Cichocki & Phan 2009;
    Gillis & Glineur 2012), with Ang & Gillis's (2019) extrapolation of H between iterations, made monotone.

    With ``extrapolate`` the next iteration starts from Ĥ = max(0, H + β (H − H_previous)); β grows by 5%
    after a success (up to a ceiling that itself creeps up by 1%) and shrinks by 1.5× after a failure; a
    failed iteration is undone and redone from the last accepted iterate without extrapolation, so the
    recorded objective never increases.  A step after a large extrapolation can be 100× shorter than its
    neighbours: the tolerance must hold two iterations in a row (stopping at the first left 20 Newsgroups'
    objective above scikit-learn's).
    """

    def __init__(self, extrapolate: bool):
        self.extrapolate = extrapolate
        self.patience = 2 if extrapolate else 1

    def start(self, problem: Problem) -> None:
        rows, Ht = problem.rows, problem.Ht
        problem.state["delta_H"] = np.empty(Ht.shape[0])
        if self.extrapolate:
            problem.state.update(beta=0.5, ceiling=1.0, best=np.inf, H_keep=Ht.copy(), H_hat=Ht.copy())
            rows.copy("W", "W_keep")

    def plain(self, problem: Problem, H_start: np.ndarray) -> float:
        """One HALS iteration: W from products with H_start, then H (starting from H_start)."""
        rows, Ht, p, state = problem.rows, problem.Ht, problem.params, problem.state
        rows.hals_w(H_start, H_start.T @ H_start, p["alpha_W"], p["l1_W"], state["inner_W"])
        At, C = rows.products_h()
        if H_start is not Ht:
            Ht[:] = H_start
        kernels.hals_sweep(Ht, At, C, p["alpha_H"], p["l1_H"], state["delta_H"], state["inner_H"], 0.0)
        return squared_objective(problem, At, C)

    def __call__(self, problem: Problem, iteration: int) -> float:
        if not self.extrapolate:
            return self.plain(problem, problem.Ht)
        state, Ht = problem.state, problem.Ht
        value = self.plain(problem, state["H_hat"])
        if value > state["best"]:  # undo, then take a plain step from the last accepted iterate
            problem.rows.copy("W_keep", "W")
            Ht[:] = state["H_keep"]
            state["ceiling"], state["beta"] = state["beta"], state["beta"] / 1.5
            value = self.plain(problem, Ht)
        else:
            state["beta"] = min(state["ceiling"], 1.05 * state["beta"])
            state["ceiling"] = min(1.0, 1.01 * state["ceiling"])
        kernels.extrapolate(Ht, state["H_keep"], state["H_hat"], state["beta"])
        problem.rows.copy("W", "W_keep")
        state["best"] = value
        return value


class FrobeniusMU(Step):
    """Lee & Seung's multiplicative updates for the Frobenius loss."""

    def __call__(self, problem: Problem, iteration: int) -> float:
        rows, Ht, p = problem.rows, problem.Ht, problem.params
        rows.mu_w(Ht, Ht.T @ Ht, p["alpha_W"], p["l1_W"])
        At, C = rows.products_h()
        denominator = Ht @ C + p["l1_H"] + p["alpha_H"] * Ht
        denominator[denominator <= 0] = MU_EPS
        Ht *= At / denominator
        return squared_objective(problem, At, C)


class ProjectedLeastSquares(Step):
    """Alternating least squares, each half's unconstrained solve projected onto ≥ 0 (not monotone)."""

    def __call__(self, problem: Problem, iteration: int) -> float:
        rows, Ht, p = problem.rows, problem.Ht, problem.params
        k = Ht.shape[1]
        rows.least_squares_w(Ht, Ht.T @ Ht + p["alpha_W"] * np.eye(k), p["l1_W"], nonnegative=True)
        At, C = rows.products_h()
        Ht[:] = np.maximum(np.linalg.solve(C + p["alpha_H"] * np.eye(k), (At - p["l1_H"]).T).T, 0.0)
        return squared_objective(problem, At, C)


#: Each solver's step (the registry, topicmf.spec.topics, names and describes them).
SOLVER_STEPS = {
    "hals": lambda params: Hals(params["extrapolate"]),
    "mu": lambda params: FrobeniusMU(),
    "als": lambda params: ProjectedLeastSquares(),
    "sgd": lambda params: SquaredSgd(nonnegative=True),
}


@validated(FROBENIUS_NMF.params)
@one_blas_thread
def fit_frobenius(X, n_components, *, solver=_F("solver"), init=_F("init"), max_iter=_F("max_iter"), tol=_F("tol"),
                  alpha_W=_F("alpha_W"), alpha_H=_F("alpha_H"), l1_W=_F("l1_W"), l1_H=_F("l1_H"),
                  learning_rate=_F("learning_rate"), extrapolate=_F("extrapolate"), random_state=_F("random_state"),
                  W=None, H=None) -> Factorization:
    """Frobenius NMF of a non-negative matrix.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_docs, n_terms), non-negative
    n_components : int
    solver : {"hals", "mu", "als", "sgd"}, default="hals"
        ``hals``: exact coordinate descent (Cichocki & Phan 2009) with
        Gillis–Glineur inner sweeps, one pair of sparse products per
        iteration; ``mu``: Lee & Seung multiplicative updates; ``als``:
        the unconstrained least-squares solve projected onto ≥ 0 (not
        monotone); ``sgd``: per-entry stochastic gradient, projected.
    init : {"nndsvda", "nndsvd", "random", "custom"}
    max_iter, tol :
        Stop after ``max_iter`` iterations or when the objective falls by
        less than ``tol`` (relative) in one iteration.  The Frobenius
        objective is dominated by the residual no rank-k model removes, so
        its relative steps are small: the default 5e-8 (with ``hals``: in two
        iterations in a row) stops at or below the objective where
        scikit-learn's ``cd`` solver stops on text (benchmarks/; 1e-7 stopped
        10⁻⁷ above it on 20 Newsgroups).
    alpha_W, alpha_H, l1_W, l1_H : float
        L2 and L1 penalty weights (see :mod:`topicmf.factorize.topics.losses`).
    learning_rate : float
        SGD only: the (constant) step as a fraction of 1/L.
    extrapolate : bool, default=True
        HALS only: start each iteration from an extrapolated H (Ang & Gillis
        2019), undoing any iteration that would raise the objective.
    random_state : int, Generator or None
    W, H : arrays, only with ``init="custom"``.

    Returns
    -------
    Factorization
        Its W is finally solved to convergence for the final H (the fold-in
        of :func:`frobenius_transform`), so ``transform`` reproduces it; the
        last entry of ``loss_curve`` is the objective of the returned factors.
    """
    rows = rows_of(X, n_components, "FrobeniusNMF")
    k = check_rank(n_components, rows.shape)
    params = {"alpha_W": alpha_W, "alpha_H": alpha_H, "l1_W": l1_W, "l1_H": l1_H, "learning_rate": learning_rate,
              "extrapolate": extrapolate}
    rng = make_rng(random_state)
    step = SOLVER_STEPS[solver](params)
    tracker = Tracker(f"FrobeniusNMF(solver={solver!r})", max_iter, tol, patience=step.patience)
    H = start(rows, k, init, rng, loss="frobenius", W=W, H=H)
    problem = Problem(rows, np.ascontiguousarray(H.T), params, rng, k)
    n, m = rows.shape
    inner_W, inner_H = inner_sweeps(n, m, rows.nnz, k)
    problem.state.update(norm2=rows.norm2(), inner_W=inner_W, inner_H=inner_H)
    return run(step, problem, tracker, finish=_finish, model=FROBENIUS_NMF.name, solver=solver,
               record=dict(params, init=init, max_iter=max_iter, tol=tol))


def _finish(problem: Problem, H: np.ndarray) -> float:
    """W solved exactly for the final H; the objective of the returned factors."""
    p = problem.params
    problem.rows.frobenius_fold_in(H, p["alpha_W"], p["l1_W"])
    return problem.rows.frobenius_objective(H, penalties_of(p))


@one_blas_thread
def frobenius_transform(X, H, *, alpha_W=0.0, l1_W=0.0, tol=1e-10, max_iter=1000, W_init=None):
    """W ≥ 0 minimising ½‖X − WH‖² + ½α_W‖W‖² + λ_W ΣW for fixed H (fold-in).

    The problem separates by row and is convex; each row is solved by exact
    coordinate descent from ``W_init`` (default: the projected least-squares
    solution) until a sweep moves it by less than ``tol`` (relative), or
    after ``max_iter`` sweeps.
    """
    X = as_csr(X)
    H = np.ascontiguousarray(H, dtype=np.float64)
    k = H.shape[0]
    Ht = np.ascontiguousarray(H.T)
    A = np.empty((X.shape[0], k))
    kernels.spmm(X.indptr, X.indices, X.data, Ht, A)
    B = H @ H.T
    if W_init is None:
        W = np.maximum(np.linalg.lstsq(B + alpha_W * np.eye(k), (A - l1_W).T, rcond=None)[0].T, 0.0)
    else:
        W = np.array(W_init, dtype=np.float64)
    W = np.ascontiguousarray(W)
    delta = np.empty(X.shape[0])
    kernels.hals_sweep(W, A, B, alpha_W, l1_W, delta, max_iter, tol)
    return W
