"""The worker side: one row block of the corpus, read, counted and factorized where it lives.

A :class:`Block` is a Dask actor: an object that stays on one worker, whose
methods the client calls.  It reads its part of the corpus (files, or byte
ranges of a table) with the single-machine counting code, keeps its rows of
the count matrix and its token streams, and for a fit a
:class:`~topicmf.factorize.topics.rows.LocalRows` of its rows, which runs every
row-wise step of the solvers (:class:`~topicmf.distributed.rows.ClusterRows`
forwards them).  It answers with small arrays only — sums over its rows that
the client adds up (k × n_terms and k × k statistics), never its rows
themselves; W's rows stay here too (:mod:`topicmf.workflow.cluster`).
"""

from __future__ import annotations

import os

import numpy as np
import scipy.sparse as sp

from ..corpus import RawRecordIds
from ..factorize.engine import kernels, scatter
from ..factorize.engine.common import as_csr
from ..factorize.engine.products import Products
from ..factorize.topics.background import append_background, background_parts, residual
from ..factorize.topics.local import LocalRows
from ..neighbours.scores import word_vectors
from ..text.weighting import weigh
from ..text.counting import count_terms
from ..runfolder.npz import unpack_strings
from ..text.matrix import cooccurrence, ids_digest, matrix_digest
from ..text.windows import stream_window_counts
from .exchange import Exchange, by_owner, stable_hashes

__all__ = ["Block"]


