"""The data behind the interactive report: numbers computed here, drawn by the page's script.

Everything is plain JSON.  Words, ids, labels and excerpts are corpus text and
therefore untrusted: the page inserts them only as text nodes, and
:func:`script_json` makes the JSON safe to embed in a ``<script>`` element.
"""

from __future__ import annotations

import json

import numpy as np

from ..model import TopicModel
from ..model import about
from ..model.hierarchy import topic_distances
from ..model.shown import ShownDocuments, shown_documents
from ..neighbours.graph import unit_rows

__all__ = ["page_data", "script_json", "mds", "excerpt_length", "MAP_SAMPLE", "CANDIDATES",
           "SHOWN_WORDS"]

MAP_SAMPLE = 3000  # documents drawn on the document map at most
EXCERPT_BUDGET = 4_000_000  # characters of document excerpts on the page, in all
CANDIDATES = 30  # words kept per topic for every relevance weight λ on the grid
SHOWN_WORDS = 20  # bars in the word chart
_LAMBDA_GRID = np.linspace(0.0, 1.0, 21)
_MIX_MIN = 0.01  # mixture shares below this are not sent to the page


def script_json(value) -> str:
    """JSON that can sit inside ``<script type="application/json">``: no ``<``, ``>``, ``&`` or line separators."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                         ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return text


def mds(D: np.ndarray, dims: int = 2) -> np.ndarray:
    """Classical (Torgerson) multidimensional scaling of a distance matrix."""
    n = D.shape[0]
    if n < 2:
        return np.zeros((n, dims))
    J = np.eye(n) - 1.0 / n
    B = -0.5 * J @ (D**2) @ J
    values, vectors = np.linalg.eigh(B)
    order = np.argsort(values)[::-1][:dims]
    coords = vectors[:, order] * np.sqrt(np.maximum(values[order], 0.0))
    if coords.shape[1] < dims:
        coords = np.hstack([coords, np.zeros((n, dims - coords.shape[1]))])
    for j in range(dims):  # deterministic orientation
        if coords[np.argmax(np.abs(coords[:, j])), j] < 0:
            coords[:, j] *= -1
    return coords


def _round(values, digits=4):
    return [round(float(v), digits) for v in values]


def _topic_words(model: TopicModel) -> list[dict]:
    """Per topic: candidate words with p(w|t) and log-lift, enough to rank the top words for any λ."""
    H = np.maximum(model.H, 0.0)
    p_w = model.word_profile()  # as the model ranks its words (the background's profile, when it has one)
    scores = {"frex": about.frex(model), "lift": about.lift(model)}
    rankings = {name: about.ranked(s, SHOWN_WORDS) for name, s in scores.items()}
    out = []
    for t in range(model.n_topics):
        row = H[t]
        total = row.sum()
        p_wt = row / total if total > 0 else row
        with np.errstate(divide="ignore"):
            log_p = np.log(p_wt)
            lift = log_p - np.log(np.maximum(p_w, np.finfo(float).tiny))
        keep = set()
        for lam in _LAMBDA_GRID:
            with np.errstate(invalid="ignore"):  # 0 × −∞ where a word has no weight: set to −∞ below
                relevance = lam * log_p + (1 - lam) * lift
            relevance[p_wt <= 0] = -np.inf
            top = min(CANDIDATES, relevance.size)
            keep.update(np.argpartition(-relevance, top - 1)[:top].tolist())
        idx = sorted((j for j in keep if p_wt[j] > 0), key=lambda j: (-p_wt[j], j))  # only the words a topic uses
        entry = {
            "w": [model.vocabulary[j] for j in idx],
            "p": _round(p_wt[idx], 6),
            "lift": _round(lift[idx], 4),
        }
        for name, order in rankings.items():  # the top words by FREX and by lift: [word, p(w|t), score]
            entry[f"by_{name}"] = [[model.vocabulary[j], round(float(p_wt[j]), 6),
                                    round(float(scores[name][t, j]), 4)] for j in order[t]]
        out.append(entry)
    return out


def _lsa_poles(model: TopicModel) -> list[dict]:
    out = []
    for t, (pos, neg) in enumerate(zip(model.top_words(SHOWN_WORDS), model.top_words(SHOWN_WORDS, negative=True))):
        out.append({"pos": [[w, round(v, 5)] for w, v in pos], "neg": [[w, round(v, 5)] for w, v in neg]})
    return out


def _mixtures(model: TopicModel, P: np.ndarray) -> list[list]:
    """Each document's largest topic shares (NMF, those ≥ 1%) or coordinates (LSA), as [topic, value, ...]."""
    key = -P if model.topics_are_distributions else -np.abs(P)
    order = np.argsort(key, axis=1, kind="stable")[:, :6]
    values = np.take_along_axis(P, order, axis=1)
    keep = values >= _MIX_MIN if model.topics_are_distributions else np.ones(values.shape, dtype=bool)
    rounded = np.round(values, 3).tolist()
    out = []
    for topics, vals, ok in zip(order.tolist(), rounded, keep.tolist()):
        flat = []
        for t, v, good in zip(topics, vals, ok):
            if good:
                flat += [t, v]
        out.append(flat)
    return out


