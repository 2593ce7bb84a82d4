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

Each solver is a :class:`~topicmf.factorize.topics.nmf.Step` written against
:class:`~topicmf.factorize.topics.rows.Rows`, so ``cd`` and ``mu`` run unchanged on a
cluster's row blocks.
"""

from __future__ import annotations


import numpy as np
import scipy.sparse as sp

from ...spec import validation_done
from ...spec.topics import POISSON_NMF
from ..engine import kernels
from ..engine.common import Tracker, as_csr, check_rank, make_rng, validated
from ..engine.threads import one_blas_thread
from .background import append_background
from .init import start, start_with_background
from .nmf import Problem, Step, penalties_of, poisson_objective, rows_of, run
from .result import Factorization
from .rows import FLOOR
from .sgd import PoissonSgd

__all__ = ["fit_poisson", "poisson_transform", "PoissonCD", "PoissonMU", "SOLVER_STEPS", "FLOOR"]

_P = POISSON_NMF.params.default  # every default from the model's parameter table (topicmf.spec.topics)


class PoissonCD(Step):
    """Cyclic coordinate descent with safeguarded Newton steps (Hsieh & Dhillon 2011): W's rows, then H's."""

    def __call__(self, problem: Problem, iteration: int) -> float:
        rows, Ht, p, k = problem.rows, problem.Ht, problem.params, problem.n_topics
        rows.poisson_cd_w(Ht, p["alpha_W"], p["l1_W"], p["inner"], k)
        logsum = rows.poisson_cd_h(Ht, p["alpha_H"], p["l1_H"], p["inner"], k)
        return poisson_objective(problem, logsum)


class PoissonMU(Step):
    """Lee–Seung KL updates with the fused nonzero-only numerator.

    The W numerator of the next iteration is formed with the objective of the current iterate
    (:meth:`~topicmf.factorize.topics.rows.Rows.poisson_mu_prepare`): two passes over X per
    iteration, like the updates themselves.  Exact zeros would never move: the factors start at
    least at the floor.
    """

    def start(self, problem: Problem) -> None:
        problem.rows.floor("W", FLOOR)
        np.maximum(problem.Ht, FLOOR, out=problem.Ht)
        problem.rows.poisson_mu_prepare(problem.Ht)

    def __call__(self, problem: Problem, iteration: int) -> float:
        rows, Ht, p, k = problem.rows, problem.Ht, problem.params, problem.n_topics
        rows.poisson_mu_w(Ht, p["alpha_W"], p["l1_W"], k)
        num_H = rows.poisson_mu_h_numerator(Ht)
        Hk = Ht[:, :k]
        Hk *= num_H[:, :k] / (rows.column_sums("W")[:k] + p["l1_H"] + p["alpha_H"] * Hk)
        np.maximum(Hk, FLOOR, out=Hk)
        return poisson_objective(problem, rows.poisson_mu_prepare(Ht))


#: Each solver's step (the registry, topicmf.spec.topics, names and describes them).
SOLVER_STEPS = {"cd": PoissonCD, "mu": PoissonMU, "sgd": PoissonSgd}


@validated(POISSON_NMF.params)
@one_blas_thread
def fit_poisson(X, n_components, *, solver=_P("solver"), init=_P("init"), max_iter=_P("max_iter"), tol=_P("tol"),
                alpha_W=_P("alpha_W"), alpha_H=_P("alpha_H"), l1_W=_P("l1_W"), l1_H=_P("l1_H"),
                learning_rate=_P("learning_rate"), n_inner=_P("n_inner"), background=_P("background"),
                random_state=_P("random_state"), W=None, H=None) -> Factorization:
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
    share = background
    rows = rows_of(X, n_components + 1 if share else n_components, "PoissonNMF")
    k = check_rank(n_components, rows.shape)
    params = {"alpha_W": alpha_W, "alpha_H": alpha_H, "l1_W": l1_W, "l1_H": l1_H, "learning_rate": learning_rate,
              "inner": n_inner}
    rng = make_rng(random_state)
    total = float(rows.total())
    profile = None
    if share:
        Ht, profile = start_with_background(rows, k, init, rng, share, W=W, H=H)
    else:
        Ht = np.ascontiguousarray(start(rows, k, init, rng, loss="poisson", W=W, H=H).T)
    problem = Problem(rows, Ht, params, rng, k, state={"total": total, "share": share, "profile": profile})
    record = dict(params, init=init, max_iter=max_iter, tol=tol, background=share)
    if share:
        record["background_words"] = share * total  # Σ B: the (weighted) words the background gives
    return run(SOLVER_STEPS[solver](), problem, Tracker(f"PoissonNMF(solver={solver!r})", max_iter, tol),
               finish=_finish, model=POISSON_NMF.name, solver=solver, record=record, background=profile)


def _finish(problem: Problem, H: np.ndarray) -> float:
    """W's topic columns solved exactly for the final H (the background fixed); the objective of the factors."""
    p, share, profile = problem.params, problem.state["share"], problem.state["profile"]
    problem.rows.poisson_fold_in(H, p["alpha_W"], p["l1_W"], share, profile)
    return problem.rows.poisson_objective(H, penalties_of(p), share, profile)


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
    share = background if validation_done() else POISSON_NMF.params["background"].check(background, "poisson_transform")
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
