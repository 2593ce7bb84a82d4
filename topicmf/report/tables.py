"""The CSV files of a run: topics, document profiles, word profiles, neighbours, a sweep."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from ..model import TopicModel

__all__ = ["TOP_WORDS", "write_topics", "write_doc_topics", "write_word_topics", "write_similar", "write_sweep",
           "topic_rows"]

TOP_WORDS = 20


def _writer(path: Path):
    f = open(path, "w", newline="", encoding="utf-8")
    return f, csv.writer(f, lineterminator="\n")


def _num(x: float) -> str:
    return repr(float(x))  # shortest text that reads back to the same float


def topic_rows(model: TopicModel, n: int = TOP_WORDS) -> list[tuple]:
    """(topic, rank, word, weight, pole) rows: the ``n`` top words of each topic; for LSA both poles."""
    rows = []
    poles = [("positive", False)] + ([("negative", True)] if not model.is_nmf else [])
    for pole, negative in poles:
        for t, words in enumerate(model.top_words(n, negative=negative)):
            rows.extend((t, rank, word, weight, pole) for rank, (word, weight) in enumerate(words, 1))
    rows.sort(key=lambda r: (r[0], r[4] != "positive", r[1]))
    return rows


def write_topics(path, model: TopicModel, n: int = TOP_WORDS) -> None:
    f, w = _writer(path)
    with f:
        w.writerow(["topic", "rank", "word", "weight", "pole"])
        for t, rank, word, weight, pole in topic_rows(model, n):
            w.writerow([t, rank, word, _num(weight), pole])


def _topic_columns(model: TopicModel) -> list[str]:
    return [f"topic_{t}" for t in range(model.n_topics)]


def write_doc_topics(path, model: TopicModel) -> None:
    """doc_id, label, dominant_topic, then the profile (NMF: shares of the words, summing to 1; LSA: coordinates)."""
    P = model.doc_topics()
    dominant = model.dominant_topics()
    labels = model.labels or [""] * model.n_docs
    f, w = _writer(path)
    with f:
        w.writerow(["doc_id", "label", "dominant_topic", *_topic_columns(model)])
        for i, doc_id in enumerate(model.doc_ids):
            w.writerow([doc_id, labels[i] or "", "" if dominant[i] < 0 else int(dominant[i]), *map(_num, P[i])])


def write_word_topics(path, model: TopicModel) -> None:
    """word, then the word's weight in each topic (the columns of H)."""
    H = model.H
    f, w = _writer(path)
    with f:
        w.writerow(["word", *_topic_columns(model)])
        for j, word in enumerate(model.vocabulary):
            w.writerow([word, *map(_num, H[:, j])])


def write_similar(path, model: TopicModel, index: np.ndarray, score: np.ndarray) -> None:
    """doc_id, rank, neighbour_id, score: each document's nearest documents, best first."""
    ids = model.doc_ids
    f, w = _writer(path)
    with f:
        w.writerow(["doc_id", "rank", "neighbour_id", "score"])
        for i, doc_id in enumerate(ids):
            for rank, (j, s) in enumerate(zip(index[i], score[i]), 1):
                w.writerow([doc_id, rank, ids[j], _num(s)])


SWEEP_COLUMNS = ["k", "npmi", "c_v", "umass", "diversity", "stability", "objective", "score", "suggested", "n_iter",
                 "seconds"]


def write_sweep(path, rows: list[dict]) -> None:
    f, w = _writer(path)
    with f:
        w.writerow(SWEEP_COLUMNS)
        for row in rows:
            w.writerow(["" if row.get(c) is None else row[c] for c in SWEEP_COLUMNS])
