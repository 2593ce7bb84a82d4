"""Reading a corpus on a Dask cluster: each worker reads and counts its share, the client merges what is small.

The client walks the folder (or cuts a table into byte ranges at record
boundaries), gives each worker a contiguous part, and merges the parts'
vocabularies, document frequencies, ids, labels and samples.  The counts
themselves stay on the workers as row blocks: after pruning, each worker
renumbers its block's columns to the final vocabulary, and the matrix is
never gathered.  Every choice that shapes the matrix — which documents,
which terms, their order, the sample of documents — is the one
:func:`topicmf.text.vectorize` makes on one machine, so both give the same
matrix (the same fingerprint).
"""

from __future__ import annotations

import copy
import os
import shutil
import tempfile
import time
import warnings
from collections import Counter

import numpy as np
import scipy.sparse as sp

from ..corpus import CountMatrix, Share, open_corpus
from ..errors import CorpusError, NoDocumentsError, TopicmfError, TopicmfWarning
from ..text.build import (TextOptions, choose_language, cleaning_info, display_names, make_tokenizer, say_language,
                          say_skipped, text_info, uses_corpus_stopwords)
from ..text.clean import empty_stats
from ..text.matrix import TermMatrix, fingerprint
from ..text.merge import best_surfaces
from ..text.prune import even_terms, prune_terms
from ..text.stream import DocumentSample
from .block import Block
from .cluster import Closing, answers, ask, ask_all, create_blocks
from .rows import ClusterRows

__all__ = ["read_corpus", "DistributedMatrix"]


