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

import time
import warnings
from collections import Counter

import numpy as np
import scipy.sparse as sp

from ..corpus import CountMatrix, Share, open_corpus
from ..errors import NoDocumentsError, TopicmfError, TopicmfWarning
from ..text.build import (TextOptions, choose_language, cleaning_info, display_names, make_tokenizer, say_language,
                          say_skipped, text_info, uses_corpus_stopwords)
from ..text.clean import empty_stats
from ..text.matrix import TermMatrix, fingerprint
from ..text.merge import best_surfaces
from ..text.prune import even_terms, prune_terms
from ..text.stream import DocumentSample
from .block import Block
from .rows import ClusterRows

__all__ = ["read_corpus", "DistributedMatrix"]


def _call(actors, method: str, *args):
    """Call a method on every block at once; their answers, in block order."""
    futures = [getattr(a, method)(*args) for a in actors]
    return [f.result() for f in futures]


class DistributedMatrix(TermMatrix):
    """A document-term matrix held in row blocks on Dask workers, with everything else on the client.

    It offers what the rest of a run needs of a matrix
    (:class:`~topicmf.text.TermMatrix`) — ids, labels, vocabulary, sample,
    coherence counts, a fingerprint — and the rows the topic solvers fit
    where the blocks are (:meth:`fit_input`, :class:`~topicmf.distributed.rows.ClusterRows`).
    ``X`` is None: the counts are never gathered.
    """

    X = None
    stream = None
    local = False

    def __init__(self, client, blocks, rows, vocabulary, terms, doc_ids, labels, doc_lengths, info, sample, nnz,
                 term_counts, document_frequency, empty):
        self.client, self.blocks, self.rows = client, blocks, rows
        self.vocabulary, self.terms, self.doc_ids, self.labels = vocabulary, terms, doc_ids, labels
        self.doc_lengths, self.info, self.sample, self._nnz = doc_lengths, info, sample, nnz
        self.times = None  # time columns are read on one machine only
        self.term_counts, self.document_frequency, self.empty_docs = term_counts, document_frequency, empty

    @property
    def nnz(self) -> int:
        return self._nnz

    @property
    def n_docs(self) -> int:
        return len(self.doc_ids)

    @property
    def n_terms(self) -> int:
        return len(self.terms)

    @property
    def shape(self) -> tuple[int, int]:
        return self.n_docs, self.n_terms

    def call(self, method: str, *args) -> list:
        return _call(self.blocks, method, *args)

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
        digest = sum(f.result() for f in [b.digest(int(o)) for b, o in zip(self.blocks, offsets)]) % 2**64
        return fingerprint(self.doc_ids, self.terms, self.shape, digest)

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
            xlogx = sum(self.call("xlogx"))
            with np.errstate(divide="ignore", invalid="ignore"):
                plogp = np.where(totals > 0, xlogx / np.where(totals > 0, totals, 1.0) - np.log(np.where(totals > 0, totals, 1.0)), 0.0)
            return 1.0 + plogp / np.log(self.n_docs)
        return None

    def fit_input(self, weighting: str, global_weights) -> ClusterRows:
        """The blocks' rows, weighted, for the topic solvers (:class:`~topicmf.distributed.rows.ClusterRows`)."""
        parts = self.call("prepare", weighting, global_weights)
        stats = {"total": sum(x["total"] for x in parts), "norm2": sum(x["norm2"] for x in parts),
                 "df": np.asarray(self.document_frequency)}
        return ClusterRows(self.blocks, self.shape, self.nnz, stats)

    def close(self) -> None:
        try:
            self.call("close")
        except Exception:  # the cluster may be gone already; its workers' files go with them
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def _split(units: list, n_parts: int) -> list[tuple[int, list]]:
    """Contiguous parts of about equal size, each with the corpus position of its first document."""
    bounds = np.linspace(0, len(units), n_parts + 1).round().astype(int)
    parts, position = [], 0
    for a, b in zip(bounds[:-1], bounds[1:]):
        if b > a:
            parts.append((position, units[a:b]))
            position += sum(0 if isinstance(u, Share) else 1 for u in units[a:b])
    return parts


def _detect(corpus, options):
    return choose_language(corpus, options)


