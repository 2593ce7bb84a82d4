"""A corpus read and fitted on a Dask cluster (LocalCluster, 2 worker processes) equals the single-machine run."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import DEMO, write_tree
from topicmf.errors import TopicmfError
from topicmf.model import fit_topic_model
from topicmf.neighbours.scores import word_vectors
from topicmf.text import TextOptions, idf_weights, vectorize

pytest.importorskip("distributed")

from topicmf.distributed import open_client, read_corpus  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with open_client("local:2") as c:
        yield c


def _tables(root):
    rows = [{"id": f"d{i}", "label": ["space", "food", "sport"][i % 3],
             "text": ["rocket orbit planet star telescope", "bread oven flour butter soup",
                      "team match goal coach league"][i % 3] + f" word{i % 7} common text"} for i in range(60)]
    lines = [json.dumps(r) for r in rows]
    lines.insert(7, "{not json")
    lines.insert(30, "[1, 2]")
    write_tree(root, {"docs.jsonl": "\n".join(lines) + "\n"})
    csv_rows = "".join(f'{r["id"]},{r["label"]},"{r["text"]}\nsecond line, with a comma"\n' for r in rows)
    write_tree(root, {"docs.csv": "id,label,text\n" + csv_rows})
    write_tree(root, {"docs.tsv": "id\tlabel\ttext\n" + "".join(f'{r["id"]}\t{r["label"]}\t{r["text"]}\n'
                                                                  for r in rows)})
    return root


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    return _tables(tmp_path_factory.mktemp("tables"))


def _same_matrix(local, dm):
    assert dm.doc_ids == local.doc_ids and dm.labels == local.labels
    assert dm.terms == local.terms and dm.vocabulary == local.vocabulary
    assert dm.fingerprint() == local.fingerprint()  # the counts themselves, never gathered
    np.testing.assert_array_equal(dm.doc_lengths, local.doc_lengths)
    np.testing.assert_array_equal(dm.sample.rows, local.sample.rows)
    assert dm.sample.excerpts == local.sample.excerpts
    np.testing.assert_array_equal(dm.term_counts, local.term_counts)
    assert dm.info["skipped_files"] == local.info["skipped_files"]
    assert dm.info["cleaning"] == local.info["cleaning"] and dm.info["pruning"] == local.info["pruning"]
    words = list(local.terms[:: max(1, local.n_terms // 9)])
    for w, counts in local.window_counts(words, (10, 110)).items():
        theirs = dm.window_counts(words, (10, 110))[w]
        assert theirs.n_windows == counts.n_windows
        np.testing.assert_array_equal(theirs.cooccurrences, counts.cooccurrences)
    cols = np.arange(0, local.n_terms, 3)
    np.testing.assert_array_equal(dm.cooccurrence(cols), local.cooccurrence(cols))
    idf, words = dm.word_vectors()  # the documents' words for similarity, made where the blocks are
    np.testing.assert_allclose(idf, idf_weights(local.X), rtol=1e-15)
    expected = word_vectors(local.X, idf)
    assert (words != expected).nnz == 0


@pytest.mark.parametrize("options", [TextOptions(), TextOptions(stem=True, language="english", ngrams=2, min_df=1)])
def test_a_folder_read_on_the_cluster_is_the_same_matrix(client, options):
    with vectorize(DEMO, options) as local, read_corpus(client, DEMO, options) as dm:
        assert dm.X is None and len(dm.blocks) == 2
        _same_matrix(local, dm)


@pytest.mark.parametrize("name", ["docs.jsonl", "docs.csv", "docs.tsv"])
def test_tables_read_on_the_cluster_are_the_same_matrix(client, tables, name):
    options = TextOptions(min_df=1)
    with pytest.warns(Warning), vectorize(tables / name, options) as local:
        with pytest.warns(Warning), read_corpus(client, tables / name, options) as dm:
            _same_matrix(local, dm)
    if name == "docs.jsonl":  # bad lines keep their line numbers across the workers' parts
        assert [s["path"].rsplit(":", 1)[1] for s in local.info["skipped_files"]] == ["8", "31"]


@pytest.mark.parametrize("model, solver, params", [
    ("pnmf", "cd", {}), ("pnmf", "cd", {"alpha_W": 0.1, "alpha_H": 0.2, "n_inner": 2}), ("pnmf", "mu", {}),
    ("pnmf", "cd", {"generic_words": "keep"}), ("pnmf", "mu", {"background": 0.4, "alpha_W": 0.1, "l1_H": 0.05}),
    ("nmf", "hals", {}), ("nmf", "hals", {"extrapolate": False, "alpha_H": 0.5}), ("nmf", "mu", {}),
    ("lsa", "randomized", {}), ("lsa", "randomized", {"weighting": "log-entropy", "sigma": "sqrt"}),
])
def test_fits_on_the_cluster_equal_the_single_machine_fits(client, model, solver, params):
    params = dict(params)
    weighting = params.pop("weighting", None)
    if model != "lsa":
        params["max_iter"] = 25
    with vectorize(DEMO, TextOptions()) as local, read_corpus(client, DEMO, TextOptions()) as dm:
        a = fit_topic_model(local, 4, model=model, solver=solver, weighting=weighting, seed=3, **params).factorization
        b = fit_topic_model(dm, 4, model=model, solver=solver, weighting=weighting, seed=3, **params).factorization
    assert a.n_iter == b.n_iter and a.converged == b.converged and a.params == b.params
    assert (a.background is None) == (b.background is None)
    if a.background is not None:  # Poisson NMF's default: the fixed background, the same on the cluster
        np.testing.assert_allclose(b.background, a.background, rtol=1e-12)
    np.testing.assert_allclose(b.loss_curve, a.loss_curve, rtol=1e-8)
    np.testing.assert_allclose(b.H, a.H, rtol=1e-8, atol=1e-8 * np.abs(a.H).max())
    np.testing.assert_allclose(b.W, a.W, rtol=1e-8, atol=1e-8 * np.abs(a.W).max())


def test_run_on_a_cluster_writes_the_same_run(tmp_path):
    from topicmf.workflow import run

    local = run(DEMO, out=tmp_path / "local", k=5, seed=1)
    remote = run(DEMO, out=tmp_path / "cluster", k=5, seed=1, dask="local:2")
    a, b = local.manifest, remote.manifest
    assert b["cluster"]["workers"] == 2 and sum(b["cluster"]["blocks"]) == 35
    assert a["corpus"]["fingerprint"] == b["corpus"]["fingerprint"]
    assert b["model"]["objective"] == pytest.approx(a["model"]["objective"], rel=1e-10)
    assert (tmp_path / "cluster" / "index.html").is_file() and (tmp_path / "cluster" / "similar.csv").is_file()
    assert (tmp_path / "cluster" / "similar.csv").read_bytes() == (tmp_path / "local" / "similar.csv").read_bytes()


def test_topics_fitted_on_a_cluster_equal_the_run_on_it(tmp_path):
    pytest.importorskip("pandas")
    from topicmf import Topics
    from topicmf.workflow import run

    remote = run(DEMO, out=tmp_path / "cluster", k=5, seed=1, dask="local:2")
    fitted = Topics(5, seed=1, dask="local:2", quiet=True).fit(DEMO)
    assert fitted.manifest_["cluster"]["workers"] == 2
    np.testing.assert_allclose(fitted.model_.H, remote.model.H, rtol=1e-12)
    assert fitted.model_.doc_ids == remote.model.doc_ids
    out = fitted.save(tmp_path / "saved")
    assert (out / "similar.csv").read_bytes() == (tmp_path / "cluster" / "similar.csv").read_bytes()
    with pytest.raises(TopicmfError, match="reads the corpus from its path"):
        Topics(5, dask="local:1", quiet=True).fit(["a text", "another text"])


def test_what_a_cluster_does_not_run_is_refused_clearly(client, tmp_path):
    from topicmf.workflow import run

    with pytest.raises(TopicmfError, match="-k auto is not run on a cluster"):
        run(DEMO, out=tmp_path / "a", k="auto", dask="local:1")
    with pytest.raises(TopicmfError, match="fitted with cd or mu; got --solver sgd"):
        run(DEMO, out=tmp_path / "b", solver="sgd", dask="local:1")
    counts = tmp_path / "counts.csv"
    counts.write_text("doc,a,b\nd1,1,2\nd2,3,0\n", encoding="utf-8")
    with pytest.raises(TopicmfError, match="is a count matrix; --dask reads text corpora"):
        read_corpus(client, counts, TextOptions())


def test_without_dask_the_message_says_what_to_install(monkeypatch):
    import sys

    from topicmf.distributed import require_dask

    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(TopicmfError, match=r"pip install 'topicmf\[dask\]'"):
        require_dask()
