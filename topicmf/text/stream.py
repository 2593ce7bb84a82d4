"""What the one pass over the text keeps besides the counts: token streams and a sample of excerpts.

Coherence needs each document's kept tokens in order, and the report shows
the start of some documents.  Both are taken from the same pass that counts
the terms, so no corpus is read twice:

* :class:`TokenStream` — every document's kept tokens (after stopwords and
  stemming, before vocabulary pruning) as int32 ids of their term keys,
  four bytes a token, written to an anonymous temporary file as the chunks
  arrive and memory-mapped for reading.  The file has no name, so it
  disappears when the stream is closed or the process ends, however it ends.
* :class:`DocumentSample` — a uniform sample of at most :data:`SAMPLE_DOCS`
  documents (all of them in a smaller corpus) with the first
  :data:`EXCERPT_CHARS` characters of their cleaned text.  Membership is
  decided by a hash of the document's position (the ``SAMPLE_DOCS`` smallest
  hashes win), so it is the same for any number of workers and is known
  before the corpus has been read to its end: a worker sends an excerpt only
  while its hash can still make the sample.
"""

from __future__ import annotations

import heapq
import tempfile

import numpy as np

__all__ = ["TokenStream", "StreamWriter", "DocumentSample", "SampleBuilder", "position_hash", "excerpt",
           "SAMPLE_DOCS", "EXCERPT_CHARS", "NO_THRESHOLD"]

SAMPLE_DOCS = 20_000  # documents the report can show, at most
EXCERPT_CHARS = 1_000  # characters kept of each sampled document's cleaned text
NO_THRESHOLD = (1 << 64) - 1
_SALT = 0x9E3779B97F4A7C15


def position_hash(positions) -> np.ndarray:
    """splitmix64 of document positions (uint64): a fixed, well-mixed order for sampling."""
    with np.errstate(over="ignore"):
        z = np.asarray(positions, dtype=np.uint64) + np.uint64(_SALT)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def excerpt(text: str, n_chars: int = EXCERPT_CHARS) -> str:
    """The start of a text, whitespace runs collapsed, cut at a word boundary near ``n_chars``."""
    flat = " ".join(text[: n_chars * 2 + 200].split())
    if len(flat) <= n_chars:
        return flat
    cut = flat.rfind(" ", n_chars - 40, n_chars)
    return flat[: cut if cut > 0 else n_chars] + " …"


class TokenStream:
    """Every document's kept tokens, in order, as ids into ``keys``.

    Attributes
    ----------
    keys : list of str
        Term keys by id (the vocabulary before pruning).
    offsets : ndarray of shape (n_docs + 1,), int64
        Document d's tokens are ``ids[offsets[d]:offsets[d + 1]]``.
    ids : ndarray of int32
        Memory-mapped from the anonymous file (an ordinary array when empty).
    """

    _file = None  # as StreamWriter's: close() works on a half-made stream

    def __init__(self, keys, offsets, file):
        self.keys = keys
        self.offsets = offsets
        self._file = file
        n = int(offsets[-1]) if len(offsets) else 0
        self.ids = np.memmap(file, dtype=np.int32, mode="r", shape=(n,)) if n else np.empty(0, np.int32)

    @property
    def n_docs(self) -> int:
        return len(self.offsets) - 1

    @property
    def n_tokens(self) -> int:
        return int(self.offsets[-1])

    def lookup(self, words) -> np.ndarray:
        """int32 array mapping every key id to its position in ``words``, or len(words) for other keys."""
        index = {w: i for i, w in enumerate(words)}
        return np.fromiter((index.get(k, len(words)) for k in self.keys), dtype=np.int32, count=len(self.keys))

    def document(self, doc: int) -> list[str]:
        """Document d's tokens as keys (for tests and inspection)."""
        return [self.keys[i] for i in self.ids[self.offsets[doc] : self.offsets[doc + 1]].tolist()]

    def close(self) -> None:
        """Release the mapping and the file (which has no name: nothing is left on disk)."""
        self.ids = np.empty(0, np.int32)
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        self.close()


