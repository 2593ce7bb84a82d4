"""The tables of a run: topics, document profiles, word profiles, neighbours, a sweep.

Each table is written as CSV (the default: ``<name>.csv``, formula-looking cells neutralised) or
as Parquet (``tables="parquet"``: ``<name>.parquet`` through pyarrow, typed columns, document
profiles and neighbour scores in float32), from the same rows.  A writer is given the CSV path;
with Parquet the file beside it with the ``.parquet`` suffix is written instead.
"""

from __future__ import annotations

from numbers import Integral, Real
from pathlib import Path

import numpy as np

from ..model import TopicModel
from ..model.about import frex, lift, ranked, representative_documents
from ..runfolder.tables import need_pyarrow
from .numbers import cell, format_rows

__all__ = ["TOP_WORDS", "TOPIC_DOCS", "write_topics", "write_doc_topics", "write_word_topics", "write_similar",
           "write_sweep", "write_topic_docs", "write_group_topics", "write_hierarchy", "topic_rows"]

TOP_WORDS = 20


BLOCK = 50_000  # rows formatted at a time
DIGITS = 7  # significant digits of document shares, coordinates and neighbour scores (float32 has about 7)


def _open(path: Path):
    return open(path, "w", newline="", encoding="utf-8")


def _text(value) -> str:
    """One value as a CSV cell: numbers exactly, text neutralised, nothing as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, str):
        return cell(value)
    if isinstance(value, Integral):
        return str(int(value))
    if isinstance(value, Real):
        return _num(value)
    return cell(value)


def _write_rows(path, header: list[str], rows, tables: str = "csv") -> None:
    """A small table from rows of values (str, int, float or None), as CSV or Parquet."""
    if tables == "parquet":
        _parquet(path, {name: list(column) for name, column in zip(header, zip(*rows))} if rows
                 else dict.fromkeys(header, []))
        return
    with _open(path) as f:
        f.write(_line(header))
        f.write("".join(_line([_text(v) for v in row]) for row in rows))


def _parquet(path, columns: dict) -> None:
    """``columns`` (name: values or arrays) as ``path`` with the suffix .parquet; a column mixing text and numbers
    is stored as text."""
    pa = need_pyarrow()
    arrays = []
    for values in columns.values():
        try:
            arrays.append(values if isinstance(values, pa.Array) else pa.array(values))
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arrays.append(pa.array([None if v is None else str(v) for v in values], pa.string()))
    pa.parquet.write_table(pa.table(arrays, names=list(columns)), Path(path).with_suffix(".parquet"),
                           compression="zstd")


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


def write_topics(path, model: TopicModel, n_words: int = TOP_WORDS, tables: str = "csv") -> None:
    """topic, rank, word, weight, pole, frex_word, lift_word, name: each topic's top words in the model's order, and
    beside them the topic's words at the same rank by FREX and by lift (:mod:`topicmf.model.about`; empty for
    LSA); with a background, rows ``background, rank, word, share, background`` follow (the share of the word's
    occurrences it gives)."""
    scores = {"frex": frex(model), "lift": lift(model)}
    other = {name: None if s is None else ranked(s, n_words) for name, s in scores.items()}
    vocab = model.vocabulary

    def beside(name, t, rank, pole):
        top = other[name]
        return "" if top is None or pole != "positive" or rank > top.shape[1] else str(vocab[top[t, rank - 1]])

    rows = [(t, rank, word, float(weight), pole, beside("frex", t, rank, pole), beside("lift", t, rank, pole),
             _name(model, t)) for t, rank, word, weight, pole in topic_rows(model, n_words)]
    rows += [("background", rank, word, float(share), "background", "", "", "")
             for rank, (word, share) in enumerate(model.background_words(n_words), 1)]
    _write_rows(path, ["topic", "rank", "word", "weight", "pole", "frex_word", "lift_word", "name"], rows, tables)


TOPIC_DOCS = 20  # representative documents per topic in topic_docs.csv


def write_hierarchy(path, nodes, tables: str = "csv") -> None:
    """node, left, right, distance, topics, words: the topic tree's merges in order (leaves are topics 0 … k−1)."""
    _write_rows(path, ["node", "left", "right", "distance", "topics", "words"],
                [(int(n.id), int(n.left), int(n.right), float(n.distance), " ".join(map(str, n.topics)),
                  " ".join(n.words)) for n in nodes], tables)


