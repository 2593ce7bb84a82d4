"""Exact cosine nearest neighbours, computed a block of queries at a time.

No n_docs × n_docs matrix is ever formed: each block of query rows is
scored against all documents in a (block × n_docs) array whose size is
bounded by ``max_cells``, and only the best ``n`` of each row are kept.
Memory is O(n_docs · k + max_cells), so a million documents fit.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["unit_rows", "nearest"]

MAX_CELLS = 4_000_000  # 32 MB of float64 scores per block


def unit_rows(A) -> np.ndarray:
    """Rows scaled to unit length; zero rows stay zero (similar to nothing)."""
    A = np.asarray(A, dtype=np.float64)
    norms = np.linalg.norm(A, axis=1, keepdims=True)
    return np.divide(A, norms, out=np.zeros_like(A), where=norms > 0)


@numba.njit(parallel=True, cache=True, nogil=True)
def _top_rows(S, index, score):  # pragma: no cover - compiled
    """Per row of S, the len(index[0]) largest entries, best first; among equal scores the lower column."""
    n = index.shape[1]
    for r in numba.prange(S.shape[0]):
        row = S[r]
        vals = score[r]
        idx = index[r]
        size = 0
        for j in range(row.shape[0]):
            v = row[j]
            if size == n and not v > vals[n - 1]:
                continue  # a later equal score never displaces an earlier one
            p = size if size < n else n - 1
            while p > 0 and v > vals[p - 1]:
                if p < n:
                    vals[p] = vals[p - 1]
                    idx[p] = idx[p - 1]
                p -= 1
            vals[p] = v
            idx[p] = j
            if size < n:
                size += 1


def nearest(queries, documents, n: int = 10, *, exclude=None, max_cells: int = MAX_CELLS, progress=None):
    """The ``n`` documents most cosine-similar to each query.

    Parameters
    ----------
    queries : ndarray of shape (n_queries, k)
    documents : ndarray of shape (n_docs, k)
    n : int
        Neighbours per query (fewer when there are fewer documents).
    exclude : ndarray of shape (n_queries,) or None
        For each query, a document index never returned (the query itself
        when queries are documents); -1 for none.
    max_cells : int
        Upper bound on the scores held at once.
    progress : callable(done, total) or None

    Returns
    -------
    index : ndarray of shape (n_queries, n), int64
    score : ndarray of shape (n_queries, n)
        Best first; among equal scores the lower document index comes first.
    """
    Q = unit_rows(np.atleast_2d(queries))
    D = unit_rows(documents)
    n_queries, n_docs = Q.shape[0], D.shape[0]
    available = n_docs - (1 if exclude is not None else 0)
    n = max(0, min(int(n), available))
    index = np.empty((n_queries, n), dtype=np.int64)
    score = np.empty((n_queries, n))
    if n == 0:
        return index, score
    block = max(1, int(max_cells) // max(1, n_docs))
    for start in range(0, n_queries, block):
        stop = min(n_queries, start + block)
        S = Q[start:stop] @ D.T
        if exclude is not None:
            rows = np.arange(stop - start)
            own = np.asarray(exclude[start:stop])
            valid = own >= 0
            S[rows[valid], own[valid]] = -np.inf
        _top_rows(S, index[start:stop], score[start:stop])
        if progress is not None:
            progress(stop, n_queries)
    return index, score
