"""An approximate k-nearest-neighbour graph by NN-descent, deterministic and compiled once.

The method of Dong, Moses & Li (2011), "Efficient k-nearest neighbor graph
construction for generic similarity measures", started from a random
projection forest as in pynndescent:

1. **Forest.** Each tree splits the points recursively by the hyperplane
   through the origin normal to the difference of two random points (an
   angular split) until a leaf holds at most ``leaf`` points; all pairs
   within a leaf are scored exactly.  Several trees give every point a first
   list of candidates.
2. **Descent.** A neighbour of a neighbour is likely a neighbour: each round
   builds every point's new list from its list, its neighbours' lists and
   the points that list it (reverse neighbours), scoring only pairs where
   one side is new since the previous round, until few lists change.

Every round reads the previous graph and writes each point's row of the next
one, so rows are independent (no locks, no races) and the graph is the same
for any number of threads; the trees draw from a seeded generator.  The
points are first renumbered in the order of one tree's leaves so that
neighbours lie close together in memory (a million 50-topic profiles: 50 →
45 s).  Scores are float32 dot products of unit vectors (cosines).  A point
may have a sparse part besides its dense one (a document's words, see
:mod:`topicmf.neighbours.scores`): the point being worked on is scattered
into a dense buffer once, each candidate's words are then gathered against
it, and a candidate already listed is never scored again.

Measured on a million planted 50-topic profiles (benchmarks/bench_scale.py):
45 s, recall@10 0.97; pynndescent 0.7 took 40 s (plus about 20 s of
compilation in every new process: its kernels are not cached) for 0.99.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["nn_descent"]

_OPTS = dict(cache=True, nogil=True)


@njit(fastmath=True, **_OPTS)
def _dot(a, b):  # pragma: no cover - compiled
    acc = np.float32(0.0)
    for t in range(a.shape[0]):
        acc += a[t] * b[t]
    return acc


@njit(fastmath=True, **_OPTS)
def _score(U, wp, wi, wd, buf, i, j):  # pragma: no cover - compiled
    """⟨e_i, e_j⟩ with point i's words scattered into ``buf`` (:func:`_scatter`): the dense parts' dot product
    plus a gather of point j's words."""
    acc = _dot(U[i], U[j])
    for p in range(wp[j], wp[j + 1]):
        acc += wd[p] * buf[wi[p]]
    return acc


@njit(**_OPTS)
def _scatter(wp, wi, wd, buf, i, sign):  # pragma: no cover - compiled
    """buf[words of i] += sign · their values (sign 0: reset them to zero)."""
    for p in range(wp[i], wp[i + 1]):
        buf[wi[p]] = buf[wi[p]] + sign * wd[p] if sign != 0 else 0.0


@njit(**_OPTS)
def _listed(idx, j):  # pragma: no cover - compiled
    for a in range(idx.shape[0]):
        if idx[a] == j:
            return True
    return False


@njit(**_OPTS)
def _push(idx, sim, fresh, j, s):  # pragma: no cover - compiled
    """Insert candidate j with score s into one row's sorted list (ties: the lower index first).

    Returns 1 if it entered (then flagged fresh), 0 if it was no better than
    the worst entry or already listed.
    """
    k = idx.shape[0]
    if not s > sim[k - 1]:
        return 0
    for a in range(k):
        if idx[a] == j:
            return 0
    p = k - 1
    while p > 0 and (s > sim[p - 1] or (s == sim[p - 1] and j < idx[p - 1])):
        idx[p] = idx[p - 1]
        sim[p] = sim[p - 1]
        fresh[p] = fresh[p - 1]
        p -= 1
    idx[p] = j
    sim[p] = s
    fresh[p] = True
    return 1


