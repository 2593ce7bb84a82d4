"""Precomputed document-term count matrices: Matrix Market, UCI bag-of-words, CSV tables."""

from __future__ import annotations

import csv
import gzip
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ..errors import CorpusError
from .tables import table_dialect

__all__ = [
    "CountMatrix",
    "read_matrix_market",
    "read_uci_bag_of_words",
    "read_count_table",
    "looks_like_count_row",
    "UCI_DOCWORD",
]

#: File names of the UCI bag-of-words format: docword.NAME.txt[.gz].
UCI_DOCWORD = re.compile(r"^docword\.(?P<name>.+)\.txt(\.gz)?$")


@dataclass(frozen=True)
class CountMatrix:
    """A count matrix read from disk, before pruning.

    ``X`` has one row per document and one column per word.
    """

    X: sp.csr_matrix
    words: list[str]
    doc_ids: list[str]
    labels: list[str] | None
    path: str
    format: str


def _finish(X, words, doc_ids, labels, path, fmt) -> CountMatrix:
    X = sp.csr_matrix(X)
    X.sum_duplicates()
    if X.nnz and not np.all(np.isfinite(X.data)):
        raise CorpusError(f"{path}: the matrix holds NaN or infinite values")
    if X.nnz and X.data.min() < 0:
        raise CorpusError(f"{path}: the matrix holds negative values; counts must be >= 0")
    if X.nnz == 0 or np.all(X.data == np.round(X.data)):
        X = X.astype(np.int64) if X.nnz and X.data.max() > np.iinfo(np.int32).max else X.astype(np.int32)
    else:
        X = X.astype(np.float64)
    X.eliminate_zeros()
    if len(set(words)) != len(words):
        dup = next(w for w in words if words.count(w) > 1)
        raise CorpusError(f"{path}: the word {dup!r} names two columns; words must be unique")
    if len(set(doc_ids)) != len(doc_ids):
        raise CorpusError(f"{path}: document ids are not unique")
    if X.shape[0] == 0:
        raise CorpusError(f"{path} holds no documents")
    return CountMatrix(X, list(words), list(doc_ids), labels, path, fmt)


def _read_lines(path: Path) -> list[str]:
    with open(path, encoding="utf-8-sig") as fh:
        return [line.rstrip("\r\n") for line in fh if line.strip()]


def _sidecar(path: Path, kind: str) -> Path | None:
    stem = path.name[: -len(".mtx")] if path.name.endswith(".mtx") else path.stem
    for candidate in (path.with_name(f"{stem}.{kind}.txt"), path.with_name(f"{kind}.txt")):
        if candidate.is_file():
            return candidate
    return None


def read_matrix_market(path: str | os.PathLike) -> CountMatrix:
    """Read a Matrix Market ``.mtx`` file with its word list beside it.

    The words are one per line in ``NAME.vocab.txt`` or ``vocab.txt`` next to
    the matrix.  Optional ``docs.txt`` (ids) and ``labels.txt`` (one label per
    document) are read when present.  A matrix stored terms × documents (its
    row count equals the number of words) is transposed.
    """
    path = Path(path)
    vocab_path = _sidecar(path, "vocab")
    if vocab_path is None:
        raise CorpusError(f"{path}: no vocab.txt beside the matrix (one word per line, in column order)")
    words = _read_lines(vocab_path)
    try:
        import scipy.io  # only here: importing it costs a tenth of a second

        X = scipy.io.mmread(str(path))
    except (ValueError, OSError, IndexError) as exc:
        raise CorpusError(f"{path} is not a readable Matrix Market file ({exc})") from None
    X = sp.csr_matrix(X)
    if X.shape[1] != len(words):
        if X.shape[0] == len(words):
            X = X.T.tocsr()
        else:
            raise CorpusError(
                f"{path}: the matrix is {X.shape[0]} x {X.shape[1]} but {vocab_path.name} lists {len(words)} words"
            )
    docs_path = _sidecar(path, "docs")
    doc_ids = _read_lines(docs_path) if docs_path else [f"d{i + 1}" for i in range(X.shape[0])]
    labels_path = _sidecar(path, "labels")
    labels = _read_lines(labels_path) if labels_path else None
    for name, values in (("document ids", doc_ids), ("labels", labels)):
        if values is not None and len(values) != X.shape[0]:
            raise CorpusError(f"{path}: {len(values)} {name} for {X.shape[0]} documents")
    return _finish(X, words, doc_ids, labels, str(path), "matrix-market")


