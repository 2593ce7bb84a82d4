"""Counting terms over a stream of documents, in parallel, into one sparse matrix.

Documents are cut into chunks; each chunk is loaded and tokenized by a worker
process into a small CSR block over the worker's own column numbering, and
the main process maps those columns to global term ids as the blocks arrive,
in corpus order.  Global ids follow the order of first appearance in the
corpus, which does not depend on the number of workers or the chunk size;
the vocabulary is sorted once it is pruned (:mod:`topicmf.text.build`).
Memory holds the matrix, never the raw texts of more than the chunks in
flight.
"""

from __future__ import annotations

import os
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..corpus import DocRef, UnreadableFile, load_text
from .clean import empty_stats
from .parallel import chunked, default_jobs, ordered_map
from .stream import SAMPLE_DOCS, DocumentSample, SampleBuilder, StreamWriter, TokenStream, excerpt, position_hash
from .tokenize import Tokenizer

__all__ = ["CountResult", "count_terms", "default_jobs"]

Progress = Callable[[int, "int | None"], None]

_worker: _WorkerState | None = None  # set in each process by _start_worker


@dataclass
class CountResult:
    """Raw counts before pruning.

    Columns follow ``keys``, in order of first appearance in the corpus
    (which does not depend on ``n_jobs``); indices within a row are unsorted.
    """

    X: sp.csr_matrix
    keys: list[str]
    doc_ids: list[str]
    labels: list[str | None]
    doc_lengths: np.ndarray
    surfaces: dict[str, str] | None  # key -> most frequent surface form (stemming only)
    skipped: list[tuple[str, str]]
    fallbacks: list[tuple[str, str]]  # (doc id, encoding)
    cleaning: np.ndarray  # what the cleaner removed: rows TEXT_RULES, columns documents, lines, characters
    cleaned_docs: int  # documents the cleaner changed
    junk: Counter  # raw token -> tokens dropped as junk
    stream: TokenStream | None  # every document's kept tokens in order, as ids into keys
    sample: DocumentSample  # the documents the report can show, with excerpts


class _Index(dict):
    """A dict that numbers new keys in order of arrival and remembers the order."""

    def __init__(self):
        super().__init__()
        self.order: list = []

    def __missing__(self, key):
        value = self[key] = len(self.order)
        self.order.append(key)
        return value


class _WorkerState:
    """A worker's tokenizer and its column numbering, kept across chunks.

    Columns are raw token types (or terms, with n-grams), numbered in order of
    first sight.  Each result describes only the columns new since the
    previous one, so every type is resolved and sent once per worker.  A
    worker takes chunks in submission order and the main process reads
    results in that order, so the descriptions arrive in sequence.
    """

    def __init__(self, tokenizer: Tokenizer, keep_stream: bool = True):
        self.tokenizer = tokenizer
        self.keep_stream = keep_stream
        self.index = _Index()
        self.kept = array("b")  # per column: counts towards document length
        self.junk = array("b")  # per column: dropped as a junk token
        self.sent = 0
        self.name = f"{os.getpid()}:{id(self)}"
        self.keys: set = set()  # terms of the columns so far
        self.repeats = False  # whether two columns share a term (stemming, ё folding)


def _start_worker(tokenizer: Tokenizer, keep_stream: bool) -> None:
    global _worker
    _worker = _WorkerState(tokenizer, keep_stream)