class DistributedMatrix(Closing, TermMatrix):
    """A document-term matrix held in row blocks on Dask workers; the client holds what grows with the vocabulary.

    It offers what the rest of a run needs of a matrix
    (:class:`~topicmf.text.TermMatrix`) — vocabulary, sample, coherence
    counts, a fingerprint — and the rows the topic solvers fit where the
    blocks are (:meth:`fit_input`, :class:`~topicmf.distributed.rows.ClusterRows`).
    ``X`` is None: the counts are never gathered, and neither are the
    documents' ids, labels and lengths (:meth:`gather` brings them here, for a
    model held in this process's memory).
    """

    X = None
    stream = None
    local = False
    times = None  # a time column stays on the blocks (topicmf.workflow.cluster.times bins it there)

    def __init__(self, client, blocks, rows, vocabulary, terms, label_names, info, sample, nnz, term_counts,
                 document_frequency, n_empty, ids_digest, exchange=None, own_exchange=False):
        self.client, self.blocks, self.rows = client, blocks, rows
        self.offsets = np.concatenate([[0], np.cumsum(rows)[:-1]]).astype(np.int64)
        self.vocabulary, self.terms, self.label_names = vocabulary, terms, label_names
        self.info, self.sample, self._nnz = info, sample, nnz
        self.term_counts, self.document_frequency, self._n_empty = term_counts, document_frequency, n_empty
        self._ids_digest, self.exchange, self._own_exchange = ids_digest, exchange, own_exchange
        self._gathered = {}

    @property
    def nnz(self) -> int:
        return self._nnz

    @property
    def n_docs(self) -> int:
        return int(sum(self.rows))

    @property
    def n_terms(self) -> int:
        return len(self.terms)

    @property
    def n_empty(self) -> int:
        return self._n_empty

    @property
    def shape(self) -> tuple[int, int]:
        return self.n_docs, self.n_terms

    def gather(self, what: str):
        """The documents' ``ids``, ``labels`` (None without) or ``lengths``, brought into this process."""
        if what not in self._gathered:
            parts = self.call("documents", what)
            if what == "labels" and self.label_names is None:
                self._gathered[what] = None
            elif what == "lengths":
                self._gathered[what] = np.concatenate([np.asarray(p, np.int64) for p in parts])
            else:
                self._gathered[what] = tuple(x for p in parts for x in p)
        return self._gathered[what]

    @property
    def doc_ids(self):
        return self.gather("ids")

    @property
    def labels(self):
        return self.gather("labels")

    @property
    def doc_lengths(self):
        return self.gather("lengths")

    def call(self, method: str, *args) -> list:
        return ask_all(self.blocks, method, *args)

    def call_each(self, method: str, args: list) -> list:
        """A method on every block at once with arguments of its own (``args[b]``: block b's tuple)."""
        return ask(self.blocks, method, args, method.replace("_", " "))

    view = None  # the name of the blocks' view of their rows this matrix is (None: their counts)

    def with_view(self, name: str, function, args: list) -> "DistributedMatrix":
        """Another matrix of the blocks' rows, for a fit: block b keeps ``function(block, *args[b])`` — a subset
        of its rows, or rows added — as the view ``name`` (:meth:`Block.make_view`).  The result fits as this
        matrix does (:meth:`fit_input`); it shares the blocks, and closing it is this matrix's business."""
        parts = self.call_each("make_view", [(name, function, a) for a in args])
        other = copy.copy(self)
        other.view, other.rows = name, [p["rows"] for p in parts]
        other.offsets = np.concatenate([[0], np.cumsum(other.rows)[:-1]]).astype(np.int64)
        other._nnz = sum(p["nnz"] for p in parts)
        other.term_counts = sum(p["totals"] for p in parts)
        other.document_frequency = sum(p["df"] for p in parts)
        other._gathered, other._own_exchange = {}, False
        return other

    def drop_view(self) -> None:
        self.call("drop_view", self.view)

    def window_counts(self, words, windows):
        from ..text.windows import WindowCounts

        parts = self.call("window_counts", tuple(words), tuple(windows))
        out = {}
        for i, w in enumerate(windows):
            co = sum(p[i][3] for p in parts)
            out[w] = WindowCounts(tuple(words), w, sum(p[i][1] for p in parts), sum(p[i][2] for p in parts), co)
        return out

    def cooccurrence(self, cols) -> np.ndarray:
        return sum(self.call("cooccurrence", np.asarray(cols)))

    def fingerprint(self) -> str:
        offsets = np.concatenate([[0], np.cumsum(self.rows)[:-1]])
        digest = sum(ask(self.blocks, "digest", [(int(o),) for o in offsets], "checking the matrix")) % 2**64
        return fingerprint(self._ids_digest, self.terms, self.shape, digest)

    def word_vectors(self) -> tuple[np.ndarray, sp.csr_matrix]:
        """The idf weights and every document's word vector (:func:`topicmf.neighbours.scores.word_vectors`).

        Each block makes its rows' vectors where its counts are; the client
        receives at most ``WORD_TERMS`` terms per document, for the neighbours.
        """
        idf = self.global_weights("tfidf")
        parts = [sp.csr_matrix((data, indices, indptr), shape=(rows, self.n_terms))
                 for (indptr, indices, data), rows in zip(self.call("word_vectors", idf), self.rows)]
        return idf, sp.vstack(parts, format="csr")

    def global_weights(self, weighting: str) -> np.ndarray | None:
        """The weighting's per-term factors, as :func:`topicmf.text.idf_weights` / ``entropy_weights`` give them."""
        if weighting == "tfidf":
            return np.log((1.0 + self.n_docs) / (1.0 + self.document_frequency)) + 1.0
        if weighting == "log-entropy":
            if self.n_docs <= 1:
                return np.ones(self.n_terms)
            totals = self.term_counts
            xlogx = sum(self.call("xlogx", self.view))
            with np.errstate(divide="ignore", invalid="ignore"):
                plogp = np.where(totals > 0, xlogx / np.where(totals > 0, totals, 1.0) - np.log(np.where(totals > 0, totals, 1.0)), 0.0)
            return 1.0 + plogp / np.log(self.n_docs)
        return None

    def fit_input(self, weighting: str, global_weights) -> ClusterRows:
        """The blocks' rows, weighted, for the topic solvers (:class:`~topicmf.distributed.rows.ClusterRows`)."""
        parts = self.call("prepare", weighting, global_weights, self.view)
        stats = {"total": sum(x["total"] for x in parts), "norm2": sum(x["norm2"] for x in parts),
                 "df": np.asarray(self.document_frequency)}
        return ClusterRows(self.blocks, self.shape, self.nnz, stats)

    def close(self) -> None:
        try:
            self.call("close")
        except Exception:  # the cluster may be gone already; its workers' files go with them
            pass
        if self._own_exchange:
            shutil.rmtree(self.exchange, ignore_errors=True)


