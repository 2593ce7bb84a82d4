"""The compiled loop of :func:`topicmf.text.matrix.matrix_digest`."""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["digest"]


@numba.njit(cache=True)
def digest(indptr, indices, data, row_offset, n_cols):  # pragma: no cover - compiled
    total = np.uint64(0)
    for i in range(indptr.size - 1):
        for q in range(indptr[i], indptr[i + 1]):
            z = np.uint64(row_offset + i) * np.uint64(n_cols) + np.uint64(indices[q])
            z ^= np.uint64(np.float64(data[q]).view(np.uint64)) * np.uint64(0x9E3779B97F4A7C15)
            z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            total += z ^ (z >> np.uint64(31))
    return total
