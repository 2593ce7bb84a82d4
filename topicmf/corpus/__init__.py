"""Reading corpora: folders of documents, tables of texts, precomputed count matrices.

:func:`open_corpus` looks at a path and returns either a :class:`TextCorpus`
(raw texts, read lazily as a stream of :class:`DocRef`) or a
:class:`~topicmf.corpus.counts.CountMatrix` (counts already made).  Nothing
here tokenizes, and nothing here ever writes to the corpus.
"""

from __future__ import annotations

import os
import warnings
from itertools import islice
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from ..errors import CorpusError, NoDocumentsError, TopicmfNotice
from .counts import (
    UCI_DOCWORD,
    CountMatrix,
    looks_like_count_row,
    read_count_table,
    read_matrix_market,
    read_uci_bag_of_words,
)
from .decoding import UnreadableFile, visible_text
from .files import (DOCUMENT_EXTENSIONS, MAILBOX_EXTENSIONS, TEXT_EXTENSIONS, FileRef, html_to_text,
                    read_document_file, read_file_bytes, walk_documents)
from .formats import DOCUMENT_READERS, read_pdf
from .limits import DEFAULT_LIMITS, ReadLimits, too_long
from .mail import mailbox_documents, spread_messages
from .memory import memory_corpus
from .sample import spread_rows
from .tables import RawRecordIds, RecordIds, Share, csv_shares, first_record_fields, iter_rows, line_shares, read_header, read_share, sniff_encoding

__all__ = [
    "open_corpus",
    "TextCorpus",
    "CountMatrix",
    "DocRef",
    "Share",
    "RecordIds",
    "RawRecordIds",
    "read_share",
    "load_text",
    "memory_corpus",
    "UnreadableFile",
    "ReadLimits",
    "DEFAULT_LIMITS",
    "html_to_text",
    "TEXT_EXTENSIONS",
    "DOCUMENT_EXTENSIONS",
]

_TABLE_EXTENSIONS = (".csv", ".tsv", ".jsonl")


class DocRef(NamedTuple):
    """A document before it is loaded: a file to read, or text already read."""

    doc_id: str
    label: str | None
    path: str | None
    text: str | None
    time: str | None = None  # a table's time value, when a time column is named


