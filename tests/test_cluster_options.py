"""Every run option on a Dask cluster equals one machine: --time-column, --reduce-to, --seed-topics, --heldout, and
merge / hierarchy over a cluster run (LocalCluster, 2 worker processes)."""

from __future__ import annotations

import csv
import json
import math
import random

import numpy as np
import pytest
from click.testing import CliRunner

from topicmf.errors import TopicmfError
from topicmf.model.heldout import halves, split_documents
from topicmf.model.store import load_model
from topicmf.model.timebins import make_bins, merge_time_summaries, parse_times, plan_bins, time_summary
from topicmf.text import TextOptions

pytest.importorskip("distributed")

WORDS = [["rocket", "orbit", "planet", "star", "telescope", "launch", "moon"],
         ["bread", "oven", "flour", "butter", "soup", "recipe", "salt"],
         ["team", "match", "goal", "coach", "league", "season", "score"],
         ["vote", "party", "election", "minister", "law", "court", "senate"]]
LABELS = ["space", "food", "sport", "politics"]


def _corpus(path, n=160, times=None):
    rng = random.Random(3)
    rows = []
    for i in range(n):
        t = i % 4
        words = rng.choices(WORDS[t], k=12) + rng.choices(WORDS[(t + 1) % 4], k=3) + [
            f"w{rng.randint(0, 30)}" for _ in range(4)]
        rows.append({"id": f"d{i}", "label": LABELS[t], "text": " ".join(words),
                     "time": times(i) if times else f"20{10 + i % 9}-{1 + i % 12:02d}-15"})
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("options")
    (root / "seeds.txt").write_text("space: rocket orbit\nfood: bread oven\n", encoding="utf-8")
    return _corpus(root / "docs.jsonl")


def _same_table(a, b, rel=1e-8):
    """Two CSV tables equal: text as text, numbers to ``rel``."""
    ra = list(csv.reader(a.open(encoding="utf-8")))
    rb = list(csv.reader(b.open(encoding="utf-8")))
    assert len(ra) == len(rb), a.name
    for x, y in zip(ra, rb):
        for u, v in zip(x, y):
            try:
                fu, fv = float(u), float(v)
            except ValueError:
                assert u == v, (a.name, x, y)
                continue
            assert math.isclose(fu, fv, rel_tol=rel, abs_tol=1e-12), (a.name, x, y)


def _both(tmp_path, corpus, name, **kw):
    from topicmf.workflow import run

    kw = {"k": 6, "seed": 1, "options": TextOptions(min_df=1), **kw}
    one = run(corpus, out=tmp_path / f"{name}-one", **kw)
    two = run(corpus, out=tmp_path / f"{name}-cluster", dask="local:2", **kw)
    assert two.manifest["cluster"]["workers"] == 2
    a, b = one.manifest, two.manifest
    assert b["model"]["objective"] == pytest.approx(a["model"]["objective"], rel=1e-10)
    A, B = load_model(one.directory), load_model(two.directory)
    np.testing.assert_allclose(B.H, A.H, rtol=1e-8, atol=1e-10 * np.abs(A.H).max())
    np.testing.assert_allclose(B.W, A.W, rtol=1e-5, atol=1e-7)  # float32 as saved
    assert B.topic_names == A.topic_names and B.doc_ids == A.doc_ids
    for table in ("topics.csv", "topics_per_label.csv", "topics_over_time.csv", "hierarchy.csv"):
        if (one.directory / table).exists():
            _same_table(one.directory / table, two.directory / table)
    return one, two


def test_topics_over_time_on_the_cluster_equal_one_machine(tmp_path, corpus):
    one, two = _both(tmp_path, corpus, "time", options=TextOptions(min_df=1, time_column="time"))
    assert (two.directory / "topics_over_time.csv").exists()
    assert two.manifest["text_options"]["time_column"] == "time"
    assert one.manifest["metrics"].get("time_bins") == two.manifest["metrics"].get("time_bins")


@pytest.mark.parametrize("values, message", [
    (lambda i: "2020-01-01" if i != 150 else "soon", "document 'd150': time 'soon' is neither"),
    (lambda i: "2020-01-01" if i < 100 else "17.5", "mixes dates and plain numbers"),  # a kind per block
])
def test_bad_times_on_the_cluster_are_the_errors_of_one_machine(tmp_path, values, message):
    from topicmf.workflow import run

    path = _corpus(tmp_path / "bad.jsonl", times=values)
    options = TextOptions(min_df=1, time_column="time")
    for dask in (None, "local:2"):
        with pytest.raises(TopicmfError, match=message):
            run(path, out=tmp_path / f"out-{dask}", k=3, options=options, dask=dask)
        assert not (tmp_path / f"out-{dask}").exists()


def test_reduce_to_on_the_cluster_equals_one_machine(tmp_path, corpus):
    one, two = _both(tmp_path, corpus, "reduce", reduce_to=4)
    assert one.manifest["merged"] == two.manifest["merged"] and len(two.manifest["merged"]["topics"]) == 4


