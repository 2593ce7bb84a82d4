"""Neighbour graphs: NN-descent against exact search, determinism, documents without words."""

from __future__ import annotations

import numba
import numpy as np
import pytest

from topicmf.neighbours.graph import EXACT_WORK, exact_work, nearest, neighbour_graph, recall_at, unit_profiles
from topicmf.neighbours.nndescent import nn_descent


def topic_profiles(n=6000, k=12, seed=0):
    """Shares over k topics drawn like a topic model's: mostly one or two topics a document."""
    rng = np.random.default_rng(seed)
    return rng.dirichlet(np.full(k, 0.1), n)


def test_nn_descent_finds_the_true_neighbours():
    U = np.asarray(unit_profiles(topic_profiles()))
    index, score = nn_descent(U, 10, seed=0)
    probe = np.arange(0, U.shape[0], 7)
    assert recall_at(U, index, score, probe)[0] >= 0.97
    exact_index, exact_score = nearest(U[probe], U, 10, exclude=probe)
    np.testing.assert_allclose(score[probe, 0], exact_score[:, 0], rtol=1e-5)  # the best one is found
    assert not (index == np.arange(U.shape[0])[:, None]).any()  # never itself
    assert (np.diff(score, axis=1) <= 0).all()  # best first
    got = np.einsum("ij,ikj->ik", U, U[index])
    np.testing.assert_allclose(score, got, rtol=1e-5, atol=1e-6)  # scores are the cosines of the listed rows


def test_nn_descent_is_the_same_for_any_number_of_threads_and_seeded():
    U = np.asarray(unit_profiles(topic_profiles(3000, seed=1)))
    before = numba.get_num_threads()
    results = []
    try:
        for threads in sorted({1, before}):
            numba.set_num_threads(threads)
            results.append(nn_descent(U, 5, seed=3))
    finally:
        numba.set_num_threads(before)
    results.append(nn_descent(U, 5, seed=3))
    for index, score in results[1:]:
        np.testing.assert_array_equal(index, results[0][0])
        np.testing.assert_array_equal(score, results[0][1])


def test_graph_of_a_large_corpus_is_approximate_and_says_how_good():
    n = int((EXACT_WORK / 15) ** 0.5) + 500  # just past the exact search's budget
    P = topic_profiles(n, k=15, seed=2)
    P[17] = 0  # a document without words
    P[40] = P[41]  # identical profiles
    graph = neighbour_graph(P, 10, seed=0)
    assert graph.method == "nn-descent" and graph.recall >= 0.95 and graph.recall_sample == 1000
    about = graph.describe()
    assert about["method"] == "nn-descent" and about["exact_work"] == exact_work(n, 15) > about["exact_work_limit"]
    assert graph.index.shape == (P.shape[0], 10) and graph.score.dtype == np.float32
    assert (graph.score[17] == 0).all() and 17 not in graph.index[17]
    assert graph.index[40, 0] == 41 and graph.score[40, 0] == pytest.approx(1.0, abs=1e-6)


def test_small_corpora_get_the_exact_graph():
    P = topic_profiles(500, seed=4)
    graph = neighbour_graph(P, 10)
    assert graph.method == "exact" and graph.recall is None
    index, score = nearest(P, P, 10, exclude=np.arange(500))
    np.testing.assert_array_equal(graph.index, index)
    forced = neighbour_graph(P, 10, method="nn-descent")
    assert forced.method == "nn-descent" and forced.recall >= 0.95
    with pytest.raises(ValueError, match="choose a method of auto, exact, blocks, nn-descent"):
        neighbour_graph(P, 10, method="hnsw")
