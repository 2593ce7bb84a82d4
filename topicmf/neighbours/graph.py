"""Nearest documents: exact, or an NN-descent graph for large corpora.

Documents are compared by topicmf's document similarity (topics and words,
:mod:`topicmf.neighbours.scores`), or by the cosine of their topic profiles
alone when no word vectors are given.  Exact search never forms an
n_docs × n_docs matrix: for all pairs with words, each row's scores live in
a buffer that stays in cache (the topic parts' dot products, then the words
through an inverted index) and only the best ``n`` are kept; otherwise a
bounded block of rows is scored at a time.  All pairs cost
n_docs² · k + Σ_t df_t² multiply-adds (:func:`exact_work`): 0.5 s for 20
Newsgroups at k = 10.  Above :data:`EXACT_WORK` the graph comes from
NN-descent (:mod:`topicmf.neighbours.nndescent`) in the same space, with its
recall@n and score ratio against exact search measured on a random sample of
documents and recorded.  With the documents' words (the default score), the
graph comes from blocks of documents sharing a topic, searched exactly
(:mod:`topicmf.neighbours.blocks`): on the planted million, recall@10 0.91 and
score ratio 0.997 where NN-descent reached 0.73 in more time, because the
topic profiles say where a document's neighbours are and the words, which
make a graph search wander among near-ties, are only scored.  Without
words (topic profiles only, and items by their factors) NN-descent stays.

Why NN-descent rather than HNSW: the task is the *whole* k-NN graph, which
NN-descent builds directly (HNSW builds an index, then queries every point
again), and its rounds parallelise without locks in a way that keeps the
result independent of the number of threads.  The implementation is
topicmf's own, in numba with cached compilation: pynndescent, the reference
implementation, does not cache its kernels and spent about 20 s compiling
them in every new process here; hnswlib ships only a source distribution
that needs a C++ compiler at install time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
import scipy.sparse as sp

from .blocks import block_graph
from .nndescent import nn_descent
from ..factorize.engine.topk import top_rows as _top_rows
from .scores import add_words_csc, add_words_rows, describe_score, exact_rows, topic_part

__all__ = ["unit_rows", "nearest", "NeighbourGraph", "neighbour_graph", "recall_at", "recall_of", "exact_work", "EXACT_WORK",
           "EFFORTS", "METHODS"]

MAX_CELLS = 16_000_000  # 64 MB of float32 scores per block
EXACT_WORK = 20_000_000_000  # multiply-adds up to which all neighbours are found exactly (about 1 s on 2 cores)
FEW_QUERIES = 64  # up to this many queries, the word parts are scored document by document
RECALL_SAMPLE = 1_000  # documents on which an approximate graph's recall is measured
GRAPH_NEIGHBOURS = 20  # list length NN-descent works with (recall@10 0.97 on a million documents)
METHODS = ("auto", "exact", "blocks", "nn-descent")
# Each effort: how far the blocks reach (topicmf.neighbours.blocks: a document is also compared with the blocks of
# the topics holding at least this share of its profile), and the NN-descent rounds that then improve the lists of
# short texts.  Planted million (k = 50): share 0.45 compares 2.2·10¹⁰ pairs for a recall ceiling of 0.85, 0.3
# 2.7·10¹⁰ for 0.91, 0.1 5.3·10¹⁰ for 0.996.  Short texts (20 Newsgroups subject lines, Lenta.ru headlines) have
# less telling profiles and cheap comparisons: two rounds after share 0.3 raise recall from 0.78 to 0.86 on the
# headlines (reports/benchmarks.md, issue 26).
EFFORTS = {"low": (0.45, 0), "normal": (0.3, 2), "high": (0.1, 4)}
SHORT_TEXT = 32  # mean distinct words a document up to which documents are short texts (descent rounds are cheap)


def unit_rows(A, dtype=np.float64) -> np.ndarray:
    """Rows scaled to unit length; zero rows stay zero (similar to nothing)."""
    A = np.asarray(A, dtype=np.float64)
    norms = np.linalg.norm(A, axis=1, keepdims=True)
    return np.divide(A, norms, out=np.zeros_like(A), where=norms > 0).astype(dtype, copy=False)


def nearest(queries, documents, n_neighbours: int = 10, *, exclude=None, max_cells: int = MAX_CELLS, progress=None,
            words=None):
    """The ``n_neighbours`` documents most cosine-similar to each query, exactly.

    Parameters
    ----------
    queries : ndarray of shape (n_queries, k)
    documents : ndarray of shape (n_docs, k)
    n : int
        Neighbours per query (fewer when there are fewer documents).
    exclude : ndarray of shape (n_queries,) or None
        For each query, a document index never returned (the query itself
        when queries are documents); -1 for none.
    max_cells : int
        Upper bound on the scores held at once.
    progress : callable(done, total) or None
    words : (CSR, CSR) or None
        The word parts of the queries and of the documents
        (:func:`~topicmf.neighbours.scores.word_vectors`).  With them, queries
        and documents are taken as they are, as topic parts whose dot product
        is λ · cos (:func:`~topicmf.neighbours.scores.topic_part` on both sides,
        or unit documents and queries times λ), and the score adds the words.

    Returns
    -------
    index : ndarray of shape (n_queries, n), int64
    score : ndarray of shape (n_queries, n), float32
        Best first; among equal scores the lower document index comes first.
        Scores are computed in float32 (cosines to about 1e-7).
    """
    if words is None:
        Q = unit_rows(np.atleast_2d(queries), np.float32)
        D = documents if _is_unit(documents) else unit_rows(documents, np.float32)
    else:
        Q = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        D = np.asarray(documents, dtype=np.float32)
        add_words = _word_adder(*words, n_queries=Q.shape[0])
    n_queries, n_docs = Q.shape[0], D.shape[0]
    available = n_docs - (1 if exclude is not None else 0)
    n_neighbours = max(0, min(int(n_neighbours), available))
    index = np.empty((n_queries, n_neighbours), dtype=np.int64)
    score = np.empty((n_queries, n_neighbours), dtype=np.float32)
    if n_neighbours == 0:
        return index, score
    block = max(1, int(max_cells) // max(1, n_docs))
    for start in range(0, n_queries, block):
        stop = min(n_queries, start + block)
        S = Q[start:stop] @ D.T
        if words is not None:
            add_words(S, start, stop)
        if exclude is not None:
            rows = np.arange(stop - start)
            own = np.asarray(exclude[start:stop])
            valid = own >= 0
            S[rows[valid], own[valid]] = -np.inf
        _top_rows(S, index[start:stop], score[start:stop])
        if progress is not None:
            progress(stop, n_queries)
    return index, score


def _word_adder(query_words, doc_words, n_queries: int):
    """A function adding the word parts' dot products to a block of scores: a few queries go document by
    document; many (all documents against all) through the documents' columns."""
    Dw = sp.csr_matrix(doc_words)
    Qw = sp.csr_matrix(query_words)
    if n_queries <= FEW_QUERIES:
        def add(S, start, stop):
            Q = Qw[start:stop].toarray().astype(np.float32)
            add_words_rows(S, Q, Dw.indptr.astype(np.int64, copy=False), Dw.indices.astype(np.int32, copy=False),
                           Dw.data.astype(np.float32, copy=False))
        return add
    C = Dw.tocsc()
    qptr, qidx, qdat = (Qw.indptr.astype(np.int64, copy=False), Qw.indices.astype(np.int32, copy=False),
                        Qw.data.astype(np.float32, copy=False))
    cptr, crow, cdat = (C.indptr.astype(np.int64, copy=False), C.indices.astype(np.int32, copy=False),
                        C.data.astype(np.float32, copy=False))

    def add(S, start, stop):
        add_words_csc(S, start, qptr, qidx, qdat, cptr, crow, cdat)
    return add


