"""A corpus read and fitted on a Dask cluster (LocalCluster, 2 worker processes) equals the single-machine run."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import DEMO, page_data, write_tree
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
        assert b.W.shape == a.W.shape
        with pytest.raises(ValueError, match="on the cluster's workers"):  # W stays there, never copied silently
            np.asarray(b.W)
        W = np.concatenate(dm.call("get", "W"))
    assert a.n_iter == b.n_iter and a.converged == b.converged and a.params == b.params
    assert (a.background is None) == (b.background is None)
    if a.background is not None:  # Poisson NMF's default: the fixed background, the same on the cluster
        np.testing.assert_allclose(b.background, a.background, rtol=1e-12)
    np.testing.assert_allclose(b.loss_curve, a.loss_curve, rtol=1e-8)
    np.testing.assert_allclose(b.H, a.H, rtol=1e-8, atol=1e-8 * np.abs(a.H).max())
    np.testing.assert_allclose(W, a.W, rtol=1e-8, atol=1e-8 * np.abs(a.W).max())


def _parts(folder, table):
    """A table written in parts, as one CSV text (the parts' headers but the first dropped)."""
    lines = []
    for n, part in enumerate(sorted((folder / table).glob("part-*.csv"))):
        text = part.read_text(encoding="utf-8").splitlines(keepends=True)
        lines += text if n == 0 else text[1:]
    return "".join(lines)


def _same_neighbours(a, b, tol=2e-6):
    """Two neighbour graphs (index, score) equal up to float32 rounding: scores within ``tol``, the same lists but
    where scores tie within it."""
    np.testing.assert_allclose(b[1], a[1], atol=tol)
    differ = a[0] != b[0]
    assert np.all(np.abs(a[1][differ] - b[1][differ]) <= tol)  # only near-ties swap
    assert differ.mean() < 0.02


def test_run_on_a_cluster_keeps_the_documents_on_the_workers_and_equals_one_machine(tmp_path):
    from topicmf.model.store import load_model
    from topicmf.workflow import run

    local = run(DEMO, out=tmp_path / "local", k=5, seed=1)
    remote = run(DEMO, out=tmp_path / "cluster", k=5, seed=1, dask="local:2")
    a, b = local.manifest, remote.manifest
    assert b["cluster"]["workers"] == 2 and sum(b["cluster"]["blocks"]) == 35
    assert a["corpus"]["fingerprint"] == b["corpus"]["fingerprint"]
    assert b["model"]["objective"] == pytest.approx(a["model"]["objective"], rel=1e-10)
    assert b["metrics"]["labels"] == a["metrics"]["labels"] and b["metrics"]["prevalence"] == pytest.approx(
        a["metrics"]["prevalence"], rel=1e-7)
    assert b["neighbours"]["method"] == a["neighbours"]["method"] == "exact"
    # the client never held a document: W stays a placeholder, the workers wrote the per-document files
    with pytest.raises(ValueError, match="on the cluster's workers"):
        np.asarray(remote.model.W)
    cluster = tmp_path / "cluster"
    assert not (cluster / "doc_topics.csv").exists() and not (cluster / ".exchange").exists()
    assert sorted(p.name for p in (cluster / "doc_topics").iterdir()) == ["part-00000.csv", "part-00001.csv"]
    assert _parts(cluster, "doc_topics") == (tmp_path / "local" / "doc_topics.csv").read_text(encoding="utf-8")
    assert _parts(cluster, "similar").splitlines()[0] == "doc_id,rank,neighbour_id,score"
    # loaded back, transparently: the same documents, profiles and neighbours as the run of one machine
    one, two = load_model(tmp_path / "local"), load_model(cluster)
    assert two.doc_ids == one.doc_ids and two.labels == one.labels
    np.testing.assert_allclose(two.W, one.W, rtol=1e-6, atol=1e-7)
    _same_neighbours((one.graph.index, one.graph.score), (two.graph.index, two.graph.score))
    assert (two.word_vectors() != one.word_vectors()).nnz == 0
    np.testing.assert_array_equal(two.idf, one.idf)
    # the page draws the same documents, neighbours and topics
    pa, pb = page_data(tmp_path / "local"), page_data(cluster)
    for key in ("labels", "outside", "k"):
        assert pa[key] == pb[key], key
    assert pa["docs"]["id"] == pb["docs"]["id"] and pa["docs"]["near"] == pb["docs"]["near"]
    assert [t["docs"] for t in pa["topics"]] == [t["docs"] for t in pb["topics"]]
    assert [[x[1] for x in t["best"][:3]] for t in pa["topics"]] == [[x[1] for x in t["best"][:3]] for t in pb["topics"]]


@pytest.mark.parametrize("options", [{"tables": "parquet"}, {"similarity": "topics", "model": "lsa"}])
def test_a_cluster_run_answers_similar_query_and_report_from_its_parts(tmp_path, options):
    from click.testing import CliRunner

    from topicmf.cli import main
    from topicmf.workflow import run

    run(DEMO, out=tmp_path / "local", k=5, seed=1, **options)
    run(DEMO, out=tmp_path / "cluster", k=5, seed=1, dask="local:2", **options)
    ext = options.get("tables", "csv")
    assert (tmp_path / "cluster" / "similar" / f"part-00001.{ext}").is_file()
    runner = CliRunner()
    for command in (["similar", "{}", "astronomy/03.txt"], ["query", "{}", "rocket orbit planet telescope"]):
        answers = [runner.invoke(main, [c.format(tmp_path / which) for c in command]) for which in ("local", "cluster")]
        assert all(r.exit_code == 0 for r in answers), [r.output for r in answers]
        # the same nearest documents (a query searches the partitions of its own topics, an approximation that
        # can differ far down the list: among documents sharing nothing with it, or LSA's signed coordinates)
        found = [[line.split()[3] for line in r.output.split("nearest documents:")[-1].splitlines()
                  if line.strip()[:1].isdigit() and float(line.split()[1]) > 0] for r in answers]
        assert found[0][:5] == found[1][:5] and len(set(found[0]) & set(found[1])) >= 0.8 * len(found[0])
    result = runner.invoke(main, ["report", str(tmp_path / "cluster")])
    assert result.exit_code == 0, result.output
    if ext == "parquet":
        ds = pytest.importorskip("pyarrow.dataset")
        table = ds.dataset(tmp_path / "cluster" / "doc_topics", format="parquet").to_table()
        assert table.num_rows == 35 and table.column_names[:3] == ["doc_id", "label", "dominant_topic"]


def test_ids_are_checked_on_the_cluster_as_on_one_machine(client, tmp_path):
    rows = [{"id": f"d{i}", "text": f"rocket orbit planet word{i} common text"} for i in range(40)]
    path = tmp_path / "ids.jsonl"
    for change, expected in (({33: "d5"}, "records 6 and 34"), ({20: " "}, "record 21")):  # one in the other part
        path.write_text("".join(json.dumps(dict(r, **({"id": change[i]} if i in change else {}))) + "\n"
                                for i, r in enumerate(rows)), encoding="utf-8")
        with pytest.raises(TopicmfError) as here:
            vectorize(path, TextOptions(id_column="id", min_df=1))
        with pytest.raises(TopicmfError) as there:
            read_corpus(client, path, TextOptions(id_column="id", min_df=1))
        assert str(there.value) == str(here.value) and expected in str(here.value)


def test_the_inverted_file_on_the_cluster_finds_the_neighbours_of_one_machine(client, tmp_path, monkeypatch):
    """Past the exact limit (lowered here), the cluster's partitions by strongest topic find what the blocks of
    one machine find: recall within 0.03, measured the same way."""
    from topicmf.neighbours.graph import neighbour_graph
    from topicmf.workflow import run
    from topicmf.workflow.cluster import graph as cluster_graph

    corpus = _tables(tmp_path / "t") / "docs.jsonl"
    monkeypatch.setattr(cluster_graph, "EXACT_WORK", 0)
    with pytest.warns(Warning):
        remote = run(corpus, out=tmp_path / "cluster", k=3, seed=2, dask="local:2",
                     options=TextOptions(min_df=1, id_column="id", label_column="label"))
    about = remote.manifest["neighbours"]
    assert about["method"] == "blocks" and about["recall_sample"] == 60
    from topicmf.model.store import load_model

    model = load_model(tmp_path / "cluster")
    U, words = model.document_vectors()
    one = neighbour_graph(U, 10, words=words, method="blocks", seed=2)
    assert about["recall"] >= one.recall - 0.03 and about["score_ratio"] >= one.score_ratio - 0.01
    exact = neighbour_graph(U, 10, words=words, method="exact")
    hits = np.mean([np.isin(model.graph.index[i], exact.index[i]).mean() for i in range(model.n_docs)])
    assert hits == pytest.approx(about["recall"], abs=0.1)
    assert sorted(p.name for p in (tmp_path / "cluster" / "index").iterdir()) == [
        "topic-000.npz", "topic-001.npz", "topic-002.npz"]


def test_topics_fitted_on_a_cluster_equal_the_run_on_it(tmp_path):
    """topicmf.Topics(dask=…) keeps its model in this process, as scikit-learn estimators do: the documents come
    back from the workers; the run folder it saves equals the cluster run's."""
    pytest.importorskip("pandas")
    from topicmf import Topics
    from topicmf.workflow import run

    remote = run(DEMO, out=tmp_path / "cluster", k=5, seed=1, dask="local:2")
    fitted = Topics(5, seed=1, dask="local:2", quiet=True).fit(DEMO)
    assert fitted.manifest_["cluster"]["workers"] == 2
    np.testing.assert_allclose(fitted.model_.H, remote.model.H, rtol=1e-12)
    assert fitted.doc_topics().shape == (35, 7)
    out = fitted.save(tmp_path / "saved")
    assert (out / "doc_topics.csv").read_text(encoding="utf-8") == _parts(tmp_path / "cluster", "doc_topics")
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
