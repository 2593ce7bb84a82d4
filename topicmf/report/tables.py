"""The CSV files of a run: topics, document profiles, word profiles, neighbours, a sweep."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..model import TopicModel
from ..model.about import frex, lift, ranked, representative_documents
from .numbers import cell, format_rows

__all__ = ["TOP_WORDS", "TOPIC_DOCS", "write_topics", "write_doc_topics", "write_word_topics", "write_similar",
           "write_sweep", "write_topic_docs", "write_group_topics", "write_hierarchy", "topic_rows"]

TOP_WORDS = 20


BLOCK = 50_000  # rows formatted at a time
DIGITS = 7  # significant digits of document shares, coordinates and neighbour scores (float32 has about 7)


def _open(path: Path):
    return open(path, "w", newline="", encoding="utf-8")


def _num(x: float) -> str:
    return repr(float(x))  # shortest text that reads back to the same float


def _line(cells) -> str:
    return ",".join(cells) + "\n"


def topic_rows(model: TopicModel, n_words: int = TOP_WORDS) -> list[tuple]:
    """(topic, rank, word, weight, pole) rows: the ``n_words`` top words of each topic; for LSA both poles."""
    rows = []
    poles = [("positive", False)] + ([("negative", True)] if not model.topics_are_distributions else [])
    for pole, negative in poles:
        for t, words in enumerate(model.top_words(n_words, negative=negative)):
            rows.extend((t, rank, word, weight, pole) for rank, (word, weight) in enumerate(words, 1))
    rows.sort(key=lambda r: (r[0], r[4] != "positive", r[1]))
    return rows


def write_topics(path, model: TopicModel, n_words: int = TOP_WORDS) -> None:
    """topic, rank, word, weight, pole, frex_word, lift_word, name: each topic's top words in the model's order, and
    beside them the topic's words at the same rank by FREX and by lift (:mod:`topicmf.model.about`; empty for
    LSA); with a background, rows ``background, rank, word, share, background`` follow (the share of the word's
    occurrences it gives)."""
    scores = {"frex": frex(model), "lift": lift(model)}
    other = {name: None if s is None else ranked(s, n_words) for name, s in scores.items()}
    vocab = model.vocabulary

    def beside(name, t, rank, pole):
        top = other[name]
        return "" if top is None or pole != "positive" or rank > top.shape[1] else cell(vocab[top[t, rank - 1]])

    with _open(path) as f:
        f.write(_line(["topic", "rank", "word", "weight", "pole", "frex_word", "lift_word", "name"]))
        for t, rank, word, weight, pole in topic_rows(model, n_words):
            f.write(_line([str(t), str(rank), cell(word), _num(weight), pole, beside("frex", t, rank, pole),
                           beside("lift", t, rank, pole), _name(model, t)]))
        for rank, (word, share) in enumerate(model.background_words(n_words), 1):
            f.write(_line(["background", str(rank), cell(word), _num(share), "background", "", "", ""]))


TOPIC_DOCS = 20  # representative documents per topic in topic_docs.csv


def write_hierarchy(path, nodes) -> None:
    """node, left, right, distance, topics, words: the topic tree's merges in order (leaves are topics 0 … k−1)."""
    with _open(path) as f:
        f.write(_line(["node", "left", "right", "distance", "topics", "words"]))
        f.write("".join(_line([str(n.id), str(n.left), str(n.right), _num(n.distance), " ".join(map(str, n.topics)),
                               cell(" ".join(n.words))]) for n in nodes))


