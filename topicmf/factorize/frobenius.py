"""Frobenius NMF: min ½‖X − WH‖²_F + ½α_W‖W‖² + ½α_H‖H‖² + λ_W ΣW + λ_H ΣH, W, H ≥ 0."""

from __future__ import annotations

import numpy as np

from . import _kernels
from ._common import Tracker, as_csr, check_nonnegative, check_penalty, check_rank, make_rng
from .init import initialize
from .losses import penalty
from .result import Factorization

__all__ = ["FROBENIUS_SOLVERS", "fit_frobenius", "frobenius_transform"]

FROBENIUS_SOLVERS = ("hals", "mu", "als", "sgd")
_EPS = np.finfo(np.float32).eps


class _Problem:
    """X, its transpose and the work buffers of one run."""

    def __init__(self, X, k, pen):
        self.X = X
        self.Xt = X.T.tocsr()
        self.norm2 = float(X.data @ X.data)
        self.pen = pen
        self.A = np.empty((X.shape[0], k))
        self.At = np.empty((X.shape[1], k))
        self.delta_W = np.empty(X.shape[0])
        self.delta_H = np.empty(X.shape[1])
        nnz, (n, m) = X.nnz, X.shape
        # Gillis & Glineur (2012): inner sweeps are worth up to ~half the SpMM cost
        self.inner_W = 1 + int(0.5 * (1 + (nnz + n * k) / (n * (k + 1))))
        self.inner_H = 1 + int(0.5 * (1 + (nnz + m * k) / (m * (k + 1))))

    def products_W(self, Ht):
        _kernels.spmm(self.X.indptr, self.X.indices, self.X.data, Ht, self.A)
        return self.A, Ht.T @ Ht

    def products_H(self, W):
        _kernels.spmm(self.Xt.indptr, self.Xt.indices, self.Xt.data, W, self.At)
        return self.At, W.T @ W

    def objective(self, W, Ht, At, C):
        """Objective at (W, H) from Aᵀ = XᵀW and C = WᵀW: no extra pass over X."""
        fit = 0.5 * (self.norm2 - 2.0 * float(np.sum(At * Ht)) + float(np.sum(C * (Ht.T @ Ht))))
        return max(fit, 0.0) + penalty(W, Ht, **self.pen)


def _sweeps(F, A, B, l2, l1, delta, max_inner):
    """Accelerated HALS: repeat exact CD sweeps while they still move F by > 10% of the first."""
    _kernels.hals_sweep(F, A, B, l2, l1, delta)
    first = float(delta.sum())
    for _ in range(max_inner - 1):
        if first == 0.0:
            break
        _kernels.hals_sweep(F, A, B, l2, l1, delta)
        if float(delta.sum()) <= 0.01 * first:
            break


def _hals(pb, W, Ht, p, rng, it):
    A, B = pb.products_W(Ht)
    _sweeps(W, A, B, p["alpha_W"], p["l1_W"], pb.delta_W, pb.inner_W)
    At, C = pb.products_H(W)
    _sweeps(Ht, At, C, p["alpha_H"], p["l1_H"], pb.delta_H, pb.inner_H)
    return pb.objective(W, Ht, At, C)


def _mu(pb, W, Ht, p, rng, it):
    A, B = pb.products_W(Ht)
    denominator = W @ B + p["l1_W"] + p["alpha_W"] * W
    denominator[denominator <= 0] = _EPS
    W *= A / denominator
    At, C = pb.products_H(W)
    denominator = Ht @ C + p["l1_H"] + p["alpha_H"] * Ht
    denominator[denominator <= 0] = _EPS
    Ht *= At / denominator
    return pb.objective(W, Ht, At, C)


def _als(pb, W, Ht, p, rng, it):
    k = W.shape[1]
    A, B = pb.products_W(Ht)
    W[:] = np.maximum(np.linalg.solve(B + p["alpha_W"] * np.eye(k), (A - p["l1_W"]).T).T, 0.0)
    At, C = pb.products_H(W)
    Ht[:] = np.maximum(np.linalg.solve(C + p["alpha_H"] * np.eye(k), (At - p["l1_H"]).T).T, 0.0)
    At, C = pb.products_H(W)  # the objective needs XᵀW at the final W (unchanged) and H
    return pb.objective(W, Ht, At, C)


