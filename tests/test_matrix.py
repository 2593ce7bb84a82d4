"""The document-term matrix: exact counts, parallel determinism, pruning and weightings."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

from conftest import DEMO, shared_corpus, write_tree
from topicmf import EmptyVocabularyError, TopicmfError, TopicmfWarning, Tokenizer, vectorize
from topicmf.text import TextOptions, builtin_stopwords, log_entropy, prune_columns, tfidf
from topicmf.text.prune import default_min_df, prune_terms


def _random_corpus(root, n_docs=120, seed=0):
    rng = random.Random(seed)
    words = ["alpha", "beta", "gamma", "delta", "the", "and", "Ёж", "naïve", "x1", "2024", "of"] + [
        f"w{i}" for i in range(60)
    ]
    files = {}
    for i in range(n_docs):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(0, 40)))
        files[f"{rng.choice('abc')}/{i:03d}.txt"] = text + rng.choice(["", ". Mail me@x.org", " http://a.b/c"])
    return write_tree(root, files)


def test_counts_equal_a_naive_count(tmp_path):
    root = _random_corpus(tmp_path)
    tokenizer = Tokenizer(stopwords=builtin_stopwords("english"))
    with pytest.warns(TopicmfWarning):  # some random documents are empty
        dtm = vectorize(root, TextOptions(language="english", min_df=1, max_df=1.0, n_jobs=1))
    for row, doc_id in enumerate(dtm.doc_ids):
        expected = Counter(tokenizer.words((root / doc_id).read_text(encoding="utf-8")))
        got = {dtm.vocabulary[j]: int(c) for j, c in zip(dtm.X[row].indices, dtm.X[row].data)}
        assert got == dict(expected)
        assert dtm.doc_lengths[row] == sum(expected.values())
    assert list(dtm.vocabulary) == sorted(dtm.vocabulary)
    assert dtm.X.has_canonical_format


@pytest.mark.parametrize("options", [{"stem": True}, {"ngrams": 2}, {"stem": True, "ngrams": 3}])
def test_stemmed_and_ngram_counts_equal_a_naive_count(tmp_path, options):
    root = _random_corpus(tmp_path, seed=2)
    write_tree(root, {"c/yo.txt": "Ёж ёжик ежик ежи connected connection connecting"})
    tokenizer = Tokenizer(stopwords=builtin_stopwords("english"), stem="english" if options.get("stem") else None,
                          ngrams=options.get("ngrams", 1))
    with pytest.warns(TopicmfWarning):
        dtm = vectorize(root, TextOptions(language="english", min_df=1, max_df=1.0, n_jobs=2, **options))
    for row, doc_id in enumerate(dtm.doc_ids):
        expected = Counter(tokenizer.terms((root / doc_id).read_text(encoding="utf-8")))
        got = {dtm.terms[j]: int(c) for j, c in zip(dtm.X[row].indices, dtm.X[row].data)}
        assert got == dict(expected), doc_id
    assert dtm.X.has_canonical_format


@pytest.mark.parametrize("options", [{}, {"stem": True}, {"ngrams": 2}, {"stem": True, "ngrams": 2, "max_terms": 40}])
def test_identical_matrix_for_any_number_of_jobs(tmp_path, options):
    root = _random_corpus(tmp_path, n_docs=400, seed=1)
    results = []
    for jobs in (1, 2):
        with pytest.warns(TopicmfWarning):
            results.append(vectorize(root, TextOptions(language="english", min_df=1, max_df=1.0, n_jobs=jobs, **options)))
    a, b = results
    assert a.vocabulary == b.vocabulary and a.terms == b.terms and a.doc_ids == b.doc_ids and a.labels == b.labels
    assert (a.X != b.X).nnz == 0
    np.testing.assert_array_equal(a.doc_lengths, b.doc_lengths)


@pytest.mark.filterwarnings("ignore::topicmf.TopicmfWarning")
@pytest.mark.parametrize(
    "min_df, max_df, max_terms",
    [(1, 1.0, None), (2, 1.0, None), (3, 0.5, None), (0.05, 0.9, None), (1, 10, None), (2, 0.8, 15), (0.0, 1.0, 5)],
)
def test_pruning_matches_scikit_learn(tmp_path, min_df, max_df, max_terms):
    rng = np.random.default_rng(3)
    vocab = [f"term{i:02d}" for i in range(50)]
    # distinct totals per term, so max_terms has no ties to break
    weights = np.linspace(1, 3, 50) ** 3
    docs = [" ".join(rng.choice(vocab, size=rng.integers(1, 30), p=weights / weights.sum())) for _ in range(60)]
    write_tree(tmp_path, {f"{i:03d}.txt": d for i, d in enumerate(docs)})
    ours = vectorize(tmp_path, TextOptions(language="none", min_df=min_df, max_df=max_df, max_terms=max_terms, n_jobs=1,
                                           corpus_stopwords="off"))  # random terms are all "evenly spread"
    theirs = CountVectorizer(analyzer=Tokenizer().terms, min_df=min_df, max_df=max_df, max_features=max_terms)
    X = theirs.fit_transform(docs)
    assert ours.vocabulary == tuple(theirs.get_feature_names_out())
    assert (ours.X != X).nnz == 0


def test_the_default_min_df_is_three_documents_or_two_in_a_small_corpus():
    assert default_min_df(499) == 2 and default_min_df(500) == 3
    df = np.array([1, 2, 3, 4])
    small = prune_terms(df, None, 100, min_df=None)
    large = prune_terms(df, None, 5000, min_df=None)
    assert small[1]["min_df"] == 2 and list(small[0]) == [1, 2, 3]
    assert large[1]["min_df"] == 3 and list(large[0]) == [2, 3]
    assert TextOptions().min_df is None  # resolved when the corpus's size is known


def test_pruning_report_and_errors():
    X = sp.csr_matrix(np.array([[1, 1, 0, 2], [1, 0, 0, 1], [1, 0, 1, 0]]))
    keep, report = prune_columns(X, min_df=2, max_df=2)
    assert list(keep) == [3]
    assert report == {"min_df": 2, "terms_before": 4, "removed_rare": 2, "removed_common": 1, "removed_by_max_terms": 0,
                      "terms_after": 1}
    with pytest.raises(TopicmfError, match="allows fewer documents"):
        prune_columns(X, min_df=3, max_df=0.5)
    with pytest.raises(EmptyVocabularyError, match="After pruning, no terms remain .* Try a lower --min-df"):
        prune_columns(X, min_df=0, max_df=0)
    with pytest.raises(EmptyVocabularyError, match="at least 4 documents, but there are 3. Try a lower --min-df"):
        prune_columns(X, min_df=4)
    with pytest.raises(TopicmfError, match="fraction must lie in"):
        prune_columns(X, max_df=1.5)


def test_nothing_left_after_pruning_names_the_remedy(tmp_path):
    write_tree(tmp_path, {"a.txt": "unique words", "b.txt": "different things", "c.txt": "other stuff"})
    with pytest.raises(EmptyVocabularyError, match="Try a lower --min-df"):
        vectorize(tmp_path, TextOptions(min_df=2, language="english"))


def test_only_stopwords_gives_empty_vocabulary(tmp_path):
    write_tree(tmp_path, {"a.txt": "the and of", "b.txt": "it is the"})
    with pytest.raises(EmptyVocabularyError, match="0 terms before"):
        vectorize(tmp_path, TextOptions(min_df=1, language="english"))


def test_tfidf_matches_scikit_learn():
    X = sp.random(30, 20, density=0.3, format="csr", random_state=0, data_rvs=lambda n: np.arange(1, n + 1) % 7 + 1)
    for smooth in (True, False):
        for sublinear in (True, False):
            for norm in ("l2", "l1", None):
                ours = tfidf(X, smooth_idf=smooth, sublinear_tf=sublinear, norm=norm)
                ref = TfidfTransformer(smooth_idf=smooth, sublinear_tf=sublinear, norm=norm).fit_transform(X)
                np.testing.assert_allclose(ours.toarray(), ref.toarray(), rtol=1e-12, atol=1e-12)
    assert tfidf(X) is not X


def test_log_entropy_matches_its_definition():
    X = np.array([[2, 0, 1, 0], [0, 3, 1, 0], [4, 0, 1, 1]], dtype=float)
    n = X.shape[0]
    p = X / X.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(X > 0, p * np.log(p), 0.0)
    g = 1 + plogp.sum(axis=0) / np.log(n)
    expected = np.log1p(X) * g
    np.testing.assert_allclose(log_entropy(sp.csr_matrix(X), normalize=False).toarray(), expected)
    normed = expected / np.linalg.norm(expected, axis=1, keepdims=True)
    np.testing.assert_allclose(log_entropy(sp.csr_matrix(X)).toarray(), normed)
    assert g[2] == pytest.approx(0.0)  # spread evenly over all documents
    assert g[3] == pytest.approx(1.0)  # in one document only


def test_demo_corpus_statistics():
    dtm = vectorize(DEMO, TextOptions(n_jobs=1))
    assert dtm.n_docs == 35
    assert dtm.label_counts() == {name: 7 for name in ("astronomy", "computing", "cooking", "football", "gardening")}
    assert dtm.info["language"] == "english"
    words, counts, dfs = zip(*dtm.top_terms(5))
    assert list(counts) == sorted(counts, reverse=True)
    assert all(df >= 2 for df in dtm.document_frequency)


def test_bbc_has_2225_documents_in_5_labels():
    root = shared_corpus("bbc")
    dtm = vectorize(root, TextOptions(min_df=5, max_df=0.5))
    assert dtm.n_docs == 2225
    assert dtm.label_counts() == {"business": 510, "entertainment": 386, "politics": 417, "sport": 511, "tech": 401}
    assert dtm.info["language"] == "english"
    assert dtm.empty_docs.size == 0
    assert dtm.info["skipped_files"] == []


def test_russian_corpus_detects_russian_and_stems():
    root = shared_corpus("ru_news9")
    dtm = vectorize(root, TextOptions(stem=True, min_df=3))
    assert dtm.info["language"] == "russian"
    assert dtm.n_docs == 743 and len(dtm.label_counts()) == 9
    assert not set(dtm.vocabulary) & builtin_stopwords("russian")
