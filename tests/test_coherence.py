"""Coherence equals gensim's CoherenceModel (u_mass, c_npmi, c_v) on the same tokens, to 1e-6."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import DEMO, shared_corpus
from topicmf.corpus import load_text, open_corpus
from topicmf.model import c_v, fit_topic_model, npmi, umass
from topicmf.model.evaluate import coherence_scores
from topicmf.text import TextOptions, make_tokenizer, vectorize
from topicmf.text.windows import stream_window_counts, window_counts

gensim = pytest.importorskip("gensim")
from gensim.corpora import Dictionary  # noqa: E402
from gensim.models.coherencemodel import CoherenceModel  # noqa: E402
from gensim.topic_coherence.text_analysis import WordOccurrenceAccumulator  # noqa: E402


def gensim_scores(texts, topics, measure):
    d = Dictionary(texts)
    corpus = [d.doc2bow(t) for t in texts]
    cm = CoherenceModel(topics=topics, texts=texts, corpus=corpus, dictionary=d, coherence=measure,
                        topn=len(topics[0]), processes=1)
    return np.array(cm.get_coherence_per_topic())


def bow_matrix(texts, vocab):
    index = {w: j for j, w in enumerate(vocab)}
    rows, cols = [], []
    for i, t in enumerate(texts):
        for w in t:
            rows.append(i)
            cols.append(index[w])
    return sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(texts), len(vocab)))


def random_texts(seed, n_docs=150, n_words=30, max_len=160):
    rng = np.random.default_rng(seed)
    vocab = [f"w{i}" for i in range(n_words)]
    p = np.r_[np.full(8, 0.06), np.full(n_words - 8, 0.52 / (n_words - 8))]
    return [list(rng.choice(vocab, size=rng.integers(0, max_len), p=p)) for _ in range(n_docs)], vocab


@settings(max_examples=40, deadline=None)
@given(
    texts=st.lists(st.lists(st.sampled_from("abcdefg"), max_size=25), min_size=1, max_size=12),
    window=st.integers(1, 12),
)
def test_window_counts_equal_gensims_accumulator(texts, window):
    """Including its sliding shortcut, short and empty documents and repeated words."""
    words = ["a", "b", "c", "d"]
    d = Dictionary(texts + [words])
    ids = {d.token2id[w] for w in words}
    acc = WordOccurrenceAccumulator(ids, d).accumulate(texts, window)
    mine = window_counts(texts, words, (window,))[window]
    assert mine.n_windows == acc.num_docs
    for i, a in enumerate(words):
        assert mine.occurrences[i] == acc[d.token2id[a]]
        for j, b in enumerate(words):
            assert mine.cooccurrences[i, j] == acc[d.token2id[a], d.token2id[b]]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_scores_equal_gensim_on_random_texts(seed):
    texts, vocab = random_texts(seed)
    rng = np.random.default_rng(100 + seed)
    topics = [list(rng.choice(vocab, 10, replace=False)) for _ in range(4)]
    counts = window_counts(texts, sorted({w for t in topics for w in t}), (10, 110))
    X = bow_matrix(texts, vocab)
    cols = [[vocab.index(w) for w in t] for t in topics]
    np.testing.assert_allclose(umass(X, cols), gensim_scores(texts, topics, "u_mass"), atol=1e-6)
    np.testing.assert_allclose(npmi(counts[10], topics), gensim_scores(texts, topics, "c_npmi"), atol=1e-6)
    np.testing.assert_allclose(c_v(counts[110], topics), gensim_scores(texts, topics, "c_v"), atol=1e-6)


def corpus_tokens(path, options):
    """The token sequences gensim is given: each readable document re-read and tokenized on its own."""
    dtm = vectorize(path, options)
    tokenizer = make_tokenizer(options, None if dtm.info["language"] == "none" else dtm.info["language"])
    refs = list(open_corpus(path).refs())
    return dtm, tokenizer, [tokenizer.unigrams(load_text(r)[0]) for r in refs], refs


def check_model_against_gensim(dtm, tokenizer, texts, refs, k):
    # the stream kept from the one reading pass holds exactly these tokens
    assert [dtm.stream.document(d) for d in range(dtm.n_docs)] == texts
    model = fit_topic_model(dtm, k, tokenizer=tokenizer)
    tops = [[model.terms[j] for j in row] for row in model.top_term_indices(10)]
    words = sorted({w for t in tops for w in t})
    counts = stream_window_counts(dtm.stream, words, (10, 110))
    ours = coherence_scores(model, dtm, counts)
    np.testing.assert_allclose(ours["umass"], gensim_scores(texts, tops, "u_mass"), atol=1e-6)
    np.testing.assert_allclose(ours["npmi"], gensim_scores(texts, tops, "c_npmi"), atol=1e-6)
    np.testing.assert_allclose(ours["c_v"], gensim_scores(texts, tops, "c_v"), atol=1e-6)


def test_run_metrics_equal_gensim_on_the_demo_corpus():
    dtm, tokenizer, texts, refs = corpus_tokens(DEMO, TextOptions())
    check_model_against_gensim(dtm, tokenizer, texts, refs, 5)


def test_coherence_equals_gensim_on_bbc_documents(tmp_path):
    bbc = shared_corpus("bbc")
    subset = tmp_path / "bbc"  # a few hundred documents keep gensim's pure-Python counting quick
    for label in sorted(p for p in bbc.iterdir() if p.is_dir()):
        (subset / label.name).mkdir(parents=True)
        for f in sorted(label.glob("*.txt"))[:60]:
            (subset / label.name / f.name).write_bytes(f.read_bytes())
    dtm, tokenizer, texts, refs = corpus_tokens(subset, TextOptions(min_df=3, stem=True, language="english"))
    check_model_against_gensim(dtm, tokenizer, texts, refs, 5)


@pytest.mark.parametrize("options", [TextOptions(n_jobs=2), TextOptions(n_jobs=2, ngrams=2, stem=True,
                                                                   language="english")])
def test_stream_window_counts_equal_counts_over_the_texts_for_any_division(options):
    dtm = vectorize(DEMO, options)
    tokenizer = make_tokenizer(options, "english")
    texts = [tokenizer.unigrams(load_text(r)[0]) for r in open_corpus(DEMO).refs()]
    assert [dtm.stream.document(d) for d in range(dtm.n_docs)] == texts
    single = vectorize(DEMO, TextOptions(**{**options.__dict__, "n_jobs": 1}))
    np.testing.assert_array_equal(single.stream.ids, dtm.stream.ids)
    words = sorted({w for t in texts for w in t})[::3][:12]
    serial = window_counts(texts, words, (5, 110))
    for parts in (1, 3, 40):
        parallel = stream_window_counts(dtm.stream, words, (5, 110), n_parts=parts)
        for w in (5, 110):
            assert parallel[w].n_windows == serial[w].n_windows
            np.testing.assert_array_equal(parallel[w].cooccurrences, serial[w].cooccurrences)
    dtm.close()
    single.close()


def test_words_absent_from_the_windows_are_left_out():
    texts = [["a", "b", "a", "c"], ["b", "c"]]
    counts = window_counts(texts, ["a", "b", "c", "x y"], (10,))[10]
    with_phrase = npmi(counts, [["a", "b", "c", "x y"]])
    assert with_phrase == pytest.approx(npmi(counts, [["a", "b", "c"]]))
    assert np.isnan(npmi(counts, [["a", "x y"]])[0])
