"""A tree over the topics: which topics are close, and what they are about together.

Distances are the ones the intertopic map shows: Jensen–Shannon distances (base 2, in [0, 1])
between NMF topics' word distributions, the Euclidean distance of LSA's unit word-weight
vectors.  The tree is average-linkage agglomerative clustering (scipy's ``linkage``): node
k + i is the i-th merge, of two topics or earlier nodes, at the mean distance between their
topics.  At every node the merged topic's words are those of the mixture of its topics' word
distributions, weighted by their shares of the corpus (NMF), or of the sum of their unit
word-weight vectors (LSA).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import leaves_list, linkage
from scipy.spatial.distance import squareform

from .about import topic_distributions
from ..neighbours.graph import unit_rows
from .topicmodel import TopicModel

__all__ = ["TreeNode", "topic_distances", "topic_tree", "jensen_shannon", "NODE_WORDS"]

NODE_WORDS = 10


@dataclass(frozen=True)
class TreeNode:
    """A merge: node ``id`` joins ``left`` and ``right`` (topics < k, earlier nodes ≥ k) at ``distance``."""

    id: int
    left: int
    right: int
    distance: float
    topics: tuple
    words: tuple


def jensen_shannon(P: np.ndarray) -> np.ndarray:
    """Jensen–Shannon distances (base 2, in [0, 1]) between the rows of P (rows sum to 1)."""
    k = P.shape[0]
    D = np.zeros((k, k))
    with np.errstate(divide="ignore", invalid="ignore"):
        logP = np.where(P > 0, np.log2(P), 0.0)
        for a in range(k):
            for b in range(a + 1, k):
                M = 0.5 * (P[a] + P[b])
                logM = np.where(M > 0, np.log2(M), 0.0)
                js = 0.5 * (P[a] @ (logP[a] - logM)) + 0.5 * (P[b] @ (logP[b] - logM))
                D[a, b] = D[b, a] = np.sqrt(max(js, 0.0))
    return D


def topic_distances(model: TopicModel) -> np.ndarray:
    """k × k distances between the topics (see the module's docstring)."""
    phi = topic_distributions(model)
    if phi is not None:
        return jensen_shannon(phi)
    unit = unit_rows(model.H)
    return np.sqrt(np.maximum(0.0, 2.0 - 2.0 * (unit @ unit.T)))


def topic_tree(model: TopicModel, n_words: int = NODE_WORDS) -> tuple[list[TreeNode], list[int]]:
    """The merges, in order, and the topics in the tree's leaf order (for drawing it)."""
    k = model.n_topics
    if k < 2:
        return [], list(range(k))
    D = topic_distances(model)
    Z = linkage(squareform(D, checks=False), method="average")
    phi = topic_distributions(model)
    weights = model.prevalence()
    profiles = phi if phi is not None else unit_rows(model.H)
    members = {t: (t,) for t in range(k)}
    nodes = []
    for i, (a, b, distance, _) in enumerate(Z):
        a, b = int(a), int(b)
        topics = tuple(sorted(members[a] + members[b]))
        members[k + i] = topics
        w = weights[list(topics)] if phi is not None else np.ones(len(topics))
        mix = (w[:, None] * profiles[list(topics)]).sum(axis=0) / max(w.sum(), np.finfo(float).tiny)
        top = np.argsort(-mix, kind="stable")[:n_words]
        nodes.append(TreeNode(k + i, a, b, float(distance), topics, tuple(model.vocabulary[j] for j in top)))
    return nodes, leaves_list(Z).tolist()
