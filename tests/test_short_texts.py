"""Short texts (issue 28): the SeaNMF model by its properties, the run's choice of it, every output of a run that
fits it, and minority languages' stopwords removed document by document."""

from __future__ import annotations

import csv
import json
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from conftest import TOPIC_WORDS, invoke, one_line_error, planted_texts, six_documents
from topicmf.factorize import SeaNMF, fit_seanmf, seanmf_transform
from topicmf.factorize.topics import seanmf as seanmf_module
from topicmf.factorize.topics.seanmf import context_matrix
from topicmf.model.evaluate import nmi
from topicmf.spec.runs import SHORT_MEDIAN, SHORT_MIN_DOCS

def planted_matrix(n_docs: int = 400, seed: int = 0):
    texts, labels = planted_texts(n_docs, seed)
    vocab = sorted({w for t in texts for w in t.split()})
    col = {w: j for j, w in enumerate(vocab)}
    rows, cols = zip(*[(i, col[w]) for i, t in enumerate(texts) for w in t.split()])
    X = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n_docs, len(vocab)))
    return X, labels, vocab


@pytest.fixture(scope="module")
def short_table(tmp_path_factory) -> Path:
    """A JSON Lines table of 2,400 short labelled, dated documents: short texts by the run's rule."""
    texts, labels = planted_texts(2_400)
    path = tmp_path_factory.mktemp("short") / "titles.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for i, (text, label) in enumerate(zip(texts, labels)):
            fh.write(json.dumps({"id": f"d{i}", "label": label, "date": f"{2000 + i % 8}-0{1 + i % 9}-15",
                                 "text": text}) + "\n")
    return path


