"""Frobenius NMF: min ½‖X − WH‖²_F + ½α_W‖W‖² + ½α_H‖H‖² + λ_W ΣW + λ_H ΣH, W, H ≥ 0."""

from __future__ import annotations

import numpy as np

from ..engine import kernels
from ..engine.threads import one_blas_thread
from ..engine.products import Products
from ..engine.strata import Strata
from ..engine.common import Tracker, as_csr, make_rng, penalties, prepare_nmf, run_nmf
from .init import initialize
from .result import Factorization
from .losses import frobenius_loss, penalty

__all__ = ["FROBENIUS_SOLVERS", "fit_frobenius", "frobenius_transform"]

FROBENIUS_SOLVERS = ("hals", "mu", "als", "sgd")
MU_EPS = np.finfo(np.float32).eps


class _Problem:
    """X, its transpose and the work buffers of one run."""

    def __init__(self, X, k, pen):
        self.X = X
        self.products = Products(X, k)
        self.norm2 = float(X.data @ X.data)
        self.pen = pen
        self.A = np.empty((X.shape[0], k))
        self.At = np.empty((X.shape[1], k))
        self.delta_W = np.empty(X.shape[0])
        self.delta_H = np.empty(X.shape[1])
        nnz, (n, m) = X.nnz, X.shape
        # Gillis & Glineur (2012): repeat the cheap sweeps before paying for new products;
        # their flop rule allows ~half the product's cost, but measured on 20news and bbc
        # (benchmarks/bench_factorize.py) two sweeps per product are fastest with these kernels
        self.inner_W = min(2, 1 + int(0.5 * (1 + (nnz + n * k) / (n * (k + 1)))))
        self.inner_H = min(2, 1 + int(0.5 * (1 + (nnz + m * k) / (m * (k + 1)))))

    @property
    def Xt(self):
        return self.products.Xt

    def products_W(self, Ht):
        self.products.times(Ht, self.A)
        return self.A, Ht.T @ Ht

    def products_H(self, W):
        self.products.t_times(W, self.At)
        return self.At, W.T @ W

    def objective(self, W, Ht, At, C):
        """Objective at (W, H) from Aᵀ = XᵀW and C = WᵀW: no extra pass over X."""
        fit = 0.5 * (self.norm2 - 2.0 * float(np.vdot(At, Ht)) + float(np.vdot(C, Ht.T @ Ht)))
        return max(fit, 0.0) + penalty(W, Ht, **self.pen)


def hals_sweeps(F, A, B, l2, l1, delta, max_inner):
    """Accelerated HALS: ``max_inner`` exact CD sweeps over F for one pair of products.

    The sweeps run inside one kernel call, which keeps each row's gradient up to date
    between them instead of recomputing it (a quarter of the work of two calls).
    """
    kernels.hals_sweep(F, A, B, l2, l1, delta, max_inner, 0.0)


def extrapolate(Ht, H_keep, H_hat, beta):
    """Ĥ = max(0, H + β (H − H_keep)), then H_keep = H (one pass, in place)."""
    kernels.extrapolate(Ht, H_keep, H_hat, beta)


def _hals_plain(pb, W, Ht, p, H_start):
    """One HALS iteration: W from products with H_start, then H (starting from H_start)."""
    A, B = pb.products_W(H_start)
    hals_sweeps(W, A, B, p["alpha_W"], p["l1_W"], pb.delta_W, pb.inner_W)
    At, C = pb.products_H(W)
    if H_start is not Ht:
        Ht[:] = H_start
    hals_sweeps(Ht, At, C, p["alpha_H"], p["l1_H"], pb.delta_H, pb.inner_H)
    return pb.objective(W, Ht, At, C)


class _Extrapolation:
    """Ang & Gillis (2019) extrapolation of H between iterations, made monotone.

    The next iteration starts from Ĥ = max(0, H + β (H − H_previous)).  β
    grows by 5% after a success (up to a ceiling that itself creeps up by 1%)
    and shrinks by 1.5× after a failure; a failed iteration is undone and
    redone from the last accepted iterate without extrapolation, so the
    recorded objective never increases.
    """

    def __init__(self, W, Ht):
        self.beta, self.ceiling = 0.5, 1.0
        self.best = np.inf
        self.W_keep, self.H_keep = W.copy(), Ht.copy()
        self.H_hat = Ht.copy()

    def step(self, pb, W, Ht, p):
        value = _hals_plain(pb, W, Ht, p, self.H_hat)
        if value > self.best:  # undo, then take a plain step from the last accepted iterate
            W[:], Ht[:] = self.W_keep, self.H_keep
            self.ceiling, self.beta = self.beta, self.beta / 1.5
            value = _hals_plain(pb, W, Ht, p, Ht)
        else:
            self.beta = min(self.ceiling, 1.05 * self.beta)
            self.ceiling = min(1.0, 1.01 * self.ceiling)
        extrapolate(Ht, self.H_keep, self.H_hat, self.beta)
        np.copyto(self.W_keep, W)
        self.best = value
        return value