def _count_chunk(job: tuple[int, list[DocRef], int]):
    """Load and count one chunk into a CSR block over the worker's columns.

    ``job`` is (position of the chunk's first document in the corpus, the
    documents, the sample threshold when the chunk was sent): documents
    whose position hash is below the threshold send an excerpt.  Besides
    the counts, every document's tokens come back in order as worker columns
    (with n-grams: only the unigram keys), for the token stream.
    """
    first, refs, threshold = job
    hashes = position_hash(np.arange(first, first + len(refs))).tolist()
    excerpts = []
    sequence = array("i")
    keys_in_order: list = []
    state = _worker
    tokenizer = state.tokenizer
    by_type = tokenizer.ngrams == 1
    column_of = state.index.__getitem__
    indptr = [0]
    indices: list[int] = []
    data: list[int] = []
    skipped, fallbacks = [], []
    n_docs = 0
    lengths = array("q")
    surfaces = Counter() if tokenizer.stem is not None and not by_type else None
    cleaner = tokenizer.cleaner
    stats = empty_stats()
    changed = 0
    junk: Counter = Counter()
    for ref, h in zip(refs, hashes):
        try:
            text, encoding = load_text(ref)
        except UnreadableFile as exc:
            skipped.append((ref.doc_id, str(exc)))
            continue
        if encoding:
            fallbacks.append((ref.doc_id, encoding))
        if cleaner is not None:
            text, was_changed = cleaner.clean(text, stats)
            changed += was_changed
        if h < threshold:
            excerpts.append((n_docs, h, excerpt(text)))
        if by_type:
            found = tokenizer.raw_tokens(text, cleaned=True)
            counts = Counter(found)
        else:
            counts, n_tokens = tokenizer.count(text, surfaces, cleaned=True, junk=junk, sequence=keys_in_order)
            lengths.append(n_tokens)
        indices.extend(map(column_of, counts))
        if not state.keep_stream:
            keys_in_order.clear()
        elif by_type:
            sequence.extend(map(column_of, found))
        else:
            sequence.extend(map(column_of, keys_in_order))
            keys_in_order.clear()
        data.extend(counts.values())
        indptr.append(len(indices))
        n_docs += 1
    new = state.index.order[state.sent :]
    state.sent = len(state.index.order)
    if by_type:
        entries = tokenizer.resolve_all(new)
        new_keys = [e[0] if e else None for e in entries]
        new_surfaces = [e[1] if e else None for e in entries]
        state.kept.extend(e is not None for e in entries)
        if tokenizer.junk:
            dropped = tokenizer._parts()["junk"]
            state.junk.extend(raw in dropped for raw in new)
    else:
        new_keys, new_surfaces = new, None
    fresh = {k for k in new_keys if k is not None}
    shared = len(fresh) < len(new_keys) - new_keys.count(None) or not fresh.isdisjoint(state.keys)
    state.repeats = state.repeats or shared
    state.keys |= fresh
    # int32 halves what travels back through the pipe (ids and counts of one chunk fit easily)
    indptr_a = np.array(indptr, np.int64)
    indices_a = np.array(indices, np.int32)
    data_a = np.array(data, np.int64)
    if data_a.size and data_a.max() <= np.iinfo(np.int32).max:
        data_a = data_a.astype(np.int32)
    if by_type:
        kept = np.frombuffer(state.kept, np.int8)
        row_of = np.repeat(np.arange(n_docs), np.diff(indptr_a))
        weights = data_a * kept[indices_a] if len(data_a) else None
        lengths_a = np.bincount(row_of, weights=weights, minlength=n_docs).astype(np.int64)
        if tokenizer.junk and len(data_a):
            mask = np.frombuffer(state.junk, np.int8)[indices_a].astype(bool)
            if mask.any():
                order = state.index.order
                for col, c in zip(indices_a[mask].tolist(), data_a[mask].tolist()):
                    junk[order[col]] += c
    else:
        lengths_a = np.frombuffer(lengths, np.int64)
    return (
        state.name, new_keys, new_surfaces, indptr_a, indices_a, data_a,
        lengths_a, skipped, fallbacks, surfaces, state.repeats, stats, changed, junk,
        np.frombuffer(sequence, np.int32), excerpts,
    )  # fmt: skip


def _jobs(refs: Iterable, size: int, sample: SampleBuilder) -> Iterator[tuple[int, list, int]]:
    """Chunks with their first position and the sample threshold at the moment each is sent."""
    position = 0
    for chunk in chunked(refs, size):
        yield position, chunk, sample.threshold
        position += len(chunk)


