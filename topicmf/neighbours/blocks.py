"""A first neighbour graph from blocks of documents that share a topic, scored exactly inside each block.

Documents are near by topicmf's score (:mod:`topicmf.neighbours.scores`) when
their words and their topic profiles are near, and a document's topic
profile says where its neighbours live: on the planted 10⁵ corpus 85% of the
true ten nearest share the document's strongest topic, and 99.6% have their
strongest topic among the topics holding at least a tenth of the document's
profile (its squared unit profile, so that the shares sum to one).  So the
documents are grouped by their strongest topic (an inverted file over the
topics), a block larger than ``max_block`` is cut in halves by random
hyperplanes through its topic profiles until none is, and every document is
compared exactly, words and topics, with the documents of its own block and
of the blocks of every other topic holding at least ``share`` of its profile
(there, the part of the block the hyperplanes send it to).

Inside a block the scores are one matrix product of the topic parts (BLAS)
plus the words added through the block's inverted index, the way exact
search works (:mod:`topicmf.neighbours.graph`), so each comparison costs a few
nanoseconds instead of the random reads of a graph search.  The work is
n · (documents a document is compared with): about n² / k · (1 + what the
other topics add), so it grows faster than n until the blocks reach
:data:`MAX_BLOCK` and linearly after.  Measured on the planted million
(k = 50, blocks of about 20,000): 2.7·10¹⁰ comparisons, about 5 minutes on
2 cores, recall@10 0.91.  The lists found can be the start of NN-descent
(:mod:`topicmf.neighbours.nndescent`), whose rounds then look among the
neighbours' neighbours for what the blocks missed.
"""

from __future__ import annotations

import numba
import numpy as np
import scipy.sparse as sp

from .scores import add_row_words

__all__ = ["block_graph", "topic_blocks", "split_block", "merge_block", "MAX_BLOCK", "CELLS"]

CELLS = 8_000_000  # scores of one block held at once (32 MB of float32)
# A block is cut only beyond this many documents: cutting by topic profiles separates documents whose words are
# near (on the planted 10⁵ corpus, blocks cut to 2,000 documents gave recall 0.62 instead of 0.91, and a planted
# million's blocks of about 20,000 cut in halves gave 0.60), so the work grows as n² / k up to this size.
MAX_BLOCK = 200_000


def topic_blocks(T: np.ndarray, share: float, max_block: int, seed: int = 0):
    """Blocks of documents and the documents each block is searched for.

    Returns ``(members, queries)``: two lists with one sorted int64 array per
    block, the documents in it (every document in exactly one block) and the
    documents compared with them (its members and the visitors whose profile
    gives the block's topic at least ``share``).  A document without topics
    is in no block's queries (its list comes from elsewhere).
    """
    n, k = T.shape
    shares = np.square(T, dtype=np.float32)
    total = shares.sum(axis=1)
    np.divide(shares, total[:, None], out=shares, where=total[:, None] > 0)
    home = np.argmax(shares, axis=1)
    has = total > 0
    rng = np.random.default_rng(seed)
    members, queries = [], []
    for topic in range(k):
        own = np.flatnonzero(has & (home == topic))
        visitors = np.flatnonzero(has & (home != topic) & (shares[:, topic] >= share))
        if own.size == 0:
            continue
        for leaf_own, leaf_visitors in split_block(T, own, visitors, max_block, rng):
            members.append(leaf_own)
            queries.append(np.union1d(leaf_own, leaf_visitors))
    return members, queries


def split_block(T, own, visitors, max_block: int, rng):
    """Cut a block by hyperplanes through its topic profiles until no part has more than ``max_block``
    documents; the visitors go to the side their profile lies on."""
    if own.size <= max_block:
        yield own, visitors
        return
    a, b = rng.choice(own.size, 2, replace=False)
    normal = T[own[a]] - T[own[b]]
    side = T[own] @ normal
    cut = np.median(side)
    left = side < cut
    if left.all() or not left.any():  # identical profiles: halve by position
        left = np.arange(own.size) < own.size // 2
        go_left = np.zeros(visitors.size, bool)
        go_left[::2] = True
    else:
        go_left = (T[visitors] @ normal) < cut
    yield from split_block(T, own[left], visitors[go_left], max_block, rng)
    yield from split_block(T, own[~left], visitors[~go_left], max_block, rng)