class StreamWriter:
    """Appends chunks of token ids to an anonymous temporary file."""

    _file = None  # an interrupt can land before __init__ sets it; abort() must still work

    def __init__(self):
        self._file = tempfile.TemporaryFile(prefix="topicmf-tokens-")
        self.n_tokens = 0

    def append(self, ids: np.ndarray) -> None:
        ids = np.ascontiguousarray(ids, dtype=np.int32)
        self._file.write(ids.tobytes())
        self.n_tokens += ids.size

    def finish(self, keys, lengths: np.ndarray) -> TokenStream:
        """The stream, given every document's number of kept tokens (which must add up)."""
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        if offsets[-1] != self.n_tokens:
            self.abort()
            raise RuntimeError(f"token stream holds {self.n_tokens} tokens, documents count {offsets[-1]}")
        self._file.flush()
        stream = TokenStream(keys, offsets, self._file)
        self._file = None
        return stream

    def abort(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    __del__ = abort


class DocumentSample:
    """A uniform sample of documents: their rows, in sampling order, and excerpts of their text.

    Attributes
    ----------
    rows : ndarray of int64
        Matrix rows of the sampled documents, smallest hash first (so any
        prefix is itself a uniform sample).
    excerpts : tuple of str or None
        The start of each sampled document's cleaned text (None: no text).
    n_docs : int
        Documents sampled from.
    """

    def __init__(self, rows, excerpts, n_docs: int, hashes=None):
        self.rows = np.asarray(rows, dtype=np.int64)
        # a loaded run's excerpts are packed strings, decoded when the page is made
        self.excerpts = None if excerpts is None else excerpts if hasattr(excerpts, "decoded") else tuple(excerpts)
        self.n_docs = int(n_docs)
        self.hashes = None if hashes is None else np.asarray(hashes, dtype=np.uint64)

    @classmethod
    def merge(cls, parts, n_docs: int, size: int | None = None) -> "DocumentSample":
        """The sample of a corpus from its parts' samples: ``(hashes, rows in the whole corpus, excerpts)`` each."""
        size = SAMPLE_DOCS if size is None else size
        items = sorted((int(h), int(row), text) for hashes, rows, texts in parts
                       for h, row, text in zip(hashes, rows, texts))[:size]
        return cls([row for _, row, _ in items], [text for _, _, text in items], n_docs, [h for h, _, _ in items])

    @property
    def complete(self) -> bool:
        """Whether every document is in the sample."""
        return self.rows.size == self.n_docs

    @classmethod
    def of_rows(cls, n_docs: int, size: int | None = None) -> "DocumentSample":
        """The sample of a corpus without text (a count matrix): the rows with the smallest hashes."""
        size = SAMPLE_DOCS if size is None else size
        hashes = position_hash(np.arange(n_docs))
        take = min(size, n_docs)
        rows = np.argpartition(hashes, take - 1)[:take] if 0 < take < n_docs else np.arange(n_docs)
        rows = rows[np.argsort(hashes[rows], kind="stable")]
        return cls(rows, None, n_docs)


class SampleBuilder:
    """Keeps the documents with the ``size`` smallest position hashes seen so far, with their excerpts."""

    def __init__(self, size: int = SAMPLE_DOCS):
        self.size = size
        self._heap: list = []  # (-hash, row, excerpt): the largest kept hash on top

    @property
    def threshold(self) -> int:
        """Hashes at or above this can no longer enter the sample."""
        return -self._heap[0][0] if len(self._heap) >= self.size else NO_THRESHOLD

    def offer(self, hash_value: int, row: int, text: str) -> None:
        item = (-hash_value, row, text)
        if len(self._heap) < self.size:
            heapq.heappush(self._heap, item)
        elif hash_value < -self._heap[0][0]:
            heapq.heapreplace(self._heap, item)

    def finish(self, n_docs: int) -> DocumentSample:
        items = sorted(self._heap, key=lambda item: (-item[0], item[1]))
        return DocumentSample([row for _, row, _ in items], [text for _, _, text in items], n_docs,
                              [-h for h, _, _ in items])
