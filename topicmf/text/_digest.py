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


@numba.njit(cache=True)
def strings_digest(data, offsets, row_offset):  # pragma: no cover - compiled
    """Σ over strings of a mixing hash of (FNV-1a of its UTF-8 bytes, its row), mod 2⁶⁴."""
    total = np.uint64(0)
    for i in range(offsets.size - 1):
        h = np.uint64(0xCBF29CE484222325)
        for q in range(offsets[i], offsets[i + 1]):
            h = (h ^ np.uint64(data[q])) * np.uint64(0x100000001B3)
        z = h ^ (np.uint64(row_offset + i) * np.uint64(0x9E3779B97F4A7C15))
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        total += z ^ (z >> np.uint64(31))
    return total
