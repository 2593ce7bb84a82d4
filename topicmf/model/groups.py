"""Topics within groups of documents (labels; later, time bins): shares, documents and the topic's own words there.

For a group G of documents and an NMF topic t:

- **share**: the topic's share of the group's (expected) words, Σ_{d∈G} W_dt Σ_w H_tw over the same
  sum for all topics (the background's words not counted), so the shares of a group sum to 1;
- **documents**: the group's documents whose dominant topic is t;
- **words**: the topic's word distribution re-estimated from the group's documents with every
  profile held fixed — one EM step of the word side on those documents alone:
  n_tw^G = H_tw Σ_{d∈G} W_dt x_dw / x̂_dw, with x the matrix the model was fitted to (weighted as
  it was) and x̂ = WH (+ the background, for Poisson NMF with one).  Deterministic, no refit.
  Computed as a sparse product per group, O(nnz·k) in all, never a dense documents × words array.
  A topic with less than 1% of a group's words gets no words there (they would be noise).

LSA topics are directions, not distributions: their share is the mean share of the group's
absolute coordinates, and they have no per-group words.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..factorize.topics.losses import wh_on_nonzeros
from .topicmodel import TopicModel
from ..text.weighting import weigh

__all__ = ["GroupTopics", "group_topics", "label_groups", "GROUP_WORDS"]

GROUP_WORDS = 10  # words kept per group and topic
MIN_SHARE = 0.01  # below this share of a group's words, a topic's words there are noise: none are given


@dataclass(frozen=True)
class GroupTopics:
    """Per group (row) and topic (column): share (sums to 1 over topics), documents, top words and weights.

    ``words[g][t]`` is a list of (word, weight) best first (empty for LSA); ``names[g]`` the group's name.
    """

    names: list
    share: np.ndarray  # (groups, k)
    documents: np.ndarray  # (groups, k), int
    words: list


def _reconstruction(model: TopicModel, Xw: sp.csr_matrix, rows: np.ndarray) -> np.ndarray:
    """x̂ on the stored entries of Xw, the weighted rows ``rows`` of the matrix (WH, plus the fixed background of
    Poisson NMF where it has one)."""
    out = wh_on_nonzeros(Xw, np.ascontiguousarray(model.W[rows]), model.H)
    if model.background_share and model.factorization.background is not None:
        lengths = np.asarray(Xw.sum(axis=1)).ravel() * model.background_share
        rows = np.repeat(np.arange(Xw.shape[0]), np.diff(Xw.indptr))
        out += lengths[rows] * np.asarray(model.factorization.background)[Xw.indices]
    return out


def group_topics(model: TopicModel, X, group: np.ndarray, names: list, n_words: int = GROUP_WORDS) -> GroupTopics:
    """The topics of each group of documents; ``group[d]`` is document d's group (−1: in none)."""
    group = np.asarray(group, dtype=np.int64)
    if group.shape != (model.n_docs,) or (X is not None and X.shape != (model.n_docs, len(model.terms))):
        raise ValueError(f"group and X must cover the model's {model.n_docs} documents and {len(model.terms)} terms")
    n_groups, k = len(names), model.n_topics
    share = np.zeros((n_groups, k))
    documents = np.zeros((n_groups, k), dtype=np.int64)
    dominant = model.dominant_topics()
    if model.topics_are_distributions:
        E = model.topic_words_expected()
    else:
        A = np.abs(np.asarray(model.W, dtype=np.float64))
        sums = A.sum(axis=1, keepdims=True)
        E = np.divide(A, sums, out=np.zeros_like(A), where=sums > 0)
    for g in range(n_groups):
        rows = np.flatnonzero(group == g)
        totals = E[rows].sum(axis=0)
        share[g] = totals / totals.sum() if totals.sum() > 0 else 0.0
        documents[g] = np.bincount(dominant[rows][dominant[rows] >= 0], minlength=k)[:k]
    words = [[[] for _ in range(k)] for _ in range(n_groups)]
    if model.topics_are_distributions and X is not None:
        X = sp.csr_matrix(X)
        H = np.maximum(np.asarray(model.H, dtype=np.float64), 0.0)
        vocabulary = model.vocabulary
        for g in range(n_groups):  # one group's rows at a time: a million documents' weighted copy is never made
            rows = np.flatnonzero(group == g)
            if rows.size == 0:
                continue
            ratio = weigh(sp.csr_matrix(X[rows], dtype=np.float64), model.weighting, model.global_weights)
            ratio.sort_indices()
            recon = _reconstruction(model, ratio, rows)
            ratio.data = np.divide(ratio.data, recon, out=np.zeros_like(recon), where=recon > 0)
            counts = H * np.asarray((ratio.T @ np.asarray(model.W[rows], dtype=np.float64)).T)  # n_tw^G, k × terms
            totals = counts.sum(axis=1, keepdims=True)
            dist = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
            n = min(n_words, dist.shape[1])
            for t in range(k):
                if share[g, t] < MIN_SHARE:
                    continue
                top = np.argpartition(-dist[t], n - 1)[:n]
                top = top[np.lexsort((top, -dist[t, top]))]
                words[g][t] = [(vocabulary[j], float(dist[t, j])) for j in top if dist[t, j] > 0]
    return GroupTopics(list(names), share, documents, words)


def label_groups(labels) -> tuple[np.ndarray, list]:
    """Each document's label as a group index, and the labels in sorted order (None: no group)."""
    names = sorted({lab for lab in labels if lab is not None})
    at = {name: n for n, name in enumerate(names)}
    return np.array([at.get(lab, -1) for lab in labels], dtype=np.int64), names
