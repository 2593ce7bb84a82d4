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

import multiprocessing
import os
from array import array
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import islice

import numpy as np
import scipy.sparse as sp

from ..corpus import DocRef, UnreadableFile, load_text
from .clean import empty_stats
from .tokenize import Tokenizer

__all__ = ["CountResult", "count_terms", "default_jobs"]

Progress = Callable[[int, "int | None"], None]

_worker: _WorkerState | None = None  # set in each process by _start_worker


def default_jobs() -> int:
    """Number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


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

    def __init__(self, tokenizer: Tokenizer):
        self.tokenizer = tokenizer
        self.index = _Index()
        self.kept = array("b")  # per column: counts towards document length
        self.junk = array("b")  # per column: dropped as a junk token
        self.sent = 0
        self.name = f"{os.getpid()}:{id(self)}"
        self.keys: set = set()  # terms of the columns so far
        self.repeats = False  # whether two columns share a term (stemming, ё folding)


def _start_worker(tokenizer: Tokenizer) -> None:
    global _worker
    _worker = _WorkerState(tokenizer)


def _count_chunk(refs: list[DocRef]):
    """Load and count one chunk into a CSR block over the worker's columns."""
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
    for ref in refs:
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
        if by_type:
            counts = tokenizer.token_types(text, cleaned=True)
        else:
            counts, n_tokens = tokenizer.count(text, surfaces, cleaned=True, junk=junk)
            lengths.append(n_tokens)
        indices.extend(map(column_of, counts))
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
    )  # fmt: skip


