"""The one-machine backend of :class:`~topicmf.factorize.topics.rows.Rows`: X in this process, as float64 CSR.

Every row-wise step is a compiled kernel over all the rows on every numba thread
(:mod:`topicmf.factorize.engine.kernels`); the products with X and Xᵀ are chosen by size
(:mod:`topicmf.factorize.engine.products`).  A cluster's block runs the same class on its own
rows (:mod:`topicmf.distributed.block`).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..engine import kernels
from ..engine.products import Products
from .background import background_parts, residual
from .losses import frobenius_loss, poisson_loss
from .rows import FLOOR, MU_EPS, HeldStart, Rows
from .svd import cholesky_qr

__all__ = ["LocalRows"]


class LocalRows(Rows):
    """X in this process, as float64 CSR; the kernels use every numba thread."""

    local = True

    def __init__(self, X: sp.csr_matrix, width: int, *, products: Products | None = None, arrays=None):
        self.X = X
        self.shape = X.shape
        self.nnz = X.nnz
        self.products = products or Products(X, width)
        self.arrays: dict[str, np.ndarray] = {} if arrays is None else arrays
        self._buffers: dict[str, np.ndarray] = {}
        self._W32 = None

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name]

    @property
    def Xt(self) -> sp.csr_matrix:
        return self.products.Xt

    def _buffer(self, key: str, shape) -> np.ndarray:
        buf = self._buffers.get(key)
        if buf is None or buf.shape != shape:
            buf = self._buffers[key] = np.empty(shape)
        return buf

    # --- the matrix ---------------------------------------------------------------------------------------
    def total(self):
        return self.X.data.sum()

    def column_profile(self) -> np.ndarray:
        return background_parts(self.X, 0.0)[1]

    def norm2(self) -> float:
        return float(self.X.data @ self.X.data)

    def with_width(self, width: int) -> "LocalRows":
        return LocalRows(self.X, width, arrays=self.arrays)

    def background_residual(self, share: float, profile):
        return _Residual(self, share, profile)

    # --- row arrays ---------------------------------------------------------------------------------------
    def times(self, B, into: str) -> None:
        out = self.arrays.get(into)
        shape = (self.shape[0], B.shape[1])
        self.arrays[into] = self.products.times(B, out if out is not None and out.shape == shape else None)

    def t_times(self, name: str) -> np.ndarray:
        return self.products.t_times(self.arrays[name])

    def gram(self, name: str) -> np.ndarray:
        A = self.arrays[name]
        return A.T @ A

    def orthonormalize(self, name: str) -> None:
        self.arrays[name] = cholesky_qr(self.arrays[name])

    def matmul(self, name: str, M, into: str) -> None:
        self.arrays[into] = self.arrays[name] @ M

    def scale_columns(self, name: str, factors) -> None:
        self.arrays[name] *= factors  # in place: a tall array's copy would raise the fit's peak memory

    def scale(self, name: str, factor: float) -> None:
        self.arrays[name] *= factor

    def fill_zeros(self, name: str, value: float) -> None:
        A = self.arrays[name]
        A[A == 0] = value

    def floor(self, name: str, value: float) -> None:
        np.maximum(self.arrays[name], value, out=self.arrays[name])

    def copy(self, source: str, target: str) -> None:
        A, T = self.arrays[source], self.arrays.get(target)
        if T is not None and T.shape == A.shape:
            np.copyto(T, A)
        else:
            self.arrays[target] = A.copy()

    def drop(self, *names: str) -> None:
        for name in names:
            self.arrays.pop(name, None)

    def column_sums(self, name: str) -> np.ndarray:
        return self.arrays[name].sum(axis=0)

    def sums(self, name: str, n_columns: int | None = None) -> tuple[float, float]:
        A = self.arrays[name][:, :n_columns]
        return float(np.sum(A * A)), float(np.sum(A))

    def inner_times(self, Ht, name: str) -> float:
        return float(np.sum(self.products.times(np.ascontiguousarray(Ht)) * self.arrays[name]))

    def gather(self, name: str) -> np.ndarray:
        return np.ascontiguousarray(self.arrays[name])

    def qr_r(self, name: str) -> np.ndarray:
        return np.linalg.qr(self.arrays[name])[1]

    # --- starting points ------------------------------------------------------------------------------------
    def sign_norms(self, name: str) -> np.ndarray:
        U = self.arrays[name]
        norms = np.zeros((2, U.shape[1]))
        for j in range(U.shape[1]):
            norms[0, j] = np.linalg.norm(np.maximum(U[:, j], 0))
            norms[1, j] = np.linalg.norm(np.maximum(-U[:, j], 0))
        return norms

    def nndsvd(self, name: str, into: str, first: float, lams, norms, signs) -> None:
        U = self.arrays[name]
        W = np.zeros(U.shape)
        W[:, 0] = first * np.abs(U[:, 0])
        for j in range(1, U.shape[1]):
            part = np.maximum(U[:, j], 0) if signs[j] > 0 else np.maximum(-U[:, j], 0)
            W[:, j] = lams[j] * (part / norms[j] if norms[j] else part)
        W[W < 1e-6] = 0.0
        self.arrays[into] = W

    def random(self, into: str, width: int, rng, scale: float, absolute: bool) -> None:
        draws = rng.standard_normal((self.shape[0], width))
        self.arrays[into] = scale * (np.abs(draws) if absolute else draws)

    def set(self, into: str, array) -> None:
        if isinstance(array, HeldStart):
            raise ValueError("a start held by a cluster's blocks cannot start a fit in this process")
        self.arrays[into] = np.array(array, dtype=np.float64, order="C")

    def append_background(self, name: str, share: float, profile) -> None:
        rows, profile = background_parts(self.X, share, profile)
        self.arrays[name] = np.ascontiguousarray(np.column_stack([self.arrays[name], rows]))

    # --- the W halves of the solvers' steps ----------------------------------------------------------------
    def _X_times(self, Ht) -> np.ndarray:
        return self.products.times(Ht, self._buffer("A", (self.shape[0], Ht.shape[1])))

    def hals_w(self, Ht, B, l2, l1, sweeps) -> None:
        A = self._X_times(Ht)
        kernels.hals_sweep(self.arrays["W"], A, B, l2, l1, self._buffer("delta", (self.shape[0],)), sweeps, 0.0)

    def mu_w(self, Ht, B, l2, l1) -> None:
        W = self.arrays["W"]
        A = self._X_times(Ht)
        denominator = W @ B + l1 + l2 * W
        denominator[denominator <= 0] = MU_EPS
        W *= A / denominator

    def least_squares_w(self, Ht, M, l1, nonnegative) -> None:
        A = self._X_times(Ht)
        solved = np.linalg.solve(M, (A if l1 is None else A - l1).T).T
        self.arrays["W"][:] = np.maximum(solved, 0.0) if nonnegative else solved

    def gradient_w(self, Ht, B, step, l2) -> None:
        W = self.arrays["W"]
        A = self._X_times(Ht)
        W -= step * (W @ B - A + l2 * W)

    def products_h(self):
        W = self.arrays["W"]
        return self.products.t_times(W, self._buffer("At", (self.shape[1], W.shape[1]))), W.T @ W

    def poisson_cd_w(self, Ht, l2, l1, n_inner, n_free) -> None:
        X = self.X
        kernels.ccd_kl_rows(X.indptr, X.indices, X.data, self.arrays["W"], Ht, Ht.sum(axis=0), l2, l1, n_inner, FLOOR,
                            self._buffer("log_rows", (self.shape[0],)), False, 0.0, n_free)

    def poisson_cd_h(self, Ht, l2, l1, n_inner, n_free) -> float:
        Xt, W = self.Xt, self.arrays["W"]
        G = W
        # Updating H gathers the rows of W of every document holding each word.  Once W no longer fits the
        # caches, gathering a float32 copy is faster (a million documents × 50 topics: 10.6 → 9.2 s a pass);
        # the step then uses W rounded to 7 digits (the objective too, until the final fold-in).
        if not self.products.gather:
            if self._W32 is None or self._W32.shape != W.shape:
                self._W32 = np.empty(W.shape, np.float32)
            np.copyto(self._W32, W, casting="same_kind")
            G = self._W32
        log_cols = self._buffer("log_cols", (self.shape[1],))
        kernels.ccd_kl_rows(Xt.indptr, Xt.indices, Xt.data, Ht, G, W.sum(axis=0), l2, l1, n_inner, FLOOR, log_cols,
                            True, 0.0, n_free)
        return float(log_cols.sum())

    def poisson_mu_prepare(self, Ht) -> float:
        X, W = self.X, self.arrays["W"]
        log_rows = self._buffer("log_rows", (self.shape[0],))
        kernels.mu_kl_numerator(X.indptr, X.indices, X.data, W, Ht, self._buffer("num_W", W.shape), log_rows)
        return float(log_rows.sum())

    def poisson_mu_w(self, Ht, l2, l1, n_free) -> None:
        # the auxiliary function is separable over the entries, so updating the free columns alone still descends
        Wk = self.arrays["W"][:, :n_free]
        Wk *= self._buffers["num_W"][:, :n_free] / (Ht.sum(axis=0)[:n_free] + l1 + l2 * Wk)
        np.maximum(Wk, FLOOR, out=Wk)

    def poisson_mu_h_numerator(self, Ht) -> np.ndarray:
        Xt, W = self.Xt, self.arrays["W"]
        num_H = self._buffer("num_H", Ht.shape)
        kernels.mu_kl_numerator(Xt.indptr, Xt.indices, Xt.data, Ht, W, num_H, self._buffer("log_cols", (Ht.shape[0],)))
        return num_H

    # --- the end of a fit -----------------------------------------------------------------------------------
    def frobenius_fold_in(self, H, l2, l1) -> None:
        from .frobenius import frobenius_transform

        self.arrays["W"] = frobenius_transform(self.X, H, alpha_W=l2, l1_W=l1, W_init=self.arrays["W"])

    def poisson_fold_in(self, H, l2, l1, share, profile) -> None:
        from .poisson import poisson_transform

        self.arrays["W"] = poisson_transform(self.X, H, alpha_W=l2, l1_W=l1, W_init=self.arrays["W"][:, :H.shape[0]],
                                             background=share, background_profile=profile)

    def lsa_fold_in(self, H, l2) -> float:
        XHt = self.products.times(np.ascontiguousarray(H.T))
        gram = H @ H.T + l2 * np.eye(H.shape[0])
        W = np.ascontiguousarray(np.linalg.solve(gram, XHt.T).T)
        self.arrays["W"] = W
        return float(np.sum(XHt * W))

    def frobenius_objective(self, H, penalties) -> float:
        return frobenius_loss(self.X, self.arrays["W"], H, **penalties)

    def poisson_objective(self, H, penalties, share, profile) -> float:
        return poisson_loss(self.X, self.arrays["W"], H, background=share, background_profile=profile, **penalties)


class _Residual:
    """The context of :meth:`LocalRows.background_residual`."""

    def __init__(self, rows: LocalRows, share: float, profile):
        self.rows, self.share, self.profile = rows, share, profile

    def __enter__(self) -> LocalRows:
        rows = self.rows
        row_part, profile = background_parts(rows.X, self.share, self.profile)
        # a large matrix (one whose products do not gather) keeps the start's values in float32: 4 bytes a
        # stored count instead of 8 (0.4 GB for a million documents), rounded to 7 digits for a start only
        if rows.products.gather:
            R, Rt = residual(rows.X, row_part, profile), residual(rows.Xt, profile, row_part)
        else:
            R, Rt = residual(rows.X, row_part, profile, np.float32), None
        return LocalRows(R, rows.products.k, products=Products(R, rows.products.k, Xt=Rt), arrays=rows.arrays)

    def __exit__(self, *exc) -> bool:
        return False
