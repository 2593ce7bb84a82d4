"""Topics per class (issue 12, part): shares, documents and the words each topic has within each label."""

from __future__ import annotations

import csv
from collections import defaultdict

import numpy as np
import pytest
import scipy.sparse as sp
from click.testing import CliRunner

from conftest import DEMO
from topicmf.cli import main
from topicmf.model.groups import group_topics


def test_topics_per_label_file_invariants(tmp_path):
    out = tmp_path / "demo"
    assert CliRunner().invoke(main, ["run", str(DEMO), "-k", 5, "--out", str(out), "-q"]).exit_code == 0
    rows = list(csv.DictReader(open(out / "topics_per_label.csv", encoding="utf-8")))
    docs = list(csv.DictReader(open(out / "doc_topics.csv", encoding="utf-8")))
    shares, counts = defaultdict(dict), defaultdict(dict)
    for r in rows:
        shares[r["label"]][r["topic"]] = float(r["share"])
        counts[r["label"]][r["topic"]] = int(r["documents"])
    for label in shares:
        assert sum(shares[label].values()) == pytest.approx(1.0)  # a label's shares sum to 1
        in_label = [d for d in docs if d["label"] == label]
        for t, n in counts[label].items():  # documents = the label's documents whose dominant topic is t
            assert n == sum(d["dominant_topic"] == t for d in in_label)
    # a topic's words in a label are words of that label's documents, weights best first and summing to ≤ 1
    football = [r for r in rows if r["label"] == "football" and r["rank"] != "0"]
    assert football and {r["word"] for r in football} <= _words_of(DEMO / "football")
    for (t, label), group in _by(rows).items():
        weights = [float(r["weight"]) for r in group if r["rank"] != "0"]
        assert weights == sorted(weights, reverse=True) and sum(weights) <= 1 + 1e-9


def _by(rows):
    out = defaultdict(list)
    for r in rows:
        out[(r["topic"], r["label"])].append(r)
    return out


def _words_of(folder) -> set:
    text = " ".join(p.read_text(encoding="utf-8").lower() for p in folder.iterdir())
    return set(__import__("re").findall(r"[^\W\d_]+", text))


def test_per_group_words_are_one_em_step_of_the_word_side():
    """n_tw^G = H_tw Σ_{d∈G} W_dt x_dw / (WH)_dw, against a dense computation."""
    from test_about import _model

    rng = np.random.default_rng(2)
    W, H = rng.random((12, 3)) + 0.1, rng.random((3, 8)) + 0.1
    X = sp.csr_matrix(rng.poisson(2.0, (12, 8)).astype(float))
    model = _model(H, W=W)
    group = np.array([0] * 6 + [1] * 6)
    result = group_topics(model, X, group, ["a", "b"], n_words=8)
    dense = X.toarray()
    ratio = np.divide(dense, W @ H)
    for g in range(2):
        rows = group == g
        n = H * (W[rows].T @ ratio[rows])
        dist = n / n.sum(axis=1, keepdims=True)
        for t in range(3):
            got = dict(result.words[g][t])
            assert got and all(got[w] == pytest.approx(dist[t, int(w[1:])]) for w in got)
        E = W[rows] * H.sum(axis=1)
        np.testing.assert_allclose(result.share[g], E.sum(axis=0) / E.sum())


def test_wh_on_nonzeros_is_the_dense_product_there_and_refuses_wrong_shapes():
    from topicmf.factorize.topics.losses import wh_on_nonzeros

    rng = np.random.default_rng(3)
    W, H = rng.random((9, 4)), rng.random((4, 7))
    X = sp.random(9, 7, density=0.4, random_state=3, format="csr")
    got = wh_on_nonzeros(X, W, H)
    rows, cols = X.nonzero()
    np.testing.assert_allclose(got, (W @ H)[rows, cols])
    with pytest.raises(ValueError, match="X is"):
        wh_on_nonzeros(X[:3], W, H)
    from test_about import _model

    with pytest.raises(ValueError, match="must cover"):
        group_topics(_model(H, W=W), X[:3], np.zeros(3, int), ["a"])
