"""Compiled kernels of the rating-matrix models: explicit SGD by strata, ALS row solves.

Explicit model on the known cells K only:  r̂_ij = μ + b_i + c_j + ⟨u_i, v_j⟩,
Q = Σ_K (r_ij − r̂_ij)² + α‖U‖² + β‖V‖² + γ‖b‖² + δ‖c‖².

Implicit model on every cell:  Q = Σ_ij w_ij (p_ij − ⟨u_i, v_j⟩)² + λ(‖U‖² + ‖V‖²),
p_ij = [x_ij > 0], w_ij = 1 + α|x_ij|, solved row by row with YᵀY + Yᵀ(W_i − I)Y.

Row kernels run rows in parallel and write only their own row, so results are the same
on any number of threads; the SGD epoch uses :class:`~topicmf.factorize._sgd.Strata`.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ..engine.strata import stratified_epoch

_OPTS = dict(cache=True, nogil=True, error_model="numpy")


@njit(fastmath={"reassoc", "contract"}, **_OPTS)
def explicit_block(rows, cols, vals, lo, hi, U, V, args):  # pragma: no cover - compiled
    """Funk/Koren SGD steps over one block's entries in their stored order (the old u_i in v_j's step).

    ``args`` = (b, c, mu, eta, alpha, beta, gamma, delta, share_row, share_col).  An entry carries
    ``share_row[i]`` of row i's penalties and ``share_col[j]`` of column j's: 1 when every known cell
    carries them (Funk's objective), 1/n_i and 1/m_j when each factor is penalised once, so an
    epoch's steps add up to one gradient step of Q either way.
    """
    b, c, mu, eta, alpha, beta, gamma, delta, share_row, share_col = args
    k = U.shape[1]
    for e in range(lo, hi):
        i = rows[e]
        j = cols[e]
        u = U[i]
        v = V[j]
        p = mu + b[i] + c[j]
        for r in range(k):
            p += u[r] * v[r]
        err = vals[e] - p
        a_i = alpha * share_row[i]
        b_j = beta * share_col[j]
        b[i] += eta * (err - gamma * share_row[i] * b[i])
        c[j] += eta * (err - delta * share_col[j] * c[j])
        for r in range(k):
            ur = u[r]
            u[r] = ur + eta * (err * v[r] - a_i * ur)
            v[r] = v[r] + eta * (err * ur - b_j * v[r])


#: One SGD epoch of the explicit model: the one stratified driver, specialised to its block kernel.
explicit_epoch = stratified_epoch(explicit_block)


@njit(parallel=True, fastmath={"reassoc", "contract"}, **_OPTS)
def explicit_residuals(indptr, indices, data, U, V, user_bias, item_bias, mu, out):
    """out[q] = r_ij − r̂_ij for every known cell q of row i (rows of a CSR matrix in parallel)."""
    n, k = U.shape
    for i in prange(n):
        u = U[i]
        for q in range(indptr[i], indptr[i + 1]):
            j = indices[q]
            v = V[j]
            p = mu + user_bias[i] + item_bias[j]
            for r in range(k):
                p += u[r] * v[r]
            out[q] = data[q] - p


@njit(parallel=True, **_OPTS)
def explicit_rows(indptr, indices, data, F, f_bias, G, g_bias, mu, reg, reg_bias, with_factors, per_rating):
    """Exact ridge solve of every row's (f_i, bias_i) over its known cells, the other side fixed.

    Row i minimises Σ_q (r_iq − μ − g_bias[j] − bias_i − ⟨f_i, g_j⟩)² + s_i (reg‖f_i‖² + reg_bias·bias_i²)
    over its stored cells q (column j = indices[q]), s_i = n_i (its number of known cells)
    when ``per_rating`` (every known cell carries the penalties: Funk's objective, ALS-WR),
    else 1: the normal equations of the features z_j = (g_j, 1) with that diagonal penalty.
    ``with_factors`` False solves the bias alone (the baseline model).  A row without known
    cells gets 0.
    """
    n, k = F.shape
    m = k + 1 if with_factors else 1
    for i in prange(n):
        lo, hi = indptr[i], indptr[i + 1]
        if hi == lo:
            for r in range(k):
                F[i, r] = 0.0
            f_bias[i] = 0.0
            continue
        A = np.zeros((m, m))
        rhs = np.zeros(m)
        z = np.empty(m)
        for q in range(lo, hi):
            j = indices[q]
            if with_factors:
                for r in range(k):
                    z[r] = G[j, r]
            z[m - 1] = 1.0
            t = data[q] - mu - g_bias[j]
            for r in range(m):
                zr = z[r]
                rhs[r] += zr * t
                for s in range(r, m):
                    A[r, s] += zr * z[s]
        scale = float(hi - lo) if per_rating else 1.0
        for r in range(m):
            for s in range(r + 1, m):
                A[s, r] = A[r, s]
            A[r, r] += scale * (reg if r < m - 1 else reg_bias)
        x = np.linalg.solve(A, rhs)
        if with_factors:
            for r in range(k):
                F[i, r] = x[r]
        f_bias[i] = x[m - 1]


@njit(parallel=True, **_OPTS)
def implicit_rows_exact(indptr, indices, data, F, G, gram, alpha, reg):
    """Exact implicit-ALS solve of every row: (GᵀG + Σ_q (w_q − 1) g_j g_jᵀ + reg I) f = Σ_q w_q p_q g_j.

    ``gram`` = GᵀG over all columns; the sums run over the row's stored cells only
    (w = 1 + α|x|, p = [x > 0]), so no dense row is ever formed.
    """
    n, k = F.shape
    for i in prange(n):
        A = gram.copy()
        rhs = np.zeros(k)
        for r in range(k):
            A[r, r] += reg
        for q in range(indptr[i], indptr[i + 1]):
            g = G[indices[q]]
            x = data[q]
            w = 1.0 + alpha * abs(x)
            if x > 0.0:
                for r in range(k):
                    rhs[r] += w * g[r]
            extra = w - 1.0
            if extra != 0.0:
                for r in range(k):
                    gr = extra * g[r]
                    for s in range(k):
                        A[r, s] += gr * g[s]
        x = np.linalg.solve(A, rhs)
        for r in range(k):
            F[i, r] = x[r]


@njit(parallel=True, fastmath={"reassoc", "contract"}, **_OPTS)
def implicit_rows_cg(indptr, indices, data, F, G, gram, alpha, reg, steps):
    """``steps`` conjugate-gradient steps on each row's implicit-ALS system, from its current value.

    A f = GᵀG f + Σ_q (w_q − 1) g_j ⟨g_j, f⟩ + reg f costs O(n_i k + k²) per product
    (Takács, Pilászy & Tikk 2011), so no k × k system is built per row.
    """
    n, k = F.shape
    for i in prange(n):
        f = F[i]
        lo, hi = indptr[i], indptr[i + 1]
        r_vec = np.empty(k)
        p_vec = np.empty(k)
        Ap = np.empty(k)
        # r = b − A f
        for r in range(k):
            acc = -reg * f[r]
            for s in range(k):
                acc -= gram[r, s] * f[s]
            r_vec[r] = acc
        for q in range(lo, hi):
            g = G[indices[q]]
            x = data[q]
            w = 1.0 + alpha * abs(x)
            dot = 0.0
            for r in range(k):
                dot += g[r] * f[r]
            coef = (w if x > 0.0 else 0.0) - (w - 1.0) * dot
            for r in range(k):
                r_vec[r] += coef * g[r]
        rs = 0.0
        for r in range(k):
            p_vec[r] = r_vec[r]
            rs += r_vec[r] * r_vec[r]
        for _ in range(steps):
            if rs < 1e-20:
                break
            for r in range(k):
                acc = reg * p_vec[r]
                for s in range(k):
                    acc += gram[r, s] * p_vec[s]
                Ap[r] = acc
            for q in range(lo, hi):
                g = G[indices[q]]
                extra = alpha * abs(data[q])
                if extra == 0.0:
                    continue
                dot = 0.0
                for r in range(k):
                    dot += g[r] * p_vec[r]
                for r in range(k):
                    Ap[r] += extra * dot * g[r]
            pAp = 0.0
            for r in range(k):
                pAp += p_vec[r] * Ap[r]
            if pAp <= 0.0:
                break
            step = rs / pAp
            rs_new = 0.0
            for r in range(k):
                f[r] += step * p_vec[r]
                r_vec[r] -= step * Ap[r]
                rs_new += r_vec[r] * r_vec[r]
            for r in range(k):
                p_vec[r] = r_vec[r] + (rs_new / rs) * p_vec[r]
            rs = rs_new


@njit(parallel=True, fastmath={"reassoc", "contract"}, **_OPTS)
def implicit_stored_terms(indptr, indices, data, F, G, alpha, out):
    """out[i] = Σ_q [w_q (p_q − s_q)² − s_q²] over row i's stored cells, s = ⟨f_i, g_j⟩.

    With tr(FᵀF GᵀG) = Σ_all s², this gives the implicit objective without a dense pass.
    """
    n, k = F.shape
    for i in prange(n):
        f = F[i]
        acc = 0.0
        for q in range(indptr[i], indptr[i + 1]):
            g = G[indices[q]]
            s = 0.0
            for r in range(k):
                s += f[r] * g[r]
            x = data[q]
            w = 1.0 + alpha * abs(x)
            d = (1.0 if x > 0.0 else 0.0) - s
            acc += w * d * d - s * s
        out[i] = acc