def _hals(pb, W, Ht, p, rng, it):
    if not p["extrapolate"]:
        return _hals_plain(pb, W, Ht, p, Ht)
    if it == 0:
        pb.extrapolation = _Extrapolation(W, Ht)
    return pb.extrapolation.step(pb, W, Ht, p)


def _mu(pb, W, Ht, p, rng, it):
    A, B = pb.products_W(Ht)
    denominator = W @ B + p["l1_W"] + p["alpha_W"] * W
    denominator[denominator <= 0] = MU_EPS
    W *= A / denominator
    At, C = pb.products_H(W)
    denominator = Ht @ C + p["l1_H"] + p["alpha_H"] * Ht
    denominator[denominator <= 0] = MU_EPS
    Ht *= At / denominator
    return pb.objective(W, Ht, At, C)


def _als(pb, W, Ht, p, rng, it):
    k = W.shape[1]
    A, B = pb.products_W(Ht)
    W[:] = np.maximum(np.linalg.solve(B + p["alpha_W"] * np.eye(k), (A - p["l1_W"]).T).T, 0.0)
    At, C = pb.products_H(W)
    Ht[:] = np.maximum(np.linalg.solve(C + p["alpha_H"] * np.eye(k), (At - p["l1_H"]).T).T, 0.0)
    return pb.objective(W, Ht, At, C)


def sgd_setup(pb, k):
    """The entries' blocks and the rows' and columns' entry counts for the SGD epochs (once per run)."""
    if not hasattr(pb, "strata"):
        X = pb.X
        pb.strata = Strata(X, k)
        pb.inv_row = 1.0 / np.maximum(np.diff(X.indptr), 1).astype(np.float64)
        pb.inv_col = 1.0 / np.maximum(np.diff(pb.Xt.indptr), 1).astype(np.float64)


def sgd_epoch(pb, W, Ht, p, rng, it, mode):
    """One Frobenius SGD epoch over the nonzeros, by seeded strata (shared with LSA)."""
    X, Xt = pb.X, pb.Xt
    sgd_setup(pb, W.shape[1])
    # the zero cells' gradient, exactly: Σ_all_j p_ij h_j − Σ_nonzero_j p_ij h_j
    gram_W, gram_H = W.T @ W, Ht.T @ Ht
    zero_W = W @ gram_H
    zero_H = Ht @ gram_W
    nz_W, nz_H = np.empty_like(W), np.empty_like(Ht)
    kernels.nonzero_gradient(X.indptr, X.indices, W, Ht, nz_W)
    kernels.nonzero_gradient(Xt.indptr, Xt.indices, Ht, W, nz_H)
    zero_W -= nz_W
    zero_H -= nz_H
    rate = p["learning_rate"]
    share_W = np.full(X.shape[0], 1.0 / (np.linalg.eigvalsh(gram_H)[-1] + p["alpha_W"] + MU_EPS))
    share_H = np.full(X.shape[1], 1.0 / (np.linalg.eigvalsh(gram_W)[-1] + p["alpha_H"] + MU_EPS))
    pb.strata.epoch(rng, W, Ht, zero_W, zero_H, share_W, share_H, pb.inv_row, pb.inv_col, rate, rate,
                    p["alpha_W"], p["alpha_H"], p["l1_W"], p["l1_H"], mode, 0.0)
    W[np.diff(X.indptr) == 0] = 0.0  # rows and columns without data: their optimum is 0
    Ht[np.diff(Xt.indptr) == 0] = 0.0
    At, C = pb.products_H(W)
    return pb.objective(W, Ht, At, C)


def _sgd(pb, W, Ht, p, rng, it):
    return sgd_epoch(pb, W, Ht, p, rng, it, mode=1)


_STEPS = {"hals": _hals, "mu": _mu, "als": _als, "sgd": _sgd}


@one_blas_thread
def fit_frobenius(X, n_components, *, solver="hals", init="nndsvda", max_iter=200, tol=5e-8,
                  alpha_W=0.0, alpha_H=0.0, l1_W=0.0, l1_H=0.0, learning_rate=0.5, extrapolate=True,
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
    if solver not in _STEPS:
        raise ValueError(f"Unknown Frobenius NMF solver {solver!r}; choose one of {', '.join(FROBENIUS_SOLVERS)}")
    X, k, p = prepare_nmf(X, n_components, "FrobeniusNMF", alpha_W=alpha_W, alpha_H=alpha_H, l1_W=l1_W, l1_H=l1_H,
                          learning_rate=learning_rate)
    p["extrapolate"] = bool(extrapolate)
    rng = make_rng(random_state)
    tracker = Tracker(f"FrobeniusNMF(solver={solver!r})", max_iter, tol,
                      patience=2 if solver == "hals" and extrapolate else 1)
    pb = _Problem(X, k, penalties(p))
    W, H = initialize(X, k, init, rng, loss="frobenius", products=pb.products, W=W, H=H)
    return run_nmf(_STEPS[solver], pb, W, np.ascontiguousarray(H.T), p, rng, tracker, fold_in=frobenius_transform,
                   loss=frobenius_loss, model="nmf", solver=solver, record=dict(p, init=init, max_iter=max_iter, tol=tol))


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
