"""What a topic is about: its words ranked by FREX and lift, its exclusivity, its most representative documents.

For NMF topics read as word distributions φ_t = H_t / Σ_w H_tw:

- **exclusivity** of a word in a topic: φ_tw / Σ_s φ_sw, the share of the word's weight across
  topics that this topic holds;
- **FREX** (Roberts, Stewart & Airoldi's STM, ``labelTopics``): the harmonic mean of a word's
  rank in the topic by exclusivity and by frequency φ_tw, each as its empirical CDF over the
  vocabulary, weight ½ each: 1 / (½/ECDF(excl) + ½/ECDF(freq));
- **lift** (Taddy; STM's "lift"): φ_tw / p(w), the word's frequency in the topic over its
  frequency in the corpus (or the background's profile where Poisson NMF has one);
- a topic's **exclusivity** metric: the mean exclusivity of its top 10 words (in the model's
  own order), beside its coherence;
- **representative documents**: the documents with the highest share of the topic (for LSA,
  the largest coordinate), ties to the earlier document.

LSA directions are not distributions: FREX, lift and exclusivity are None for them.
"""

from __future__ import annotations

import numpy as np

from .topicmodel import TopicModel

__all__ = ["ABOUT_TOP", "topic_distributions", "exclusivity_matrix", "frex", "lift", "exclusivity",
           "representative_documents", "ranked"]

ABOUT_TOP = 10  # words a topic's exclusivity is measured on
DOC_BLOCK = 200_000  # documents' profiles computed at a time when finding representative documents
FREX_WEIGHT = 0.5  # STM's default weight of exclusivity against frequency


def topic_distributions(model: TopicModel) -> np.ndarray | None:
    """φ (k × terms): each topic's word distribution; None for LSA."""
    if not model.topics_are_distributions:
        return None
    H = np.maximum(np.asarray(model.H, dtype=np.float64), 0.0)
    totals = H.sum(axis=1, keepdims=True)
    return np.divide(H, totals, out=np.zeros_like(H), where=totals > 0)


def exclusivity_matrix(phi: np.ndarray) -> np.ndarray:
    """φ_tw / Σ_s φ_sw (0 for a word no topic uses)."""
    totals = phi.sum(axis=0, keepdims=True)
    return np.divide(phi, totals, out=np.zeros_like(phi), where=totals > 0)


def _ecdf_rows(A: np.ndarray) -> np.ndarray:
    """Each entry's empirical CDF within its row: the share of the row at or below it (ties share the top rank)."""
    out = np.empty_like(A, dtype=np.float64)
    n = A.shape[1]
    for t, row in enumerate(A):
        order = np.sort(row)
        out[t] = np.searchsorted(order, row, side="right") / n
    return out


def frex(model: TopicModel, weight: float = FREX_WEIGHT) -> np.ndarray | None:
    """FREX scores (k × terms), higher is better; None for LSA."""
    phi = topic_distributions(model)
    if phi is None:
        return None
    ex, fr = _ecdf_rows(exclusivity_matrix(phi)), _ecdf_rows(phi)
    return 1.0 / (weight / ex + (1.0 - weight) / fr)


def lift(model: TopicModel) -> np.ndarray | None:
    """φ_tw / p(w) (k × terms); None for LSA."""
    phi = topic_distributions(model)
    if phi is None:
        return None
    p = np.maximum(model.word_profile(), np.finfo(float).tiny)
    return phi / p[None, :]


def ranked(scores: np.ndarray, n_best: int) -> np.ndarray:
    """Each row's ``n_best`` highest columns, best first; ties to the earlier column (k × n)."""
    n_best = min(int(n_best), scores.shape[1])
    top = np.argpartition(-scores, n_best - 1, axis=1)[:, :n_best] if n_best < scores.shape[1] else np.tile(
        np.arange(scores.shape[1]), (scores.shape[0], 1))
    keys = np.take_along_axis(scores, top, axis=1)
    order = np.lexsort((top, -keys), axis=1)
    return np.take_along_axis(top, order, axis=1)


def exclusivity(model: TopicModel, n_words: int = ABOUT_TOP) -> list[float] | None:
    """Each topic's mean exclusivity over its top ``n_words`` words (the model's order); None for LSA."""
    phi = topic_distributions(model)
    if phi is None:
        return None
    ex = exclusivity_matrix(phi)
    top = model.top_term_indices(n_words)
    return [float(ex[t, row].mean()) for t, row in enumerate(top)]


def representative_documents(model: TopicModel, n_docs: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """(index, share) of each topic's ``n_docs`` documents with the highest share of it (k × n), best first.

    Shares are :meth:`TopicModel.doc_topics` (NMF: the share of the document's words; LSA: the
    coordinate).  Computed a block of documents at a time, so a million documents need no k × N copy
    beyond the profiles themselves.
    """
    n_docs = min(int(n_docs), model.n_docs)
    k = model.n_topics
    best_index = np.zeros((k, 0), dtype=np.int64)
    best_share = np.zeros((k, 0))
    block = DOC_BLOCK
    for start in range(0, model.n_docs, block):
        W = np.asarray(model.W[start:start + block], dtype=np.float64)
        P = model.doc_topics(W).T  # k × block
        index = np.concatenate([best_index, np.broadcast_to(np.arange(start, start + P.shape[1]), P.shape)], axis=1)
        share = np.concatenate([best_share, P], axis=1)
        keep = ranked_pairs(share, index, n_docs)
        best_index = np.take_along_axis(index, keep, axis=1)
        best_share = np.take_along_axis(share, keep, axis=1)
    return best_index, best_share


def ranked_pairs(share: np.ndarray, index: np.ndarray, n_best: int) -> np.ndarray:
    """Positions of each row's ``n_best`` highest shares, best first, ties to the lower document index."""
    order = np.lexsort((index, -share), axis=1)
    return order[:, :n_best]