@njit(**_OPTS)
def _tree(U, wp, wi, wd, n_terms, leaf, seed, order, bounds):  # pragma: no cover - compiled
    """One random projection tree: ``order`` becomes the points leaf by leaf, ``bounds`` the leaves' ranges.

    A split is the hyperplane normal to e_i − e_j for two random points, so a
    point's side is ⟨e, e_i⟩ − ⟨e, e_j⟩ (words included).
    """
    n, k = U.shape
    for q in range(n):
        order[q] = q
    buf = np.zeros(n_terms, np.float32)
    normal = np.empty(k, np.float32)
    np.random.seed(seed)
    stack = [(0, n)]
    n_leaves = 0
    side = np.empty(n, np.float32)
    while len(stack) > 0:
        a, b = stack.pop()
        if b - a <= leaf:
            bounds[n_leaves, 0] = a
            bounds[n_leaves, 1] = b
            n_leaves += 1
            continue
        i = order[a + np.random.randint(b - a)]
        j = order[a + np.random.randint(b - a)]
        for t in range(k):
            normal[t] = U[i, t] - U[j, t]
        _scatter(wp, wi, wd, buf, i, 1.0)
        _scatter(wp, wi, wd, buf, j, -1.0)
        for q in range(a, b):
            side[q] = _dot(U[order[q]], normal)
            for p in range(wp[order[q]], wp[order[q] + 1]):
                side[q] += wd[p] * buf[wi[p]]
        _scatter(wp, wi, wd, buf, i, 0.0)
        _scatter(wp, wi, wd, buf, j, 0.0)
        lo, hi = a, b - 1
        while lo <= hi:  # partition by side of the hyperplane (points on it alternate)
            if side[lo] > 0 or (side[lo] == 0 and (lo & 1) == 0):
                lo += 1
            else:
                order[lo], order[hi] = order[hi], order[lo]
                side[lo], side[hi] = side[hi], side[lo]
                hi -= 1
        middle = lo
        if min(middle - a, b - middle) < max(1, (b - a) // 20):
            middle = (a + b) // 2  # a degenerate split (identical points, say): halve the range
        stack.append((a, middle))
        stack.append((middle, b))
    return n_leaves


@njit(parallel=True, **_OPTS)
def _leaf_pairs(U, wp, wi, wd, n_terms, order, bounds, n_leaves, idx, sim, fresh):  # pragma: no cover - compiled
    """Score all pairs inside each leaf; a point is in one leaf per tree, so leaves run in parallel."""
    n_chunks = min(n_leaves, 256)
    for c in prange(n_chunks):
        buf = np.zeros(n_terms, np.float32)
        for leaf in range(n_leaves * c // n_chunks, n_leaves * (c + 1) // n_chunks):
            a, b = bounds[leaf, 0], bounds[leaf, 1]
            for p in range(a, b):
                i = order[p]
                _scatter(wp, wi, wd, buf, i, 1.0)
                for q in range(a, b):
                    if q != p:
                        j = order[q]
                        if not _listed(idx[i], j):
                            _push(idx[i], sim[i], fresh[i], j, _score(U, wp, wi, wd, buf, i, j))
                _scatter(wp, wi, wd, buf, i, 0.0)


@njit(**_OPTS)
def _reverse(idx, fresh, cap):  # pragma: no cover - compiled
    """For every point, up to ``cap`` points that list it (in order of their number), and whether freshly."""
    n, k = idx.shape
    count = np.zeros(n + 1, np.int64)
    for i in range(n):
        for a in range(k):
            j = idx[i, a]
            if j >= 0 and count[j + 1] < cap:
                count[j + 1] += 1
    ptr = np.cumsum(count)
    fill = ptr[:-1].copy()
    rev = np.empty(ptr[-1], np.int64)
    rev_fresh = np.empty(ptr[-1], np.bool_)
    for i in range(n):
        for a in range(k):
            j = idx[i, a]
            if j >= 0 and fill[j] < ptr[j + 1]:
                rev[fill[j]] = i
                rev_fresh[fill[j]] = fresh[i, a]
                fill[j] += 1
    return ptr, rev, rev_fresh


@njit(parallel=True, **_OPTS)
def _descend(U, wp, wi, wd, n_terms, idx, sim, fresh, ptr, rev, rev_fresh, new_idx, new_sim,
             new_fresh):  # pragma: no cover - compiled
    """One round: each row of the next graph from the current one; returns the number of entries that changed."""
    n, k = idx.shape
    changed = np.zeros(n, np.int64)
    n_chunks = min(n, 256)
    for chunk in prange(n_chunks):
        buf = np.zeros(n_terms, np.float32)
        for i in range(n * chunk // n_chunks, n * (chunk + 1) // n_chunks):
            _scatter(wp, wi, wd, buf, i, 1.0)
            changed[i] = _descend_row(U, wp, wi, wd, buf, i, idx, sim, fresh, ptr, rev, rev_fresh, new_idx[i],
                                      new_sim[i], new_fresh[i])
            _scatter(wp, wi, wd, buf, i, 0.0)
    return changed.sum()


@njit(**_OPTS)
def _descend_row(U, wp, wi, wd, buf, i, idx, sim, fresh, ptr, rev, rev_fresh, ni, ns, nf):  # pragma: no cover
    """Point i's list for the next round (its words scattered in ``buf``); returns how many entries changed.

    A candidate already listed is skipped before it is scored."""
    k = idx.shape[1]
    for a in range(k):
        ni[a] = idx[i, a]
        ns[a] = sim[i, a]
        nf[a] = False
    c = 0
    for a in range(k):  # neighbours of neighbours
        j = idx[i, a]
        if j < 0:
            continue
        for b in range(k):
            m = idx[j, b]
            if m >= 0 and m != i and (fresh[i, a] or fresh[j, b]) and not _listed(ni, m):
                c += _push(ni, ns, nf, m, _score(U, wp, wi, wd, buf, i, m))
    for r in range(ptr[i], ptr[i + 1]):  # points listing i, and their neighbours
        j = rev[r]
        if rev_fresh[r] and not _listed(ni, j):
            c += _push(ni, ns, nf, j, _score(U, wp, wi, wd, buf, i, j))
        for b in range(k):
            m = idx[j, b]
            if m >= 0 and m != i and (rev_fresh[r] or fresh[j, b]) and not _listed(ni, m):
                c += _push(ni, ns, nf, m, _score(U, wp, wi, wd, buf, i, m))
    return c


def nn_descent(U: np.ndarray, n_neighbors: int, *, words=None, seed: int = 0, degree: int = 20, trees: int = 16,
               leaf: int = 64, reverse: int = 10, max_rounds: int = 12, stop: float = 0.001, start=None):
    """Approximate ``n_neighbors`` nearest other rows of ``U`` (float32 unit rows) by cosine.

    Parameters
    ----------
    U : ndarray of shape (n, k), float32, rows of unit length
    words : scipy.sparse.csr_matrix of shape (n, n_terms) or None
        A sparse second part of each point (sorted indices): the score is
        then ⟨U_i, U_j⟩ + ⟨words_i, words_j⟩, and [U | words] rows should
        have unit length.
    n_neighbors : int
        At most ``degree``.
    seed : int
    degree : int
        Length of the lists the descent works with (more: better recall, slower).
    trees, leaf : int
        Random projection trees of the initial forest and their leaf size.
    reverse : int
        Reverse neighbours explored per point and round.
    max_rounds : int
    stop : float
        Stop when fewer than ``stop · n · degree`` entries change in a round.
    start : (order, index, score) or None
        A graph to start from instead of the forest (lists of length
        ``degree``, -1 and -inf where short, from
        :mod:`topicmf.neighbours.blocks`) and an order of the points that
        keeps near ones near in memory.

    Returns
    -------
    index : ndarray of shape (n, n_neighbors), int64 (-1 where a row found fewer)
    score : ndarray of shape (n, n_neighbors), float32
    """
    n = U.shape[0]
    if not 0 < n_neighbors <= degree:
        raise ValueError(f"n_neighbors must be between 1 and degree={degree}; got {n_neighbors}")
    if words is None:
        wp, wi, wd = np.zeros(n + 1, np.int64), np.empty(0, np.int32), np.empty(0, np.float32)
    else:
        wp, wi, wd = _csr_arrays(words)
    n_terms = 1 if words is None else max(1, words.shape[1])
    order = np.empty(n, np.int64)
    bounds = np.empty((n // 2 + 2, 2), np.int64)
    if start is None:  # renumber the points leaf by leaf so that near points are near in memory
        _tree(U, wp, wi, wd, n_terms, leaf, seed * 7919 + 104729, order, bounds)
        perm = order.copy()
    else:
        perm = np.asarray(start[0], np.int64)
    V = np.ascontiguousarray(U[perm], dtype=np.float32)
    if words is not None:
        wp, wi, wd = _csr_arrays(words[perm])
    if start is None:
        idx = np.full((n, degree), -1, np.int64)
        sim = np.full((n, degree), -np.inf, np.float32)
        fresh = np.zeros((n, degree), np.bool_)
        for t in range(trees):
            n_leaves = _tree(V, wp, wi, wd, n_terms, leaf, seed * 7919 + t, order, bounds)
            _leaf_pairs(V, wp, wi, wd, n_terms, order, bounds, n_leaves, idx, sim, fresh)
    else:  # the given lists, renumbered; every entry new
        rank = np.empty(n, np.int64)
        rank[perm] = np.arange(n)
        given = np.asarray(start[1])[perm]
        idx = np.where(given >= 0, rank[np.maximum(given, 0)], -1)
        sim = np.ascontiguousarray(np.asarray(start[2], np.float32)[perm])
        fresh = idx >= 0
    new_idx, new_sim, new_fresh = np.empty_like(idx), np.empty_like(sim), np.empty_like(fresh)
    for _ in range(max_rounds):
        ptr, rev, rev_fresh = _reverse(idx, fresh, reverse)
        changed = _descend(V, wp, wi, wd, n_terms, idx, sim, fresh, ptr, rev, rev_fresh, new_idx, new_sim, new_fresh)
        idx, new_idx = new_idx, idx
        sim, new_sim = new_sim, sim
        fresh, new_fresh = new_fresh, fresh
        if changed < stop * n * degree:
            break
    index = np.empty((n, n_neighbors), np.int64)
    score = np.empty((n, n_neighbors), np.float32)
    top = idx[:, :n_neighbors]
    index[perm] = np.where(top >= 0, perm[np.maximum(top, 0)], -1)
    score[perm] = sim[:, :n_neighbors]
    return index, score


def _csr_arrays(words):
    words = words.tocsr()
    if not words.has_sorted_indices:
        words = words.sorted_indices()
    return (words.indptr.astype(np.int64), words.indices.astype(np.int32),
            words.data.astype(np.float32))
