"""Reading tables of texts (CSV, TSV, JSON Lines) and precomputed count matrices."""

from __future__ import annotations

import gzip
import json
import warnings

import numpy as np
import pytest
import scipy.io
import scipy.sparse as sp

from conftest import COUNT_TABLE
from topicmf import CorpusError, NoDocumentsError, TopicmfWarning, open_corpus, vectorize
from topicmf.corpus import CountMatrix
from topicmf.text import TextOptions

LOOSE = dict(min_df=1, max_df=1.0, language="english", n_jobs=1)

# The 10 x 6 example: documents d1-d10 over six words.
WORDS = ["database", "SQL", "index", "regression", "likelihood", "linear"]
COUNTS = np.array(
    [
        [24, 21, 9, 0, 0, 3], [32, 10, 5, 0, 3, 0], [12, 16, 5, 0, 0, 0], [6, 7, 2, 0, 0, 0],
        [43, 31, 20, 0, 3, 0], [2, 0, 0, 18, 7, 16], [0, 0, 1, 32, 12, 0], [3, 0, 0, 22, 4, 2],
        [1, 0, 0, 34, 27, 25], [6, 0, 0, 17, 4, 23],
    ]
)


def test_csv_with_id_and_label_columns(tmp_path):
    path = tmp_path / "docs.csv"
    path.write_text(
        'id,body,forum\nx1,"Rockets, orbit and the planet",space\nx2,"Bread, oven\nand flour",food\nx3,,food\n',
        encoding="utf-8",
    )
    with pytest.warns(TopicmfWarning, match=r"no terms left .*: 1 \(e\.g\. x3\); they are kept as empty rows"):
        dtm = vectorize(path, TextOptions(text_column="body", id_column="id", label_column="forum", **LOOSE))
    assert dtm.doc_ids == ("x1", "x2", "x3")
    assert dtm.labels == ("space", "food", "food")
    assert dtm.label_counts() == {"space": 1, "food": 2}
    assert set(dtm.vocabulary) == {"rockets", "orbit", "planet", "bread", "oven", "flour"}
    assert list(dtm.empty_docs) == [2]


def test_csv_without_id_column_numbers_the_records(tmp_path):
    path = tmp_path / "docs.csv"
    path.write_text("text\nfirst words\nsecond words\n", encoding="utf-8")
    dtm = vectorize(path, TextOptions(**LOOSE))
    assert dtm.doc_ids == ("1", "2")
    assert dtm.labels is None


def test_tsv_and_long_fields(tmp_path):
    long_text = "word " * 60000  # 300 kB, beyond the csv module's default field limit
    path = tmp_path / "docs.tsv"
    path.write_text(f'text\tlabel\n{long_text}\ta\n"quoted" words\tb\n', encoding="utf-8")
    dtm = vectorize(path, TextOptions(label_column="label", **LOOSE))
    assert dtm.n_docs == 2
    assert dtm.X[0, dtm.vocabulary.index("word")] == 60000
    assert "quoted" in dtm.vocabulary


