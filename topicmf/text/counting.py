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
from contextlib import closing

import numpy as np

from ..resources import Watch
from ..corpus import DEFAULT_LIMITS, DocRef, ReadLimits, RecordIds, Share, UnreadableFile, load_text, read_share
from ..corpus.decoding import LongText
from .clean import empty_stats
from .parallel import default_jobs, ordered_map
from .merge import CountResult, Index, Merger
from . import stream
from .stream import SampleBuilder, excerpt, position_hash
from .tokenize import Tokenizer

__all__ = ["CountResult", "count_terms", "default_jobs"]

Progress = Callable[[int, "int | None"], None]

_worker: _WorkerState | None = None  # set in each process by _start_worker


class _WorkerState:
    """A worker's tokenizer and its column numbering, kept across chunks.

    Columns are raw token types (or terms, with n-grams), numbered in order of
    first sight.  Each result describes only the columns new since the
    previous one, so every type is resolved and sent once per worker.  A
    worker takes chunks in submission order and the main process reads
    results in that order, so the descriptions arrive in sequence.
    """

    def __init__(self, tokenizer: Tokenizer, keep_stream: bool = True, limits: ReadLimits = DEFAULT_LIMITS):
        self.tokenizer = tokenizer
        self.keep_stream = keep_stream
        self.limits = limits
        self.index = Index()
        self.kept = array("b")  # per column: counts towards document length
        self.junk = array("b")  # per column: dropped as a junk token
        self.sent = 0
        self.name = f"{os.getpid()}:{id(self)}"
        self.keys: set = set()  # terms of the columns so far
        self.repeats = False  # whether two columns share a term (stemming, ё folding)


def _start_worker(tokenizer: Tokenizer, keep_stream: bool, limits: ReadLimits = DEFAULT_LIMITS) -> None:
    global _worker
    _worker = _WorkerState(tokenizer, keep_stream, limits)


def _count_chunk(job: tuple[int, list[DocRef] | Share, int]):
    """Load and count one chunk into a CSR block over the worker's columns.

    ``job`` is (the number its documents' sampling hashes start from, the
    documents or a share of a table to read here, the sample threshold when
    the chunk was sent): documents whose hash is below the threshold send an
    excerpt.  Besides the counts, every document's tokens come back in order
    as worker columns (with n-grams: only the unigram keys), for the token
    stream; a share also sends its records' id values, labels and bad lines.
    """
    base, item, threshold = job
    records = None
    if isinstance(item, Share):
        rows, bad_lines, n_lines = read_share(item)
        refs = [DocRef(None, label, None, text) for _, label, text, _ in rows]
        records = ([r[0] for r in rows], [r[1] for r in rows], bad_lines, n_lines, [r[3] for r in rows])
    else:
        refs = item
    hashes = position_hash(np.arange(base, base + len(refs))).tolist()
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
    limits = state.limits
    for ref, h in zip(refs, hashes):
        try:
            text, encoding = load_text(ref, limits)
        except UnreadableFile as exc:
            skipped.append((ref.doc_id, str(exc)))
            continue
        if encoding:
            fallbacks.append((ref.doc_id, encoding))
        if len(text) > PIECE_CHARS:  # a long document (or a large file, unread yet): a piece at a time
            counts, n_tokens, was_changed = _count_pieces(text, tokenizer, stats, surfaces, junk, sequence,
                                                          column_of, excerpts if h < threshold else None, n_docs, h)
            del text
            pending = ()  # its tokens are in the sequence already
        else:
            was_changed = False
            if cleaner is not None:
                text, was_changed = cleaner.clean(text, stats)
            if h < threshold:
                excerpts.append((n_docs, h, excerpt(text)))
            if by_type:
                pending = tokenizer.without_foreign(tokenizer.raw_tokens(text, cleaned=True))
                counts = Counter(pending)
            else:
                counts, n_tokens = tokenizer.count(text, surfaces, cleaned=True, junk=junk, sequence=keys_in_order)
                pending = keys_in_order
        changed += was_changed
        if not by_type:
            lengths.append(n_tokens)
        indices.extend(map(column_of, counts))
        if state.keep_stream:  # the document's tokens in order, numbered after its counts' columns
            sequence.extend(map(column_of, pending))
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
        np.frombuffer(sequence, np.int32), excerpts, records,
    )


#: Characters of a document cleaned and tokenized at a time: a longer one is cut into pieces at line
#: ends (or spaces), so a document of hundreds of megabytes costs its text (a plain file over 8 MB, not
#: even that: it is read a piece at a time), its token ids (4 bytes a token, for the token stream) and its
#: vocabulary, never a token list of the whole (about 13 times its size).  Pairs of words (--ngrams 2) do
#: not cross line ends, so a cut there loses none (tested); a line longer than a piece is cut at a space,
#: and the pair across it is lost.  The cleaning rules see each piece as a document (a header block is
#: looked for at the top of each).
PIECE_CHARS = 1 << 20


def text_pieces(text, size: int = PIECE_CHARS) -> Iterator[str]:
    """``text`` in pieces of at most ``size`` characters, cut after a line end, else after a space (a large file's
    :class:`~topicmf.corpus.decoding.LongText` is read from the file a piece at a time)."""
    if isinstance(text, LongText):
        yield from text.pieces(size)
        return
    start, n = 0, len(text)
    while start < n:
        end = min(n, start + size)
        if end < n:
            cut = text.rfind("\n", start, end)
            if cut <= start:
                cut = text.rfind(" ", start, end)
            if cut > start:
                end = cut + 1
        yield text[start:end]
        start = end


