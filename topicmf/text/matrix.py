"""The document-term matrix, what a run needs of one wherever it is held, and the weightings LSA uses."""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from .stream import DocumentSample, TokenStream

__all__ = ["ids_digest", "TermMatrix", "DocumentTermMatrix", "tfidf", "log_entropy", "idf_weights", "entropy_weights", "normalize_rows",
           "cooccurrence", "matrix_digest", "fingerprint"]


class TermMatrix(ABC):
    """What a run needs of a document-term matrix, wherever its counts are held.

    Two kinds provide it: :class:`DocumentTermMatrix` (the counts ``X`` in this process) and
    :class:`topicmf.distributed.DistributedMatrix` (row blocks on a Dask cluster, ``X`` None).
    Both carry ``vocabulary``, ``terms``, ``doc_ids``, ``labels``, ``info``, ``sample``,
    ``times``, ``term_counts`` and ``empty_docs``; ``local`` says whether ``X`` is here, for
    what only runs on a matrix in this process (a held-out split, groups of documents).
    """

    local: bool = True

    @property
    @abstractmethod
    def n_docs(self) -> int: ...

    @property
    @abstractmethod
    def n_terms(self) -> int: ...

    @property
    @abstractmethod
    def nnz(self) -> int: ...

    @abstractmethod
    def global_weights(self, weighting: str):
        """The weighting's per-term factors fitted on this matrix (None for counts and square roots)."""

    @abstractmethod
    def fit_input(self, weighting: str, global_weights):
        """What :func:`topicmf.factorize.factorize` takes for this matrix, weighted: a CSR matrix, or the rows of
        a cluster (:class:`~topicmf.factorize.topics.rows.Rows`)."""

    @abstractmethod
    def fingerprint(self) -> str: ...

    @abstractmethod
    def window_counts(self, words, windows): ...

    @abstractmethod
    def cooccurrence(self, cols): ...

    @abstractmethod
    def close(self) -> None: ...


@dataclass(frozen=True, eq=False)
class DocumentTermMatrix(TermMatrix):
    """Counts of terms in documents, with the names a person reads.

    Attributes
    ----------
    X : scipy.sparse.csr_matrix of shape (n_docs, n_terms)
        Term counts (integers; a precomputed matrix may hold other
        non-negative values).  Columns are in alphabetical order of ``terms``.
    vocabulary : tuple of str, length n_terms
        Each term as people should read it: with stemming, the most frequent
        surface form of the stem; n-grams are their words joined by spaces.
    terms : tuple of str, length n_terms
        The internal keys (stems when stemming) new text is matched against.
    doc_ids : tuple of str, length n_docs
    labels : tuple of str or None
    doc_lengths : ndarray of shape (n_docs,)
        Tokens counted in each document after stopword removal, before the
        vocabulary was pruned.
    info : dict
        How the matrix was made: source, format, language, options, pruning,
        skipped files, encodings; JSON-serialisable.
    stream : TokenStream or None
        Every document's kept tokens in order (None for a count matrix),
        kept from the one pass over the text for coherence; it holds an
        anonymous temporary file until :meth:`close`.
    sample : DocumentSample or None
        The documents a report can show, with excerpts of their text.
    times : tuple of str or None
        Each document's raw value of the table's time column (``--time-column``).
    """

    X: sp.csr_matrix
    vocabulary: tuple
    terms: tuple
    doc_ids: tuple
    labels: tuple | None
    doc_lengths: np.ndarray
    info: dict = field(default_factory=dict)
    stream: TokenStream | None = field(default=None, repr=False)
    sample: DocumentSample | None = field(default=None, repr=False)
    times: tuple | None = field(default=None, repr=False)

    def global_weights(self, weighting: str):
        from .weighting import global_weights

        return global_weights(self.X, weighting)

    def fit_input(self, weighting: str, global_weights):
        from .weighting import weigh

        return weigh(self.X, weighting, global_weights) if weighting != "counts" else self.X

    def fingerprint(self) -> str:
        """SHA-256 of what a model sees: document ids, terms and the counts (see :func:`matrix_digest`)."""
        return fingerprint(ids_digest(self.doc_ids), self.terms, self.X.shape, matrix_digest(self.X))

    def legacy_fingerprint(self) -> str:
        return legacy_fingerprint(self.doc_ids, self.terms, self.X.shape, matrix_digest(self.X))

    def window_counts(self, words, windows):
        """Sliding-window counts of ``words`` over the token streams (None for a count matrix)."""
        from .windows import stream_window_counts

        return None if self.stream is None else stream_window_counts(self.stream, words, windows)

    def cooccurrence(self, cols) -> np.ndarray:
        """Documents holding each pair of the given columns (see :func:`cooccurrence`)."""
        return cooccurrence(self.X, cols)

    def close(self) -> None:
        """Release the token stream's temporary file (the matrix stays usable)."""
        if self.stream is not None:
            self.stream.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    @property
    def n_docs(self) -> int:
        return self.X.shape[0]

    @property
    def n_terms(self) -> int:
        return self.X.shape[1]

    @property
    def nnz(self) -> int:
        return int(self.X.nnz)

    @property
    def document_frequency(self) -> np.ndarray:
        """Number of documents each term occurs in, shape (n_terms,)."""
        return np.bincount(self.X.indices, minlength=self.n_terms)

    @property
    def term_counts(self) -> np.ndarray:
        """Total count of each term over the corpus, shape (n_terms,)."""
        return np.asarray(self.X.sum(axis=0)).ravel()

    @property
    def empty_docs(self) -> np.ndarray:
        """Row indices of documents with no term left."""
        return np.flatnonzero(np.diff(self.X.indptr) == 0)

    @property
    def n_empty(self) -> int:
        """The number of documents with no term left."""
        return int(self.empty_docs.size)

    def label_counts(self) -> dict[str, int] | None:
        """Label → number of documents, in order of first appearance, or None."""
        return None if self.labels is None else dict(Counter(self.labels))

    def top_terms(self, n_terms: int = 50) -> list[tuple[str, int | float, int]]:
        """The ``n_terms`` most frequent terms as ``(word, count, documents)``, most frequent first.

        Ties are broken alphabetically, so the list is deterministic.
        """
        counts = self.term_counts
        order = np.lexsort((np.arange(self.n_terms), -counts))[:n_terms]
        dfs = self.document_frequency
        return [(self.vocabulary[j], _plain(counts[j]), int(dfs[j])) for j in order]


