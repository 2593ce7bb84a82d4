"""Short texts: SeaNMF, then one topic per document.

A 5–15-word document has almost no word pairs of its own, so the document–term matrix alone says
little about which words go together.  The fit borrows that from the whole corpus in three steps:

1. **SeaNMF** (Shi, Kang, Choudhary & Reddy 2018): the weighted matrix A (n_docs × n_terms) and the
   word–context matrix S (n_terms × n_terms, the shifted positive PMI of word pairs that share a
   document, counted from the nonzeros of X) are factorized with shared word factors,

       min ½‖A − D Wᵀ‖² + ½α‖S − W Cᵀ‖²,   D, W, C ≥ 0,

   by exact coordinate descent (HALS) on D, W and C in turn, W's columns kept at unit length (their
   norms moved into D and C, which leaves both products unchanged, so the objective never rises).
2. **One topic per document**: a mixture of unigrams started from D, fitted by EM on which words each
   document holds, its topic–word distributions smoothed by the word contexts (a topic's
   distribution φ is mixed with φP, P the row-normalised S, weight ``smoothing``; its counts are
   expanded by the contexts of the words counted, weight ``expansion``): Yin & Wang's (2014)
   one-topic assumption, with related words promoted as GPU-DMM (Li et al. 2016) does with word
   embeddings — here with the corpus's own word contexts.
3. **Topics refitted to the documents**: W solved again for the documents' topic shares R (the EM's
   posteriors), the context term still in, then each topic scaled by least squares so that
   A ≈ R H with H = diag(s) Wᵀ.

Returned: W = R (each document's topic shares, rows summing to 1; an empty document a zero row) and
H (k × n_terms).  The fold-in (:func:`seanmf_transform`) is the mixture's posterior under H's word
distributions.  Measured on 20 Newsgroups subject lines and Russian headlines:
benchmarks/bench_short.py.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import nnls

from ...spec.topics import SEANMF
from ..engine import kernels
from ..engine.common import Tracker, as_csr, check_rank, make_rng, validated
from ..engine.threads import one_blas_thread
from .init import custom_start
from .result import Factorization

__all__ = ["fit_seanmf", "seanmf_transform", "context_matrix", "mixture_posterior"]

_S = SEANMF.params.default
#: Added to a topic's word distribution before the fold-in takes logarithms (words a topic never uses).
FLOOR = 1e-4
#: The mixture has settled when at most this share of the documents changes its main topic in a round.
MIXTURE_TOL = 1e-3
#: Rounds of the words' and contexts' factors refitted to the documents' final shares.
REFIT_ROUNDS = 10
#: The mixture's Dirichlet priors: on the topics' sizes and on their word counts.
PRIOR_TOPICS, PRIOR_WORDS = 1.0, 0.1


def pattern(X: sp.csr_matrix) -> sp.csr_matrix:
    """The words each document holds: X's nonzeros as ones."""
    return sp.csr_matrix((np.ones(X.nnz), X.indices, X.indptr), shape=X.shape)


def context_matrix(X, shift: float = 1.0) -> sp.csr_matrix:
    """Shifted positive PMI of word pairs sharing a document: max(log(#(a,b)·N / (#a·#b)) − log shift, 0).

    #(a, b) counts the documents holding both a and b (a ≠ b), #a = Σ_b #(a, b) and N = Σ #a; the
    same statistics as the pairs of SeaNMF's paper, from the matrix the one reading pass made.
    """
    B = pattern(as_csr(X))
    C = (B.T @ B).tocsr()
    C.setdiag(0)
    C.eliminate_zeros()
    total = float(C.data.sum())
    if total == 0:
        return sp.csr_matrix(C.shape)
    rows = np.asarray(C.sum(axis=1)).ravel()
    r = np.repeat(np.arange(C.shape[0]), np.diff(C.indptr))
    values = np.log(C.data * total / (rows[r] * rows[C.indices])) - np.log(shift)
    C.data = np.maximum(values, 0.0)
    C.eliminate_zeros()
    return C


def _contexts_transposed(S: sp.csr_matrix) -> sp.csr_matrix:
    """Pᵀ for P = S with unit row sums: S is symmetric, so Pᵀ is S with unit column sums (no transpose made)."""
    sums = np.asarray(S.sum(axis=1)).ravel()
    sums[sums == 0] = 1.0
    Pt = S.copy()
    Pt.data /= sums[Pt.indices]
    return Pt


def _products(M: sp.csr_matrix, F: np.ndarray) -> np.ndarray:
    out = np.empty((M.shape[0], F.shape[1]))
    kernels.spmm(M.indptr, M.indices, M.data, np.ascontiguousarray(F), out)
    return out


