"""Poisson NMF: min D(X‖WH + B) + ½α_W‖W‖² + ½α_H‖H‖² + λ_W ΣW + λ_H ΣH, W, H ≥ 0.

D is the generalized Kullback–Leibler divergence, the Poisson negative
log-likelihood of the counts up to a constant.  For sparse X only the
nonzeros are visited: (WH)_ij is formed on them, and the rest of Σ WH comes
from the column sums of W and row sums of H.

B is an optional fixed background, B_ij = β · (Σ_j' x_ij') · b_j with b the
corpus's word frequencies (column sums of X over the total): a share β of
every document's expected words comes from the corpus as a whole, so the
topics explain only how a document departs from it, and words used
everywhere at their usual rate need no topic (the idea of SAGE, Eisenstein,
Ahmed & Xing 2011, as a fixed component).  It is carried as one more column of W
and H that the solvers never move (see ``n_free`` of the kernels).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from ..engine import kernels
from ..engine.threads import one_blas_thread
from ..engine.products import Products
from ..engine.common import Tracker, as_csr, make_rng, penalties, prepare_nmf, run_nmf
from .frobenius import sgd_setup
from .background import append_background, check_background, start_with_background
from .init import initialize
from .result import Factorization
from .losses import penalty, poisson_loss

__all__ = ["POISSON_SOLVERS", "fit_poisson", "poisson_transform"]

POISSON_SOLVERS = ("cd", "mu", "sgd")
FLOOR = 1e-10  # entries of W, H stay ≥ this where data need them (zeros would be absorbing)


class _Problem:
    def __init__(self, X, k, pen, n_topics=None):
        self.X = X
        self.n_topics = k if n_topics is None else n_topics  # the free columns; any after them are fixed
        self.products = Products(X, k)
        self.Xt = self.products.Xt  # the coordinate-descent and MU updates of H run over the rows of Xᵀ
        self.total = float(X.data.sum())
        self.pen = pen
        self.log_rows = np.empty(X.shape[0])
        self.log_cols = np.empty(X.shape[1])
        self.num_W = np.empty((X.shape[0], k))
        self.num_H = np.empty((X.shape[1], k))
        # Updating H gathers the rows of W of every document holding each word.  Once W no longer fits the
        # caches, gathering a float32 copy is faster (a million documents × 50 topics: 10.6 → 9.2 s a pass);
        # the steps then use W rounded to 7 digits, and the objective is computed from it until the final fold-in.
        self.W32 = np.empty((X.shape[0], k), np.float32) if not self.products.gather else None

    def objective(self, logsum, W, Ht):
        k = self.n_topics
        return logsum - self.total + float(W.sum(axis=0) @ Ht.sum(axis=0)) + penalty(W[:, :k], Ht[:, :k], **self.pen)


def _cd(pb, W, Ht, p, rng, it):
    X, Xt, k = pb.X, pb.Xt, pb.n_topics
    kernels.ccd_kl_rows(X.indptr, X.indices, X.data, W, Ht, Ht.sum(axis=0), p["alpha_W"], p["l1_W"],
                         p["inner"], FLOOR, pb.log_rows, False, 0.0, k)
    G = W
    if pb.W32 is not None:
        np.copyto(pb.W32, W, casting="same_kind")
        G = pb.W32
    kernels.ccd_kl_rows(Xt.indptr, Xt.indices, Xt.data, Ht, G, W.sum(axis=0), p["alpha_H"], p["l1_H"],
                         p["inner"], FLOOR, pb.log_cols, True, 0.0, k)
    return pb.objective(float(pb.log_cols.sum()), W, Ht)


def _mu_prepare(pb, W, Ht):
    """The MU numerator for W at the current iterate, and that iterate's objective (one pass)."""
    X = pb.X
    kernels.mu_kl_numerator(X.indptr, X.indices, X.data, W, Ht, pb.num_W, pb.log_rows)
    return pb.objective(float(pb.log_rows.sum()), W, Ht)