def _plain(value):
    value = value.item() if hasattr(value, "item") else value
    return int(value) if float(value).is_integer() else float(value)


def tfidf(X, *, smooth_idf: bool = True, sublinear_tf: bool = False, norm: str | None = "l2") -> sp.csr_matrix:
    """Return the tf-idf weighting of a count matrix as a new CSR matrix.

    ``idf(t) = ln((1 + n) / (1 + df(t))) + 1`` with ``smooth_idf`` (else
    ``ln(n / df(t)) + 1``); with ``sublinear_tf`` a count c becomes
    ``1 + ln(c)``; rows are then scaled to unit ``norm`` ("l2", "l1" or None).
    This is scikit-learn's ``TfidfTransformer`` definition.
    """
    X = sp.csr_matrix(X, dtype=np.float64, copy=True)
    idf = idf_weights(X, smooth_idf=smooth_idf)
    if sublinear_tf:
        np.log(X.data, out=X.data)
        X.data += 1.0
    X.data *= idf[X.indices]
    return _normalize_rows(X, norm)


def log_entropy(X, *, normalize: bool = True) -> sp.csr_matrix:
    """Return the log-entropy weighting of a count matrix as a new CSR matrix.

    Local weight ``ln(1 + x_ij)``; global weight of term j
    ``g_j = 1 + Σ_i p_ij ln p_ij / ln(n_docs)`` with ``p_ij = x_ij / Σ_i x_ij``,
    so a term spread evenly over all documents gets 0 and a term in one
    document gets 1 (Dumais 1991).  With ``normalize`` rows get unit L2 norm.
    Terms that occur nowhere get weight 0.  gensim's ``LogEntropyModel`` uses
    ``ln(n_docs + 1)`` in the denominator; this uses Dumais' ``ln(n_docs)``
    (for n_docs = 1, where that is 0, every global weight is 1).
    """
    X = sp.csr_matrix(X, dtype=np.float64, copy=True)
    g = entropy_weights(X)
    X.data = np.log1p(X.data) * g[X.indices]
    X.eliminate_zeros()
    return _normalize_rows(X, "l2" if normalize else None)


def idf_weights(X, *, smooth_idf: bool = True) -> np.ndarray:
    """Inverse document frequency of each column, as :func:`tfidf` uses it."""
    X = sp.csr_matrix(X)
    n_docs = X.shape[0]
    df = np.bincount(X.indices[X.data != 0], minlength=X.shape[1]).astype(np.float64)
    if smooth_idf:
        return np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
    with np.errstate(divide="ignore"):
        return np.log(n_docs / df) + 1.0


