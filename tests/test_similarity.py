"""Document similarity: topics and words (topicmf.neighbours.scores), exact and NN-descent, queries, saved runs."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from conftest import DEMO, shared_corpus
from topicmf.model import load_model
from topicmf.neighbours.graph import neighbour_graph, unit_profiles
from topicmf.neighbours.scores import TOPIC_WEIGHT, WORD_TERMS, topic_part, word_vectors
from topicmf.text import idf_weights
from topicmf.workflow import run


def planted(n=600, m=400, k=6, seed=0):
    """Counts of documents drawn from k blocks of words, and almost one-hot topic profiles."""
    rng = np.random.default_rng(seed)
    topic = rng.integers(k, size=n)
    rows, cols = [], []
    for i in range(n):
        block = np.arange(topic[i] * (m // k), (topic[i] + 1) * (m // k))
        words = np.concatenate([rng.choice(block, 25), rng.integers(m, size=5)])
        rows += [i] * words.size
        cols += words.tolist()
    X = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, m))
    X.sum_duplicates()
    P = np.full((n, k), 1e-3)
    P[np.arange(n), topic] = 1.0
    return X, P, topic


def dense_scores(X, P):
    """The similarity of every pair, from its definition, in float64."""
    idf = idf_weights(X)
    A = X.toarray()
    T = np.where(A > 0, 1 + np.log(np.where(A > 0, A, 1)), 0) * idf
    T /= np.maximum(np.linalg.norm(T, axis=1, keepdims=True), 1e-300)
    U = P / np.linalg.norm(P, axis=1, keepdims=True)
    return (1 - TOPIC_WEIGHT) * T @ T.T + TOPIC_WEIGHT * U @ U.T


def test_word_vectors_are_sublinear_tfidf_scaled_to_their_share():
    from sklearn.feature_extraction.text import TfidfTransformer

    X, _, _ = planted(50, 120, 3)
    X = X.tolil()
    X[0, 1] = 7.0
    X = X.tocsr()
    words = word_vectors(X, idf_weights(X))
    expected = TfidfTransformer(sublinear_tf=True).fit_transform(X).toarray() * np.sqrt(1 - TOPIC_WEIGHT)
    np.testing.assert_allclose(words.toarray(), expected, rtol=1e-6, atol=1e-7)
    assert words.dtype == np.float32 and words.has_sorted_indices


def test_a_long_document_keeps_its_strongest_terms():
    n_terms = WORD_TERMS + 40
    X = sp.csr_matrix(np.vstack([np.arange(1, n_terms + 1, dtype=float), np.ones(n_terms)]))
    idf = np.ones(n_terms)
    idf[5] = 100.0  # a rare word with a small count still counts
    words = word_vectors(X, idf)
    kept = words[0].indices
    assert kept.size == WORD_TERMS and 5 in kept and 0 not in kept
    assert set(kept) - {5} == set(range(n_terms - WORD_TERMS + 1, n_terms))  # the largest counts
    assert words[1].indices.tolist() == list(range(WORD_TERMS))  # ties: the lower terms
    np.testing.assert_allclose(np.linalg.norm(words.toarray(), axis=1), np.sqrt(1 - TOPIC_WEIGHT), rtol=1e-6)


def test_the_exact_graph_is_the_best_by_the_definition():
    X, P, _ = planted()
    S = dense_scores(X, P)
    np.fill_diagonal(S, -np.inf)
    graph = neighbour_graph(P, 10, words=word_vectors(X, idf_weights(X)), method="exact")
    best = -np.sort(-S, axis=1)[:, :10]
    np.testing.assert_allclose(graph.score, best, atol=2e-6)
    got = np.take_along_axis(S, graph.index, 1)
    assert np.all(got >= best[:, -1:] - 2e-6)  # every listed neighbour is among the ten best (ties aside)
    assert graph.describe()["similarity"].startswith("score = 0.85 × cosine of the documents' words")


def test_nn_descent_with_words_finds_the_exact_neighbours():
    X, P, topic = planted(3000, 900, 9, seed=1)
    words = word_vectors(X, idf_weights(X))
    exact = neighbour_graph(P, 10, words=words, method="exact")
    approx = neighbour_graph(P, 10, words=words, method="nn-descent", seed=0)
    assert approx.method == "nn-descent" and approx.recall >= 0.95
    found = np.mean(approx.score >= exact.score[:, -1:] - 1e-6)
    assert found >= 0.95
    again = neighbour_graph(P, 10, words=words, method="nn-descent", seed=0)
    np.testing.assert_array_equal(again.index, approx.index)


def test_same_topic_documents_are_ordered_by_their_words_without_ties():
    """With one-hot profiles every pair of a topic ties on topics; the words break the ties."""
    X, P, topic = planted()
    graph = neighbour_graph(P, 10, words=word_vectors(X, idf_weights(X)))
    assert (graph.score.max(axis=1) > graph.score.min(axis=1)).all()
    topics_only = neighbour_graph(P, 10)
    assert (topics_only.score.max(axis=1) == topics_only.score.min(axis=1)).mean() > 0.9  # what it replaces
    assert np.mean(topic[graph.index] == topic[:, None]) > 0.95


def test_a_near_duplicate_is_the_first_neighbour_and_a_copy_scores_one():
    X, P, _ = planted()
    X = sp.lil_matrix(X)
    dup = X[7].toarray().ravel()
    dup[np.flatnonzero(dup)[0]] = 0  # one word fewer
    X = sp.vstack([X.tocsr(), sp.csr_matrix(dup), X[9].tocsr()]).tocsr()
    P = np.vstack([P, P[7], P[9]])
    graph = neighbour_graph(P, 10, words=word_vectors(X, idf_weights(X)))
    n = X.shape[0]
    assert graph.index[7, 0] == n - 2 and graph.index[n - 2, 0] == 7
    assert graph.index[9, 0] == n - 1 and graph.score[9, 0] == pytest.approx(1.0, abs=1e-6)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("similarity") / "demo"
    run(DEMO, out=out, k=5, seed=1)
    return out


def test_a_saved_run_keeps_its_words_and_queries_rank_by_the_same_similarity(demo_run):
    model = load_model(demo_run)
    assert model.word_vectors().shape == (model.n_docs, len(model.terms))
    text = (DEMO / "astronomy" / "01.txt").read_text(encoding="utf-8")
    _, found = model.query(text, 11)
    assert found[0][0] == "astronomy/01.txt" and found[0][1] == pytest.approx(1.0, abs=1e-4)
    stored = model.similar("astronomy/01.txt", 10)
    assert [d for d, _ in found[1:]] == [d for d, _ in stored]
    np.testing.assert_allclose([s for _, s in found[1:]], [s for _, s in stored], atol=1e-4)
    U = topic_part(unit_profiles(model.W, model.H.sum(axis=1)))
    assert U.dtype == np.float32


def test_word_vectors_are_read_only_when_needed_and_checked(demo_run, tmp_path):
    import hashlib
    import json
    import shutil

    from topicmf.errors import TopicmfError

    out = tmp_path / "run"
    shutil.copytree(demo_run, out)
    model = load_model(out)
    assert model.words is None and model.similar("astronomy/01.txt", 3)  # the stored graph needs no words
    (out / "words.npz").write_bytes((out / "words.npz").read_bytes()[:-100])
    with pytest.raises(TopicmfError, match="words.npz does not match its manifest"):
        model.query("telescope")
    early = load_model(out, words_now=True)  # read in a thread from the start: the error still comes with the query
    with pytest.raises(TopicmfError, match="words.npz does not match its manifest"):
        early.query("telescope")
    assert load_model(demo_run, words_now=True).query("telescope planet")[1]
    with np.load(demo_run / "words.npz") as z:
        arrays = dict(z)
    arrays["words_indices"] = arrays["words_indices"] + 10_000
    np.savez(out / "words.npz", **arrays)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["files"]["words.npz"]["sha256"] = hashlib.sha256((out / "words.npz").read_bytes()).hexdigest()
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(TopicmfError, match="word vectors do not fit"):
        load_model(out).query("telescope")


def test_the_shuttle_query_finds_space_documents(tmp_path):
    corpus = shared_corpus("20news")
    result = run(corpus, out=tmp_path / "news", k=10, seed=0)
    _, found = result.model.query("the space shuttle launch was delayed by nasa engineers", 3)
    assert [d.split("/")[0] for d, _ in found] == ["sci.space"] * 3
    scores = result.model.graph.score
    tied = (scores.max(axis=1) - scores.min(axis=1) < 1e-6) & (scores[:, 0] < 0.999)
    empty = np.diff(result.model.words.indptr) == 0  # no words left: similar to nothing, every score 0
    assert empty.sum() == 7 and (scores[empty] == 0).all()
    assert (tied & ~empty).sum() == 0  # no document's ten neighbours share one score unless the texts are the same


def test_a_run_can_compare_documents_by_topics_alone(tmp_path):
    from click.testing import CliRunner

    from topicmf.cli import main
    from topicmf.errors import TopicmfError

    out = tmp_path / "topics"
    result = CliRunner().invoke(main, ["run", str(DEMO), "-k", "5", "--seed", "1", "--similarity", "topics",
                                       "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert not (out / "words.npz").exists()
    model = load_model(out)
    assert model.manifest["neighbours"]["similarity"] == "cosine of topic profiles"
    U = unit_profiles(model.W, model.H.sum(axis=1))
    i = model.doc_index("astronomy/01.txt")
    scores = np.asarray(U, dtype=np.float64) @ np.asarray(U[i], dtype=np.float64)
    assert [s for _, s in model.similar(i, 3)] == pytest.approx(sorted(np.delete(scores, i))[::-1][:3], abs=1e-6)
    assert model.query("telescope planet stars")[1]  # topics only, still answers
    with pytest.raises(TopicmfError, match=r"'similarity' parameter of topicmf run must be a str among \{'words', 'topics'\}"):
        run(DEMO, out=tmp_path / "bad", k=5, similarity="tfidf")
    assert not (tmp_path / "bad").exists()


def mixed(n=4000, m=1200, k=12, alpha=0.25, seed=3):
    """Documents mixing topics (Dirichlet(alpha) proportions), each word drawn from one of its topics' blocks of
    words, and the proportions as the topic profiles: neighbours live in several topics' blocks."""
    rng = np.random.default_rng(seed)
    theta = rng.dirichlet(np.full(k, alpha), n)
    rows, cols = [], []
    for i in range(n):
        topics = rng.choice(k, 30, p=theta[i])
        words = topics * (m // k) + rng.integers(m // k, size=30)
        rows += [i] * words.size
        cols += words.tolist()
    X = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, m))
    X.sum_duplicates()
    return X, theta


