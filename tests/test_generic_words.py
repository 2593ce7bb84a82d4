"""Generic words: the fixed background of Poisson NMF, square-root counts, words ranked by relevance."""

from __future__ import annotations

import csv
from collections import Counter

import numpy as np
import pytest
import scipy.sparse as sp

from conftest import shared_corpus
from topicmf.errors import TopicmfError
from topicmf.factorize import factorize
from topicmf.factorize.engine import kernels as _kernels
from topicmf.factorize.topics.losses import poisson_loss
from topicmf.factorize.topics.poisson import FLOOR, poisson_transform
from topicmf.model import fit_topic_model, label_agreement, load_model, save_model
from topicmf.model.coherence import npmi
from topicmf.model.evaluate import diversity
from topicmf.text import DocumentTermMatrix, TextOptions, vectorize
from topicmf.text.windows import stream_window_counts

N_TOPICS, PER_TOPIC, N_GENERIC = 4, 30, 12


def planted(seed=0, n_docs=400, generic_share=0.6):
    """Documents mixing one planted topic (its own 30 words) with a heavy background of 12 generic words.

    The generic words carry ``generic_share`` of every document's words, spread over all documents:
    without a background they are the most frequent words of every topic.
    """
    rng = np.random.default_rng(seed)
    n_terms = N_GENERIC + N_TOPICS * PER_TOPIC
    generic = rng.dirichlet(np.full(N_GENERIC, 5.0))
    topics = np.zeros((N_TOPICS, n_terms))
    for t in range(N_TOPICS):
        topics[t, N_GENERIC + t * PER_TOPIC:N_GENERIC + (t + 1) * PER_TOPIC] = rng.dirichlet(np.full(PER_TOPIC, 0.5))
    label = rng.integers(0, N_TOPICS, n_docs)
    lengths = rng.integers(60, 200, n_docs)
    rates = lengths[:, None] * ((1 - generic_share) * topics[label]
                                + generic_share * np.concatenate([generic, np.zeros(n_terms - N_GENERIC)]))
    X = sp.csr_matrix(rng.poisson(rates).astype(np.float64))
    return X, label


def dtm_of(X, labels=None):
    n, m = X.shape
    words = [f"g{j}" if j < N_GENERIC else f"w{j}" for j in range(m)]
    return DocumentTermMatrix(X.tocsr(), tuple(words), tuple(words), tuple(f"d{i}" for i in range(n)),
                              None if labels is None else tuple(str(v) for v in labels),
                              np.asarray(X.sum(axis=1)).ravel())


def test_fixed_columns_of_the_kernel_never_move():
    X, _ = planted()
    rng = np.random.default_rng(1)
    W = rng.random((X.shape[0], 3)) + 0.1
    Ht = rng.random((X.shape[1], 3)) + 0.1
    fixed_W, fixed_H = W[:, 2].copy(), Ht[:, 2].copy()
    logsum = np.empty(X.shape[0])
    _kernels.ccd_kl_rows(X.indptr, X.indices, X.data, W, Ht, Ht.sum(axis=0), 0.0, 0.0, 3, FLOOR, logsum, False,
                         0.0, 2)
    assert np.array_equal(W[:, 2], fixed_W) and np.array_equal(Ht[:, 2], fixed_H)
    assert not np.allclose(W[:, :2], rng.random((X.shape[0], 2)))  # the free ones did move


@pytest.mark.parametrize("solver", ["cd", "mu"])
def test_objective_never_rises_and_is_the_loss_with_the_background(solver):
    X, _ = planted()
    r = factorize(X, N_TOPICS, model="pnmf", solver=solver, background=0.5, random_state=0, max_iter=60, tol=0)
    curve = r.loss_curve[:-1]
    assert np.all(np.diff(curve) <= 1e-10 * abs(curve[0]))
    assert r.background.shape == (X.shape[1],) and r.background.sum() == pytest.approx(1.0)
    assert r.params["background"] == 0.5
    assert r.objective == pytest.approx(poisson_loss(X, r.W, r.H, background=0.5, background_profile=r.background),
                                        rel=1e-12)
    # the background is fixed: the objective is not the plain model's
    assert r.objective != pytest.approx(poisson_loss(X, r.W, r.H), rel=1e-6)