def entropy_weights(X) -> np.ndarray:
    """The global weight of each column in :func:`log_entropy`."""
    X = sp.csr_matrix(X, dtype=np.float64)
    n_docs = X.shape[0]
    totals = np.asarray(X.sum(axis=0)).ravel()
    nz = X.data != 0
    p = X.data[nz] / totals[X.indices[nz]]
    plogp = np.bincount(X.indices[nz], weights=p * np.log(p), minlength=X.shape[1])
    return 1.0 + plogp / np.log(n_docs) if n_docs > 1 else np.ones(X.shape[1])


def normalize_rows(X: sp.csr_matrix, norm: str | None) -> sp.csr_matrix:
    """Scale the rows of a float CSR matrix in place to unit ``norm`` ("l2", "l1" or None)."""
    return _normalize_rows(X, norm)


def _normalize_rows(X: sp.csr_matrix, norm: str | None) -> sp.csr_matrix:
    if norm is None:
        return X
    if norm not in ("l2", "l1"):
        raise ValueError(f"norm must be 'l2', 'l1' or None; got {norm!r}")
    row_sizes = np.diff(X.indptr)
    rows = np.repeat(np.arange(X.shape[0]), row_sizes)
    weights = X.data**2 if norm == "l2" else np.abs(X.data)
    lengths = np.bincount(rows, weights=weights, minlength=X.shape[0])
    if norm == "l2":
        lengths = np.sqrt(lengths)
    lengths[lengths == 0] = 1.0
    X.data /= np.repeat(lengths, row_sizes)
    return X


def cooccurrence(X, cols) -> np.ndarray:
    """D[a, b] = number of rows of X holding both columns cols[a] and cols[b] (the diagonal: holding cols[a])."""
    cols = np.asarray(cols, dtype=np.int64)
    B = (sp.csr_matrix(X)[:, cols] != 0).astype(np.int64)
    return np.asarray((B.T @ B).todense(), dtype=np.int64)


def matrix_digest(X, row_offset: int = 0, keep_zeros: bool = False) -> int:
    """A 64-bit digest of a sparse matrix's entries: Σ over stored (row, column, value) of a mixing hash, mod 2⁶⁴.

    A sum, so the digest of a matrix held in row blocks is the sum of the
    blocks' digests (each told where its rows start): the same matrix gives
    the same fingerprint on one machine and on a cluster.  Explicit zeros
    are left out, unless ``keep_zeros`` (a rating matrix's known zeros are cells).
    """
    from ._digest import digest  # compiled; loaded only when a fingerprint is made

    X = sp.csr_matrix(X)
    if not keep_zeros:
        X = X if not (X.data == 0).any() else X.copy()
        X.eliminate_zeros()
    return int(digest(X.indptr, X.indices, X.data, int(row_offset), X.shape[1]))


def ids_digest(doc_ids, row_offset: int = 0) -> int:
    """A 64-bit digest of document ids in their rows: Σ of a mixing hash of (id, row), mod 2⁶⁴.

    A sum like :func:`matrix_digest`, so ids held in blocks give the blocks' digests' sum.
    """
    from ._digest import strings_digest

    encoded = [str(d).encode("utf-8", "surrogatepass") for d in doc_ids]
    offsets = np.cumsum([0] + [len(e) for e in encoded], dtype=np.int64)
    return int(strings_digest(np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets, int(row_offset)))


def fingerprint(ids: int, terms, shape, digest: int) -> str:
    """SHA-256 of the documents' :func:`ids_digest`, the terms, the shape and a :func:`matrix_digest`."""
    h = hashlib.sha256()
    h.update("\0".join(terms).encode("utf-8", "surrogatepass"))
    h.update(np.array([*shape, digest, ids], dtype=np.uint64).tobytes())
    return h.hexdigest()


def legacy_fingerprint(doc_ids, terms, shape, digest: int) -> str:
    """The fingerprint runs recorded before 2026-12 (the ids hashed in one sequence), for ``merge`` of such runs."""
    h = hashlib.sha256()
    for part in ("\0".join(doc_ids), "\0".join(terms)):
        h.update(part.encode("utf-8", "surrogatepass"))
    h.update(np.array([*shape, digest], dtype=np.uint64).tobytes())
    return h.hexdigest()
