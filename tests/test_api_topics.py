"""topicmf.Topics: texts in memory through the command line's own pass, tables that match its files, scikit-learn's
conventions, save and load without pickle, and a one-line error for bad input."""

from __future__ import annotations

import csv
import json
import re
import tempfile
import warnings
from pathlib import Path

import numpy as np
import click
import pytest
from click.testing import CliRunner

from conftest import DEMO, shared_corpus
from topicmf import Topics, load, run
from topicmf.cli import main
from topicmf.corpus import load_text, open_corpus
from topicmf.errors import CorpusError, NoDocumentsError, TopicmfError

pd = pytest.importorskip("pandas")


def corpus_texts(path):
    """(texts, ids, labels) of a folder, read as topicmf reads them."""
    refs = list(open_corpus(path).refs())
    return [load_text(r)[0] for r in refs], [r.doc_id for r in refs], [r.label for r in refs]


@pytest.fixture(scope="module")
def demo():
    return corpus_texts(DEMO)


@pytest.fixture(scope="module")
def fitted(demo):
    texts, ids, labels = demo
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Topics(5, quiet=True).fit(texts, ids=ids, labels=labels)


@pytest.fixture(scope="module")
def folder_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "demo"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run(DEMO, out=out, k=5)


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# --- the same pass as the command line ---------------------------------------------------------------------------
def test_texts_in_memory_equal_the_folder_run(fitted, folder_run):
    a, b = fitted.model_, folder_run.model
    assert a.vocabulary == b.vocabulary and a.doc_ids == b.doc_ids and a.labels == b.labels
    np.testing.assert_array_equal(a.H, b.H)
    np.testing.assert_array_equal(a.W, b.W)
    assert fitted.manifest_["metrics"]["coherence"] == folder_run.manifest["metrics"]["coherence"]
    np.testing.assert_array_equal(a.graph.index, b.graph.index)


def test_a_path_a_generator_a_series_and_a_dataframe_give_the_same_fit(demo, fitted):
    texts, ids, labels = demo
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from_path = Topics(5, quiet=True).fit(DEMO)
        from_generator = Topics(5, quiet=True).fit((t for t in texts), ids=iter(ids), labels=(lab for lab in labels))
        frame = pd.DataFrame({"doc_id": ids, "body": texts, "category": labels})
        from_frame = Topics(5, quiet=True, text_column="body").fit(frame)
        from_series = Topics(5, quiet=True).fit(pd.Series(texts), ids=pd.Series(ids), y=np.array(labels))
    for other in (from_path, from_generator, from_frame, from_series):
        np.testing.assert_array_equal(other.model_.W, fitted.model_.W)
        assert other.model_.doc_ids == fitted.model_.doc_ids and other.model_.labels == fitted.model_.labels


def test_default_ids_are_positions_and_a_generator_is_read_once(demo):
    texts = demo[0]
    generator = (t for t in texts)
    estimator = Topics(5, quiet=True).fit(generator)
    assert estimator.model_.doc_ids[:3] == ("0", "1", "2")
    with pytest.raises(NoDocumentsError):
        Topics(5, quiet=True).fit(generator)  # used up