class _Unit(np.ndarray):
    """A float32 array whose rows are known to be unit length (or zero): no second normalisation."""


def _is_unit(A) -> bool:
    return isinstance(A, _Unit)


def warm_up() -> None:
    """Load the compiled search kernels (numba's first call in a process costs about 0.2 s)."""
    unit_profiles(np.ones((1, 1), np.float32), np.ones(1))
    _top_rows(np.zeros((1, 1), np.float32), np.zeros((1, 1), np.int64), np.zeros((1, 1), np.float32))


def unit_profiles(P, scale=None) -> np.ndarray:
    """Rows of P (times ``scale`` per column, if given) as float32 unit vectors, marked so that :func:`nearest`
    uses them as they are.  Already-unit input is returned as it is."""
    if _is_unit(P):
        return P
    P = np.ascontiguousarray(P)
    if P.dtype not in (np.float32, np.float64):
        P = P.astype(np.float64)
    out = np.empty(P.shape, np.float32)
    _unit_rows32(P, np.ones(P.shape[1]) if scale is None else np.asarray(scale, dtype=np.float64), out)
    return out.view(_Unit)


@numba.njit(parallel=True, cache=True, nogil=True)
def _unit_rows32(P, scale, out):  # pragma: no cover - compiled
    """out[i] = (P[i] * scale) / ‖P[i] * scale‖ in float32 (zero rows stay zero); one pass, one array.

    Sums in float64 whatever P's type (float32 W of a saved run, or float64).
    """
    for i in numba.prange(P.shape[0]):
        norm = 0.0
        for t in range(P.shape[1]):
            v = np.float64(P[i, t]) * scale[t]
            norm += v * v
        norm = np.sqrt(norm)
        for t in range(P.shape[1]):
            out[i, t] = np.float64(P[i, t]) * scale[t] / norm if norm > 0 else 0.0


