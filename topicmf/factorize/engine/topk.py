"""The best entries of each row of a score matrix, in compiled code (recommendations, neighbours).

A partial sort per row in one pass: ``argpartition`` along the rows of a users × items block
copies and partitions every row (about 50 ns an entry); keeping the ``n`` best in a small
sorted buffer while reading the row costs about 1 ns an entry, in parallel over the rows.
"""

from __future__ import annotations

import numba

__all__ = ["top_of_row", "top_rows"]


@numba.njit(cache=True, nogil=True)
def top_of_row(row, idx, vals):  # pragma: no cover - compiled
    """The len(idx) largest entries of ``row`` into ``idx``/``vals``, best first; among equal scores the lower
    column (a later equal score never displaces an earlier one)."""
    n = idx.shape[0]
    size = 0
    for j in range(row.shape[0]):
        v = row[j]
        if size == n and not v > vals[n - 1]:
            continue
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


@numba.njit(parallel=True, cache=True, nogil=True)
def top_rows(S, index, score):  # pragma: no cover - compiled
    """Per row of S, the len(index[0]) largest entries, best first; among equal scores the lower column."""
    for r in numba.prange(S.shape[0]):
        top_of_row(S[r], index[r], score[r])
