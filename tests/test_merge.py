"""Merging topics (issue 12, part): `topicmf merge DIR A,B --out NEW` and `topicmf run -k K --reduce-to N`."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import DEMO
from topicmf.cli import main
from topicmf.model import load_model
from topicmf.model.merging import merged_start


def cli(*args, ok=True):
    result = CliRunner().invoke(main, [str(a) for a in args])
    if ok:
        assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("merge")
    corpus = root / "corpus"
    shutil.copytree(DEMO, corpus)
    cli("run", corpus, "-k", 5, "--out", root / "run", "-q")
    return root, corpus


def test_the_merged_start_keeps_every_documents_expected_words(runs):
    root, _ = runs
    model = load_model(root / "run")
    W0, H0, members = merged_start(model, [[1, 3]])
    assert members == [[0], [1, 3], [2], [4]]
    E = model.topic_words_expected()
    np.testing.assert_allclose(W0.sum(axis=1), E.sum(axis=1))  # no document gains or loses words
    np.testing.assert_allclose(H0.sum(axis=1), 1.0)  # word distributions
    untouched = W0[:, [0, 2, 3]] @ H0[[0, 2, 3]]
    np.testing.assert_allclose(untouched, model.W[:, [0, 2, 4]] @ model.H[[0, 2, 4]], atol=1e-6)


def test_merge_writes_a_new_run_with_one_topic_fewer(runs):
    root, _ = runs
    out = root / "merged"
    result = cli("merge", root / "run", "1,3", "--out", out, "-q")
    assert "4 topics of 35 documents" in result.output
    old, new = load_model(root / "run"), load_model(out)
    assert new.n_topics == 4 and json.loads((out / "manifest.json").read_text())["merged"]["topics"] == [
        [0], [1, 3], [2], [4]]
    merged = {w for w, _ in new.top_words(10)[1]}
    parts = {w for t in (1, 3) for w, _ in old.top_words(10)[t]}
    assert len(merged & parts) >= 7  # the merged topic is about what its two topics were about
    assert [w for w, _ in new.top_words(3)[0]] == [w for w, _ in old.top_words(3)[0]]  # the others stay
    assert (root / "run" / "manifest.json").is_file()  # the run merged from is left as it was


@pytest.mark.parametrize("args, message", [
    (("5,1",), "no topic 5"),
    (("1,1",), "topic 1 is named twice"),
    (("2",), "name at least two topics"),
    (("1,x",), "topic numbers separated by commas"),
])
def test_bad_merges_are_refused(runs, args, message):
    root, _ = runs
    result = cli("merge", root / "run", *args, "--out", root / "bad", "-q", ok=False)
    assert result.exit_code != 0 and message in result.output and not (root / "bad").exists()


def test_merge_refuses_a_changed_corpus_and_the_same_folder(runs, tmp_path):
    root, corpus = runs
    assert "--out must be a new folder" in cli("merge", root / "run", "1,3", "--out", root / "run", "--force",
                                               ok=False).output
    changed = tmp_path / "corpus"
    shutil.copytree(corpus, changed)
    cli("run", changed, "-k", 4, "--out", tmp_path / "run", "-q")
    (changed / "astronomy" / "01.txt").write_text("Something else entirely now.", encoding="utf-8")
    result = cli("merge", tmp_path / "run", "0,1", "--out", tmp_path / "m", "-q", ok=False)
    assert "fingerprint changed" in result.output and not (tmp_path / "m").exists()
    lsa = tmp_path / "lsa"
    cli("run", corpus, "-k", 3, "-m", "lsa", "--out", lsa, "-q")
    assert "merging needs an NMF model" in cli("merge", lsa, "0,1", "--out", tmp_path / "l", ok=False).output


def test_reduce_to_fits_many_and_merges_down(runs, tmp_path):
    _, corpus = runs
    out = tmp_path / "r"
    cli("run", corpus, "-k", 8, "--reduce-to", 5, "--out", out, "-q")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["model"]["n_topics"] == 5 and manifest["merged"]["from_k"] == 8
    assert sorted(t for group in manifest["merged"]["topics"] for t in group) == list(range(8))
    assert manifest["metrics"]["labels"]["nmi"] > 0.9  # the five themes of the demo corpus come back
    bad = cli("run", corpus, "-k", 4, "--reduce-to", 5, "--out", tmp_path / "x", "-q", ok=False)
    assert "--reduce-to needs a fixed -k above it" in bad.output
