"""How similar two documents are: their topics and their words.

The cosine of topic profiles alone ranks documents by what the model
knows, and with few topics most profiles are almost one-hot: on 20
Newsgroups at k = 10, half of the documents had ten neighbours all at a
cosine of 0.999 or more, so which ten were listed was decided by ties.
topicmf scores a pair of documents by

    s(i, j) = (1 − λ) · cos(w_i, w_j) + λ · cos(p_i, p_j),    λ = TOPIC_WEIGHT = 0.15,

where p is the topic profile and w the document's words: sublinear tf-idf,
(1 + ln count) · idf with scikit-learn's smooth idf ln((1 + n) / (1 + df)) + 1
fitted on the training corpus, cut to the document's WORD_TERMS = 128
highest-weighted terms.  Documents of the same topic are thereby ordered by
how close their words are, and identical scores need identical words.

The score is the dot product of e_i = [√λ · p̂_i ; √(1 − λ) · ŵ_i], a unit
vector (zero for a document without words), so every search — exact,
NN-descent, a query — works in one space.  Measured by label precision@10
of the neighbours (benchmarks/bench_similarity.py, reports/benchmarks.md):
on 20 Newsgroups 0.756 at k = 10 and 0.770 at k = 20 (tf-idf cosine 0.677,
the words alone with sublinear tf 0.721, topic profiles alone 0.320 and
0.552); on BBC 0.941 and 0.936 (tf-idf 0.882, LSI-100 0.922).  λ between
0.1 and 0.2 is within 0.005 on both corpora.  Cutting a document to its
128 strongest terms cost at most 0.002 on BBC (the longer documents; 64
terms cost 0.006 there and 0.004 on 20 Newsgroups) and bounds the cost of a
comparison for long documents.
"""

from __future__ import annotations

import numba
import numpy as np
import scipy.sparse as sp

from ..factorize.engine.topk import top_of_row

__all__ = ["SIMILARITIES", "TOPIC_WEIGHT", "WORD_TERMS", "word_vectors", "topic_part", "describe_score", "words_of"]

SIMILARITIES = ("words", "topics")  # how a run compares documents: words and topics, or topic profiles alone
TOPIC_WEIGHT = 0.15  # λ: the topics' share of the score; the words have the rest
WORD_TERMS = 128  # terms kept of each document's word vector (its highest tf-idf weights)


def describe_score(weight: float = TOPIC_WEIGHT) -> str:
    """What a similarity score means, in one sentence for the page and the manifest."""
    return (f"score = {1 - weight:.2f} × cosine of the documents' words (sublinear tf-idf, each document's "
            f"{WORD_TERMS} strongest terms) + {weight:.2f} × cosine of their topic profiles; 1 means the same "
            "words and the same topics")


def topic_part(U: np.ndarray, weight: float = TOPIC_WEIGHT) -> np.ndarray:
    """Unit topic profiles (float32) scaled to their part of the document vector, √λ."""
    return (np.asarray(U, dtype=np.float32) * np.float32(np.sqrt(weight))).astype(np.float32, copy=False)


def word_vectors(X, idf: np.ndarray, weight: float = TOPIC_WEIGHT, terms: int = WORD_TERMS) -> sp.csr_matrix:
    """Each row of the count matrix ``X`` as its part of the document vector: √(1 − λ) · unit sublinear tf-idf.

    A row keeps its ``terms`` highest weights (ties: the lower term index);
    indices stay sorted; rows without terms stay empty.  float32 values,
    int32 indices.
    """
    X = sp.csr_matrix(X)
    X.sum_duplicates()
    X.sort_indices()
    indptr, indices, data = _prune(X.indptr.astype(np.int64, copy=False), X.indices.astype(np.int32, copy=False),
                                   X.data.astype(np.float64, copy=False), np.asarray(idf, dtype=np.float64),
                                   int(terms), float(np.sqrt(1.0 - weight)))
    return sp.csr_matrix((data, indices, indptr), shape=X.shape)


def words_of(arrays: dict, n_docs: int, n_terms: int) -> sp.csr_matrix | None:
    """The word vectors stored as ``words_indptr``, ``words_indices``, ``words_data`` (None when absent)."""
    if "words_indptr" not in arrays:
        return None
    indptr, indices, data = arrays["words_indptr"], arrays["words_indices"], arrays["words_data"]
    if (indptr.ndim != 1 or indptr.size != n_docs + 1 or indices.ndim != 1 or data.shape != indices.shape
            or indptr[0] != 0 or indptr[-1] != indices.size or np.any(np.diff(indptr) < 0)
            or (indices.size and (indices.min() < 0 or indices.max() >= n_terms))):
        raise ValueError("the word vectors do not fit the documents and terms")
    return sp.csr_matrix((data.astype(np.float32, copy=False), indices, indptr), shape=(n_docs, n_terms))