class Block:
    """One part of a corpus on one worker (a Dask actor)."""

    def __init__(self, index: int, threads: int = 1):
        import numba

        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))  # one core per worker process
        self.index = index
        self.result = None  # the CountResult of reading
        self.X = None  # counts over the final vocabulary (CSR, int)
        self.rows = None  # LocalRows of what is factorized (float64 CSR: counts, or weighted)
        self.views = {}  # other matrices of this block's rows that a fit may factorize (a subset, added rows)
        self.starts = {}  # custom starts of W made here (topicmf.factorize.topics.rows.HeldStart), by name

    # --- reading -------------------------------------------------------------------------------
    def read(self, units: list, tokenizer, first_position: int, limits=None) -> dict:
        """Read and count this part; returns what the client needs to merge the parts: sums over the vocabulary
        and the sample, never a value per document (ids, labels and lengths stay here)."""
        r = count_terms(units, tokenizer, record_ids=RawRecordIds(), n_jobs=1, first_position=first_position,
                        keep_stream=True, **({} if limits is None else {"limits": limits}))
        self.result = r
        self.ids, self.labels = list(r.doc_ids), None if r.labels is None else list(r.labels)
        self.times = list(r.times) if r.times is not None else None  # raw values; binned on the blocks
        r.doc_ids = r.labels = r.times = None
        X = r.X.tocsr()
        df = np.bincount(X.indices, minlength=len(r.keys))
        totals = np.bincount(X.indices, weights=X.data, minlength=len(r.keys)).astype(np.int64)
        sizes, counts = np.unique(np.asarray(r.doc_lengths, np.int64), return_counts=True)
        sample = r.sample
        return {
            "keys": r.keys, "df": df, "totals": totals, "rows": len(self.ids), "length_counts": (sizes, counts),
            "labels": None if self.labels is None else sorted({x for x in self.labels if x is not None}),
            "surfaces": r.surface_counts, "skipped": r.skipped, "fallbacks": r.fallbacks,
            "cleaning": r.cleaning, "cleaned_docs": r.cleaned_docs, "junk": r.junk, "lines": r.lines,
            "sample": (sample.hashes, sample.rows, sample.excerpts), "pid": os.getpid(),
        }

    def number_ids(self, offset: int, column, exchange, n_blocks: int) -> dict:
        """This part's ids as one machine numbers them, from its first row ``offset``: a table's record numbers
        (``column`` False); with an id column (its name), the values, their first empty one reported and every id
        sent to the block its hash names, which checks for duplicates (:meth:`duplicate_ids`); files (None) are
        their own ids.  Returns the first empty id's record number and the ids' digest."""
        self.offset = offset
        first_empty = None
        if column is False:  # a table without an id column: the records' numbers
            self.ids = [str(offset + i + 1) for i in range(len(self.ids))]
        elif column is not None:
            ids = ["" if v is None else str(v).strip() for v in self.ids]
            first_empty = next((offset + i + 1 for i, v in enumerate(ids) if not v), None)
            self.ids = ids
            owner = stable_hashes(ids) % np.uint64(n_blocks)
            Exchange(exchange).send("ids", self.index, by_owner(owner, ids, number=np.arange(len(ids)) + offset + 1))
        return {"first_empty": first_empty, "digest": ids_digest(self.ids, offset)}

    def duplicate_ids(self, exchange) -> tuple | None:
        """The first duplicate among the ids sent here: (its second record, its first record, the id), or None."""
        first, found = {}, None
        parts = Exchange(exchange).receive("ids", self.index)
        numbers = np.concatenate([a["number"] for _, a in parts]) if parts else np.empty(0, np.int64)
        ids = [x for _, a in parts for x in unpack_strings(a, "ids", "exchange")]
        for number, value in sorted(zip(numbers.tolist(), ids)):
            if value in first:
                found = (number, first[value], value)
                break
            first[value] = number
        return found

    def finish_columns(self, local_to_final: np.ndarray, n_terms: int) -> dict:
        """Keep the pruned vocabulary's columns, renumbered to their final (alphabetical) places."""
        X = self.result.X.tocsr()
        cols = local_to_final[X.indices]
        keep = cols >= 0
        rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))[keep]
        Y = sp.csr_matrix((X.data[keep], (rows, cols[keep])), shape=(X.shape[0], n_terms))
        Y.sum_duplicates()
        self.X = Y
        self.result.X = None
        empty = np.flatnonzero(np.diff(Y.indptr) == 0)
        return {"nnz": int(Y.nnz), "empty": int(empty.size), "examples": [self.ids[i] for i in empty[:3]]}

    def documents(self, what: str) -> list:
        """This part's ids, labels or document lengths, for a model brought into the client's memory."""
        return {"ids": self.ids, "labels": self.labels, "lengths": list(self.result.doc_lengths)}[what]

    def word_vectors(self, idf) -> tuple:
        """This block's rows of the documents' word vectors, as CSR arrays."""
        V = word_vectors(self.X, idf)
        return V.indptr, V.indices, V.data

    def digest(self, row_offset: int) -> int:
        return matrix_digest(self.X, row_offset)

    def window_counts(self, words, windows) -> tuple:
        counts = stream_window_counts(self.result.stream, words, windows, n_parts=1)
        return tuple((w, c.n_windows, c.occurrences, c.cooccurrences) for w, c in counts.items())

    def cooccurrence(self, cols) -> np.ndarray:
        return cooccurrence(self.X, cols)

    def run(self, function, *args):
        """``function(self, *args)`` where the block is: the per-document steps of a run
        (:mod:`topicmf.workflow.cluster`) use the block's rows without moving them."""
        return function(self, *args)

    def close(self) -> None:
        if self.result is not None and self.result.stream is not None:
            self.result.stream.close()

    # --- a fit: this block's rows of the matrix and of the row arrays ----------------------------------------------
    def prepare(self, weighting: str, global_weights, view: str | None = None) -> dict:
        """The matrix to factorize (the counts, or the view of them named ``view``); returns Σx, Σx² and the
        number of rows."""
        X = self.X if view is None else self.views[view]
        X = X if weighting == "counts" else weigh(X, weighting, global_weights)
        Xf = as_csr(X) if X.nnz else sp.csr_matrix(X, dtype=np.float64)
        self.rows = _block_rows(Xf, 1)
        data = Xf.data
        return {"total": float(data.sum()), "norm2": float(data @ data), "rows": Xf.shape[0]}

    def make_view(self, name: str, function, args: tuple) -> dict:
        """Keep ``function(self, *args)``, a matrix over the vocabulary made from this block's rows (a subset of
        them, rows added), as the view ``name`` a fit may factorize; returns its sums."""
        X = sp.csr_matrix(function(self, *args))
        self.views[name] = X
        return {"rows": X.shape[0], "nnz": int(X.nnz), "totals": np.asarray(X.sum(axis=0), np.float64).ravel(),
                "df": np.bincount(X.indices, minlength=X.shape[1])}

    def drop_view(self, name: str) -> None:
        self.views.pop(name, None)

    def use_start(self, name: str, into: str) -> None:
        """The custom start kept under ``name`` becomes the row array ``into`` (and is no longer kept)."""
        self.rows.arrays[into] = self.starts.pop(name)

    def set_width(self, width: int) -> None:
        """Plan the products for factors of ``width`` columns (the row arrays stay)."""
        self.rows = _block_rows(self.rows.X, width, self.rows.arrays)

    def rows_call(self, method: str, args: tuple):
        """A method of this block's :class:`~topicmf.factorize.topics.rows.LocalRows`: a row-wise step, or this
        block's share of a sum."""
        return getattr(self.rows, method)(*args)

    def get(self, name: str) -> np.ndarray:
        return self.rows.arrays[name]

    def get_width(self, name: str) -> int:
        return int(self.rows.arrays[name].shape[1])

    def sign_squares(self, name: str) -> np.ndarray:
        """Σ of squares of each column's positive and negative parts: shape (2, k)."""
        A = self.rows.arrays[name]
        return np.stack([np.sum(np.maximum(A, 0) ** 2, axis=0), np.sum(np.maximum(-A, 0) ** 2, axis=0)])

    def xlogx(self, view: str | None = None) -> np.ndarray:
        """Σ over the block's rows of x ln x per column (for log-entropy weights)."""
        X = self.X if view is None else self.views[view]
        data = X.data.astype(np.float64)
        return np.bincount(X.indices, weights=data * np.log(np.where(data > 0, data, 1.0)), minlength=X.shape[1])

    def x_column_sums(self) -> np.ndarray:
        return np.asarray(self.rows.X.sum(axis=0), dtype=np.float64).ravel()

    def use_residual(self, share: float, profile, single: bool) -> float:
        """Factorize max(X − B, 0) until :meth:`restore_matrix` (the start under a background); returns its Σ.

        ``single``: its values in float32, as the single-machine fit keeps them for a large matrix.
        """
        X = self.rows.X
        rows, _ = background_parts(X, share, profile)
        self.kept = self.rows
        R = residual(X, rows, np.asarray(profile, dtype=np.float64), np.float32 if single else np.float64)
        self.rows = _block_rows(R, self.kept.products.k, self.kept.arrays)
        return float(R.data.sum(dtype=np.float64))

    def restore_matrix(self) -> None:
        self.rows = self.kept
        del self.kept

    # --- Poisson NMF: this block's part of the passes that need whole columns -----------------------------------
    def poisson_h_begin(self, Ht, rounded: bool) -> None:
        """p = (W H)_ij on the stored entries, with W rounded to float32 when the single-machine fit does so."""
        X, W = self.rows.X, self.rows.arrays["W"]
        self.G = W.astype(np.float32).astype(np.float64) if rounded else W
        self.p = np.empty(X.nnz)
        kernels.wh_nonzeros(X.indptr, X.indices, self.G, np.ascontiguousarray(Ht), self.p)

    def poisson_h_stats(self, coordinate: int, previous: int = -1, step=None) -> np.ndarray:
        """Σ x·u, Σ x·u² and max u per term for coordinate r — after applying ``step`` of coordinate ``previous``."""
        X = self.rows.X
        m = X.shape[1]
        stats = np.zeros((3, m))
        w = np.ascontiguousarray(self.G[:, coordinate])
        if step is None:  # the first coordinate: nothing to apply before
            w_step, step = w, np.zeros(m)
        else:
            w_step = np.ascontiguousarray(self.G[:, previous])
        scatter.cd_column_step_stats(X.indptr, X.indices, X.data, w_step, step, w, self.p, stats[0], stats[1],
                                     stats[2])
        return stats

    def poisson_h_step(self, coordinate: int, step) -> None:
        X = self.rows.X
        scatter.cd_column_step(X.indptr, X.indices, np.ascontiguousarray(self.G[:, coordinate]), step, self.p)

    def poisson_h_end(self) -> float:
        value = scatter.kl_terms(self.rows.X.data, self.p)
        del self.p, self.G
        return value

    def poisson_mu_h_numerator(self, Ht) -> np.ndarray:
        X = self.rows.X
        out = np.zeros((X.shape[1], Ht.shape[1]))
        scatter.mu_kl_numerator_t(X.indptr, X.indices, X.data, self.rows.arrays["W"], np.ascontiguousarray(Ht), out)
        return out

    def poisson_loss_terms(self, Ht, share: float, profile) -> float:
        """Σ x ln(x / rate) over the block, with the background in the rate when there is one."""
        X, W = self.rows.X, self.rows.arrays["W"]
        Ht = np.ascontiguousarray(Ht)
        if share:
            W, Ht = append_background(W, Ht, *background_parts(X, share, profile))
        logsum = np.empty(X.shape[0])
        kernels.kl_row_terms(X.indptr, X.indices, X.data, W, Ht, logsum)
        return float(logsum.sum())


def _block_rows(X, width: int, arrays=None) -> LocalRows:
    """A block's rows: products of Xᵀ by scattering (no transposed copy of the block), on the worker's one thread."""
    return LocalRows(X, width, products=Products(X, width, transpose="scatter"), arrays=arrays)