def count_terms(
    refs: Iterable[DocRef],
    tokenizer: Tokenizer,
    *,
    n_jobs: int | None = None,
    n_docs_hint: int | None = None,
    progress: Progress | None = None,
    sample_size: int = SAMPLE_DOCS,
    keep_stream: bool = True,
) -> CountResult:
    """Count the terms of every document in ``refs``, keeping its token stream and a sample of excerpts.

    Parameters
    ----------
    refs : iterable of DocRef
        Documents in corpus order; files are read by the workers.
    tokenizer : Tokenizer
    n_jobs : int or None
        Worker processes; None uses every available core.  The result is
        identical for any value.
    n_docs_hint : int or None
        Expected number of documents, for chunk sizing and progress.
    progress : callable(done, total) or None
        Called after each chunk with documents seen so far.
    sample_size : int
        Documents of which an excerpt is kept (see :mod:`topicmf.text.stream`).
    keep_stream : bool
        Keep every document's tokens in order (the result's ``stream``,
        None otherwise).
    """
    n_jobs = default_jobs() if n_jobs is None or n_jobs <= 0 else n_jobs
    if n_docs_hint is not None:
        chunk_size = int(np.clip(n_docs_hint // (n_jobs * 20), 16, 1000))
        if n_docs_hint <= 2 * chunk_size:
            n_jobs = 1  # not worth starting processes
    else:
        chunk_size = 500
    merger = _Merger(tokenizer.stem is not None, sample_size, keep_stream)
    try:
        for job, result in ordered_map(_count_chunk, _jobs(refs, chunk_size, merger.sample), n_jobs, _start_worker,
                                       (tokenizer, keep_stream)):  # fmt: skip
            merger.add(job[1], result)
            if progress is not None:
                progress(merger.seen, n_docs_hint)
        return merger.result()
    finally:
        if merger.stream is not None:
            merger.stream.abort()  # a no-op once the stream is finished


class _Merger:
    """The main process's side of counting: worker columns to global term ids, in corpus order."""

    def __init__(self, track: bool, sample_size: int, keep_stream: bool):
        self.track = track
        self.vocab = _Index()
        self.vocab[None]  # number 0: dropped tokens (stopwords, numbers): column -1 after the shift below
        self.workers: dict[str, dict] = {}  # per worker: its column -> global term, keys and surfaces
        self.parts_indptr, self.parts_indices, self.parts_data = [], [], []
        self.ids, self.labels, self.lengths, self.skipped, self.fallbacks = [], [], [], [], []
        self.surfaces: Counter = Counter()
        self.nnz = self.seen = self.rows = 0
        self.repeats = False
        self.cleaning = empty_stats()
        self.cleaned_docs = 0
        self.junk: Counter = Counter()
        self.sample = SampleBuilder(sample_size)
        self.stream = StreamWriter() if keep_stream else None

    def add(self, chunk: list[DocRef], result) -> None:
        name, new_keys, new_surfaces, indptr, indices, data = result[:6]
        c_lengths, c_skipped, c_fallbacks, c_surfaces, c_repeats, c_stats, c_changed, c_junk = result[6:14]
        sequence, excerpts = result[14:]
        self.cleaning += c_stats
        self.cleaned_docs += c_changed
        self.junk.update(c_junk)
        if c_skipped:
            gone = {doc_id for doc_id, _ in c_skipped}
            chunk = [ref for ref in chunk if ref.doc_id not in gone]
        self.repeats = self.repeats or c_repeats
        vocab = self.vocab
        w = self.workers.setdefault(name, {"map": np.empty(0, np.int64), "keys": [], "surfaces": []})
        fresh = list(dict.fromkeys(k for k in new_keys if k not in vocab))
        vocab.update(zip(fresh, range(len(vocab.order), len(vocab.order) + len(fresh))))
        vocab.order += fresh
        added = np.fromiter(map(vocab.__getitem__, new_keys), np.int64, len(new_keys)) - 1
        w["map"] = np.concatenate([w["map"], added])
        cols = w["map"][indices]
        if self.track and new_surfaces is not None:
            w["keys"] += new_keys
            w["surfaces"] += new_surfaces
            used, inverse = np.unique(indices, return_inverse=True)
            totals = np.bincount(inverse, weights=data)
            for j, total in zip(used.tolist(), totals.tolist()):
                if w["keys"][j] is not None:
                    self.surfaces[w["keys"][j], w["surfaces"][j]] += int(total)
        elif c_surfaces:
            self.surfaces.update(c_surfaces)
        if len(cols) and cols.min() < 0:  # drop stopwords and numbers
            kept = cols >= 0
            row_of = np.repeat(np.arange(len(chunk)), np.diff(indptr))
            indptr = np.concatenate([[0], np.cumsum(np.bincount(row_of[kept], minlength=len(chunk)))])
            cols, data = cols[kept], data[kept]
        self.parts_indptr.append(indptr[1:] + self.nnz)
        self.parts_indices.append(cols.astype(np.int32) if len(vocab.order) < 2**31 else cols)
        self.parts_data.append(data)
        self.nnz += len(cols)
        if self.stream is not None:
            tokens = w["map"][sequence]
            self.stream.append(tokens[tokens >= 0])  # the kept tokens, as global ids
        for row, h, text in excerpts:
            self.sample.offer(h, self.rows + row, text)
        self.ids += [ref.doc_id for ref in chunk]
        self.labels += [ref.label for ref in chunk]
        self.lengths.append(c_lengths)
        self.skipped += c_skipped
        self.fallbacks += c_fallbacks
        self.rows += len(chunk)
        self.seen += len(chunk) + len(c_skipped)

    def result(self) -> CountResult:
        del self.vocab[None]
        keys = self.vocab.order[1:]
        X = _concatenate(self.parts_indptr, self.parts_indices, self.parts_data, len(self.ids), len(keys))
        self.parts_indptr = self.parts_indices = self.parts_data = []
        if self.repeats:
            X.sum_duplicates()  # several word forms of a document became one term (stemming, ё)
        lengths = np.concatenate(self.lengths) if self.lengths else np.empty(0, np.int64)
        return CountResult(
            X, keys, self.ids, self.labels, lengths,
            _best_surfaces(self.surfaces) if self.track else None,
            self.skipped, self.fallbacks, self.cleaning, self.cleaned_docs, self.junk,
            None if self.stream is None else self.stream.finish(keys, lengths), self.sample.finish(len(self.ids)),
        )  # fmt: skip


def _concatenate(parts_indptr, parts_indices, parts_data, n_rows: int, n_cols: int) -> sp.csr_matrix:
    """One CSR matrix from the chunks' parts, each part freed as soon as it is copied (peak ≈ 1× the matrix)."""
    nnz = sum(len(p) for p in parts_indices)
    big_data = any(p.size and p.max() > np.iinfo(np.int32).max for p in parts_data)
    index_dtype = np.int32 if max(n_cols, nnz) < 2**31 else np.int64
    indices = np.empty(nnz, index_dtype)
    data = np.empty(nnz, np.int64 if big_data else np.int32)
    indptr = np.zeros(n_rows + 1, index_dtype)
    at = row = 0
    for parts in (parts_indices, parts_data, parts_indptr):
        parts.reverse()  # consumed from the end
    while parts_indices:
        part_indices, part_data, part_indptr = parts_indices.pop(), parts_data.pop(), parts_indptr.pop()
        indices[at : at + len(part_indices)] = part_indices
        data[at : at + len(part_data)] = part_data
        indptr[row + 1 : row + 1 + len(part_indptr)] = part_indptr
        at += len(part_indices)
        row += len(part_indptr)
    return sp.csr_matrix((data, indices, indptr), shape=(n_rows, n_cols), copy=False)


def _best_surfaces(surfaces: Counter) -> dict[str, str]:
    """For each key, its most frequent surface form (ties: alphabetically first)."""
    best: dict[str, tuple[int, str]] = {}
    for (key, word), count in surfaces.items():
        current = best.get(key)
        if current is None or count > current[0] or (count == current[0] and word < current[1]):
            best[key] = (count, word)
    return {key: word for key, (_, word) in best.items()}