@dataclass(frozen=True, eq=False)
class NeighbourGraph:
    """Every document's nearest other documents.

    Attributes
    ----------
    index : ndarray of shape (n_docs, n), int64
    score : ndarray of shape (n_docs, n), float32
        Similarities, best first.
    method : {"exact", "blocks", "nn-descent"}
    recall : float or None
        For an approximate graph: recall@n against exact search on
        ``recall_sample`` random documents (a neighbour counts when its score
        reaches the exact n-th score, so ties do not count as misses).
    recall_sample : int
    work : int or None
        What exact search costs (n_docs² · k plus Σ df² of the words), the
        quantity compared with :data:`EXACT_WORK`.
    similarity : str
        What a score means.
    score_ratio : float or None
        For an approximate graph: the mean score of the neighbours found for
        the sampled documents over the mean score of the exact ones (1: as
        similar as the best possible).
    effort : str or None
        The effort of a blocks graph (:data:`EFFORTS`).
    rounds : int
        NN-descent rounds run after the blocks (short texts).
    """

    index: np.ndarray
    score: np.ndarray
    method: str
    recall: float | None = None
    recall_sample: int = 0
    work: int | None = None
    similarity: str = "cosine of topic profiles"
    score_ratio: float | None = None
    effort: str | None = None
    rounds: int = 0

    def describe(self) -> dict:
        """JSON-ready summary for the manifest and the page."""
        about = {"method": self.method, "neighbours": int(self.index.shape[1]), "similarity": self.similarity,
                 "exact_work": self.work, "exact_work_limit": EXACT_WORK,
                 "recall": None if self.recall is None else round(self.recall, 4),
                 "score_ratio": None if self.score_ratio is None else round(self.score_ratio, 4),
                 "recall_sample": self.recall_sample}
        if self.effort is not None:
            about.update(effort=self.effort, share=EFFORTS[self.effort][0], descent_rounds=self.rounds)
        return about


