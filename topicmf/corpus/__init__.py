"""Reading corpora: folders of documents, tables of texts, precomputed count matrices.

:func:`open_corpus` looks at a path and returns either a :class:`TextCorpus`
(raw texts, read lazily as a stream of :class:`DocRef`) or a
:class:`~topicmf.corpus.counts.CountMatrix` (counts already made).  Nothing
here tokenizes, and nothing here ever writes to the corpus.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from ..errors import CorpusError, NoDocumentsError
from .counts import (
    UCI_DOCWORD,
    CountMatrix,
    looks_like_count_row,
    read_count_table,
    read_matrix_market,
    read_uci_bag_of_words,
)
from .files import TEXT_EXTENSIONS, UnreadableFile, html_to_text, read_document_file, walk_documents
from .tables import iter_rows, read_header, sniff_encoding

__all__ = [
    "open_corpus",
    "TextCorpus",
    "CountMatrix",
    "DocRef",
    "load_text",
    "UnreadableFile",
    "html_to_text",
    "TEXT_EXTENSIONS",
]

_TABLE_EXTENSIONS = (".csv", ".tsv", ".jsonl")


class DocRef(NamedTuple):
    """A document before it is loaded: a file to read, or text already read."""

    doc_id: str
    label: str | None
    path: str | None
    text: str | None


def load_text(ref: DocRef) -> tuple[str, str | None]:
    """Return the text of ``ref`` and the fallback encoding used, if any.

    Raises :class:`UnreadableFile` for files that cannot become documents.
    """
    if ref.text is not None:
        return ref.text, None
    return read_document_file(ref.path)


@dataclass
class TextCorpus:
    """A corpus of raw texts, read on demand.

    Attributes
    ----------
    path : str
        The folder or file given.
    format : {"directory", "csv", "tsv", "jsonl"}
    has_labels : bool
        Whether documents carry labels (label sub-folders or a label column).
    skipped : list of (path, reason)
        Files and records found unusable so far; it grows while reading.
    """

    path: str
    format: str
    has_labels: bool
    skipped: list[tuple[str, str]] = field(default_factory=list)
    _files: list | None = None
    _table: dict | None = None

    @property
    def n_docs_hint(self) -> int | None:
        """Number of documents expected (folders), or None when unknown (tables)."""
        return len(self._files) if self._files is not None else None

    def refs(self) -> Iterator[DocRef]:
        """Yield every document of the corpus in order, without loading files."""
        if self._files is not None:
            for ref in self._files:
                yield DocRef(ref.doc_id, ref.label, ref.path, None)
        else:
            for row in iter_rows(self.path, skipped=self.skipped, **self._table):
                yield DocRef(row.doc_id, row.label, None, row.text)

    @property
    def encoding_fallback(self) -> str | None:
        """The fallback encoding a table file is read with, or None for UTF-8."""
        return self._table["encoding"] if self._table and self._table["encoding"] != "utf-8-sig" else None


def open_corpus(
    path: str | os.PathLike,
    *,
    text_column: str = "text",
    id_column: str | None = None,
    label_column: str | None = None,
) -> TextCorpus | CountMatrix:
    """Open the corpus at ``path``.

    Parameters
    ----------
    path : str or path-like
        A folder (every ``.txt``, ``.md``, ``.html``, ``.htm`` below it), a
        ``.csv`` / ``.tsv`` / ``.jsonl`` file with one document per record, a
        Matrix Market ``.mtx`` file with ``vocab.txt``, a UCI
        ``docword.NAME.txt`` with ``vocab.NAME.txt``, or a CSV/TSV count
        table whose header row holds the words.
    text_column, id_column, label_column : str
        Columns (fields) of a table of texts; ``label_column`` also names a
        label column of a count table.

    Returns
    -------
    TextCorpus or CountMatrix

    Raises
    ------
    CorpusError
        The path is missing or unusable.
    NoDocumentsError
        A folder without any document file.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        files, skipped = walk_documents(path)
        if not files:
            raise NoDocumentsError(
                f"No documents found under {path} (looked for {', '.join(TEXT_EXTENSIONS)})"
                + (f"; {len(skipped)} unreadable entries skipped" if skipped else "")
            )
        return TextCorpus(path, "directory", files[0].label is not None, list(skipped), _files=files)
    if not os.path.exists(path):
        raise CorpusError(f"No such file or folder: {path}")
    if not os.path.isfile(path):
        raise CorpusError(f"{path} is neither a folder nor a regular file")
    name = os.path.basename(path).lower()
    if name.endswith(".mtx"):
        return read_matrix_market(path)
    if UCI_DOCWORD.match(os.path.basename(path)):
        return read_uci_bag_of_words(path)
    if not name.endswith(_TABLE_EXTENSIONS):
        raise CorpusError(
            f"{path}: unsupported file; give a folder of {'/'.join(TEXT_EXTENSIONS)} files, "
            "a .csv/.tsv/.jsonl file with one document per record, a .mtx matrix with vocab.txt, "
            "or a UCI docword.NAME.txt"
        )
    fallback = sniff_encoding(path)
    encoding = fallback or "utf-8-sig"
    fmt = name.rsplit(".", 1)[1]
    if fmt != "jsonl":
        header, first = read_header(path, encoding)
        if text_column not in header:
            label_at = {header.index(label_column)} if label_column in header else set()
            if first is not None and looks_like_count_row(first, label_at):
                return read_count_table(path, encoding, label_column=label_column)
            raise CorpusError(
                f"{path} has no column {text_column!r}; its columns are: {', '.join(header)} "
                "(choose one with --text-column)"
            )
        if first is None:
            raise NoDocumentsError(f"{path} has a header row but no records")
    table = {"encoding": encoding, "text_column": text_column, "id_column": id_column, "label_column": label_column}
    return TextCorpus(path, fmt, label_column is not None, _table=table)
