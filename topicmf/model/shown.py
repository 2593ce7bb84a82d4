"""What a run's page shows of its documents: the sample, their neighbours, each topic's best documents.

The page never needs every document: it shows the sample kept while reading
(at most a few thousand documents), the neighbours of those, each topic's
most representative documents and a few counts.  :class:`ShownDocuments`
holds exactly that, so the page is drawn the same way from a model in this
process (:func:`shown_documents`) and from one whose documents stay on a
cluster's workers, which send only these rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .about import representative_documents
from .topicmodel import TopicModel

__all__ = ["ShownDocuments", "shown_documents", "TOPIC_DOCS_SHOWN"]

TOPIC_DOCS_SHOWN = 10  # representative documents in a topic's detail on the page


@dataclass
class ShownDocuments:
    """The documents a page shows (``rows``, sorted) and what it says of the others.

    ``profiles``, ``dominant``, ``ids``, ``labels`` and ``near``/``score``
    (their neighbours' rows and scores, or None) are of ``rows``; ``outside``
    holds the ids, labels and dominant topics of the neighbours not shown
    (rows ``outside_rows``); ``best`` each topic's representative documents
    as (row, id, share); ``topic_docs`` the documents of each dominant topic.
    """

    n_docs: int
    rows: np.ndarray
    sample_order: np.ndarray  # the sample's rows in the sample's own order (for the document map)
    excerpts: dict | None  # row -> excerpt
    ids: list
    labels: list | None
    profiles: np.ndarray
    dominant: np.ndarray
    near: np.ndarray | None
    score: np.ndarray | None
    outside_rows: np.ndarray
    outside_ids: list
    outside_labels: list | None
    outside_dominant: np.ndarray
    best: list
    topic_docs: np.ndarray
    label_names: list


def shown_documents(model: TopicModel, graph, n_best: int = TOPIC_DOCS_SHOWN) -> ShownDocuments:
    """The page's documents of a model whose documents are in this process."""
    sample = model.documents_sample()
    shown = np.sort(sample.rows)
    dominant = model.dominant_topics()
    labels = model.labels
    near = score = None
    outside = np.zeros(0, dtype=np.int64)
    if graph is not None:
        near, score = graph.index[shown], graph.score[shown]
        outside = np.setdiff1d(np.unique(near), shown)
    index, share = representative_documents(model, n_best)
    best = [[(int(i), model.doc_ids[int(i)], float(v)) for i, v in zip(index[t], share[t])]
            for t in range(model.n_topics)]
    return ShownDocuments(
        n_docs=model.n_docs, rows=shown, sample_order=np.asarray(sample.rows),
        excerpts=None if sample.excerpts is None else dict(zip(np.asarray(sample.rows).tolist(), sample.excerpts)),
        ids=[model.doc_ids[i] for i in shown], labels=[labels[i] for i in shown] if labels else None,
        profiles=model.doc_topics(np.asarray(model.W[shown])), dominant=dominant[shown], near=near, score=score,
        outside_rows=outside, outside_ids=[model.doc_ids[i] for i in outside],
        outside_labels=[labels[i] for i in outside] if labels else None, outside_dominant=dominant[outside],
        best=best, topic_docs=np.bincount(dominant[dominant >= 0], minlength=model.n_topics)[:model.n_topics],
        label_names=sorted({lab for lab in labels if lab}) if labels else [])