@pytest.fixture(scope="module")
def short_run(short_table, tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "titles"
    result = invoke(["run", short_table, "-k", "4", "--time-column", "date", "--out", out])
    assert result.exit_code == 0, result.output
    return out, result


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# --- the model --------------------------------------------------------------------------------------------------


def test_the_context_matrix_is_the_shifted_positive_pmi_of_pairs_sharing_a_document():
    rng = np.random.default_rng(1)
    X = sp.csr_matrix(rng.poisson(0.4, (30, 9)).astype(float))
    B = (X.toarray() > 0).astype(float)
    pairs = B.T @ B
    np.fill_diagonal(pairs, 0)
    total, rows = pairs.sum(), pairs.sum(axis=1)
    for shift in (1.0, 2.0):
        expected = np.zeros_like(pairs)
        for a in range(9):
            for b in range(9):
                if pairs[a, b]:
                    expected[a, b] = max(np.log(pairs[a, b] * total / (rows[a] * rows[b])) - np.log(shift), 0.0)
        np.testing.assert_allclose(context_matrix(X, shift).toarray(), expected, atol=1e-12)


def test_seanmf_never_raises_its_objective():
    X, _, _ = planted_matrix(300, seed=2)
    for seed in range(3):
        f = fit_seanmf(X, 4, random_state=seed, tol=0, max_iter=40, mixture_iter=0)
        curve = f.loss_curve
        assert len(curve) == 40
        assert np.all(np.diff(curve) <= 1e-10 * curve[:-1])


def test_the_words_step_is_exact_for_both_squared_terms():
    """W for fixed D and C: repeated sweeps reach the KKT point of ½‖A − DWᵀ‖² + ½α‖S − WCᵀ‖² (dense gradient)."""
    X, _, _ = planted_matrix(200, seed=3)
    A, S = X.toarray(), context_matrix(X).toarray()
    rng = np.random.default_rng(0)
    D, W, C = rng.random((200, 3)), rng.random((X.shape[1], 3)), rng.random((X.shape[1], 3))
    alpha = 3.0
    joint = seanmf_module._Joint(X, sp.csr_matrix(X.T), sp.csr_matrix(S), alpha)
    for _ in range(300):
        joint.sweep(W, A.T @ D + alpha * S @ C, D.T @ D + alpha * C.T @ C)
    gradient = -(A - D @ W.T).T @ D - alpha * (S - W @ C.T) @ C
    scale = np.abs(A.T @ D).max()
    assert np.all(gradient >= -1e-7 * scale)
    assert np.abs(gradient[W > 1e-9]).max() <= 1e-7 * scale


def test_planted_one_topic_documents_are_recovered_and_the_fold_in_agrees():
    X, labels, vocab = planted_matrix(600, seed=4)
    f = fit_seanmf(X, 4, random_state=0)
    topics = f.W.argmax(axis=1)
    assert nmi(labels, topics) > 0.95
    assert np.allclose(f.W.sum(axis=1), 1.0)
    planted = {w: z for z, t in enumerate(TOPIC_WORDS) for w in t.split()}
    for row in f.H:  # each topic's top words come from one planted topic
        top = [vocab[j] for j in np.argsort(-row)[:8]]
        assert len({planted[w] for w in top}) == 1, top
    folded = seanmf_transform(X, f.H)
    assert np.mean(folded.argmax(axis=1) == topics) > 0.97
    assert f.params["mixture"]["iterations"] >= 1


def test_the_estimator_follows_scikit_learn():
    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError

    X, labels, _ = planted_matrix(300, seed=5)
    model = SeaNMF(n_components=4, random_state=0)
    assert clone(model).get_params() == model.get_params()
    with pytest.raises(NotFittedError):
        model.transform(X)
    W = model.fit_transform(X)
    assert W.shape == (300, 4) and model.components_.shape == (4, X.shape[1])
    assert nmi(labels, W.argmax(axis=1)) > 0.95
    assert model.transform(X).shape == (300, 4)
    with pytest.raises(ValueError, match="non-negative"):
        SeaNMF(n_components=2).fit(-X)
    with pytest.raises(ValueError, match="context_weight"):
        SeaNMF(n_components=2, context_weight=-1).fit(X)


def test_an_empty_document_gets_a_zero_profile_and_a_topic_without_documents_keeps_words():
    X, _, _ = planted_matrix(200, seed=6)
    X = sp.vstack([X, sp.csr_matrix((1, X.shape[1]))]).tocsr()
    f = fit_seanmf(X, 6, random_state=0)  # more topics than planted: the mixture may leave some empty
    assert not f.W[-1].any()
    assert np.isfinite(f.H).all() and (f.H.sum(axis=1) > 0).all()


# --- the run's choice ---------------------------------------------------------------------------------------------


def test_short_texts_are_fitted_with_seanmf_said_recorded_and_shown(short_run):
    out, result = short_run
    manifest = json.loads((out / "manifest.json").read_text())
    record = manifest["short_texts"]
    assert manifest["model"]["name"] == "seanmf"
    assert record["setting"] == "auto" and record["short"] and record["median_words"] == 6
    assert record["threshold"] == SHORT_MEDIAN and record["min_documents"] == SHORT_MIN_DOCS
    assert "Note: Short texts: the median document keeps 6 words" in result.stderr
    assert record["note"] in (out / "index.html").read_text(encoding="utf-8")
    assert 'id="short-texts"' in (out / "index.html").read_text(encoding="utf-8")
    assert manifest["metrics"]["labels"]["nmi"] > 0.95
    assert manifest["metrics"]["coherence"]["npmi_mean"] > 0.05


def test_every_output_of_a_short_text_run(short_run):
    out, _ = short_run
    for name in ("topics.csv", "topic_docs.csv", "doc_topics.csv", "word_topics.csv", "similar.csv",
                 "topics_over_time.csv", "topics_per_label.csv", "hierarchy.csv", "model.npz", "words.npz"):
        assert (out / name).is_file(), name
    tops: dict = {}
    for row in read_csv(out / "topics.csv"):
        if int(row["rank"]) <= 10:
            tops.setdefault(row["topic"], []).append(row["word"])
    assert len(tops) == 4
    counts = Counter(w for words in tops.values() for w in words)
    assert max(counts.values()) <= 2  # no top-10 word in more than two topics
    doc_topics = read_csv(out / "doc_topics.csv")
    assert len(doc_topics) == 2_400
    shares = np.array([[float(row[f"topic_{t}"]) for t in range(4)] for row in doc_topics])
    assert np.allclose(shares.sum(axis=1), 1.0, atol=1e-5)
    similar = read_csv(out / "similar.csv")
    assert len(similar) == 2_400 * 10 and all(row["doc_id"] != row["neighbour_id"] for row in similar)
    result = invoke(["similar", out, "d0"])
    assert result.exit_code == 0, result.output
    result = invoke(["query", out, "rocket orbit astronaut"])
    assert result.exit_code == 0, result.output


def test_off_and_a_given_model_keep_their_model_and_on_forces_seanmf(short_table, tmp_path):
    result = invoke(["run", short_table, "-k", "4", "--short-texts", "off", "--out", tmp_path / "off", "-q"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "off" / "manifest.json").read_text())
    assert manifest["model"]["name"] == "pnmf" and manifest["short_texts"]["note"] is None
    assert "Short texts" not in result.stderr
    result = invoke(["run", short_table, "-k", "4", "--model", "nmf", "--out", tmp_path / "nmf", "-q"])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "nmf" / "manifest.json").read_text())["model"]["name"] == "nmf"
    assert "fitted with Frobenius NMF as asked (--model nmf)" in result.stderr
    result = invoke(["run", short_table, "-k", "4", "--solver", "mu", "--out", tmp_path / "mu", "-q"])
    assert json.loads((tmp_path / "mu" / "manifest.json").read_text())["model"]["name"] == "pnmf"
    corpus = six_documents(tmp_path / "six")  # short, but too few documents for auto: on fits seanmf anyway
    result = invoke(["run", corpus, "-k", "2", "--out", tmp_path / "six-auto", "-q"])
    assert json.loads((tmp_path / "six-auto" / "manifest.json").read_text())["model"]["name"] == "pnmf"
    result = invoke(["run", corpus, "-k", "2", "--short-texts", "on", "--out", tmp_path / "six-on", "-q"])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "six-on" / "manifest.json").read_text())["model"]["name"] == "seanmf"


