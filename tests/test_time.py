"""Topics over time (issue 12, part): parsing a time column, bins, and topics_over_time.csv."""

from __future__ import annotations

import csv
import json
from collections import defaultdict

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import shared_corpus, write_tree
from topicmf.cli import main
from topicmf.errors import TopicmfError
from topicmf.model.timebins import make_bins, parse_times

THEMES = [["rocket", "orbit", "launch", "crew"], ["bread", "oven", "flour", "butter"], ["match", "goal", "team",
                                                                                        "coach"]]


def test_dates_years_and_numbers_are_parsed_and_bad_values_named():
    times, kind = parse_times(["2024-03-15", "2024-03-15T23:30:00+02:00", "2024-03", "1999"], "abcd")
    assert kind == "date"
    assert times.astype(str).tolist() == ["2024-03-15T00:00:00", "2024-03-15T21:30:00", "2024-03-01T00:00:00",
                                          "1999-01-01T00:00:00"]
    numbers, kind = parse_times(["1", "2.5", "-3"], "xyz")
    assert kind == "number" and numbers.tolist() == [1.0, 2.5, -3.0]
    with pytest.raises(TopicmfError, match="document 'b': time 'soon' is neither a date"):
        parse_times(["2020-01-01", "soon"], "ab")
    with pytest.raises(TopicmfError, match="document 'a' has no time value"):
        parse_times([None], "a")
    with pytest.raises(TopicmfError, match="mixes dates and plain numbers"):
        parse_times(["2020-01-01", "7.5"], "ab")
    with pytest.raises(TopicmfError, match="neither a date"):
        parse_times(["2020-13-45"], "a")  # not a calendar date


def test_bins_by_calendar_unit_equal_width_and_auto():
    times, kind = parse_times(["2020-01-15", "2020-02-01", "2020-05-20", "2021-12-31", "2023-07-04"], "abcde")
    year = make_bins(times, kind, "year")
    assert year.names == ["2020", "2021", "2023"] and year.index.tolist() == [0, 0, 0, 1, 2]  # 2022 is empty
    assert (year.starts[0], year.ends[0]) == ("2020-01-01", "2021-01-01")
    quarter = make_bins(times, kind, "quarter")
    assert quarter.names == ["2020-Q1", "2020-Q2", "2021-Q4", "2023-Q3"]
    assert make_bins(times, kind, "auto").unit == "quarter"  # 43 months span it (over 40), 15 quarters
    equal = make_bins(times, kind, 2)
    assert equal.index.tolist() == [0, 0, 0, 1, 1] and len(equal.names) == 2
    numbers, kind = parse_times([str(x) for x in range(100)], [str(x) for x in range(100)])
    auto = make_bins(numbers, kind, "auto")
    assert len(auto.names) == 20 and np.bincount(auto.index).tolist() == [5] * 20
    with pytest.raises(TopicmfError, match="need dates"):
        make_bins(numbers, kind, "year")


def _dated_corpus(tmp_path, bad=None):
    rng = np.random.default_rng(0)
    lines = []
    for i in range(90):
        year = 2010 + i // 30  # three years; the themes come and go
        theme = THEMES[(i // 30 + i) % 3] if year < 2012 else THEMES[i % 2]
        text = " ".join(rng.choice(theme, 15))
        date = bad if bad is not None and i == 40 else f"{year}-{1 + i % 12:02d}-{1 + i % 28:02d}"
        lines.append(json.dumps({"id": f"d{i}", "date": date, "text": text}))
    return write_tree(tmp_path, {"docs.jsonl": "\n".join(lines) + "\n"}) / "docs.jsonl"


def test_topics_over_time_file_invariants(tmp_path):
    path = _dated_corpus(tmp_path)
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["run", str(path), "-k", 3, "--time-column", "date", "--time-bins", "year",
                                       "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(open(out / "topics_over_time.csv", encoding="utf-8")))
    assert list(rows[0]) == ["topic", "bin", "start", "end", "share", "documents", "rank", "word", "weight", "name"]
    shares, documents = defaultdict(dict), defaultdict(dict)
    for r in rows:
        shares[r["bin"]][r["topic"]] = float(r["share"])
        documents[r["bin"]][r["topic"]] = int(r["documents"])
        assert r["start"] < r["end"]
    assert sorted(shares) == ["2010", "2011", "2012"]
    for b in shares:
        assert sum(shares[b].values()) == pytest.approx(1.0)
        assert sum(documents[b].values()) == 30  # every document in its bin, counted once
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["corpus"]["time_bins"] == {"unit": "year", "kind": "date", "bins": 3}
    assert manifest["corpus"]["columns"]["time"] == "date"


@pytest.mark.parametrize("args, message", [
    (("--time-column", "when"), "no field 'when'"),
    (("--time-column", "date", "--time-bins", "weekly"), "time bins are auto, year, quarter, month"),
])
def test_bad_time_options_are_refused(tmp_path, args, message):
    path = _dated_corpus(tmp_path)
    result = CliRunner().invoke(main, ["run", str(path), "-k", 2, "--out", str(tmp_path / "o"), "-q", *args])
    assert result.exit_code != 0 and message in result.output and not (tmp_path / "o").exists()


def test_an_unparseable_time_stops_the_run_naming_the_document(tmp_path):
    path = _dated_corpus(tmp_path, bad="last tuesday")
    result = CliRunner().invoke(main, ["run", str(path), "-k", 2, "--time-column", "date", "--out",
                                       str(tmp_path / "o"), "-q"])
    assert result.exit_code == 1 and "document 'd40': time 'last tuesday'" in result.output
    assert not (tmp_path / "o").exists()
    folder = write_tree(tmp_path / "folder", {"a.txt": "text"})
    result = CliRunner().invoke(main, ["run", str(folder), "--time-column", "date", "-q"])
    assert result.exit_code == 1 and "needs a table of texts" in result.output


def test_debian_changelogs_by_year():
    corpus = shared_corpus("debian_changelogs")
    from topicmf.text import TextOptions
    from topicmf.workflow import run
    import tempfile
    from pathlib import Path
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run(corpus / "changelogs.jsonl", out=Path(tempfile.mkdtemp()) / "deb", k=8,
                     options=TextOptions(time_column="date"))
    bins = result.manifest["corpus"]["time_bins"]
    assert bins["unit"] == "year" and bins["bins"] >= 30  # 1995–2026
    assert (result.directory / "topics_over_time.csv").stat().st_size > 0
