"""A fitted model's documents where the cluster's blocks hold them: their sums, their sample, their files.

After a fit on a cluster, W stays on the blocks (:class:`topicmf.distributed.block.Block`)
beside the counts, the ids and the labels.  Each block makes a model of its
own rows — the fitted model with its share of W, in float32 as a run keeps
it — and everything per document is done there: the sums the metrics need,
topics per label, each topic's best documents, the rows of the page's
sample, the neighbour graph (:mod:`.graph`) and the per-document files,
written as one part per block into the run folder (:mod:`topicmf.runfolder.parts`).
The client (:class:`ClusterDocuments`) receives only what does not grow with
the corpus: sums over documents, the sample's rows, per topic its best
documents — and the files' checksums.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from ...distributed.cluster import ask
from ...distributed.exchange import Exchange
from ...model.about import ranked_pairs, representative_documents
from ...model.evaluate import add_label_tables
from ...model.groups import GroupTopics, group_counts, group_shares, group_sums, group_words
from ...model.shown import TOPIC_DOCS_SHOWN, ShownDocuments
from ...model.topicmodel import TopicModel
from ...neighbours.scores import word_vectors
from ...report.tables import write_doc_topics, write_similar
from ...runfolder.npz import pack_strings, sha256_file, unpack_strings
from ...runfolder.parts import DOCUMENTS, PROFILES, part_name

__all__ = ["ClusterDocuments"]


# --- on the blocks ----------------------------------------------------------------------------------------------

def attach(block, skeleton: TopicModel, idf) -> dict:
    """The block's own model (its rows of W, as float32, its ids and labels); returns its :meth:`document_sums`."""
    f = skeleton.factorization
    W = np.ascontiguousarray(block.rows.arrays["W"], dtype=np.float32)
    block.model = replace(skeleton, factorization=replace(f, W=W), doc_ids=tuple(block.ids),
                          labels=None if block.labels is None else tuple(block.labels))
    block.rows = None  # the fit's arrays: W is in the model now
    block.words_csr = None if idf is None else word_vectors(block.X, idf)
    return block.model.document_sums()


def groups_on(block, by: str, names: list):
    """This block's sums per group of documents: by ``labels`` (``names``: the labels) or ``time`` (its bins)."""
    if by == "labels":
        at = {name: g for g, name in enumerate(names)}
        block.group = np.array([at.get(x, -1) for x in block.labels], dtype=np.int64)
    else:
        block.group = block.time_bin
    return group_sums(block.model, block.group, len(names))


def group_counts_on(block, group: int):
    rows = np.flatnonzero(block.group == group)
    return group_counts(block.model, block.X, rows) if rows.size else None


def best_on(block, n_best: int):
    index, share = representative_documents(block.model, n_best)
    return index + block.offset, share, [[block.ids[int(i)] for i in row] for row in index]


def shown_on(block, rows: np.ndarray) -> dict:
    local = np.asarray(rows, np.int64) - block.offset
    model = block.model
    graph = getattr(block, "graph_index", None) is not None
    return {"ids": [block.ids[i] for i in local],
            "labels": None if block.labels is None else [block.labels[i] for i in local],
            "profiles": model.doc_topics(np.asarray(model.W[local])),
            "dominant": model.dominant_topics(np.asarray(model.W[local])),
            "near": block.graph_index[local] if graph else None, "score": block.graph_score[local] if graph else None}


def ask_ids(block, exchange: str, offsets: np.ndarray) -> None:
    """Ask each block for the ids of this block's documents' neighbours it holds."""
    needed = np.unique(block.graph_index)
    owner = np.searchsorted(offsets, needed, side="right") - 1
    Exchange(exchange).send("ask", block.index, {int(b): {"rows": needed[owner == b]} for b in np.unique(owner)})


def answer_ids(block, exchange: str) -> None:
    """Send the ids asked for."""
    ex = Exchange(exchange)
    answers = {}
    for source, asked in ex.receive("ask", block.index):
        arrays = {"rows": asked["rows"]}
        pack_strings([block.ids[i] for i in (asked["rows"] - block.offset).tolist()], arrays, "ids")
        answers[source] = arrays
    ex.send("ids", block.index, answers)