def write_group_topics(path, table, group_column: str = "label", bounds=None, model: TopicModel | None = None,
                       tables: str = "csv") -> None:
    """topic, <group>[, start, end], share, documents, rank, word, weight, name: each topic in each group, with
    its words there (:func:`topicmf.model.groups.group_topics`); a topic without words in a group (too small a
    share, or LSA) gets one row, rank 0.  ``bounds``: each group's (start, end), for time bins; ``model``:
    gives seeded topics' names."""
    rows = []
    for t in range(table.share.shape[1]):
        topic_name = _name(model, t) if model is not None else ""
        for g, name in enumerate(table.names):
            head = (t, str(name), *((str(bounds[0][g]), str(bounds[1][g])) if bounds else ()),
                    float(table.share[g, t]), int(table.documents[g, t]))
            words = table.words[g][t]
            if not words:
                rows.append((*head, 0, "", None, topic_name))
            rows.extend((*head, rank, word, float(weight), topic_name) for rank, (word, weight) in enumerate(words, 1))
    _write_rows(path, ["topic", group_column, *(["start", "end"] if bounds else []), "share", "documents", "rank",
                       "word", "weight", "name"], rows, tables)


def write_topic_docs(path, model: TopicModel, n_docs: int = TOPIC_DOCS, tables: str = "csv", best=None) -> None:
    """topic, rank, doc_id, share, name: each topic's documents with the highest share of it (LSA: coordinate).

    ``best``: those documents as (row, id, share) per topic, when the model's documents are not here."""
    if best is None:
        index, share = representative_documents(model, n_docs)
        best = [[(int(i), model.doc_ids[int(i)], float(v)) for i, v in zip(index[t], share[t])]
                for t in range(index.shape[0])]
    _write_rows(path, ["topic", "rank", "doc_id", "share", "name"],
                [(t, r, str(doc_id), float(s), _name(model, t)) for t in range(len(best))
                 for r, (_, doc_id, s) in enumerate(best[t], 1)], tables)


def _name(model: TopicModel, t: int) -> str:
    """A seeded topic's name ('' for the others)."""
    names = model.topic_names or ()
    return str(names[t]) if t < len(names) and names[t] else ""


def _topic_columns(model: TopicModel) -> list[str]:
    return [f"topic_{t}" for t in range(model.n_topics)]


def write_doc_topics(path, model: TopicModel, tables: str = "csv") -> None:
    """doc_id, label, dominant_topic, then the profile (NMF: shares of the words, summing to 1; LSA: coordinates).

    Profiles are written with :data:`DIGITS` significant digits (Parquet: float32).
    """
    P = model.doc_topics()
    dominant = model.dominant_topics()
    labels = model.labels
    ids = model.doc_ids
    if tables == "parquet":
        pa = need_pyarrow()
        columns = {"doc_id": pa.array(list(ids), pa.string()),
                   "label": pa.array(list(labels) if labels else [None] * model.n_docs, pa.string()),
                   "dominant_topic": pa.array(dominant.astype(np.int32), mask=dominant < 0)}
        columns.update((name, pa.array(np.ascontiguousarray(P[:, t], dtype=np.float32)))
                       for t, name in enumerate(_topic_columns(model)))
        _parquet(path, columns)
        return
    dominant = dominant.tolist()
    with _open(path) as f:
        f.write(_line(["doc_id", "label", "dominant_topic", *_topic_columns(model)]))
        for start in range(0, model.n_docs, BLOCK):
            numbers = format_rows(P[start : start + BLOCK], DIGITS)
            f.write("".join(
                f"{cell(ids[i])},{cell(labels[i]) if labels else ''},{'' if dominant[i] < 0 else dominant[i]},{row}\n"
                for i, row in enumerate(numbers, start)))