def _split(units: list, n_parts: int) -> list[tuple[int, list]]:
    """Contiguous parts of about equal size, each with the corpus position of its first document."""
    bounds = np.linspace(0, len(units), n_parts + 1).round().astype(int)
    parts, position = [], 0
    for a, b in zip(bounds[:-1], bounds[1:]):
        if b > a:
            parts.append((position, units[a:b]))
            position += sum(0 if isinstance(u, Share) else 1 for u in units[a:b])
    return parts


def read_corpus(client, path, options: TextOptions | None = None, progress=None, exchange=None) -> DistributedMatrix:
    """Read and count the corpus at ``path`` on the cluster of ``client``; the counts stay on the workers.

    The corpus must be readable at the same path here and on every worker, and so must ``exchange``, a folder
    through which the blocks check their ids (:mod:`.exchange`; a temporary folder here by default, which only
    a cluster on this machine sees).
    Count matrices (``.mtx``, UCI, count tables) are not read this way: they
    are one piece, read in one process.
    """
    options = options or TextOptions()
    started = time.perf_counter()
    corpus = open_corpus(path, text_column=options.text_column, id_column=options.id_column,
                         label_column=options.label_column, time_column=options.time_column, limits=options.limits,
                         follow_symlinks=options.follow_symlinks)
    if isinstance(corpus, CountMatrix):
        raise TopicmfError(f"{path} is a count matrix; --dask reads text corpora (run without --dask)")
    language, shares = choose_language(corpus, options)  # a sample of the documents, read here
    say_language(options, language, shares)
    tokenizer = make_tokenizer(options, language, shares)
    units = list(corpus.units())
    own = exchange is None
    if own:  # seen by a cluster on this machine only; a run gives a folder beside its output
        exchange = tempfile.mkdtemp(prefix="topicmf-exchange-", dir=os.environ.get("TOPICMF_SCRATCH"))
    workers = sorted(client.scheduler_info()["workers"])
    parts = _split(units, len(workers))
    if not parts:
        raise NoDocumentsError(f"No documents in {corpus.path}")
    blocks = create_blocks(client, Block, workers, len(parts))
    futures = [b.read(part, tokenizer, first, options.limits) for b, (first, part) in zip(blocks, parts)]
    summaries = []
    for future, block in zip(futures, blocks):
        summaries += answers([future], [block], "reading")
        if progress is not None:
            progress(sum(s["rows"] for s in summaries), None)
    try:
        matrix = _merge(client, blocks, summaries, corpus, options, language, shares, tokenizer, path, started,
                        exchange)
    except BaseException:
        ask_all(blocks, "close")
        if own:
            shutil.rmtree(exchange, ignore_errors=True)
        raise
    matrix.exchange, matrix._own_exchange = exchange, own
    return matrix


