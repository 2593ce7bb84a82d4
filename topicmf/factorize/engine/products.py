"""Products of a CSR matrix X and its transpose with dense factors, chosen by size.

Xᵀ B can be formed two ways.  Gathering rows of B through a stored CSR copy
of Xᵀ is fastest while B fits in the caches (20 Newsgroups: 30% faster than
the alternative), but a large B (a million documents × 50 topics is 400 MB)
turns every gather into a trip to memory, and the copy of Xᵀ costs as much
memory as X.  Scattering each row of X into per-part buffers reads X and B
once, in order: three times faster at a million documents, and no copy.
:class:`Products` picks by the size of B and builds Xᵀ only when a solver
uses it.  Both ways sum in an order fixed by the matrix, never by threads.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from . import kernels
from .threads import SMALL_WORK

__all__ = ["Products", "GATHER_LIMIT"]

#: Bytes of the dense factor up to which Xᵀ B gathers rows of B through a stored Xᵀ.
GATHER_LIMIT = 48 * 2**20
_PART_ROWS = 50_000  # rows of X per scatter part (at most 4 parts)


class Products:
    """X B and Xᵀ B for one matrix X (n × m, CSR) and factors with ``k`` columns."""

    def __init__(self, X: sp.csr_matrix, k: int, *, Xt: sp.csr_matrix | None = None, transpose: str = "auto"):
        """``transpose``: "auto" chooses by size; "scatter" never builds Xᵀ (a cluster's block keeps no copy)."""
        self.X = X
        self.k = k
        self._Xt = Xt  # Xᵀ when the caller has it already
        self.gather = X.shape[0] * k * 8 <= GATHER_LIMIT and transpose != "scatter"
        self.parts = int(np.clip(X.shape[0] // _PART_ROWS, 1, 4))
        # a small product is scipy's: as fast on one thread, and a process that only fits small
        # LSA models never starts numba (0.2 s the first time a compiled kernel is called)
        self.small = X.nnz * k < SMALL_WORK

    @property
    def Xt(self) -> sp.csr_matrix:
        """Xᵀ as CSR, built on first use."""
        if self._Xt is None:
            self._Xt = self.X.T.tocsr()
        return self._Xt

    def times(self, B: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """X @ B (B: m × width, C-contiguous)."""
        X = self.X
        B = np.ascontiguousarray(B)
        if self.small:
            return _into(X @ B, out)
        if out is None:
            out = np.empty((X.shape[0], B.shape[1]), dtype=np.result_type(X.data, B))
        kernels.spmm(X.indptr, X.indices, X.data, B, out)
        return out

    def t_times(self, B: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Xᵀ @ B (B: n × width, C-contiguous)."""
        X = self.X
        B = np.ascontiguousarray(B)
        if self.small:
            return _into(X.T @ B, out)
        if out is None:
            out = np.empty((X.shape[1], B.shape[1]), dtype=np.result_type(X.data, B))
        if self.gather:
            Xt = self.Xt
            kernels.spmm(Xt.indptr, Xt.indices, Xt.data, B, out)
        else:
            kernels.spmm_t(X.indptr, X.indices, X.data, B, out, self.parts)
        return out


def _into(product: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """scipy's product, C-contiguous, written into ``out`` when one is given."""
    if out is None:
        return np.ascontiguousarray(product)
    out[...] = product
    return out
