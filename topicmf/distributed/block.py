"""The worker side: one row block of the corpus, read, counted and factorized where it lives.

A :class:`Block` is a Dask actor: an object that stays on one worker, whose
methods the client calls.  It reads its part of the corpus (files, or byte
ranges of a table) with the single-machine counting code, keeps its rows of
the count matrix, its token streams and its rows of W, and answers with
small arrays only — sums over its rows that the client adds up (k × n_terms
and k × k statistics), never its rows themselves.  W's rows are sent once,
at the end of a fit, for the neighbours and the report.
"""

from __future__ import annotations

import os

import numpy as np
import scipy.sparse as sp

from ..corpus import RawRecordIds
from ..factorize.engine import kernels, scatter
from ..factorize.engine.common import as_csr
from ..factorize.topics.frobenius import frobenius_transform
from ..factorize.topics.background import append_background, background_parts, residual
from ..factorize.topics.poisson import FLOOR, poisson_transform
from ..neighbours.scores import word_vectors
from ..model.weighting import weigh
from ..text.counting import count_terms
from ..text.matrix import cooccurrence, matrix_digest
from ..text.windows import stream_window_counts

__all__ = ["Block"]


class Block:
    """One part of a corpus on one worker (a Dask actor)."""

    def __init__(self, index: int, threads: int = 1):
        import numba

        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))  # one core per worker process
        self.index = index
        self.result = None  # the CountResult of reading
        self.X = None  # counts over the final vocabulary (CSR, int)
        self.Xf = None  # what is factorized (float64 CSR: counts, or weighted for LSA)
        self.arrays: dict[str, np.ndarray] = {}

    # --- reading -------------------------------------------------------------------------------
    def read(self, units: list, tokenizer, first_position: int) -> dict:
        """Read and count this part; returns what the client needs to merge the parts (no matrix)."""
        r = count_terms(units, tokenizer, record_ids=RawRecordIds(), n_jobs=1, first_position=first_position,
                        keep_stream=True)  # fmt: skip
        self.result = r
        X = r.X.tocsr()
        df = np.bincount(X.indices, minlength=len(r.keys))
        totals = np.bincount(X.indices, weights=X.data, minlength=len(r.keys)).astype(np.int64)
        sample = r.sample
        return {
            "keys": r.keys, "df": df, "totals": totals, "ids": r.doc_ids, "labels": r.labels,
            "lengths": r.doc_lengths, "surfaces": r.surface_counts, "skipped": r.skipped, "fallbacks": r.fallbacks,
            "cleaning": r.cleaning, "cleaned_docs": r.cleaned_docs, "junk": r.junk, "lines": r.lines,
            "sample": (sample.hashes, sample.rows, sample.excerpts), "pid": os.getpid(),
        }  # fmt: skip

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
        return {"nnz": int(Y.nnz), "empty": np.flatnonzero(np.diff(Y.indptr) == 0)}

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

    def close(self) -> None:
        if self.result is not None and self.result.stream is not None:
            self.result.stream.close()

    # --- numbers for the fits --------------------------------------------------------------------
    def prepare(self, weighting: str, global_weights) -> dict:
        """The matrix to factorize; returns Σx, Σx² and the number of rows."""
        X = self.X if weighting == "counts" else weigh(self.X, weighting, global_weights)
        self.Xf = as_csr(X) if X.nnz else sp.csr_matrix(X, dtype=np.float64)
        self.arrays.clear()
        self.background = (0.0, None)
        data = self.Xf.data
        return {"total": float(data.sum()), "norm2": float(data @ data), "rows": self.Xf.shape[0]}

    def set(self, name: str, value) -> None:
        self.arrays[name] = np.ascontiguousarray(value)

    def get(self, name: str) -> np.ndarray:
        return self.arrays[name]

    def copy(self, source: str, target: str) -> None:
        self.arrays[target] = self.arrays[source].copy()

    def times(self, B, target: str) -> None:
        """target = X B."""
        out = np.empty((self.Xf.shape[0], B.shape[1]))
        kernels.spmm(self.Xf.indptr, self.Xf.indices, self.Xf.data, np.ascontiguousarray(B), out)
        self.arrays[target] = out

    def t_times(self, name: str) -> np.ndarray:
        """Xᵀ A for the block's array A (this block's share)."""
        A = self.arrays[name]
        out = np.empty((self.Xf.shape[1], A.shape[1]))
        kernels.spmm_t(self.Xf.indptr, self.Xf.indices, self.Xf.data, A, out, 1)
        return out

    def gram(self, name: str) -> np.ndarray:
        A = self.arrays[name]
        return A.T @ A

    def matmul(self, name: str, M, target: str) -> None:
        self.arrays[target] = np.ascontiguousarray(self.arrays[name] @ M)

    def xlogx(self) -> np.ndarray:
        """Σ over the block's rows of x ln x per column (for log-entropy weights)."""
        X = self.X
        data = X.data.astype(np.float64)
        return np.bincount(X.indices, weights=data * np.log(np.where(data > 0, data, 1.0)), minlength=X.shape[1])

    def column_sums(self, name: str) -> np.ndarray:
        return self.arrays[name].sum(axis=0)

    def sign_norms(self, name: str) -> np.ndarray:
        """Σ of squares of each column's positive and negative parts: shape (2, k)."""
        A = self.arrays[name]
        return np.stack([np.sum(np.maximum(A, 0) ** 2, axis=0), np.sum(np.maximum(-A, 0) ** 2, axis=0)])

    def nndsvd(self, name: str, target: str, plan, mean: float | None) -> None:
        """W from the block's rows of U: per column, the chosen sign's part scaled (see factorize.topics.init)."""
        U = self.arrays[name]
        W = np.zeros(U.shape)
        first_scale, scales, signs = plan
        W[:, 0] = first_scale * np.abs(U[:, 0])
        for j in range(1, U.shape[1]):
            part = np.maximum(U[:, j], 0) if signs[j] > 0 else np.maximum(-U[:, j], 0)
            W[:, j] = scales[j] * part
        W[W < 1e-6] = 0.0
        if mean is not None:
            W[W == 0] = mean
        self.arrays[target] = W

    def scale(self, name: str, factor: float) -> None:
        self.arrays[name] *= factor

    def maximum(self, name: str, floor: float) -> None:
        np.maximum(self.arrays[name], floor, out=self.arrays[name])

    # --- Poisson NMF -----------------------------------------------------------------------------
    def x_column_sums(self) -> np.ndarray:
        return np.asarray(self.Xf.sum(axis=0), dtype=np.float64).ravel()

    def use_residual(self, share: float, profile, single: bool) -> float:
        """Factorize max(X − B, 0) until :meth:`restore_matrix` (the start under a background); returns its Σ.

        ``single``: its values in float32, as the single-machine fit keeps them for a large matrix.
        """
        rows, _ = background_parts(self.Xf, share, profile)
        self.kept = self.Xf
        self.Xf = residual(self.Xf, rows, np.asarray(profile, dtype=np.float64), np.float32 if single else np.float64)
        return float(self.Xf.data.sum(dtype=np.float64))

    def restore_matrix(self) -> None:
        self.Xf = self.kept
        del self.kept

    def add_background(self, share: float, profile) -> None:
        """W gains the fixed background column β × row sums, as fit_poisson's start does."""
        rows, _ = background_parts(self.Xf, share, profile)
        self.background = (share, np.asarray(profile, dtype=np.float64))
        self.arrays["W"] = np.ascontiguousarray(np.column_stack([self.arrays["W"], rows]))

    def poisson_w(self, Ht, colsum, alpha, l1, n_inner, n_free=-1) -> None:
        X, W = self.Xf, self.arrays["W"]
        logsum = np.empty(X.shape[0])
        kernels.ccd_kl_rows(X.indptr, X.indices, X.data, W, Ht, colsum, alpha, l1, n_inner, FLOOR, logsum, False,
                             0.0, n_free)

    def poisson_h_begin(self, Ht, rounded: bool) -> None:
        """p = (W H)_ij on the stored entries, with W rounded to float32 when the single-machine fit does so."""
        X = self.Xf
        W = self.arrays["W"]
        self.arrays["G"] = W.astype(np.float32).astype(np.float64) if rounded else W
        p = np.empty(X.nnz)
        kernels.wh_nonzeros(X.indptr, X.indices, self.arrays["G"], np.ascontiguousarray(Ht), p)
        self.arrays["p"] = p

    def poisson_h_stats(self, r: int, previous: int = -1, step=None) -> np.ndarray:
        """Σ x·u, Σ x·u² and max u per term for coordinate r — after applying ``step`` of coordinate ``previous``."""
        X = self.Xf
        m = X.shape[1]
        stats = np.zeros((3, m))
        w = np.ascontiguousarray(self.arrays["G"][:, r])
        if step is None:  # the first coordinate: nothing to apply before
            w_step, step = w, np.zeros(m)
        else:
            w_step = np.ascontiguousarray(self.arrays["G"][:, previous])
        scatter.cd_column_step_stats(X.indptr, X.indices, X.data, w_step, step, w, self.arrays["p"], stats[0],
                                      stats[1], stats[2])  # fmt: skip
        return stats

    def poisson_h_step(self, r: int, step) -> None:
        X = self.Xf
        scatter.cd_column_step(X.indptr, X.indices, np.ascontiguousarray(self.arrays["G"][:, r]), step,
                                self.arrays["p"])

    def poisson_h_end(self) -> float:
        value = scatter.kl_terms(self.Xf.data, self.arrays.pop("p"))
        del self.arrays["G"]
        return value

    def poisson_mu_w_numerator(self, Ht) -> float:
        """The W numerator of the multiplicative update (kept), and Σ x ln(x/p) at the current factors."""
        X = self.Xf
        num = np.empty_like(self.arrays["W"])
        logsum = np.empty(X.shape[0])
        kernels.mu_kl_numerator(X.indptr, X.indices, X.data, self.arrays["W"], np.ascontiguousarray(Ht), num, logsum)
        self.arrays["num_W"] = num
        return float(logsum.sum())

    def poisson_mu_w(self, colsum, l1, alpha, n_free=None) -> None:
        W = self.arrays["W"][:, :n_free]
        W *= self.arrays["num_W"][:, :n_free] / (colsum[:n_free] + l1 + alpha * W)
        np.maximum(W, FLOOR, out=W)

    def poisson_mu_h_numerator(self, Ht) -> np.ndarray:
        X = self.Xf
        out = np.zeros((X.shape[1], Ht.shape[1]))
        scatter.mu_kl_numerator_t(X.indptr, X.indices, X.data, self.arrays["W"], np.ascontiguousarray(Ht), out)
        return out

    def poisson_fold_in(self, H, alpha, l1) -> None:
        """W solved for the final H (the topics' columns only; a background stays fixed and is dropped)."""
        share, profile = getattr(self, "background", (0.0, None))
        k = H.shape[0]
        self.arrays["W"] = poisson_transform(self.Xf, H, alpha_W=alpha, l1_W=l1, W_init=self.arrays["W"][:, :k],
                                             background=share, background_profile=profile)

    def poisson_loss_terms(self, Ht) -> float:
        """Σ x ln(x / rate) over the block, with the background in the rate when there is one."""
        X = self.Xf
        W, Ht = self.arrays["W"], np.ascontiguousarray(Ht)
        share, profile = getattr(self, "background", (0.0, None))
        if share:
            W, Ht = append_background(W, Ht, *background_parts(X, share, profile))
        logsum = np.empty(X.shape[0])
        kernels.kl_row_terms(X.indptr, X.indices, X.data, W, Ht, logsum)
        return float(logsum.sum())

    # --- Frobenius NMF ---------------------------------------------------------------------------
    def hals_w(self, B, alpha, l1, n_sweeps) -> None:
        """``n_sweeps`` exact CD sweeps of the block's W rows with A = X Hᵀ (kept as "A")."""
        delta = np.empty(self.Xf.shape[0])
        kernels.hals_sweep(self.arrays["W"], self.arrays["A"], B, alpha, l1, delta, n_sweeps, 0.0)

    def mu_frobenius_w(self, B, l1, alpha, eps) -> None:
        W, A = self.arrays["W"], self.arrays["A"]
        denominator = W @ B + l1 + alpha * W
        denominator[denominator <= 0] = eps
        W *= A / denominator

    def frobenius_fold_in(self, H, alpha, l1) -> None:
        self.arrays["W"] = frobenius_transform(self.Xf, H, alpha_W=alpha, l1_W=l1, W_init=self.arrays["W"])

    def products_h(self) -> tuple:
        """(Xᵀ W, Wᵀ W): this block's shares."""
        return self.t_times("W"), self.gram("W")

    def inner_with(self, name: str, B) -> float:
        """⟨X B, block array⟩: Σ over the block of (X B) * A."""
        XB = np.empty((self.Xf.shape[0], B.shape[1]))
        kernels.spmm(self.Xf.indptr, self.Xf.indices, self.Xf.data, np.ascontiguousarray(B), XB)
        return float(np.sum(XB * self.arrays[name]))

    def penalty_terms(self, name: str, n_columns=None) -> np.ndarray:
        A = self.arrays[name][:, :n_columns]
        return np.array([float(np.sum(A * A)), float(np.sum(A))])

    def lsa_fold_in(self, H, alpha) -> np.ndarray:
        """W = X Hᵀ (H Hᵀ + α I)⁻¹ for the block (kept); returns its share of ⟨XHᵀ, W⟩."""
        XHt = np.empty((self.Xf.shape[0], H.shape[0]))
        kernels.spmm(self.Xf.indptr, self.Xf.indices, self.Xf.data, np.ascontiguousarray(H.T), XHt)
        gram = H @ H.T + alpha * np.eye(H.shape[0])
        W = np.ascontiguousarray(np.linalg.solve(gram, XHt.T).T)
        self.arrays["W"] = W
        return float(np.sum(XHt * W))
