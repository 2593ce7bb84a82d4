"""`topicmf recommend`, `predict` and `suggest` (issue 10): the run folder, evaluation, saved models, bad input."""

from __future__ import annotations

import csv
import io
import json
import warnings
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import ROOT, snapshot, write_tree
from topicmf.cli import main

from topicmf.errors import TopicmfError
from topicmf.spec import PENALTIES
from topicmf.ratings import FAMILIES, load_rating_model, read_ratings
from topicmf.report import ratings as report_ratings
from topicmf.workflow.recommend import recommend

LECTURE = ROOT / "corpora" / "ratings_lecture.csv"
PURCHASES = ROOT / "corpora" / "purchases_lecture.csv"
HOSTILE_USER = '<script>alert("u")</script>'
HOSTILE_ITEM = '=HYPERLINK("http://evil.example","x")'
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def cli(*args, input=None, ok=True):
    result = CliRunner().invoke(main, [str(a) for a in args], input=input)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def rows(path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def lecture_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("rec") / "lecture"
    result = cli("recommend", LECTURE, "--out", out, "-q")
    return out, result.output


def test_the_lecture_table_end_to_end(lecture_run):
    out, printed = lecture_run
    assert sorted(p.name for p in out.iterdir()) == ["index.html", "manifest.json", "model.npz",
                                                     "recommendations.csv", "similar_items.csv"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == "topicmf-recommend/1" and manifest["model"]["family"] == "explicit"
    assert manifest["data"] | {"path": None, "fingerprint": None} == manifest["data"] | {
        "path": None, "fingerprint": None, "users": 6, "items": 4, "known": 16, "rating_range": [1.0, 5.0]}
    assert manifest["model"]["params"]["n_components"] == 4  # the default 100 capped by the smaller side
    assert set(manifest["metrics"]["model"]) >= {"rmse", "mae"} and manifest["metrics"]["method"] == "random"
    # every user's recommendations are items they have not rated, best first, and Маша has rated all four
    ratings = read_ratings(LECTURE)
    recs = rows(out / "recommendations.csv")
    assert "Маша" not in {r["user"] for r in recs}
    for r in recs:
        u, i = ratings.user_ids.index(r["user"]), ratings.item_ids.index(r["item"])
        assert ratings.R[u, i] == 0 and (u, i) not in zip(*ratings.R.nonzero())
    by_user = {}
    for r in recs:
        by_user.setdefault(r["user"], []).append(float(r["score"]))
    assert all(s == sorted(s, reverse=True) for s in by_user.values())
    assert [r["item"] for r in recs if r["user"] == "Вова"] == ["Улица Вязов", "Пила"]
    assert "Вова → Улица Вязов" in printed and "RMSE" in printed
    similar = rows(out / "similar_items.csv")
    assert {r["item"] for r in similar} == set(ratings.item_ids) and all(r["item"] != r["neighbour"] for r in similar)


def test_predict_and_suggest_answer_from_the_saved_model(lecture_run):
    out, _ = lecture_run
    model = load_rating_model(out)
    result = cli("predict", out, "-", input="user,item\nКоля,Улица Вязов\nНезнакомец,Пила\n")
    lines = list(csv.reader(io.StringIO(result.output)))
    assert lines[0] == ["user", "item", "prediction"]
    kolya = float(lines[1][2])
    assert kolya == pytest.approx(float(model.predict(["Коля"], ["Улица Вязов"])[0]), abs=0) and 1 <= kolya <= 5
    e = model.estimator  # an unknown user: μ plus the item's bias
    assert float(lines[2][2]) == pytest.approx(e.global_mean_ + e.item_bias_[model.item_index("Пила")])
    suggested = list(csv.DictReader(io.StringIO(cli("suggest", out, "--user", "Вова").output)))
    assert [r["item"] for r in suggested] == ["Улица Вязов", "Пила"]
    assert len(list(csv.DictReader(io.StringIO(cli("suggest", out, "--user", "Маша", "--include-known").output)))) == 4
    # a user given by items only: their items left out, the rest ranked; "=5" a rating, bare = the top seen
    new = list(csv.DictReader(io.StringIO(cli("suggest", out, "--items", "Пила=5,Улица Вязов").output)))
    assert {r["item"] for r in new} == {"Ванильное небо", "1+1"}
    given = model.new_user_row({"Пила": 5.0, "Улица Вязов": None})
    assert given.data.tolist() == [5.0, 5.0]


@pytest.mark.parametrize("args, message", [
    (("suggest", "{out}"), "either --user or --items"),
    (("suggest", "{out}", "--user", "Маша", "--items", "Пила"), "either --user or --items"),
    (("suggest", "{out}", "--user", "Никто"), "no user 'Никто'"),
    (("suggest", "{out}", "--items", "Пила,Нет такого"), "not items of this model: 'Нет такого'"),
    (("predict", "{out}", "-"), "the first line must be the header user,item"),
    (("predict", "{out}", "{out}/missing.csv"), "missing.csv"),
    (("topics", "{out}"), "output of `topicmf recommend`; this command reads the output of `topicmf run`"),
])
def test_bad_requests_over_a_saved_run_get_one_line(lecture_run, args, message):
    out, _ = lecture_run
    result = cli(*[a.format(out=out) for a in args], input="item,user\nx,y\n", ok=False)
    assert result.exit_code != 0 and message in result.output
    assert "Traceback" not in result.output


def test_a_damaged_model_file_is_refused(lecture_run, tmp_path):
    out, _ = lecture_run
    copy = tmp_path / "copy"
    copy.mkdir()
    for p in out.iterdir():
        (copy / p.name).write_bytes(p.read_bytes())
    data = bytearray((copy / "model.npz").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (copy / "model.npz").write_bytes(bytes(data))
    with pytest.raises(TopicmfError, match="does not match its manifest"):
        load_rating_model(copy)
    assert "does not match" in cli("predict", copy, "-", input="user,item\n", ok=False).output


def test_purchases_go_to_the_implicit_model_and_its_page_compares_with_popularity(tmp_path):
    result = recommend(PURCHASES, out=tmp_path / "p", k=2, test_size=0.3)
    m = result.manifest
    assert m["model"]["family"] == "implicit" and m["model"]["params"]["solver"] == "cg"
    assert set(m["metrics"]["model"]) >= {"precision", "map", "ndcg", "auc"}
    assert m["metrics"]["reference_title"] == "most popular items"
    recs = rows(tmp_path / "p" / "recommendations.csv")
    r = read_ratings(PURCHASES)
    known = {(r.user_ids[u], r.item_ids[i]) for u, i in zip(*r.R.nonzero())}
    assert recs and not known & {(x["user"], x["item"]) for x in recs}
    page = (tmp_path / "p" / "index.html").read_text(encoding="utf-8")
    assert "precision@10" in page and "most popular items" in page


def test_folds_and_a_time_split(tmp_path):
    rng = np.random.default_rng(0)
    lines = ["user,item,rating,timestamp"]
    for n in range(400):
        u, i = rng.integers(0, 30), rng.integers(0, 20)
        lines.append(f"u{u},i{i},{1 + (u + i) % 5},{1000 + n}")
    path = write_tree(tmp_path, {"r.csv": "\n".join(lines) + "\n"}) / "r.csv"
    with pytest.warns(Warning, match="duplicate"):
        folds = recommend(path, out=tmp_path / "f", k=3, folds=4).manifest["metrics"]
    assert folds["method"] == "folds" and folds["folds"] == 4
    assert folds["model"]["cells"] == read_ratings_quiet(path).R.nnz  # every known cell held out once
    assert set(folds["model_std"]) >= {"rmse", "mae"}
    with pytest.warns(Warning, match="duplicate"):
        timed = recommend(path, out=tmp_path / "t", k=3, split="time", test_size=0.25).manifest["metrics"]
    assert timed["method"] == "time" and int(float(timed["from"])) >= 1000 + 400 * 0.6
    no_time = write_tree(tmp_path, {"n.csv": "user,item,rating\na,x,1\nb,y,2\nc,x,3\n"}) / "n.csv"
    with pytest.raises(TopicmfError, match="needs a time column"):
        recommend(no_time, out=tmp_path / "n", split="time")


def read_ratings_quiet(path):
    with pytest.warns(Warning):
        return read_ratings(path)


def test_a_model_worse_than_its_reference_is_reported(tmp_path):
    rng = np.random.default_rng(0)  # ratings that are pure noise, fitted with no penalty: the factors overfit
    lines = ["user,item,rating"] + [f"u{rng.integers(50)},i{rng.integers(30)},{rng.integers(1, 6)}" for _ in range(600)]
    path = write_tree(tmp_path / "in", {"noise.csv": "\n".join(lines) + "\n"}) / "noise.csv"
    with pytest.warns(Warning) as caught:
        m = recommend(path, out=tmp_path / "n", k=20, settings=dict(alpha=0.0, beta=0.0, learning_rate=0.05,
                                                                      max_iter=100)).manifest["metrics"]
    assert m["model"]["rmse"] > m["reference"]["rmse"]
    assert any("does worse than the baseline" in str(w.message) for w in caught)
    rng = np.random.default_rng(1)  # planted rank two: the factors find what the biases miss
    U, V = rng.normal(size=(40, 2)), rng.normal(size=(30, 2))
    lines = ["user,item,rating"] + [f"u{i},i{j},{3 + U[i] @ V[j]:.3f}" for i in range(40) for j in range(30)]
    path = write_tree(tmp_path / "in", {"planted.csv": "\n".join(lines) + "\n"}) / "planted.csv"
    with warnings.catch_warnings(record=True) as caught:  # a model better than its reference: nothing said
        warnings.simplefilter("always")
        m = recommend(path, out=tmp_path / "d", k=2).manifest["metrics"]
    assert m["model"]["rmse"] < m["reference"]["rmse"] and not caught


def test_implicit_from_ratings_with_min_rating(tmp_path):
    result = recommend(LECTURE, out=tmp_path / "m", k=2, min_rating=4, test_size=0)
    assert result.manifest["model"]["family"] == "implicit" and result.manifest["metrics"] is None
    assert result.manifest["data"]["known"] == 9 and result.manifest["data"]["min_rating"] == 4
    with pytest.raises(TopicmfError, match="no rating is at least 6"):
        recommend(LECTURE, out=tmp_path / "x", min_rating=6)


def test_hostile_names_are_neutralised_in_every_csv(tmp_path):
    path = write_tree(tmp_path / "in", {"r.csv": (
        "user,item,rating\n"
        f'"{HOSTILE_USER}","{HOSTILE_ITEM.replace(chr(34), chr(34) * 2)}",5\n'
        f'"{HOSTILE_USER}",plain,3\n'
        '"-2+3","@SUM(A1)",4\nbob,plain,2\nbob,"a, b",1\n+carol,"a, b",4\n')})
    out = tmp_path / "out"
    cli("recommend", path / "r.csv", "--out", out, "-k", 2, "--test-size", 0, "-q")
    text = (out / "recommendations.csv").read_text(encoding="utf-8") + (out / "similar_items.csv").read_text(
        encoding="utf-8")
    for line in text.splitlines():
        for cell in next(csv.reader([line])):
            assert not cell.startswith(("=", "+", "-", "@")) or cell.lstrip("-").replace(".", "").replace(
                "e", "").replace("-", "").isdigit(), line  # numbers (a negative cosine) stay numbers
    assert "'=HYPERLINK" in text and "'+carol" in text or "'@SUM(A1)" in text
    predicted = cli("predict", out, "-", input="user,item\n+carol,plain\n").output
    assert "'+carol,plain," in predicted


def test_nothing_is_written_next_to_the_input_and_an_old_run_needs_force(tmp_path):
    folder = write_tree(tmp_path / "data", {"r.csv": LECTURE.read_text(encoding="utf-8")})
    before = snapshot(folder)
    bad = cli("recommend", folder / "r.csv", "--out", folder / "r.csv", "-q", ok=False)
    assert "lies inside the corpus" in bad.output and snapshot(folder) == before
    out = tmp_path / "run"
    cli("recommend", folder / "r.csv", "--out", out, "-q")
    kept = snapshot(out)
    again = cli("recommend", folder / "r.csv", "--out", out, "-q", ok=False)
    assert "already exists; pass --force" in again.output and snapshot(out) == kept
    cli("recommend", folder / "r.csv", "--out", out, "-q", "--force", "--seed", 1)
    assert json.loads((out / "manifest.json").read_text())["model"]["seed"] == 1
    assert snapshot(folder) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging folder left


@pytest.mark.parametrize("content, message", [
    ("", "r.csv is empty"),
    ("user,item,rating\n", "holds no ratings"),
    ("user,item,rating\na,x,5\nb,y,five\n", "r.csv:3"),
    ("user,item,rating\na,x\n", "r.csv:2"),
])
def test_bad_rating_files_get_one_line_naming_the_file(tmp_path, content, message):
    path = write_tree(tmp_path / "in", {"r.csv": content}) / "r.csv"
    result = cli("recommend", path, "--out", tmp_path / "out", "-q", ok=False)
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("args, message", [
    (("--model", "explicit", "--reg", "1"), "the explicit model has no setting reg; it has alpha, beta"),
    (("--model", "implicit", "--solver", "als"), "als is not a solver of the implicit model but of the explicit"),
    (("--solver", "cg"), "cg is not a solver of the explicit model but of the implicit model"),
    (("--beta", "1", "--min-rating", "4"), "the implicit model has no setting beta"),
    (("-k", "9"), "n_components"),
    (("--folds", "1"), "--folds"),
])
def test_bad_options_are_refused_before_anything_is_written(tmp_path, args, message):
    result = cli("recommend", LECTURE, "--out", tmp_path / "out", "-q", *args, ok=False)
    assert result.exit_code != 0 and message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_the_command_lines_choices_are_the_families():
    from topicmf.cli import main

    options = {p.name: p for p in main.commands["recommend"].params}
    assert tuple(options["family"].type.choices) == tuple(FAMILIES)
    assert set(options["solver"].type.choices) == {s for f in FAMILIES.values() for s in f.solvers}
    for f in FAMILIES.values():  # every setting a family declares is an option and an estimator parameter
        for name in f.settings:
            assert name in options and f.params[name].option in options[name].opts
        assert set(f.settings) <= set(f.estimator().get_params())
    assert tuple(options["penalty"].type.choices) == PENALTIES


@pytest.mark.parametrize("name", ["explicit", "implicit"])
def test_the_estimators_and_fit_functions_take_their_defaults_from_the_table(name):
    import inspect

    family = FAMILIES[name]
    assert family.estimator().get_params() == family.params.defaults()
    signature = inspect.signature(family.fit).parameters
    for param in family.function_params:
        assert signature[param.name].default == param.default, param.name


def test_the_page_stays_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(report_ratings, "PAGE_USERS", 3)
    monkeypatch.setattr(report_ratings, "KNOWN_SHOWN", 2)
    result = recommend(LECTURE, out=tmp_path / "b", test_size=0)
    page = (tmp_path / "b" / "index.html").read_text(encoding="utf-8")
    data = json.loads(page.split('id="topicmf-data">')[1].split("</script>")[0])
    assert len(data["users"]) == 3 and all(len(u["known"]) <= 2 for u in data["users"])
    assert "The page shows 3 of the 6 users" in page
    assert result.model.n_users == 6 and len({r["user"] for r in rows(tmp_path / "b" / "recommendations.csv")}) == 5


def test_the_pages_items_are_bounded_and_every_index_points_into_them(tmp_path, monkeypatch):
    rng = np.random.default_rng(1)
    lines = ["user,item,rating"] + [f"u{rng.integers(40)},i{i},{rng.integers(1, 6)}" for i in range(300)]
    path = write_tree(tmp_path / "in", {"r.csv": "\n".join(lines) + "\n"}) / "r.csv"
    monkeypatch.setattr(report_ratings, "PAGE_USERS", 2)
    monkeypatch.setattr(report_ratings, "MAP_ITEMS", 5)
    monkeypatch.setattr(report_ratings, "PAGE_ITEMS", 4)
    result = recommend(path, out=tmp_path / "b", k=3, top=3, test_size=0)
    page = (tmp_path / "b" / "index.html").read_text(encoding="utf-8")
    data = json.loads(page.split('id="topicmf-data">')[1].split("</script>")[0])
    items = data["items"]
    n = len(items["id"])
    assert n < 300 == data["n_items"] and "The page names" in page
    assert sum(s is not None for s in items["similar"]) == 4 and len(data["map"]["items"]) == 5
    pointers = [j for u in data["users"] for j, _ in u["known"] + u["recs"]] + data["map"]["items"] + [
        j for s in items["similar"] if s for j, _ in s]
    assert pointers and all(0 <= j < n for j in pointers)
    # the names behind the indices are the model's: a user's recommendations as the CSV has them
    u = data["users"][0]
    csv_recs = [r["item"] for r in rows(tmp_path / "b" / "recommendations.csv") if r["user"] == u["id"]]
    assert [items["id"][j] for j, _ in u["recs"]] == csv_recs
    assert result.model.n_items == 300


def test_the_same_seed_gives_the_same_run(tmp_path):
    a = recommend(LECTURE, out=tmp_path / "a", seed=3)
    b = recommend(LECTURE, out=tmp_path / "b", seed=3)
    assert (tmp_path / "a" / "recommendations.csv").read_bytes() == (tmp_path / "b" / "recommendations.csv").read_bytes()
    assert a.manifest["data"]["fingerprint"] == b.manifest["data"]["fingerprint"]
    assert a.manifest["metrics"] == b.manifest["metrics"] | {"seconds": a.manifest["metrics"]["seconds"]}
    with np.load(tmp_path / "a" / "model.npz", allow_pickle=False) as z:  # plain arrays, no pickle
        assert {"user_factors", "item_factors", "known_indptr", "user_ids.utf8"} <= set(z.files)


@pytest.mark.skipif(find_spec("recbole") is None, reason="MovieLens-100k comes with recbole==1.2.1 (pip install "
                                                         "--no-deps recbole==1.2.1)")
def test_movielens_100k_with_the_defaults(tmp_path):
    from importlib.resources import files

    path = Path(str(files("recbole") / "dataset_example" / "ml-100k" / "ml-100k.inter"))
    m = recommend(path, out=tmp_path / "ml").manifest
    assert m["data"]["users"] == 943 and m["data"]["items"] == 1682 and m["data"]["known"] == 100_000
    assert m["metrics"]["model"]["rmse"] < 0.925 < m["metrics"]["reference"]["rmse"]