def exact_work(n_docs: int, k: int, words=None) -> int:
    """Multiply-adds of an exact search of all pairs: n_docs² · k for the topics, Σ_t df_t² for the words."""
    work = int(n_docs) ** 2 * int(k)
    if words is not None:
        df = np.bincount(sp.csr_matrix(words).indices, minlength=words.shape[1]).astype(np.int64)
        work += int(df @ df)
    return work


def neighbour_graph(P, n_neighbours: int = 10, *, words=None, method: str = "auto", effort: str = "normal",
                    seed: int = 0, progress=None, check_progress=None) -> NeighbourGraph:
    """The ``n_neighbours`` nearest other documents of every row of ``P``.

    Without ``words``, by the cosine of the rows of ``P``; with the
    documents' word vectors (:func:`~topicmf.neighbours.scores.word_vectors`),
    by topicmf's document similarity (:mod:`topicmf.neighbours.scores`).
    ``method``: "exact", "blocks" (:mod:`topicmf.neighbours.blocks`, reach
    set by ``effort``, one of :data:`EFFORTS`), "nn-descent", or "auto":
    exact while :func:`exact_work` is at most :data:`EXACT_WORK`, beyond it
    blocks with words and NN-descent without.  An approximate graph is
    seeded (the same ``seed`` gives the same graph) and its recall and score
    ratio are measured against exact search on :data:`RECALL_SAMPLE` random
    documents.  ``progress(done, total)`` follows the search,
    ``check_progress`` that measurement.
    """
    U = unit_profiles(P)  # (as it is when P is unit profiles already)
    n_docs = U.shape[0]
    work = exact_work(n_docs, U.shape[1], words)
    about = {"work": work}
    if words is not None:
        U = topic_part(U)
        words = sp.csr_matrix(words, dtype=np.float32)
        about["similarity"] = describe_score()
    pair = None if words is None else (words, words)
    if method == "auto":
        method = "exact" if work <= EXACT_WORK else "blocks" if words is not None else "nn-descent"
    if method not in METHODS or effort not in EFFORTS:
        raise ValueError(f"Unknown neighbour method {method!r} or effort {effort!r}; choose a method of "
                         f"{', '.join(METHODS)} and an effort of {', '.join(EFFORTS)}")
    if method == "exact" or n_docs <= n_neighbours + 1:
        if words is None or n_docs <= n_neighbours + 1:
            index, score = nearest(U, U, n_neighbours, exclude=np.arange(n_docs), progress=progress, words=pair)
        else:
            index, score = _exact_with_words(U, words, n_neighbours, progress)
        return NeighbourGraph(index, score, "exact", **about)
    if method == "blocks":
        index, score, about["rounds"] = _from_blocks(U, words, n_neighbours, *EFFORTS[effort], seed, progress)
        about["effort"] = effort
    else:
        index, score = _nn_descent(U, words, n_neighbours, seed)
        if progress is not None:
            progress(n_docs, n_docs)
    rng = np.random.default_rng(seed)
    probe = np.sort(rng.choice(n_docs, min(RECALL_SAMPLE, n_docs), replace=False))
    recall, ratio = recall_at(U, index, score, probe, words, progress=check_progress)
    return NeighbourGraph(index, score, method, recall, probe.size, score_ratio=ratio, **about)


def _from_blocks(U, words, n: int, share: float, rounds: int, seed: int, progress):
    """The blocks' lists, then (short texts) NN-descent rounds from them; a document in no block (no topics) or
    whose list came out short is searched exactly."""
    short = words is not None and words.nnz <= SHORT_TEXT * max(1, words.shape[0])
    rounds = rounds if short and U.shape[0] > GRAPH_NEIGHBOURS + 1 else 0
    index, score, order = block_graph(U, words, max(GRAPH_NEIGHBOURS, n) if rounds else n, share=share, seed=seed,
                                      progress=progress)
    if rounds:
        index, score = nn_descent(U, n, words=words, seed=seed, degree=index.shape[1], start=(order, index, score),
                                  max_rounds=rounds)
    _search_exactly(U, words, index, score, np.flatnonzero((index < 0).any(axis=1)))
    return index, score, rounds