def test_blocks_that_reach_every_topic_are_an_exact_search():
    from topicmf.neighbours.blocks import block_graph

    X, theta = mixed(1500, 600, 6)
    words = word_vectors(X, idf_weights(X))
    exact = neighbour_graph(theta, 10, words=words, method="exact")
    T = topic_part(unit_profiles(theta))
    index, score, order = block_graph(T, words, 10, share=0.0)
    np.testing.assert_allclose(score, exact.score, atol=1e-6)
    assert np.mean(index == exact.index) > 0.99  # (the rest: equal scores in another order of float sums)
    assert sorted(order.tolist()) == list(range(1500))


def test_blocks_recall_grows_with_effort_and_is_measured_honestly():
    X, theta = mixed()
    words = word_vectors(X, idf_weights(X))
    exact = neighbour_graph(theta, 10, words=words, method="exact")
    S = dense_scores(X, theta)
    found = {}
    for effort in ("low", "normal", "high"):
        graph = neighbour_graph(theta, 10, words=words, method="blocks", effort=effort, seed=0)
        whole = np.mean(graph.score >= exact.score[:, -1:] - 1e-6)  # recall over every document
        assert abs(graph.recall - whole) < 0.03 and graph.recall_sample == 1000
        ratio = graph.score.mean() / exact.score.mean()
        assert abs(graph.score_ratio - ratio) < 0.01
        np.testing.assert_allclose(np.take_along_axis(S, graph.index, 1), graph.score, atol=2e-6)
        assert (graph.index != np.arange(len(theta))[:, None]).all()
        assert (np.diff(graph.score, axis=1) <= 0).all()
        about = graph.describe()
        assert about["method"] == "blocks" and about["effort"] == effort and about["score_ratio"] == round(graph.score_ratio, 4)
        found[effort] = whole
    assert found["low"] <= found["normal"] <= found["high"]
    assert found["normal"] >= 0.85 and found["high"] >= 0.95