def write_group_topics(path, table, group_column: str = "label", bounds=None, model: TopicModel | None = None) -> None:
    """topic, <group>[, start, end], share, documents, rank, word, weight, name: each topic in each group, with
    its words there (:func:`topicmf.model.groups.group_topics`); a topic without words in a group (too small a
    share, or LSA) gets one row, rank 0.  ``bounds``: each group's (start, end), for time bins; ``model``:
    gives seeded topics' names."""
    with _open(path) as f:
        f.write(_line(["topic", group_column, *(["start", "end"] if bounds else []), "share", "documents", "rank",
                       "word", "weight", "name"]))
        for t in range(table.share.shape[1]):
            topic_name = _name(model, t) if model is not None else ""
            for g, name in enumerate(table.names):
                head = [str(t), cell(name), *([cell(bounds[0][g]), cell(bounds[1][g])] if bounds else []),
                        _num(table.share[g, t]), str(int(table.documents[g, t]))]
                words = table.words[g][t]
                if not words:
                    f.write(_line([*head, "0", "", "", topic_name]))
                for rank, (word, weight) in enumerate(words, 1):
                    f.write(_line([*head, str(rank), cell(word), _num(weight), topic_name]))


def write_topic_docs(path, model: TopicModel, n_docs: int = TOPIC_DOCS) -> None:
    """topic, rank, doc_id, share, name: each topic's documents with the highest share of it (LSA: coordinate)."""
    index, share = representative_documents(model, n_docs)
    ids = model.doc_ids
    with _open(path) as f:
        f.write(_line(["topic", "rank", "doc_id", "share", "name"]))
        for t in range(index.shape[0]):
            name = _name(model, t)
            f.write("".join(_line([str(t), str(r), cell(ids[int(i)]), _num(s), name])
                            for r, (i, s) in enumerate(zip(index[t], share[t]), 1)))


def _name(model: TopicModel, t: int) -> str:
    """A seeded topic's name as a CSV cell ('' for the others)."""
    names = model.topic_names or ()
    return cell(names[t]) if t < len(names) and names[t] else ""


def _topic_columns(model: TopicModel) -> list[str]:
    return [f"topic_{t}" for t in range(model.n_topics)]


def write_doc_topics(path, model: TopicModel) -> None:
    """doc_id, label, dominant_topic, then the profile (NMF: shares of the words, summing to 1; LSA: coordinates).

    Profiles are written with :data:`DIGITS` significant digits.
    """
    P = model.doc_topics()
    dominant = model.dominant_topics().tolist()
    labels = model.labels
    ids = model.doc_ids
    with _open(path) as f:
        f.write(_line(["doc_id", "label", "dominant_topic", *_topic_columns(model)]))
        for start in range(0, model.n_docs, BLOCK):
            numbers = format_rows(P[start : start + BLOCK], DIGITS)
            f.write("".join(
                f"{cell(ids[i])},{cell(labels[i]) if labels else ''},{'' if dominant[i] < 0 else dominant[i]},{row}\n"
                for i, row in enumerate(numbers, start)))


def write_word_topics(path, model: TopicModel) -> None:
    """word, then the word's weight in each topic (the columns of H), exactly (it grows with the vocabulary only)."""
    H = model.H
    with _open(path) as f:
        f.write(_line(["word", *_topic_columns(model)]))
        f.write("".join(_line([cell(word), *map(_num, H[:, j])]) for j, word in enumerate(model.vocabulary)))


def write_similar(path, model: TopicModel, index: np.ndarray, score: np.ndarray) -> None:
    """doc_id, rank, neighbour_id, score: each document's nearest documents, best first (:data:`DIGITS` digits)."""
    ids = [cell(d) for d in model.doc_ids]
    n = index.shape[1]
    with _open(path) as f:
        f.write(_line(["doc_id", "rank", "neighbour_id", "score"]))
        for start in range(0, index.shape[0], BLOCK):
            scores = format_rows(score[start : start + BLOCK].reshape(-1, 1), DIGITS)
            near = index[start : start + BLOCK].ravel().tolist()
            f.write("".join(f"{ids[start + q // n]},{q % n + 1},{ids[j]},{s}\n"
                            for q, (j, s) in enumerate(zip(near, scores))))


SWEEP_COLUMNS = ["k", "npmi", "c_v", "umass", "diversity", "stability", "objective", "score", "suggested", "n_iter",
                 "seconds", "heldout"]


def write_sweep(path, rows: list[dict]) -> None:
    with _open(path) as f:
        f.write(_line(SWEEP_COLUMNS))
        for row in rows:
            f.write(_line(["" if row.get(c) is None else str(row[c]) for c in SWEEP_COLUMNS]))