def _normalise(W, D, C):
    """Unit columns of W, their norms moved into D and C (D Wᵀ and W Cᵀ unchanged)."""
    norms = np.linalg.norm(W, axis=0)
    norms[norms == 0] = 1.0
    W /= norms
    D *= norms
    C *= norms


class _Joint:
    """SeaNMF's objective and its three coordinate-descent steps."""

    def __init__(self, A, At, S, alpha):
        self.A, self.At, self.S, self.alpha = A, At, S, alpha
        self.norm2 = float(A.data @ A.data) + alpha * float(S.data @ S.data)
        self.delta = None

    def sweep(self, F, products, gram):
        if self.delta is None or len(self.delta) < F.shape[0]:
            self.delta = np.empty(max(F.shape[0], 1))
        kernels.hals_sweep(F, products, gram, 0.0, 0.0, self.delta[:F.shape[0]], 1, 0.0)

    def words(self, W, D, C):
        """W for fixed D and C (both squared terms in one sweep), then unit columns."""
        AD, SC = _products(self.At, D), _products(self.S, C)
        self.sweep(W, AD + self.alpha * SC, D.T @ D + self.alpha * (C.T @ C))
        _normalise(W, D, C)

    def iterate(self, W, D, C) -> float:
        """One round: D, W, C in turn; the objective after it."""
        self.sweep(D, _products(self.A, W), W.T @ W)
        self.words(W, D, C)
        SW, gram = _products(self.S, W), W.T @ W
        self.sweep(C, SW, gram)
        AD = _products(self.At, D)
        fit = self.norm2 - 2 * float(np.vdot(AD, W)) + float(np.vdot(D.T @ D, gram))
        fit += self.alpha * (-2 * float(np.vdot(SW, C)) + float(np.vdot(C.T @ C, gram)))
        return 0.5 * max(fit, 0.0)


def mixture_posterior(B: sp.csr_matrix, log_phi: np.ndarray, log_pi: np.ndarray) -> np.ndarray:
    """p(topic | document) of a mixture of unigrams: each document's words drawn from one topic.

    ``log_phi`` (k × n_terms), ``log_pi`` (k,); a document without words gets a zero row."""
    L = _products(B, np.ascontiguousarray(log_phi.T)) + log_pi
    L -= L.max(axis=1, keepdims=True)
    R = np.exp(L)
    R /= R.sum(axis=1, keepdims=True)
    R[np.diff(B.indptr) == 0] = 0.0
    return R


def _mixture(B, Bt, Pt, R, smoothing, expansion, n_iter, tol):
    """EM of the context-smoothed mixture from the shares R (B and Bt: the documents' words and their transpose;
    Pt: the contexts, :func:`_contexts_transposed`); (R, iterations, converged)."""
    for it in range(1, n_iter + 1):
        counts = _products(Bt, R)  # n_terms × k
        if expansion:
            counts += expansion * _products(Pt, counts)
        phi = (counts + PRIOR_WORDS).T
        phi /= phi.sum(axis=1, keepdims=True)
        if smoothing:
            phi = (1 - smoothing) * phi + smoothing * _products(Pt, np.ascontiguousarray(phi.T)).T
        sizes = R.sum(axis=0) + PRIOR_TOPICS
        new = mixture_posterior(B, np.log(np.maximum(phi, 1e-300)), np.log(sizes / sizes.sum()))
        moved = np.count_nonzero(new.argmax(axis=1) != R.argmax(axis=1))
        R = new
        if moved <= tol * len(R):
            return R, it, True
    return R, n_iter, False


def _scales(A, R, W) -> np.ndarray:
    """Non-negative s minimising ‖A − R diag(s) Wᵀ‖²: the topics' sizes, so that A ≈ R H."""
    AW = _products(A, W)
    gram = (R.T @ R) * (W.T @ W)
    target = np.einsum("ik,ik->k", R, AW)
    try:
        L = np.linalg.cholesky(gram + 1e-12 * np.trace(gram) * np.eye(len(gram)))
        s, _ = nnls(L.T, np.linalg.solve(L, target))
    except np.linalg.LinAlgError:
        s = np.maximum(target / np.maximum(np.diag(gram), 1e-300), 0.0)
    return s