def _mu(pb, W, Ht, p, rng, it):
    """Lee–Seung KL updates with the fused nonzero-only numerator.

    Uses the W numerator left by :func:`_mu_prepare` and prepares the next
    one, which also gives the objective of the new iterate: two passes over
    X per iteration, like the updates themselves.
    """
    Xt, k = pb.Xt, pb.n_topics
    # the auxiliary function is separable over the entries, so updating the free columns alone still descends
    Wk, Hk = W[:, :k], Ht[:, :k]
    Wk *= pb.num_W[:, :k] / (Ht.sum(axis=0)[:k] + p["l1_W"] + p["alpha_W"] * Wk)
    np.maximum(Wk, FLOOR, out=Wk)
    kernels.mu_kl_numerator(Xt.indptr, Xt.indices, Xt.data, Ht, W, pb.num_H, pb.log_cols)
    Hk *= pb.num_H[:, :k] / (W.sum(axis=0)[:k] + p["l1_H"] + p["alpha_H"] * Hk)
    np.maximum(Hk, FLOOR, out=Hk)
    return _mu_prepare(pb, W, Ht)


def _sgd(pb, W, Ht, p, rng, it):
    """One Poisson SGD epoch: per-entry steps on ε̃ = (p − x)/p, zero cells exactly."""
    X, Xt = pb.X, pb.Xt
    sgd_setup(pb, W.shape[1])
    if not hasattr(pb, "ones_rows"):
        pb.ones_rows = np.ones(X.nnz)
    col_H, col_W = Ht.sum(axis=0), W.sum(axis=0)
    # the zero cells of row i contribute Σ_j h_j − Σ_{nonzero j} h_j to its gradient
    zero_W, zero_H = np.empty_like(W), np.empty_like(Ht)
    kernels.spmm(X.indptr, X.indices, pb.ones_rows, Ht, zero_W)
    kernels.spmm(Xt.indptr, Xt.indices, pb.ones_rows, W, zero_H)
    zero_W = col_H - zero_W
    zero_H = col_W - zero_H
    rate = p["learning_rate"] / (1.0 + 0.01 * it)
    pb.strata.epoch(rng, W, Ht, zero_W, zero_H, col_H + p["l1_W"], col_W + p["l1_H"], pb.inv_row, pb.inv_col,
                    rate, rate, p["alpha_W"], p["alpha_H"], p["l1_W"], p["l1_H"], 2, FLOOR)
    W[np.diff(X.indptr) == 0] = 0.0
    Ht[np.diff(Xt.indptr) == 0] = 0.0
    kernels.kl_row_terms(Xt.indptr, Xt.indices, Xt.data, Ht, W, pb.log_cols)
    return pb.objective(float(pb.log_cols.sum()), W, Ht)


_STEPS = {"cd": _cd, "mu": _mu, "sgd": _sgd}


@one_blas_thread
def fit_poisson(X, n_components, *, solver="cd", init="nndsvda", max_iter=200, tol=1e-4,
                alpha_W=0.0, alpha_H=0.0, l1_W=0.0, l1_H=0.0, learning_rate=1.0, n_inner=1,
                background=0.0, random_state=None, W=None, H=None) -> Factorization:
    """Poisson (KL) NMF of a non-negative count matrix.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_docs, n_terms), non-negative
    n_components : int
    solver : {"cd", "mu", "sgd"}, default="cd"
        ``cd``: cyclic coordinate descent with Newton steps (Hsieh & Dhillon
        2011), safeguarded so the objective never increases; ``mu``: Lee &
        Seung's KL multiplicative updates; ``sgd``: per-entry updates driven
        by the relative error ε̃ = (⟨w_i, h_j⟩ − x_ij)/⟨w_i, h_j⟩.
    init : {"nndsvda", "nndsvd", "random", "custom"}
    max_iter, tol :
        Stop after ``max_iter`` iterations or when the objective falls by
        less than ``tol`` (relative) in one iteration.
    alpha_W, alpha_H, l1_W, l1_H : float
        L2 and L1 penalty weights.
    learning_rate : float
        SGD only: 1 makes an epoch a multiplicative update in expectation;
        it decays as 1/(1 + 0.01 t).
    n_inner : int
        CD only: Newton passes over each row per half-iteration.
    background : float in [0, 1), default=0
        The share β of every document's expected words given to the fixed
        corpus background (module docstring); 0 fits topics alone.  ``cd``
        and ``mu`` only.  The result's ``background`` is the word profile b.
    random_state : int, Generator or None
    W, H : arrays, only with ``init="custom"`` (the topics' part; the background is added).

    Returns
    -------
    Factorization
        Its W is finally solved to convergence for the final H (the fold-in
        of :func:`poisson_transform`), so ``transform`` reproduces it; the
        last entry of ``loss_curve`` is the objective of the returned factors.
    """
    if solver not in _STEPS:
        raise ValueError(f"Unknown Poisson NMF solver {solver!r}; choose one of {', '.join(POISSON_SOLVERS)}")
    X, k, p = prepare_nmf(X, n_components, "PoissonNMF", alpha_W=alpha_W, alpha_H=alpha_H, l1_W=l1_W, l1_H=l1_H,
                          learning_rate=learning_rate)
    if isinstance(n_inner, bool) or not isinstance(n_inner, int) or n_inner < 1:
        raise ValueError(f"n_inner must be a positive integer; got {n_inner!r}")
    share = check_background(background)
    if share and solver == "sgd":
        raise ValueError("A background needs the cd or mu solver (sgd fits topics alone); use background=0")
    p["inner"] = n_inner
    rng = make_rng(random_state)
    pb = _Problem(X, k + 1 if share else k, penalties(p), n_topics=k)
    profile = None
    if share:
        W, Ht, profile = start_with_background(X, k, init, rng, share, pb.products, W=W, H=H)
    else:
        W, H = initialize(X, k, init, rng, loss="poisson", products=pb.products, W=W, H=H)
        Ht = np.ascontiguousarray(H.T)
    tracker = Tracker(f"PoissonNMF(solver={solver!r})", max_iter, tol)
    step = _STEPS[solver]
    if solver == "mu":
        np.maximum(W, FLOOR, out=W)  # exact zeros would never move
        np.maximum(Ht, FLOOR, out=Ht)
        _mu_prepare(pb, W, Ht)

    def fold_in(X, H, **kw):
        return poisson_transform(X, H, background=share, background_profile=profile, **kw)

    def loss(X, W, H, **kw):
        return poisson_loss(X, W, H, background=share, background_profile=profile, **kw)

    record = dict(p, init=init, max_iter=max_iter, tol=tol, background=share)
    if share:
        record["background_words"] = share * pb.total  # Σ B: the (weighted) words the background gives
    result = run_nmf(step, pb, W, Ht, p, rng, tracker, fold_in=fold_in, loss=loss, model="pnmf",
                     solver=solver, record=record, n_topics=k)
    return replace(result, background=profile) if share else result


