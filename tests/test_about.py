"""What a topic is about (issue 12): FREX, lift, exclusivity, representative documents, and their files."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import DEMO
from topicmf.cli import main
from topicmf.factorize.topics.result import Factorization
from topicmf.model import TopicModel
from topicmf.model import about


def _model(H, W=None, counts=None, model="nmf"):
    H = np.asarray(H, dtype=float)
    W = np.ones((3, H.shape[0])) if W is None else np.asarray(W, dtype=float)
    f = Factorization(W=W, H=H, model=model, solver="mu", loss_curve=np.array([1.0]), n_iter=1, converged=True)
    words = tuple(f"w{j}" for j in range(H.shape[1]))
    return TopicModel(f, words, words, tuple(f"d{i}" for i in range(W.shape[0])), None, None, "counts", None, 0,
                      None, None if counts is None else np.asarray(counts, float))


def test_frex_and_lift_by_their_definitions():
    H = [[6.0, 3.0, 1.0, 0.0], [1.0, 1.0, 4.0, 4.0]]
    m = _model(H, counts=[7, 4, 5, 4])
    phi = np.array(H) / np.array(H).sum(axis=1, keepdims=True)
    excl = phi / phi.sum(axis=0)
    # word 0 of topic 0: the most frequent (ECDF 1) and the most exclusive (1) word of the topic
    assert about.frex(m)[0, 0] == pytest.approx(1.0)
    # by hand for word 1 of topic 0: exclusivity ECDF 3/4 (0.75 ≥ two others), frequency ECDF 3/4
    ecdf_ex = np.mean(excl[0] <= excl[0, 1])
    ecdf_fr = np.mean(phi[0] <= phi[0, 1])
    assert about.frex(m)[0, 1] == pytest.approx(1 / (0.5 / ecdf_ex + 0.5 / ecdf_fr))
    p = np.array([7, 4, 5, 4]) / 20
    np.testing.assert_allclose(about.lift(m), phi / p)
    ex = about.exclusivity(m, n_words=2)
    assert all(0 <= e <= 1 for e in ex)
    assert about.frex(_model(H, model="lsa")) is None and about.exclusivity(_model(H, model="lsa")) is None


def test_representative_documents_are_the_highest_shares_in_any_block(monkeypatch):
    rng = np.random.default_rng(0)
    W = rng.random((500, 4)) ** 3
    W[[10, 20]] = W[5]  # ties go to the earlier document
    m = _model(rng.random((4, 30)), W=W)
    index, share = about.representative_documents(m, 7)
    P = m.doc_topics()
    for t in range(4):
        listed = set(index[t].tolist())
        assert min(share[t]) >= max(P[i, t] for i in range(500) if i not in listed)
        np.testing.assert_allclose(share[t], P[index[t], t])
        assert list(share[t]) == sorted(share[t], reverse=True)
    monkeypatch.setattr(about, "DOC_BLOCK", 64)  # the same, merged over blocks of 64 documents
    small = about.representative_documents(m, 7)
    np.testing.assert_array_equal(small[0], index)
    np.testing.assert_allclose(small[1], share)
    for t in range(4):  # tied documents (5, 10, 20 share a profile) come in document order
        tied = [i for i in index[t] if i in (5, 10, 20)]
        assert tied == sorted(tied)


def test_a_run_writes_topic_docs_and_frex_and_lift_columns(tmp_path):
    out = tmp_path / "demo"
    result = CliRunner().invoke(main, ["run", str(DEMO), "-k", 5, "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    docs = list(csv.DictReader(open(out / "topic_docs.csv", encoding="utf-8")))
    shares = {}
    for row in csv.DictReader(open(out / "doc_topics.csv", encoding="utf-8")):
        shares[row["doc_id"]] = {t: float(row[f"topic_{t}"]) for t in range(5)}
    for t in range(5):
        rows = [r for r in docs if r["topic"] == str(t)]
        assert [int(r["rank"]) for r in rows] == list(range(1, len(rows) + 1)) and len(rows) == 20
        listed = {r["doc_id"] for r in rows}
        lowest = min(float(r["share"]) for r in rows)
        assert all(s[t] <= lowest + 1e-6 for d, s in shares.items() if d not in listed)
    topics = list(csv.DictReader(open(out / "topics.csv", encoding="utf-8")))
    assert {"frex_word", "lift_word"} <= set(topics[0])
    assert all(r["frex_word"] for r in topics if r["pole"] == "positive")
    lsa = tmp_path / "lsa"
    assert CliRunner().invoke(main, ["run", str(DEMO), "-k", 3, "-m", "lsa", "--out", str(lsa), "-q"]).exit_code == 0
    assert all(r["frex_word"] == "" for r in csv.DictReader(open(lsa / "topics.csv", encoding="utf-8")))