def read_uci_bag_of_words(path: str | os.PathLike) -> CountMatrix:
    """Read the UCI bag-of-words format: ``docword.NAME.txt[.gz]`` + ``vocab.NAME.txt``.

    The docword file starts with three lines (documents, words, nonzeros),
    then one ``docID wordID count`` triple per line, both ids 1-based.
    """
    path = Path(path)
    match = UCI_DOCWORD.match(path.name)
    vocab_path = path.with_name(f"vocab.{match.group('name')}.txt") if match else None
    if vocab_path is None or not vocab_path.is_file():
        raise CorpusError(f"{path}: the word list {vocab_path.name if vocab_path else 'vocab.NAME.txt'} is missing")
    words = _read_lines(vocab_path)
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            head = [fh.readline() for _ in range(3)]
            n_docs, n_words, nnz = (int(line) for line in head)
            triples = np.array(fh.read().split(), dtype=np.int64)
    except (ValueError, OSError, EOFError) as exc:
        raise CorpusError(f"{path} is not in the UCI bag-of-words format ({exc})") from None
    if triples.size % 3:
        raise CorpusError(f"{path}: a line does not hold a docID wordID count triple")
    triples = triples.reshape(-1, 3)
    if n_words != len(words):
        raise CorpusError(f"{path} declares {n_words} words but {vocab_path.name} lists {len(words)}")
    if triples.shape[0] != nnz:
        raise CorpusError(f"{path} declares {nnz} nonzeros but holds {triples.shape[0]}")
    rows, cols, counts = triples[:, 0] - 1, triples[:, 1] - 1, triples[:, 2]
    if triples.size and (rows.min() < 0 or rows.max() >= n_docs or cols.min() < 0 or cols.max() >= n_words):
        raise CorpusError(f"{path}: a docID or wordID lies outside the declared sizes")
    X = sp.coo_matrix((counts, (rows, cols)), shape=(n_docs, n_words))
    doc_ids = [str(i + 1) for i in range(n_docs)]
    return _finish(X, words, doc_ids, None, str(path), "uci-bag-of-words")


def _number(cell: str) -> float | None:
    cell = cell.strip()
    if not cell:
        return 0.0
    try:
        value = float(cell)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def looks_like_count_row(fields: list[str], skip: set[int]) -> bool:
    """True when every cell after the first (and outside ``skip``) is a number."""
    cells = [c for i, c in enumerate(fields) if i > 0 and i not in skip]
    return bool(cells) and all(_number(c) is not None for c in cells)


def read_count_table(path: str | os.PathLike, encoding: str, *, label_column: str | None = None) -> CountMatrix:
    """Read a CSV/TSV document × word count table.

    The header row holds an id column name followed by the words; each
    further row is a document id and its counts (empty cells count 0).
    """
    path = Path(path)
    rows, cols, vals, doc_ids, labels = [], [], [], [], []
    with open(path, encoding=encoding, newline="") as fh:
        reader = csv.reader(fh, **table_dialect(str(path)))
        header = [name.strip() for name in next(reader)]
        label_at = None
        if label_column is not None:
            if label_column not in header[1:]:
                raise CorpusError(f"{path} has no column {label_column!r}; its columns are: {', '.join(header)}")
            label_at = header.index(label_column, 1)
        word_at = [i for i in range(1, len(header)) if i != label_at]
        words = [header[i] for i in word_at]
        for line_no, fields in enumerate(reader, 2):
            if not fields:
                continue
            if len(fields) != len(header):
                raise CorpusError(f"{path}, line {line_no}: {len(fields)} cells but the header has {len(header)}")
            row = len(doc_ids)
            doc_ids.append(fields[0].strip())
            if label_at is not None:
                labels.append(fields[label_at].strip() or "(unlabelled)")
            for col, i in enumerate(word_at):
                value = _number(fields[i])
                if value is None:
                    raise CorpusError(
                        f"{path}, line {line_no}: {fields[i]!r} under {header[i]!r} is not a count"
                    )
                if value:
                    rows.append(row)
                    cols.append(col)
                    vals.append(value)
    X = sp.coo_matrix((np.array(vals, dtype=np.float64), (rows, cols)), shape=(len(doc_ids), len(words)))
    return _finish(X, words, doc_ids, labels if label_at is not None else None, str(path), "count-table")

