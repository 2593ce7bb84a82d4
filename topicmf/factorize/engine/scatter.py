"""Compiled kernels over a row block of X that add into per-column (per-term) arrays.

A matrix held in row blocks (on the workers of a cluster) cannot run the
column-wise updates of H directly: every column's sums are spread over the
blocks.  These kernels compute one block's share of those sums, which add
up to the single-machine values (up to the order of additions); see
:mod:`topicmf.distributed`.  They run single-threaded (one block per worker
process).  Conventions as in :mod:`topicmf.factorize._kernels`: ``indptr``,
``indices``, ``data`` are the block's CSR arrays, ``W`` its rows of the
document factor, ``p`` the model's value (WH)_ij on each stored entry.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["cd_column_step", "cd_column_step_stats", "kl_terms", "mu_kl_numerator_t"]

_OPTS = dict(cache=True, nogil=True, error_model="numpy")


@njit(**_OPTS)
def cd_column_step_stats(indptr, indices, data, w_step, step, w_col, rates, grad, curv, largest):  # pragma: no cover
    """:func:`cd_column_step` for the previous coordinate (``w_step``, ``step``; zero steps change nothing),
    then, for the next coordinate (``w`` = column r of W), add Σ x·u, Σ x·u² and max u, u = w_i / p_ij, per
    column j — in one pass over the entries."""
    for i in range(indptr.size - 1):
        ws = w_step[i]
        wi = w_col[i]
        for q in range(indptr[i], indptr[i + 1]):
            j = indices[q]
            s = step[j]
            if s != 0.0:
                rates[q] += s * ws
            u = wi / rates[q]
            t = data[q] * u
            grad[j] += t
            curv[j] += t * u
            if u > largest[j]:
                largest[j] = u


@njit(**_OPTS)
def cd_column_step(indptr, indices, w_col, step, rates):  # pragma: no cover - compiled
    """p_ij += step_j · w_i on every stored entry: the model after a coordinate step of every column."""
    for i in range(indptr.size - 1):
        wi = w_col[i]
        for q in range(indptr[i], indptr[i + 1]):
            s = step[indices[q]]
            if s != 0.0:
                rates[q] += s * wi


@njit(**_OPTS)
def kl_terms(data, rates):  # pragma: no cover - compiled
    """Σ x ln(x / p) over the stored entries."""
    total = 0.0
    for q in range(data.size):
        total += data[q] * np.log(data[q] / rates[q])
    return total


@njit(**_OPTS)
def mu_kl_numerator_t(indptr, indices, data, W, Ht, out):  # pragma: no cover - compiled
    """out[j] += Σ_i (x_ij / (W Hᵀ)_ij) W[i]: this block's share of the multiplicative update's numerator for H."""
    k = W.shape[1]
    for i in range(indptr.size - 1):
        w = W[i]
        for q in range(indptr[i], indptr[i + 1]):
            h = Ht[indices[q]]
            acc = 0.0
            for r in range(k):
                acc += w[r] * h[r]
            ratio = data[q] / max(acc, 1e-300)
            o = out[indices[q]]
            for r in range(k):
                o[r] += ratio * w[r]