def write_word_topics(path, model: TopicModel, tables: str = "csv") -> None:
    """word, then the word's weight in each topic (the columns of H), exactly (it grows with the vocabulary only)."""
    H = model.H
    if tables == "parquet":
        _parquet(path, {"word": [str(w) for w in model.vocabulary],
                        **{name: np.ascontiguousarray(H[t], dtype=np.float64)
                           for t, name in enumerate(_topic_columns(model))}})
        return
    with _open(path) as f:
        f.write(_line(["word", *_topic_columns(model)]))
        f.write("".join(_line([cell(word), *map(_num, H[:, j])]) for j, word in enumerate(model.vocabulary)))


def write_similar(path, ids, index: np.ndarray, score: np.ndarray, progress=None, tables: str = "csv",
                  names=None) -> None:
    """doc_id, rank, neighbour_id, score: each document's nearest documents, best first (:data:`DIGITS` digits;
    Parquet: float32); ``progress(documents written, documents)``.

    ``ids``: the documents' ids (one per row of ``index``); ``names``: the ids
    the values of ``index`` point into (by default ``ids``: every document).
    """
    names = ids if names is None else names
    if tables == "parquet":
        _similar_parquet(path, ids, names, index, score, progress)
        return
    own = [cell(d) for d in ids]
    near_ids = own if names is ids else [cell(d) for d in names]
    n = index.shape[1]
    with _open(path) as f:
        f.write(_line(["doc_id", "rank", "neighbour_id", "score"]))
        for start in range(0, index.shape[0], BLOCK):
            scores = format_rows(score[start : start + BLOCK].reshape(-1, 1), DIGITS)
            near = index[start : start + BLOCK].ravel().tolist()
            f.write("".join(f"{own[start + q // n]},{q % n + 1},{near_ids[j]},{s}\n"
                            for q, (j, s) in enumerate(zip(near, scores))))
            if progress is not None:
                progress(min(index.shape[0], start + BLOCK), index.shape[0])


def _similar_parquet(path, ids, names, index: np.ndarray, score: np.ndarray, progress) -> None:
    """similar as Parquet, a row group per block of documents (Parquet's own dictionary encoding stores each
    block's repeated ids once)."""
    pa = need_pyarrow()
    own_ids = pa.array(list(ids), pa.string())
    near_ids = own_ids if names is ids else pa.array(list(names), pa.string())
    n_docs, n = index.shape
    schema = pa.schema([("doc_id", pa.string()), ("rank", pa.int16()), ("neighbour_id", pa.string()),
                        ("score", pa.float32())])
    with pa.parquet.ParquetWriter(Path(path).with_suffix(".parquet"), schema, compression="zstd") as writer:
        for start in range(0, n_docs, BLOCK):
            stop = min(n_docs, start + BLOCK)
            own = np.repeat(np.arange(start, stop, dtype=np.int32), n)
            near = index[start:stop].ravel().astype(np.int32)
            writer.write_table(pa.table([
                own_ids.take(pa.array(own)),
                pa.array(np.tile(np.arange(1, n + 1, dtype=np.int16), stop - start)),
                near_ids.take(pa.array(near)),
                pa.array(np.ascontiguousarray(score[start:stop], dtype=np.float32).ravel())], schema=schema))
            if progress is not None:
                progress(stop, n_docs)


SWEEP_COLUMNS = ["k", "npmi", "c_v", "umass", "diversity", "stability", "objective", "score", "suggested", "n_iter",
                 "seconds", "heldout"]


def write_sweep(path, rows: list[dict]) -> None:
    with _open(path) as f:
        f.write(_line(SWEEP_COLUMNS))
        for row in rows:
            f.write(_line(["" if row.get(c) is None else str(row[c]) for c in SWEEP_COLUMNS]))