@one_blas_thread
def poisson_transform(X, H, *, alpha_W=0.0, l1_W=0.0, tol=1e-14, max_iter=1000, W_init=None, background=0.0,
                      background_profile=None):
    """W ≥ 0 minimising D(X‖WH + B) + ½α_W‖W‖² + λ_W ΣW for fixed H (fold-in).

    Convex and separable by row; each row is solved on its own by the
    coordinate-descent Newton passes of the fit, from ``W_init`` (default:
    each document's length spread evenly over the topics), until a pass
    decreases its objective by less than ``tol`` times its number of words,
    or after ``max_iter`` passes.  Rows that converge early cost no more
    passes, so this costs a few passes over X, not ``max_iter``.
    With a ``background`` share β and the fit's ``background_profile`` b,
    B_ij = β (Σ_j' x_ij') b_j is part of every row's rate and stays fixed.
    """
    X = as_csr(X)
    H = np.asarray(H, dtype=np.float64)
    Ht = np.ascontiguousarray(H.T)
    k = H.shape[0]
    colsum = Ht.sum(axis=0)
    lengths = np.asarray(X.sum(axis=1)).ravel()
    if W_init is None:
        W = np.repeat((lengths / max(colsum.sum(), np.finfo(float).tiny))[:, None], k, axis=1)
    else:
        W = np.array(W_init, dtype=np.float64)
    share = check_background(background)
    if share:
        if background_profile is None or np.shape(background_profile) != (H.shape[1],):
            raise ValueError(f"A background needs its word profile of {H.shape[1]} terms")
        W, Ht = append_background((1.0 - share) * W if W_init is None else W, Ht, share * lengths,
                                  np.asarray(background_profile, dtype=np.float64))
        colsum = Ht.sum(axis=0)
    unexplained = ~(Ht.sum(axis=1) > 0)  # words no topic (nor the background) gives: their rate is 0 whatever W is
    if unexplained.any() and X.nnz:
        keep = ~unexplained[X.indices]
        rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))[keep]
        X = sp.csr_matrix((X.data[keep], (rows, X.indices[keep])), shape=X.shape)
    W = np.ascontiguousarray(W)
    logsum = np.empty(X.shape[0])
    kernels.ccd_kl_rows(X.indptr, X.indices, X.data, W, Ht, colsum, alpha_W, l1_W, max_iter, FLOOR, logsum, False,
                         tol, k)
    return np.ascontiguousarray(W[:, :k]) if share else W