def test_fold_in_is_optimal_under_the_background():
    """KKT conditions of the convex fold-in: zero gradient where w > floor, non-negative at the floor."""
    X, _ = planted(n_docs=60)
    X = X[:, np.asarray(X.sum(axis=0)).ravel() > 0].tocsr()  # words that occur
    r = factorize(X, N_TOPICS, model="pnmf", background=0.6, random_state=0)
    W = poisson_transform(X, r.H, background=0.6, background_profile=r.background)
    lengths = np.asarray(X.sum(axis=1)).ravel()
    rate = W @ r.H + 0.6 * lengths[:, None] * r.background[None, :]
    grad = r.H.sum(axis=1)[None, :] - (X.toarray() / rate) @ r.H.T
    scale = r.H.sum(axis=1)[None, :]
    free = W > 10 * FLOOR
    assert np.abs(grad[free] / np.broadcast_to(scale, W.shape)[free]).max() < 1e-5
    assert (grad[~free] >= -1e-6 * np.broadcast_to(scale, W.shape)[~free]).all()
    # and the fit's own W is that fold-in (transform reproduces the training profiles)
    assert np.allclose(W, r.W, rtol=1e-6, atol=1e-9)


def test_planted_background_is_recovered_and_topics_are_free_of_it():
    X, label = planted()
    dtm = dtm_of(X, label)
    plain = fit_topic_model(dtm, N_TOPICS, generic_words="keep")
    model = fit_topic_model(dtm, N_TOPICS)
    assert model.weighting == "sqrt" and model.background_share == 0.7 and model.word_order == "relevance"
    generic = {f"g{j}" for j in range(N_GENERIC)}
    plain_top = {w for row in plain.top_words(10) for w, _ in row}
    top = [{w for w, _ in row} for row in model.top_words(10)]
    assert plain_top & generic, "the planted background should crowd the plain model's topics"
    assert not any(t & generic for t in top)
    # the generic words are what the model calls background, and most of their occurrences are given to it
    bg = model.background_words(N_GENERIC)
    assert {w for w, _ in bg} == generic
    listed = model.background_words(len(model.vocabulary))
    assert all(f > 0.5 for _, f in listed)  # only words the background gives most of
    fraction = dict(listed)
    assert min(fraction[w] for w in generic) > 0.6
    assert max((f for w, f in fraction.items() if w not in generic), default=0) < min(fraction[w] for w in generic)
    # each planted topic is one topic, and the documents' topics are recovered
    assert label_agreement(dtm.labels, model.dominant_topics())["nmi"] > 0.95
    for t, words in enumerate(top):
        blocks = Counter((int(w[1:]) - N_GENERIC) // PER_TOPIC for w in words)
        assert max(blocks.values()) == 10
    shares = model.doc_topics()
    assert np.allclose(shares.sum(axis=1), 1.0)


def test_same_seed_same_model_and_keep_is_the_plain_model():
    X, label = planted(seed=3)
    dtm = dtm_of(X, label)
    a, b = fit_topic_model(dtm, N_TOPICS, seed=5), fit_topic_model(dtm, N_TOPICS, seed=5)
    assert np.array_equal(a.W, b.W) and np.array_equal(a.H, b.H)
    keep = fit_topic_model(dtm, N_TOPICS, seed=5, generic_words="keep")
    direct = factorize(X, N_TOPICS, model="pnmf", random_state=5)  # what topicmf fitted before the option
    assert np.array_equal(keep.W, direct.W) and np.array_equal(keep.H, direct.H)
    assert keep.weighting == "counts" and keep.word_order == "weight" and keep.background_share == 0.0
    assert keep.factorization.background is None and keep.background_words() == []
    assert (keep.top_term_indices(10) == np.argsort(-keep.H, axis=1, kind="stable")[:, :10]).all()


def test_relevance_ranks_by_the_formula():
    X, label = planted(seed=2)
    model = fit_topic_model(dtm_of(X, label), N_TOPICS)
    phi = model.H / model.H.sum(axis=1, keepdims=True)
    p = model.factorization.background
    expected = np.argsort(-(0.6 * np.log(phi) + 0.4 * np.log(phi / p)), axis=1, kind="stable")[:, :10]
    assert (model.top_term_indices(10) == expected).all()
    assert (model.top_term_indices(10, order="weight") == np.argsort(-model.H, axis=1, kind="stable")[:, :10]).all()


def test_saved_and_loaded_model_keeps_its_background(tmp_path):
    X, label = planted(seed=4)
    model = fit_topic_model(dtm_of(X, label), N_TOPICS)
    save_model(model, tmp_path, {})
    loaded = load_model(tmp_path)
    assert np.array_equal(loaded.factorization.background, model.factorization.background)
    assert loaded.word_order == "relevance" and loaded.background_share == 0.7
    assert (loaded.top_term_indices(10) == model.top_term_indices(10)).all()
    new = X[:7]
    assert np.allclose(loaded.transform(new), model.transform(new))
    assert np.allclose(model.transform(new), model.W[:7], rtol=1e-6, atol=1e-9)


def test_bad_settings_are_refused_in_one_line():
    X, label = planted()
    dtm = dtm_of(X, label)
    with pytest.raises(ValueError, match=r"The 'background' parameter of PoissonNMF must be a float in the range \[0, 1\)"):
        factorize(X, 2, model="pnmf", background=1.0)
    with pytest.raises(ValueError, match="applies to the cd and mu solvers only; solver 'sgd' does not use it"):
        factorize(X, 2, model="pnmf", solver="sgd", background=0.5)
    with pytest.raises(TopicmfError, match=r"'generic_words' parameter .* among \{'discount', 'keep'\}"):
        fit_topic_model(dtm, 2, generic_words="drop")
    with pytest.raises(TopicmfError, match=r"'word_order' parameter .* among \{'relevance', 'weight'\}"):
        fit_topic_model(dtm, 2, word_order="frex")
    with pytest.raises(TopicmfError, match="counts or sqrt"):
        fit_topic_model(dtm, 2, weighting="tfidf")
    # sgd has no background: the default quietly fits without it, and says so in the parameters
    m = fit_topic_model(dtm, 2, solver="sgd", max_iter=3)
    assert m.factorization.params["background"] == 0.0 and m.weighting == "sqrt"


def test_bbc_topics_people_can_read():
    """BBC News, k = 10, defaults: coherent, distinct topics (the issue's targets, seed 0)."""
    dtm = vectorize(shared_corpus("bbc"), TextOptions())
    model = fit_topic_model(dtm, 10)
    top = model.top_term_indices(10)
    words = [[model.terms[j] for j in row] for row in top]
    counts = stream_window_counts(dtm.stream, sorted({w for row in words for w in row}), (10,))[10]
    assert np.nanmean(npmi(counts, words)) >= 0.12
    assert diversity(top.tolist()) >= 0.85
    assert max(Counter(j for row in top for j in row).values()) <= 2
    assert label_agreement(dtm.labels, model.dominant_topics())["nmi"] >= 0.649
    dtm.close()


def test_run_writes_the_background(tmp_path):
    from topicmf.workflow import run

    from conftest import DEMO

    out = tmp_path / "run"
    run(DEMO, out=out, k=3)
    rows = list(csv.DictReader(open(out / "topics.csv", encoding="utf-8")))
    background = [r for r in rows if r["topic"] == "background"]
    assert background and all(r["pole"] == "background" and 0 <= float(r["weight"]) <= 1 for r in background)
    assert [int(r["rank"]) for r in background] == list(range(1, len(background) + 1))
    page = (out / "index.html").read_text(encoding="utf-8")
    assert 'id="background"' in page and "--generic-words keep" in page
    import json

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["metrics"]["background"]["share"] == 0.7
    assert 0 < manifest["metrics"]["diversity_10"] <= 1
    assert manifest["model"]["weighting"] == "sqrt" and manifest["model"]["word_order"] == "relevance"


def test_the_estimator_takes_a_background():
    from topicmf.factorize import PoissonNMF

    X, _ = planted(seed=6, n_docs=120)
    est = PoissonNMF(4, background=0.5, random_state=0)
    W = est.fit_transform(X)
    assert est.get_params()["background"] == 0.5
    assert est.background_.shape == (X.shape[1],) and est.background_.sum() == pytest.approx(1.0)
    assert np.allclose(est.transform(X), W, rtol=1e-6, atol=1e-9)
    plain = PoissonNMF(4, random_state=0).fit(X)
    assert plain.background_ is None and not np.allclose(plain.components_, est.components_)


def test_the_start_is_nndsvd_of_what_the_background_leaves():
    from topicmf.factorize.topics.background import background_parts, residual
    from topicmf.factorize.topics.init import start_with_background
    from topicmf.factorize.topics.local import LocalRows

    def start(init, **given):
        rows = LocalRows(X, 4)
        Ht, b = start_with_background(rows, 3, init, np.random.default_rng(0), 0.6, **given)
        return rows["W"], Ht, b

    X, _ = planted(seed=7, n_docs=80)
    rows, profile = background_parts(X, 0.6)
    R = residual(X, rows, profile)
    dense = np.maximum(X.toarray() - np.outer(rows, profile), 0.0) * (X.toarray() > 0)
    assert np.array_equal(R.toarray(), dense) and np.shares_memory(R.indices, X.indices)  # shared, not copied
    Rt = residual(X.T.tocsr(), profile, rows)
    assert np.allclose(Rt.toarray(), dense.T)
    W, Ht, b = start("nndsvda")
    assert np.array_equal(W[:, 3], rows) and np.array_equal(Ht[:, 3], profile) and np.array_equal(b, profile)
    # the topics hold the rest of the words: Σ WH + Σ B = Σ X
    assert float(W[:, :3].sum(axis=0) @ Ht[:, :3].sum(axis=0)) == pytest.approx(0.4 * X.sum())
    # given factors are taken as the topics' part
    W0, H0 = np.full((80, 3), 0.5), np.full((3, X.shape[1]), 0.2)
    W, Ht, _ = start("custom", W=W0, H=H0)
    assert np.array_equal(W[:, :3], W0) and np.array_equal(Ht[:, :3], H0.T)


def test_a_large_matrix_starts_from_float32_residual_values():
    """Without gathering (a large corpus) the start's values are float32: nearly the same start, half the bytes."""
    from topicmf.factorize.topics.background import residual
    from topicmf.factorize.topics.init import start_with_background
    from topicmf.factorize.topics.local import LocalRows

    X, _ = planted(seed=8, n_docs=200)

    def start(gather):
        rows = LocalRows(X, 4)
        rows.products.gather = gather  # False: as for a matrix whose factor does not fit the caches
        Ht, _ = start_with_background(rows, 3, "nndsvda", np.random.default_rng(0), 0.7)
        return rows["W"], Ht

    a, b = start(True), start(False)
    assert np.allclose(a[0], b[0], rtol=1e-4, atol=1e-6) and np.allclose(a[1], b[1], rtol=1e-4, atol=1e-6)
    assert residual(X, np.ones(X.shape[0]), np.zeros(X.shape[1]), np.float32).data.dtype == np.float32
