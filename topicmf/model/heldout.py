"""Held-out fit by document completion: how well a model fitted without some documents predicts their words.

A seeded share of the documents is held out (those with the smallest keys of a counter-based
random stream, so that a cluster's blocks draw their own documents' keys); the model is fitted on
the rest.  Each held-out document's counts are split in two at random (each token to either half
with probability ½, from the same kind of stream); the first half is folded in (:meth:`TopicModel.transform`, H fixed) and the second
half is scored:

- Poisson NMF, read as a topic model: p(w|d) ∝ r_dw = W_d H_w + g_d b_w, the model's own rate for
  the document's words (g_d b: the fixed background, for a model with one), normalised over the
  vocabulary; a model fitted to square roots of counts (the default) predicts square roots, so its
  counts are r² and p(w|d) ∝ r_dw²; **per-word perplexity** exp(−Σ y_dw ln p(w|d) / Σ y_dw) over
  the second halves' counts y;
- Frobenius NMF, LSA and SeaNMF: the **relative error** ‖Y − Ŷ‖² / ‖Y‖² of the second halves in the
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

__all__ = ["heldout_score", "split_documents", "held_out_count", "document_keys", "halves", "complete",
           "completion_sums", "completion_score"]


def held_out_count(n_docs: int, share: float) -> int:
    """How many of ``n_docs`` documents ``share`` holds out; TopicmfError when either side would be empty."""
    if not 0.0 < float(share) < 1.0:
        raise TopicmfError(f"--heldout must lie strictly between 0 and 1; got {share}")
    n_test = int(round(share * n_docs))
    if not 1 <= n_test < n_docs:
        raise TopicmfError(f"--heldout {share} holds out {n_test} of {n_docs} documents; choose another share")
    return n_test


def _stream(seed: int, purpose: int, first: int, count: int) -> np.ndarray:
    """Draws ``first`` … ``first + count − 1`` of a seeded counter-based stream (Philox) of 64-bit words: any part of a
    corpus (a cluster's block) draws its own without drawing those before it."""
    bits = np.random.Philox(np.random.SeedSequence([int(seed) & 0xFFFFFFFF, purpose]))
    bits.advance(first // 4)  # Philox makes four words per step of its counter
    return bits.random_raw(first % 4 + count)[first % 4:].astype(np.uint64)


def document_keys(seed: int, first: int, count: int) -> np.ndarray:
    """The random keys of documents ``first`` … ``first + count − 1``: the held-out documents have the smallest."""
    return _stream(seed, 0, first, count)


def split_documents(n_docs: int, share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train, test) document rows: the seeded ``share`` of documents with the smallest keys (ties to the lower row)
    held out, at least one document on each side."""
    n_test = held_out_count(n_docs, share)
    order = np.lexsort((np.arange(n_docs), document_keys(seed, 0, n_docs)))
    return np.sort(order[n_test:]), np.sort(order[:n_test])


_BITS = np.array([bin(i).count("1") for i in range(256)], dtype=np.int64)


def halves(X, seed: int, first_entry: int = 0) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Each count split in two at random, each token to either half with probability ½: Binomial(c, ½) as the ones
    among c random bits of the entry's own word of a seeded stream (``first_entry``: the first entry's number,
    for a part of the rows; entries numbered in row order, columns ascending)."""
    X = sp.csr_matrix(X, copy=True)
    X.sort_indices()
    counts = np.rint(X.data).astype(np.int64)
    words = _stream(seed, 1, first_entry, counts.size)
    small = counts <= 64
    masks = np.where(counts[small] >= 64, np.uint64(0xFFFFFFFFFFFFFFFF),
                     np.left_shift(np.uint64(1), np.minimum(counts[small], 63).astype(np.uint64)) - np.uint64(1))
    first = np.zeros_like(counts)
    first[small] = _BITS[(words[small] & masks)[:, None].view(np.uint8)].sum(axis=1)
    for e in np.flatnonzero(~small):  # more than 64 tokens of a word in a document: rare
        first[e] = np.random.default_rng([int(seed) & 0xFFFFFFFF, 2, first_entry + int(e)]).binomial(counts[e], 0.5)
    # each half gets its own index arrays: eliminate_zeros rewrites them in place
    A = sp.csr_matrix((first.astype(np.float64), X.indices.copy(), X.indptr.copy()), shape=X.shape)
    B = sp.csr_matrix(((counts - first).astype(np.float64), X.indices.copy(), X.indptr.copy()), shape=X.shape)
    A.eliminate_zeros()
    B.eliminate_zeros()
    return A, B


def complete(model: TopicModel, X_test, seed: int = 0, seen=None) -> dict:
    """Document completion of the rows of ``X_test`` (counts over the model's vocabulary); ``seen``: the words
    the training documents use (default: every word)."""
    return completion_score(model, completion_sums(model, X_test, seed, seen))


def completion_sums(model: TopicModel, X_test, seed: int = 0, seen=None, first_entry: int = 0) -> dict:
    """The sums document completion is scored from, over the rows of ``X_test`` (whose entries are numbered from
    ``first_entry`` in the held-out documents': a cluster's block sends its rows' sums, which add up)."""
    A, B = halves(X_test, seed, first_entry)
    if seen is not None:  # the second halves are scored on the words the model was fitted on
        B = B @ sp.diags(np.asarray(seen, dtype=np.float64))
        B = sp.csr_matrix(B)
        B.eliminate_zeros()
    both = np.flatnonzero((np.diff(A.indptr) > 0) & (np.diff(B.indptr) > 0))
    out = {"documents": int(both.size), "tokens": float(B[both].data.sum()), "log_p": 0.0, "total": 0.0,
           "cross": 0.0, "fitted": 0.0}
    if both.size == 0:
        return out
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
        with np.errstate(divide="ignore"):
            log_p = np.log(np.maximum(p, np.finfo(float).tiny))
        out["log_p"] = float(B.data @ log_p)
        return out
    Y = weigh(B, model.weighting, model.global_weights)
    Y.sort_indices()
    out["cross"] = float(Y.data @ wh_on_nonzeros(Y, W, H))
    out["fitted"] = float(np.einsum("ij,jk,ik->", W, H @ H.T, W))
    out["total"] = float(Y.data @ Y.data)
    return out


def completion_score(model: TopicModel, sums: dict) -> dict:
    """The score of document completion from its sums (:func:`completion_sums`, added up over parts)."""
    if sums["documents"] == 0:
        raise TopicmfError("no held-out document has words in both halves: hold out more or longer documents")
    tokens = sums["tokens"]
    if model.spec.loss == "poisson":
        return {"documents": int(sums["documents"]), "tokens": int(tokens),
                "perplexity": float(np.exp(-sums["log_p"] / tokens))}
    total = sums["total"]
    return {"documents": int(sums["documents"]), "tokens": int(tokens),
            "relative_error": float((total - 2 * sums["cross"] + sums["fitted"]) / total) if total > 0 else None}


def heldout_score(dtm: DocumentTermMatrix, fit: Callable[[DocumentTermMatrix], TopicModel], share: float,
                  seed: int = 0) -> dict:
    """Fit on all but a seeded ``share`` of the documents (``fit(sub_matrix)``) and score their completion."""
    if not dtm.local:
        raise TopicmfError("heldout_score needs the matrix on this machine; on a cluster, "
                           "topicmf.workflow.cluster.heldout.cluster_heldout_score")
    train, test = split_documents(dtm.n_docs, share, seed)
    sub = DocumentTermMatrix(X=dtm.X[train], vocabulary=dtm.vocabulary, terms=dtm.terms,
                             doc_ids=tuple(dtm.doc_ids[i] for i in train),
                             labels=None if dtm.labels is None else tuple(dtm.labels[i] for i in train),
                             doc_lengths=np.asarray(dtm.doc_lengths)[train], info=dtm.info)
    model = fit(sub)
    seen = np.bincount(sub.X.indices, minlength=sub.X.shape[1]) > 0
    return {"share": float(share), "seed": int(seed), "train_documents": int(train.size),
            **complete(model, dtm.X[test], seed, seen)}
