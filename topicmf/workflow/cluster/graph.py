"""The neighbour graph of a corpus whose documents stay on a cluster's blocks: an inverted file over the topics.

The search of one machine (:mod:`topicmf.neighbours.blocks`) groups the
documents by their strongest topic and compares each document, exactly, with
its own group and with the groups of the other topics holding at least a
share of its profile.  On a cluster the groups are the partitions of an
inverted file, as FAISS's IVF has them, each owned by one block:

1. every block sends each document's vector (topic part and word part) to
   the owner of its strongest topic as a member, and to the owners of its
   other strong topics as a visitor (:func:`scatter`);
2. each owner scores its topics' members against their members and
   visitors, exactly, and sends every document's best to the block that holds
   it (:func:`search`); it also writes the partition into the run folder
   (``index/``), where ``topicmf query`` searches the few partitions nearest a
   new text instead of every document;
3. each block merges its documents' lists (:func:`merge`).

Everything moves between the blocks through the run's exchange folder
(:mod:`topicmf.distributed.exchange`); the client only says when each side may
start.  A document whose partitions held fewer than ``degree`` others (a
tiny corpus, a document without topics) is searched exactly by every block,
its query vector broadcast — rare, and bounded by those documents.  The
recall and score ratio are measured as on one machine, on the same random
documents: their exact lists come from every block's exact search.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ...distributed.exchange import Exchange
from ...neighbours.blocks import CELLS, MAX_BLOCK, merge_block, split_block
from ...neighbours.graph import EFFORTS, EXACT_WORK, RECALL_SAMPLE, nearest, recall_of, unit_profiles
from ...neighbours.scores import describe_score, topic_part
from ...runfolder.npz import sha256_file
from ...runfolder.parts import INDEX

__all__ = ["cluster_graph"]


# --- on the blocks ----------------------------------------------------------------------------------------------

def vectors(block, with_words: bool) -> None:
    """The block's document vectors: unit topic profiles (times √λ with words) and word parts."""
    model = block.model
    U = unit_profiles(model.W, model.H.sum(axis=1) if model.topics_are_distributions else None)
    block.T = np.ascontiguousarray(topic_part(U) if with_words else U, dtype=np.float32)
    block.words = sp.csr_matrix(block.words_csr, dtype=np.float32) if with_words else None


def _csr(words, rows) -> dict:
    if words is None:
        return {}
    part = words[rows]
    return {"ptr": part.indptr.astype(np.int64), "idx": part.indices.astype(np.int32), "dat": part.data}


def _from_csr(arrays: list[dict], n_terms: int | None):
    if n_terms is None:
        return None
    parts = [sp.csr_matrix((a["dat"], a["idx"], a["ptr"]), shape=(a["ptr"].size - 1, n_terms)) for a in arrays]
    return sp.vstack(parts, format="csr") if parts else sp.csr_matrix((0, n_terms), dtype=np.float32)


def scatter(block, exchange: str, share: float, n_topics: int) -> int:
    """Send each document to its strongest topic's partition (a member) and to those of its other topics holding at
    least ``share`` of its profile (a visitor).  Documents without topics go to the partition ``rest``
    (number ``n_topics``): they are in no partition's search.  Returns how many there are here."""
    T, offset = block.T, block.offset
    shares = np.square(T, dtype=np.float32)
    total = shares.sum(axis=1)
    np.divide(shares, total[:, None], out=shares, where=total[:, None] > 0)
    home = np.argmax(shares, axis=1)
    has = total > 0
    messages = {}
    for topic in range(n_topics):
        own = np.flatnonzero(has & (home == topic))
        visitors = np.flatnonzero(has & (home != topic) & (shares[:, topic] >= share))
        if own.size or visitors.size:
            messages[topic] = {"own": own + offset, "own_T": T[own], "visitors": visitors + offset,
                               "visitors_T": T[visitors],
                               **{f"own_{k}": v for k, v in _csr(block.words, own).items()},
                               **{f"visitors_{k}": v for k, v in _csr(block.words, visitors).items()}}
    lost = np.flatnonzero(~has)
    if lost.size:
        messages[n_topics] = {"own": lost + offset, "own_T": T[lost],
                              **{f"own_{k}": v for k, v in _csr(block.words, lost).items()}}
    Exchange(exchange).send("vectors", block.index, messages)
    return int(lost.size)


