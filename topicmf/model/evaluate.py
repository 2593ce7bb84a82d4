"""How good are the topics: coherence, diversity, agreement with labels, stability across seeds."""

from __future__ import annotations

from collections import Counter

import numpy as np

from ..text.windows import WindowCounts
from .about import exclusivity
from .coherence import CV_WINDOW, NPMI_WINDOW, c_v, npmi, umass_counts
from ..neighbours.graph import unit_rows
from .topicmodel import TopicModel

__all__ = ["COHERENCE_TOP", "DIVERSITY_TOP", "diversity", "label_agreement", "stability", "coherence_scores",
           "evaluate", "nmi", "ari"]

COHERENCE_TOP = 10
DIVERSITY_TOP = 25


def diversity(top_words) -> float:
    """Topic diversity (Dieng et al. 2020): unique words among all topics' top lists / all entries."""
    entries = [w for top in top_words for w in top]
    return len(set(entries)) / len(entries) if entries else float("nan")


def _contingency(a, b) -> np.ndarray:
    """Counts of each (class of a, class of b) pair."""
    _, ia = np.unique(np.asarray(a, dtype=object), return_inverse=True)
    _, ib = np.unique(np.asarray(b), return_inverse=True)
    table = np.zeros((ia.max(initial=-1) + 1, ib.max(initial=-1) + 1), dtype=np.int64)
    np.add.at(table, (ia, ib), 1)
    return table


def _entropy(counts: np.ndarray) -> float:
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log(p)).sum())


def nmi(labels, groups) -> float:
    """Normalised mutual information with arithmetic-mean normalisation (scikit-learn's default)."""
    table = _contingency(labels, groups)
    n = table.sum()
    ha, hb = _entropy(table.sum(axis=1)), _entropy(table.sum(axis=0))
    if ha == 0 or hb == 0:
        return 1.0 if ha == hb else 0.0
    nz = table > 0
    outer = np.outer(table.sum(axis=1), table.sum(axis=0))[nz]
    mi = float((table[nz] / n * (np.log(table[nz] * n) - np.log(outer))).sum())
    return max(0.0, mi) / max((ha + hb) / 2, np.finfo(float).eps)


def ari(labels, groups) -> float:
    """Adjusted Rand index (Hubert & Arabie 1985)."""
    table = _contingency(labels, groups)
    n = int(table.sum())

    def pairs(x):
        x = np.asarray(x, dtype=np.float64)
        return float((x * (x - 1) / 2).sum())

    both, rows, cols, total = pairs(table), pairs(table.sum(axis=1)), pairs(table.sum(axis=0)), n * (n - 1) / 2
    expected = rows * cols / total if total else 0.0
    top = (rows + cols) / 2
    return 1.0 if top == expected else (both - expected) / (top - expected)


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
        "nmi": nmi(y, z),
        "ari": ari(y, z),
        "documents": len(keep),
        "labels": names,
        "label_counts": dict(Counter(y)),
        "table": table.tolist(),
    }


def stability(H_a, H_b) -> float:
    """Mean cosine similarity of topics matched one-to-one (Hungarian) between two fits' H."""
    from scipy.optimize import linear_sum_assignment  # only a sweep needs it

    S = unit_rows(H_a) @ unit_rows(H_b).T
    rows, cols = linear_sum_assignment(-S)
    return float(S[rows, cols].mean())


def coherence_scores(model: TopicModel, corpus, counts: dict[int, WindowCounts] | None,
                     top: int = COHERENCE_TOP) -> dict:
    """UMass (document co-occurrence), and NPMI and C_V (from window counts, when the corpus has texts) of each topic.

    ``corpus`` gives document co-occurrence of columns (``corpus.cooccurrence(cols)``, ``corpus.n_docs``):
    a :class:`~topicmf.text.DocumentTermMatrix`, or a matrix held in pieces that adds up the pieces' counts.
    """
    index = model.top_term_indices(top)
    keys = [[model.terms[j] for j in row] for row in index]
    cols = np.unique(index)
    out = {"top_n": int(index.shape[1]),
           "umass": umass_counts(corpus.cooccurrence(cols), cols, corpus.n_docs, index).tolist()}
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


def evaluate(model: TopicModel, corpus, counts: dict[int, WindowCounts] | None) -> dict:
    """Every metric of a fitted model, JSON-ready (``corpus`` as for :func:`coherence_scores`)."""
    top = model.top_term_indices(DIVERSITY_TOP)
    return {
        "coherence": coherence_scores(model, corpus, counts),
        "diversity": diversity(top.tolist()),
        "diversity_top_n": int(top.shape[1]),
        # the literature's convention (Dieng et al. 2020; the BERTopic and OCTIS tables) counts the top 10
        "diversity_10": diversity(top[:, :COHERENCE_TOP].tolist()),
        "exclusivity": (ex := exclusivity(model)),
        "exclusivity_mean": None if ex is None else _mean(ex),
        "background": background_summary(model),
        "prevalence": model.prevalence().tolist(),
        "labels": label_agreement(model.labels, model.dominant_topics()),
    }


def background_summary(model: TopicModel, n_words: int = 25) -> dict | None:
    """What the model treats as background: its share of every document's words and its words (None without)."""
    if not model.background_share:
        return None
    return {"share": model.background_share, "weighting": model.weighting,
            "words": [[w, round(f, 4)] for w, f in model.background_words(n_words)]}


def coherence_words(models, top: int = COHERENCE_TOP) -> list[str]:
    """The term keys whose window counts the models' coherence needs."""
    words = set()
    for m in models:
        for row in m.top_term_indices(top):
            words.update(m.terms[j] for j in row)
    return sorted(words)