def block_graph(T: np.ndarray, words, degree: int, *, share: float = 0.1, max_block: int = MAX_BLOCK, seed: int = 0,
                progress=None):
    """Each document's ``degree`` best-scoring others among those its blocks compare it with.

    Parameters
    ----------
    T : ndarray of shape (n, k), float32
        Topic parts of the document vectors (rows √λ · unit profile, or zero).
    words : scipy.sparse.csr_matrix of shape (n, n_terms) or None
        Word parts (sorted indices); None compares topic profiles only.
    degree : int
    share, max_block, seed : see :func:`topic_blocks`.
    progress : callable(done, total) or None
        Called with the comparisons made so far and their total.

    Returns
    -------
    index : ndarray of shape (n, degree), int64, -1 where fewer were found
    score : ndarray of shape (n, degree), float32, -inf there
        Best first; equal scores: the lower index first.
    order : ndarray of shape (n,), int64
        The documents block by block (near documents near each other), those
        without topics last.
    """
    n = T.shape[0]
    T = np.ascontiguousarray(T, dtype=np.float32)
    members, queries = topic_blocks(T, share, max_block, seed)
    if words is None:
        words = sp.csr_matrix((n, 1), dtype=np.float32)
    qptr = words.indptr.astype(np.int64, copy=False)
    qidx = words.indices.astype(np.int32, copy=False)
    qdat = words.data.astype(np.float32, copy=False)
    index = np.full((n, degree), -1, np.int64)
    score = np.full((n, degree), -np.inf, np.float32)
    total = sum(m.size * q.size for m, q in zip(members, queries))
    done = 0
    for own, asking in zip(members, queries):
        block = np.ascontiguousarray(T[own])
        C = words[own].tocsc()
        cptr, crow, cdat = (C.indptr.astype(np.int64), C.indices.astype(np.int32), C.data.astype(np.float32))
        step = max(1, CELLS // max(1, own.size))
        for start in range(0, asking.size, step):
            rows = asking[start:start + step]
            S = T[rows] @ block.T
            merge_block(S, rows, own, qptr, qidx, qdat, cptr, crow, cdat, index, score)
            done += rows.size * own.size
            if progress is not None:
                progress(done, total)
    inside = np.concatenate(members) if members else np.empty(0, np.int64)
    outside = np.setdiff1d(np.arange(n), inside)
    return index, score, np.concatenate([inside, outside])


@numba.njit(parallel=True, fastmath=True, cache=True, nogil=True)
def merge_block(S, rows, own, qptr, qidx, qdat, cptr, crow, cdat, index, score):  # pragma: no cover - compiled
    """Add the words to the topic scores ``S`` (queries ``rows`` × block ``own``) and merge each row's best into
    its query's list (a query appears once in ``rows``, so rows run in parallel)."""
    d = index.shape[1]
    for r in numba.prange(rows.size):
        i = rows[r]
        buf = S[r]
        add_row_words(buf, i, qptr, qidx, qdat, cptr, crow, cdat)
        idx = index[i]
        sim = score[i]
        for c in range(own.size):
            s = buf[c]
            j = own[c]
            if j == i or not (s > sim[d - 1] or (s == sim[d - 1] and j < idx[d - 1])):
                continue
            p = d - 1
            while p > 0 and (s > sim[p - 1] or (s == sim[p - 1] and j < idx[p - 1])):
                idx[p] = idx[p - 1]
                sim[p] = sim[p - 1]
                p -= 1
            idx[p] = j
            sim[p] = s
