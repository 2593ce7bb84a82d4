"""Reading rating files (issue 10): long and wide tables, MovieLens, JSON Lines, bad input."""

from __future__ import annotations

import importlib.util
import json
import os

import numpy as np
import pytest

from conftest import ROOT
from topicmf import CorpusError, TopicmfWarning
from topicmf.ratings import read_ratings

LECTURE = ROOT / "corpora" / "ratings_lecture.csv"
PURCHASES = ROOT / "corpora" / "purchases_lecture.csv"


def test_the_lecture_tables_are_wide_tables_with_unknown_blanks():
    r = read_ratings(LECTURE)
    assert r.user_ids == ("Маша", "Юля", "Вова", "Коля", "Петя", "Ваня")
    assert r.item_ids == ("Пила", "Улица Вязов", "Ванильное небо", "1+1")
    assert r.R.nnz == 16 and r.info["format"] == "wide" and not r.implicit_looking
    assert r.R[3, 0] == 3 and r.R[4, 3] == 4
    kolya = r.R[3].toarray().ravel()
    assert list(r.R[3].indices) == [0, 2, 3] and kolya[1] == 0  # Коля × Улица Вязов is unknown: not stored
    p = read_ratings(PURCHASES)
    assert p.R.nnz == 13 and p.implicit_looking and p.item_ids[3] == "Шуба D&G"


def test_a_stored_zero_in_a_wide_table_is_a_known_cell(tmp_path):
    f = tmp_path / "w.csv"
    f.write_text("who,a,b,c\nx,0,,2\ny,,1,\n", encoding="utf-8")
    r = read_ratings(f)
    assert r.R.nnz == 3 and r.R[0, 0] == 0 and (0, 0) in set(zip(*r.R.nonzero())) | {(0, 0)}
    assert list(r.R[0].indices) == [0, 2] and r.item_ids == ("a", "b", "c")


@pytest.mark.parametrize("name, text", [
    ("r.csv", "userId,movieId,rating,timestamp\n1,10,4.5,100\n2,10,3,101\n1,20,2,102\n"),
    ("r.tsv", "user_id\titem_id\tscore\n1\t10\t4.5\n2\t10\t3\n1\t20\t2\n"),
    ("u.data", "1\t10\t4.5\t100\n2\t10\t3\t101\n1\t20\t2\t102\n"),
    ("x.inter", "user_id:token\titem_id:token\trating:float\ttimestamp:float\n1\t10\t4.5\t1\n2\t10\t3\t2\n1\t20\t2\t3\n"),
    ("r.jsonl", "\n".join(json.dumps(d) for d in ({"user": 1, "item": 10, "rating": 4.5}, {"user": 2, "item": 10,
              "rating": 3}, {"user": 1, "item": 20, "rating": 2})) + "\n"),
    ("ratings.dat", "1::10::4.5::100\n2::10::3::101\n1::20::2::102\n"),
])
def test_long_tables_in_every_shape_give_the_same_matrix(tmp_path, name, text):
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    r = read_ratings(f)
    assert r.user_ids == ("1", "2") and r.item_ids == ("10", "20")
    np.testing.assert_array_equal(r.R.toarray(), [[4.5, 2.0], [3.0, 0.0]])
    assert r.info["format"].startswith("long")


def test_named_columns_times_and_interactions_without_ratings(tmp_path):
    f = tmp_path / "events.csv"
    f.write_text("who,what,when,how\nann,book,2024-01-02,9\nbob,pen,2024-01-03,1\nann,pen,2024-01-05,3\n")
    r = read_ratings(f, user_column="who", item_column="what", rating_column="how", time_column="when")
    np.testing.assert_array_equal(r.R.toarray(), [[9, 3], [0, 1]])
    assert list(r.times) == ["2024-01-02", "2024-01-05", "2024-01-03"]  # in the order of R.data (CSR)
    clicks = tmp_path / "clicks.csv"
    clicks.write_text("user,item\nann,book\nbob,pen\n")
    assert read_ratings(clicks).implicit_looking


