"""Rating matrices on a Dask cluster (LocalCluster, 2 worker processes) equal one machine: the table read by the
workers, ALS's factors, the held-out evaluation, the recommendations and similar items the workers write."""

from __future__ import annotations

import glob
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from click.testing import CliRunner

from conftest import kill_a_worker_when, page_data
from topicmf.errors import CorpusError, TopicmfError
from topicmf.factorize.ratings.estimators import ExplicitMF, ImplicitMF
from topicmf.ratings import load_rating_model, read_ratings
from topicmf.ratings.evaluate import kfold_known, split_known

distributed = pytest.importorskip("distributed")

from topicmf.distributed import open_client  # noqa: E402
from topicmf.distributed.als import fit_on_cluster  # noqa: E402
from topicmf.distributed.cluster import WorkerLost  # noqa: E402
from topicmf.distributed.rating_reading import read_ratings_on_cluster  # noqa: E402
from topicmf.workflow.recommend import recommend  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from synthetic_ratings import write_ratings  # noqa: E402


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    path = tmp_path_factory.mktemp("ratings") / "ratings.csv"
    write_ratings(path, 30_000, n_users=1_500, n_items=300, seed=2)  # duplicates included, as logs have them
    return path


@pytest.fixture(scope="module")
def client():
    with open_client("local:2") as c:
        yield c


def _gather(d, what):
    return d.run(what)


def _user_ids(block):
    return block.ids["users"]


def _item_ids(block):
    return block.ids["items"]


def _rows(block):
    return block.R


def _columns(block):
    return block.Rt


def _factors(block):
    return block.arrays


def test_a_table_read_by_the_workers_is_the_table_read_here(client, table, tmp_path):
    jsonl = tmp_path / "ratings.jsonl"
    with open(table, encoding="utf-8") as f:
        next(f)
        jsonl.write_text("".join(json.dumps({"user": u, "item": i, "rating": float(r)}) + "\n"
                                 for u, i, r, _ in (line.strip().split(",") for line in f)), encoding="utf-8")
    for path in (table, jsonl):
        with pytest.warns(Warning, match="duplicate") as here:
            one = read_ratings(path)
        with pytest.warns(Warning, match="duplicate") as there:
            d = read_ratings_on_cluster(client, path)
        with d:
            assert str(there[0].message).split(": ", 1)[1] == str(here[0].message).split(": ", 1)[1]
            assert tuple(x for p in _gather(d, _user_ids) for x in p) == one.user_ids
            assert tuple(x for p in _gather(d, _item_ids) for x in p) == one.item_ids
            assert (sp.vstack(_gather(d, _rows)).tocsr() != one.R).nnz == 0
            assert (sp.vstack(_gather(d, _columns)).tocsr() != one.R.T.tocsr()).nnz == 0
            assert d.info["duplicates"] == one.info["duplicates"] and d.nnz == one.R.nnz
            assert not d.binary and d.rating_range == (1.0, 5.0)


