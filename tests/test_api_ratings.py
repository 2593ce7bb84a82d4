"""topicmf.Recommender and names of items: ratings in memory as the command line reads them, DataFrames with the
user's ids and titles, save and load, and the names in every file the command line writes."""

from __future__ import annotations

import csv
import json
import re
import warnings
from importlib.util import find_spec

import numpy as np
import click
import pytest
from click.testing import CliRunner

from conftest import ROOT
from topicmf import Recommender, load
from topicmf.cli import main
from topicmf.errors import CorpusError, TopicmfError
from topicmf.ratings.names import read_names
from topicmf.workflow.recommend import recommend

pd = pytest.importorskip("pandas")

LECTURE = ROOT / "corpora" / "ratings_lecture.csv"
PURCHASES = ROOT / "corpora" / "purchases_lecture.csv"


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def movielens():
    if find_spec("recbole") is None:
        pytest.skip("MovieLens-100k comes with recbole==1.2.1 (pip install --no-deps recbole==1.2.1)")
    from importlib.resources import files

    return files("recbole") / "dataset_example" / "ml-100k"


@pytest.fixture(scope="module")
def lecture_long():
    wide = pd.read_csv(LECTURE)
    return wide.melt(id_vars="user", var_name="item", value_name="rating").dropna()


def test_a_dataframe_a_wide_frame_tuples_and_the_file_give_the_same_model(tmp_path, lecture_long):
    from_file = recommend(LECTURE, out=tmp_path / "cli", seed=3)
    wide = Recommender(seed=3, quiet=True).fit(pd.read_csv(LECTURE))
    long = Recommender(seed=3, quiet=True).fit(lecture_long)
    tuples = Recommender(seed=3, quiet=True).fit(list(lecture_long.itertuples(index=False, name=None)))
    for fitted in (wide,):  # the same cells in the same order: the same fit to the bit
        np.testing.assert_array_equal(fitted.model_.estimator.user_factors_,
                                      from_file.model.estimator.user_factors_)
        assert fitted.model_.item_ids == from_file.model.item_ids
    for fitted in (long, tuples):  # the same cells, items in another order: the same known matrix
        assert set(fitted.model_.item_ids) == set(from_file.model.item_ids)
        assert fitted.model_.known.nnz == from_file.model.known.nnz
    rows = [r for r in read_csv(tmp_path / "cli" / "recommendations.csv") if r["user"] == "Вова"]
    mine = wide.recommend("Вова", 10)
    assert list(mine["item"]) == [r["item"] for r in rows]
    np.testing.assert_allclose(mine["score"], [float(r["score"]) for r in rows], rtol=1e-6)


@pytest.mark.parametrize("data, message", [
    ("not a file.csv", "no such file"),
    (42, "not a int"),
    ([("u", "i", 5), ("u", "j")], "rating 2 has 2 fields, the first had 3"),
    ([("u",)], "give (user, item[, rating[, time]]) tuples"),
    ([(None, "i", 5)], "rating 1 has no user"),
    ([("u", "i", "five")], "'five' is not a number"),
    ([], "holds no ratings"),
])
def test_bad_ratings_get_a_one_line_error(data, message):
    with pytest.raises(TopicmfError) as caught:
        Recommender(quiet=True).fit(data)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_tables_and_fold_in(lecture_long):
    fitted = Recommender(seed=0, quiet=True).fit(lecture_long)
    recs = fitted.recommend("Вова", 2)
    assert list(recs.columns) == ["item", "score"] and len(recs) == 2
    assert not set(recs["item"]) & set(lecture_long[lecture_long.user == "Вова"]["item"])
    new = fitted.recommend_new({"Пила": 5, "Улица Вязов": 4}, 2)
    assert not set(new["item"]) & {"Пила", "Улица Вязов"}
    assert len(fitted.recommend_new(["Пила"], 3)) == 3
    predictions = fitted.predict([("Маша", "Пила"), ("nobody", "Пила")])
    assert list(predictions.columns) == ["user", "item", "prediction"]
    assert predictions["prediction"].notna().all()
    frame = fitted.predict(pd.DataFrame({"user": ["Маша"], "item": ["1+1"]}))
    assert frame["prediction"].iloc[0] == pytest.approx(fitted.model_.predict(["Маша"], ["1+1"])[0])
    similar = fitted.similar_items("Пила", 2)
    assert list(similar.index) == [1, 2] and "Пила" not in set(similar["item"])
    with pytest.raises(TopicmfError, match="no user 'nobody'"):
        fitted.recommend("nobody")
    with pytest.raises(TopicmfError, match="not items of this model"):
        fitted.recommend_new({"Матрица": 5})
    with pytest.raises(TopicmfError, match="give \\(user, item\\) pairs"):
        fitted.predict(["Маша"])


def test_parameters_follow_the_command_line():
    from sklearn.base import clone

    params = Recommender().get_params()
    names = {"k": "n_factors", "family": "model", "ratings": None, "out": None, "force": None}
    for option in main.commands["recommend"].params:
        name = names.get(option.name, option.name)
        if name is None:
            continue
        assert name in params, f"--{option.name} has no Recommender parameter"
        assert params[name] == option.get_default(click.Context(main.commands["recommend"]), call=False), name
    estimator = Recommender(n_factors=2, model="implicit", alpha=20.0)
    assert clone(estimator).get_params() == estimator.get_params()
    with pytest.raises(TopicmfError, match="alpha|beta|penalt"):
        Recommender(model="explicit", solver="als", cg_steps=3, quiet=True).fit(PURCHASES)


