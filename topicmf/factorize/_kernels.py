"""Compiled kernels (numba) for the NMF and LSA solvers.

Every kernel works row by row on a CSR matrix (``indptr``, ``indices``,
``data``) and writes one output row per input row, so rows run in parallel
without any shared reduction: results are bitwise identical for any number
of threads.  Sums over rows are left to numpy, in a fixed order.

Conventions: for an update of ``F`` (one row per row of the CSR matrix) the
other factor is ``G`` (one row per column of the CSR matrix); both are
C-contiguous float64 arrays with ``k`` columns.  Updating W uses X (CSR) with
F = W, G = Hᵀ; updating H uses Xᵀ (CSR) with F = Hᵀ, G = W.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = [
    "spmm",
    "hals_sweep",
    "ccd_kl_rows",
    "mu_kl_numerator",
    "kl_row_terms",
    "sgd_epoch",
]

_OPTS = dict(cache=True, nogil=True)


@njit(parallel=True, **_OPTS)
def spmm(indptr, indices, data, B, out):
    """out = A @ B for A in CSR form, B dense (n_cols × k); rows in parallel."""
    n, k = out.shape
    for i in prange(n):
        for t in range(k):
            out[i, t] = 0.0
        for p in range(indptr[i], indptr[i + 1]):
            v = data[p]
            b = B[indices[p]]
            for t in range(k):
                out[i, t] += v * b[t]


@njit(parallel=True, **_OPTS)
def hals_sweep(F, A, B, l2, l1, delta):
    """One exact coordinate-descent sweep over every row of F ≥ 0.

    Minimises ½ f B fᵀ − a fᵀ + ½ l2 |f|² + l1 Σf for each row f of F with
    a = A[row] (A = X Gᵀ-side product, B = Gram matrix of the other factor),
    one coordinate at a time.  ``delta[row]`` receives the squared change.
    """
    n, k = F.shape
    for i in prange(n):
        change = 0.0
        f = F[i]
        a = A[i]
        for t in range(k):
            grad = l1 - a[t] + l2 * f[t]
            for s in range(k):
                grad += B[t, s] * f[s]
            curv = B[t, t] + l2
            if curv <= 0.0:
                new = 0.0
            else:
                new = f[t] - grad / curv
                if new < 0.0:
                    new = 0.0
            d = new - f[t]
            change += d * d
            f[t] = new
        delta[i] = change


@njit(parallel=True, **_OPTS)
def ccd_kl_rows(indptr, indices, data, F, G, colsum, l2, l1, n_inner, floor, logsum):
    """Cyclic coordinate descent with safeguarded Newton steps for KL / Poisson NMF.

    For every row j of F (in parallel) and each coordinate r in turn, takes a
    Newton step on φ(f) = Σ_i [(G f)_i − x_ji ln (G f)_i] + ½ l2 f² + l1 f
    over the nonzeros x_ji of row j of the CSR matrix, projected onto
    f ≥ floor.  A step that moves right cannot overshoot (φ'' falls as f
    grows); a step to the left is halved until φ decreases, so the objective
    never increases.  (Hsieh & Dhillon 2011, with a monotone safeguard.)
    ``logsum[j]`` receives Σ_i x_ji ln(x_ji / (G f)_i) at the new row.
    """
    n, k = F.shape
    for j in prange(n):
        start = indptr[j]
        stop = indptr[j + 1]
        m = stop - start
        f = F[j]
        if m == 0:
            for r in range(k):
                f[r] = 0.0  # optimal: only the linear and penalty terms remain
            logsum[j] = 0.0
            continue
        g_rows = np.empty((m, k))
        x = np.empty(m)
        p = np.zeros(m)
        for q in range(m):
            x[q] = data[start + q]
            row = G[indices[start + q]]
            acc = 0.0
            for r in range(k):
                g_rows[q, r] = row[r]
                acc += row[r] * f[r]
            p[q] = acc
        for r in range(k):
            if f[r] < floor:  # keep (G f) positive on the nonzeros
                d = floor - f[r]
                f[r] = floor
                for q in range(m):
                    p[q] += d * g_rows[q, r]
        for _ in range(n_inner):
            for r in range(k):
                grad = colsum[r] + l1 + l2 * f[r]
                curv = l2
                for q in range(m):
                    w = g_rows[q, r]
                    if w != 0.0:
                        ratio = x[q] / p[q]
                        grad -= w * ratio
                        curv += w * w * ratio / p[q]
                if curv <= 0.0:
                    continue
                new = f[r] - grad / curv
                if new < floor:
                    new = floor
                step = new - f[r]
                if step == 0.0:
                    continue
                if step < 0.0:
                    # φ(f + step) − φ(f) must be negative; halve the step until it is
                    for _try in range(30):
                        diff = (colsum[r] + l1) * step + l2 * step * (f[r] + 0.5 * step)
                        for q in range(m):
                            w = g_rows[q, r]
                            if w != 0.0:
                                diff -= x[q] * np.log1p(step * w / p[q])
                        if diff <= 0.0:
                            break
                        step *= 0.5
                    else:
                        step = 0.0
                    if step == 0.0:
                        continue
                f[r] += step
                for q in range(m):
                    p[q] += step * g_rows[q, r]
        acc = 0.0
        for q in range(m):
            acc += x[q] * np.log(x[q] / p[q])
        logsum[j] = acc


@njit(parallel=True, **_OPTS)
def mu_kl_numerator(indptr, indices, data, F, G, out, logsum):
    """out[j] = Σ_i (x_ji / (G f_j)_i) G[i] over the nonzeros of row j (the MU numerator).

    ``logsum[j]`` receives Σ_i x_ji ln(x_ji / (G f_j)_i) at the current F.
    """
    n, k = F.shape
    for j in prange(n):
        for r in range(k):
            out[j, r] = 0.0
        acc = 0.0
        f = F[j]
        for q in range(indptr[j], indptr[j + 1]):
            row = G[indices[q]]
            p = 0.0
            for r in range(k):
                p += row[r] * f[r]
            x = data[q]
            if p <= 0.0:
                p = 1e-300
            acc += x * np.log(x / p)
            ratio = x / p
            for r in range(k):
                out[j, r] += ratio * row[r]
        logsum[j] = acc


@njit(parallel=True, **_OPTS)
def kl_row_terms(indptr, indices, data, F, G, logsum):
    """logsum[j] = Σ_i x_ji ln(x_ji / (G f_j)_i) over the nonzeros of row j."""
    n, k = F.shape
    for j in prange(n):
        acc = 0.0
        f = F[j]
        for q in range(indptr[j], indptr[j + 1]):
            row = G[indices[q]]
            p = 0.0
            for r in range(k):
                p += row[r] * f[r]
            if p <= 0.0:
                p = 1e-300
            x = data[q]
            acc += x * np.log(x / p)
        logsum[j] = acc


@njit(**_OPTS)
def sgd_epoch(rows, cols, vals, order, W, H, gram_W, gram_H, colsum_W, colsum_H, nnz_row, nnz_col,
              step_W, step_H, l2_W, l2_H, l1_W, l1_H, mode, floor):
    """One epoch of per-entry stochastic gradient updates over the nonzeros, in ``order``.

    Each nonzero x_ij updates w_i and h_j together.  Its own term is the
    seed's per-entry error times the other factor; the zero cells of row i
    (and column j) are not visited one by one: their gradient is computed
    exactly from the Gram matrix (Frobenius) or the column sums (Poisson) and
    each of the row's nnz_row[i] entries takes an equal share, so one epoch is
    one full gradient step in expectation.

    mode 0 (LSA) and 1 (Frobenius NMF, projected onto ≥ 0):
        g_w = (w_i·HHᵀ + l2_W w_i + l1_W) / nnz_row[i] − x_ij h_j,  w_i ← w_i − step_W g_w
    mode 2 (Poisson NMF), with the relative error ε̃ = (p − x)/p = 1 − x/p on the cell:
        g_w = (Σ_j h_j + l2_W w_i + l1_W) / nnz_row[i] − (x_ij/p) h_j,
        w_i ← max(floor, w_i − step_W · w_i / (Σ_j h_j + l2_W w_i + l1_W) ⊙ g_w)
    (the diagonal scaling makes a full epoch at step 1 the multiplicative update).
    The Gram matrices and column sums are those of the epoch's start.
    """
    k = W.shape[1]
    gw = np.empty(k)
    gh = np.empty(k)
    for e in order:
        i = rows[e]
        j = cols[e]
        x = vals[e]
        w = W[i]
        h = H[j]
        if mode == 2:
            p = 0.0
            for r in range(k):
                p += w[r] * h[r]
            if p < floor:
                p = floor
            ratio = x / p
            for r in range(k):
                dw = colsum_H[r] + l2_W * w[r] + l1_W
                dh = colsum_W[r] + l2_H * h[r] + l1_H
                gw[r] = step_W * w[r] / dw * (dw / nnz_row[i] - ratio * h[r])
                gh[r] = step_H * h[r] / dh * (dh / nnz_col[j] - ratio * w[r])
            for r in range(k):
                w_new = w[r] - gw[r]
                h_new = h[r] - gh[r]
                w[r] = w_new if w_new > floor else floor
                h[r] = h_new if h_new > floor else floor
        else:
            for r in range(k):
                acc_w = l2_W * w[r] + l1_W
                acc_h = l2_H * h[r] + l1_H
                for s in range(k):
                    acc_w += w[s] * gram_H[s, r]
                    acc_h += h[s] * gram_W[s, r]
                gw[r] = acc_w / nnz_row[i] - x * h[r]
                gh[r] = acc_h / nnz_col[j] - x * w[r]
            for r in range(k):
                w_new = w[r] - step_W * gw[r]
                h_new = h[r] - step_H * gh[r]
                if mode == 1:
                    w_new = w_new if w_new > 0.0 else 0.0
                    h_new = h_new if h_new > 0.0 else 0.0
                w[r] = w_new
                h[r] = h_new
