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

from ..corpus import DocRef, UnreadableFile, load_text
from .counting import Progress, chunked, default_jobs, ordered_map
from .tokenize import Tokenizer

__all__ = ["WindowCounts", "window_counts", "count_windows"]

_state: dict = {}


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
def _count(ids, offsets, n_words, window, occ, co):  # pragma: no cover - compiled
    """Accumulate window counts of the token ids (``n_words`` marks other tokens); returns windows seen."""
    present = np.zeros(n_words + 1, np.bool_)
    members = np.empty(n_words, np.int64)
    slot = np.full(n_words, -1, np.int64)
    n_windows = 0
    for d in range(offsets.size - 1):
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
            size = _enter(ids[t], present, slot, members, size, n_words)
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
            leaving = ids[start]
            if present[leaving]:
                present[leaving] = False
                if leaving < n_words:
                    p = slot[leaving]
                    size -= 1
                    last = members[size]
                    members[p] = last
                    slot[last] = p
                    slot[leaving] = -1
            start += 1
            size = _enter(ids[start + window - 1], present, slot, members, size, n_words)
    return n_windows


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
    acc = _Accumulator(words, windows)
    acc.add_texts(texts)
    return acc.result()


class _Accumulator:
    def __init__(self, words, windows):
        self.words = tuple(words)
        self.index = {w: i for i, w in enumerate(self.words)}
        self.windows = tuple(int(w) for w in windows)
        if any(w < 1 for w in self.windows):
            raise ValueError(f"window sizes must be positive; got {windows!r}")
        n = len(self.words)
        self.occ = {w: np.zeros(n, np.int64) for w in self.windows}
        self.co = {w: np.zeros((n, n), np.int64) for w in self.windows}
        self.n_windows = dict.fromkeys(self.windows, 0)

    def add_texts(self, texts) -> None:
        n = len(self.words)
        get = self.index.get
        ids: list[int] = []
        offsets = [0]
        for tokens in texts:
            ids.extend(get(t, n) for t in tokens)
            offsets.append(len(ids))
        self.add_ids(np.array(ids, np.int64), np.array(offsets, np.int64))

    def add_ids(self, ids, offsets) -> None:
        for w in self.windows:
            self.n_windows[w] += int(_count(ids, offsets, len(self.words), w, self.occ[w], self.co[w]))

    def merge(self, other: tuple) -> None:
        n_windows, occ, co = other
        for w in self.windows:
            self.n_windows[w] += n_windows[w]
            self.occ[w] += occ[w]
            self.co[w] += co[w]

    def result(self) -> dict[int, WindowCounts]:
        out = {}
        for w in self.windows:
            co = self.co[w] + self.co[w].T
            np.fill_diagonal(co, self.occ[w])
            out[w] = WindowCounts(self.words, w, self.n_windows[w], self.occ[w].copy(), co)
        return out


def _start(tokenizer: Tokenizer, words: tuple, windows: tuple, excerpt_chars: int) -> None:
    _state["tokenizer"] = tokenizer
    _state["words"] = words
    _state["windows"] = windows
    _state["excerpt"] = excerpt_chars


def _count_chunk(refs: list[DocRef]):
    tokenizer = _state["tokenizer"]
    n_chars = _state["excerpt"]
    acc = _Accumulator(_state["words"], _state["windows"])
    texts, excerpts = [], []
    for ref in refs:
        try:
            text = load_text(ref)[0]
        except UnreadableFile:
            continue  # skipped (and reported) when the matrix was built
        if tokenizer.cleaner is not None:
            text = tokenizer.cleaner(text)
        texts.append(tokenizer.unigrams(text, cleaned=True))
        if n_chars:
            excerpts.append((ref.doc_id, _excerpt(text, n_chars)))
    acc.add_texts(texts)
    return acc.n_windows, acc.occ, acc.co, excerpts


def _excerpt(text: str, n_chars: int) -> str:
    """The start of a text, whitespace runs collapsed, cut at a word boundary near ``n_chars``."""
    flat = " ".join(text[: n_chars * 2 + 200].split())
    if len(flat) <= n_chars:
        return flat
    cut = flat.rfind(" ", n_chars - 40, n_chars)
    return flat[: cut if cut > 0 else n_chars] + " …"


def count_windows(
    refs,
    tokenizer: Tokenizer,
    words,
    windows=(10,),
    *,
    n_jobs: int | None = None,
    n_docs_hint: int | None = None,
    progress: Progress | None = None,
    excerpts: dict | None = None,
    excerpt_chars: int = 0,
) -> dict[int, WindowCounts]:
    """Window counts over a corpus read again from its documents, in parallel.

    Each document is cleaned and tokenized with ``tokenizer`` (its unigram
    term keys in order, before vocabulary pruning); unreadable documents are
    skipped as they were when the matrix was built.  The counts do not depend
    on ``n_jobs``.  When ``excerpts`` is a dict and ``excerpt_chars`` > 0, it
    receives doc id → the first ``excerpt_chars`` characters of the cleaned text.
    """
    n_jobs = default_jobs() if n_jobs is None or n_jobs <= 0 else n_jobs
    size = 500 if n_docs_hint is None else int(np.clip(n_docs_hint // (n_jobs * 8), 16, 2000))
    if n_docs_hint is not None and n_docs_hint <= 2 * size:
        n_jobs = 1
    words, windows = tuple(words), tuple(int(w) for w in windows)
    total = _Accumulator(words, windows)
    done = 0
    n_chars = excerpt_chars if excerpts is not None else 0
    args = (tokenizer, words, windows, n_chars)
    for chunk, part in ordered_map(_count_chunk, chunked(refs, size), n_jobs, _start, args):
        total.merge(part[:3])
        if n_chars:
            excerpts.update(part[3])
        done += len(chunk)
        if progress is not None:
            progress(done, n_docs_hint)
    return total.result()
