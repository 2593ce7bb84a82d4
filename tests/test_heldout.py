"""Held-out fit by document completion (issue 12, part): perplexity and relative error, `--heldout F`."""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.sparse as sp
from click.testing import CliRunner

from conftest import DEMO
from topicmf.cli import main
from topicmf.errors import TopicmfError
from topicmf.factorize.topics.poisson import poisson_transform
from topicmf.model import fit_topic_model
from topicmf.model.heldout import heldout_score, split_documents
from topicmf.text import DocumentTermMatrix


def planted(seed=0, n_docs=300, n_terms=120, k=3, length=80):
    """Documents drawn from k topics with disjoint-ish vocabularies (an LDA-like process)."""
    rng = np.random.default_rng(seed)
    phi = rng.dirichlet(np.full(n_terms, 0.05), size=k)
    theta = rng.dirichlet(np.full(k, 0.2), size=n_docs)
    X = np.vstack([rng.multinomial(length, t @ phi) for t in theta]).astype(float)
    terms = tuple(f"w{j}" for j in range(n_terms))
    return DocumentTermMatrix(X=sp.csr_matrix(X), vocabulary=terms, terms=terms,
                              doc_ids=tuple(f"d{i}" for i in range(n_docs)), labels=None,
                              doc_lengths=X.sum(axis=1).astype(np.int64), info={})


def test_the_split_is_seeded_disjoint_and_checked():
    train, test = split_documents(100, 0.2, 3)
    assert test.size == 20 and not set(train) & set(test) and len(train) + len(test) == 100
    assert split_documents(100, 0.2, 3)[1].tolist() == test.tolist()
    assert split_documents(100, 0.2, 4)[1].tolist() != test.tolist()
    for bad in (0.0, 1.0, 1.5):
        with pytest.raises(TopicmfError, match="--heldout"):
            split_documents(100, bad, 0)


def test_poisson_perplexity_beats_the_unigram_and_falls_to_the_planted_k():
    dtm = planted()
    scores = {k: heldout_score(dtm, lambda d, k=k: fit_topic_model(d, k, seed=0, max_iter=100), 0.2, 0)
              for k in (1, 3)}
    train, test = split_documents(dtm.n_docs, 0.2, 0)
    counts = np.asarray(dtm.X[train].sum(axis=0)).ravel()
    unigram = counts / counts.sum()
    # the unigram model's perplexity on the whole held-out documents, over the words training saw
    Y = dtm.X[test].toarray()[:, counts > 0]
    baseline = float(np.exp(-(Y * np.log(unigram[counts > 0])).sum() / Y.sum()))
    assert scores[3]["perplexity"] < scores[1]["perplexity"] and scores[3]["perplexity"] < 0.8 * baseline
    assert scores[3]["documents"] == 60 and scores[3]["train_documents"] == 240


@pytest.mark.parametrize("model", ["nmf", "lsa"])
def test_reconstruction_models_report_a_relative_error_that_falls_with_k(model):
    dtm = planted(1)
    errors = [heldout_score(dtm, lambda d, k=k: fit_topic_model(d, k, model=model, seed=0), 0.2, 0)["relative_error"]
              for k in (1, 3)]
    assert 0 < errors[1] < errors[0] < 1.5


def test_a_document_of_words_no_topic_gives_is_folded_in_to_zeros_not_nan():
    H = np.array([[1.0, 2.0, 0.0], [0.5, 0.0, 0.0]])
    X = sp.csr_matrix(np.array([[0, 0, 3.0], [1.0, 0, 2.0]]))
    for kwargs in ({}, {"background": 0.5, "background_profile": np.array([0.5, 0.5, 0.0])}):
        W = poisson_transform(X, H, **kwargs)
        assert np.isfinite(W).all() and W[0].sum() == 0 and W[1].sum() > 0


def test_run_with_heldout_records_and_prints_it(tmp_path):
    out = tmp_path / "h"
    result = CliRunner().invoke(main, ["run", str(DEMO), "-k", 5, "--heldout", 0.3, "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    heldout = json.loads((out / "manifest.json").read_text())["metrics"]["heldout"]
    assert heldout["share"] == 0.3 and heldout["train_documents"] + round(0.3 * 35) == 35
    assert np.isfinite(heldout["perplexity"]) and "held out   perplexity" in result.output
    assert "held-out perplexity" in (out / "index.html").read_text(encoding="utf-8")
    bad = CliRunner().invoke(main, ["run", str(DEMO), "--heldout", "1.5", "--out", str(tmp_path / "b"), "-q"])
    assert bad.exit_code == 2 and "--heldout" in bad.output


def test_sweep_scores_each_k_by_completion_when_asked(tmp_path):
    import csv

    out = tmp_path / "sw"
    result = CliRunner().invoke(main, ["sweep", str(DEMO), "--k", "3,5", "--heldout", "0.3", "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(open(out / "sweep.csv", encoding="utf-8")))
    assert all(float(r["heldout"]) > 1 for r in rows) and "held-out" in result.output
    assert "held-out perplexity (lower is better)" in (out / "sweep.html").read_text(encoding="utf-8")
    plain = tmp_path / "plain"
    assert CliRunner().invoke(main, ["sweep", str(DEMO), "--k", "3,5", "--out", str(plain), "-q"]).exit_code == 0
    assert all(r["heldout"] == "" for r in csv.DictReader(open(plain / "sweep.csv", encoding="utf-8")))
