"""Held-out fit by document completion: how well a model fitted without some documents predicts their words.

A seeded share of the documents is held out; the model is fitted on the rest.  Each held-out
document's counts are split in two at random (each token to either half with probability ½,
seeded); the first half is folded in (:meth:`TopicModel.transform`, H fixed) and the second
half is scored:

- Poisson NMF, read as a topic model: p(w|d) ∝ r_dw = W_d H_w + g_d b_w, the model's own rate for
  the document's words (g_d b: the fixed background, for a model with one), normalised over the
  vocabulary; a model fitted to square roots of counts (the default) predicts square roots, so its
  counts are r² and p(w|d) ∝ r_dw²; **per-word perplexity** exp(−Σ y_dw ln p(w|d) / Σ y_dw) over
  the second halves' counts y;
- Frobenius NMF and LSA: the **relative error** ‖Y − Ŷ‖² / ‖Y‖² of the second halves in the
  model's weighting, Ŷ_d = W_d H (the two halves expect the same words).

Only words the training documents use are scored (a word no training document has gets no
probability from a model fitted on them, as in every held-out evaluation of topic models); the
tokens scored are reported.  Everything runs on the held-out documents' nonzeros (never a dense
documents × words array).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import scipy.sparse as sp

from ..errors import TopicmfError
from ..factorize.topics.losses import wh_on_nonzeros
from ..text import DocumentTermMatrix
from .topicmodel import TopicModel
from ..text.weighting import weigh

__all__ = ["heldout_score", "split_documents", "complete"]


def split_documents(n_docs: int, share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train, test) document rows: a seeded ``share`` held out, at least one document on each side."""
    if not 0.0 < float(share) < 1.0:
        raise TopicmfError(f"--heldout must lie strictly between 0 and 1; got {share}")
    n_test = int(round(share * n_docs))
    if not 1 <= n_test < n_docs:
        raise TopicmfError(f"--heldout {share} holds out {n_test} of {n_docs} documents; choose another share")
    order = np.random.default_rng(seed).permutation(n_docs)
    return np.sort(order[n_test:]), np.sort(order[:n_test])


def _halves(X: sp.csr_matrix, seed: int) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    X = sp.csr_matrix(X)
    counts = np.rint(X.data).astype(np.int64)
    first = np.random.default_rng(seed).binomial(counts, 0.5)
    # each half gets its own index arrays: eliminate_zeros rewrites them in place
    A = sp.csr_matrix((first.astype(np.float64), X.indices.copy(), X.indptr.copy()), shape=X.shape)
    B = sp.csr_matrix(((counts - first).astype(np.float64), X.indices.copy(), X.indptr.copy()), shape=X.shape)
    A.eliminate_zeros()
    B.eliminate_zeros()
    return A, B


def complete(model: TopicModel, X_test, seed: int = 0, seen=None) -> dict:
    """Document completion of the rows of ``X_test`` (counts over the model's vocabulary); ``seen``: the words
    the training documents use (default: every word)."""
    A, B = _halves(X_test, seed)
    if seen is not None:  # the second halves are scored on the words the model was fitted on
        B = B @ sp.diags(np.asarray(seen, dtype=np.float64))
        B = sp.csr_matrix(B)
        B.eliminate_zeros()
    both = np.flatnonzero((np.diff(A.indptr) > 0) & (np.diff(B.indptr) > 0))
    if both.size == 0:
        raise TopicmfError("no held-out document has words in both halves: hold out more or longer documents")
    A, B = A[both], B[both]
    W = model.transform(A)
    H = np.asarray(model.H, dtype=np.float64)
    if model.spec.loss == "poisson":
        Aw = weigh(A, model.weighting, model.global_weights)
        g = model.background_share * np.asarray(Aw.sum(axis=1)).ravel() if model.background_share else np.zeros(
            A.shape[0])
        b = np.asarray(model.factorization.background) if model.background_share else np.zeros(H.shape[1])
        B.sort_indices()
        rows = np.repeat(np.arange(B.shape[0]), np.diff(B.indptr))
        power = 2 if model.weighting == "sqrt" else 1
        numerator = (wh_on_nonzeros(B, W, H) + g[rows] * b[B.indices]) ** power
        if power == 1:
            totals = W @ H.sum(axis=1) + g
        else:  # Σ_w r_dw² needs every word of the document's row: a block of documents at a time
            totals = np.empty(B.shape[0])
            step = max(1, 2_000_000 // max(1, H.shape[1]))
            for start in range(0, B.shape[0], step):
                rates = W[start:start + step] @ H + g[start:start + step, None] * b[None, :]
                totals[start:start + step] = np.einsum("ij,ij->i", rates, rates)
        denominator = totals[rows]
        p = np.divide(numerator, denominator, out=np.zeros_like(numerator), where=denominator > 0)
        tokens = B.data.sum()
        with np.errstate(divide="ignore"):
            log_p = np.log(np.maximum(p, np.finfo(float).tiny))
        return {"documents": int(both.size), "tokens": int(tokens),
                "perplexity": float(np.exp(-(B.data @ log_p) / tokens))}
    Y = weigh(B, model.weighting, model.global_weights)
    Y.sort_indices()
    cross = Y.data @ wh_on_nonzeros(Y, W, H)
    fitted = float(np.einsum("ij,jk,ik->", W, H @ H.T, W))
    total = float(Y.data @ Y.data)
    return {"documents": int(both.size), "tokens": int(B.data.sum()),
            "relative_error": float((total - 2 * cross + fitted) / total) if total > 0 else None}


def heldout_score(dtm: DocumentTermMatrix, fit: Callable[[DocumentTermMatrix], TopicModel], share: float,
                  seed: int = 0) -> dict:
    """Fit on all but a seeded ``share`` of the documents (``fit(sub_matrix)``) and score their completion."""
    if not dtm.local:
        raise TopicmfError("--heldout needs the matrix on this machine (not with --dask)")
    train, test = split_documents(dtm.n_docs, share, seed)
    sub = DocumentTermMatrix(X=dtm.X[train], vocabulary=dtm.vocabulary, terms=dtm.terms,
                             doc_ids=tuple(dtm.doc_ids[i] for i in train),
                             labels=None if dtm.labels is None else tuple(dtm.labels[i] for i in train),
                             doc_lengths=np.asarray(dtm.doc_lengths)[train], info=dtm.info)
    model = fit(sub)
    seen = np.bincount(sub.X.indices, minlength=sub.X.shape[1]) > 0
    return {"share": float(share), "seed": int(seed), "train_documents": int(train.size),
            **complete(model, dtm.X[test], seed, seen)}