def _count_pieces(text, tokenizer, stats, surfaces, junk, sequence, column_of, excerpts, row, h):
    """(counts, kept tokens, whether cleaning changed it) of a long document, a piece at a time; its tokens
    are added to ``sequence`` as worker columns, and its excerpt to ``excerpts`` (unless None)."""
    cleaner = tokenizer.cleaner
    by_type = tokenizer.ngrams == 1
    keep = _worker.keep_stream
    counts: Counter = Counter()
    n_tokens, changed, keys = 0, False, []
    for piece in text_pieces(text):
        if cleaner is not None:
            piece, was_changed = cleaner.clean(piece, stats)
            changed = changed or was_changed
        if excerpts is not None:
            excerpts.append((row, h, excerpt(piece)))
            excerpts = None
        if by_type:
            found = tokenizer.raw_tokens(piece, cleaned=True)
            counts.update(found)
            if keep:
                sequence.extend(map(column_of, found))
        else:
            piece_counts, n = tokenizer.count(piece, surfaces, cleaned=True, junk=junk, sequence=keys)
            counts.update(piece_counts)
            n_tokens += n
            if keep:
                sequence.extend(map(column_of, keys))
            keys.clear()
    return counts, n_tokens, changed


def _jobs(units: Iterable, size: int, sample: SampleBuilder, position: int = 0) -> Iterator[tuple[int, list | Share, int]]:
    """Chunks of ``size`` documents, or shares as they come, with their hash base and the sample threshold now.

    A chunk's documents hash from their position in the corpus (the first
    unit's is ``position``); a share's records from its byte offset (shifted
    past any position) and their number in the share, known before anything
    is read.
    """
    pending: list = []
    for unit in units:
        if isinstance(unit, Share):
            if pending:
                yield position, pending, sample.threshold
                position += len(pending)
                pending = []
            yield (unit.start + 1) << 24, unit, sample.threshold
            continue
        pending.append(unit)
        if len(pending) == size:
            yield position, pending, sample.threshold
            position += len(pending)
            pending = []
    if pending:
        yield position, pending, sample.threshold


def count_terms(
    units: Iterable[DocRef | Share],
    tokenizer: Tokenizer,
    *,
    record_ids: RecordIds | None = None,
    n_jobs: int | None = None,
    n_docs_hint: int | None = None,
    progress: Progress | None = None,
    sample_size: int | None = None,
    keep_stream: bool = True,
    meanwhile=None,
    first_position: int = 0,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> CountResult:
    """Count the terms of every document in ``refs``, keeping its token stream and a sample of excerpts.

    Parameters
    ----------
    units : iterable of DocRef or Share
        Documents in corpus order, or shares of a table
        (:meth:`topicmf.corpus.TextCorpus.units`); files and shares are read
        by the workers.
    tokenizer : Tokenizer
    record_ids : RecordIds or None
        Gives the records of shares their ids (needed with shares).
    n_jobs : int or None
        Worker processes; None uses every available core.  The result is
        identical for any value.
    n_docs_hint : int or None
        Expected number of documents, for chunk sizing and progress.
    progress : callable(done, total) or None
        Called after each chunk with documents seen so far.
    sample_size : int or None
        Documents of which an excerpt is kept (default
        :data:`topicmf.text.stream.SAMPLE_DOCS`).
    keep_stream : bool
        Keep every document's tokens in order (the result's ``stream``,
        None otherwise).
    meanwhile : callable or None
        Run in a background thread while the workers read (see
        :func:`~topicmf.text.parallel.ordered_map`).
    first_position : int
        Position in the corpus of the first document of ``units`` (when they
        are a part of it), so that sampling hashes are those of the whole.
    limits : ReadLimits
        What one document may cost to read (:mod:`topicmf.corpus.limits`); a
        document past them is skipped with the reason.
    """
    n_jobs = default_jobs() if n_jobs is None or n_jobs <= 0 else n_jobs
    if n_docs_hint is not None:
        chunk_size = int(np.clip(n_docs_hint // (n_jobs * 20), 16, 1000))
        if n_docs_hint <= 2 * chunk_size:
            n_jobs = 1  # not worth starting processes
    else:
        chunk_size = 500
    merger = Merger(tokenizer.stem is not None, stream.SAMPLE_DOCS if sample_size is None else sample_size,
                    keep_stream, record_ids)
    watch = Watch("Reading the corpus", "Keep fewer terms (--min-df 5, --max-terms 100000), or read it on a cluster "
                  "(--dask).")
    results = ordered_map(_count_chunk, _jobs(units, chunk_size, merger.sample, first_position), n_jobs,
                          _start_worker, (tokenizer, keep_stream, limits), meanwhile)
    try:
        with closing(results):  # the workers stop here, however the loop ends, not when the generator is collected
            for job, result in results:
                merger.add(job[1], result)
                watch(merger.seen)
                if progress is not None:
                    progress(merger.seen, n_docs_hint)
        return merger.result()
    finally:
        if merger.stream is not None:
            merger.stream.abort()  # a no-op once the stream is finished