def _document_map(model: TopicModel, shown: ShownDocuments, page_of: dict) -> dict:
    """The first :data:`MAP_SAMPLE` documents of the page's sample (itself a uniform sample), projected to 2-D."""
    sample = shown.sample_order[:MAP_SAMPLE]
    P = shown.profiles[[page_of[int(i)] for i in sample]] if sample.size else shown.profiles[:0]
    X = np.sqrt(np.maximum(P, 0.0)) if model.topics_are_distributions else P  # Hellinger for shares
    X = X - X.mean(axis=0)
    if X.shape[1] >= 2 and len(sample) >= 2:
        U, s, _ = np.linalg.svd(X, full_matrices=False)
        coords = U[:, :2] * s[:2]
    else:
        coords = np.zeros((len(sample), 2))
    return {"index": [page_of[int(i)] for i in sample], "x": _round(coords[:, 0], 4), "y": _round(coords[:, 1], 4),
            "sampled": bool(shown.n_docs > len(sample)), "n": int(shown.n_docs)}


def excerpt_length(n_shown: int) -> int:
    """Characters of each shown document's excerpt: 1,000 for small corpora, fewer so the page stays small."""
    return int(np.clip(EXCERPT_BUDGET // max(1, n_shown), 120, 1000))


def _cut(text: str, n_chars: int) -> str:
    if len(text) <= n_chars:
        return text
    cut = text.rfind(" ", n_chars - 40, n_chars)
    return text[: cut if cut > 0 else n_chars] + " …"


def _documents(model: TopicModel, shown: ShownDocuments, label_index: dict) -> tuple[dict, dict, dict]:
    """The page's documents (the sample, in corpus order) and the neighbours of theirs it does not show."""
    page_of = {int(i): n for n, i in enumerate(shown.rows.tolist())}
    docs = {
        "id": list(shown.ids),
        "label": [label_index.get(lab, -1) for lab in shown.labels] if shown.labels is not None else None,
        "dominant": shown.dominant.tolist(),
        "mix": _mixtures(model, shown.profiles),
        "total": int(shown.n_docs),
    }
    if shown.excerpts is not None:
        chars = excerpt_length(shown.rows.size)
        docs["excerpt"] = [_cut(shown.excerpts[i], chars) for i in shown.rows.tolist()]
        docs["excerpt_chars"] = chars
    else:
        docs["excerpt"], docs["excerpt_chars"] = None, 0
    outside = {"id": [], "label": [], "dominant": []}
    if shown.near is not None:
        ref = dict(page_of)
        ref.update((int(i), -1 - n) for n, i in enumerate(shown.outside_rows.tolist()))  # not shown: -1, -2, …
        docs["near"] = [[ref[int(j)] for j in row] for row in shown.near.tolist()]
        docs["score"] = np.round(shown.score.astype(np.float64), 3).tolist()
        outside = {"id": list(shown.outside_ids),
                   "label": ([label_index.get(lab, -1) for lab in shown.outside_labels]
                             if shown.outside_labels is not None else None),
                   "dominant": shown.outside_dominant.tolist()}
    return docs, outside, _document_map(model, shown, page_of)


def page_data(model: TopicModel, manifest: dict, graph, shown: ShownDocuments | None = None) -> dict:
    """Everything the interactive page draws, JSON-ready (``shown``: the documents it shows, by default those of
    the model and ``graph``, :func:`topicmf.model.shown.shown_documents`)."""
    shown = shown_documents(model, graph) if shown is None else shown
    metrics = manifest.get("metrics", {})
    coh = metrics.get("coherence", {})
    k = model.n_topics
    prevalence = model.prevalence()
    distance = topic_distances(model)
    layout = mds(distance)
    U = unit_rows(model.H)
    similarity = U @ U.T
    label_index = {name: i for i, name in enumerate(shown.label_names)}
    exclusivity = metrics.get("exclusivity")
    page_of = {int(i): n for n, i in enumerate(shown.rows.tolist())}
    topics = []
    for t in range(k):
        topics.append({
            "id": t,
            "label": model.label(t),
            "prevalence": round(float(prevalence[t]), 5),
            "npmi": None if not coh.get("npmi") else _safe(coh["npmi"][t]),
            "c_v": None if not coh.get("c_v") else _safe(coh["c_v"][t]),
            "umass": None if not coh.get("umass") else _safe(coh["umass"][t]),
            "docs": int(shown.topic_docs[t]),
            "exclusivity": None if not exclusivity else _safe(exclusivity[t]),
            # the most representative documents: [index on this page or -1, id, share]
            "best": [[page_of.get(i, -1), doc_id, round(v, 4)] for i, doc_id, v in shown.best[t]],
        })
    docs, outside, docmap = _documents(model, shown, label_index)
    return {
        "distributions": model.topics_are_distributions,
        "k": k,
        "topics": topics,
        "words": _topic_words(model) if model.topics_are_distributions else None,
        "poles": None if model.topics_are_distributions else _lsa_poles(model),
        "map": {"x": _round(layout[:, 0]), "y": _round(layout[:, 1])},
        "similarity": [_round(row, 3) for row in similarity],
        "labels": shown.label_names,
        "docs": docs,
        "outside": outside,
        "docmap": docmap,
        "shown_words": SHOWN_WORDS,
        "background": metrics.get("background"),
    }


def _safe(x):
    return None if x is None or not np.isfinite(x) else round(float(x), 4)