@numba.njit(cache=True, nogil=True)
def _prune(indptr, indices, data, idf, terms, scale):  # pragma: no cover - compiled
    n = indptr.size - 1
    keep = np.empty(n + 1, np.int64)
    keep[0] = 0
    for i in range(n):
        keep[i + 1] = keep[i] + min(indptr[i + 1] - indptr[i], terms)
    out_idx = np.empty(keep[n], np.int32)
    out_dat = np.empty(keep[n], np.float32)
    for i in range(n):
        a, b = indptr[i], indptr[i + 1]
        w = np.empty(b - a)
        for q in range(a, b):
            w[q - a] = (1.0 + np.log(data[q])) * idf[indices[q]] if data[q] > 0 else 0.0
        if b - a > terms:
            order = np.argsort(-w, kind="mergesort")[:terms]  # stable: ties keep the lower term
            chosen = np.sort(order)
        else:
            chosen = np.arange(b - a)
        norm = 0.0
        for c in chosen:
            norm += w[c] * w[c]
        norm = np.sqrt(norm)
        o = keep[i]
        for c in chosen:
            out_idx[o] = indices[a + c]
            out_dat[o] = w[c] * scale / norm if norm > 0 else 0.0
            o += 1
    return keep, out_idx, out_dat


@numba.njit(parallel=True, cache=True, nogil=True)
def add_words_csc(S, start, qptr, qidx, qdat, cptr, crow, cdat):  # pragma: no cover - compiled
    """S[r, j] += ⟨q_{start+r}, d_j⟩ over the words, through the documents' columns (an inverted index)."""
    for r in numba.prange(S.shape[0]):
        row = S[r]
        i = start + r
        for p in range(qptr[i], qptr[i + 1]):
            t = qidx[p]
            v = qdat[p]
            for q in range(cptr[t], cptr[t + 1]):
                row[crow[q]] += v * cdat[q]


@numba.njit(parallel=True, cache=True, nogil=True)
def add_words_rows(S, Q, dptr, didx, ddat):  # pragma: no cover - compiled
    """S[r, j] += ⟨Q_r, d_j⟩ for a few dense query rows Q (n_queries × n_terms), document by document."""
    for j in numba.prange(dptr.size - 1):
        for r in range(S.shape[0]):
            acc = np.float32(0.0)
            q = Q[r]
            for p in range(dptr[j], dptr[j + 1]):
                acc += ddat[p] * q[didx[p]]
            S[r, j] += acc


@numba.njit(fastmath=True, cache=True, nogil=True)
def add_row_words(buf, query, qptr, qidx, qdat, cptr, crow, cdat):  # pragma: no cover - compiled
    """buf[j] += ⟨q, d_j⟩ over the words: the terms of the query row ``query`` (CSR ``qptr/qidx/qdat``) through
    the documents' columns (CSC ``cptr/crow/cdat``, rows numbered as ``buf``), one row of scores held in cache.
    Used by exact search (:func:`exact_rows`) and the blocks' search (:mod:`topicmf.neighbours.blocks`) alike."""
    for p in range(qptr[query], qptr[query + 1]):
        t = qidx[p]
        w = qdat[p]
        for q in range(cptr[t], cptr[t + 1]):
            buf[crow[q]] += w * cdat[q]


@numba.njit(parallel=True, fastmath=True, cache=True, nogil=True)
def exact_rows(start, stop, n_chunks, U, UT, qptr, qidx, qdat, cptr, crow, cdat, index, score):  # pragma: no cover
    """Rows ``start:stop`` of the exact neighbour graph: each row's scores against every document (the topic
    parts' dot products, streamed along the rows of UT = Uᵀ so that they vectorise, then the words through
    the documents' columns) in a buffer that stays in cache, the document itself excluded, the best
    len(index[0]) kept."""
    n, k = U.shape
    for c in numba.prange(n_chunks):
        buf = np.empty(n, np.float32)
        for i in range(start + (stop - start) * c // n_chunks, start + (stop - start) * (c + 1) // n_chunks):
            u = U[i]
            ut = UT[0]
            a = u[0]
            for j in range(n):
                buf[j] = a * ut[j]
            for t in range(1, k):
                ut = UT[t]
                a = u[t]
                for j in range(n):
                    buf[j] += a * ut[j]
            add_row_words(buf, i, qptr, qidx, qdat, cptr, crow, cdat)
            buf[i] = -np.inf
            top_of_row(buf, index[i], score[i])
