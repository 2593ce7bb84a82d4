"""Stratified SGD: per-entry updates in parallel and still bitwise reproducible.

The stored entries of a matrix are grouped into ``B × B`` blocks: rows cut into B
row blocks and columns into B column blocks, each holding about the same number
of entries.  A *stratum* is B blocks that share no row block and no column block
(block ``(b, σ((b + s) mod B))`` for b = 0…B−1); its blocks touch disjoint rows of
both factors, so they run in parallel without a race.  An epoch visits the B
strata in a seeded order, and inside each block the entries in a seeded order
(Gemulla, Nijkamp, Haas & Sismanis 2011).  B depends on the matrix alone, never on
the number of threads, so a seed gives the same factors bitwise on any number of
threads.  A block's slices of the factors are small enough to stay in cache,
which is most of the speed: one entry after another in a random order over the
whole matrix misses the cache on almost every factor row.

The schedule (:class:`Strata`) and the epoch's driver know nothing of the model: a model
brings the kernel that makes the steps of one block's entries, and
:func:`stratified_epoch` specialises the one driver to it.  (numba cannot cache a function
that takes another compiled function as an argument, nor a closure over one; the driver's
code is instead compiled once per kernel as a function of its own name, the kernel a global
of it, which numba caches like any other.)  The topic models' kernels are here
(:func:`squared_block` for LSA and Frobenius NMF, :func:`poisson_block`), the explicit rating
model's in :mod:`topicmf.factorize.ratings.kernels`.
"""

from __future__ import annotations

import hashlib
import inspect
import types

import numpy as np
from numba import njit, prange

_OPTS = dict(cache=True, nogil=True, error_model="numpy")
# A block's rows of both factors should fit about this much cache.  Measured on 20 Newsgroups
# (k = 20, 2 cores), an epoch took 22 ms with 16 blocks a side, 24 with 32, 27 with 64, 34 with
# 128 and 28 with 4: more, smaller blocks cost more than the cache they save until the factors'
# slices outgrow the caches; 16 a side also keep 16 threads busy.
_CACHE_BYTES = 1 << 20
_MIN_BLOCKS, _MAX_BLOCKS = 16, 64


def n_blocks(n_rows: int, n_cols: int, k: int) -> int:
    """Blocks per side: at least 16 (for balance), more while a block's factor rows outgrow the cache.

    Depends on the shape and k only (never on threads), so the schedule is the same everywhere.
    """
    need = (n_rows + n_cols) * k * 8 / _CACHE_BYTES
    blocks = _MIN_BLOCKS
    while blocks < need and blocks < _MAX_BLOCKS:
        blocks *= 2
    return max(1, min(blocks, n_rows, n_cols))