def test_conflicting_choices_are_one_line_errors(short_table, tmp_path):
    line = one_line_error(invoke(["run", short_table, "--short-texts", "on", "--model", "lsa", "--out", tmp_path / "x"]))
    assert "--short-texts on fits the short-text model (seanmf)" in line
    result = invoke(["run", short_table, "--short-texts", "maybe", "--out", tmp_path / "x"])
    assert result.exit_code == 2 and "'maybe' is not one of 'auto', 'on', 'off'" in result.stderr
    line = one_line_error(invoke(["run", short_table, "--short-texts", "on", "--dask", "local:1", "--out",
                                  tmp_path / "x"]))
    assert "does not run on a cluster" in line
    assert not (tmp_path / "x").exists()


def test_the_run_options_work_with_the_short_text_model(short_table, tmp_path):
    seeds = tmp_path / "seeds.txt"
    seeds.write_text("space: rocket orbit astronaut\n", encoding="utf-8")
    for extra in (["--reduce-to", "3", "-k", "5"], ["-k", "auto", "--k-range", "3:5:1"],
                  ["--seed-topics", seeds, "-k", "4"]):  # --heldout: the next test
        out = tmp_path / "x"
        result = invoke(["run", short_table, *extra, "--out", out, "--force", "-q"])
        assert result.exit_code == 0, (extra, result.output)
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["model"]["name"] == "seanmf", extra
    result = invoke(["merge", tmp_path / "x", "0,1", "--out", tmp_path / "merged", "-q"])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "merged" / "manifest.json").read_text())["model"]["name"] == "seanmf"


def test_the_heldout_score_of_the_short_text_model(short_table, tmp_path):
    result = invoke(["run", short_table, "-k", "4", "--heldout", "0.2", "--out", tmp_path / "h", "-q"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "h" / "manifest.json").read_text())
    assert manifest["model"]["name"] == "seanmf"
    assert 0 < manifest["metrics"]["heldout"]["relative_error"] < 1