def load_text(ref: DocRef, limits: ReadLimits = DEFAULT_LIMITS) -> tuple[str, str | None]:
    """Return the text of ``ref`` and the fallback encoding used, if any.

    Raises :class:`UnreadableFile` for files that cannot become documents,
    among them those past one of ``limits`` (their text is not read).
    """
    if ref.text is not None:
        text = ref.text
        if len(text) > limits.max_chars:
            raise UnreadableFile(too_long("a text", len(text), limits.max_chars))
        return visible_text(text), None
    ending = os.path.splitext(ref.path)[1].lower()
    if ending == ".pdf":
        return visible_text(read_pdf(ref.path, limits)), None
    reader = DOCUMENT_READERS.get(ending)
    if reader is not None:  # mail keeps undecodable header bytes, RTF \u escapes can name lone surrogates
        return visible_text(reader(read_file_bytes(ref.path, limits.max_chars), limits)), None
    return read_document_file(ref.path, limits.max_chars)


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
    columns: dict | None = None  # tables: the text, id and label columns used, and which were found by name
    _records: object = None  # texts in memory (topicmf.corpus.memory.MemoryRecords)
    has_times: bool = False  # texts in memory given with times (a table's come from its time column)
    limits: ReadLimits = DEFAULT_LIMITS  # what one document may cost to read (topicmf.corpus.limits)

    @property
    def n_docs_hint(self) -> int | None:
        """Number of documents expected (folders), or None when unknown (tables, mail archives)."""
        if self._records is not None:
            return self._records.size
        if self._files is None or any(f.path.lower().endswith(MAILBOX_EXTENSIONS) for f in self._files):
            return None
        return len(self._files)

    def refs(self, skipped: list | None = None) -> Iterator[DocRef]:
        """Yield every document of the corpus in order, without loading files.

        Unusable records are added to ``skipped`` (by default :attr:`skipped`;
        a glance at the first documents passes a list of its own).
        """
        if self._records is not None:
            yield from self._records
        elif self._files is not None:
            for ref in self._files:
                if ref.path.lower().endswith(MAILBOX_EXTENSIONS):  # a document per message, read here
                    for doc_id, text in mailbox_documents(ref.path, ref.doc_id,
                                                          self.skipped if skipped is None else skipped, self.limits):
                        yield DocRef(doc_id, ref.label, None, text)
                else:
                    yield DocRef(ref.doc_id, ref.label, ref.path, None)
        else:
            for row in iter_rows(self.path, skipped=self.skipped if skipped is None else skipped, **self._table):
                yield DocRef(row.doc_id, row.label, None, row.text, row.time)

    def glance(self, n_docs: int) -> list[DocRef]:
        """The first ``n_docs`` documents, without using up a corpus that is read once (texts from a generator)."""
        if self._records is not None:
            return self._records.head(n_docs)
        return list(islice(self.refs(skipped=[]), n_docs))  # the counting pass reports unusable records

    def sample(self, n_docs: int, span: int) -> list[DocRef]:
        """Up to ``n_docs`` documents spread over the corpus, for a look at it before the reading pass.

        A folder's are spread over its first ``span`` files; a table's over
        the whole file, found by seeking to byte offsets (a file sorted by
        id, date or language is seen from end to end); a mail archive's over
        all its messages; texts in memory are spread over a list, an
        array or a Series, and give their first ones from a generator (read once).
        """
        if self._records is not None:
            return self._records.spread(n_docs)
        if self._table is not None:
            t = self._table
            rows = spread_rows(self.path, t["encoding"], (t["text_column"], None, None, None), n_docs)
            return [DocRef(str(number), None, None, text) for number, (_, _, text, _) in enumerate(rows, 1)]
        boxes = [f for f in self._files or () if f.path.lower().endswith(MAILBOX_EXTENSIONS)]
        if not boxes:
            refs = self.glance(span)
            return refs[::max(1, len(refs) // n_docs)][:n_docs]
        refs = [DocRef(f.doc_id, f.label, f.path, None) for f in self._files[:span] if f not in boxes]
        refs = refs[::max(1, len(refs) // n_docs)][:n_docs]
        each = max(1, n_docs // len(boxes))
        for box in boxes[:n_docs]:
            refs.extend(DocRef(f"{box.doc_id}#", box.label, None, text) for text in spread_messages(box.path, each))
        return refs[::max(1, len(refs) // n_docs)][:n_docs]

    def units(self) -> Iterator[DocRef | Share]:
        """The corpus as units of work, in order: documents, or shares of a table that workers read themselves.

        A folder gives its files.  A table is cut into byte ranges
        (:class:`Share`) that are parsed where they are tokenized: JSON Lines
        and TSV files at line ends, a CSV file (whose quoted fields may span
        lines) at record boundaries found by parsing it here first (no
        tokenizing).  Records of shares get their ids from
        :meth:`record_ids`, in order.
        """
        if self._table is None:
            yield from self.refs()
            return
        t = self._table
        cut = csv_shares if self.format == "csv" else line_shares
        yield from cut(self.path, t["encoding"], (t["text_column"], t["id_column"], t["label_column"],
                                                  t.get("time_column")), max_chars=self.limits.max_chars)

    def record_ids(self) -> RecordIds:
        """Numbering and checking of the ids of a table's records (see :class:`RecordIds`)."""
        return RecordIds(self.path, self._table["id_column"] if self._table else None)

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
    time_column: str | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
    follow_symlinks: bool = False,
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
    time_column : str or None
        A column (field) of a table of texts holding each document's date or
        time (read as text here; :mod:`topicmf.model.timebins` parses it).
    limits : ReadLimits
        What one document may cost to read; a document past them is skipped.
    follow_symlinks : bool
        Read what symbolic links in a folder point to outside it (skipped and
        listed by default: see :func:`~topicmf.corpus.files.walk_documents`).

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
    if time_column is not None and (os.path.isdir(path) or not path.lower().endswith(_TABLE_EXTENSIONS)):
        raise CorpusError(f"--time-column needs a table of texts (.csv, .tsv or .jsonl); {path} is not one")
    if os.path.isdir(path):
        files, skipped = walk_documents(path, follow_symlinks=follow_symlinks)
        if not files:
            raise NoDocumentsError(
                f"No documents found under {path} (looked for {', '.join(DOCUMENT_EXTENSIONS)})"
                + (f"; {len(skipped)} unreadable entries skipped" if skipped else "")
            )
        return TextCorpus(path, "directory", files[0].label is not None, list(skipped), _files=files, limits=limits)
    if not os.path.exists(path):
        raise CorpusError(f"No such file or folder: {path}")
    if not os.path.isfile(path):
        raise CorpusError(f"{path} is neither a folder nor a regular file")
    name = os.path.basename(path).lower()
    if name.endswith(MAILBOX_EXTENSIONS):  # a mail archive given as the corpus: its messages
        return TextCorpus(path, "mbox", False, _files=[FileRef(os.path.basename(path), None, os.path.abspath(path))],
                          limits=limits)
    if name.endswith(".mtx"):
        return read_matrix_market(path)
    if UCI_DOCWORD.match(os.path.basename(path)):
        return read_uci_bag_of_words(path)
    if not name.endswith(_TABLE_EXTENSIONS):
        raise CorpusError(
            f"{path}: unsupported file; give a folder of {'/'.join(DOCUMENT_EXTENSIONS)} files, an .mbox archive, "
            "a .csv/.tsv/.jsonl file with one document per record, a .mtx matrix with vocab.txt, "
            "or a UCI docword.NAME.txt"
        )
    fallback = sniff_encoding(path)
    encoding = fallback or "utf-8-sig"
    fmt = name.rsplit(".", 1)[1]
    if fmt != "jsonl":
        header, first = read_header(path, encoding)
        if text_column not in header:
            named = None if _off(label_column) else label_column
            label_at = {header.index(named)} if named in header else set()
            if first is not None and looks_like_count_row(first, label_at):
                return read_count_table(path, encoding, label_column=named)
            raise CorpusError(
                f"{path} has no column {text_column!r}; its columns are: {', '.join(header)} "
                "(choose one with --text-column)"
            )
        if first is None:
            raise NoDocumentsError(f"{path} has a header row but no records")
    else:
        header = first_record_fields(path, encoding)
        if header is None:
            raise NoDocumentsError(f"{path} holds no JSON object (one document per line, as {{\"text\": ...}})")
    id_column, id_found = choose_column(id_column, header, ID_COLUMNS, text_column)
    label_column, label_found = choose_column(label_column, header, LABEL_COLUMNS, text_column)
    for name in (text_column, id_column, label_column, time_column):
        if name is not None and name not in header:
            where = "the first record has no field" if fmt == "jsonl" else "has no column"
            raise CorpusError(f"{path}: {where} {name!r}; its {'fields' if fmt == 'jsonl' else 'columns'} are: "
                              f"{', '.join(map(str, header))}")
    detected = [f"{what} from column {name!r}" for what, name, found in
                (("ids", id_column, id_found), ("labels", label_column, label_found)) if found]
    if detected:
        warnings.warn(f"{os.path.basename(path)}: {' and '.join(detected)} (found by name; pass --id-column none "
                      "or --label-column none to turn this off)", TopicmfNotice, stacklevel=2)
    table = {"encoding": encoding, "text_column": text_column, "id_column": id_column, "label_column": label_column,
             "time_column": time_column}
    columns = {"text": text_column, "id": id_column, "label": label_column, "time": time_column,
               "detected": [what for what, found in (("id", id_found), ("label", label_found)) if found]}
    return TextCorpus(path, fmt, label_column is not None, _table=table, columns=columns, limits=limits)


#: Column names taken for document ids and labels when no column is named (case does not matter).
ID_COLUMNS = ("id", "doc_id")
LABEL_COLUMNS = ("label", "category", "class")


def _off(name) -> bool:
    return isinstance(name, str) and name.strip().lower() == "none"


def choose_column(given, header, candidates, text_column) -> tuple[str | None, bool]:
    """(column to use, whether it was found by name): the given one, none ("none"), or the first candidate present."""
    if _off(given):
        return None, False
    if given is not None:
        return given, False
    by_lower = {str(h).strip().lower(): h for h in header if h != text_column}
    for name in candidates:
        if name in by_lower:
            return by_lower[name], True
    return None, False