def _merge(client, blocks, summaries, corpus, options, language, shares, tokenizer, path, started, exchange):
    rows = [s["rows"] for s in summaries]
    offsets = np.concatenate([[0], np.cumsum(rows)[:-1]]).astype(np.int64)
    skipped, lines = list(corpus.skipped), 0
    for s in summaries:
        for where, reason in s["skipped"]:
            if corpus.format in TABLES:  # "FILE:LINE" with the line counted from the part's start
                file, line = where.rsplit(":", 1)
                where = f"{file}:{int(line) + lines}"
            skipped.append((where, reason))
        lines += s["lines"]
    fallbacks = [f for s in summaries for f in s["fallbacks"]]
    say_skipped(corpus, skipped, fallbacks)
    if not sum(rows):
        raise NoDocumentsError(f"No readable documents in {corpus.path}: {len(skipped)} skipped (see the warnings)")
    ids_digest = _number_ids(blocks, offsets, corpus, exchange)
    # one vocabulary: global numbers in order of first appearance, as on one machine
    index: dict[str, int] = {}
    maps = []
    for s in summaries:
        maps.append(np.fromiter((index.setdefault(k, len(index)) for k in s["keys"]), np.int64, len(s["keys"])))
    keys = list(index)
    df = np.zeros(len(keys), np.int64)
    totals = np.zeros(len(keys), np.int64)
    for s, m in zip(summaries, maps):
        np.add.at(df, m, s["df"])
        np.add.at(totals, m, s["totals"])
    length_counts = Counter()
    for s in summaries:
        length_counts.update(dict(zip(*(a.tolist() for a in s["length_counts"]))))
    sizes = np.array(sorted(length_counts), dtype=np.int64)
    counts = np.array([length_counts[v] for v in sizes.tolist()], dtype=np.int64)
    n_docs = int(sum(rows))
    even = None
    if uses_corpus_stopwords(options, language):
        even = even_terms(df, totals, (sizes, counts))
    keep, report = prune_terms(df, totals, n_docs, min_df=options.min_df, max_df=options.max_df,
                               max_terms=options.max_terms, names=keys, drop=even)
    keep = np.array(sorted(keep.tolist(), key=keys.__getitem__), dtype=np.int64)
    final = np.full(len(keys), -1, np.int64)
    final[keep] = np.arange(keep.size)
    done = ask(blocks, "finish_columns", [(final[m], int(keep.size)) for m in maps], "reading")
    n_empty = sum(d["empty"] for d in done)
    if n_empty:
        examples = ", ".join([x for d in done for x in d["examples"]][:3])
        warnings.warn(f"Documents with no terms left after tokenizing and pruning: {n_empty} (e.g. {examples}); "
                      "they are kept as empty rows", TopicmfWarning, stacklevel=3)
    surfaces = None
    if tokenizer.stem is not None:
        merged = Counter()
        for s in summaries:
            merged.update(s["surfaces"] or {})
        surfaces = best_surfaces(merged)
    display = display_names(keys, surfaces)
    if "corpus_stopwords" in report:  # named as people read them
        at = {key: n for n, key in enumerate(keys)}
        report["corpus_stopwords"] = [display[at[key]] for key in report["corpus_stopwords"]]
    cleaning, cleaned, junk = empty_stats(), 0, Counter()
    for s in summaries:
        cleaning += s["cleaning"]
        cleaned += s["cleaned_docs"]
        junk.update(s["junk"])
    info = text_info(path, corpus, options, language, shares, tokenizer, int(sizes @ counts), skipped, fallbacks,
                     cleaning_info(options, cleaning, cleaned, junk))
    info["pruning"] = report
    info["seconds"] = round(time.perf_counter() - started, 3)
    info["workers"] = {"blocks": len(blocks), "rows": rows}
    sample = DocumentSample.merge([(s["sample"][0], np.asarray(s["sample"][1]) + o, s["sample"][2])
                                   for s, o in zip(summaries, offsets)], n_docs)
    label_names = None
    if corpus.has_labels:
        label_names = sorted({x for s in summaries for x in s["labels"]})
    return DistributedMatrix(client, blocks, rows, tuple(display[j] for j in keep), tuple(keys[j] for j in keep),
                             label_names, info, sample, sum(d["nnz"] for d in done), totals[keep].astype(np.float64),
                             df[keep], n_empty, ids_digest)


TABLES = ("jsonl", "tsv", "csv")


def _number_ids(blocks, offsets, corpus, exchange) -> int:
    """Number and check the ids where they are (as :class:`~topicmf.corpus.tables.RecordIds` does on one machine);
    returns their digest.  Duplicates are found by sending each id to the block its hash names."""
    if corpus.format in TABLES:
        numbering = corpus.record_ids()
        column = False if numbering.id_column is None else numbering.id_column
    else:
        numbering, column = None, None
    numbered = ask(blocks, "number_ids", [(int(o), column, str(exchange), len(blocks))
                                          for o in offsets], "numbering the documents")
    problems = []
    empty = [a["first_empty"] for a in numbered if a["first_empty"] is not None]
    if empty:
        problems.append((min(empty), f"{numbering.path}: record {min(empty)} has an empty {column!r} id"))
    if column:
        duplicates = [d for d in ask_all(blocks, "duplicate_ids", str(exchange)) if d is not None]
        if duplicates:
            second, first, value = min(duplicates)
            problems.append((second, f"{numbering.path}: id {value!r} appears in records {first} and {second}; ids "
                                     f"must be unique (pass --id-column none to number the records instead of using "
                                     f"{column!r})"))
    if problems:
        raise CorpusError(min(problems)[1])
    return sum(a["digest"] for a in numbered) % 2**64