def test_save_and_load_a_recommend_folder(tmp_path, lecture_long):
    fitted = Recommender(seed=1, quiet=True).fit(lecture_long)
    out = fitted.save(tmp_path / "saved")
    assert {p.name for p in out.iterdir()} >= {"index.html", "recommendations.csv", "similar_items.csv", "model.npz",
                                               "manifest.json"}
    loaded = load(out)
    assert isinstance(loaded, Recommender)
    assert loaded.get_params()["n_factors"] == fitted.model_.estimator.n_components
    pd.testing.assert_frame_equal(loaded.recommend("Коля", 3), fitted.recommend("Коля", 3))
    result = CliRunner().invoke(main, ["suggest", str(out), "--user", "Коля", "-n", "3"])
    assert result.exit_code == 0 and result.output.splitlines()[1].split(",")[1] == fitted.recommend("Коля", 3)["item"].iloc[0]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["data"]["path"] is None and manifest["data"]["format"] == "memory"
    summary = fitted._repr_html_()
    assert "6 users × 4 items" in summary
    assert fitted.show()._repr_html_().startswith("<iframe")


# --- names of items and users ------------------------------------------------------------------------------------
def test_names_of_movielens_items_reach_every_file(tmp_path):
    data = movielens()
    out = tmp_path / "ml"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = CliRunner().invoke(main, ["recommend", str(data / "ml-100k.inter"), "--items",
                                           str(data / "ml-100k.item"), "--out", str(out), "-q", "--test-size", "0"])
    assert result.exit_code == 0, result.output
    assert re.search(r"196 → [^\[\n]+ \[\d+\] \(\d", result.output), result.output  # titles in the summary
    recs = read_csv(out / "recommendations.csv")
    assert set(recs[0]) == {"user", "rank", "item", "score", "title"}
    names = read_names(data / "ml-100k.item")
    assert all(r["title"] == names.titles[r["item"]] for r in recs[:500])
    similar = read_csv(out / "similar_items.csv")
    assert similar[0]["title"] == names.titles[similar[0]["neighbour"]]
    assert similar[0]["item_title"] == names.titles[similar[0]["item"]]
    suggest = CliRunner().invoke(main, ["suggest", str(out), "--user", "196", "-n", "2"])
    assert suggest.output.splitlines()[0] == "rank,item,score,title"
    predict = CliRunner().invoke(main, ["predict", str(out), "-"], input="user,item\n196,1\n")
    assert predict.output.splitlines()[1].endswith(",Toy Story")
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "Toy Story" in page and "or title" in page
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["names"]["items"]["titled"] == 1682 and manifest["names"]["items"]["missing"] == 0


def test_ids_without_a_name_are_counted_and_shown_by_id(tmp_path):
    names = tmp_path / "films.csv"
    names.write_text("item,title,year\nПила,Saw,2004\nУлица Вязов,A Nightmare on Elm Street,1984\n=cmd,Evil,1\n",
                     encoding="utf-8")
    with pytest.warns(Warning, match="2 of the 4 items have no title"):
        result = recommend(LECTURE, out=tmp_path / "out", items=names)
    model = result.model
    assert model.item_title("Пила") == "Saw" and model.item_title("1+1") is None
    rows = read_csv(tmp_path / "out" / "recommendations.csv")
    assert {r["title"] for r in rows if r["item"] == "1+1"} <= {""}
    assert result.manifest["names"]["items"]["missing_examples"] == ["Ванильное небо", "1+1"]
    loaded = load(tmp_path / "out")
    assert loaded.model_.item_title("Улица Вязов") == "A Nightmare on Elm Street"
    by_title = loaded.recommend_new({"saw": 5, "A Nightmare on Elm Street": 4}, 2)  # titles, any case
    pd.testing.assert_frame_equal(by_title, loaded.recommend_new({"Пила": 5, "Улица Вязов": 4}, 2))
    result = CliRunner().invoke(main, ["suggest", str(tmp_path / "out"), "--items", "Saw=5"])
    assert result.exit_code == 0 and "Пила" not in result.output


def test_a_title_several_items_share_is_refused(tmp_path):
    names = tmp_path / "films.csv"
    names.write_text("item,title\nПила,Horror\nУлица Вязов,Horror\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = recommend(LECTURE, out=tmp_path / "out", items=names).model
    with pytest.raises(TopicmfError, match="'Horror' is the title of 2 items \\('Пила', 'Улица Вязов'\\)"):
        model.recommend_new({"Horror": 5})


def test_a_users_table_and_a_dataframe_of_names(tmp_path, lecture_long):
    users = pd.DataFrame({"user_id": ["Маша", "Юля"], "name": ["Maria", "Julia"]})
    items = pd.DataFrame({"title": ["Saw"], "genre": ["horror"]}, index=pd.Index(["Пила"], name="item_id"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = Recommender(users=users, items=items, quiet=True).fit(lecture_long)
    assert fitted.model_.user_title("Маша") == "Maria" and fitted.model_.item_title("Пила") == "Saw"
    out = fitted.save(tmp_path / "named")
    rows = read_csv(out / "recommendations.csv")
    assert {r["user_title"] for r in rows if r["user"] == "Юля"} == {"Julia"}


@pytest.mark.parametrize("text, message", [
    ("", "is empty"),
    ("item\nx\n", "needs an id column and a title column"),
    ("item,title\nx,X\nx,Y\n", "the id 'x' appears twice"),
    ("item,title\n", "holds no names"),
])
def test_bad_names_tables_get_a_one_line_error(tmp_path, text, message):
    path = tmp_path / "names.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CorpusError) as caught:
        read_names(path)
    assert message in str(caught.value) and "\n" not in str(caught.value)
