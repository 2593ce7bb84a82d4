"""The main process's side of counting: worker results merged into one matrix, stream and sample, in order."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..corpus import DocRef, RecordIds, Share
from .clean import empty_stats
from .stream import DocumentSample, SampleBuilder, StreamWriter, TokenStream

__all__ = ["Merger", "CountResult", "Index", "best_surfaces"]


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
    surface_counts: Counter | None = None  # (key, surface form) -> tokens (stemming only), for merging parts
    lines: int = 0  # lines of a table read from shares
    times: list | None = None  # each document's raw time value (a table with a time column)


class Index(dict):
    """A dict that numbers new keys in order of arrival and remembers the order."""

    def __init__(self):
        super().__init__()
        self.order: list = []

    def __missing__(self, key):
        value = self[key] = len(self.order)
        self.order.append(key)
        return value


_MAP_STEP = 1 << 20  # tokens mapped to global ids at a time (8 MB of int64)


class Merger:
    """The main process's side of counting: worker columns to global term ids, in corpus order."""

    def __init__(self, track: bool, sample_size: int, keep_stream: bool, record_ids: RecordIds | None):
        self.record_ids = record_ids
        self.lines = 0  # lines of the table read so far, from shares
        self.track = track
        self.vocab = Index()
        self.vocab[None]  # number 0: dropped tokens (stopwords, numbers): column -1 after the shift below
        self.workers: dict[str, dict] = {}  # per worker: its column -> global term, keys and surfaces
        self.parts_indptr, self.parts_indices, self.parts_data = [], [], []
        self.ids, self.labels, self.lengths, self.skipped, self.fallbacks = [], [], [], [], []
        self.times: list = []
        self.surfaces: Counter = Counter()
        self.nnz = self.seen = self.rows = 0
        self.repeats = False
        self.cleaning = empty_stats()
        self.cleaned_docs = 0
        self.junk: Counter = Counter()
        self.sample = SampleBuilder(sample_size)
        self.stream = StreamWriter() if keep_stream else None

    def add(self, item: list[DocRef] | Share, result) -> None:
        name, new_keys, new_surfaces, indptr, indices, data = result[:6]
        c_lengths, c_skipped, c_fallbacks, c_surfaces, c_repeats, c_stats, c_changed, c_junk = result[6:14]
        sequence, excerpts, records = result[14:]
        if records is not None:  # a share: its records' ids, in order, and its bad lines
            values, labels, bad_lines, n_lines, times = records
            chunk = [DocRef(self.record_ids.next(v), label, None, None, when)
                     for v, label, when in zip(values, labels, times)]
            offset = self.lines + (1 if item.header is not None else 0)  # a TSV's header is line 1
            c_skipped = [(f"{item.path}:{offset + number}", reason) for number, reason in bad_lines]
            self.lines += n_lines
            self.seen += len(c_skipped)
        else:
            chunk = item
        self.cleaning += c_stats
        self.cleaned_docs += c_changed
        self.junk.update(c_junk)
        if c_skipped and records is None:
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
        if self.stream is not None:  # the kept tokens, as global ids; a long document's a few million at a time
            for at in range(0, len(sequence), _MAP_STEP):
                tokens = w["map"][sequence[at : at + _MAP_STEP]]
                self.stream.append(tokens[tokens >= 0])
        for row, h, text in excerpts:
            self.sample.offer(h, self.rows + row, text)
        self.ids += [ref.doc_id for ref in chunk]
        self.labels += [ref.label for ref in chunk]
        self.times += [ref.time for ref in chunk]
        self.lengths.append(c_lengths)
        self.skipped += c_skipped
        self.fallbacks += c_fallbacks
        self.rows += len(chunk)
        self.seen += len(chunk) + (len(c_skipped) if records is None else 0)

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
            best_surfaces(self.surfaces) if self.track else None,
            self.skipped, self.fallbacks, self.cleaning, self.cleaned_docs, self.junk,
            None if self.stream is None else self.stream.finish(keys, lengths), self.sample.finish(len(self.ids)),
            self.surfaces if self.track else None, self.lines,
            self.times,
        )


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


def best_surfaces(surfaces: Counter) -> dict[str, str]:
    """For each key, its most frequent surface form (ties: alphabetically first)."""
    best: dict[str, tuple[int, str]] = {}
    for (key, word), count in surfaces.items():
        current = best.get(key)
        if current is None or count > current[0] or (count == current[0] and word < current[1]):
            best[key] = (count, word)
    return {key: word for key, (_, word) in best.items()}
