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

__all__ = ["GroupTopics", "group_topics", "group_sums", "group_shares", "group_counts", "group_words", "label_groups", "GROUP_WORDS"]

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
    totals, documents = group_sums(model, group, len(names))
    share = group_shares(totals)
    words = [[[] for _ in range(model.n_topics)] for _ in names]
    if model.topics_are_distributions and X is not None:
        for g in range(len(names)):  # one group's rows at a time: a million documents' weighted copy is never made
            rows = np.flatnonzero(group == g)
            if rows.size:
                words[g] = group_words(model, group_counts(model, X, rows), share[g], n_words)
    return GroupTopics(list(names), share, documents, words)


def group_sums(model: TopicModel, group: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Each group's totals of the profiles and its documents by dominant topic (groups × k each): sums over the
    documents, so those of a corpus's parts add up."""
    k = model.n_topics
    totals = np.zeros((n_groups, k))
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
        totals[g] = E[rows].sum(axis=0)
        documents[g] = np.bincount(dominant[rows][dominant[rows] >= 0], minlength=k)[:k]
    return totals, documents


def group_shares(totals: np.ndarray) -> np.ndarray:
    """Each group's topic shares from its totals (rows summing to 1; 0 for a group without weight)."""
    sums = totals.sum(axis=1, keepdims=True)
    return np.divide(totals, sums, out=np.zeros_like(totals), where=sums > 0)


def group_counts(model: TopicModel, X, rows: np.ndarray) -> np.ndarray:
    """n_tw^G of the documents ``rows`` (k × terms): the topics' words re-estimated there (a sum over them)."""
    H = np.maximum(np.asarray(model.H, dtype=np.float64), 0.0)
    ratio = weigh(sp.csr_matrix(sp.csr_matrix(X)[rows], dtype=np.float64), model.weighting, model.global_weights)
    ratio.sort_indices()
    recon = _reconstruction(model, ratio, rows)
    ratio.data = np.divide(ratio.data, recon, out=np.zeros_like(recon), where=recon > 0)
    return H * np.asarray((ratio.T @ np.asarray(model.W[rows], dtype=np.float64)).T)


def group_words(model: TopicModel, counts: np.ndarray, share: np.ndarray, n_words: int = GROUP_WORDS) -> list:
    """Each topic's best words in a group from its n_tw^G (none where the topic has under 1% of the group)."""
    k = model.n_topics
    words = [[] for _ in range(k)]
    totals = counts.sum(axis=1, keepdims=True)
    dist = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    n = min(n_words, dist.shape[1])
    for t in range(k):
        if share[t] < MIN_SHARE:
            continue
        top = np.argpartition(-dist[t], n - 1)[:n]
        top = top[np.lexsort((top, -dist[t, top]))]
        words[t] = [(model.vocabulary[j], float(dist[t, j])) for j in top if dist[t, j] > 0]
    return words


def label_groups(labels) -> tuple[np.ndarray, list]:
    """Each document's label as a group index, and the labels in sorted order (None: no group)."""
    names = sorted({lab for lab in labels if lab is not None})
    at = {name: n for n, name in enumerate(names)}
    return np.array([at.get(lab, -1) for lab in labels], dtype=np.int64), names