def _cuts(counts: np.ndarray, blocks: int) -> np.ndarray:
    """Block id of each index, cutting the cumulative entry counts into equal parts."""
    total = counts.sum()
    if total == 0:
        return np.zeros(counts.size, dtype=np.int64)
    before = np.cumsum(counts) - counts  # entries before each index
    return np.minimum((before * blocks) // total, blocks - 1).astype(np.int64)


class Strata:
    """The stored entries of a sparse matrix, grouped into blocks for stratified SGD.

    Built once per fit; ``rows``, ``cols`` and ``vals`` are the entries in block
    order (block ``rb * B + cb`` spans ``ptr[rb * B + cb]`` to the next pointer),
    and each epoch reorders the entries inside their blocks.
    """

    def __init__(self, X, k: int):
        n, m = X.shape
        self.B = B = n_blocks(n, m, k)
        counts_row = np.diff(X.indptr)
        rows = np.repeat(np.arange(n, dtype=np.int32), counts_row)
        cols = X.indices.astype(np.int32, copy=False)
        row_block = _cuts(counts_row, B)
        col_block = _cuts(np.bincount(cols, minlength=m), B)
        block = row_block[rows] * B + col_block[cols]
        order = np.argsort(block, kind="stable")
        self.rows = np.ascontiguousarray(rows[order])
        self.cols = np.ascontiguousarray(cols[order])
        self.vals = np.ascontiguousarray(X.data[order], dtype=np.float64)
        self.ptr = np.zeros(B * B + 1, dtype=np.int64)
        np.cumsum(np.bincount(block, minlength=B * B), out=self.ptr[1:])

    def schedule(self, rng: np.random.Generator):
        """One epoch's seeded schedule: stratum shifts, the column-block map and per-block seeds."""
        B = self.B
        shifts = rng.permutation(B).astype(np.int64)
        col_map = rng.permutation(B).astype(np.int64)
        seeds = rng.integers(1, np.iinfo(np.int64).max, size=B * B, dtype=np.int64)
        return shifts, col_map, seeds

    def epoch(self, rng, driver, F, G, args: tuple) -> None:
        """One epoch of per-entry steps on F (the rows' factor) and G (the columns'), in place: ``driver`` is
        :func:`stratified_epoch` of the model's block kernel, ``args`` that kernel's own arguments."""
        shifts, col_map, seeds = self.schedule(rng)
        driver(self.rows, self.cols, self.vals, self.ptr, self.B, shifts, col_map, seeds, F, G, args)


@njit(inline="always", **_OPTS)
def _next(state):
    """splitmix64: the next state and a 64-bit output (as uint64)."""
    state = (state + np.uint64(0x9E3779B97F4A7C15)) & np.uint64(0xFFFFFFFFFFFFFFFF)
    z = state
    z = ((z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)) & np.uint64(0xFFFFFFFFFFFFFFFF)
    z = ((z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)) & np.uint64(0xFFFFFFFFFFFFFFFF)
    return state, z ^ (z >> np.uint64(31))


@njit(**_OPTS)
def shuffle_block(rows, cols, vals, lo, hi, seed):
    """Fisher–Yates over entries lo…hi−1 in place, from a splitmix64 stream."""
    state = np.uint64(seed)
    for a in range(hi - 1, lo, -1):
        state, z = _next(state)
        b = lo + np.int64(z % np.uint64(a - lo + 1))
        rows[a], rows[b] = rows[b], rows[a]
        cols[a], cols[b] = cols[b], cols[a]
        vals[a], vals[b] = vals[b], vals[a]


def _epoch(rows, cols, vals, ptr, B, shifts, col_map, seeds, F, G, args):  # pragma: no cover - compiled
    """One epoch: the strata in the order of ``shifts``, a stratum's blocks in parallel.

    Each block first reorders its entries with its own seed, then ``block`` (a global bound per
    specialisation) makes their steps; blocks of a stratum share no row of F and no row of G,
    so the result does not depend on which thread runs which block.
    """
    for t in range(B):
        for b in prange(B):
            blk = b * B + col_map[(b + shifts[t]) % B]
            lo, hi = ptr[blk], ptr[blk + 1]
            if hi - lo == 0:
                continue
            shuffle_block(rows, cols, vals, lo, hi, seeds[blk])
            block(rows, cols, vals, lo, hi, F, G, args)  # noqa: F821 - bound by stratified_epoch


def stratified_epoch(block):
    """The epoch driver specialised to a block kernel ``block(rows, cols, vals, lo, hi, F, G, args)``.

    The driver's code is compiled as a function of its own name with ``block`` as its global,
    so numba caches each specialisation; the name carries a digest of the kernel's source, so a
    changed kernel is compiled afresh instead of being read back from a stale cache.
    """
    digest = hashlib.sha256(inspect.getsource(block.py_func).encode()).hexdigest()[:12]
    name = f"_epoch_{block.__name__}_{digest}"
    function = types.FunctionType(_epoch.__code__, dict(_epoch.__globals__, block=block), name)
    function.__qualname__ = name
    function.__doc__ = _epoch.__doc__
    return njit(parallel=True, **_OPTS)(function)


@njit(fastmath={"reassoc", "contract"}, **_OPTS)
def squared_block(rows, cols, vals, lo, hi, PW, PH, args):  # pragma: no cover - compiled
    """The squared loss's per-entry steps over one block's entries, in their stored order (LSA; NMF projected
    onto ≥ 0 with ``nonnegative``).

    A row of ``PW`` packs what an entry needs of its row i: [w_i (k) | zero_W[i] (k) | inv_row[i]], and
    ``PH`` the same of its column j, so an entry reads two rows instead of six scattered arrays;
    ``args`` = (k, scale_W, scale_H, step_W, step_H, l2_W, l2_H, l1_W, l1_H, nonnegative).  An entry
    (i, j) with p = ⟨w_i, h_j⟩ moves w_i and h_j together along its error ε = p − x times the other
    factor.  The zero cells of row i are not visited one by one: their summed gradient zero_W[i]
    (computed exactly at the start of the epoch) is shared equally by the row's entries (inv_row[i]
    = 1/their number), with the penalties, so an epoch makes one full gradient step in expectation:

        g_w = ε h_j + (zero_W[i] + l2_W w_i + l1_W) / nnz_row[i]

    The shared term steps by step_W · scale_W, scale_W = 1 / (λ_max(HHᵀ) + α_W), the 1/L of a gradient
    step; the entry's own term by the same, capped at its own curvature, step_W / |h_j|² (a normalized,
    NLMS step: L is taken at the epoch's start and the factors move during it).
    """
    k, scale_W, scale_H, step_W, step_H, l2_W, l2_H, l1_W, l1_H, nonnegative = args
    for e in range(lo, hi):
        x = vals[e]
        w = PW[rows[e]]
        h = PH[cols[e]]
        p = 0.0
        nh = 0.0
        nw = 0.0
        for r in range(k):
            p += w[r] * h[r]
            nh += h[r] * h[r]
            nw += w[r] * w[r]
        err = p - x
        own_w = step_W * min(scale_W, 1.0 / (nh + 1e-300)) * err
        own_h = step_H * min(scale_H, 1.0 / (nw + 1e-300)) * err
        share_w = step_W * scale_W * w[2 * k]
        share_h = step_H * scale_H * h[2 * k]
        for r in range(k):
            wr = w[r]
            hr = h[r]
            w_new = wr - (own_w * hr + share_w * (w[k + r] + l2_W * wr + l1_W))
            h_new = hr - (own_h * wr + share_h * (h[k + r] + l2_H * hr + l1_H))
            if nonnegative:
                w_new = w_new if w_new > 0.0 else 0.0
                h_new = h_new if h_new > 0.0 else 0.0
            w[r] = w_new
            h[r] = h_new


@njit(fastmath={"reassoc", "contract"}, **_OPTS)
def poisson_block(rows, cols, vals, lo, hi, PW, PH, args):  # pragma: no cover - compiled
    """Poisson NMF's per-entry steps over one block's entries: the relative error ε̃ = (p − x)/p.

    ``PW`` and ``PH`` pack rows as :func:`squared_block`'s do; ``args`` = (k, scale_W, scale_H, step_W,
    step_H, l2_W, l2_H, l1_W, l1_H, floor), scale_W and scale_H per component.  The gradient is shared
    with the zero cells as in :func:`squared_block`; each element's step is scaled by
    w / (scale_W + l2_W w) (the multiplicative update's preconditioner, scale_W = column sums of
    H + λ_W), so a full epoch at step 1 is a multiplicative update in expectation.  Entries stay at
    least ``floor``.
    """
    k, scale_W, scale_H, step_W, step_H, l2_W, l2_H, l1_W, l1_H, floor = args
    # without an L2 term the preconditioner's denominators are per component
    inv_sW = np.empty(k)
    inv_sH = np.empty(k)
    for r in range(k):
        inv_sW[r] = step_W / scale_W[r]
        inv_sH[r] = step_H / scale_H[r]
    plain = l2_W == 0.0 and l2_H == 0.0
    for e in range(lo, hi):
        x = vals[e]
        w = PW[rows[e]]
        h = PH[cols[e]]
        p = 0.0
        for r in range(k):
            p += w[r] * h[r]
        if p < floor:
            p = floor
        err = 1.0 - x / p
        a = w[2 * k]
        c = h[2 * k]
        for r in range(k):
            wr = w[r]
            hr = h[r]
            gw = err * hr + (w[k + r] + l2_W * wr + l1_W) * a
            gh = err * wr + (h[k + r] + l2_H * hr + l1_H) * c
            if plain:
                w_new = wr - wr * inv_sW[r] * gw
                h_new = hr - hr * inv_sH[r] * gh
            else:
                w_new = wr - step_W * wr / (scale_W[r] + l2_W * wr) * gw
                h_new = hr - step_H * hr / (scale_H[r] + l2_H * hr) * gh
            w[r] = w_new if w_new > floor else floor
            h[r] = h_new if h_new > floor else floor


squared_epoch = stratified_epoch(squared_block)
poisson_epoch = stratified_epoch(poisson_block)