def test_blocks_graph_is_the_same_for_any_number_of_threads():
    import numba

    X, theta = mixed(2000, 600, 6)
    words = word_vectors(X, idf_weights(X))
    first = neighbour_graph(theta, 10, words=words, method="blocks")
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        one = neighbour_graph(theta, 10, words=words, method="blocks")
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(one.index, first.index)
    np.testing.assert_array_equal(one.score, first.score)


def test_large_blocks_are_cut_and_documents_without_topics_still_get_neighbours():
    from topicmf.neighbours.blocks import block_graph, topic_blocks

    X, theta = mixed(3000, 600, 4)
    theta[:5] = 0.0  # no topics: in no block, searched exactly by neighbour_graph
    T = topic_part(unit_profiles(theta))
    members, queries = topic_blocks(T, 0.3, max_block=400)
    assert max(m.size for m in members) <= 400
    inside = np.concatenate(members)
    assert np.array_equal(np.sort(inside), np.arange(5, 3000))
    assert all(np.isin(m, q).all() for m, q in zip(members, queries))
    words = word_vectors(X, idf_weights(X))
    index, score, _ = block_graph(T, words, 10, share=0.3, max_block=400)
    assert (index[:5] == -1).all() and (index[5:] >= 0).all()
    graph = neighbour_graph(theta, 10, words=words, method="blocks")
    assert (graph.index >= 0).all() and (graph.index[:5] != np.arange(5)[:, None]).all()