@validated(SEANMF.params)
@one_blas_thread
def fit_seanmf(X, n_components: int = _S("n_components"), *, solver: str = _S("solver"), init: str = _S("init"),
               max_iter: int = _S("max_iter"), tol: float = _S("tol"), context_weight: float = _S("context_weight"),
               context_shift: float = _S("context_shift"), smoothing: float = _S("smoothing"),
               expansion: float = _S("expansion"), mixture_iter: int = _S("mixture_iter"),
               random_state=_S("random_state"), W=_S("W"), H=_S("H")) -> Factorization:
    """Fit the short-text model (see the module docstring) to X (n_docs × n_terms, weighted).

    Parameters
    ----------
    X : sparse matrix of shape (n_docs, n_terms)
        Non-negative (by default tf-idf with unit rows); which words each document holds comes
        from its nonzeros.
    n_components : int
    solver : {"hals"}
    init : {"random", "custom"}
        "random": uniform factors from ``random_state`` (as SeaNMF's authors start);
        "custom": ``W`` (documents' start, n_docs × k) and ``H`` (words' start, k × n_terms).
    max_iter, tol : SeaNMF's rounds and its stopping rule (relative decrease of the objective).
    context_weight : float
        α, the weight of the word–context term.
    context_shift : float
        κ: PMI is shifted down by log κ before its negative part is cut (word2vec's negative samples).
    smoothing, expansion : float
        The mixture's context smoothing of the topics' distributions and of their counts (0: plain).
    mixture_iter : int
        EM rounds at most (it stops when at most :data:`MIXTURE_TOL` of the
        documents change their main topic in a round); 0 skips the mixture
        (documents keep SeaNMF's shares).
    random_state : int, Generator or None

    Returns
    -------
    Factorization
        ``loss_curve``: SeaNMF's objective per round; ``params["mixture"]``: the EM's rounds and
        whether it settled.
    """
    X = as_csr(X)
    if X.data.size and X.data.min() < 0:
        raise ValueError("SeaNMF needs a non-negative matrix; X has negative entries")
    k = check_rank(n_components, X.shape)
    n, m = X.shape
    rng = make_rng(random_state)
    S = context_matrix(X, context_shift)
    if init == "custom":
        D, H = custom_start(W, H, n, m, k)
        Wt = np.ascontiguousarray(H.T)
        norms = np.linalg.norm(Wt, axis=0)
        norms[norms == 0] = 1.0
        Wt /= norms
        D *= norms  # the given start D Wᵀ kept
        C = Wt.copy()
    else:  # uniform, W's columns of unit length (D and C not scaled up with them: D's first sweep sizes it)
        D, Wt, C = rng.random((n, k)), rng.random((m, k)), rng.random((m, k))
        Wt /= np.linalg.norm(Wt, axis=0)
    joint = _Joint(X, sp.csr_matrix(X.T), S, context_weight)
    tracker = Tracker(f"SeaNMF(solver={solver!r})", max_iter, tol)
    while not tracker.add(joint.iterate(Wt, D, C)):
        pass
    tracker.finish()
    B = pattern(X)
    sums = D.sum(axis=1, keepdims=True)
    R = np.divide(D, sums, out=np.zeros_like(D), where=sums > 0)
    mixture = {"iterations": 0, "converged": True}
    if mixture_iter:
        R, rounds, settled = _mixture(B, pattern(joint.At), _contexts_transposed(S), R + 1e-3, smoothing, expansion,
                                      mixture_iter, MIXTURE_TOL)
        mixture = {"iterations": rounds, "converged": settled}
        for _ in range(REFIT_ROUNDS):  # the words again, for the documents' final shares
            joint.words(Wt, R.copy(), C)
            joint.sweep(C, _products(joint.S, Wt), Wt.T @ Wt)
    scales = _scales(X, R, Wt)
    # a topic the mixture left without documents keeps its words, at a weight no document gives
    scales[scales == 0] = 1e-9 * max(float(scales.max()), 1e-300)
    Ht = Wt * scales
    return Factorization(W=R, H=np.ascontiguousarray(Ht.T), model=SEANMF.name, solver=solver,
                         loss_curve=np.asarray(tracker.curve), n_iter=len(tracker.curve),
                         converged=tracker.converged and mixture["converged"],
                         params={"init": init, "max_iter": max_iter, "tol": tol, "context_weight": context_weight,
                                 "context_shift": context_shift, "smoothing": smoothing, "expansion": expansion,
                                 "mixture_iter": mixture_iter, "mixture": mixture,
                                 "context_pairs": int(S.nnz)})


def seanmf_transform(X, H, **_) -> np.ndarray:
    """Each document's topic shares under the fitted topics: the one-topic mixture's posterior, with each
    topic's word distribution H's row (plus :data:`FLOOR`, normalised) and equal topic sizes."""
    X = as_csr(X)
    phi = np.asarray(H, dtype=np.float64)
    phi = phi / np.maximum(phi.sum(axis=1, keepdims=True), 1e-300) + FLOOR
    phi /= phi.sum(axis=1, keepdims=True)
    k = phi.shape[0]
    return mixture_posterior(pattern(X), np.log(phi), np.full(k, -np.log(k)))