def read_corpus(client, path, options: TextOptions | None = None, progress=None) -> DistributedMatrix:
    """Read and count the corpus at ``path`` on the cluster of ``client``; the counts stay on the workers.

    The corpus must be readable at the same path here and on every worker.
    Count matrices (``.mtx``, UCI, count tables) are not read this way: they
    are one piece, read in one process.
    """
    options = options or TextOptions()
    started = time.perf_counter()
    corpus = open_corpus(path, text_column=options.text_column, id_column=options.id_column,
                         label_column=options.label_column)
    if isinstance(corpus, CountMatrix):
        raise TopicmfError(f"{path} is a count matrix; --dask reads text corpora (run without --dask)")
    language, shares = client.submit(_detect, corpus, options, pure=False).result()  # a worker reads the sample
    say_language(options, language, shares)
    tokenizer = make_tokenizer(options, language, tuple(shares.get("also", ())))
    units = list(corpus.units())
    workers = sorted(client.scheduler_info()["workers"])
    parts = _split(units, len(workers))
    if not parts:
        raise NoDocumentsError(f"No documents in {corpus.path}")
    blocks = [client.submit(Block, i, actor=True, workers=[workers[i % len(workers)]], pure=False).result()
              for i in range(len(parts))]
    futures = [b.read(part, tokenizer, first) for b, (first, part) in zip(blocks, parts)]
    summaries = []
    for n, f in enumerate(futures, 1):
        summaries.append(f.result())
        if progress is not None:
            progress(sum(len(s["ids"]) for s in summaries), None)
    try:
        return _merge(client, blocks, summaries, corpus, options, language, shares, tokenizer, path, started)
    except BaseException:
        _call(blocks, "close")
        raise


def _merge(client, blocks, summaries, corpus, options, language, shares, tokenizer, path, started):
    # ids in corpus order, numbered and checked as one machine does
    tables = corpus.format in ("jsonl", "tsv", "csv")
    if tables:
        numbering = corpus.record_ids()
        doc_ids = [numbering.next(v) for s in summaries for v in s["ids"]]
    else:
        doc_ids = [i for s in summaries for i in s["ids"]]
    labels = [lab for s in summaries for lab in s["labels"]]
    rows = [len(s["ids"]) for s in summaries]
    offsets = np.concatenate([[0], np.cumsum(rows)[:-1]]).astype(np.int64)
    skipped, lines = list(corpus.skipped), 0
    for s in summaries:
        for where, reason in s["skipped"]:
            if tables:  # "FILE:LINE" with the line counted from the part's start
                file, line = where.rsplit(":", 1)
                where = f"{file}:{int(line) + lines}"
            skipped.append((where, reason))
        lines += s["lines"]
    fallbacks = [f for s in summaries for f in s["fallbacks"]]
    say_skipped(corpus, skipped, fallbacks)
    if not doc_ids:
        raise NoDocumentsError(f"No readable documents in {corpus.path}: {len(skipped)} skipped (see the warnings)")
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
    lengths = np.concatenate([np.asarray(s["lengths"], np.int64) for s in summaries])
    even = None
    if uses_corpus_stopwords(options, language):
        even = even_terms(df, totals, lengths)
    keep, report = prune_terms(df, totals, len(doc_ids), min_df=options.min_df, max_df=options.max_df,
                               max_terms=options.max_terms, names=keys, drop=even)
    keep = np.array(sorted(keep.tolist(), key=keys.__getitem__), dtype=np.int64)
    final = np.full(len(keys), -1, np.int64)
    final[keep] = np.arange(keep.size)
    done = [b.finish_columns(final[m], int(keep.size)) for b, m in zip(blocks, maps)]
    done = [f.result() for f in done]
    empty = np.concatenate([d["empty"] + o for d, o in zip(done, offsets)]).astype(np.int64)
    if empty.size:
        examples = ", ".join(doc_ids[i] for i in empty[:3])
        warnings.warn(f"Documents with no terms left after tokenizing and pruning: {empty.size} (e.g. {examples}); "
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
    info = text_info(path, corpus, options, language, shares, tokenizer, lengths.sum(), skipped, fallbacks,
                     cleaning_info(options, cleaning, cleaned, junk))
    info["pruning"] = report
    info["seconds"] = round(time.perf_counter() - started, 3)
    info["workers"] = {"blocks": len(blocks), "rows": rows}
    sample = DocumentSample.merge([(s["sample"][0], np.asarray(s["sample"][1]) + o, s["sample"][2])
                                   for s, o in zip(summaries, offsets)], len(doc_ids))
    return DistributedMatrix(client, blocks, rows, tuple(display[j] for j in keep), tuple(keys[j] for j in keep),
                             tuple(doc_ids), tuple(labels) if corpus.has_labels else None, lengths, info, sample,
                             sum(d["nnz"] for d in done), totals[keep].astype(np.float64), df[keep], empty)