def test_short_texts_get_descent_rounds_after_the_blocks_and_they_raise_recall():
    from topicmf.neighbours.blocks import block_graph

    rng = np.random.default_rng(5)
    n, m, k = 3000, 900, 9
    theta = rng.dirichlet(np.full(k, 0.3), n)
    rows = np.repeat(np.arange(n), 8)
    topics = np.array([rng.choice(k, 8, p=t) for t in theta]).ravel()
    X = sp.csr_matrix((np.ones(rows.size), (rows, topics * (m // k) + rng.integers(m // k, size=rows.size))),
                      shape=(n, m))
    words = word_vectors(X, idf_weights(X))
    exact = neighbour_graph(theta, 10, words=words, method="exact")
    graph = neighbour_graph(theta, 10, words=words, method="blocks")
    assert graph.describe()["descent_rounds"] == 2
    _, blocks_only, _ = block_graph(topic_part(unit_profiles(theta)), words, 10, share=0.3)
    before = np.mean(blocks_only >= exact.score[:, -1:] - 1e-6)
    after = np.mean(graph.score >= exact.score[:, -1:] - 1e-6)
    assert after > before + 0.02
    X, theta = mixed(2000, 600, 6)  # thirty words a document and more: no rounds
    X = X + sp.csr_matrix((np.ones(2000 * 10), (np.repeat(np.arange(2000), 10), np.tile(np.arange(10), 2000))),
                          shape=X.shape)
    assert neighbour_graph(theta, 10, words=word_vectors(X, idf_weights(X)), method="blocks").rounds == 0
