"""Merging topics: the start a refit with fewer topics begins from, and which topics to merge to reach n.

For NMF, each topic t is written as its expected words per document, E_dt = W_dt Σ_w H_tw, times
its word distribution φ_t, so that W H is unchanged.  A group G of topics becomes one topic
with E_dG = Σ_{t∈G} E_dt and the share-weighted mixture φ_G = Σ_t (Σ_d E_dt) φ_t / Σ_t Σ_d E_dt:
the best rank-one summary of the group that keeps every document's expected words.  A refit
(:func:`topicmf.model.fit_topic_model` with ``init="custom"``) then moves every topic from there.
"""

from __future__ import annotations

import inspect

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

from ..errors import TopicmfError
from ..factorize import MODELS
from .about import topic_distributions
from .hierarchy import topic_distances
from .topicmodel import TopicModel

__all__ = ["merged_start", "merge_members", "merged_rows", "merged_topics", "reduction_groups", "check_groups",
           "kept_settings"]

#: What a refit sets itself rather than taking from the fit's record.
_NOT_KEPT = frozenset({"init", "W", "H", "random_state", "solver", "n_components", "X"})


def kept_settings(model_name: str, recorded: dict) -> dict:
    """The fit's own settings a refit keeps: the recorded values its fit function takes as parameters (the
    record also holds derived values — counts, the start — which it does not)."""
    accepted = set(inspect.signature(MODELS[model_name].fit).parameters) - _NOT_KEPT
    return {key: value for key, value in recorded.items() if key in accepted}


def check_groups(model: TopicModel, groups: list[list[int]]) -> list[list[int]]:
    """Groups of topics to merge, checked: NMF only, known topics, each in at most one group of two or more."""
    if not model.topics_are_distributions:
        raise TopicmfError("merging needs an NMF model (LSA's topics are directions, not distributions)")
    seen = set()
    for group in groups:
        if len(group) < 2:
            raise TopicmfError(f"a merge needs at least two topics; got {group}")
        for t in group:
            if not 0 <= t < model.n_topics:
                raise TopicmfError(f"no topic {t}: the model has topics 0 … {model.n_topics - 1}")
            if t in seen:
                raise TopicmfError(f"topic {t} is named twice")
            seen.add(t)
    return [sorted(g) for g in groups]


def merged_start(model: TopicModel, groups: list[list[int]]) -> tuple[np.ndarray, np.ndarray, list[list[int]]]:
    """(W0, H0, members): the merged model's start; ``members[i]``: the old topics new topic i holds.

    New topics are numbered by their smallest old topic, so untouched topics keep their order.
    """
    members = merge_members(model, groups)
    E = model.topic_words_expected()  # documents × topics: each topic's expected words per document
    W0 = merged_rows(model.W, model.H.sum(axis=1), members)
    return W0, merged_topics(model, E.sum(axis=0), members), members


def merge_members(model: TopicModel, groups: list[list[int]]) -> list[list[int]]:
    """The old topics each new topic holds (the groups checked, the topics left alone as groups of one), in
    the order of their smallest old topic."""
    groups = check_groups(model, groups)
    grouped = {t for g in groups for t in g}
    return sorted([[t] for t in range(model.n_topics) if t not in grouped] + groups, key=min)


def merged_rows(W: np.ndarray, scale: np.ndarray, members: list[list[int]]) -> np.ndarray:
    """W0's rows for the rows of W (any of them: a cluster's block makes its own): E_dG = Σ_{t∈G} W_dt · scale_t,
    ``scale``: the topics' row sums of H."""
    E = np.asarray(W, dtype=np.float64) * scale
    return np.ascontiguousarray(np.column_stack([E[:, m].sum(axis=1) for m in members]))


def merged_topics(model: TopicModel, totals: np.ndarray, members: list[list[int]]) -> np.ndarray:
    """H0: each group's share-weighted mixture of its topics' word distributions; ``totals``: Σ_d E_dt per topic."""
    phi = topic_distributions(model)
    return np.ascontiguousarray(np.vstack([(totals[m] @ phi[m]) / max(totals[m].sum(), np.finfo(float).tiny)
                                           for m in members]))


def reduction_groups(model: TopicModel, n_topics: int) -> list[list[int]]:
    """Groups that bring the model to ``n_topics`` topics: the topic tree (average linkage) cut into ``n_topics`` clusters."""
    if not 1 <= n_topics < model.n_topics:
        raise TopicmfError(f"--reduce-to must lie between 1 and k − 1 = {model.n_topics - 1}; got {n_topics}")
    labels = fcluster(linkage(squareform(topic_distances(model), checks=False), method="average"), n_topics,
                      criterion="maxclust")
    groups = {}
    for t, c in enumerate(labels):
        groups.setdefault(int(c), []).append(t)
    return [g for g in groups.values() if len(g) > 1]
