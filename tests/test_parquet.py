"""--tables parquet: the same tables as CSV, typed, readable by pandas, polars and DuckDB, and by every reader of a
run folder."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import DEMO, write_tree
from topicmf.cli import main
from topicmf.errors import TopicmfError
from topicmf.report.groups import group_panels
from topicmf.runfolder.tables import read_rows
from topicmf.workflow import run

pa = pytest.importorskip("pyarrow")
pd = pytest.importorskip("pandas")

TABLES = ("topics", "topic_docs", "hierarchy", "doc_topics", "word_topics", "similar", "topics_per_label")


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    root = tmp_path_factory.mktemp("tables")
    run(DEMO, out=root / "csv", k=5)
    run(DEMO, out=root / "parquet", k=5, tables="parquet")
    return root / "csv", root / "parquet"


def test_a_parquet_run_writes_every_table_as_parquet_and_no_csv(both):
    _, folder = both
    for name in TABLES:
        assert (folder / f"{name}.parquet").is_file() and not (folder / f"{name}.csv").exists()
    assert json.loads((folder / "manifest.json").read_text())["tables"] == "parquet"
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert "topics.parquet" in page and "topics.csv" not in page


@pytest.mark.parametrize("name", TABLES)
def test_the_parquet_tables_hold_the_csv_tables_values(both, name):
    plain, folder = both
    with open(plain / f"{name}.csv", encoding="utf-8", newline="") as f:
        expected = pd.DataFrame(list(csv.DictReader(f)))
    got = pd.read_parquet(folder / f"{name}.parquet")
    assert list(got.columns) == list(expected.columns) and len(got) == len(expected)
    for column in got.columns:
        values = got[column]
        if values.dtype.kind == "f":
            wanted = pd.to_numeric(expected[column].replace("", np.nan))
            np.testing.assert_allclose(values.to_numpy(), wanted.to_numpy(), rtol=2e-6, atol=1e-7)
        else:
            assert values.fillna("").astype(str).tolist() == expected[column].tolist(), column


def test_document_profiles_and_scores_are_float32_and_topics_typed(both):
    _, folder = both
    schema = pa.parquet.read_schema(folder / "doc_topics.parquet")
    assert [str(schema.field(f"topic_{t}").type) for t in range(5)] == ["float"] * 5
    assert str(schema.field("dominant_topic").type) == "int32"
    similar = pa.parquet.read_schema(folder / "similar.parquet")
    assert str(similar.field("score").type) == "float" and str(similar.field("rank").type) == "int16"


def test_polars_and_duckdb_open_the_tables_as_they_come(both):
    polars = pytest.importorskip("polars")
    duckdb = pytest.importorskip("duckdb")
    _, folder = both
    frame = polars.read_parquet(folder / "similar.parquet")
    assert frame.shape == (35 * 10, 4) and frame["rank"].max() == 10
    counts = duckdb.sql(f"select count(*), count(distinct doc_id) from '{folder / 'doc_topics.parquet'}'").fetchall()
    assert counts == [(35, 35)]


def test_every_reader_of_a_run_folder_takes_parquet(both, tmp_path):
    plain, folder = both
    assert group_panels(folder) == group_panels(plain)
    assert list(read_rows(folder, "hierarchy")) and read_rows(folder, "topics_over_time") is None
    runner = CliRunner()
    result = runner.invoke(main, ["report", str(folder), "--quiet"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["similar", str(folder), "astronomy/01.txt"])
    assert result.exit_code == 0 and "astronomy/" in result.output
    result = runner.invoke(main, ["hierarchy", str(folder)])
    assert result.exit_code == 0 and "hierarchy.parquet" in result.output
    assert not (folder / "hierarchy.csv").exists()
    import topicmf

    loaded = topicmf.load(folder)
    per_label = loaded.topics_per_label()
    assert per_label.equals(topicmf.load(plain).topics_per_label())
    merged = tmp_path / "merged"
    result = runner.invoke(main, ["merge", str(folder), "0,1", "--out", str(merged), "--quiet"])
    assert result.exit_code == 0, result.output
    assert (merged / "doc_topics.parquet").is_file() and not (merged / "doc_topics.csv").exists()


def test_formula_looking_names_are_plain_text_in_parquet_and_read_back_the_same(tmp_path):
    corpus = write_tree(tmp_path / "corpus", {
        "=cmd|' calc'!A0.txt": "rocket orbit planet star rocket orbit",
        "plain.txt": "rocket orbit planet bread oven flour",
        "other.txt": "bread oven flour bread oven flour",
    })
    run(corpus, out=tmp_path / "csv", k=2)
    run(corpus, out=tmp_path / "pq", k=2, tables="parquet")
    ids = set(pd.read_parquet(tmp_path / "pq" / "doc_topics.parquet")["doc_id"])
    assert "=cmd|' calc'!A0.txt" in ids
    for folder in ("csv", "pq"):
        assert "=cmd|' calc'!A0.txt" in {row["doc_id"] for row in read_rows(tmp_path / folder, "doc_topics")}


def test_parquet_without_pyarrow_is_a_one_line_error_before_anything_is_written(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(TopicmfError, match=r"pip install 'topicmf\[parquet\]'"):
        run(DEMO, out=tmp_path / "run", k=3, tables="parquet")
    assert not (tmp_path / "run").exists()
    with pytest.raises(TopicmfError, match="tables"):
        run(DEMO, out=tmp_path / "run", k=3, tables="xlsx")


def test_a_missing_pyarrow_stops_the_run_before_the_corpus_is_read(tmp_path, monkeypatch):
    import sys

    import topicmf.workflow.topic_run as topic_run

    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setattr(topic_run, "vectorize", lambda *a, **k: pytest.fail("the corpus was read"))
    with pytest.raises(TopicmfError, match="Parquet tables need pyarrow"):
        run(DEMO, out=tmp_path / "run", k=3, tables="parquet")