@pytest.mark.parametrize("text, message", [
    ("user,item,rating\n" + "a,x,1\nb,y,2\n" * 300 + "c,z,many\n" + "d,w,3\n" * 500,
     r":602: the rating 'many' is not a num"),
    ("user,item,rating\n" + "a,x,1\n" * 700 + "b,y\n" + "c,x,zz\n" * 3, r":702: 2 fields, expected at least 3"),
])
def test_a_bad_row_is_named_by_its_line_as_here(client, tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    for read in (read_ratings, lambda p: read_ratings_on_cluster(client, p)):
        with pytest.raises(CorpusError, match=message), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            read(path)
    wide = tmp_path / "wide.csv"
    wide.write_text("user,a,b\nu1,1,\nu2,,3\n", encoding="utf-8")
    with pytest.raises(TopicmfError, match="wide table"):
        read_ratings_on_cluster(client, wide)


@pytest.mark.parametrize("estimator", [ExplicitMF(12, solver="als", max_iter=6, random_state=3),
                                       ExplicitMF(12, solver="baseline", max_iter=6, penalty="total", random_state=3),
                                       ImplicitMF(10, max_iter=5, random_state=3),
                                       ImplicitMF(10, solver="exact", max_iter=5, alpha=4.0, random_state=3)],
                         ids=["als", "baseline", "cg", "exact"])
def test_als_on_the_cluster_equals_one_machine(client, table, estimator):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        R = read_ratings(table).R
        d = read_ratings_on_cluster(client, table)
    family = "implicit" if isinstance(estimator, ImplicitMF) else "explicit"
    with d:
        estimator.fit(R)
        fit = fit_on_cluster(d, family, estimator.get_params())
        parts = _gather(d, _factors)
    np.testing.assert_allclose(fit.loss_curve, estimator.loss_curve_, rtol=1e-12)
    for name, attribute in (("U", "user_factors_"), ("V", "item_factors_"), ("b", "user_bias_"),
                            ("c", "item_bias_")):
        np.testing.assert_allclose(np.concatenate([p[name] for p in parts]), getattr(estimator, attribute),
                                   rtol=1e-8, atol=1e-10)
    assert fit.n_iter == estimator.n_iter_


def test_sgd_is_refused_on_the_cluster_with_its_reason(client, table):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = read_ratings_on_cluster(client, table)
    with d, pytest.raises(ValueError, match="fitted by als or baseline, not sgd: SGD's steps"):
        fit_on_cluster(d, "explicit", ExplicitMF(4, solver="sgd", random_state=0).get_params())


def _parts_text(folder, table):
    files = sorted(glob.glob(str(folder / table / "part-*.csv")))
    return "".join(open(f, encoding="utf-8").read().split("\n", 1)[1] if n else open(f, encoding="utf-8").read()
                   for n, f in enumerate(files))


@pytest.mark.parametrize("options", [{"solver": "als", "k": 6, "folds": 3, "top": 4}, {"min_rating": 4, "k": 6}])
def test_recommend_on_the_cluster_equals_one_machine(tmp_path, table, options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one = recommend(table, out=tmp_path / "one", **options)
        two = recommend(table, out=tmp_path / "two", dask="local:2", **options)
    a, b = one.manifest, two.manifest
    assert b["data"]["fingerprint"] == a["data"]["fingerprint"] and b["data"]["known"] == a["data"]["known"]
    assert b["model"]["objective"] == pytest.approx(a["model"]["objective"], rel=1e-10)
    assert b["model"]["params"] == a["model"]["params"] and b["cluster"]["workers"] == 2
    for side in ("model", "reference"):
        for key, value in a["metrics"][side].items():
            assert b["metrics"][side][key] == pytest.approx(value, rel=1e-8), (side, key)
    # the workers wrote the per-user files; the client none
    assert not (tmp_path / "two" / "recommendations.csv").exists()
    assert _parts_text(tmp_path / "two", "recommendations") == (tmp_path / "one" / "recommendations.csv").read_text(
        encoding="utf-8")
    mine = [line.split(",") for line in _parts_text(tmp_path / "two", "similar_items").splitlines()]
    theirs = [line.split(",") for line in (tmp_path / "one" / "similar_items.csv").read_text(
        encoding="utf-8").splitlines()]
    assert [row[:3] for row in mine] == [row[:3] for row in theirs]
    assert all(abs(float(x[3]) - float(y[3])) < 1e-6 for x, y in zip(mine[1:], theirs[1:]))
    # read back: the same model, predictions and suggestions
    A, B = load_rating_model(tmp_path / "one"), load_rating_model(tmp_path / "two")
    assert A.user_ids == B.user_ids and A.item_ids == B.item_ids and (A.known != B.known).nnz == 0
    np.testing.assert_allclose(B.estimator.user_factors_, A.estimator.user_factors_, rtol=1e-8, atol=1e-10)
    mine, theirs = B.recommend(A.user_ids[7], 3), A.recommend(A.user_ids[7], 3)
    assert [item for item, _ in mine] == [item for item, _ in theirs]  # scores: as equal as the factors (1e-8)
    assert [score for _, score in mine] == pytest.approx([score for _, score in theirs], rel=1e-8)
    pages = [page_data(tmp_path / name) for name in ("one", "two")]
    assert pages[0]["n_users"] == pages[1]["n_users"] == a["data"]["users"]
    assert [u["id"] for u in pages[0]["users"]] == [u["id"] for u in pages[1]["users"]]
    assert [u["recs"] for u in pages[0]["users"]] == [u["recs"] for u in pages[1]["users"]]
    assert pages[0]["items"]["count"] == pages[1]["items"]["count"]


def test_the_recommender_on_a_cluster_holds_the_whole_model(tmp_path, table):
    pytest.importorskip("pandas")
    from topicmf import Recommender

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        here = Recommender(4, solver="als", test_size=0, quiet=True).fit(table)
        there = Recommender(4, solver="als", test_size=0, quiet=True, dask="local:2").fit(table)
    assert there.model_.n_users == here.model_.n_users
    assert there.recommend("u3").equals(here.recommend("u3"))
    out = there.save(tmp_path / "saved")
    assert (out / "users" / "part-00000.npz").exists() and load_rating_model(out).n_users == here.model_.n_users
    with pytest.raises(TopicmfError, match="reads the ratings from their file"):
        Recommender(dask="local:1", quiet=True).fit([("a", "x", 1.0), ("b", "y", 2.0)])


def test_the_command_line_recommends_on_a_cluster(tmp_path, table):
    from topicmf.cli import main

    result = CliRunner().invoke(main, ["recommend", str(table), "--dask", "local:2", "--test-size", "0", "-k", "4",
                                       "--out", str(tmp_path / "cli"), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "more users in recommendations/" in result.output and "users/ (parts)" in result.output
    for refused, message in ((["--split", "time"], "--split time does not run on a cluster"),
                             (["--solver", "sgd"], "--solver sgd does not run on a cluster")):
        result = CliRunner().invoke(main, ["recommend", str(table), "--dask", "local:1", "--out",
                                           str(tmp_path / "x"), "--quiet", *refused])
        assert result.exit_code != 0 and message in result.output
        assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("stage_label", ["reading", "evaluating"])
def test_a_worker_killed_mid_recommend_stops_it_cleanly(tmp_path, table, stage_label):
    killed = []
    with pytest.raises(WorkerLost) as lost, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        recommend(table, out=tmp_path / "run", k=4, solver="als", folds=2, settings={"max_iter": 3}, dask="local:2",
                  stage=kill_a_worker_when(stage_label, killed))
    assert killed and killed[0] in str(lost.value) and "\n" not in str(lost.value)
    assert list(tmp_path.iterdir()) == []  # nothing staged, nothing written


def test_keyed_splits_hold_out_the_share_and_every_cell_once():
    rng = np.random.default_rng(0)
    R = sp.random(60, 40, density=0.2, random_state=1, format="csr")
    train, test = split_known(R, 0.25, random_state=rng.integers(100))
    assert test.nnz == round(0.25 * R.nnz) and (train + test != R).nnz == 0 and train.multiply(test).nnz == 0
    seen = sp.csr_matrix(R.shape)
    for train, test in kfold_known(R, 4, random_state=5):
        assert (train + test != R).nnz == 0
        seen = seen + (test != 0)
    assert seen.nnz == R.nnz and seen.max() == 1
    assert (split_known(R, 0.25, 7)[1] != split_known(R.T.tocsr().T.tocsr(), 0.25, 7)[1]).nnz == 0