def write_part(block, exchange: str | None, folder: str, tables: str) -> dict:
    """This block's part of doc_topics, similar and the documents' arrays; returns the files' checksums."""
    folder = Path(folder)
    name = part_name(block.index)
    written = {}
    model = block.model
    (folder / "doc_topics").mkdir(exist_ok=True)
    path = folder / "doc_topics" / f"{name}.csv"
    write_doc_topics(path, model, tables=tables)
    written["doc_topics"] = path.with_suffix(f".{tables}")
    # the profiles apart from what a question about a few documents reads (ids, labels, topics, neighbours)
    (folder / DOCUMENTS).mkdir(exist_ok=True)
    path = folder / DOCUMENTS / f"{name}.W.npz"
    with open(path, "wb") as out:
        np.savez(out, W=model.W)
    written[PROFILES] = path
    arrays = {"offset": np.array([block.offset], np.int64),
              "dominant": model.dominant_topics().astype(np.int16 if model.n_topics < 2**15 else np.int32)}
    pack_strings(model.doc_ids, arrays, "doc_ids")
    if model.labels is not None:
        pack_strings(model.labels, arrays, "labels")
    if exchange is not None:  # with a graph: similar, from the ids the other blocks sent
        rows, names = [], []
        for _, answer in Exchange(exchange).receive("ids", block.index):
            rows.append(answer["rows"])
            names.extend(unpack_strings(answer, "ids", "exchange"))
        rows = np.concatenate(rows)
        order = np.argsort(rows, kind="stable")
        rows, names = rows[order], [names[i] for i in order.tolist()]
        (folder / "similar").mkdir(exist_ok=True)
        path = folder / "similar" / f"{name}.csv"
        write_similar(path, model.doc_ids, np.searchsorted(rows, block.graph_index), block.graph_score,
                      tables=tables, names=names)
        written["similar"] = path.with_suffix(f".{tables}")
        arrays.update(neighbours_index=block.graph_index, neighbours_score=block.graph_score)
    path = folder / DOCUMENTS / f"{name}.npz"
    with open(path, "wb") as out:
        np.savez(out, **arrays)
    written[DOCUMENTS] = path
    return {table: {"file": str(p.relative_to(folder)), "sha256": sha256_file(p), "bytes": p.stat().st_size}
            for table, p in written.items()}


# --- on the client ------------------------------------------------------------------------------------------------

def _what(function) -> str:
    """What a step on the blocks is doing, for a lost worker's message."""
    return function.__name__.replace("_on", "").replace("_", " ")