def chunked(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def ordered_map(fn, chunks: Iterator, n_jobs: int, start, args: tuple):
    """Map ``fn`` over chunks in order, yielding (chunk, result), with at most 2·n_jobs chunks in flight.

    Each worker process first runs ``start(*args)``; with one job everything
    runs in this process.
    """
    if n_jobs == 1:
        start(*args)
        for chunk in chunks:
            yield chunk, fn(chunk)
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    pool = ProcessPoolExecutor(n_jobs, mp_context=context, initializer=start, initargs=args)
    pending: deque = deque()
    try:
        for chunk in chunks:
            pending.append((chunk, pool.submit(fn, chunk)))
            if len(pending) >= 2 * n_jobs:
                chunk_done, future = pending.popleft()
                yield chunk_done, future.result()
        while pending:
            chunk_done, future = pending.popleft()
            yield chunk_done, future.result()
    finally:
        # Do not wait for the idle workers to exit: the results are all in.
        pool.shutdown(wait=False, cancel_futures=True)


def count_terms(
    refs: Iterable[DocRef],
    tokenizer: Tokenizer,
    *,
    n_jobs: int | None = None,
    n_docs_hint: int | None = None,
    progress: Progress | None = None,
) -> CountResult:
    """Count the terms of every document in ``refs``.

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
    """
    n_jobs = default_jobs() if n_jobs is None or n_jobs <= 0 else n_jobs
    if n_docs_hint is not None:
        chunk_size = int(np.clip(n_docs_hint // (n_jobs * 20), 16, 1000))
        if n_docs_hint <= 2 * chunk_size:
            n_jobs = 1  # not worth starting processes
    else:
        chunk_size = 500
    track = tokenizer.stem is not None
    vocab = _Index()
    vocab[None]  # number 0: dropped tokens (stopwords, numbers): column -1 after the shift below
    workers: dict[str, dict] = {}  # per worker: its column -> global term, keys and surfaces
    parts_indptr, parts_indices, parts_data = [], [], []
    ids, labels, lengths, skipped, fallbacks = [], [], [], [], []
    surfaces: Counter = Counter()
    nnz = 0
    seen = 0
    repeats = False
    cleaning = empty_stats()
    cleaned_docs = 0
    junk: Counter = Counter()
    for chunk, result in ordered_map(_count_chunk, chunked(refs, chunk_size), n_jobs, _start_worker, (tokenizer,)):
        name, new_keys, new_surfaces, indptr, indices, data = result[:6]
        c_lengths, c_skipped, c_fallbacks, c_surfaces, c_repeats, c_stats, c_changed, c_junk = result[6:]
        cleaning += c_stats
        cleaned_docs += c_changed
        junk.update(c_junk)
        if c_skipped:
            gone = {doc_id for doc_id, _ in c_skipped}
            chunk = [ref for ref in chunk if ref.doc_id not in gone]
        c_ids = [ref.doc_id for ref in chunk]
        c_labels = [ref.label for ref in chunk]
        repeats = repeats or c_repeats
        w = workers.setdefault(name, {"map": np.empty(0, np.int64), "keys": [], "surfaces": []})
        fresh = list(dict.fromkeys(k for k in new_keys if k not in vocab))
        vocab.update(zip(fresh, range(len(vocab.order), len(vocab.order) + len(fresh))))
        vocab.order += fresh
        added = np.fromiter(map(vocab.__getitem__, new_keys), np.int64, len(new_keys)) - 1
        w["map"] = np.concatenate([w["map"], added])
        cols = w["map"][indices]
        if track and new_surfaces is not None:
            w["keys"] += new_keys
            w["surfaces"] += new_surfaces
            used, inverse = np.unique(indices, return_inverse=True)
            totals = np.bincount(inverse, weights=data)
            for j, total in zip(used.tolist(), totals.tolist()):
                if w["keys"][j] is not None:
                    surfaces[w["keys"][j], w["surfaces"][j]] += int(total)
        elif c_surfaces:
            surfaces.update(c_surfaces)
        if len(cols) and cols.min() < 0:  # drop stopwords and numbers
            kept = cols >= 0
            row_of = np.repeat(np.arange(len(c_ids)), np.diff(indptr))
            indptr = np.concatenate([[0], np.cumsum(np.bincount(row_of[kept], minlength=len(c_ids)))])
            cols, data = cols[kept], data[kept]
        parts_indptr.append(indptr[1:] + nnz)
        parts_indices.append(cols)
        parts_data.append(data)
        nnz += len(cols)
        ids += c_ids
        labels += c_labels
        lengths.append(c_lengths)
        skipped += c_skipped
        fallbacks += c_fallbacks
        seen += len(c_ids) + len(c_skipped)
        if progress is not None:
            progress(seen, n_docs_hint)
    del vocab[None]
    keys = vocab.order[1:]
    indptr = np.concatenate([[0], *parts_indptr]).astype(np.int64)
    indices = np.concatenate(parts_indices) if parts_indices else np.empty(0, np.int64)
    data = np.concatenate(parts_data) if parts_data else np.empty(0, np.int64)
    dtype = np.int32 if data.size == 0 or data.max() <= np.iinfo(np.int32).max else np.int64
    index_dtype = np.int32 if max(len(keys), indices.size) < 2**31 else np.int64
    X = sp.csr_matrix(
        (data.astype(dtype), indices.astype(index_dtype), indptr.astype(index_dtype)),
        shape=(len(ids), len(keys)),
    )
    if repeats:
        X.sum_duplicates()  # several word forms of a document became one term (stemming, ё)
    return CountResult(
        X, keys, ids, labels,
        np.concatenate(lengths) if lengths else np.empty(0, np.int64),
        _best_surfaces(surfaces) if track else None,
        skipped, fallbacks, cleaning, cleaned_docs, junk,
    )  # fmt: skip


def _best_surfaces(surfaces: Counter) -> dict[str, str]:
    """For each key, its most frequent surface form (ties: alphabetically first)."""
    best: dict[str, tuple[int, str]] = {}
    for (key, word), count in surfaces.items():
        current = best.get(key)
        if current is None or count > current[0] or (count == current[0] and word < current[1]):
            best[key] = (count, word)
    return {key: word for key, (_, word) in best.items()}
