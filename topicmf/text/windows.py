"""Word co-occurrence in sliding windows over the documents' token sequences.

Coherence measures such as NPMI and C_V estimate word probabilities from
"virtual documents": windows of w consecutive tokens (stride 1) of each
document's token sequence; a document shorter than w is one window, an
empty document counts as one (empty) window.  Counts are of windows
containing a word, or both words of a pair.

The counts follow gensim's ``WordOccurrenceAccumulator`` exactly, including
its one shortcut: when the window slides, the word leaving at the left edge
is marked absent even if it occurs again inside the window, and stays absent
until it re-enters at the right edge.  Matching it makes the coherence scores
equal to gensim's; the difference from exact counts is small on real text.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from .stream import TokenStream

__all__ = ["WindowCounts", "window_counts", "stream_window_counts"]


@dataclass(frozen=True, eq=False)
class WindowCounts:
    """Window counts of a few words.

    Attributes
    ----------
    words : tuple of str
        The term keys counted, in the order of the arrays.
    window : int
    n_windows : int
        Number of windows ("virtual documents") in the corpus.
    occurrences : ndarray of shape (n_words,)
        Windows containing each word.
    cooccurrences : ndarray of shape (n_words, n_words)
        Windows containing both words; the diagonal equals ``occurrences``.
    """

    words: tuple
    window: int
    n_windows: int
    occurrences: np.ndarray
    cooccurrences: np.ndarray


@numba.njit(cache=True, nogil=True)
def _count(ids, offsets, lookup, first, last, n_words, window, occ, co):  # pragma: no cover - compiled
    """Accumulate window counts of documents first..last-1; returns windows seen.

    A token with id t counts as word ``lookup[t]`` (``n_words`` marks other tokens).
    """
    present = np.zeros(n_words + 1, np.bool_)
    members = np.empty(n_words, np.int64)
    slot = np.full(n_words, -1, np.int64)
    n_windows = 0
    for d in range(first, last):
        a, b = offsets[d], offsets[d + 1]
        n_windows += 1
        if b == a:
            continue
        for m in range(n_words + 1):
            present[m] = False
        for m in range(n_words):
            slot[m] = -1
        size = 0
        for t in range(a, min(b, a + window)):
            size = _enter(lookup[ids[t]], present, slot, members, size, n_words)
        start = a
        while True:
            for p in range(size):
                u = members[p]
                occ[u] += 1
                for q in range(p + 1, size):
                    v = members[q]
                    if u < v:
                        co[u, v] += 1
                    else:
                        co[v, u] += 1
            if start + window >= b:
                break
            n_windows += 1
            # gensim's slide: the left-edge word is marked absent, then the entering word present
            leaving = lookup[ids[start]]
            if present[leaving]:
                present[leaving] = False
                if leaving < n_words:
                    p = slot[leaving]
                    size -= 1
                    last_member = members[size]
                    members[p] = last_member
                    slot[last_member] = p
                    slot[leaving] = -1
            start += 1
            size = _enter(lookup[ids[start + window - 1]], present, slot, members, size, n_words)
    return n_windows


@numba.njit(parallel=True, cache=True, nogil=True)
def _count_parts(ids, offsets, lookup, n_words, window, bounds, occ, co):  # pragma: no cover - compiled
    """:func:`_count` over the document ranges bounds[p]..bounds[p+1] in parallel, each into its own counts."""
    n_parts = bounds.size - 1
    windows = np.zeros(n_parts, np.int64)
    for part in numba.prange(n_parts):
        windows[part] = _count(ids, offsets, lookup, bounds[part], bounds[part + 1], n_words, window, occ[part],
                               co[part])
    return windows.sum()


@numba.njit(cache=True, nogil=True, inline="always")
def _enter(v, present, slot, members, size, n_words):  # pragma: no cover - compiled
    """Mark token ``v`` present in the window; a counted word joins the member list. Returns the new size."""
    if not present[v]:
        present[v] = True
        if v < n_words:
            slot[v] = size
            members[size] = v
            size += 1
    return size


def window_counts(texts, words, windows=(10,)) -> dict[int, WindowCounts]:
    """Count windows over token sequences already in memory.

    Parameters
    ----------
    texts : iterable of list of str
        Each document's tokens in order.
    words : sequence of str
        The words to count (others only occupy positions).
    windows : sequence of int
        Window sizes; one pass serves them all.

    Returns
    -------
    dict of window size -> WindowCounts
    """
    words = tuple(words)
    index = {w: i for i, w in enumerate(words)}
    ids: list[int] = []
    offsets = [0]
    for tokens in texts:
        ids.extend(index.get(t, len(words)) for t in tokens)
        offsets.append(len(ids))
    lookup = np.arange(len(words) + 1, dtype=np.int32)
    return _windows(np.array(ids, np.int32), np.array(offsets, np.int64), lookup, words, windows, n_parts=1)


def stream_window_counts(stream: TokenStream, words, windows=(10,), *, n_parts: int | None = None,
                         progress=None) -> dict[int, WindowCounts]:
    """Window counts over the token streams kept from the one pass (:class:`~topicmf.text.stream.TokenStream`).

    Parallel over ranges of documents holding equal shares of the tokens;
    counts are integers, so the result does not depend on the division.
    """
    words = tuple(words)
    n_parts = n_parts or numba.get_num_threads()
    out = _windows(stream.ids, stream.offsets, stream.lookup(words), words, windows, n_parts=n_parts)
    if progress is not None:
        progress(stream.n_docs, stream.n_docs)
    return out


def _windows(ids, offsets, lookup, words, windows, *, n_parts: int) -> dict[int, WindowCounts]:
    windows = tuple(int(w) for w in windows)
    if any(w < 1 for w in windows):
        raise ValueError(f"window sizes must be positive; got {windows!r}")
    n = len(words)
    n_parts = max(1, min(n_parts, offsets.size - 1))
    targets = np.linspace(0, offsets[-1], n_parts + 1)
    bounds = np.searchsorted(offsets, targets).astype(np.int64)
    bounds[0], bounds[-1] = 0, offsets.size - 1
    bounds = np.maximum.accumulate(bounds)
    out = {}
    for w in windows:
        occ = np.zeros((n_parts, n), np.int64)
        co = np.zeros((n_parts, n, n), np.int64)
        n_windows = int(_count_parts(ids, offsets, lookup, n, w, bounds, occ, co))
        occ, co = occ.sum(axis=0), co.sum(axis=0)
        co = co + co.T
        np.fill_diagonal(co, occ)
        out[w] = WindowCounts(words, w, n_windows, occ, co)
    return out
