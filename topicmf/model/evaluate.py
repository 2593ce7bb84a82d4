"""How good are the topics: coherence, diversity, agreement with labels, stability across seeds."""

from __future__ import annotations

from collections import Counter

import numpy as np

from ..text.windows import WindowCounts
from .about import exclusivity
from .coherence import CV_WINDOW, NPMI_WINDOW, c_v, npmi, umass_counts
from ..neighbours.graph import unit_rows
from .topicmodel import TopicModel

__all__ = ["label_table", "add_label_tables", "label_agreement_of", "nmi_of", "ari_of", "COHERENCE_TOP", "DIVERSITY_TOP", "diversity", "label_agreement", "stability", "coherence_scores",
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
    return nmi_of(_contingency(labels, groups))


def nmi_of(table: np.ndarray) -> float:
    """:func:`nmi` from the contingency table (classes of one side × classes of the other; empty ones are ignored)."""
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
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
    return ari_of(_contingency(labels, groups))


def ari_of(table: np.ndarray) -> float:
    """:func:`ari` from the contingency table."""
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
    return label_agreement_of(*label_table(labels, dominant))


def label_table(labels, dominant) -> tuple[Counter, dict]:
    """The labelled documents' labels (a Counter, in order of first appearance) and, per label, its documents
    by dominant topic (an array: no topic first, then topics 0 … k−1).  Tables of parts of a corpus add up."""
    dominant = np.asarray(dominant)
    counts, table = Counter(), {}
    k = int(dominant.max(initial=-1)) + 1
    for lab, t in zip(labels, dominant.tolist()):
        if lab in (None, ""):
            continue
        counts[lab] += 1
        row = table.get(lab)
        if row is None:
            row = table[lab] = np.zeros(k + 1, dtype=np.int64)
        row[t + 1] += 1
    return counts, table


def add_label_tables(parts) -> tuple[Counter, dict]:
    """The :func:`label_table` of a corpus from its parts' (in corpus order)."""
    counts, table = Counter(), {}
    for part_counts, part_table in parts:
        counts.update(part_counts)
        for lab, row in part_table.items():
            have = table.get(lab, np.zeros(0, dtype=np.int64))
            width = max(have.size, row.size)
            table[lab] = np.pad(have, (0, width - have.size)) + np.pad(row, (0, width - row.size))
    return counts, table


def label_agreement_of(counts: Counter, table: dict) -> dict | None:
    """:func:`label_agreement` from a :func:`label_table`."""
    if not counts:
        return None
    names = sorted(counts)
    width = max(row.size for row in table.values())
    full = np.stack([np.pad(table[name], (0, width - table[name].size)) for name in names])
    k = max(int(np.flatnonzero(full[:, 1:].sum(axis=0)).max(initial=-1)) + 1, 1)  # up to the last topic used
    full = np.pad(full, ((0, 0), (0, max(0, k + 1 - full.shape[1]))))
    return {
        "nmi": nmi_of(full),
        "ari": ari_of(full),
        "documents": int(full.sum()),
        "labels": names,
        "label_counts": dict(counts),
        "table": full[:, 1:k + 1].tolist(),
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
        "labels": (label_agreement(model.labels, model.dominant_topics()) if model.sums is None
                   else label_agreement_of(*model.sums["labels"]) if model.sums.get("labels") else None),
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