def _received(parts: list, side: str, n_terms):
    rows = [a[side] for _, a in parts if side in a]
    if not rows:
        return np.zeros(0, np.int64), None, None
    T = np.concatenate([a[f"{side}_T"] for _, a in parts if side in a])
    words = None if n_terms is None else _from_csr(
        [{k: a[f"{side}_{k}"] for k in ("ptr", "idx", "dat")} for _, a in parts if side in a], n_terms)
    return np.concatenate(rows), T, words


def search(block, exchange: str, topics: list, degree: int, n_topics: int, n_terms, seed: int, folder: str,
           offsets: np.ndarray, score_them: bool = True) -> tuple[int, dict]:
    """Write the partitions of ``topics`` into ``folder`` and (``score_them``) score them — members against
    members and visitors, exactly — sending each document's best to the block holding it.  Returns the
    comparisons made and the partitions' records."""
    ex = Exchange(exchange)
    done, written = 0, {}
    for topic in topics:
        parts = ex.receive("vectors", topic)
        own, own_T, own_words = _received(parts, "own", n_terms)
        if own.size:
            written.update(_write_partition(folder, topic, n_topics, own, own_T, own_words))
        if topic == n_topics or own.size == 0 or not score_them:  # without topics: stored, not searched
            continue
        visitors, visitors_T, visitors_words = _received(parts, "visitors", n_terms)
        rng = np.random.default_rng([seed, topic])
        queries = np.concatenate([own, visitors])
        T = np.concatenate([own_T, visitors_T]) if visitors.size else own_T
        words = own_words if own_words is None or not visitors.size else sp.vstack([own_words, visitors_words], "csr")
        order = np.argsort(queries, kind="stable")  # local numbering in row order: ties go to the lower row
        queries, T = queries[order], np.ascontiguousarray(T[order])
        words = None if words is None else words[order]
        position = np.empty(order.size, np.int64)
        position[order] = np.arange(order.size)
        index = np.full((queries.size, degree), -1, np.int64)
        score = np.full((queries.size, degree), -np.inf, np.float32)
        members, guests = position[:own.size], position[own.size:]
        for leaf, leaf_guests in split_block(T, np.sort(members), np.sort(guests), MAX_BLOCK, rng):
            done += _score_leaf(T, words, leaf, np.union1d(leaf, leaf_guests), index, score)
        found = np.flatnonzero(np.isfinite(score[:, 0]))
        targets = np.searchsorted(offsets, queries[found], side="right") - 1
        rows_global = np.where(index[found] >= 0, queries[np.maximum(index[found], 0)], -1)
        messages = {int(b): {"rows": queries[found[targets == b]], "index": rows_global[targets == b],
                             "score": score[found[targets == b]]} for b in np.unique(targets)}
        Exchange(exchange).send(f"found-{topic:05d}", block.index, messages)
    return done, written