@pytest.mark.parametrize("strength", [None, 0.0])
def test_seeded_topics_on_the_cluster_equal_one_machine(tmp_path, corpus, strength):
    kw = {} if strength is None else {"seed_strength": strength}
    one, two = _both(tmp_path, corpus, f"seeds-{strength}", seed_topics=corpus.parent / "seeds.txt", **kw)
    assert two.manifest["metrics"]["seeds"] == one.manifest["metrics"]["seeds"]
    assert load_model(two.directory).topic_names[:2] == ("space", "food")
    assert two.model.n_docs == 160  # the pseudo-documents dropped


@pytest.mark.parametrize("model", ["pnmf", "nmf", "lsa"])
def test_heldout_on_the_cluster_equals_one_machine(tmp_path, corpus, model):
    one, two = _both(tmp_path, corpus, f"heldout-{model}", heldout=0.2, model=model)
    a, b = one.manifest["metrics"]["heldout"], two.manifest["metrics"]["heldout"]
    assert a.keys() == b.keys() and a["documents"] == b["documents"] == 32
    for key in a:
        assert b[key] == pytest.approx(a[key], rel=1e-8), key


def test_merge_and_hierarchy_over_a_cluster_run_equal_one_machine(tmp_path, corpus):
    from topicmf.cli import main
    from topicmf.workflow.merge import merge

    one, two = _both(tmp_path, corpus, "merge")
    expected = merge(one.directory, [0, 4], out=tmp_path / "m-one")
    for source, dask, name in ((two.directory, "local:2", "m-cc"), (one.directory, "local:2", "m-oc"),
                               (two.directory, None, "m-co")):
        merged = merge(source, [0, 4], out=tmp_path / name, dask=dask)
        assert merged.manifest["model"]["objective"] == pytest.approx(expected.manifest["model"]["objective"],
                                                                      rel=1e-10)
        np.testing.assert_allclose(load_model(merged.directory).H, expected.model.H, rtol=1e-8, atol=1e-12)
        assert merged.manifest["merged"]["topics"] == expected.manifest["merged"]["topics"]
        assert ("parts" in merged.manifest) == (dask is not None)
    runner = CliRunner()
    shown = [runner.invoke(main, ["hierarchy", str(d)]) for d in (one.directory, two.directory)]
    assert shown[0].exit_code == shown[1].exit_code == 0
    assert shown[0].output.replace("merge-one", "merge-cluster") == shown[1].output
    result = runner.invoke(main, ["merge", str(two.directory), "1,2", "--out", str(tmp_path / "cli"), "--dask",
                                  "local:1", "--quiet"])
    assert result.exit_code == 0, result.output
    assert load_model(tmp_path / "cli").n_topics == 5


def test_a_merge_on_the_cluster_checks_the_corpus(tmp_path):
    from topicmf.workflow import run
    from topicmf.workflow.merge import merge

    path = _corpus(tmp_path / "docs.jsonl")
    run(path, out=tmp_path / "run", k=4, options=TextOptions(min_df=1), dask="local:2")
    _corpus(path, n=150)
    with pytest.raises(TopicmfError, match="no longer gives the run's matrix"):
        merge(tmp_path / "run", [0, 1], out=tmp_path / "merged", dask="local:2")
    assert not (tmp_path / "merged").exists()


# --- the pieces the cluster draws part by part, against the whole ---------------------------------------------

def test_time_bins_from_summaries_of_parts_equal_the_bins_of_all_times():
    rng = np.random.default_rng(0)
    days = rng.integers(0, 4000, 500)
    texts = [str(np.datetime64("2001-01-01") + int(d)) for d in days]
    numbers = [f"{x:.3f}" for x in rng.normal(size=500)]
    for values in (texts, numbers, [str(v) for v in rng.integers(0, 5, 500)]):
        times, kind = parse_times(values, [str(i) for i in range(500)])
        for how in ("auto", 7) + (("year", "quarter", "month") if kind == "date" else ()):
            whole = make_bins(times, kind, how)
            cuts = [0, 123, 124, 400, 500]
            plan = plan_bins(merge_time_summaries([time_summary(times[a:b], kind) for a, b in zip(cuts, cuts[1:])]),
                             how)
            assert plan.n >= len(whole.names) and plan.unit == whole.unit
            assert [n for n in plan.names if n in whole.names] == whole.names


def test_the_held_out_documents_and_halves_drawn_in_parts_equal_those_drawn_at_once():
    train, test = split_documents(1000, 0.25, 5)
    assert test.size == 250 and np.intersect1d(train, test).size == 0
    import scipy.sparse as sp

    X = sp.random(40, 30, density=0.3, random_state=1, format="csr")
    X.data = np.ceil(X.data * 90)  # counts, some above 64
    A, B = halves(X, 7)
    assert (A + B != X).nnz == 0
    top, bottom = halves(X[:17], 7), halves(X[17:], 7, first_entry=X[:17].nnz)
    assert (sp.vstack([top[0], bottom[0]]) != A).nnz == 0
    ratio = A.data.sum() / X.data.sum()
    assert 0.45 < ratio < 0.55