def test_20_newsgroups_in_memory_equals_the_folder(tmp_path):
    path = shared_corpus("20news")
    texts, ids, labels = corpus_texts(path)
    settings = dict(n_topics=20, max_iter=15, quiet=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        memory = Topics(**settings).fit(texts, ids=ids, labels=labels)
        folder = run(path, out=tmp_path / "20news", k=20, fit_params={"max_iter": 15})
    assert memory.model_.vocabulary == folder.model.vocabulary
    np.testing.assert_array_equal(memory.model_.H, folder.model.H)
    np.testing.assert_array_equal(memory.model_.W, folder.model.W)


@pytest.mark.parametrize("docs, kwargs, message", [
    (["a text", 3, "another"], {}, "Document 1 is a int, not text"),
    (["a text", None], {}, "Document 1 is missing"),
    ([], {}, "No documents"),
    (["one", "two"], {"ids": ["a"]}, "1 ids for 2 documents"),
    (["one", "two"], {"labels": ["a", "b", "c"]}, "3 labels for 2 documents"),
    ((t for t in ["one", "two"]), {"ids": iter(["a"])}, "Fewer ids than documents"),
    ((t for t in ["one", "two"]), {"times": iter(["2020", "2021", "2022"])}, "More times than documents"),
    (["one", "two"], {"ids": ["a", "a"]}, "Id 'a' is given to documents 0 and 1"),
    (42, {}, "not a int"),
    (b"bytes", {}, "a single string is a path"),
    (np.array([["a", "b"], ["c", "d"]]), {}, "one-dimensional"),
])
def test_bad_input_gets_a_one_line_error(docs, kwargs, message):
    with pytest.raises(TopicmfError) as caught:
        Topics(2, quiet=True).fit(docs, **kwargs)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_a_path_that_is_not_there_and_ids_beside_a_path(tmp_path):
    with pytest.raises(CorpusError, match="No such file or folder"):
        Topics(2, quiet=True).fit(str(tmp_path / "missing"))
    with pytest.raises(TopicmfError, match="come from the corpus"):
        Topics(2, quiet=True).fit(DEMO, ids=["a"])


def test_a_bad_parameter_is_refused_when_fit_starts(demo):
    estimator = Topics(n_topics=0)  # the constructor stores (scikit-learn's rule)
    with pytest.raises(TopicmfError, match="'n_topics' parameter of Topics must be an int in the range"):
        estimator.fit(demo[0])
    with pytest.raises(TopicmfError, match="sigma"):
        Topics(2, sigma="left", quiet=True).fit(demo[0])  # an LSA setting given to Poisson NMF
    with pytest.raises(TypeError, match="no parameter 'topics'"):
        Topics(topics=3)


# --- tables: the run folder's numbers ----------------------------------------------------------------------------
def test_tables_hold_the_numbers_of_the_saved_files(fitted, tmp_path):
    out = fitted.save(tmp_path / "saved")
    frame = fitted.doc_topics()
    rows = read_csv(out / "doc_topics.csv")
    assert list(frame.index) == [r["doc_id"] for r in rows]
    for column in (f"topic_{t}" for t in range(5)):
        np.testing.assert_allclose(frame[column].to_numpy(), [float(r[column]) for r in rows], rtol=1e-6, atol=1e-12)
    assert [str(v) for v in frame["dominant_topic"]] == [r["dominant_topic"] for r in rows]
    similar = read_csv(out / "similar.csv")
    first = [r for r in similar if r["doc_id"] == "cooking/bread.txt"] or [r for r in similar if r["doc_id"] == similar[0]["doc_id"]]
    mine = fitted.similar(first[0]["doc_id"], len(first))
    assert list(mine["doc_id"]) == [r["neighbour_id"] for r in first]
    np.testing.assert_allclose(mine["score"], [float(r["score"]) for r in first], rtol=1e-6)
    docs = read_csv(out / "topic_docs.csv")
    rep = fitted.representative_docs(2, 5)
    assert list(rep["doc_id"]) == [r["doc_id"] for r in docs if r["topic"] == "2"][:5]
    per_label = fitted.topics_per_label()
    saved = load(out).topics_per_label()
    pd.testing.assert_frame_equal(per_label.drop(columns="share"), saved.drop(columns="share"))
    np.testing.assert_allclose(per_label["share"], saved["share"], rtol=1e-12)


def test_topic_info_topic_words_and_queries(fitted):
    info = fitted.topic_info()
    assert list(info.columns) == ["name", "share", "documents", "words", "npmi", "c_v", "exclusivity"]
    assert info["share"].sum() == pytest.approx(1.0) and info["documents"].sum() == 35
    np.testing.assert_allclose(info["npmi"], fitted.manifest_["metrics"]["coherence"]["npmi"])
    for rank_by in ("relevance", "frex", "lift", "weight"):
        words = fitted.topic_words(0, 7, rank_by=rank_by)
        assert len(words) == 7 and words["score"].is_monotonic_decreasing
    assert list(fitted.topic_words(0, 10)["word"]) == [w for w, _ in fitted.model_.top_words(10)[0]]
    with pytest.raises(TopicmfError, match="rank_by"):
        fitted.topic_words(0, rank_by="popularity")
    with pytest.raises(TopicmfError, match="topic number"):
        fitted.topic_words(9)
    one = fitted.query("the striker scored a goal in the second half", 3)
    many = fitted.query(["the striker scored a goal", "compost the soil"], 3)
    assert list(one.columns) == ["doc_id", "score"] and set(many["query"]) == {0, 1}
    assert fitted.topics_over_time() is None


def test_numbers_are_ids_when_the_ids_were_numbers(demo):
    texts = demo[0]
    estimator = Topics(5, quiet=True).fit(texts, ids=[100 + i for i in range(len(texts))])
    assert list(estimator.similar(100, 3)["doc_id"]) == list(estimator.similar("100", 3)["doc_id"])
    assert list(estimator.similar(0, 3)["doc_id"]) == list(estimator.similar("100", 3)["doc_id"])  # row 0
    with pytest.raises(TopicmfError, match="neither an id nor a row number"):
        estimator.similar(99)
    with pytest.raises(TopicmfError, match="No document 'x'"):
        estimator.similar("x")


def test_transform_and_fit_transform_give_profiles(demo, fitted):
    profiles = fitted.transform(["the striker scored a goal", "bake the bread in the oven"])
    assert profiles.shape == (2, 5) and np.allclose(profiles.sum(axis=1), 1.0)
    assert np.argmax(profiles[0]) != np.argmax(profiles[1])
    again = Topics(5, quiet=True).fit_transform(demo[0])
    np.testing.assert_allclose(again, fitted.model_.doc_topics(), rtol=1e-6, atol=1e-9)


def test_times_give_topics_over_time(demo):
    texts = demo[0]
    years = [str(2000 + i % 7) for i in range(len(texts))]
    estimator = Topics(3, quiet=True, time_bins="year").fit(texts, times=years)
    table = estimator.topics_over_time()
    assert set(table["bin"]) == {str(y) for y in range(2000, 2007)}
    assert np.allclose(table.groupby("bin")["share"].sum(), 1.0)
    frame = pd.DataFrame({"text": texts, "when": pd.to_datetime([f"{y}-06-01" for y in years])})
    from_frame = Topics(3, quiet=True, time_bins="year", time_column="when").fit(frame).topics_over_time()
    pd.testing.assert_frame_equal(from_frame.drop(columns=["start", "end"]), table.drop(columns=["start", "end"]))


# --- scikit-learn's conventions ----------------------------------------------------------------------------------
def test_get_params_set_params_clone_and_the_command_lines_defaults():
    from sklearn.base import clone

    estimator = Topics(7, model="nmf", min_df=1)
    assert estimator.get_params()["n_topics"] == 7
    assert clone(estimator).get_params() == estimator.get_params()
    assert estimator.set_params(n_topics=3).n_topics == 3
    names = {"k": "n_topics"}
    skip = {"corpus", "out", "force"}
    params = Topics().get_params()
    for option in main.commands["run"].params:
        if option.name in skip:
            continue
        name = names.get(option.name, option.name)
        assert name in params, f"--{option.name} has no Topics parameter"
        default = option.get_default(click.Context(main.commands["run"]), call=False)
        if option.multiple:  # click's own defaults, resolved (an unset multiple option gives none)
            default = tuple(default) if isinstance(default, (list, tuple)) else ()
        assert params[name] == default, f"{name}: {params[name]!r} != {default!r}"


def test_a_pipeline_trains_on_raw_texts(demo):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    texts, _, labels = demo
    pipeline = Pipeline([("topics", Topics(n_topics=5, quiet=True)), ("clf", LogisticRegression(max_iter=1000))])
    pipeline.fit(texts, labels)
    new = ["The striker scored twice and the team won the league match",
           "Plant the seeds in compost and water the soil in spring"]
    assert list(pipeline.predict(new)) == ["football", "gardening"]
    assert pipeline.score(texts, labels) > 0.9


def test_a_pipeline_on_20_newsgroups_predicts_the_groups():
    """Topics as features of 20 Newsgroups' posts: well above chance (1/20). benchmarks/bench_python.py records the
    accuracy beside CountVectorizer + LogisticRegression on the same split (0.655 against 0.888)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import Pipeline

    texts, _, labels = corpus_texts(shared_corpus("20news"))
    train, test = train_test_split(range(len(texts)), test_size=0.2, random_state=0, stratify=labels)
    pipeline = Pipeline([("topics", Topics(n_topics=20, quiet=True)), ("clf", LogisticRegression(max_iter=1000))])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipeline.fit([texts[i] for i in train], [labels[i] for i in train])
    accuracy = pipeline.score([texts[i] for i in test], [labels[i] for i in test])
    assert accuracy > 0.6


# --- save and load -----------------------------------------------------------------------------------------------
def test_save_writes_a_run_folder_the_commands_read(fitted, folder_run, tmp_path):
    out = fitted.save(tmp_path / "saved")
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in folder_run.directory.iterdir())
    runner = CliRunner()
    for args in (["report", str(out)], ["similar", str(out), fitted.model_.doc_ids[0]],
                 ["query", str(out), "bake bread in the oven"], ["hierarchy", str(out)]):
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["merge", str(out), "0,1", "--out", str(tmp_path / "merged")])
    assert result.exit_code != 0 and "texts given in memory" in result.output
    with pytest.raises(TopicmfError, match="already exists"):
        fitted.save(out)
    fitted.save(out, force=True)
    from_path = Topics(5, quiet=True).fit(DEMO).save(tmp_path / "from-path")  # a corpus on disk: merge reads it again
    result = runner.invoke(main, ["merge", str(from_path), "0,1", "--out", str(tmp_path / "merged"), "-q"])
    assert result.exit_code == 0, result.output
    assert "4 topics" in result.output


def test_load_reads_a_command_line_run(folder_run, fitted, tmp_path):
    loaded = load(folder_run.directory)
    assert loaded.n_topics_ == 5 and loaded.get_params()["model"] == "pnmf"
    np.testing.assert_array_equal(loaded.components_, fitted.components_)
    pd.testing.assert_frame_equal(loaded.topic_info(), fitted.topic_info(), rtol=1e-6)
    assert list(loaded.similar(0, 3)["doc_id"]) == list(fitted.similar(0, 3)["doc_id"])
    profiles = loaded.transform(["the striker scored a goal"])
    np.testing.assert_allclose(profiles, fitted.transform(["the striker scored a goal"]), rtol=1e-6)
    copy = loaded.save(tmp_path / "copy")
    assert (copy / "manifest.json").read_bytes() == (folder_run.directory / "manifest.json").read_bytes()
    with pytest.raises(TopicmfError, match="not fitted"):
        Topics().topic_info()


def test_the_summary_escapes_what_the_corpus_says():
    texts = ["<script>alert(1)</script> rocket orbit planet " * 3, "bread oven salt flour " * 3,
             "rocket planet orbit star " * 3, "bread flour oven yeast " * 3]
    estimator = Topics(2, quiet=True, min_df=1, language="english").fit(texts, ids=["<b>x</b>", "b", "c", "d"])
    summary = estimator._repr_html_()
    assert "<script>" not in summary and "rocket" in summary
    written = estimator.report(Path(tempfile.mkdtemp()) / "page.html")
    assert written.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    page = estimator.show()  # outside a notebook: the page object
    framed = page._repr_html_()
    assert framed.startswith("<iframe") and "<b>x</b>" not in framed and "srcdoc=" in framed


def test_a_fit_not_saved_states_its_model_as_a_saved_one_does(fitted, folder_run, tmp_path):
    """The manifest and the page of a fit still in memory name the model, solver, k, seed and iterations,
    as the folder the command line writes does (they were blank before it was saved)."""
    saved = json.loads((folder_run.directory / "manifest.json").read_text(encoding="utf-8"))["model"]
    for key in ("name", "solver", "n_topics", "seed", "n_iter", "converged", "weighting", "word_order"):
        assert fitted.manifest_["model"][key] == saved[key], key
    assert fitted.manifest_["neighbours"]["method"]
    page = fitted.report(tmp_path / "page.html").read_text(encoding="utf-8")
    meta = re.search(r'<p class="meta">(.*?)</p>', page, re.S).group(1)
    assert f"solver {saved['solver']} · k = 5 · seed 0 · {saved['n_iter']} iterations" in meta, meta