def test_the_python_estimator_chooses_and_reloads_the_short_text_model(short_table, short_run):
    from topicmf import Topics, load

    texts, labels = planted_texts(2_400, seed=7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        topics = Topics(n_topics=4, quiet=True).fit(texts, labels=labels)
    assert topics.model_.factorization.model == "seanmf" and topics.short_texts == "auto"
    profiles = topics.transform(["rocket orbit launch crew", "flour butter sugar oven"])
    assert profiles.shape == (2, 4) and profiles[0].argmax() != profiles[1].argmax()
    loaded = load(short_run[0])
    assert loaded.model == "seanmf" and loaded.short_texts == "auto"


# --- minority languages -------------------------------------------------------------------------------------------

SPANISH = ["una herramienta para la gestión de los datos en el servidor",
           "biblioteca para el análisis de las imágenes con los modelos",
           "cliente de la interfaz para los servicios en la nube",
           "extensión para el manejo de las fechas y los números",
           "módulo para la lectura de los archivos de las hojas"]


ENGLISH = ["{0} and {1} for the {2}", "a {0} of {1} with {2}", "the {0} {1} in a {2}", "{0} {1} to the {2} and more"]


def english_and_spanish(n_english: int = 480, n_spanish: int = 20, seed: int = 0):
    """English titles (their function words make the corpus English) and a few Spanish ones (4%)."""
    rng = np.random.default_rng(seed)
    texts = [ENGLISH[i % 4].format(*rng.choice(TOPIC_WORDS[(i // 4) % 4].split(), 3, replace=False))
             for i in range(n_english)]
    spanish = [SPANISH[i % len(SPANISH)] + f" {rng.choice(TOPIC_WORDS[i % 4].split())}" for i in range(n_spanish)]
    mixed = texts + spanish
    order = np.random.default_rng(seed + 1).permutation(len(mixed))
    return [mixed[i] for i in order]


def test_a_short_document_in_a_minority_language_loses_its_stopwords():
    from topicmf.text import Tokenizer, builtin_stopwords

    spanish = builtin_stopwords("spanish") - builtin_stopwords("english")
    tok = Tokenizer(stopwords=builtin_stopwords("english"), foreign=(spanish,))
    assert tok.words("una herramienta para la gestión de los datos") == ["herramienta", "gestión", "datos"]
    assert tok.words("the man of war") == ["man", "war"]  # one foreign stopword ("de"-like) is not enough
    assert tok.words("a list of the modes de la carte") == ["list", "modes", "de", "la", "carte"]  # English wins


def test_minority_languages_are_found_and_their_stopwords_removed_by_document():
    from topicmf.corpus.memory import memory_corpus
    from topicmf.text import TextOptions, vectorize

    texts = english_and_spanish()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dtm = vectorize(memory_corpus(texts), TextOptions())
    with dtm:
        assert "spanish" in dtm.info["languages"]["minority"]
        vocabulary = set(dtm.terms)
        assert not {"para", "los", "las", "una", "el", "la"} & vocabulary
        assert {"herramienta", "servidor", "biblioteca"} <= vocabulary
    assert any("another language" in str(w.message) for w in caught)
    with vectorize(memory_corpus(texts), TextOptions(language="english")) as plain:  # the language given: no minority
        assert {"para", "los", "las"} <= set(plain.terms)


def test_a_few_stopwords_shared_by_chance_do_not_make_a_minority():
    from topicmf.text.stopwords import detect_languages

    english = english_and_spanish(n_spanish=0)
    subjects = ["Re: math co-pro vs dx", "Re: tom on the pro bus"] * 40  # Czech has re, co, pro, on, tom
    found = detect_languages(english[:300] + subjects)
    assert found["language"] == "english" and found["minority"] == {}
    assert "spanish" in detect_languages(english_and_spanish())["minority"]


def test_texts_in_memory_sorted_by_language_are_sampled_throughout():
    """A list with its Spanish titles at the end: the language sample is spread over the list (a DataFrame or an
    array too), so the minority is found; a generator gives its first texts only."""
    from topicmf.corpus.memory import memory_corpus
    from topicmf.text import TextOptions, vectorize

    texts = english_and_spanish(n_english=1_500, n_spanish=0) + [SPANISH[i % 5] + " datos" for i in range(30)]
    with vectorize(memory_corpus(texts), TextOptions()) as dtm:
        assert "spanish" in dtm.info["languages"]["minority"]
        assert not {"para", "los"} & set(dtm.terms)
    with vectorize(memory_corpus(iter(texts)), TextOptions()) as dtm:
        assert "minority" not in dtm.info["languages"] or not dtm.info["languages"]["minority"]
