"""The model stage: profiles, top words, neighbours, fold-in, evaluation, the sweep rule, save and load."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest
import scipy.sparse as sp

from conftest import DEMO
from topicmf.errors import TopicmfError
from topicmf.model import (
    diversity,
    fit_topic_model,
    label_agreement,
    load_model,
    nearest,
    parse_k_range,
    save_model,
    stability,
    suggest_k,
)
from topicmf.neighbours.graph import unit_rows
from topicmf.text import DocumentTermMatrix, TextOptions, make_tokenizer, vectorize


@pytest.fixture(scope="module")
def demo():
    dtm = vectorize(DEMO, TextOptions())
    return dtm, make_tokenizer(TextOptions(), "english")


def brute_force(Q, D, n, exclude=None):
    """The reference, in the float32 arithmetic of the search (cosines to about 1e-7)."""
    S = unit_rows(Q, np.float32) @ unit_rows(D, np.float32).T
    if exclude is not None:
        S[np.arange(len(Q)), exclude] = -np.inf
    order = np.stack([np.lexsort((np.arange(D.shape[0]), -row))[:n] for row in S])
    return order, np.take_along_axis(S, order, axis=1)


@pytest.mark.parametrize("max_cells", [7, 100, 10**7])
def test_nearest_is_exact_in_any_block_size(max_cells):
    rng = np.random.default_rng(0)
    D = rng.random((120, 4))
    D[5] = 0  # an empty document is similar to nothing
    D[7] = D[8] * 3  # same direction: cosine 1, tie broken by index
    Q = np.round(rng.random((30, 4)), 1)
    idx, score = nearest(Q, D, 9, max_cells=max_cells)
    ref_idx, ref_score = brute_force(Q, D, 9)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_allclose(score, ref_score, rtol=1e-6)  # float32: block shapes change the rounding
    idx, score = nearest(D, D, 5, exclude=np.arange(120), max_cells=max_cells)
    ref_idx, ref_score = brute_force(D, D, 5, np.arange(120))
    np.testing.assert_array_equal(idx, ref_idx)
    assert not (idx == np.arange(120)[:, None]).any()


def test_nearest_never_holds_more_than_a_block(monkeypatch):
    import topicmf.neighbours.graph as nb

    shapes = []
    real = nb._top_rows

    def spy(S, index, score):
        shapes.append(S.shape)
        return real(S, index, score)

    monkeypatch.setattr(nb, "_top_rows", spy)
    D = np.random.default_rng(1).random((1000, 3))
    nb.nearest(D, D, 3, max_cells=10_000)
    assert max(r * c for r, c in shapes) <= 10_000 and sum(r for r, _ in shapes) == 1000


def test_nearest_with_fewer_documents_than_asked():
    D = np.eye(3)
    idx, score = nearest(D, D, 10, exclude=np.arange(3))
    assert idx.shape == (3, 2)


@pytest.mark.parametrize("model", ["pnmf", "nmf", "lsa"])
def test_profiles_and_top_words_agree_with_the_factors(demo, model):
    dtm, tok = demo
    m = fit_topic_model(dtm, 4, model=model, tokenizer=tok)
    P = m.doc_topics()
    if model != "lsa":
        np.testing.assert_allclose(P.sum(axis=1), 1.0)
        assert (P >= 0).all()
    else:
        np.testing.assert_array_equal(P, m.W)
    top = m.top_term_indices(7, order="weight")
    for t in range(4):
        weights = m.H[t, top[t]]
        assert (np.diff(weights) <= 0).all()
        assert weights[-1] >= np.sort(m.H[t])[-7]
    if model != "lsa":  # by default NMF topics rank their words by relevance
        R = m.relevance()
        ranked = m.top_term_indices(7)
        assert m.word_order == "relevance"
        for t in range(4):
            assert (np.diff(R[t, ranked[t]]) <= 0).all() and R[t, ranked[t][-1]] >= np.sort(R[t])[-7]
    else:
        assert (m.top_term_indices(7) == top).all()
    if model != "lsa":  # shares of words: the profile does not depend on how W and H split the scale
        np.testing.assert_allclose(P, m.doc_topics(m.W * 7.0))
        expected = m.W * m.H.sum(axis=1)
        np.testing.assert_allclose(P, expected / expected.sum(axis=1, keepdims=True))
        np.testing.assert_allclose(m.prevalence(), expected.sum(axis=0) / expected.sum())
    np.testing.assert_array_equal(m.dominant_topics(), np.argmax(P, axis=1))
    assert m.prevalence().sum() == pytest.approx(1.0)


@pytest.mark.parametrize("model", ["pnmf", "nmf", "lsa"])
def test_transform_of_training_texts_reproduces_their_profiles(demo, model):
    from topicmf.corpus import load_text, open_corpus

    dtm, tok = demo
    m = fit_topic_model(dtm, 4, model=model, tokenizer=tok)
    texts = [load_text(r)[0] for r in open_corpus(DEMO).refs()]
    W = m.transform_texts(texts)
    np.testing.assert_allclose(W, m.W, atol=1e-6 * np.abs(m.W).max())


def test_query_with_a_training_text_returns_that_document_first(demo):
    from topicmf.corpus import load_text, open_corpus

    dtm, tok = demo
    m = fit_topic_model(dtm, 6, model="lsa", tokenizer=tok)
    refs = list(open_corpus(DEMO).refs())
    for i in (0, 11, 34):
        profile, near = m.query(load_text(refs[i])[0], 3)
        assert near[0][0] == refs[i].doc_id and near[0][1] == pytest.approx(1.0)


def test_bad_requests_are_one_line_errors(demo):
    dtm, tok = demo
    for k in (0, -1, 10**6):
        with pytest.raises(TopicmfError, match=r"number of topics|'n_components' parameter of PoissonNMF must be an int in the range \[1, inf\)"):
            fit_topic_model(dtm, k)
    with pytest.raises(TopicmfError, match="counts"):
        fit_topic_model(dtm, 3, weighting="tfidf")
    with pytest.raises(TopicmfError, match="solver"):
        fit_topic_model(dtm, 3, solver="hals")
    m = fit_topic_model(dtm, 3, tokenizer=tok)
    with pytest.raises(TopicmfError, match="No document 'nope'"):
        m.similar("nope")


def test_save_and_load_give_the_identical_transform(demo, tmp_path):
    dtm, tok = demo
    for model in ("pnmf", "lsa"):
        m = fit_topic_model(dtm, 4, model=model, tokenizer=tok, seed=3)
        out = tmp_path / model
        out.mkdir()
        save_model(m, out, {"note": "x"})
        back = load_model(out)
        for name in ("vocabulary", "terms", "doc_ids", "labels", "weighting", "seed"):
            assert getattr(back, name) == getattr(m, name), name
        np.testing.assert_array_equal(back.W, m.W)
        np.testing.assert_array_equal(back.H, m.H)
        texts = ["the planet and the telescope", "bake the pasta", "unknownword"]
        np.testing.assert_array_equal(back.transform_texts(texts), m.transform_texts(texts))
        assert back.manifest["note"] == "x" and back.manifest["model"]["name"] == model
        assert not any(a.dtype == object for a in np.load(out / "model.npz", allow_pickle=False).values())


def _saved(demo, tmp_path):
    dtm, tok = demo
    out = tmp_path / "run"
    out.mkdir()
    save_model(fit_topic_model(dtm, 3, tokenizer=tok), out, {})
    return out


def test_tampered_or_truncated_files_are_refused(demo, tmp_path):
    out = _saved(demo, tmp_path)
    npz = out / "model.npz"
    good = npz.read_bytes()
    npz.write_bytes(good[: len(good) // 2])
    with pytest.raises(TopicmfError, match="does not match its manifest"):
        load_model(out)
    flipped = bytearray(good)
    flipped[len(good) // 3] ^= 0xFF
    npz.write_bytes(bytes(flipped))
    with pytest.raises(TopicmfError, match="does not match"):
        load_model(out)
    npz.write_bytes(good)
    (out / "manifest.json").write_text("{not json")
    with pytest.raises(TopicmfError, match="unreadable or damaged"):
        load_model(out)


def test_a_consistent_but_wrong_npz_is_refused(demo, tmp_path):
    """Even with a matching checksum, arrays that do not fit together are an error."""
    import hashlib

    out = _saved(demo, tmp_path)
    npz = out / "model.npz"
    with np.load(npz) as z:
        arrays = dict(z)
    arrays["H"] = arrays["H"][:, :-1]
    np.savez(npz, **arrays)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["files"]["model.npz"]["sha256"] = hashlib.sha256(npz.read_bytes()).hexdigest()
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(TopicmfError, match="inconsistent"):
        load_model(out)
    with zipfile.ZipFile(npz, "w") as z:
        z.writestr("W.npy", b"garbage")
    manifest["files"]["model.npz"]["sha256"] = hashlib.sha256(npz.read_bytes()).hexdigest()
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(TopicmfError):
        load_model(out)


def _rewrite(out, save, arrays):
    import hashlib

    npz = out / "model.npz"
    save(npz, **arrays)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["files"]["model.npz"]["sha256"] = hashlib.sha256(npz.read_bytes()).hexdigest()
    (out / "manifest.json").write_text(json.dumps(manifest))


def test_arrays_load_the_same_from_stored_and_compressed_members(demo, tmp_path):
    """Stored members are read from their offsets (no zip CRC pass); compressed ones through zipfile."""
    out = _saved(demo, tmp_path)
    with np.load(out / "model.npz") as z:
        arrays = dict(z)
    arrays["H"] = np.asfortranarray(arrays["H"])  # a Fortran-ordered array comes back equal too
    _rewrite(out, np.savez, arrays)
    stored = load_model(out)
    _rewrite(out, np.savez_compressed, arrays)
    compressed = load_model(out)
    for m in (stored, compressed):
        np.testing.assert_array_equal(m.W, arrays["W"])
        np.testing.assert_array_equal(m.H, arrays["H"])
        assert list(m.doc_ids) == list(stored.doc_ids) and list(m.terms) == list(stored.terms)
    arrays["W"] = np.array([[object()]], dtype=object)
    _rewrite(out, np.savez, arrays)
    with pytest.raises(TopicmfError, match="unreadable"):
        load_model(out)


def test_loading_something_else_is_a_clear_error(tmp_path):
    with pytest.raises(TopicmfError, match="no manifest.json"):
        load_model(tmp_path)
    with pytest.raises(TopicmfError, match="not a directory"):
        load_model(tmp_path / "missing")


def test_diversity_and_stability():
    assert diversity([["a", "b"], ["c", "d"]]) == 1.0
    assert diversity([["a", "b"], ["a", "b"]]) == 0.5
    rng = np.random.default_rng(0)
    H = rng.random((5, 40))
    assert stability(H, H[[3, 1, 4, 0, 2]] * 7) == pytest.approx(1.0)
    assert stability(H, rng.random((5, 40))) < 0.95


def test_label_agreement():
    labels = ["a", "a", "b", "b", None, ""]
    perfect = label_agreement(labels, np.array([1, 1, 0, 0, 2, 2]))
    assert perfect["nmi"] == pytest.approx(1.0) and perfect["ari"] == pytest.approx(1.0)
    assert perfect["documents"] == 4 and perfect["table"] == [[0, 2], [2, 0]]
    assert label_agreement(None, np.zeros(3)) is None
    assert label_agreement(["", None], np.zeros(2)) is None


def test_k_ranges():
    assert parse_k_range("5:50:5") == list(range(5, 51, 5))
    assert parse_k_range("2:4") == [2, 3, 4]
    assert parse_k_range("10,5,5") == [5, 10]
    for bad in ("5-10", "0:3", "5:10:0", "", "a,b"):
        with pytest.raises(TopicmfError):
            parse_k_range(bad)
    with pytest.raises(TopicmfError, match="at most 7"):
        parse_k_range("5:10", limit=7)


def test_suggested_k_follows_the_stated_rule():
    rows = [
        {"k": 5, "npmi": 0.05, "umass": -2.0, "diversity": 0.9, "stability": 0.9},
        {"k": 10, "npmi": 0.10, "umass": -2.5, "diversity": 0.8, "stability": 0.8},
        {"k": 15, "npmi": 0.06, "umass": -3.0, "diversity": 0.5, "stability": 0.7},
    ]
    assert suggest_k(rows) == 10  # scaled scores: k=5 (0+1+1)/3, k=10 (1+0.75+0.5)/3, k=15 (0.2+0+0)/3
    assert [round(r["score"], 4) for r in rows] == [0.6667, 0.75, 0.0667]
    rows[1]["stability"] = 0.7
    assert suggest_k(rows) == 5  # k=10 now (1+0.75+0)/3
    for r in rows:
        r["npmi"] = None  # no texts: UMass decides
    assert suggest_k(rows) == 5
    tie = [{"k": k, "npmi": 0.1, "umass": -1, "diversity": 1.0, "stability": 1.0} for k in (3, 4)]
    assert suggest_k(tie) == 3


def test_a_count_matrix_model_matches_words_as_they_are(tmp_path):
    X = sp.csr_matrix(np.array([[3, 0, 1], [0, 2, 2], [1, 1, 0], [4, 0, 1]], dtype=float))
    dtm = DocumentTermMatrix(X, ("alpha", "beta", "gamma"), ("alpha", "beta", "gamma"), ("a", "b", "c", "d"), None,
                             np.asarray(X.sum(axis=1)).ravel())
    m = fit_topic_model(dtm, 2, model="nmf")
    counts = m.count(["Alpha alpha gamma delta"]).toarray()
    np.testing.assert_array_equal(counts, [[2, 0, 1]])


def test_label_agreement_equals_scikit_learns_nmi_and_ari():
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from topicmf.model.evaluate import ari, nmi

    rng = np.random.default_rng(0)
    for _ in range(300):
        n = int(rng.integers(1, 60))
        a = rng.integers(0, rng.integers(1, 6), n).astype(str)
        b = rng.integers(-1, rng.integers(1, 6), n)
        assert nmi(a, b) == pytest.approx(normalized_mutual_info_score(a, b), abs=1e-12)
        assert ari(a, b) == pytest.approx(adjusted_rand_score(a, b), abs=1e-12)
