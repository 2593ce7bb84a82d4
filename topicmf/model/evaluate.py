"""How good are the topics: coherence, diversity, agreement with labels, stability across seeds."""

from __future__ import annotations

from collections import Counter

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from ..text.windows import WindowCounts
from .coherence import CV_WINDOW, NPMI_WINDOW, c_v, npmi, umass
from .neighbors import unit_rows
from .topicmodel import TopicModel

__all__ = ["COHERENCE_TOP", "DIVERSITY_TOP", "diversity", "label_agreement", "stability", "coherence_scores",
           "evaluate"]

COHERENCE_TOP = 10
DIVERSITY_TOP = 25


def diversity(top_words) -> float:
    """Topic diversity (Dieng et al. 2020): unique words among all topics' top lists / all entries."""
    entries = [w for top in top_words for w in top]
    return len(set(entries)) / len(entries) if entries else float("nan")


def label_agreement(labels, dominant) -> dict | None:
    """NMI and ARI of the dominant topic against the labels, and the label × topic table.

    Documents without a label are left out; documents with no topic (-1)
    form a group of their own.  None when nothing is labelled.
    """
    if labels is None:
        return None
    keep = [i for i, lab in enumerate(labels) if lab not in (None, "")]
    if not keep:
        return None
    y = [labels[i] for i in keep]
    z = np.asarray(dominant)[keep]
    names = sorted(set(y))
    k = int(max(z.max(initial=-1), 0)) + 1
    table = np.zeros((len(names), k), dtype=np.int64)
    row = {name: r for r, name in enumerate(names)}
    for lab, t in zip(y, z):
        if t >= 0:
            table[row[lab], t] += 1
    return {
        "nmi": float(normalized_mutual_info_score(y, z)),
        "ari": float(adjusted_rand_score(y, z)),
        "documents": len(keep),
        "labels": names,
        "label_counts": dict(Counter(y)),
        "table": table.tolist(),
    }


def stability(H_a, H_b) -> float:
    """Mean cosine similarity of topics matched one-to-one (Hungarian) between two fits' H."""
    S = unit_rows(H_a) @ unit_rows(H_b).T
    rows, cols = linear_sum_assignment(-S)
    return float(S[rows, cols].mean())


def coherence_scores(model: TopicModel, X, counts: dict[int, WindowCounts] | None, top: int = COHERENCE_TOP) -> dict:
    """UMass (on X), and NPMI and C_V (from window counts, when the corpus has texts) of each topic."""
    index = model.top_term_indices(top)
    keys = [[model.terms[j] for j in row] for row in index]
    out = {"top_n": int(index.shape[1]), "umass": umass(X, index).tolist()}
    if counts is not None:
        out["npmi"] = npmi(counts[NPMI_WINDOW], keys).tolist()
        out["c_v"] = c_v(counts[CV_WINDOW], keys).tolist()
    else:
        out["npmi"] = out["c_v"] = None
    for name in ("umass", "npmi", "c_v"):
        values = out[name]
        out[f"{name}_mean"] = None if values is None else _mean(values)
    return out


def _mean(values) -> float | None:
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    return float(values.mean()) if values.size else None


def evaluate(model: TopicModel, X, counts: dict[int, WindowCounts] | None) -> dict:
    """Every metric of a fitted model, JSON-ready."""
    top = model.top_term_indices(DIVERSITY_TOP)
    return {
        "coherence": coherence_scores(model, X, counts),
        "diversity": diversity(top.tolist()),
        "diversity_top_n": int(top.shape[1]),
        "prevalence": model.prevalence().tolist(),
        "labels": label_agreement(model.labels, model.dominant_topics()),
    }


def coherence_words(models, top: int = COHERENCE_TOP) -> list[str]:
    """The term keys whose window counts the models' coherence needs."""
    words = set()
    for m in models:
        for row in m.top_term_indices(top):
            words.update(m.terms[j] for j in row)
    return sorted(words)