def _score_leaf(T, words, own, asking, index, score) -> int:
    """Every document of ``asking`` against the members ``own``, exactly, merged into its list (local rows)."""
    if words is None:
        words = sp.csr_matrix((T.shape[0], 1), dtype=np.float32)
    qptr, qidx, qdat = words.indptr.astype(np.int64), words.indices.astype(np.int32), words.data.astype(np.float32)
    block = np.ascontiguousarray(T[own])
    C = words[own].tocsc()
    cptr, crow, cdat = C.indptr.astype(np.int64), C.indices.astype(np.int32), C.data.astype(np.float32)
    step = max(1, CELLS // max(1, own.size))
    for start in range(0, asking.size, step):
        rows = asking[start:start + step]
        merge_block(T[rows] @ block.T, rows, own, qptr, qidx, qdat, cptr, crow, cdat, index, score)
    return int(own.size * asking.size)


def _write_partition(folder, topic, n_topics, rows, T, words) -> dict:
    """The partition's documents (rows, topic parts, word parts) as ``index/NAME.npz``; returns its record."""
    name = "rest" if topic == n_topics else f"topic-{topic:03d}"
    arrays = {"rows": rows, "T": T}
    if words is not None:
        arrays.update(words_indptr=words.indptr.astype(np.int64), words_indices=words.indices.astype(np.int32),
                      words_data=words.data.astype(np.float32))
    path = Path(folder) / INDEX
    path.mkdir(exist_ok=True)
    path = path / f"{name}.npz"
    with open(path, "wb") as out:
        np.savez(out, **arrays)
    return {name: {"file": f"{INDEX}/{path.name}", "sha256": sha256_file(path), "rows": int(rows.size)}}


def merge(block, exchange: str, degree: int, n_topics: int) -> np.ndarray:
    """Each document's best ``degree`` among its partitions' lists; returns the rows (global) left short."""
    ex = Exchange(exchange)
    rows, index, score = [], [], []
    for topic in range(n_topics):
        for _, a in ex.receive(f"found-{topic:05d}", block.index):
            rows.append(np.repeat(a["rows"], a["index"].shape[1]))
            index.append(a["index"].ravel())
            score.append(a["score"].ravel())
    start_graph(block, degree)
    if rows:
        rows, index, score = np.concatenate(rows) - block.offset, np.concatenate(index), np.concatenate(score)
        keep = index >= 0
        rows, index, score = rows[keep], index[keep], score[keep]
        order = np.lexsort((index, -score, rows))
        rows, index, score = rows[order], index[order], score[order]
        start = np.searchsorted(rows, rows, side="left")
        rank = np.arange(rows.size) - start
        take = rank < degree
        block.graph_index[rows[take], rank[take]] = index[take]
        block.graph_score[rows[take], rank[take]] = score[take]
    return np.flatnonzero((block.graph_index < 0).any(axis=1)) + block.offset


def query_vectors(block, rows: np.ndarray) -> dict:
    """The vectors of this block's documents ``rows`` (global), to be searched by every block."""
    local = np.asarray(rows, np.int64) - block.offset
    return {"rows": np.asarray(rows, np.int64), "T": block.T[local], "words": None if block.words is None
            else block.words[local]}


def exact(block, queries: dict, degree: int):
    """Each query's best ``degree`` among this block's documents (itself excluded), exactly: global rows, scores."""
    n = block.T.shape[0]
    take = min(degree + 1, n)
    words = None if block.words is None else (queries["words"], block.words)
    index, score = nearest(queries["T"], block.T, take, words=words)
    index = index + block.offset
    self_hit = index == queries["rows"][:, None]
    score = np.where(self_hit, -np.inf, score).astype(np.float32)
    return index, score


def graph_rows(block, rows: np.ndarray):
    local = np.asarray(rows, np.int64) - block.offset
    return block.graph_index[local], block.graph_score[local]


def set_rows(block, rows: np.ndarray, index: np.ndarray, score: np.ndarray) -> None:
    local = np.asarray(rows, np.int64) - block.offset
    block.graph_index[local], block.graph_score[local] = index, score


def empty_rows(block) -> np.ndarray:
    """Rows (global) of documents without topics and words: every score with them is 0."""
    nothing = ~np.any(block.T != 0, axis=1)
    if block.words is not None:
        nothing &= np.diff(block.words.indptr) == 0
    return np.flatnonzero(nothing) + block.offset


# --- on the client ------------------------------------------------------------------------------------------------

def _best(parts: list, degree: int):
    """Merge per-block (index, score) lists of the same queries: best first, ties to the lower row."""
    index = np.concatenate([p[0] for p in parts], axis=1)
    score = np.concatenate([p[1] for p in parts], axis=1)
    order = np.lexsort((index, -score), axis=1)[:, :degree]
    return np.take_along_axis(index, order, axis=1), np.take_along_axis(score, order, axis=1)


def _exactly(docs, rows: np.ndarray, degree: int, keep=None, batch: int = 2_000):
    """Exact lists of the documents ``rows`` (global, sorted): their vectors broadcast to every block, a batch at
    a time.  ``keep(rows, index, score)`` takes each batch's lists; without it they are returned."""
    found_index, found_score = [], []
    for start in range(0, rows.size, batch):
        part = rows[start:start + batch]
        pieces = docs.each_rows(query_vectors, part)
        queries = {"rows": np.concatenate([p["rows"] for p in pieces]),
                   "T": np.concatenate([p["T"] for p in pieces]),
                   "words": None if pieces[0]["words"] is None else sp.vstack([p["words"] for p in pieces], "csr")}
        index, score = _best(docs.call(exact, queries, degree), degree)
        if keep is not None:
            keep(part, index, score)
            continue
        found_index.append(index)
        found_score.append(score)
    if not found_index:
        return np.zeros((0, degree), np.int64), np.zeros((0, degree), np.float32)
    return np.concatenate(found_index), np.concatenate(found_score)


def word_df(block) -> np.ndarray | None:
    return None if block.words is None else np.bincount(block.words.indices, minlength=block.words.shape[1])


def cluster_graph(docs, degree: int, *, effort: str, seed: int, folder, with_words: bool, progress=None,
                  check_progress=None) -> dict:
    """Build the graph on the blocks of ``docs`` (a :class:`~topicmf.workflow.cluster.documents.ClusterDocuments`);
    returns its description (:meth:`topicmf.neighbours.graph.NeighbourGraph.describe`) and the index
    partitions' records.

    As on one machine, a corpus whose exact search costs at most :data:`EXACT_WORK` is searched exactly (its
    documents broadcast a batch at a time: a bounded number); a larger one through the inverted file, its
    recall and score ratio measured on the same random documents as on one machine."""
    share = EFFORTS[effort][0]
    k, n = docs.n_topics, docs.n_docs
    docs.call(vectors, with_words)
    work = n * n * k
    if with_words:
        df = sum(docs.call(word_df)).astype(np.int64)
        work += int(df @ df)
    about = {"neighbours": degree, "similarity": describe_score() if with_words else "cosine of topic profiles",
             "exact_work": int(work), "exact_work_limit": EXACT_WORK}
    exchange, blocks = str(docs.exchange), len(docs.blocks)
    docs.call(scatter, exchange, share, k)
    owners = [[t for t in range(k + 1) if t % blocks == b] for b in range(blocks)]
    n_terms = docs.n_terms if with_words else None
    exactly = work <= EXACT_WORK  # the partitions are the run's index for queries either way
    searched = docs.call_each(search, [(exchange, topics, degree, k, n_terms, seed, str(folder), docs.offsets,
                                        not exactly) for topics in owners])
    index_files = _files(searched)
    if exactly:
        docs.call(start_graph, degree)
        _exactly(docs, np.arange(n), degree,
                 keep=lambda rows, index, score: docs.scatter_rows(set_rows, rows, index, score))
        if progress is not None:
            progress(1, 1)
        return {"method": "exact", **about, "recall": None, "score_ratio": None, "recall_sample": 0}, index_files
    comparisons = sum(done for done, _ in searched)
    if progress is not None:
        progress(1, 2)
    short = np.concatenate(docs.call(merge, exchange, degree, k))
    nothing = np.concatenate(docs.call(empty_rows))
    if nothing.size:  # all their scores are 0: the lowest rows, as an exact search orders ties
        first = np.arange(degree + 1)
        for rows in np.array_split(nothing, max(1, nothing.size // 100_000)):
            lists = np.array([first[first != r][:degree] for r in rows.tolist()], dtype=np.int64)
            docs.scatter_rows(set_rows, rows, lists, np.zeros(lists.shape, np.float32))
    short = np.setdiff1d(short, nothing)
    _exactly(docs, short, degree, keep=lambda rows, index, score: docs.scatter_rows(set_rows, rows, index, score))
    if progress is not None:
        progress(2, 2)
    probe = np.sort(np.random.default_rng(seed).choice(n, min(RECALL_SAMPLE, n), replace=False))
    _, exact_scores = _exactly(docs, probe, degree)
    found = np.concatenate([p[1] for p in docs.each_rows(graph_rows, probe)])
    if check_progress is not None:
        check_progress(1, 1)
    recall, ratio = recall_of(found, exact_scores)
    return {"method": "blocks", **about, "recall": round(recall, 4), "score_ratio": round(ratio, 4),
            "recall_sample": int(probe.size), "effort": effort, "share": share, "descent_rounds": 0,
            "comparisons": int(comparisons), "searched_exactly": int(short.size)}, index_files


def _files(searched: list) -> dict:
    """The partitions' records, by name in topic order."""
    files = {}
    for _, written in searched:
        files.update(written)
    return dict(sorted(files.items()))


def start_graph(block, degree: int) -> None:
    n = len(block.ids)
    block.graph_index = np.full((n, degree), -1, np.int64)
    block.graph_score = np.full((n, degree), -np.inf, np.float32)
