"""CSV text: numbers formatted by the compiled kernel, text cells quoted and safe from formula injection."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import write_tree
from topicmf.report.numbers import cell, format_rows, format_values
from topicmf.workflow import run


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=True, width=64), min_size=1, max_size=40),
       st.integers(3, 9))
def test_numbers_are_written_as_python_writes_them_with_that_many_digits(values, digits):
    assert format_values(values, digits) == [format(v, f".{digits}g") for v in values]


def test_rows_hold_comma_separated_numbers():
    A = np.array([[0.5, 1e-5, -2.25], [0.0, 123456789.0, 1 / 3]])
    assert format_rows(A, 7) == ["0.5,1e-05,-2.25", "0,1.234568e+08,0.3333333"]


@pytest.mark.parametrize("text, written", [
    ("plain", "plain"), ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"), ("+1", "'+1"), ("-x", "'-x"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ('a,"b"', '"a,""b"""'), ("line\nbreak", '"line\nbreak"'),
    (None, ""),
])
def test_text_cells_are_quoted_and_never_formulas(text, written):
    assert cell(text) == written


def test_a_hostile_document_name_is_inert_in_every_table(tmp_path):
    corpus = write_tree(tmp_path / "corpus", {
        "=cmd|' calc'!A0.txt": "rocket orbit planet star rocket orbit",
        "+a,b.txt": "bread oven flour bread oven flour",
        "plain.txt": "rocket orbit planet bread oven flour",
    })
    out = tmp_path / "run"
    run(corpus, out=out, k=2, options=None)
    for name in ("doc_topics.csv", "similar.csv"):
        rows = list(csv.reader(io.StringIO((out / name).read_text(encoding="utf-8"))))
        cells = {c for row in rows[1:] for c in row[:1] + row[2:3]}
        assert "'=cmd|' calc'!A0.txt" in cells and "'+a,b.txt" in cells
        assert not any(c.startswith(("=", "+", "@")) for row in rows for c in row)
