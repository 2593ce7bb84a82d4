"""The fixed background of Poisson NMF: B_ij = β · (Σ_j' x_ij') · b_j, b the columns' share of X.

A share β of every row's expected counts comes from the corpus as a whole,
so the topics explain only how a row departs from it.  The background is one
more column of W (β × row sums) and of Hᵀ (b) that the solvers never move.
The topics start from NNDSVD of what the background leaves, max(X − B, 0) on
the nonzeros of X, scaled to the remaining (1 − β) Σ X: starting from X
itself, the topics would first have to unlearn the words the background
takes (twice the iterations on 20 Newsgroups at k = 10 for the same fit).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numba import njit, prange

from ..engine.products import Products
from .init import initialize

__all__ = ["append_background", "background_parts", "check_background", "residual", "start_with_background"]


def background_parts(X, share: float, profile=None) -> tuple[np.ndarray, np.ndarray]:
    """The fixed background column pair: (β × each row's sum, the word profile b).

    ``profile`` defaults to X's own column sums over its total (the fit);
    a transform passes the training profile.
    """
    lengths = np.asarray(X.sum(axis=1), dtype=np.float64).ravel()
    if profile is None:
        sums = np.asarray(X.sum(axis=0), dtype=np.float64).ravel()
        profile = sums / sums.sum()
    return share * lengths, np.asarray(profile, dtype=np.float64)


def append_background(W, Ht, rows, profile) -> tuple[np.ndarray, np.ndarray]:
    """W and Hᵀ with the background's column appended (``rows`` and ``profile`` of :func:`background_parts`)."""
    return (np.ascontiguousarray(np.column_stack([W, rows])), np.ascontiguousarray(np.column_stack([Ht, profile])))


def check_background(share) -> float:
    """The background share as a float; ValueError unless it lies in [0, 1)."""
    if isinstance(share, bool) or not isinstance(share, (int, float, np.floating)) or not 0 <= share < 1:
        raise ValueError(f"background must be a share in [0, 1); got {share!r}")
    return float(share)


@njit(parallel=True, cache=True, nogil=True)
def _residual_values(indptr, indices, data, rows, cols, out):  # pragma: no cover - compiled
    """out[q] = max(x_q − rows[i] · cols[j], 0) for each stored x_q = X[i, j] (i the CSR row)."""
    for i in prange(indptr.size - 1):
        r = rows[i]
        for q in range(indptr[i], indptr[i + 1]):
            v = data[q] - r * cols[indices[q]]
            out[q] = v if v > 0.0 else 0.0


def residual(X: sp.csr_matrix, rows, cols, dtype=np.float64) -> sp.csr_matrix:
    """max(X − rows colsᵀ, 0) on X's stored entries, sharing X's index arrays (only the values are new)."""
    values = np.empty(X.nnz, dtype)
    _residual_values(X.indptr, X.indices, X.data, rows, cols, values)
    return sp.csr_matrix((values, X.indices, X.indptr), shape=X.shape, copy=False)


def start_with_background(X: sp.csr_matrix, k: int, init: str, rng, share: float, products: Products, *,
                          W=None, H=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Initial W (n × (k+1)) and Hᵀ (m × (k+1)) with the background as their last column, and its profile.

    ``custom`` factors are the topics' part as given (the background is added).
    The residual's transpose, when the products gather through one, shares
    the index arrays of ``products.Xt``; a matrix too large for that keeps
    the residual's values in float32.
    """
    rows, profile = background_parts(X, share)
    if init == "custom":
        W, H = initialize(X, k, init, rng, loss="poisson", W=W, H=H)
    else:
        # a large matrix (one whose products do not gather) keeps the start's values in float32: 4 bytes a
        # stored count instead of 8 (0.4 GB for a million documents), rounded to 7 digits for a start only
        if products.gather:
            R, Rt = residual(X, rows, profile), residual(products.Xt, profile, rows)
        else:
            R, Rt = residual(X, rows, profile, np.float32), None
        W, H = initialize(R, k, init, rng, loss="poisson", products=Products(R, products.k, Xt=Rt))
        total = float(W.sum(axis=0) @ H.sum(axis=1))
        scale = np.sqrt((1.0 - share) * float(X.data.sum()) / total) if total > 0 else 1.0
        W, H = W * scale, H * scale
    W, Ht = append_background(W, H.T, rows, profile)
    return W, Ht, profile