def test_jsonl_skips_bad_lines_and_lists_them(tmp_path):
    path = tmp_path / "docs.jsonl"
    lines = [
        json.dumps({"id": 7, "text": "planets and stars", "label": "space"}),
        "",
        "{not json",
        json.dumps(["not", "an", "object"]),
        json.dumps({"id": 8, "text": "ovens and bread", "label": "food"}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.warns(TopicmfWarning, match="Skipped"):
        dtm = vectorize(path, TextOptions(id_column="id", label_column="label", **LOOSE))
    assert dtm.doc_ids == ("7", "8")
    assert dtm.labels == ("space", "food")
    reasons = [s["reason"] for s in dtm.info["skipped_files"]]
    assert reasons[0].startswith("invalid JSON") and reasons[1] == "not a JSON object"
    assert dtm.info["skipped_files"][0]["path"].endswith("docs.jsonl:3")


def test_non_utf8_csv_is_read_with_a_warning(tmp_path):
    path = tmp_path / "docs.csv"
    path.write_bytes("text\ncafé crème\nnaïve résumé\n".encode("cp1252"))
    with pytest.warns(TopicmfWarning, match="not UTF-8; read it as cp1252"):
        dtm = vectorize(path, TextOptions(**LOOSE))
    assert {"café", "crème", "naïve", "résumé"} <= set(dtm.vocabulary)


@pytest.mark.parametrize(
    "content, options, message",
    [
        ("", {}, r"is empty: expected a header row"),
        ("text\n", {}, r"has a header row but no records"),
        ("body,label\nsome words,x\n", {}, r"has no column 'text'; its columns are: body, label \(choose one with --text-column\)"),
        ("text\nwords\n", {"label_column": "forum"}, r"has no column 'forum'"),
        ("id,text\na,one\na,two\n", {"id_column": "id"}, r"id 'a' appears in records 1 and 2"),
    ],
)
def test_bad_tables_give_clear_errors(tmp_path, content, options, message):
    path = tmp_path / "docs.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CorpusError, match=message):
        vectorize(path, TextOptions(**LOOSE, **options))


def test_jsonl_missing_text_field(tmp_path):
    path = tmp_path / "docs.jsonl"
    path.write_text(json.dumps({"body": "x"}) + "\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="the first record has no field 'text'; its fields are: body"):
        vectorize(path, TextOptions(**LOOSE))


@pytest.mark.parametrize("name", ["missing.csv", "notes.pdf"])
def test_missing_or_unsupported_paths(tmp_path, name):
    if name.endswith(".pdf"):
        (tmp_path / name).write_bytes(b"%PDF")
    with pytest.raises(CorpusError, match="No such file or folder|unsupported file"):
        open_corpus(tmp_path / name)


# ---- precomputed count matrices ---------------------------------------------------------


def test_shipped_count_table_is_the_10_by_6_example():
    corpus = open_corpus(COUNT_TABLE)
    assert isinstance(corpus, CountMatrix)
    assert corpus.words == WORDS
    assert corpus.doc_ids == [f"d{i}" for i in range(1, 11)]
    np.testing.assert_array_equal(corpus.X.toarray(), COUNTS)
    dtm = vectorize(COUNT_TABLE, TextOptions(min_df=1, max_df=1.0))
    assert dtm.vocabulary == tuple(WORDS)  # a count table keeps its column order and spelling
    np.testing.assert_array_equal(dtm.X.toarray(), COUNTS)
    np.testing.assert_array_equal(dtm.doc_lengths, COUNTS.sum(axis=1))


def test_count_table_pruning_and_label_column(tmp_path):
    path = tmp_path / "counts.csv"
    path.write_text("doc,apple,kind,pear,rare\na,1,x,2,0\nb,3,y,0,0\nc,0,x,5,1\n", encoding="utf-8")
    dtm = vectorize(path, TextOptions(label_column="kind", min_df=2, max_df=1.0))
    assert dtm.vocabulary == ("apple", "pear")
    assert dtm.labels == ("x", "y", "x")
    np.testing.assert_array_equal(dtm.X.toarray(), [[1, 2], [3, 0], [0, 5]])


def test_count_table_with_a_bad_cell(tmp_path):
    path = tmp_path / "counts.csv"
    path.write_text("doc,apple,pear\na,1,2\nb,3,lots\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"line 3: 'lots' under 'pear' is not a count"):
        open_corpus(path)


@pytest.mark.parametrize("transposed", [False, True])
def test_matrix_market_with_vocab(tmp_path, transposed):
    matrix = sp.coo_matrix(COUNTS.T if transposed else COUNTS)
    scipy.io.mmwrite(str(tmp_path / "corpus.mtx"), matrix)
    (tmp_path / "vocab.txt").write_text("\n".join(WORDS) + "\n", encoding="utf-8")
    (tmp_path / "labels.txt").write_text("\n".join(["db"] * 5 + ["stats"] * 5) + "\n", encoding="utf-8")
    corpus = open_corpus(tmp_path / "corpus.mtx")
    assert corpus.format == "matrix-market"
    np.testing.assert_array_equal(corpus.X.toarray(), COUNTS)
    assert corpus.labels == ["db"] * 5 + ["stats"] * 5
    assert corpus.doc_ids[0] == "d1"


def test_matrix_market_without_vocab(tmp_path):
    scipy.io.mmwrite(str(tmp_path / "corpus.mtx"), sp.coo_matrix(COUNTS))
    with pytest.raises(CorpusError, match="no vocab.txt beside the matrix"):
        open_corpus(tmp_path / "corpus.mtx")


@pytest.mark.parametrize("compressed", [False, True])
def test_uci_bag_of_words(tmp_path, compressed):
    rows, cols = np.nonzero(COUNTS)
    body = f"{COUNTS.shape[0]}\n{COUNTS.shape[1]}\n{len(rows)}\n" + "".join(
        f"{r + 1} {c + 1} {COUNTS[r, c]}\n" for r, c in zip(rows, cols)
    )
    name = "docword.toy.txt" + (".gz" if compressed else "")
    if compressed:
        with gzip.open(tmp_path / name, "wt") as fh:
            fh.write(body)
    else:
        (tmp_path / name).write_text(body)
    (tmp_path / "vocab.toy.txt").write_text("\n".join(WORDS) + "\n")
    dtm = vectorize(tmp_path / name, TextOptions(min_df=1, max_df=1.0))
    assert dtm.info["format"] == "uci-bag-of-words"
    assert dtm.vocabulary == tuple(WORDS)
    np.testing.assert_array_equal(dtm.X.toarray(), COUNTS)


def test_uci_with_wrong_nonzero_count(tmp_path):
    (tmp_path / "docword.toy.txt").write_text("2\n2\n5\n1 1 3\n2 2 1\n")
    (tmp_path / "vocab.toy.txt").write_text("a\nb\n")
    with pytest.raises(CorpusError, match="declares 5 nonzeros but holds 2"):
        open_corpus(tmp_path / "docword.toy.txt")


def test_negative_counts_are_rejected(tmp_path):
    path = tmp_path / "counts.csv"
    path.write_text("doc,a,b\nx,1,-2\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="negative values"):
        open_corpus(path)


def test_stemming_request_on_a_count_matrix_warns():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        vectorize(COUNT_TABLE, TextOptions(min_df=1, max_df=1.0, stem=True, language="english"))
    assert any("do not apply to a precomputed count matrix" in str(w.message) for w in caught)


def test_empty_csv_file_header_only_is_no_documents(tmp_path):
    path = tmp_path / "docs.csv"
    path.write_text("text\n", encoding="utf-8")
    with pytest.raises(NoDocumentsError):
        open_corpus(path)


def _records(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_id_and_label_columns_are_found_by_name_and_said(tmp_path):
    path = _records(tmp_path / "docs.jsonl", [{"ID": "d1", "Category": "space", "text": "rocket orbit planet"},
                                               {"ID": "d2", "Category": "food", "text": "bread oven flour"}])
    with pytest.warns(Warning, match=r"docs.jsonl: ids from column 'ID' and labels from column 'Category' "
                                     r"\(found by name; pass --id-column none or --label-column none"):
        dtm = vectorize(path, TextOptions(**LOOSE))
    assert dtm.doc_ids == ("d1", "d2") and dtm.labels == ("space", "food")
    assert dtm.info["columns"] == {"text": "text", "id": "ID", "label": "Category", "time": None,
                                   "detected": ["id", "label"]}
    csv_path = tmp_path / "docs.csv"
    csv_path.write_text("doc_id,class,text\na,x,rocket orbit\nb,y,bread oven\n", encoding="utf-8")
    with pytest.warns(Warning, match="ids from column 'doc_id' and labels from column 'class'"):
        assert vectorize(csv_path, TextOptions(**LOOSE)).labels == ("x", "y")


def test_found_columns_can_be_turned_off_or_overridden(tmp_path):
    path = _records(tmp_path / "docs.jsonl", [{"id": "d1", "label": "a", "topic": "t1", "text": "rocket orbit"},
                                               {"id": "d2", "label": "b", "topic": "t2", "text": "bread oven"}])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing is chosen on the user's behalf: no note
        dtm = vectorize(path, TextOptions(id_column="none", label_column="topic", **LOOSE))
    assert dtm.doc_ids == ("1", "2") and dtm.labels == ("t1", "t2")
    assert dtm.info["columns"]["detected"] == []
    with pytest.warns(Warning, match="ids from column 'id'"):
        dtm = vectorize(path, TextOptions(label_column="None", **LOOSE))
    assert dtm.doc_ids == ("d1", "d2") and dtm.labels is None


def test_duplicate_ids_in_a_found_column_say_how_to_number_records_instead(tmp_path):
    path = _records(tmp_path / "docs.jsonl", [{"id": 1, "text": "rocket orbit"}, {"id": 1, "text": "bread oven"}])
    with pytest.raises(CorpusError, match="pass --id-column none to number the records instead of using 'id'"):
        with pytest.warns(Warning):
            vectorize(path, TextOptions(**LOOSE))