def test_duplicates_are_reported_and_the_last_kept(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text("user,item,rating\na,x,1\na,y,2\na,x,5\n")
    with pytest.warns(TopicmfWarning, match=r"1 duplicate \(user, item\) rows \(e.g. 'a' × 'x', line 2\)"):
        r = read_ratings(f)
    assert r.R[0, 0] == 5 and r.info["duplicates"] == 1


@pytest.mark.parametrize("name, text, message", [
    ("a.csv", "user,item,rating\na,x,good\n", r"a.csv:2: the rating 'good' is not a number"),
    ("b.csv", "", r"b.csv is empty"),
    ("c.csv", "user,item,rating\na,x\n", r"c.csv:2: 2 fields, expected at least 3"),
    ("d.csv", "user,item,rating\na,x,nan\n", r"d.csv:2: the rating 'nan' is not a finite number"),
    ("e.jsonl", '{"user": 1, "item": 2, "rating": "x"}\n', r"e.jsonl:1: the rating 'x' is not a number"),
    ("f.jsonl", '{"who": 1, "item": 2}\n', r"e.jsonl|f.jsonl:1: no users field found"),
    ("g.csv", "user,a,b\nx,1,?\n", r"g.csv:2: the rating of 'b' '\?' is not a number"),
])
def test_bad_input_gets_one_line_naming_the_file_and_line_and_nothing_is_written(tmp_path, name, text, message):
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    before = sorted(os.listdir(tmp_path))
    with pytest.raises(CorpusError, match=message) as info:
        read_ratings(f)
    assert "\n" not in str(info.value)
    assert sorted(os.listdir(tmp_path)) == before
    # closed when the error left the reader, though its traceback (held here) still holds the reader's frames
    assert open_descriptors(f) == []


def open_descriptors(path) -> list[str]:
    """This process's open file descriptors on ``path`` (Linux's /proc; [] where there is none)."""
    fds = "/proc/self/fd"
    if not os.path.isdir(fds):
        return []
    target = os.path.realpath(path)
    found = []
    for fd in os.listdir(fds):
        try:
            if os.path.realpath(os.path.join(fds, fd)) == target:
                found.append(fd)
        except OSError:
            pass
    return found


def test_a_missing_named_column_is_named(tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("user,item,rating\na,x,1\n")
    with pytest.raises(CorpusError, match=r"no column 'stars' for the ratings \(columns: user, item, rating\)"):
        read_ratings(f, rating_column="stars")


@pytest.mark.skipif(importlib.util.find_spec("recbole") is None, reason="recbole (MovieLens-100k's carrier) absent")
def test_movielens_100k_from_the_recbole_wheel():
    from importlib.resources import files

    r = read_ratings(files("recbole") / "dataset_example" / "ml-100k" / "ml-100k.inter")
    assert r.shape == (943, 1682) and r.R.nnz == 100_000 and r.info["duplicates"] == 0
    assert set(np.unique(r.R.data)) == {1.0, 2.0, 3.0, 4.0, 5.0} and r.times is not None


def _read_both(path, monkeypatch):
    """The table read by the compiled reader of plain tables and by the row reader (the plain one turned off)."""
    import warnings

    import topicmf.ratings.reading as reading

    results = []
    for plain in (True, False):
        with monkeypatch.context() as patch, warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            if not plain:
                patch.setattr(reading, "plain_cells", lambda *args: None)
            r = read_ratings(path)
        # what the readers say (an unclosed file collected meanwhile, from anywhere, is not theirs)
        results.append((r, [str(w.message) for w in said if not issubclass(w.category, ResourceWarning)]))
    return results


_ROWS = [("u1", "i1", "4", "1000"), ("u2", "i1", "3.5", "1001"), ("Маша", "Пила", "-2", "999"), ("u1", "i2", "5", "1002"),
         ("u1", "i1", "2", "1003"), ("u3", "i3", "+1.25", "1004"), ("u2", "i3", "0", "1005")]


@pytest.mark.parametrize("name, text", [
    ("headed.csv", "user,item,rating,timestamp\n" + "".join(",".join(r) + "\n" for r in _ROWS)),
    ("crlf_spaces.csv", "user , item,rating,time\r\n" + "".join(f" {a} ,{b}, {c} ,{d}\r\n" for a, b, c, d in _ROWS)),
    ("bom.csv", "\ufeffuserId,movieId,rating\n" + "".join(",".join(r[:3]) + "\n" for r in _ROWS)),
    ("movielens.tsv", "".join("\t".join(r) + "\n" for r in _ROWS)),
    ("dates.csv", "user,item,rating,date\n" + "".join(f"{a},{b},{c},2020-01-0{i + 1}\n" for i, (a, b, c, _) in enumerate(_ROWS))),
    ("no_end.csv", "user,item\n" + "\n".join(f"{a},{b}" for a, b, _, _ in _ROWS)),
    # not plain: the row reader reads these, and the compiled reader must step aside
    ("quoted.csv", "user,item,rating\n" + "".join(f'"{a}","{b}",{c}\n' for a, b, c, _ in _ROWS)),
    ("blank.csv", "user,item,rating\n" + "".join(f"{a},{b},{c}\n\n" for a, b, c, _ in _ROWS)),
    ("exponent.csv", "user,item,rating\n" + "".join(f"{a},{b},{c}e0\n" for a, b, c, _ in _ROWS)),
    ("unicode_space.csv", "user,item,rating\n" + "".join(f"{a}\u00a0,{b},{c}\n" for a, b, c, _ in _ROWS)),
])
def test_the_compiled_reader_of_plain_tables_reads_what_the_row_reader_reads(tmp_path, monkeypatch, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    (fast, fast_said), (rows, rows_said) = _read_both(path, monkeypatch)
    assert fast.user_ids == rows.user_ids and fast.item_ids == rows.item_ids
    assert (fast.R != rows.R).nnz == 0 and np.array_equal(fast.R.indptr, rows.R.indptr)
    assert fast.R.has_canonical_format and fast_said == rows_said and fast.info == rows.info
    if rows.times is not None:
        assert [str(t) for t in fast.times] == [str(t) for t in rows.times]
    if name in ("headed.csv", "crlf_spaces.csv"):
        assert fast_said == [f"{path}: 1 duplicate (user, item) rows (e.g. 'u1' × 'i1', line 2); the last of each is kept"]
        assert fast.R[0, 0] == 2 and fast.times.dtype == np.int64  # the last of the pair; Unix times as numbers


@pytest.mark.parametrize("body, error", [("u1,i1,4\nu2\n", ":3: 1 fields, expected at least 3"),
                                         ("u1,i1,4\nu2,i2,nan\n", ":3: the rating 'nan' is not a finite number"),
                                         ("u1,i1,4\nu2,i2,four\n", ":3: the rating 'four' is not a number")])
def test_bad_rows_are_named_by_line_whichever_reader_meets_them(tmp_path, body, error):
    path = tmp_path / "bad.csv"
    path.write_text("user,item,rating\n" + body)
    with pytest.raises(CorpusError, match=error):
        read_ratings(path)