class ClusterDocuments:
    """The documents of a model fitted on the blocks of ``dtm`` (a :class:`~topicmf.distributed.DistributedMatrix`),
    and the exchange folder through which the blocks talk."""

    def __init__(self, dtm, exchange):
        self.blocks, self.offsets, self.rows = dtm.blocks, dtm.offsets, np.asarray(dtm.rows)
        self.n_docs, self.n_terms = dtm.n_docs, dtm.n_terms
        self.label_names = dtm.label_names
        self.exchange = exchange
        self.n_topics = None

    # --- talking to the blocks
    def call(self, function, *args) -> list:
        """``function(block, *args)`` on every block at once; their answers in block order."""
        return ask(self.blocks, "run", [(function, *args)] * len(self.blocks), _what(function))

    def call_each(self, function, args: list) -> list:
        return ask(self.blocks, "run", [(function, *a) for a in args], _what(function))

    def _owners(self, rows: np.ndarray):
        owner = np.searchsorted(self.offsets, rows, side="right") - 1
        return [(b, np.flatnonzero(owner == b)) for b in np.unique(owner).tolist()]

    def each_rows(self, function, rows, *args) -> list:
        """``function(block, its rows, *args)`` on the blocks holding some of ``rows`` (global, sorted)."""
        rows = np.asarray(rows, np.int64)
        owners = self._owners(rows)
        return ask([self.blocks[b] for b, _ in owners], "run", [(function, rows[at], *args) for _, at in owners],
                   _what(function))

    def scatter_rows(self, function, rows, *arrays) -> None:
        """``function(block, its rows, its rows of each array)`` on the blocks holding ``rows``."""
        rows = np.asarray(rows, np.int64)
        owners = self._owners(rows)
        ask([self.blocks[b] for b, _ in owners], "run", [(function, rows[at], *(a[at] for a in arrays))
                                                         for _, at in owners], _what(function))

    # --- what the run needs
    def attach(self, model: TopicModel, idf) -> TopicModel:
        """Give every block its model; returns ``model`` with the documents' sums (:attr:`TopicModel.sums`)."""
        self.n_topics = model.n_topics
        skeleton = replace(model, sample=None, sums=None)
        parts = self.call(attach, skeleton, idf)
        sums = {name: sum(p[name] for p in parts) for name in ("prevalence", "W", "dominant")}
        sums["labels"] = None if parts[0]["labels"] is None else add_label_tables(p["labels"] for p in parts)
        model.sums = self.sums = sums
        model.idf = idf
        return model

    def group_topics(self, model: TopicModel, by: str, names: list) -> GroupTopics:
        """Topics per label or per time bin (``by``: "labels" or "time"; :func:`topicmf.model.groups.group_topics`),
        a group's words at a time: the client holds one group's k × terms sums at once, whatever their number."""
        parts = self.call(groups_on, by, names)
        totals, documents = sum(p[0] for p in parts), sum(p[1] for p in parts)
        share = group_shares(totals)
        words = []
        for g in range(len(names)):
            counts = [c for c in self.call(group_counts_on, g) if c is not None] if model.topics_are_distributions else []
            words.append(group_words(model, sum(counts[1:], counts[0]), share[g]) if counts
                         else [[] for _ in range(model.n_topics)])
        return GroupTopics(list(names), share, documents, words)

    def best(self, n_best: int) -> list:
        """Each topic's ``n_best`` documents with the highest share of it, as (row, id, share), best first."""
        parts = self.call(best_on, n_best)
        index = np.concatenate([p[0] for p in parts], axis=1)
        share = np.concatenate([p[1] for p in parts], axis=1)
        ids = [[x for p in parts for x in p[2][t]] for t in range(index.shape[0])]
        keep = ranked_pairs(share, index, n_best)
        return [[(int(index[t, j]), ids[t][j], float(share[t, j])) for j in keep[t]] for t in range(index.shape[0])]

    def shown(self, sample, graph: bool) -> ShownDocuments:
        """The documents the page shows (the sample) and what it says of the others."""
        rows = np.sort(np.asarray(sample.rows, np.int64))
        parts = self.each_rows(shown_on, rows)
        labelled = self.label_names is not None
        near = score = None
        outside = np.zeros(0, np.int64)
        if graph:
            near = np.concatenate([p["near"] for p in parts])
            score = np.concatenate([p["score"] for p in parts])
            outside = np.setdiff1d(np.unique(near), rows)
        others = self.each_rows(shown_on, outside) if outside.size else []
        best = self.best(TOPIC_DOCS_SHOWN)
        return ShownDocuments(
            n_docs=self.n_docs, rows=rows, sample_order=np.asarray(sample.rows),
            excerpts=None if sample.excerpts is None else dict(zip(np.asarray(sample.rows).tolist(), sample.excerpts)),
            ids=[x for p in parts for x in p["ids"]],
            labels=[x for p in parts for x in p["labels"]] if labelled else None,
            profiles=np.concatenate([p["profiles"] for p in parts]),
            dominant=np.concatenate([p["dominant"] for p in parts]), near=near, score=score,
            outside_rows=outside, outside_ids=[x for p in others for x in p["ids"]],
            outside_labels=[x for p in others for x in p["labels"]] if labelled else None,
            outside_dominant=np.concatenate([p["dominant"] for p in others]) if others else np.zeros(0, np.int64),
            best=best, topic_docs=np.asarray(self.sums["dominant"][:self.n_topics]),
            label_names=list(self.label_names or []))

    def write_parts(self, folder, tables: str, graph: bool) -> list[dict]:
        """Every block writes its part of the per-document files; returns their records, in block order."""
        exchange = str(self.exchange) if graph else None
        if graph:
            self.call(ask_ids, exchange, self.offsets)
            self.call(answer_ids, exchange)
        return self.call(write_part, exchange, str(folder), tables)
