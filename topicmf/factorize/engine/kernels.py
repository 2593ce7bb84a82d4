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
    "spmm_t",
    "hals_sweep",
    "ccd_kl_rows",
    "mu_kl_numerator",
    "kl_row_terms",
    "extrapolate",
    "wh_nonzeros",
    "nonzero_gradient",
]

_OPTS = dict(cache=True, nogil=True, error_model="numpy")  # numpy's error model lets divisions vectorize
_NATURAL_LIMIT = 1 << 16  # nonzeros of a row up to which the CD kernel gathers into a second, natural-order buffer


@njit(inline="always", **_OPTS)
def _dot(a, b, k):
    acc = 0.0
    for r in range(k):
        acc += a[r] * b[r]
    return acc


@njit(parallel=True, **_OPTS)
def spmm(indptr, indices, data, B, out):
    """out = A @ B for A in CSR form, B dense (n_cols × k); blocks of rows in parallel.

    Each row accumulates in a private buffer, which the compiler can keep in
    registers (writing through ``out`` directly forces a store per product).
    """
    n, k = out.shape
    n_blocks = min(n, 64)
    for block in prange(n_blocks):
        acc = np.empty(k)
        for i in range(block * n // n_blocks, (block + 1) * n // n_blocks):
            for t in range(k):
                acc[t] = 0.0
            for p in range(indptr[i], indptr[i + 1]):
                v = data[p]
                b = B[indices[p]]
                for t in range(k):
                    acc[t] += v * b[t]
            for t in range(k):
                out[i, t] = acc[t]


@njit(parallel=True, fastmath={"reassoc", "contract"}, **_OPTS)
def spmm_t(indptr, indices, data, B, out, n_parts):
    """out = Aᵀ @ B for A in CSR form (n × m) and B dense (n × k), without forming Aᵀ.

    Rows of A are cut into ``n_parts`` contiguous parts; each part adds its
    rows' contributions b_i · a_ij into a private (m × k) buffer (reading A
    and B once, in order), and the buffers are summed part by part.  The
    order of every sum depends on ``n_parts`` only, never on the number of
    threads.  When B is too large for the caches this beats gathering rows
    of B through a stored Aᵀ, and it needs no transposed copy of A.
    """
    n, k = B.shape
    m = out.shape[0]
    parts = np.zeros((n_parts, m, k), out.dtype)
    for b in prange(n_parts):
        acc = parts[b]
        for i in range(b * n // n_parts, (b + 1) * n // n_parts):
            row = B[i]
            for q in range(indptr[i], indptr[i + 1]):
                v = data[q]
                o = acc[indices[q]]
                for t in range(k):
                    o[t] += v * row[t]
    for j in prange(m):
        for t in range(k):
            total = 0.0
            for b in range(n_parts):
                total += parts[b, j, t]
            out[j, t] = total


@njit(parallel=True, fastmath={"reassoc", "contract"}, **_OPTS)
def hals_sweep(F, A, B, l2, l1, delta, n_sweeps=1, tol=0.0):
    """Exact coordinate-descent sweeps over every row of F ≥ 0.

    Minimises ½ f B fᵀ − a fᵀ + ½ l2 |f|² + l1 Σf for each row f of F with
    a = A[row] (A: the product of X with the other factor, B: that factor's
    Gram matrix), one coordinate at a time, keeping the row's gradient up to
    date after each change (k² work per row).  Each row makes up to
    ``n_sweeps`` sweeps and stops early once a sweep changes it by at most
    ``tol``² · |f|² (with ``tol`` = 0: not at all); ``delta[row]`` receives
    the squared change of its last sweep.  Rows are split into contiguous
    blocks run in parallel.
    """
    n, k = F.shape
    n_blocks = min(n, 64)
    for b in prange(n_blocks):
        grad = np.empty(k)
        for i in range(b * n // n_blocks, (b + 1) * n // n_blocks):
            f = F[i]
            a = A[i]
            for t in range(k):
                acc = l1 - a[t] + l2 * f[t]
                row = B[t]
                for s in range(k):
                    acc += row[s] * f[s]
                grad[t] = acc
            change = 0.0
            for _ in range(n_sweeps):
                change = 0.0
                size = 0.0
                for t in range(k):
                    curv = B[t, t] + l2
                    new = f[t] - grad[t] / curv if curv > 0.0 else 0.0
                    if new < 0.0:
                        new = 0.0
                    d = new - f[t]
                    if d != 0.0:
                        f[t] = new
                        row = B[t]  # B is symmetric: column t is row t
                        for s in range(k):
                            grad[s] += d * row[s]
                        grad[t] += l2 * d
                        change += d * d
                    size += new * new
                if change <= tol * tol * size:
                    break
            delta[i] = change


@njit(parallel=True, fastmath={"reassoc", "contract"}, **_OPTS)
def ccd_kl_rows(indptr, indices, data, F, G, colsum, l2, l1, n_inner, floor, logsum, want_log, tol=0.0, n_free=-1):
    """Cyclic coordinate descent with Newton steps for KL / Poisson NMF; never increases the objective.

    For every row j of F (rows in parallel) and each coordinate r in turn,
    one Newton step on φ(f) = Σ_i [(G f)_i − x_ji ln (G f)_i] + ½ l2 f² + l1 f
    over the nonzeros x_ji of row j, projected onto f ≥ floor (Hsieh &
    Dhillon 2011).  φ'' falls as f grows, so a step to the right never
    overshoots.  A step to the left is safe while no (G f)_i drops by more
    than half (then φ's change is at most Δ·φ' + Δ²·φ'' ≤ 0 for |Δ| up to the
    Newton step); halving f_r is always within that, and a longer step is
    capped there.  So the objective never increases, with no extra pass.
    Each row makes up to ``n_inner`` passes over its coordinates, the data of
    the row gathered once; it stops early once a pass decreases its
    objective by an estimated Σ_r Δ_r² φ''_r ≤ ``tol`` · Σ_i x_ji (no
    movement at all, with ``tol`` = 0).  With a large ``n_inner`` and a small
    ``tol`` that solves each row to convergence, and rows that converge
    early cost nothing more (the fold-in).
    With ``want_log``, ``logsum[j]`` receives Σ_i x_ji ln(x_ji / (G f)_i) at the new row.
    Only the first ``n_free`` coordinates move (all with −1): the rest are
    fixed components (a background) that take part in (G f) and nothing else.
    """
    n, k = F.shape
    free = k if n_free < 0 else n_free
    n_chunks = min(n, 64)
    for c in prange(n_chunks):
        # scratch for the rows of this chunk, allocated once (a longer row gets its own)
        longest = 0
        for j in range(c, n, n_chunks):
            longest = max(longest, min(indptr[j + 1] - indptr[j], _NATURAL_LIMIT))
        gq_all = np.empty(k * longest)
        gT_chunk = np.empty(k * longest)
        x_chunk = np.empty(longest)
        p_chunk = np.empty(longest)
        for j in range(c, n, n_chunks):
            start = indptr[j]
            m = indptr[j + 1] - start
            f = F[j]
            if m == 0:
                for r in range(free):
                    f[r] = 0.0  # optimal: only the linear and penalty terms remain
                logsum[j] = 0.0
                continue
            if m <= longest:
                gT_all, x, p = gT_chunk, x_chunk, p_chunk
            else:
                gT_all, x, p = np.empty(k * m), np.empty(m), np.empty(m)
            gT = gT_all[: k * m].reshape((k, m))
            for r in range(free):
                if f[r] < floor:  # keep (G f) positive on the nonzeros
                    f[r] = floor
            total = 0.0
            if m <= _NATURAL_LIMIT:
                # gather rows of G as they lie (contiguous writes), then transpose in cache:
                # 30% faster than writing the transposed layout while gathering
                gq = gq_all[: k * m].reshape((m, k))
                for q in range(m):
                    x[q] = data[start + q]
                    total += x[q]
                    row = G[indices[start + q]]
                    acc = 0.0
                    for r in range(k):
                        v = row[r]
                        gq[q, r] = v
                        acc += v * f[r]
                    p[q] = acc
                for r in range(k):
                    for q in range(m):
                        gT[r, q] = gq[q, r]
            else:  # a very long row: no second copy of its gathered data
                for q in range(m):
                    x[q] = data[start + q]
                    total += x[q]
                    row = G[indices[start + q]]
                    acc = 0.0
                    for r in range(k):
                        gT[r, q] = row[r]
                        acc += row[r] * f[r]
                    p[q] = acc
            for _ in range(n_inner):
                decrease = 0.0
                for r in range(free):
                    g = gT[r]
                    grad = colsum[r] + l1 + l2 * f[r]
                    curv = l2
                    for q in range(m):
                        u = g[q] / p[q]
                        t = x[q] * u
                        grad -= t
                        curv += t * u
                    if curv <= 0.0:
                        continue
                    new = f[r] - grad / curv
                    if new < floor:
                        new = floor
                    step = new - f[r]
                    if step < 0.0 and -step > 0.5 * f[r]:
                        largest = 0.0
                        for q in range(m):
                            u = g[q] / p[q]
                            if u > largest:
                                largest = u
                        if -step * largest > 0.5:
                            step = -0.5 / largest
                    if step == 0.0:
                        continue
                    decrease += step * step * curv
                    f[r] += step
                    for q in range(m):
                        p[q] += step * g[q]
                if decrease <= tol * total:
                    break
            if want_log:
                acc = 0.0
                for q in range(m):
                    acc += x[q] * np.log(x[q] / p[q])
                logsum[j] = acc


@njit(parallel=True, fastmath={"reassoc", "contract"}, **_OPTS)
def mu_kl_numerator(indptr, indices, data, F, G, out, logsum):
    """out[j] = Σ_i (x_ji / (G f_j)_i) G[i] over the nonzeros of row j (the MU numerator).

    One pass over the nonzeros forms (G f_j)_i, the ratio and the sum (a
    fused version of scikit-learn's ``_special_sparse_dot`` and product);
    ``logsum[j]`` receives Σ_i x_ji ln(x_ji / (G f_j)_i) at the current F.
    Rows accumulate in a private buffer; strided rows balance the load.
    """
    n, k = F.shape
    n_chunks = min(n, 64)
    for c in prange(n_chunks):
        acc = np.empty(k)
        for j in range(c, n, n_chunks):
            for r in range(k):
                acc[r] = 0.0
            total = 0.0
            f = F[j]
            for q in range(indptr[j], indptr[j + 1]):
                row = G[indices[q]]
                p = max(_dot(row, f, k), 1e-300)
                x = data[q]
                total += x * np.log(x / p)
                ratio = x / p
                for r in range(k):
                    acc[r] += ratio * row[r]
            for r in range(k):
                out[j, r] = acc[r]
            logsum[j] = total


@njit(parallel=True, fastmath={"reassoc", "contract"}, **_OPTS)
def kl_row_terms(indptr, indices, data, F, G, logsum):
    """logsum[j] = Σ_i x_ji ln(x_ji / (G f_j)_i) over the nonzeros of row j."""
    n, k = F.shape
    for j in prange(n):
        acc = 0.0
        f = F[j]
        for q in range(indptr[j], indptr[j + 1]):
            x = data[q]
            acc += x * np.log(x / max(_dot(G[indices[q]], f, k), 1e-300))
        logsum[j] = acc


@njit(parallel=True, **_OPTS)
def wh_nonzeros(indptr, indices, F, G, out):
    """out[q] = ⟨F[j], G[indices[q]]⟩ for every stored entry q of row j: WH on the nonzeros."""
    n, k = F.shape
    for j in prange(n):
        f = F[j]
        for q in range(indptr[j], indptr[j + 1]):
            out[q] = _dot(G[indices[q]], f, k)


@njit(parallel=True, **_OPTS)
def extrapolate(F, F_keep, F_hat, beta):
    """F_hat = max(0, F + β (F − F_keep)), then F_keep = F: one pass instead of five."""
    n, k = F.shape
    for i in prange(n):
        for t in range(k):
            f = F[i, t]
            e = f + beta * (f - F_keep[i, t])
            F_hat[i, t] = e if e > 0.0 else 0.0
            F_keep[i, t] = f


@njit(parallel=True, fastmath={"reassoc", "contract"}, **_OPTS)
def nonzero_gradient(indptr, indices, F, G, out):
    """out[j] = Σ_q ⟨F[j], G[indices[q]]⟩ G[indices[q]] over row j's stored entries q.

    The part of (F Gᵀ) G that falls on the stored cells, in one pass (each row of G
    gathered once for both the product and the sum); SGD subtracts it from
    F (GᵀG) to get the exact gradient of the cells it does not visit.
    """
    n, k = F.shape
    n_blocks = min(n, 64)
    for block in prange(n_blocks):
        acc = np.empty(k)
        for j in range(block * n // n_blocks, (block + 1) * n // n_blocks):
            f = F[j]
            for t in range(k):
                acc[t] = 0.0
            for q in range(indptr[j], indptr[j + 1]):
                g = G[indices[q]]
                p = _dot(g, f, k)
                for t in range(k):
                    acc[t] += p * g[t]
            for t in range(k):
                out[j, t] = acc[t]