def sgd_epoch(pb, W, Ht, p, rng, it, mode):
    """One SGD epoch over the nonzeros in a seeded random order (shared with LSA)."""
    X = pb.X
    if not hasattr(pb, "rows"):
        pb.rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
        pb.nnz_row = np.maximum(np.diff(X.indptr), 1).astype(np.float64)
        pb.nnz_col = np.maximum(np.diff(pb.Xt.indptr), 1).astype(np.float64)
    gram_W, gram_H = W.T @ W, Ht.T @ Ht
    rate = p["learning_rate"] / (1.0 + 0.05 * it)
    step_W = rate / (np.linalg.eigvalsh(gram_H)[-1] + p["alpha_W"] + _EPS)
    step_H = rate / (np.linalg.eigvalsh(gram_W)[-1] + p["alpha_H"] + _EPS)
    order = rng.permutation(X.nnz)
    _kernels.sgd_epoch(pb.rows, X.indices, X.data, order, W, Ht, gram_W, gram_H, W.sum(0), Ht.sum(0),
                       pb.nnz_row, pb.nnz_col, step_W, step_H, p["alpha_W"], p["alpha_H"],
                       p["l1_W"], p["l1_H"], mode, 0.0)
    W[np.diff(X.indptr) == 0] = 0.0  # rows and columns without data: their optimum is 0
    Ht[np.diff(pb.Xt.indptr) == 0] = 0.0
    At, C = pb.products_H(W)
    return pb.objective(W, Ht, At, C)


def _sgd(pb, W, Ht, p, rng, it):
    return sgd_epoch(pb, W, Ht, p, rng, it, mode=1)


_STEPS = {"hals": _hals, "mu": _mu, "als": _als, "sgd": _sgd}


def fit_frobenius(X, n_components, *, solver="hals", init="nndsvda", max_iter=200, tol=1e-4,
                  alpha_W=0.0, alpha_H=0.0, l1_W=0.0, l1_H=0.0, learning_rate=0.5,
                  random_state=None, W=None, H=None) -> Factorization:
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
        less than ``tol`` (relative) in one iteration.
    alpha_W, alpha_H, l1_W, l1_H : float
        L2 and L1 penalty weights (see :mod:`topicmf.factorize.losses`).
    learning_rate : float
        SGD only: the step as a fraction of 1/L, decaying as 1/(1 + 0.05 t).
    random_state : int, Generator or None
    W, H : arrays, only with ``init="custom"``.

    Returns
    -------
    Factorization
    """
    if solver not in _STEPS:
        raise ValueError(f"Unknown Frobenius NMF solver {solver!r}; choose one of {', '.join(FROBENIUS_SOLVERS)}")
    X = as_csr(X)
    check_nonnegative(X, "FrobeniusNMF")
    k = check_rank(n_components, X.shape)
    p = {name: check_penalty(name, value) for name, value in
         (("alpha_W", alpha_W), ("alpha_H", alpha_H), ("l1_W", l1_W), ("l1_H", l1_H))}
    p["learning_rate"] = check_penalty("learning_rate", learning_rate)
    rng = make_rng(random_state)
    tracker = Tracker(f"FrobeniusNMF(solver={solver!r})", max_iter, tol)
    pb = _Problem(X, k, {"l2_W": p["alpha_W"], "l2_H": p["alpha_H"], "l1_W": p["l1_W"], "l1_H": p["l1_H"]})
    W, H = initialize(X, k, init, rng, loss="frobenius", Xt=pb.Xt, W=W, H=H)
    Ht = np.ascontiguousarray(H.T)
    step = _STEPS[solver]
    it = 0
    while not tracker.add(step(pb, W, Ht, p, rng, it)):
        it += 1
    tracker.finish()
    return Factorization(W, np.ascontiguousarray(Ht.T), "nmf", solver, np.array(tracker.curve), len(tracker.curve),
                         tracker.converged, params=dict(p, init=init, max_iter=max_iter, tol=tol))


def frobenius_transform(X, H, *, alpha_W=0.0, l1_W=0.0, tol=1e-10, max_iter=1000):
    """W ≥ 0 minimising ½‖X − WH‖² + ½α_W‖W‖² + λ_W ΣW for fixed H (fold-in).

    The problem separates by row and is convex; it is solved by exact
    coordinate descent from the projected least-squares solution until a
    sweep moves W by less than ``tol`` (relative).
    """
    X = as_csr(X) if X is not None else None
    H = np.ascontiguousarray(H, dtype=np.float64)
    k = H.shape[0]
    Ht = np.ascontiguousarray(H.T)
    A = np.empty((X.shape[0], k))
    _kernels.spmm(X.indptr, X.indices, X.data, Ht, A)
    B = H @ H.T
    W = np.maximum(np.linalg.lstsq(B + alpha_W * np.eye(k), (A - l1_W).T, rcond=None)[0].T, 0.0)
    W = np.ascontiguousarray(W)
    delta = np.empty(X.shape[0])
    for _ in range(max_iter):
        _kernels.hals_sweep(W, A, B, alpha_W, l1_W, delta)
        if float(delta.sum()) <= tol * tol * max(float(np.sum(W * W)), np.finfo(float).tiny):
            break
    return W