def _search_exactly(U, words, index, score, rest) -> None:
    """The lists of the documents ``rest`` (left short or out by an approximate search) found exactly, in place."""
    if rest.size:
        index[rest], score[rest] = nearest(U[rest], U, index.shape[1], exclude=rest,
                                           words=None if words is None else (words[rest], words))


def _exact_with_words(U, words, n: int, progress):
    n_docs = U.shape[0]
    C = words.tocsc()
    U = np.ascontiguousarray(U, dtype=np.float32)
    args = (U, np.ascontiguousarray(U.T), words.indptr.astype(np.int64), words.indices.astype(np.int32),
            words.data.astype(np.float32), C.indptr.astype(np.int64), C.indices.astype(np.int32),
            C.data.astype(np.float32))
    index = np.empty((n_docs, n), np.int64)
    score = np.empty((n_docs, n), np.float32)
    step = max(256, n_docs // 20)
    for start in range(0, n_docs, step):
        stop = min(n_docs, start + step)
        exact_rows(start, stop, min(stop - start, 4 * numba.get_num_threads()), *args, index, score)
        if progress is not None:
            progress(stop, n_docs)
    return index, score


def _nn_descent(U, words, n: int, seed: int):
    n_docs = U.shape[0]
    empty = ~np.any(U != 0, axis=1)
    if words is not None:
        empty &= np.diff(words.indptr) == 0
    nonzero = np.flatnonzero(~empty)
    index = np.empty((n_docs, n), np.int64)
    score = np.empty((n_docs, n), np.float32)
    rest = np.flatnonzero(empty)  # documents without words are similar to nothing
    if nonzero.size > max(GRAPH_NEIGHBOURS, n) + 1:
        every = nonzero.size == n_docs  # (then no copies of the points)
        found, sims = nn_descent(U if every else np.asarray(U[nonzero]), n,
                                 words=None if words is None else words if every else words[nonzero],
                                 seed=seed, degree=max(GRAPH_NEIGHBOURS, n))
        short = (found < 0).any(axis=1)  # a list the descent left short is searched exactly (rare)
        index[nonzero[~short]] = nonzero[found[~short]]
        score[nonzero[~short]] = sims[~short]
        rest = np.union1d(rest, nonzero[short])
    else:
        rest = np.arange(n_docs)
    _search_exactly(U, words, index, score, rest)
    return index, score


def recall_at(U, index: np.ndarray, score: np.ndarray, probe: np.ndarray, words=None, progress=None):
    """(recall, score ratio) of the graph's neighbours of the ``probe`` documents against exact search.

    Recall: the share of the listed neighbours whose score reaches the exact
    n-th best (minus 1e-6 for float32 rounding), so a tie swapped for
    another never counts as a miss (the convention of ann-benchmarks).
    Score ratio: the mean score of the listed neighbours over the mean score
    of the exact ones.  With ``words``, ``U`` is the topic part and the
    score topicmf's document similarity.
    """
    n = index.shape[1]
    _, exact = nearest(U[probe], U, n, exclude=probe, words=None if words is None else (words[probe], words),
                       progress=progress)
    return recall_of(score[probe], exact)


def recall_of(found: np.ndarray, exact: np.ndarray) -> tuple[float, float]:
    """(recall, score ratio) of neighbour lists' scores ``found`` against the exact lists' ``exact`` (see
    :func:`recall_at`)."""
    threshold = exact[:, -1:] - 1e-6
    best = float(np.mean(exact, dtype=np.float64))
    return float(np.mean(found >= threshold)), (float(np.mean(found, dtype=np.float64)) / best if best > 0 else 1.0)
